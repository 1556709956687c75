// v-customers.test.js — the Revenue, Customers and Customer views (issue 21)
// in a real browser: every figure drawn is checked against the API's own
// JSON, fetched independently with the same session (page.request), and
// the chart's contents are read back from ECharts (window.northstarDrawn,
// web/src/charts/inspect.js), not from the view's code.  CEO: LTV by plan,
// the segmentation grid, the Orders note, health parts, retention curves
// (logos and revenue), viral, journeys (Sankey), geo, devices, a customer's
// health parts; the date range (preset and custom) reaching range and as-of
// panels.  cs: its own rows, the new panels, a customer of another account
// manager as one clear page.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, watch, signIn, settleView, shot, BASE } from './lib.js';

const drawn = (page, panel, n = 0) => page.evaluate(([p, i]) => window.northstarDrawn(p, i), [panel, n]);
const words = (s) => { const t = String(s).replace(/_/g, ' '); return t.charAt(0).toUpperCase() + t.slice(1); };
const strip = (name) => String(name).replace(/^\d+:/, '');
/** A money / number cell's value ("$2,042" → 2042; "—" → null). */
const cellNum = (t) => (/^\s*—\s*$/.test(t) ? null : Number(String(t).replace(/[^0-9.-]/g, '')));
/** Same value within the rounding of the display (0 decimals from 100 up, else 2). */
function near(shown, api, what) {
  if (api === null || api === undefined) { assert.equal(shown, null, `${what}: expected "—"`); return; }
  const tol = Math.abs(Number(api)) >= 100 ? 0.51 : 0.0051;
  assert.ok(shown !== null && Math.abs(shown - Number(api)) <= tol, `${what}: shown ${shown}, API ${api}`);
}

async function api(page, path) {
  const res = await page.request.get(BASE + path, { headers: { Accept: 'application/json' } });
  assert.equal(res.status(), 200, `${path}: HTTP ${res.status()}`);
  return res.json();
}

/** The rows of a panel's table as {header: cell text}. */
function tableRows(page, panel) {
  return page.$$eval(`[data-panel="${panel}"] table`, (tables) => {
    const t = tables[0];
    if (!t) return [];
    const heads = [...t.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    return [...t.querySelectorAll('tbody tr')].map((tr) => Object.fromEntries([...tr.children].map((td, i) => [heads[i], td.textContent.trim()])));
  });
}

/** Go to a path and wait until every panel has settled; assert none is in error. */
async function open(page, path) {
  await page.goto(BASE + path);
  await page.waitForSelector('main [data-panel]');
  const panels = await settleView(page);
  for (const p of panels) assert.ok(!['error', 'forbidden', 'stale', 'na'].includes(p.state), `${path}: panel ${p.id} is ${p.state}`);
  return Object.fromEntries(panels.map((p) => [p.id, p.state]));
}

function assertClean(w, where, allowed = []) {
  const ok = (s) => allowed.some((re) => re.test(s));
  assert.deepEqual(w.errors.filter((e) => !ok(e)), [], `${where}: console errors`);
  assert.deepEqual(w.failed.filter((e) => !ok(e)), [], `${where}: failed requests`);
}

/** A custom range of a whole calendar month, six months before today (YYYY-MM-DD). */
function pastMonth(today) {
  const d = new Date(Date.UTC(Number(today.slice(0, 4)), Number(today.slice(5, 7)) - 1 - 6, 1));
  const end = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0));
  return { from: d.toISOString().slice(0, 10), to: end.toISOString().slice(0, 10) };
}

/** The drawn Sankey links equal the API's transitions (count > 0), one for one. */
function assertSankey(d, transitions, what) {
  assert.ok(d && d.series[0] && d.series[0].type === 'sankey', `${what}: a Sankey chart`);
  const got = d.series[0].links.map((l) => `${strip(l.source)}→${strip(l.target)}=${l.value}`).sort();
  const want = transitions.filter((t) => t.count > 0).map((t) => `${t.from}→${t.to}=${t.count}`).sort();
  assert.ok(want.length > 0, `${what}: the API has transitions`);
  assert.deepEqual(got, want, `${what}: links equal /api/users/journeys transitions`);
}

