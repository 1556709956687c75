// customer.js — one customer's drill-down page: profile, plan, MRR and
// health history, usage, payments, tickets, NPS and features used.
import { get } from '../api.js';
import { h } from '../dom.js';
import { lineOption } from '../charts/line.js';
import { table } from '../panel.js';
import { renderCards } from '../kpi.js';
import { money, num, date } from '../format.js';
import { col, labels, words } from './util.js';

export default {
  key: 'customers', label: 'Customer', detail: true,
  mount(ctx, { params }) {
    const id = params[0];
    const path = `/api/users/customers/${encodeURIComponent(id)}`;
    const load = () => get(path);
    ctx.root.append(h('p', { class: 'crumbs' }, h('a', { href: '/customers', 'data-link': '' }, '← All customers')));
    ctx.header(`Customer #${id}`);
    load().then((d) => { const t = ctx.root.querySelector('.view-head h1'); if (t && d.profile) { t.textContent = d.profile.name; document.title = `${d.profile.name} — Northstar`; } }).catch(() => {});
    const g = ctx.grid();
    ctx.panel(g, {
      id: 'cust-kpis', title: 'Overview', span: 'full', lazy: false, kind: 'kpi', endpoint: path, load,
      render: (body, d) => {
        const hl = d.health || {};
        return renderCards(body, [
          { id: 'mrr', label: 'MRR', value: money(d.mrr, { compact: false }), spark: col(d.mrr_history, 'mrr') },
          { id: 'health', label: 'Health score', value: num(hl.health_score), tone: hl.risk_band === 'high_risk' ? 'bad' : hl.risk_band === 'medium_risk' ? 'warn' : 'good', changeText: words(hl.risk_band), changeLabel: '', spark: col(d.health_history, 'health_score') },
          { id: 'action', label: 'Suggested action', value: words(hl.action), note: hl.mrr_at_risk ? `${money(hl.mrr_at_risk)} MRR at risk` : null },
          { id: 'tickets', label: 'Open tickets', value: num((d.open_tickets || []).length) },
        ]);
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
  },
};
