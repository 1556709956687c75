// product.js — product: engagement (DAU, WAU, MAU), API usage and error
// rate, latency percentiles (p50/p90/p95/p99), feature adoption heatmap,
// user retention, usage by plan.  The date range applies to every panel:
// range endpoints take days / from,to; as-of endpoints (summary, features,
// retention) take as_of (the range's last day for a custom range).
import { get } from '../api.js';
import { renderCards, pctChange } from '../kpi.js';
import { lineOption } from '../charts/line.js';
import { heatmapOption } from '../charts/heatmap.js';
import { barOption } from '../charts/bar.js';
import { num, pct, isNum } from '../format.js';
import { rangeParams, rangeDays, asOfParams, previousParams } from '../store.js';
import { col, words, allowed, partialFrom, gather } from './util.js';
import { bucketLabels } from '../charts/labels.js';

const v = (o) => (o && typeof o === 'object' && 'value' in o ? o.value : o);
const pv = (o) => (o && typeof o === 'object' ? o.previous : undefined);
const gran = (f) => (rangeDays(f) <= 7 ? 'hour' : 'day');
/** The local wall-clock hour now, as an hour bucket ("YYYY-MM-DDTHH:00:00"). */
function hourNow() {
  const d = new Date(), p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:00:00`;
}

/**
 * The total rows of an /api/product/api-usage answer, cut after the current
 * hour (the hours of today still to come are zero-filled by the API, not a
 * drop), with the index of the partial bucket (the current hour or today).
 */
export function usageRows(d, granularity) {
  let s = (d.series || []).filter((r) => r.endpoint === 'all' || !r.endpoint);
  if (granularity !== 'hour') return { rows: s, partial: partialFrom(s, 'bucket', 'day') };
  const now = hourNow();
  s = s.filter((r) => String(r.bucket).slice(0, 19) <= now);
  const last = s.length - 1;
  return { rows: s, partial: last >= 0 && String(s[last].bucket).slice(0, 19) === now ? last : null };
}

/** A figure of the summary with its change versus the API's previous value. */
function ms(x) { return isNum(v(x)) ? `${num(v(x))} ms` : '—'; }

export default {
  key: 'product',
  label: 'Product',
  mount(ctx, { me }) {
    ctx.header('Product', 'Engagement, API health and feature adoption.');
    const g = ctx.grid();
    ctx.panel(g, {
      id: 'prod-kpis', title: 'Engagement and API health', subtitle: 'Active users on the range’s last day, each against its own previous period', span: 'full', lazy: false, kind: 'kpi', endpoint: '/api/product/summary',
      load: (f) => get('/api/product/summary', asOfParams(f)),
      render: (body, d) => renderCards(body, [
        { id: 'dau', label: 'Daily active users', value: num(v(d.dau)), change: pctChange(v(d.dau), pv(d.dau)), note: `vs the day before; ${d.as_of}` },
        { id: 'wau', label: 'Weekly active users', value: num(v(d.wau)), change: pctChange(v(d.wau), pv(d.wau)), note: '7 days, vs 7 days before' },
        { id: 'mau', label: 'Monthly active users', value: num(v(d.mau)), change: pctChange(v(d.mau), pv(d.mau)), note: '30 days, vs 30 days before' },
        { id: 'stickiness', label: 'Stickiness (DAU/MAU)', value: pct(v(d.stickiness_dau_mau_pct)), change: isNum(v(d.stickiness_dau_mau_pct)) && isNum(pv(d.stickiness_dau_mau_pct)) ? v(d.stickiness_dau_mau_pct) - pv(d.stickiness_dau_mau_pct) : null, changeText: isNum(pv(d.stickiness_dau_mau_pct)) ? `${num(v(d.stickiness_dau_mau_pct) - pv(d.stickiness_dau_mau_pct), 1)} pts` : null, note: `WAU/MAU ${pct(v(d.stickiness_wau_mau_pct))}` },
        { id: 'errors', label: 'API error rate (1 h)', value: pct(v(d.api_error_rate_1h_pct), 2), change: isNum(v(d.api_error_rate_1h_pct)) && isNum(pv(d.api_error_rate_1h_pct)) ? v(d.api_error_rate_1h_pct) - pv(d.api_error_rate_1h_pct) : null, upIsGood: false, tolerance: 0.5, tone: v(d.api_error_rate_1h_pct) > 5 ? 'bad' : v(d.api_error_rate_1h_pct) > 1 ? 'warn' : 'good', href: allowed(me, 'ceo,cs') ? '/operations' : null },
      ]),
    });
    if (allowed(me, 'ceo,cs')) {
      ctx.panel(g, {
        id: 'prod-latency-kpis', title: 'API latency, last 24 hours', subtitle: 'Percentiles of every API call in the 24 hours to the range’s end, vs the 24 hours before', span: 'full', lazy: false, kind: 'kpi', endpoint: '/api/product/summary',
        load: (f) => get('/api/product/summary', asOfParams(f)),
        render: (body, d) => renderCards(body, [
          ['p50', 'api_latency_p50_ms'], ['p90', 'api_latency_p90_ms'], ['p95', 'api_latency_p95_ms'], ['p99', 'api_latency_p99_ms'],
        ].map(([k, field]) => ({ id: `lat-${k}`, label: `Latency ${k}`, value: ms(d[field]), change: pctChange(v(d[field]), pv(d[field])), upIsGood: false }))),
      });
      ctx.panel(g, {
        id: 'prod-api', title: 'API calls and error rate', span: 'half', lazy: false, endpoint: '/api/product/api-usage',
        csv: { path: '/api/product/api-usage', params: (f) => ({ granularity: gran(f), ...rangeParams(f) }), filename: 'api-usage.csv' },
        load: (f) => gather({
          cur: get('/api/product/api-usage', { granularity: gran(f), ...rangeParams(f) }),
          prev: f.compare ? get('/api/product/api-usage', { granularity: gran(f), ...previousParams(f) }) : Promise.resolve(null),
        }).then((d) => { if (!d.cur) throw d.errors.cur; return d; }),
        chart: (d, f) => {
          const { rows: s, partial } = usageRows(d.cur, gran(f));
          if (!s.some((r) => Number(r.calls) > 0)) return null;
          const series = [{ name: 'Calls', data: col(s, 'calls'), area: true }];
          if (d.prev) series.push({ name: 'Calls, previous period', data: col(usageRows(d.prev, gran(f)).rows, 'calls').slice(0, s.length), dashed: true });
          const o = lineOption({ x: bucketLabels(s, 'bucket', gran(f)), series, partialFrom: partial });
          o.yAxis = [o.yAxis, { type: 'value', name: 'error %', splitLine: { show: false } }];
          o.series.push({ name: 'Error rate %', type: 'line', yAxisIndex: 1, data: col(s, 'error_rate_pct'), showSymbol: false, lineStyle: { type: 'dashed' } });
          o.legend.data.push('Error rate %');
          return o;
        },
      });
      ctx.panel(g, {
        id: 'prod-latency', title: 'Latency percentiles', span: 'half', lazy: false, endpoint: '/api/product/api-usage',
        load: (f) => get('/api/product/api-usage', { granularity: gran(f), ...rangeParams(f) }),
        chart: (d, f) => {
          const { rows: s, partial } = usageRows(d, gran(f));
          if (!s.some((r) => isNum(r.p50_ms))) return null;
          return lineOption({ x: bucketLabels(s, 'bucket', gran(f)), kind: 'int', partialFrom: partial,
            series: [['p50', 'p50_ms'], ['p90', 'p90_ms'], ['p95', 'p95_ms'], ['p99', 'p99_ms']].map(([n, k]) => ({ name: `${n} ms`, data: col(s, k) })) });
        },
      });
    }
    ctx.panel(g, {
      id: 'prod-features', title: 'Feature adoption by plan', subtitle: 'Share of active customers using each feature (30 days to the range’s end)', span: 'full', endpoint: '/api/product/features',
      csv: { path: '/api/product/features', params: (f) => asOfParams(f), filename: 'features.csv' },
      load: (f) => get('/api/product/features', asOfParams(f)),
      chart: (d) => {
        const m = d.matrix || [];
        if (!m.length) return null;
        const feats = [...new Set(m.map((r) => r.feature))];
        const plans = (d.plans || []).map((p) => p.plan);
        const ps = plans.length ? plans : [...new Set(m.map((r) => r.plan))];
        const data = m.map((r) => [ps.indexOf(r.plan), feats.indexOf(r.feature), Number(r.adoption_pct)]);
        return heatmapOption({ x: ps.map(words), y: feats.map(words), data, max: 100, name: 'Adoption %' });
      },
    });
    if (allowed(me, 'ceo,cs')) {
      ctx.panel(g, {
        id: 'prod-retention', title: 'Weekly user retention', subtitle: '12 weekly cohorts to the range’s end', span: 'half', endpoint: '/api/product/retention',
        csv: { path: '/api/product/retention', params: (f) => asOfParams(f), filename: 'retention.csv' },
        load: (f) => get('/api/product/retention', { weeks: 12, ...asOfParams(f) }),
        chart: (d) => {
          const cs = (d.cohorts || []).filter((c) => Number(c.users) > 0);
          if (!cs.length) return null;
          const width = Math.max(...cs.map((c) => (c.retention_pct || []).length));
          const data = [];
          cs.forEach((c, y) => (c.retention_pct || []).forEach((val, x) => data.push([x, y, val === null ? null : Number(val)])));
          return heatmapOption({ x: Array.from({ length: width }, (_, i) => `W${i}`), y: cs.map((c) => `${c.cohort_week} (${c.users})`), data, max: 100, name: 'Retention %' });
        },
      });
      ctx.panel(g, {
        id: 'prod-plans', title: 'Usage by plan', subtitle: 'Usage units over the range', span: 'half', endpoint: '/api/product/usage-by-plan',
        csv: { path: '/api/product/usage-by-plan', params: (f) => rangeParams(f), filename: 'usage-by-plan.csv' },
        load: (f) => get('/api/product/usage-by-plan', rangeParams(f)),
        chart: (d) => {
          const t = d.totals || [];
          if (!t.length) return null;
          return barOption({ x: t.map((r) => words(r.plan)), legend: false, series: [{ name: 'Usage units', data: col(t, 'usage_units') }] });
        },
      });
    }
  },
};
