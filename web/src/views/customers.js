// customers.js — customer success: health table with risk bands, the four
// parts of each score and actions, at-risk list by MRR at risk, cohort
// retention (heat map and curves; logos or revenue), lifecycle and RFM
// segments, expansion opportunities, support and NPS, and how customers
// use the product: invitations and the viral coefficient, journeys between
// features (Sankey), where they are and on which devices.  Rows link to the
// customer drill-down page.
import { get } from '../api.js';
import { renderCards } from '../kpi.js';
import { heatmapOption } from '../charts/heatmap.js';
import { barOption } from '../charts/bar.js';
import { pieOption } from '../charts/pie.js';
import { lineOption } from '../charts/line.js';
import { sankeyOption } from '../charts/sankey.js';
import '../charts/inspect.js';
import { money, num, pct, isNum } from '../format.js';
import { rangeParams, previousParams, asOfParams, previousAsOfParams } from '../store.js';
import { col, labels, select, words, month, gather, allowed, partialFrom } from './util.js';

/** The four parts of a health score (docs/metrics.md, "Health score") and their maxima. */
export const HEALTH_PARTS = [['usage', 'Usage', 30], ['adoption', 'Adoption', 25], ['support', 'Support', 20], ['payment', 'Payment', 25]];

const customerLink = (r) => `/customers/${r.customer_id}`;
const riskTone = (r) => (r.risk_band === 'high_risk' ? 'bad' : r.risk_band === 'medium_risk' ? 'warn' : 'good');

