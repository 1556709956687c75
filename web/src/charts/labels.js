// labels.js — axis labels of time buckets, shared by the product, operations
// and marketing views (no ECharts import: a view's chunk does not pull
// another view's).
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Axis label of a bucket ("2026-11-02T14:00:00", the reporting zone's wall
 * clock, written without offset — read as written, never shifted): "14:00"
 * for hours of a single day, "Nov 2 14:00" for hours over several days,
 * "Nov 2" for days and weeks, "Nov 2026" for months.
 */
export function bucketLabel(b, granularity, severalDays = true) {
  const s = String(b);
  const m = MONTHS[Number(s.slice(5, 7)) - 1] || s.slice(5, 7);
  const day = `${m} ${Number(s.slice(8, 10))}`;
  if (granularity === 'month') return `${m} ${s.slice(0, 4)}`;
  if (granularity === 'hour') return severalDays ? `${day} ${s.slice(11, 16)}` : s.slice(11, 16);
  return day;
}

/** Labels of rows[key] for a granularity (several days: when the rows span more than one date). */
export function bucketLabels(rows, key, granularity) {
  const days = new Set((rows || []).map((r) => String(r[key]).slice(0, 10)));
  return (rows || []).map((r) => bucketLabel(r[key], granularity, days.size > 1));
}

