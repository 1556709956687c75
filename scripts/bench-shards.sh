#!/usr/bin/env bash
# bench-shards.sh — part of `make bench` (and `make bench-shards` alone): the same demo company on
# one server, on one server behind pgbouncer, and on SHARDS=2 and SHARDS=4 (docs/operations.md,
# "Sharding"), side by side, in one run.  For each layout in BENCH_SHARDS (default "0 pool 2 4") it starts a throw-away stack at
# BENCH_SHARD_SCALE (default 0.1) with the same ANCHOR, so that every layout holds the same rows,
# and measures: the start and the move of the events onto the shards; every GET answer
# (tests/answers/snapshot.sh) compared byte for byte with the one-server answers; every endpoint's
# uncached median as each role (bench_latency, BENCH_CALLS calls, default 10); a raw scan of 90
# days of events (distinct users, no rollup) and a per-customer count over them; the rollup
# refresh after one late day of events (rolled back, so that every layout keeps the same rows);
# and ingestion through the API (20 batches of 500 events, one after another).  Prints the table
# and writes it as the section "Sharding: one server, 2 and 4 shards" of docs/benchmarks.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd); cd "$ROOT"
# a layout: a number of shards, or "pool" (one server behind pgbouncer, POOL=1: what the pooler
# alone costs, apart from the shards)
LAYOUTS=${BENCH_SHARDS:-0 pool 2 4}; SCALE=${BENCH_SHARD_SCALE:-0.1}; CALLS=${BENCH_CALLS:-10}
ANCHOR="$(date -u +%F) 00:00:00+00"
WORK=$(mktemp -d /tmp/northstar-bench-shards.XXXXXX); DIR=
say() { printf '==> %s\n' "$*" >&2; }
cleanup() { [ -n "$DIR" ] && scripts/stack.sh stop "$DIR" >/dev/null 2>&1; [ -n "$DIR" ] && rm -rf "$DIR"; rm -rf "$WORK"; }
trap cleanup EXIT; trap 'exit 1' INT TERM
# shellcheck source=bench-stack.sh
. scripts/bench-stack.sh
# median of 5 runs of a statement's execution time, ms (after one warm-up run)
med5() {
  local i
  psqlq -c "$1" >/dev/null
  for i in 1 2 3 4 5; do psqlq -c "EXPLAIN (ANALYZE, FORMAT JSON) $1" | jq '.[0]["Execution Time"]'; done \
    | sort -n | sed -n 3p | awk '{ printf "%.0f", $1 }'
}
# (the bound as a value, as the services' functions pass it: postgres_fdw sends no stable expression
# such as now() - interval to the shards, docs/operations.md "Sharding")
FROM90=$(date -u -d '-90 days' '+%F %T+00')
SCAN="SELECT count(DISTINCT ns_user_key(customer_id, user_id)) FROM events WHERE occurred_at >= '$FROM90'"
PERCUST="SELECT customer_id, count(*) FROM events WHERE occurred_at >= '$FROM90' GROUP BY customer_id"
# one late day of events (yesterday's again, 40 days back), the rollup refresh and the product
# follower that read it, then ROLLBACK: ms of the two refreshes
late_day() {
  psqlq -c "BEGIN" \
        -c "INSERT INTO events SELECT occurred_at - interval '40 days', customer_id, user_id, session_id, type, feature,
                   endpoint, status, latency_ms, device, browser, os, country, source, client_ip, rate_limited
              FROM events WHERE occurred_at >= now() - interval '1 day'" \
        -c "EXPLAIN (ANALYZE, FORMAT JSON) SELECT rollup_refresh()" \
        -c "EXPLAIN (ANALYZE, FORMAT JSON) SELECT product_rollup_refresh()" -c "ROLLBACK" \
    | jq -s 'map(.[0]["Execution Time"]) | add | floor'
}
# the shards' own part of PERCUST: on each shard's cluster, the scan it is sent (its tables of the
# months in range, the rows from FROM90 on), median of 3: "sum max" of the shards' ms
shard_work() {
  local n=$1 k sql t sum=0 max=0
  [ "$n" -gt 0 ] || { echo "- -"; return; }
  for ((k = 0; k < n; k++)); do
    sql=$(psql -X -qtA -h "$RUN" -p "$(cat "$RUN/shard$k.port")" -U postgres -d northstar_shard -c \
      "SELECT string_agg(format('SELECT customer_id FROM %I WHERE occurred_at >= %L', relname, '$FROM90'), ' UNION ALL ')
         FROM pg_class WHERE relkind = 'r' AND relname LIKE 'events\\_y%' AND relname LIKE '%\\_s${k}of${n}'")
    t=$(for i in 1 2 3; do psql -X -qtA -h "$RUN" -p "$(cat "$RUN/shard$k.port")" -U postgres -d northstar_shard \
          -c "EXPLAIN (ANALYZE, FORMAT JSON) $sql" | jq '.[0]["Execution Time"]'; done | sort -n | sed -n 2p)
    sum=$(awk -v a="$sum" -v b="$t" 'BEGIN { print a + b }'); max=$(awk -v a="$max" -v b="$t" 'BEGIN { print (b > a) ? b : a }')
  done
  awk -v s="$sum" -v m="$max" 'BEGIN { printf "%.0f %.0f", s, m }'
}
ingest_rate() {  # events a second through POST /api/product/events, 20 batches of 500
  local key body t0 t1 i
  key=$(bench_key "bench-shards-$RANDOM" ingest:events | tail -1)
  for i in $(seq 0 19); do
    jq -cn --argjson i "$i" --arg ts "$(date -u -d '-2 hours' +%FT%TZ)" '{batch: [range(500) as $k |
      {type: "track", messageId: "bench-shards-\($i)-\($k)", event: "API Call", userId: "bench-\($k % 50)",
       timestamp: $ts, context: {groupId: "\(1 + ($k % 40))"},
       properties: {endpoint: "/v1/bench-shards", status: 200, latency_ms: (5 + $k % 30)}}]}' >"$WORK/batch-$i.json"
  done
  t0=$(ms)
  for i in $(seq 0 19); do
    body=$(curl -s -H "Authorization: Bearer $key" -H 'Content-Type: application/json' --data-binary "@$WORK/batch-$i.json" "$U/api/product/events")
    [ "$(jq -r .stored <<<"$body")" = 500 ] || { say "a batch was not stored: ${body:0:200}"; echo n/a; return; }
  done
  t1=$(ms)
  awk -v n=10000 -v ms=$((t1 - t0)) 'BEGIN { printf "%.0f", n * 1000 / ms }'
}

