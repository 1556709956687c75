// echarts-extra.js — the chart types few views draw (pie, gauge, funnel,
// heatmap with its visual map), registered with the ECharts of echarts.js
// when a chart first needs one (core.js renderChart): the executive view
// loads without them.
import { use } from 'echarts/core';
import { PieChart, GaugeChart, FunnelChart, HeatmapChart } from 'echarts/charts';
import { VisualMapComponent } from 'echarts/components';

use([PieChart, GaugeChart, FunnelChart, HeatmapChart, VisualMapComponent]);
