# t-live.sh — the live stream, GET /api/live (docs/live.md): who may subscribe (401/403 JSON);
# each message type arrives after the ingestion that causes it, with figures checked against the
# raw tables; role scope (sales hears no customer events) and row scope (two cs users connected at
# once: each hears only its own customers); WebSocket on the same path; resume by Last-Event-ID
# delivers the missed messages once; a revoked session's stream ends within the re-check interval;
# the data version is part of the cache key; the role channels match docs/access.md.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
L_DIR=$T_TMP/live; mkdir -p "$L_DIR"
[ -n "${T_LIVE_KEEP:-}" ] || defer 'rm -rf "$T_TMP/live"'
L_ADMIN() { NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=postgres" \
  "${NS_BUILD:-$ROOT/build}/northstar-admin" "$@"; }
L_RUN=$(date +%s%N | tail -c 10)       # tags this run's records
L_URL="http://127.0.0.1:$T_PORT"
L_CEO=$(login ceo@northstar.example); L_CS1=$(login cs1@northstar.example)
L_CS2=$(login cs2@northstar.example); L_SALES=$(login sales1@northstar.example)
L_CS1_ID=$(sql "SELECT id FROM app_users WHERE email = 'cs1@northstar.example'")
L_KEY=$(L_ADMIN key add "t-live-$L_RUN" ingest:billing ingest:events 2>/dev/null)
defer "L_ADMIN key revoke t-live-$L_RUN"
# this run's customers go when the file ends (their subscriptions, payments and events with them)
defer "sql \"DELETE FROM events WHERE customer_id IN (SELECT id FROM customers WHERE external_id LIKE 'tlive-$L_RUN-%')\"; sql \"DELETE FROM customers WHERE external_id LIKE 'tlive-$L_RUN-%'\""

# subscribe NAME TOKEN [SECONDS [LAST-EVENT-ID [--once]]] — a subscriber that reconnects with its
# last event id as EventSource does (tests/live/sse-client.js), writing "id<TAB>json" to $L_DIR/NAME
subscribe() {
  node "$ROOT/tests/live/sse-client.js" "$T_PORT" "$2" "$L_DIR/$1" "${3:-150}" "${4:--}" ${5:-} &
  echo $! >"$L_DIR/$1.pid"
  for _ in $(seq 1 50); do grep -q '^# HTTP' "$L_DIR/$1" 2>/dev/null && break; sleep 0.1; done
  sleep 0.3   # the subscription is registered just after the answer's head
}
# msgs NAME [TYPE] — the JSON messages NAME received (of TYPE), one per line
msgs() { grep -v '^#' "$L_DIR/$1" 2>/dev/null | cut -f2- | grep '^{' | jq -c --arg t "${2:-}" 'select($t == "" or .type == $t)' 2>/dev/null; }
# await NAME JQ-FILTER — wait up to 20 s until a message of NAME matches the filter; echo it
# (on a time-out, what NAME got last goes to the TAP output as a comment)
await() {
  local m
  for _ in $(seq 1 200); do
    m=$(msgs "$1" | jq -c "select($2)" 2>/dev/null | tail -1)
    [ -n "$m" ] && { echo "$m"; return 0; }
    sleep 0.1
  done
  { echo "# await $1 ($2) timed out; its last lines:"; tail -5 "$L_DIR/$1" | cut -c1-300 | sed 's/^/#   /'; } >&2
  return 1
}
post() { api POST "$1" "$L_KEY" -H 'Content-Type: application/json' --data-binary "$2"; }
ts() { sql "SELECT to_char(now() AT TIME ZONE 'UTC' $1, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"; }

# ---- who may subscribe
api GET /api/live "" -H 'Accept: text/event-stream'
check_error "no credential: 401 JSON from nginx" 401 unauthorized
check_eq "the 401 is JSON" "$(header Content-Type | cut -d';' -f1)" "application/json"
api GET /api/live "$L_KEY" -H 'Accept: text/event-stream'
check_error "an API key cannot subscribe: 403 JSON" 403 forbidden
api GET /api/live "not.a.token" -H 'Accept: text/event-stream'
check_error "a forged token: 401" 401 unauthorized
api GET /api/auth/live "$L_CEO"
check_status "the authoriser is internal to nginx: not reachable from outside" 404
check_eq "… and answers JSON" "$(jq -r '.error.code' <<<"$BODY" 2>/dev/null)" "not_found"

# ---- the streams of five users at once (two cs users among them), one of them over WebSocket
subscribe ceo "$L_CEO"; subscribe cs1 "$L_CS1"; subscribe cs2 "$L_CS2"; subscribe sales "$L_SALES"
node "$ROOT/tests/live/ws-client.js" "$T_PORT" "$L_CEO" "$L_DIR/ws" 40 & L_WS=$!
sleep 1.5
curl -s -N --max-time 1 -D "$L_DIR/sse.h" -o /dev/null -H 'Accept: text/event-stream' -H "Authorization: Bearer $L_CEO" "$L_URL/api/live"
check_eq "SSE: 200 text/event-stream" "$(head -1 "$L_DIR/sse.h" | cut -d' ' -f2)|$(grep -i '^content-type:' "$L_DIR/sse.h" | tr -d '\r' | cut -d' ' -f2 | cut -d';' -f1)" \
  "200|text/event-stream"
check_eq "SSE: the subscribers connected" "$(for n in ceo cs1 cs2 sales; do head -1 "$L_DIR/$n"; done | sort -u)" "# HTTP 200"
check_eq "WebSocket: the upgrade on the same path is accepted" "$(head -1 "$L_DIR/ws")" "OPEN"
L_V0=$(sql "SELECT data_version FROM live_state")

# ---- new_signup: two customers in one batch; B is then given to cs1
L_A=tlive-$L_RUN-a; L_B=tlive-$L_RUN-b
post /api/revenue/customers "[{\"external_id\":\"$L_A\",\"name\":\"Live A $L_RUN\",\"signup_at\":\"$(ts "- interval '1 minute'")\"},
  {\"external_id\":\"$L_B\",\"name\":\"Live B $L_RUN\",\"signup_at\":\"$(ts "- interval '3 days'")\"}]"
check_eq "customers batch accepted" "$(jq -r '.created' <<<"$BODY")" 2
M=$(await ceo ".type == \"new_signup\" and ([.customers[].name] | index(\"Live A $L_RUN\"))")
check_eq "new_signup reaches the CEO with the customer" "$(jq -r '[.customers[] | select(.name == "Live A '"$L_RUN"'") | .name] | length' <<<"$M")" 1
# B signed up 3 days ago: history, not news (only signups of the last day are pushed)
check_eq "… a signup of 3 days ago is not pushed as news" "$(jq -r "[.customers[].name] | index(\"Live B $L_RUN\")" <<<"$M")" null
# signups today, independently: customers whose signup day (reporting zone) is today
check_num "… signups_today = customers signed up today (raw table)" "$(jq '.signups_today' <<<"$M")" \
  "$(sql "SELECT count(*) FROM customers WHERE ns_day(signup_at) = ns_today()")"
check_num "… active_trials = customers in trial today (raw table)" "$(jq '.active_trials' <<<"$M")" \
  "$(sql "SELECT count(*) FROM customers WHERE trial_started_on <= ns_today() AND trial_ends_on >= ns_today()
          AND (converted_at IS NULL OR converted_at >= ns_day_start(ns_today() + 1)) AND (churned_at IS NULL OR churned_at >= ns_day_start(ns_today() + 1))")"
M=$(await ws ".type == \"new_signup\" and ([.customers[].name] | index(\"Live A $L_RUN\"))")
check_eq "WebSocket: the same new_signup arrives as a text frame" "$(jq -r '.type' <<<"$M")" new_signup
sql "UPDATE customers SET cs_owner_id = $L_CS1_ID WHERE external_id = '$L_B'" >/dev/null
L_B_ID=$(sql "SELECT id FROM customers WHERE external_id = '$L_B'")

# ---- subscription_changed + mrr_updated: B starts paying 49.00 a month, from 3 days ago
post /api/revenue/subscriptions "{\"external_id\":\"tlive-$L_RUN-s\",\"customer_external_id\":\"$L_B\",\"plan\":\"tlive_starter\",
  \"plan_name\":\"Live Starter\",\"interval\":\"month\",\"unit_amount_cents\":4900,\"started_at\":\"$(ts "- interval '3 days'")\"}"
check_eq "subscription accepted" "$(jq -r '.created' <<<"$BODY")" 1
M=$(await cs1 ".type == \"subscription_changed\" and ([.changes[].customer.id] | index($L_B_ID))")
check_eq "subscription_changed reaches cs1 (B's owner): change new, +4900, plan Live Starter" \
  "$(jq -r ".changes[] | select(.customer.id == $L_B_ID) | [.change, .mrr_delta_cents, .plan] | join(\",\")" <<<"$M")" "new,4900,Live Starter"
M=$(await ceo ".type == \"mrr_updated\" and .movement.new == 4900")
# MRR today, independently: the sum of subscriptions in effect today (all in USD here)
check_num "mrr_updated: mrr_cents = sum of today's subscriptions (raw table)" "$(jq '.mrr_cents' <<<"$M")" \
  "$(sql "SELECT sum(mrr_cents) FROM subscriptions WHERE valid_from <= ns_today() AND (valid_to IS NULL OR valid_to > ns_today())")"
check_num "… previous = mrr − 4900 (B's new 49.00 a month)" "$(jq '.mrr_cents - .previous_mrr_cents' <<<"$M")" 4900
check_num "… arr = 12 × mrr" "$(jq '.arr_cents - 12 * .mrr_cents' <<<"$M")" 0
check_eq "… the other movements of this batch are zero" "$(jq -c '[.movement.expansion, .movement.contraction, .movement.churn, .movement.reactivation]' <<<"$M")" "[0,0,0,0]"
M=$(await sales '.type == "mrr_updated" and .movement.new == 4900')
check_eq "sales hears mrr_updated (a role of GET /api/revenue/mrr)" "$(jq -r '.type' <<<"$M")" mrr_updated

# ---- payment_received
post /api/revenue/billing-events "{\"external_id\":\"tlive-$L_RUN-p1\",\"customer_external_id\":\"$L_B\",\"kind\":\"payment_success\",
  \"amount_cents\":4900,\"occurred_at\":\"$(ts "- interval '10 seconds'")\"}"
check_eq "payment accepted" "$(jq -r '.created' <<<"$BODY")" 1
M=$(await cs1 ".type == \"payment_received\" and ([.payments[].customer.id] | index($L_B_ID))")
check_eq "payment_received reaches cs1: 4900 from B" "$(jq -r ".payments[] | select(.customer.id == $L_B_ID) | .amount_cents" <<<"$M")" 4900
check_num "… payments_today_cents = successful payments today (raw table)" "$(jq '.payments_today_cents' <<<"$M")" \
  "$(sql "SELECT coalesce(sum(amount_cents), 0) FROM billing_events WHERE kind = 'payment_success' AND ns_day(occurred_at) = ns_today()")"
check_num "… revenue_today_cents = order revenue today (raw table)" "$(jq '.revenue_today_cents' <<<"$M")" \
  "$(sql "SELECT coalesce(sum(total_cents), 0) FROM orders WHERE ns_day(ordered_at) = ns_today()")"

# ---- resume: cs1 goes away after the payment, misses one, comes back with its last event id
L_LAST=$(grep -v '^#' "$L_DIR/cs1" | tail -1 | cut -f1)
kill "$(cat "$L_DIR/cs1.pid")" 2>/dev/null
post /api/revenue/billing-events "{\"external_id\":\"tlive-$L_RUN-p2\",\"customer_external_id\":\"$L_B\",\"kind\":\"payment_success\",
  \"amount_cents\":1234,\"occurred_at\":\"$(ts "- interval '5 seconds'")\"}"
await ceo ".type == \"payment_received\" and ([.payments[].amount_cents] | index(1234))" >/dev/null
subscribe cs1b "$L_CS1" 3 "$L_LAST" --once
wait "$(cat "$L_DIR/cs1b.pid")" 2>/dev/null
check_eq "resume: the missed payment (1234) is delivered once, the one before it (4900) not again" \
  "$(msgs cs1b payment_received | jq -r "[.payments[] | select(.customer.id == $L_B_ID) | .amount_cents] | join(\",\")" | paste -sd,)" "1234"
subscribe cs1 "$L_CS1"

# ---- churn_alert: B cancels today
post /api/revenue/subscriptions "{\"external_id\":\"tlive-$L_RUN-s\",\"customer_external_id\":\"$L_B\",\"plan\":\"tlive_starter\",
  \"plan_name\":\"Live Starter\",\"interval\":\"month\",\"unit_amount_cents\":4900,\"status\":\"canceled\",
  \"started_at\":\"$(ts "- interval '3 days'")\",\"ended_at\":\"$(ts "- interval '1 second'")\"}"
check_eq "cancellation accepted" "$(jq -r '.updated' <<<"$BODY")" 1
M=$(await cs1 ".type == \"churn_alert\" and ([.customers[].customer.id] | index($L_B_ID))")
check_eq "churn_alert reaches cs1: B lost 4900" "$(jq -r ".customers[] | select(.customer.id == $L_B_ID) | .mrr_lost_cents" <<<"$M")" 4900
M=$(await ceo '.type == "mrr_updated" and .movement.churn == -4900')
check_num "mrr_updated after the cancellation: previous − 4900" "$(jq '.previous_mrr_cents - .mrr_cents' <<<"$M")" 4900
M=$(await cs1 ".type == \"subscription_changed\" and ([.changes[] | select(.customer.id == $L_B_ID) | .change] | index(\"cancel\"))")
check_eq "subscription_changed says cancel" "$(jq -r ".changes[] | select(.customer.id == $L_B_ID) | .change" <<<"$M")" cancel

# ---- api_calls: three API calls of B, one an error
L_NOW=$(ts "- interval '2 seconds'")
post /api/product/events "{\"batch\":[
  {\"type\":\"track\",\"event\":\"API Call\",\"userId\":\"u1\",\"timestamp\":\"$L_NOW\",\"messageId\":\"tlive-$L_RUN-e1\",\"context\":{\"groupId\":\"$L_B\"},\"properties\":{\"endpoint\":\"/v1/live\",\"status\":200,\"latency_ms\":31}},
  {\"type\":\"track\",\"event\":\"API Call\",\"userId\":\"u1\",\"timestamp\":\"$L_NOW\",\"messageId\":\"tlive-$L_RUN-e2\",\"context\":{\"groupId\":\"$L_B\"},\"properties\":{\"endpoint\":\"/v1/live\",\"status\":200,\"latency_ms\":45}},
  {\"type\":\"track\",\"event\":\"API Call\",\"userId\":\"u1\",\"timestamp\":\"$L_NOW\",\"messageId\":\"tlive-$L_RUN-e3\",\"context\":{\"groupId\":\"$L_B\"},\"properties\":{\"endpoint\":\"/v1/live\",\"status\":503,\"latency_ms\":900}}]}"
check_eq "events accepted" "$(jq -r '.stored' <<<"$BODY")" 3
M=$(await ceo '.type == "api_calls" and ([.calls[].endpoint] | index("/v1/live"))')
check_eq "api_calls reaches the CEO with B's three calls, named" \
  "$(jq -r "[.calls[] | select(.customer_id == $L_B_ID) | \"\(.status):\(.latency_ms):\(.customer)\"] | sort | join(\",\")" <<<"$M")" \
  "200:31:Live B $L_RUN,200:45:Live B $L_RUN,503:900:Live B $L_RUN"
check_num "… requests_last_minute = API calls of the last minute (raw table, at least these 3)" \
  "$(jq '[.requests_last_minute >= 3, .requests_last_minute <= '"$(sql "SELECT count(*) FROM events WHERE type = 'api_call' AND occurred_at > now() - interval '2 minutes'")"'] | all | if . then 1 else 0 end' <<<"$M")" 1
M=$(await cs1 '.type == "api_calls" and ([.calls[].endpoint] | index("/v1/live"))')
check_eq "cs1 hears api_calls (a role of GET /api/product/live), without customer names" \
  "$(jq -r '[.calls[] | select(.endpoint == "/v1/live") | (.customer // "null")] | unique | join(",")' <<<"$M")" "null"

# ---- data_version: the rollups refreshed; everyone hears it, and the cache key holds it
M=$(await sales ".type == \"data_version\" and .data_version > $L_V0")
check_eq "data_version reaches sales, above the version before this file" "$(jq -r ".data_version > $L_V0" <<<"$M")" true
# (the services' refresh jobs keep moving the version: it is read just before and just after the request)
L_VB=$(sql "SELECT data_version FROM live_state")
api GET /api/auth/me "$L_CEO"
L_VA=$(sql "SELECT data_version FROM live_state")
L_VM=$(jq -r '.data_version' <<<"$BODY")
check_eq "GET /api/auth/me reports the current data version (the one of the moment it answered: $L_VB ≤ $L_VM ≤ $L_VA)" \
  "$(jq -n --argjson v "$L_VM" "$L_VB <= \$v and \$v <= $L_VA")" true
L_AS=$(sql "SELECT ns_today() - 3")
T_CACHE=1 api GET "/api/revenue/summary?as_of=$L_AS" "$L_CEO" -H "X-Data-Version: 1$L_RUN"
T_CACHE=1 api GET "/api/revenue/summary?as_of=$L_AS" "$L_CEO" -H "X-Data-Version: 1$L_RUN"
check_eq "cache: the same data version is served from the cache" "$(header X-Cache-Status)" HIT
T_CACHE=1 api GET "/api/revenue/summary?as_of=$L_AS" "$L_CEO" -H "X-Data-Version: 2$L_RUN"
check_eq "cache: a newer data version is not (its own key)" "$(header X-Cache-Status)" MISS

# ---- role and row scope over everything received
check_empty "sales heard no customer-level message" "$(msgs sales | jq -r 'select(.type | IN("new_signup","subscription_changed","payment_received","churn_alert","api_calls")) | .type')"
check_empty "cs2 heard nothing about cs1's customer B" "$(msgs cs2 | grep -F "Live B $L_RUN")"
check_empty "cs2 heard no customer it does not own" \
  "$(msgs cs2 | jq -r '(.customers // [])[], (.changes // [])[], (.payments // [])[] | (.customer // .) | .id' | while read -r id; do
       [ "$(sql "SELECT cs_owner_id FROM customers WHERE id = $id")" = "$(sql "SELECT id FROM app_users WHERE email = 'cs2@northstar.example'")" ] || echo "$id"; done)"
check_empty "cs1 heard nothing of A (no owner: the CEO's only)" "$(msgs cs1 | grep -F "Live A $L_RUN")"

# ---- a revoked session stops receiving at once: logout moves token_version, the publisher deletes
# the user's channel (a kick), the stream ends although messages flow (the re-check timer, 5 s
# here, restarts with each message); its subscriber reconnects as a browser would, is refused,
# and hears nothing published after that
# (a user of its own: logout ends every session of its user, and the other files share the demo users')
L_PW=$(L_ADMIN user add "tlive-$L_RUN@northstar.example" ceo "Live Test" 2>/dev/null)
defer "sql \"DELETE FROM app_users WHERE email = 'tlive-$L_RUN@northstar.example'\""
L_TMP=$(curl -s -X POST -H 'Content-Type: application/json' -d "{\"email\":\"tlive-$L_RUN@northstar.example\",\"password\":\"$L_PW\"}" \
  "$L_URL/api/auth/login" | jq -r '.token // empty')
[ -n "$L_TMP" ] && ok "a CEO user of this file's own signs in" || not_ok "a CEO user of this file's own signs in"
subscribe revoked "$L_TMP" 40
sleep 1
api POST /api/auth/logout "$L_TMP"
check_status "logout revokes the session" 200
L_T0=$(date +%s%N)
for _ in $(seq 1 30); do grep -q '^# HTTP 401' "$L_DIR/revoked" && break; sleep 0.1; done
L_MS=$(( ($(date +%s%N) - L_T0) / 1000000 ))
if grep -q '^# HTTP 401' "$L_DIR/revoked"; then ok "the revoked session's stream ended and its reconnection was refused ${L_MS} ms after the logout (under 3 s, before the 5 s re-check)"
else not_ok "the revoked session's stream ends within 3 s of the logout" "$(cat "$L_DIR/revoked" | head -5)"; fi
post /api/revenue/customers "[{\"external_id\":\"tlive-$L_RUN-c\",\"name\":\"Live C $L_RUN\",\"signup_at\":\"$(ts "- interval '1 second'")\"}]"
await ceo ".type == \"new_signup\" and ([.customers[].name] | index(\"Live C $L_RUN\"))" >/dev/null \
  && ok "a valid CEO session hears the signup made after the logout" || not_ok "a valid CEO session hears the signup made after the logout"
sleep 1
check_empty "the revoked session's subscriber did not" "$(msgs revoked new_signup | grep -F "Live C $L_RUN")"
api GET /api/live "$L_TMP" -H 'Accept: text/event-stream'
check_error "… as is any request with the revoked token" 401 unauthorized

# ---- the role channels are the roles of the routes that show the same figures (docs/access.md)
l_roles() { awk -F'|' -v r="\`$1\`" '$3 ~ r {o=""; if ($4 ~ /✓/) o=o "ceo,"; if ($5 ~ /✓/) o=o "cs,"; if ($6 ~ /✓/) o=o "sales,"; print o}' "$ROOT/docs/access.md" | sed 's/,$//'; }
for r in /api/revenue/mrr /api/product/live; do
  check_eq "channels of $r's figures = its roles in docs/access.md" \
    "$(sql "SELECT string_agg(r, ',' ORDER BY r) FROM unnest(live_route_roles('$r')) r")" "$(l_roles "$r")"
done
# … and exactly the enabled users of those roles get such a message
for r in /api/revenue/mrr /api/product/live; do
  check_eq "the users that hear $r's figures are the enabled users of its roles" \
    "$(sql "SELECT string_agg(c, ',' ORDER BY c) FROM live_route_channels('$r') c")" \
    "$(sql "SELECT string_agg('user:' || id, ',' ORDER BY 'user:' || id) FROM app_users WHERE NOT disabled AND role = ANY (live_route_roles('$r'))")"
done

kill "$L_WS" 2>/dev/null
for f in "$L_DIR"/*.pid; do kill "$(cat "$f")" 2>/dev/null; done
done_testing
