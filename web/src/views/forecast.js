// forecast.js — forecasts with their 80 % / 95 % bands and backtest
// accuracy (MRR, revenue, usage), and the churn-risk list.
import { get } from '../api.js';
import { lineOption } from '../charts/line.js';
import { renderChart } from '../charts/core.js';
import { table } from '../panel.js';
import { h } from '../dom.js';
import { pct, num } from '../format.js';
import { allowed, col, words } from './util.js';
import { asOfParams } from '../store.js';

export const MRR_FORECAST = '/api/forecast/mrr';

/** {months, value, lower, upper} of a monthly forecast answer (80 % band). */
export function projectionOf(d) {
  const pts = d.forecast || [];
  if (!pts.length) return null;
  return { months: pts.map((p) => String(p.date).slice(0, 7)), value: col(pts, 'value'), lower: col(pts, 'lo80'), upper: col(pts, 'hi80') };
}

/** Chart option of a forecast answer: history, forecast and its 80 % band. */
function forecastOption(d, kind, keepHistory) {
  const hist = (d.history || []).slice(-keepHistory);
  const fc = d.forecast || [];
  if (!hist.length && !fc.length) return null;
  const x = hist.map((p) => p.date).concat(fc.map((p) => p.date));
  const pad = (n, arr) => Array(n).fill(null).concat(arr);
  const lastH = hist.length ? hist[hist.length - 1].value : null;
  const fcLine = pad(hist.length, col(fc, 'value'));
  if (hist.length) fcLine[hist.length - 1] = lastH;
  return lineOption({
    x, kind,
    series: [{ name: 'Actual', data: col(hist, 'value').concat(Array(fc.length).fill(null)) }, { name: 'Forecast', data: fcLine, dashed: true }],
    band: { name: '80% interval', lower: pad(hist.length, col(fc, 'lo80')), upper: pad(hist.length, col(fc, 'hi80')) },
  });
}

/**
 * Backtest accuracy under a chart.  Each figure says what it is: the table is the MAPE per
 * horizon (mean over the backtest's origins); across horizons the median is the headline (one
 * anomalous day — an outage with next to no revenue — inflates every horizon landing on it,
 * and the mean follows), the mean and the horizon count beside it (docs/api/forecast.md).
 */
function accuracy(d, unit) {
  const b = d.backtest;
  if (!b || !(b.by_horizon || []).length) return null;
  const n = b.by_horizon.length;
  const span = `1–${n} ${unit}${n === 1 ? '' : 's'} ahead`;
  const lines = [
    h('p', { class: 'panel-sub', dataset: { figure: 'backtest' }, text: `Backtest: ${b.origins} past forecasts (rolling origins), each ${span}, against what happened.` }),
    h('p', { class: 'panel-sub', dataset: { figure: 'median' }, text: `Median MAPE across horizons: ${pct(b.median_mape_pct)} (naive last value: ${pct(b.naive_median_mape_pct)}) — better than naive at ${b.horizons_beating_naive} of ${n} horizons.` }),
    h('p', { class: 'panel-sub', dataset: { figure: 'mean' }, text: `Mean MAPE across horizons: ${pct(b.mape_pct)} (naive: ${pct(b.naive_mape_pct)}) — ${b.beats_naive ? 'below' : 'not below'} the naive mean. The mean follows the worst horizons (an outlier day counts at every horizon that lands on it); the median does not.` }),
  ];
  return h('div', {}, ...lines,
    table([{ key: 'h', label: `Horizon (${unit}s ahead)`, kind: 'int' }, { key: 'mape_pct', label: `MAPE (mean of ${b.origins} origins)`, kind: 'pct' }, { key: 'naive_mape_pct', label: 'Naive MAPE', kind: 'pct' }], b.by_horizon, 'Backtest accuracy by horizon'));
}

/** A churn probability as the page shows it: "> 99 %" rather than a near-certainty, else 1 decimal. */
export function churnPct(p) {
  if (p === null || p === undefined) return '—';
  return Number(p) > 0.99 ? '> 99%' : pct(100 * Number(p));
}

