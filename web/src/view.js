// view.js — what a view module gets: a context to lay out panels, that
// activates lazy panels when they scroll into view, refreshes them all,
// hears the live stream for as long as it is shown (a data_version message
// refetches its panels) and cleans up when the user leaves the view.
import { h } from './dom.js';
import { createPanel } from './panel.js';
import { disposeCharts } from './charts/core.js';
import { on as onLive } from './live.js';

const REFETCH_GAP_MS = 1000;   // a data_version message refetches at most once a second
const REVEAL_MS = 3000;        // at the latest, every panel is shown this long after the view mounts

export function createView(root, { onUpdated }) {
  const panels = [];
  const titles = [];     // {el} of section titles (they wait like panels)
  const cleanups = [];
  let lastUpdated = 0;
  let refetchTimer = 0, lastRefetch = 0;
  // Layout stability: a panel below one still loading would be pushed down
  // when that one gets its final height (a layout shift).  So a panel is
  // shown (class panel-wait removed, styles.css) once every panel before it
  // in the page has settled or has not started (a lazy one out of sight),
  // or REVEAL_MS after mounting; once shown it stays shown.
  let revealAll = false, revealQueued = false;
  const revealTimer = setTimeout(() => { revealAll = true; reveal(); }, REVEAL_MS);
  function reveal() {
    revealQueued = false;
    // Section titles between the grids wait with the panels after them.
    const order = panels.concat(titles).sort((a, b) => (a.el.compareDocumentPosition(b.el) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    let blocked = false;
    for (const p of order) {
      if (!blocked || revealAll) p.el.classList.remove('panel-wait');
      const st = p.el.dataset.state;
      if (st === 'loading' || (st === 'idle' && p.active)) blocked = true;
    }
  }
  function queueReveal() {
    if (revealQueued) return;
    revealQueued = true;
    queueMicrotask(reveal);
  }
  const io = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      const p = panels.find((x) => x.el === e.target);
      if (p) { p.activate(); io.unobserve(e.target); }
    }
  }, { rootMargin: '600px 0px' });   // about a screen ahead: a panel is drawn by the time it is scrolled to

  const ctx = {
    root,
    /** A heading and intro for the view, and the view's own actions (an element) beside them. */
    header(title, intro, actions = null) {
      root.append(h('div', { class: 'view-head' }, h('h1', { text: title }), intro ? h('p', { class: 'view-intro', text: intro }) : null,
        actions ? h('div', { class: 'view-actions' }, actions) : null));
    },
    /** A responsive grid of panels; returns its element. */
    grid(parent = root, cls = '') {
      const g = h('div', { class: `grid ${cls}` });
      parent.append(g);
      return g;
    },
    section(title, parent = root) {
      const s = h('h2', { class: `section-title${revealAll ? '' : ' panel-wait'}`, text: title });
      parent.append(s);
      titles.push({ el: s });
      queueReveal();
      return s;
    },
    /** Add a panel to parent (see panel.js); lazy unless spec.lazy === false. */
    panel(parent, spec) {
      const p = createPanel(spec, ctx);
      if (!revealAll) p.el.classList.add('panel-wait');
      parent.append(p.el);
      panels.push(p);
      if (spec.lazy === false) p.activate(); else io.observe(p.el);
      queueReveal();
      return p;
    },
    /** Refresh every panel that has been shown (opts: see panel.refresh). */
    refresh(opts) { for (const p of panels) if (p.active) p.refresh(opts); },
    /**
     * Listen to live messages of a type while this view is shown (the
     * listener goes when the view unmounts); fn(msg, meta).
     */
    live(type, fn) { cleanups.push(onLive(type, fn)); },
    /** Called by panels when their state changes (loading, ready, …). */
    stateChanged() { queueReveal(); },
    /** Called by panels when fresh data arrived. */
    touched() { lastUpdated = Date.now(); onUpdated(lastUpdated); },
    get lastUpdated() { return lastUpdated; },
    onUnmount(fn) { cleanups.push(fn); },
    unmount() {
      clearTimeout(refetchTimer);
      clearTimeout(revealTimer);
      io.disconnect();
      for (const fn of cleanups) { try { fn(); } catch (e) { console.warn(e); } }
      disposeCharts(root);
    },
  };

  // A data_version message: what the figures are computed from changed
  // (a rollup refresh landed).  Refetch the panels shown, at most once a
  // second (the trailing one of a burst), leaving out those a live message
  // redrew within the last second (their figures are that new already).
  // The new version is in api.js before this runs: the refetch misses
  // nginx's cached answers of the old one.
  ctx.live('data_version', () => {
    if (refetchTimer) return;
    const wait = Math.max(0, lastRefetch + REFETCH_GAP_MS - Date.now());
    refetchTimer = setTimeout(() => {
      refetchTimer = 0;
      lastRefetch = Date.now();
      if (!root.isConnected) return;
      ctx.refresh({ unlessLiveWithin: REFETCH_GAP_MS });
    }, wait);
  });
  return ctx;
}
