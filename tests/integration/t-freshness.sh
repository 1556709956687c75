# t-freshness.sh — the one wake-up mechanism of the rollups and their followers (docs/ingest.md,
# "Freshness"): a transaction that marks rollup days dirty notifies northstar_dirty once, at its
# commit (the dirty-day triggers of every source table, and any direct writer of
# rollup_dirty_days); rollup_refresh() notifies northstar_rollups when it recomputed dirty days;
# and with every job's period set to an hour (NS_JOB_SECONDS), an ingested batch still reaches a
# follower's figure (rollups by the alerts job, then the product pre-aggregates) — only the
# notifications can have carried it.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
F_RUN=$(date +%s%N | tail -c 10)
F_EP=/v1/fresh-$F_RUN
F_CUST=$(sql "SELECT min(id) FROM customers")
F_ADMIN() { NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=postgres" \
  "${NS_BUILD:-$ROOT/build}/northstar-admin" "$@"; }
f_cleanup() {
  "$ROOT/scripts/stack.sh" services-restart "$T_DIR"   # the jobs' own periods again
  sql "DELETE FROM events WHERE endpoint LIKE '$F_EP%' AND occurred_at > now() - interval '3 days'"
  sql "DELETE FROM ingest_messages WHERE message_id LIKE 'fr-$F_RUN-%'"
  F_ADMIN key revoke "t-fresh-$F_RUN"
  rm -f "$T_TMP"/fresh-*
}
defer f_cleanup   # however this file ends
# psql_notes SQL — run SQL in one session as postgres; echo the channels of the notifications it got
psql_notes() {
  psql -X -q -v ON_ERROR_STOP=1 -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar 2>&1 <<<"$1" \
    | sed -n 's/^Asynchronous notification "\([a-z_]*\)".*/\1/p' | sort | uniq -c | awk '{printf "%s%s×%s", (NR > 1 ? " " : ""), $2, $1}'
}
f_ev() {  # f_ev SUFFIX — one API call row for events
  echo "INSERT INTO events (occurred_at, customer_id, user_id, type, endpoint, status, latency_ms)
        VALUES (now() - interval '1 minute', $F_CUST, 1, 'api_call', '$F_EP-$1', 200, 5);"
}

# ---- the notifications, seen by a session that listens to both channels
check_eq "two inserts into events in one transaction notify northstar_dirty once, at the commit" \
  "$(psql_notes "LISTEN northstar_dirty; LISTEN northstar_rollups;
                 BEGIN; $(f_ev a) $(f_ev b) COMMIT; SELECT 1;")" "northstar_dirty×1"
check_eq "an insert of no rows notifies nothing" \
  "$(psql_notes "LISTEN northstar_dirty; INSERT INTO events (occurred_at, type) SELECT now(), 'login' WHERE false; SELECT 1;")x" "x"
F_MSG="{\"type\":\"track\",\"event\":\"API Call\",\"messageId\":\"fr-$F_RUN-1\",\"userId\":\"9\",\"properties\":{\"endpoint\":\"$F_EP-c\"}}"
check_eq "a batch stored by api.product_events notifies northstar_dirty; the same batch again (all duplicates) does not" \
  "$(psql_notes "LISTEN northstar_dirty;
                 SELECT api.product_events(p_user => 0, p_role => NULL, p_body => '$F_MSG', p_key => 't-fresh');
                 SELECT 1;")|$(psql_notes "LISTEN northstar_dirty;
                 SELECT api.product_events(p_user => 0, p_role => NULL, p_body => '$F_MSG', p_key => 't-fresh');
                 SELECT 1;")x" "northstar_dirty×1|x"
check_eq "... and that API call without a status is stored, not rate limited" \
  "$(sql "SELECT count(*) || ',' || bool_and(NOT rate_limited) FROM events WHERE endpoint = '$F_EP-c' AND status IS NULL")" "1,true"
check_eq "a writer that queues a day in rollup_dirty_days itself notifies northstar_dirty too" \
  "$(psql_notes "LISTEN northstar_dirty; INSERT INTO rollup_dirty_days (day) VALUES (ns_today() - 3) ON CONFLICT DO NOTHING; SELECT 1;")" \
  "northstar_dirty×1"
# (the dirty day and the refresh in one transaction: the alerts job cannot drain the day first)
check_eq "rollup_refresh() that recomputed dirty days notifies northstar_rollups; one with none dirty does not" \
  "$(psql_notes "LISTEN northstar_rollups;
                 BEGIN; INSERT INTO rollup_dirty_days (day) VALUES (ns_today() - 2) ON CONFLICT DO NOTHING;
                 SELECT rollup_refresh(); COMMIT;
                 SELECT rollup_refresh(); SELECT 1;")" "northstar_rollups×1"

# ---- end to end with every period an hour: only the notifications move the figure
NS_JOB_SECONDS=3600 "$ROOT/scripts/stack.sh" services-restart "$T_DIR" >/dev/null
check_eq "the job instances of alerts and product now run with NS_JOB_SECONDS=3600" \
  "$(for s in alerts product; do tr '\0' '\n' <"/proc/$(cat "$T_RUN/$s.1.pid")/environ" | grep -c '^NS_JOB_SECONDS=3600$'; done | tr '\n' ,)" "1,1,"
F_KEY=$(F_ADMIN key add "t-fresh-$F_RUN" ingest:events 2>/dev/null)
F_NOW=$(sql "SELECT to_char(now() AT TIME ZONE 'UTC' - interval '1 minute', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
F_Y=$(sql "SELECT to_char((now() - interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
F_DAY=$(sql "SELECT ns_today()"); F_YD=$(sql "SELECT ns_today() - 1")
# 7 calls today (the first 2 with status 500), 4 yesterday: a day the rollups had done already
jq -nc --arg ep "$F_EP" --arg now "$F_NOW" --arg y "$F_Y" --arg r "$F_RUN" --arg c "$F_CUST" \
  '{batch: ([range(7) | {type: "track", event: "API Call", userId: 3, timestamp: $now, messageId: "fr-\($r)-t\(.)",
              context: {groupId: $c}, properties: {endpoint: $ep, status: (if . < 2 then 500 else 200 end), latency_ms: 10}}]
          + [range(4) | {type: "track", event: "API Call", userId: 3, timestamp: $y, messageId: "fr-\($r)-y\(.)",
              context: {groupId: $c}, properties: {endpoint: $ep, status: 200, latency_ms: 10}}])}' >"$T_TMP/fresh-batch.json"
