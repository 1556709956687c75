// operations.js — operations monitor: requests per minute, users active
// now, error rate, and the latest 100 API calls, kept current by the live
// stream's api_calls messages (docs/live.md); loaded from
// GET /api/product/live, and again every 30 s while the tab is visible
// (the figures are windows of time, which move on without any event).
import { get } from '../api.js';
import { renderCards } from '../kpi.js';
import { lineOption } from '../charts/line.js';
import { num, pct, isNum } from '../format.js';
import { atOf } from '../panel.js';
import { col } from './util.js';

const LIVE = '/api/product/live';
const KEEP = 100;        // the latest calls the table shows
const POLL_MS = 30000;

/** Apply an api_calls message to a /api/product/live answer in place; false when there is nothing to apply. */
export function applyCalls(d, m) {
  if (!d || !m) return false;
  if (isNum(m.requests_last_minute)) d.requests_last_minute = Number(m.requests_last_minute);
  if (isNum(m.users_active_5m)) d.users_active_5m = Number(m.users_active_5m);
  if (isNum(m.error_rate_1h_pct)) {
    d.error_rate_1h_pct = Number(m.error_rate_1h_pct);
    // The message has the rate, not its counts: those come with the next answer.
    d.errors_1h = null; d.requests_1h = null;
  }
  const calls = Array.isArray(m.calls) ? m.calls : [];
  // Newest first: the message's calls go on top, the table keeps 100.
  d.latest = calls.map((c) => ({ ...c, fresh: true })).concat((d.latest || []).map((c) => ({ ...c, fresh: false }))).slice(0, KEEP);
  return true;
}

export default {
  key: 'operations',
  label: 'Operations',
  mount(ctx) {
    ctx.header('Operations monitor', 'Live API traffic: updates on its own as calls arrive.');
    const g = ctx.grid();
    const load = () => get(LIVE);
    const panels = [];
    const kpis = ctx.panel(g, {
      id: 'ops-kpis', title: 'Right now', span: 'full', lazy: false, kind: 'kpi', endpoint: LIVE, load,
      render: (body, d) => renderCards(body, [
        { id: 'rpm', label: 'Requests / minute', value: num(d.requests_last_minute), spark: col(d.requests_per_minute, 'requests'), tone: 'neutral' },
        { id: 'users', label: 'Users active (5 min)', value: num(d.users_active_5m), tone: 'neutral' },
        { id: 'errors', label: 'Error rate (1 h)', value: pct(d.error_rate_1h_pct, 2), tone: d.error_rate_1h_pct > 5 ? 'bad' : d.error_rate_1h_pct > 1 ? 'warn' : 'good',
          changeText: isNum(d.errors_1h) && isNum(d.requests_1h) ? `${num(d.errors_1h)} of ${num(d.requests_1h)} calls` : null, changeLabel: '' },
      ]),
    });
    panels.push(kpis);
    panels.push(ctx.panel(g, {
      id: 'ops-rpm', title: 'Requests per minute, last hour', span: 'full', lazy: false, endpoint: LIVE, load,
      chart: (d) => {
        const r = d.requests_per_minute || [];
        return r.length ? lineOption({ x: r.map((m) => String(m.minute).slice(11, 16)), series: [{ name: 'Requests', data: col(r, 'requests'), area: true }], legend: false }) : null;
      },
    }));
    const latest = ctx.panel(g, {
      id: 'ops-latest', title: 'Latest 100 API calls', span: 'full', endpoint: LIVE, load,
      csv: { path: LIVE, params: () => ({}), filename: 'latest-api-calls.csv' },
      empty: 'No API calls in the last hour',
      table: {
        rows: (d) => d.latest || [],
        columns: [
          { key: 'time', label: 'Time', kind: 'datetime', tone: (r) => (r.fresh ? 'new' : '') },
          { key: 'customer', label: 'Customer', link: (r) => (r.customer_id ? `/customers/${r.customer_id}` : null) },
          { key: 'endpoint', label: 'Endpoint' },
          { key: 'status', label: 'Status', tone: (r) => (r.status >= 500 ? 'bad' : r.status >= 400 ? 'warn' : '') },
          { key: 'latency_ms', label: 'Latency ms', kind: 'int' },
        ],
      },
    });
    panels.push(latest);
    ctx.live('api_calls', (m) => {
      const at = atOf(m);
      // The panels may hold one and the same answer (api.js shares a GET in
      // flight): each answer takes a message once.
      const done = new WeakSet();
      const apply = (d) => { if (done.has(d)) return true; done.add(d); return applyCalls(d, m); };
      kpis.patch(apply, at);
      latest.patch(apply, at);
    });
    const timer = setInterval(() => { if (!document.hidden) for (const p of panels) if (p.active) p.refresh({ unlessLiveWithin: 1000 }); }, POLL_MS);
    ctx.onUnmount(() => clearInterval(timer));
  },
};
