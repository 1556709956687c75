// main.js — boot, sign-in, the application shell (navigation from
// /api/auth/me, global filters, theme, sign-out), the router, the "No data
// yet" state of a company that has sent nothing yet, the live stream's
// state (live.js) and the 30 s auto-refresh that pauses while the tab is
// hidden.
import { h, clear } from './dom.js';
import { get, post, setUnauthorizedHandler, clearCache, abortReads, resumeReads, ApiError, noteDataVersion } from './api.js';
import { filters, setFilters, filterQuery, onFiltersChange, RANGES } from './store.js';
import { createView } from './view.js';
import { stateBox } from './panel.js';
import { chartsSummary } from './charts/core.js';
import { VIEWS, viewFor } from './views/index.js';
import { setCurrency } from './format.js';
import { startLive, stopLive, onState, liveState, liveInfo, STATE_TEXT, on as onLive } from './live.js';
import { createAnnouncer } from './feed.js';
import { measureView, notFirstLoad } from './rum.js';

const app = document.getElementById('app');
const REFRESH_MS = 30000;
const LIVE_REFRESH_MS = 300000;
const HINT = 'ns-signed-in';        // "a session cookie probably exists" (the cookie itself is HttpOnly)
const THEME = 'ns-theme';

let me = null;            // /api/auth/me
let shell = null;         // { nav, main, updated, ... }
let announcer = null;     // feed.js createAnnouncer: alerts read out by screen readers
let current = null;       // { key, ctx, url }
let lastRefresh = 0;
let lastAttempt = Date.now();   // the last automatic refresh

/* ---------- theme ---------- */
function applyTheme(t) {
  document.documentElement.dataset.theme = t;
  const b = document.getElementById('theme-toggle');
  if (b) { b.setAttribute('aria-pressed', t === 'dark' ? 'true' : 'false'); b.textContent = themeLabel(t); }
}
/** The theme button says what it switches to ("Light mode" while dark); aria-pressed says whether dark is on. */
const themeLabel = (t) => (t === 'dark' ? 'Light mode' : 'Dark mode');
function initialTheme() {
  const saved = localStorage.getItem(THEME);
  if (saved === 'dark' || saved === 'light') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
applyTheme(initialTheme());

/* ---------- navigation helpers ---------- */
export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url); else history.pushState(null, '', url);
  route();
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  if (a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/docs/')) return;
  e.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});
window.addEventListener('popstate', () => route());
onFiltersChange(() => route());

setUnauthorizedHandler(() => {
  localStorage.removeItem(HINT);
  stopLive();
  me = null;
  if (location.pathname !== '/login') navigate(loginUrl(), { replace: true });
});

function loginUrl() {
  const next = location.pathname + location.search;
  return next && next !== '/' && !next.startsWith('/login') ? `/login?next=${encodeURIComponent(next)}` : '/login';
}

function homeFor(user) {
  const first = VIEWS.find((v) => user.views.includes(v.key));
  return first ? `/${first.key}` : '/no-views';
}

/* ---------- sign-in ---------- */
/** A wait of s seconds in words ("a moment" when unknown). */
function waitText(s) {
  if (!s) return 'a moment';
  if (s < 90) return `${s} second${s === 1 ? '' : 's'}`;
  return `${Math.ceil(s / 60)} minutes`;
}

