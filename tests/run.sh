#!/usr/bin/env bash
# tests/run.sh — `make test`: every suite, one summary line at the end.
#
# Every suite is TAP, judged by TAP::Parser (perl core, what prove uses),
# never by counting lines: a single producer (a unit test binary, the
# fuzzers, forecast-ref, the browser tests) runs under tests/tap-run.pl;
# the integration suite runs prove and pg_prove itself.  Both report
# through TAP::Formatter::Northstar (tests/lib/), which appends one tally
# line per TAP file to $NS_TAP_TALLY: "not ok" lines are failures, and so
# is a missing plan, a plan that does not match what ran, a parse error, a
# bail out, or a non-zero exit with no failing test.  A suite that ran no
# TAP file at all, or exited non-zero with nothing failed, counts one more
# failure.  Logs (whole TAP, per-file times) in build/test-output/.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=$ROOT/build/test-output
rm -rf "$OUT"; mkdir -p "$OUT"
export PERL5LIB=$ROOT/tests/lib${PERL5LIB:+:$PERL5LIB}
# The tests' demo data run up to the moment each stack loads them (their checks of the last hour
# need data in it); make run's default anchor is the start of the day (sql/demo/generate.sql).
export ANCHOR=${ANCHOR:-now}
passed=0; failed=0; failed_names=()

# run_suite NAME COMMAND... — COMMAND runs TAP harnesses that write tally lines.
run_suite() {
  local name=$1; shift
  local base=${name//\//-}
  local log=$OUT/$base.log tally=$OUT/$base.tally t0=$SECONDS rc p f
  : >"$tally"
  printf '==> %-14s ' "$name"
  NS_TAP_TALLY=$tally "$@" >"$log" 2>&1; rc=$?
  read -r p f <<<"$(awk -F'\t' '{p += $1; f += $2} END {print p + 0, f + 0}' "$tally")"
  if [ ! -s "$tally" ]; then
    printf '0\t1\t0\t%s\t%s\n' "$name" "no TAP file ran (exit status $rc)" >>"$tally"; f=1
  elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    printf '0\t1\t0\t%s\t%s\n' "$name" "exit status $rc with no failing test" >>"$tally"; f=1
  fi
  passed=$((passed + p)); failed=$((failed + f))
  printf '%4d passed, %d failed  (%ds)\n' "$p" "$f" $((SECONDS - t0))
  if [ "$f" -gt 0 ]; then
    failed_names+=("$name")
    awk -F'\t' '$2 > 0 { printf "      %s: %d failed%s\n", $4, $2, ($5 != "" ? " (" $5 ")" : "") }' "$tally"
    grep -E '^[[:space:]]*not ok' -A4 "$log" | head -40 | sed 's/^/      /'
    grep -qE '^[[:space:]]*not ok' "$log" || tail -15 "$log" | sed 's/^/      | /'
  fi
}
# suite NAME COMMAND... — COMMAND is one TAP producer.
suite() { local name=$1; shift; run_suite "$name" perl tests/tap-run.pl "$name" "$@"; }

suite harness bash tests/tap-selftest.sh
B=${NS_BUILD:-build}   # make test-asan points this at the sanitizer build
for t in "$B"/test-*; do
  [ -f "$t" ] && [ -x "$t" ] || continue
  suite "unit/${t#"$B"/test-}" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
done
if [ -x "$B/forecast-cli" ] && [ -x tests/forecast/check_reference.sh ]; then
  REF=${NS_FORECAST_TESTDATA:-$ROOT/../shared/testdata/forecast}
  if [ -d "$REF" ]; then suite forecast-ref tests/forecast/check_reference.sh "$REF" "$B/forecast-cli"
  else echo "==> forecast-ref   skipped: $REF not found"; fi
fi
# T_ONLY (integration files) leaves out the fuzz and browser suites unless it names them;
# a browser test file's name (live.test.js) runs the browser suite with that file only
# (tests/e2e/run.sh), and no integration stack when T_ONLY names nothing else.
only() { [ -z "${T_ONLY:-}" ] || [[ " $T_ONLY " == *" $1 "* ]]; }
browser_files=() other_words=0
for w in ${T_ONLY:-}; do case $w in *.test.js) browser_files+=("$w");; *) other_words=1;; esac; done
only fuzz && suite fuzz tests/fuzz/run.sh "${FUZZ_SECONDS:-7}"
{ [ -z "${T_ONLY:-}" ] || [ "$other_words" = 1 ]; } && run_suite integration tests/integration/run.sh
{ only browser || [ "${#browser_files[@]}" -gt 0 ]; } && [ -x tests/e2e/run.sh ] && suite browser tests/e2e/run.sh
if command -v docker-compose >/dev/null 2>&1; then
  suite compose bash -c 'echo 1..2; if docker-compose -f docker-compose.yml config -q; then
    echo "ok 1 - docker-compose.yml is valid"; else echo "not ok 1 - docker-compose.yml is valid"; fi
    if docker-compose -f docker-compose.yml -f docker-compose.shards.yml config -q; then
    echo "ok 2 - docker-compose.shards.yml is valid over it"; else echo "not ok 2 - docker-compose.shards.yml is valid over it"; fi'
fi

# Every TAP file's time, slowest first.
cat "$OUT"/*.tally | awk -F'\t' '{ printf "%8.1f s  %s\n", $3 / 1000, $4 }' | sort -rn >"$OUT/times.log"
echo
echo "Logs: build/test-output/ (times.log: every file's time)"
[ "${#failed_names[@]}" -gt 0 ] && echo "Failed suites: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
