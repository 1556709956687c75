#!/usr/bin/env bash
# bench-fresh.sh — freshness for `make bench` (docs/benchmarks.md, docs/ingest.md "Freshness"):
#  10. from an accepted batch to the moved figure: BENCH_FRESH_SAMPLES times, POST a batch of API
#      calls of one endpoint, then poll GET /api/product/api-usage for it (uncached, X-No-Cache: 1,
#      as the CEO) until today's calls equal what was acknowledged; p50 / p95 / max seconds.  That
#      figure is a follower's (product_api_daily), so it moves only after both hops: rollups, then
#      the product pre-aggregates.
#  11. a sustained stream: BENCH_SUSTAIN_PAR senders post 1,000-event batches as fast as the stack
#      takes them for BENCH_SUSTAIN_SECONDS; once a second the rollup (metrics_daily.api_calls of
#      today) and the follower (product_api_daily of the endpoint) are read and compared with the
#      acknowledged count.  Lag at an instant = how long ago the acknowledged count reached what the
#      figure shows then; reported as the maximum during the stream and the time the figure needs
#      to catch up after the stream stops.
# Prints one tab-separated line per figure on stdout:  ROW <measure> <value> <goal> <result>
# With BENCH_DIR set it uses that running stack (started with a high INGEST_RATE); otherwise it
# starts and stops a small one of its own.
#   env: BENCH_FRESH_SAMPLES (24), BENCH_SUSTAIN_SECONDS (60), BENCH_SUSTAIN_PAR (4), BENCH_DIR
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd); cd "$ROOT"
SAMPLES=${BENCH_FRESH_SAMPLES:-24}; SUSTAIN=${BENCH_SUSTAIN_SECONDS:-60}; SPAR=${BENCH_SUSTAIN_PAR:-4}
say() { printf '==> %s\n' "$*" >&2; }
WORK=$(mktemp -d /tmp/northstar-bench-fresh.XXXXXX)
OWN="" PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$OWN" ] && scripts/stack.sh stop "$OWN" >/dev/null 2>&1; rm -rf "$WORK"; [ -n "$OWN" ] && rm -rf "$OWN"
  return 0
}
trap cleanup EXIT; trap 'exit 1' INT TERM
. scripts/bench-stack.sh
bench_stack

KEY=$(bench_key "bench-fresh-$$-$RANDOM")
TOK=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"email":"ceo@northstar.example","password":"northstar-demo"}' "$U/api/auth/login" | jq -r .token)
CUST=$(psqlq -c "SELECT min(id) FROM customers")
DAY=$(psqlq -c "SELECT ns_today()")
TAG=f$$x$RANDOM

# batch FILE ENDPOINT N FIRST — N API calls of ENDPOINT, message ids TAG-FIRST …, stamped now - 5 s
batch() {
  awk -v f="$1" -v ep="$2" -v per="$3" -v first="$4" -v c="$CUST" -v tag="$TAG" \
      -v ts="$(date -u -d '-5 seconds' +%Y-%m-%dT%H:%M:%SZ)" 'BEGIN {
    printf "{\"batch\":[" > f
    for (i = 0; i < per; i++) {
      n = first + i
      printf "%s{\"type\":\"track\",\"event\":\"API Call\",\"messageId\":\"%s-%.0f\",\"userId\":\"%d\",\"timestamp\":\"%s\",\"properties\":{\"endpoint\":\"%s\",\"status\":200,\"latency_ms\":%d},\"context\":{\"groupId\":\"%s\",\"ip\":\"198.51.100.%d\",\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36\"}}", (i ? "," : ""), tag, n, 1000 + n % 500, ts, ep, 20 + n % 300, c, n % 250 >> f
    }
    printf "]}" >> f
    close(f)
  }'
}
post() {  # post FILE — echoes the HTTP status
  curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' --data-binary "@$1" "$U/api/product/events"
}
# Today's calls of an endpoint as the dashboard shows it (uncached), or -1.
shown() {
  curl -s -H "Authorization: Bearer $TOK" -H 'X-No-Cache: 1' \
    "$U/api/product/api-usage?endpoint=${1#/v1/}&from=$DAY&to=$DAY" \
  | jq -r --arg d "$DAY" '[.series[]? | select(.bucket | startswith($d)) | .calls] | add // 0' 2>/dev/null || echo -1
}

# ---- 10: accepted batch → moved figure
EP=/v1/fresh-$TAG; total=0; : >"$WORK/lat"
say "freshness: $SAMPLES batches of 100 API calls, each polled until GET /api/product/api-usage shows it"
for i in $(seq 1 "$SAMPLES"); do
  batch "$WORK/f.json" "$EP" 100 $((i * 100))
  code=$(post "$WORK/f.json"); t0=$(ms)
  [ "$code" = 200 ] || { say "batch $i answered $code"; continue; }
  total=$((total + 100)); seen=""
  while [ $(( $(ms) - t0 )) -lt 120000 ]; do
    got=$(shown "$EP")
    [ "$got" = "$total" ] && { seen=$(ms); break; }
    sleep 0.1
  done
  if [ -n "$seen" ]; then echo $((seen - t0)) >>"$WORK/lat"; else echo 120000 >>"$WORK/lat"; fi
  sleep "0.$((RANDOM % 10))"     # land at another phase of the jobs' debounce next time
done
sort -n "$WORK/lat" -o "$WORK/lat"
read -r n p50 p95 mx < <(awk '{a[NR] = $1} END {
  i50 = int((NR + 1) / 2); i95 = int(NR * 0.95 + 0.999); if (i95 < 1) i95 = 1
  printf "%d %.1f %.1f %.1f\n", NR, a[i50] / 1000, a[i95] / 1000, a[NR] / 1000 }' "$WORK/lat")

