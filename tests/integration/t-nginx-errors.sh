# t-nginx-errors.sh — nginx's side of the API (docs/reliability.md "nginx errors, cache keys,
# connection limits"): every error nginx makes itself is the project's JSON error shape with its
# status (400, 404, 405, 413, 414, 429, 502, 503, 504, made happen for real: malformed requests,
# a service's instances stopped, killed or frozen), a restarting service is used again as soon
# as it answers; no credential is written into the cache; no cached answer outlives
# NS_CACHE_MAX_AGE_SECONDS (10 s here, tests/integration/run.sh), however often it is asked for;
# CONN_LIMIT requests in progress from one address, and the next one is a JSON 429 while
# another address is served.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
U=http://127.0.0.1:$T_PORT
CEO=$(login ceo@northstar.example)
# a service's FastCGI socket (in run/fcgi/ once the sockets have their own directory)
sock() { if [ -d "$T_RUN/fcgi" ]; then echo "$T_RUN/fcgi/$1.$2.sock"; else echo "$T_RUN/$1.$2.sock"; fi; }
# both instances of service $1 accept connections again (max 5 s)
both_up() {
  for _ in $(seq 1 100); do
    perl -MIO::Socket::UNIX -e 'exit((IO::Socket::UNIX->new(Peer => $ARGV[0]) && IO::Socket::UNIX->new(Peer => $ARGV[1])) ? 0 : 1)' \
      "$(sock "$1" 1)" "$(sock "$1" 2)" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
# new PIDs in run/$1.{1,2}.pid, other than $2 and $3 (max 10 s)
restarted() {
  local a b
  for _ in $(seq 1 100); do
    a=$(cat "$T_RUN/$1.1.pid" 2>/dev/null); b=$(cat "$T_RUN/$1.2.pid" 2>/dev/null)
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$2" ] && [ "$b" != "$3" ] && return 0
    sleep 0.1
  done
  return 1
}
# retry_after — the Retry-After header of the last answer is a number of seconds ≥ 1
retry_after() { [[ "$(header Retry-After)" =~ ^[1-9][0-9]*$ ]] && echo yes; }

# ---- nginx's own 4xx, each the JSON shape
api GET "/api/revenue/summary?$(printf 'a%.0s' $(seq 1 9000))" "$CEO"
check_error "a URL over 8 KB is a JSON 414" 414 uri_too_long
api GET /api/revenue/summary "$CEO" -H "X-Big: $(printf 'b%.0s' $(seq 1 9000))"
check_error "a header over 8 KB is a JSON 400" 400 bad_request
api GET "/api/revenue/../../../etc/passwd" "$CEO" --path-as-is
check_error "a path above the root is a JSON 400" 400 bad_request
# a request line that is not HTTP at all: nginx answers before it knows any URI
BODY=$(perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new("127.0.0.1:$ARGV[0]") or exit 1;
  print $s "NOT-HTTP\r\n\r\n"; local $/; print <$s>' "$T_PORT" | tr -d '\r')
STATUS=$(head -1 <<<"$BODY" | cut -d' ' -f2); BODY=${BODY#*$'\n\n'}
check_error "a request line that is not HTTP is a JSON 400" 400 bad_request
api TRACE /api/revenue/summary "$CEO"
check_error "TRACE (refused by nginx itself) is a JSON 405" 405 method_not_allowed
api DELETE /api/revenue/summary "$CEO"
check_error "a method a route does not have is the service's JSON 405" 405 method_not_allowed
head -c 70000 /dev/zero | tr '\0' 'x' >"$T_TMP/ne-big"
api PUT /api/alerts/rules/1 "$CEO" -H 'Content-Type: application/json' --data-binary @"$T_TMP/ne-big"
check_error "a body over 64 KB is a JSON 413" 413 payload_too_large
api GET /api/nowhere "$CEO"
check_error "an unknown API path is a JSON 404" 404 not_found
api GET /api/.error/414
check_error "nginx's internal error pages asked from outside are the JSON 404" 404 not_found

# ---- a service down: both marketing instances killed while their supervisors are stopped
S=marketing
sup1=$(cat "$T_RUN/$S.1.supervisor.pid"); sup2=$(cat "$T_RUN/$S.2.supervisor.pid")
p1=$(cat "$T_RUN/$S.1.pid"); p2=$(cat "$T_RUN/$S.2.pid")
defer "kill -CONT $sup1 $sup2"
kill -STOP "$sup1" "$sup2"; kill -KILL "$p1" "$p2"
# (killed, they stay zombies of their stopped supervisors: wait until neither socket accepts)
for _ in $(seq 1 40); do
  perl -MIO::Socket::UNIX -e 'exit((IO::Socket::UNIX->new(Peer => $ARGV[0]) || IO::Socket::UNIX->new(Peer => $ARGV[1])) ? 1 : 0)' \
    "$(sock "$S" 1)" "$(sock "$S" 2)" 2>/dev/null && break
  sleep 0.05
done
api GET /api/marketing/summary "$CEO"
check_error "a service whose instances are both down is a JSON 503" 503 service_unavailable
check_eq "the 503 says when to retry (Retry-After)" "$(retry_after)" yes
kill -CONT "$sup1" "$sup2"
# "a restarting instance does not take its upstream out for longer than it is down": the first
# request once both sockets answer again is served (with max_fails=1 fail_timeout=2s, both were
# still marked failed here: nginx's 502, "no live upstreams")
if restarted "$S" "$p1" "$p2" && both_up "$S"; then
  api GET /api/marketing/summary "$CEO"
  check_status "the first request after the restart (within 1 s of the 503) is served" 200
else not_ok "the supervisors restarted both $S instances" "pids $p1 $p2 → $(cat "$T_RUN/$S".[12].pid 2>/dev/null | tr '\n' ' ')"; fi

# ---- a broken answer: both instances frozen (SIGSTOP) with a request inside, then killed: the
# connection breaks off before the answer — 502, not 503 (an instance was reached).
# bg_get PATH — GET in the background, its headers, body and status in $T_TMP/ne-bg.*
bg_get() {
  curl -s -D "$T_TMP/ne-bg.h" -o "$T_TMP/ne-bg.b" -w '%{http_code}' -H "Authorization: Bearer $CEO" \
    -H 'X-No-Cache: 1' "$U$1" >"$T_TMP/ne-bg.s" &
  BG=$!
}
bg_read() { wait "$BG"; HEADERS=$T_TMP/ne-bg.h; BODY=$(cat "$T_TMP/ne-bg.b"); STATUS=$(cat "$T_TMP/ne-bg.s"); }
p1=$(cat "$T_RUN/$S.1.pid"); p2=$(cat "$T_RUN/$S.2.pid")
defer "kill -CONT $p1 $p2"
kill -STOP "$p1" "$p2"
bg_get /api/marketing/summary
sleep 0.5
kill -KILL "$p1" "$p2"
bg_read
check_error "an instance that dies with the request inside (and the other down) is a JSON 502" 502 bad_gateway
restarted "$S" "$p1" "$p2" && both_up "$S" || not_ok "the supervisors restarted both $S instances again"

# ---- a service that does not answer: both instances frozen for longer than UPSTREAM_TIMEOUT
# (10 s here): 504, once (a timed-out request is not sent to the other instance)
p1=$(cat "$T_RUN/$S.1.pid"); p2=$(cat "$T_RUN/$S.2.pid")
defer "kill -CONT $p1 $p2"
kill -STOP "$p1" "$p2"
api GET /api/marketing/summary "$CEO"
kill -CONT "$p1" "$p2"
check_error "a service that does not answer within UPSTREAM_TIMEOUT is a JSON 504" 504 gateway_timeout
api GET /api/marketing/summary "$CEO"
check_status "the thawed service answers again" 200

# ---- CONN_LIMIT (100 here) requests in progress from 127.0.0.1: bodies announced and never
# sent, each held by nginx (never a service) until client_body_timeout; the next request from
# 127.0.0.1 is a JSON 429, one from 127.0.0.2 is served.
N=${CONN_LIMIT:-100}
HELD=()
defer 'for fd in "${HELD[@]}"; do exec {fd}>&-; done'
for _ in $(seq 1 "$N"); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$T_PORT" || break
  printf 'POST /api/alerts/rules HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{' "$T_PORT" >&"$fd"
  HELD+=("$fd")
done
check_eq "$N slow requests are held open from one address" "${#HELD[@]}" "$N"
# nginx reads each head (they are counted then): the next one is refused (at most 5 s for the
# last heads to be read)
for _ in $(seq 1 50); do api GET /api/users/health; [ "$STATUS" = 429 ] && break; sleep 0.1; done
check_error "request $((N + 1)) in progress from the same address is a JSON 429" 429 too_many_connections
check_eq "the 429 says when to retry (Retry-After)" "$(retry_after)" yes
api GET /api/users/health "" --interface 127.0.0.2
check_status "meanwhile another address (127.0.0.2) is served" 200
for fd in "${HELD[@]}"; do exec {fd}>&-; done; HELD=()
for _ in $(seq 1 50); do api GET /api/users/health; [ "$STATUS" = 200 ] && break; sleep 0.1; done
check_status "once they are closed, the first address is served again" 200

# ---- no credential in the cache: answers cached for several users, by header and by cookie
NE_CACHE=$T_DIR/cache; [ -L "$T_DIR/shared" ] && NE_CACHE=$T_DIR/shared/cache   # (stack.sh shared_dirs)
declare -A NE_TOK=([ceo]=$CEO [cs]=$(login cs1@northstar.example) [sales]=$(login sales1@northstar.example))
day=2025-0$((RANDOM % 9 + 1))-1$((RANDOM % 9))
for r in ceo cs sales; do
  T_CACHE=1 api GET "/api/users/customers?limit=5" "${NE_TOK[$r]}"
  T_CACHE=1 api GET "/api/product/summary?as_of=$day" "" -H "Cookie: ns_session=${NE_TOK[$r]}"
done
T_CACHE=1 api GET "/api/product/summary?as_of=$day" "" -H "Cookie: ns_session=${NE_TOK[cs]}"
check_eq "an answer cached for a cookie is served to that cookie" "$(header X-Cache-Status)" HIT
T_CACHE=1 api GET "/api/product/summary?as_of=$day" "" -H "Cookie: ns_session=${NE_TOK[sales]}; x=1"
check_eq "and not to another Cookie header" "$(header X-Cache-Status)" MISS
n=$(find "$NE_CACHE" -type f | wc -l)
[ "$n" -ge 6 ] && ok "the cache holds the answers ($n files)" || not_ok "the cache holds the answers" "$n files in $NE_CACHE"
leaks=()
for r in ceo cs sales; do
  [ -n "${NE_TOK[$r]}" ] || { leaks+=("no $r token"); continue; }
  grep -rlaF -- "${NE_TOK[$r]}" "$NE_CACHE" >/dev/null 2>&1 && leaks+=("$r's token")
  # the signature alone (the token's last part) is the secret half
  grep -rlaF -- "${NE_TOK[$r]##*.}" "$NE_CACHE" >/dev/null 2>&1 && leaks+=("$r's signature")
done
grep -rlaE 'Bearer |ns_session=' "$NE_CACHE" >/dev/null 2>&1 && leaks+=("a Bearer or ns_session= string")
check_empty "no token, signature or session cookie appears in any cache file" "${leaks[*]}"
key=$(grep -ha '^KEY: GET|/api/users/customers?limit=5|' -r "$NE_CACHE" | head -1 | cut -d'|' -f3)
[[ "$key" =~ ^[0-9a-f]{64}$ ]] && ok "the cache key holds a 64-hex-digit hash of the credential" \
  || not_ok "the cache key holds a hash of the credential" "got '$key'"

# ---- no cached answer outlives NS_CACHE_MAX_AGE_SECONDS (10): GET /api/product/live is cached
# for 3 s; with PostgreSQL down it is served stale (use_stale http_503), but not once its 10-s
# period of the clock has ended, however often it was asked for.  Periods start at multiples of
# 10 s of Unix time (UTC seconds 00, 10, …).
at() { while [ $(( $(date +%s%N) / 1000000 - P0 )) -lt "$1" ]; do sleep 0.05; done; }   # at MS — wait until P0 + MS
while [ $(( $(date +%s%N) / 1000000 % 10000 )) -gt 300 ]; do sleep 0.05; done           # a period has just begun
P0=$(( $(date +%s%N) / 1000000 / 10000 * 10000 ))
T_CACHE=1 api GET /api/product/live "$CEO"
first=$(jq -r '.now // empty' <<<"$BODY")
check_eq "the live figures are answered and stored (period start + <0.3 s)" "$STATUS $(header X-Cache-Status)" "200 MISS"
# (started again once: a second pg-start would pick another port, the cluster's already taken)
NE_PG_DOWN=0
defer '[ "$NE_PG_DOWN" = 1 ] && "$ROOT/scripts/stack.sh" pg-start "$T_DIR"'
NE_PG_DOWN=1; "$ROOT/scripts/stack.sh" pg-stop "$T_DIR"
at 4000
T_CACHE=1 api GET /api/product/live "$CEO"
check_eq "with PostgreSQL down, the expired entry is served stale within its period (+4 s)" \
  "$STATUS $(header X-Cache-Status) $(jq -r '.now // empty' <<<"$BODY")" "200 STALE $first"
for t in 6000 8000; do at $t; T_CACHE=1 api GET /api/product/live "$CEO"; done   # polling
at 10500
T_CACHE=1 api GET /api/product/live "$CEO"
check_eq "after its period (+10.5 s), polled or not, it is no longer served: the service's 503" \
  "$STATUS $(header X-Cache-Status)" "503 MISS"
"$ROOT/scripts/stack.sh" pg-start "$T_DIR" >/dev/null && NE_PG_DOWN=0
for _ in $(seq 1 30); do api GET /api/product/live "$CEO"; [ "$STATUS" = 200 ] && break; sleep 0.5; done
check_status "PostgreSQL back: the live figures are answered again" 200
done_testing
