// v-finance.test.js — issue 21's alerts, financial, forecast and sales fixes in a real browser,
// each checked against an answer the test gets on its own: the API's JSON fetched with the
// page's session (page.request), or SQL over the raw tables (NS_E2E_STACK, set by run.sh).
//   alerts: critical first (Top alerts on the executive view, the alert feed), no subject said
//           twice, rule conditions as sentences, a live region for arriving alerts;
//   financial: one break-even answer, the API's; COGS not among operating expenses;
//   forecast: the backtest figures labelled and equal to the API's; no "100.0%" probability;
//   sales: funnel labels as money, plurals, overdue deals flagged as SQL says.
// One browser; one sign-in per role (ceo, sales, cs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, watch, signIn, settleView, shot, BASE, STACK, stackSql as sql } from './lib.js';

let browser, page, w;


/** GET an API path with the signed-in page's session; the parsed JSON. */
async function api(p) {
  const res = await page.request.get(BASE + p);
  assert.equal(res.status(), 200, `GET ${p}: HTTP ${res.status()}`);
  return res.json();
}

function assertClean(where) {
  assert.deepEqual(w.errors, [], `${where}: expected no console errors`);
  assert.deepEqual(w.failed, [], `${where}: expected no failed requests`);
}

async function as(email) {
  await browser.context.clearCookies();
  await signIn(page, email);
  w.reset();
}

async function open(view) {
  w.reset();
  await page.goto(`${BASE}/${view}`);
  const panels = await settleView(page);
  for (const p of panels) assert.ok(!['error', 'forbidden', 'stale'].includes(p.state), `${view}: panel "${p.title}" is in state ${p.state}`);
  return panels;
}

const text = (sel) => page.locator(sel).innerText();
const rank = { critical: 0, warning: 1, info: 2 };

/** The severity order holds: every critical before every warning before every info. */
function assertSeverityOrder(sevs, where) {
  for (let i = 1; i < sevs.length; i++) assert.ok(rank[sevs[i - 1]] <= rank[sevs[i]], `${where}: ${sevs.join(', ')} is not most severe first`);
}

/** "$276.4k" / "$1.2M" / "$950" → a number, and the step it was rounded to. */
function parseMoney(s) {
  const m = /^-?\$([\d,.]+)([kM]?)$/.exec(s.trim());
  assert.ok(m, `"${s}" is money`);
  const mult = m[2] === 'M' ? 1e6 : m[2] === 'k' ? 1e3 : 1;
  const dec = (m[1].split('.')[1] || '').length;
  return { v: Number(m[1].replace(/,/g, '')) * mult, step: mult * 10 ** -dec };
}

