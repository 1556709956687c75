# t-headers.sh — nginx's security headers (nginx/security-headers.conf) on every kind of response:
# pages, static assets, API answers (cached, uncached, streamed), the services' errors and
# nginx's own.  Each header exactly once: the app's Content-Security-Policy for pages, a policy
# that allows nothing under /api/.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

H_PAGE_CSP="default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
H_API_CSP="default-src 'none'; frame-ancestors 'none'"
H_CEO=$(login ceo@northstar.example)
# h_check WHAT CSP — the four headers of the last api call, each once, with these values
h_check() {
  local got n
  n=$(grep -ciE '^(content-security-policy|x-content-type-options|referrer-policy|x-frame-options):' "$HEADERS")
  got="$(header Content-Security-Policy)|$(header X-Content-Type-Options)|$(header Referrer-Policy)|$(header X-Frame-Options)|$n"
  check_eq "headers: $1 (HTTP $STATUS)" "$got" "$2|nosniff|no-referrer|DENY|4"
}

api GET /
h_check "the app page" "$H_PAGE_CSP"
api GET /revenue/overview
h_check "a client-side route (index.html)" "$H_PAGE_CSP"
H_ASSET=$(find "$ROOT/web/dist/assets" -maxdepth 1 -type f -name '*.js' 2>/dev/null | head -1)
if [ -n "$H_ASSET" ]; then
  api GET "/assets/$(basename "$H_ASSET")"
  h_check "a static asset" "$H_PAGE_CSP"
  check_eq "headers: the asset keeps its one immutable cache header" \
    "$(grep -ci '^cache-control:' "$HEADERS") $(header Cache-Control)" "1 public, max-age=31536000, immutable"
else not_ok "headers: a static asset" "no web/dist/assets/*.js (make web)"; fi

api GET /api/users/health
h_check "an API answer" "$H_API_CSP"
T_CACHE=1 api GET "/api/alerts/summary" "$H_CEO"
h_check "an API answer through the cache" "$H_API_CSP"
check_eq "headers: the cache status is still there" "$([ -n "$(header X-Cache-Status)" ] && echo yes)" yes
api GET /api/alerts
h_check "a service's 401" "$H_API_CSP"
api POST /api/auth/logout
h_check "an /api/auth/ answer" "$H_API_CSP"
api GET /api/nowhere
h_check "nginx's own API 404" "$H_API_CSP"
head -c 70000 /dev/zero | tr '\0' 'x' >"$T_TMP/big-body"
api PUT /api/alerts/rules/1 "$H_CEO" -H 'Content-Type: application/json' --data-binary @"$T_TMP/big-body"
h_check "nginx's 413 for a large body" "$H_API_CSP"
HEADERS=$T_TMP/stream-headers
curl -s -N --max-time 1 -D "$HEADERS" -o /dev/null -H 'Accept: text/event-stream' -H "Authorization: Bearer $H_CEO" "http://127.0.0.1:$T_PORT/api/live"
STATUS=$(head -1 "$HEADERS" | cut -d' ' -f2)
h_check "the live stream (nchan)" "$H_API_CSP"
# nginx can neither read nor write its cache (a cacheable answer not asked for before: a random
# day): the answer still arrives whole, with its headers (from the backend, or again from
# @uncached while the cache is cold)
H_CACHE=$T_DIR/cache; [ -L "$T_DIR/shared" ] && H_CACHE=$T_DIR/shared/cache   # (see stack.sh shared_dirs)
H_DAY=2024-0$((RANDOM % 9 + 1))-$((RANDOM % 18 + 10))
defer "chmod 755 \"$H_CACHE\""   # also if this file dies here: the later files need the cache
chmod 000 "$H_CACHE"
T_CACHE=1 api GET "/api/revenue/summary?as_of=$H_DAY" "$H_CEO"
chmod 755 "$H_CACHE"
h_check "an API answer while the cache directory is unwritable" "$H_API_CSP"
check_eq "headers: that answer is whole (the summary of $H_DAY)" "$(jq -r '.as_of' <<<"$BODY" 2>/dev/null)" "$H_DAY"
check_eq "headers: and says it was not served from the cache" "$(header X-Cache-Status | grep -cE '^(MISS|BYPASS)$')" 1

done_testing
