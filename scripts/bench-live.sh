#!/usr/bin/env bash
# bench-live.sh — live updates for `make bench` (issue 19, docs/live.md; docs/benchmarks.md
# "Live updates (issue 19)"):
#  L1. BENCH_LIVE_SUBSCRIBERS (2,000) Server-Sent-Events subscribers to GET /api/live, signed in
#      with four shared tokens (ceo 40 %, cs1 20 %, cs2 20 %, sales1 20 %), held by one Node
#      process (scripts/live-subscribers.mjs);
#  L1b. (information) the streams are held until 25 s past the quiet re-check interval
#      (NS_LIVE_RECHECK_SECONDS, 60) with messages flowing: nchan restarts that timer with every
#      message, so a stream that hears stays open (revocation is the kick of docs/live.md);
#  L2. BENCH_LIVE_ROUNDS (20) rounds, one a second, of three batches: 10 API calls (5 for a
#      customer of cs1, 5 for one of cs2; heard by ceo and cs), one order for one of the two
#      (payment_received: ceo and that customer's cs owner), one new customer without an owner
#      (new_signup: ceo only).  Missing = (entitled subscriber, accepted batch) pairs that never
#      arrived; must be 0;
#  L3. role and row scope under load: a cs subscriber that hears a customer it does not own (any
#      message, ours or not), a sales subscriber that hears a customer-level or api_calls message,
#      or anyone hearing one of our batches it is not entitled to; must be 0;
#  L4. delivery latency p50 / p95 / p99: accepted answer of the batch → message at the subscriber;
#  L5. memory per subscriber: nginx workers' RSS with the subscribers minus before, / N; and
#      nchan's shared memory (nchan_stub_status, when nginx/nginx.conf.in has a location for it);
#  L6. the API's uncached latency (X-No-Cache: 1, as the CEO, BENCH_LIVE_CALLS calls of each of
#      two endpoints, median) with the subscribers connected and idle, against without them
#      (before connecting and after disconnecting, averaged); goal ≤ 1.2 ×.  L6b: the same while
#      the rounds fan out (for information);
#  L7. freshness in Chromium (tests/e2e/live-fresh.mjs), with the subscribers still connected:
#      BENCH_LIVE_BROWSER_SAMPLES (20) new customers, each from its accepted answer to the changed
#      figure drawn (or, before the app draws one, to the SSE message in the page); p50 / p95.
# Prints one tab-separated line per figure on stdout:  ROW <measure> <value> <goal> <result>
# and writes the section "Live updates (issue 19)" of docs/benchmarks.md to BENCH_LIVE_SECTION
# when set (scripts/bench.sh); `scripts/bench-live.sh --doc` replaces that section of
# docs/benchmarks.md in place.  With BENCH_DIR set it uses that running stack; otherwise it starts
# and stops a small one of its own.  About 2½ minutes in all (plus the stack's start).
#   env: BENCH_LIVE_SUBSCRIBERS (2000), BENCH_LIVE_ROUNDS (20), BENCH_LIVE_CALLS (40),
#        BENCH_LIVE_BROWSER_SAMPLES (20), BENCH_DIR, SCALE (own stack: 0.02)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd); cd "$ROOT"
N=${BENCH_LIVE_SUBSCRIBERS:-2000}; ROUNDS=${BENCH_LIVE_ROUNDS:-20}; CALLS=${BENCH_LIVE_CALLS:-40}
SAMPLES=${BENCH_LIVE_BROWSER_SAMPLES:-20}
DOC=0; [ "${1:-}" = --doc ] && DOC=1
say() { printf '==> %s\n' "$*" >&2; }
WORK=$(mktemp -d /tmp/northstar-bench-live.XXXXXX)
OWN="" LOADPID="" LATPID=""
cleanup() {
  touch "$WORK/quit" 2>/dev/null || true
  [ -n "$LATPID" ] && kill "$LATPID" 2>/dev/null
  if [ -n "$LOADPID" ]; then
    for _ in $(seq 1 30); do kill -0 "$LOADPID" 2>/dev/null || break; sleep 0.1; done
    kill "$LOADPID" 2>/dev/null
  fi
  [ -n "$OWN" ] && scripts/stack.sh stop "$OWN" >/dev/null 2>&1; rm -rf "$WORK"; [ -n "$OWN" ] && rm -rf "$OWN"
  return 0
}
trap cleanup EXIT; trap 'exit 1' INT TERM
. scripts/bench-stack.sh
# An own stack: five sign-ins (four tokens and the browser) within the default 10 a minute, and no
# simulator traffic (LIVE=0) so that two runs measure the same load.
export LIVE=0
bench_stack
[ -x "$(command -v node)" ] || { say "node is missing"; exit 1; }

