#!/usr/bin/env bash
# run.sh — `make run`: start the whole stack on the demo data in var/,
# print the URL and the demo logins, and stay in the foreground until
# Ctrl-C (or `make stop`), then stop everything that was started.
# DEMO=0 make run: an empty company instead (docs/ingest.md, "Starting
# empty"); its CEO password is printed by stack.sh on the first start.
# The demo company lives: LIVE=1 (the default with DEMO=1) starts the
# simulator (docs/live.md, "The simulator"; LIVE_RATE, LIVE_SEED), LIVE=0
# make run keeps the data frozen; DEMO=0 never starts it.
# NS_RUN_DIR=DIR keeps the stack in DIR instead of var/ (tests; stop it
# with scripts/stack.sh stop DIR).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export PORT=${PORT:-8080} SCALE=${SCALE:-0.1} DEMO=${DEMO:-1}
if [ "$DEMO" = 1 ]; then export LIVE=${LIVE:-1}; else export LIVE=0; fi
VAR=${NS_RUN_DIR:-$ROOT/var}

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
PORT=$(cat "$VAR/run/http.port")
if [ "$DEMO" = 1 ]; then
  logins='  Demo logins (password for all: northstar-demo)
    ceo@northstar.example      CEO — every view
    cs1@northstar.example      customer success (also cs2@)
    sales1@northstar.example   sales (also sales2@)'
else
  logins="  Empty company (DEMO=0): sign in as ${NS_ADMIN_EMAIL:-admin@localhost}, password as
  printed above on the first start (a new one: build/northstar-admin user password EMAIL).
  Send your data: docs/ingest.md (also at http://127.0.0.1:$PORT/docs/ingest.md)."
fi
if [ "$LIVE" = 1 ]; then
  live="  Live: a simulator keeps the demo company moving (signups, plan changes, orders, API calls,
  ad spend: ${LIVE_RATE:-5} actions a second, seed ${LIVE_SEED:-1}) through the ingestion API;
  its log is ${VAR#"$ROOT"/}/logs/simulator.log.  LIVE=0 make run keeps the data frozen."
elif [ "$DEMO" = 1 ]; then
  live="  Live: off (LIVE=0): the demo data stays as generated."
else
  live=""
fi
cat <<EOT

  Northstar is running:  http://127.0.0.1:$PORT/

$logins
${live:+
$live
}
  API example:  curl -s http://127.0.0.1:$PORT/api/revenue/health
  Database: every role has a password, in ${VAR#"$ROOT"/}/secrets/ (0600; never commit them):
    export PGPASSFILE=$VAR/secrets/pgpass
    psql -h $VAR/run -p $(cat "$VAR/run/pg.port") -U postgres northstar
  BI tools: user northstar_bi, password in ${VAR#"$ROOT"/}/secrets/northstar_bi.password (docs/bi.md).
  Logs: var/logs/   Stop: Ctrl-C here, or make stop in another shell.

EOT
# Wait while nginx runs.  nginx dying ends this script, which stops the
# rest.  make stop from another shell stops nginx and then removes
# nginx.pid: in that case let that stop finish (postgres.pid goes last)
# before our own, by then empty, stop.
nginx_pid=$(cat "$VAR/run/nginx.pid")
while [ -f "$VAR/run/nginx.pid" ] && kill -0 "$nginx_pid" 2>/dev/null; do sleep 0.5; done
for _ in $(seq 1 10); do [ -f "$VAR/run/nginx.pid" ] || break; sleep 0.1; done
if [ ! -f "$VAR/run/nginx.pid" ]; then
  for _ in $(seq 1 600); do [ -f "$VAR/run/postgres.pid" ] || break; sleep 0.1; done
fi
