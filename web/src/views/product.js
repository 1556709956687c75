// product.js — product: engagement, API usage and error rate, latency
// percentiles, feature adoption heatmap, user retention, usage by plan.
import { get } from '../api.js';
import { renderCards, pctChange } from '../kpi.js';
import { lineOption } from '../charts/line.js';
import { heatmapOption } from '../charts/heatmap.js';
import { barOption } from '../charts/bar.js';
import { num, pct, isNum } from '../format.js';
import { rangeParams, rangeDays } from '../store.js';
import { col, labels, words, allowed } from './util.js';

const v = (o) => (o && typeof o === 'object' && 'value' in o ? o.value : o);
const pv = (o) => (o && typeof o === 'object' ? o.previous : undefined);
const gran = (f) => (rangeDays(f) <= 7 ? 'hour' : 'day');

export default {
  key: 'product',
  label: 'Product',
  mount(ctx, { me }) {
    ctx.header('Product', 'Engagement, API health and feature adoption.');
    const g = ctx.grid();
    ctx.panel(g, {
      id: 'prod-kpis', title: 'Engagement and API health', span: 'full', lazy: false, kind: 'kpi', endpoint: '/api/product/summary',
      load: () => get('/api/product/summary'),
      render: (body, d) => renderCards(body, [
        { id: 'dau', label: 'Daily active users', value: num(v(d.dau)), change: pctChange(v(d.dau), pv(d.dau)) },
        { id: 'mau', label: 'Monthly active users', value: num(v(d.mau)), change: pctChange(v(d.mau), pv(d.mau)) },
        { id: 'stickiness', label: 'Stickiness (DAU/MAU)', value: pct(v(d.stickiness_dau_mau_pct)), change: isNum(v(d.stickiness_dau_mau_pct)) && isNum(pv(d.stickiness_dau_mau_pct)) ? v(d.stickiness_dau_mau_pct) - pv(d.stickiness_dau_mau_pct) : null, changeText: isNum(pv(d.stickiness_dau_mau_pct)) ? `${num(v(d.stickiness_dau_mau_pct) - pv(d.stickiness_dau_mau_pct), 1)} pts` : null },
        { id: 'errors', label: 'API error rate (1 h)', value: pct(v(d.api_error_rate_1h_pct), 2), change: isNum(v(d.api_error_rate_1h_pct)) && isNum(pv(d.api_error_rate_1h_pct)) ? v(d.api_error_rate_1h_pct) - pv(d.api_error_rate_1h_pct) : null, upIsGood: false, tolerance: 0.5, tone: v(d.api_error_rate_1h_pct) > 5 ? 'bad' : v(d.api_error_rate_1h_pct) > 1 ? 'warn' : 'good', href: allowed(me, 'ceo,cs') ? '/operations' : null },
        { id: 'p95', label: 'API latency p95', value: isNum(v(d.api_latency_p95_ms)) ? `${num(v(d.api_latency_p95_ms))} ms` : '—', change: pctChange(v(d.api_latency_p95_ms), pv(d.api_latency_p95_ms)), upIsGood: false },
      ]),
    });
    if (allowed(me, 'ceo,cs')) {
      ctx.panel(g, {
        id: 'prod-api', title: 'API calls and error rate', span: 'half', lazy: false, endpoint: '/api/product/api-usage',
        csv: { path: '/api/product/api-usage', params: (f) => ({ granularity: gran(f), ...rangeParams(f) }), filename: 'api-usage.csv' },
        load: (f) => get('/api/product/api-usage', { granularity: gran(f), ...rangeParams(f) }),
        chart: (d) => {
          const s = (d.series || []).filter((r) => r.endpoint === 'all' || !r.endpoint);
          if (!s.some((r) => Number(r.calls) > 0)) return null;
          const o = lineOption({ x: labels(s, 'bucket').map((b) => b.slice(0, 13).replace('T', ' ')), series: [{ name: 'Calls', data: col(s, 'calls'), area: true }] });
          o.yAxis = [o.yAxis, { type: 'value', name: 'error %', splitLine: { show: false } }];
          o.series.push({ name: 'Error rate %', type: 'line', yAxisIndex: 1, data: col(s, 'error_rate_pct'), showSymbol: false, lineStyle: { type: 'dashed' } });
          o.legend.data.push('Error rate %');
          return o;
        },
      });
      ctx.panel(g, {
        id: 'prod-latency', title: 'Latency percentiles', span: 'half', lazy: false, endpoint: '/api/product/api-usage',
        load: (f) => get('/api/product/api-usage', { granularity: gran(f), ...rangeParams(f) }),
        chart: (d) => {
          const s = (d.series || []).filter((r) => r.endpoint === 'all' || !r.endpoint);
          if (!s.some((r) => isNum(r.p50_ms))) return null;
          return lineOption({ x: labels(s, 'bucket').map((b) => b.slice(0, 13).replace('T', ' ')), series: [{ name: 'p50 ms', data: col(s, 'p50_ms') }, { name: 'p95 ms', data: col(s, 'p95_ms') }, { name: 'p99 ms', data: col(s, 'p99_ms') }] });
        },
      });
    }
    ctx.panel(g, {
      id: 'prod-features', title: 'Feature adoption by plan', subtitle: 'Share of active customers using each feature', span: 'full', endpoint: '/api/product/features',
      csv: { path: '/api/product/features', params: () => ({}), filename: 'features.csv' },
      load: () => get('/api/product/features'),
      chart: (d) => {
        const m = d.matrix || [];
        if (!m.length) return null;
        const feats = [...new Set(m.map((r) => r.feature))];
        const plans = (d.plans || []).map((p) => p.plan);
        const ps = plans.length ? plans : [...new Set(m.map((r) => r.plan))];
        const data = m.map((r) => [ps.indexOf(r.plan), feats.indexOf(r.feature), Number(r.adoption_pct ?? r.pct ?? r.value)]);
        return heatmapOption({ x: ps.map(words), y: feats.map(words), data, max: 100, name: 'Adoption %' });
      },
    });
    if (allowed(me, 'ceo,cs')) {
      ctx.panel(g, {
        id: 'prod-retention', title: 'Weekly user retention', span: 'half', endpoint: '/api/product/retention',
        csv: { path: '/api/product/retention', params: () => ({}), filename: 'retention.csv' },
        load: () => get('/api/product/retention', { weeks: 12 }),
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
        id: 'prod-plans', title: 'Usage by plan', span: 'half', endpoint: '/api/product/usage-by-plan',
        csv: { path: '/api/product/usage-by-plan', params: (f) => rangeParams(f), filename: 'usage-by-plan.csv' },
        load: (f) => get('/api/product/usage-by-plan', rangeParams(f)),
        chart: (d) => {
          const t = d.totals && d.totals.length ? d.totals : d.rows || [];
          if (!t.length) return null;
          const key = ['api_calls', 'calls', 'usage_units', 'events', 'active_users'].find((k) => k in t[0]) || Object.keys(t[0]).find((k) => k !== 'plan' && typeof t[0][k] === 'number');
          return barOption({ x: t.map((r) => words(r.plan)), legend: false, series: [{ name: words(key), data: col(t, key) }] });
        },
      });
    }
  },
};
