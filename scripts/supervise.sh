#!/usr/bin/env bash
# supervise.sh BASE PROGRAM [ARGS…] — run PROGRAM, restart it when it dies, until this script
# gets SIGTERM/SIGINT (then stop PROGRAM by its PID and exit 0).  BASE.pid holds the running
# PROGRAM's PID (removed while it is down, so that nobody signals a recycled PID).
#
# A program that keeps dying is restarted with exponential backoff: 0.5 s, 1 s, 2 s, … at most
# SUPERVISE_MAX_DELAY_MS (30000); a run of SUPERVISE_HEALTHY_S (10) seconds or more counts as
# healthy and starts the backoff again at 0.5 s.  Each death is logged with its exit status (and
# the signal, if one killed it), how many restarts in a row, and the next delay.
base=$1; shift
max_ms=${SUPERVISE_MAX_DELAY_MS:-30000}
healthy_s=${SUPERVISE_HEALTHY_S:-10}
child=0 sleeper=0

stop() {
  [ "$sleeper" -gt 0 ] && kill "$sleeper" 2>/dev/null
  [ "$child" -gt 0 ] && { kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; }
  rm -f "$base.pid"
  exit 0
}
trap stop TERM INT

# "exited with status 1" or "exited with status 137 (signal KILL)"
why() {
  local rc=$1 sig
  if [ "$rc" -gt 128 ] && sig=$(kill -l "$((rc - 128))" 2>/dev/null); then
    echo "exited with status $rc (signal $sig)"
  else
    echo "exited with status $rc"
  fi
}

# milliseconds as seconds for the log: 500 → 0.5, 2000 → 2
secs() {
  local s=$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))
  while [[ $s == *.*0 ]]; do s=${s%0}; done
  echo "${s%.}"
}

now_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((10#$t / 1000)); }

delay_ms=500 restarts=0
while :; do
  started=$(now_ms)
  "$@" &
  child=$!
  echo "$child" >"$base.pid"
  wait "$child" 2>/dev/null   # (no "Killed" line of bash's own: we say why below)
  rc=$?
  child=0
  rm -f "$base.pid"
  ran_ms=$(($(now_ms) - started))
  if [ "$ran_ms" -ge $((healthy_s * 1000)) ]; then delay_ms=500 restarts=0; fi
  restarts=$((restarts + 1))
  echo "supervise: $1 $(why "$rc") after $(secs $(((ran_ms + 50) / 100 * 100))) s;" \
       "restart $restarts in a row, next in $(secs "$delay_ms") s" >&2
  # in the background, so that TERM ends the wait at once
  sleep "$(secs "$delay_ms")" & sleeper=$!
  wait "$sleeper"
  sleeper=0
  delay_ms=$((delay_ms * 2 > max_ms ? max_ms : delay_ms * 2))
done