function renderLogin() {
  notFirstLoad();
  teardownView();
  shell = null;
  clear(app);
  app.className = 'login-page';
  const err = h('p', { class: 'login-error', role: 'alert', id: 'login-error' });
  const email = h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true, 'aria-describedby': 'login-error' });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', text: 'Sign in' });
  const form = h('form', { class: 'login-card', 'aria-labelledby': 'login-title', novalidate: true,
    onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      if (!email.value || !password.value) { err.textContent = 'Enter your email and password.'; return; }
      submit.disabled = true;
      submit.textContent = 'Signing in…';
      try {
        await post('/api/auth/login', { email: email.value.trim(), password: password.value });
        localStorage.setItem(HINT, '1');
        me = await get('/api/auth/me', null, { retries: 1 });
        setCurrency(me.currency);
        const next = new URLSearchParams(location.search).get('next');
        navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : homeFor(me), { replace: true });
      } catch (ex) {
        err.textContent = ex instanceof ApiError && ex.status === 401 ? 'Wrong email or password.'
          // the sign-in limits (docs/reliability.md) say when to try again: Retry-After
          : ex instanceof ApiError && ex.status === 429 ? `Too many attempts; try again in ${waitText(ex.retryAfter)}.`
          : `Sign-in failed: ${ex.message}`;
        submit.disabled = false;
        submit.textContent = 'Sign in';
      }
    } },
  h('div', { class: 'brand brand-big' }, logo(), h('span', { text: 'Northstar' })),
  h('h1', { id: 'login-title', text: 'Sign in' }),
  h('label', { for: 'email', text: 'Email' }), email,
  h('label', { for: 'password', text: 'Password' }), password,
  err, submit);
  app.append(h('main', { id: 'main', class: 'login-main' }, form));
  app.removeAttribute('aria-busy');
  email.focus();
}

async function signOut() {
  abortReads();      // held until the sign-in page is shown
  teardownView();
  stopLive();
  try { await post('/api/auth/logout'); } catch (e) { console.warn('logout', e.message); }
  localStorage.removeItem(HINT);
  clearCache();
  me = null;
  navigate('/login', { replace: false });
  resumeReads();
}

function logo() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 32 32'); svg.setAttribute('class', 'logo'); svg.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', 'M16 4l3 9h9l-7.3 5.4 2.8 9L16 22l-7.5 5.4 2.8-9L4 13h9z');
  svg.append(p);
  return svg;
}

