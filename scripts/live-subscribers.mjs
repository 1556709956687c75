#!/usr/bin/env node
// live-subscribers.mjs — the subscriber load tool of scripts/bench-live.sh (issue 19, docs/live.md):
// N concurrent Server-Sent-Events subscribers to GET /api/live, signed in with a few shared tokens
// of different roles; each parses its stream and records, for every message, its id and arrival
// time.  The same process posts the ingestion batches, so "accepted" (the batch's answer read to
// its end) and "arrived" (the chunk holding the message handed to this process) are read from one
// clock (performance.now()).
//
// Why Node.js and its plain `http` module: one event loop over non-blocking sockets is epoll
// underneath (libuv), so 2,000 idle streams cost a few kilobytes each and no thread; Node is
// already a dependency (web build, browser tests) and no npm package is needed.  A C/epoll tool
// would be leaner per message, but the work per message here is one JSON.parse per distinct
// payload (cached: 2,000 subscribers of one channel get the same bytes) and a few set look-ups,
// which a 2-core machine does in well under a millisecond per delivery.  The cost that remains is
// the tool's own: a message fanned out to 2,000 sockets is handed to one thread one socket after
// the other, so the last subscriber's "arrival" includes the tool having handled the first
// 1,999 — the latency reported is an upper bound of what nginx delivers.
//
//   node scripts/live-subscribers.mjs CONFIG.json
// CONFIG: { url, n, parallel, tokens: [{role, user_id, token, share}], owned: {user_id: [ids]},
//           key, tag, rounds, interval_ms, settle_ms, cust_a: {id, ext, owner}, cust_b: {…},
//           control: DIR, out: FILE }
// Control (files in DIR, so a shell can drive it): the tool connects every subscriber, writes
// DIR/connected (JSON), waits for DIR/go, runs `rounds` rounds of three batches, waits settle_ms
// for stragglers, writes `out` (JSON results) and DIR/done, keeps its subscribers connected
// until DIR/quit exists (posting one API call every 2 s meanwhile), then writes DIR/final.json (the
// streams' ages: L1b of bench-live.sh), closes them and exits 0.  Exit 1: bad configuration; 2: a batch was
// not accepted or fewer than n subscribers connected (the results still say what happened).
import http from 'node:http';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const base = new URL(cfg.url);
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => process.stderr.write(`live-subscribers: ${a.join(' ')}\n`);

// Owned customers per cs user id (row scope); our two test customers' owners.
const owned = new Map(Object.entries(cfg.owned || {}).map(([u, ids]) => [Number(u), new Set(ids.map(Number))]));
const streamAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const postAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });

// ---- who is entitled to what (docs/live.md, "Messages")
// A: api_calls (roles of GET /api/product/live: ceo, cs); B: payment_received (ceo, the
// customer's cs owner); C: new_signup of a customer without an owner (ceo only).
function entitled(sub, b) {
  if (sub.role === 'ceo') return true;
  if (b.kind === 'A') return sub.role === 'cs';
  if (b.kind === 'B') return sub.role === 'cs' && sub.user_id === b.owner;
  return false;
}
// Customer ids a message names, per type (customer objects are {"id","name","plan"}).
const cid = (c) => (c && typeof c === 'object' ? (c.id ?? null) : c ?? null);
function namedCustomers(m) {
  switch (m.type) {
    case 'new_signup': return (m.customers || []).map(cid);
    case 'payment_received': return (m.payments || []).map((p) => cid(p.customer));
    case 'subscription_changed': return (m.changes || []).map((c) => cid(c.customer));
    case 'churn_alert': return (m.customers || []).map((c) => cid(c.customer));
    case 'api_calls': return (m.calls || []).map((c) => c.customer_id ?? cid(c.customer)).filter((x) => x != null);
    default: return [];
  }
}
const CUSTOMER_LEVEL = new Set(['new_signup', 'payment_received', 'subscription_changed', 'churn_alert']);

// ---- batches (markers: the endpoint of A, the amount of B, the name of C)
const tag = cfg.tag;
const epRe = new RegExp(`^/v1/livebench-${tag}-(\\d+)$`);
const nameRe = new RegExp(`^LiveBench ${tag} (\\d+)$`);
const AMOUNT0 = 4200000;   // B of round k is AMOUNT0 + k cents
const batches = new Map(); // "A3" → {kind, k, owner, ack, status}

