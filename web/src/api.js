// api.js — the one place that talks to /api: fetch with JSON errors,
// sign-in redirect on 401, retries of transient failures, de-duplication of
// identical GETs in flight, the last good answer of every GET (shown when
// the API answers 503) and CSV downloads.

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

const inflight = new Map();   // url -> Promise (identical GETs share one request)
const lastGood = new Map();   // url -> last successful JSON answer

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
  return new ApiError(res.status, code, message);
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
  if (inflight.has(url)) return inflight.get(url);
  const p = request(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' }, retries)
    .then((res) => res.json())
    .then((json) => { lastGood.set(url, json); return json; })
    .catch((err) => { if (err instanceof ApiError) err.last = lastGood.get(url); throw err; })
    .finally(() => inflight.delete(url));
  inflight.set(url, p);
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
 * Download the CSV export of a list endpoint: the same URL with format=csv,
 * saved under filename.
 */
export async function downloadCsv(path, params, filename) {
  const url = apiUrl(path, { ...params, format: 'csv' });
  const res = await request(url, { headers: { Accept: 'text/csv' }, credentials: 'same-origin' }, 1);
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
