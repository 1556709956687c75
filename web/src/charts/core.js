// core.js — the charts' shared parts: the palettes and theme colours, the
// one function that draws an option into an element (renderChart: loads
// the ECharts chunk, echarts.js, on first use), the accessible text of a
// chart (aria description, "show as table" data: chartTable) and the test
// hook chartsSummary.  The builders (line.js, bar.js, …) make options and
// need no ECharts code, so a view's chunk stays small.
import { money, compact, pct, num, bucket } from '../format.js';
// The palettes and the light theme's text colours: palette.json, also read by
// the report renderer (services/alerts/render.c, through the Makefile's palette.h).
import colours from './palette.json' with { type: 'json' };

// Chart marks need 3:1 contrast against the panel surface (WCAG 1.4.11):
// Okabe–Ito hues, darkened for the light theme (#E69F00, #56B4E9, #F0E442,
// #CC79A7 are under 3:1 on white), as they are for the dark one.  The
// browser tests compute the ratios against the CSS surfaces.
export const PALETTE = colours.light;
export const PALETTE_DARK = colours.dark;
// Good / watch / bad marks, light and dark (the CSS --good/--warn/--bad hues).
export const STATUS = { good: '#007A56', warn: '#A96800', bad: '#C0392B' };
export const STATUS_DARK = { good: '#3cc99b', warn: '#f0b54a', bad: '#ff8a57' };

const live = new Set();   // elements holding a chart (el._nsChart: its ECharts instance)
let loading = null;       // the ECharts chunk, once asked for

let extras = null;        // the chart types few views draw (echarts-extra.js)

/** The ECharts module (echarts.js), loaded once. */
export function loadECharts() {
  if (!loading) loading = import('./echarts.js').then((m) => m.echarts);
  return loading;
}

// Series types drawn by the base build (echarts.js); others need echarts-extra.js.
const BASE_TYPES = new Set(['line', 'bar']);

/** ECharts with what option draws registered (the extra chunk only when a series needs it). */
async function echartsFor(option) {
  const echarts = await loadECharts();
  const needsExtra = [].concat(option.series || []).some((s) => s && s.type && !BASE_TYPES.has(s.type)) || option.visualMap;
  if (needsExtra) {
    if (!extras) extras = import('./echarts-extra.js');
    await extras;
  }
  return echarts;
}

function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

// theme() is called for every chart and card: the CSS custom properties are
// read once per theme (getComputedStyle forces a style recalculation of the
// whole page each time the DOM changed in between).
const themes = new Map();

/** Colours of the current theme, read from the CSS custom properties (once per theme). */
export function theme() {
  const key = document.documentElement.dataset.theme || 'light';
  if (!themes.has(key)) themes.set(key, readTheme(key === 'dark'));
  return themes.get(key);
}

function readTheme(dark) {
  return {
    dark,
    palette: dark ? PALETTE_DARK : PALETTE,
    status: dark ? STATUS_DARK : STATUS,
    text: cssVar('--text', colours.text),
    muted: cssVar('--muted', colours.muted),
    grid: cssVar('--grid', colours.grid),
    surface: cssVar('--surface', colours.surface),
  };
}

/** Axis label formatter for a value kind. */
export function axisFormatter(kind) {
  if (kind === 'money') return (v) => money(v);
  if (kind === 'pct') return (v) => pct(v, 0);
  return (v) => compact(v);
}

/** A value of a kind in full (tooltips, tables): $1,234, 12.5%, 1,234. */
export function valueText(kind, v) {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '—';
  if (kind === 'money') return money(v, { compact: false });
  if (kind === 'pct') return pct(v);
  return num(v, Number.isInteger(Number(v)) ? 0 : 2);
}

/** The label of the partial ("to date") bucket: "2026-12 (to date)". */
export const toDate = (label) => `${label} (to date)`;

/**
 * An axis-trigger tooltip in rich text (the CSP forbids the HTML one's
 * inline styles): the bucket, "(to date)" when partial, then each series
 * with a value (a series split into whole and partial parts shows once).
 */
