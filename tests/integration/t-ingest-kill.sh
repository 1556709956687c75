# t-ingest-kill.sh — a killed service mid-batch loses nothing that was acknowledged (issue 18):
# K_SENDERS senders post K_BATCHES batches each of K_PER API calls with unique messageIds to
# POST /api/product/events while both product instances are killed -9 K_ROUNDS times, each time
# while a batch is inside api.product_events (seen in pg_stat_activity); the supervisor restarts
# them.  Then: every acknowledged batch (200) is entirely stored, every other one entirely or not
# at all, and re-sending the unacknowledged ones, as a client would, lands each exactly once.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
K_RUN=$(date +%s%N | tail -c 10)
K_SENDERS=3 K_BATCHES=12 K_PER=200 K_ROUNDS=3
K_DIR=$T_TMP/kill-$K_RUN; mkdir -p "$K_DIR"
K_ADMIN() { NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=postgres" \
  "${NS_BUILD:-$ROOT/build}/northstar-admin" "$@"; }
k_cleanup() {
  sql "DELETE FROM events WHERE endpoint LIKE '/v1/kill-$K_RUN-%' AND occurred_at > now() - interval '1 day'"
  sql "DELETE FROM ingest_messages WHERE message_id LIKE 'k-$K_RUN-%'"
  K_ADMIN key revoke "t-kill-$K_RUN"
  rm -rf "$K_DIR"
}
defer k_cleanup   # however this file ends
K_KEY=$(K_ADMIN key add "t-kill-$K_RUN" ingest:events 2>/dev/null)
K_NOW=$(sql "SELECT to_char(now() AT TIME ZONE 'UTC' - interval '1 minute', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
K_CUST=$(sql "SELECT min(id) FROM customers")
U=http://127.0.0.1:$T_PORT

# Batch s-b: messages k-RUN-s-b-0 … k-RUN-s-b-(K_PER-1), all API calls of endpoint /v1/kill-RUN-s-b
# (events keeps no message id: the endpoint tells each batch's events apart).
for s in $(seq 1 $K_SENDERS); do
  for b in $(seq 1 $K_BATCHES); do
    jq -nc --arg id "k-$K_RUN-$s-$b" --arg ts "$K_NOW" --arg c "$K_CUST" --argjson n $K_PER \
      '{batch: [range($n) | {type: "track", event: "API Call", messageId: "\($id)-\(.)", userId: (. % 40 + 1),
                              timestamp: $ts, context: {groupId: $c},
                              properties: {endpoint: "/v1/\($id | sub("^k-"; "kill-"))", status: 200, latency_ms: .}}]}' \
      >"$K_DIR/$s-$b.json"
  done
done
# post FILE — echoes the HTTP status (000 when the connection failed)
k_post() {
  curl -s -o "$1.answer" -w '%{http_code}' -X POST -H "Authorization: Bearer $K_KEY" \
    -H 'Content-Type: application/json' --data-binary "@$1" "$U/api/product/events"
}
# Both product instances run again (the supervisor restarted them) and answer: at most 60 s.
k_up() {
  local i
  for _ in $(seq 1 300); do
    for i in 1 2; do [ -s "$T_RUN/product.$i.pid" ] || { sleep 0.2; continue 2; }; done
    curl -fs -o /dev/null "$U/api/product/health" && return 0
    sleep 0.2
  done
  return 1
}
# A sender posts its batches in turn and, as a client does, waits for the service after a failure.
k_sender() {
  local b code
  for b in $(seq 1 $K_BATCHES); do
    code=$(k_post "$K_DIR/$1-$b.json"); echo "$1-$b $code"
    [ "$code" = 200 ] || k_up
  done >"$K_DIR/codes.$1"
}
k_done() { cat "$K_DIR"/codes.* 2>/dev/null | wc -l; }

export LC_ALL=C   # sort and join as PostgreSQL orders (the cluster's locale is C)
k_killed0=$(grep -c 'supervise: .*/product exited with status 137 (signal KILL)' "$T_DIR/logs/product.log")
for s in $(seq 1 $K_SENDERS); do k_sender "$s" & done
# The killer: K_ROUNDS times, wait for a batch inside api.product_events, then kill -9 both
# instances, then wait until the supervisor has them back.
kills=0
for r in $(seq 1 $K_ROUNDS); do
  hit=0
  for _ in $(seq 1 500); do
    [ "$(k_done)" -ge $((K_SENDERS * K_BATCHES)) ] && break
    if [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%api.product_events%'
                 AND pid <> pg_backend_pid()")" -gt 0 ]; then
      for i in 1 2; do
        p=$(cat "$T_RUN/product.$i.pid" 2>/dev/null) && [ -n "$p" ] && kill -KILL "$p" 2>/dev/null && kills=$((kills + 1))
      done
      hit=1; break
    fi
    sleep 0.02
  done
  [ "$hit" = 1 ] || break
  k_up || break
