// live-fresh.mjs — freshness in a real browser for scripts/bench-live.sh (issue 19): from an
// accepted ingestion batch to the changed figure drawn in Chromium.  Not a test (make test runs
// *.test.js only); it prints one JSON object on stdout.
//
//   NS_URL=… NS_KEY=<ingest:billing key> SAMPLES=20 TAG=… node tests/e2e/live-fresh.mjs
//
// Each sample posts one new customer (POST /api/revenue/customers, answer read to its end =
// "accepted", Date.now() in this process) and waits in the page for what it changes; the page
// stamps the moment with Date.now() too (one machine, one clock):
//   mode "figure": the executive view's real-time panel shows today's signups; a MutationObserver
//     on that figure stamps the first change of its text, then waits for the next animation
//     frame (the figure is laid out and about to be painted) — "drawn".
//   mode "eventsource": the app has no live figure yet, so the page opens its own EventSource on
//     /api/live (the session cookie signs it in) and stamps the new_signup message naming the
//     customer — the time until the message is in the page, not until a figure is drawn.
// MODE=auto (default) takes "figure" when the figure is on the page, else "eventsource".
import http from 'node:http';
import { launch, signIn, settleView, BASE } from './lib.js';

const SAMPLES = Number(process.env.SAMPLES || 20);
const TAG = process.env.TAG || `lf${process.pid}`;
const KEY = process.env.NS_KEY;
// The figure a new customer changes: today's signups on the executive real-time panel.
// (web/src/views/executive.js: the card of data-kpi "rt-signups-today")
const FIGURE = process.env.FIGURE || 'main [data-kpi="rt-signups-today"] .kpi-value';
const base = new URL(BASE);

function post(path, body) {
  return new Promise((resolve) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request({ host: base.hostname, port: base.port, path, method: 'POST',
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json', 'Content-Length': data.length } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text, at: Date.now() }));
    });
    req.on('error', (e) => resolve({ status: 0, text: String(e), at: Date.now() }));
    req.end(data);
  });
}
const iso = (msAgo) => new Date(Date.now() - msAgo).toISOString().replace(/\.\d+Z$/, 'Z');
const pct = (a, p) => (a.length ? a[Math.max(0, Math.ceil(p * a.length) - 1)] : null);

async function main() {
  if (!KEY) throw new Error('NS_KEY (an ingest:billing key) is required');
  const { context, close } = await launch();
  const out = { mode: null, samples: [], failures: [] };
  try {
    const page = context.pages()[0] || await context.newPage();
    await signIn(page, 'ceo@northstar.example');
    await page.goto(`${BASE}/executive`);
    await settleView(page).catch((e) => { out.note = `settleView: ${e.message.split('\n')[0]}`; });
    const want = process.env.MODE || 'auto';
    // the card may come after the other panels: up to 20 s for it
    const hasFigure = await page.waitForSelector(FIGURE, { timeout: 20000 }).then(() => true, () => false);
    out.mode = want === 'auto' ? (hasFigure ? 'figure' : 'eventsource') : want;
    if (out.mode === 'figure') {
      // the app's own stream connected (the shell's state says "live", web/src/live.js)
      await page.waitForFunction(() => { const e = document.querySelector('#live-state'); return !e || e.dataset.state === 'live'; },
        null, { timeout: 20000 });
    }
    if (out.mode === 'eventsource') {
      await page.evaluate(() => new Promise((resolve, reject) => {
        window.__lb = [];
        const es = new EventSource('/api/live');
        es.onmessage = (e) => window.__lb.push({ t: Date.now(), data: e.data });
        es.onopen = () => resolve();
        setTimeout(() => reject(new Error('EventSource on /api/live did not open in 10 s')), 10000);
      }));
    }
    for (let i = 1; i <= SAMPLES; i++) {
      const name = `LiveFresh ${TAG} ${i}`;
      if (out.mode === 'figure') {
        // Watch all of main: a redraw may replace the figure's element rather than its text.
        await page.evaluate((sel) => {
          const text = () => document.querySelector(sel)?.textContent;
          window.__lbFig = { before: text(), t: null };
          const mo = new MutationObserver(() => {
            const now = text();
            if (now === undefined || now === window.__lbFig.before) return;
            mo.disconnect();
            requestAnimationFrame(() => { window.__lbFig.t = Date.now(); window.__lbFig.after = now; });
          });
          mo.observe(document.querySelector('main'), { subtree: true, childList: true, characterData: true });
        }, FIGURE);
      }
      const r = await post('/api/revenue/customers', [{ external_id: `lf-${TAG}-${i}`, name, signup_at: iso(2000) }]);
      if (r.status !== 200) { out.failures.push(`sample ${i}: ${r.status} ${r.text.slice(0, 200)}`); continue; }
      try {
        const t = out.mode === 'figure'
          ? await page.waitForFunction(() => window.__lbFig.t, null, { timeout: 30000, polling: 50 }).then((h) => h.jsonValue())
          : await page.waitForFunction((n) => (window.__lb.find((m) => m.data.includes(n)) || {}).t, name, { timeout: 30000, polling: 50 }).then((h) => h.jsonValue());
        out.samples.push(t - r.at);
      } catch (e) {
        out.failures.push(`sample ${i}: nothing within 30 s (${e.message.split('\n')[0]})`);
      }
      await new Promise((res) => setTimeout(res, 300 + Math.random() * 700));   // another phase of any debounce
    }
  } finally {
    await close();
  }
  const s = [...out.samples].sort((a, b) => a - b);
  out.n = s.length; out.p50_ms = pct(s, 0.5); out.p95_ms = pct(s, 0.95); out.max_ms = s[s.length - 1] ?? null;
  process.stdout.write(JSON.stringify(out) + '\n');
}
main().catch((e) => { process.stdout.write(JSON.stringify({ error: String(e.stack || e) }) + '\n'); process.exit(1); });
