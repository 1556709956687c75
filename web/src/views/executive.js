// executive.js — the executive summary: the real-time panel (figures of
// today, kept current by the live stream), KPI cards with sparklines and the
// MRR gauge, the MRR chart (actuals, projection, movements), top alerts and
// the live feed.
import { get } from '../api.js';
import { renderCards, pctChange } from '../kpi.js';
import { mrrOption } from '../charts/mrr.js';
import { money, pct, num, isNum, change, fromCents } from '../format.js';
import { atOf } from '../panel.js';
import { createFeed } from '../feed.js';
import { gather, col } from './util.js';
import { alertColumns, ALERTS_LIST, alertRows } from './alerts.js';
import { MRR_FORECAST, projectionOf } from './forecast.js';

// The live messages the executive view hears (docs/live.md "Messages").
export const FEED_TYPES = ['new_signup', 'subscription_changed', 'payment_received', 'churn_alert', 'mrr_updated', 'alert'];

const v = (o) => (o && typeof o === 'object' && 'value' in o ? o.value : o);
const pv = (o) => (o && typeof o === 'object' && 'previous' in o ? o.previous : undefined);

/** NPS card: the value may be a number or {nps, responses, …}. */
function npsCard(o) {
  const n = (x) => (x && typeof x === 'object' && 'nps' in x ? x.nps : x);
  const cur = n(v(o)), prev = n(pv(o));
  const d = isNum(cur) && isNum(prev) ? cur - prev : null;
  const resp = v(o) && v(o).responses;
  return { id: 'nps', label: 'NPS (90 days)', value: num(cur), change: d, changeText: d === null ? null : `${num(d, 1)} pts`,
    note: isNum(resp) ? `${resp} responses` : null, href: '/customers' };
}

/**
 * The cards of the real-time panel from d = {rev: /api/revenue/summary,
 * users: /api/users/summary, live: {figure: message time}} — every figure
 * is one the API answers (or a live message carries); none is computed
 * here.  A figure a live message brought says its own time.
 */
function realtimeCards(d) {
  const r = d.rev || {}, u = d.users || {}, t = r.target, live = d.live || {};
  const trials = v(u.trials_30d) || {}, churn = v(u.churn_last_month) || {};
  const at = (k) => (live[k] ? { asOf: live[k], live: true } : {});
  return [
    d.users && { id: 'rt-active-trials', label: 'Active trials', value: num(v(u.active_trials)), tone: 'neutral', href: '/customers', ...at('active_trials') },
    d.users && { id: 'rt-signups-today', label: "Today's signups", value: num(v(u.new_signups_today)), tone: 'neutral', href: '/customers', note: isNum(pv(u.new_signups_today)) ? `${num(pv(u.new_signups_today))} yesterday` : null, ...at('signups_today') },
    d.users && { id: 'rt-churn-today', label: "Today's churn", value: num(v(u.churned_today)), tone: Number(v(u.churned_today)) > 0 ? 'bad' : 'good', href: '/customers', note: 'customers cancelled today', ...at('churned_today') },
    d.rev && { id: 'rt-mrr', label: 'Current MRR', value: money(r.mrr, { compact: false }), tone: 'neutral', href: '/revenue', ...at('mrr') },
    d.rev && { id: 'rt-revenue-today', label: "Today's revenue", value: money(r.revenue_today, { compact: false }), tone: 'neutral', href: '/revenue', ...at('revenue_today') },
    d.rev && { id: 'rt-mrr-growth', label: 'MRR growth (1 month)', value: change(r.mom_growth_pct), tone: isNum(r.mom_growth_pct) ? (r.mom_growth_pct >= 0 ? 'good' : 'bad') : 'neutral', href: '/revenue', note: r.previous && r.previous.as_of ? `since ${r.previous.as_of}` : null },
    d.users && { id: 'rt-churn-rate', label: 'Churn rate (last month)', value: pct(churn.customer_churn_rate, 2), tone: 'neutral', href: '/customers', note: churn.month ? `customers, ${churn.month}` : null },
    d.users && { id: 'rt-trial-conversion', label: 'Trial conversion (30 d)', value: pct(trials.trial_to_paid_rate), tone: 'neutral', href: '/customers', note: isNum(trials.trials_ended) ? `${num(trials.converted)} of ${num(trials.trials_ended)} trials ended` : null },
    d.users && { id: 'rt-days-to-convert', label: 'Average days to convert', value: isNum(trials.avg_days_to_convert) ? `${num(trials.avg_days_to_convert, 1)} d` : '—', tone: 'neutral', href: '/customers', note: 'trials converted in 30 days' },
    d.rev && { id: 'rt-target', label: 'Monthly target', value: t ? money(t.target_mrr, { compact: false }) : '—', tone: 'neutral', href: '/forecast', note: t ? `${pct(t.pct_reached)} reached by ${r.as_of}; ends ${t.period_end}` : 'no target set', gauge: t ? t.pct_reached : undefined, gaugeMax: 100 },
    d.rev && { id: 'rt-days-to-target', label: 'Days to target', value: t && isNum(t.days_to_target) ? num(t.days_to_target) : '—', tone: t && isNum(t.days_to_target) && isNum(t.days_left) ? (t.days_to_target <= t.days_left ? 'good' : 'bad') : 'neutral', href: '/forecast', note: !t ? 'no target set' : isNum(t.days_to_target) ? `at the current daily growth; ${num(t.days_left)} days left` : 'MRR is not growing' },
    d.rev && { id: 'rt-required-growth', label: 'Required daily growth', value: t && isNum(t.required_daily_growth_pct) ? pct(t.required_daily_growth_pct, 2) : '—', tone: 'neutral', href: '/forecast', note: t ? `a day, to reach the target by ${t.period_end}` : 'no target set' },
  ];
}