/* ---------- shell ---------- */
function renderShell() {
  clear(app);
  app.className = 'shell';
  const nav = h('nav', { class: 'nav', id: 'nav', 'aria-label': 'Views' },
    h('ul', {}, VIEWS.filter((v) => me.views.includes(v.key)).map((v) =>
      h('li', {}, h('a', { href: `/${v.key}`, 'data-view': v.key, text: v.label })))));
  const navToggle = h('button', { type: 'button', class: 'btn nav-toggle', 'aria-controls': 'nav', 'aria-expanded': 'false', text: 'Menu',
    onclick: (e) => { const open = app.classList.toggle('nav-open'); e.currentTarget.setAttribute('aria-expanded', String(open)); } });

  // Global filters.
  const f = filters();
  const rangeGroup = h('fieldset', { class: 'range', id: 'range' },
    h('legend', { class: 'sr-only', text: 'Date range' }),
    RANGES.map((r) => {
      const id = `range-${r}`;
      return [h('input', { type: 'radio', name: 'range', id, value: r, class: 'sr-only-input', checked: f.range === r,
        onchange: () => (r === 'custom' ? showCustom(true) : setFilters({ range: r, from: '', to: '' })) }),
      h('label', { for: id, class: 'seg', text: r === 'custom' ? 'Custom' : `${r}d` })];
    }));
  const from = h('input', { type: 'date', id: 'from', value: f.from, required: true });
  const to = h('input', { type: 'date', id: 'to', value: f.to, required: true });
  const customErr = h('span', { class: 'field-error', role: 'alert' });
  const custom = h('form', { class: 'custom-range', id: 'custom-range', hidden: f.range !== 'custom',
    onsubmit: (e) => {
      e.preventDefault();
      if (!from.value || !to.value || from.value > to.value) { customErr.textContent = 'Choose a start on or before the end.'; return; }
      customErr.textContent = '';
      setFilters({ range: 'custom', from: from.value, to: to.value });
    } },
  h('label', { for: 'from', text: 'From' }), from, h('label', { for: 'to', text: 'To' }), to,
  h('button', { type: 'submit', class: 'btn btn-small', text: 'Apply' }), customErr);
  function showCustom(on) { custom.hidden = !on; if (on) from.focus(); }
  const compare = h('input', { type: 'checkbox', id: 'compare', checked: f.compare, onchange: (e) => setFilters({ compare: e.target.checked }) });
  const updated = h('span', { class: 'updated', id: 'updated', 'aria-live': 'off', text: 'loading…' });
  // The live stream's state (live.js); role="status" announces a change
  // (going offline, back to live) to screen readers.
  const liveEl = h('span', { class: 'live', id: 'live-state', role: 'status', dataset: { state: 'connecting' }, text: STATE_TEXT.connecting });
  const refreshBtn = h('button', { type: 'button', class: 'btn btn-small', id: 'refresh', text: 'Refresh', 'aria-label': 'Refresh now',
    onclick: () => refreshNow() });

  const themeBtn = h('button', { type: 'button', class: 'btn btn-small', id: 'theme-toggle', 'aria-pressed': String(document.documentElement.dataset.theme === 'dark'), text: themeLabel(document.documentElement.dataset.theme),
    onclick: () => {
      const t = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
      localStorage.setItem(THEME, t);
      applyTheme(t);
      mountView(true);
    } });
  const printBtn = h('button', { type: 'button', class: 'btn btn-small', text: 'Print', onclick: () => window.print() });

  const header = h('header', { class: 'top' },
    h('a', { class: 'skip', href: '#main', text: 'Skip to content', onclick: (e) => { e.preventDefault(); document.getElementById('main').focus(); } }),
    navToggle,
    h('a', { class: 'brand', href: '/', 'aria-label': 'Northstar home' }, logo(), h('span', { text: 'Northstar' })),
    h('div', { class: 'user' },
      h('span', { class: 'user-name', text: `${me.name || me.email}` }), h('span', { class: 'role', text: me.role }),
      themeBtn, printBtn,
      h('button', { type: 'button', class: 'btn btn-small', id: 'sign-out', text: 'Sign out', onclick: signOut })));
  const toolbar = h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Filters' },
    rangeGroup, custom,
    h('span', { class: 'compare' }, compare, h('label', { for: 'compare', text: 'Compare to previous period' })),
    h('span', { class: 'spacer' }), liveEl, updated, refreshBtn);
  const main = h('main', { id: 'main', tabindex: '-1' });
  if (announcer) announcer.off();
  announcer = createAnnouncer(onLive);
  app.append(header, nav, h('div', { class: 'content' }, toolbar, main), ...announcer.el);
  app.removeAttribute('aria-busy');
  shell = { nav, main, updated, liveState: liveEl, rangeGroup, custom, from, to, compare };
  showLive(liveState());
  startLive(me.data_version);
}

function showLive(s) {
  if (!shell) return;
  shell.liveState.dataset.state = s;
  shell.liveState.textContent = STATE_TEXT[s] || s;
  shell.liveState.classList.toggle('on', s === 'live');
  shell.liveState.classList.toggle('off', s === 'offline');
}

// The shell's live indicator; back to "Live" after a drop, the view is
// loaded again (the stream replays what nchan kept, but a long gap or a
// fresh connection may have missed messages).
let prevLive = 'connecting';
onState((s) => {
  showLive(s);
  if (s === 'live' && (prevLive === 'reconnecting' || prevLive === 'offline') && current && current.ctx && !document.hidden) {
    lastAttempt = Date.now();
    current.ctx.refresh();
  }
  prevLive = s;
});

