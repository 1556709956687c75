#!/bin/bash
# Loads the schema and the demo generator into two fresh databases, at two instants of the same day
# with the default anchor (the start of today), and compares sql/demo/checksum.sql (TAP output): the
# demo data are a function of the calendar day, not of the moment of loading.
# usage: tests/sql/determinism.sh HOST PORT   (env: PGUSER, default postgres; SCALE, default 0.02)
set -u
host=${1:?usage: determinism.sh HOST PORT}
port=${2:?usage: determinism.sh HOST PORT}
user=${PGUSER:-postgres}
scale=${SCALE:-0.02}
root=$(cd "$(dirname "$0")/../.." && pwd)
dbs=("ns_determinism_a_$$" "ns_determinism_b_$$")
tmp=$(mktemp -d)
psqlc() { psql -X -q -h "$host" -p "$port" -U "$user" -v ON_ERROR_STOP=1 "$@"; }
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    for db in "${dbs[@]}"; do psqlc -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; done
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "1..2"
# load DB: schema, generator, checksum into $tmp/DB.sum; the log in $tmp/DB.log.
load() {
    local db=$1
    { psqlc -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" &&
      for f in "$root"/sql/schema/*.sql "$root"/services/*/*.sql; do psqlc -d "$db" -f "$f" || exit 1; done &&
      psqlc -d "$db" -v scale="$scale" -f "$root/sql/demo/generate.sql" &&
      psqlc -d "$db" -A -t -f "$root/sql/demo/checksum.sql" > "$tmp/$db.sum"; } >"$tmp/$db.log" 2>&1
}
# The two loads run side by side (one core each), the second started 2 s after the first: separate
# databases, the default anchor.  Loads that straddle midnight (UTC, the databases' zone) are
# repeated once.
load_pair() {
    local i
    status=0; pids=()
    load "${dbs[0]}" & pids+=($!)
    sleep 2
    load "${dbs[1]}" & pids+=($!)
    for i in "${!dbs[@]}"; do
        if ! wait "${pids[$i]}"; then
            echo "# loading ${dbs[$i]} failed:"; sed 's/^/# /' "$tmp/${dbs[$i]}.log"
            status=1
        fi
    done
    pids=()
}
day0=$(date -u +%F); load_pair
if [ "$(date -u +%F)" != "$day0" ]; then day0=$(date -u +%F); load_pair; fi
what="two loads of the generator (scale $scale, default anchor) 2 s apart on $day0 have identical table checksums"
if [ $status -eq 0 ] && [ -s "$tmp/${dbs[0]}.sum" ] && cmp -s "$tmp/${dbs[0]}.sum" "$tmp/${dbs[1]}.sum"; then
    echo "ok 1 - $what"
else
    echo "not ok 1 - $what"
    [ $status -eq 0 ] && diff "$tmp/${dbs[0]}.sum" "$tmp/${dbs[1]}.sum" | sed 's/^/# /'
fi
# The default anchor is the start of today: the newest event lies in the hour before it.
last=$(psqlc -d "${dbs[0]}" -A -t -c "SELECT max(occurred_at) < ns_day_start(ns_today())
                                             AND max(occurred_at) >= ns_day_start(ns_today()) - interval '1 hour'
                                      FROM events" 2>&1)
if [ "$last" = t ]; then
    echo "ok 2 - the demo data end in the hour before the start of today (the default anchor)"
else
    echo "not ok 2 - the demo data end in the hour before the start of today (the default anchor)"; echo "# $last"
fi
