// sparkline.js — a tiny axis-less line for KPI cards.
import { theme } from './core.js';

export function sparkOption({ data, color }) {
  const t = theme();
  return {
    nsQuiet: true,   // the card's figure is its text: no decals, a short aria label
    tooltip: { show: false },
    grid: { left: 0, right: 0, top: 2, bottom: 2 },
    xAxis: { type: 'category', show: false, boundaryGap: false, data: data.map((_, i) => i) },
    yAxis: { type: 'value', show: false, scale: true },
    series: [{ type: 'line', data, showSymbol: false, silent: true,
      lineStyle: { width: 1.5, color: color || t.palette[0] }, areaStyle: { opacity: 0.12, color: color || t.palette[0] } }],
  };
}
