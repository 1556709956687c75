// api.js — the one place that talks to /api: fetch with JSON errors,
// sign-in redirect on 401, retries of transient failures, de-duplication of
// identical GETs in flight, the last good answer of every GET (shown when
// the API answers 503), the data version every GET carries (X-Data-Version:
// part of nginx's cache key, docs/live.md), the time each answer was made
// (asOf) and CSV downloads.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || 'error';
  }
  // The endpoint is not deployed (yet): the route table does not know it.
  get notAvailable() { return this.code === 'not_available'; }
  get unavailable() { return this.status === 503 || this.status === 502 || this.status === 504 || this.status === 0; }
}

let onUnauthorized = () => {};
/** Register what happens on a 401 (the router sends the user to sign-in). */
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

const inflight = new Map();   // url + data version -> Promise (identical GETs share one request)
const lastGood = new Map();   // url -> last successful JSON answer
// Every GET carries this signal, so that signing out can cancel those in
// flight and hold new ones until the session has ended (abortReads):
// otherwise each one comes back 401 after the logout, on top of the
// sign-in page.
let reads = new AbortController();

/*
 * The newest data version the app has heard of (/api/auth/me, then every
 * live message): sent as X-Data-Version with every GET, so nginx's cache
 * (whose key holds it) never answers with figures computed before a change
 * the app knows about.  Only ever grows.
 */
let dataVersion = null;
/** Note a data version (a number, or its string); keeps the greatest. */
export function noteDataVersion(v) {
  const n = Number(v);
  if (v === null || v === undefined || v === '' || !Number.isFinite(n)) return false;
  if (dataVersion !== null && n <= dataVersion) return false;
  dataVersion = n;
  return true;
}
export function currentDataVersion() { return dataVersion; }

/*
 * When an answer was made, as epoch milliseconds, stored on the parsed
 * answer under this symbol (not a JSON field: never sent, never listed).
 * The nearest honest time: the answer's own `now` (a full timestamp) when
 * it has one; else the Date header of an answer the service made for this
 * request (X-Cache-Status MISS, BYPASS, EXPIRED, or none); for an answer
 * nginx's cache kept (HIT, REVALIDATED, UPDATING) the Date header is the
 * time it was served, so the answer was made at most max-age before it:
 * Date − max-age, the oldest it can be (cached: true).  A STALE answer (the
 * service failing) may be older still: unknown (null).
 */
export const AS_OF = Symbol('asOf');
export const AS_OF_CACHED = Symbol('asOfCached');

function stampOf(res, json) {
  if (json && typeof json === 'object' && typeof json.now === 'string' && /T\d\d:\d\d/.test(json.now)) {
    const t = Date.parse(json.now);
    if (Number.isFinite(t)) return { at: t, cached: false };
  }
  const date = Date.parse(res.headers.get('Date') || '');
  const status = (res.headers.get('X-Cache-Status') || '').toUpperCase();
  if (!Number.isFinite(date)) return { at: null, cached: false };
  if (!status || status === 'MISS' || status === 'BYPASS' || status === 'EXPIRED') return { at: date, cached: false };
  if (status === 'STALE') return { at: null, cached: true };
  const m = /max-age=(\d+)/.exec(res.headers.get('Cache-Control') || '');
  return { at: date - (m ? Number(m[1]) : 0) * 1000, cached: true };
}

function stamp(json, { at, cached }) {
  if (json && typeof json === 'object') {
    Object.defineProperty(json, AS_OF, { value: at, configurable: true });
    Object.defineProperty(json, AS_OF_CACHED, { value: cached, configurable: true });
  }
  return json;
}

/**
 * The time data was made (epoch ms, or null): an answer's own, or for an
 * object that gathers answers ({rev, users, …}: views/util.js gather) the
 * oldest of its parts.
 */
export function asOfOf(data) {
  if (!data || typeof data !== 'object') return null;
  if (data[AS_OF] !== undefined) return data[AS_OF];
  let oldest = null;
  for (const v of Object.values(data)) {
    const t = v && typeof v === 'object' ? v[AS_OF] : undefined;
    if (typeof t === 'number' && (oldest === null || t < oldest)) oldest = t;
  }
  return oldest;
}
/** Whether the time asOfOf gives is a bound from a cached answer. */
export function asOfCached(data) {
  if (!data || typeof data !== 'object') return false;
  if (data[AS_OF_CACHED] !== undefined) return data[AS_OF_CACHED];
  return Object.values(data).some((v) => v && typeof v === 'object' && v[AS_OF_CACHED] === true);
}

