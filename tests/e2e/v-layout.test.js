// v-layout.test.js — the app's frame in a real browser (issue 21): every
// view for the CEO at phone (390 px) and desktop (1440 px) width, saved as
// screenshots, with no sideways scrolling of the page on a phone; no layout
// shift when the executive view's data arrives (CLS ≤ 0.1); the chart
// palettes' contrast against the CSS surfaces; keyboard-only use (the nav,
// the date range and every chart's "Show as table", whose rows are the
// chart's data); the error instead of an empty chart; the dark-mode
// button's label; the "as of now" note and the "to date" marking.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, watch, signIn, settleView, charts, BASE, ALL_VIEWS, ARTIFACTS } from './lib.js';
import { PALETTE, PALETTE_DARK, STATUS, STATUS_DARK, optionProblem } from '../../web/src/charts/core.js';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');
const CLS_MAX = 0.1;

/** WCAG 2 contrast ratio of two #rrggbb colours. */
function contrast(a, b) {
  const lum = (hex) => {
    const n = hex.replace('#', '');
    const full = n.length === 3 ? [...n].map((c) => c + c).join('') : n;
    const [r, g, bl] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16) / 255)
      .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** A CSS custom property of a rule block of styles.css (":root {" or ':root[data-theme="dark"] {'). */
function cssVar(css, block, name) {
  const at = css.indexOf(block);
  assert.ok(at >= 0, `styles.css has a ${block} block`);
  const body = css.slice(at, css.indexOf('}', at));
  const m = body.match(new RegExp(`${name}:\\s*(#[0-9a-fA-F]{3,6})`));
  assert.ok(m, `styles.css ${block} sets ${name}`);
  return m[1];
}

test('chart_palettes_have_3_to_1_contrast_on_both_themes', () => {
  const css = readFileSync(path.join(WEB, 'src/styles.css'), 'utf8');
  const light = cssVar(css, ':root {', '--surface');
  const dark = cssVar(css, ':root[data-theme="dark"] {', '--surface');
  const fails = [];
  for (const [name, colours, surface] of [['light', [...PALETTE, ...Object.values(STATUS)], light], ['dark', [...PALETTE_DARK, ...Object.values(STATUS_DARK)], dark]]) {
    for (const c of colours) { const r = contrast(c, surface); if (r < 3) fails.push(`${name} ${c} on ${surface}: ${r.toFixed(2)}`); }
  }
  assert.deepEqual(fails, [], 'every chart colour has at least 3:1 contrast against its theme surface');
  // The check itself: ECharts' yellow on white is well under 3:1.
  assert.ok(contrast('#F0E442', '#ffffff') < 3 && contrast('#0072B2', '#ffffff') > 3);
});

test('option_problem_names_what_is_missing', () => {
  assert.equal(optionProblem({ xAxis: { type: 'category', data: ['2026-01', '2026-02'] }, series: [{ type: 'line', name: 'MRR', data: [1, 2] }] }), null);
  assert.match(optionProblem({ xAxis: { type: 'category', data: ['undefined', 'undefined'] }, series: [{ type: 'bar', name: 'LTV', data: [3, 4] }] }), /category labels/);
  assert.match(optionProblem({ xAxis: { type: 'category', data: ['a', 'b'] }, series: [{ type: 'bar', name: 'LTV', data: [null, NaN] }] }), /LTV values/);
  assert.match(optionProblem({ series: [{ type: 'pie', name: 'Share', data: [{ name: 'undefined', value: null }] }] }), /values/);
});

