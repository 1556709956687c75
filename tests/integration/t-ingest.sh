# t-ingest.sh — API keys and POST /api/product/events (docs/ingest.md): keys made, listed, revoked
# by the operator CLI; the Segment formats (batch, single message, NDJSON) land in the tables with
# the right values; invalid fields come back by index; limits; idempotent replay; who may ingest
# (scope, revoked key, session) and that a key reads nothing; the Basic form; the rate limit; a
# dashboard figure moves; and Segment's own Node library delivers its batches unchanged.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
defer 'rm -rf "$T_TMP"/ingest-*'
I_ADMIN() { NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=postgres" \
  "${NS_BUILD:-$ROOT/build}/northstar-admin" "$@"; }
I_RUN=$(date +%s%N | tail -c 10)     # tags this run's rows
I_DAY=$(sql "SELECT ns_today()")
I_NOW=$(sql "SELECT to_char(now() AT TIME ZONE 'UTC' - interval '1 minute', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
I_CUST=$(sql "SELECT min(id) FROM customers")
# ingest BODY-FILE [CONTENT-TYPE [KEY]] — POST the file; sets STATUS, BODY, HEADERS
ingest() {
  api POST /api/product/events "${3-$I_KEY}" -H "Content-Type: ${2:-application/json}" --data-binary "@$1"
}
jqb() { jq -c "$1" <<<"$BODY" 2>/dev/null; }
# A fresh CEO session (lib.sh's login caches tokens for the run, which may outlive their TTL).
I_CEO() { curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"email":"ceo@northstar.example","password":"northstar-demo"}' "http://127.0.0.1:$T_PORT/api/auth/login" | jq -r '.token // empty'; }

# ---- keys: made once, stored as a hash, listed without the key
I_KEY=$(I_ADMIN key add "t-ingest-$I_RUN" ingest:events 2>"$T_TMP/ingest-add.err")
if [[ "$I_KEY" =~ ^nsk_[A-Za-z0-9_-]{43}$ ]]; then ok "key add prints one nsk_ key of 256 random bits"
else not_ok "key add prints one nsk_ key" "got '$I_KEY' $(cat "$T_TMP/ingest-add.err")"; fi
check_eq "only the key's SHA-256 is stored" \
  "$(sql "SELECT count(*) FROM api_keys WHERE name = 't-ingest-$I_RUN' AND key_hash = sha256(convert_to('$I_KEY', 'UTF8'))")" 1
check_eq "the key's text is nowhere in the table" \
  "$(sql "SELECT count(*) FROM api_keys a WHERE a::text LIKE '%$I_KEY%' OR encode(key_hash, 'escape') LIKE '%${I_KEY#nsk_}%'")" 0
I_BILL=$(I_ADMIN key add "t-ingest-bill-$I_RUN" ingest:billing ingest:support 2>/dev/null)
I_ADMIN key add "t-ingest-$I_RUN" ingest:events >/dev/null 2>"$T_TMP/ingest-dup.err"
check_eq "a second key in force under the same name is refused" \
  "$(grep -c 'is in force; revoke it first' "$T_TMP/ingest-dup.err")" 1
I_ADMIN key add "t-ingest-x-$I_RUN" read:all >/dev/null 2>"$T_TMP/ingest-scope.err"; rc=$?
check_eq "an unknown scope is refused (exit 2, naming it)" "$rc:$(grep -c "unknown scope 'read:all'" "$T_TMP/ingest-scope.err")" 2:1
list=$(I_ADMIN key list)
check_eq "key list: name, scopes, created, last used (never yet), state" \
  "$(awk -F'\t' -v n="t-ingest-bill-$I_RUN" '$1 == n {print $2 "|" ($3 ~ /^[0-9][0-9][0-9][0-9]-..-..T..:..:..Z$/) "|" $4 "|" $5}' <<<"$list")" \
  "ingest:billing,ingest:support|1|never|active"
if grep -qF -- "${I_KEY#nsk_}" <<<"$list"; then not_ok "key list never shows a key"; else ok "key list never shows a key"; fi

# ---- a valid batch lands with the right values
cat >"$T_TMP/ingest-batch.json" <<EOF
{"batch": [
 {"type": "track", "messageId": "t-$I_RUN-1", "event": "API Call", "userId": "4242", "timestamp": "$I_NOW",
  "properties": {"status": 503, "latency_ms": 321, "endpoint": "/v1/ingest-$I_RUN"},
  "context": {"groupId": "$I_CUST", "ip": "203.0.113.9", "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1"}},
 {"type": "track", "messageId": "t-$I_RUN-2", "event": "feature_used", "userId": 4242, "timestamp": "$I_NOW",
  "properties": {"feature": "ingest-$I_RUN", "session_id": 77}, "context": {"groupId": "$I_CUST"}},
 {"type": "page", "messageId": "t-$I_RUN-3", "name": "Pricing", "anonymousId": "anon-$I_RUN", "timestamp": "$I_NOW",
  "context": {"userAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0", "campaign": {"source": "Newsletter"}}},
 {"type": "track", "messageId": "t-$I_RUN-4", "event": "Report Exported", "userId": "alice@example.com",
  "timestamp": "$I_NOW", "properties": {"format": "csv", "run": "$I_RUN"}}
]}
EOF
ingest "$T_TMP/ingest-batch.json"
check_status "a valid batch of four is a 200" 200
check_eq "its answer counts four accepted, four stored, nothing rejected" \
  "$(jqb '[.accepted, .stored, .duplicates, (.rejected | length)]')" "[4,4,0,0]"
check_eq "the API call is stored with its status, latency, endpoint, customer, user, device, address" \
  "$(sql "SELECT concat_ws('|', type, status, latency_ms, customer_id, user_id, device, browser, os, client_ip, rate_limited)
          FROM events WHERE endpoint = '/v1/ingest-$I_RUN'")" \
  "api_call|503|321|$I_CUST|4242|mobile|Safari|iOS|203.0.113.9|f"
check_eq "the feature use is stored with its feature and session" \
  "$(sql "SELECT concat_ws('|', type, customer_id, user_id, session_id) FROM events WHERE feature = 'ingest-$I_RUN'")" \
  "feature_used|$I_CUST|4242|77"
check_eq "the page call is a page_view of an anonymous visitor, with its source" \
  "$(sql "SELECT concat_ws('|', type, coalesce(user_id::text, 'anon'), device, browser, os, source) FROM events
          WHERE occurred_at = '$I_NOW' AND type = 'page_view' AND source = 'newsletter'")" \
  "page_view|anon|desktop|Firefox|Linux|newsletter"
check_eq "an unknown event name is kept, with its properties, and countable" \
  "$(sql "SELECT count(*) || '|' || max(properties->>'format') || '|' || bool_and(user_id >= 4611686018427387904)
          FROM events_custom WHERE name = 'Report Exported' AND properties->>'run' = '$I_RUN'")" "1|csv|true"
check_eq "every message id is recorded with the key's name" \
  "$(sql "SELECT count(*) FROM ingest_messages WHERE message_id LIKE 't-$I_RUN-%' AND key_name = 't-ingest-$I_RUN'")" 4

# ---- the same batch again changes nothing
before=$(sql "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM events_custom)")
ingest "$T_TMP/ingest-batch.json"
check_status "replaying the batch is a 200" 200
check_eq "the replay is accepted as four duplicates, none stored" "$(jqb '[.accepted, .stored, .duplicates]')" "[4,0,4]"
check_eq "the replay stored no row" "$(sql "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM events_custom)")" "$before"
printf '{"batch":[{"type":"track","event":"login","userId":9,"messageId":"t-%s-dup"},{"type":"track","event":"login","userId":9,"messageId":"t-%s-dup"}]}' \
  "$I_RUN" "$I_RUN" >"$T_TMP/ingest-dup.json"
ingest "$T_TMP/ingest-dup.json"
check_eq "a message id twice in one batch is stored once" "$(jqb '[.accepted, .stored, .duplicates]')" "[2,1,1]"

# ---- context.groupId as the source's own account id (customers.external_id), else the Northstar id
I_EXT_CUST=$(sql "UPDATE customers SET external_id = 'acct-t18-$I_RUN' WHERE id = (SELECT max(id) FROM customers WHERE external_id IS NULL) RETURNING id")
defer "sql \"UPDATE customers SET external_id = NULL WHERE external_id = 'acct-t18-$I_RUN'\""
printf '{"batch":[{"type":"track","event":"Signed In","userId":"87%s","messageId":"t-%s-ext","context":{"groupId":"acct-t18-%s"}},{"type":"track","event":"Signed In","userId":"87%s","messageId":"t-%s-ext-bad","context":{"groupId":"acct-none-%s"}}]}' \
  "$I_RUN" "$I_RUN" "$I_RUN" "$I_RUN" "$I_RUN" "$I_RUN" >"$T_TMP/ingest-ext.json"
ingest "$T_TMP/ingest-ext.json"
check_eq "groupId = a customer's external id: the event is that customer's; an unknown one is rejected naming it" \
  "$STATUS $(sql "SELECT customer_id FROM events WHERE user_id = 87$I_RUN") $(jqb '[.rejected[] | .field, (.message | test("acct-none-'"$I_RUN"'"))]')" \
  "207 $I_EXT_CUST [\"context.groupId\",true]"

# ---- a single message, and NDJSON
printf '{"type":"track","event":"Signed In","userId":"%s","messageId":"t-%s-single","context":{"groupId":"%s"}}' \
  "88$I_RUN" "$I_RUN" "$I_CUST" >"$T_TMP/ingest-one.json"
ingest "$T_TMP/ingest-one.json"
check_eq "a single message (no batch) is accepted" "$STATUS $(jqb '[.accepted, .stored]')" "200 [1,1]"
check_eq "it is stored as a login" "$(sql "SELECT type FROM events WHERE user_id = 88$I_RUN")" login
printf '{"type":"track","event":"Checkout Started","userId":"91%s","messageId":"t-%s-nd1"}\r\n{"type":\n\n{"type":"track","event":"Order Completed","userId":"91%s","messageId":"t-%s-nd2"}\n' \
  "$I_RUN" "$I_RUN" "$I_RUN" "$I_RUN" >"$T_TMP/ingest.ndjson"
ingest "$T_TMP/ingest.ndjson" application/x-ndjson
check_status "NDJSON with one broken line is a 207" 207
check_eq "NDJSON: two accepted, the broken line rejected at its index" \
  "$(jqb '[.accepted, (.rejected | map(.index))]')" "[2,[1]]"
check_eq "NDJSON lines land as checkout and order" \
  "$(sql "SELECT string_agg(type, ',' ORDER BY type) FROM events WHERE user_id = 91$I_RUN")" "checkout,order"

# ---- invalid fields come back by index, field and message; the valid ones land
FUT=$(sql "SELECT to_char(now() AT TIME ZONE 'UTC' + interval '1 hour', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
SKEW=$(sql "SELECT to_char(now() AT TIME ZONE 'UTC' + interval '2 minutes', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
OLD=$(sql "SELECT to_char(now() AT TIME ZONE 'UTC' - interval '30 months', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
cat >"$T_TMP/ingest-bad.json" <<EOF
{"batch": [
 {"type": "track", "event": "login", "userId": 5, "messageId": "t-$I_RUN-b0", "timestamp": "$SKEW"},
 {"type": "bogus", "userId": 5},
 {"type": "track", "userId": 5},
 {"type": "track", "event": "login"},
 {"type": "track", "event": "API Call", "userId": 5, "properties": {"status": 999}},
 {"type": "track", "event": "API Call", "userId": 5, "properties": {"latency_ms": -4}},
 {"type": "track", "event": "login", "userId": 5, "timestamp": "2026-02-30T10:00:00Z"},
 {"type": "track", "event": "login", "userId": 5, "timestamp": "$FUT"},
 {"type": "track", "event": "login", "userId": 5, "timestamp": "$OLD"},
 {"type": "track", "event": "login", "userId": 5, "context": {"groupId": "999999999"}},
 {"type": "track", "event": "Feature Used", "userId": 5, "properties": {}},
 {"type": "track", "event": "login", "userId": 5, "context": {"ip": "300.1.1.1"}},
 "not an object",
 {"type": "track", "event": "login", "userId": {"id": 5}}
]}
EOF
ingest "$T_TMP/ingest-bad.json"
check_status "a batch with some invalid messages is a 207" 207
check_eq "one accepted (2 minutes ahead is within the clock skew)" "$(jqb .accepted)" 1
check_eq "each rejection names its index and field" "$(jqb '[.rejected[] | "\(.index):\(.field)"]')" \
  '["1:type","2:event","3:userId","4:properties.status","5:properties.latency_ms","6:timestamp","7:timestamp","8:timestamp","9:context.groupId","10:properties.feature","11:context.ip","12:null","13:userId"]'
check_eq "every rejection says why" "$(jqb '[.rejected[] | select((.message | length) < 10)] | length')" 0
check_eq "a future timestamp is refused as such" "$(jqb '.rejected[] | select(.index == 7) | .message | test("future")')" true
check_eq "a stale timestamp is refused as older than the retention" \
  "$(jqb '.rejected[] | select(.index == 8) | .message | test("older than the retention")')" true
check_eq "an unknown customer is named, with what to do" "$(jqb '.rejected[] | select(.index == 9) | .message')" \
  '"no customer has the external id (or the Northstar id) 999999999: send the customer first (POST /api/revenue/customers)"'
check_eq "only the valid message was stored" \
  "$(sql "SELECT count(*) FROM ingest_messages WHERE message_id = 't-$I_RUN-b0'")" 1
printf '{"batch":[{"type":"nope","userId":1},{"type":"track","userId":1}]}' >"$T_TMP/ingest-none.json"
ingest "$T_TMP/ingest-none.json"
check_error "a batch with no valid message is a 400" 400 bad_request
check_eq "... which still lists each rejection" "$(jqb '[.accepted, (.rejected | length)]')" "[0,2]"
printf '{"batch": 5}' >"$T_TMP/ingest-shape.json"; ingest "$T_TMP/ingest-shape.json"
check_error "a batch that is not an array is a 400" 400 bad_request
printf '{"batch": [' >"$T_TMP/ingest-broken.json"; ingest "$T_TMP/ingest-broken.json"
check_error "JSON that does not parse is a 400" 400 bad_request
printf '{"batch": []}' >"$T_TMP/ingest-empty.json"; ingest "$T_TMP/ingest-empty.json"
check_error "an empty batch is a 400" 400 bad_request
ingest "$T_TMP/ingest-one.json" text/plain
check_error "another content type is a 415" 415 unsupported_media_type

# ---- limits: bytes per request and messages per batch
{ printf '{"batch":[{"type":"track","event":"x","userId":1,"properties":{"pad":"'; head -c 530000 /dev/zero | tr '\0' 'a'; printf '"}}]}'; } \
  >"$T_TMP/ingest-big.json"
ingest "$T_TMP/ingest-big.json"
check_error "a body over 512 KB is a 413 JSON error" 413 payload_too_large
jq -nc --arg r "$I_RUN" '{batch: [range(2501) | {type: "track", event: "login", userId: 1, messageId: "t-\($r)-many-\(.)"}]}' \
  >"$T_TMP/ingest-many.json"
ingest "$T_TMP/ingest-many.json"
check_error "2,501 messages in one batch is a 413" 413 payload_too_large
check_error_names "... which names the limit" "at most 2500 messages"
check_eq "... and stores none of them" "$(sql "SELECT count(*) FROM ingest_messages WHERE message_id LIKE 't-$I_RUN-many-%'")" 0
{ printf '{"batch":[{"type":"track","event":"x","userId":1,"properties":{"pad":"'; head -c 40000 /dev/zero | tr '\0' 'a'; printf '"}}]}'; } \
  >"$T_TMP/ingest-fat.json"
ingest "$T_TMP/ingest-fat.json"
check_eq "a message over 32 KB is rejected on its own" "$STATUS $(jqb '.rejected[0].message')" '400 "the message is larger than 32 KB"'

# ---- who may ingest: the scope, a revoked key, a session; a key reads nothing
ingest "$T_TMP/ingest-one.json" application/json "$I_BILL"
check_error "a key without ingest:events is a 403" 403 forbidden
check_error_names "... naming the scope it lacks" "ingest:events"
ingest "$T_TMP/ingest-one.json" application/json "$(I_CEO)"
check_error "a session token cannot ingest (403)" 403 forbidden
api GET /api/product/summary "$I_KEY"
check_error "a key cannot read a dashboard endpoint (403)" 403 forbidden
api GET /api/revenue/summary "$I_BILL"
check_error "nor any other service's (403)" 403 forbidden
api GET /api/auth/me "$I_KEY"
case "$STATUS" in 401|403) ok "a key is no session for /api/auth/me ($STATUS)";; *) not_ok "a key is no session for /api/auth/me" "got $STATUS $BODY";; esac
api POST /api/product/events "" -H 'Content-Type: application/json' --data-binary "@$T_TMP/ingest-one.json"
check_error "no credential is a 401" 401 unauthorized
api POST /api/product/events "nsk_short" -H 'Content-Type: application/json' --data-binary "@$T_TMP/ingest-one.json"
check_error "a malformed key is a 401" 401 unauthorized
api POST /api/product/events "nsk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" -H 'Content-Type: application/json' \
  --data-binary "@$T_TMP/ingest-one.json"
check_error "an unknown key is a 401" 401 unauthorized

# The Basic form, as Segment's clients send it: the key as user name, an empty password.
sed "s/t-$I_RUN-single/t-$I_RUN-basic/; s/\"88$I_RUN\"/\"89$I_RUN\"/" "$T_TMP/ingest-one.json" >"$T_TMP/ingest-basic.json"
api POST /api/product/events "" -u "$I_KEY:" -H 'Content-Type: application/json' --data-binary "@$T_TMP/ingest-basic.json"
check_eq "HTTP Basic with the key as user name is accepted" "$STATUS $(jqb .stored)" "200 1"
api POST /api/product/events "" -u "$I_KEY:password" -H 'Content-Type: application/json' --data-binary "@$T_TMP/ingest-basic.json"
check_error "HTTP Basic with a password is refused (401)" 401 unauthorized

# Revocation holds from the next request.
I_OLD=$(I_ADMIN key add "t-ingest-old-$I_RUN" ingest:events 2>/dev/null)
sed "s/t-$I_RUN-single/t-$I_RUN-rev/; s/\"88$I_RUN\"/\"90$I_RUN\"/" "$T_TMP/ingest-one.json" >"$T_TMP/ingest-rev.json"
ingest "$T_TMP/ingest-rev.json" application/json "$I_OLD"
check_status "a key works before it is revoked" 200
I_ADMIN key revoke "t-ingest-old-$I_RUN"
ingest "$T_TMP/ingest-rev.json" application/json "$I_OLD"
check_error "the next request with the revoked key is a 401" 401 unauthorized
check_eq "key list shows it revoked" \
  "$(I_ADMIN key list | awk -F'\t' -v n="t-ingest-old-$I_RUN" '$1 == n {print $5}')" revoked
I_ADMIN key revoke "t-ingest-old-$I_RUN" 2>/dev/null; rc=$?
check_eq "revoking it again says there is no such key in force (exit 1)" "$rc" 1

# ---- every use is logged with the key's name, never the key; last use is recorded
if grep -q "path=/api/product/events status=200 .* key=t-ingest-$I_RUN\$" "$T_DIR/logs/product.log"; then
  ok "the access log names the key"; else not_ok "the access log names the key" "$(grep 'key=' "$T_DIR/logs/product.log" | tail -2)"; fi
if grep -rqF -- "${I_KEY#nsk_}" "$T_DIR/logs/"; then not_ok "no log holds the key itself"
else ok "no log holds the key itself (service, nginx, PostgreSQL logs)"; fi
check_eq "last use is recorded" \
  "$(I_ADMIN key list | awk -F'\t' -v n="t-ingest-$I_RUN" '$1 == n && $5 == "active" {print ($4 ~ /^[0-9][0-9][0-9][0-9]-/)}')" 1

# ---- the narrowest write path: the services' role cannot write events, nor read the keys
app_sql() { psql -X -qtA -h "$T_RUN" -p "$T_PGPORT" -U northstar_app -d northstar -c "$1" 2>&1; }
check_eq "northstar_app cannot insert into events" \
  "$(app_sql "INSERT INTO events (occurred_at, type) VALUES (now(), 'login')" | grep -c 'permission denied')" 1
check_eq "northstar_app cannot read api_keys" "$(app_sql "SELECT count(*) FROM api_keys" | grep -c 'permission denied')" 1
check_eq "PUBLIC may not execute the ingest function" \
  "$(sql "SELECT has_function_privilege('public', 'api.product_events(int, text, jsonb, text, int)', 'EXECUTE')")" f
check_eq "the ingest function runs as northstar_ingest" \
  "$(sql "SELECT pg_get_userbyid(proowner) || '/' || prosecdef FROM pg_proc WHERE oid = 'api.product_events'::regproc")" \
  "northstar_ingest/true"

# ---- a dashboard figure moves: API usage of today and of yesterday (a dirty day) per endpoint
I_EP="/v1/dash-$I_RUN"
I_Y=$(sql "SELECT to_char((now() - interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
jq -nc --arg ep "$I_EP" --arg now "$I_NOW" --arg y "$I_Y" --arg r "$I_RUN" --arg c "$I_CUST" \
  '{batch: ([range(30) | {type: "track", event: "API Call", userId: 7, timestamp: $now, messageId: "t-\($r)-d\(.)",
              context: {groupId: $c}, properties: {endpoint: $ep, status: (if . < 3 then 500 else 200 end), latency_ms: (10 * .)}}]
          + [range(12) | {type: "track", event: "API Call", userId: 7, timestamp: $y, messageId: "t-\($r)-y\(.)",
              context: {groupId: $c}, properties: {endpoint: $ep, status: 200, latency_ms: 5}}])}' >"$T_TMP/ingest-dash.json"
