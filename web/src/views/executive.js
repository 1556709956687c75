// executive.js — the executive summary: KPI cards with sparklines and the
// MRR gauge, the MRR chart (actuals, projection, movements) and top alerts.
import { get } from '../api.js';
import { renderCards, pctChange } from '../kpi.js';
import { mrrOption } from '../charts/mrr.js';
import { money, pct, num, isNum, change } from '../format.js';
import { gather, col } from './util.js';
import { alertColumns, ALERTS_LIST, alertRows } from './alerts.js';
import { MRR_FORECAST, projectionOf } from './forecast.js';

const v = (o) => (o && typeof o === 'object' && 'value' in o ? o.value : o);
const pv = (o) => (o && typeof o === 'object' && 'previous' in o ? o.previous : undefined);

/** NPS card: the value may be a number or {nps, responses, …}. */
function npsCard(o) {
  const n = (x) => (x && typeof x === 'object' && 'nps' in x ? x.nps : x);
  const cur = n(v(o)), prev = n(pv(o));
  const d = isNum(cur) && isNum(prev) ? cur - prev : null;
  const resp = v(o) && v(o).responses;
  return { id: 'nps', label: 'NPS (90 days)', value: num(cur), change: d, changeText: d === null ? null : `${num(d, 1)} pts`,
    note: isNum(resp) ? `${resp} responses` : null, href: '/customers' };
}

export default {
  key: 'executive',
  label: 'Executive',
  mount(ctx) {
    ctx.header('Executive summary', 'Company health at a glance. Select a card to see what drives it.');
    const top = ctx.grid();
    ctx.panel(top, {
      id: 'exec-kpis', title: 'Key metrics', span: 'full', lazy: false, kind: 'kpi',
      endpoint: '/api/revenue/summary, /api/users/summary',
      load: () => gather({
        rev: get('/api/revenue/summary'),
        mrr: get('/api/revenue/mrr', { months: 12 }),
        users: get('/api/users/summary'),
        alerts: get(ALERTS_LIST, { status: 'active', limit: 100 }),
      }),
      render: (body, d) => {
        const r = d.rev || {}, p = r.previous || {}, u = d.users || {};
        const months = (d.mrr && d.mrr.months) || [];
        const mrrSpark = col(months, 'ending_mrr');
        const growthSpark = months.map((m) => pctChange(m.ending_mrr, m.starting_mrr));
        const arpuSpark = months.map((m) => (m.ending_customers ? m.ending_mrr / m.ending_customers : null));
        const target = r.target;
        const activeAlerts = d.alerts ? alertRows(d.alerts) : null;
        return renderCards(body, [
          d.rev && {
            id: 'mrr', label: 'MRR', value: money(r.mrr), change: pctChange(r.mrr, p.mrr), href: '/revenue', hrefLabel: 'revenue view',
            gauge: target ? target.pct_reached : undefined, gaugeMax: 100, spark: target ? null : mrrSpark,
            note: target ? `${pct(target.pct_reached)} of ${money(target.target_mrr)} target` : 'no target set',
          },
          d.rev && { id: 'arr', label: 'ARR', value: money(r.arr), change: pctChange(r.arr, p.arr), href: '/revenue', spark: mrrSpark.map((x) => (isNum(x) ? x * 12 : null)) },
          d.rev && { id: 'mom', label: 'MRR growth (MoM)', value: change(r.mom_growth_pct), change: isNum(r.mom_growth_pct) && isNum(p.mom_growth_pct) ? r.mom_growth_pct - p.mom_growth_pct : null, changeText: isNum(p.mom_growth_pct) ? `${num(r.mom_growth_pct - p.mom_growth_pct, 1)} pts` : null, href: '/revenue', spark: growthSpark },
          d.rev && {
            id: 'arpu', label: 'ARPU', value: money(r.arpu, { compact: false }), change: pctChange(r.arpu, p.arpu), href: '/customers', spark: arpuSpark,
            note: r.arpu_target ? `target ${money(r.arpu_target.low)}–${money(r.arpu_target.high)}` : null,
            tone: r.arpu_target && isNum(r.arpu) ? (r.arpu < r.arpu_target.low ? 'bad' : r.arpu > r.arpu_target.high ? 'good' : 'good') : undefined,
          },
          d.users && npsCard(u.nps_90d),
          d.users && { id: 'active-customers', label: 'Active customers (30 d)', value: num(v(u.active_customers_30d)), change: pctChange(v(u.active_customers_30d), pv(u.active_customers_30d)), href: '/customers' },
          d.users && { id: 'dau-mau', label: 'DAU / MAU', value: pct(v(u.dau_mau_pct)), change: isNum(v(u.dau_mau_pct)) && isNum(pv(u.dau_mau_pct)) ? v(u.dau_mau_pct) - pv(u.dau_mau_pct) : null, changeText: isNum(pv(u.dau_mau_pct)) ? `${num(v(u.dau_mau_pct) - pv(u.dau_mau_pct), 1)} pts` : null, href: '/product' },
          activeAlerts && { id: 'alerts', label: 'Active alerts', value: num(activeAlerts.length), tone: activeAlerts.some((a) => a.severity === 'critical') ? 'bad' : activeAlerts.length ? 'warn' : 'good', changeText: activeAlerts.filter((a) => a.severity === 'critical').length + ' critical', changeLabel: '', href: '/alerts' },
        ]);
      },
    });
    const g = ctx.grid();
    ctx.panel(g, {
      id: 'exec-mrr', title: 'MRR: last 12 months and 6-month projection', span: 'wide', lazy: false, tall: true,
      endpoint: '/api/revenue/mrr', chartKind: 'mrr',
      csv: { path: '/api/revenue/mrr', params: () => ({ months: 12 }), filename: 'mrr-movements.csv' },
      load: () => gather({ mrr: get('/api/revenue/mrr', { months: 12 }), fc: get(MRR_FORECAST, { months: 6 }) }),
      chart: (d) => {
        const months = (d.mrr && d.mrr.months) || [];
        if (!months.length) return null;
        return mrrOption({
          months: months.map((m) => m.month),
          mrr: col(months, 'ending_mrr'),
          movements: { new: col(months, 'new'), expansion: col(months, 'expansion'), churn: months.map((m) => (isNum(m.churn) ? -Math.abs(m.churn) : null)) },
          projection: d.fc ? projectionOf(d.fc) : null,
        });
      },
    });
    ctx.panel(g, {
      id: 'exec-alerts', title: 'Top alerts', span: 'narrow', lazy: false,
      endpoint: ALERTS_LIST,
      csv: { path: ALERTS_LIST, params: () => ({ status: 'active' }), filename: 'active-alerts.csv' },
      load: () => get(ALERTS_LIST, { status: 'active', limit: 5 }),
      table: { columns: alertColumns({ compact: true }), rows: (d) => alertRows(d).slice(0, 5) },
      empty: 'No active alerts',
    });
  },
};
