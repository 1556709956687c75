// view.js — what a view module gets: a context to lay out panels, that
// activates lazy panels when they scroll into view, refreshes them all,
// hears the live stream for as long as it is shown (a data_version message
// refetches its panels) and cleans up when the user leaves the view.
import { h } from './dom.js';
import { createPanel } from './panel.js';
import { disposeCharts } from './charts/core.js';
import { on as onLive } from './live.js';

const REFETCH_GAP_MS = 1000;   // a data_version message refetches at most once a second

export function createView(root, { onUpdated }) {
  const panels = [];
  const cleanups = [];
  let lastUpdated = 0;
  let refetchTimer = 0, lastRefetch = 0;
  const io = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      const p = panels.find((x) => x.el === e.target);
      if (p) { p.activate(); io.unobserve(e.target); }
    }
  }, { rootMargin: '200px 0px' });

  const ctx = {
    root,
    /** A heading and intro for the view. */
    header(title, intro) {
      root.append(h('div', { class: 'view-head' }, h('h1', { text: title }), intro ? h('p', { class: 'view-intro', text: intro }) : null));
    },
    /** A responsive grid of panels; returns its element. */
    grid(parent = root, cls = '') {
      const g = h('div', { class: `grid ${cls}` });
      parent.append(g);
      return g;
    },
    section(title, parent = root) {
      const s = h('h2', { class: 'section-title', text: title });
      parent.append(s);
      return s;
    },
    /** Add a panel to parent (see panel.js); lazy unless spec.lazy === false. */
    panel(parent, spec) {
      const p = createPanel(spec, ctx);
      parent.append(p.el);
      panels.push(p);
      if (spec.lazy === false) p.activate(); else io.observe(p.el);
      return p;
    },
    /** Refresh every panel that has been shown (opts: see panel.refresh). */
    refresh(opts) { for (const p of panels) if (p.active) p.refresh(opts); },
    /**
     * Listen to live messages of a type while this view is shown (the
     * listener goes when the view unmounts); fn(msg, meta).
     */
    live(type, fn) { cleanups.push(onLive(type, fn)); },
    /** Called by panels when fresh data arrived. */
    touched() { lastUpdated = Date.now(); onUpdated(lastUpdated); },
    get lastUpdated() { return lastUpdated; },
    onUnmount(fn) { cleanups.push(fn); },
    unmount() {
      clearTimeout(refetchTimer);
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
