// echarts.js — the ECharts build most charts need (line and bar charts,
// their grid, tooltip, legend, mark lines and areas, aria, the canvas
// renderer).  Loaded on demand by core.js renderChart (a chunk of its own:
// the sign-in page and the shell paint without it); the chart types few
// views draw are in echarts-extra.js, loaded when an option needs them.
// New chart types register themselves in their own files with
// `import { use } from 'echarts/core'` (named imports: `import * as` keeps
// all of ECharts' API in the shared chunk, some 200 KB more for every view).
import { init, use } from 'echarts/core';
import { LineChart, BarChart } from 'echarts/charts';
import {
  GridComponent, TooltipComponent, LegendComponent,
  MarkLineComponent, MarkAreaComponent, AriaComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

use([LineChart, BarChart,
  GridComponent, TooltipComponent, LegendComponent, MarkLineComponent,
  MarkAreaComponent, AriaComponent, CanvasRenderer]);

/** What core.js uses of ECharts. */
export const echarts = { init };