const CHURN_COLUMNS = [
  { key: 'name', label: 'Customer', link: (r) => `/customers/${r.customer_id}` },
  { key: 'churn_probability', label: 'Churn probability', value: (r) => churnPct(r.churn_probability), tone: (r) => (r.churn_probability >= 0.3 ? 'bad' : r.churn_probability >= 0.1 ? 'warn' : 'good') },
  { key: 'mrr', label: 'MRR', kind: 'money' },
  { key: 'tenure_months', label: 'Tenure (months)', value: (r) => num(r.tenure_months, 1) },
  { key: 'top_factors', label: 'Main factors', value: (r) => (r.top_factors || []).map((f) => words(f.feature)).join(', ') },
];

export default {
  key: 'forecast',
  label: 'Forecast',
  mount(ctx, { me }) {
    ctx.header('Forecast', 'Where the numbers are heading, how sure we are, and how accurate past forecasts were.');
    const g = ctx.grid();
    const fcPanel = (id, title, path, params, kind, keep, lazy, unit) => ctx.panel(g, {
      id, title, span: 'half', lazy, endpoint: path, kind: 'custom',
      csv: { path, params: (f) => ({ ...params, ...asOfParams(f) }), filename: `${id}.csv` },
      load: (f) => get(path, { ...params, ...asOfParams(f) }),
      render: async (body, d) => {
        const option = forecastOption(d, kind, keep);
        if (!option) return false;
        const box = h('div', { class: 'chart', dataset: { kind: 'forecast' } });
        body.append(box);
        await renderChart(box, option);
        const acc = accuracy(d, unit);
        if (acc) body.append(acc);
        if (d.method) body.append(h('p', { class: 'panel-sub', text: `Method: ${d.method.name}${d.method.model ? ` (${d.method.model})` : ''}` }));
      },
    });
    if (allowed(me, 'ceo,sales')) {
      fcPanel('fc-mrr', 'MRR, next 6 months', '/api/forecast/mrr', { months: 6 }, 'money', 18, false, 'month');
      fcPanel('fc-revenue', 'Daily revenue, next 30 days', '/api/forecast/revenue', { days: 30 }, 'money', 120, false, 'day');
    }
    if (allowed(me, 'ceo,cs')) {
      fcPanel('fc-usage', 'API usage, next 30 days', '/api/forecast/usage', { days: 30, metric: 'api_calls' }, 'int', 120, !allowed(me, 'cs') ? true : false, 'day');
      ctx.panel(g, {
        id: 'fc-churn', title: 'Churn risk, next 30 days', span: 'full', endpoint: '/api/forecast/churn-risk',
        subtitle: 'Probability that a paying customer has no MRR 30 days from now.',
        csv: { path: '/api/forecast/churn-risk', params: (f) => ({ limit: 500, ...asOfParams(f) }), filename: 'churn-risk.csv' },
        load: (f) => get('/api/forecast/churn-risk', { limit: 20, ...asOfParams(f) }),
        empty: 'No customer at risk of churning',
        kind: 'table',
        render: (body, d) => {
          const rows = d.customers || [];
          if (!rows.length) return false;
          body.append(table(CHURN_COLUMNS, rows, 'Churn risk, next 30 days'));
          const m = d.method || {}, b = d.backtest || {};
          body.append(h('p', { class: 'panel-sub', dataset: { figure: 'calibration' },
            text: `How the probabilities are calibrated: a logistic regression on ${num(m.rows)} past customer snapshots, checked out of fold (5 folds by customer): `
              + `AUC ${num(b.auc, 2)}, expected calibration error ${pct(100 * b.ece)} (mean predicted vs observed churn per probability band). `
              + `When scoring, each feature is held within the range seen in training, and no probability goes above ${pct(100 * m.max_probability)} (rule of succession) — above 99 % it shows as “> 99%”, never a certainty.` }));
        },
      });
    }
  },
};
