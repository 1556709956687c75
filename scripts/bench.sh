#!/usr/bin/env bash
# bench.sh — `make bench`: load SCALE (default 1) into a throw-away stack
# and measure, in one run on this machine, the figures of
# docs/benchmarks.md as ratios against their ceilings.  Prints the table
# and rewrites docs/benchmarks.md.  Not part of make test.
#   env: SCALE (1), BENCH_SECONDS (10 per wrk run), BENCH_CONN (32)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd); cd "$ROOT"
SCALE=${SCALE:-1}; SECS=${BENCH_SECONDS:-10}; CONN=${BENCH_CONN:-32}
DIR=$(mktemp -d /tmp/northstar-bench.XXXXXX)
cleanup() { scripts/stack.sh stop "$DIR" >/dev/null 2>&1; rm -rf "$DIR"; rm -f "$ROOT/web/dist/_bench.json"; }
trap cleanup EXIT; trap 'exit 1' INT TERM
say() { printf '==> %s\n' "$*" >&2; }

. "$ROOT/scripts/ports.sh"
PORT=$(free_port) || { say "no free TCP port found"; exit 1; }
say "starting a stack with SCALE=$SCALE (loading the demo data takes a few minutes at SCALE=1)"
# CONN_LIMIT: bench-live.sh holds 2,000 live streams from 127.0.0.1 (bench-slowloris.sh measures
# the default limit on a stack of its own).
PORT=$PORT FAST=1 SCALE=$SCALE LOGIN_RATE=600r/m INGEST_RATE=100000r/s INGEST_BURST=100000 CONN_LIMIT=5000 \
  scripts/stack.sh start "$DIR" >&2
load_s=$(cat "$DIR/run/demo-load.seconds" 2>/dev/null || echo n/a)
RUN=$DIR/run; PGPORT=$(cat "$RUN/pg.port"); U=http://127.0.0.1:$PORT
export PGPASSFILE=$DIR/secrets/pgpass   # the stack's database passwords (scripts/stack.sh)
WORK=$DIR
# shellcheck source=bench-stack.sh
. scripts/bench-stack.sh   # bench_latency, bench_buffers (shared with bench-scale.sh)
psqlq() { psql -X -qtA -h "$RUN" -p "$PGPORT" -U postgres -d northstar "$@"; }
TOK=$(bench_token ceo)
AUTH="Authorization: Bearer $TOK"

