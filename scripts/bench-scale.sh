#!/usr/bin/env bash
# bench-scale.sh — `make bench-scale`: the cost of every GET endpoint as the data grows (issue 23's
# "flat cost" goal).  For each SCALE in BENCH_SCALES (default "0.1 1 10") it starts a throw-away
# stack, records how long the demo load took, measures every endpoint's uncached median / p99 as
# each role (bench_latency, BENCH_CALLS calls, default 30) and the shared buffers each generic
# endpoint's statement touches (bench_buffers), then the refresh of one day of late data and the
# periodic refresh with nothing new, and the app's page timings in Chromium (bench_page_render); stops
# the stack and goes on.  Prints the side-by-side table
# and writes it as the section "Cost across scales" of docs/benchmarks.md.  SCALE=10 loads for a
# long time (docs/benchmarks.md states how long): not part of make bench or make test.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd); cd "$ROOT"
SCALES=${BENCH_SCALES:-0.1 1 10}; CALLS=${BENCH_CALLS:-30}
WORK=$(mktemp -d /tmp/northstar-bench-scale.XXXXXX); DIR=
say() { printf '==> %s\n' "$*" >&2; }
cleanup() { [ -n "$DIR" ] && scripts/stack.sh stop "$DIR" >/dev/null 2>&1; [ -n "$DIR" ] && rm -rf "$DIR"; rm -rf "$WORK"; }
trap cleanup EXIT; trap 'exit 1' INT TERM
# shellcheck source=bench-stack.sh
. scripts/bench-stack.sh
msq() { psqlq -c "EXPLAIN (ANALYZE, FORMAT JSON) $1" | jq '.[0]["Execution Time"] | floor'; }