let browser, page, w;
before(async () => {
  browser = await launch();
  page = await browser.context.newPage();
  w = watch(page);
  // Layout shifts from the first paint on (the sum Lighthouse reports as CLS, without those right after input).
  await page.addInitScript(() => {
    window.__cls = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await page.setViewportSize({ width: 390, height: 844 });
  // Signed in at phone width (the nav is a menu there: wait for it attached, not visible).
  await page.goto(BASE + '/login');
  await page.getByLabel('Email').fill('ceo@northstar.example');
  await page.getByLabel('Password').fill('northstar-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('nav#nav', { state: 'attached' });
});
after(async () => { await browser.close(); });

function assertClean(where) {
  assert.deepEqual(w.errors, [], `${where}: expected no console errors`);
  assert.deepEqual(w.failed, [], `${where}: expected no failed requests`);
}

test('executive_view_does_not_shift_when_its_data_arrives', async (t) => {
  await page.waitForURL((u) => u.pathname === '/executive');
  await page.waitForFunction(() => {
    const ps = [...document.querySelectorAll('main [data-panel]')];
    return ps.length && ps.every((p) => !['idle', 'loading'].includes(p.dataset.state) || p.classList.contains('panel-wait'))
      && window.northstar.charts().every((c) => c.rendered);
  }, null, { timeout: 20000 });
  await page.waitForTimeout(1000);
  const cls = await page.evaluate(() => window.__cls);
  t.diagnostic(`executive CLS at 390 px after sign-in: ${cls.toFixed(4)}`);
  assert.ok(cls <= CLS_MAX, `cumulative layout shift ${cls.toFixed(3)} is at most ${CLS_MAX}`);
  assertClean('executive CLS');
});

test('every_view_fits_a_phone_and_a_desktop_screenshots_saved', async (t) => {
  for (const width of [390, 1440]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    for (const view of ALL_VIEWS) {
      w.reset();
      await page.goto(`${BASE}/${view}`);
      const panels = await settleView(page);
      assert.ok(panels.length > 0, `${view}: panels shown`);
      if (width === 390) {
        const sw = await page.evaluate(() => document.scrollingElement.scrollWidth);
        assert.ok(sw <= 390, `${view} at 390 px: the page is ${sw} px wide (no sideways scrolling)`);
        // Every chart fits its panel.
        const wide = await page.$$eval('main .chart', (els) => els.filter((e) => e.getBoundingClientRect().right > 390.5).length);
        assert.equal(wide, 0, `${view} at 390 px: every chart inside the screen`);
      }
      await page.screenshot({ path: path.join(ARTIFACTS, `layout-${view}-${width}.png`), fullPage: true });
      assertClean(`${view} at ${width} px`);
    }
  }
  t.diagnostic(`${ALL_VIEWS.length} views × 2 widths in ${ARTIFACTS}/layout-*.png`);
});

test('phone_navigation_is_a_menu', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${BASE}/executive`);
  await page.waitForSelector('nav#nav', { state: 'attached' });
  assert.equal(await page.locator('nav#nav').isVisible(), false, 'the nav is folded away on a phone');
  await page.click('.nav-toggle');
  assert.equal(await page.locator('nav#nav').isVisible(), true, 'the Menu button opens it');
  assert.equal(await page.getAttribute('.nav-toggle', 'aria-expanded'), 'true');
  await page.click('nav#nav a[data-view="revenue"]');
  await page.waitForURL((u) => u.pathname === '/revenue');
  assert.equal(await page.locator('nav#nav').isVisible(), false, 'choosing a view folds it again');
  await page.setViewportSize({ width: 1440, height: 900 });
});

test('keyboard_reaches_nav_range_and_show_as_table_whose_rows_are_the_chart_data', async (t) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${BASE}/executive`);
  await settleView(page);
  await page.evaluate(() => window.scrollTo(0, 0));
  const wanted = await page.$$eval('main [data-panel][data-state="ready"] [data-show-table]', (els) => els.map((e) => e.dataset.showTable));
  assert.ok(wanted.length > 0, 'the executive view has at least one chart with a "Show as table" button');
  await page.locator('body').focus();
  const reached = { nav: false, range: false, tables: new Set() };
  for (let i = 0; i < 250 && !(reached.nav && reached.range && reached.tables.size === wanted.length); i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const a = document.activeElement;
      return { view: a.dataset && a.dataset.view, range: a.name === 'range', table: a.dataset && a.dataset.showTable };
    });
    if (f.view) reached.nav = true;
    if (f.range) reached.range = true;
    if (f.table && !reached.tables.has(f.table)) {
      reached.tables.add(f.table);
      await page.keyboard.press('Enter');
      const id = f.table;
      assert.equal(await page.getAttribute(`[data-show-table="${id}"]`, 'aria-expanded'), 'true', `${id}: Enter opens the table`);
      const rows = await page.$$eval(`table[data-chart-table="${id}"] tbody tr`, (trs) => trs.map((tr) => ({
        label: tr.querySelector('th').textContent,
        values: [...tr.querySelectorAll('td')].map((td) => (td.dataset.value === '' ? null : Number(td.dataset.value) + 0)),
      })));
      const heads = await page.$$eval(`table[data-chart-table="${id}"] thead th`, (ths) => ths.map((th) => th.textContent).slice(1));
      const chart = (await charts(page)).find((c) => c.panel === id);
      assert.ok(chart && chart.labels && chart.labels.length, `${id}: the chart has category labels`);
      assert.deepEqual(rows.map((r) => r.label), chart.labels.map(String), `${id}: one table row per chart category, in order`);
      // Each column is the chart's series of that name (a series drawn in a whole and a partial part is one column).
      heads.forEach((name, j) => {
        const parts = chart.series.filter((s) => s.name === name && !s.helper);
        assert.ok(parts.length, `${id}: column ${name} is a series of the chart`);
        // (+ 0: a −0 of the chart is the table's "0")
        const expect = chart.labels.map((_, k) => { for (const p of parts) if (p.values[k] !== null) return p.values[k] + 0; return null; });
        assert.deepEqual(rows.map((r) => r.values[j]), expect, `${id}: column ${name} holds the chart's values`);
      });
      assert.ok(rows.some((r) => r.values.some((v) => v !== null)), `${id}: the table has values`);
      t.diagnostic(`${id}: table of ${rows.length} rows × ${heads.length} series opened from the keyboard`);
      await page.keyboard.press('Enter');
      assert.equal(await page.getAttribute(`[data-show-table="${id}"]`, 'aria-expanded'), 'false', `${id}: Enter closes it again`);
    }
  }
  assert.ok(reached.nav, 'Tab reaches the navigation');
  assert.ok(reached.range, 'Tab reaches the date range');
  assert.deepEqual([...reached.tables].sort(), wanted.slice().sort(), 'Tab reaches every chart\'s "Show as table"');
  assertClean('keyboard');
});

