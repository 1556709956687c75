// lib.js — helpers of the browser tests: launch Debian's chromium through
// playwright-core with a throw-away profile, record console errors and
// failed requests per page, sign in, wait for panels and charts.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE = process.env.NS_URL || 'http://127.0.0.1:8080';
export const PASSWORD = 'northstar-demo';
/** The directory of the stack under test (run.sh sets it), for tests that read or seed SQL. */
export const STACK = process.env.NS_E2E_STACK;

/** One SQL statement on the stack's database as its superuser; its text output, trimmed (null without a stack). */
export function stackSql(q) {
  if (!STACK) return null;
  const port = readFileSync(path.join(STACK, 'run', 'pg.port'), 'utf8').trim();
  const r = spawnSync('psql', ['-X', '-qtA', '-v', 'ON_ERROR_STOP=1', '-h', path.join(STACK, 'run'), '-p', port,
    '-U', 'postgres', '-d', 'northstar', '-c', q], { encoding: 'utf8', env: { ...process.env, PGPASSFILE: path.join(STACK, 'secrets', 'pgpass') } });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.trim();
}
export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

/**
 * Every view the app has, read from its own list (web/src/views/index.js:
 * `export const VIEWS = [executive, revenue, …]`, each module's `key`), so
 * the tests cannot drift from the app.  Which role sees which is the
 * access decision the tests state themselves (app.test.js ROLES).
 */
const VIEWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/src/views');
export const ALL_VIEWS = (() => {
  const index = readFileSync(path.join(VIEWS_DIR, 'index.js'), 'utf8');
  const names = index.match(/export const VIEWS = \[([^\]]*)\]/)[1].split(',').map((s) => s.trim()).filter(Boolean);
  return names.map((name) => {
    // `import x from './x.js'` or a lazily loaded `const x = view('key', 'Label', () => import('./x.js'))`
    const m = index.match(new RegExp(`import ${name} from '\\./([\\w-]+\\.js)'`))
      || index.match(new RegExp(`const ${name} = view\\([^\\n]*import\\('\\./([\\w-]+\\.js)'\\)`));
    const file = m[1];
    return readFileSync(path.join(VIEWS_DIR, file), 'utf8').match(/^  key: '([a-z-]+)'/m)[1];
  });
})();

/** Launch chromium with a temporary profile; returns { context, close }. */
export async function launch() {
  const profile = mkdtempSync(path.join(tmpdir(), 'ns-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1366, height: 900 },
    acceptDownloads: true,
  });
  return {
    context,
    async close() { await context.close().catch(() => {}); rmSync(profile, { recursive: true, force: true }); },
  };
}

/**
 * Watch a page: console errors, page errors and failed requests.  A 404
 * answer "no such endpoint" means an API not deployed yet: it is recorded
 * in notAvailable (the app must then show its "not available" state), not
 * as a failure.
 */
export function watch(page) {
  const w = { errors: [], failed: [], notAvailable: new Set(), naUrls: new Set() };
  page.on('pageerror', (e) => w.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = (m.location() && m.location().url) || '';
    if (/status of 404/.test(m.text()) && w.naUrls.has(url)) return;
    w.errors.push(`console: ${m.text()} ${url}`);
  });
  page.on('requestfailed', (r) => {
    const f = r.failure();
    // Navigating away aborts requests in flight; that is not a failure.
    if (f && /ERR_ABORTED/.test(f.errorText)) return;
    w.failed.push(`${r.method()} ${r.url()}: ${f ? f.errorText : 'failed'}`);
  });
  page.on('response', async (res) => {
    const url = res.url();
    if (res.status() < 400) return;
    if (res.status() === 404 && new URL(url).pathname.startsWith('/api/')) {
      // Mark it before the body is read: the console message comes at once.
      w.naUrls.add(url);
      let body = '';
      try { body = await res.text(); } catch { /* gone */ }
      if (/no such endpoint/.test(body)) { w.notAvailable.add(new URL(url).pathname); return; }
      w.naUrls.delete(url);
    }
    w.failed.push(`${res.request().method()} ${url}: HTTP ${res.status()}`);
  });
  w.reset = () => { w.errors.length = 0; w.failed.length = 0; };
  return w;
}

/** Sign in through the form (a demo user, or base/password given); resolves when the shell is shown. */
export async function signIn(page, email, { base = BASE, password = PASSWORD } = {}) {
  await page.goto(base + '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('nav#nav');
}

/**
 * Wait until the view at `pathname` is drawn as first seen: its module
 * mounted, no panel loading, every panel within reach of the first screen
 * (the 600 px the app loads ahead, web/src/view.js) past idle, and every
 * chart drawn.  Panels further down stay idle until scrolled to; they are
 * not part of what the user sees first.  The timing of make bench's page
 * rows (tests/e2e/app.test.js).
 */
export async function waitViewDrawn(page, pathname, { timeout = 20000 } = {}) {
  await page.waitForFunction((want) => {
    if (location.pathname !== want || document.querySelector('main[data-view-loading]')) return false;
    const ps = [...document.querySelectorAll('main [data-panel]')];
    if (!ps.length || ps.every((p) => p.dataset.state === 'idle')) return false;
    const reach = window.innerHeight + 600;
    if (ps.some((p) => p.dataset.state === 'loading' || (p.dataset.state === 'idle' && p.getBoundingClientRect().top < reach))) return false;
    return window.northstar.charts().every((c) => c.rendered);
  }, pathname, { timeout, polling: 'raf' });
}

/**
 * Wait until no panel of the view is loading, scrolling each one into view
 * (charts below the fold load when seen).  Returns the panels' states.
 */
export async function settleView(page, { timeout = 20000 } = {}) {
  const deadline = Date.now() + timeout;
  // The view's module loads on demand (web/src/views/index.js): wait until it is mounted.
  await page.waitForSelector('main[data-view]:not([data-view-loading])', { state: 'attached', timeout });
  const ids = await page.$$eval('main [data-panel]', (els) => els.map((e) => e.dataset.panel));
  for (const id of ids) {
    const sel = `main [data-panel="${id}"]`;
    await page.locator(sel).scrollIntoViewIfNeeded();
    await page.waitForFunction((s) => {
      const el = document.querySelector(s);
      return !el || !['idle', 'loading'].includes(el.dataset.state);
    }, sel, { timeout: Math.max(1000, deadline - Date.now()) });
  }
  return page.$$eval('main [data-panel]', (els) => els.map((e) => ({ id: e.dataset.panel, state: e.dataset.state, title: e.querySelector('h2')?.textContent })));
}

/** Charts on the page and their series sizes (window.northstar.charts()). */
export const charts = (page) => page.evaluate(() => window.northstar.charts());

export const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