export function axisTooltip(kind, partialFrom) {
  return (params) => {
    const list = Array.isArray(params) ? params : [params];
    if (!list.length) return '';
    const i = list[0].dataIndex;
    const label = bucket(list[0].axisValue ?? list[0].name);
    const head = Number.isInteger(partialFrom) && i >= partialFrom ? toDate(label) : label;
    const seen = new Set();
    const lines = [];
    for (const p of list) {
      const v = Array.isArray(p.value) ? p.value[p.value.length - 1] : (p.value && typeof p.value === 'object' ? p.value.value : p.value);
      if (v === null || v === undefined || v === '-' || seen.has(p.seriesName) || /^interval low$| low$/.test(p.seriesName)) continue;
      seen.add(p.seriesName);
      lines.push(`${p.seriesName}: ${valueText(kind, v)}`);
    }
    return [head, ...lines].join('\n');
  };
}

/** The number of a data item (a number, [x, y…] or {value}); null when none. */
function itemValue(d) {
  if (d === null || d === undefined) return null;
  if (Array.isArray(d)) return itemValue(d[d.length - 1]);
  if (typeof d === 'object') return itemValue(d.value);
  if (d === '-' || d === '') return null;
  const n = Number(d);
  return Number.isFinite(n) ? n : null;
}

/** Category labels of an option's first category axis (x, else y). */
function categories(option) {
  const axes = [].concat(option.xAxis || [], option.yAxis || []);
  const cat = axes.find((a) => a && a.type === 'category' && Array.isArray(a.data));
  return cat ? cat.data.map((c) => (c && typeof c === 'object' ? c.value : c)) : null;
}

/** The series a reader sees (not the invisible helpers of a stacked band). */
const visible = (s) => s && !s.nsHelper && !(s.tooltip && s.tooltip.show === false && s.silent);

/**
 * What is wrong with an option that would draw nothing useful, or null:
 * every series' data all null/NaN, or category labels "undefined"/"null"/
 * "NaN" (the view read fields the API does not send).  panel.js then shows
 * an error instead of an empty chart.
 */
export function optionProblem(option) {
  const series = [].concat(option.series || []).filter(Boolean);
  if (!series.length) return 'no series';
  const bad = [];
  const cats = categories(option);
  if (cats && cats.some((c) => c === undefined || c === null || /^(undefined|null|NaN)$/.test(String(c)))) bad.push('category labels');
  // A Sankey's figures are its links' values (its data are the nodes).
  const anyValue = series.some((s) => (s.type === 'sankey' ? s.links || [] : s.data || []).some((d) => {
    if (s.type === 'pie' || s.type === 'funnel') return itemValue(d) !== null && !/^(undefined|null|NaN)$/.test(String(d && d.name));
    return itemValue(d) !== null;
  }));
  if (!anyValue) bad.push(series.map((s) => s.name || s.type).join(', ') + ' values');
  return bad.length ? bad.join('; ') : null;
}

/**
 * The chart's data as a table {columns: [label…], rows: [[cell…]]}: one row
 * per category (or pie slice), one column per visible series; the "show as
 * table" alternative of panel.js and the aria description are made from it.
 */
