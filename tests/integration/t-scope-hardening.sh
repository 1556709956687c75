# t-scope-hardening.sh — issue 20's row scope, webhook targets, CSRF and input-encoding findings
# (docs/reliability.md, "Row scope, webhooks, CSRF, input encoding"): another owner's customer
# answers like a missing one; a webhook to a private address is refused when saved and when
# delivered; the CSRF check compares the whole origin (or NS_PUBLIC_ORIGIN); invalid UTF-8 anywhere is a 400 in our
# words, never PostgreSQL's; churn-risk follows a change of owner at the next request.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
S_RUN=$$-$RANDOM
CEO=$(login ceo@northstar.example); CS1=$(login cs1@northstar.example); CS2=$(login cs2@northstar.example)
CS1_ID=$(sql "SELECT id FROM app_users WHERE email = 'cs1@northstar.example'")
CS2_ID=$(sql "SELECT id FROM app_users WHERE email = 'cs2@northstar.example'")

# PostgreSQL's own words, which must never reach a client.
pg_text() { grep -Eio 'byte sequence|UTF8|SQLSTATE|ERROR:|invalid input syntax|unsupported Unicode|violates|duplicate key' <<<"$BODY" | head -1; }

# ------------------------------------------------------------------ row scope by id
# cs1 asks for a customer of cs2's and for one that does not exist: the same status, code and
# message (the id aside), so the answer does not confirm which ids exist.
OTHER=$(sql "SELECT min(id) FROM customers WHERE cs_owner_id = $CS2_ID")
MISSING=$(sql "SELECT max(id) + 1000 FROM customers")
api GET "/api/users/customers/$OTHER" "$CS1"; s_other="$STATUS $(jq -c .error <<<"$BODY" | sed "s/\b$OTHER\b/N/g")"
check_error "row scope: another owner's customer is a 404" 404 not_found
api GET "/api/users/customers/$MISSING" "$CS1"; s_missing="$STATUS $(jq -c .error <<<"$BODY" | sed "s/\b$MISSING\b/N/g")"
check_eq "row scope: another owner's customer and a missing one answer alike" "$s_other" "$s_missing"
check_eq "row scope: the message says what is not there" "$(jq -r .error.message <<<"$BODY")" \
  "no customer $MISSING that you can see"
api GET "/api/users/customers/$OTHER" "$CS2"
check_status "row scope: its own manager opens it" 200

# The alert routes by id answer alike too: a temporary alert on that customer of cs2's, under a
# rule whose audience holds cs, is a 404 for cs1 on GET, ack and resolve, as a missing alert is.
A_RULE=$(sql "SELECT min(id) FROM alert_rules WHERE 'cs' = ANY (audience)")
A_ID=$(sql "INSERT INTO alerts (rule_id, subject_type, subject_key, customer_id, severity, title, threshold,
              comparison, unit, window_from, window_to, opened_at, last_evaluated_at)
            VALUES ($A_RULE, 'customer', '$OTHER', $OTHER, 'info', 't-scope $S_RUN', 1, '>', 'count',
              now() - interval '1 day', now(), now(), now()) RETURNING id")
