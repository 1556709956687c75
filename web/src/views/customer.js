// customer.js — one customer's drill-down page: profile, plan, MRR and
// health history, the four parts of the health score, usage, payments,
// tickets, NPS and features used.  A customer that does not exist, or that
// belongs to another account manager (the API answers both with the same
// 404), is one clear page with a way back, not a grid of failed panels.
import { get, ApiError } from '../api.js';
import { h } from '../dom.js';
import { lineOption } from '../charts/line.js';
import { barOption } from '../charts/bar.js';
import '../charts/inspect.js';
import { table, stateBox } from '../panel.js';
import { renderCards } from '../kpi.js';
import { money, num, date } from '../format.js';
import { asOfParams, filters, filterQuery } from '../store.js';
import { col, labels, words } from './util.js';
import { HEALTH_PARTS } from './customers.js';

const SHARE_MS = 5000;   // the panels of one page load share one request

export default {
  key: 'customers', label: 'Customer', detail: true,
  mount(ctx, { params, me }) {
    const id = params[0];
    const path = `/api/users/customers/${encodeURIComponent(id)}`;
    // Every panel shows a part of the one answer: one request per URL (the
    // as_of of a custom range) and page load, a fresh one on a refresh.
    let memo = null;
    const load = (f) => {
      const q = asOfParams(f);
      const key = JSON.stringify(q);
      if (memo && memo.key === key && Date.now() - memo.at < SHARE_MS) return memo.p;
      memo = { key, at: Date.now(), p: get(path, q) };
      return memo.p;
    };
    const back = h('p', { class: 'crumbs' }, h('a', { href: '/customers' + filterQuery(), 'data-link': '' }, '← All customers'));
    ctx.root.append(back);
    ctx.header(`Customer #${id}`);
    // The panels come once the customer is known to be there: a missing one
    // (or another account manager's) is one page, not seven failed panels.
    const wait = h('div', { class: 'skel skel-chart', 'aria-hidden': 'true' });
    ctx.root.append(wait);
    load(filters()).then((d) => {
      if (!ctx.root.isConnected) return;
      wait.remove();
      const t = ctx.root.querySelector('.view-head h1');
      if (t && d.profile) { t.textContent = d.profile.name; document.title = `${d.profile.name} — Northstar`; }
      panels(ctx, path, load);
    }).catch((err) => {
      if (!ctx.root.isConnected) return;
      wait.remove();
      if (!(err instanceof ApiError) || err.status !== 404) { panels(ctx, path, load); return; }   // the panels say what failed
      ctx.root.querySelector('.view-head').remove();
      ctx.header('Customer not found');
      const who = me && me.role === 'cs'
        ? `Customer #${id} does not exist, or belongs to another account manager: you see the customers you look after.`
        : `There is no customer #${id}.`;
      const box = stateBox('notfound', 'This customer cannot be shown', who,
        h('a', { class: 'btn', href: '/customers' + filterQuery(), 'data-link': '' }, 'Back to all customers'));
      box.classList.add('customer-not-found');
      ctx.root.append(box);
      document.title = 'Customer not found — Northstar';
      ctx.touched();   // the toolbar's "updated": the answer came, it is this page
    });
  },
};

