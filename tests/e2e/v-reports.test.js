// v-reports.test.js — issue 22's reports in a real browser: the CEO's "Board report" button
// downloads the month's board pack as a PDF whose figures are the API's (the same month's
// GET /api/alerts/report?kind=board&format=json, and each figure's own route), an error is said
// beside the button, and only the CEO has the button.  pdftotext (poppler-utils) reads the PDF.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { launch, watch, signIn, settleView, BASE, ARTIFACTS, STACK, stackSql as sql } from './lib.js';

let browser, page, w;


/** GET an API path with the signed-in page's session; the parsed JSON. */
async function api(p) {
  const res = await page.request.get(BASE + p);
  assert.equal(res.status(), 200, `GET ${p}: HTTP ${res.status()}`);
  return res.json();
}

/** The value at a JSON pointer "/a/b/0" (RFC 6901) of o (undefined when absent). */
function at(o, p) {
  return p.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((x, k) => (x == null ? undefined : x[k]), o);
}

/** Every KPI item of a report document, with its section's title. */
function kpiItems(doc) {
  const out = [];
  for (const s of doc.sections || []) {
    for (const b of s.blocks || []) if (b.type === 'kpis') for (const it of b.items || []) out.push({ section: s.title, ...it });
  }
  return out;
}

/** The last full month before today, YYYY-MM (the button's default on a preset range). */
function lastFullMonth() {
  const d = new Date();
  const p = new Date(d.getFullYear(), d.getMonth() - 1, 1);
  return `${p.getFullYear()}-${String(p.getMonth() + 1).padStart(2, '0')}`;
}

const squash = (s) => s.replace(/\s+/g, ' ');

