// financial.js — financial health (CEO): gross margin, opex by category,
// burn, cash and runway, break-even, and scenario sliders that ask the
// runway endpoint for a what-if cash path.
import { get } from '../api.js';
import { h } from '../dom.js';
import { renderCards } from '../kpi.js';
import { lineOption } from '../charts/line.js';
import { barOption } from '../charts/bar.js';
import { money, num, pct, isNum } from '../format.js';
import { col, labels, words, month } from './util.js';

const FIN = '/api/revenue/financial';

export default {
  key: 'financial',
  label: 'Financial',
  mount(ctx) {
    ctx.header('Financial health', 'Margin, spending, burn and how long the cash lasts.');
    const g = ctx.grid();
    const load = () => get(FIN, { months: 12 });
    ctx.panel(g, {
      id: 'fin-kpis', title: 'Cash and runway', span: 'full', lazy: false, kind: 'kpi', endpoint: FIN, load,
      render: (body, d) => {
        const ms = d.months || [];
        const full = ms.filter((m) => !m.partial);
        const last = full[full.length - 1] || {};
        const be = d.break_even || {};
        return renderCards(body, [
          { id: 'cash', label: 'Cash', value: money(d.cash), changeText: `as of ${d.cash_as_of || '—'}`, changeLabel: '', tone: 'neutral' },
          { id: 'runway', label: 'Runway', value: isNum(d.runway_months) ? `${num(d.runway_months, 1)} months` : 'not burning', tone: !isNum(d.runway_months) || d.runway_months >= 18 ? 'good' : d.runway_months >= 12 ? 'warn' : 'bad', changeText: 'target ≥ 18 months', changeLabel: '' },
          { id: 'burn', label: 'Net burn (3-month average)', value: money(d.avg_net_burn_3m), spark: col(full, 'net_burn'), tone: 'neutral' },
          { id: 'margin', label: `Gross margin (${last.month || 'last month'})`, value: pct(last.gross_margin_pct), spark: col(full, 'gross_margin_pct'), tone: last.gross_margin_pct >= 70 ? 'good' : last.gross_margin_pct >= 50 ? 'warn' : 'bad', changeText: 'target ≥ 70%', changeLabel: '' },
          { id: 'break-even', label: 'Break-even', value: be.month ? month(be.month) : words(be.status), tone: be.month ? 'good' : 'warn', changeText: isNum(be.burn_trend_per_month) ? `burn trend ${money(be.burn_trend_per_month)}/month` : null, changeLabel: '' },
        ]);
      },
    });
    ctx.panel(g, {
      id: 'fin-margin', title: 'Revenue, costs and gross margin', span: 'half', lazy: false, endpoint: FIN, load,
      csv: { path: FIN, params: () => ({ months: 12 }), filename: 'financial-months.csv' },
      chart: (d) => {
        const ms = d.months || [];
        if (!ms.length) return null;
        const o = barOption({ x: labels(ms, 'month'), kind: 'money', series: [{ name: 'Net revenue', data: col(ms, 'net_revenue') }, { name: 'COGS', data: col(ms, 'cogs') }] });
        o.yAxis = [o.yAxis, { type: 'value', name: 'margin %', min: 0, max: 100, splitLine: { show: false } }];
        o.series.push({ name: 'Gross margin %', type: 'line', yAxisIndex: 1, data: col(ms, 'gross_margin_pct') });
        return o;
      },
    });
    ctx.panel(g, {
      id: 'fin-opex', title: 'Operating expenses by category', span: 'half', lazy: false, endpoint: FIN, load,
      chart: (d) => {
        const ms = d.months || [];
        const cats = [...new Set(ms.flatMap((m) => Object.keys(m.expenses_by_category || {})))];
        if (!cats.length) return null;
        return barOption({ x: labels(ms, 'month'), kind: 'money', series: cats.map((c) => ({ name: words(c), stack: 'e', data: ms.map((m) => Number((m.expenses_by_category || {})[c] || 0)) })) });
      },
    });
    ctx.panel(g, {
      id: 'fin-burn', title: 'Net burn by month', span: 'half', endpoint: FIN, load,
      chart: (d) => {
        const ms = d.months || [];
        return ms.length ? barOption({ x: labels(ms, 'month'), kind: 'money', legend: false, series: [{ name: 'Net burn', data: col(ms, 'net_burn') }] }) : null;
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
    scen = ctx.panel(g, {
      id: 'fin-scenario', title: 'Runway scenario', subtitle: 'Move the sliders to see the cash path', span: 'half', endpoint: '/api/forecast/runway',
      controls: [],
      csv: { path: '/api/forecast/runway', params: () => (growth === null ? { burn_change_pct: burn } : { growth_pct: growth, burn_change_pct: burn }), filename: 'runway-scenario.csv' },
      load: () => get('/api/forecast/runway', growth === null ? { burn_change_pct: burn } : { growth_pct: growth, burn_change_pct: burn }),
      chart: (d) => {
        const s = d.scenario || {};
        const path = s.path || [];
        if (!path.length) return null;
        if (growth === null && isNum(s.growth_pct)) gOut.textContent = `${num(s.growth_pct, 1)}% (forecast)`;
        const o = lineOption({ x: path.map((p) => month(p.month)), kind: 'money', series: [{ name: 'Cash', data: col(path, 'cash'), area: true }, { name: 'Income', data: col(path, 'income') }, { name: 'Costs', data: col(path, 'costs'), dashed: true }] });
        o.legend.formatter = (n) => (n === 'Cash' ? `Cash (runway ${isNum(s.runway_months) ? num(s.runway_months, 1) + ' months' : 'beyond the horizon'}${s.break_even_month ? ', break-even ' + month(s.break_even_month) : ''})` : n);
        return o;
      },
    });
    scen.el.querySelector('.panel-body').before(controls);
  },
};
