// alerts.js — alerts: the list with filters and acknowledge / resolve
// buttons, kept current by the live stream's alert messages (live.js), the
// live feed of alert events with its pause control, and the rule editor for
// the CEO.
import { get, post, send } from '../api.js';
import { h } from '../dom.js';
import { renderCards } from '../kpi.js';
import { createFeed } from '../feed.js';
import { datetime, money, num } from '../format.js';
import { table } from '../panel.js';
import { select, words, allowed } from './util.js';

export const ALERTS_LIST = '/api/alerts';
/** The alerts of a GET /api/alerts answer, in the API's order (most severe first, then newest). */
export function alertRows(d) { return Array.isArray(d) ? d : d.alerts || []; }
export function alertColumns() {
  return [
    { key: 'severity', label: 'Severity', badge: true, value: (r) => r.severity },
    // title already names the subject ("Failed payments: Acme"): subject_label is not added again.
    { key: 'title', label: 'Alert', value: (r) => r.title },
    { key: 'opened_at', label: 'Since', kind: 'datetime' },
  ];
}

/** A threshold in its unit: "5 %", "$10,000", "3×", "30". */
function amount(v, unit) {
  if (unit === 'pct') return `${num(v, 2)} %`;
  if (unit === 'usd') return money(v, { compact: false });
  if (unit === 'ratio') return `${num(v, 2)}×`;
  return num(v, 2);
}

/** A rule window as words: "1 mon" → "a month", "7 days", "01:00:00" → "1 hour". */
function windowWords(w) {
  if (!w) return '';
  let m = /^(\d+) mons?$/.exec(w);
  if (m) return m[1] === '1' ? 'a month' : `${m[1]} months`;
  m = /^(\d+) days?$/.exec(w);
  if (m) return m[1] === '1' ? 'a day' : `${m[1]} days`;
  m = /^(\d+):(\d+):\d+$/.exec(w);
  if (m) {
    const hrs = Number(m[1]), mins = Number(m[2]);
    if (!mins) return hrs === 1 ? 'an hour' : `${hrs} hours`;
    return `${hrs * 60 + mins} minutes`;
  }
  return w;
}

// What each rule's metric measures (sql/schema/550_alerts.sql, docs/metrics.md "Alerts"), as a
// sentence with the threshold t (already in its unit) and the window w.
const SENTENCES = {
  mrr_drop_pct: (t) => `MRR drops more than ${t} month over month`,
  customer_churn_pct: (t) => `More than ${t} of paying customers churn in a month`,
  cac_change_pct: (t, w) => `CAC of the last ${w || 'week'} rises more than ${t} above the ${w || 'week'} before`,
  api_error_rate_pct: (t, w) => `More than ${t} of API calls fail (status 5xx)${w ? ` over the last ${w}` : ''}`,
  ad_spend_usd: (t, w) => `A day${w ? ` of the last ${w}` : ''} with more than ${t} of ad spend and less order revenue than spend`,
  health_score: (t) => `A paying customer’s health score falls below ${t}`,
  failed_payments: (t, w) => `A customer has more than ${t} failed payment${t === '1' ? '' : 's'}${w ? ` in ${w}` : ''} not followed by a successful one`,
  cost_spike_ratio: (t) => `A day’s ad spend is more than ${t} the median daily spend of the 28 days before`,
  pipeline_coverage: (t, w) => `Open pipeline falls below ${t} the amount won${w ? ` in the last ${w}` : ''}`,
  report_delivery: () => 'A scheduled report could not be delivered after its last attempt',
};

/**
 * A rule's condition as a sentence ("MRR drops more than 5 % month over month") from the
 * fields a rule (or an alert) carries: metric, comparison, threshold, unit, window.
 */
export function conditionText(r) {
  const t = amount(r.threshold, r.unit), w = windowWords(r.window);
  const f = SENTENCES[r.metric];
  if (f) return f(t, w);
  return `${words(r.metric)} ${r.comparison === '<' ? 'below' : 'above'} ${t}${w ? ` over ${w}` : ''}`;
}

/** An alert's measured value against its rule: "19.98 % — MRR drops more than 5 % month over month". */
const fmtValue = (a) => `Now ${amount(a.value, a.unit)} — condition: ${conditionText(a)}`;