export function chartTable(option) {
  const series = [].concat(option.series || []).filter(visible);
  const byName = [];
  for (const s of series) if (!byName.some((x) => x.name === (s.name || s.type))) byName.push({ name: s.name || s.type, parts: series.filter((x) => (x.name || x.type) === (s.name || s.type)) });
  if (series.length && ['pie', 'funnel', 'gauge'].includes(series[0].type)) {
    const s = series[0];
    return { columns: ['Item', s.name || 'Value'], rows: (s.data || []).map((d) => [String(d && d.name !== undefined ? d.name : ''), itemValue(d)]) };
  }
  if (series.length && series[0].type === 'sankey') {
    // Node names carry their level ("0:reports", charts/sankey.js): the table shows the label.
    const label = (n) => String(n).replace(/^\d+:/, '');
    return { columns: ['From', 'To', series[0].name || 'Value'], rows: (series[0].links || []).map((l) => [label(l.source), label(l.target), itemValue(l)]) };
  }
  if (series.length && series[0].type === 'heatmap') {
    const x = categories({ xAxis: option.xAxis }) || [], y = categories({ yAxis: option.yAxis }) || [];
    return { columns: ['Row', 'Column', series[0].name || 'Value'], rows: (series[0].data || []).map((d) => [String(y[d[1]] ?? d[1]), String(x[d[0]] ?? d[0]), itemValue(d)]) };
  }
  const cats = categories(option) || [];
  const n = Math.max(cats.length, ...series.map((s) => (s.data || []).length));
  const rows = [];
  for (let i = 0; i < n; i++) {
    // A series drawn in two parts (whole buckets solid, the partial one dashed) is one column.
    rows.push([String(cats[i] ?? i + 1), ...byName.map((b) => {
      for (const p of b.parts) { const v = itemValue((p.data || [])[i]); if (v !== null) return v; }
      return null;
    })]);
  }
  return { columns: [option.nsCategory || 'Category', ...byName.map((b) => b.name)], rows };
}

/** A short text description of the chart for screen readers (aria.label.description). */
export function describe(title, option) {
  const t = chartTable(option);
  if (!t.rows.length) return `${title}: no data.`;
  const first = t.rows[0][0], last = t.rows[t.rows.length - 1][0];
  const cols = t.columns.slice(1).map((c, j) => {
    const vals = t.rows.map((r) => r[j + 1]).filter((v) => v !== null);
    return vals.length ? `${c}: latest ${valueText(option.nsKind, vals[vals.length - 1])}, from ${valueText(option.nsKind, Math.min(...vals))} to ${valueText(option.nsKind, Math.max(...vals))}` : `${c}: no values`;
  });
  const partial = Number.isInteger(option.nsPartialFrom) ? ` The last ${t.rows.length - option.nsPartialFrom === 1 ? 'period is' : 'periods are'} partial (to date).` : '';
  return `${title}. ${t.rows.length} ${t.rows.length === 1 ? 'item' : 'items'}, ${first}${t.rows.length > 1 ? ` to ${last}` : ''}. ${cols.join('; ')}.${partial} Use "Show as table" for every value.`;
}