/** Health table: every row's four parts sum to its score and equal the API's row. */
async function assertHealthTable(page, scores, what) {
  const rows = await tableRows(page, 'cs-health');
  assert.equal(rows.length, scores.customers.length, `${what}: one row per customer of the API`);
  assert.ok(rows.length > 0, `${what}: health rows`);
  rows.forEach((r, i) => {
    const c = scores.customers[i];
    assert.equal(r.Customer, c.name, `${what}: row ${i} customer`);
    const parts = { usage: cellNum(r['Usage /30']), adoption: cellNum(r['Adoption /25']), support: cellNum(r['Support /20']), payment: cellNum(r['Payment /25']) };
    for (const k of Object.keys(parts)) assert.equal(parts[k], c[k], `${what}: ${c.name} ${k}`);
    assert.equal(cellNum(r.Score), c.health_score, `${what}: ${c.name} score`);
    assert.equal(parts.usage + parts.adoption + parts.support + parts.payment, cellNum(r.Score), `${what}: ${c.name}: the parts sum to the score`);
  });
}

// One browser for both roles (the CEO signs out, then cs signs in).
let browser, page, w;
const requests = [];
before(async () => {
  browser = await launch();
  page = await browser.context.newPage();
  w = watch(page);
  page.on('request', (r) => { if (r.url().includes('/api/')) requests.push(r.url()); });
});
after(async () => { if (browser) await browser.close(); });

