// customers.js — customer success: health table with risk bands and
// actions, at-risk list by MRR at risk, cohort retention heatmap (logos or
// revenue), lifecycle and RFM segments, expansion opportunities, support
// and NPS.  Rows link to the customer drill-down page.
import { get } from '../api.js';
import { renderCards } from '../kpi.js';
import { heatmapOption } from '../charts/heatmap.js';
import { barOption } from '../charts/bar.js';
import { pieOption } from '../charts/pie.js';
import { lineOption } from '../charts/line.js';
import { money, num, pct } from '../format.js';
import { rangeParams } from '../store.js';
import { col, labels, select, words, month } from './util.js';

const customerLink = (r) => `/customers/${r.customer_id}`;
const riskTone = (r) => (r.risk_band === 'high_risk' ? 'bad' : r.risk_band === 'medium_risk' ? 'warn' : 'good');

export default {
  key: 'customers',
  label: 'Customers',
  mount(ctx) {
    ctx.header('Customers', 'Account health, retention and where to act next.');
    const g = ctx.grid();
    ctx.panel(g, {
      id: 'cs-kpis', title: 'Portfolio health', span: 'full', lazy: false, kind: 'kpi', endpoint: '/api/users/health-scores',
      load: () => get('/api/users/health-scores', { limit: 1 }),
      render: (body, d) => {
        const c = d.company || {};
        return renderCards(body, [
          { id: 'customers', label: 'Paying customers', value: num(c.customers), changeText: `${num(c.healthy)} healthy`, changeLabel: '', tone: 'good' },
          { id: 'high-risk', label: 'High risk', value: num(c.high_risk), tone: c.high_risk ? 'bad' : 'good', changeText: `${num(c.medium_risk)} medium risk`, changeLabel: '' },
          { id: 'score', label: 'Average health score', value: num(c.average_score, 1), tone: c.average_score >= 70 ? 'good' : c.average_score >= 50 ? 'warn' : 'bad', changeText: 'of 100', changeLabel: '' },
          { id: 'mrr-at-risk', label: 'MRR at risk', value: money(c.mrr_at_risk), tone: c.mrr_at_risk > 0.1 * c.mrr ? 'bad' : 'warn', changeText: `${pct(c.mrr ? (100 * c.mrr_at_risk) / c.mrr : null)} of ${money(c.mrr)}`, changeLabel: '' },
        ]);
      },
    });
    ctx.panel(g, {
      id: 'cs-at-risk', title: 'At risk, by MRR at risk', span: 'half', lazy: false, endpoint: '/api/users/health-scores',
      csv: { path: '/api/users/health-scores', params: () => ({ risk: 'high', limit: 500 }), filename: 'customers-at-risk.csv' },
      load: () => get('/api/users/health-scores', { risk: 'high', sort: 'mrr_at_risk', limit: 20 }),
      empty: 'No high-risk customers',
      table: {
        rows: (d) => d.customers || [],
        columns: [
          { key: 'name', label: 'Customer', link: customerLink },
          { key: 'mrr_at_risk', label: 'MRR at risk', kind: 'money' },
          { key: 'health_score', label: 'Score', kind: 'int', tone: riskTone },
          { key: 'action', label: 'Action', value: (r) => words(r.action) },
        ],
      },
    });
    ctx.panel(g, {
      id: 'cs-health', title: 'Health scores', span: 'half', lazy: false, endpoint: '/api/users/health-scores',
      csv: { path: '/api/users/health-scores', params: () => ({ limit: 500 }), filename: 'health-scores.csv' },
      load: () => get('/api/users/health-scores', { sort: 'score', limit: 50 }),
      table: {
        rows: (d) => d.customers || [],
        columns: [
          { key: 'name', label: 'Customer', link: customerLink },
          { key: 'health_score', label: 'Score', kind: 'int', tone: riskTone },
          { key: 'risk_band', label: 'Risk', badge: true, value: (r) => words(r.risk_band) },
          { key: 'mrr', label: 'MRR', kind: 'money' },
          { key: 'active_users_30d', label: 'Active users', kind: 'int' },
          { key: 'action', label: 'Action', value: (r) => words(r.action) },
        ],
      },
    });
    let metric = 'logos';
    const cohorts = ctx.panel(g, {
      id: 'cs-cohorts', title: 'Cohort retention', subtitle: 'Share of each monthly cohort still paying', span: 'full', endpoint: '/api/users/cohorts', tall: true,
      controls: [select('cohort-metric', 'Cohort metric', [['logos', 'Logos'], ['revenue', 'Revenue']], metric, (v) => { metric = v; cohorts.refresh(); })],
      csv: { path: '/api/users/cohorts', params: () => ({ metric }), filename: 'cohorts.csv' },
      load: () => get('/api/users/cohorts', { metric, months: 12 }),
      chart: (d) => {
        const cs = d.cohorts || [];
        if (!cs.length) return null;
        const width = Math.max(...cs.map((c) => (c.retention || []).length));
        const data = [];
        cs.forEach((c, y) => (c.retention || []).forEach((v, x) => data.push([x, y, v === null ? null : Number(v)])));
        return heatmapOption({ x: Array.from({ length: width }, (_, i) => `M${i}`), y: cs.map((c) => `${month(c.cohort)} (${c.size})`), data, max: 100, name: 'Retention %' });
      },
    });
    ctx.panel(g, {
      id: 'cs-lifecycle', title: 'Lifecycle stages', span: 'half', endpoint: '/api/users/segments',
      csv: { path: '/api/users/segments', params: () => ({}), filename: 'segments.csv' },
      load: () => get('/api/users/segments'),
      chart: (d) => {
        const l = d.lifecycle || [];
        return l.length ? barOption({ x: l.map((s) => words(s.stage)), series: [{ name: 'Customers', data: col(l, 'customers') }], legend: false }) : null;
      },
    });
    ctx.panel(g, {
      id: 'cs-rfm', title: 'RFM segments', span: 'half', endpoint: '/api/users/segments',
      load: () => get('/api/users/segments'),
      chart: (d) => {
        const r = (d.rfm || []).filter((s) => Number(s.customers) > 0);
        return r.length ? pieOption({ items: r.map((s) => ({ name: words(s.segment), value: Number(s.customers) })), name: 'Customers' }) : null;
      },
    });
    ctx.panel(g, {
      id: 'cs-expansion', title: 'Expansion opportunities', span: 'half', endpoint: '/api/users/expansion',
      csv: { path: '/api/users/expansion', params: () => ({}), filename: 'expansion.csv' },
      load: () => get('/api/users/expansion'),
      empty: 'No expansion opportunities right now',
      table: {
        rows: (d) => d.opportunities || [],
        columns: [
          { key: 'name', label: 'Customer', link: customerLink },
          { key: 'plan', label: 'Plan', value: (r) => words(r.plan) },
          { key: 'mrr', label: 'MRR', kind: 'money' },
          { key: 'reasons', label: 'Why', value: (r) => words(r.reasons) },
          { key: 'suggested_plan', label: 'Suggest', value: (r) => words(r.suggested_plan) },
        ],
      },
    });
    ctx.panel(g, {
      id: 'cs-support', title: 'Support tickets and CSAT', span: 'half', endpoint: '/api/users/support',
      csv: { path: '/api/users/support', params: (f) => rangeParams(f), filename: 'support.csv' },
      load: (f) => get('/api/users/support', rangeParams(f)),
      chart: (d) => {
        const w = d.weeks || [];
        if (!w.length) return null;
        return lineOption({ x: labels(w, 'week'), series: [{ name: 'Opened', data: col(w, 'opened') }, { name: 'Resolved', data: col(w, 'resolved') }, { name: 'CSAT (1–5)', data: col(w, 'csat'), dashed: true }] });
      },
    });
    ctx.panel(g, {
      id: 'cs-nps', title: 'NPS', span: 'half', kind: 'kpi', endpoint: '/api/users/summary',
      load: () => get('/api/users/summary'),
      render: (body, d) => {
        const o = d.nps_90d || {};
        const cur = o.value || {}, prev = o.previous || {};
        const n = (x) => (x && typeof x === 'object' ? x.nps : x);
        return renderCards(body, [
          { id: 'nps', label: 'NPS, last 90 days', value: num(n(cur)), change: n(cur) !== undefined && n(prev) !== undefined ? n(cur) - n(prev) : null, changeText: `${num(n(cur) - n(prev), 1)} pts`, note: `${num(cur.promoters)} promoters, ${num(cur.passives)} passives, ${num(cur.detractors)} detractors` },
          { id: 'responses', label: 'Responses', value: num(cur.responses), change: null, changeText: `${num(prev.responses)} the 90 days before`, changeLabel: '' },
        ]);
      },
    });
  },
};