/** Let the browser run other tasks (input, painting) before going on. */
const yieldTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * A top legend wraps onto more lines in a narrow chart (a phone): move the
 * plot down by the lines it takes (an estimate from the names' lengths)
 * so the legend never covers it.
 */
function fitLegend(option, width) {
  const lg = option.legend;
  if (!lg || Array.isArray(lg) || lg.show === false || lg.top !== 0 || !option.grid || Array.isArray(option.grid) || !width) return;
  const names = lg.data || [...new Set([].concat(option.series || []).map((s) => s.name).filter(Boolean))];
  const widths = names.map((n) => String(n).length * 6.6 + 38);
  let lines = 1, x = 0;
  for (const w of widths) { if (x && x + w > width - 16) { lines++; x = 0; } x += w; }
  if (lines > 1) option.grid = { ...option.grid, top: (option.grid.top || 0) + (lines - 1) * 22 };
}

/**
 * Draw option into el (creating the chart on first use).  meta.title names
 * the chart in its aria description.  Resolves when ECharts reports the
 * frame finished; el.dataset.rendered is then "1".
 */
export async function renderChart(el, option, meta = {}) {
  const echarts = await echartsFor(option);
  const t = theme();
  let chart = el._nsChart && !el._nsChart.isDisposed() ? el._nsChart : null;
  if (!chart) {
    // A task of its own for the chart's creation and one for its first
    // drawing (after loading ECharts): shorter tasks keep a slow phone
    // responsive while a view draws.  (el._nsInit: one creation even when
    // two draws of the element overlap.)
    if (!el._nsInit) {
      el._nsInit = (async () => {
        await yieldTask();
        const c = echarts.init(el, null, { renderer: 'canvas' });
        el._nsChart = c;
        // Resize only when the box really changed (the observer's first call
        // reports the size the chart was just drawn at: a second full render).
        let size = `${el.clientWidth}x${el.clientHeight}`;
        const ro = new ResizeObserver(() => {
          const now = `${el.clientWidth}x${el.clientHeight}`;
          if (now === size || c.isDisposed()) return;
          size = now;
          c.resize();
        });
        ro.observe(el);
        el._nsResize = ro;
        live.add(el);
        return c;
      })();
    }
    chart = await el._nsInit;
    el._nsInit = null;
    await yieldTask();
  }
  if (chart.isDisposed() || !el.isConnected) return null;
  el._nsOption = option;
  el._nsTitle = meta.title || el._nsTitle || 'Chart';
  const quiet = option.nsQuiet;   // sparklines and gauges: no decals (their figure is in text beside them)
  const base = {
    animation: false,
    color: t.palette,
    backgroundColor: 'transparent',
    textStyle: { color: t.text, fontFamily: 'system-ui, sans-serif' },
    // Rich-text tooltips are drawn on the canvas: HTML tooltips would put
    // style attributes in innerHTML, which the CSP refuses.
    tooltip: { trigger: 'axis', renderMode: 'richText', confine: true },
    aria: quiet ? { enabled: true, label: { description: `${el._nsTitle}.` } }
      : { enabled: true, label: { description: describe(el._nsTitle, option) }, decal: { show: true } },
  };
  const { nsKind, nsPartialFrom, nsCategory, nsQuiet, ...clean } = option;
  fitLegend(clean, el.clientWidth);
  const merged = { ...base, ...clean, tooltip: { ...base.tooltip, ...(clean.tooltip || {}) }, aria: { ...base.aria, ...(clean.aria || {}) } };
  el.setAttribute('role', 'img');
  el.setAttribute('aria-label', merged.aria.label.description);
  return new Promise((resolve) => {
    chart.off('finished');
    // With animation off, "finished" fires inside setOption: subscribe first.
    chart.on('finished', () => { el.dataset.rendered = '1'; resolve(chart); });
    chart.setOption(merged, true);
  });
}

/**
 * Register a chart drawn without ECharts (the KPI cards' SVG sparklines and
 * gauges, kpi.js) so chartsSummary lists it like the others.
 */
export function registerDrawn(el, option) {
  el._nsOption = option;
  el._nsChart = { getOption: () => option, isDisposed: () => false, dispose() {} };
  el.dataset.rendered = '1';
  live.add(el);
}

/** Dispose every chart inside root (on leaving a view). */
export function disposeCharts(root) {
  for (const el of [...live]) {
    if (root && !root.contains(el) && el.isConnected) continue;
    if (el._nsChart && !el._nsChart.isDisposed()) el._nsChart.dispose();
    el._nsChart = null;
    if (el._nsResize) el._nsResize.disconnect();
    live.delete(el);
  }
}

/**
 * Test and debugging hook: every chart on the page with the number of data
 * points of each series (the browser tests check they are non-empty), the
 * category labels, the first partial ("to date") bucket, and per series
 * whether it is the partial part of a split series.
 */
export function chartsSummary() {
  return [...live].filter((el) => el.isConnected && el._nsChart && !el._nsChart.isDisposed()).map((el) => {
    const opt = el._nsChart.getOption();
    const panel = el.closest('[data-panel]');
    const src = el._nsOption || {};
    return {
      panel: panel ? panel.dataset.panel : null,
      kind: el.dataset.kind || null,
      rendered: el.dataset.rendered === '1',
      series: (opt.series || []).map((s) => ({ name: s.name || s.type, type: s.type, points: (s.data || []).length, partial: !!s.nsPartial, helper: !!s.nsHelper,
        values: (s.data || []).map(itemValue) })),
      labels: categories(src),
      partialFrom: Number.isInteger(src.nsPartialFrom) ? src.nsPartialFrom : null,
      decal: !!(opt.aria && opt.aria[0] ? opt.aria[0].decal && opt.aria[0].decal.show : opt.aria && opt.aria.decal && opt.aria.decal.show),
      description: el.getAttribute('aria-label'),
    };
  });
}
