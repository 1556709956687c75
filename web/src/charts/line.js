// line.js — trend lines: several series over dates, optional stacked areas,
// a shaded interval band and a dashed previous-period comparison; the
// partial bucket (today's day, week or month: partialFrom) dashed and
// lighter, shaded and labelled "to date".
import { theme, axisFormatter, axisTooltip, toDate } from './core.js';
import { bucket } from '../format.js';

/**
 * The "to date" marking shared by the builders: a light band over the
 * partial buckets labelled "to date" (a markArea on the first series).
 */
export function partialArea(x, partialFrom, t, { fromPrevious = false } = {}) {
  if (!Number.isInteger(partialFrom) || partialFrom < 0 || partialFrom >= x.length) return undefined;
  // A line's partial part starts at the last whole point (boundaryGap off):
  // the band covers that dashed stretch; a bar's covers the bucket itself.
  const from = fromPrevious && partialFrom > 0 ? partialFrom - 1 : partialFrom;
  return {
    silent: true,
    itemStyle: { color: t.dark ? 'rgba(255,255,255,0.06)' : 'rgba(0,0,0,0.04)' },
    label: { show: true, position: 'insideTop', color: t.muted, formatter: 'to date' },
    data: [[{ xAxis: x[from] }, { xAxis: x[x.length - 1] }]],
  };
}

/**
 * Category axis labels: dates without a midnight hour ("2026-11-02 00" →
 * "2026-11-02", format.js bucket), and the partial bucket's says "(to date)".
 */
export function partialLabels(partialFrom, t) {
  return { color: t.muted, formatter: (v, i) => (Number.isInteger(partialFrom) && i >= partialFrom ? toDate(bucket(v)) : bucket(v)) };
}

/**
 * x: category labels (dates); series: [{name, data, area, stack, dashed, color}];
 * band: {name, lower: [...], upper: [...]} drawn as a shaded interval;
 * kind: 'money' | 'pct' | 'int' for the value axis;
 * partialFrom: index of the first partial bucket (views/util.js partialFrom)
 * or null: from there on each line is drawn dashed and lighter (a second
 * part of the same name, so the legend and tooltip show one series).
 */
export function lineOption({ x, series, band, kind = 'int', legend = true, partialFrom = null }) {
  const t = theme();
  const pf = Number.isInteger(partialFrom) && partialFrom >= 0 && partialFrom < x.length ? partialFrom : null;
  const out = [];
  if (band) {
    out.push({ name: band.name + ' low', type: 'line', data: band.lower, stack: 'band', symbol: 'none', nsHelper: true,
      lineStyle: { opacity: 0 }, areaStyle: { opacity: 0 }, tooltip: { show: false }, silent: true });
    out.push({ name: band.name, type: 'line', stack: 'band', symbol: 'none', lineStyle: { opacity: 0 },
      areaStyle: { color: t.palette[0], opacity: 0.15 },
      data: band.upper.map((u, i) => (u === null || band.lower[i] === null ? null : u - band.lower[i])) });
  }
  series.forEach((s, k) => {
    const color = s.color || t.palette[k % t.palette.length];
    const whole = {
      name: s.name, type: 'line', data: s.data, showSymbol: false, connectNulls: false,
      stack: s.stack, areaStyle: s.area ? { opacity: 0.35 } : undefined,
      lineStyle: s.dashed ? { type: 'dashed', width: 1.5 } : { width: 2 },
      itemStyle: { color },
    };
    if (pf === null || s.stack) {
      // Stacked areas keep one series (a split would stack twice): the
      // partial bucket is the lighter, labelled band of partialArea.
      if (pf !== null) whole.data = s.data.map((v, i) => (i >= pf ? { value: v, itemStyle: { opacity: 0.5 }, symbol: 'emptyCircle', symbolSize: 6 } : v));
      out.push(whole);
      return;
    }
    // Whole buckets solid; from the last whole one to the end dashed and lighter.
    whole.data = s.data.map((v, i) => (i < pf ? v : null));
    if (pf === 0) whole.data = s.data.map(() => null);
    out.push(whole);
    out.push({
      name: s.name, type: 'line', nsPartial: true, showSymbol: true, symbol: 'emptyCircle', symbolSize: 6, connectNulls: false,
      data: s.data.map((v, i) => (i >= pf - 1 ? v : null)),
      lineStyle: { type: 'dashed', width: 2, opacity: 0.6 }, itemStyle: { color, opacity: 0.7 },
      areaStyle: s.area ? { opacity: 0.15 } : undefined,
    });
  });
  const firstReal = out.find((s) => !s.nsHelper && !s.stack) || out.find((s) => !s.nsHelper);
  if (firstReal && pf !== null) firstReal.markArea = partialArea(x, pf, t, { fromPrevious: true });
  return {
    nsKind: kind, nsPartialFrom: pf,
    grid: { left: 8, right: 16, top: legend ? 36 : 12, bottom: 8, containLabel: true },
    legend: legend ? { top: 0, textStyle: { color: t.text }, data: series.map((s) => s.name).concat(band ? [band.name] : []) } : undefined,
    tooltip: { trigger: 'axis', formatter: axisTooltip(kind, pf) },
    xAxis: { type: 'category', data: x, boundaryGap: false, axisLabel: partialLabels(pf, t), axisLine: { lineStyle: { color: t.grid } } },
    yAxis: { type: 'value', axisLabel: { color: t.muted, formatter: axisFormatter(kind) }, splitLine: { lineStyle: { color: t.grid } } },
    series: out,
  };
}
