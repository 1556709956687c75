// revenue.js — revenue: trend (line), by source (donut), AOV trend, refunds
// and chargebacks, MRR movements table, LTV by plan, segmentation grid.
import { get } from '../api.js';
import { lineOption } from '../charts/line.js';
import { pieOption } from '../charts/pie.js';
import { barOption } from '../charts/bar.js';
import { rangeParams, previousParams, rangeDays, asOfParams, previousAsOfParams } from '../store.js';
import { renderCards, pctChange } from '../kpi.js';
import { money, pct, num, isNum } from '../format.js';
import { gather, col, labels, allowed, partialFrom, words, bucketHref } from './util.js';
import '../charts/inspect.js';
import '../charts/drill.js';   // window.northstarDrill: the browser tests click a trend's point

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
          // every order, whatever its source; Marketing's funnel counts the orders of web sessions only
          { id: 'orders', label: 'Orders', value: num(t.orders), change: pctChange(t.orders, p.orders), spark: col(d.cur.buckets, 'orders'), note: 'all orders, every source' },
          { id: 'aov', label: 'Average order value', value: money(t.aov, { compact: false }), change: pctChange(t.aov, p.aov), spark: col(d.cur.buckets, 'aov') },
          { id: 'net', label: 'Net revenue', value: money(t.net_revenue), change: pctChange(t.net_revenue, p.net_revenue) },
          { id: 'refunds', label: 'Refunds + chargebacks', value: money((Number(t.refunds) || 0) + (Number(t.chargebacks) || 0)), change: pctChange((Number(t.refunds) || 0) + (Number(t.chargebacks) || 0), (Number(p.refunds) || 0) + (Number(p.chargebacks) || 0)), upIsGood: false, href: null },
        ]);
      },
    });
    ctx.panel(g, {
      id: 'rev-trend', title: 'Revenue trend', span: 'wide', lazy: false, endpoint: '/api/revenue/trend',
      csv: { path: '/api/revenue/trend', params: (f) => ({ granularity: granularity(f), ...rangeParams(f) }), filename: 'revenue-trend.csv' },
      // a point opens the revenue view for that bucket (by source, refunds … of that day/week/month)
      drill: (i, d, f) => { const b = (d.cur.buckets || [])[i]; return b ? bucketHref('revenue', b.bucket, granularity(f)) : null; },
      load: (f) => withPrevious('/api/revenue/trend', f, { granularity: granularity(f) }),
      chart: (d, f) => {
        const b = d.cur.buckets || [];
        if (!b.length) return null;
        const series = [{ name: 'Revenue', data: col(b, 'revenue') }, { name: 'Net revenue', data: col(b, 'net_revenue') }];
        if (d.prev) series.push({ name: 'Revenue, previous period', data: col(d.prev.buckets, 'revenue').slice(0, b.length), dashed: true });
        return lineOption({ x: labels(b, 'bucket').map((s) => s.slice(0, 10)), series, kind: 'money', partialFrom: partialFrom(b, 'bucket', granularity(f)) });
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
      // a point opens the revenue view for that bucket (by source, refunds … of that day/week/month)
      drill: (i, d, f) => { const b = (d.cur.buckets || [])[i]; return b ? bucketHref('revenue', b.bucket, granularity(f)) : null; },
      load: (f) => withPrevious('/api/revenue/trend', f, { granularity: granularity(f) }),
      chart: (d, f) => {
        const b = d.cur.buckets || [];
        if (!b.length) return null;
        const series = [{ name: 'AOV', data: col(b, 'aov') }];
        if (d.prev) series.push({ name: 'AOV, previous period', data: col(d.prev.buckets, 'aov').slice(0, b.length), dashed: true });
        return lineOption({ x: labels(b, 'bucket').map((s) => s.slice(0, 10)), series, kind: 'money', partialFrom: partialFrom(b, 'bucket', granularity(f)) });
      },
    });
    ctx.panel(g, {
      id: 'rev-refunds', title: 'Refunds and chargebacks', span: 'half', endpoint: '/api/revenue/refunds',
      csv: { path: '/api/revenue/refunds', params: (f) => ({ granularity: granularity(f), ...rangeParams(f) }), filename: 'refunds.csv' },
      // a point opens the revenue view for that bucket (by source, refunds … of that day/week/month)
      drill: (i, d, f) => { const b = (d.buckets || [])[i]; return b ? bucketHref('revenue', b.bucket, granularity(f)) : null; },
      load: (f) => get('/api/revenue/refunds', { granularity: granularity(f), ...rangeParams(f) }),
      chart: (d, f) => {
        const b = d.buckets || [];
        if (!b.length) return null;
        const t = d.totals || {};
        const o = barOption({ x: labels(b, 'bucket').map((s) => s.slice(0, 10)), kind: 'money', partialFrom: partialFrom(b, 'bucket', granularity(f)),
          series: [{ name: 'Refunded', data: col(b, 'refunded'), stack: 'r' }, { name: 'Charged back', data: col(b, 'charged_back'), stack: 'r' }] });
        o.legend.formatter = (n) => (n === 'Refunded' ? `Refunded (${pct(t.refund_rate_pct)} of orders)` : `Charged back (${pct(t.chargeback_rate_pct)})`);
        return o;
      },
    });
    if (allowed(me, 'ceo,cs,sales')) {
      ctx.panel(g, {
        id: 'rev-movements', title: 'MRR movements by month', span: 'full', endpoint: '/api/revenue/mrr',
        csv: { path: '/api/revenue/mrr', params: (f) => ({ months: 12, ...asOfParams(f) }), filename: 'mrr-movements.csv' },
        load: (f) => get('/api/revenue/mrr', { months: 12, ...asOfParams(f) }),
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
      subtitle: 'Realised: payments less refunds and chargebacks per customer; the line: ARPU ÷ customer churn',
      csv: { path: '/api/revenue/ltv', params: (f) => ({ by: 'plan', ...asOfParams(f) }), filename: 'ltv-by-plan.csv' },
      // compare: the same figures as of the end of the previous period, beside each bar
      load: (f) => gather({
        cur: get('/api/revenue/ltv', { by: 'plan', ...asOfParams(f) }),
        prev: f.compare ? get('/api/revenue/ltv', { by: 'plan', ...previousAsOfParams(f) }) : Promise.resolve(null),
      }).then((d) => { if (!d.cur) throw d.errors.cur; return d; }),
      chart: (d) => ltvOption(d.cur, d.prev),
    });
    ctx.panel(g, {
      id: 'rev-segments', title: 'Segmentation', span: 'full', endpoint: '/api/revenue/segments',
      subtitle: 'Paying customers by behaviour, and trials: what each is worth and what to do next',
      csv: { path: '/api/revenue/segments', params: (f) => asOfParams(f), filename: 'revenue-segments.csv' },
      load: (f) => get('/api/revenue/segments', asOfParams(f)),
      table: {
        rows: (d) => d.segments || [],
        columns: [
          { key: 'segment', label: 'Segment', value: (r) => r.label || words(r.segment) },
          { key: 'customers', label: 'Customers', kind: 'int' },
          { key: 'mrr', label: 'MRR', kind: 'money' },
          { key: 'arpu', label: 'ARPU', kind: 'money' },
          { key: 'ltv', label: 'LTV', kind: 'money' },
          { key: 'avg_health_score', label: 'Avg health', kind: 'num' },
          { key: 'churn_risk', label: 'Churn risk', badge: true, value: (r) => words(r.churn_risk), tone: (r) => ({ high: 'bad', medium: 'warn', low: 'good' })[r.churn_risk] },
          { key: 'suggested_action', label: 'Action' },
        ],
      },
    });
  },
};

