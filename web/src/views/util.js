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

/**
 * Index of the first partial bucket of a trend (the bucket holding today:
 * a day, week or month not over yet), or null when every bucket is whole.
 * rows[key]: the bucket's first day ("YYYY-MM-DD…", or "YYYY-MM" for
 * months); today: "YYYY-MM-DD" (default: the browser's local date).  The
 * chart builders take it as partialFrom and draw those points as "to date".
 */
export function partialFrom(rows, key, granularity, today = localToday()) {
  if (!rows || !rows.length) return null;
  const last = String(rows[rows.length - 1][key]);
  const start = last.length === 7 ? `${last}-01` : last.slice(0, 10);
  const days = granularity === 'month' ? 31 : granularity === 'week' ? 7 : 1;
  const endMs = granularity === 'month'
    ? Date.UTC(Number(start.slice(0, 4)), Number(start.slice(5, 7)), 1)
    : Date.parse(start + 'T00:00:00Z') + days * 864e5;
  const todayMs = Date.parse(today + 'T00:00:00Z');
  return todayMs >= Date.parse(start + 'T00:00:00Z') && todayMs < endMs ? rows.length - 1 : null;
}

/** Index of the first row the API marks partial (`partial: true`: a month to date), or null. */
export function firstPartial(rows) {
  const i = (rows || []).findIndex((r) => r.partial);
  return i < 0 ? null : i;
}

function localToday() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * The drill-down of a trend's bucket: the view itself with the date range
 * set to that bucket (a day, the week from its first day, or the month),
 * never past today — so every panel of the view shows what is behind the
 * point (by source, by platform, …).  bucket: "YYYY-MM-DD…" or "YYYY-MM".
 */
export function bucketHref(view, bucket, granularity, today = localToday()) {
  const b = String(bucket);
  const from = b.length === 7 ? `${b}-01` : b.slice(0, 10);
  if (!/^\d{4}-\d\d-\d\d$/.test(from)) return null;
  const start = Date.parse(from + 'T00:00:00Z');
  const end = granularity === 'month'
    ? Date.UTC(Number(from.slice(0, 4)), Number(from.slice(5, 7)), 0)
    : start + (granularity === 'week' ? 6 : 0) * 864e5;
  let to = new Date(end).toISOString().slice(0, 10);
  if (to > today) to = today;
  if (to < from) return null;
  return `/${view}?range=custom&from=${from}&to=${to}`;
}
