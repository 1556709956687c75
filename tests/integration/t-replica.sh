# t-replica.sh — a real streaming replica: dashboard reads go there, and
# the dashboard keeps working (from the primary) when it lags or is down.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CEO=$(login ceo@northstar.example)
"$ROOT/scripts/stack.sh" replica-start "$T_DIR" >/dev/null
RPORT=$(cat "$T_RUN/replica.port"); RRUN=$T_DIR/replica-run
rsql() { psql -X -qtA -h "$RRUN" -p "$RPORT" -U postgres -d northstar -c "$1"; }
check_eq "the replica is in recovery (a standby)" "$(rsql 'SELECT pg_is_in_recovery()')" t
for _ in $(seq 1 50); do [ "$(rsql "SELECT status FROM pg_stat_wal_receiver")" = streaming ] && break; sleep 0.2; done
check_eq "the replica streams from the primary" "$(rsql "SELECT status FROM pg_stat_wal_receiver")" streaming
NS_DATABASE_READ_URL="postgresql:///northstar?host=$RRUN&port=$RPORT&user=northstar_app" NS_READ_MAX_LAG_S=1 \
  "$ROOT/scripts/stack.sh" services-restart "$T_DIR" >/dev/null

# The services check the replica's health every 5 s: within that, reads move there.
for i in $(seq 10 28); do
  api GET "/api/revenue/summary?as_of=2025-03-$i" "$CEO"
  n=$(rsql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'revenue' AND query LIKE '%revenue_summary%'")
  [ "${n:-0}" -ge 1 ] && break; sleep 0.5
done
check_status "figures are served with a replica configured" 200
[ "${n:-0}" -ge 1 ] && ok "the summary query ran on the replica" || not_ok "the summary query ran on the replica" "no revenue_summary session on the replica"

# Lag: replay paused while the primary changes; past the lag bound the
# services read the primary (seen in the primary's pg_stat_activity).
on_primary() { sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'revenue' AND query LIKE '%revenue_summary%'"; }
rsql "SELECT pg_wal_replay_pause()" >/dev/null
sql "CREATE TABLE replica_lag_probe (x int); DROP TABLE replica_lag_probe" >/dev/null
sleep 7   # past NS_READ_MAX_LAG_S and the 5 s health-check interval
for d in 2025-04-04 2025-04-05 2025-04-06 2025-04-07; do api GET "/api/revenue/summary?as_of=$d" "$CEO"; done
check_status "the dashboard answers while the replica lags" 200
[ "$(on_primary)" -ge 1 ] && ok "while the replica lags, reads go to the primary" \
  || not_ok "while the replica lags, reads go to the primary" "no revenue_summary session on the primary"
rsql "SELECT pg_wal_replay_resume()" >/dev/null

# Down: the replica stops; reads fall back to the primary at once.
"$ROOT/scripts/stack.sh" services-restart "$T_DIR" >/dev/null   # fresh connections, replica-free
NS_DATABASE_READ_URL="postgresql:///northstar?host=$RRUN&port=$RPORT&user=northstar_app" NS_READ_MAX_LAG_S=1 \
  "$ROOT/scripts/stack.sh" services-restart "$T_DIR" >/dev/null
"$ROOT/scripts/stack.sh" replica-stop "$T_DIR"
check_eq "no revenue session on the primary before the fallback" "$(on_primary)" 0
for d in 2025-05-05 2025-05-06 2025-05-07 2025-05-08; do api GET "/api/revenue/summary?as_of=$d" "$CEO"; done
check_status "the dashboard answers with the replica down" 200
[ "$(on_primary)" -ge 1 ] && ok "with the replica down, reads go to the primary" \
  || not_ok "with the replica down, reads go to the primary" "no revenue_summary session on the primary"
"$ROOT/scripts/stack.sh" services-restart "$T_DIR" >/dev/null
done_testing