for s in $SCALES; do
  # BENCH_STACK_<scale, "." as "_"> (BENCH_STACK_10=DIR): a running stack of that SCALE to measure
  # instead of a new one (a SCALE=10 load takes long: it can be loaded ahead); left running.
  reuse=BENCH_STACK_${s//./_}; reuse=${!reuse:-}
  if [ -n "$reuse" ]; then
    DIR=; RUN=$reuse/run
    [ -f "$RUN/http.port" ] || { say "$reuse is not a running stack"; exit 1; }
    say "SCALE=$s: measuring the stack in $reuse"
  else
    DIR=$(mktemp -d /tmp/northstar-bench-scale-stack.XXXXXX); RUN=$DIR/run
    say "SCALE=$s: starting a stack and loading the demo data"
    t0=$SECONDS
    PORT=0 FAST=1 SCALE=$s LOGIN_RATE=6000r/m scripts/stack.sh start "$DIR" >"$WORK/start-$s.log" 2>&1 \
      || { tail -20 "$WORK/start-$s.log" >&2; exit 1; }
    say "SCALE=$s: started in $((SECONDS - t0)) s; measuring"
  fi
  load=$(cat "$RUN/demo-load.seconds" 2>/dev/null || echo n/a); echo "$load" >"$WORK/load-$s"
  say "SCALE=$s: demo load $load s"
  BENCH_DIR=${reuse:-$DIR}; PGPORT=$(cat "$RUN/pg.port"); U=http://127.0.0.1:$(cat "$RUN/http.port")
  export PGPASSFILE=$BENCH_DIR/secrets/pgpass
  # the uncached summary against the floor of the stack (/api/auth/me), side by side
  tok=$(bench_token ceo)
  bench_rps 5 32 -H "Authorization: Bearer $tok" -H "X-No-Cache: 1" "$U/api/revenue/summary" >"$WORK/rps-$s"
  bench_rps 5 32 -H "Authorization: Bearer $tok" -H "X-No-Cache: 1" "$U/api/auth/me" >"$WORK/floor-$s"
  bench_latency "$CALLS" "$WORK/lat-$s"
  bench_buffers "$WORK/buf-$s"
  psqlq -c "SELECT rollup_refresh()" >/dev/null
  msq "SELECT rollup_refresh()" >"$WORK/noop-$s"
  bench_refresh_late_day >"$WORK/day-$s"
  bench_page_render 3 >"$WORK/page-$s"
  if [ -n "$DIR" ]; then scripts/stack.sh stop "$DIR" >/dev/null 2>&1; rm -rf "$DIR"; DIR=; fi
done

# Three columns: with fewer scales (BENCH_SCALES="0.1 1"), the missing ones read "not measured".
set -- $SCALES
lo=$1; mid=${2:-none}; hi=${3:-none}
ml=${2:-"(not measured)"}; hl=${3:-"10 (not measured)"}
val() { cat "$WORK/$1-$2" 2>/dev/null || echo "not measured"; }
{
  echo "## Cost across scales"
  echo
  echo "Measured by \`make bench-scale\` on $(date -u +%Y-%m-%d) on $(nproc) cores: SCALE $SCALES, each on a stack"
  echo "of its own, uncached through nginx, $CALLS calls per endpoint and role (median / p99 ms), and the"
  echo "shared buffers the endpoint's statement touches (as the CEO). Goals: median ≤ 10 ms, p99 ≤ 25 ms,"
  echo "and each scale's median ≤ 1.3 × the one below."
  echo
  echo "| | SCALE $lo | SCALE $ml | SCALE $hl |"
  echo "|---|---|---|---|"
  echo "| demo load, s (goal: ≤ 180 at SCALE=1, ≤ 1800 at SCALE=10) | $(val load "$lo") | $(val load "$mid") | $(val load "$hi") |"
  rr() { [ -f "$WORK/rps-$1" ] || { echo "not measured"; return; }
         echo "$(val rps "$1") / $(val floor "$1") ($(awk -v a="$(val rps "$1")" -v b="$(val floor "$1")" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }') ×)"; }
  echo "| uncached /api/revenue/summary / /api/auth/me, req/s (goal ≥ 1,000 and ≥ 0.5 ×) | $(rr "$lo") | $(rr "$mid") | $(rr "$hi") |"
  echo "| refresh, nothing new, ms (goal ≤ 50) | $(val noop "$lo") | $(val noop "$mid") | $(val noop "$hi") |"
  echo "| refresh after one day of late orders, ms (goal ≤ 1000) | $(val day "$lo") | $(val day "$mid") | $(val day "$hi") |"
  pg() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; f = 1 } END { if (!f) print "not measured" }' "$WORK/page-$2" 2>/dev/null || echo "not measured"; }
  echo "| executive view drawn after sign-in, ms, median of 3 (goal ≤ 500 at SCALE=1) | $(pg executive "$lo") | $(pg executive "$mid") | $(pg executive "$hi") |"
  echo "| slowest view drawn after its navigation click, ms, median of 3 (goal ≤ 1000) | $(pg slowest "$lo") | $(pg slowest "$mid") | $(pg slowest "$hi") |"
  echo
  echo "| role | endpoint | SCALE $lo ms (buffers) | SCALE $ml ms (buffers) | SCALE $hl ms (buffers) | $ml ÷ $lo | $hl ÷ $ml | result |"
  echo "|---|---|---|---|---|---|---|---|"
  awk -F'\t' -v lo="$lo" -v mid="$mid" -v hi="$hi" '
    FILENAME ~ /buf-/ { split(FILENAME, f, "buf-"); buf[f[2], $1] = $2; next }
    { split(FILENAME, f, "lat-"); k = $1 SUBSEP $2; med[f[2], k] = $3; p99[f[2], k] = $4
      if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
    # median / p99 (buffers): the buffers are those of the statement as the CEO, on the CEO rows only
    function cell(s, k, p,    w) {
      if (!((s, k) in med)) return "n/a"
      split(k, w, SUBSEP)
      return sprintf("%s / %s (%s)", med[s, k], p99[s, k], (w[1] == "ceo" && (s, p) in buf) ? buf[s, p] : "") }
    function rat(a, b) { return (b > 0 && a != "") ? sprintf("%.2f", a / b) : "n/a" }
    END { for (i = 1; i <= n; i++) { k = order[i]; split(k, r, SUBSEP)
            r1 = rat(med[mid, k], med[lo, k]); r2 = rat(med[hi, k], med[mid, k])
            ok = (med[mid, k] != "" && med[mid, k] <= 10 && p99[mid, k] <= 25 && (r1 == "n/a" || r1 <= 1.3) && (r2 == "n/a" || r2 <= 1.3)) ? "met" : "short"
            printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r[1], r[2], cell(lo, k, r[2]), cell(mid, k, r[2]), cell(hi, k, r[2]), r1, r2, ok } }' \
    "$WORK"/buf-* "$WORK"/lat-*
} >"$WORK/section.md"
cat "$WORK/section.md"
bench_doc_section "Cost across scales" "$WORK/section.md"
