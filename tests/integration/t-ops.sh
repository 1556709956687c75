# t-ops.sh — the operator scripts: `make run` (scripts/run.sh) ends when `make stop` stops its
# stack from another shell, and scripts/supervise.sh restarts a crashing program with capped
# exponential backoff, saying why it died.  Everything started here is stopped by its PID.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OP=$T_TMP/ops; mkdir -p "$OP"
OP_PIDS=()
op_cleanup() {
  [ -n "${OP_DONE:-}" ] && return; OP_DONE=1
  local p
  for p in "${OP_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${OP_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  [ -d "$OP/stack/run" ] && "$ROOT/scripts/stack.sh" stop "$OP/stack" >/dev/null 2>&1
}
defer op_cleanup   # however this file ends
# op_wait_gone PID TENTHS — 0 once PID has exited (within TENTHS tenths of a second)
op_wait_gone() { local i; for i in $(seq 1 "$2"); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; return 1; }

# ---- make run in the foreground, make stop from another shell
OP_PORT=$(free_port)
NS_RUN_DIR=$OP/stack PORT=$OP_PORT DEMO=0 FAST=1 NS_INSTANCES=1 "$ROOT/scripts/run.sh" >"$OP/run.out" 2>&1 &
OP_RUN=$!; OP_PIDS+=("$OP_RUN")
for _ in $(seq 1 1200); do grep -q 'Northstar is running' "$OP/run.out" && break; kill -0 "$OP_RUN" 2>/dev/null || break; sleep 0.1; done
if grep -q 'Northstar is running' "$OP/run.out"; then
  ok "make run: a stack in a directory of its own is up"
  curl -fs -o /dev/null "http://127.0.0.1:$OP_PORT/api/users/health" && ok "make run: it answers on its port" \
    || not_ok "make run: it answers on its port" "no answer on $OP_PORT"
  t0=$(date +%s%N)
  "$ROOT/scripts/stack.sh" stop "$OP/stack" >"$OP/stop.out" 2>&1   # what make stop does, from another shell
  if op_wait_gone "$OP_RUN" 100; then
    wait "$OP_RUN"; rc=$?
    ok "make run: the foreground process ends within 10 s of make stop ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
    check_eq "make run: and exits 0" "$rc" 0
  else
    not_ok "make run: the foreground process ends within 10 s of make stop" "still running: $(tail -3 "$OP/run.out" | tr '\n' ' ')"
  fi
  check_eq "make run: nothing of the stack is left running" \
    "$(ls "$OP/stack/run/"*.pid 2>/dev/null | wc -l) $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$OP_PORT/" 2>/dev/null)" "0 000"
else
  not_ok "make run: a stack in a directory of its own is up" "$(tail -5 "$OP/run.out" | tr '\n' ' ')"
fi
op_cleanup; OP_DONE=; OP_PIDS=()

# ---- supervise.sh: backoff for a program that dies at once
# op_supervise NAME SECONDS PROGRAM… — run it under supervise.sh for SECONDS, then TERM it;
# sets OP_LOG (the supervisor's log), OP_STOP_MS (how long TERM took), OP_PIDFILE (whether
# NAME.pid existed just before TERM)
op_supervise() {
  local name=$1 secs=$2 sv t0; shift 2
  "$ROOT/scripts/supervise.sh" "$OP/$name" "$@" 2>"$OP/$name.log" & sv=$!; OP_PIDS+=("$sv")
  sleep "$secs"
  OP_PIDFILE=$([ -f "$OP/$name.pid" ] && echo yes || echo no)
  t0=$(date +%s%N); kill -TERM "$sv"
  op_wait_gone "$sv" 50 || kill -KILL "$sv" 2>/dev/null
  OP_STOP_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
  OP_LOG=$(cat "$OP/$name.log")
}
op_delays() { sed -n 's/.*next in \([0-9.]*\) s$/\1/p' <<<"$OP_LOG" | paste -sd' '; }

SUPERVISE_MAX_DELAY_MS=2000 op_supervise crash 4.7 sh -c 'exit 3'
check_eq "supervise: a program dying at once is restarted after 0.5, 1, 2, 2 s (doubling, capped)" "$(op_delays)" "0.5 1 2 2"
check_eq "supervise: the log says the exit status and how many restarts in a row" \
  "$(sed -n 3p <<<"$OP_LOG" | sed 's/after [0-9.]* s/after T s/')" "supervise: sh exited with status 3 after T s; restart 3 in a row, next in 2 s"
check_eq "supervise: no PID file while the program is down" "$OP_PIDFILE" no
[ "$OP_STOP_MS" -lt 1000 ] && ok "supervise: TERM during the backoff stops it at once (${OP_STOP_MS} ms)" \
  || not_ok "supervise: TERM during the backoff stops it at once" "took ${OP_STOP_MS} ms"

op_supervise killed 0.3 sh -c 'kill -KILL $$'
check_eq "supervise: a program killed by a signal is logged with the signal" \
  "$(grep -m1 "^supervise:" <<<"$OP_LOG" | sed 's/ after.*//')" "supervise: sh exited with status 137 (signal KILL)"

# 1st and 2nd runs die at once, the 3rd is healthy (runs 1.5 s), the 4th dies at once again
printf '0' >"$OP/runs"
SUPERVISE_HEALTHY_S=1 op_supervise flaky 4.6 sh -c 'n=$(($(cat "$1") + 1)); echo $n >"$1"; [ $n = 3 ] && sleep 1.5; exit 1' sh "$OP/runs"
check_eq "supervise: a healthy run starts the backoff again (0.5, 1, then 0.5, 1)" "$(op_delays | cut -d' ' -f1-4)" "0.5 1 0.5 1"
check_eq "supervise: the restart count starts again after a healthy run" \
  "$(sed -n 's/.*restart \([0-9]*\) in a row.*/\1/p' <<<"$OP_LOG" | head -4 | paste -sd' ')" "1 2 1 2"

op_cleanup
done_testing
