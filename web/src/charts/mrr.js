// mrr.js — the MRR chart: monthly actuals, a projection with its interval
// band, and the new / expansion / churn movements as areas on a second
// axis.  The month not over yet (partialFrom; the API marks it partial)
// is drawn dashed and lighter and labelled "to date": its movements so far
// are a separate lighter part, not an area falling to 0.
import { theme, axisFormatter, axisTooltip } from './core.js';
import { partialArea, partialLabels } from './line.js';

/**
 * months: ['2024-01', …]; mrr: actual MRR per month; movements: {new, expansion, churn}
 * arrays aligned with months; projection: {months, value, lower, upper} or null;
 * partialFrom: index (in months) of the first partial month, or null.
 */
export function mrrOption({ months, mrr, movements, projection, partialFrom = null }) {
  const t = theme();
  const pf = Number.isInteger(partialFrom) && partialFrom >= 0 && partialFrom < months.length ? partialFrom : null;
  const pm = projection ? projection.months : [];
  const x = months.concat(pm.filter((m) => !months.includes(m)));
  const pad = (arr, at) => x.map((m) => { const i = at.indexOf(m); return i < 0 ? null : arr[i]; });
  // Split an actual series at the partial month: [whole part, partial part].
  const split = (vals) => {
    if (pf === null) return [vals, null];
    return [vals.map((v, i) => (i < pf ? v : null)), vals.map((v, i) => (i >= pf - 1 && i < months.length ? v : null))];
  };
  const [mrrWhole, mrrPart] = split(pad(mrr, months));
  const series = [
    { name: 'MRR', type: 'line', data: mrrWhole, yAxisIndex: 0, showSymbol: true, symbolSize: 4, lineStyle: { width: 2.5 }, itemStyle: { color: t.palette[0] }, z: 5 },
  ];
  if (mrrPart) {
    series.push({ name: 'MRR', type: 'line', nsPartial: true, data: mrrPart, yAxisIndex: 0, showSymbol: true, symbol: 'emptyCircle', symbolSize: 6,
      lineStyle: { width: 2.5, type: 'dashed', opacity: 0.6 }, itemStyle: { color: t.palette[0], opacity: 0.7 }, z: 5 });
  }
  if (pf !== null) series[0].markArea = partialArea(x, pf, t, { fromPrevious: true });
  if (projection) {
    // Join the projection to the last actual point so the line is continuous.
    const last = months.length - 1;
    const pv = x.map((m) => { const i = pm.indexOf(m); return i >= 0 ? projection.value[i] : null; });
    if (last >= 0 && pv[last] === null) pv[last] = mrr[last];
    const lo = x.map((m) => { const i = pm.indexOf(m); return i >= 0 ? projection.lower[i] : null; });
    const up = x.map((m) => { const i = pm.indexOf(m); return i >= 0 ? projection.upper[i] : null; });
    series.push({ name: 'interval low', type: 'line', data: lo, stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, silent: true, yAxisIndex: 0, nsHelper: true, tooltip: { show: false } });
    series.push({ name: 'Projection interval', type: 'line', data: up.map((u, i) => (u === null || lo[i] === null ? null : u - lo[i])), stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, areaStyle: { color: t.palette[0], opacity: 0.15 }, yAxisIndex: 0 });
    series.push({ name: 'Projection', type: 'line', data: pv, yAxisIndex: 0, showSymbol: false, lineStyle: { type: 'dashed', width: 2 }, itemStyle: { color: t.palette[0] } });
  }
  if (movements) {
    const mv = (name, arr, color) => {
      const [whole, part] = split(pad(arr, months));
      const out = [{ name, type: 'line', data: whole, yAxisIndex: 1, showSymbol: false, lineStyle: { width: 1 }, areaStyle: { opacity: 0.3 }, itemStyle: { color } }];
      // The partial month's movements so far: dashed, a lighter area, its own points.
      if (part) out.push({ name, type: 'line', nsPartial: true, data: part, yAxisIndex: 1, showSymbol: true, symbol: 'emptyCircle', symbolSize: 5,
        lineStyle: { width: 1, type: 'dashed' }, areaStyle: { opacity: 0.12 }, itemStyle: { color, opacity: 0.7 } });
      return out;
    };
    series.push(...mv('New MRR', movements.new, t.status.good));
    series.push(...mv('Expansion MRR', movements.expansion, t.palette[4]));
    series.push(...mv('Churned MRR', movements.churn, t.status.bad));
  }
  const names = [...new Set(series.map((s) => s.name))].filter((n) => n !== 'interval low');
  return {
    nsKind: 'money', nsPartialFrom: pf, nsCategory: 'Month',
    grid: { left: 8, right: 8, top: 56, bottom: 8, containLabel: true },
    legend: { top: 0, textStyle: { color: t.text }, data: names },
    tooltip: { trigger: 'axis', formatter: axisTooltip('money', pf) },
    xAxis: { type: 'category', data: x, boundaryGap: false, axisLabel: partialLabels(pf, t) },
    yAxis: [
      { type: 'value', name: 'MRR', nameTextStyle: { color: t.muted }, axisLabel: { color: t.muted, formatter: axisFormatter('money') }, splitLine: { lineStyle: { color: t.grid } } },
      { type: 'value', name: 'movements', nameTextStyle: { color: t.muted }, axisLabel: { color: t.muted, formatter: axisFormatter('money') }, splitLine: { show: false } },
    ],
    series,
  };
}
