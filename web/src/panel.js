// panel.js — the building block of every view: a titled card that loads
// its data (only once scrolled into view when lazy), shows a skeleton, then
// the chart/table/content, or a clear empty / not-available / error state.
// A 503 keeps the last values on screen with a notice.  Every panel says how
// old its data is ("as of 12:04:31"), takes live updates (patch) and marks
// the figures that changed for two seconds.
import { h, clear } from './dom.js';
import { renderChart, disposeCharts, optionProblem, chartTable, valueText } from './charts/core.js';
import { downloadCsv, ApiError, asOfOf, asOfCached } from './api.js';
import { byKind, clock } from './format.js';
import { filters } from './store.js';

let seq = 0;
const CHANGED_MS = 2000;


/** Parse a message's `at` (ISO 8601) to epoch ms; null when it is not a time. */
export function atOf(msg) {
  const t = msg && typeof msg.at === 'string' ? Date.parse(msg.at) : NaN;
  return Number.isFinite(t) ? t : null;
}

/** The figures shown in el: {kpi id: value text} of its KPI cards. */
function figures(el) {
  const out = new Map();
  for (const k of el.querySelectorAll('[data-kpi]')) {
    const v = k.querySelector('.kpi-value');
    if (v) out.set(k.dataset.kpi, v.textContent);
  }
  return out;
}

/**
 * Mark the KPI cards of el whose value differs from before (a Map from
 * figures()) with the class kpi-changed for two seconds, so a person sees
 * what moved (styles.css: a highlight; no animation under
 * prefers-reduced-motion).
 */
function markChanged(el, before) {
  if (!before.size) return;
  for (const k of el.querySelectorAll('[data-kpi]')) {
    const v = k.querySelector('.kpi-value');
    if (!v || !before.has(k.dataset.kpi) || before.get(k.dataset.kpi) === v.textContent) continue;
    k.classList.add('kpi-changed');
    k.dataset.changed = String(Date.now());
    setTimeout(() => k.classList.remove('kpi-changed'), CHANGED_MS);
  }
}

/** A skeleton placeholder of the given kind. */
export function skeleton(kind) {
  if (kind === 'table') return h('div', { class: 'skel-table', 'aria-hidden': 'true' }, [1, 2, 3, 4, 5].map(() => h('div', { class: 'skel skel-row' })));
  if (kind === 'kpi') return h('div', { class: 'skel skel-kpi', 'aria-hidden': 'true' });
  return h('div', { class: 'skel skel-chart', 'aria-hidden': 'true' });
}

/** A chart option that cannot be drawn (panel.js shows an error, never an empty chart). */
export class DrawError extends Error {}

