# t-backup.sh — a pg_dump of the demo database restores to identical
# figures: every table's checksum and the API's summary on the copy.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dump=$T_TMP/northstar.dump
pg_dump -h "$T_RUN" -p "$T_PGPORT" -U postgres -Fc -f "$dump" northstar
check_eq "pg_dump writes a custom-format dump" "$?" 0
psql -X -q -h "$T_RUN" -p "$T_PGPORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS northstar_restore" -c "CREATE DATABASE northstar_restore"
pg_restore -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar_restore --no-owner "$dump" 2>"$T_TMP/restore.err"
check_eq "pg_restore reports no error" "$(grep -c ERROR "$T_TMP/restore.err")" 0
sum() { psql -X -qtA -h "$T_RUN" -p "$T_PGPORT" -U postgres -d "$1" -f "$ROOT/sql/demo/checksum.sql" 2>&1; }
a=$(sum northstar); b=$(sum northstar_restore)
if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "every table's checksum is identical after restore ($(wc -l <<<"$a") tables)"
else not_ok "every table's checksum is identical after restore" "$(diff <(echo "$a") <(echo "$b") | head -5)"; fi
q="SELECT api.revenue_summary(1, 'ceo', current_date)::text"
check_eq "the revenue summary computed on the restored copy is identical" \
  "$(psql -X -qtA -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar_restore -c "$q")" \
  "$(sql "$q")"
psql -X -q -h "$T_RUN" -p "$T_PGPORT" -U postgres -d postgres -c "DROP DATABASE northstar_restore"
done_testing
