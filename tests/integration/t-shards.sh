# t-shards.sh — events on two shards (docs/operations.md, "Sharding"), on a stack of its own in a
# temporary directory (stopped by its PIDs however this file ends).  The demo company is loaded on
# one server and its answers saved; the same stack is started again with SHARDS=2, which moves
# every month of events onto two more PostgreSQL clusters, and every GET answer (each role, the
# variants of tests/answers/snapshot.sh) and every data-layer result must be byte-identical.  Then
# shard 1 is stopped: each answer is either the same as before or a 503 naming shard 1, never
# anything else; a batch that needs shard 1 is refused whole (503, Retry-After) and one that does
# not is stored; with shard 1 back, everything answers again without a rebuild, the batch sent
# again is stored, and each customer's rows are on that customer's shard (asked of each cluster).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

H=$T_TMP/shards; H_STACK=$H/stack; mkdir -p "$H"
h_stop() { "$ROOT/scripts/stack.sh" stop "$H_STACK" >/dev/null 2>&1; rm -rf "$H"; }
defer h_stop
H_ANCHOR="$(date -u +%F) 00:00:00+00"   # both starts load (and keep) the same rows
h_start() {  # h_start SHARDS
  ANCHOR=$H_ANCHOR SHARDS=$1 PORT=0 FAST=1 NS_INSTANCES=1 "$ROOT/scripts/stack.sh" start "$H_STACK" >"$H/start-$1.out" 2>&1
}
h_snapshot() {  # h_snapshot DIR [API_ONLY]
  SNAPSHOT_API_ONLY=${2:-0} PGPASSFILE=$H_STACK/secrets/pgpass "$ROOT/tests/answers/snapshot.sh" "$1" "$H_STACK" >"$1.log" 2>&1
}
hsql() { PGPASSFILE=$H_STACK/secrets/pgpass psql -X -qtA -v ON_ERROR_STOP=1 -h "$H_STACK/run" -p "$(cat "$H_STACK/run/pg.port")" -U postgres -d northstar -c "$1"; }
shardsql() {  # shardsql K SQL — on shard K's own cluster
  PGPASSFILE=$H_STACK/secrets/pgpass psql -X -qtA -v ON_ERROR_STOP=1 -h "$H_STACK/run" -p "$(cat "$H_STACK/run/shard$1.port")" -U postgres -d northstar_shard -c "$2"
}

# ---- one server: the reference answers
if ! h_start 0; then
  not_ok "the stack starts on one server" "$(tail -15 "$H/start-0.out")"; done_testing; exit 0
fi
ok "the stack starts on one server"
EVENTS=$(hsql "SELECT count(*) FROM events")
h_snapshot "$H/one" || not_ok "the answers of one server are saved" "$(tail -5 "$H/one.log")"
"$ROOT/scripts/stack.sh" stop "$H_STACK" >/dev/null 2>&1

# ---- SHARDS=2: the same stack, its events moved onto two shards
if ! h_start 2; then
  not_ok "the stack starts again with SHARDS=2" "$(tail -15 "$H/start-2.out")"; done_testing; exit 0
fi
ok "the stack starts again with SHARDS=2"
H_PORT=$(cat "$H_STACK/run/http.port")
hapi() { T_PORT=$H_PORT api "$@"; }
check_eq "the start says where the events went" \
  "$(grep -c 'events on 2 shards: [1-9][0-9]* months moved' "$H/start-2.out")" 1
check_eq "no month of events is left on the coordinator (every leaf partition is a foreign table)" \
  "$(hsql "WITH RECURSIVE t AS (SELECT 'events'::regclass::oid AS oid UNION ALL
                             SELECT i.inhrelid FROM pg_inherits i JOIN t ON i.inhparent = t.oid)
           SELECT count(*) FROM t JOIN pg_class c ON c.oid = t.oid WHERE c.relkind = 'r'")" 0
C0=$(shardsql 0 "SELECT string_agg(format('SELECT count(*) FROM %I', relname), ' UNION ALL ') FROM pg_class WHERE relname LIKE 'events\_y%' AND relkind = 'r'")
C1=$(shardsql 1 "SELECT string_agg(format('SELECT count(*) FROM %I', relname), ' UNION ALL ') FROM pg_class WHERE relname LIKE 'events\_y%' AND relkind = 'r'")
N0=$(shardsql 0 "SELECT sum(n) FROM ($C0) x(n)"); N1=$(shardsql 1 "SELECT sum(n) FROM ($C1) x(n)")
check_eq "the two shards' own tables hold every event, once ($N0 + $N1)" "$((N0 + N1))" "$EVENTS"
[ "$N0" -gt 0 ] && [ "$N1" -gt 0 ] && ok "each shard holds a part ($N0 and $N1 of $EVENTS)" \
  || not_ok "each shard holds a part" "shard 0: $N0, shard 1: $N1"
