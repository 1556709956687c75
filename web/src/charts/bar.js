// bar.js — bar charts: grouped or stacked, vertical or horizontal.
import { theme, axisFormatter } from './core.js';

/** x: categories; series: [{name, data, stack, color}]; horizontal: bars left to right. */
export function barOption({ x, series, kind = 'int', horizontal = false, legend = true }) {
  const t = theme();
  const cat = { type: 'category', data: x, axisLabel: { color: t.muted }, axisLine: { lineStyle: { color: t.grid } } };
  const val = { type: 'value', axisLabel: { color: t.muted, formatter: axisFormatter(kind) }, splitLine: { lineStyle: { color: t.grid } } };
  return {
    grid: { left: 8, right: 16, top: legend ? 36 : 12, bottom: 8, containLabel: true },
    legend: legend ? { top: 0, textStyle: { color: t.text } } : undefined,
    tooltip: { trigger: 'axis' },
    xAxis: horizontal ? val : cat,
    yAxis: horizontal ? { ...cat, inverse: true } : val,
    series: series.map((s) => ({ name: s.name, type: 'bar', data: s.data, stack: s.stack,
      itemStyle: s.color ? { color: s.color } : undefined, barMaxWidth: 28 })),
  };
}