done
wait
k_up; up=$?
check_eq "both product instances were killed -9 $K_ROUNDS times mid-batch and are back" "$kills:$up" "$((2 * K_ROUNDS)):0"
check_eq "every sender got an answer (or a failed connection) for each of its batches" "$(k_done)" $((K_SENDERS * K_BATCHES))
check_eq "the supervisor logged each kill" \
  "$(( $(grep -c 'supervise: .*/product exited with status 137 (signal KILL)' "$T_DIR/logs/product.log") - k_killed0 ))" \
  "$((2 * K_ROUNDS))"

# What the database holds per batch: message ids, and events (by the batch's endpoint).
k_state() {
  sql "SELECT b.id || ' ' || coalesce(m.n, 0) || ' ' || coalesce(e.n, 0)
       FROM (SELECT s || '-' || b AS id FROM generate_series(1, $K_SENDERS) s, generate_series(1, $K_BATCHES) b) b
       LEFT JOIN (SELECT substring(message_id FROM '^k-$K_RUN-([0-9]+-[0-9]+)-') AS id, count(*) AS n
                  FROM ingest_messages WHERE message_id LIKE 'k-$K_RUN-%' GROUP BY 1) m USING (id)
       LEFT JOIN (SELECT substring(endpoint FROM '^/v1/kill-$K_RUN-(.*)$') AS id, count(*) AS n
                  FROM events WHERE endpoint LIKE '/v1/kill-$K_RUN-%' AND occurred_at = '$K_NOW' GROUP BY 1) e USING (id)
       ORDER BY 1"
}
k_state >"$K_DIR/state"
sort "$K_DIR"/codes.* >"$K_DIR/codes"
acked=$(awk '$2 == 200' "$K_DIR/codes" | wc -l)
unacked=$(awk '$2 != 200' "$K_DIR/codes" | wc -l)
echo "# $acked batches acknowledged, $unacked not: $(awk '{print $2}' "$K_DIR/codes" | sort | uniq -c | tr '\n' ' ')"
if [ "$acked" -gt 0 ] && [ "$unacked" -gt 0 ]; then ok "the kills interrupted batches in flight ($unacked) and others were acknowledged ($acked)"
else not_ok "the kills interrupted batches in flight and others were acknowledged" "acknowledged $acked, not $unacked"; fi
# An acknowledged batch: K_PER message ids and K_PER events.
bad=$(join "$K_DIR/state" <(awk '$2 == 200 {print $1}' "$K_DIR/codes") | awk -v n=$K_PER '$2 != n || $3 != n')
check_empty "every acknowledged batch is entirely stored: its $K_PER message ids and $K_PER events" "$bad"
# Any other batch: all or nothing, the same for its ids and its events.
bad=$(join "$K_DIR/state" <(awk '$2 != 200 {print $1}' "$K_DIR/codes") | awk -v n=$K_PER '!(($2 == 0 && $3 == 0) || ($2 == n && $3 == n))')
check_empty "every unacknowledged batch is there entirely or not at all, never in part" "$bad"
landed=$(join "$K_DIR/state" <(awk '$2 != 200 {print $1}' "$K_DIR/codes") | awk -v n=$K_PER '$2 == n' | wc -l)
echo "# of the unacknowledged batches, $landed had committed before the service died"

# A client re-sends what was not acknowledged: each lands exactly once.
: >"$K_DIR/resent"
while read -r id code; do
  [ "$code" = 200 ] && continue
  echo "$id $(k_post "$K_DIR/$id.json") $(jq -c '[.stored, .duplicates]' "$K_DIR/$id.json.answer" 2>/dev/null)" >>"$K_DIR/resent"
done <"$K_DIR/codes"
check_eq "every re-sent batch is answered 200" "$(awk '$2 != 200' "$K_DIR/resent" | wc -l):$(wc -l <"$K_DIR/resent")" "0:$unacked"
# a re-sent batch that had committed is all duplicates, one that had not is all stored
bad=$(join "$K_DIR/state" "$K_DIR/resent" | awk -v n=$K_PER '!(($2 == n && $5 == "[0," n "]") || ($2 == 0 && $5 == "[" n ",0]"))')
check_empty "a re-sent batch that had landed is all duplicates ([0,$K_PER]), one that had not is all stored ([$K_PER,0])" "$bad"
k_state >"$K_DIR/state2"
check_empty "now every batch holds exactly its $K_PER message ids and $K_PER events" \
  "$(awk -v n=$K_PER '$2 != n || $3 != n' "$K_DIR/state2")"
# 3 senders × 12 batches × 200 messages = 7,200, each once
check_eq "in all 7,200 message ids and 7,200 events, each once" \
  "$(sql "SELECT (SELECT count(*) FROM ingest_messages WHERE message_id LIKE 'k-$K_RUN-%') || ',' ||
                 (SELECT count(*) FROM events WHERE endpoint LIKE '/v1/kill-$K_RUN-%' AND occurred_at = '$K_NOW')")" "7200,7200"
done_testing