function syncShell() {
  const f = filters();
  const q = filterQuery(f);
  for (const a of shell.nav.querySelectorAll('a[data-view]')) {
    a.href = `/${a.dataset.view}${q}`;
    const on = location.pathname === `/${a.dataset.view}` || location.pathname.startsWith(`/${a.dataset.view}/`);
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  for (const r of shell.rangeGroup.querySelectorAll('input')) r.checked = r.value === f.range;
  shell.custom.hidden = f.range !== 'custom';
  if (f.range === 'custom') { shell.from.value = f.from; shell.to.value = f.to; }
  shell.compare.checked = f.compare;
  app.classList.remove('nav-open');
}

/* ---------- views ---------- */
/**
 * The "No data yet" state of a company that has sent nothing yet
 * (me.has_data, one rule: api.has_data()): how to send data, with the
 * ingestion guide, instead of zeros that look like a dead business.
 */
function noDataBox() {
  return h('div', { class: 'state state-empty state-nodata', role: 'status', dataset: { empty: 'company' } },
    h('p', { class: 'state-title', text: 'No data yet' }),
    h('p', { class: 'state-detail' }, 'Create an API key and send your first records — ',
      h('a', { href: '/docs/ingest.md', text: 'docs/ingest.md' }), '.'),
    h('p', { class: 'state-detail' }, h('code', { text: 'build/northstar-admin key add my-app ingest:events ingest:billing' })),
    h('button', { type: 'button', class: 'btn btn-small', text: 'Check again', onclick: () => recheckData() }));
}

/** Ask the server again whether data has arrived; remount the view when it has. */
async function recheckData() {
  try {
    const fresh = await get('/api/auth/me');
    noteDataVersion(fresh && fresh.data_version);
    lastRefresh = Date.now();
    if (fresh && fresh.has_data !== false) { me = fresh; mountView(true); } else tick();
  } catch (e) { console.warn('auth/me', e.message); }
}

function teardownView() {
  if (current && current.ctx) current.ctx.unmount();
  current = null;
}

/**
 * Mount the view of the URL.  Its module is loaded on first use
 * (views/index.js); a navigation while it loads wins (the stale mount is
 * dropped).
 */
async function mountView(force) {
  const url = location.pathname + location.search;
  if (!force && current && current.url === url) return;
  teardownView();
  const startedAt = performance.now();   // the page-load beacon's start (rum.js)
  const main = shell.main;
  clear(main);
  delete main.dataset.viewLoading;
  const parts = location.pathname.split('/').filter(Boolean);
  const entry = viewFor(parts);
  if (!entry) {
    main.append(stateBox('notfound', 'Page not found', 'Choose a view from the navigation.'));
    main.dataset.view = 'notfound';
    current = { url, ctx: null };
    return;
  }
  main.dataset.view = entry.key + (entry.detail ? '-detail' : '');
  if (!me.views.includes(entry.key)) {
    const box = stateBox('forbidden', 'You do not have access to this view',
      `Your role (${me.role}) may not open “${entry.label}”. Ask an administrator if you need it.`);
    box.classList.add('access-denied');
    main.append(box);
    document.title = `No access — Northstar`;
    current = { url, ctx: null };
    return;
  }
  document.title = `${entry.label} — Northstar`;
  const mine = current = { url, ctx: null, key: entry.key, loading: true };
  let def;
  // data-view-loading: the view's module is on its way (tests/e2e/lib.js settleView waits for it to go).
  main.dataset.viewLoading = '1';
  try {
    def = await entry.load();
  } catch (e) {
    if (current !== mine) return;
    delete main.dataset.viewLoading;
    console.warn('view', entry.key, e);
    main.append(stateBox('error', 'This view failed to load', `${e.message}. Check the connection and reload the page.`));
    current = { url, ctx: null };
    return;
  }
  if (current !== mine || !main.isConnected) return;   // the user moved on while it loaded
  delete main.dataset.viewLoading;
  // No data at all yet: the empty state instead of the panels, or above
  // them for a view that is useful before any data (whenEmpty: 'notice').
  const empty = me.has_data === false;
  if (empty && def.whenEmpty !== 'notice') {
    main.append(h('div', { class: 'view-head' }, h('h1', { text: def.label })), noDataBox());
    current = { url, ctx: null, key: def.key, empty };
    lastRefresh = Date.now();
    tick();
    return;
  }
  const ctx = createView(main, { onUpdated: (t) => { lastRefresh = Math.max(lastRefresh, t); tick(); } });
  current = { url, ctx, key: def.key, empty };
  lastRefresh = Date.now();
  try {
    def.mount(ctx, { me, params: parts.slice(1), navigate });
    ctx.onUnmount(measureView(main, main.dataset.view, startedAt));
  } catch (e) {
    console.warn('view', def.key, e);
    main.append(stateBox('error', 'This view failed to load', e.message));
  }
  if (empty) { const head = main.querySelector('.view-head'); if (head) head.after(noDataBox()); else main.prepend(noDataBox()); }
}

async function route() {
  const path = location.pathname;
  if (path === '/login') {
    if (me) { navigate(homeFor(me), { replace: true }); return; }
    renderLogin();
    return;
  }
  if (!me) {
    if (!localStorage.getItem(HINT)) { navigate(loginUrl(), { replace: true }); return; }
    try {
      me = await get('/api/auth/me');
      setCurrency(me.currency);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;   // handler sent us to sign-in
      clear(app);
      app.append(stateBox('error', 'Northstar cannot reach its server', e.message,
        h('button', { type: 'button', class: 'btn', text: 'Try again', onclick: () => route() })));
      return;
    }
  }
  if (!shell) renderShell();
  if (path === '/' || path === '') { navigate(homeFor(me) + location.search, { replace: true }); return; }
  syncShell();
  mountView(false);
}

/* ---------- auto-refresh ---------- */
function refreshNow() {
  lastRefresh = Date.now();
  if (current && current.ctx) current.ctx.refresh();
}

function tick() {
  if (!shell) return;
  const ago = Math.max(0, Math.round((Date.now() - lastRefresh) / 1000));
  shell.updated.textContent = document.hidden ? 'auto-refresh paused' : `updated ${ago} s ago`;
}
setInterval(() => {
  // An empty company: look every 30 s whether its first data has arrived.
  if (!document.hidden && current && current.empty && Date.now() - lastAttempt >= REFRESH_MS) { lastAttempt = Date.now(); recheckData(); }
  if (document.hidden || !current || !current.ctx) { tick(); return; }
  // While the stream is live, pushed messages and data_version ticks keep
  // the view current (view.js): polling every 30 s is the fallback when it
  // is not, and every 5 minutes when it is (figures of "today" move on at
  // midnight without any change to the data).
  const every = liveState() === 'live' ? LIVE_REFRESH_MS : REFRESH_MS;
  if (Date.now() - lastAttempt >= every) { lastAttempt = Date.now(); current.ctx.refresh(); }
  tick();
}, 1000);
document.addEventListener('visibilitychange', () => {
  tick();
  if (!document.hidden && current && current.ctx && Date.now() - lastAttempt >= REFRESH_MS) {
    lastAttempt = Date.now();
    current.ctx.refresh();
  }
});

/**
 * Test hook (tests/e2e/v-layout.test.js): add a chart panel to the view
 * shown, drawn by one of the shared builders from arguments given as JSON
 * — { id, title, asOfNow, builder: 'line'|'bar'|'mrr'|'pie', args } — so
 * the panel behaviours every view relies on (the "as of now" note, the
 * "to date" marking, the error for data that does not fit, "Show as
 * table") are checked on known data.  Resolves to the panel's state.
 */
const BUILDERS = {
  line: () => import('./charts/line.js').then((m) => m.lineOption),
  bar: () => import('./charts/bar.js').then((m) => m.barOption),
  mrr: () => import('./charts/mrr.js').then((m) => m.mrrOption),
  pie: () => import('./charts/pie.js').then((m) => m.pieOption),
};
async function testPanel({ id, title, asOfNow, builder, args }) {
  if (!current || !current.ctx || !BUILDERS[builder]) throw new Error('testPanel: no view shown, or an unknown builder');
  const make = await BUILDERS[builder]();
  const p = current.ctx.panel(current.ctx.grid(), { id, title, asOfNow, lazy: false, span: 'full', load: async () => args, chart: (a) => make(a) });
  for (let i = 0; i < 100 && ['idle', 'loading'].includes(p.el.dataset.state); i++) await new Promise((r) => setTimeout(r, 50));
  return p.el.dataset.state;
}

// Hook for the browser tests and for debugging from the console.
window.northstar = { charts: chartsSummary, live: liveInfo, testPanel, get user() { return me; } };

route();