/** The panels of a customer that is there. */
function panels(ctx, path, load) {
  const g = ctx.grid();
  ctx.panel(g, {
    id: 'cust-kpis', title: 'Overview', span: 'full', lazy: false, kind: 'kpi', endpoint: path, load,
    render: (body, d) => {
      const hl = d.health || {};
      return renderCards(body, [
        { id: 'mrr', label: 'MRR', value: money(d.mrr, { compact: false }), spark: col(d.mrr_history, 'mrr') },
        { id: 'health', label: 'Health score', value: num(hl.health_score), note: HEALTH_PARTS.map(([k, label]) => `${label} ${num(hl[k])}`).join(' · '), tone: hl.risk_band === 'high_risk' ? 'bad' : hl.risk_band === 'medium_risk' ? 'warn' : 'good', changeText: words(hl.risk_band), changeLabel: '', spark: col(d.health_history, 'health_score') },
        { id: 'action', label: 'Suggested action', value: words(hl.action), note: hl.mrr_at_risk ? `${money(hl.mrr_at_risk)} MRR at risk` : null },
        { id: 'tickets', label: 'Open tickets', value: num((d.open_tickets || []).length) },
      ]);
    },
  });
  ctx.panel(g, {
    id: 'cust-health-parts', title: 'Health score, part by part', span: 'half', lazy: false, endpoint: path, load,
    subtitle: 'Usage 0–30, adoption 0–25, support 0–20, payment 0–25: their sum is the score',
    chart: (d) => {
      const hl = d.health;
      if (!hl) return null;
      if (HEALTH_PARTS.some(([k]) => typeof hl[k] !== 'number')) throw new Error('the health score has no parts');
      const o = barOption({ x: HEALTH_PARTS.map(([, label, max]) => `${label} (of ${max})`), horizontal: true, legend: true,
        series: [{ name: `Points (score ${num(hl.health_score)} of 100)`, data: HEALTH_PARTS.map(([k]) => hl[k]) }] });
      o.series[0].label = { show: true, position: 'right', formatter: (p) => num(p.value) };
      return o;
    },
  });
  ctx.panel(g, {
    id: 'cust-profile', title: 'Profile', span: 'half', lazy: false, kind: 'custom', endpoint: path, load,
    render: (body, d) => {
      const p = d.profile || {};
      const facts = [['Email', p.email], ['Segment', words(p.segment)], ['Country', p.country], ['Channel', words(p.channel)],
        ['Signed up', date(p.signup_at)], ['Converted', date(p.converted_at)], ['Churned', date(p.churned_at)],
        ['CS owner', p.cs_owner && p.cs_owner.name], ['Sales owner', p.sales_owner && p.sales_owner.name]];
      body.append(h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('div', {}, h('dt', { text: k }), h('dd', { text: v || '—' }))])));
      if ((d.plan || []).length) body.append(table([{ key: 'name', label: 'Plan' }, { key: 'quantity', label: 'Seats', kind: 'int' }, { key: 'mrr', label: 'MRR', kind: 'money' }, { key: 'since', label: 'Since', kind: 'date' }], d.plan, 'Plan'));
    },
  });
  ctx.panel(g, {
    id: 'cust-mrr', title: 'MRR and health history', span: 'half', lazy: false, endpoint: path, load,
    chart: (d) => {
      const m = d.mrr_history || [];
      if (!m.length) return null;
      const hh = d.health_history || [];
      const o = lineOption({ x: labels(m, 'day'), series: [{ name: 'MRR', data: col(m, 'mrr') }], kind: 'money' });
      if (hh.length) {
        o.yAxis = [o.yAxis, { type: 'value', min: 0, max: 100, splitLine: { show: false } }];
        o.series.push({ name: 'Health score', type: 'line', yAxisIndex: 1, data: labels(m, 'day').map((day) => { const x = hh.find((r) => r.day === day); return x ? x.health_score : null; }), lineStyle: { type: 'dashed' } });
        o.legend.data.push('Health score');
      }
      return o;
    },
  });
  ctx.panel(g, {
    id: 'cust-usage', title: 'Weekly usage', span: 'half', endpoint: path, load,
    chart: (d) => {
      const u = d.usage_trend || [];
      return u.length ? lineOption({ x: labels(u, 'week_end'), series: [{ name: 'Events', data: col(u, 'events') }, { name: 'Sessions', data: col(u, 'sessions') }, { name: 'Feature uses', data: col(u, 'feature_uses') }] }) : null;
    },
  });
  ctx.panel(g, {
    id: 'cust-payments', title: 'Payments, refunds and chargebacks', span: 'half', endpoint: path, load,
    empty: 'No payments recorded',
    table: { rows: (d) => d.payments || [], columns: [{ key: 'occurred_at', label: 'When', kind: 'datetime' }, { key: 'kind', label: 'Kind', value: (r) => words(r.kind) }, { key: 'amount', label: 'Amount', kind: 'money' }] },
  });
  ctx.panel(g, {
    id: 'cust-features', title: 'Features used', span: 'half', endpoint: path, load,
    empty: 'No feature use recorded',
    table: { rows: (d) => d.features_used || [], columns: [{ key: 'feature', label: 'Feature', value: (r) => words(r.feature) }, { key: 'uses', label: 'Uses', kind: 'int' }, { key: 'last_used', label: 'Last used', kind: 'date' }] },
  });
  ctx.panel(g, {
    id: 'cust-nps', title: 'NPS answers and open tickets', span: 'half', endpoint: path, load, kind: 'custom',
    render: (body, d) => {
      const n = d.nps || [], t = d.open_tickets || [];
      if (!n.length && !t.length) return false;
      if (n.length) body.append(table([{ key: 'answered_at', label: 'Answered', kind: 'date' }, { key: 'score', label: 'Score', kind: 'int', tone: (r) => (r.score >= 9 ? 'good' : r.score >= 7 ? 'warn' : 'bad') }], n, 'NPS answers'));
      if (t.length) body.append(table(Object.keys(t[0]).slice(0, 5).map((k) => ({ key: k, label: words(k) })), t, 'Open tickets'));
    },
  });
}
