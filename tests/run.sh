#!/usr/bin/env bash
# tests/run.sh — `make test`: every suite, one summary line at the end.
# Each suite prints TAP ("ok N - …" / "not ok N - …"); this script counts
# those lines.  A suite that exits non-zero without any "not ok" line
# counts as one failure, so a crash is never silent.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=$ROOT/build/test-output
rm -rf "$OUT"; mkdir -p "$OUT"
passed=0; failed=0; failed_names=()

suite() {  # suite NAME COMMAND...
  local name=$1; shift
  local log=$OUT/${name//\//-}.log t0=$SECONDS rc p f
  printf '==> %-14s ' "$name"
  "$@" >"$log" 2>&1; rc=$?
  p=$(grep -cE '^[[:space:]]*ok [0-9]+' "$log"); f=$(grep -cE '^[[:space:]]*not ok [0-9]+' "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "not ok - suite $name exited with status $rc" >>"$log"; fi
  passed=$((passed + p)); failed=$((failed + f))
  printf '%4d passed, %d failed  (%ds)\n' "$p" "$f" $((SECONDS - t0))
  if [ "$f" -gt 0 ]; then
    failed_names+=("$name")
    grep -E '^[[:space:]]*not ok' -A4 "$log" | head -40 | sed 's/^/      /'
    [ "$rc" -ne 0 ] && tail -15 "$log" | sed 's/^/      | /'
  fi
}

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
suite fuzz tests/fuzz/run.sh "${FUZZ_SECONDS:-10}"
suite integration tests/integration/run.sh
[ -x tests/e2e/run.sh ] && suite browser tests/e2e/run.sh
if command -v docker-compose >/dev/null 2>&1; then
  suite compose bash -c 'docker-compose -f docker-compose.yml config -q && echo "ok 1 - docker-compose.yml is valid"'
fi

echo
echo "Logs: build/test-output/"
[ "${#failed_names[@]}" -gt 0 ] && echo "Failed suites: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