describe('reports: the board pack from the app', () => {
  before(async () => {
    browser = await launch();
    page = await browser.context.newPage();
    w = watch(page);
  });
  after(async () => { await browser.close(); });

  it('the CEO downloads the last full month’s board pack; its figures are the API’s', async () => {
    await signIn(page, 'ceo@northstar.example');
    await page.goto(`${BASE}/executive`);
    await settleView(page);
    const month = lastFullMonth();
    assert.equal(await page.locator('#board-month').inputValue(), month, 'the month defaults to the last full month');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#board-download')]);
    assert.equal(dl.suggestedFilename(), `northstar-board-${month}.pdf`);
    const file = await dl.path();
    const bytes = readFileSync(file);
    assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-', 'the download is a PDF');
    copyFileSync(file, path.join(ARTIFACTS, `board-${month}-from-app.pdf`));
    await page.waitForFunction(() => /downloaded/.test(document.querySelector('#board-status').textContent));
    const r = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `pdftotext: ${r.stderr}`);
    const text = squash(r.stdout);

    const rep = await api(`/api/alerts/report?kind=board&month=${month}&format=json`);
    const items = kpiItems(rep.data);
    assert.ok(items.length >= 20, `the board pack has its KPI figures (${items.length})`);
    for (const it of items) {
      assert.ok(typeof it.value === 'string' && it.value.length > 0, `${it.section} / ${it.label}: a value`);
      assert.ok(text.includes(squash(it.value)), `${it.section} / ${it.label}: "${it.value}" is in the PDF`);
    }
    for (const s of rep.data.sections) assert.ok(text.includes(squash(s.title)), `section "${s.title}" is in the PDF`);
    // Each figure with a source equals its own route's answer (the first few; t-board.sh checks all).
    const sourced = items.filter((it) => it.source && typeof it.raw === 'number').slice(0, 6);
    assert.ok(sourced.length >= 3, 'figures name the route they come from');
    for (const it of sourced) {
      const [p, field] = it.source.split('#');
      const got = at(await api(p), field);
      assert.equal(Number(got), it.raw, `${it.label}: the board pack's ${it.raw} = ${p} ${field} (${got})`);
    }
    assert.deepEqual(w.errors, [], 'no console errors');
  });

  it('a month with nothing to report says why beside the button', async () => {
    await page.fill('#board-month', '2099-01');
    await page.click('#board-download');
    await page.waitForFunction(() => /^No board pack: ./.test(document.querySelector('#board-status').textContent));
    const msg = await page.locator('#board-status').innerText();
    assert.match(msg, /month/i, `the error names the month: ${msg}`);
  });

  it('the alerts view shows the report schedules and the delivery log as the API sends them', async (t) => {
    if (!STACK) { t.skip('needs NS_E2E_STACK to seed a delivery'); return; }
    w.reset();   // the 400 of the test before is the page's, and expected
    // A failed notification in the log (an alert event's webhook), removed again whatever happens.
    const id = sql(`INSERT INTO alert_deliveries (event_id, channel, target, subject, body, status, attempts, last_error)
      SELECT max(id), 'webhook', 'https://hooks.example.test/e2e', 'e2e delivery', '{}', 'failed', 8, 'HTTP 502 from the receiver'
      FROM alert_events HAVING max(id) IS NOT NULL RETURNING id`);
    assert.match(id || '', /^\d+$/, 'a delivery was seeded (the demo has alert events)');
    t.after(() => sql(`DELETE FROM alert_deliveries WHERE id = ${id}`));
    await page.goto(`${BASE}/alerts`);
    await settleView(page);
    const sched = (await api('/api/alerts/schedules')).schedules;
    assert.ok(sched.length >= 3, 'the default schedules exist');
    for (const s of sched) {
      const row = page.locator(`[data-panel="report-schedules"] tr[data-schedule="${s.kind}"]`);
      assert.equal(await row.count(), 1, `a row for the ${s.kind} schedule`);
      const txt = await row.innerText();
      assert.ok(txt.includes(`${String(s.hour).padStart(2, '0')}:00`) && txt.includes(s.effective_tz), `${s.kind}: its hour and zone (${txt})`);
      assert.equal(await page.locator(`#schedule-${s.id}-hour`).inputValue(), String(s.hour));
      assert.equal(await page.locator(`#schedule-${s.id}-enabled`).isChecked(), s.enabled);
    }
    const log = (await api('/api/alerts/deliveries?limit=50')).deliveries;
    const mine = log.find((d) => String(d.id) === id);
    assert.ok(mine, 'the API lists the seeded delivery');
    const cells = page.locator('[data-panel="report-deliveries"] tbody tr').filter({ hasText: 'hooks.example.test' });
    assert.equal(await cells.count(), 1, 'the delivery log shows it once');
    const rowText = await cells.innerText();
    for (const want of [mine.status, String(mine.attempts), mine.last_error, mine.target]) assert.ok(rowText.includes(want), `the row shows "${want}": ${rowText}`);
    assert.equal(await page.locator('[data-panel="report-deliveries"] tbody tr').count(), log.length, 'one row per delivery the API sends');

    // Changing a schedule's hour in the page changes it in the API; the old hour is put back.
    const daily = sched.find((s) => s.kind === 'daily');
    const hour = (daily.hour + 1) % 24;
    t.after(() => page.request.put(`${BASE}/api/alerts/schedules/${daily.id}`, { data: { hour: daily.hour }, headers: { Origin: BASE } }));
    await page.fill(`#schedule-${daily.id}-hour`, String(hour));
    await page.click(`[aria-label="Save Daily CEO report schedule"]`);
    await page.waitForFunction((i) => document.querySelector(`#schedule-${i}-hour`).closest('tr').innerText.includes('saved'), daily.id);
    assert.equal((await api('/api/alerts/schedules')).schedules.find((s) => s.id === daily.id).hour, hour, 'the API has the new hour');
    await page.request.put(`${BASE}/api/alerts/schedules/${daily.id}`, { data: { hour: daily.hour }, headers: { Origin: BASE } });
    assert.deepEqual(w.errors, [], 'no console errors');
  });

  it('sales and CS have no board report button, and the API refuses them the PDF', async () => {
    for (const [who, view] of [['sales1@northstar.example', 'revenue'], ['cs1@northstar.example', 'customers']]) {
      await browser.context.clearCookies();
      await signIn(page, who);
      await page.goto(`${BASE}/${view}`);
      await settleView(page);
      assert.equal(await page.locator('#board-download').count(), 0, `${who}: no board report button`);
      const res = await page.request.get(`${BASE}/api/alerts/report?kind=board&month=${lastFullMonth()}&format=pdf`);
      assert.equal(res.status(), 403, `${who}: the board pack is the CEO's`);
      assert.equal((await res.json()).error.code, 'forbidden');
    }
  });
});
