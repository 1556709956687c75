// operations.js — operations monitor: requests per minute, users active
// now, error rate, and the latest 100 API calls; refreshes every 10 s
// while the tab is visible.
import { get } from '../api.js';
import { renderCards } from '../kpi.js';
import { lineOption } from '../charts/line.js';
import { num, pct } from '../format.js';
import { col } from './util.js';

const LIVE = '/api/product/live';

export default {
  key: 'operations',
  label: 'Operations',
  mount(ctx) {
    ctx.header('Operations monitor', 'Live API traffic; refreshes every 10 seconds.');
    const g = ctx.grid();
    const load = () => get(LIVE);
    const panels = [];
    panels.push(ctx.panel(g, {
      id: 'ops-kpis', title: 'Right now', span: 'full', lazy: false, kind: 'kpi', endpoint: LIVE, load,
      render: (body, d) => renderCards(body, [
        { id: 'rpm', label: 'Requests / minute', value: num(d.requests_last_minute), spark: col(d.requests_per_minute, 'requests'), tone: 'neutral' },
        { id: 'users', label: 'Users active (5 min)', value: num(d.users_active_5m), tone: 'neutral' },
        { id: 'errors', label: 'Error rate (1 h)', value: pct(d.error_rate_1h_pct, 2), tone: d.error_rate_1h_pct > 5 ? 'bad' : d.error_rate_1h_pct > 1 ? 'warn' : 'good', changeText: `${num(d.errors_1h)} of ${num(d.requests_1h)} calls`, changeLabel: '' },
      ]),
    }));
    panels.push(ctx.panel(g, {
      id: 'ops-rpm', title: 'Requests per minute, last hour', span: 'full', lazy: false, endpoint: LIVE, load,
      chart: (d) => {
        const r = d.requests_per_minute || [];
        return r.length ? lineOption({ x: r.map((m) => String(m.minute).slice(11, 16)), series: [{ name: 'Requests', data: col(r, 'requests'), area: true }], legend: false }) : null;
      },
    }));
    panels.push(ctx.panel(g, {
      id: 'ops-latest', title: 'Latest 100 API calls', span: 'full', endpoint: LIVE, load,
      csv: { path: LIVE, params: () => ({}), filename: 'latest-api-calls.csv' },
      empty: 'No API calls in the last hour',
      table: {
        rows: (d) => d.latest || [],
        columns: [
          { key: 'time', label: 'Time', kind: 'datetime' },
          { key: 'customer', label: 'Customer', link: (r) => (r.customer_id ? `/customers/${r.customer_id}` : null) },
          { key: 'endpoint', label: 'Endpoint' },
          { key: 'status', label: 'Status', tone: (r) => (r.status >= 500 ? 'bad' : r.status >= 400 ? 'warn' : '') },
          { key: 'latency_ms', label: 'Latency ms', kind: 'int' },
        ],
      },
    }));
    const timer = setInterval(() => { if (!document.hidden) for (const p of panels) if (p.active) p.refresh(); }, 10000);
    ctx.onUnmount(() => clearInterval(timer));
  },
};
