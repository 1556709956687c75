#!/usr/bin/env bash
# supervise.sh BASE PROGRAM — run PROGRAM, restart it when it dies, until
# this script gets SIGTERM (then stop PROGRAM by its PID and exit).
# BASE.pid holds the current PROGRAM's PID.
base=$1; shift
child=0
trap 'kill -TERM $child 2>/dev/null; wait $child 2>/dev/null; rm -f "$base.pid"; exit 0' TERM INT
while :; do
  "$@" &
  child=$!
  echo $child >"$base.pid"
  wait $child
  rc=$?
  echo "supervise: $1 exited with status $rc; restarting in 0.5 s" >&2
  sleep 0.5
done
