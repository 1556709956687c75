// marketing.js — marketing: spend by platform (stacked bars), ROAS by
// campaign, CAC trend, conversion funnel, traffic sources, campaigns table.
import { get } from '../api.js';
import { renderCards, pctChange } from '../kpi.js';
import { barOption } from '../charts/bar.js';
import { lineOption } from '../charts/line.js';
import { funnelOption } from '../charts/funnel.js';
import { pieOption } from '../charts/pie.js';
import { renderChart } from '../charts/core.js';
import { h } from '../dom.js';
import { money, num, pct, isNum } from '../format.js';
import { rangeParams, rangeDays } from '../store.js';
import { col, words, gather, partialFrom, bucketHref } from './util.js';
import { bucketLabel } from '../charts/labels.js';

const spendGran = (f) => (rangeDays(f) <= 92 ? 'day' : rangeDays(f) <= 400 ? 'week' : 'month');
const cacGran = (f) => (rangeDays(f) <= 200 ? 'week' : 'month');

export default {
  key: 'marketing',
  label: 'Marketing',
  mount(ctx) {
    ctx.header('Marketing', 'What the spend buys: reach, customers and return.');
    const g = ctx.grid();
    ctx.panel(g, {
      id: 'mkt-kpis', title: 'Period summary', span: 'full', lazy: false, kind: 'kpi',
      endpoint: '/api/marketing/summary, /api/marketing/funnel',
      load: (f) => gather({ s: get('/api/marketing/summary', rangeParams(f)), fun: get('/api/marketing/funnel', rangeParams(f)) }),
      render: (body, all) => {
        const d = all.s || {}, c = d.current || {}, p = d.previous || {};
        const fc = (all.fun && all.fun.current) || {}, fp = (all.fun && all.fun.previous) || {};
        return renderCards(body, [
          { id: 'spend', label: 'Ad spend', value: money(c.spend), change: pctChange(c.spend, p.spend), upIsGood: false },
          { id: 'roas', label: 'ROAS (attributed)', value: `${num(c.roas, 2)}×`, change: pctChange(c.roas, p.roas), note: `blended ${num(c.blended_roas, 2)}×` },
          { id: 'cac', label: 'CAC', value: money(c.cac), change: pctChange(c.cac, p.cac), upIsGood: false, note: `${num(c.new_customers)} new customers` },
          { id: 'ltv-cac', label: 'LTV : CAC', value: `${num(c.ltv_cac_ratio, 2)}`, tone: c.ltv_cac_ratio >= 3 ? 'good' : c.ltv_cac_ratio >= 1 ? 'warn' : 'bad', changeText: 'target ≥ 3', changeLabel: '' },
          { id: 'ctr', label: 'Click-through rate', value: pct(c.ctr_pct, 2), change: pctChange(c.ctr_pct, p.ctr_pct), note: `${money(c.cpc, { compact: false })} per click` },
          { id: 'mqls', label: 'MQLs', value: num(c.mqls), change: pctChange(c.mqls, p.mqls), note: `${money(c.cost_per_mql)} per MQL`, href: '/sales' },
          all.fun && { id: 'cart-abandonment', label: 'Cart abandonment', value: pct(fc.cart_abandonment_rate_pct, 2),
            change: isNum(fc.cart_abandonment_rate_pct) && isNum(fp.cart_abandonment_rate_pct) ? fc.cart_abandonment_rate_pct - fp.cart_abandonment_rate_pct : null,
            changeText: isNum(fc.cart_abandonment_rate_pct) && isNum(fp.cart_abandonment_rate_pct) ? `${num(fc.cart_abandonment_rate_pct - fp.cart_abandonment_rate_pct, 1)} pts` : null,
            upIsGood: false, note: `${num(fc.add_to_carts)} carts, ${num(fc.orders)} ordered (web sessions)` },
        ]);
      },
    });
    ctx.panel(g, {
      id: 'mkt-spend', title: 'Spend by platform', span: 'wide', lazy: false, endpoint: '/api/marketing/spend',
      csv: { path: '/api/marketing/spend', params: (f) => ({ granularity: spendGran(f), ...rangeParams(f) }), filename: 'ad-spend.csv' },
      load: (f) => get('/api/marketing/spend', { granularity: spendGran(f), ...rangeParams(f) }),
      // a bar opens the marketing view for that bucket (campaigns, CAC, funnel of that day/week/month)
      drill: (i, d, f) => {
        const x = [...new Set((d.rows || []).map((r) => String(r.bucket).slice(0, 10)))].sort();
        return x[i] ? bucketHref('marketing', x[i], spendGran(f)) : null;
      },
      chart: (d, f) => {
        const rows = d.rows || [];
        if (!rows.length) return null;
        const x = [...new Set(rows.map((r) => String(r.bucket).slice(0, 10)))].sort();
        const plats = [...new Set(rows.map((r) => r.platform))];
        return barOption({ x: x.map((b) => bucketLabel(b, spendGran(f))), kind: 'money', partialFrom: partialFrom(x.map((b) => ({ b })), 'b', spendGran(f)), series: plats.map((pl) => ({ name: words(pl), stack: 's',
          data: x.map((b) => { const r = rows.find((q) => q.platform === pl && String(q.bucket).slice(0, 10) === b); return r ? Number(r.spend) : 0; }) })) });
      },
    });
    ctx.panel(g, {
      id: 'mkt-funnel', title: 'Conversion funnel', subtitle: 'Tracked web sessions', span: 'narrow', lazy: false, kind: 'chart',
      endpoint: '/api/marketing/funnel, /api/revenue/trend',
      csv: { path: '/api/marketing/funnel', params: (f) => rangeParams(f), filename: 'funnel.csv' },
      load: (f) => gather({ fun: get('/api/marketing/funnel', rangeParams(f)), rev: get('/api/revenue/trend', { granularity: 'month', ...rangeParams(f) }) })
        .then((d) => { if (!d.fun) throw d.errors.fun; return d; }),
      render: async (body, d) => {
        const s = d.fun.steps || [];
        if (!s.length || !s.some((x) => Number(x.count) > 0)) return false;
        const box = h('div', { class: 'chart', dataset: { kind: 'funnel' } });
        body.append(box);
        // Two different "orders" on two views: say what each counts, with both numbers.
        const web = d.fun.current ? d.fun.current.orders : null;
        const all = d.rev && d.rev.totals ? d.rev.totals.orders : null;
        body.append(h('p', { class: 'panel-sub', id: 'mkt-funnel-orders-note' },
          'Orders here are ', h('strong', { dataset: { funnelOrders: String(web) }, text: num(web) }),
          ' order events of tracked web sessions (the website’s session → cart → checkout → order path). ',
          all === null ? 'Revenue counts every order from every source (web shop, API, marketplace, partners).'
            : ['Revenue’s ', h('strong', { dataset: { revenueOrders: String(all) }, text: num(all) }), ' orders for the same days are every order from every source (web shop, API, marketplace, partners).']));
        await renderChart(box, funnelOption({ items: s.map((x) => ({ name: words(x.step), value: Number(x.count) })), name: 'Funnel' }));
        return true;
      },
    });
    ctx.panel(g, {
      id: 'mkt-roas', title: 'ROAS by campaign', span: 'half', endpoint: '/api/marketing/campaigns',
      load: (f) => get('/api/marketing/campaigns', { sort: 'roas', ...rangeParams(f) }),
      chart: (d) => {
        const c = (d.campaigns || []).filter((x) => Number(x.spend) > 0);
        return c.length ? barOption({ x: c.map((x) => x.name), horizontal: true, legend: false, series: [{ name: 'ROAS', data: c.map((x) => Number(x.roas)) }] }) : null;
      },
    });
    ctx.panel(g, {
      id: 'mkt-cac', title: 'CAC trend', span: 'half', endpoint: '/api/marketing/cac',
      csv: { path: '/api/marketing/cac', params: (f) => ({ granularity: cacGran(f), ...rangeParams(f) }), filename: 'cac.csv' },
      load: (f) => get('/api/marketing/cac', { granularity: cacGran(f), ...rangeParams(f) }),
      chart: (d, f) => {
        const b = d.buckets || [];
        return b.length ? lineOption({ x: b.map((r) => bucketLabel(r.bucket, cacGran(f))), kind: 'money', partialFrom: partialFrom(b, 'bucket', cacGran(f)), series: [{ name: 'CAC', data: col(b, 'cac') }, { name: 'Spend', data: col(b, 'spend'), dashed: true }] }) : null;
      },
    });
    ctx.panel(g, {
      id: 'mkt-traffic', title: 'Traffic sources', span: 'half', endpoint: '/api/marketing/traffic',
      csv: { path: '/api/marketing/traffic', params: (f) => rangeParams(f), filename: 'traffic.csv' },
      load: (f) => get('/api/marketing/traffic', rangeParams(f)),
      chart: (d) => {
        const s = (d.sources || []).filter((x) => Number(x.sessions) > 0);
        return s.length ? pieOption({ items: s.map((x) => ({ name: words(x.source), value: Number(x.sessions) })), name: 'Sessions' }) : null;
      },
    });
    ctx.panel(g, {
      id: 'mkt-campaigns', title: 'Campaigns', span: 'half', endpoint: '/api/marketing/campaigns',
      csv: { path: '/api/marketing/campaigns', params: (f) => ({ limit: 500, ...rangeParams(f) }), filename: 'campaigns.csv' },
      load: (f) => get('/api/marketing/campaigns', { sort: 'spend', ...rangeParams(f) }),
      table: {
        rows: (d) => d.campaigns || [],
        columns: [
          { key: 'name', label: 'Campaign' },
          { key: 'spend', label: 'Spend', kind: 'money' },
          { key: 'roas', label: 'ROAS', kind: 'num', tone: (r) => (r.roas >= 1 ? 'good' : r.roas >= 0.5 ? 'warn' : 'bad') },
          { key: 'ctr_pct', label: 'CTR', kind: 'pct' },
          { key: 'budget_used_pct', label: 'Budget used', kind: 'pct' },
        ],
      },
    });
  },
};