rps() { bench_rps "$SECS" "$CONN" "$@"; }
ROWS=()
row() { ROWS+=("$(printf '| %s | %s | %s | %s |' "$1" "$2" "$3" "$4")"); printf '%-58s %14s  goal %-14s %s\n' "$1" "$2" "$3" "$4" >&2; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
pass() { awk -v r="$1" -v g="$2" 'BEGIN { print (r != "n/a" && r + 0 >= g) ? "met" : "short" }'; }
passle() { awk -v r="$1" -v g="$2" 'BEGIN { print (r != "n/a" && r + 0 <= g) ? "met" : "short" }'; }

# 1–2: static ceiling versus a cached authenticated API answer of the same size.
EP=/api/revenue/summary
curl -s -H "$AUTH" "$U$EP" >"$ROOT/web/dist/_bench.json"
size=$(wc -c <"$ROOT/web/dist/_bench.json")
say "1/8 static file of $size bytes"
static=$(rps "$U/_bench.json")
row "1. nginx static file ($size B), req/s" "$static" "ceiling" ""
say "2/8 cached API"
curl -s -o /dev/null -H "$AUTH" "$U$EP"
cached=$(rps -H "$AUTH" "$U$EP")
r=$(ratio "$cached" "$static")
row "2. cached API $EP, req/s" "$cached" "≥ 0.8 × (1)" "$r × static: $(pass "$r" 0.8)"

# 3: uncached through nginx (cache bypassed) versus pgbench on the same SQL.
say "3/8 uncached API versus pgbench"
uncached=$(rps -H "$AUTH" -H "X-No-Cache: 1" "$U$EP")
echo "SELECT api.revenue_summary(1, 'ceo', NULL);" >"$DIR/pgbench.sql"
pgb=$(pgbench -n -M prepared -c "$CONN" -j 2 -T "$SECS" -f "$DIR/pgbench.sql" -h "$RUN" -p "$PGPORT" -U postgres northstar 2>/dev/null \
      | awk '/^tps/ {print int($3); exit}')
r=$(ratio "$uncached" "$pgb")
row "3. uncached API $EP, req/s (pgbench same SQL: $pgb tps)" "$uncached" "≥ 0.5 × pgbench" "$r × pgbench: $(pass "$r" 0.5)"
# 3b: the same against the floor of the stack: a route that runs one trivial prepared statement.
floor=$(rps -H "$AUTH" -H "X-No-Cache: 1" "$U/api/auth/me")
r=$(ratio "$uncached" "$floor")
row "3b. uncached $EP vs /api/auth/me (the FastCGI + libpq floor: $floor req/s)" "$uncached" "≥ 1000 and ≥ 0.5 × floor" \
  "$r × floor: $(awk -v u="$uncached" -v r="$r" 'BEGIN { print (u >= 1000 && r + 0 >= 0.5) ? "met" : "short" }')"

# 4: every GET endpoint's uncached latency as each role it admits, median and p99 of 30 calls
# (bench_latency; forecast endpoints once warm: the first call is not timed).
say "4/8 per-endpoint latency"
bench_latency 30 "$DIR/lat.tsv"
while IFS=$'\t' read -r who path med p99; do
  status=$(awk -v m="$med" -v p="$p99" 'BEGIN { print (m <= 10 && p <= 25) ? "met" : "short" }')
  row "4. $path as $who, median / p99 ms" "$med / $p99" "≤ 10 / ≤ 25 ms" "$status"
done <"$DIR/lat.tsv"
row "4. endpoints × roles meeting ≤ 10 ms median and ≤ 25 ms p99" \
  "$(awk -F'\t' '$3 <= 10 && $4 <= 25' "$DIR/lat.tsv" | wc -l) of $(wc -l <"$DIR/lat.tsv")" "all" ""

# 4c: the board pack as a PDF for the last full month (issue 22: within 10 s), median of 5 uncached GETs.
for i in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' -H "$AUTH" -H "X-No-Cache: 1" "$U/api/alerts/report?kind=board&format=pdf"; done | sort -n >"$DIR/lat"
med=$(awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]*1000}' "$DIR/lat")
row "4c. board pack PDF (GET /api/alerts/report?kind=board&format=pdf), median of 5, ms" "$med" "< 10000 ms" "$(awk -v m="$med" 'BEGIN { print (m < 10000) ? "met" : "short" }')"

# 4b: the plan of every statement each generic endpoint runs (auto_explain
# on nested statements, as the CEO with default parameters): no sequential
# scan of the big tables (events and its partitions, orders) on a dashboard path.
say "4b/8 query plans (auto_explain)"
seq_routes=(); nplans=0
while IFS=$'\t' read -r svc path sqltext; do
  [ "$sqltext" != - ] || continue
  args=$(bench_route_args "$svc" "$path")
  plans=$(psqlq -v ON_ERROR_STOP=0 2>&1 <<SQL
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
PREPARE q AS $sqltext;
EXECUTE q($args);
SQL
)
  nplans=$((nplans + $(grep -c 'Query Text' <<<"$plans" || true)))
  if grep -qE 'Seq Scan on (events|events_[0-9_]+|orders) ' <<<"$plans"; then seq_routes+=("$path"); fi