# ---- who subscribes, what they own
login() {
  curl -s -X POST -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"northstar-demo\"}" "$U/api/auth/login" | jq -r '.token // empty'
}
uid() { psqlq -c "SELECT id FROM app_users WHERE email = '$1'"; }
TOK_CEO=$(login ceo@northstar.example); TOK_CS1=$(login cs1@northstar.example)
TOK_CS2=$(login cs2@northstar.example); TOK_SALES=$(login sales1@northstar.example)
for t in "$TOK_CEO" "$TOK_CS1" "$TOK_CS2" "$TOK_SALES"; do
  [ -n "$t" ] || { say "a demo sign-in failed (rate limit? LOGIN_RATE)"; exit 1; }
done
ID_CEO=$(uid ceo@northstar.example); ID_CS1=$(uid cs1@northstar.example)
ID_CS2=$(uid cs2@northstar.example); ID_SALES=$(uid sales1@northstar.example)
KEY=$(bench_key "bench-live-$$-$RANDOM" ingest:events ingest:billing)
TAG=l$$x$RANDOM
# One customer of each cs user; orders refer to a customer by its external id, so each gets one.
read -r CA_ID CA_EXT < <(psqlq -F ' ' -c "UPDATE customers SET external_id = coalesce(external_id, 'lb-cust-' || id)
  WHERE id = (SELECT min(id) FROM customers WHERE cs_owner_id = $ID_CS1) RETURNING id, external_id")
read -r CB_ID CB_EXT < <(psqlq -F ' ' -c "UPDATE customers SET external_id = coalesce(external_id, 'lb-cust-' || id)
  WHERE id = (SELECT min(id) FROM customers WHERE cs_owner_id = $ID_CS2) RETURNING id, external_id")
[ -n "${CA_ID:-}" ] && [ -n "${CB_ID:-}" ] || { say "cs1 and cs2 need a customer each (the demo data)"; exit 1; }
OWNED=$(psqlq -c "SELECT coalesce(json_object_agg(cs_owner_id, ids), '{}') FROM (SELECT cs_owner_id, json_agg(id) ids
  FROM customers WHERE cs_owner_id IN ($ID_CS1, $ID_CS2) GROUP BY 1) o")

# ---- measuring helpers
# nginx workers' resident and private memory, KB (children of the master named "worker process")
workers_mem() {
  local p rss=0 priv=0 r v
  for p in $(ps -o pid=,args= --ppid "$(cat "$RUN/nginx.pid")" | awk '/worker process/ {print $1}'); do
    r=$(awk '/^Rss:/ {r=$2} /^Private_(Clean|Dirty):/ {v+=$2} END {print r + 0, v + 0}' "/proc/$p/smaps_rollup")
    rss=$((rss + ${r% *})); v=${r#* }; priv=$((priv + v))
  done
  echo "$rss $priv"
}
# nchan_stub_status, when nginx/nginx.conf.in has a location for it: "shm_kb subscribers" or "".
STATUS_PATH=$(awk '/location/ {loc = $0} /nchan_stub_status/ {print loc; exit}' nginx/nginx.conf.in \
  | sed -nE 's/.*location[[:space:]]+(=[[:space:]]*)?([^[:space:]{]+).*/\2/p')
nchan_status() {
  [ -n "$STATUS_PATH" ] || return 0
  # on the public server, or on the publisher's socket (the run directory's live/live.sock)
  { curl -s "$U$STATUS_PATH"; [ -S "$RUN/live/live.sock" ] && curl -s --unix-socket "$RUN/live/live.sock" "http://localhost$STATUS_PATH"; } | awk -F': *' '/^shared memory used/ {m = $2 + 0; if ($2 ~ /M/) m *= 1024}
    /^subscribers/ {s = $2} END {if (s != "") print m, s}'
}
# api_lat LABEL — median and p95 ms of CALLS uncached calls of each endpoint → $WORK/lat.LABEL
LAT_EPS="/api/revenue/summary /api/product/live"
api_lat() {
  local ep i
  for ep in $LAT_EPS; do
    for i in $(seq 1 10); do curl -s -o /dev/null -H "Authorization: Bearer $TOK_CEO" -H 'X-No-Cache: 1' "$U$ep"; done
    for i in $(seq 1 "$CALLS"); do
      curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOK_CEO" -H 'X-No-Cache: 1' "$U$ep"
    done | sort -n | awk -v ep="$ep" '{a[NR] = $1 * 1000} END {
      i95 = int(NR * 0.95 + 0.999); printf "%s %.2f %.2f\n", ep, a[int((NR + 1) / 2)], a[i95] }'
  done >"$WORK/lat.$1"
}
wait_file() {  # wait_file FILE SECONDS — 1 when it did not appear (or the tool died)
  local end=$(( $(date +%s) + $2 ))
  while [ ! -e "$1" ]; do
    kill -0 "$LOADPID" 2>/dev/null || return 1
    [ "$(date +%s)" -lt "$end" ] || return 1
    sleep 0.2
  done
}

# ---- without subscribers
say "live: the API's uncached latency without subscribers ($CALLS calls of $LAT_EPS)"
api_lat before
read -r MEM0 PRIV0 < <(workers_mem)
read -r SHM0 NSUB0 < <(nchan_status; echo) || true

# ---- N subscribers
say "live: connecting $N subscribers to /api/live"
jq -n --arg url "$U" --argjson n "$N" --arg key "$KEY" --arg tag "$TAG" --argjson rounds "$ROUNDS" \
  --arg ctl "$WORK" --arg out "$WORK/results.json" --argjson owned "$OWNED" --argjson recheck "${NS_LIVE_RECHECK_SECONDS:-60}" \
  --arg tceo "$TOK_CEO" --arg tcs1 "$TOK_CS1" --arg tcs2 "$TOK_CS2" --arg tsales "$TOK_SALES" \
  --argjson iceo "$ID_CEO" --argjson ics1 "$ID_CS1" --argjson ics2 "$ID_CS2" --argjson isales "$ID_SALES" \
  --argjson caid "$CA_ID" --arg caext "$CA_EXT" --argjson cbid "$CB_ID" --arg cbext "$CB_EXT" '{
    url: $url, n: $n, parallel: 50, key: $key, tag: $tag, rounds: $rounds, interval_ms: 1000,
    settle_ms: 15000, control: $ctl, out: $out, owned: $owned, recheck_s: $recheck,
    tokens: [{role: "ceo", user_id: $iceo, token: $tceo, share: 2}, {role: "cs", user_id: $ics1, token: $tcs1, share: 1},
             {role: "cs", user_id: $ics2, token: $tcs2, share: 1}, {role: "sales", user_id: $isales, token: $tsales, share: 1}],
    cust_a: {id: $caid, ext: $caext, owner: $ics1}, cust_b: {id: $cbid, ext: $cbext, owner: $ics2} }' >"$WORK/config.json"
node scripts/live-subscribers.mjs "$WORK/config.json" 2>"$WORK/load.log" &
LOADPID=$!
wait_file "$WORK/connected" 120 || { cat "$WORK/load.log" >&2; say "the subscribers did not connect"; exit 1; }
T_CONNECTED=$(date +%s)
sleep 2   # let the last subscriptions settle in nchan
read -r OPEN CONNECT_MS < <(jq -r '"\(.open) \(.connect_ms)"' "$WORK/connected")
read -r MEM1 PRIV1 < <(workers_mem)
read -r SHM1 NSUB1 < <(nchan_status; echo) || true
say "live: $OPEN of $N connected in $CONNECT_MS ms; the API's latency with them connected"
api_lat with

# ---- the rounds (and the API's latency while they fan out)
say "live: $ROUNDS rounds of three batches, one a second"
api_lat during & LATPID=$!
touch "$WORK/go"
wait_file "$WORK/done" $((ROUNDS * 4 + 60)) || { cat "$WORK/load.log" >&2; say "the rounds did not finish"; exit 1; }
wait "$LATPID" || true; LATPID=""

# ---- the browser, with the subscribers still connected
say "live: freshness in Chromium, $SAMPLES samples"
if [ ! -d tests/e2e/node_modules ]; then
  (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2) || true
fi
if [ -d tests/e2e/node_modules ] && [ -x /usr/bin/chromium ]; then
  (cd tests/e2e && NS_URL=$U NS_KEY=$KEY SAMPLES=$SAMPLES TAG=$TAG timeout 240 node live-fresh.mjs) >"$WORK/fresh.json" 2>"$WORK/fresh.log" || true
fi
[ -s "$WORK/fresh.json" ] || echo '{"error":"not run: tests/e2e/node_modules or /usr/bin/chromium missing"}' >"$WORK/fresh.json"

# ---- the re-check: hold the streams (the tool keeps messages coming) past the interval
RECHECK=${NS_LIVE_RECHECK_SECONDS:-60}
hold_until=$((T_CONNECTED + RECHECK + 25))
if [ "$(date +%s)" -lt "$hold_until" ]; then
  say "live: holding the streams until $((RECHECK + 25)) s after connecting (re-check interval $RECHECK s)"
  while [ "$(date +%s)" -lt "$hold_until" ]; do sleep 1; done
fi

# ---- without them again
touch "$WORK/quit"
for _ in $(seq 1 80); do kill -0 "$LOADPID" 2>/dev/null || break; sleep 0.1; done
[ -s "$WORK/final.json" ] || echo '{}' >"$WORK/final.json"
LOADPID=""
sleep 2
say "live: the API's latency after the subscribers left"
api_lat after
cat "$WORK/load.log" >&2

# Leave the stack's data as it was (the own stack goes anyway; make bench's is measured on).
psqlq -c "DELETE FROM orders WHERE external_id LIKE 'lb-$TAG-%'" \
      -c "DELETE FROM events WHERE type = 'api_call' AND endpoint LIKE '/v1/livebench-$TAG-%' AND occurred_at > now() - interval '1 day'" \
      -c "DELETE FROM ingest_messages WHERE message_id LIKE 'lb-$TAG-%'" \
      -c "DELETE FROM customers WHERE external_id LIKE 'lbc-$TAG-%' OR external_id LIKE 'lf-$TAG-%'" >/dev/null 2>&1 \
  || say "live: could not remove the bench's rows (left in the stack)"

# ---- the figures
R=$WORK/results.json; F=$WORK/fresh.json
j() { jq -r "$1" "$R"; }
per_sub() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (n > 0 ? (b - a) / n : 0) }'; }
rss_sub=$(per_sub "$MEM0" "$MEM1" "$OPEN"); priv_sub=$(per_sub "$PRIV0" "$PRIV1" "$OPEN")
shm="; nchan's shared memory not read: no nchan_stub_status location in nginx/nginx.conf.in"
[ -n "$STATUS_PATH" ] && shm="; nchan's shared memory not read: $STATUS_PATH answered no \"shared memory used\""
[ -n "${SHM1:-}" ] && shm="; nchan shared memory $(per_sub 0 "$SHM1" 1) KB in all ($(per_sub "$SHM0" "$SHM1" "$OPEN") KB a subscriber, nchan counts ${NSUB1} subscribers)"
# lat_ratio A B — per endpoint "ep med_A/med_base", overall Σ median A / Σ median baseline, where the
# baseline is the mean of before and after
lat_ratio() {
  paste "$WORK/lat.before" "$WORK/lat.$1" "$WORK/lat.after" | awk '{
    base = ($2 + $8) / 2; sa += $5; sb += base
    printf "%s %.1f → %.1f ms; ", $1, base, $5 } END { printf "|%.2f\n", (sb > 0 ? sa / sb : 0) }'
}
IFS='|' read -r lat_with_txt ratio_with < <(lat_ratio with)
IFS='|' read -r lat_during_txt ratio_during < <(lat_ratio during)
res() { awk -v r="$1" -v g="$2" 'BEGIN { print (r != "" && r + 0 <= g) ? "met" : "short" }'; }
zero() { [ "$1" = 0 ] && echo met || echo short; }
fmt() { awk -v v="$1" 'BEGIN { if (v == "null" || v == "") print "n/a"; else printf "%.0f", v }'; }
missing=$(j .missing); expected=$(j .expected); leaks=$(j '.leaks + .unexpected')
p50=$(fmt "$(j .latency_ms.p50)"); p95=$(fmt "$(j .latency_ms.p95)"); p99=$(fmt "$(j .latency_ms.p99)")
fmode=$(jq -r '.mode // "n/a"' "$F"); fn=$(jq -r '.n // 0' "$F")
fp50=$(jq -r 'if .p50_ms then (.p50_ms / 1000 * 100 | round / 100) else "n/a" end' "$F")
fp95=$(jq -r 'if .p95_ms then (.p95_ms / 1000 * 100 | round / 100) else "n/a" end' "$F")
case $fmode in
  figure) fwhat="\"today's signups\" changed on the executive view" ;;
  eventsource) fwhat="SSE message in the page (the app draws no live figure yet)" ;;
  *) fwhat="not measured: $(jq -r '.error // "?"' "$F" | head -1 | cut -c1-120)" ;;
