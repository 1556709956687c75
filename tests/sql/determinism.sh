#!/bin/bash
# Loads the schema and the demo generator into two fresh databases and compares sql/demo/checksum.sql (TAP output).
# usage: tests/sql/determinism.sh HOST PORT   (env: PGUSER, default postgres; SCALE, default 0.02)
set -u
host=${1:?usage: determinism.sh HOST PORT}
port=${2:?usage: determinism.sh HOST PORT}
user=${PGUSER:-postgres}
scale=${SCALE:-0.02}
root=$(cd "$(dirname "$0")/../.." && pwd)
anchor=$(date -u '+%Y-%m-%d %H:%M:%S+00')
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

echo "1..1"
status=0
# load DB: schema, generator, checksum into $tmp/DB.sum; the log in $tmp/DB.log.
load() {
    local db=$1
    { psqlc -d postgres -c "CREATE DATABASE $db" &&
      for f in "$root"/sql/schema/*.sql "$root"/services/*/*.sql; do psqlc -d "$db" -f "$f" || exit 1; done &&
      psqlc -d "$db" -v scale="$scale" -v anchor="$anchor" -f "$root/sql/demo/generate.sql" &&
      psqlc -d "$db" -A -t -f "$root/sql/demo/checksum.sql" > "$tmp/$db.sum"; } >"$tmp/$db.log" 2>&1
}
# The two loads run side by side (one core each): same anchor, separate databases.
for db in "${dbs[@]}"; do load "$db" & pids+=($!); done
for i in "${!dbs[@]}"; do
    if ! wait "${pids[$i]}"; then
        echo "# loading ${dbs[$i]} failed:"; sed 's/^/# /' "$tmp/${dbs[$i]}.log"
        status=1
    fi
done
if [ $status -eq 0 ] && [ -s "$tmp/${dbs[0]}.sum" ] && cmp -s "$tmp/${dbs[0]}.sum" "$tmp/${dbs[1]}.sum"; then
    echo "ok 1 - two loads of the generator (scale $scale, anchor $anchor) have identical table checksums"
    exit 0
fi
echo "not ok 1 - two loads of the generator (scale $scale, anchor $anchor) have identical table checksums"
[ $status -eq 0 ] && diff "$tmp/${dbs[0]}.sum" "$tmp/${dbs[1]}.sum" | sed 's/^/# /'
exit 1