export default {
  key: 'customers',
  label: 'Customers',
  mount(ctx, { me }) {
    ctx.header('Customers', 'Account health, retention and where to act next.');
    const g = ctx.grid();
    ctx.panel(g, {
      id: 'cs-kpis', title: 'Portfolio health', span: 'full', lazy: false, kind: 'kpi', endpoint: '/api/users/health-scores',
      load: (f) => gather({
        cur: get('/api/users/health-scores', { limit: 1, ...asOfParams(f) }),
        prev: f.compare ? get('/api/users/health-scores', { limit: 1, ...previousAsOfParams(f) }) : Promise.resolve(null),
      }).then((d) => { if (!d.cur) throw d.errors.cur; return d; }),
      render: (body, d) => {
        const c = d.cur.company || {}, p = (d.prev && d.prev.company) || null;
        // compare: the previous period's figure itself, beside this one (never a recomputed difference)
        const before = (k, digits = 0) => (p ? `was ${num(p[k], digits)}` : null);
        return renderCards(body, [
          { id: 'customers', label: 'Paying customers', value: num(c.customers), changeText: `${num(c.healthy)} healthy`, changeLabel: '', tone: 'good', note: before('customers') },
          { id: 'high-risk', label: 'High risk', value: num(c.high_risk), tone: c.high_risk ? 'bad' : 'good', changeText: `${num(c.medium_risk)} medium risk`, changeLabel: '', note: before('high_risk') },
          { id: 'score', label: 'Average health score', value: num(c.average_score, 1), tone: c.average_score >= 70 ? 'good' : c.average_score >= 50 ? 'warn' : 'bad', changeText: 'of 100', changeLabel: '', note: before('average_score', 1) },
          { id: 'mrr-at-risk', label: 'MRR at risk', value: money(c.mrr_at_risk), tone: c.mrr_at_risk > 0.1 * c.mrr ? 'bad' : 'warn', changeText: `${pct(c.mrr ? (100 * c.mrr_at_risk) / c.mrr : null)} of ${money(c.mrr)}`, changeLabel: '', note: p ? `was ${money(p.mrr_at_risk)}` : null },
        ]);
      },
    });
    ctx.panel(g, {
      id: 'cs-health', title: 'Health scores', subtitle: 'Lowest first; the score is usage (0–30) + adoption (0–25) + support (0–20) + payment (0–25)',
      span: 'full', lazy: false, endpoint: '/api/users/health-scores',
      csv: { path: '/api/users/health-scores', params: (f) => ({ limit: 500, ...asOfParams(f) }), filename: 'health-scores.csv' },
      load: (f) => get('/api/users/health-scores', { sort: 'score', limit: 50, ...asOfParams(f) }),
      table: {
        rows: (d) => d.customers || [],
        columns: [
          { key: 'name', label: 'Customer', link: customerLink },
          { key: 'health_score', label: 'Score', kind: 'int', tone: riskTone },
          ...HEALTH_PARTS.map(([key, label, max]) => ({ key, label: `${label} /${max}`, kind: 'int' })),
          { key: 'risk_band', label: 'Risk', badge: true, value: (r) => words(r.risk_band) },
          { key: 'mrr', label: 'MRR', kind: 'money' },
          { key: 'active_users_30d', label: 'Active users', kind: 'int' },
          { key: 'action', label: 'Action', value: (r) => words(r.action) },
        ],
      },
    });
    ctx.panel(g, {
      id: 'cs-at-risk', title: 'At risk, by MRR at risk', span: 'half', lazy: false, endpoint: '/api/users/health-scores',
      csv: { path: '/api/users/health-scores', params: (f) => ({ risk: 'high', limit: 500, ...asOfParams(f) }), filename: 'customers-at-risk.csv' },
      load: (f) => get('/api/users/health-scores', { risk: 'high', sort: 'mrr_at_risk', limit: 20, ...asOfParams(f) }),
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
      id: 'cs-expansion', title: 'Expansion opportunities', span: 'half', endpoint: '/api/users/expansion',
      csv: { path: '/api/users/expansion', params: (f) => asOfParams(f), filename: 'expansion.csv' },
      load: (f) => get('/api/users/expansion', asOfParams(f)),
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
    let metric = 'logos';
    const cohortSub = () => (metric === 'revenue' ? 'MRR of each monthly cohort still paid, % of its first month' : 'Share of each monthly cohort still paying');
    const setMetric = (v) => {
      metric = v;
      for (const p of [cohorts, curves]) {
        const sub = p.el.querySelector('.panel-sub');
        if (sub) sub.textContent = cohortSub();
        const other = p.el.querySelector('select');
        if (other && other.value !== v) other.value = v;
        p.refresh();
      }
    };
    const cohortLoad = (f) => get('/api/users/cohorts', { metric, months: 12, ...asOfParams(f) });
    const cohorts = ctx.panel(g, {
      id: 'cs-cohorts', title: 'Cohort retention', subtitle: cohortSub(), span: 'full', endpoint: '/api/users/cohorts', tall: true,
      controls: [select('cohort-metric', 'Cohort metric', [['logos', 'Logos'], ['revenue', 'Revenue']], metric, setMetric)],
      csv: { path: '/api/users/cohorts', params: (f) => ({ metric, ...asOfParams(f) }), filename: 'cohorts.csv' },
      load: cohortLoad,
      chart: (d) => {
        const cs = d.cohorts || [];
        if (!cs.length) return null;
        const width = Math.max(...cs.map((c) => (c.retention || []).length));
        const data = [];
        cs.forEach((c, y) => (c.retention || []).forEach((v, x) => data.push([x, y, v === null ? null : Number(v)])));
        return heatmapOption({ x: Array.from({ length: width }, (_, i) => `M${i}`), y: cs.map((c) => `${month(c.cohort)} (${c.size})`), data, max: 100, name: 'Retention %' });
      },
    });
    const curves = ctx.panel(g, {
      id: 'cs-retention-curves', title: 'Retention curves', subtitle: cohortSub(), span: 'full', endpoint: '/api/users/cohorts',
      controls: [select('cohort-metric-curves', 'Cohort metric (curves)', [['logos', 'Logos'], ['revenue', 'Revenue']], metric, setMetric)],
      load: cohortLoad,
      chart: (d) => {
        // one line per cohort with at least two periods (a single point is no curve)
        const cs = (d.cohorts || []).filter((c) => (c.retention || []).length > 1);
        if (!cs.length) return null;
        const width = Math.max(...cs.map((c) => c.retention.length));
        const o = lineOption({ x: Array.from({ length: width }, (_, i) => `M${i}`), kind: 'pct',
          series: cs.map((c) => ({ name: month(c.cohort), data: c.retention.map((v) => (v === null ? null : Number(v))) })) });
        o.legend.type = 'scroll';
        return o;
      },
    });
    ctx.panel(g, {
      id: 'cs-lifecycle', title: 'Lifecycle stages', span: 'half', endpoint: '/api/users/segments',
      csv: { path: '/api/users/segments', params: (f) => asOfParams(f), filename: 'segments.csv' },
      load: (f) => get('/api/users/segments', asOfParams(f)),
      chart: (d) => {
        const l = d.lifecycle || [];
        return l.length ? barOption({ x: l.map((s) => words(s.stage)), series: [{ name: 'Customers', data: col(l, 'customers') }], legend: false }) : null;
      },
    });
    ctx.panel(g, {
      id: 'cs-rfm', title: 'RFM segments', span: 'half', endpoint: '/api/users/segments',
      load: (f) => get('/api/users/segments', asOfParams(f)),
      chart: (d) => {
        const r = (d.rfm || []).filter((s) => Number(s.customers) > 0);
        return r.length ? pieOption({ items: r.map((s) => ({ name: words(s.segment), value: Number(s.customers) })), name: 'Customers' }) : null;
      },
    });
    ctx.panel(g, {
      id: 'cs-support', title: 'Support tickets and CSAT', span: 'half', endpoint: '/api/users/support',
      csv: { path: '/api/users/support', params: (f) => rangeParams(f), filename: 'support.csv' },
      load: (f) => get('/api/users/support', rangeParams(f)),
      chart: (d) => {
        const w = d.weeks || [];
        if (!w.length) return null;
        return lineOption({ x: labels(w, 'week'), partialFrom: partialFrom(w, 'week', 'week'), series: [{ name: 'Opened', data: col(w, 'opened') }, { name: 'Resolved', data: col(w, 'resolved') }, { name: 'CSAT (1–5)', data: col(w, 'csat'), dashed: true }] });
      },
    });
    ctx.panel(g, {
      id: 'cs-nps', title: 'NPS', span: 'half', kind: 'kpi', endpoint: '/api/users/summary',
      load: (f) => get('/api/users/summary', asOfParams(f)),
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
    if (allowed(me, 'ceo,cs')) usagePanels(ctx, g);
  },
};

/** How customers use the product: invitations, journeys, places, devices (range endpoints). */
function usagePanels(ctx, g) {
  ctx.section('How customers use the product');
  const g2 = ctx.grid();
  ctx.panel(g2, {
    id: 'cs-viral', title: 'Invitations and viral coefficient', span: 'half', endpoint: '/api/users/viral',
    subtitle: 'Viral coefficient = invites per paying customer × acceptance rate',
    csv: { path: '/api/users/viral', params: (f) => rangeParams(f), filename: 'viral.csv' },
    load: (f) => get('/api/users/viral', rangeParams(f)),
    chart: (d) => viralOption(d),
  });
  ctx.panel(g2, {
    id: 'cs-viral-table', title: 'Invitations by month', span: 'half', endpoint: '/api/users/viral',
    load: (f) => get('/api/users/viral', rangeParams(f)),
    table: {
      rows: (d) => (d.months || []).slice().reverse(),
      columns: [
        { key: 'month', label: 'Month' },
        { key: 'invites_sent', label: 'Sent', kind: 'int' },
        { key: 'invites_accepted', label: 'Accepted', kind: 'int' },
        { key: 'acceptance_rate', label: 'Accepted %', kind: 'pct' },
        { key: 'inviting_customers', label: 'Inviting customers', kind: 'int' },
        { key: 'invites_per_inviter', label: 'Invites per inviter', value: (r) => (isNum(r.invites_per_inviter) ? num(r.invites_per_inviter, 2) : null) },
        { key: 'viral_coefficient', label: 'Viral coefficient', value: (r) => (isNum(r.viral_coefficient) ? num(r.viral_coefficient, 3) : null) },
        { key: 'referral_share_pct', label: 'Referred new customers', kind: 'pct' },
      ],
    },
  });
  ctx.panel(g2, {
    id: 'cs-journeys', title: 'User journeys', span: 'wide', tall: true, endpoint: '/api/users/journeys',
    subtitle: 'The most frequent moves from one feature to the next within a session',
    csv: { path: '/api/users/journeys', params: (f) => rangeParams(f), filename: 'journeys.csv' },
    load: (f) => get('/api/users/journeys', { limit: 20, ...rangeParams(f) }),
    chartKind: 'sankey',
    chart: (d) => {
      if (!Array.isArray(d.transitions)) throw new Error('the answer has no transitions');
      return sankeyOption({ links: d.transitions, label: words, name: 'Transitions' });
    },
  });
  ctx.panel(g2, {
    id: 'cs-activation', title: 'From signup to paid', span: 'narrow', endpoint: '/api/users/journeys',
    subtitle: 'Customers who signed up in the period',
    load: (f) => get('/api/users/journeys', { limit: 20, ...rangeParams(f) }),
    table: {
      rows: (d) => ((d.funnel || []).some((s) => Number(s.customers) > 0) ? d.funnel : []),
      columns: [
        { key: 'step', label: 'Step', value: (r) => words(r.step) },
        { key: 'customers', label: 'Customers', kind: 'int' },
        { key: 'pct', label: 'Of signups', kind: 'pct' },
      ],
    },
  });
  ctx.panel(g2, {
    id: 'cs-geo', title: 'Where users are', span: 'half', tall: true, endpoint: '/api/users/geo',
    subtitle: 'Share of active user-days by country, largest first',
    csv: { path: '/api/users/geo', params: (f) => rangeParams(f), filename: 'geo.csv' },
    load: (f) => gather({
      cur: get('/api/users/geo', rangeParams(f)),
      prev: f.compare ? get('/api/users/geo', previousParams(f)) : Promise.resolve(null),
    }).then((d) => { if (!d.cur) throw d.errors.cur; return d; }),
    chart: ({ cur: d, prev }) => {
      const c = d.countries || [];
      if (!c.length) return null;
      const series = [{ name: 'Share of user-days', data: col(c, 'share_pct') }];
      if (prev) {
        // the previous period's share of each country drawn now (null: no users there then)
        const before = new Map((prev.countries || []).map((r) => [r.country, r.share_pct]));
        series.push({ name: 'Previous period', data: c.map((r) => (before.has(r.country) ? Number(before.get(r.country)) : null)) });
      }
      const o = barOption({ x: labels(c, 'country'), horizontal: true, kind: 'pct', legend: !!prev, series });
      o.tooltip = { trigger: 'axis', formatter: (ps) => ps.map((p) => {
        if (p.seriesIndex > 0) return `${p.seriesName}: ${pct(p.value)}`;
        const r = c[p.dataIndex];
        return `${r.country}: ${pct(r.share_pct)} of user-days · ${num(r.avg_daily_active_users, 1)} daily active users · ${num(r.sessions)} sessions`;
      }).join('\n') };
      return o;
    },
  });
  for (const [dim, title] of [['device', 'Devices'], ['browser', 'Browsers'], ['os', 'Operating systems']]) {
    ctx.panel(g2, {
      id: `cs-${dim}`, title, span: 'third', endpoint: '/api/users/devices',
      subtitle: 'Share of active user-days',
      csv: dim === 'device' ? { path: '/api/users/devices', params: (f) => rangeParams(f), filename: 'devices.csv' } : undefined,
      load: (f) => get('/api/users/devices', rangeParams(f)),
      chart: (d) => {
        const rows = (d.breakdown || []).filter((r) => r.dimension === dim && Number(r.share_pct) > 0);
        return rows.length ? pieOption({ items: rows.map((r) => ({ name: r.value, value: Number(r.share_pct) })), name: title }) : null;
      },
    });
  }
}

/**
 * Invitations sent and accepted per month (bars) and the viral coefficient
 * (line, right axis) against its target (target_viral_coefficient).
 */
export function viralOption(d) {
  const m = d.months;
  if (!Array.isArray(m)) throw new Error('the answer has no months');
  if (!m.length || !m.some((r) => Number(r.invites_sent) > 0 || Number(r.paying_customers) > 0)) return null;
  const o = barOption({ x: labels(m, 'month'), partialFrom: partialFrom(m, 'month', 'month'),
    series: [{ name: 'Invites sent', data: col(m, 'invites_sent') }, { name: 'Invites accepted', data: col(m, 'invites_accepted') }] });
  o.yAxis = [o.yAxis, { type: 'value', min: 0, splitLine: { show: false }, axisLabel: { formatter: (v) => num(v, 2) } }];
  o.grid.right = 40;
  // the target (1.0: each customer brings one more) is far above the usual values: named in the legend, not drawn
  const target = isNum(d.target_viral_coefficient) ? ` (target ${num(d.target_viral_coefficient, 1)})` : '';
  o.series.push({ name: `Viral coefficient${target}`, type: 'line', yAxisIndex: 1, data: col(m, 'viral_coefficient'), connectNulls: false });
  return o;
}