api POST /api/product/events "$F_KEY" -H 'Content-Type: application/json' --data-binary "@$T_TMP/fresh-batch.json"
check_eq "the batch of 11 API calls is accepted" "$STATUS $(jq -c .stored <<<"$BODY")" "200 11"
CEO=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"email":"ceo@northstar.example","password":"northstar-demo"}' "http://127.0.0.1:$T_PORT/api/auth/login" | jq -r '.token // empty')
got=""
for _ in $(seq 1 120); do   # the figure moves within seconds; the bound only keeps a broken run from hanging
  api GET "/api/product/api-usage?endpoint=${F_EP#/v1/}&from=$F_YD&to=$F_DAY" "$CEO"
  got=$(jq -r --arg d "$F_DAY" --arg y "$F_YD" '[.series[] | select(.calls > 0)] as $s
          | [$s[] | select(.bucket | startswith($d)) | .calls, .errors] as $t
          | [$s[] | select(.bucket | startswith($y)) | .calls] as $p | "\($t | join(",")):\($p | join(","))"' <<<"$BODY" 2>/dev/null)
  [ "$got" = "7,2:4" ] && break
  sleep 0.5
done
check_eq "with every job period an hour, the product figure shows the batch: 7 calls and 2 errors today, 4 yesterday" "$got" "7,2:4"
check_eq "... and so does the data layer's rollup of yesterday (metrics_daily, refreshed after the batch)" \
  "$(sql "SELECT (refreshed_at > (SELECT max(received_at) FROM ingest_messages WHERE message_id LIKE 'fr-$F_RUN-y%'))
          FROM metrics_daily WHERE day = ns_today() - 1")" "t"
done_testing
