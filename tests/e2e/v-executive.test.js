// v-executive.test.js — the executive view of issue 21 in a real browser:
// the CEO creates and edits an annotation and a target in the app and sees
// them on the MRR chart and the cards; a custom range (June 2026) moves the
// key metrics and the MRR chart to the API's as_of=2026-06-30 answers; the
// drill-down MRR chart point → month → movement → customer and back with
// the browser's back button; cs and sales get no such controls and a 403
// from the API.  Every figure checked is compared with the API's own JSON,
// fetched here (the browser context's session, outside the page).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, watch, signIn, settleView, shot, BASE } from './lib.js';

const TAG = `e2e-${process.pid}-${Date.now() % 100000}`;

describe('executive view: annotations, targets, date range, drill-down', () => {
  let browser, page, w, api;
  let oldTarget = null;     // the MRR target of this month before the test (restored after)
  const get = async (path) => {
    const res = await api.get(BASE + path, { headers: { 'X-No-Cache': '1' } });
    return { status: res.status(), body: await res.json() };
  };
  const send = async (method, path, data) => {
    const res = await api.fetch(BASE + path, { method, data, headers: { Origin: BASE, 'Content-Type': 'application/json' } });
    return { status: res.status(), body: await res.json().catch(() => null) };
  };
  const drawn = (panel) => page.evaluate((p) => window.northstarDrill.option(p), panel);
  const clean = (where, allow = []) => {
    const failed = w.failed.filter((f) => !allow.some((re) => re.test(f)));
    const errors = w.errors.filter((e) => !(allow.length && /status of 400/.test(e)));
    assert.deepEqual(errors, [], `${where}: no console errors`);
    assert.deepEqual(failed, [], `${where}: no failed requests`);
  };

  before(async () => {
    browser = await launch();
    page = await browser.context.newPage();
    api = browser.context.request;
    w = watch(page);
    await signIn(page, 'ceo@northstar.example');
    const t = await get('/api/revenue/targets');
    oldTarget = t.body.targets.find((x) => x.metric === 'mrr').value;
  });
  after(async () => {
    // the test's own changes go: its notes, and the MRR target as it was
    if (api) {
      const a = await get('/api/revenue/annotations?months=36');
      for (const n of (a.body.annotations || []).filter((x) => x.source === 'note' && x.text.startsWith(TAG))) {
        await send('DELETE', `/api/revenue/annotations/${n.id}`);
      }
      await send('PUT', '/api/revenue/targets', { metric: 'mrr', value: oldTarget });
      await send('PUT', '/api/revenue/targets', { metric: 'arpu_low', value: null });
    }
    await browser.close();
  });

  it('ceo_creates_and_edits_an_annotation_and_sees_it_on_the_mrr_chart', async () => {
    w.reset();
    await page.goto(`${BASE}/executive`);
    await settleView(page);
    const mrr = (await get('/api/revenue/mrr?months=12')).body.months;
    const month = mrr[mrr.length - 3].month;
    const day = `${month}-11`;
    await page.fill('#ann-new-day', day);
    await page.selectOption('#ann-new-kind', 'launch');
    await page.fill('#ann-new-text', `${TAG} launch of v2`);
    await page.click('form[data-annotation="new"] button[type="submit"]');
    const li = page.locator('.annotations li', { hasText: `${TAG} launch of v2` });
    await li.waitFor();
    // stored as typed (the API's list, independently)
    const stored = (await get('/api/revenue/annotations?months=12')).body.annotations.find((a) => a.text === `${TAG} launch of v2`);
    assert.ok(stored, 'the API lists the new note');
    assert.deepEqual([stored.day, stored.kind, stored.source], [day, 'launch', 'note']);
    // drawn on the chart: a mark at its month naming it
    await page.waitForFunction(([t]) => {
      const o = window.northstarDrill.option('exec-mrr');
      return o && (o.series[0].markLine?.data || []).some((m) => String(m.name).includes(t));
    }, [`${TAG} launch of v2`], { timeout: 10000 });
    let marks = (await drawn('exec-mrr')).series[0].markLine.data;
    const mark = marks.find((m) => String(m.name).includes(`${TAG} launch of v2`));
    assert.equal(mark.xAxis, month, 'the mark stands on the note\'s month');
    // every annotation of the API in the chart's months is on a mark (campaign starts too)
    const all = (await get('/api/revenue/annotations?months=12')).body.annotations;
    assert.ok(all.some((a) => a.source === 'campaign'), 'campaign starts are annotations');
    for (const a of all) {
      assert.ok(marks.some((m) => m.xAxis === a.day.slice(0, 7) && String(m.name).includes(a.text)), `annotation ${a.day} ${a.text} is drawn`);
    }
    // edit it in the app
    await li.getByRole('button', { name: /^Edit/ }).click();
    await page.fill(`#ann-${stored.id}-text`, `${TAG} launch of v2.1`);
    await page.click(`form[data-annotation="${stored.id}"] button[type="submit"]`);
    await page.locator('.annotations li', { hasText: `${TAG} launch of v2.1` }).waitFor();
    await page.waitForFunction(([t]) => {
      const o = window.northstarDrill.option('exec-mrr');
      return o && (o.series[0].markLine?.data || []).some((m) => String(m.name).includes(t));
    }, [`${TAG} launch of v2.1`], { timeout: 10000 });
    marks = (await drawn('exec-mrr')).series[0].markLine.data;
    assert.ok(!marks.some((m) => String(m.name).includes(`${TAG} launch of v2\n`) || String(m.name).endsWith(`${TAG} launch of v2`)), 'the old text is gone from the chart');
    assert.equal((await get('/api/revenue/annotations?months=12')).body.annotations.find((a) => a.id === stored.id).text, `${TAG} launch of v2.1`);
    // a bad one: the API's 400 is shown beside the form, naming the field
    await page.fill('#ann-new-day', day);
    await page.fill('#ann-new-text', '   ');
    await page.click('form[data-annotation="new"] button[type="submit"]');
    await page.waitForFunction(() => /text/.test(document.querySelector('#ann-new-error')?.textContent || ''));
    await shot(page, 'v-executive-annotations');
    clean('annotations', [/POST .*\/api\/revenue\/annotations: HTTP 400/]);
  });

  it('ceo_sets_a_target_in_the_app_and_the_cards_follow', async () => {
    w.reset();
    await page.goto(`${BASE}/executive`);
    await settleView(page);
    const want = Math.round((oldTarget || 50000) * 1.5);
    await page.fill('#target-mrr', String(want));
    await page.click('form[data-target="mrr"] button[type="submit"]');
    // the summary the app now reads has the new target (a new data version: no cached answer)
    await page.waitForFunction((v) => (document.querySelector('[data-kpi="rt-target"] .kpi-value')?.textContent || '').replace(/[^0-9]/g, '') === String(v), want, { timeout: 10000 });
    await settleView(page);
    const s = (await get('/api/revenue/summary')).body;
    assert.equal(s.target.target_mrr, want, 'the API has the new target');
    const gauge = await page.getAttribute('[data-kpi="mrr"] .kpi-gauge', 'data-value');
    assert.equal(Number(gauge), s.target.pct_reached, 'the MRR gauge is the API\'s progress to the new target');
    const days = (await page.textContent('[data-kpi="rt-days-to-target"] .kpi-value')).trim();
    assert.equal(days, s.target.days_to_target === null ? '—' : String(s.target.days_to_target), '"Days to target" is the API\'s');
    const row = page.locator('.target[data-metric="mrr"]');
    assert.equal((await row.locator('.target-progress').textContent()).trim(), `${s.target.pct_reached.toFixed(1)}% reached`);
    // the ARPU band's low end: on the ARPU card, toned by the API's "met"
    const low = Math.round(s.arpu * 2);
    await page.fill('#target-arpu_low', String(low));
    await page.click('form[data-target="arpu_low"] button[type="submit"]');
    await page.waitForFunction((v) => (document.querySelector('[data-kpi="arpu"] .kpi-note')?.textContent || '').replace(/[^0-9…–]/g, '').startsWith(`${v}–`), low, { timeout: 10000 });
    const band = (await get('/api/revenue/targets')).body.targets.find((x) => x.metric === 'arpu_low');
    assert.deepEqual([band.value, band.met], [low, false], 'the API has the band, not met');
    assert.match(await page.getAttribute('[data-kpi="arpu"]', 'class'), /tone-border-bad/, 'the ARPU card is marked below its band');
    // a bad value: an inline error naming it, nothing changed
    await page.fill('#target-nps', '150');
    await page.click('form[data-target="nps"] button[type="submit"]');
    await page.waitForFunction(() => /value/.test(document.querySelector('#target-nps-error')?.textContent || ''));
    const t = (await get('/api/revenue/targets')).body.targets.find((x) => x.metric === 'nps');
    assert.equal(t.value, null, 'the bad NPS target was not stored');
    await shot(page, 'v-executive-targets');
    clean('targets', [/PUT .*\/api\/revenue\/targets: HTTP 400/]);
  });

  it('a_custom_range_of_june_2026_moves_the_kpis_and_the_mrr_chart', async () => {
    w.reset();
    await page.goto(`${BASE}/executive?range=custom&from=2026-06-01&to=2026-06-30`);
    await settleView(page);
    const s = (await get('/api/revenue/summary?as_of=2026-06-30')).body;
    const now = (await get('/api/revenue/summary')).body;
    assert.notEqual(s.mrr, now.mrr, 'the June MRR differs from today\'s (else the check proves nothing)');
    const arpu = (await page.textContent('[data-kpi="arpu"] .kpi-value')).trim();
    assert.equal(arpu.replace(/[^0-9.]/g, ''), String(Math.round(s.arpu)), 'ARPU is the API\'s as of 2026-06-30');
    const gauge = await page.getAttribute('[data-kpi="mrr"] .kpi-gauge', 'data-value');
    if (s.target) assert.equal(Number(gauge), s.target.pct_reached, 'the MRR gauge is June\'s progress');
    // the chart: 12 months ending 2026-06, its MRR line the API's ending MRR (no projection)
    const m = (await get('/api/revenue/mrr?months=12&as_of=2026-06-30')).body.months;
    const o = await drawn('exec-mrr');
    assert.deepEqual(o.xAxis[0].data, m.map((x) => x.month), 'the months of as_of=2026-06-30');
    assert.deepEqual(o.series[0].data.map(Number), m.map((x) => x.ending_mrr), 'the MRR line is the API\'s ending_mrr');
    // "Right now" stays today's
    const rt = (await page.textContent('[data-kpi="rt-mrr"] .kpi-value')).replace(/[^0-9]/g, '');
    assert.equal(rt, String(Math.round(now.mrr)), '"Right now" is as of today');
    // the movements table's links carry the range
    const href = await page.getAttribute('[data-panel="exec-months"] tbody tr:first-child td:first-child a', 'href');
    assert.match(href, /^\/revenue\/movements\/2026-06\?.*range=custom/);
    clean('custom range');
  });

  it('drills_down_from_an_mrr_chart_point_to_a_customer_and_back', async () => {
    w.reset();
    await page.goto(`${BASE}/executive`);
    await settleView(page);
    const mrr = (await get('/api/revenue/mrr?months=12')).body.months;
    // a month with new customers, clicked on its MRR point
    const i = mrr.map((x, j) => (x.new_customers > 0 && !x.partial ? j : -1)).filter((j) => j >= 0).pop();
    const month = mrr[i].month;
    await page.locator('[data-panel="exec-mrr"] .chart').scrollIntoViewIfNeeded();
    const pt = await page.evaluate((k) => window.northstarDrill.point('exec-mrr', 0, k), i);
    assert.ok(pt, 'the point is drawn');
    await page.mouse.click(pt.x, pt.y);
    await page.waitForURL((u) => u.pathname === `/revenue/movements/${month}`);
    await settleView(page);
    // the month's totals are /api/revenue/mrr's
    const rows = await page.$$eval('[data-panel="mv-totals"] tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
    assert.equal(rows.length, 5);
    assert.equal(rows[0][0], 'New');
    assert.equal(rows[0][2], String(mrr[i].new_customers), 'new customers as /api/revenue/mrr counts them');
    // → the movement
    await page.click('[data-panel="mv-totals"] a:text-is("New")');
    await page.waitForURL((u) => u.pathname === `/revenue/movements/${month}` && u.searchParams.get('kind') === 'new');
    await settleView(page);
    const names = await page.$$eval('[data-panel="mv-customers"] tbody tr td:first-child a', (as) => as.map((a) => a.getAttribute('href')));
    assert.equal(names.length, mrr[i].new_customers, 'one row per new customer');
    const mv = (await get(`/api/revenue/movements?month=${month}&kind=new`)).body;
    const sum = mv.customers.reduce((a, c) => a + Math.round(c.change * 100), 0);
    assert.equal(sum, Math.round(mrr[i].new * 100), 'the rows add up to the month\'s new MRR');
    assert.deepEqual(names, mv.customers.map((c) => `/customers/${c.customer_id}`), 'the rows are the API\'s, in its order');
    await shot(page, 'v-executive-movements');
    // → the customer
    await page.click('[data-panel="mv-customers"] tbody tr:first-child td:first-child a');
    await page.waitForURL((u) => u.pathname === names[0]);
    await settleView(page);
    // and back, step by step
    await page.goBack();
    await page.waitForURL((u) => u.pathname === `/revenue/movements/${month}` && u.searchParams.get('kind') === 'new');
    await settleView(page);
    await page.goBack();
    await page.waitForURL((u) => u.pathname === `/revenue/movements/${month}` && !u.searchParams.get('kind'));
    await settleView(page);
    await page.goBack();
    await page.waitForURL((u) => u.pathname === '/executive');
    await settleView(page);
    clean('drill-down');
  });

  it('cs_and_sales_get_no_controls_and_a_403', async () => {
    const mrr = (await get('/api/revenue/mrr?months=12')).body.months;
    const month = mrr[mrr.length - 2].month;
    for (const [email, role] of [['cs1@northstar.example', 'cs'], ['sales1@northstar.example', 'sales']]) {
      await browser.context.clearCookies();
      w.reset();
      await signIn(page, email);
      await page.goto(`${BASE}/executive`);
      await page.waitForSelector('.access-denied');
      assert.equal(await page.locator('form.annotation-form, form.target-form').count(), 0, `${role}: no annotation or target form`);
      if (role === 'sales') {
        await page.goto(`${BASE}/revenue/movements/${month}`);
        await settleView(page);
        assert.equal(await page.locator('form.annotation-form, form.target-form').count(), 0, 'sales: no controls on the drill-down');
        const mv = (await get(`/api/revenue/movements?month=${month}`)).body;
        assert.equal(mv.scoped, true);
        const shown = await page.$$eval('[data-panel="mv-customers"] tbody tr td:first-child a', (as) => as.map((a) => a.getAttribute('href')));
        assert.deepEqual(shown, mv.customers.map((c) => `/customers/${c.customer_id}`), 'sales sees the API\'s scoped rows');
      }
      clean(`${role} pages`);
      const post = await send('POST', '/api/revenue/annotations', { day: `${month}-02`, kind: 'other', text: `${TAG} refused` });
      assert.equal(post.status, 403, `${role}: POST annotations is refused`);
      assert.equal(post.body.error.code, 'forbidden');
      assert.equal((await send('PUT', '/api/revenue/targets', { metric: 'mrr', value: 1 })).status, 403, `${role}: PUT targets is refused`);
      assert.equal((await get('/api/revenue/targets')).status, 403, `${role}: GET targets is refused`);
    }
    await browser.context.clearCookies();
    await signIn(page, 'ceo@northstar.example');   // for after(): the CEO restores what the test changed
  });
});
