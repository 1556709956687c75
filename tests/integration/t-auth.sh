# t-auth.sh — sign-in, sessions, the access matrix and the response cache.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
U=http://127.0.0.1:$T_PORT
login_raw() {  # login_raw EMAIL PASSWORD — sets STATUS, BODY, HEADERS
  api POST /api/auth/login "" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$2\"}"
}

login_raw ceo@northstar.example northstar-demo
check_status "the CEO signs in" 200
# the session's cookie (a browser without a device cookie also gets ns_device: t-signin-limit.sh)
cookie=$(grep -i '^Set-Cookie: ns_session=' "$HEADERS" | head -1 | cut -d' ' -f2- | tr -d '\r')
case "$cookie" in *ns_session=*HttpOnly*SameSite=Strict*) ok "the session cookie is HttpOnly and SameSite=Strict";;
  *) not_ok "the session cookie is HttpOnly and SameSite=Strict" "$cookie";; esac
case "$cookie" in *"Path=/"*) ok "the session cookie is for the whole site";; *) not_ok "cookie Path=/" "$cookie";; esac
check_eq "login returns the user's role" "$(jq -r .user.role <<<"$BODY")" ceo
check_eq "login says when the token expires" "$(jq -r '.expires_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")' <<<"$BODY")" true
check_eq "a login answer is never cached" "$(header Cache-Control)" "no-store"

login_raw ceo@northstar.example wrong-password; wrong_pw=$BODY
check_error "a wrong password is a 401" 401 unauthorized
login_raw nobody@northstar.example northstar-demo
check_error "an unknown e-mail is a 401" 401 unauthorized
check_eq "wrong e-mail and wrong password say the same thing" "$BODY" "$wrong_pw"
api POST /api/auth/login "" -H 'Content-Type: application/json' -d 'not json'
check_error "a non-JSON login body is a 400" 400 bad_request
api POST /api/auth/login "" -H 'Content-Type: text/plain' -d '{}'
check_error "a login body that is not JSON-typed is a 415" 415 unsupported_media_type
if grep -q 'failed login for nobody@northstar.example from 127.0.0.1' "$T_DIR/logs/users.log"; then
  ok "failed logins are logged with the client address"; else not_ok "failed logins are logged with the client address"; fi

# The cookie works on its own, as the browser sends it.
tok=$(jq -r .token <<<"$(curl -s -X POST -H 'Content-Type: application/json' \
      -d '{"email":"cs1@northstar.example","password":"northstar-demo"}' $U/api/auth/login)")
api GET /api/auth/me "" -H "Cookie: ns_session=$tok"
check_status "the session cookie authenticates" 200
check_eq "me tells a CS manager's role" "$(jq -r .role <<<"$BODY")" cs
check_eq "a CS manager may open customers, product, forecast, alerts, operations" \
  "$(jq -c .views <<<"$BODY")" '["customers","product","forecast","alerts","operations"]'
api GET /api/auth/me "$(login sales1@northstar.example)"
check_eq "a sales rep may open revenue, sales, alerts" "$(jq -c .views <<<"$BODY")" '["revenue","sales","alerts"]'
# the test stack runs with the default NS_CURRENCY, USD, set on its database by stack.sh
check_eq "me tells the reporting currency (the app's money symbol): the database's, USD" \
  "$(jq -r .currency <<<"$BODY")/$(sql "SELECT current_setting('northstar.currency')")" "USD/USD"

api GET /api/auth/me "" -H "Cookie: NS_SESSION=forged; ns_session=$tok"
check_error "a Cookie header naming the session twice (any case) is refused" 401 unauthorized
api GET /api/auth/me "" -H "Authorization: Bearer garbage.token.here"
check_error "a garbage token is a 401" 401 unauthorized
api GET /api/auth/me "" -H "Authorization: Bearer $tok" -H "Cookie: ns_session=garbage"
check_status "the Authorization header wins over a cookie" 200

# CSRF: a cookie-authenticated POST must come from our own origin.
api POST /api/auth/logout "" -H "Cookie: ns_session=$tok" -H "Origin: http://evil.example"
check_error "a cross-site POST with the cookie is refused" 403 forbidden
api GET /api/auth/me "" -H "Cookie: ns_session=$tok"
check_status "the refused cross-site POST did not end the session" 200
api POST /api/auth/logout "" -H "Cookie: ns_session=$tok"
check_error "a cookie POST without an Origin is refused" 403 forbidden
api POST /api/auth/logout "" -H "Cookie: ns_session=$tok" -H "Origin: http://127.0.0.1:$T_PORT"
check_status "a cookie POST from our own origin (host and port) is accepted" 200
rm -f "$T_TMP/token-cs1@northstar.example"   # that logout ended every cs1 session

# The access matrix: every GET route of every service × every role,
# read from the services' own routing tables (build/<svc> --routes).
declare -A TOKEN=([ceo]=$(login ceo@northstar.example) [cs]=$(login cs1@northstar.example) [sales]=$(login sales1@northstar.example))
matrix_ok=0; matrix_bad=()
while IFS=$'\t' read -r svc method path roles cache params csvkey sqltext; do
  [ "$method" = GET ] || continue
  case "$path" in *"{id}"*|/api/auth/live) continue;; esac   # /api/auth/live: internal to nginx (t-live.sh)
  [ "$roles" = public ] && continue
  api GET "$path"
  [ "$STATUS" = 401 ] || matrix_bad+=("$path anonymous: $STATUS")
  for role in ceo cs sales; do
    api GET "$path" "${TOKEN[$role]}"
    if [[ ",$roles" == *",$role,"* ]]; then
      case "$STATUS" in 2??|422) matrix_ok=$((matrix_ok + 1));; *) matrix_bad+=("$path as $role: $STATUS ${BODY:0:120}");; esac
    else
      if [ "$STATUS" = 403 ] && [ "$(jq -c 'keys' <<<"$BODY")" = '["error"]' ]; then matrix_ok=$((matrix_ok + 1))
      else matrix_bad+=("$path as $role should be 403 with only an error: $STATUS ${BODY:0:120}"); fi
    fi
  done
