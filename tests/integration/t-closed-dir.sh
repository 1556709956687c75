# t-closed-dir.sh — a stack whose directory is closed to other users (a checkout in a 0700 home
# directory, as a new user has it): as root, PostgreSQL (user postgres) and nginx's workers
# (nobody) cannot enter it, so stack.sh keeps their parts in /var/lib/northstar/<id> and the
# stack works.  Started with DEMO=0 on its own ports, stopped by its PIDs whatever happens.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
  ok "# SKIP a closed directory only matters as root (postgres and nginx run as other users)"
else
  CD_HOME=$T_TMP/closed-home; mkdir -p "$CD_HOME"; chmod 700 "$CD_HOME"
  CD_DIR=$CD_HOME/var
  CD_PORT=$(free_port)
  cd_stop() { "$ROOT/scripts/stack.sh" stop "$CD_DIR" >/dev/null 2>&1
              [ -n "${CD_SHARED:-}" ] && case $CD_SHARED in /var/lib/northstar/?*) rm -rf "$CD_SHARED";; esac; }
  defer cd_stop   # whatever happens (lib.sh's exit trap)
  if PORT=$CD_PORT DEMO=0 FAST=1 "$ROOT/scripts/stack.sh" start "$CD_DIR" >"$T_TMP/closed.log" 2>&1; then
    ok "a stack in a 0700 directory starts as root"
  else not_ok "a stack in a 0700 directory starts as root" "$(tail -8 "$T_TMP/closed.log" | tr '\n' ' ') | nginx: $(tail -3 "$CD_DIR/logs/nginx-error.log" 2>/dev/null | tr '\n' ' ') | users: $(tail -3 "$CD_DIR/logs/users.log" 2>/dev/null | tr '\n' ' ')"; fi
  CD_SHARED=$(readlink "$CD_DIR/shared" 2>/dev/null || true)
  case $CD_SHARED in /var/lib/northstar/?*) ok "its cluster and sockets live in $CD_SHARED";;
    *) not_ok "its cluster and sockets live under /var/lib/northstar" "shared -> '$CD_SHARED'";; esac
  check_eq "PostgreSQL's data directory is owned by postgres" "$(stat -c %U "$CD_SHARED/pg" 2>/dev/null)" postgres
  check_eq "the API answers through nginx" \
    "$(curl -s "http://127.0.0.1:$CD_PORT/api/revenue/health" | jq -r .db 2>/dev/null)" ok
  check_eq "nginx's workers serve the app's page" \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CD_PORT/")" 200
  cd_stop
  check_eq "stopping it leaves no PostgreSQL of it running" "$(pgrep -f -- "-D $CD_SHARED/pg" | wc -l)" 0
fi
done_testing
