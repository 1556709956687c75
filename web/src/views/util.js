// util.js — helpers shared by the views.
import { ApiError } from '../api.js';
import { h } from '../dom.js';

/**
 * Wait for several named requests; resolves to {name: value} with the
 * failed ones left undefined (their errors in .errors).  When every one
 * failed, rejects with the most telling error (so the panel shows it).
 */
export async function gather(obj) {
  const names = Object.keys(obj);
  const res = await Promise.allSettled(names.map((n) => obj[n]));
  const out = { errors: {} };
  let ok = 0;
  res.forEach((r, i) => {
    if (r.status === 'fulfilled') { out[names[i]] = r.value; ok++; } else out.errors[names[i]] = r.reason;
  });
  if (!ok && names.length) {
    const errs = Object.values(out.errors);
    throw errs.find((e) => e instanceof ApiError && !e.notAvailable) || errs[0];
  }
  return out;
}

/** Does the role pass a route's role list ('ceo', 'cs', 'sales' or 'all')? */
export function allowed(me, roles) {
  return !roles || roles === 'all' || roles.split(/[ ,|]+/).includes(me.role);
}

/** Values of key over rows, as numbers (null kept). */
export const col = (rows, key) => (rows || []).map((r) => (r[key] === null || r[key] === undefined ? null : Number(r[key])));
export const labels = (rows, key) => (rows || []).map((r) => String(r[key]));

/** A labelled <select>; onChange(value). */
export function select(id, label, options, value, onChange) {
  const s = h('select', { id, onchange: (e) => onChange(e.target.value) },
    options.map(([v, t]) => h('option', { value: v, selected: v === value, text: t })));
  return h('span', { class: 'control' }, h('label', { for: id, class: 'sr-only', text: label }), s);
}

/** Months (YYYY-MM) of a list of date strings. */
export const month = (d) => String(d).slice(0, 7);

/** Humanise snake_case words: "schedule_check_in" → "Schedule check in". */
export function words(s) {
  if (s === null || s === undefined) return '—';
  const t = String(s).replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}