esac
ffail=$(jq -r '(.failures // []) | length' "$F")

ROWS=()
row() { ROWS+=("$(printf '| %s | %s | %s | %s |' "$1" "$2" "$3" "$4")"); printf 'ROW\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"; }
row "L1. SSE subscribers connected to /api/live (asked; time to connect all)" \
  "$OPEN ($N; $(awk -v m="$CONNECT_MS" 'BEGIN { printf "%.1f", m / 1000 }') s)" "$N" "$([ "$OPEN" = "$N" ] && echo met || echo short)"
read -r held longest older < <(jq -r '"\(.held_s // 0) \(.longest_stream_s // 0) \(.streams_older_than_recheck // 0)"' "$WORK/final.json")
row "L1b. streams held while messages flow: the oldest stream still open after ${held} s held, s (streams older than the quiet re-check interval)" \
  "$longest ($older)" "(information)" ""
row "L2. deliveries missing of those due ($(j .batches_accepted) of $(j .batches_sent) batches accepted; duplicates $(j .duplicates), reconnections $(j .reconnects))" \
  "$missing of $expected" "0" "$(zero "$missing")"
row "L3. role and row scope violations under load (cs hearing another's customer, sales hearing customer-level, batches not entitled to)" \
  "$leaks" "0" "$(zero "$leaks")"
row "L4. delivery latency, accepted batch → message at the subscriber, p50 / p95 / p99 ms ($(j .received) deliveries; per batch, first subscriber p50 $(fmt "$(j .first_subscriber_ms.p50)") ms, first → last p50 $(fmt "$(j .fanout_spread_ms.p50)") ms)" \
  "$p50 / $p95 / $p99" "reported" ""
row "L5. memory per subscriber: nginx workers' RSS (private) KB${shm}" "$rss_sub ($priv_sub)" "reported" ""
row "L6. uncached API median with the subscribers connected vs without (${lat_with_txt%; })" "${ratio_with} ×" "≤ 1.2 ×" "$(res "$ratio_with" 1.2)"
row "L6b. the same while the rounds fan out (${lat_during_txt%; })" "${ratio_during} ×" "(information)" ""
row "L7. freshness in Chromium: accepted batch → $fwhat, p50 / p95 s ($fn samples$([ "$ffail" != 0 ] && echo ", $ffail failed"))" \
  "$fp50 / $fp95" "p95 < 5 s" "$(awk -v r="$fp95" 'BEGIN { print (r != "n/a" && r + 0 < 5) ? "met" : "short" }')"
cp "$R" "${BENCH_LIVE_RESULTS:-/dev/null}" 2>/dev/null || true
jq -c '{missing_examples, unexpected_examples, leak_examples, statuses, types, latency_by_role_ms, tool_rss_mb}' "$R" >&2
jq -c '{mode, note, failures, error}' "$F" >&2
[ -s "$WORK/fresh.log" ] && tail -5 "$WORK/fresh.log" >&2

# ---- the section of docs/benchmarks.md
section() {
  cat <<EOT
## Live updates (issue 19)

Measured by \`scripts/bench-live.sh\` (part of \`make bench\`) on $(date -u +%Y-%m-%d) on $(nproc) cores,
$(free -g | awk '/Mem:/ {print $2}') GB, load average $(cut -d' ' -f1 /proc/loadavg) at the end (the machine is shared), $OPEN subscribers held by one
Node.js process on the same machine, demo data at SCALE=${SCALE:-0.02}. One run; the table is the output of that run.

| measure | value | goal | result |
|---|---|---|---|
EOT
  printf '%s\n' "${ROWS[@]}"
  cat <<'EOT'

What the numbers mean:
- **Subscribers (L1)**: Server-Sent-Events streams on `GET /api/live`, each authorised by nginx's
  `auth_request` to the users service; four shared tokens: ceo 40 %, two cs users 20 % each,
  sales 20 %. A stream that ends (the re-check interval, `NS_LIVE_RECHECK_SECONDS`) is resumed
  with its last event id; "reconnections" counts those.
- **Streams held (L1b)**: docs/live.md's re-check ends a stream that heard nothing for
  `NS_LIVE_RECHECK_SECONDS` (60 s); nchan restarts that timer with every message, so a stream that
  keeps hearing stays open (the row shows it: streams held until 25 s past the interval with
  messages all along). That is not how a revoked session is stopped: signing out or disabling a
  user deletes the user's channel at once (a *kick*, docs/live.md "Revocation";
  `tests/integration/t-live.sh` checks it ends a stream under traffic within 3 s).
- **Missing (L2)**: every round (one a second) posts 10 API calls (5 for a customer of each cs
  user; due to ceo and cs), one order of a customer of one cs user (`payment_received`: ceo and
  that owner) and one new customer without an owner (`new_signup`: ceo). A (subscriber, batch)
  pair that is due and never arrived is missing; the goal is 0.
- **Scope (L3)**: every message every subscriber heard is checked: a cs subscriber must name
  only its own customers (an `api_calls` call of another's customer has `customer_id` null), a
  sales subscriber hears no customer-level or `api_calls` message, and nobody hears one of the
  bench's batches it is not due.
- **Latency (L4)**: from the moment the batch's accepted answer was read to the moment the
  chunk holding the message reached the load tool, both on one clock. It includes the tool's
  own handling: one thread reads the 2,000 sockets one after the other, so p99 is an upper bound
  of nginx's fan-out. Per batch, "first subscriber" is the delay until the first subscriber had
  it (commit, outbox, publisher, nchan: the pipeline), "first → last" the spread until the last
  one had it (the fan-out, this tool's reading included).
- **Memory (L5)**: the nginx workers' resident memory with the subscribers connected minus
  before, divided by their number (private pages in brackets: RSS also counts shared pages a
  worker touched first); nchan's shared memory from `nchan_stub_status` where nginx has one.
- **API latency (L6)**: `X-No-Cache: 1` calls as the CEO of `/api/revenue/summary` and
  `/api/product/live`, one at a time, median, with the subscribers connected and idle; the
  baseline is the mean of the medians before connecting and after disconnecting (the machine is
  shared; this halves the drift). L6b is the same measured while the rounds fan out.
- **Freshness in the browser (L7)**: Chromium signed in as the CEO on the executive view, with the
  subscribers still connected; a new customer is posted, and the time runs from its accepted
  answer to the moment the real-time panel's "signups today" changed and the next animation frame
  came (or, when the app has no such figure yet, to the `new_signup` message reaching an
  `EventSource` opened in the page — the row then says so).
EOT
}
if [ -n "${BENCH_LIVE_SECTION:-}" ]; then section >"$BENCH_LIVE_SECTION"; fi
if [ "$DOC" = 1 ]; then
  section >"$WORK/section.md"
  bench_doc_section "Live updates (issue 19)" "$WORK/section.md"
fi