/**
 * Realised lifetime value per group (bars: groups[].avg_realised_ltv) with
 * the formula LTV (formula.ltv: ARPU ÷ customer churn, company-wide) as a
 * line across them.  Throws when the answer does not carry those fields: the
 * panel then shows an error instead of an empty chart.
 */
export function ltvOption(d, prev = null) {
  const rows = d.groups;
  if (!Array.isArray(rows)) throw new Error('the answer has no groups');
  if (!rows.length) return null;
  if (rows.some((r) => typeof r.group !== 'string' || !isNum(r.avg_realised_ltv))) throw new Error('a group has no name or no avg_realised_ltv');
  const o = barOption({ x: rows.map((r) => words(r.group)), kind: 'money', legend: true,
    series: [{ name: 'Realised LTV (average per customer)', data: rows.map((r) => Number(r.avg_realised_ltv)) }] });
  if (prev && Array.isArray(prev.groups)) {
    const before = new Map(prev.groups.map((r) => [r.group, r.avg_realised_ltv]));
    o.series.push({ name: `Realised LTV as of ${prev.as_of}`, type: 'bar', barMaxWidth: 28, itemStyle: { opacity: 0.5 },
      data: rows.map((r) => (before.has(r.group) && isNum(before.get(r.group)) ? Number(before.get(r.group)) : null)) });
  }
  const fl = d.formula && d.formula.ltv;
  if (isNum(fl)) {
    o.series[0].markLine = { symbol: 'none', silent: true, lineStyle: { type: 'dashed' },
      label: { formatter: () => `Formula LTV ${money(fl)}` },
      data: [{ name: 'Formula LTV', yAxis: Number(fl) }] };
  }
  o.tooltip = { trigger: 'axis', formatter: (ps) => ps.map((p) => {
    if (p.seriesIndex > 0) return `${p.seriesName}: ${money(p.value, { compact: false })}`;
    const r = rows[p.dataIndex];
    return `${p.name}: ${money(p.value, { compact: false })} realised · ${num(r.customers)} customers · ${num(r.avg_lifetime_months, 1)} months`;
  }).join('\n') };
  return o;
}
