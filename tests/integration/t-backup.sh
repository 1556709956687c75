# t-backup.sh — a pg_dump of the demo database restores to identical
# figures: every table's checksum and the API's summary on the copy.
# Every psql here stops at the first error and its status and messages are
# checked: an error on both sides is never "identical".
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dump=$T_TMP/northstar.dump
pg_q() { psql -X -qtA -v ON_ERROR_STOP=1 -h "$T_RUN" -p "$T_PGPORT" -U postgres "$@"; }   # pg_q -d DB …
defer 'pg_q -d postgres -c "DROP DATABASE IF EXISTS northstar_restore"'

if pg_dump -h "$T_RUN" -p "$T_PGPORT" -U postgres -Fc -f "$dump" northstar 2>"$T_TMP/dump.err" && [ -s "$dump" ]; then
  ok "pg_dump writes a custom-format dump"
else not_ok "pg_dump writes a custom-format dump" "$(head -5 "$T_TMP/dump.err")"; fi
if pg_q -d postgres -c "DROP DATABASE IF EXISTS northstar_restore" -c "CREATE DATABASE northstar_restore" 2>"$T_TMP/create.err"; then
  ok "an empty database for the restore is created"
else not_ok "an empty database for the restore is created" "$(head -5 "$T_TMP/create.err")"; fi
pg_restore -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar_restore --no-owner "$dump" 2>"$T_TMP/restore.err"
rc=$?
if [ "$rc" = 0 ] && ! grep -q ERROR "$T_TMP/restore.err"; then ok "pg_restore reports no error"
else not_ok "pg_restore reports no error" "status $rc: $(grep -m5 ERROR "$T_TMP/restore.err")"; fi

# sum DB — the per-table checksums (psql's errors go to their own file, and fail the check)
sum() { pg_q -d "$1" -f "$ROOT/sql/demo/checksum.sql" 2>"$T_TMP/sum-$1.err"; }
a=$(sum northstar); ra=$?; b=$(sum northstar_restore); rb=$?
if [ "$ra" = 0 ] && [ "$rb" = 0 ] && [ -n "$a" ] && [ "$a" = "$b" ]; then
  ok "every table's checksum is identical after restore ($(wc -l <<<"$a") tables)"
else not_ok "every table's checksum is identical after restore" \
  "status $ra/$rb $(cat "$T_TMP/sum-northstar.err" "$T_TMP/sum-northstar_restore.err" | head -3) $(diff <(echo "$a") <(echo "$b") | head -5)"; fi
q="SELECT api.revenue_summary(1, 'ceo', current_date)::text"
a=$(pg_q -d northstar_restore -c "$q" 2>"$T_TMP/q.err") || echo "# psql on the copy failed: $(head -3 "$T_TMP/q.err")"
check_eq "the revenue summary computed on the restored copy is identical" "$a" "$(sql "$q")"
if pg_q -d postgres -c "DROP DATABASE northstar_restore" 2>"$T_TMP/drop.err"; then ok "the restored copy is dropped"
else not_ok "the restored copy is dropped" "$(head -3 "$T_TMP/drop.err")"; fi
done_testing
