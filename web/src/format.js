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

export function datetime(v) {
  if (!v) return DASH;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  return d.toISOString().slice(0, 16).replace('T', ' ');
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
