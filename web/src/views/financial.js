// financial.js — financial health (CEO): gross margin, opex by category,
// burn, cash and runway, break-even, and scenario sliders that ask the
// runway endpoint for a what-if cash path.
import { get } from '../api.js';
import { h } from '../dom.js';
import { renderCards } from '../kpi.js';
import { versus } from './sales.js';
import { lineOption } from '../charts/line.js';
import { barOption } from '../charts/bar.js';
import { renderChart } from '../charts/core.js';
import { money, num, pct, isNum, date } from '../format.js';
import { col, labels, words, month, firstPartial } from './util.js';
import { asOfParams, previousAsOfParams } from '../store.js';

const FIN = '/api/revenue/financial';
const RUNWAY = '/api/forecast/runway';

// Expense categories as the page names them (sql/schema/010_core.sql expenses.category).
const CATEGORY = { cogs: 'Cost of goods sold (COGS)', payroll: 'Payroll', marketing: 'Marketing', infrastructure: 'Infrastructure', other: 'Other' };
const category = (c) => CATEGORY[c] || words(c);

/** The break-even answer of /api/revenue/financial as words (docs/metrics.md "Break-even (month)"). */
export function breakEvenText(be) {
  if (!be) return '—';
  if (be.month) return month(be.month);
  return { reached: 'reached', not_converging: 'not in sight', insufficient_data: 'not enough data' }[be.status] || words(be.status);
}

/**
 * The card line of a target the CEO set (GET /api/revenue/targets: metric, value, met) and the
 * card's tone: the target and whether it is met, or "no target set" (set on the executive view).
 */
function targetLine(targets, metric, unit) {
  const t = ((targets && targets.targets) || []).find((x) => x.metric === metric);
  if (!t || !isNum(t.value)) return { changeText: 'no target set', changeLabel: '', tone: 'neutral' };
  return { changeText: `target ≥ ${unit(t.value)}${t.met === false ? ' · not met' : t.met ? ' · met' : ''}`, changeLabel: '',
    tone: t.met === true ? 'good' : t.met === false ? 'bad' : 'neutral' };
}

/** A signed percentage: "+4.5%", "-3%". */
const signed = (v) => `${Number(v) >= 0 ? '+' : ''}${num(v, 1)}%`;


