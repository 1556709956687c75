// executive.js — the executive summary: the real-time panel (figures of
// today, kept current by the live stream), KPI cards with sparklines and the
// MRR gauge, the MRR chart (actuals, projection, movements, annotations;
// a point opens its month's movements), the months behind it, top alerts,
// the CEO's annotations and targets, and the live feed.  Everything but
// "Right now" follows the date range (as_of: the range's end).
import { get, send, noteDataVersion, download } from '../api.js';
import { h } from '../dom.js';
import { renderCards, pctChange } from '../kpi.js';
import { mrrOption } from '../charts/mrr.js';
import { onChartClick } from '../charts/drill.js';
import { money, pct, num, isNum, change, fromCents, date } from '../format.js';
import { atOf, table } from '../panel.js';
import { createFeed } from '../feed.js';
import { asOfParams, previousAsOfParams, filterQuery, filters } from '../store.js';
import { gather, col, allowed, partialFrom, firstPartial, words } from './util.js';
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

// The movements of a month the MRR chart draws, by the chart's series names.
const SERIES_KIND = { 'New MRR': 'new', 'Expansion MRR': 'expansion', 'Churned MRR': 'churn' };
const KINDS = ['new', 'expansion', 'contraction', 'churn', 'reactivation'];
const ANNOTATION_KINDS = ['launch', 'campaign', 'incident', 'other'];

/** The drill-down page of a month (and a movement), the filters kept. */
export function movementsHref(month, kind) {
  const q = new URLSearchParams(filterQuery().slice(1));
  if (kind) q.set('kind', kind);
  const s = q.toString();
  return `/revenue/movements/${month}${s ? `?${s}` : ''}`;
}

/**
 * The month a board pack is for by default: the month of the range's end
 * when that month is over (a custom range in the past), else the last
 * full month before today.
 */