for n in $LAYOUTS; do
  DIR=$(mktemp -d /tmp/northstar-bench-shards-stack.XXXXXX); RUN=$DIR/run
  say "layout $n: starting a stack at SCALE=$SCALE"
  t0=$SECONDS
  shards=$n pool=0; [ "$n" = pool ] && shards=0 pool=1
  ANCHOR=$ANCHOR SHARDS=$shards POOL=$pool PORT=0 FAST=1 SCALE=$SCALE LOGIN_RATE=6000r/m INGEST_RATE=100000r/s INGEST_BURST=100000 \
    scripts/stack.sh start "$DIR" >"$WORK/start-$n.log" 2>&1 || { tail -20 "$WORK/start-$n.log" >&2; exit 1; }
  echo $((SECONDS - t0)) >"$WORK/start-$n"
  sed -n 's/.*events on [0-9]* shards: \([0-9]*\) months moved in \([0-9]*\) s.*/\2 s (\1 months)/p' "$WORK/start-$n.log" >"$WORK/move-$n"
  BENCH_DIR=$DIR; PGPORT=$(cat "$RUN/pg.port"); U=http://127.0.0.1:$(cat "$RUN/http.port")
  export PGPASSFILE=$DIR/secrets/pgpass
  psqlq -c "SELECT count(*) FROM events" >"$WORK/events-$n"
  say "layout $n: every answer"
  SNAPSHOT_API_ONLY=0 tests/answers/snapshot.sh "$WORK/answers-$n" "$DIR" >"$WORK/snapshot-$n.log" 2>&1 \
    || { tail -5 "$WORK/snapshot-$n.log" >&2; exit 1; }
  say "layout $n: every endpoint's median ($CALLS calls a role)"
  bench_latency "$CALLS" "$WORK/lat-$n"
  say "layout $n: raw scans, a late day, ingestion"
  med5 "$SCAN" >"$WORK/scan-$n"
  med5 "$PERCUST" >"$WORK/percust-$n"
  shard_work "$shards" >"$WORK/work-$n"
  late_day >"$WORK/late-$n"
  ingest_rate >"$WORK/ingest-$n"
  scripts/stack.sh stop "$DIR" >/dev/null 2>&1; rm -rf "$DIR"; DIR=
done

