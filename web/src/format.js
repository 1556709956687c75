// format.js — number, money, percent and date formatting for the UI.

const nf0 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const nf2 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export const isNum = (v) => v !== null && v !== undefined && v !== '' && Number.isFinite(Number(v));
const DASH = '—';

export function num(v, digits = 0) {
  if (!isNum(v)) return DASH;
  return (digits === 0 ? nf0 : digits === 1 ? nf1 : nf2).format(Number(v));
}

// The reporting currency's symbol ("$", "€", "CHF"): /api/auth/me's currency, set once at sign-in.
let symbol = '$';
export function setCurrency(code) {
  try {
    const part = new Intl.NumberFormat('en-US', { style: 'currency', currency: code, currencyDisplay: 'narrowSymbol' })
      .formatToParts(0).find((p) => p.type === 'currency');
    symbol = part ? (part.value.length > 1 ? `${part.value} ` : part.value) : '$';
  } catch { symbol = '$'; }
}

/** Money in reporting-currency units (the API converts cents): $12.3k, $1.2M, $950. */
export function money(v, { compact = true } = {}) {
  if (!isNum(v)) return DASH;
  const n = Number(v), a = Math.abs(n), s = n < 0 ? '-' : '';
  if (compact && a >= 1e6) return `${s}${symbol}${nf2.format(a / 1e6)}M`;
  if (compact && a >= 1e4) return `${s}${symbol}${nf1.format(a / 1e3)}k`;
  return `${s}${symbol}${(a >= 100 ? nf0 : nf2).format(a)}`;
}

/** A percentage value that is already × 100 (12.5 → "12.5%"). */
export function pct(v, digits = 1) {
  if (!isNum(v)) return DASH;
  return `${Number(v).toFixed(digits)}%`;
}

/** A signed change in percent: "+3.2%", "−1.0%". */
export function change(v, digits = 1) {
  if (!isNum(v)) return DASH;
  const n = Number(v);
  return `${n > 0 ? '+' : n < 0 ? '−' : '±'}${Math.abs(n).toFixed(digits)}%`;
}

export function compact(v) {
  if (!isNum(v)) return DASH;
  const n = Number(v), a = Math.abs(n);
  if (a >= 1e6) return nf1.format(n / 1e6) + 'M';
  if (a >= 1e4) return nf1.format(n / 1e3) + 'k';
  return nf1.format(n);
}

export function date(v) {
  if (!v) return DASH;
  return String(v).slice(0, 10);
}

const p2 = (n) => String(n).padStart(2, '0');

/**
 * A timestamp (ISO 8601, any offset) as the reader's local date and time,
 * "2026-12-02 13:04" (no "T", no zone suffix, no seconds; views slice the
 * date as [0, 10] and the time as [11]); text that is not a time is shown
 * as it is.
 */
export function datetime(v) {
  if (!v) return DASH;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}`;
}

/**
 * A bucket label of the API ("2026-11-02T00:00:00Z", "2026-11-02 00",
 * "2026-11") for an axis: the date, with the hour only when it is not
 * midnight ("2026-11-02", "2026-11-02 14:00").
 */
export function bucket(v) {
  if (v === null || v === undefined) return DASH;
  const s = String(v);
  const m = s.match(/^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2})(?::(\d{2}))?)?/);
  if (!m) return s;
  return !m[2] || (m[2] === '00' && (!m[3] || m[3] === '00')) ? m[1] : `${m[1]} ${m[2]}:${m[3] || '00'}`;
}

/** Format by a column kind: money, pct, change, num, int, date, datetime, text. */
export function byKind(kind, v) {
  switch (kind) {
    case 'money': return money(v, { compact: false });
    case 'kmoney': return money(v);
    case 'pct': return pct(v);
    case 'change': return change(v);
    case 'num': return num(v, 2);
    case 'int': return num(v);
    case 'date': return date(v);
    case 'datetime': return datetime(v);
    default: return v === null || v === undefined || v === '' ? DASH : String(v);
  }
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
/** Local wall-clock time of epoch ms: "12:04:31" (the "as of" of panels and live items). */
export function clock(ms) { return timeFmt.format(new Date(ms)); }

/** Money of a live message (minor units, `*_cents`) in the units the API answers: api.money(), cents ÷ 100. */
export const fromCents = (c) => (isNum(c) ? Math.round(Number(c)) / 100 : null);
