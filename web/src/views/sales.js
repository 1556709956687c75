// sales.js — sales: pipeline by stage (funnel), coverage, win rate, rep
// leaderboard, activities, open deals and leads by channel.
import { get } from '../api.js';
import { h } from '../dom.js';
import { renderChart } from '../charts/core.js';
import { renderCards, pctChange } from '../kpi.js';
import { funnelOption } from '../charts/funnel.js';
import { barOption } from '../charts/bar.js';
import { money, num, pct } from '../format.js';
import { rangeParams, asOfParams, previousAsOfParams } from '../store.js';
import { col, words } from './util.js';

const PIPE = '/api/revenue/pipeline';

/**
 * The change fields of a KPI card against the previous period's answer: the percent change, or
 * (when there is none: the previous figure was 0 or missing) the previous figure itself.
 */
export function versus(value, previous, on) {
  const c = pctChange(value, previous);
  return c === null ? { changeText: `${money(previous)} on ${on}`, changeLabel: '', tone: 'neutral' } : { change: c, changeLabel: `vs ${on}` };
}

/** "1 deal", "3 deals": a count with its noun in the right number. */
export function plural(n, one, many = `${one}s`) { return `${num(n)} ${Number(n) === 1 ? one : many}`; }

export default {
  key: 'sales',
  label: 'Sales',
  mount(ctx, { me }) {
    ctx.header('Sales', me.role === 'sales' ? 'Your pipeline and the team’s results.' : 'Pipeline, conversion and the team’s results.');
    const g = ctx.grid();
    const load = (f) => get(PIPE, asOfParams(f));
    ctx.panel(g, {
      id: 'sales-kpis', title: 'Pipeline health', span: 'full', lazy: false, kind: 'kpi', endpoint: PIPE,
      // With "compare", the same answer as of the end of the previous period beside it.
      load: async (f) => {
        const [cur, prev] = await Promise.all([load(f), f.compare ? get(PIPE, previousAsOfParams(f)) : null]);
        return { cur, prev };   // two answers: the "as of" line is the older one's (api.js asOfOf)
      },
      render: (body, x) => { const d = { ...x.cur, previous: x.prev }; return renderCards(body, [
        d.previous
          ? { id: 'pipeline', label: 'Open pipeline', value: money(d.open_pipeline), ...versus(d.open_pipeline, d.previous.open_pipeline, d.previous.as_of), note: `${money(d.avg_deal_size)} average deal` }
          : { id: 'pipeline', label: 'Open pipeline', value: money(d.open_pipeline), changeText: `${money(d.avg_deal_size)} average deal`, changeLabel: '', tone: 'neutral' },
        { id: 'coverage', label: 'Pipeline coverage', value: `${num(d.coverage_ratio, 1)}×`, tone: d.coverage_ratio >= 3 ? 'good' : d.coverage_ratio >= 2 ? 'warn' : 'bad', changeText: 'target ≥ 3×', changeLabel: '' },
        { id: 'win-rate', label: 'Win rate', value: pct(d.win_rate_pct), tone: d.win_rate_pct >= 25 ? 'good' : d.win_rate_pct >= 15 ? 'warn' : 'bad', changeText: `${num(d.avg_sales_cycle_days, 1)} days average cycle`, changeLabel: '' },
        { id: 'won', label: 'Closed this month', value: money(d.revenue_closed_mtd), changeText: `${plural(d.deals_won_mtd, 'deal')} won`, changeLabel: '', tone: 'good', href: '/revenue' },
      ]); },
    });
    ctx.panel(g, {
      id: 'sales-funnel', title: 'Pipeline by stage', span: 'half', lazy: false, endpoint: PIPE, load, kind: 'custom',
      render: async (body, d) => {
        const s = (d.stages || []).filter((x) => Number(x.amount) > 0 || Number(x.deals) > 0);
        if (!s.length) return false;
        // Each stage labelled with its deals and its amount as money ("Proposal (3 deals): $276.4k").
        const label = (x) => `${words(x.stage)} (${plural(x.deals, 'deal')}): ${money(x.amount)}`;
        const o = funnelOption({ items: s.map((x) => ({ name: label(x), value: Number(x.amount) })), name: 'Pipeline' });
        o.series[0].label.formatter = '{b}';
        o.series[0].minSize = '55%';   // the narrowest stage still holds its label
        o.tooltip.formatter = (p) => p.name;
        const box = h('div', { class: 'chart', dataset: { kind: 'funnel', labels: JSON.stringify(s.map(label)) } });
        body.append(box);
        await renderChart(box, o);
      },
    });
    ctx.panel(g, {
      id: 'sales-activities', title: 'Activities, last 30 days', span: 'half', lazy: false, endpoint: PIPE, load,
      chart: (d) => {
        const lb = d.leaderboard || [];
        if (!lb.length) return null;
        return barOption({ x: lb.map((r) => r.name), horizontal: true,
          series: [{ name: 'Calls', data: col(lb, 'calls'), stack: 'a' }, { name: 'Emails', data: col(lb, 'emails'), stack: 'a' }, { name: 'Meetings', data: col(lb, 'meetings'), stack: 'a' }] });
      },
    });
    ctx.panel(g, {
      id: 'sales-leaderboard', title: 'Rep leaderboard', span: 'half', endpoint: PIPE, load,
      table: {
        rows: (d) => d.leaderboard || [],
        columns: [
          { key: 'name', label: 'Rep' },
          { key: 'revenue_closed_mtd', label: 'Closed (month)', kind: 'money' },
          { key: 'deals_won_mtd', label: 'Won', kind: 'int' },
          { key: 'open_pipeline', label: 'Open pipeline', kind: 'money' },
          { key: 'win_rate_pct', label: 'Win rate', kind: 'pct' },
        ],
      },
    });
    ctx.panel(g, {
      id: 'sales-deals', title: me.role === 'sales' ? 'Your open deals' : 'Open deals', subtitle: 'Overdue: still open after its expected close day.', span: 'half', endpoint: PIPE, load,
      csv: { path: PIPE, params: (f) => asOfParams(f), filename: 'deals.csv' },
      empty: 'No open deals',
      table: {
        rows: (d) => d.deals || [],
        columns: [
          { key: 'customer', label: 'Customer', value: (r) => r.customer || `Deal #${r.id}` },
          // Second, so that it shows in a narrow panel: open past its expected close day (the API's overdue).
          { key: 'overdue', label: 'Status', value: (r) => (r.overdue ? 'overdue' : 'on time'), tone: (r) => (r.overdue ? 'bad' : '') },
          { key: 'owner', label: 'Owner' },
          { key: 'stage', label: 'Stage', value: (r) => words(r.stage) },
          { key: 'amount', label: 'Amount', kind: 'money' },
          { key: 'expected_close_on', label: 'Expected close', kind: 'date', tone: (r) => (r.overdue ? 'bad' : '') },
          { key: 'age_days', label: 'Age (days)', kind: 'int', tone: (r) => (r.age_days > 60 ? 'bad' : r.age_days > 30 ? 'warn' : '') },
        ],
      },
    });
    ctx.panel(g, {
      id: 'sales-leads', title: 'Leads by channel', span: 'full', endpoint: '/api/marketing/leads',
      csv: { path: '/api/marketing/leads', params: (f) => rangeParams(f), filename: 'leads.csv' },
      load: (f) => get('/api/marketing/leads', rangeParams(f)),
      chart: (d) => {
        const c = d.by_channel || [];
        return c.length ? barOption({ x: c.map((r) => words(r.channel)),
          series: [{ name: 'Leads', data: col(c, 'leads') }, { name: 'MQLs', data: col(c, 'mqls') }, { name: 'SQLs', data: col(c, 'sqls') }, { name: 'Customers', data: col(c, 'customers') }] }) : null;
      },
    });
  },
};
