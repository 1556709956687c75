#!/usr/bin/env bash
# bench-ingest.sh — ingestion throughput for `make bench` (docs/benchmarks.md, docs/ingest.md):
# events per second through POST /api/product/events in batches of 1,000 (BENCH_BATCHES of them,
# BENCH_PAR at a time, one API key), against COPY of the same rows straight into events as the
# ceiling.  Prints one tab-separated line per figure on stdout:
#   ROW <measure> <value> <goal> <result>
# With BENCH_DIR set it uses that running stack (scripts/stack.sh start BENCH_DIR, started with a
# high INGEST_RATE); otherwise it starts and stops a small one of its own.
#   env: BENCH_BATCHES (200), BENCH_PAR (4), BENCH_DIR
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd); cd "$ROOT"
BATCHES=${BENCH_BATCHES:-200}; PAR=${BENCH_PAR:-4}; PER=1000
say() { printf '==> %s\n' "$*" >&2; }
WORK=$(mktemp -d /tmp/northstar-bench-ingest.XXXXXX)
OWN=""
cleanup() { [ -n "$OWN" ] && scripts/stack.sh stop "$OWN" >/dev/null 2>&1; rm -rf "$WORK"; [ -n "$OWN" ] && rm -rf "$OWN"; }
trap cleanup EXIT; trap 'exit 1' INT TERM
. scripts/bench-stack.sh
bench_stack

KEY=$(bench_key "bench-$$-$RANDOM")
CUST=$(psqlq -c "SELECT min(id) FROM customers")
TS=$(psqlq -c "SELECT to_char(now() AT TIME ZONE 'UTC' - interval '10 minutes', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
TAG=b$$x$RANDOM

# The batches, as Segment's clients would send them (API calls: what a product service emits most),
# and the same rows as CSV for COPY.
say "writing $BATCHES batches of $PER events"
awk -v nb="$BATCHES" -v per="$PER" -v c="$CUST" -v ts="$TS" -v tag="$TAG" -v dir="$WORK" 'BEGIN {
  eps[0] = "/v1/orders"; eps[1] = "/v1/customers"; eps[2] = "/v1/metrics"; eps[3] = "/v1/events"
  for (b = 0; b < nb; b++) {
    f = sprintf("%s/batch-%04d.json", dir, b)
    printf "{\"batch\":[" > f
    for (i = 0; i < per; i++) {
      n = b * per + i
      printf "%s{\"type\":\"track\",\"event\":\"API Call\",\"messageId\":\"%s-%d\",\"userId\":\"%d\",\"timestamp\":\"%s\",\"properties\":{\"endpoint\":\"%s\",\"status\":%d,\"latency_ms\":%d},\"context\":{\"groupId\":\"%s\",\"ip\":\"198.51.100.%d\",\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36\",\"library\":{\"name\":\"analytics-node-next\",\"version\":\"latest\"}},\"integrations\":{}}", (i ? "," : ""), tag, n, 1000 + n % 500, ts, eps[n % 4], (n % 50 ? 200 : 503), 20 + n % 300, c, n % 250 >> f
      printf "%s,%s,%d,api_call,%s,%d,%d,desktop,Chrome,Linux,198.51.100.%d,false\n", ts, c, 1000 + n % 500, eps[n % 4], (n % 50 ? 200 : 503), 20 + n % 300, n % 250 >> (dir "/rows.csv")
    }
    printf "]}" >> f
    close(f)
  }
}'
bytes=$(wc -c <"$WORK/batch-0000.json")

# Through the API: every batch in one curl (parallel transfers, PAR at a time).
args=()
for f in "$WORK"/batch-*.json; do
  [ "${#args[@]}" -gt 0 ] && args+=(--next)
  args+=(-s -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $KEY"
         -H 'Content-Type: application/json' --data-binary "@$f" "$U/api/product/events")
done
before=$(psqlq -c "SELECT count(*) FROM events")
say "POST $BATCHES batches ($bytes bytes each), $PAR at a time"
t0=$(ms)
curl -s --no-progress-meter -Z --parallel-max "$PAR" "${args[@]}" >"$WORK/codes"
t1=$(ms)
stored=$(( $(psqlq -c "SELECT count(*) FROM events") - before ))
ok=$(grep -c '^200$' "$WORK/codes" || true)
api_eps=$(awk -v n="$stored" -v t=$((t1 - t0)) 'BEGIN { printf "%d", (t > 0 ? n * 1000 / t : 0) }')

# The ceiling: the same rows by COPY into events (triggers included), one session.
say "COPY of the same $((BATCHES * PER)) rows"
t0=$(ms)
psqlq -c "\\copy events (occurred_at, customer_id, user_id, type, endpoint, status, latency_ms, device, browser, os, client_ip, rate_limited) FROM '$WORK/rows.csv' WITH (FORMAT csv)"
t1=$(ms)
copy_eps=$(awk -v n=$((BATCHES * PER)) -v t=$((t1 - t0)) 'BEGIN { printf "%d", (t > 0 ? n * 1000 / t : 0) }')
ratio=$(awk -v a="$api_eps" -v b="$copy_eps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
# Leave the stack's data as it was: these rows would skew the other figures.
psqlq -c "DELETE FROM events WHERE occurred_at = '$TS' AND customer_id = $CUST AND client_ip << '198.51.100.0/24'" \
      -c "DELETE FROM ingest_messages WHERE message_id LIKE '$TAG-%'" >/dev/null

res() { awk -v r="$1" -v g="$2" 'BEGIN { print (r != "n/a" && r + 0 >= g) ? "met" : "short" }'; }
printf 'ROW\t%s\t%s\t%s\t%s\n' \
  "9. ingestion: events/s through POST /api/product/events, $BATCHES × $PER-event batches, $PAR parallel ($ok/$BATCHES answered 200, $stored stored)" \
  "$api_eps" "≥ 50000" "$(res "$api_eps" 50000)"
printf 'ROW\t%s\t%s\t%s\t%s\n' "9b. ingestion: COPY of the same rows into events (ceiling), rows/s" "$copy_eps" "ceiling" ""
printf 'ROW\t%s\t%s\t%s\t%s\n' "9c. ingestion API ÷ COPY" "$ratio" "≥ 0.5" "$(res "$ratio" 0.5)"