// What a parsed message says about our batches: the keys of the batches it carries.
function markers(m) {
  const keys = [];
  if (m.type === 'api_calls') {
    for (const c of m.calls || []) { const x = epRe.exec(c.endpoint || ''); if (x) keys.push('A' + x[1]); }
  } else if (m.type === 'payment_received') {
    for (const p of m.payments || []) {
      const k = Number(p.amount_cents) - AMOUNT0;
      const id = cid(p.customer);
      if (k >= 0 && k < 100000 && (Number(id) === Number(cfg.cust_a.id) || Number(id) === Number(cfg.cust_b.id))) keys.push('B' + k);
    }
  } else if (m.type === 'new_signup') {
    for (const c of m.customers || []) { const x = nameRe.exec((c && c.name) || ''); if (x) keys.push('C' + x[1]); }
  }
  return [...new Set(keys)];
}

// ---- subscribers
const stats = { messages: 0, bytes: 0, reconnects: 0, statuses: {}, errors: 0, types: {}, leaks: 0, leakExamples: [], unparsable: 0 };
const parsed = new Map(); // payload → {m, keys, names}
function digest(data) {
  let d = parsed.get(data);
  if (!d) {
    let m = null;
    try { m = JSON.parse(data); } catch { /* counted below */ }
    d = m && typeof m === 'object' ? { m, keys: markers(m), names: namedCustomers(m) } : null;
    if (parsed.size > 2000) parsed.clear();
    parsed.set(data, d);
  }
  return d;
}
function leak(sub, why) {
  stats.leaks++;
  if (stats.leakExamples.length < 10) stats.leakExamples.push(`${sub.role}:${sub.user_id} ${why}`);
}
function onMessage(sub, id, data, at) {
  stats.messages++; stats.bytes += data.length;
  const d = digest(data);
  if (!d) { stats.unparsable++; return; }
  const t = d.m.type;
  stats.types[t] = (stats.types[t] || 0) + 1;
  sub.ids.push(id);
  // role and row scope, for every message, ours or not
  if (sub.role === 'sales' && (CUSTOMER_LEVEL.has(t) || t === 'api_calls')) leak(sub, `heard ${t}`);
  if (sub.role === 'cs') {
    const mine = owned.get(sub.user_id) || new Set();
    for (const c of d.names) if (c != null && !mine.has(Number(c))) { leak(sub, `heard customer ${c} in ${t}`); break; }
  }
  for (const k of d.keys) {
    const seen = sub.got.get(k);
    if (seen === undefined) sub.got.set(k, at); else sub.dups++;
  }
}

function parseChunk(sub, chunk, at) {
  sub.buf += chunk;
  let i;
  while ((i = sub.buf.indexOf('\n')) >= 0) {
    let line = sub.buf.slice(0, i); sub.buf = sub.buf.slice(i + 1);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') {
      if (sub.data !== null) onMessage(sub, sub.evId, sub.data, at);
      sub.data = null;
      continue;
    }
    if (line[0] === ':') continue;
    const c = line.indexOf(':');
    const field = c < 0 ? line : line.slice(0, c);
    let value = c < 0 ? '' : line.slice(c + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'data') sub.data = sub.data === null ? value : sub.data + '\n' + value;
    else if (field === 'id') { sub.evId = value; sub.lastId = value; }
  }
}