ingest "$T_TMP/ingest-dash.json"
check_eq "42 API calls accepted" "$STATUS $(jqb .stored)" "200 42"
CEO=$(I_CEO)
I_YD=$(sql "SELECT ns_today() - 1")
want=$(sql "SELECT count(*) || ',' || count(*) FILTER (WHERE status >= 500) FROM events
            WHERE type = 'api_call' AND endpoint = '$I_EP' AND ns_day(occurred_at) = ns_today()")
want_y=$(sql "SELECT count(*) FROM events WHERE type = 'api_call' AND endpoint = '$I_EP' AND ns_day(occurred_at) = ns_today() - 1")
got=""; got_y=""
for _ in $(seq 1 60); do   # the rollup jobs run every 15-30 s
  api GET "/api/product/api-usage?endpoint=${I_EP#/v1/}&from=$I_YD&to=$I_DAY" "$CEO"
  got=$(jq -r --arg d "$I_DAY" '.series[] | select(.bucket | startswith($d)) | "\(.calls),\(.errors)"' <<<"$BODY" 2>/dev/null | head -1)
  got_y=$(jq -r --arg d "$I_YD" '.series[] | select(.bucket | startswith($d)) | .calls' <<<"$BODY" 2>/dev/null | head -1)
  [ "$got" = "$want" ] && [ "$got_y" = "$want_y" ] && break
  sleep 2
done
check_eq "today's API usage of the endpoint shows the ingested calls and errors (independent SQL)" "$got" "$want"
check_eq "yesterday's, a day the rollups had done, moves too (dirty-day triggers)" "$got_y" "$want_y"
check_eq "... which are the 30 and 12 calls sent" "$want/$want_y" "30,3/12"

# ---- the per-credential rate limit: 429 JSON with Retry-After
I_RL=$(I_ADMIN key add "t-ingest-rl-$I_RUN" ingest:events 2>/dev/null)
printf '{"type":"nope","userId":1}' >"$T_TMP/ingest-rl.json"
mkdir -p "$T_TMP/ingest-rl"; rl_args=()
for i in $(seq 1 300); do rl_args+=(-o "$T_TMP/ingest-rl/$i" "http://127.0.0.1:$T_PORT/api/product/events"); done
curl -s --no-progress-meter -Z --parallel-max 100 -w '%{http_code} %header{retry-after}\n' -X POST \
  -H "Authorization: Bearer $I_RL" -H 'Content-Type: application/json' --data-binary "@$T_TMP/ingest-rl.json" \
  "${rl_args[@]}" >"$T_TMP/ingest-rl.out"
n429=$(grep -c '^429 ' "$T_TMP/ingest-rl.out"); n400=$(grep -c '^400 ' "$T_TMP/ingest-rl.out")
if [ "$n429" -gt 0 ] && [ "$n400" -gt 0 ] && [ $((n429 + n400)) = 300 ]; then
  ok "300 requests at once with one key: $n400 answered, $n429 limited (429)"
else not_ok "300 requests at once with one key: some answered, some 429" "$(sort "$T_TMP/ingest-rl.out" | uniq -c | tr '\n' ' ')"; fi
check_eq "every 429 carries Retry-After" "$(grep '^429 ' "$T_TMP/ingest-rl.out" | grep -vc '^429 [0-9]')" 0
BODY=$(grep -l too_many_requests "$T_TMP"/ingest-rl/* | head -1 | xargs cat 2>/dev/null); STATUS=429
check_error "the limit answers a JSON error" 429 too_many_requests
ingest "$T_TMP/ingest-one.json"
check_status "another key is not limited by it" 200

# ---- Segment's own Node library, pointed at the stack, delivers its batches unchanged
I_SEG=$(I_ADMIN key add "t-ingest-segment-$I_RUN" ingest:events 2>/dev/null)
if [ ! -d "$ROOT/tests/ingest/node_modules/@segment/analytics-node" ]; then
  (cd "$ROOT/tests/ingest" && npm ci --no-audit --no-fund --loglevel=error) >"$T_TMP/ingest-npm.log" 2>&1
fi
seg=$(cd "$ROOT/tests/ingest" && NS_URL="http://127.0.0.1:$T_PORT" NS_KEY="$I_SEG" NS_GROUP="$I_CUST" NS_RUN="$I_RUN" \
      timeout 60 node send.js 2>"$T_TMP/ingest-node.err")
check_eq "@segment/analytics-node sent its batches, every one answered 200" \
  "$(jq -c '[(.requests | length) > 1, (.statuses | unique), .errors]' <<<"$seg" 2>/dev/null)" '[true,[200],[]]'
check_eq "... with HTTP Basic, as it does to Segment" "$(jq -c '[.requests[].auth] | unique' <<<"$seg" 2>/dev/null)" '["Basic"]'
seg_ids=$(jq -r '.requests[].body.batch[].messageId' <<<"$seg" 2>/dev/null | sort)
check_eq "... all ten of its messages, under the message ids it made" "$(wc -l <<<"$seg_ids" | tr -d ' ')" 10
stored_ids=$(sql "SELECT message_id FROM ingest_messages WHERE key_name = 't-ingest-segment-$I_RUN' ORDER BY 1" | sort)
check_eq "every message id it sent is stored" "$stored_ids" "$seg_ids"
check_eq "its API calls landed with status, latency and endpoint" \
  "$(sql "SELECT count(*) || ',' || count(*) FILTER (WHERE status = 503) || ',' || sum(latency_ms) || ',' || min(customer_id)
          FROM events WHERE endpoint = '/v1/segment-$I_RUN' AND device = 'desktop' AND browser = 'Chrome'")" "6,1,615,$I_CUST"
check_eq "its feature use, page, custom event and identify landed" \
  "$(sql "SELECT (SELECT count(*) FROM events WHERE feature = 'seg-$I_RUN') || ',' ||
                 (SELECT count(*) FROM events WHERE type = 'page_view' AND user_id = ingest_id('seg-$I_RUN')) || ',' ||
                 (SELECT count(*) FROM events_custom WHERE name = 'Report Exported $I_RUN') || ',' ||
                 (SELECT count(*) FROM events_custom WHERE kind = 'identify' AND properties->>'plan' = 'pro'
                    AND user_id = ingest_id('seg-$I_RUN'))")" "1,1,1,1"
done_testing
