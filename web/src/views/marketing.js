// marketing.js — marketing: spend by platform (stacked bars), ROAS by
// campaign, CAC trend, conversion funnel, traffic sources, campaigns table.
import { get } from '../api.js';
import { renderCards, pctChange } from '../kpi.js';
import { barOption } from '../charts/bar.js';
import { lineOption } from '../charts/line.js';
import { funnelOption } from '../charts/funnel.js';
import { pieOption } from '../charts/pie.js';
import { money, num, pct } from '../format.js';
import { rangeParams, rangeDays } from '../store.js';
import { col, labels, words } from './util.js';

const spendGran = (f) => (rangeDays(f) <= 92 ? 'day' : rangeDays(f) <= 400 ? 'week' : 'month');
const cacGran = (f) => (rangeDays(f) <= 200 ? 'week' : 'month');

export default {
  key: 'marketing',
  label: 'Marketing',
  mount(ctx) {
    ctx.header('Marketing', 'What the spend buys: reach, customers and return.');
    const g = ctx.grid();
    ctx.panel(g, {
      id: 'mkt-kpis', title: 'Period summary', span: 'full', lazy: false, kind: 'kpi', endpoint: '/api/marketing/summary',
      load: (f) => get('/api/marketing/summary', rangeParams(f)),
      render: (body, d) => {
        const c = d.current || {}, p = d.previous || {};
        return renderCards(body, [
          { id: 'spend', label: 'Ad spend', value: money(c.spend), change: pctChange(c.spend, p.spend), upIsGood: false },
          { id: 'roas', label: 'ROAS (attributed)', value: `${num(c.roas, 2)}×`, change: pctChange(c.roas, p.roas), note: `blended ${num(c.blended_roas, 2)}×` },
          { id: 'cac', label: 'CAC', value: money(c.cac), change: pctChange(c.cac, p.cac), upIsGood: false, note: `${num(c.new_customers)} new customers` },
          { id: 'ltv-cac', label: 'LTV : CAC', value: `${num(c.ltv_cac_ratio, 2)}`, tone: c.ltv_cac_ratio >= 3 ? 'good' : c.ltv_cac_ratio >= 1 ? 'warn' : 'bad', changeText: 'target ≥ 3', changeLabel: '' },
          { id: 'ctr', label: 'Click-through rate', value: pct(c.ctr_pct, 2), change: pctChange(c.ctr_pct, p.ctr_pct), note: `${money(c.cpc, { compact: false })} per click` },
          { id: 'mqls', label: 'MQLs', value: num(c.mqls), change: pctChange(c.mqls, p.mqls), note: `${money(c.cost_per_mql)} per MQL`, href: '/sales' },
        ]);
      },
    });
    ctx.panel(g, {
      id: 'mkt-spend', title: 'Spend by platform', span: 'wide', lazy: false, endpoint: '/api/marketing/spend',
      csv: { path: '/api/marketing/spend', params: (f) => ({ granularity: spendGran(f), ...rangeParams(f) }), filename: 'ad-spend.csv' },
      load: (f) => get('/api/marketing/spend', { granularity: spendGran(f), ...rangeParams(f) }),
      chart: (d) => {
        const rows = d.rows || [];
        if (!rows.length) return null;
        const x = [...new Set(rows.map((r) => String(r.bucket).slice(0, 10)))].sort();
        const plats = [...new Set(rows.map((r) => r.platform))];
        return barOption({ x, kind: 'money', series: plats.map((pl) => ({ name: words(pl), stack: 's',
          data: x.map((b) => { const r = rows.find((q) => q.platform === pl && String(q.bucket).slice(0, 10) === b); return r ? Number(r.spend) : 0; }) })) });
      },
    });
    ctx.panel(g, {
      id: 'mkt-funnel', title: 'Conversion funnel', span: 'narrow', lazy: false, endpoint: '/api/marketing/funnel',
      csv: { path: '/api/marketing/funnel', params: (f) => rangeParams(f), filename: 'funnel.csv' },
      load: (f) => get('/api/marketing/funnel', rangeParams(f)),
      chart: (d) => {
        const s = (d.current && d.current.steps) || d.steps || [];
        return s.length ? funnelOption({ items: s.map((x) => ({ name: words(x.step), value: Number(x.count) })), name: 'Funnel' }) : null;
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
      chart: (d) => {
        const b = d.buckets || [];
        return b.length ? lineOption({ x: labels(b, 'bucket'), kind: 'money', series: [{ name: 'CAC', data: col(b, 'cac') }, { name: 'Spend', data: col(b, 'spend'), dashed: true }] }) : null;
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
