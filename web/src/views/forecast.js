// forecast.js — forecasts with their 80 % / 95 % bands and backtest
// accuracy (MRR, revenue, usage), and the churn-risk list.
import { get } from '../api.js';
import { lineOption } from '../charts/line.js';
import { renderChart } from '../charts/core.js';
import { table } from '../panel.js';
import { h } from '../dom.js';
import { pct, num } from '../format.js';
import { allowed, col, words } from './util.js';

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

/** Backtest accuracy under a chart: MAPE per horizon against the naive forecast. */
function accuracy(d) {
  const b = d.backtest;
  if (!b || !(b.by_horizon || []).length) return null;
  return h('div', {},
    h('p', { class: 'panel-sub', text: `Backtest (${b.origins} origins): MAPE ${pct(b.mape_pct)} vs naive ${pct(b.naive_mape_pct)} — ${b.beats_naive ? 'beats' : 'does not beat'} the naive forecast.` }),
    table([{ key: 'h', label: 'Horizon', kind: 'int' }, { key: 'mape_pct', label: 'MAPE', kind: 'pct' }, { key: 'naive_mape_pct', label: 'Naive MAPE', kind: 'pct' }], b.by_horizon, 'Backtest accuracy by horizon'));
}

export default {
  key: 'forecast',
  label: 'Forecast',
  mount(ctx, { me }) {
    ctx.header('Forecast', 'Where the numbers are heading, how sure we are, and how accurate past forecasts were.');
    const g = ctx.grid();
    const fcPanel = (id, title, path, params, kind, keep, lazy) => ctx.panel(g, {
      id, title, span: 'half', lazy, endpoint: path, kind: 'custom',
      csv: { path, params: () => params, filename: `${id}.csv` },
      load: () => get(path, params),
      render: async (body, d) => {
        const option = forecastOption(d, kind, keep);
        if (!option) return false;
        const box = h('div', { class: 'chart', dataset: { kind: 'forecast' } });
        body.append(box);
        await renderChart(box, option);
        const acc = accuracy(d);
        if (acc) body.append(acc);
        if (d.method) body.append(h('p', { class: 'panel-sub', text: `Method: ${d.method.name}${d.method.model ? ` (${d.method.model})` : ''}` }));
      },
    });
    if (allowed(me, 'ceo,sales')) {
      fcPanel('fc-mrr', 'MRR, next 6 months', '/api/forecast/mrr', { months: 6 }, 'money', 18, false);
      fcPanel('fc-revenue', 'Daily revenue, next 30 days', '/api/forecast/revenue', { days: 30 }, 'money', 120, false);
    }
    if (allowed(me, 'ceo,cs')) {
      fcPanel('fc-usage', 'API usage, next 30 days', '/api/forecast/usage', { days: 30, metric: 'api_calls' }, 'int', 120, !allowed(me, 'cs') ? true : false);
      ctx.panel(g, {
        id: 'fc-churn', title: 'Churn risk, next 30 days', span: 'full', endpoint: '/api/forecast/churn-risk',
        csv: { path: '/api/forecast/churn-risk', params: () => ({ limit: 500 }), filename: 'churn-risk.csv' },
        load: () => get('/api/forecast/churn-risk', { limit: 20 }),
        empty: 'No customer at risk of churning',
        table: {
          rows: (d) => d.customers || [],
          columns: [
            { key: 'name', label: 'Customer', link: (r) => `/customers/${r.customer_id}` },
            { key: 'churn_probability', label: 'Churn probability', kind: 'pct', value: (r) => 100 * r.churn_probability, tone: (r) => (r.churn_probability >= 0.3 ? 'bad' : r.churn_probability >= 0.1 ? 'warn' : 'good') },
            { key: 'mrr', label: 'MRR', kind: 'money' },
            { key: 'tenure_months', label: 'Tenure (months)', value: (r) => num(r.tenure_months, 1) },
            { key: 'top_factors', label: 'Main factors', value: (r) => (r.top_factors || []).map((f) => words(f.feature)).join(', ') },
          ],
        },
      });
    }
  },
};
