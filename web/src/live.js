// live.js — the one live stream of the app (docs/live.md): an EventSource on
// GET /api/live, its messages dispatched by `type` to the views that listen,
// reconnection with back-off that resumes from the last event id, the
// connection state the shell shows, and the data version of every message.
import { noteDataVersion } from './api.js';

const PATH = '/api/live';
const BACKOFF_MS = [1000, 2000, 4000, 8000, 16000, 30000];
const HEALTHY_MS = 5000;       // a stream open this long was a good one: its end is a re-check, not a failure
const GRACE_MS = 2000;         // "Live" stays shown this long while a re-check reconnects
const OFFLINE_AFTER = 4;       // failed attempts in a row (1 + 2 + 4 + 8 s) before "Offline"
const SEEN_MAX = 2000;         // event ids remembered to drop a replayed one

const listeners = new Map();   // type ('*' = every message) -> Set of fn(msg, meta)
const stateListeners = new Set();
let es = null;                 // the EventSource, or null
let started = false;
let lastId = '';               // id of the last message delivered
const seen = new Set();        // ids delivered (insertion order: the oldest go first)
let failures = 0;              // attempts in a row that did not give a healthy stream
let openedAt = 0;
let retryTimer = 0, graceTimer = 0;
let state = 'offline';         // 'connecting' | 'live' | 'reconnecting' | 'offline'
let lastMessageAt = 0;

/**
 * Listen to messages of one type ('*' for all); fn(msg, {id}) gets the
 * parsed JSON object.  Returns the function that stops listening (a view
 * calls it when it unmounts).
 */
export function on(type, fn) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(fn);
  return () => { const s = listeners.get(type); if (s) s.delete(fn); };
}

/** Listen to the connection state; fn(state) at once and on every change.  Returns the unsubscribe. */
export function onState(fn) {
  stateListeners.add(fn);
  fn(state);
  return () => stateListeners.delete(fn);
}

/** The connection state: 'connecting', 'live', 'reconnecting' or 'offline'. */
export function liveState() { return state; }

/** For the browser tests and the console: where the stream stands. */
export function liveInfo() { return { state, lastId, seen: seen.size, failures, lastMessageAt }; }

function setState(s) {
  if (s === state) return;
  state = s;
  for (const fn of stateListeners) { try { fn(s); } catch (e) { console.warn('live state', e); } }
}

function deliver(ev) {
  const id = ev.lastEventId || '';
  if (id) {
    if (seen.has(id)) return;         // a replay after a resume: delivered once already
    seen.add(id);
    if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value);
    lastId = id;
  }
  let msg;
  try { msg = JSON.parse(ev.data); } catch { console.warn('live: a message that is not JSON'); return; }
  if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
  lastMessageAt = Date.now();
  if (msg.data_version !== undefined) noteDataVersion(msg.data_version);
  for (const key of [msg.type, '*']) {
    const set = listeners.get(key);
    if (!set) continue;
    for (const fn of [...set]) { try { fn(msg, { id }); } catch (e) { console.warn('live', msg.type, e); } }
  }
}

function connect() {
  clearTimeout(retryTimer);
  if (!started || es) return;
  if (typeof EventSource === 'undefined') { setState('offline'); return; }
  if (navigator.onLine === false) { setState('offline'); return; }
  if (state === 'offline' && failures === 0) setState('connecting');
  // A new connection carries the last id seen, so nchan replays exactly
  // what came after it (docs/live.md "Resume"); the browser's own retry is
  // never used (it is closed below), so this URL is the only resume path.
  const url = lastId ? `${PATH}?last_event_id=${encodeURIComponent(lastId)}` : PATH;
  const src = new EventSource(url);
  es = src;
  src.onopen = () => {
    if (es !== src) return;
    openedAt = Date.now();
    clearTimeout(graceTimer);
    setState('live');
  };
  src.onmessage = (ev) => { if (es === src) deliver(ev); };
  src.onerror = () => { if (es === src) dropped(); };
}

/**
 * The stream ended or could not be opened: close it (never let EventSource
 * retry without our last id) and schedule the next attempt — at once after a
 * healthy stream (nchan ends each one at the re-check interval), else after
 * 1, 2, 4 … 30 s with ±25 % jitter so that many tabs do not return together.
 */
function dropped() {
  if (es) { es.onopen = es.onmessage = es.onerror = null; es.close(); es = null; }
  if (!started) return;
  const healthy = openedAt && Date.now() - openedAt >= HEALTHY_MS;
  openedAt = 0;
  if (healthy) failures = 0; else failures++;
  if (navigator.onLine === false) { setState('offline'); return; }
  let delay;
  if (healthy) {
    delay = Math.random() * 250;
    clearTimeout(graceTimer);
    graceTimer = setTimeout(() => { if (state === 'live' && !openedAt) setState('reconnecting'); }, GRACE_MS);
  } else {
    const base = BACKOFF_MS[Math.min(failures - 1, BACKOFF_MS.length - 1)];
    delay = base * (0.75 + Math.random() * 0.5);
    setState(failures >= OFFLINE_AFTER ? 'offline' : 'reconnecting');
  }
  retryTimer = setTimeout(connect, delay);
}

function wentOffline() {
  if (!started) return;
  clearTimeout(retryTimer);
  if (es) { es.onopen = es.onmessage = es.onerror = null; es.close(); es = null; }
  openedAt = 0;
  setState('offline');
}

function cameOnline() {
  if (!started) return;
  failures = 0;
  setState('reconnecting');
  connect();
}

window.addEventListener('offline', wentOffline);
window.addEventListener('online', cameOnline);

/** Open the stream (after sign-in); the data version /api/auth/me gave comes first. */
export function startLive(initialDataVersion) {
  if (initialDataVersion !== undefined) noteDataVersion(initialDataVersion);
  if (started) return;
  started = true;
  failures = 0;
  connect();
}

/** Close the stream (sign-out): nothing is kept for the next user. */
export function stopLive() {
  started = false;
  clearTimeout(retryTimer); clearTimeout(graceTimer);
  if (es) { es.onopen = es.onmessage = es.onerror = null; es.close(); es = null; }
  lastId = ''; seen.clear(); failures = 0; openedAt = 0;
  setState('offline');
}

/** The words of a state, as the shell shows them. */
export const STATE_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline — figures may be out of date',
};
