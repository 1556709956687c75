// movements.js — the MRR drill-down (issue 21): one month's movements
// (/revenue/movements/YYYY-MM) and the customers in one of them
// (?kind=new|expansion|contraction|churn|reactivation), each linking to the
// customer; the path lives in the URL, so the back button walks it back.
// Figures: GET /api/revenue/movements (totals company-wide; the customer
// rows row-scoped for sales, docs/api/revenue.md "Movements").
import { get } from '../api.js';
import { h } from '../dom.js';
import { stateBox, table } from '../panel.js';
import { num } from '../format.js';
import { asOfParams, filterQuery } from '../store.js';
import { words } from './util.js';

const KINDS = ['new', 'expansion', 'contraction', 'churn', 'reactivation'];
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** This page for another month or kind, the filters kept. */
function href(month, kind) {
  const q = new URLSearchParams(filterQuery().slice(1));
  if (kind) q.set('kind', kind);
  const s = q.toString();
  return `/revenue/movements/${month}${s ? `?${s}` : ''}`;
}

/** The month before or after m (YYYY-MM). */
function shift(m, by) {
  const d = new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)) - 1 + by, 1));
  return d.toISOString().slice(0, 7);
}

export default {
  key: 'revenue', label: 'MRR movements', detail: true,
  mount(ctx, { params, me }) {
    const month = params[1];
    const q = new URLSearchParams(location.search);
    const kind = q.get('kind');
    ctx.root.append(h('p', { class: 'crumbs' },
      h('a', { href: (me && me.role === 'ceo' ? '/executive' : '/revenue') + filterQuery(), 'data-link': '', text: me && me.role === 'ceo' ? '← Executive summary' : '← Revenue' }),
      kind && MONTH.test(month || '') ? [' · ', h('a', { href: href(month), 'data-link': '', text: `All movements of ${month}` })] : null));
    if (!MONTH.test(month || '') || (kind && !KINDS.includes(kind))) {
      ctx.header('MRR movements');
      ctx.root.append(stateBox('error', 'Not a month or movement', 'The address names a month as YYYY-MM and a movement as new, expansion, contraction, churn or reactivation.'));
      return;
    }
    ctx.header(kind ? `${words(kind)} MRR in ${month}` : `MRR movements in ${month}`,
      kind ? 'The customers whose MRR moved this way in the month, largest change first.'
        : 'What moved MRR in the month; select a movement for the customers in it.');
    document.title = `MRR movements ${month} — Northstar`;
    ctx.root.append(h('p', { class: 'crumbs' },
      h('a', { href: href(shift(month, -1), kind), 'data-link': '', text: `← ${shift(month, -1)}` }), ' · ',
      h('a', { href: href(shift(month, 1), kind), 'data-link': '', text: `${shift(month, 1)} →` })));
    const load = (f) => get('/api/revenue/movements', { month, ...(kind ? { kind } : {}), ...asOfParams(f) });
    const g = ctx.grid();
    ctx.panel(g, {
      id: 'mv-totals', title: `Movements of ${month}`, span: 'full', lazy: false,
      endpoint: '/api/revenue/movements',
      load,
      table: {
        columns: [
          { key: 'kind', label: 'Movement', value: (r) => words(r.kind), link: (r) => (r.customers ? href(month, r.kind) : null) },
          { key: 'amount', label: 'MRR change', kind: 'money' },
          { key: 'customers', label: 'Customers', kind: 'int' },
        ],
        rows: (d) => KINDS.map((k) => ({ kind: k, ...((d && d.totals && d.totals[k]) || {}) })),
      },
    });
    ctx.panel(g, {
      id: 'mv-customers', title: kind ? `${words(kind)}: customers` : 'Customers who moved', span: 'full', lazy: false,
      subtitle: 'Each row opens the customer.',
      endpoint: '/api/revenue/movements',
      csv: { path: '/api/revenue/movements', params: (f) => ({ month, ...(kind ? { kind } : {}), ...asOfParams(f) }), filename: `mrr-movements-${month}${kind ? `-${kind}` : ''}.csv` },
      load,
      render: (body, d) => {
        const rows = (d && d.customers) || [];
        if (d && d.hidden) body.append(h('p', { class: 'panel-sub', text: `${num(d.hidden)} more customers moved, not yours: their amounts are in the totals only.` }));
        if (d && d.partial) body.append(h('p', { class: 'panel-sub', text: `The month so far: ${d.from} to ${d.to}.` }));
        if (!rows.length) { body.append(stateBox('empty', 'No customers', 'No customer you may see moved this way in the month.')); return; }
        body.append(tableOf(rows));
      },
    });
  },
};

/** The customers' table: name → the customer, movement, MRR before and after, change. */
const tableOf = (rows) => table([
  { key: 'name', label: 'Customer', link: (r) => `/customers/${r.customer_id}` },
  { key: 'segment', label: 'Segment', value: (r) => words(r.segment) },
  { key: 'kind', label: 'Movement', value: (r) => words(r.kind) },
  { key: 'starting_mrr', label: 'MRR before', kind: 'money' },
  { key: 'ending_mrr', label: 'MRR after', kind: 'money' },
  { key: 'change', label: 'Change', kind: 'money' },
], rows, 'Customers in the movement');
