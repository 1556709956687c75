#!/usr/bin/env bash
# run.sh — start a throw-away stack (PostgreSQL, services, nginx) on free
# ports in a temporary directory, run every t-*.sh against it, and tear
# it down whatever happens.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T_DIR=$(mktemp -d /tmp/northstar-test.XXXXXX)
export T_TMP=$T_DIR/tmp; mkdir -p "$T_TMP"
cleanup() { "$ROOT/scripts/stack.sh" stop "$T_DIR" >/dev/null 2>&1; [ -n "${T_KEEP:-}" ] || rm -rf "$T_DIR"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
T_PORT=$((20000 + RANDOM % 20000)); while ! port_free $T_PORT; do T_PORT=$((T_PORT + 1)); done
export PORT=$T_PORT FAST=1 SCALE=${TEST_SCALE:-0.02} NS_TOKEN_TTL=600 LOGIN_RATE=300r/m
if ! "$ROOT/scripts/stack.sh" start "$T_DIR" >"$T_DIR/start.log" 2>&1; then
  cat "$T_DIR/start.log"; tail -20 "$T_DIR"/logs/*.log; exit 1
fi
export T_PORT T_RUN=$T_DIR/run T_PGPORT=$(cat "$T_DIR/run/pg.port") T_DIR ROOT
. "$ROOT/tests/integration/lib.sh"
# T_ONLY=t-revenue.sh runs one file; tests/sql/*.sql (pgTAP) run after.
for t in "$ROOT"/tests/integration/${T_ONLY:-t-*.sh}; do
  [ -f "$t" ] || continue
  echo "# $(basename "$t")"
  . "$t"
done
if [ -z "${T_ONLY:-}" ] || [ "${T_ONLY%.sql}" != "$T_ONLY" ]; then
  for f in "$ROOT"/tests/sql/${T_ONLY:-*.sql}; do
    [ -f "$f" ] || continue
    echo "# $(basename "$f")"
    psql -X -qtA -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar -f "$f" 2>&1 | sed '/^$/d'
  done
fi
# The demo generator is deterministic: two loads, same checksums.
if [ -z "${T_ONLY:-}" ] || [ "$T_ONLY" = determinism ]; then
  echo "# determinism.sh"
  bash "$ROOT/tests/sql/determinism.sh" "$T_RUN" "$T_PGPORT" | grep -v '^1\.\.'
fi
# Stop the services now so that sanitizer builds write their reports.
"$ROOT/scripts/stack.sh" stop "$T_DIR" >/dev/null 2>&1
if grep -l -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$T_DIR"/logs/*.log >"$T_TMP/san" 2>/dev/null; then
  not_ok "no sanitizer report in any service log" "$(cat "$T_TMP/san" | tr '\n' ' ')"
  grep -h -A15 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T_DIR"/logs/*.log | head -60 | sed 's/^/#   /'
else ok "no sanitizer report in any service log"; fi
# (status 137 is t-faults.sh killing an instance on purpose)
if grep -h -E 'supervise: .* exited' "$T_DIR"/logs/*.log | grep -v 'status 137' >"$T_TMP/crash"; then
  not_ok "no service crashed during the tests" "$(head -3 "$T_TMP/crash")"
else ok "no service crashed during the tests"; fi
echo "1..$T_N"
