// empty.test.js — an empty company (DEMO=0) in a real browser, on a stack of its own: this
// file starts one with DEMO=0 in a temporary directory (scripts/stack.sh, a free port; stopped
// whatever happens) rather than touching the suite's demo stack.  The CEO password the start
// printed signs in; every view shows the "No data yet" state with its link to docs/ingest.md
// (which opens, as text) instead of panels of zeros — the alerts view keeps its panels below the
// notice; the first record and "Check again" bring the panels back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, watch, signIn, settleView, shot, ALL_VIEWS } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EMAIL = 'owner@empty.example';
// The views that stay useful before any data: their panels are shown under the notice.
const NOTICE_VIEWS = ['alerts'];

let dir, base, password, browser, page, w;

function stack(cmd, env = {}) {
  return spawnSync(path.join(ROOT, 'scripts/stack.sh'), [cmd, dir], {
    env: { ...process.env, ...env }, encoding: 'utf8', timeout: 240000,
  });
}

before(async () => {
  dir = mkdtempSync('/tmp/ns-e2e-empty.');
  const r = stack('start', { DEMO: '0', PORT: '0', FAST: '1', NS_INSTANCES: '1', NS_ADMIN_EMAIL: EMAIL });
  if (r.status !== 0) throw new Error(`the DEMO=0 stack did not start:\n${r.stdout}\n${r.stderr}`);
  const m = r.stdout.match(/^ *password: +([A-Za-z0-9_-]{24})$/m);
  if (!m) throw new Error(`the DEMO=0 start printed no password:\n${r.stdout}`);
  password = m[1];
  base = `http://127.0.0.1:${readFileSync(path.join(dir, 'run/http.port'), 'utf8').trim()}`;
  browser = await launch();
  page = await browser.context.newPage();
  w = watch(page);
});

after(async () => {
  if (browser) await browser.close();
  if (dir) { stack('stop'); rmSync(dir, { recursive: true, force: true }); }
});

/** The "No data yet" state on the page: its text and link, or null. */
const emptyState = () => page.$eval('main [data-empty="company"]', (el) => ({
  text: el.textContent, href: el.querySelector('a')?.getAttribute('href'),
})).catch(() => null);

test('the_printed_ceo_password_signs_in_to_the_empty_company', async () => {
  await signIn(page, EMAIL, { base, password });
  const nav = await page.$$eval('nav#nav a[data-view]', (as) => as.map((a) => a.dataset.view));
  assert.deepEqual(nav, ALL_VIEWS, 'the CEO sees every view');
  assert.equal(await page.evaluate(() => window.northstar.user.has_data), false, '/api/auth/me says has_data false');
});

test('every_view_shows_no_data_yet_with_the_docs_link', async () => {
  for (const view of ALL_VIEWS) {
    w.reset();
    await page.click(`nav#nav a[data-view="${view}"]`);
    await page.waitForURL((u) => u.pathname === `/${view}`);
    await page.waitForSelector('main [data-empty="company"]');
    const s = await emptyState();
    assert.match(s.text, /No data yet/, `${view}: says "No data yet"`);
    assert.match(s.text, /Create an API key and send your first records — docs\/ingest\.md/, `${view}: says how to send data`);
    assert.equal(s.href, '/docs/ingest.md', `${view}: links the ingestion guide`);
    const panels = await settleView(page);
    if (NOTICE_VIEWS.includes(view)) {
      assert.ok(panels.length > 0, `${view}: keeps its panels under the notice`);
      for (const p of panels) assert.ok(!['error', 'stale'].includes(p.state), `${view}: panel "${p.title}" is in state ${p.state}`);
    } else {
      assert.equal(panels.length, 0, `${view}: no panel of zeros under "No data yet"`);
    }
    await shot(page, `empty-${view}`);
    assert.deepEqual(w.errors, [], `${view}: no console errors`);
    assert.deepEqual(w.failed, [], `${view}: no failed requests`);
  }
  // The customer page of a customer that cannot exist yet: the same state.
  await page.goto(`${base}/customers/1`);
  await page.waitForSelector('main [data-empty="company"]');
});

test('the_docs_link_opens_the_ingestion_guide', async () => {
  await page.goto(`${base}/executive`);
  await page.waitForSelector('main [data-empty="company"] a');
  const [res] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/docs/ingest.md'),
    page.click('main [data-empty="company"] a'),
  ]);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-type'], /^text\/plain/);
  await page.waitForURL((u) => u.pathname === '/docs/ingest.md');
  assert.match(await page.textContent('body'), /^# Sending your own data/, 'the guide itself, not the app');
});

test('the_first_record_and_check_again_bring_the_panels', async () => {
  await page.goto(`${base}/customers`);
  await page.waitForSelector('main [data-empty="company"]');
  // Then one customer arrives, as an importer would write it (the ingestion API has its own tests).
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', path.join(dir, 'run'),
    '-p', readFileSync(path.join(dir, 'run/pg.port'), 'utf8').trim(), '-U', 'postgres', '-d', 'northstar',
    '-c', "INSERT INTO customers (name, email, signup_at) VALUES ('First Co', 'first@empty.example', now() - interval '1 hour')"],
  // this stack's own database passwords (scripts/stack.sh, DIR/secrets)
  { encoding: 'utf8', env: { ...process.env, PGPASSFILE: path.join(dir, 'secrets/pgpass') } });
  assert.equal(r.status, 0, `psql: ${r.stderr}`);
  await page.click('main [data-empty="company"] button');
  await page.waitForSelector('main [data-panel]');
  assert.equal(await emptyState(), null, 'the "No data yet" state is gone');
  const panels = await settleView(page);
  assert.ok(panels.length > 0, 'the customers view shows its panels');
  for (const p of panels) assert.ok(!['error', 'stale'].includes(p.state), `panel "${p.title}" is in state ${p.state}`);
});
