// mrr.js — the MRR chart: monthly actuals, a projection with its interval
// band, and the new / expansion / churn movements as areas on a second axis.
import { theme, axisFormatter, STATUS } from './core.js';

/**
 * months: ['2024-01', …]; mrr: actual MRR per month; movements: {new, expansion, churn}
 * arrays aligned with months; projection: {months, value, lower, upper} or null.
 */
export function mrrOption({ months, mrr, movements, projection }) {
  const t = theme();
  const pm = projection ? projection.months : [];
  const x = months.concat(pm.filter((m) => !months.includes(m)));
  const pad = (arr, at) => x.map((m) => { const i = at.indexOf(m); return i < 0 ? null : arr[i]; });
  const series = [
    { name: 'MRR', type: 'line', data: pad(mrr, months), yAxisIndex: 0, showSymbol: true, symbolSize: 4, lineStyle: { width: 2.5 }, itemStyle: { color: t.palette[0] }, z: 5 },
  ];
  if (projection) {
    // Join the projection to the last actual point so the line is continuous.
    const last = months.length - 1;
    const pv = x.map((m) => { const i = pm.indexOf(m); return i >= 0 ? projection.value[i] : null; });
    if (last >= 0 && pv[last] === null) pv[last] = mrr[last];
    const lo = x.map((m) => { const i = pm.indexOf(m); return i >= 0 ? projection.lower[i] : null; });
    const up = x.map((m) => { const i = pm.indexOf(m); return i >= 0 ? projection.upper[i] : null; });
    series.push({ name: 'interval low', type: 'line', data: lo, stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, silent: true, yAxisIndex: 0 });
    series.push({ name: 'Projection interval', type: 'line', data: up.map((u, i) => (u === null || lo[i] === null ? null : u - lo[i])), stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, areaStyle: { color: t.palette[0], opacity: 0.15 }, yAxisIndex: 0 });
    series.push({ name: 'Projection', type: 'line', data: pv, yAxisIndex: 0, showSymbol: false, lineStyle: { type: 'dashed', width: 2 }, itemStyle: { color: t.palette[0] } });
  }
  if (movements) {
    const mv = (name, arr, color) => ({ name, type: 'line', data: pad(arr, months), yAxisIndex: 1, showSymbol: false, lineStyle: { width: 1 }, areaStyle: { opacity: 0.3 }, itemStyle: { color } });
    series.push(mv('New MRR', movements.new, STATUS.good));
    series.push(mv('Expansion MRR', movements.expansion, t.palette[4]));
    series.push(mv('Churned MRR', movements.churn, STATUS.bad));
  }
  return {
    grid: { left: 8, right: 8, top: 56, bottom: 8, containLabel: true },
    legend: { top: 0, textStyle: { color: t.text }, data: series.map((s) => s.name).filter((n) => n !== 'interval low') },
    xAxis: { type: 'category', data: x, boundaryGap: false, axisLabel: { color: t.muted } },
    yAxis: [
      { type: 'value', name: 'MRR', nameTextStyle: { color: t.muted }, axisLabel: { color: t.muted, formatter: axisFormatter('money') }, splitLine: { lineStyle: { color: t.grid } } },
      { type: 'value', name: 'movements', nameTextStyle: { color: t.muted }, axisLabel: { color: t.muted, formatter: axisFormatter('money') }, splitLine: { show: false } },
    ],
    series,
  };
}
