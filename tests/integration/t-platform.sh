# t-platform.sh — the platform through nginx: health, the first figures,
# the JSON error shape, ETags, logging, and PostgreSQL going away and back.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CEO=$(login ceo@northstar.example)
[ -n "$CEO" ] && ok "the CEO demo user signs in" || not_ok "the CEO demo user signs in"

for s in revenue users marketing product alerts forecast; do
  api GET /api/$s/health
  check_status "health of $s answers 200" 200
  check_eq "health of $s says status ok, db ok" "$(jq -c . <<<"$BODY")" '{"status":"ok","db":"ok"}'
  check_eq "health of $s is never cached" "$(header Cache-Control)" "no-store"
done

api GET /api/revenue/summary "$CEO"
check_status "revenue summary answers the CEO" 200
check_eq "revenue summary is JSON in UTF-8" "$(header Content-Type)" "application/json; charset=utf-8"
mrr_sql=$(sql "SELECT round(sum(mrr_cents) / 100.0, 2) FROM subscriptions
               WHERE valid_from <= current_date AND (valid_to IS NULL OR valid_to > current_date)")
prev_sql=$(sql "SELECT round(sum(mrr_cents) / 100.0, 2) FROM subscriptions
                WHERE valid_from <= (current_date - interval '1 month')::date
                  AND (valid_to IS NULL OR valid_to > (current_date - interval '1 month')::date)")
check_num "MRR equals the sum over subscriptions in effect today" "$(jq .mrr <<<"$BODY")" "$mrr_sql"
check_num "ARR is exactly 12 × MRR" "$(jq .arr <<<"$BODY")" "$(sql "SELECT $mrr_sql * 12")"
growth_sql=$(sql "SELECT round(($mrr_sql - $prev_sql) * 100.0 / $prev_sql, 2)")
check_num "MoM growth compares with the same day a month before" "$(jq .mom_growth_pct <<<"$BODY")" "$growth_sql"
check_eq "MRR is positive on the demo data" "$(jq '.mrr > 0' <<<"$BODY")" true

etag=$(header ETag)
api GET /api/revenue/summary "$CEO" -H "If-None-Match: $etag"
check_status "a matching If-None-Match gives 304" 304

api GET "/api/revenue/summary?as_of=2026-02-30" "$CEO"
check_error "an impossible date is a 400 in the JSON error shape" 400 bad_request
check_error_names "the error names the parameter" as_of
api GET "/api/revenue/summary?asof=2026-01-01" "$CEO"
check_error "an unknown parameter is a 400" 400 bad_request
check_error_names "the error names the unknown parameter" asof
api GET "/api/revenue/summary?as_of=2026-01-01&as_of=2026-01-02" "$CEO"
check_error "a repeated parameter is a 400" 400 bad_request
api GET "/api/revenue/summary?as_of=%27%3B%20DROP%20TABLE%20customers%3B--" "$CEO"
check_error "SQL metacharacters are a 400, not an error from the database" 400 bad_request
api GET /api/revenue/nope "$CEO"
check_error "an unknown endpoint of a service is a 404" 404 not_found
api GET /api/nope "$CEO"
check_error "an unknown service is a 404" 404 not_found
api POST /api/revenue/summary "$CEO"
check_error "a wrong method is a 405" 405 method_not_allowed
api GET /api/revenue/summary
check_error "no credential is a 401" 401 unauthorized

if grep -q 'svc=revenue method=GET path=/api/revenue/summary status=200 ms=[0-9.]* user=[0-9]* role=ceo' "$T_DIR/logs/revenue.log"; then
  ok "each request is logged as one logfmt line with status, duration, user and role"
else not_ok "each request is logged as one logfmt line" "$(tail -3 "$T_DIR/logs/revenue.log")"; fi

# PostgreSQL goes away: 503 in the JSON error shape, no hang, no crash;
# it comes back: 200 again without restarting any service.
svc_pids() { cat "$T_RUN"/*.[0-9].pid | tr '\n' ' '; }
before=$(svc_pids)
"$ROOT/scripts/stack.sh" pg-stop "$T_DIR"
t0=$SECONDS
api GET /api/revenue/health
check_status "health answers 503 while PostgreSQL is down" 503
check_eq "health says db down" "$(jq -r .db <<<"$BODY")" down
api GET "/api/revenue/summary?as_of=2025-01-01" "$CEO"
check_error "an uncached figure is a 503 while PostgreSQL is down" 503 db_unavailable
[ $((SECONDS - t0)) -lt 10 ] && ok "answers come quickly while PostgreSQL is down" || not_ok "answers come quickly while PostgreSQL is down" "$((SECONDS - t0)) s"
"$ROOT/scripts/stack.sh" pg-start "$T_DIR" >/dev/null
for _ in $(seq 1 30); do api GET /api/revenue/health; [ "$STATUS" = 200 ] && break; sleep 0.5; done
check_status "health is 200 again once PostgreSQL is back" 200
api GET "/api/revenue/summary?as_of=2025-01-02" "$CEO"
check_status "figures are served again once PostgreSQL is back" 200
# A sign-in is a write (the sign-in limits count it, the audit log records it), which is never sent
# twice: each worker must find its connection closed by the restart before sending it
# (db_conn_gone), not after.  8 sign-ins reach each of the 2 × 2 workers of the users service.
P_CODES=$(for _ in 1 2 3 4 5 6 7 8; do
  curl -s -o /dev/null -w '%{http_code} ' -X POST -H 'Content-Type: application/json' \
    -d '{"email":"ceo@northstar.example","password":"northstar-demo"}' "http://127.0.0.1:$T_PORT/api/auth/login"
done)
check_eq "after the restart every sign-in succeeds at once (8 of 8; none a 503)" "$P_CODES" "200 200 200 200 200 200 200 200 "
check_eq "no service was restarted meanwhile" "$(svc_pids)" "$before"

# The services' database role reads everything but cannot change business data.
app_sql() { psql -X -qtA -h "$T_RUN" -p "$T_PGPORT" -U northstar_app -d northstar -c "$1" 2>&1; }
check_eq "the services connect as northstar_app" \
  "$(sql "SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = 'revenue'")" northstar_app
case "$(app_sql "UPDATE subscriptions SET mrr_cents = 0 WHERE id = 1")" in
  *"permission denied"*) ok "the services' role cannot modify business data (subscriptions)";;
  *) not_ok "the services' role cannot modify business data";; esac
case "$(app_sql "DELETE FROM orders WHERE id = 1")" in
  *"permission denied"*) ok "the services' role cannot delete orders";; *) not_ok "the services' role cannot delete orders";; esac
case "$(app_sql "UPDATE app_users SET role = 'ceo' WHERE id = 2")" in
  *"permission denied"*) ok "the services' role cannot change a user's role";; *) not_ok "the services' role cannot change a user's role";; esac
check_eq "the services' role reads business data" "$(app_sql "SELECT count(*) > 0 FROM customers")" t
# The FastCGI sockets: 0660, nobody else may connect (as root: northstar:northstar-web, the
# services' user and nginx's workers' group; t-privilege.sh tries as another user).
P_MODES=$(stat -c '%a' "$T_RUN"/fcgi/*.sock | sort -u | tr '\n' ' ')
check_eq "every service socket is 0660 (12 of them)" "$(ls "$T_RUN"/fcgi/*.sock | wc -l) $P_MODES" "12 660 "
# nginx's publisher socket of the live stream is 0666 (nginx sets no mode): its directory is 0700
# (as root: the services' user's, so that the alerts service may publish)
check_eq "the live stream's publisher socket is in a directory only its user may enter" \
  "$(stat -c '%a %U' "$T_RUN/live") $([ -S "$T_RUN/live/live.sock" ] && echo socket)" \
  "700 $([ "$(id -u)" -eq 0 ] && echo northstar || id -un) socket"
if [ "$(id -u)" -eq 0 ]; then
  check_eq "as root the sockets belong to northstar, group northstar-web" \
    "$(stat -c '%U:%G' "$T_RUN"/fcgi/*.sock | sort -u)" northstar:northstar-web
fi
# Build hardening (Makefile HARDEN, HARDEN_LD): every program is a PIE with full RELRO (GNU_RELRO,
# BIND_NOW), stack canaries (__stack_chk_fail), and fortified libc calls (__*_chk; not in the
# sanitizer build, which drops FORTIFY)
P_BUILD=${NS_BUILD:-$ROOT/build}; P_SOFT=()
for b in revenue users marketing product alerts forecast northstar-admin northstar-import northstar-simulate alerts-report; do
  f=$P_BUILD/$b
  [ -x "$f" ] || { P_SOFT+=("$b: missing"); continue; }
  readelf -hW "$f" | grep -q 'Type:.*DYN' || P_SOFT+=("$b: not PIE")
  readelf -lW "$f" | grep -q GNU_RELRO || P_SOFT+=("$b: no RELRO")
  readelf -dW "$f" | grep -qE 'BIND_NOW|FLAGS_1.*NOW' || P_SOFT+=("$b: no BIND_NOW")
  readelf -sW --dyn-syms "$f" | grep -q __stack_chk_fail || P_SOFT+=("$b: no stack protector")
  [ -n "${T_SANITIZER:-}" ] || readelf -sW --dyn-syms "$f" | grep -qE ' __[a-z0-9_]+_chk(@|$)' || P_SOFT+=("$b: no fortified calls")
done
check_eq "hardening: the 10 programs are PIE, full RELRO, stack-protected and fortified" "${P_SOFT[*]:-all hardened}" "all hardened"
done_testing