export default {
  key: 'executive',
  label: 'Executive',
  mount(ctx) {
    ctx.header('Executive summary', 'Company health at a glance. Select a card to see what drives it.');
    const now = ctx.grid();
    const realtime = ctx.panel(now, {
      id: 'exec-live', title: 'Right now', subtitle: 'Today, as it happens: updates on its own from the live stream.', span: 'full', lazy: false, kind: 'kpi',
      endpoint: '/api/revenue/summary, /api/users/summary',
      load: () => gather({ rev: get('/api/revenue/summary'), users: get('/api/users/summary') }),
      render: (body, d) => renderCards(body, realtimeCards(d)),
    });
    const top = ctx.grid();
    const kpis = ctx.panel(top, {
      id: 'exec-kpis', title: 'Key metrics', span: 'full', lazy: false, kind: 'kpi',
      endpoint: '/api/revenue/summary, /api/users/summary',
      load: () => gather({
        rev: get('/api/revenue/summary'),
        mrr: get('/api/revenue/mrr', { months: 12 }),
        users: get('/api/users/summary'),
        alerts: get(ALERTS_LIST, { status: 'active', limit: 100 }),
      }),
      render: (body, d) => {
        const r = d.rev || {}, p = r.previous || {}, u = d.users || {};
        const months = (d.mrr && d.mrr.months) || [];
        const mrrSpark = col(months, 'ending_mrr');
        const growthSpark = months.map((m) => pctChange(m.ending_mrr, m.starting_mrr));
        const arpuSpark = months.map((m) => (m.ending_customers ? m.ending_mrr / m.ending_customers : null));
        const target = r.target;
        const activeAlerts = d.alerts ? alertRows(d.alerts) : null;
        return renderCards(body, [
          d.rev && {
            id: 'mrr', label: 'MRR', value: money(r.mrr), change: pctChange(r.mrr, p.mrr), href: '/revenue', hrefLabel: 'revenue view',
            gauge: target ? target.pct_reached : undefined, gaugeMax: 100, spark: target ? null : mrrSpark,
            note: target ? `${pct(target.pct_reached)} of ${money(target.target_mrr)} target` : 'no target set',
          },
          d.rev && { id: 'arr', label: 'ARR', value: money(r.arr), change: pctChange(r.arr, p.arr), href: '/revenue', spark: mrrSpark.map((x) => (isNum(x) ? x * 12 : null)) },
          d.rev && { id: 'mom', label: 'MRR growth (MoM)', value: change(r.mom_growth_pct), change: isNum(r.mom_growth_pct) && isNum(p.mom_growth_pct) ? r.mom_growth_pct - p.mom_growth_pct : null, changeText: isNum(p.mom_growth_pct) ? `${num(r.mom_growth_pct - p.mom_growth_pct, 1)} pts` : null, href: '/revenue', spark: growthSpark },
          d.rev && {
            id: 'arpu', label: 'ARPU', value: money(r.arpu, { compact: false }), change: pctChange(r.arpu, p.arpu), href: '/customers', spark: arpuSpark,
            note: r.arpu_target ? `target ${money(r.arpu_target.low)}–${money(r.arpu_target.high)}` : null,
            tone: r.arpu_target && isNum(r.arpu) ? (r.arpu < r.arpu_target.low ? 'bad' : r.arpu > r.arpu_target.high ? 'good' : 'good') : undefined,
          },
          d.users && npsCard(u.nps_90d),
          d.users && { id: 'active-customers', label: 'Active customers (30 d)', value: num(v(u.active_customers_30d)), change: pctChange(v(u.active_customers_30d), pv(u.active_customers_30d)), href: '/customers' },
          d.users && { id: 'dau-mau', label: 'DAU / MAU', value: pct(v(u.dau_mau_pct)), change: isNum(v(u.dau_mau_pct)) && isNum(pv(u.dau_mau_pct)) ? v(u.dau_mau_pct) - pv(u.dau_mau_pct) : null, changeText: isNum(pv(u.dau_mau_pct)) ? `${num(v(u.dau_mau_pct) - pv(u.dau_mau_pct), 1)} pts` : null, href: '/product' },
          activeAlerts && { id: 'alerts', label: 'Active alerts', value: num(activeAlerts.length), tone: activeAlerts.some((a) => a.severity === 'critical') ? 'bad' : activeAlerts.length ? 'warn' : 'good', changeText: activeAlerts.filter((a) => a.severity === 'critical').length + ' critical', changeLabel: '', href: '/alerts' },
        ]);
      },
    });
    const g = ctx.grid();
    ctx.panel(g, {
      id: 'exec-mrr', title: 'MRR: last 12 months and 6-month projection', span: 'wide', lazy: false, tall: true,
      endpoint: '/api/revenue/mrr', chartKind: 'mrr',
      csv: { path: '/api/revenue/mrr', params: () => ({ months: 12 }), filename: 'mrr-movements.csv' },
      load: () => gather({ mrr: get('/api/revenue/mrr', { months: 12 }), fc: get(MRR_FORECAST, { months: 6 }) }),
      chart: (d) => {
        const months = (d.mrr && d.mrr.months) || [];
        if (!months.length) return null;
        return mrrOption({
          months: months.map((m) => m.month),
          mrr: col(months, 'ending_mrr'),
          movements: { new: col(months, 'new'), expansion: col(months, 'expansion'), churn: months.map((m) => (isNum(m.churn) ? -Math.abs(m.churn) : null)) },
          projection: d.fc ? projectionOf(d.fc) : null,
        });
      },
    });
    const topAlerts = ctx.panel(g, {
      id: 'exec-alerts', title: 'Top alerts', span: 'narrow', lazy: false,
      endpoint: ALERTS_LIST,
      csv: { path: ALERTS_LIST, params: () => ({ status: 'active' }), filename: 'active-alerts.csv' },
      load: () => get(ALERTS_LIST, { status: 'active', limit: 5 }),
      table: { columns: alertColumns({ compact: true }), rows: (d) => alertRows(d).slice(0, 5) },
      empty: 'No active alerts',
    });
    const feed = createFeed({ types: FEED_TYPES, on: ctx.live, label: 'Live feed of the business' });
    ctx.panel(ctx.grid(), {
      id: 'exec-feed', title: 'Live feed', subtitle: 'Signups, subscriptions, payments, churn and alerts as they happen, newest first.', span: 'full', lazy: false, kind: 'custom', asOf: false,
      load: async () => ({}),
      render: (body) => { body.append(feed.el); },
    });

    // Live figures (docs/live.md): each message patches the panels' data in
    // place; a figure is set to the value the message carries.
    const liveFigures = (patches) => (msg) => {
      const at = atOf(msg);
      realtime.patch((d) => {
        let any = false;
        for (const [key, fn] of Object.entries(patches)) {
          if (fn(d, msg) === false) continue;
          d.live = { ...(d.live || {}), [key]: at || Date.now() };
          any = true;
        }
        return any;
      }, at);
    };
    const setUser = (name, val) => (d) => {
      if (!d.users || !isNum(val)) return false;
      d.users[name] = { ...(d.users[name] || {}), value: Number(val) };
    };
    const setRev = (name, val) => (d) => {
      if (!d.rev || !isNum(val)) return false;
      d.rev[name] = val;
    };
    ctx.live('new_signup', (m) => liveFigures({
      signups_today: setUser('new_signups_today', m.signups_today),
      active_trials: setUser('active_trials', m.active_trials),
    })(m));
    ctx.live('subscription_changed', (m) => liveFigures({
      active_trials: setUser('active_trials', m.active_trials),
      churned_today: setUser('churned_today', m.churned_today),
    })(m));
    ctx.live('churn_alert', (m) => liveFigures({ churned_today: setUser('churned_today', m.churned_today) })(m));
    ctx.live('payment_received', (m) => liveFigures({ revenue_today: setRev('revenue_today', fromCents(m.revenue_today_cents)) })(m));
    ctx.live('mrr_updated', (m) => {
      liveFigures({ mrr: setRev('mrr', fromCents(m.mrr_cents)) })(m);
      // The MRR and ARR cards of "Key metrics" too (their change and gauge
      // follow at the next refetch).
      kpis.patch((d) => {
        if (!d.rev || !isNum(m.mrr_cents)) return false;
        d.rev.mrr = fromCents(m.mrr_cents);
        if (isNum(m.arr_cents)) d.rev.arr = fromCents(m.arr_cents);
      }, atOf(m));
    });
    // An alert fired, was acknowledged or resolved: the top five and the
    // "Active alerts" card again (a burst of them, once).
    let alertTimer = 0;
    ctx.live('alert', () => { clearTimeout(alertTimer); alertTimer = setTimeout(() => { topAlerts.refresh(); kpis.refresh(); }, 300); });
    ctx.onUnmount(() => clearTimeout(alertTimer));
  },
};
