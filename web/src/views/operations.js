// operations.js — operations monitor: requests per minute, users active
// now, error rate, and the latest 100 API calls, kept current by the live
// stream's api_calls messages (docs/live.md); loaded from
// GET /api/product/live, and again every 30 s while the tab is visible
// (the figures are windows of time, which move on without any event).
// Below the live panels: the system-health score and its factors
// (/api/product/system-health), unusual activity with its evidence
// (/api/product/abuse) and the app's own page loads (/api/product/frontend).
import { get } from '../api.js';
import { renderCards } from '../kpi.js';
import { lineOption } from '../charts/line.js';
import { renderChart } from '../charts/core.js';
import { scoreGaugeOption, scoreBand } from '../charts/score.js';
import { h } from '../dom.js';
import { num, pct, isNum, clock } from '../format.js';
import { atOf, table } from '../panel.js';
import { rangeParams, asOfParams, rangeLabel } from '../store.js';
import { col, words, allowed, partialFrom } from './util.js';
import { bucketLabel } from '../charts/labels.js';

const LIVE = '/api/product/live';
const KEEP = 100;        // the latest calls the table shows
const POLL_MS = 30000;

/**
 * Apply an api_calls message to a /api/product/live answer in place; false when there is nothing to apply.
 * The message's requests_last_minute is the API's figure for the 60 s to the message's time: the
 * same definition as the newest point of requests_per_minute (docs/api/product.md), so both take it.
 */