check_eq "the services connect through pgbouncer (the revenue service's database URL has its port)" \
  "$(tr '\0' '\n' <"/proc/$(cat "$H_STACK/run/revenue.1.pid")/environ" | grep -c "^NS_DATABASE_URL=.*port=$(cat "$H_STACK/run/pgbouncer.port")&")" 1
h_snapshot "$H/two" || not_ok "the answers on two shards are saved" "$(tail -5 "$H/two.log")"
N_API=$(find "$H/one/api" -type f | wc -l)
DIFF_API=$(diff -rq "$H/one/api" "$H/two/api" 2>&1)
[ "$N_API" -gt 500 ] && [ -z "$DIFF_API" ] && ok "every answer is byte-identical on one server and on two shards ($N_API answers)" \
  || not_ok "every answer is byte-identical on one server and on two shards" "$N_API answers; $(echo "$DIFF_API" | head -10)"
# The data layer too, but for what records the runs themselves (sign-ins, the audit of the
# snapshot's exports, the live publisher's clock, the schedules' next runs), the shard tables, and
# the aggregates kept with the snapshots (every start drops them, as their rules may have changed,
# until the next snapshot refresh keeps them again; their readers' answers are compared above).
DIFF_SQL=$(diff -rq "$H/one/sql" "$H/two/sql" 2>&1 \
           | grep -v -E 'table\.(audit_log|live_state|login_known|report_schedules|shard_servers|shard_orphans|customer_snapshot_kept) ')
N_SQL=$(find "$H/one/sql" -type f | wc -l)
[ "$N_SQL" -gt 50 ] && [ -z "$DIFF_SQL" ] && ok "every data-layer result is identical too ($N_SQL, events' content digest among them)" \
  || not_ok "every data-layer result is identical too" "$N_SQL results; $(echo "$DIFF_SQL" | head -10)"