test('dark_mode_button_says_what_it_switches_to', async () => {
  const btn = page.locator('#theme-toggle');
  const start = await page.evaluate(() => document.documentElement.dataset.theme);
  if (start === 'dark') await btn.click();
  assert.equal(await btn.textContent(), 'Dark mode');
  assert.equal(await btn.getAttribute('aria-pressed'), 'false');
  await btn.click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.equal(await btn.textContent(), 'Light mode', 'dark on: the button offers the light mode');
  assert.equal(await btn.getAttribute('aria-pressed'), 'true');
  await page.screenshot({ path: path.join(ARTIFACTS, 'layout-executive-dark-1440.png') });
  await btn.click();
  assert.equal(await btn.textContent(), 'Dark mode');
  assert.equal(await btn.getAttribute('aria-pressed'), 'false');
});

test('alerts_have_live_regions_in_the_shell', async () => {
  // Alerts of the live stream are read out wherever the user is (feed.js createAnnouncer).
  assert.equal(await page.getAttribute('#announce', 'aria-live'), 'polite');
  assert.equal(await page.getAttribute('#announce-urgent', 'aria-live'), 'assertive');
  // The live feed on the executive view announces what arrives too.
  await page.goto(`${BASE}/executive`);
  await settleView(page);
  assert.equal(await page.getAttribute('main .live-feed', 'aria-live'), 'polite');
});

