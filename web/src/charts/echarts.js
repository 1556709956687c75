// echarts.js — the ECharts build (only the charts and components used,
// canvas renderer).  Loaded on demand by core.js renderChart (a chunk of
// its own: the sign-in page and the shell paint without it).  New chart
// types register themselves in their own files with echarts.use().
import * as echarts from 'echarts/core';
import { LineChart, BarChart, PieChart, GaugeChart, FunnelChart, HeatmapChart } from 'echarts/charts';
import {
  GridComponent, TooltipComponent, LegendComponent, VisualMapComponent,
  MarkLineComponent, MarkAreaComponent, AriaComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, PieChart, GaugeChart, FunnelChart, HeatmapChart,
  GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, MarkLineComponent,
  MarkAreaComponent, AriaComponent, CanvasRenderer]);

export { echarts };
