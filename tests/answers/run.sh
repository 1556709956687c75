#!/usr/bin/env bash
# run.sh — snapshot the answers of one source tree on a throw-away stack.
#
#   tests/answers/run.sh OUT_DIR [TREE]      (env: ANCHOR, SCALE=0.02, NS_TZ)
#
# TREE (default this checkout) must be built (`make all`); its scripts/stack.sh starts the stack
# with its own SQL and binaries, on free ports, with the demo data anchored at ANCHOR (default
# today 00:00 UTC, so two runs on the same day load the same rows).  Then snapshot.sh writes the
# answers to OUT_DIR and the stack is stopped.  Compare two trees:
#   tests/answers/run.sh /tmp/ans-old ../main-copy && tests/answers/run.sh /tmp/ans-new
#   tests/answers/compare.sh /tmp/ans-old /tmp/ans-new
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:?usage: run.sh OUT_DIR [TREE]}
TREE=$(cd "${2:-$HERE/../..}" && pwd)
export ANCHOR=${ANCHOR:-"$(date -u +%F) 00:00:00+00"} FAST=1 SCALE=${SCALE:-0.02}
grep -q ANCHOR "$TREE/scripts/stack.sh" || { echo "$TREE/scripts/stack.sh does not take ANCHOR" >&2; exit 1; }
STACK_DIR=$(mktemp -d /tmp/northstar-answers.XXXXXX)
trap '"$TREE/scripts/stack.sh" stop "$STACK_DIR" >/dev/null 2>&1; rm -rf "$STACK_DIR"' EXIT
. "$HERE/../../scripts/ports.sh"
PORT=$(free_port) || { echo "no free TCP port found" >&2; exit 1; }
export PORT
"$TREE/scripts/stack.sh" start "$STACK_DIR" >"$STACK_DIR.start.log" 2>&1 \
  || { cat "$STACK_DIR.start.log" >&2; exit 1; }
rm -f "$STACK_DIR.start.log"
NS_BUILD=$TREE/build "$HERE/snapshot.sh" "$OUT" "$STACK_DIR"
