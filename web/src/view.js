// view.js — what a view module gets: a context to lay out panels, that
// activates lazy panels when they scroll into view, refreshes them all and
// cleans up when the user leaves the view.
import { h } from './dom.js';
import { createPanel } from './panel.js';
import { disposeCharts } from './charts/core.js';

export function createView(root, { onUpdated }) {
  const panels = [];
  const cleanups = [];
  let lastUpdated = 0;
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
    /** Refresh every panel that has been shown. */
    refresh() { for (const p of panels) if (p.active) p.refresh(); },
    /** Called by panels when fresh data arrived. */
    touched() { lastUpdated = Date.now(); onUpdated(lastUpdated); },
    get lastUpdated() { return lastUpdated; },
    onUnmount(fn) { cleanups.push(fn); },
    unmount() {
      io.disconnect();
      for (const fn of cleanups) { try { fn(); } catch (e) { console.warn(e); } }
      disposeCharts(root);
    },
  };
  return ctx;
}