let stopping = false;
function connect(sub) {
  return new Promise((resolve) => {
    const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${sub.token}` };
    if (sub.lastId) headers['Last-Event-ID'] = sub.lastId;
    const req = http.get({ host: base.hostname, port: base.port, path: '/api/live', headers, agent: streamAgent }, (res) => {
      stats.statuses[res.statusCode] = (stats.statuses[res.statusCode] || 0) + 1;
      // Refused (401, 403, 404, 5xx): again after 1, 2, 4 … 16 s, as a browser backs off.
      if (res.statusCode !== 200) {
        sub.backoff = Math.min(16000, (sub.backoff || 500) * 2);
        res.resume(); res.on('end', () => again(sub, sub.backoff)); resolve(false); return;
      }
      sub.open = true; sub.backoff = 0; sub.buf = ''; sub.data = null; sub.since = now();
      res.setEncoding('utf8');
      res.on('data', (chunk) => parseChunk(sub, chunk, now()));
      res.on('close', () => { sub.open = false; again(sub, 50 + Math.random() * 450); });
      resolve(true);
    });
    req.on('error', () => { stats.errors++; sub.open = false; again(sub, 1000); resolve(false); });
    sub.req = req;
  });
}
// A stream that ends (the re-check interval, docs/live.md) is resumed with its last event id.
function again(sub, ms) {
  if (stopping || sub.pending) return;
  sub.pending = true;
  setTimeout(() => { sub.pending = false; if (stopping) return; stats.reconnects++; connect(sub); }, ms);
}

// ---- ingestion
function post(p, body) {
  return new Promise((resolve) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request({ host: base.hostname, port: base.port, path: p, method: 'POST', agent: postAgent,
      headers: { Authorization: `Bearer ${cfg.key}`, 'Content-Type': 'application/json', 'Content-Length': data.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text, at: now() }));
    });
    req.on('error', (e) => resolve({ status: 0, text: String(e), at: now() }));
    req.end(data);
  });
}
const iso = (msAgo) => new Date(Date.now() - msAgo).toISOString().replace(/\.\d+Z$/, 'Z');
async function round(k) {
  const calls = [];
  for (let i = 0; i < 10; i++) {
    const c = i < 5 ? cfg.cust_a : cfg.cust_b;
    calls.push({ type: 'track', event: 'API Call', messageId: `lb-${tag}-${k}-${i}`, userId: String(7000 + i),
      timestamp: iso(2000), properties: { endpoint: `/v1/livebench-${tag}-${k}`, status: i === 9 ? 500 : 200, latency_ms: 20 + i },
      context: { groupId: String(c.id), ip: `198.51.100.${i + 1}` } });
  }
  const b = k % 2 ? cfg.cust_b : cfg.cust_a;
  const sends = [
    ['A', '/api/product/events', { batch: calls }, null],
    ['B', '/api/revenue/orders', [{ external_id: `lb-${tag}-${k}`, customer_external_id: b.ext, ordered_at: iso(2000),
      source: 'api', total_cents: AMOUNT0 + k }], b.owner],
    ['C', '/api/revenue/customers', [{ external_id: `lbc-${tag}-${k}`, name: `LiveBench ${tag} ${k}`, signup_at: iso(2000) }], null],
  ];
  for (const [kind, p, body, owner] of sends) {
    const r = await post(p, body);
    const ok = r.status === 200 && /"accepted"\s*:\s*[1-9]/.test(r.text);
    batches.set(kind + k, { kind, k, owner, ack: r.at, status: r.status, ok, answer: ok ? undefined : r.text.slice(0, 300) });
  }
}

// ---- results
function pct(sorted, p) { return sorted.length ? sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] : null; }
function results(subs, connectMs) {
  let expected = 0, received = 0, missing = 0, unexpected = 0, dups = 0;
  const lat = [], byRole = {}, missingExamples = [], unexpectedExamples = [];
  for (const s of subs) {
    dups += s.dups;
    for (const [key, b] of batches) {
      if (!b.ok) continue;
      const at = s.got.get(key);
      if (entitled(s, b)) {
        expected++;
        if (at === undefined) { missing++; if (missingExamples.length < 10) missingExamples.push(`${s.role}:${s.user_id} #${s.i} ${key}`); continue; }
        received++;
        lat.push(at - b.ack);
        (byRole[s.role] ||= []).push(at - b.ack);
      } else if (at !== undefined) {
        unexpected++;
        if (unexpectedExamples.length < 10) unexpectedExamples.push(`${s.role}:${s.user_id} #${s.i} ${key}`);
      }
    }
  }
  // Per batch: the first subscriber's delay (the pipeline: commit, outbox, publisher, nchan) and
  // the spread to the last one (the fan-out over the sockets, this tool's reading included).
  const first = [], spread = [];
  for (const [key, b] of batches) {
    if (!b.ok) continue;
    let lo = Infinity, hi = -Infinity;
    for (const s of subs) { const at = s.got.get(key); if (at !== undefined && entitled(s, b)) { lo = Math.min(lo, at); hi = Math.max(hi, at); } }
    if (lo !== Infinity) { first.push(lo - b.ack); spread.push(hi - lo); }
  }
  lat.sort((a, b) => a - b);
  const summary = (a) => { a.sort((x, y) => x - y); return { n: a.length, p50: pct(a, 0.5), p95: pct(a, 0.95), p99: pct(a, 0.99), max: a[a.length - 1] ?? null }; };
  const roles = {};
  for (const s of subs) roles[`${s.role}:${s.user_id}`] = (roles[`${s.role}:${s.user_id}`] || 0) + 1;
  return {
    subscribers: subs.length, roles, connect_ms: connectMs, connected_now: subs.filter((s) => s.open).length,
    batches: [...batches.values()].map(({ kind, k, status, ok, answer }) => ({ kind, k, status, ok, answer })),
    batches_accepted: [...batches.values()].filter((b) => b.ok).length, batches_sent: batches.size,
    expected, received, missing, missing_examples: missingExamples, unexpected, unexpected_examples: unexpectedExamples, duplicates: dups,
    leaks: stats.leaks, leak_examples: stats.leakExamples,
    latency_ms: summary(lat), first_subscriber_ms: summary(first), fanout_spread_ms: summary(spread), latency_by_role_ms: Object.fromEntries(Object.entries(byRole).map(([r, a]) => [r, summary(a)])),
    messages: stats.messages, bytes: stats.bytes, types: stats.types, unparsable: stats.unparsable,
    reconnects: stats.reconnects, statuses: stats.statuses, errors: stats.errors,
    tool_rss_mb: Math.round(process.memoryUsage().rss / 1048576),
  };
}