# ---- shard 1 down
CEO=$(T_TMP=$H T_PORT=$H_PORT login ceo@northstar.example)   # (cached in $H: not the suite's token)
hapi GET /api/revenue/summary "$CEO"; SUMMARY_UP=$BODY
"$ROOT/scripts/stack.sh" shard-stop "$H_STACK" 1
hapi GET /api/revenue/summary "$CEO"
check_status "with shard 1 down, revenue/summary (read from the rollups) answers" 200
check_eq "… the same figures" "$BODY" "$SUMMARY_UP"
hapi GET "/api/product/summary?as_of=$(date -u -d '-3 days' +%F)" "$CEO"
check_status "product/summary (it reads the events) is a 503" 503
check_eq "… naming the shard that is down" "$(jq -r '.error.code + " " + (.error.message | split(" (")[0])' <<<"$BODY")" "shard_unavailable shard 1"
check_eq "… with Retry-After" "$(header Retry-After)" 5
h_snapshot "$H/down" 1 || not_ok "the answers with shard 1 down are saved" "$(tail -5 "$H/down.log")"
same=0; refused=0; other=""
while IFS= read -r f; do
  rel=${f#"$H/down/"}
  if cmp -s "$f" "$H/two/$rel"; then same=$((same + 1))
  elif [ "$(head -1 "$f")" = 503 ] && tail -n +2 "$f" | jq -e '.error.code == "shard_unavailable" and (.error.message | startswith("shard 1 "))' >/dev/null 2>&1; then
    refused=$((refused + 1))
  else other="$other $rel($(head -1 "$f"))"; fi
done < <(find "$H/down/api" -type f)
[ -z "$other" ] && [ "$refused" -gt 0 ] && [ "$same" -gt "$refused" ] \
  && ok "with shard 1 down each answer is the same as before ($same) or a 503 naming shard 1 ($refused), nothing else" \
  || not_ok "with shard 1 down each answer is the same as before or a 503 naming shard 1" "same $same, 503 $refused, other:${other:0:600}"

# Ingestion: customer A's events live on shard 0, B's on shard 1 (PostgreSQL's hash routing of
# this month's partition); a batch that needs shard 1 is refused whole, one that does not lands.
MONTH=$(hsql "SELECT format('events_y%sm%s', to_char(now() AT TIME ZONE 'UTC', 'YYYY'), to_char(now() AT TIME ZONE 'UTC', 'MM'))")
A=$(hsql "SELECT min(id) FROM customers WHERE satisfies_hash_partition('$MONTH'::regclass, 2, 0, id)")
B=$(hsql "SELECT min(id) FROM customers WHERE satisfies_hash_partition('$MONTH'::regclass, 2, 1, id)")
KEY=$(PGPASSFILE=$H_STACK/secrets/pgpass NS_DATABASE_URL="postgresql:///northstar?host=$H_STACK/run&port=$(cat "$H_STACK/run/pg.port")&user=postgres" \
      "${NS_BUILD:-$ROOT/build}/northstar-admin" key add shards-test ingest:events 2>/dev/null | tail -1)
NOW=$(date -u +%FT%TZ)
call() {  # call MESSAGE_ID CUSTOMER — one API call event
  printf '{"type":"track","messageId":"%s","event":"API Call","userId":"u-%s","timestamp":"%s","context":{"groupId":"%s"},"properties":{"endpoint":"/v1/shards-test","status":200,"latency_ms":7}}' "$1" "$2" "$NOW" "$2"
}
ingest() { hapi POST /api/product/events "" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d "{\"batch\":[$1]}"; }
ingest "$(call shards-a1 "$A")"
check_status "a batch for customer $A (shard 0) is stored while shard 1 is down" 200
check_eq "… all of it" "$(jq -r .stored <<<"$BODY")" 1
ingest "$(call shards-a2 "$A"),$(call shards-b1 "$B")"
check_status "a batch that needs shard 1 is refused" 503
check_eq "… as shard 1 unavailable" "$(jq -r .error.code <<<"$BODY")" shard_unavailable
check_eq "… nothing of it is stored (neither message, nor the row for shard 0)" \
  "$(hsql "SELECT count(*) FROM ingest_messages WHERE message_id IN ('shards-a2', 'shards-b1')")/$(shardsql 0 "SELECT count(*) FROM $MONTH""_s0of2 WHERE endpoint = '/v1/shards-test'")" "0/1"

# ---- shard 1 back: nothing to rebuild
"$ROOT/scripts/stack.sh" shard-start "$H_STACK" 1 >/dev/null
for _ in $(seq 1 30); do
  hapi GET "/api/product/summary?as_of=$(date -u -d '-3 days' +%F)" "$CEO"; [ "$STATUS" = 200 ] && break; sleep 0.5
done
check_status "with shard 1 back, product/summary answers again" 200
h_snapshot "$H/back" 1 || not_ok "the answers with shard 1 back are saved" "$(tail -5 "$H/back.log")"
check_empty "… and so does every answer that was a 503 (no status but those of the healthy stack)" \
  "$(diff <(cd "$H/two/api" && grep -r -l '^5' . | sort) <(cd "$H/back/api" && grep -r -l '^5' . | sort))"
ingest "$(call shards-a2 "$A"),$(call shards-b1 "$B")"
check_status "the refused batch, sent again, is stored" 200
check_eq "… all of it" "$(jq -r .stored <<<"$BODY")" 2
check_eq "customer $A's new rows are on shard 0's own cluster, none on shard 1" \
  "$(shardsql 0 "SELECT count(*) FROM $MONTH""_s0of2 WHERE endpoint = '/v1/shards-test' AND customer_id = $A")/$(shardsql 1 "SELECT count(*) FROM $MONTH""_s1of2 WHERE endpoint = '/v1/shards-test' AND customer_id = $A")" "2/0"
check_eq "customer $B's row is on shard 1's, none on shard 0" \
  "$(shardsql 1 "SELECT count(*) FROM $MONTH""_s1of2 WHERE endpoint = '/v1/shards-test' AND customer_id = $B")/$(shardsql 0 "SELECT count(*) FROM $MONTH""_s0of2 WHERE endpoint = '/v1/shards-test' AND customer_id = $B")" "1/0"
check_eq "every event of customer $B, old and new, is on shard 1" \
  "$(hsql "SELECT count(*) FROM events WHERE customer_id = $B")" \
  "$(shardsql 1 "SELECT sum(n) FROM (${C1//count(\*)/count(*) FILTER (WHERE customer_id = $B)}) x(n)")"
# The written rows still mark their day for the rollups and reach the live stream (the capture
# that stands in for the transition tables a foreign partition cannot give).
LIVE=$(PGPASSFILE=$H_STACK/secrets/pgpass psql -X -qtA -v ON_ERROR_STOP=1 -h "$H_STACK/run" -p "$(cat "$H_STACK/run/pg.port")" -U postgres -d northstar <<SQL
BEGIN;
DELETE FROM rollup_dirty_days;
INSERT INTO events (occurred_at, customer_id, type, endpoint, status, latency_ms)
VALUES (now(), $A, 'api_call', '/v1/shards-live', 200, 5), (now(), $B, 'api_call', '/v1/shards-live', 201, 6);
SELECT (SELECT string_agg(day::text, ',') FROM rollup_dirty_days) || '|' ||
       (SELECT data->>'count' FROM live_outbox WHERE kind = 'api_calls' ORDER BY id DESC LIMIT 1);
ROLLBACK;
SQL
)
check_eq "an insert into events across both shards marks its day dirty and puts its API calls in the live outbox" \
  "$LIVE" "$(hsql "SELECT ns_today()")|2"
for _ in $(seq 1 120); do   # (the product follower runs on the rollups' notification; 60 s at most)
  n=$(hsql "SELECT coalesce(sum(calls), 0) FROM product_api_daily WHERE endpoint = '/v1/shards-test'" 2>/dev/null); [ "${n:-0}" = 3 ] && break; sleep 0.5
done
check_eq "the rollups count the three calls once the refresh has run (no rebuild by hand)" "${n:-}" 3
done_testing