describe('ceo: revenue, customers, customer', () => {
  let today, ceoList;
  before(async () => { await signIn(page, 'ceo@northstar.example'); });
  after(async () => {
    await page.click('#sign-out');
    await page.waitForURL((u) => u.pathname === '/login');
  });

  it('revenue_ltv_by_plan_draws_the_realised_ltv_of_each_group_and_the_formula_ltv', async () => {
    await open(page, '/revenue');
    const a = await api(page, '/api/revenue/ltv?by=plan');
    today = a.as_of;
    const d = await drawn(page, 'rev-ltv');
    assert.ok(a.groups.length > 0, 'the API has groups');
    assert.deepEqual(d.xAxis[0], a.groups.map((g) => words(g.group)), 'x labels are the groups');
    assert.ok(!d.xAxis[0].some((x) => /undefined/.test(x)), 'no "undefined" label');
    assert.deepEqual(d.series[0].data, a.groups.map((g) => g.avg_realised_ltv), 'bars equal groups[].avg_realised_ltv');
    assert.equal(d.series[0].markLine[0].value, a.formula.ltv, 'the line is formula.ltv');
    await shot(page, 'v-customers-revenue');
  });

  it('revenue_segmentation_grid_has_segment_count_arpu_ltv_churn_risk_action_as_the_api', async () => {
    const a = await api(page, '/api/revenue/segments');
    const rows = await tableRows(page, 'rev-segments');
    const heads = Object.keys(rows[0] || {});
    for (const h of ['Segment', 'Customers', 'ARPU', 'LTV', 'Churn risk', 'Action']) assert.ok(heads.includes(h), `grid column ${h}`);
    assert.ok(!heads.includes('Share of MRR'), 'no "Share of MRR" column (the API sends no share)');
    assert.equal(rows.length, a.segments.length);
    rows.forEach((r, i) => {
      const s = a.segments[i];
      assert.equal(r.Segment, s.label);
      assert.equal(cellNum(r.Customers), s.customers, `${s.segment} customers`);
      near(cellNum(r.ARPU), s.arpu, `${s.segment} ARPU`);
      near(cellNum(r.LTV), s.ltv, `${s.segment} LTV`);
      near(cellNum(r.MRR), s.mrr, `${s.segment} MRR`);
      assert.equal(r['Churn risk'].toLowerCase(), s.churn_risk, `${s.segment} churn risk`);
      assert.equal(r.Action, s.suggested_action, `${s.segment} action`);
    });
    assert.ok(rows.some((r) => cellNum(r.LTV) > 0), 'some LTV is shown');
  });

  it('revenue_orders_kpi_is_the_apis_and_says_all_orders_every_source', async () => {
    const a = await api(page, '/api/revenue/trend?granularity=day&days=30');
    const card = page.locator('[data-panel="rev-kpis"] [data-kpi="orders"]');
    assert.equal(cellNum(await card.locator('.kpi-value').textContent()), a.totals.orders);
    assert.match(await card.locator('.kpi-note').textContent(), /all orders, every source/);
  });

  it('revenue_trend_point_drills_into_that_day_and_back', async () => {
    await open(page, '/revenue');
    const a = await api(page, '/api/revenue/trend?granularity=day&days=30');
    const k = a.buckets.length - 3;                 // a whole day, not today's partial one
    const day = String(a.buckets[k].bucket).slice(0, 10);
    await page.locator('[data-panel="rev-trend"]').scrollIntoViewIfNeeded();
    const pt = await page.evaluate((i) => window.northstarDrill.point('rev-trend', 0, i), k);
    assert.ok(pt, 'the trend point has a place on the page');
    await page.mouse.click(pt.x, pt.y);
    await page.waitForURL((u) => u.pathname === '/revenue' && u.searchParams.get('from') === day && u.searchParams.get('to') === day);
    await settleView(page);
    // The day's revenue: the 30-day answer's bucket = the one-day answer's total = the card drawn.
    const one = await api(page, `/api/revenue/trend?granularity=day&from=${day}&to=${day}`);
    near(one.totals.revenue, a.buckets[k].revenue, `${day}: one-day total = the 30-day bucket`);
    near(cellNum(await page.textContent('[data-panel="rev-kpis"] [data-kpi="orders"] .kpi-value')), one.totals.orders, `${day}: orders card`);
    const src = await api(page, `/api/revenue/by-source?from=${day}&to=${day}`);
    const pie = await drawn(page, 'rev-source');
    near(pie.series[0].data.reduce((x, y) => x + y, 0), src.sources.reduce((x, y) => x + Number(y.revenue), 0), `${day}: by source`);
    await page.goBack();
    await page.waitForURL((u) => u.pathname === '/revenue' && !u.searchParams.get('from'));
    // The keyboard way: the chart's table links each day to the same place.
    await settleView(page);
    await page.click('[data-show-table="rev-trend"]');
    const href = await page.getAttribute(`[data-chart-table="rev-trend"] tbody tr:nth-child(${k + 1}) a[data-drill]`, 'href');
    assert.equal(href, `/revenue?range=custom&from=${day}&to=${day}`);
    await page.click('[data-show-table="rev-trend"]');
  });

  it('revenue_date_range_reaches_range_and_as_of_panels', async () => {
    requests.length = 0;
    await page.click('label[for="range-7"]');
    await page.waitForURL((u) => u.searchParams.get('range') === '7');
    await settleView(page);
    assert.ok(requests.some((u) => /\/api\/revenue\/trend\?.*days=7/.test(u)), 'the trend is asked for 7 days');
    const a7 = await api(page, '/api/revenue/trend?granularity=day&days=7');
    const a30 = await api(page, '/api/revenue/trend?granularity=day&days=30');
    assert.notEqual(a7.totals.orders, a30.totals.orders, 'the two ranges differ (else the check proves nothing)');
    await page.waitForFunction((n) => document.querySelector('[data-panel="rev-kpis"] [data-kpi="orders"] .kpi-value')?.textContent.replace(/\D/g, '') === String(n), a7.totals.orders);
    // a custom month: the as-of panels (LTV, segments, MRR) are asked for its last day
    const m = pastMonth(today);
    requests.length = 0;
    await open(page, `/revenue?range=custom&from=${m.from}&to=${m.to}`);
    for (const p of ['ltv', 'segments', 'mrr']) assert.ok(requests.some((u) => u.includes(`/api/revenue/${p}?`) && u.includes(`as_of=${m.to}`)), `${p} asked as of ${m.to}`);
    assert.ok(requests.some((u) => /\/api\/revenue\/trend\?/.test(u) && u.includes(`from=${m.from}`) && u.includes(`to=${m.to}`)), 'trend asked for the month');
    const past = await api(page, `/api/revenue/ltv?by=plan&as_of=${m.to}`);
    const now = await api(page, '/api/revenue/ltv?by=plan');
    assert.notDeepEqual(past.groups.map((g) => g.avg_realised_ltv), now.groups.map((g) => g.avg_realised_ltv), 'LTV differs between the two days');
    assert.deepEqual((await drawn(page, 'rev-ltv')).series[0].data, past.groups.map((g) => g.avg_realised_ltv), 'the LTV drawn is the one as of the month end');
    assertClean(w, 'revenue');
  });

  it('customers_health_table_shows_the_four_parts_that_sum_to_the_score', async () => {
    await open(page, '/customers');
    await assertHealthTable(page, await api(page, '/api/users/health-scores?sort=score&limit=50'), 'ceo');
    ceoList = await api(page, '/api/users/customers?limit=500');
  });

  it('customers_journeys_sankey_links_equal_the_transitions', async () => {
    const a = await api(page, '/api/users/journeys?limit=20&days=30');
    assertSankey(await drawn(page, 'cs-journeys'), a.transitions, 'ceo 30 days');
    const rows = await tableRows(page, 'cs-activation');
    assert.deepEqual(rows.map((r) => cellNum(r.Customers)), a.funnel.map((s) => s.customers), 'signup → first key action → paid');
  });

  it('customers_viral_geo_devices_and_retention_curves_are_the_apis', async () => {
    const v = await api(page, '/api/users/viral?days=30');
    const dv = await drawn(page, 'cs-viral');
    assert.deepEqual(dv.xAxis[0], v.months.map((m) => m.month));
    assert.deepEqual(dv.series.find((s) => s.name === 'Invites sent').data, v.months.map((m) => m.invites_sent));
    assert.deepEqual(dv.series.find((s) => s.name === 'Invites accepted').data, v.months.map((m) => m.invites_accepted));
    assert.deepEqual(dv.series.find((s) => s.name.startsWith('Viral coefficient')).data, v.months.map((m) => m.viral_coefficient));
    assert.ok(v.months.some((m) => m.invites_sent > 0), 'invitations were sent');
    assert.match(dv.series.find((s) => s.name.startsWith('Viral coefficient')).name, new RegExp(`target ${Number(v.target_viral_coefficient)}\\b`), 'the target is the API\'s');
    const vt = await tableRows(page, 'cs-viral-table');
    assert.deepEqual(vt.map((r) => [r.Month, cellNum(r.Sent), cellNum(r.Accepted), cellNum(r['Invites per inviter'])]),
      v.months.slice().reverse().map((m) => [m.month, m.invites_sent, m.invites_accepted, m.invites_per_inviter === null ? null : Number(m.invites_per_inviter.toFixed(2))]));

    const g = await api(page, '/api/users/geo?days=30');
    const dg = await drawn(page, 'cs-geo');
    assert.ok(g.countries.length > 0);
    assert.deepEqual(dg.yAxis[0], g.countries.map((c) => c.country), 'countries ranked as the API');
    assert.deepEqual(dg.series[0].data, g.countries.map((c) => c.share_pct));

    const dev = await api(page, '/api/users/devices?days=30');
    for (const dim of ['device', 'browser', 'os']) {
      const want = dev.breakdown.filter((r) => r.dimension === dim && r.share_pct > 0);
      assert.ok(want.length > 0, `${dim}: the API has rows`);
      const d = await drawn(page, `cs-${dim}`);
      assert.deepEqual(d.series[0].names, want.map((r) => r.value), `${dim} names`);
      assert.deepEqual(d.series[0].data, want.map((r) => r.share_pct), `${dim} shares`);
    }

    for (const metric of ['logos', 'revenue']) {
      if (metric === 'revenue') {
        requests.length = 0;
        await page.selectOption('#cohort-metric', 'revenue');
        await page.waitForFunction(() => document.querySelector('[data-panel="cs-retention-curves"]').dataset.state === 'ready' && document.querySelector('#cohort-metric-curves').value === 'revenue');
        await page.waitForTimeout(300);
        assert.ok(requests.some((u) => /\/api\/users\/cohorts\?.*metric=revenue/.test(u)), 'revenue cohorts asked for');
      }
      const c = await api(page, `/api/users/cohorts?metric=${metric}&months=12`);
      const curves = c.cohorts.filter((x) => x.retention.length > 1);
      assert.ok(curves.length > 1, `${metric}: cohorts with curves`);
      await page.waitForFunction((n) => (window.northstarDrawn('cs-retention-curves')?.series.length === n), curves.length);
      const d = await drawn(page, 'cs-retention-curves');
      assert.deepEqual(d.series.map((s) => s.name), curves.map((x) => x.cohort.slice(0, 7)), `${metric}: one line per cohort`);
      assert.deepEqual(d.series.map((s) => s.data), curves.map((x) => x.retention), `${metric}: the lines are the retention`);
    }
    await shot(page, 'v-customers-customers');
  });

  it('customers_date_range_reaches_range_and_as_of_panels', async () => {
    requests.length = 0;
    await page.click('label[for="range-7"]');
    await page.waitForURL((u) => u.searchParams.get('range') === '7');
    await settleView(page);
    for (const p of ['journeys', 'geo', 'devices', 'viral', 'support']) assert.ok(requests.some((u) => u.includes(`/api/users/${p}?`) && /days=7\b/.test(u)), `${p} asked for 7 days`);
    const g7 = await api(page, '/api/users/geo?days=7');
    const g30 = await api(page, '/api/users/geo?days=30');
    assert.notDeepEqual(g7.countries.map((c) => c.share_pct), g30.countries.map((c) => c.share_pct), 'geo differs between 7 and 30 days');
    assert.deepEqual((await drawn(page, 'cs-geo')).series[0].data, g7.countries.map((c) => c.share_pct), 'geo drawn for 7 days');
    assertSankey(await drawn(page, 'cs-journeys'), (await api(page, '/api/users/journeys?limit=20&days=7')).transitions, 'ceo 7 days');

    const m = pastMonth(today);
    requests.length = 0;
    await open(page, `/customers?range=custom&from=${m.from}&to=${m.to}`);
    for (const p of ['health-scores', 'cohorts', 'segments', 'expansion', 'summary']) assert.ok(requests.some((u) => u.includes(`/api/users/${p}?`) && u.includes(`as_of=${m.to}`)), `${p} asked as of ${m.to}`);
    for (const p of ['journeys', 'geo', 'devices', 'viral']) assert.ok(requests.some((u) => u.includes(`/api/users/${p}?`) && u.includes(`from=${m.from}`) && u.includes(`to=${m.to}`)), `${p} asked for ${m.from}…${m.to}`);
    await assertHealthTable(page, await api(page, `/api/users/health-scores?sort=score&limit=50&as_of=${m.to}`), `ceo as of ${m.to}`);
    assertSankey(await drawn(page, 'cs-journeys'), (await api(page, `/api/users/journeys?limit=20&from=${m.from}&to=${m.to}`)).transitions, `ceo ${m.from}…${m.to}`);
    assertClean(w, 'customers');
  });

  it('compare_draws_the_previous_period_of_ltv_and_geo_from_the_api', async () => {
    requests.length = 0;
    await open(page, '/revenue?compare=1');
    const ltvUrl = requests.map((u) => new URL(u)).find((u) => u.pathname === '/api/revenue/ltv' && u.searchParams.get('as_of'));
    assert.ok(ltvUrl, 'LTV asked as of the end of the previous period');
    const prevDay = ltvUrl.searchParams.get('as_of');
    assert.ok(prevDay < today, `${prevDay} is before ${today}`);
    const cur = await api(page, '/api/revenue/ltv?by=plan');
    const prev = await api(page, `/api/revenue/ltv?by=plan&as_of=${prevDay}`);
    const byGroup = new Map(prev.groups.map((g) => [g.group, g.avg_realised_ltv]));
    const d = await drawn(page, 'rev-ltv');
    assert.equal(d.series[1].name, `Realised LTV as of ${prev.as_of}`);
    assert.deepEqual(d.series[1].data, cur.groups.map((g) => (byGroup.has(g.group) ? byGroup.get(g.group) : null)), 'previous bars equal the API as of that day');

    requests.length = 0;
    await open(page, '/customers?compare=1');
    const geoUrls = requests.map((u) => new URL(u)).filter((u) => u.pathname === '/api/users/geo');
    const prevGeo = geoUrls.find((u) => u.searchParams.get('from'));
    assert.ok(geoUrls.some((u) => u.searchParams.get('days') === '30') && prevGeo, 'geo asked for the period and the one before');
    const g = await api(page, '/api/users/geo?days=30');
    const gp = await api(page, `/api/users/geo?from=${prevGeo.searchParams.get('from')}&to=${prevGeo.searchParams.get('to')}`);
    const share = new Map(gp.countries.map((c) => [c.country, c.share_pct]));
    const dg = await drawn(page, 'cs-geo');
    assert.deepEqual(dg.series[1].data, g.countries.map((c) => (share.has(c.country) ? share.get(c.country) : null)), 'previous shares equal the API for the period before');
    assertClean(w, 'compare');
  });

  it('customer_page_draws_the_health_parts_that_sum_to_the_score', async () => {
    const id = ceoList.customers.find((c) => c.status === 'paying').customer_id;
    await open(page, `/customers/${id}`);
    const a = await api(page, `/api/users/customers/${id}`);
    const d = await drawn(page, 'cust-health-parts');
    const parts = [a.health.usage, a.health.adoption, a.health.support, a.health.payment];
    assert.deepEqual(d.series[0].data, parts, 'usage, adoption, support, payment');
    assert.equal(parts.reduce((s, x) => s + x, 0), a.health.health_score, 'the API parts sum to the score');
    assert.equal(await page.textContent('[data-panel="cust-kpis"] [data-kpi="health"] .kpi-value'), String(a.health.health_score));
    assert.equal(await page.textContent('main h1'), a.profile.name);
    assertClean(w, 'customer');
  });
});