async function waitFile(f) { while (!existsSync(f)) await sleep(100); }

async function main() {
  if (!cfg.url || !cfg.n || !Array.isArray(cfg.tokens) || !cfg.tokens.length || !cfg.control || !cfg.out) {
    log('configuration needs url, n, tokens, control and out'); process.exit(1);
  }
  // The subscribers, spread over the tokens by their share.
  const total = cfg.tokens.reduce((a, t) => a + (t.share || 1), 0);
  const subs = [];
  for (const t of cfg.tokens) {
    const m = Math.round(cfg.n * (t.share || 1) / total);
    for (let j = 0; j < m && subs.length < cfg.n; j++) subs.push({ i: subs.length, role: t.role, user_id: Number(t.user_id), token: t.token, got: new Map(), ids: [], dups: 0, lastId: null, open: false });
  }
  while (subs.length < cfg.n) { const t = cfg.tokens[0]; subs.push({ i: subs.length, role: t.role, user_id: Number(t.user_id), token: t.token, got: new Map(), ids: [], dups: 0, lastId: null, open: false }); }

  const t0 = now();
  let next = 0;
  const par = cfg.parallel || 50;
  await Promise.all(Array.from({ length: par }, async () => { while (next < subs.length) await connect(subs[next++]); }));
  // Every subscriber open, or 60 s.
  while (subs.some((s) => !s.open) && now() - t0 < 60000) await sleep(100);
  const connectMs = Math.round(now() - t0);
  const open = subs.filter((s) => s.open).length;
  log(`${open} of ${subs.length} subscribers connected in ${connectMs} ms`);
  writeFileSync(path.join(cfg.control, 'connected'), JSON.stringify({ open, n: subs.length, connect_ms: connectMs, statuses: stats.statuses, tool_rss_mb: Math.round(process.memoryUsage().rss / 1048576) }) + '\n');

  await waitFile(path.join(cfg.control, 'go'));
  for (let k = 1; k <= (cfg.rounds || 20); k++) {
    const tr = now();
    await round(k);
    const rest = (cfg.interval_ms || 1000) - (now() - tr);
    if (rest > 0) await sleep(rest);
  }
  // Stragglers: until every entitled subscriber has every accepted batch, or settle_ms.
  const t1 = now();
  const complete = () => subs.every((s) => [...batches].every(([key, b]) => !b.ok || !entitled(s, b) || s.got.has(key)));
  while (!complete() && now() - t1 < (cfg.settle_ms || 10000)) await sleep(200);
  const res = results(subs, connectMs);
  writeFileSync(cfg.out, JSON.stringify(res, null, 1) + '\n');
  writeFileSync(path.join(cfg.control, 'done'), '');
  log(`rounds done: missing ${res.missing} of ${res.expected}, leaks ${res.leaks}, p95 ${res.latency_ms.p95 && res.latency_ms.p95.toFixed(1)} ms`);

  // Until quit: one API call every 2 s (not one of the counted batches), so that every ceo and cs
  // stream keeps hearing messages — the re-check must end a stream that is never idle.
  let keep = 0;
  while (!existsSync(path.join(cfg.control, 'quit'))) {
    await post('/api/product/events', { type: 'track', event: 'API Call', messageId: `lb-${tag}-keep-${++keep}`, userId: '7000',
      timestamp: iso(1000), properties: { endpoint: `/v1/livebench-${tag}-keep`, status: 200, latency_ms: 20 }, context: { groupId: String(cfg.cust_a.id) } });
    for (let w = 0; w < 20 && !existsSync(path.join(cfg.control, 'quit')); w++) await sleep(100);
  }
  const open2 = subs.filter((s) => s.open);
  writeFileSync(path.join(cfg.control, 'final.json'), JSON.stringify({
    open: open2.length, reconnects: stats.reconnects, statuses: stats.statuses, messages: stats.messages, leaks: stats.leaks,
    held_s: Math.round((now() - t0) / 1000),
    longest_stream_s: Math.round(Math.max(0, ...open2.map((s) => now() - s.since)) / 1000),
    streams_older_than_recheck: open2.filter((s) => now() - s.since > (cfg.recheck_s || 60) * 1000).length,
  }) + '\n');
  stopping = true;
  for (const s of subs) if (s.req) s.req.destroy();
  const bad = res.batches_accepted < res.batches_sent || open < subs.length;
  setTimeout(() => process.exit(bad ? 2 : 0), 200);
}
main().catch((e) => { log(e.stack || e); process.exit(1); });