defer "sql \"DELETE FROM alerts WHERE id = $A_ID\""
A_MISSING=$(sql "SELECT max(id) + 1000 FROM alerts")
a_same=()
for r in "GET /api/alerts/%s" "POST /api/alerts/%s/ack" "POST /api/alerts/%s/resolve"; do
  api ${r%% *} "$(printf "${r#* }" "$A_ID")" "$CS1"; a1="$STATUS $(jq -c .error <<<"$BODY" | sed "s/\b$A_ID\b/N/g")"
  api ${r%% *} "$(printf "${r#* }" "$A_MISSING")" "$CS1"; a2="$STATUS $(jq -c .error <<<"$BODY" | sed "s/\b$A_MISSING\b/N/g")"
  [ "$a1" = "$a2" ] && [ "${a1%% *}" = 404 ] || a_same+=("$r: $a1 | $a2")
done
if [ "${#a_same[@]}" -eq 0 ]; then ok "row scope: another owner's customer alert and a missing alert answer alike (GET, ack, resolve: 404)"
else not_ok "row scope: another owner's customer alert and a missing alert answer alike" "$(printf '%s\n' "${a_same[@]}")"; fi
api GET "/api/alerts/$A_ID" "$CS2"
check_status "row scope: the customer's own manager opens that alert" 200

# ------------------------------------------------------------------ CSRF: the whole origin
# A fresh sales2 session in the cookie (logout ends all of sales2's sessions: the cached token goes).
s_tok=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"email":"sales2@northstar.example","password":"northstar-demo"}' \
  "http://127.0.0.1:$T_PORT/api/auth/login" | jq -r '.token // empty')
defer 'rm -f "$T_TMP/token-sales2@northstar.example"'
api POST /api/auth/logout "" -H "Cookie: ns_session=$s_tok" -H "Origin: https://127.0.0.1:$T_PORT"
check_error "CSRF: an Origin with the right host and port but another scheme is refused" 403 forbidden
check_error_names "CSRF: the refusal says the scheme counts" "http://"
api POST /api/auth/logout "" -H "Cookie: ns_session=$s_tok" -H "Origin: http://127.0.0.1:$((T_PORT + 1))"
check_error "CSRF: another port is refused" 403 forbidden
api GET /api/auth/me "" -H "Cookie: ns_session=$s_tok"
check_status "CSRF: the refused POSTs did not end the session" 200
api POST /api/auth/logout "" -H "Cookie: ns_session=$s_tok" -H "Origin: http://127.0.0.1:$T_PORT"
check_status "CSRF: the exact origin (scheme, host, port) is accepted" 200
rm -f "$T_TMP/token-sales2@northstar.example"

# ------------------------------------------------------------------ input encoding
# %FF (a lone 0xff byte once decoded) in every declared parameter of every GET route a signed-in
# role may open: each a 400 naming the parameter, none in PostgreSQL's words.
declare -A TOK=([ceo]=$CEO [cs]=$CS1)
sweep_n=0; sweep_bad=()
while IFS=$'\t' read -r svc method path roles cache params rest; do
  [ "$method" = GET ] || continue
  case "$path" in *"{id}"*|/api/auth/live) continue;; esac
  case "$roles" in *ceo*) tok=${TOK[ceo]};; *cs*) tok=${TOK[cs]};; *) continue;; esac
  for p in ${params//,/ }; do
    p=${p%%:*}
    [ -n "$p" ] && [ "$p" != - ] || continue
    sweep_n=$((sweep_n + 1))
    api GET "$path?$p=%FF" "$tok"
    # (bash patterns, not jq and grep: ~160 requests stay quick)
    if [ "$STATUS" != 400 ] || [[ ${BODY,,} =~ byte\ sequence|utf8|sqlstate|error:|invalid\ input\ syntax ]] ||
       [[ $BODY != *'"code":"bad_request"'* ]] || [[ $BODY != *"parameter '$p'"* ]]; then
      sweep_bad+=("$path?$p=%FF → $STATUS ${BODY:0:160}")
    fi
  done
done < <(for s in revenue users marketing product alerts forecast; do "${NS_BUILD:-$ROOT/build}/$s" --routes; done)
if [ "$sweep_n" -ge 40 ] && [ "${#sweep_bad[@]}" -eq 0 ]; then
  ok "encoding: %FF in each of $sweep_n parameters is a 400 naming it, in our words"
else not_ok "encoding: %FF in every parameter is a 400 naming it ($sweep_n tried)" "$(printf '%s\n' "${sweep_bad[@]:0:8}")"; fi
api GET "/api/revenue/trend?days=7&%FF=1" "$CEO"
check_error "encoding: an invalid UTF-8 parameter name is a 400" 400 bad_request

# A JSON body with invalid UTF-8 inside a string: the CEO's rule update, a signed-in RUM beacon.
RULE=$(sql "SELECT min(id) FROM alert_rules")
api PUT "/api/alerts/rules/$RULE" "$CEO" -H 'Content-Type: application/json' \
  --data-binary $'{"severity":"warn\xffing"}'
check_error "encoding: invalid UTF-8 in a JSON body is a 400" 400 bad_request
check_error_names "encoding: the refusal names the body and says what to send" "body is not valid UTF-8"
check_empty "encoding: no PostgreSQL text in that answer" "$(pg_text)"
api POST /api/product/rum "$CS1" -H 'Content-Type: application/json' \
  --data-binary $'{"view":"\xc0\xafrevenue","load_ms":10}'
check_error "encoding: an overlong UTF-8 form in a beacon body is a 400" 400 bad_request
check_empty "encoding: no PostgreSQL text in that answer" "$(pg_text)"
# Valid UTF-8 that PostgreSQL cannot store (\u0000 in jsonb text): the database refuses it, and
# the client hears our words, not PostgreSQL's.
api PUT "/api/alerts/rules/$RULE" "$CEO" -H 'Content-Type: application/json' \
  --data-binary '{"severity":"warn\u0000ing"}'
check_error "encoding: a \\u0000 escape in a JSON body is a 400" 400 bad_request
check_empty "encoding: PostgreSQL's refusal is answered in our words" "$(pg_text)"
# An ingestion batch (an API key) with invalid UTF-8, and the key header itself mis-encoded.
S_ADMIN() { NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=postgres" \
  "${NS_BUILD:-$ROOT/build}/northstar-admin" "$@"; }
S_KEY=$(S_ADMIN key add "t-scope-$S_RUN" ingest:support 2>/dev/null)
defer 'S_ADMIN key revoke "t-scope-$S_RUN"'
api POST /api/users/tickets "" -H "Authorization: Bearer $S_KEY" -H 'Content-Type: application/json' \
  --data-binary $'[{"id":"t-scope-'"$S_RUN"$'","customer_id":1,"subject":"caf\xe9","opened_at":"2026-01-01T00:00:00Z"}]'
check_error "encoding: invalid UTF-8 in an ingestion batch is a 400" 400 bad_request
check_empty "encoding: no PostgreSQL text in that answer" "$(pg_text)"
# Valid UTF-8 and valid JSON that PostgreSQL refuses itself (\u0000 cannot be stored in jsonb):
# its SQLSTATE 22P05 is answered with our sentence for it, not its message.
api POST /api/users/tickets "" -H "Authorization: Bearer $S_KEY" -H 'Content-Type: application/json' \
  --data-binary '[{"id":"t-scope-'"$S_RUN"'","customer_id":1,"subject":"a\u0000b","opened_at":"2026-01-01T00:00:00Z"}]'
check_error "encoding: a \\u0000 PostgreSQL cannot store is a 400" 400 bad_request
check_empty "encoding: PostgreSQL's own refusal is not passed on" "$(pg_text)"
check_error_names "encoding: the answer says what cannot be stored, in our words" "cannot be stored"
api POST /api/users/tickets "" -H $'Authorization: Bearer nsk_\xff\xfe' -H 'Content-Type: application/json' -d '[]'
check_error "encoding: a mis-encoded key in the Authorization header is a 401" 401 unauthorized
check_empty "encoding: no PostgreSQL text in that answer" "$(pg_text)"

# ------------------------------------------------------------------ webhook targets (SSRF)
# This stack allows exactly 127.0.0.1/32 (NS_WEBHOOK_ALLOW_PRIVATE, run.sh: the other tests'
# receivers); every other private, loopback or link-local target is refused.
W_RULE=$(sql "SELECT min(id) FROM alert_rules")
W_OLD=$(sql "SELECT coalesce(webhook_url, '<none>') FROM alert_rules WHERE id = $W_RULE")
w_restore() { sql "UPDATE alert_rules SET webhook_url = nullif(\$q\$$W_OLD\$q\$, '<none>') WHERE id = $W_RULE" >/dev/null; }
defer w_restore
w_put() { api PUT "/api/alerts/rules/$W_RULE" "$CEO" -H 'Content-Type: application/json' --data-binary "$1"; }
w_bad=()
for u in http://127.0.0.2:9/hook http://10.1.2.3/hook http://172.16.0.1/hook http://192.168.1.1/hook \
         http://169.254.169.254/latest/meta-data http://100.64.0.1/hook http://0.0.0.0:9/hook \
         http://2130706434/hook 'http://[::1]:9/hook' 'http://[fc00::1]/hook' 'http://[fd12:3456::1]/hook' \
         'http://[fe80::1]/hook' 'http://[::ffff:10.0.0.1]/hook' 'http://[::ffff:127.0.0.2]/hook' \
         'http://[64:ff9b::a00:1]/hook' 'https://[::]/hook'; do
  w_put "{\"webhook_url\":\"$u\"}"
  jq -e '.error.code == "bad_request" and (.error.message | startswith("webhook_url") and contains("NS_WEBHOOK_ALLOW_PRIVATE"))' \
    <<<"$BODY" >/dev/null 2>&1 && [ "$STATUS" = 400 ] || w_bad+=("$u → $STATUS ${BODY:0:160}")
done
if [ "${#w_bad[@]}" -eq 0 ]; then ok "webhooks: 16 private, loopback and link-local targets (IPv4, IPv6, mapped) are refused when saved: 400 naming webhook_url and the setting that allows them"
else not_ok "webhooks: private targets are refused when saved" "$(printf '%s\n' "${w_bad[@]}")"; fi
check_eq "webhooks: the refused targets were not stored" \
  "$(sql "SELECT coalesce(webhook_url, '<none>') FROM alert_rules WHERE id = $W_RULE")" "$W_OLD"
w_put '{"webhook_url":"http://203.0.113.7/hook","webhook_url":"http://127.0.0.2:9/hook"}'
check_error "webhooks: a repeated webhook_url key cannot hide a private target behind a public one" 400 bad_request
w_put '{"webhook_url":"http://203.0.113.7/hook"}'
check_status "webhooks: a public target is saved" 200
w_put '{"webhook_url":"http://127.0.0.1:9/hook"}'
check_status "webhooks: the allowed 127.0.0.1/32 is saved" 200
w_restore

# At delivery (the target may have been stored before, by SQL, or resolve elsewhere now): two
# queued webhooks, one to a receiver on 127.0.0.2 (refused: nothing arrives), one to a receiver on
# 127.0.0.1 (allowed: it arrives).
W=$T_TMP/scope-wh-$S_RUN; mkdir -p "$W"
node "$ROOT/tests/alerts/webhook-receiver.js" "$W/bad.port" "$W/bad.log" 0 60 127.0.0.2 & W_P1=$!
node "$ROOT/tests/alerts/webhook-receiver.js" "$W/good.port" "$W/good.log" 0 60 127.0.0.1 & W_P2=$!
defer "kill $W_P1 $W_P2"
for _ in $(seq 1 50); do [ -s "$W/bad.port" ] && [ -s "$W/good.port" ] && break; sleep 0.1; done
defer "sql \"DELETE FROM alert_deliveries WHERE subject = 't-scope $S_RUN'\""
W_BAD=$(sql "INSERT INTO alert_deliveries (report_kind, report_period, channel, target, subject, body)
             VALUES ('daily', '1901-01-01', 'webhook', 'http://127.0.0.2:$(cat "$W/bad.port")/ssrf', 't-scope $S_RUN', '{}')
             RETURNING id")
W_GOOD=$(sql "INSERT INTO alert_deliveries (report_kind, report_period, channel, target, subject, body)
              VALUES ('daily', '1901-01-02', 'webhook', 'http://127.0.0.1:$(cat "$W/good.port")/ok', 't-scope $S_RUN', '{}')
              RETURNING id")
sql "NOTIFY ns_deliveries" >/dev/null
for _ in $(seq 1 100); do
  [ "$(sql "SELECT count(*) FROM alert_deliveries WHERE id IN ($W_BAD, $W_GOOD) AND attempts > 0
             AND (status = 'sent' OR last_error IS NOT NULL)")" = 2 ] && break; sleep 0.1
done
check_eq "webhooks: a queued webhook to 127.0.0.2 is refused when delivered, saying why" \
  "$(sql "SELECT status <> 'sent' AND last_error LIKE 'refused: the URL goes to 127.0.0.2, a private%NS_WEBHOOK_ALLOW_PRIVATE%' FROM alert_deliveries WHERE id = $W_BAD")" t
check_empty "webhooks: the receiver on 127.0.0.2 got nothing" "$(cat "$W/bad.log" 2>/dev/null)"
check_eq "webhooks: the one to the allowed 127.0.0.1 is sent" \
  "$(sql "SELECT status FROM alert_deliveries WHERE id = $W_GOOD")" sent
check_num "webhooks: the receiver on 127.0.0.1 got it once" "$(grep -c . "$W/good.log" 2>/dev/null || echo 0)" 1

# ------------------------------------------------------------------ churn risk follows the owner
# Both instances answer several times before and after a customer of cs1's is given to cs2: every
# answer after the change has it in cs2's list and not in cs1's (no cache age in between), and
# given back, in cs1's again.  Warm-up first, until each user had 4 answers in a row (the first
# requests of an instance may train the model): both instances then hold the rows they score.
churn_ids() {  # churn_ids TOKEN — the scored customer ids as a JSON array, or ERR
  api GET "/api/forecast/churn-risk?limit=500" "$1"
  if [ "$STATUS" = 200 ]; then jq -c '[.customers[].customer_id]' <<<"$BODY"; else echo ERR; fi
}
churn_tally() {  # churn_tally TOKEN CUSTOMER N — "has H of N, E errors"
  local h=0 e=0 ids
  for _ in $(seq 1 "$3"); do
    ids=$(churn_ids "$1")
    if [ "$ids" = ERR ]; then e=$((e + 1))
    elif jq -e --argjson c "$2" 'index($c) != null' <<<"$ids" >/dev/null; then h=$((h + 1)); fi
  done
  echo "has $h of $3, $e errors"
}
run=0
for _ in $(seq 1 40); do
  if [ "$(churn_ids "$CS1")" != ERR ] && [ "$(churn_ids "$CS2")" != ERR ]; then run=$((run + 1)); else run=0; fi
  [ "$run" -ge 4 ] && break
done
MOVED=$(churn_ids "$CS1" | jq '.[0] // empty' 2>/dev/null)
if [ "$run" -ge 4 ] && [ -n "$MOVED" ]; then
  defer "sql \"UPDATE customers SET cs_owner_id = $CS1_ID WHERE id = $MOVED\""
  sql "UPDATE customers SET cs_owner_id = $CS2_ID WHERE id = $MOVED" >/dev/null
  check_eq "churn-risk: the old owner no longer sees the customer given away (6 calls)" \
    "$(churn_tally "$CS1" "$MOVED" 6)" "has 0 of 6, 0 errors"
  check_eq "churn-risk: the new owner sees it at once (6 calls)" "$(churn_tally "$CS2" "$MOVED" 6)" "has 6 of 6, 0 errors"
  sql "UPDATE customers SET cs_owner_id = $CS1_ID WHERE id = $MOVED" >/dev/null
  check_eq "churn-risk: given back, the old owner sees it again at once (6 calls)" \
    "$(churn_tally "$CS1" "$MOVED" 6)" "has 6 of 6, 0 errors"
  check_eq "churn-risk: and the other owner no longer does (6 calls)" \
    "$(churn_tally "$CS2" "$MOVED" 6)" "has 0 of 6, 0 errors"
else
  not_ok "churn-risk: cs1 and cs2 get answers, cs1 has a scored customer to give away" "${BODY:0:300}"
fi

# ------------------------------------------------------------------ CSRF behind a TLS proxy
# With NS_PUBLIC_ORIGIN (a proxy in front terminates TLS) the Origin must be exactly that one:
# the request's own http://host:port is then refused.  The services as the stack started them
# come back in a defer, however this file ends.
defer '"$ROOT/scripts/stack.sh" services-restart "$T_DIR"'
NS_PUBLIC_ORIGIN=https://dash.example.test "$ROOT/scripts/stack.sh" services-restart "$T_DIR" >/dev/null 2>&1
p_tok=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"email":"sales2@northstar.example","password":"northstar-demo"}' \
  "http://127.0.0.1:$T_PORT/api/auth/login" | jq -r '.token // empty')
api POST /api/auth/logout "" -H "Cookie: ns_session=$p_tok" -H "Origin: http://127.0.0.1:$T_PORT"
check_error "CSRF: with NS_PUBLIC_ORIGIN the request's own origin is refused" 403 forbidden
check_error_names "CSRF: the refusal names the origin to send" "https://dash.example.test"
api POST /api/auth/logout "" -H "Cookie: ns_session=$p_tok" -H "Origin: https://dash.example.test"
check_status "CSRF: with NS_PUBLIC_ORIGIN that origin is accepted" 200
rm -f "$T_TMP/token-sales2@northstar.example"

done_testing
