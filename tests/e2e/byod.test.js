// byod.test.js — issue 18's "Done when" in a real browser: an empty company (DEMO=0) on a stack
// of its own (scripts/stack.sh, a free port; stopped whatever happens), filled by the commands of
// docs/ingest.md's "Quick start" exactly as written there (tests/integration/quickstart.sh points
// them at this stack), then signed in with the printed CEO password: the "No data yet" state is
// gone and the Executive MRR card and the Revenue view's MRR movements show the sample company's
// figures, worked out by hand in tests/integration/t-byod.sh (which checks them on the API too).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, watch, signIn, settleView, shot } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let dir, base, password, email, browser, page, w;

function stack(cmd, env = {}) {
  return spawnSync(path.join(ROOT, 'scripts/stack.sh'), [cmd, dir], {
    env: { ...process.env, ...env }, encoding: 'utf8', timeout: 240000,
  });
}

/** GET path as the CEO, bypassing nginx's cache; the parsed answer. */
async function api(token, p) {
  const r = await fetch(base + p, { headers: { Authorization: `Bearer ${token}`, 'X-No-Cache': '1' } });
  return r.json();
}

before(async () => {
  dir = mkdtempSync('/tmp/ns-e2e-byod.');
  // the defaults of `DEMO=0 make run` (admin@localhost), on a free port
  const r = stack('start', { DEMO: '0', PORT: '0', FAST: '1', NS_INSTANCES: '1' });
  if (r.status !== 0) throw new Error(`the DEMO=0 stack did not start:\n${r.stdout}\n${r.stderr}`);
  const m = r.stdout.match(/^ *password: +([A-Za-z0-9_-]{24})$/m);
  const e = r.stdout.match(/^ *e-mail: +(\S+)$/m);
  if (!m || !e) throw new Error(`the DEMO=0 start printed no account:\n${r.stdout}`);
  [password, email] = [m[1], e[1]];
  base = `http://127.0.0.1:${readFileSync(path.join(dir, 'run/http.port'), 'utf8').trim()}`;

  // the quick start's commands, as docs/ingest.md has them
  const qs = spawnSync(path.join(ROOT, 'tests/integration/quickstart.sh'), [dir, process.env.NS_BUILD || path.join(ROOT, 'build')], { encoding: 'utf8' });
  if (qs.status !== 0) throw new Error(`no quick start in docs/ingest.md: ${qs.stderr}`);
  writeFileSync(path.join(dir, 'quickstart.sh'), qs.stdout);
  const run = spawnSync('bash', ['-eo', 'pipefail', path.join(dir, 'quickstart.sh')], { cwd: ROOT, encoding: 'utf8', timeout: 240000 });
  if (run.status !== 0) throw new Error(`the quick start failed:\n${run.stdout}\n${run.stderr}`);

  // The rollups take the records up within seconds: wait (bounded) until the summary the MRR card
  // reads has them, so that the page's first, cacheable answer is the final one.
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }),
  }).then((x) => x.json());
  for (let i = 0; i < 300; i++) {
    const s = await api(login.token, '/api/revenue/summary');
    if (s.mrr === 644) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  browser = await launch();
  page = await browser.context.newPage();
  w = watch(page);
});

after(async () => {
  if (browser) await browser.close();
  if (dir) { stack('stop'); rmSync(dir, { recursive: true, force: true }); }
});

test('the_quick_start_company_shows_its_mrr', async () => {
  await signIn(page, email, { base, password });
  assert.equal(await page.evaluate(() => window.northstar.user.has_data), true, '/api/auth/me says has_data true');

  await page.goto(`${base}/executive`);
  await page.waitForSelector('main a.kpi[data-kpi="mrr"] .kpi-value');
  assert.equal(await page.$('main [data-empty="company"]'), null, 'the "No data yet" state is gone');
  // MRR today: Ada 99 (after the upgrade) + Analytical Engines 3 × 99 + Difference Co 1,200 / 12
  // + Emmy Noether 49 + Hamilton & Partners 99 = 644 (t-byod.sh); ARR 12 × 644 = 7,728
  assert.equal(await page.textContent('main a.kpi[data-kpi="mrr"] .kpi-value'), '$644');
  assert.equal(await page.textContent('main a.kpi[data-kpi="arr"] .kpi-value'), '$7,728');
  await shot(page, 'byod-executive');

  // The MRR card opens the month's movements (the drill-down, v-executive.test.js); then the revenue view.
  await page.click('main a.kpi[data-kpi="mrr"]');
  await page.waitForURL((u) => /^\/revenue\/movements\/\d{4}-\d\d$/.test(u.pathname));
  await page.click('nav#nav a[data-view="revenue"]');
  await page.waitForURL((u) => u.pathname === '/revenue');
  assert.equal(await page.$('main [data-empty="company"]'), null, 'no "No data yet" on the revenue view');
  await page.waitForSelector('main [data-panel="rev-movements"] tbody tr');
  await settleView(page);
  const rows = await page.$$eval('main [data-panel="rev-movements"] table', ([t]) => {
    const heads = [...t.querySelectorAll('thead th')].map((th) => th.textContent);
    return [...t.querySelectorAll('tbody tr')].map((tr) =>
      Object.fromEntries([...tr.querySelectorAll('td')].map((td, i) => [heads[i], td.textContent])));
  });
  const nov = rows.find((r) => r.Month === '2026-11');
  assert.ok(nov, `a row for 2026-11 among ${rows.map((r) => r.Month).join(', ')}`);
  // November 2026: starting 444 (Ada 49 + Engines 297 + Grace Hopper 98), new 100 + 99 + 49 = 248,
  // expansion 50 (Ada's upgrade), churn −98 (Grace Hopper), ending 444 + 248 + 50 − 98 = 644
  assert.deepEqual([nov['Starting MRR'], nov.New, nov.Expansion, nov.Churn, nov['Ending MRR']],
    ['$444', '$248', '$50', '-$98', '$644']);
  await shot(page, 'byod-revenue');
  // Three months of history are too few for the MRR forecast (at least 6: docs/ingest.md, "What an
  // empty company answers"): its 422 is the browser's console line for that answer, nothing else.
  const young = (s) => /status of 422 .*\/api\/forecast\/mrr\?/.test(s) || /\/api\/forecast\/mrr\?.*HTTP 422/.test(s);
  assert.deepEqual(w.errors.filter((s) => !young(s)), [], 'no console errors');
  assert.deepEqual(w.failed.filter((s) => !young(s)), [], 'no failed requests');
});