// The reports' names (docs/reports.md) and when a schedule sends (docs/api/alerts.md "schedule").
const REPORT_NAMES = { daily: 'Daily CEO report', weekly: 'Weekly business review', monthly: 'Monthly summary', board: 'Board pack' };
const WEEKDAYS = ['', 'Mondays', 'Tuesdays', 'Wednesdays', 'Thursdays', 'Fridays', 'Saturdays', 'Sundays'];
function whenText(r) {
  const at = `${String(r.hour).padStart(2, '0')}:00`;
  if (r.kind === 'weekly') return `${WEEKDAYS[r.weekday || 1]} at ${at}`;
  if (r.kind === 'board' || r.kind === 'monthly') return `day ${r.day || 1} of each month at ${at}`;
  return `every day at ${at}`;
}

export default {
  key: 'alerts',
  label: 'Alerts',
  whenEmpty: 'notice',   // the rules can be set before any data arrives
  mount(ctx, { me }) {
    ctx.header('Alerts', 'Live: new and changed alerts appear as they happen.');
    const g = ctx.grid();
    // Alerts that arrive live are read out by screen readers (the list itself is redrawn on
    // every refresh, so the announcement has a region of its own that stays in place).
    const announce = h('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', id: 'alerts-announce' });
    g.before(announce);
    const summary = ctx.panel(g, {
      id: 'alerts-kpis', title: 'Now', span: 'full', lazy: false, kind: 'kpi', asOfNow: true, endpoint: '/api/alerts/summary',
      load: () => get('/api/alerts/summary'),
      render: (body, d) => renderCards(body, [
        { id: 'active', label: 'Active alerts', value: num(d.active), tone: d.active ? 'warn' : 'good', changeText: `${num(d.acknowledged)} acknowledged`, changeLabel: '' },
        { id: 'critical', label: 'Critical', value: num((d.by_severity || {}).critical), tone: (d.by_severity || {}).critical ? 'bad' : 'good' },
        { id: 'warning', label: 'Warnings', value: num((d.by_severity || {}).warning), tone: (d.by_severity || {}).warning ? 'warn' : 'good' },
        { id: 'evaluated', label: 'Last evaluated', value: datetime(d.last_evaluated_at).slice(11) || '—', note: datetime(d.last_evaluated_at).slice(0, 10) },
      ]),
    });
    let status = 'active', severity = '';
    const list = ctx.panel(g, {
      id: 'alerts-feed', title: 'Alert feed', subtitle: 'Most severe first, then newest.', span: 'full', lazy: false, kind: 'custom', asOfNow: true, endpoint: ALERTS_LIST,
      controls: [
        select('alert-status', 'Status', [['active', 'Active'], ['open', 'Open'], ['acknowledged', 'Acknowledged'], ['resolved', 'Resolved'], ['all', 'All']], status, (v) => { status = v; list.refresh(); }),
        select('alert-severity', 'Severity', [['', 'All severities'], ['critical', 'Critical'], ['warning', 'Warning'], ['info', 'Info']], severity, (v) => { severity = v; list.refresh(); }),
      ],
      csv: { path: ALERTS_LIST, params: () => ({ status, severity, limit: 500 }), filename: 'alerts.csv' },
      load: () => get(ALERTS_LIST, { status, severity, limit: 100 }),
      empty: 'No alerts match these filters',
      render: (body, d) => {
        const rows = alertRows(d);
        if (!rows.length) return false;
        body.append(h('ul', { class: 'feed', 'aria-label': 'Alerts, most severe first', 'aria-live': 'polite', 'aria-relevant': 'additions' }, rows.map((a) => item(a))));
      },
    });
    const feed = createFeed({ types: ['alert'], on: ctx.live, label: 'Live alert events' });
    ctx.panel(g, {
      id: 'alerts-live', title: 'Live alert events', subtitle: 'Alerts firing, acknowledged and resolved as it happens, newest first.', span: 'full', lazy: false, kind: 'custom', asOf: false, asOfNow: true,
      load: async () => ({}),
      render: (body) => { body.append(feed.el); },
    });
    function item(a) {
      const msg = h('span', { class: 'field-error', role: 'alert' });
      const act = (verb) => h('button', { type: 'button', class: 'btn btn-small', 'data-action': verb, 'aria-label': `${verb === 'ack' ? 'Acknowledge' : 'Resolve'}: ${a.title}`,
        onclick: async (e) => {
          e.currentTarget.disabled = true;
          try { await post(`/api/alerts/${a.id}/${verb}`, {}); list.refresh(); summary.refresh(); } catch (err) { msg.textContent = err.message; e.currentTarget.disabled = false; }
        } }, verb === 'ack' ? 'Acknowledge' : 'Resolve');
      return h('li', { dataset: { alert: a.id } },
        h('span', { class: `badge badge-${a.severity}`, text: a.severity }),
        h('span', { class: 'feed-title' }, h('strong', { text: a.title }), h('br'), h('small', { text: `${fmtValue(a)} · ${words(a.status)}` })),
        h('time', { datetime: a.opened_at, text: datetime(a.opened_at) }),
        a.status === 'open' ? act('ack') : null,
        a.status !== 'resolved' ? act('resolve') : null, msg);
    }
    if (allowed(me, 'ceo')) {
      ctx.panel(g, {
        id: 'alerts-rules', title: 'Alert rules', span: 'full', kind: 'custom', asOfNow: true, endpoint: '/api/alerts/rules',
        csv: { path: '/api/alerts/rules', params: () => ({}), filename: 'alert-rules.csv' },
        load: () => get('/api/alerts/rules'),
        render: (body, d) => {
          const rules = d.rules || [];
          if (!rules.length) return false;
          body.append(h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Alert rules', tabindex: '0' }, h('table', {},
            h('thead', {}, h('tr', {}, ['Rule', 'Condition', 'Threshold', 'Severity', 'Enabled', ''].map((t) => h('th', { scope: 'col', text: t })))),
            h('tbody', {}, rules.map(ruleRow)))));
        },
      });
    }
    if (allowed(me, 'ceo')) {
      ctx.panel(g, {
        id: 'report-schedules', title: 'Report schedules', subtitle: 'When each report is sent, and to whom. Times are local to the schedule’s zone.', span: 'full', kind: 'custom', asOfNow: true, endpoint: '/api/alerts/schedules',
        load: () => get('/api/alerts/schedules'),
        empty: 'No report is scheduled',
        render: (body, d) => {
          const rows = d.schedules || [];
          if (!rows.length) return false;
          body.append(h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Report schedules', tabindex: '0' }, h('table', {},
            h('thead', {}, h('tr', {}, ['Report', 'When', 'Recipients', 'Next', 'Last run', 'Enabled', ''].map((t) => h('th', { scope: 'col', text: t })))),
            h('tbody', {}, rows.map(scheduleRow)))));
        },
      });
      const deliveries = ctx.panel(g, {
        id: 'report-deliveries', title: 'Delivery log', subtitle: 'Every report and alert notification sent, newest first: attempts, the last error, the message id.', span: 'full', kind: 'custom', asOfNow: true, endpoint: '/api/alerts/deliveries',
        csv: { path: '/api/alerts/deliveries', params: () => ({ limit: 500 }), filename: 'deliveries.csv' },
        load: () => get('/api/alerts/deliveries', { limit: 50 }),
        empty: 'Nothing has been sent yet: the first scheduled report appears here when it goes out (see Report schedules for when)',
        render: (body, d) => {
          const rows = d.deliveries || [];
          if (!rows.length) return false;
          body.append(table([
            { key: 'what', label: 'What', value: (r) => (r.kind === 'alert' ? `Alert: ${r.subject}` : `${REPORT_NAMES[r.kind] || r.kind}, ${r.period_label || r.period}`) },
            { key: 'channel', label: 'Channel' },
            { key: 'target', label: 'To' },
            { key: 'status', label: 'Status', badge: true },
            { key: 'attempts', label: 'Attempts', kind: 'int' },
            { key: 'last_error', label: 'Last error', value: (r) => r.last_error || '' },
            { key: 'sent_at', label: 'Sent', kind: 'datetime' },
            { key: 'message_id', label: 'Message id', value: (r) => r.message_id || r.idempotency_key || '' },
          ], rows, 'Delivery log'));
        },
      });
      ctx.live('alert', () => deliveries.refresh());
    }
    function scheduleRow(r) {
      const name = REPORT_NAMES[r.kind] || r.kind;
      const hour = h('input', { type: 'number', min: 0, max: 23, step: 1, value: r.hour, id: `schedule-${r.id}-hour`, 'aria-label': `${name} hour`, class: 'num-input' });
      const to = h('input', { type: 'text', value: (r.recipients || []).join(', '), placeholder: (r.effective_recipients || []).join(', ') || 'every CEO', id: `schedule-${r.id}-recipients`, 'aria-label': `${name} recipients (empty: every CEO)` });
      const en = h('input', { type: 'checkbox', checked: r.enabled, id: `schedule-${r.id}-enabled`, 'aria-label': `${name} enabled` });
      const msg = h('span', { role: 'status', class: 'kpi-note' });
      const save = h('button', { type: 'button', class: 'btn btn-small', text: 'Save', 'aria-label': `Save ${name} schedule`,
        onclick: async () => {
          save.disabled = true; msg.textContent = '';
          const list = to.value.split(',').map((x) => x.trim()).filter(Boolean);
          try {
            await send('PUT', `/api/alerts/schedules/${r.id}`, { hour: Number(hour.value), enabled: en.checked, recipients: list.length ? list : null });
            msg.textContent = 'saved';
          } catch (err) { msg.textContent = err.message; } finally { save.disabled = false; }
        } });
      const last = r.last_run ? `${r.last_run.period_label || r.last_run.period}: ${r.last_run.status}${r.last_run.last_error ? ` — ${r.last_run.last_error}` : ''}` : 'none yet';
      return h('tr', { dataset: { schedule: r.kind } }, h('td', {}, h('strong', { text: name })),
        h('td', { text: `${whenText(r)} (${r.effective_tz})` }), h('td', {}, to),
        h('td', { class: 'when', text: r.enabled && r.next_period ? `${r.next_period.period_label}, ${datetime(r.next_period.due_at)}` : '—' }),
        h('td', { text: last }), h('td', {}, en), h('td', {}, 'at ', hour, ' h ', save, ' ', msg));
    }
    function ruleRow(r) {
      const thr = h('input', { type: 'number', step: 'any', value: r.threshold, id: `rule-${r.id}-threshold`, 'aria-label': `${r.name} threshold`, class: 'num-input' });
      const sev = h('select', { id: `rule-${r.id}-severity`, 'aria-label': `${r.name} severity` }, ['critical', 'warning', 'info'].map((s) => h('option', { value: s, selected: s === r.severity, text: s })));
      const en = h('input', { type: 'checkbox', checked: r.enabled, id: `rule-${r.id}-enabled`, 'aria-label': `${r.name} enabled` });
      const msg = h('span', { role: 'status', class: 'kpi-note' });
      const save = h('button', { type: 'button', class: 'btn btn-small', text: 'Save', 'aria-label': `Save ${r.name}`,
        onclick: async () => {
          save.disabled = true; msg.textContent = '';
          try {
            await send('PUT', `/api/alerts/rules/${r.id}`, { threshold: Number(thr.value), severity: sev.value, enabled: en.checked });
            msg.textContent = 'saved';
          } catch (err) { msg.textContent = err.message; } finally { save.disabled = false; }
        } });
      // The stored description (with its "threshold" placeholders) is the name's tooltip: the Condition
      // column says the same as a sentence with the threshold in it.
      return h('tr', {}, h('td', {}, h('strong', { text: r.name, title: r.description || '' })),
        h('td', { class: 'rule-condition', text: conditionText(r) }), h('td', {}, thr), h('td', {}, sev), h('td', {}, en), h('td', {}, save, ' ', msg));
    }

    // Every alert event (fired, acknowledged, resolved: docs/live.md)
    // refreshes the list and the counts, and shows in the live feed.
    let pending = 0;
    ctx.live('alert', (m) => {
      const a = m && m.alert;
      if (a) announce.textContent = `Alert ${m.kind || 'changed'}: ${a.severity} — ${a.title}`;
      clearTimeout(pending);
      pending = setTimeout(() => { list.refresh(); summary.refresh(); }, 300);
    });
    ctx.onUnmount(() => clearTimeout(pending));
  },
};
