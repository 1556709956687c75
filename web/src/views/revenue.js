// revenue.js — revenue: trend (line), by source (donut), AOV trend, refunds
// and chargebacks, MRR movements table, LTV by plan, segmentation grid.
import { get } from '../api.js';
import { lineOption } from '../charts/line.js';
import { pieOption } from '../charts/pie.js';
import { barOption } from '../charts/bar.js';
import { rangeParams, previousParams, rangeDays } from '../store.js';
import { renderCards, pctChange } from '../kpi.js';
import { money, pct } from '../format.js';
import { gather, col, labels, allowed } from './util.js';

/** Bucket size that keeps a trend readable for the range. */
export function granularity(f) {
  const n = rangeDays(f);
  return n <= 92 ? 'day' : n <= 400 ? 'week' : 'month';
}

/** Load a range endpoint, plus the previous period when comparing. */
export function withPrevious(path, f, extra = {}) {
  return gather({
    cur: get(path, { ...extra, ...rangeParams(f) }),
    prev: f.compare ? get(path, { ...extra, ...previousParams(f) }) : Promise.resolve(null),
  }).then((d) => { if (!d.cur) throw d.errors.cur; return d; });
}

export default {
  key: 'revenue',
  label: 'Revenue',
  mount(ctx, { me }) {
    ctx.header('Revenue', 'Order revenue, recurring revenue and where it comes from.');
    const g = ctx.grid();
    ctx.panel(g, {
      id: 'rev-kpis', title: 'Totals for the period', span: 'full', lazy: false, kind: 'kpi',
      endpoint: '/api/revenue/trend',
      load: (f) => withPrevious('/api/revenue/trend', { ...f, compare: true }, { granularity: granularity(f) }),
      render: (body, d) => {
        const t = d.cur.totals || {}, p = (d.prev && d.prev.totals) || {};
        const spark = col(d.cur.buckets, 'revenue');
        return renderCards(body, [
          { id: 'revenue', label: 'Revenue', value: money(t.revenue), change: pctChange(t.revenue, p.revenue), spark },
          { id: 'orders', label: 'Orders', value: String(t.orders ?? '—'), change: pctChange(t.orders, p.orders), spark: col(d.cur.buckets, 'orders') },
          { id: 'aov', label: 'Average order value', value: money(t.aov, { compact: false }), change: pctChange(t.aov, p.aov), spark: col(d.cur.buckets, 'aov') },
          { id: 'net', label: 'Net revenue', value: money(t.net_revenue), change: pctChange(t.net_revenue, p.net_revenue) },
          { id: 'refunds', label: 'Refunds + chargebacks', value: money((Number(t.refunds) || 0) + (Number(t.chargebacks) || 0)), change: pctChange((Number(t.refunds) || 0) + (Number(t.chargebacks) || 0), (Number(p.refunds) || 0) + (Number(p.chargebacks) || 0)), upIsGood: false, href: null },
        ]);
      },
    });
    ctx.panel(g, {
      id: 'rev-trend', title: 'Revenue trend', span: 'wide', lazy: false, endpoint: '/api/revenue/trend',
      csv: { path: '/api/revenue/trend', params: (f) => ({ granularity: granularity(f), ...rangeParams(f) }), filename: 'revenue-trend.csv' },
      load: (f) => withPrevious('/api/revenue/trend', f, { granularity: granularity(f) }),
      chart: (d) => {
        const b = d.cur.buckets || [];
        if (!b.length) return null;
        const series = [{ name: 'Revenue', data: col(b, 'revenue') }, { name: 'Net revenue', data: col(b, 'net_revenue') }];
        if (d.prev) series.push({ name: 'Revenue, previous period', data: col(d.prev.buckets, 'revenue').slice(0, b.length), dashed: true });
        return lineOption({ x: labels(b, 'bucket').map((s) => s.slice(0, 10)), series, kind: 'money' });
      },
    });
    ctx.panel(g, {
      id: 'rev-source', title: 'Revenue by source', span: 'narrow', lazy: false, endpoint: '/api/revenue/by-source',
      csv: { path: '/api/revenue/by-source', params: (f) => rangeParams(f), filename: 'revenue-by-source.csv' },
      load: (f) => get('/api/revenue/by-source', rangeParams(f)),
      chart: (d) => {
        const items = (d.sources || []).filter((s) => Number(s.revenue) > 0).map((s) => ({ name: s.label || s.source, value: Number(s.revenue) }));
        return items.length ? pieOption({ items, name: 'Revenue' }) : null;
      },
    });
    ctx.panel(g, {
      id: 'rev-aov', title: 'Average order value', span: 'half', endpoint: '/api/revenue/trend',
      csv: { path: '/api/revenue/trend', params: (f) => ({ granularity: granularity(f), ...rangeParams(f) }), filename: 'revenue-trend.csv' },
      load: (f) => withPrevious('/api/revenue/trend', f, { granularity: granularity(f) }),
      chart: (d) => {
        const b = d.cur.buckets || [];
        if (!b.length) return null;
        const series = [{ name: 'AOV', data: col(b, 'aov') }];
        if (d.prev) series.push({ name: 'AOV, previous period', data: col(d.prev.buckets, 'aov').slice(0, b.length), dashed: true });
        return lineOption({ x: labels(b, 'bucket').map((s) => s.slice(0, 10)), series, kind: 'money' });
      },
    });
    ctx.panel(g, {
      id: 'rev-refunds', title: 'Refunds and chargebacks', span: 'half', endpoint: '/api/revenue/refunds',
      csv: { path: '/api/revenue/refunds', params: (f) => ({ granularity: granularity(f), ...rangeParams(f) }), filename: 'refunds.csv' },
      load: (f) => get('/api/revenue/refunds', { granularity: granularity(f), ...rangeParams(f) }),
      chart: (d) => {
        const b = d.buckets || [];
        if (!b.length) return null;
        const t = d.totals || {};
        const o = barOption({ x: labels(b, 'bucket').map((s) => s.slice(0, 10)), kind: 'money',
          series: [{ name: 'Refunded', data: col(b, 'refunded'), stack: 'r' }, { name: 'Charged back', data: col(b, 'charged_back'), stack: 'r' }] });
        o.legend.formatter = (n) => (n === 'Refunded' ? `Refunded (${pct(t.refund_rate_pct)} of orders)` : `Charged back (${pct(t.chargeback_rate_pct)})`);
        return o;
      },
    });
    if (allowed(me, 'ceo,cs,sales')) {
      ctx.panel(g, {
        id: 'rev-movements', title: 'MRR movements by month', span: 'full', endpoint: '/api/revenue/mrr',
        csv: { path: '/api/revenue/mrr', params: () => ({ months: 12 }), filename: 'mrr-movements.csv' },
        load: () => get('/api/revenue/mrr', { months: 12 }),
        table: {
          rows: (d) => (d.months || []).slice().reverse(),
          columns: [
            { key: 'month', label: 'Month', value: (r) => r.month + (r.partial ? ' (to date)' : '') },
            { key: 'starting_mrr', label: 'Starting MRR', kind: 'money' },
            { key: 'new', label: 'New', kind: 'money' },
            { key: 'expansion', label: 'Expansion', kind: 'money' },
            { key: 'reactivation', label: 'Reactivation', kind: 'money' },
            { key: 'contraction', label: 'Contraction', kind: 'money' },
            { key: 'churn', label: 'Churn', kind: 'money' },
            { key: 'net_new', label: 'Net new', kind: 'money', tone: (r) => (Number(r.net_new) >= 0 ? 'good' : 'bad') },
            // exchange rates alone (docs/metrics.md, "Currencies"): ending = starting + net new + FX
            { key: 'fx', label: 'FX', kind: 'money' },
            { key: 'ending_mrr', label: 'Ending MRR', kind: 'money' },
            { key: 'customer_churn_rate_pct', label: 'Logo churn', kind: 'pct' },
          ],
        },
      });
    }
    ctx.panel(g, {
      id: 'rev-ltv', title: 'Lifetime value by plan', span: 'half', endpoint: '/api/revenue/ltv',
      csv: { path: '/api/revenue/ltv', params: () => ({ by: 'plan' }), filename: 'ltv-by-plan.csv' },
      load: () => get('/api/revenue/ltv', { by: 'plan' }),
      chart: (d) => {
        const rows = d.groups || d.plans || d.rows || [];
        if (!rows.length) return null;
        return barOption({ x: rows.map((r) => r.label || r.plan || r.name || r.key), kind: 'money', legend: false,
          series: [{ name: 'LTV', data: rows.map((r) => Number(r.ltv ?? r.ltv_formula ?? r.value)) }] });
      },
    });
    ctx.panel(g, {
      id: 'rev-segments', title: 'Segmentation', span: 'half', endpoint: '/api/revenue/segments',
      csv: { path: '/api/revenue/segments', params: () => ({}), filename: 'revenue-segments.csv' },
      load: () => get('/api/revenue/segments'),
      table: {
        rows: (d) => d.segments || d.rows || [],
        columns: [
          { key: 'segment', label: 'Segment', value: (r) => r.label || r.segment || r.name },
          { key: 'customers', label: 'Customers', kind: 'int' },
          { key: 'mrr', label: 'MRR', kind: 'money' },
          { key: 'arpu', label: 'ARPU', kind: 'money' },
          { key: 'mrr_share_pct', label: 'Share of MRR', kind: 'pct' },
        ],
      },
    });
  },
};