/** Build /api/... URL with the non-empty params. */
export function apiUrl(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function errorOf(res) {
  let code = 'http_' + res.status, message = res.statusText;
  try {
    const body = await res.json();
    if (body && body.error) { code = body.error.code || code; message = body.error.message || message; }
  } catch { /* not JSON */ }
  if (res.status === 404 && /^no such endpoint/.test(message)) code = 'not_available';
  const err = new ApiError(res.status, code, message);
  // a 429 says how long to wait (the sign-in limits: docs/reliability.md)
  const wait = Number(res.headers.get('Retry-After'));
  if (Number.isInteger(wait) && wait > 0) err.retryAfter = wait;
  return err;
}

async function request(url, opts, retries) {
  for (let attempt = 0; ; attempt++) {
    let res;
    try {
      res = await fetch(url, opts);
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      if (attempt < retries) { await sleep(300 * 2 ** attempt); continue; }
      throw new ApiError(0, 'network', 'the server cannot be reached');
    }
    if (res.ok) return res;
    const err = await errorOf(res);
    if (res.status === 401 && !url.startsWith('/api/auth/login')) onUnauthorized(err);
    // 502/504 (service restarting) and 503 (data temporarily unavailable)
    // are worth one more try after a short pause; nothing else is.
    if ((res.status === 502 || res.status === 503 || res.status === 504) && attempt < retries) {
      await sleep(400 * 2 ** attempt);
      continue;
    }
    throw err;
  }
}

/**
 * GET path with params; resolves to the JSON answer.  On 503 the error
 * carries .last, the last good answer for the same URL (or undefined).
 */
export function get(path, params, { retries = 1 } = {}) {
  const url = apiUrl(path, params);
  const key = `${url}#${dataVersion}`;
  if (inflight.has(key)) return inflight.get(key);
  const headers = { Accept: 'application/json' };
  if (dataVersion !== null) headers['X-Data-Version'] = String(dataVersion);
  // cache: 'no-cache' — the browser's own cache keys answers by URL alone
  // (the API's Vary does not name X-Data-Version), so it would hand back an
  // answer older than the version just sent; revalidating goes to nginx,
  // whose cache key holds the version (a 304 when the answer is the same).
  const p = request(url, { headers, credentials: 'same-origin', cache: 'no-cache', signal: reads.signal }, retries)
    .then(async (res) => { const json = await res.json(); return stamp(json, stampOf(res, json)); })
    .then((json) => { lastGood.set(url, json); return json; })
    .catch((err) => { if (err instanceof ApiError) err.last = lastGood.get(url); throw err; })
    .finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

/** POST/PUT/PATCH/DELETE with a JSON body; resolves to the JSON answer (or null). */
export async function send(method, path, body) {
  const res = await request(path, {
    method,
    credentials: 'same-origin',
    // The page's Referrer-Policy is no-referrer, under which browsers send
    // "Origin: null" on POSTs; the API's CSRF check needs the real origin.
    referrerPolicy: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }, 0);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const post = (path, body) => send('POST', path, body);

/** Forget every remembered answer (on sign-out). */
export function clearCache() { lastGood.clear(); inflight.clear(); }

/**
 * Cancel every GET in flight and hold new ones until resumeReads(): they
 * reject with an AbortError at once, nothing is sent.  Signing out holds
 * them while its logout is on the way, so that nothing started meanwhile (a
 * lazy panel, a live refetch) reaches the server after the session ended.
 */
export function abortReads() { reads.abort(); }
/** Let GETs go out again (after signing out). */
export function resumeReads() { if (reads.signal.aborted) reads = new AbortController(); }

/**
 * Download what path answers (with params) as a file named filename: the
 * request carries the session like every other, and an error answer
 * (JSON) throws an ApiError with the API's message instead of saving it.
 */
export async function download(path, params, filename, accept) {
  const url = apiUrl(path, params);
  const headers = { Accept: accept };
  if (dataVersion !== null) headers['X-Data-Version'] = String(dataVersion);
  const res = await request(url, { headers, credentials: 'same-origin', cache: 'no-cache' }, 1);
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10000);
}

/**
 * Download the CSV export of a list endpoint: the same URL with format=csv,
 * saved under filename.
 */
export function downloadCsv(path, params, filename) {
  return download(path, { ...params, format: 'csv' }, filename, 'text/csv');
}