done < <(for s in revenue users marketing product alerts forecast; do "${NS_BUILD:-$ROOT/build}/$s" --routes; done)
if [ "${#matrix_bad[@]}" = 0 ] && [ "$matrix_ok" -gt 0 ]; then
  ok "access matrix: all $matrix_ok route × role cells answer as declared"
else not_ok "access matrix: every route × role answers as declared" "$(printf '%s; ' "${matrix_bad[@]}")"; fi

# The cache never serves one principal's answer to another.
cache_path=""
while IFS=$'\t' read -r svc method path roles cache params csvkey sqltext; do
  [ "$method" = GET ] && [ "$cache" -gt 0 ] && [ "$roles" = "ceo," ] \
    && [[ "$path" != *"{id}"* ]] && { cache_path=$path; break; }
done < <(for s in revenue users marketing product alerts forecast; do "${NS_BUILD:-$ROOT/build}/$s" --routes; done)
fresh=/api/revenue/summary?as_of=2026-01-10
T_CACHE=1 api GET $fresh "${TOKEN[ceo]}"; T_CACHE=1 api GET $fresh "${TOKEN[ceo]}"
check_eq "a repeated CEO request is a cache hit" "$(header X-Cache-Status)" HIT
check_eq "a cacheable answer varies on the credential for browsers" \
  "$(grep -i '^Vary:' "$HEADERS" | cut -d: -f2- | tr -d ' \r' | tr ',' '\n' | grep -c -E '^(Authorization|Cookie)$')" 2
T_CACHE=1 api GET $fresh "${TOKEN[sales]}"
check_eq "the same URL for sales is not served from the CEO's cache entry" "$(header X-Cache-Status)" MISS
T_CACHE=1 api GET $fresh "" -H "Cookie: ns_session=${TOKEN[cs]}"
check_eq "nor for CS by cookie" "$(header X-Cache-Status)" MISS
if [ -n "$cache_path" ]; then
  T_CACHE=1 api GET "$cache_path" "${TOKEN[ceo]}"; T_CACHE=1 api GET "$cache_path" "${TOKEN[ceo]}"
  check_eq "CEO-only $cache_path is cached for the CEO" "$(header X-Cache-Status)" HIT
  T_CACHE=1 api GET "$cache_path" "${TOKEN[cs]}"
  check_error "CS still gets 403 for $cache_path after the CEO warmed the cache" 403 forbidden
  T_CACHE=1 api GET "$cache_path" "" -H "Cookie: ns_session=${TOKEN[sales]}"
  check_error "sales by cookie still gets 403 for $cache_path" 403 forbidden
fi
T_CACHE=1 api GET /api/revenue/summary ""
check_error "no credential gets no cached answer" 401 unauthorized

# Logout ends every session of the user: the token stops working at once,
# cached answers included (the cache key holds the token, and the service
# checks the token version on every miss).
t2=$(jq -r .token <<<"$(curl -s -X POST -H 'Content-Type: application/json' \
     -d '{"email":"sales2@northstar.example","password":"northstar-demo"}' $U/api/auth/login)")
api GET /api/auth/me "$t2"; check_status "a fresh sales2 session works" 200
api POST /api/auth/logout "$t2"
check_status "logout answers 200" 200
case "$(header Set-Cookie)" in *"ns_session=;"*"Max-Age=0"*) ok "logout clears the cookie";; *) not_ok "logout clears the cookie" "$(header Set-Cookie)";; esac
api GET /api/auth/me "$t2"
check_error "the token is refused after logout" 401 unauthorized
api GET "/api/revenue/summary?as_of=2026-01-15" "$t2"
check_error "a revoked token reads no figures" 401 unauthorized
rm -f "$T_TMP/token-sales2@northstar.example"

# Disabling a user (operator CLI) revokes its sessions.
t3=$(login sales2@northstar.example)
api GET /api/auth/me "$t3"; check_status "sales2 signs in again" 200
NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=postgres" \
  "${NS_BUILD:-$ROOT/build}/northstar-admin" disable sales2@northstar.example
api GET /api/auth/me "$t3"
check_error "a disabled user's token is refused" 401 unauthorized
login_raw sales2@northstar.example northstar-demo
check_error "a disabled user cannot sign in" 401 unauthorized
NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=postgres" \
  "${NS_BUILD:-$ROOT/build}/northstar-admin" enable sales2@northstar.example
rm -f "$T_TMP/token-sales2@northstar.example"
list=$(NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=postgres" "${NS_BUILD:-$ROOT/build}/northstar-admin" list)
check_eq "the operator CLI lists the five demo users" "$(grep -c '@northstar.example' <<<"$list")" 5

# docs/access.md is generated from the routing tables and must be current.
if diff <("$ROOT/scripts/access-doc.sh" "${NS_BUILD:-$ROOT/build}") "$ROOT/docs/access.md" >"$T_TMP/access.diff"; then
  ok "docs/access.md matches the routing tables"
else not_ok "docs/access.md matches the routing tables (run scripts/access-doc.sh > docs/access.md)" "$(head -5 "$T_TMP/access.diff")"; fi
done_testing
