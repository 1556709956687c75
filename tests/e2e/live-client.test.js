// live-client.test.js — web/src/live.js without a browser or a server: a stand-in EventSource
// and node's mock clock.  Messages are dispatched by type and stop when unsubscribed; a stream
// that fails is closed and opened again after 1, 2, 4, 8, 16, 30 s (±25 % jitter), with
// ?last_event_id= of the last message; a replayed id is dropped; a stream that had been up
// (nchan's re-check) is reopened at once without "Reconnecting…"; the browser's offline/online
// events; the data version only grows and goes into X-Data-Version.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';

// The globals live.js and api.js use, before they are imported.
const winListeners = {};
globalThis.window = { addEventListener: (t, fn) => { (winListeners[t] ||= []).push(fn); } };
Object.defineProperty(globalThis, 'navigator', { value: { onLine: true }, configurable: true, writable: true });
const sources = [];
class FakeEventSource {
  constructor(url) { this.url = url; this.closed = false; sources.push(this); }
  close() { this.closed = true; }
  open() { this.onopen && this.onopen(); }
  send(id, obj) { this.onmessage && this.onmessage({ lastEventId: id, data: JSON.stringify(obj) }); }
  fail() { this.onerror && this.onerror(); }
}
globalThis.EventSource = FakeEventSource;

mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
// Jitter at its middle (×1.0) unless a test says otherwise.
let random = 0.5;
Math.random = () => random;

const live = await import('../../web/src/live.js');
const api = await import('../../web/src/api.js');
const last = () => sources[sources.length - 1];
const states = [];
live.onState((s) => states.push(s));

test('opens_one_stream_and_dispatches_messages_by_type_until_unsubscribed', () => {
  live.startLive(41);
  assert.equal(sources.length, 1);
  assert.equal(last().url, '/api/live', 'a first connection has no last event id');
  assert.equal(live.liveState(), 'connecting');
  last().open();
  assert.equal(live.liveState(), 'live');
  const got = [], all = [];
  const off = live.on('new_signup', (m) => got.push(m.count));
  const offAll = live.on('*', (m) => all.push(m.type));
  last().send('1', { type: 'new_signup', count: 2, data_version: 42 });
  last().send('2', { type: 'payment_received', count: 1, data_version: 43 });
  off();
  last().send('3', { type: 'new_signup', count: 5, data_version: 44 });
  offAll();
  assert.deepEqual(got, [2], 'the listener heard its type until it unsubscribed');
  assert.deepEqual(all, ['new_signup', 'payment_received', 'new_signup']);
  assert.equal(api.currentDataVersion(), 44, "every message's data_version is kept");
  last().send('4', { type: 'data_version', data_version: 40 });
  assert.equal(api.currentDataVersion(), 44, 'the data version never goes back');
});

test('a_failing_stream_backs_off_1_2_4_8_16_30_s_and_resumes_from_the_last_id', () => {
  const got = [];
  const off = live.on('*', (m) => got.push(m.n));
  last().fail();   // the stream was up for less than 5 s: a failure
  assert.equal(last().closed, true, 'the failed EventSource is closed (never its own retry)');
  assert.equal(live.liveState(), 'reconnecting');
  const delays = [1000, 2000, 4000, 8000, 16000, 30000, 30000];
  for (const [i, d] of delays.entries()) {
    const n = sources.length;
    mock.timers.tick(d - 1);
    assert.equal(sources.length, n, `attempt ${i + 1}: not before ${d} ms`);
    mock.timers.tick(1);
    assert.equal(sources.length, n + 1, `attempt ${i + 1}: after ${d} ms`);
    assert.equal(last().url, '/api/live?last_event_id=4', 'resumes after the last id seen');
    // four failed attempts in a row: "Offline"
    assert.equal(live.liveState(), i + 1 >= 4 ? 'offline' : 'reconnecting', `state after ${i + 1} failures`);
    if (i < delays.length - 1) last().fail();
  }
  last().open();
  assert.equal(live.liveState(), 'live');
  // nchan replays what came after id 4; a duplicate of 4 (or of anything seen) is dropped.
  last().send('4', { type: 'x', n: 4 });
  last().send('5', { type: 'x', n: 5 });
  last().send('5', { type: 'x', n: 5 });
  last().send('6', { type: 'x', n: 6 });
  assert.deepEqual(got, [5, 6], 'each message once, in order');
  off();
});

test('the_jitter_stays_within_a_quarter_of_the_delay', () => {
  random = 0;   // the earliest: 0.75 × 1 s
  mock.timers.tick(1000);   // healthy now (open ≥ 5 s below)
  mock.timers.tick(5000);
  last().fail();            // healthy stream: reopened at once (≤ 250 ms)
  const n = sources.length;
  mock.timers.tick(0);
  assert.equal(sources.length, n + 1, 'a stream that had been up is reopened at once');
  assert.equal(live.liveState(), 'live', 'and "Live" stays while it reconnects');
  last().fail();            // this one failed at once: back-off, 1 s × 0.75
  mock.timers.tick(749);
  assert.equal(sources.length, n + 1);
  mock.timers.tick(1);
  assert.equal(sources.length, n + 2, '750 ms with the least jitter');
  random = 0.999;
  last().fail();            // 2 s × 1.25 at most
  mock.timers.tick(2497);
  assert.equal(sources.length, n + 2);
  mock.timers.tick(3);
  assert.equal(sources.length, n + 3, 'under 2.5 s with the most jitter');
  random = 0.5;
  last().open();
});

test('a_stream_that_was_up_reopens_without_reconnecting_shown', () => {
  const before = states.length;
  mock.timers.tick(60000);   // nchan ends the stream at its re-check
  last().fail();
  mock.timers.tick(250);
  last().open();
  mock.timers.tick(5000);
  assert.deepEqual(states.slice(before), [], 'no state change for a re-check');
  assert.equal(live.liveState(), 'live');
});

test('offline_and_online_events_close_and_reopen_the_stream', () => {
  const es = last();
  navigator.onLine = false;
  winListeners.offline.forEach((fn) => fn());
  assert.equal(es.closed, true);
  assert.equal(live.liveState(), 'offline');
  const n = sources.length;
  mock.timers.tick(60000);
  assert.equal(sources.length, n, 'no attempt while the browser is offline');
  navigator.onLine = true;
  winListeners.online.forEach((fn) => fn());
  assert.equal(sources.length, n + 1, 'back online: reconnects at once');
  assert.match(last().url, /^\/api\/live\?last_event_id=6$/);
  last().open();
  assert.equal(live.liveState(), 'live');
});

test('the_data_version_goes_with_every_get', async () => {
  const seen = [];
  globalThis.fetch = async (url, opts) => {
    seen.push([url, opts.headers['X-Data-Version'], opts.cache]);
    return new Response('{"a":1}', { status: 200, headers: { Date: new Date(0).toUTCString(), 'X-Cache-Status': 'MISS' } });
  };
  const d = await api.get('/api/x', { a: 1 });
  assert.deepEqual(seen, [['/api/x?a=1', '44', 'no-cache']]);
  assert.equal(api.asOfOf(d), 0, "a MISS answer is as of its Date header");
  assert.equal(api.asOfOf({ one: d }), 0, 'a gathered answer: the oldest of its parts');
});

test('stop_closes_the_stream_and_forgets_the_last_id', () => {
  const es = last();
  live.stopLive();
  assert.equal(es.closed, true);
  assert.equal(live.liveState(), 'offline');
  live.startLive();
  assert.equal(last().url, '/api/live', 'the next user starts afresh');
  live.stopLive();
  mock.timers.reset();
});
