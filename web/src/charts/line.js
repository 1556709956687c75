// line.js — trend lines: several series over dates, optional stacked areas,
// a shaded interval band and a dashed previous-period comparison.
import { theme, axisFormatter } from './core.js';

/**
 * x: category labels (dates); series: [{name, data, area, stack, dashed, color}];
 * band: {name, lower: [...], upper: [...]} drawn as a shaded interval;
 * kind: 'money' | 'pct' | 'int' for the value axis.
 */
export function lineOption({ x, series, band, kind = 'int', legend = true }) {
  const t = theme();
  const out = [];
  if (band) {
    out.push({ name: band.name + ' low', type: 'line', data: band.lower, stack: 'band', symbol: 'none',
      lineStyle: { opacity: 0 }, areaStyle: { opacity: 0 }, tooltip: { show: false }, silent: true });
    out.push({ name: band.name, type: 'line', stack: 'band', symbol: 'none', lineStyle: { opacity: 0 },
      areaStyle: { color: t.palette[0], opacity: 0.15 },
      data: band.upper.map((u, i) => (u === null || band.lower[i] === null ? null : u - band.lower[i])) });
  }
  for (const s of series) {
    out.push({
      name: s.name, type: 'line', data: s.data, showSymbol: false, connectNulls: false,
      stack: s.stack, areaStyle: s.area ? { opacity: 0.35 } : undefined,
      lineStyle: s.dashed ? { type: 'dashed', width: 1.5 } : { width: 2 },
      itemStyle: s.color ? { color: s.color } : undefined,
    });
  }
  return {
    grid: { left: 8, right: 16, top: legend ? 36 : 12, bottom: 8, containLabel: true },
    legend: legend ? { top: 0, textStyle: { color: t.text }, data: series.map((s) => s.name).concat(band ? [band.name] : []) } : undefined,
    xAxis: { type: 'category', data: x, boundaryGap: false, axisLabel: { color: t.muted }, axisLine: { lineStyle: { color: t.grid } } },
    yAxis: { type: 'value', axisLabel: { color: t.muted, formatter: axisFormatter(kind) }, splitLine: { lineStyle: { color: t.grid } } },
    series: out,
  };
}