set -- $LAYOUTS; base=$1
val() { cat "$WORK/$1-$2" 2>/dev/null || echo "not measured"; }
same() {  # answers of layout $1 identical to the base layout's: "N of M"
  local d; d=$(diff -rq "$WORK/answers-$base/api" "$WORK/answers-$1/api" 2>/dev/null | wc -l)
  echo "$(( $(find "$WORK/answers-$base/api" -type f | wc -l) - d )) of $(find "$WORK/answers-$base/api" -type f | wc -l)"
}
sqlsame() {  # data-layer results identical, but for those that record the run itself
  local d; d=$(diff -rq "$WORK/answers-$base/sql" "$WORK/answers-$1/sql" 2>/dev/null \
    | grep -c -v -E 'table\.(audit_log|live_state|login_known|report_schedules|shard_servers|shard_orphans|ingest_messages|api_keys) ')
  echo "$(( $(find "$WORK/answers-$base/sql" -type f | wc -l) - d )) of $(find "$WORK/answers-$base/sql" -type f | wc -l)"
}
row() { local l="| $1 |" k; shift; for k in $LAYOUTS; do l="$l $("$@" "$k") |"; done; echo "$l"; }
{
  echo "## Sharding: one server, 2 and 4 shards"
  echo
  echo "Measured by \`make bench\` (scripts/bench-shards.sh) on $(date -u +%Y-%m-%d) on $(nproc) cores: the demo company at"
  echo "SCALE $SCALE, the same rows (one ANCHOR) in each layout ($LAYOUTS: \"pool\" is one server behind pgbouncer,"
  echo "the pooler's own cost), each on a stack of its own; all shards on this one machine, competing for its"
  echo "cores (docs/operations.md, \"Sharding\")."
  echo
  colhead() { case $1 in 0) printf ' one server |';; pool) printf ' one server, pgbouncer |';; *) printf ' SHARDS=%s |' "$1";; esac; }
  printf '| |'; for k in $LAYOUTS; do colhead "$k"; done; echo
  printf '|---|'; for k in $LAYOUTS; do printf -- '---|'; done; echo
  row "events (rows)" val events
  row "start with the demo load, s" val start
  row "moving the events onto the shards" val move
  row "GET answers byte-identical to one server's" same
  row "data-layer results identical (tests/answers/snapshot.sh)" sqlsame
  row "raw scan: distinct users of 90 days, no rollup, ms (median of 5)" val scan
  row "raw scan: events per customer over 90 days, ms (median of 5)" val percust
  work_sum() { awk '{ print $1 }' "$WORK/work-$1"; }
  work_max() { awk '{ print $2 }' "$WORK/work-$1"; }
  row "… of which the shards' own scans, ms: sum over the shards" work_sum
  row "… the slowest shard's scan, ms" work_max
  row "one late day of events: rollup_refresh() + product_rollup_refresh(), ms" val late
  row "ingestion: events a second, 20 batches of 500 in a row" val ingest
  echo
  echo "Every endpoint's uncached median through nginx, ms ($CALLS calls a role; the CEO's, or the first role"
  echo "that may call it):"
  echo
  printf '| endpoint |'; for k in $LAYOUTS; do colhead "$k"; done
  for k in $LAYOUTS; do [ "$k" = "$base" ] || printf ' %s ÷ one |' "$k"; done; echo
  printf '|---|'; for k in $LAYOUTS; do printf -- '---|'; done; for k in $LAYOUTS; do [ "$k" = "$base" ] || printf -- '---|'; done; echo
  awk -F'\t' -v layouts="$LAYOUTS" -v base="$base" -v work="$WORK" '
    BEGIN { n = split(layouts, L, " ")
            for (i = 1; i <= n; i++) { f = work "/lat-" L[i]
              while ((getline line < f) > 0) { split(line, a, "\t")
                if (!((a[2], L[i]) in m)) { m[a[2], L[i]] = a[3]; if (!(a[2] in seen)) { seen[a[2]] = 1; order[++np] = a[2] } } } } }
    END { for (j = 1; j <= np; j++) { p = order[j]; printf "| %s |", p
            for (i = 1; i <= n; i++) printf " %s |", ((p, L[i]) in m) ? m[p, L[i]] : "-"
            for (i = 1; i <= n; i++) if (L[i] != base)
              printf " %s |", (((p, L[i]) in m) && m[p, base] > 0) ? sprintf("%.2f", m[p, L[i]] / m[p, base]) : "-"
            print "" } }'
} >"$WORK/section.md"
cat "$WORK/section.md"
bench_doc_section "Sharding: one server, 2 and 4 shards" "$WORK/section.md"