describe('cs: own customers, the new panels, another manager\'s customer', () => {
  let me;
  before(async () => {
    w.reset();
    await signIn(page, 'cs1@northstar.example');
    me = await api(page, '/api/auth/me');
    assert.equal(me.role, 'cs');
  });

  it('cs_customers_view_has_its_own_health_rows_and_the_usage_panels', async () => {
    const states = await open(page, '/customers');
    const scores = await api(page, '/api/users/health-scores?sort=score&limit=50');
    await assertHealthTable(page, scores, 'cs');
    const mine = await api(page, '/api/users/customers?limit=500');
    const own = new Set(mine.customers.map((c) => c.customer_id));
    assert.ok(mine.customers.every((c) => c.cs_owner_id === me.id), 'the API gives cs its own customers');
    assert.ok(scores.customers.every((c) => own.has(c.customer_id)), 'health rows are own customers');
    for (const p of ['cs-viral', 'cs-journeys', 'cs-geo', 'cs-device', 'cs-browser', 'cs-os', 'cs-retention-curves']) assert.equal(states[p], 'ready', `${p} ready for cs`);
    assertSankey(await drawn(page, 'cs-journeys'), (await api(page, '/api/users/journeys?limit=20&days=30')).transitions, 'cs');
    assertClean(w, 'cs customers');
  });

  it('cs_opening_another_managers_customer_sees_one_clear_page', async () => {
    // a customer cs1 does not own: ids it cannot list (the CEO's list is not needed: ids are dense)
    const mine = new Set((await api(page, '/api/users/customers?limit=500')).customers.map((c) => c.customer_id));
    let other = 1;
    while (mine.has(other)) other++;
    const res = await page.request.get(`${BASE}/api/users/customers/${other}`);
    assert.equal(res.status(), 404, 'the API hides it');
    w.reset();
    await page.goto(`${BASE}/customers/${other}`);
    await page.waitForSelector('.customer-not-found');
    await page.waitForTimeout(300);
    assert.equal(await page.locator('main [data-panel]').count(), 0, 'no panels');
    assert.equal(await page.locator('main .state').count(), 1, 'one message');
    assert.match(await page.textContent('main .customer-not-found'), /another account manager/);
    assert.match(await page.textContent('main h1'), /not found/i);
    const back = page.locator('main .customer-not-found a');
    assert.equal(await back.getAttribute('href'), '/customers');
    assert.doesNotMatch(await page.textContent('#updated'), /loading/, 'the toolbar is not left on loading…');
    const url404 = new RegExp(`/api/users/customers/${other}\\b`);
    assert.equal(w.failed.length, 1, `the one 404: ${w.failed}`);
    assertClean(w, 'cs not-owned', [url404]);
    await shot(page, 'v-customers-cs-not-owned');
    await back.click();
    await page.waitForSelector('[data-panel="cs-health"]');
  });

  it('cs_own_customer_page_draws_the_health_parts', async () => {
    w.reset();
    const id = (await api(page, '/api/users/health-scores?limit=1')).customers[0].customer_id;
    await open(page, `/customers/${id}`);
    const a = await api(page, `/api/users/customers/${id}`);
    assert.deepEqual((await drawn(page, 'cust-health-parts')).series[0].data, [a.health.usage, a.health.adoption, a.health.support, a.health.payment]);
    assertClean(w, 'cs own customer');
  });
});
