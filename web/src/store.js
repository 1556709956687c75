// store.js — the one store of mutable state: the global filters, kept in the
// URL query (range=7|30|90|365|custom, from, to, compare=1) so links can be
// shared and the back button works.

export const RANGES = ['7', '30', '90', '365', 'custom'];
const listeners = new Set();

const iso = (d) => d.toISOString().slice(0, 10);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The current filters, read from location.search and normalised. */
export function filters() {
  const q = new URLSearchParams(location.search);
  let range = q.get('range') || '30';
  if (!RANGES.includes(range)) range = '30';
  let from = q.get('from') || '', to = q.get('to') || '';
  if (range === 'custom' && !(DATE.test(from) && DATE.test(to) && from <= to)) {
    range = '30'; from = ''; to = '';
  }
  if (range !== 'custom') { from = ''; to = ''; }
  return { range, from, to, compare: q.get('compare') === '1' };
}

/** Query string that carries the filters (for links between views). */
export function filterQuery(f = filters()) {
  const q = new URLSearchParams();
  if (f.range !== '30') q.set('range', f.range);
  if (f.range === 'custom') { q.set('from', f.from); q.set('to', f.to); }
  if (f.compare) q.set('compare', '1');
  const s = q.toString();
  return s ? '?' + s : '';
}

/** Change some filters: a new history entry, then every listener is told. */
export function setFilters(patch) {
  const f = { ...filters(), ...patch };
  if (f.range === 'custom' && !(f.from && f.to)) {
    const t = new Date();
    f.to = f.to || iso(t);
    f.from = f.from || iso(new Date(t.getTime() - 29 * 864e5));
  }
  history.pushState(null, '', location.pathname + filterQuery(f));
  emit();
}

export function onFiltersChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }
export function emit() { for (const fn of listeners) fn(filters()); }

/** API range parameters for the filters: days=N, or from/to. */
export function rangeParams(f = filters()) {
  return f.range === 'custom' ? { from: f.from, to: f.to } : { days: Number(f.range) };
}

/** Number of days the filters span (inclusive). */
export function rangeDays(f = filters()) {
  if (f.range !== 'custom') return Number(f.range);
  return Math.round((Date.parse(f.to) - Date.parse(f.from)) / 864e5) + 1;
}

/** The period just before the selected one, as from/to parameters. */
export function previousParams(f = filters()) {
  const n = rangeDays(f);
  const end = f.range === 'custom' ? new Date(f.to + 'T00:00:00Z') : todayUtc();
  const to = new Date(end.getTime() - n * 864e5);
  const from = new Date(to.getTime() - (n - 1) * 864e5);
  return { from: iso(from), to: iso(to) };
}

function todayUtc() { const d = new Date(); return new Date(iso(d) + 'T00:00:00Z'); }

/** Human label of the range: "last 30 days" or "2024-01-01 – 2024-01-31". */
export function rangeLabel(f = filters()) {
  return f.range === 'custom' ? `${f.from} – ${f.to}` : `last ${f.range} days`;
}

/**
 * The as_of parameter of "as of a day" endpoints (NS_F_ASOF) for the
 * filters: none for a preset range (as of today), the range's last day for
 * a custom one — so "June 2026" shows the figures of 2026-06-30.
 */
export function asOfParams(f = filters()) {
  return f.range === 'custom' ? { as_of: f.to } : {};
}

/** as_of of the end of the period before the selected one (compare). */
export function previousAsOfParams(f = filters()) {
  return { as_of: previousParams(f).to };
}