done < <(bench_routes)
row "4b. plans checked (nested statements) / endpoints scanning events or orders sequentially" \
  "$nplans / ${#seq_routes[@]}" "0 seq scans" "$([ "${#seq_routes[@]}" = 0 ] && echo met || echo "short: ${seq_routes[*]}")"

# 5: a 90-day daily revenue series from the rollup versus from raw orders.
say "5/8 rollup versus raw"
t_ms() { psqlq -c "EXPLAIN (ANALYZE, FORMAT JSON) $1" | jq '.[0]["Execution Time"]'; }
q_roll="SELECT day, revenue_cents FROM metrics_daily WHERE day > current_date - 90 ORDER BY day"
q_raw="SELECT (ordered_at AT TIME ZONE 'UTC')::date d, sum(total_cents) FROM orders WHERE ordered_at > now() - interval '90 days' GROUP BY 1 ORDER BY 1"
t_ms "$q_roll" >/dev/null; t_ms "$q_raw" >/dev/null
roll=$(t_ms "$q_roll"); raw=$(t_ms "$q_raw")
row "5. 90-day revenue: rollup ms vs raw ms" "$roll vs $raw" "rollup ≪ raw" "raw is $(ratio "$raw" "$roll") × slower"

# 6: incremental refresh after one day of new data versus a full rebuild.
say "6/8 incremental refresh versus full rebuild"
psqlq -c "SELECT rollup_refresh()" >/dev/null
inc=$(bench_refresh_late_day)
full=$(psqlq -c "EXPLAIN (ANALYZE, FORMAT JSON) SELECT rollup_rebuild()" | jq '.[0]["Execution Time"]')
r=$(ratio "$inc" "$full")
row "6. refresh after 1 day of data vs full rebuild, ms" "$inc vs $full" "≤ 1000 ms, ≤ 0.1 ×" "$r ×: $(passle "$inc" 1000) / $(passle "$r" 0.1)"
noop=$(psqlq -c "EXPLAIN (ANALYZE, FORMAT JSON) SELECT rollup_refresh()" | jq '.[0]["Execution Time"]')
row "6b. periodic refresh with nothing new, ms" "$noop" "≤ 50 ms" "$(passle "$noop" 50)"
row "0. demo load at SCALE=$SCALE, s" "${load_s:-n/a}" "≤ 180 at SCALE=1" "$(passle "${load_s:-n/a}" 180)"

# 7: resident memory of each service at rest, under a mixed load, and at its end.
say "7/8 memory under load"
rss() { ps -o rss= -p "$(cat "$RUN/$1.1.pid")" | awk '{printf "%.1f", $1/1024}'; }
declare -A before
for s in revenue users marketing product alerts forecast; do before[$s]=$(rss $s); done
cat >"$DIR/mixed.lua" <<'LUA'
local paths = { "/api/revenue/summary", "/api/users/health", "/api/revenue/summary?as_of=2026-01-01" }
local i = 0
request = function() i = i + 1; return wrk.format("GET", paths[(i % #paths) + 1]) end
LUA
wrk -t2 -c"$CONN" -d"$((SECS * 3))s" -H "$AUTH" -H "X-No-Cache: 1" -s "$DIR/mixed.lua" "$U" >/dev/null 2>&1 &
wp=$!; sleep "$SECS"; declare -A mid; for s in revenue users marketing product alerts forecast; do mid[$s]=$(rss $s); done
wait $wp
for s in revenue users marketing product alerts forecast; do
  after=$(rss $s)
  grow=$(awk -v a="$after" -v m="${mid[$s]}" 'BEGIN { printf "%.1f", a - m }')
  st=$(awk -v a="$after" -v g="$grow" 'BEGIN { print (a < 20 && g < 1) ? "met" : "short" }')
  row "7. $s (instance 1) RSS MB at rest / under load / end" "${before[$s]} / ${mid[$s]} / $after" "< 20 MB, no growth" "$st (+$grow MB)"
done

# 8: the app in headless Chromium (bench_page_render: the browser tests' own timings).
say "8/11 page timings"
if [ ! -d tests/e2e/node_modules ]; then
  (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2) || true
fi
bench_page_render 3 >"$DIR/page"
ms=$(awk '$1 == "executive" { print $2 }' "$DIR/page"); ms=${ms:-n/a}
row "8. executive view drawn after sign-in, ms (median of 3)" "$ms" "≤ 500" "$(passle "$ms" 500)"
slow=$(awk '$1 == "slowest" { print $3 }' "$DIR/page")
row "8. slowest view drawn after its navigation click, ms (median of 3)" "$(awk '$1 == "slowest" { print $2 ": " $3 }' "$DIR/page")" "≤ 1000" "$(passle "${slow:-n/a}" 1000)"
[ -s "$DIR/page" ] || say "no page timings: run make test once (installs the browser test packages) and install chromium"

# 9: ingestion through POST /api/product/events against COPY (scripts/bench-ingest.sh).
say "9/11 ingestion versus COPY"
while IFS=$'\t' read -r tag m v g r; do
  [ "$tag" = ROW ] && row "$m" "$v" "$g" "$r"
done < <(BENCH_DIR=$DIR scripts/bench-ingest.sh)

# 10–11: freshness after an accepted batch, and under a sustained stream (scripts/bench-fresh.sh).
say "10/11 freshness and a sustained stream"
while IFS=$'\t' read -r tag m v g r; do
  [ "$tag" = ROW ] && row "$m" "$v" "$g" "$r"
done < <(BENCH_DIR=$DIR scripts/bench-fresh.sh)

# 12: live updates, 2,000 subscribers and freshness in the browser (scripts/bench-live.sh); its
# rows go to their own section of docs/benchmarks.md, written by that script.
say "12/13 live updates"
LIVE_SECTION=$DIR/live-section.md
while IFS=$'\t' read -r tag m v g r; do
  [ "$tag" = ROW ] && printf '%-58s %14s  goal %-14s %s\n' "$m" "$v" "$g" "$r" >&2
done < <(BENCH_DIR=$DIR SCALE=$SCALE BENCH_LIVE_SECTION=$LIVE_SECTION scripts/bench-live.sh)

# 13: slow clients, 2,000 connections from one address against the dashboard from another
# (scripts/bench-slowloris.sh, on a stack of its own); its rows go to their own section too.
say "13/13 slow clients"
SLOW_SECTION=$DIR/slow-section.md
while IFS=$'\t' read -r tag m v g r; do
  [ "$tag" = ROW ] && printf '%-58s %14s  goal %-14s %s\n' "$m" "$v" "$g" "$r" >&2
done < <(BENCH_SLOW_SECTION=$SLOW_SECTION scripts/bench-slowloris.sh)

# make bench-scale's section (its own run, hours at SCALE=10) is kept as it was.
SCALE_SECTION=$DIR/scale-section.md
awk '/^## / { on = (index($0, "## Cost across scales") == 1) } on' docs/benchmarks.md >"$SCALE_SECTION" 2>/dev/null || :
{
  echo "# Benchmarks"
  echo
  echo "Measured by \`make bench\` on $(date -u +%Y-%m-%d) at SCALE=$SCALE on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB,"
  echo "wrk ${SECS} s runs with $CONN connections on loopback. The machine is shared and noisy: the ratios"
  echo "(measured in the same run) matter more than the absolute figures."
  echo
  echo "| measure | value | goal | result |"
  echo "|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  [ -s "$LIVE_SECTION" ] && { cat "$LIVE_SECTION"; echo; }
  [ -s "$SLOW_SECTION" ] && { cat "$SLOW_SECTION"; echo; }
  [ -s "$SCALE_SECTION" ] && cat "$SCALE_SECTION"
  [ -f docs/benchmarks-notes.md ] && cat docs/benchmarks-notes.md
} >docs/benchmarks.md
say "written docs/benchmarks.md"