/** A state message (empty, not available, error, forbidden). */
export function stateBox(kind, title, detail, action) {
  return h('div', { class: `state state-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('p', { class: 'state-title', text: title }),
    detail ? h('p', { class: 'state-detail', text: detail }) : null,
    action || null);
}

/**
 * Create a panel.  spec:
 *   id, title, subtitle, span ('full'|'half'|'third'), lazy (default true),
 *   load(f) → Promise<data>,
 *   chart(data, f) → ECharts option | null (null = no data),
 *   table: { columns: [{key, label, kind, link(row)}], rows(data) → [...], empty },
 *   render(body, data, f) → content for custom panels (return false = empty),
 *   csv: { path, params(f), filename } — adds a "Download CSV" button,
 *   endpoint: the path named in the not-available message,
 *   controls: elements placed in the panel header (selects, toggles),
 *   asOf: false — no "as of" line (items that carry their own times),
 *   asOfNow: true — a figure "as of now" by nature: the panel says the date
 *   range does not apply to it.
 *   drill(index, data, f) → href of the breakdown behind the chart's
 *   index-th category, or null (a click on the point; the table's row link).
 * A chart panel has a "Show as table" button: the chart's data (from its
 * option, charts/core.js chartTable) as an accessible table below it.
 * Returns { el, refresh({ unlessLiveWithin }), activate(), patch(fn, at),
 * data, liveAt }: patch applies a live message to the panel's data
 * (fn(data) changes it in place; returning false means it did not apply)
 * and redraws without a fetch; the "as of" line then gives the message's
 * time.
 */
export function createPanel(spec, view) {
  const id = spec.id || `p${++seq}`;
  const titleId = `${id}-title`;
  const kind = spec.chart ? 'chart' : spec.table ? 'table' : spec.kind || 'custom';
  const body = h('div', { class: 'panel-body' }, skeleton(kind === 'chart' ? 'chart' : kind === 'table' ? 'table' : 'kpi'));
  const notice = h('p', { class: 'panel-notice', role: 'status', hidden: true });
  const asOfEl = h('p', { class: 'panel-asof', hidden: true }, h('time'));
  const actions = h('div', { class: 'panel-actions' }, spec.controls || null);
  const nowNote = spec.asOfNow ? h('p', { class: 'panel-now', dataset: { asofnow: '1' }, text: 'now — the date range does not apply' }) : null;
  // "Show as table": the drawn chart's data as a table (the keyboard and
  // screen-reader alternative of the canvas).
  const tableId = `${id}-data`;
  const tableBox = h('div', { class: 'chart-table', id: tableId, hidden: true });
  let option = null;        // the option drawn last (its table is made from it)
  const tableBtn = spec.chart ? h('button', {
    type: 'button', 'data-show-table': id, 'aria-expanded': 'false', 'aria-controls': tableId,
    'aria-label': `Show as table: ${spec.title}`, class: 'btn btn-small is-waiting', text: 'Show as table',
    onclick: () => { tableBox.hidden = !tableBox.hidden; showTable(); },
  }) : null;
  if (tableBtn) actions.append(tableBtn);
  /*
   * Drill-down from a chart point (spec.drill(index, data, f) → the href of
   * the breakdown behind the index-th category, or null): a click anywhere
   * in a category's column of the plot opens it (lines without symbols and
   * thin bars are easy to hit; a history entry, so Back returns), and the
   * "Show as table" rows link to the same places for the keyboard.
   */
  let drillData = null, drillF = null;
  function drillHref(i) { return spec.drill && drillData ? spec.drill(i, drillData, drillF) : null; }
  function drillOn(chart, d, f) {
    drillData = d; drillF = f;
    if (chart._nsDrill) return;   // one listener per chart; it reads the newest data
    const zr = chart.getZr();
    const at = (e) => {
      const p = [e.offsetX, e.offsetY];
      if (!chart.containPixel({ gridIndex: 0 }, p)) return null;
      const c = chart.convertFromPixel({ gridIndex: 0 }, p);
      const i = Array.isArray(c) ? Math.round(c[0]) : NaN;
      return Number.isInteger(i) && i >= 0 ? drillHref(i) : null;
    };
    chart._nsDrill = (e) => {
      const href = at(e);
      if (!href) return;
      history.pushState(null, '', href);
      dispatchEvent(new PopStateEvent('popstate'));   // the router (main.js) follows history
    };
    zr.on('click', chart._nsDrill);
    zr.on('mousemove', (e) => { if (at(e)) zr.setCursorStyle('pointer'); });
  }
  function showTable() {
    if (!tableBtn) return;
    tableBtn.setAttribute('aria-expanded', String(!tableBox.hidden));
    clear(tableBox);
    if (tableBox.hidden || !option) return;
    const t = chartTable(option);
    tableBox.append(h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': `${spec.title}: data` },
      h('table', { dataset: { chartTable: id } },
        h('caption', { class: 'sr-only', text: `${spec.title}: the chart's data` }),
        h('thead', {}, h('tr', {}, t.columns.map((c, i) => h('th', { scope: 'col', class: i ? 'num' : '', text: c })))),
        h('tbody', {}, t.rows.map((r, row) => h('tr', {}, r.map((v, i) => {
          if (i) return h('td', { class: 'num', dataset: { value: v === null ? '' : String(v) }, text: valueText(option.nsKind, v) });
          const href = drillHref(row);
          return h('th', { scope: 'row' }, href ? h('a', { href, 'data-drill': '' }, v) : v);
        })))))));
  }
  if (spec.csv) {
    actions.append(h('button', {
      type: 'button', class: 'btn btn-small', 'data-csv': id,
      'aria-label': `Download ${spec.title} as CSV`,
      onclick: async (e) => {
        const btn = e.currentTarget;
        btn.disabled = true;
        try {
          const f = filters();
          await downloadCsv(spec.csv.path, spec.csv.params ? spec.csv.params(f) : {}, spec.csv.filename || `${id}.csv`);
        } catch (err) {
          notice.hidden = false;
          notice.textContent = `CSV download failed: ${err.message}`;
        } finally { btn.disabled = false; }
      },
    }, 'CSV'));
  }
  const el = h('section', {
    class: `panel panel-${spec.span || 'half'} panel-kind-${kind}${spec.tall ? ' panel-tall' : ''}`, 'aria-labelledby': titleId,
    dataset: { panel: id, state: 'idle', asof: spec.asOf === false ? 'none' : 'shown' }, 'aria-busy': 'true',
  },
  h('header', { class: 'panel-head' },
    h('div', {}, h('h2', { id: titleId, text: spec.title }), spec.subtitle ? h('p', { class: 'panel-sub', text: spec.subtitle }) : null, nowNote, asOfEl),
    actions),
  notice, body, spec.chart ? tableBox : null);

  let active = false, hasContent = false, gen = 0;
  let data = null;          // the data drawn (an API answer, patched by live messages)
  let liveAt = 0;           // Date.now() of the last live patch
  let apiAt = null, apiCached = false, msgAt = null;
  let inFlight = null;      // live patches [fn, at] that came while a refresh was loading

  /**
   * The "as of" line: the time the API answer was made (asOfOf in api.js;
   * "or later" when only a bound is known from a cached answer) and, after
   * a live message changed some of the figures, that message's time too
   * (the others are as old as the answer).
   */
  function showAsOf() {
    const t = asOfEl.firstChild;
    if (spec.asOf === false) return;   // a panel whose items carry their own times (the live feed)
    asOfEl.hidden = !hasContent && apiAt === null;
    asOfEl.dataset.asof = apiAt === null ? '' : String(apiAt);
    asOfEl.dataset.live = msgAt === null ? '' : String(msgAt);
    const live = msgAt !== null ? ` · updated live ${clock(msgAt)}` : '';
    if (apiAt === null) {
      t.removeAttribute('datetime');
      t.textContent = `as of: unknown (a cached copy)${live}`;
      return;
    }
    t.dateTime = new Date(apiAt).toISOString();
    t.textContent = `as of ${clock(apiAt)}${live}`;
    t.title = (apiCached ? 'from the cache: made at this time or later' : 'the time the server made this answer')
      + (msgAt !== null ? '; then changed by a live update' : '');
  }

  function setState(s) {
    el.dataset.state = s;
    el.setAttribute('aria-busy', s === 'loading' ? 'true' : 'false');
    if (view.stateChanged) view.stateChanged();
  }

  async function draw(d, f) {
    const before = figures(body);
    const ok = await drawInner(d, f);
    markChanged(body, before);
    return ok;
  }

  async function drawInner(data, f) {
    if (spec.chart) {
      const next = spec.chart(data, f);
      if (!next) { option = null; return false; }
      // Data that does not fit the chart (fields the API does not send)
      // would draw an empty frame: an error instead.
      const problem = optionProblem(next);
      if (problem) throw new DrawError(`This data could not be drawn (fields missing: ${problem})`);
      let box = body.querySelector(':scope > .chart');
      if (!box) { disposeCharts(body); clear(body); box = h('div', { class: `chart ${spec.tall ? 'chart-tall' : ''}`, dataset: { kind: spec.chartKind || 'chart' } }); body.append(box); }
      option = next;
      const chart = await renderChart(box, next, { title: spec.title });
      if (chart && spec.drill) drillOn(chart, data, f);
      if (tableBtn) tableBtn.classList.remove('is-waiting');
      showTable();
      return true;
    }
    if (spec.table) {
      const rows = spec.table.rows(data, f) || [];
      disposeCharts(body); clear(body);
      if (!rows.length) return false;
      body.append(table(spec.table.columns, rows, spec.title));
      return true;
    }
    disposeCharts(body); clear(body);
    const r = await spec.render(body, data, f);
    return r !== false;
  }

  async function refresh({ unlessLiveWithin = 0 } = {}) {
    if (!active) return;
    // Figures that came in a live message a moment ago are newer than what
    // a refetch triggered by the same change would bring.
    if (unlessLiveWithin && Date.now() - liveAt < unlessLiveWithin) return;
    const my = ++gen;
    const f = filters();
    if (!hasContent) setState('loading');
    const patches = inFlight = [];
    let answer;
    try {
      answer = await spec.load(f);
    } catch (err) {
      if (inFlight === patches) inFlight = null;
      if (my !== gen) return;
      return fail(err, f);
    }
    if (inFlight === patches) inFlight = null;
    if (my !== gen || !el.isConnected) return;
    // A message that came while the answer was being made may be newer than
    // it: applied again on the answer when its time is after the answer's.
    const made = asOfOf(answer);
    let lateAt = null;
    for (const [fn, at] of patches) {
      if (made !== null && at !== null && at <= made) continue;
      if (fn(answer) !== false) lateAt = at;
    }
    notice.hidden = true;
    let ok;
    try { ok = await draw(answer, f); } catch (err) {
      if (my !== gen) return;
      return fail(err instanceof DrawError ? err : (console.warn('panel', id, err), new DrawError('This data could not be drawn')), f);
    }
    if (my !== gen) return;
    data = answer;
    apiAt = made; apiCached = asOfCached(answer); msgAt = lateAt;
    if (lateAt !== null) liveAt = Date.now();
    if (!ok) {
      if (tableBtn) { tableBtn.classList.add('is-waiting'); tableBox.hidden = true; option = null; showTable(); }
      disposeCharts(body); clear(body);
      body.append(stateBox('empty', spec.empty || 'No data for this period', 'Try a longer date range.'));
      hasContent = false;
      setState('empty');
    } else {
      hasContent = true;
      setState('ready');
    }
    showAsOf();
    view.touched();
  }

  /**
   * Apply a live message: fn(data) changes the drawn data in place (false:
   * nothing to apply), then the panel is drawn again from it.  at: the
   * message's time (epoch ms).  Nothing happens before the first answer.
   */
  async function patch(fn, at) {
    if (inFlight) inFlight.push([fn, at === undefined ? null : at]);
    if (!active || data === null || !hasContent || !el.isConnected) return false;
    if (fn(data) === false) return false;
    // gen is left alone: a refresh in flight still lands (with this patch
    // applied again if the answer is older than the message).
    const mine = data;
    liveAt = Date.now();
    if (at !== null && at !== undefined) msgAt = at;
    try { await draw(data, filters()); } catch (err) { console.warn('panel', id, err); return false; }
    if (mine !== data) return false;
    showAsOf();
    view.touched();
    return true;
  }

  async function fail(err, f) {
    if (err instanceof DrawError) {
      disposeCharts(body); clear(body);
      hasContent = false; data = null; option = null; asOfEl.hidden = true;
      if (tableBtn) { tableBtn.classList.add('is-waiting'); tableBox.hidden = true; showTable(); }
      body.append(stateBox('error', err.message, 'The server\'s answer lacks what this chart needs.'));
      setState('error');
      return;
    }
    if (!(err instanceof ApiError)) { console.warn('panel', id, err); err = new ApiError(0, 'error', String(err.message || err)); }
    if (err.status === 401) return;
    if (err.unavailable) {
      notice.hidden = false;
      notice.textContent = 'Data temporarily unavailable — showing last values.';
      if (err.last !== undefined && !hasContent) {
        try { hasContent = await draw(err.last, f); } catch { hasContent = false; }
        if (hasContent) { data = err.last; apiAt = asOfOf(err.last); apiCached = asOfCached(err.last); msgAt = null; showAsOf(); }
      }
      if (hasContent) { setState('stale'); return; }
      disposeCharts(body); clear(body);
      body.append(stateBox('error', 'Data temporarily unavailable', 'Retrying automatically.'));
      setState('stale');
      return;
    }
    disposeCharts(body); clear(body);
    hasContent = false;
    data = null;
    asOfEl.hidden = true;
    if (tableBtn) { tableBtn.classList.add('is-waiting'); tableBox.hidden = true; option = null; showTable(); }
    if (err.notAvailable) {
      body.append(stateBox('na', 'Not available yet', `This data (${spec.endpoint || 'its API endpoint'}) is not provided by the server yet.`));
      setState('na');
    } else if (err.status === 403) {
      body.append(stateBox('forbidden', 'No access', 'Your role may not see this data.'));
      setState('forbidden');
    } else if (err.status === 422) {
      // the figure cannot be made from the data there is yet (a forecast of a company with a few
      // months of history): not a failure; the server's message says what is missing
      body.append(stateBox('empty', 'Not enough data yet', err.message));
      setState('empty');
    } else {
      body.append(stateBox('error', 'Could not load this data', err.message,
        h('button', { type: 'button', class: 'btn btn-small', onclick: () => refresh(), text: 'Retry' })));
      setState('error');
    }
  }

  function activate() {
    if (active) return;
    active = true;
    refresh();
  }

  return { el, refresh, activate, patch, get active() { return active; }, get data() { return data; }, get liveAt() { return liveAt; } };
}

/** An accessible table; columns: [{key, label, kind, link(row) → href, value(row)}]. */
export function table(columns, rows, caption) {
  const numeric = (k) => ['money', 'kmoney', 'pct', 'change', 'num', 'int'].includes(k);
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', {},
      h('caption', { class: 'sr-only', text: caption }),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: numeric(c.kind) ? 'num' : '', text: c.label })))),
      h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => {
        const v = c.value ? c.value(r) : r[c.key];
        const text = byKind(c.kind, v);
        const cls = [numeric(c.kind) ? 'num' : '', c.kind === 'date' || c.kind === 'datetime' ? 'when' : '', c.tone ? `tone-${c.tone(r) || ''}` : ''].join(' ').trim();
        const href = c.link ? c.link(r) : null;
        return h('td', { class: cls || null }, href ? h('a', { href, 'data-link': '' }, text) : c.badge ? h('span', { class: `badge badge-${String(v).toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, text }) : text);
      }))))));
}