export function applyCalls(d, m) {
  if (!d || !m) return false;
  if (isNum(m.requests_last_minute)) {
    d.requests_last_minute = Number(m.requests_last_minute);
    const r = d.requests_per_minute;
    if (Array.isArray(r) && r.length) {
      r[r.length - 1] = { ...r[r.length - 1], requests: d.requests_last_minute, ...(m.at ? { to: m.at } : {}) };
    }
  }
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

/** "13:04" of an ISO time with offset, in the browser's clock (as the panels' "as of"). */
const hhmm = (iso) => { const t = Date.parse(iso); return Number.isFinite(t) ? clock(t).slice(0, 5) : String(iso); };

/** A chart box drawn into body, with the figures a reader (and the tests) may check as data attributes. */
async function chartInto(body, option, facts = {}, tall = false) {
  const box = h('div', { class: `chart ${tall ? 'chart-tall' : ''}`, dataset: { kind: 'chart', ...facts } });
  body.append(box);
  await renderChart(box, option);
  return box;
}

/** The system-health panel: the gauge, then each factor of the product. */
async function renderHealth(body, d) {
  const c = d.components || {};
  if (!isNum(d.score)) return false;
  const band = scoreBand(d.score);
  const wrap = h('div', { class: 'health' });
  body.append(wrap);
  const gauge = h('div', { class: 'chart', dataset: { kind: 'gauge', score: String(d.score) }, role: 'img', 'aria-label': `System health ${num(d.score, 1)} of 100` });
  wrap.append(gauge);
  const err = isNum(c.error_rate_pct) ? Number(c.error_rate_pct) : null;
  const factor = (id, label, value, detail) => h('li', { dataset: { factor: id } },
    h('span', { class: 'kpi-label', text: label }), ' ', h('strong', { class: 'factor-value', text: value }), detail ? h('span', { class: 'kpi-note', text: ` — ${detail}` }) : null);
  wrap.append(h('div', {},
    h('p', { class: `tone-${band}`, dataset: { band } }, h('strong', { text: `${num(d.score, 1)} / 100` }), ` — ${band === 'good' ? 'healthy' : band === 'warn' ? 'watch' : 'degraded'}`),
    h('p', { class: 'panel-sub', text: `score = 100 × uptime × (1 − error rate) × speed factor, over the 24 hours ${bucketLabel(d.window_24h && d.window_24h.from, 'hour')} – ${bucketLabel(d.window_24h && d.window_24h.to, 'hour')}` }),
    h('ul', { class: 'factors' },
      factor('uptime', 'Uptime', pct(c.uptime_pct, 2), `${num(c.down_hours)} of the 24 hours down`),
      factor('error-rate', 'Error rate', err === null ? '— (no calls: counted as 0)' : pct(err, 2), `${num(c.errors)} errors in ${num(c.calls)} calls`),
      factor('speed', 'Speed factor', isNum(c.speed_factor) ? Number(c.speed_factor).toFixed(4) : '—', `p95 ${num(c.p95_ms)} ms against a ${num(c.speed_target_ms)} ms target`))));
  await renderChart(gauge, scoreGaugeOption({ value: d.score, name: 'System health' }));
  return true;
}

const ABUSE_EVIDENCE = {
  volume_spike: (r) => `${num(r.observed)} API calls vs a median of ${num(r.baseline, 2)} a day`,
  cost_spike: (r) => `${num(r.observed)} usage units vs a median of ${num(r.baseline, 2)} a day`,
  unusual_hour: (r) => `${num(r.observed)} of ${num(r.observed_total)} calls in this hour; ${num(r.baseline)} of ${num(r.baseline_total)} in the baseline`,
  failed_burst: (r) => `${num(r.observed)} failed of ${num(r.observed_total)} calls in the hour; ${isNum(r.baseline) ? num(r.baseline, 2) : '—'} expected`,
  shared_ip: (r) => `${num(r.observed)} customers on one IP (${num(r.observed_total)} events)`,
};

export default {
  key: 'operations',
  label: 'Operations',
  mount(ctx, { me } = {}) {
    ctx.header('Operations monitor', 'Live API traffic: updates on its own as calls arrive.');
    const g = ctx.grid();
    const load = () => get(LIVE);
    const panels = [];
    const kpis = ctx.panel(g, {
      id: 'ops-kpis', title: 'Right now', span: 'full', lazy: false, kind: 'kpi', endpoint: LIVE, load, asOfNow: true,
      render: (body, d) => {
        const r = d.requests_per_minute || [];
        const last = r.length ? r[r.length - 1] : null;
        return renderCards(body, [
          { id: 'rpm', label: 'Requests / minute', value: num(d.requests_last_minute), spark: col(r, 'requests'), tone: 'neutral',
            note: last ? `the 60 s to ${hhmm(last.to)}: the chart’s last point` : 'the last 60 s' },
          { id: 'users', label: 'Users active (5 min)', value: num(d.users_active_5m), tone: 'neutral' },
          { id: 'errors', label: 'Error rate (1 h)', value: pct(d.error_rate_1h_pct, 2), tone: d.error_rate_1h_pct > 5 ? 'bad' : d.error_rate_1h_pct > 1 ? 'warn' : 'good',
            changeText: isNum(d.errors_1h) && isNum(d.requests_1h) ? `${num(d.errors_1h)} of ${num(d.requests_1h)} calls` : null, changeLabel: '' },
        ]);
      },
    });
    panels.push(kpis);
    const rpm = ctx.panel(g, {
      id: 'ops-rpm', title: 'Requests per minute, last hour', subtitle: 'Each point: the calls of the 60 seconds ending at its time; the last ends now', span: 'full', lazy: false, endpoint: LIVE, load, asOfNow: true, kind: 'chart',
      render: (body, d) => {
        const r = d.requests_per_minute || [];
        if (!r.length) return false;
        const data = col(r, 'requests');
        return chartInto(body, lineOption({ x: r.map((m, i) => (i === r.length - 1 ? 'now' : hhmm(m.to))), series: [{ name: 'Requests', data, area: true }], legend: false }),
          { last: String(data[data.length - 1]), lastTo: String(r[r.length - 1].to) }).then(() => true);
      },
    });
    panels.push(rpm);
    const latest = ctx.panel(g, {
      id: 'ops-latest', title: 'Latest 100 API calls', span: 'full', endpoint: LIVE, load, asOfNow: true,
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

    if (!me || allowed(me, 'ceo,cs')) {
      const og = ctx.grid();
      ctx.panel(og, {
        id: 'ops-health', title: 'System health', subtitle: 'The 24 hours to the end of the date range (now for a preset range)', span: 'half', lazy: false, kind: 'custom',
        endpoint: '/api/product/system-health',
        csv: { path: '/api/product/system-health', params: (f) => rangeParams(f), filename: 'system-health.csv' },
        load: (f) => get('/api/product/system-health', rangeParams(f)),
        render: (body, d) => renderHealth(body, d),
      });
      ctx.panel(og, {
        id: 'ops-uptime', title: 'Uptime and rate limiting by day', span: 'half', endpoint: '/api/product/system-health',
        load: (f) => get('/api/product/system-health', rangeParams(f)),
        chart: (d) => {
          const days = (d.days || []).filter((x) => Number(x.hours) > 0);
          if (!days.length) return null;
          const o = lineOption({ x: days.map((x) => bucketLabel(x.day, 'day')), kind: 'pct', partialFrom: partialFrom(days, 'day', 'day'), series: [{ name: 'Uptime %', data: col(days, 'uptime_pct') }, { name: 'Rate-limited %', data: col(days, 'rate_limited_pct'), dashed: true }] });
          return o;
        },
      });
      ctx.panel(og, {
        id: 'ops-abuse', title: 'Security and abuse', subtitle: 'Unusual activity on the range’s last day against each customer’s 28-day baseline', span: 'full', kind: 'custom',
        endpoint: '/api/product/abuse', empty: 'No unusual activity on this day',
        csv: { path: '/api/product/abuse', params: (f) => asOfParams(f), filename: 'abuse.csv' },
        load: (f) => get('/api/product/abuse', asOfParams(f)),
        render: (body, d) => {
          const rows = d.findings || [];
          if (!rows.length) return false;
          const counts = d.counts || {};
          body.append(h('p', { class: 'panel-sub', dataset: { counts: JSON.stringify(counts) } },
            `${d.as_of}, baseline ${d.baseline_window ? `${d.baseline_window.from} – ${d.baseline_window.to}` : '—'}: `,
            Object.keys(counts).map((k) => `${words(k)} ${num(counts[k])}`).join(' · ')));
          body.append(table([
            { key: 'kind', label: 'Finding', value: (r) => words(r.kind), badge: true },
            { key: 'customer', label: 'Customer', value: (r) => r.customer ?? 'a customer of another account manager', link: (r) => (r.customer_id ? `/customers/${r.customer_id}` : null) },
            { key: 'client_ip', label: 'IP' },
            { key: 'hour', label: 'Hour', value: (r) => (r.hour ? bucketLabel(r.hour, 'hour', false) : null) },
            { key: 'metric', label: 'Metric', value: (r) => words(r.metric) },
            { key: 'observed', label: 'Observed', kind: 'int' },
            { key: 'baseline', label: 'Baseline', kind: 'num' },
            { key: 'evidence', label: 'Evidence', value: (r) => (ABUSE_EVIDENCE[r.kind] || (() => null))(r) },
          ], rows, 'Unusual activity'));
          return true;
        },
      });
      ctx.panel(og, {
        id: 'ops-frontend', title: 'This app’s own performance', subtitle: 'Page loads the dashboard reported from browsers (real-user monitoring)', span: 'full', kind: 'custom',
        endpoint: '/api/product/frontend', empty: 'No page loads reported in this period',
        csv: { path: '/api/product/frontend', params: (f) => rangeParams(f), filename: 'frontend.csv' },
        load: (f) => get('/api/product/frontend', rangeParams(f)),
        render: async (body, d, f) => {
          if (!Number(d.loads)) return false;
          await renderCards(body, [
            { id: 'fe-loads', label: 'Page loads', value: num(d.loads), tone: 'neutral', note: rangeLabel(f) },
            { id: 'fe-p50', label: 'Load time p50', value: isNum(d.p50_load_ms) ? `${num(d.p50_load_ms)} ms` : '—', tone: 'neutral' },
            { id: 'fe-p95', label: 'Load time p95', value: isNum(d.p95_load_ms) ? `${num(d.p95_load_ms)} ms` : '—', tone: 'neutral' },
            { id: 'fe-errors', label: 'Loads with client errors', value: pct(d.client_error_rate_pct, 2), tone: Number(d.client_error_rate_pct) > 5 ? 'bad' : Number(d.client_error_rate_pct) > 1 ? 'warn' : 'good',
              note: `${num(d.error_loads)} of ${num(d.loads)} loads; ${num(d.errors)} errors` },
          ]);
          const views = d.views || [];
          if (views.length) {
            body.append(table([
              { key: 'view', label: 'View' },
              { key: 'loads', label: 'Loads', kind: 'int' },
              { key: 'p50_load_ms', label: 'p50 load ms', kind: 'int' },
              { key: 'p95_load_ms', label: 'p95 load ms', kind: 'int' },
              { key: 'p50_ttfb_ms', label: 'p50 TTFB ms', kind: 'int' },
              { key: 'p50_fcp_ms', label: 'p50 FCP ms', kind: 'int' },
              { key: 'client_error_rate_pct', label: 'Loads with errors', kind: 'pct' },
            ], views, 'Page loads by view'));
          }
          return true;
        },
      });
    }

    ctx.live('api_calls', (m) => {
      const at = atOf(m);
      // The panels may hold one and the same answer (api.js shares a GET in
      // flight): each answer takes a message once.
      const done = new WeakSet();
      const apply = (d) => { if (done.has(d)) return true; done.add(d); return applyCalls(d, m); };
      kpis.patch(apply, at);
      rpm.patch(apply, at);
      latest.patch(apply, at);
    });
    const timer = setInterval(() => { if (!document.hidden) for (const p of panels) if (p.active) p.refresh({ unlessLiveWithin: 1000 }); }, POLL_MS);
    ctx.onUnmount(() => clearInterval(timer));
  },
};