describe('issue 21: alerts, financial, forecast and sales views', () => {
  before(async () => {
    browser = await launch();
    page = await browser.context.newPage();
    w = watch(page);
  });
  after(async () => { await browser.close(); });

  it('ceo_top_alerts_and_feed_are_critical_first_with_one_subject', async () => {
    await as('ceo@northstar.example');
    // The API's order, checked against SQL over the raw table: severity, then newest.
    const all = await api('/api/alerts?status=active&limit=500');
    const sqlIds = sql(`SELECT string_agg(id::text, ',' ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, opened_at DESC, id DESC)
                          FROM alerts WHERE status <> 'resolved'`);
    if (sqlIds !== null) assert.equal(all.alerts.map((a) => a.id).join(','), sqlIds, 'the API lists active alerts most severe first, then newest (SQL)');
    assertSeverityOrder(all.alerts.map((a) => a.severity), 'GET /api/alerts');
    const crit = all.alerts.filter((a) => a.severity === 'critical');
    assert.ok(all.alerts.length > 0, 'the demo has active alerts');

    await open('');
    const top = await api('/api/alerts?status=active&limit=5');
    const rows = page.locator('main [data-panel="exec-alerts"] tbody tr');
    const n = await rows.count();
    assert.equal(n, Math.min(5, top.alerts.length), 'Top alerts shows the API\'s first five');
    for (let i = 0; i < n; i++) {
      const cells = await rows.nth(i).locator('td').allInnerTexts();
      assert.equal(cells[0].trim(), top.alerts[i].severity, `Top alerts row ${i + 1}: severity`);
      assert.equal(cells[1].trim(), top.alerts[i].title, `Top alerts row ${i + 1}: the title, its subject once`);
    }
    if (crit.length) {
      const firstSev = await rows.nth(0).locator('td').nth(0).innerText();
      assert.equal(firstSev.trim(), 'critical', 'a critical alert heads Top alerts');
      const shown = await page.locator('main [data-panel="exec-alerts"] tbody').innerText();
      for (const a of crit.slice(0, 5)) assert.ok(shown.includes(a.title), `Top alerts shows the critical "${a.title}"`);
    }

    await open('alerts');
    const items = page.locator('main [data-panel="alerts-feed"] li[data-alert]');
    const ids = await items.evaluateAll((els) => els.map((e) => Number(e.dataset.alert)));
    const feed = await api('/api/alerts?status=active&limit=100');
    assert.deepEqual(ids, feed.alerts.map((a) => a.id), 'the alert feed is in the API\'s order');
    const sevs = await page.locator('main [data-panel="alerts-feed"] li[data-alert] .badge').allInnerTexts();
    assertSeverityOrder(sevs.map((s) => s.trim().toLowerCase()), 'alert feed');
    for (const a of feed.alerts) {
      const title = await page.locator(`main li[data-alert="${a.id}"] .feed-title strong`).innerText();
      assert.equal(title, a.title);
      const whole = await page.locator(`main li[data-alert="${a.id}"] .feed-title`).innerText();
      if (a.subject_label) {
        assert.equal(whole.split(a.subject_label).length - 1, 1, `"${whole}" names its subject once`);
      }
      assert.ok(!/\b[a-z]+_[a-z_]+\b/.test(whole), `"${whole}" has no raw metric name`);
    }
    const mrr = feed.alerts.find((a) => a.metric === 'mrr_drop_pct');
    if (mrr) {
      const small = await page.locator(`main li[data-alert="${mrr.id}"] .feed-title small`).innerText();
      assert.match(small, new RegExp(`MRR drops more than ${mrr.threshold} % month over month`));
    }
    // Arriving alerts are announced: a polite live region stays on the page.
    assert.equal(await page.locator('#alerts-announce[aria-live="polite"]').count(), 1);
    // Rule conditions read as sentences, not "mrr_drop_pct >".
    await page.locator('main [data-panel="alerts-rules"]').scrollIntoViewIfNeeded();
    await settleView(page);
    const rules = (await api('/api/alerts/rules')).rules;
    const conds = await page.locator('main [data-panel="alerts-rules"] td.rule-condition').allInnerTexts();
    assert.equal(conds.length, rules.length);
    for (const c of conds) {
      assert.ok(!/[<>]|_/.test(c), `condition "${c}" is a sentence`);
      assert.match(c, /^[A-Z]/);
    }
    const r0 = rules.find((r) => r.metric === 'mrr_drop_pct');
    if (r0) assert.equal(conds[rules.indexOf(r0)], `MRR drops more than ${r0.threshold} % month over month`);
    await shot(page, 'v-finance-alerts-ceo');
    assertClean('ceo alerts');
  });

  it('ceo_financial_has_one_break_even_and_no_cogs_in_opex', async () => {
    await open('financial');
    const fin = await api('/api/revenue/financial?months=12');
    const be = fin.break_even;
    const card = await text('main [data-kpi="break-even"] .kpi-value');
    const want = be.month ? be.month : { reached: 'reached', not_converging: 'not in sight', insufficient_data: 'not enough data' }[be.status];
    assert.equal(card, want, 'the Break-even card is the API\'s break_even');
    // No other break-even claim on the page: the what-if's outcome is named as its own.
    const pageText = await page.locator('main').innerText();
    const mentions = pageText.match(/break-even/gi) || [];
    const cardText = await text('main [data-kpi="break-even"]');
    assert.equal(mentions.length, (cardText.match(/break-even/gi) || []).length, 'only the Break-even card speaks of break-even');
    // The break-even answer is what docs/metrics.md defines: the trend of the last 6 full months' net burn (SQL).
    const slope = sql(`WITH mo AS (SELECT g::date AS mo FROM generate_series(date_trunc('month', current_date) - interval '6 months',
                                                             date_trunc('month', current_date) - interval '1 month', interval '1 month') g),
                         b AS (SELECT mo.mo, (SELECT sum(e.amount_cents) FROM expenses e WHERE e.month = mo.mo)
                                      - coalesce((SELECT sum(m.net_revenue_cents + m.payments_cents) FROM metrics_daily m
                                                   WHERE date_trunc('month', m.day) = mo.mo), 0) AS burn FROM mo)
                       SELECT round((regr_slope(burn, x) / 100.0)::numeric, 2) FROM (SELECT burn, row_number() OVER (ORDER BY mo) - 1 AS x FROM b WHERE burn IS NOT NULL) y`);
    if (slope !== null && slope !== '') {
      assert.ok(Math.abs(Number(slope) - be.burn_trend_per_month) < 0.02, `burn trend ${be.burn_trend_per_month} = SQL ${slope}`);
      assert.equal(be.status === 'not_converging', Number(slope) >= 0, 'not converging exactly when the net burn trend does not fall');
    }
    // The what-if states its own outcome as such (the API's), and does not call it break-even.
    const scen = (await api('/api/forecast/runway?burn_change_pct=0')).scenario;
    assert.ok(scen.path.length > 0);
    const outcome = await text('main [data-panel="fin-scenario"] [data-figure="scenario-outcome"]');
    assert.match(outcome, /^In this what-if /);
    assert.ok(!/break-even/i.test(outcome), `"${outcome}" is not a second break-even answer`);
    if (scen.break_even_month) assert.ok(outcome.includes(`income first covers costs in ${scen.break_even_month.slice(0, 7)}`), outcome);
    else assert.ok(outcome.includes('income does not cover costs'), outcome);
    // Operating expenses: the API's opex categories, without COGS, labelled in words.
    const opexCats = [...new Set(fin.months.flatMap((m) => Object.keys(m.opex_by_category)))];
    assert.ok(!opexCats.includes('cogs'), 'the API keeps COGS out of opex_by_category');
    for (const m of fin.months) {
      const sum = Object.values(m.opex_by_category).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum + m.cogs_expenses - m.expenses) < 0.05, `${m.month}: opex + COGS = expenses`);
    }
    const sqlOpex = sql(`SELECT round(sum(amount_cents) / 100.0, 2) FROM expenses WHERE category <> 'cogs' AND month = date_trunc('month', current_date - interval '1 month')`);
    const prev = fin.months[fin.months.length - 2];
    if (sqlOpex !== null) assert.equal(prev.opex, Number(sqlOpex), 'opex of last month = raw expenses without cogs (SQL)');
    const ch = (await page.evaluate(() => window.northstar.charts())).find((c) => c.panel === 'fin-opex');
    assert.ok(ch, 'the opex chart is drawn');
    const names = ch.series.map((s) => s.name);
    assert.equal(names.length, opexCats.length, 'one series per opex category');
    assert.ok(!names.some((n) => /cogs|cost of goods/i.test(n)), `opex series ${names} have no COGS`);
    const margin = (await page.evaluate(() => window.northstar.charts())).find((c) => c.panel === 'fin-margin');
    assert.ok(margin.series.some((s) => s.name === 'Cost of goods sold (COGS)'), 'COGS is in the gross margin chart, named so');
    await shot(page, 'v-finance-financial-ceo');
    assertClean('ceo financial');
  });

  it('ceo_financial_runway_and_margin_cards_read_the_ceo_targets', async () => {
    const put = async (body) => {
      const r = await page.request.fetch(`${BASE}/api/revenue/targets`, { method: 'PUT', data: JSON.stringify(body), headers: { Origin: BASE, 'Content-Type': 'application/json' } });
      assert.equal(r.status(), 200, `PUT targets ${JSON.stringify(body)}: ${await r.text()}`);
    };
    const before = (await api('/api/revenue/targets')).targets;
    const was = (m) => before.find((x) => x.metric === m).value;
    try {
      await put({ metric: 'runway_months', value: 600 });
      await put({ metric: 'gross_margin_pct', value: -100 });
      await open('financial');
      const fin = await api('/api/revenue/financial?months=12');
      const full = fin.months.filter((m) => !m.partial);
      const margin = full[full.length - 1].gross_margin_pct;
      // Independently: a 600-month runway target is not met by any finite runway; a margin of at least -100 % always is.
      const runwayMet = fin.runway_months === null ? null : fin.runway_months >= 600;
      const runway = await text('main [data-kpi="runway"] .kpi-change');
      assert.match(runway, /target ≥ 600 months/, `the runway card names the CEO's target: ${runway}`);
      if (runwayMet !== null) assert.match(runway, runwayMet ? /· met/ : /· not met/, runway);
      const marginText = await text('main [data-kpi="margin"] .kpi-change');
      assert.match(marginText, /target ≥ -100\.0%/, `the margin card names the CEO's target: ${marginText}`);
      if (Number.isFinite(margin)) assert.match(marginText, /· met/, marginText);
    } finally {
      await put({ metric: 'runway_months', value: was('runway_months') });
      await put({ metric: 'gross_margin_pct', value: was('gross_margin_pct') });
    }
    await open('financial');
    for (const [k, m] of [['runway', 'runway_months'], ['margin', 'gross_margin_pct']]) {
      if (was(m) === null) assert.match(await text(`main [data-kpi="${k}"] .kpi-change`), /no target set/, `${k}: no target set again`);
    }
    assertClean('ceo financial targets');
  });

  it('ceo_forecast_figures_are_labelled_and_the_apis', async () => {
    await open('forecast');
    for (const [id, p] of [['fc-mrr', '/api/forecast/mrr?months=6'], ['fc-revenue', '/api/forecast/revenue?days=30']]) {
      const d = await api(p);
      const b = d.backtest;
      // The summary figures the API sends, recomputed here from its per-horizon rows.
      const by = b.by_horizon.map((r) => r.mape_pct).sort((x, y) => x - y);
      const n = by.length;
      const med = n % 2 ? by[(n - 1) / 2] : (by[n / 2 - 1] + by[n / 2]) / 2;
      assert.ok(Math.abs(med - b.median_mape_pct) < 0.01, `${id}: median_mape_pct ${b.median_mape_pct} = median of by_horizon ${med}`);
      const mean = b.by_horizon.reduce((a, r) => a + r.mape_pct, 0) / n;
      assert.ok(Math.abs(mean - b.mape_pct) < 0.01, `${id}: mape_pct is the mean over horizons`);
      const wins = b.by_horizon.filter((r) => r.mape_pct < r.naive_mape_pct).length;
      assert.equal(b.horizons_beating_naive, wins);
      const fig = (k) => text(`main [data-panel="${id}"] [data-figure="${k}"]`);
      assert.match(await fig('median'), new RegExp(`^Median MAPE across horizons: ${b.median_mape_pct.toFixed(1)}% \\(naive last value: ${b.naive_median_mape_pct.toFixed(1)}%\\) — better than naive at ${wins} of ${n} horizons\\.$`));
      assert.match(await fig('mean'), new RegExp(`^Mean MAPE across horizons: ${b.mape_pct.toFixed(1)}% \\(naive: ${b.naive_mape_pct.toFixed(1)}%\\)`));
      assert.match(await fig('backtest'), new RegExp(`${b.origins} past forecasts`));
      const head = await page.locator(`main [data-panel="${id}"] thead`).innerText();
      assert.match(head, new RegExp(`MAPE \\(mean of ${b.origins} origins\\)`));
      const cells = await page.locator(`main [data-panel="${id}"] tbody tr td:nth-child(2)`).allInnerTexts();
      assert.deepEqual(cells, b.by_horizon.map((r) => `${r.mape_pct.toFixed(1)}%`), `${id}: the table is every horizon's MAPE`);
    }
    await checkChurn('ceo');
    await shot(page, 'v-finance-forecast-ceo');
    assertClean('ceo forecast');
  });

  it('ceo_sales_funnel_labels_plurals_and_overdue', async () => { await checkSales('ceo'); });

  it('ceo_custom_range_and_compare_apply_to_sales_and_financial', async () => {
    const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
    const to = iso(Date.now() - 60 * 864e5), from = iso(Date.now() - 89 * 864e5);
    const q = `?range=custom&from=${from}&to=${to}&compare=1`;
    // The period before: as many days, ending the day before from (store.js previousParams).
    const prevTo = iso(Date.parse(to) - 30 * 864e5);
    w.reset();
    await page.goto(`${BASE}/sales${q}`);
    await settleView(page);
    const d = await api(`/api/revenue/pipeline?as_of=${to}`);
    const prev = await api(`/api/revenue/pipeline?as_of=${prevTo}`);
    assert.equal(d.as_of, to);
    const pipe = await text('main [data-kpi="pipeline"] .kpi-value');
    assert.equal(parseMoney(pipe).v > 0, d.open_pipeline > 0);
    const pm = parseMoney(pipe);
    assert.ok(Math.abs(pm.v - d.open_pipeline) <= pm.step / 2 + 1e-9, `open pipeline ${pipe} is the as_of=${to} answer ${d.open_pipeline}`);
    // Compared with the previous period's end: a percent change, or the previous figure when it was 0.
    const pc = await text('main [data-kpi="pipeline"] .kpi-change');
    assert.ok(prev.open_pipeline > 0 ? pc.includes(`vs ${prev.as_of}`) : pc.includes(`$0 on ${prev.as_of}`), `"${pc}" compares with ${prev.as_of} (${prev.open_pipeline})`);
    const rows = await page.locator('main [data-panel="sales-deals"] tbody tr').count();
    assert.equal(rows, d.deals.length, 'the deal list is the as_of answer');
    await page.goto(`${BASE}/financial${q}`);
    await settleView(page);
    const fin = await api(`/api/revenue/financial?months=12&as_of=${to}`);
    const cash = parseMoney(await text('main [data-kpi="cash"] .kpi-value'));
    assert.ok(Math.abs(cash.v - fin.cash) <= cash.step / 2 + 1e-9, `cash is the as_of=${to} answer`);
    assert.match(await text('main [data-kpi="cash"] .kpi-change'), /vs \d{4}-\d{2}-\d{2}/);
    assertClean('ceo custom range');
  });

  it('sales_sees_own_overdue_deals_flagged', async () => {
    await as('sales1@northstar.example');
    await checkSales('sales');
  });

  it('cs_churn_probabilities_are_never_a_certainty', async () => {
    await as('cs1@northstar.example');
    await open('forecast');
    await checkChurn('cs');
    await open('alerts');
    const sevs = await page.locator('main [data-panel="alerts-feed"] li[data-alert] .badge').allInnerTexts();
    assertSeverityOrder(sevs.map((s) => s.trim().toLowerCase()), 'cs alert feed');
    assertClean('cs');
  });
});