export function boardMonth(f) {
  const end = asOfParams(f).as_of;
  const today = new Date();
  const thisMonth = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}`;
  if (end && end.slice(0, 7) < thisMonth) return end.slice(0, 7);
  const prev = new Date(today.getFullYear(), today.getMonth() - 1, 1);
  return `${prev.getFullYear()}-${String(prev.getMonth() + 1).padStart(2, '0')}`;
}

/**
 * The CEO's "Board report" control: a month and a button that downloads
 * that month's board pack as a PDF (GET /api/alerts/report?kind=board,
 * docs/reports.md); the API's error, if any, is said beside it.
 */
function boardReport(f) {
  const month = h('input', { type: 'month', id: 'board-month', value: boardMonth(f), 'aria-label': 'Month of the board report' });
  const msg = h('span', { class: 'kpi-note', id: 'board-status', role: 'status' });
  const btn = h('button', { type: 'button', class: 'btn btn-small', id: 'board-download', text: 'Board report (PDF)',
    onclick: async () => {
      if (!/^\d{4}-\d{2}$/.test(month.value)) { msg.textContent = 'Choose a month first.'; return; }
      btn.disabled = true; msg.textContent = `Preparing the board pack for ${month.value}…`;
      try {
        await download('/api/alerts/report', { kind: 'board', month: month.value, format: 'pdf' },
          `northstar-board-${month.value}.pdf`, 'application/pdf');
        msg.textContent = `Board pack for ${month.value} downloaded.`;
      } catch (err) {
        msg.textContent = `No board pack: ${err.message}`;
      } finally { btn.disabled = false; }
    } });
  return h('div', { class: 'board-report', role: 'group', 'aria-label': 'Board report' },
    h('label', { for: 'board-month', text: 'Board pack for' }), month, btn, msg);
}

/** The first month still running (the API's partial flag), or null. */
function partialMonth(months) {
  return firstPartial(months) ?? partialFrom(months, 'month', 'month');
}

/**
 * Annotations as vertical marks on the MRR line, one per month (several on
 * one month share its mark; the label counts them, the tooltip lists them).
 */
function annotate(option, months, notes) {
  if (!notes || !notes.length || !option.series || !option.series[0]) return option;
  const byMonth = new Map();
  for (const a of notes) {
    const m = String(a.day).slice(0, 7);
    if (!months.includes(m)) continue;
    if (!byMonth.has(m)) byMonth.set(m, []);
    byMonth.get(m).push(a);
  }
  if (!byMonth.size) return option;
  option.series[0].markLine = {
    symbol: 'none', silent: false, animation: false,
    lineStyle: { type: 'dotted', width: 1, opacity: 0.8 },
    tooltip: { show: true },
    data: [...byMonth.entries()].map(([m, list]) => ({
      xAxis: m,
      name: list.map((a) => `${a.day}: ${a.text}`).join('\n'),
      label: { show: true, position: 'insideEndTop', formatter: list.length > 1 ? `${list.length} notes` : (list[0].source === 'campaign' ? 'campaign' : list[0].kind), fontSize: 10 },
    })),
  };
  return option;
}

/** The API's error message for a form (the field it names is in the text). */
const errText = (err) => (err && err.message) || String(err);

/** The CEO's form for an annotation (new when a is undefined); onDone after a save. */
function annotationForm(a, onDone, onCancel) {
  const id = a ? `ann-${a.id}` : 'ann-new';
  const err = h('p', { class: 'field-error', role: 'alert', id: `${id}-error` });
  const day = h('input', { type: 'date', id: `${id}-day`, name: 'day', value: a ? a.day : '', required: true, 'aria-describedby': `${id}-error` });
  const kind = h('select', { id: `${id}-kind`, name: 'kind' }, ANNOTATION_KINDS.map((k) => h('option', { value: k, text: words(k), selected: a ? a.kind === k : k === 'launch' })));
  const text = h('input', { type: 'text', id: `${id}-text`, name: 'text', value: a ? a.text : '', maxlength: 200, size: 40, 'aria-describedby': `${id}-error` });
  const form = h('form', { class: 'form-row annotation-form', novalidate: true, dataset: { annotation: a ? String(a.id) : 'new' },
    onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      const body = { day: day.value, kind: kind.value, text: text.value };
      try {
        if (a) await send('PUT', `/api/revenue/annotations/${a.id}`, body);
        else await send('POST', '/api/revenue/annotations', body);
        onDone();
      } catch (x) { err.textContent = errText(x); }
    } },
  h('div', {}, h('label', { for: day.id, text: 'Day' }), day),
  h('div', {}, h('label', { for: kind.id, text: 'Kind' }), kind),
  h('div', {}, h('label', { for: text.id, text: 'Note' }), text),
  h('div', {}, h('button', { type: 'submit', class: 'btn', text: a ? 'Save' : 'Add note' })),
  onCancel ? h('div', {}, h('button', { type: 'button', class: 'btn btn-small', text: 'Cancel', onclick: onCancel })) : null,
  err);
  return form;
}

/** A target's figure in its unit (the API's numbers, formatted). */
function targetFmt(t, v) {
  if (!isNum(v)) return '—';
  if (t.unit === 'money') return money(v, { compact: false });
  if (t.unit === 'pct') return pct(v);
  if (t.unit === 'months') return `${num(v, 1)} months`;
  return num(v, 1);
}

export default {
  key: 'executive',
  label: 'Executive',
  mount(ctx, { me, navigate: routeTo } = {}) {
    const ceo = !!me && allowed(me, 'ceo');
    // the router's navigate (main.js hands it to mount), a page load otherwise
    const navigate = (url) => (routeTo ? routeTo(url) : location.assign(url));
    ctx.header('Executive summary', 'Company health at a glance. Select a card or a point of the MRR chart to see what drives it.',
      ceo ? boardReport(filters()) : null);
    const now = ctx.grid();
    const realtime = ctx.panel(now, {
      id: 'exec-live', title: 'Right now', subtitle: 'Today, as it happens: updates on its own from the live stream.', span: 'full', lazy: false, kind: 'kpi',
      asOfNow: true,
      endpoint: '/api/revenue/summary, /api/users/summary',
      load: () => gather({ rev: get('/api/revenue/summary'), users: get('/api/users/summary') }),
      render: (body, d) => renderCards(body, realtimeCards(d)),
    });
    const top = ctx.grid();
    const kpis = ctx.panel(top, {
      id: 'exec-kpis', title: 'Key metrics', span: 'full', lazy: false, kind: 'kpi',
      endpoint: '/api/revenue/summary, /api/users/summary',
      // As of the range's end (a custom range), compared with a month before
      // (the API's "previous") or, with "compare", with the previous period.
      load: (f) => gather({
        rev: get('/api/revenue/summary', asOfParams(f)),
        mrr: get('/api/revenue/mrr', { months: 12, ...asOfParams(f) }),
        users: get('/api/users/summary', asOfParams(f)),
        alerts: get(ALERTS_LIST, { status: 'active', limit: 100 }),
        // the ARPU band the CEO set (GET /api/revenue/targets is the CEO's)
        ...(ceo ? { targets: get('/api/revenue/targets', asOfParams(f)) } : {}),
        ...(f && f.compare ? { prevRev: get('/api/revenue/summary', previousAsOfParams(f)), prevUsers: get('/api/users/summary', previousAsOfParams(f)) } : {}),
      }),
      render: (body, d) => {
        const r = d.rev || {}, u = d.users || {};
        const p = d.prevRev || r.previous || {};
        // The previous period's answer when comparing, else each figure's own previous.
        const pu = (k) => (d.prevUsers ? v(d.prevUsers[k]) : pv(u[k]));
        const months = (d.mrr && d.mrr.months) || [];
        const mrrSpark = col(months, 'ending_mrr');
        const growthSpark = months.map((m) => pctChange(m.ending_mrr, m.starting_mrr));
        const arpuSpark = months.map((m) => (m.ending_customers ? m.ending_mrr / m.ending_customers : null));
        const target = r.target;
        const lastMonth = months.length ? months[months.length - 1].month : null;
        const activeAlerts = d.alerts ? alertRows(d.alerts) : null;
        const band = (k) => ((d.targets && d.targets.targets) || []).find((t) => t.metric === k && isNum(t.value));
        const lo = band('arpu_low'), hi = band('arpu_high');
        const nps = npsCard(d.prevUsers ? { value: v(u.nps_90d), previous: v(d.prevUsers.nps_90d) } : u.nps_90d);
        return renderCards(body, [
          d.rev && {
            id: 'mrr', label: 'MRR', value: money(r.mrr), change: pctChange(r.mrr, p.mrr),
            href: lastMonth ? `/revenue/movements/${lastMonth}` : '/revenue', hrefLabel: `movements of ${lastMonth || 'the month'}`,
            gauge: target ? target.pct_reached : undefined, gaugeMax: 100, spark: target ? null : mrrSpark,
            note: target ? `${pct(target.pct_reached)} of ${money(target.target_mrr)} target` : 'no target set',
          },
          d.rev && { id: 'arr', label: 'ARR', value: money(r.arr), change: pctChange(r.arr, p.arr), href: lastMonth ? `/revenue/movements/${lastMonth}` : '/revenue', hrefLabel: 'movements behind it', spark: mrrSpark.map((x) => (isNum(x) ? x * 12 : null)) },
          d.rev && { id: 'mom', label: 'MRR growth (MoM)', value: change(r.mom_growth_pct), change: isNum(r.mom_growth_pct) && isNum(p.mom_growth_pct) ? r.mom_growth_pct - p.mom_growth_pct : null, changeText: isNum(p.mom_growth_pct) ? `${num(r.mom_growth_pct - p.mom_growth_pct, 1)} pts` : null, href: lastMonth ? `/revenue/movements/${lastMonth}` : '/revenue', hrefLabel: 'movements behind it', spark: growthSpark },
          d.rev && {
            id: 'arpu', label: 'ARPU', value: money(r.arpu, { compact: false }), change: pctChange(r.arpu, p.arpu), href: '/customers', spark: arpuSpark,
            // the band and whether ARPU is in it: the API's (met per bound)
            note: lo || hi ? `target ${lo ? money(lo.value, { compact: false }) : '…'}–${hi ? money(hi.value, { compact: false }) : '…'}` : null,
            tone: lo && lo.met === false ? 'bad' : hi && hi.met === false ? 'warn' : lo || hi ? 'good' : undefined,
          },
          d.users && nps,
          d.users && { id: 'active-customers', label: 'Active customers (30 d)', value: num(v(u.active_customers_30d)), change: pctChange(v(u.active_customers_30d), pu('active_customers_30d')), href: '/customers' },
          d.users && { id: 'dau-mau', label: 'DAU / MAU', value: pct(v(u.dau_mau_pct)), change: isNum(v(u.dau_mau_pct)) && isNum(pu('dau_mau_pct')) ? v(u.dau_mau_pct) - pu('dau_mau_pct') : null, changeText: isNum(pu('dau_mau_pct')) ? `${num(v(u.dau_mau_pct) - pu('dau_mau_pct'), 1)} pts` : null, href: '/product' },
          activeAlerts && { id: 'alerts', label: 'Active alerts', value: num(activeAlerts.length), tone: activeAlerts.some((a) => a.severity === 'critical') ? 'bad' : activeAlerts.length ? 'warn' : 'good', changeText: activeAlerts.filter((a) => a.severity === 'critical').length + ' critical', changeLabel: '', href: '/alerts' },
        ]);
      },
    });
    const g = ctx.grid();
    const mrrPanel = ctx.panel(g, {
      id: 'exec-mrr', title: 'MRR: 12 months and 6-month projection', subtitle: 'Select a month (or one of its movements) for the customers behind it; dotted marks are annotations and campaign starts.', span: 'wide', lazy: false, tall: true,
      endpoint: '/api/revenue/mrr, /api/revenue/annotations', chartKind: 'mrr',
      csv: { path: '/api/revenue/mrr', params: (f) => ({ months: 12, ...asOfParams(f) }), filename: 'mrr-movements.csv' },
      load: (f) => gather({
        mrr: get('/api/revenue/mrr', { months: 12, ...asOfParams(f) }),
        fc: get(MRR_FORECAST, { months: 6 }),
        notes: get('/api/revenue/annotations', { months: 12, ...asOfParams(f) }),
      }),
      chart: (d, f) => {
        const months = (d.mrr && d.mrr.months) || [];
        if (!months.length) return null;
        const labelsM = months.map((m) => m.month);
        // The projection starts from today's MRR: drawn only when the chart ends today.
        const projection = d.fc && !(f && f.range === 'custom') ? projectionOf(d.fc) : null;
        const option = annotate(mrrOption({
          months: labelsM,
          mrr: col(months, 'ending_mrr'),
          movements: { new: col(months, 'new'), expansion: col(months, 'expansion'), churn: months.map((m) => (isNum(m.churn) ? -Math.abs(m.churn) : null)) },
          projection,
          partialFrom: partialMonth(months),
        }), labelsM, d.notes && d.notes.annotations);
        // the MRR points open their month: a symbol large enough to hit
        if (option.series && option.series[0]) option.series[0].symbolSize = 7;
        onChartClick(mrrPanel.el, (e) => {
          if (e.componentType !== 'series' || !labelsM.includes(e.name)) return;
          navigate(movementsHref(e.name, SERIES_KIND[e.seriesName]));
        });
        return option;
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
    // The months behind the chart: each movement links to its customers (the
    // drill-down by keyboard, and in numbers).
    const money0 = { kind: 'money' };
    ctx.panel(ctx.grid(), {
      id: 'exec-months', title: 'MRR movements by month', subtitle: 'Select a month or a movement for the customers in it.', span: 'full', lazy: false,
      endpoint: '/api/revenue/mrr',
      load: (f) => get('/api/revenue/mrr', { months: 12, ...asOfParams(f) }),
      table: {
        columns: [
          { key: 'month', label: 'Month', value: (r) => (r.partial ? `${r.month} (to ${r.to})` : r.month), link: (r) => movementsHref(r.month) },
          { key: 'starting_mrr', label: 'Starting MRR', ...money0 },
          ...KINDS.map((k) => ({ key: k, label: words(k), ...money0, link: (r) => (isNum(r[k]) && Number(r[k]) !== 0 ? movementsHref(r.month, k) : null) })),
          { key: 'ending_mrr', label: 'Ending MRR', ...money0 },
        ],
        rows: (d) => ((d && d.months) || []).slice().reverse(),
      },
      empty: 'No MRR yet',
    });

    if (ceo) {
      const side = ctx.grid();
      // Targets: each with the figure it is measured against and the
      // progress the API reports; the CEO edits the current month's.
      const targets = ctx.panel(side, {
        id: 'exec-targets', title: 'Targets', subtitle: 'This month’s targets, the figure each is measured against and how far it is. Edit a value and save; an empty value removes the target.', span: 'half', lazy: false, kind: 'custom',
        endpoint: '/api/revenue/targets',
        load: (f) => get('/api/revenue/targets', asOfParams(f)),
        render: (body, d) => {
          const list = (d && d.targets) || [];
          if (!list.length) return false;
          const editable = !(d.period_start && d.as_of && String(d.as_of).slice(0, 7) !== new Date().toISOString().slice(0, 7));
          body.append(h('p', { class: 'panel-sub', text: `${d.period_start} – ${d.period_end}, figures as of ${d.as_of}` }));
          const rows = list.map((t) => {
            const err = h('p', { class: 'field-error', role: 'alert', id: `target-${t.metric}-error` });
            const input = h('input', { type: 'number', step: 'any', id: `target-${t.metric}`, name: t.metric, value: isNum(t.value) ? String(t.value) : '', min: isNum(t.min) ? String(t.min) : null, max: isNum(t.max) ? String(t.max) : null, 'aria-describedby': err.id, disabled: !editable });
            const form = h('form', { class: 'form-row target-form', novalidate: true, dataset: { target: t.metric },
              onsubmit: async (e) => {
                e.preventDefault();
                err.textContent = '';
                const raw = input.value.trim();
                try {
                  const res = await send('PUT', '/api/revenue/targets', { metric: t.metric, value: raw === '' ? null : Number(raw), month: d.period_start.slice(0, 7) });
                  // The new data version: no cached answer made with the old target is used again.
                  if (res && res.data_version !== undefined) noteDataVersion(res.data_version);
                  targets.refresh(); kpis.refresh(); realtime.refresh();
                } catch (x) { err.textContent = errText(x); }
              } },
            h('div', {}, h('label', { for: input.id, text: `${t.label} (${t.direction === 'max' ? 'at most' : 'at least'})` }), input),
            h('div', {}, h('button', { type: 'submit', class: 'btn btn-small', text: 'Save', disabled: !editable })),
            err);
            return h('div', { class: 'target', dataset: { metric: t.metric, met: t.met === null ? '' : String(t.met) } },
              h('p', {},
                h('strong', { text: `${t.label}: ` }),
                h('span', { class: 'target-value', text: isNum(t.value) ? targetFmt(t, t.value) : 'no target set' }),
                ' · now ', h('span', { class: 'target-current', text: targetFmt(t, t.current) }),
                isNum(t.progress_pct) ? [' · ', h('span', { class: 'target-progress', text: `${pct(t.progress_pct)} reached` })] : null,
                t.met === true ? ' · met' : t.met === false ? ' · not met' : null),
              h('p', { class: 'panel-sub', text: t.current_note || '' }),
              form);
          });
          body.append(...rows);
          if (!editable) body.append(h('p', { class: 'panel-sub', text: 'Targets of a past month are shown, not edited: choose a range ending this month to edit.' }));
        },
      });
      // Annotations: the CEO's notes (editable) and the campaigns' starts.
      const notes = ctx.panel(side, {
        id: 'exec-annotations', title: 'Annotations', subtitle: 'Notes on the MRR chart (launches, campaigns, incidents) and campaign starts, in the chart’s months.', span: 'half', lazy: false, kind: 'custom',
        endpoint: '/api/revenue/annotations',
        load: (f) => get('/api/revenue/annotations', { months: 12, ...asOfParams(f) }),
        render: (body, d) => {
          const list = ((d && d.annotations) || []).slice().reverse();
          const done = () => { notes.refresh(); mrrPanel.refresh(); };
          body.append(annotationForm(undefined, done));
          const ul = h('ul', { class: 'annotations' });
          for (const a of list) {
            const li = h('li', { dataset: { annotation: a.id === null ? `campaign-${a.campaign_id}` : String(a.id), source: a.source } },
              h('time', { datetime: a.day, text: date(a.day) }), ' ', h('span', { class: 'badge', text: words(a.kind) }), ' ', h('span', { class: 'annotation-text', text: a.text }));
            if (a.editable) {
              const err = h('span', { class: 'field-error', role: 'alert' });
              li.append(' ',
                h('button', { type: 'button', class: 'btn btn-small', text: 'Edit', 'aria-label': `Edit the note of ${a.day}`,
                  onclick: () => { li.replaceWith(annotationForm(a, done, () => notes.refresh())); } }),
                ' ',
                h('button', { type: 'button', class: 'btn btn-small', text: 'Delete', 'aria-label': `Delete the note of ${a.day}`,
                  onclick: async () => {
                    try { await send('DELETE', `/api/revenue/annotations/${a.id}`); done(); } catch (x) { err.textContent = errText(x); }
                  } }),
                err);
            }
            ul.append(li);
          }
          if (list.length) body.append(ul);
          else body.append(h('p', { class: 'panel-sub', text: 'No annotations in these months yet.' }));
        },
      });
    }
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
