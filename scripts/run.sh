#!/usr/bin/env bash
# run.sh — `make run`: start the whole stack on the demo data in var/,
# print the URL and the demo logins, and stay in the foreground until
# Ctrl-C (or `make stop`), then stop everything that was started.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export PORT=${PORT:-8080} SCALE=${SCALE:-0.1}
VAR=$ROOT/var

stopping=0
cleanup() {
  [ "$stopping" = 1 ] && return; stopping=1
  echo; echo "==> stopping Northstar"
  scripts/stack.sh stop "$VAR"
  echo "==> stopped"
}
trap cleanup EXIT
trap 'exit 0' INT TERM   # a requested stop is a clean exit

scripts/stack.sh start "$VAR"
cat <<EOT

  Northstar is running:  http://127.0.0.1:$PORT/

  Demo logins (password for all: northstar-demo)
    ceo@northstar.example      CEO — every view
    cs1@northstar.example      customer success (also cs2@)
    sales1@northstar.example   sales (also sales2@)

  API example:  curl -s http://127.0.0.1:$PORT/api/revenue/health
  Logs: var/logs/   Stop: Ctrl-C here, or make stop in another shell.

EOT
# Wait while nginx runs; make stop (or a crash) ends it and this script.
while kill -0 "$(cat "$VAR/run/nginx.pid" 2>/dev/null || echo 0)" 2>/dev/null; do sleep 1; done