test('as_of_now_note_partial_marking_and_error_instead_of_empty_chart', async () => {
  w.reset();
  await page.goto(`${BASE}/executive`);
  await settleView(page);
  // A trend whose last bucket is the partial one, on a panel "as of now".
  const x = ['2026-09', '2026-10', '2026-11', '2026-12'];
  const state = await page.evaluate((args) => window.northstar.testPanel({ id: 'fx-partial', title: 'Fixture trend', asOfNow: true, builder: 'line', args }),
    { x, series: [{ name: 'Orders', data: [10, 12, 14, 3] }], partialFrom: 3 });
  assert.equal(state, 'ready');
  assert.equal(await page.locator('[data-panel="fx-partial"] .panel-now').textContent(), 'now — the date range does not apply');
  const c = (await charts(page)).find((k) => k.panel === 'fx-partial');
  assert.equal(c.partialFrom, 3, 'the chart knows its partial bucket');
  const whole = c.series.find((s) => s.name === 'Orders' && !s.partial), part = c.series.find((s) => s.name === 'Orders' && s.partial);
  assert.deepEqual(whole.values, [10, 12, 14, null], 'the whole buckets are the solid line');
  assert.deepEqual(part.values, [null, null, 14, 3], 'the partial bucket is the dashed part, joined to the last whole one');
  assert.match(c.description, /partial \(to date\)/, 'the aria description says the last period is partial');
  assert.equal(c.decal, true, 'decal patterns are on');
  // The same for bars and the MRR chart (its movements of the partial month are a part of their own, not a drop to 0).
  assert.equal(await page.evaluate((args) => window.northstar.testPanel({ id: 'fx-bars', title: 'Fixture bars', builder: 'bar', args }),
    { x, series: [{ name: 'Revenue', data: [5, 6, 7, 1] }], partialFrom: 3 }), 'ready');
  assert.equal((await charts(page)).find((k) => k.panel === 'fx-bars').partialFrom, 3);
  assert.equal(await page.evaluate((args) => window.northstar.testPanel({ id: 'fx-mrr', title: 'Fixture MRR', builder: 'mrr', args }),
    { months: x, mrr: [100, 110, 120, 121], movements: { new: [5, 6, 7, 1], expansion: [1, 1, 2, 0], churn: [-2, -1, -3, 0] }, projection: null, partialFrom: 3 }), 'ready');
  const m = (await charts(page)).find((k) => k.panel === 'fx-mrr');
  for (const name of ['MRR', 'New MRR', 'Expansion MRR', 'Churned MRR']) {
    const p = m.series.find((s) => s.name === name && s.partial);
    assert.ok(p && p.values[3] !== null, `MRR chart: ${name} of the partial month is drawn as its own part`);
    assert.equal(m.series.find((s) => s.name === name && !s.partial).values[3], null, `MRR chart: ${name}'s whole line stops before the partial month`);
  }
  // Data that does not fit: labels read from a field the API does not send.
  assert.equal(await page.evaluate((args) => window.northstar.testPanel({ id: 'fx-bad', title: 'Fixture bad', builder: 'bar', args }),
    { x: ['undefined', 'undefined'], series: [{ name: 'Average LTV', data: [null, null] }] }), 'error');
  assert.match(await page.locator('[data-panel="fx-bad"] .state-title').textContent(), /^This data could not be drawn \(fields missing: .*category labels/);
  assert.equal(await page.locator('[data-panel="fx-bad"] .chart').count(), 0, 'no empty chart is drawn');
  assertClean('fixtures');
});

test('a_real_panel_given_json_without_its_fields_shows_an_error', async () => {
  // The MRR endpoint answers months without the figures the chart reads
  // (and no forecast): the executive MRR panel goes to error, not an empty chart.
  await page.route('**/api/revenue/mrr?**', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ months: [{ month: '2026-10' }, { month: '2026-11' }] }) }));
  await page.route('**/api/forecast/**', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({}) }));
  try {
    await page.goto(`${BASE}/executive`);
    const sel = 'main [data-panel="exec-mrr"]';
    await page.waitForSelector(sel, { state: 'attached' });
    await page.waitForFunction((s) => { const e = document.querySelector(s); return e && !['idle', 'loading'].includes(e.dataset.state); }, sel, { timeout: 15000 });
    assert.equal(await page.getAttribute(sel, 'data-state'), 'error');
    assert.match(await page.locator(`${sel} .state-title`).textContent(), /^This data could not be drawn/);
    assert.equal(await page.locator(`${sel} .chart`).count(), 0);
  } finally {
    await page.unrouteAll({ behavior: 'ignoreErrors' });
  }
});