# ---- 11: a sustained stream
EP2=/v1/sustain-$TAG
base_roll=$(psqlq -c "SELECT coalesce((SELECT api_calls FROM metrics_daily WHERE day = ns_today()), 0)")
say "sustained: $SPAR senders, 1,000-event batches, ${SUSTAIN} s; rollup and follower sampled every second"
cat >"$WORK/sample.sql" <<SQL
SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
       coalesce((SELECT api_calls FROM metrics_daily WHERE day = '$DAY'), 0) - $base_roll,
       coalesce((SELECT calls FROM product_api_daily WHERE day = '$DAY' AND endpoint = '$EP2'), 0)
\watch 1
SQL
psqlq -F ' ' -f "$WORK/sample.sql" >"$WORK/samples" 2>/dev/null &
PIDS+=($!)
end=$(( $(ms) + SUSTAIN * 1000 ))
for s in $(seq 1 "$SPAR"); do
  (
    k=0
    while [ "$(ms)" -lt "$end" ]; do
      first=$(( s * 100000000 + k * 1000 + 10000 )); k=$((k + 1))
      batch "$WORK/s$s.json" "$EP2" 1000 "$first"
      out=$(curl -s -w ' %{http_code}' -X POST -H "Authorization: Bearer $KEY" \
              -H 'Content-Type: application/json' --data-binary "@$WORK/s$s.json" "$U/api/product/events")
      # an acknowledgement: 200 and the events it says it stored
      [ "${out##* }" = 200 ] && echo "$(ms) $(grep -o '"stored" *: *[0-9]*' <<<"$out" | grep -o '[0-9]*$')"
    done >"$WORK/acks.$s"
  ) &
  PIDS+=($!)
done
wait "${PIDS[@]:1}"
t_stop=$(ms)
acked=$(cat "$WORK"/acks.* | awk '{n += $2} END {print n + 0}')
# the catch-up: until both figures show every acknowledged event (at most 5 minutes)
while [ $(( $(ms) - t_stop )) -lt $(( ${BENCH_CATCHUP_MAX:-300} * 1000 )) ]; do
  last=$(grep . "$WORK/samples" 2>/dev/null | tail -1 || true)
  set -- $last
  [ $# -ge 3 ] && [ "$2" -ge "$acked" ] && [ "$3" -ge "$acked" ] && break
  sleep 0.5
done
t_caught=$(ms)
say "acknowledged $acked; last sample (instant, rollup, follower): $(grep . "$WORK/samples" | tail -1)"
kill "${PIDS[0]}" 2>/dev/null || true
start=$(( end - SUSTAIN * 1000 ))
rate=$(awk -v n="$acked" -v t=$((t_stop - start)) 'BEGIN { printf "%d", (t > 0 ? n * 1000 / t : 0) }')
# lag of a figure showing v at instant t: how long the oldest acknowledged event it does not show
# has been acknowledged (t - the first ack whose running total exceeds v; 0 when it shows them all)
read -r lag_roll lag_fol < <(cat "$WORK"/acks.* | sort -n | awk -v t_stop="$t_stop" '
  FNR == NR { cum += $2; at[++k] = $1; c[k] = cum; next }
  function lag(v, t,   j) { for (j = 1; j <= k && at[j] <= t; j++) if (c[j] > v) return t - at[j]; return 0 }
  NF >= 3 && $1 <= t_stop { r = lag($2, $1); f = lag($3, $1); if (r > mr) mr = r; if (f > mf) mf = f }
  END { printf "%.1f %.1f\n", mr / 1000, mf / 1000 }' - "$WORK/samples")
catch=$(awk -v a="$t_caught" -v b="$t_stop" 'BEGIN { printf "%.1f", (a - b) / 1000 }')
rm -f "$WORK"/s*.json "$WORK/f.json"
# Leave the stack's data as it was.
psqlq -c "DELETE FROM events WHERE type = 'api_call' AND endpoint IN ('$EP', '$EP2') AND occurred_at > now() - interval '1 day'" \
      -c "DELETE FROM ingest_messages WHERE message_id LIKE '$TAG-%'" >/dev/null

res() { awk -v r="$1" -v g="$2" 'BEGIN { print (r + 0 <= g) ? "met" : "short" }'; }
printf 'ROW\t%s\t%s\t%s\t%s\n' \
  "10. freshness: accepted batch → moved figure (GET /api/product/api-usage, uncached), $n samples, p50 / p95 / max s" \
  "$p50 / $p95 / $mx" "p95 ≤ 10 s" "$(res "$p95" 10)"
printf 'ROW\t%s\t%s\t%s\t%s\n' \
  "11. sustained ingestion for ${SUSTAIN} s, $SPAR senders: events/s acknowledged (offered as fast as taken)" \
  "$rate" "≥ 50000" "$(awk -v r="$rate" 'BEGIN { print (r >= 50000) ? "met" : "short" }')"
printf 'ROW\t%s\t%s\t%s\t%s\n' \
  "11b. sustained: largest lag of the rollup (metrics_daily) / follower (product_api_daily) behind the acknowledged count, s" \
  "$lag_roll / $lag_fol" "≤ 10 s" "$(res "$lag_fol" 10)"
printf 'ROW\t%s\t%s\t%s\t%s\n' \
  "11c. sustained: catch-up after the stream stops (both figures = the $acked acknowledged events), s" \
  "$catch" "≤ 10 s" "$(res "$catch" 10)"
