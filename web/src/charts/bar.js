// bar.js — bar charts: grouped or stacked, vertical or horizontal; the
// partial bucket (partialFrom) lighter with a dashed outline, labelled
// "to date".
import { theme, axisFormatter, axisTooltip } from './core.js';
import { partialArea, partialLabels } from './line.js';

/**
 * x: categories; series: [{name, data, stack, color}]; horizontal: bars left to right;
 * partialFrom: index of the first partial bucket (views/util.js) or null.
 */
export function barOption({ x, series, kind = 'int', horizontal = false, legend = true, partialFrom = null }) {
  const t = theme();
  const pf = Number.isInteger(partialFrom) && partialFrom >= 0 && partialFrom < x.length ? partialFrom : null;
  const cat = { type: 'category', data: x, axisLabel: partialLabels(pf, t), axisLine: { lineStyle: { color: t.grid } } };
  const val = { type: 'value', axisLabel: { color: t.muted, formatter: axisFormatter(kind) }, splitLine: { lineStyle: { color: t.grid } } };
  const out = series.map((s, k) => {
    const color = s.color || t.palette[k % t.palette.length];
    return {
      name: s.name, type: 'bar', stack: s.stack, itemStyle: { color }, barMaxWidth: 28,
      data: pf === null ? s.data : s.data.map((v, i) => (i >= pf
        ? { value: v, itemStyle: { color, opacity: 0.45, borderType: 'dashed', borderWidth: 1.5, borderColor: color } } : v)),
    };
  });
  if (pf !== null && out.length && !horizontal) out[0].markArea = partialArea(x, pf, t);
  return {
    nsKind: kind, nsPartialFrom: pf,
    grid: { left: 8, right: 16, top: legend ? 36 : 12, bottom: 8, containLabel: true },
    legend: legend ? { top: 0, textStyle: { color: t.text } } : undefined,
    tooltip: { trigger: 'axis', formatter: axisTooltip(kind, pf) },
    xAxis: horizontal ? val : cat,
    yAxis: horizontal ? { ...cat, inverse: true } : val,
    series: out,
  };
}
