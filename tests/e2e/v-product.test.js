// v-product.test.js — issue 21's product, operations and marketing panels in a real browser, for
// ceo and cs: each figure drawn is read off the page and compared with the API's own JSON,
// fetched independently in the test (page.request, the session cookie): DAU/WAU/MAU, latency
// p50/p90/p95/p99, the system-health gauge (= the API's score = the product of its factors), the
// abuse evidence rows, the app's own page loads, the operations requests-per-minute card (= the
// chart's last point), cart abandonment and the funnel's two kinds of orders (marketing, ceo only);
// the date range reaches every range-aware panel (request URLs carry days / from,to / as_of and
// the drawn figures change); cs never calls an endpoint its role may not.
//
// It writes to the suite's stack (NS_E2E_STACK, set by run.sh): page_view events from one
// documentation IP (203.0.113.0/24) for three customers today (a shared-IP finding) and three RUM
// beacons of its own view name, all deleted at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { launch, watch, signIn, settleView, charts, shot, BASE } from './lib.js';

const STACK = process.env.NS_E2E_STACK;
const IP = `203.0.113.${200 + (process.pid % 50)}`;
const RUM_VIEW = `e2e-vprod-${process.pid % 100000}`;
let pgPort;

function sql(q) {
  const r = spawnSync('psql', ['-X', '-qtA', '-v', 'ON_ERROR_STOP=1', '-h', path.join(STACK, 'run'), '-p', pgPort,
    '-U', 'postgres', '-d', 'northstar', '-c', q], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.trim();
}
const refresh = () => sql('SELECT rollup_refresh(); SELECT product_rollup_refresh(), product_ops_refresh()');

// The app's number formats (web/src/format.js): en-US grouping, fixed decimals for percentages.
const nf0 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const nf2 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const int = (v) => nf0.format(Number(v));
const ms = (v) => `${nf0.format(Number(v))} ms`;
const pct2 = (v) => `${Number(v).toFixed(2)}%`;
const numOf = (s) => Number(String(s).replace(/[^0-9.-]/g, ''));

/** GET an API path with the page's session; the parsed JSON (fails on a non-200). */
async function api(page, p) {
  const r = await page.request.get(BASE + p, { headers: { 'X-No-Cache': '1' } });
  assert.equal(r.status(), 200, `${p}: HTTP ${r.status()} ${await r.text()}`);
  return r.json();
}
const kpi = (page, id) => page.textContent(`main [data-kpi="${id}"] .kpi-value`);
/** The API requests the page made (pathname + search) while fn ran. */
async function requestsDuring(page, fn) {
  const seen = [];
  const on = (r) => { const u = new URL(r.url()); if (u.pathname.startsWith('/api/')) seen.push(u.pathname + u.search); };
  page.on('request', on);
  try { await fn(); } finally { page.off('request', on); }
  return seen;
}
function assertClean(w, where) {
  assert.deepEqual(w.errors, [], `${where}: expected no console errors`);
  assert.deepEqual(w.failed, [], `${where}: expected no failed requests`);
}
async function open(page, view, query = '') {
  const t0 = Date.now();
  await page.goto(`${BASE}/${view}${query}`);
  await page.waitForSelector('main [data-panel]');   // the view is mounted (after /api/auth/me)
  const panels = await settleView(page);
  if (process.env.V_PRODUCT_TIMES) console.log(`# ${view}${query}: ${Date.now() - t0} ms`);
  return panels;
}
const stateOf = (panels, id) => (panels.find((p) => p.id === id) || {}).state;

before(() => {
  if (!STACK) throw new Error('v-product.test.js plants rows: run it through tests/e2e/run.sh, or set NS_E2E_STACK to the stack directory of NS_URL');
  pgPort = readFileSync(path.join(STACK, 'run/pg.port'), 'utf8').trim();
  // A shared IP today: one customer of cs1 and two of other account managers.
  const cs1 = sql("SELECT id FROM app_users WHERE email = 'cs1@northstar.example'");
  const own = sql(`SELECT min(id) FROM customers WHERE cs_owner_id = ${cs1}`);
  const others = sql(`SELECT string_agg(id::text, ',') FROM (SELECT id FROM customers WHERE cs_owner_id IS DISTINCT FROM ${cs1} ORDER BY id LIMIT 2) x`);
  sql(`INSERT INTO events (occurred_at, customer_id, user_id, type, client_ip)
       SELECT now() - interval '3 minutes', c, c::bigint * 1000 + 1, 'page_view', '${IP}' FROM unnest(ARRAY[${own},${others}]) c`);
  refresh();
});

after(() => {
  if (!STACK || !pgPort) return;
  sql(`DELETE FROM events WHERE client_ip = '${IP}'; DELETE FROM product_rum WHERE view = '${RUM_VIEW}'`);
  refresh();
});

for (const R of [{ email: 'ceo@northstar.example', role: 'ceo' }, { email: 'cs1@northstar.example', role: 'cs' }]) {
  test(`${R.role}: product, operations${R.role === 'ceo' ? ' and marketing' : ''} panels draw the API's figures`, async (t) => {
    const browser = await launch();
    try {
      const page = await browser.context.newPage();
      const w = watch(page);
      const calls = [];
      page.on('request', (r) => { const u = new URL(r.url()); if (u.pathname.startsWith('/api/')) calls.push(u.pathname); });
      await signIn(page, R.email);

      // RUM beacons of this test's own view (the API's ingestion path, with the session).
      if (R.role === 'ceo') {
        for (const load of [120, 480, 900]) {
          const r = await page.request.post(`${BASE}/api/product/rum`, {
            headers: { 'Content-Type': 'application/json', Origin: BASE },
            data: JSON.stringify({ view: RUM_VIEW, load_ms: load, ttfb_ms: 40, fcp_ms: load / 2, errors: load === 900 ? 1 : 0 }) });
          assert.equal(r.status(), 200, await r.text());
        }
      }

      // --- product -------------------------------------------------------------------------------
      // The app's own beacon (web/src/rum.js) of the product view, sent once its panels settle
      // (a Blob body: playwright does not show it, so the stored row is read back).
      const since = sql('SELECT clock_timestamp()');
      let panels = await open(page, 'product');
      for (const id of ['prod-kpis', 'prod-latency-kpis', 'prod-api', 'prod-latency']) assert.equal(stateOf(panels, id), 'ready', `product ${id}`);
      const s = await api(page, '/api/product/summary');
      for (const k of ['dau', 'wau', 'mau']) assert.equal(await kpi(page, k), int(s[k].value), `${k} = the API's`);
      for (const k of ['p50', 'p90', 'p95', 'p99']) {
        assert.ok(Number.isFinite(s[`api_latency_${k}_ms`].value), `the API has ${k}`);
        assert.equal(await kpi(page, `lat-${k}`), ms(s[`api_latency_${k}_ms`].value), `latency ${k} = the API's`);
      }
      const lat = (await charts(page)).find((c) => c.panel === 'prod-latency');
      // (the partial current hour is a series part of its own, charts/core.js: nsPartial)
      assert.deepEqual(lat.series.filter((x) => !x.partial && !x.helper).map((x) => x.name), ['p50 ms', 'p90 ms', 'p95 ms', 'p99 ms']);
      const usage = await api(page, '/api/product/api-usage?granularity=day&days=30');
      assert.ok(usage.series.some((r) => r.endpoint === 'all' && Number.isFinite(r.p90_ms)), 'api-usage has p90 on its total rows');
      // Axis labels are readable ("Nov 3"), not raw buckets (the drawn categories: window.northstar.charts()).
      const axis = async (id) => ((await charts(page)).find((c) => c.panel === id) || {}).labels || [];
      const dayLabels = await axis('prod-api');
      assert.ok(dayLabels.length > 0 && dayLabels.every((l) => /^[A-Z][a-z]{2} \d{1,2}$/.test(l)), `day labels like "Nov 3": ${dayLabels.slice(0, 3)}`);
      assertClean(w, `${R.role} product`);

      let stored = '';
      for (let i = 0; i < 50 && !stored; i++) {
        stored = sql(`SELECT load_ms FROM product_rum r JOIN app_users u ON u.id = r.user_id
                       WHERE r.view = 'product' AND u.email = '${R.email}' AND r.received_at >= '${since}'`);
        if (!stored) await page.waitForTimeout(200);
      }
      assert.ok(Number(stored) > 0 && Number(stored) < 20000, `the app reported the product view's load: ${JSON.stringify(stored)} ms`);

      // --- operations ----------------------------------------------------------------------------
      w.reset();
      // The frontend panel's own answer: the app's beacons (one per view shown) may land between it and
      // the test's fetch below, so the company-wide figures are checked against what the page was sent
      // and this test's own view (no app beacon carries its name) against the independent fetch.
      const feAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/product/frontend');
      const liveAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/product/live');
      panels = await open(page, 'operations');
      const live = await (await liveAnswer).json();
      // (cs runs after the ceo, whose beacons the frontend panel then holds)
      for (const id of ['ops-kpis', 'ops-rpm', 'ops-health', 'ops-uptime', 'ops-abuse', 'ops-frontend']) assert.equal(stateOf(panels, id), 'ready', `operations ${id}`);
      // Requests per minute: the card is the chart's last point, and both are the API's.
      const last = await page.$eval('main [data-panel="ops-rpm"] .chart', (el) => el.dataset.last);
      const card = numOf(await kpi(page, 'rpm'));
      assert.equal(card, Number(last), 'the requests/minute card is the chart’s last point');
      const rpm = live.requests_per_minute;
      assert.equal(rpm.length, 60);
      assert.equal(Number(last), rpm[rpm.length - 1].requests, 'the chart’s last point is the API’s last window');
      assert.equal(rpm[rpm.length - 1].requests, live.requests_last_minute, 'the API’s last window is requests_last_minute');
      const live2 = await api(page, '/api/product/live');
      assert.equal(live2.requests_per_minute.at(-1).requests, live2.requests_last_minute, 'independently fetched: last window = requests_last_minute');

      // System health: the gauge's value is the API's score, the product of its factors.
      const sh = await api(page, '/api/product/system-health?days=30');
      const c = sh.components;
      const score = Number(await page.$eval('main [data-panel="ops-health"] [data-kind="gauge"]', (el) => el.dataset.score));
      assert.equal(score, sh.score, 'gauge = the API’s score');
      const product = 100 * (c.uptime_pct / 100) * (1 - (c.error_rate_pct ?? 0) / 100) * c.speed_factor;
      assert.ok(Math.abs(product - sh.score) <= 0.1, `score ${sh.score} = 100 × uptime × (1 − error rate) × speed factor (${product.toFixed(3)})`);
      const factor = (id) => page.textContent(`main [data-panel="ops-health"] [data-factor="${id}"] .factor-value`);
      assert.equal(await factor('uptime'), pct2(c.uptime_pct));
      assert.equal(await factor('error-rate'), c.error_rate_pct === null ? '— (no calls: counted as 0)' : pct2(c.error_rate_pct));
      assert.equal(await factor('speed'), Number(c.speed_factor).toFixed(4));
      const gaugeChart = (await charts(page)).find((x) => x.panel === 'ops-health');
      assert.ok(gaugeChart && gaugeChart.rendered, 'the gauge is drawn');

      // Abuse: one row per finding, with the API's numbers; cs sees names of own customers only.
      const ab = await api(page, '/api/product/abuse');
      assert.ok(ab.findings.some((f) => f.kind === 'shared_ip' && f.client_ip === IP), 'the planted shared IP is a finding');
      const rows = await page.$$eval('main [data-panel="ops-abuse"] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      assert.equal(rows.length, ab.findings.length, 'one row per finding');
      ab.findings.forEach((f, i) => {
        assert.equal(rows[i][1], f.customer ?? 'a customer of another account manager', `finding ${i}: customer`);
        assert.equal(rows[i][2], f.client_ip ?? '—', `finding ${i}: IP`);
        assert.equal(numOf(rows[i][5]), f.observed, `finding ${i}: observed`);
        assert.equal(numOf(rows[i][6]), Number(f.baseline), `finding ${i}: baseline`);
      });
      const mine = ab.findings.filter((f) => f.client_ip === IP);
      assert.equal(mine.length, 3);
      if (R.role === 'cs') assert.equal(mine.filter((f) => f.customer === null).length, 2, 'cs: the two other customers are not named');
      else assert.ok(mine.every((f) => f.customer), 'ceo: every customer named');

      // The app's own page loads.
      await page.locator('main [data-panel="ops-frontend"]').scrollIntoViewIfNeeded();
      await page.waitForSelector('main [data-panel="ops-frontend"][data-state="ready"]');
      const seenFe = await (await feAnswer).json();
      const fe = await api(page, '/api/product/frontend?days=30');
      assert.ok(fe.loads >= 3 && fe.loads >= seenFe.loads, `the beacons are counted: ${fe.loads} (page's answer ${seenFe.loads})`);
      assert.equal(await kpi(page, 'fe-loads'), int(seenFe.loads));
      assert.equal(await kpi(page, 'fe-p50'), ms(seenFe.p50_load_ms));
      assert.equal(await kpi(page, 'fe-p95'), ms(seenFe.p95_load_ms));
      assert.equal(await kpi(page, 'fe-errors'), pct2(seenFe.client_error_rate_pct));
      assert.deepEqual(seenFe.views.find((x) => x.view === RUM_VIEW), fe.views.find((x) => x.view === RUM_VIEW), 'this test’s view: the page’s answer = an independent one');
      const v = fe.views.find((x) => x.view === RUM_VIEW);
      const vrow = await page.$$eval('main [data-panel="ops-frontend"] tbody tr', (trs, name) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)).find((r) => r[0] === name), RUM_VIEW);
      assert.deepEqual(vrow.slice(0, 4), [RUM_VIEW, int(v.loads), int(v.p50_load_ms), int(v.p95_load_ms)]);
      await shot(page, `v-product-${R.role}-operations`);
      assertClean(w, `${R.role} operations`);

      // --- the date range reaches the range-aware panels -----------------------------------------
      w.reset();
      const custom = '?range=custom&from=2026-06-01&to=2026-06-30';
      let seen = await requestsDuring(page, async () => { panels = await open(page, 'product', custom); });
      for (const p of ['/api/product/api-usage?granularity=day&from=2026-06-01&to=2026-06-30', '/api/product/summary?as_of=2026-06-30',
        '/api/product/features?as_of=2026-06-30', '/api/product/retention?weeks=12&as_of=2026-06-30', '/api/product/usage-by-plan?from=2026-06-01&to=2026-06-30']) {
        assert.ok(seen.includes(p), `product with June 2026 asks ${p}; asked ${JSON.stringify(seen)}`);
      }
      const june = await api(page, '/api/product/summary?as_of=2026-06-30');
      assert.equal(await kpi(page, 'wau'), int(june.wau.value), 'WAU of 2026-06-30');
      assert.notEqual(june.wau.value, s.wau.value, 'June’s WAU differs from today’s (the range changed the figure)');
      const apiChart = (await charts(page)).find((x) => x.panel === 'prod-api');
      assert.equal(apiChart.series[0].points, 30, 'the calls chart has June’s 30 days');
      seen = await requestsDuring(page, async () => { panels = await open(page, 'operations', custom); });
      for (const p of ['/api/product/system-health?from=2026-06-01&to=2026-06-30', '/api/product/abuse?as_of=2026-06-30', '/api/product/frontend?from=2026-06-01&to=2026-06-30']) {
        assert.ok(seen.includes(p), `operations with June 2026 asks ${p}; asked ${JSON.stringify(seen)}`);
      }
      const shJune = await api(page, '/api/product/system-health?from=2026-06-01&to=2026-06-30');
      assert.equal(Number(await page.$eval('main [data-panel="ops-health"] [data-kind="gauge"]', (el) => el.dataset.score)), shJune.score, 'June’s score');
      const up = (await charts(page)).find((x) => x.panel === 'ops-uptime');
      assert.equal(up.series[0].points, 30, 'uptime by day: June’s 30 days');
      // The live panels (asOfNow: "now" by nature) still draw with a custom range.
      for (const id of ['ops-kpis', 'ops-rpm', 'ops-latest']) assert.equal(stateOf(panels, id), 'ready');
      assertClean(w, `${R.role} date range`);

      // --- marketing (ceo only) ------------------------------------------------------------------
      if (R.role === 'ceo') {
        // 7 days: hourly buckets labelled "Dec 1 13:00"; compare adds the previous period's calls.
        seen = await requestsDuring(page, async () => { await open(page, 'product', '?range=7&compare=1'); });
        assert.ok(seen.includes('/api/product/api-usage?granularity=hour&days=7'), `7 days by hour: ${JSON.stringify(seen)}`);
        assert.ok(seen.some((p) => /^\/api\/product\/api-usage\?granularity=hour&from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d$/.test(p)), 'the previous period asked by from/to');
        const hourLabels = await axis('prod-api');
        assert.ok(hourLabels.length > 0 && hourLabels.every((l) => /^([A-Z][a-z]{2} \d{1,2} )?\d\d:00$/.test(l)), `hour labels like "Dec 1 13:00": ${hourLabels.slice(0, 3)}`);
        const cmp = (await charts(page)).find((x) => x.panel === 'prod-api');
        assert.ok(cmp.series.some((x) => x.name === 'Calls, previous period' && x.points > 0), 'compare draws the previous period');
        w.reset();
        panels = await open(page, 'marketing');
        assert.equal(stateOf(panels, 'mkt-funnel'), 'ready');
        const fun = await api(page, '/api/marketing/funnel?days=30');
        assert.equal(await kpi(page, 'cart-abandonment'), pct2(fun.current.cart_abandonment_rate_pct), 'cart abandonment = the API’s');
        const rev = await api(page, '/api/revenue/trend?granularity=month&days=30');
        const note = page.locator('#mkt-funnel-orders-note');
        assert.equal(Number(await note.locator('[data-funnel-orders]').getAttribute('data-funnel-orders')), fun.current.orders);
        assert.equal(Number(await note.locator('[data-revenue-orders]').getAttribute('data-revenue-orders')), rev.totals.orders);
        const text = await note.textContent();
        assert.match(text, new RegExp(`${int(fun.current.orders)} order events of tracked web sessions`));
        assert.match(text, new RegExp(`${int(rev.totals.orders)} orders for the same days are every order from every source`));
        seen = await requestsDuring(page, async () => { await open(page, 'marketing', '?range=7'); });
        assert.ok(seen.includes('/api/marketing/funnel?days=7') && seen.includes('/api/marketing/summary?days=7'), `marketing 7 days: ${JSON.stringify(seen)}`);
        const fun7 = await api(page, '/api/marketing/funnel?days=7');
        assert.equal(await kpi(page, 'cart-abandonment'), pct2(fun7.current.cart_abandonment_rate_pct), '7-day cart abandonment');
        await shot(page, 'v-product-ceo-marketing');
        assertClean(w, 'ceo marketing');
      } else {
        const forbidden = calls.filter((p) => p.startsWith('/api/marketing/') || p === '/api/revenue/trend');
        assert.deepEqual(forbidden, [], 'cs calls no marketing or revenue-trend endpoint');
      }
      t.diagnostic(`${R.role}: ${calls.length} API calls`);
    } finally {
      await browser.close();
    }
  });
}
