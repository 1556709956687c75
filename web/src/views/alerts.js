// alerts.js — alerts: the list with filters and acknowledge / resolve
// buttons, kept current by the live stream's alert messages (live.js), the
// live feed of alert events with its pause control, and the rule editor for
// the CEO.
import { get, post, send } from '../api.js';
import { h } from '../dom.js';
import { renderCards } from '../kpi.js';
import { createFeed } from '../feed.js';
import { datetime, num } from '../format.js';
import { select, words, allowed } from './util.js';

export const ALERTS_LIST = '/api/alerts';
export function alertRows(d) { return Array.isArray(d) ? d : d.alerts || []; }
export function alertColumns() {
  return [
    { key: 'severity', label: 'Severity', badge: true, value: (r) => r.severity },
    { key: 'title', label: 'Alert', value: (r) => r.title + (r.subject_label ? ` — ${r.subject_label}` : '') },
    { key: 'opened_at', label: 'Since', kind: 'datetime' },
  ];
}

const fmtValue = (a) => `${num(a.value, 2)} ${a.comparison} ${num(a.threshold, 2)}${a.unit === 'pct' ? ' %' : a.unit ? ' ' + a.unit : ''}`;

export default {
  key: 'alerts',
  label: 'Alerts',
  whenEmpty: 'notice',   // the rules can be set before any data arrives
  mount(ctx, { me }) {
    ctx.header('Alerts', 'Live: new and changed alerts appear as they happen.');
    const g = ctx.grid();
    const summary = ctx.panel(g, {
      id: 'alerts-kpis', title: 'Now', span: 'full', lazy: false, kind: 'kpi', endpoint: '/api/alerts/summary',
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
      id: 'alerts-feed', title: 'Alert feed', span: 'full', lazy: false, kind: 'custom', endpoint: ALERTS_LIST,
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
        body.append(h('ul', { class: 'feed', 'aria-label': 'Alerts' }, rows.map((a) => item(a))));
      },
    });
    const feed = createFeed({ types: ['alert'], on: ctx.live, label: 'Live alert events' });
    ctx.panel(g, {
      id: 'alerts-live', title: 'Live alert events', subtitle: 'Alerts firing, acknowledged and resolved as it happens, newest first.', span: 'full', lazy: false, kind: 'custom', asOf: false,
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
        h('span', { class: 'feed-title' }, h('strong', { text: a.title }), a.subject_label ? ` — ${a.subject_label}` : '', h('br'), h('small', { text: `${fmtValue(a)} · ${words(a.status)}` })),
        h('time', { datetime: a.opened_at, text: datetime(a.opened_at) }),
        a.status === 'open' ? act('ack') : null,
        a.status !== 'resolved' ? act('resolve') : null, msg);
    }
    if (allowed(me, 'ceo')) {
      ctx.panel(g, {
        id: 'alerts-rules', title: 'Alert rules', span: 'full', kind: 'custom', endpoint: '/api/alerts/rules',
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
      return h('tr', {}, h('td', {}, h('strong', { text: r.name }), h('br'), h('small', { text: r.description || '' })),
        h('td', { text: `${words(r.metric)} ${r.comparison}` }), h('td', {}, thr), h('td', {}, sev), h('td', {}, en), h('td', {}, save, ' ', msg));
    }

    // Every alert event (fired, acknowledged, resolved: docs/live.md)
    // refreshes the list and the counts, and shows in the live feed.
    let pending = 0;
    ctx.live('alert', () => {
      clearTimeout(pending);
      pending = setTimeout(() => { list.refresh(); summary.refresh(); }, 300);
    });
    ctx.onUnmount(() => clearTimeout(pending));
  },
};