export default {
  key: 'financial',
  label: 'Financial',
  mount(ctx) {
    ctx.header('Financial health', 'Margin, spending, burn and how long the cash lasts.');
    const g = ctx.grid();
    const params = (f) => ({ months: 12, ...asOfParams(f) });
    const load = (f) => get(FIN, params(f));
    ctx.panel(g, {
      id: 'fin-kpis', title: 'Cash and runway', span: 'full', lazy: false, kind: 'kpi', endpoint: FIN,
      // With "compare", the cash of the previous period's end beside today's.
      load: async (f) => {
        const [cur, prev, targets] = await Promise.all([load(f), f.compare ? get(FIN, { months: 1, ...previousAsOfParams(f) }) : null,
          get('/api/revenue/targets', asOfParams(f))]);
        return { cur, prev, targets };   // several answers: the "as of" line is the oldest one's (api.js asOfOf)
      },
      render: (body, x) => {
        const d = { ...x.cur, previous: x.prev };
        // Runway and margin against the CEO's targets (the executive view's Targets panel).
        const runwayTarget = targetLine(x.targets, 'runway_months', (v) => `${num(v, 1)} months`);
        const marginTarget = targetLine(x.targets, 'gross_margin_pct', (v) => pct(v));
        const ms = d.months || [];
        const full = ms.filter((m) => !m.partial);
        const last = full[full.length - 1] || {};
        const be = d.break_even || {};
        return renderCards(body, [
          d.previous
            ? { id: 'cash', label: 'Cash', value: money(d.cash), ...versus(d.cash, d.previous.cash, date(d.previous.cash_as_of)), note: `as of ${date(d.cash_as_of)}` }
            : { id: 'cash', label: 'Cash', value: money(d.cash), changeText: `as of ${date(d.cash_as_of)}`, changeLabel: '', tone: 'neutral' },
          { id: 'runway', label: 'Runway', value: isNum(d.runway_months) ? `${num(d.runway_months, 1)} months` : 'not burning', ...runwayTarget },
          { id: 'burn', label: 'Net burn (3-month average)', value: money(d.avg_net_burn_3m), spark: col(full, 'net_burn'), tone: 'neutral' },
          { id: 'margin', label: `Gross margin (${last.month || 'last month'})`, value: pct(last.gross_margin_pct), spark: col(full, 'gross_margin_pct'), ...marginTarget },
          { id: 'break-even', label: 'Break-even', value: breakEvenText(be), tone: be.month || be.status === 'reached' ? 'good' : 'warn',
            note: be.status === 'not_converging' ? 'net burn is not falling' : be.status === 'projected' ? 'if net burn keeps its trend' : null,
            changeText: isNum(be.burn_trend_per_month) ? `net burn trend ${Number(be.burn_trend_per_month) > 0 ? '+' : ''}${money(be.burn_trend_per_month)}/month (last 6 full months)` : null, changeLabel: '' },
        ]);
      },
    });
    ctx.panel(g, {
      id: 'fin-margin', title: 'Revenue, costs and gross margin', span: 'half', lazy: false, endpoint: FIN, load,
      csv: { path: FIN, params, filename: 'financial-months.csv' },
      chart: (d) => {
        const ms = d.months || [];
        if (!ms.length) return null;
        const o = barOption({ x: labels(ms, 'month'), kind: 'money', partialFrom: firstPartial(ms), series: [{ name: 'Net revenue', data: col(ms, 'net_revenue') }, { name: 'Cost of goods sold (COGS)', data: col(ms, 'cogs') }] });
        o.yAxis = [o.yAxis, { type: 'value', name: 'margin %', min: 0, max: 100, splitLine: { show: false } }];
        o.series.push({ name: 'Gross margin %', type: 'line', yAxisIndex: 1, data: col(ms, 'gross_margin_pct') });
        return o;
      },
    });
    ctx.panel(g, {
      id: 'fin-opex', title: 'Operating expenses by category', subtitle: 'Cost of goods sold is not an operating expense: it is in the gross margin.', span: 'half', lazy: false, endpoint: FIN, load,
      chart: (d) => {
        const ms = d.months || [];
        const cats = [...new Set(ms.flatMap((m) => Object.keys(m.opex_by_category || {})))];
        if (!cats.length) return null;
        return barOption({ x: labels(ms, 'month'), kind: 'money', partialFrom: firstPartial(ms), series: cats.map((c) => ({ name: category(c), stack: 'e', data: ms.map((m) => Number((m.opex_by_category || {})[c] || 0)) })) });
      },
    });
    ctx.panel(g, {
      id: 'fin-burn', title: 'Net burn by month', span: 'half', endpoint: FIN, load,
      chart: (d) => {
        const ms = d.months || [];
        return ms.length ? barOption({ x: labels(ms, 'month'), kind: 'money', legend: false, partialFrom: firstPartial(ms), series: [{ name: 'Net burn', data: col(ms, 'net_burn') }] }) : null;
      },
    });
    // Scenario sliders: growth and burn change, sent to the runway endpoint.
    let growth = null, burn = 0, timer = 0;
    const out = (id) => h('output', { id: `${id}-out`, for: id });
    const gOut = out('growth'), bOut = out('burn');
    const slider = (id, label, min, max, step, value, outEl, onInput) => h('div', { class: 'slider' },
      h('label', { for: id, text: label }),
      h('input', { type: 'range', id, min, max, step, value, 'aria-describedby': `${id}-out`, oninput: (e) => { onInput(Number(e.target.value)); } }),
      outEl);
    let scen;
    const controls = h('div', { class: 'form-row' },
      slider('growth', 'Monthly revenue growth %', -10, 20, 0.5, 3.5, gOut, (x) => { growth = x; gOut.textContent = `${x}%`; schedule(); }),
      slider('burn', 'Change in costs %', -50, 100, 5, 0, bOut, (x) => { burn = x; bOut.textContent = `${x}%`; schedule(); }));
    gOut.textContent = 'forecast'; bOut.textContent = '0%';
    function schedule() { clearTimeout(timer); timer = setTimeout(() => scen.refresh(), 350); }
    ctx.onUnmount(() => clearTimeout(timer));
    const scenParams = (f) => ({ ...(growth === null ? {} : { growth_pct: growth }), burn_change_pct: burn, ...asOfParams(f) });
    scen = ctx.panel(g, {
      id: 'fin-scenario', title: 'Runway what-if', span: 'half', endpoint: RUNWAY,
      subtitle: 'Not a forecast: income grows at the slider’s rate from its 3-month average, costs stay at their 3-month average plus the change.',
      controls: [],
      csv: { path: RUNWAY, params: scenParams, filename: 'runway-scenario.csv' },
      load: (f) => get(RUNWAY, scenParams(f)),
      kind: 'custom',
      render: async (body, d) => {
        const s = d.scenario || {};
        const path = s.path || [];
        if (!path.length) return false;
        if (growth === null && isNum(s.growth_pct)) gOut.textContent = `${num(s.growth_pct, 1)}% (forecast)`;
        const box = h('div', { class: 'chart', dataset: { kind: 'line' } });
        body.append(box);
        await renderChart(box, lineOption({ x: path.map((p) => month(p.month)), kind: 'money', series: [{ name: 'Cash', data: col(path, 'cash'), area: true }, { name: 'Income', data: col(path, 'income') }, { name: 'Costs', data: col(path, 'costs'), dashed: true }] }));
        // The what-if's own outcome, named as such: the page's one break-even answer is the card above.
        const runs = isNum(s.runway_months) ? `cash runs out in ${num(s.runway_months, 1)} months` : `cash lasts beyond the ${s.months_simulated || path.length} months simulated`;
        body.append(h('p', { class: 'panel-sub', dataset: { figure: 'scenario-outcome' },
          text: `In this what-if (income ${signed(s.growth_pct)}/month, costs ${signed(s.burn_change_pct)}): ${runs}${s.break_even_month ? `; income first covers costs in ${month(s.break_even_month)}` : `; income does not cover costs within the ${s.months_simulated || path.length} months`}.` }));
      },
    });
    scen.el.querySelector('.panel-body').before(controls);
  },
};
