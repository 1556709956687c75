// rum.js — the app reports its own page loads (real-user monitoring):
// for each view shown, one beacon to POST /api/product/rum (docs/api/
// product.md) with the time from the navigation until the view's first
// screen of panels has settled, on the first load also the time to first
// byte and to first contentful paint, and the script errors seen since
// the previous beacon.  The operations view draws them (/api/product/
// frontend).  At most BEACONS_PER_MINUTE a minute from a tab (the server
// refuses more than 60 a minute per user): a person clicking through views
// faster than that is not measured more finely.
const ENDPOINT = '/api/product/rum';
const POLL_MS = 100;
const QUIET_POLLS = 3;          // settled: no panel loading for this many polls in a row
const GIVE_UP_MS = 20000;       // a view still loading after this is not reported
const BEACONS_PER_MINUTE = 10;

let errors = 0, firstError = '';
let firstLoad = true;
const sent = [];                // Date.now() of the beacons of the last minute

function noteError(msg) {
  errors = Math.min(errors + 1, 1000);
  if (!firstError) firstError = String(msg || 'error').slice(0, 300);
}
window.addEventListener('error', (e) => noteError(e.message));
window.addEventListener('unhandledrejection', (e) => noteError(e.reason && e.reason.message ? e.reason.message : e.reason));

const ms = (v) => (Number.isFinite(v) && v >= 0 ? Math.min(600000, Math.round(v)) : undefined);

/** Is a panel of root still loading (or active but not started)? */
function busy(root) {
  const states = [...root.querySelectorAll('[data-panel]')].map((el) => el.dataset.state);
  return states.length === 0 || states.includes('loading') || root.dataset.viewLoading === '1';
}

function send(body) {
  const now = Date.now();
  while (sent.length && now - sent[0] > 60000) sent.shift();
  if (sent.length >= BEACONS_PER_MINUTE) return;
  sent.push(now);
  const blob = new Blob([JSON.stringify(body)], { type: 'application/json' });
  if (!(navigator.sendBeacon && navigator.sendBeacon(ENDPOINT, blob))) {
    fetch(ENDPOINT, { method: 'POST', body: blob, headers: { 'Content-Type': 'application/json' }, credentials: 'same-origin', keepalive: true }).catch(() => {});
  }
}

/** The sign-in page was shown: the first view is measured from the route change, not the navigation. */
export function notFirstLoad() { firstLoad = false; }

/**
 * Measure the view just mounted in root (view: its name, [a-z0-9_-]) from
 * startedAt (performance.now() of the route change; the navigation's start
 * on the first load) and send its beacon once its panels have settled.
 * Returns a function that cancels it (the user left before it settled:
 * nothing is sent).
 */
export function measureView(root, view, startedAt) {
  const first = firstLoad;
  firstLoad = false;
  const from = first ? 0 : startedAt;
  let quiet = 0, timer = 0;
  const check = () => {
    timer = 0;
    if (!root.isConnected || performance.now() - from > GIVE_UP_MS) return;
    quiet = busy(root) ? 0 : quiet + 1;
    if (quiet < QUIET_POLLS) { timer = setTimeout(check, POLL_MS); return; }
    const body = { view: String(view).toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 40),
      load_ms: ms(performance.now() - from - (QUIET_POLLS - 1) * POLL_MS), errors };
    if (firstError) body.error = firstError;
    if (first) {
      const nav = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      if (nav) body.ttfb_ms = ms(nav.responseStart);
      if (fcp) body.fcp_ms = ms(fcp.startTime);
    }
    errors = 0; firstError = '';
    send(body);
  };
  timer = setTimeout(check, POLL_MS);
  return () => { if (timer) clearTimeout(timer); timer = 0; };
}