/** The churn table: no "100.0%", "> 99%" exactly where the API's probability is above 0.99, a calibration note. */
async function checkChurn(role) {
  const d = await api('/api/forecast/churn-risk?limit=20');
  assert.ok(d.customers.length > 0, `${role}: customers scored`);
  assert.ok(d.customers.every((c) => c.churn_probability < 1 && c.churn_probability > 0), `${role}: the API gives no probability of 0 or 1`);
  const cells = await page.locator('main [data-panel="fc-churn"] tbody tr td:nth-child(2)').allInnerTexts();
  assert.equal(cells.length, d.customers.length);
  cells.forEach((c, i) => {
    const p = d.customers[i].churn_probability;
    assert.equal(c, p > 0.99 ? '> 99%' : `${(100 * p).toFixed(1)}%`, `${role}: churn probability row ${i + 1}`);
    assert.notEqual(c, '100.0%');
  });
  const note = await text('main [data-panel="fc-churn"] [data-figure="calibration"]');
  assert.match(note, /calibrated/);
  assert.match(note, new RegExp(`AUC ${d.backtest.auc.toFixed(2).replace(/0$/, '').replace(/\.$/, '')}`));
}

async function checkSales(role) {
  await open('sales');
  const d = await api('/api/revenue/pipeline');
  // Funnel labels: stage, deals with their plural, amount as money matching the API's.
  const labels = JSON.parse(await page.locator('main [data-panel="sales-funnel"] [data-kind="funnel"]').getAttribute('data-labels'));
  const stages = d.stages.filter((s) => s.amount > 0 || s.deals > 0);
  assert.equal(labels.length, stages.length);
  labels.forEach((l, i) => {
    const m = /^(.+) \((\d+) (deals?)\): (.+)$/.exec(l);
    assert.ok(m, `funnel label "${l}"`);
    assert.equal(Number(m[2]), stages[i].deals);
    assert.equal(m[3], stages[i].deals === 1 ? 'deal' : 'deals', `"${l}": plural`);
    const mo = parseMoney(m[4]);
    assert.ok(Math.abs(mo.v - stages[i].amount) <= mo.step / 2 + 1e-9, `"${l}": ${m[4]} is ${stages[i].amount}`);
    assert.ok(!/\d{4,}\.\d/.test(l), `"${l}" has no raw number`);
  });
  const won = await text('main [data-kpi="won"] .kpi-change');
  assert.match(won, new RegExp(`^${d.deals_won_mtd} ${d.deals_won_mtd === 1 ? 'deal' : 'deals'} won`));
  // Overdue: the rows flagged are those SQL says are open past their expected close day.
  await page.locator('main [data-panel="sales-deals"]').scrollIntoViewIfNeeded();
  await settleView(page);
  const scope = role === 'sales' ? "AND owner_id = (SELECT id FROM app_users WHERE email = 'sales1@northstar.example')" : '';
  const sqlOverdue = sql(`SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM opportunities
                           WHERE closed_at IS NULL AND expected_close_on < current_date ${scope}`);
  const apiOverdue = d.deals.filter((x) => x.overdue).map((x) => x.id).sort((a, b) => a - b).join(',');
  if (sqlOverdue !== null) assert.equal(apiOverdue, sqlOverdue, `${role}: overdue deals = SQL (open, expected close before today)`);
  assert.equal(d.overdue_deals, d.deals.filter((x) => x.overdue).length);
  const rows = await page.locator('main [data-panel="sales-deals"] tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.innerText)));
  assert.equal(rows.length, d.deals.length);
  rows.forEach((r, i) => assert.equal(r[1], d.deals[i].overdue ? 'overdue' : 'on time', `deal ${d.deals[i].id}: status`));
  assert.ok(d.deals.some((x) => x.overdue) || role === 'sales', 'the demo has overdue deals');
  await shot(page, `v-finance-sales-${role}`);
  assertClean(`${role} sales`);
}
