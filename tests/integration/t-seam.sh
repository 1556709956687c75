# t-seam.sh — the C ↔ SQL seam and the one as_of rule: routes name their SQL function and a
# service refuses to start when a route and its function disagree; no hand-numbered statements
# in the services; every route that takes as_of refuses a day after today with one message.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
S_CEO=$(login ceo@northstar.example)
S_BUILD=${NS_BUILD:-$ROOT/build}

# ---- no "$N" statement text left in the services' C files
left=$(grep -n '\$[0-9]' "$ROOT"/services/*/*.c | grep -v '^[^:]*:[0-9]*:\s*\(/\*\|\*\)' || true)
if [ -z "$left" ]; then ok "no \$N statement text in services/*/*.c"
else not_ok "no \$N statement text in services/*/*.c" "$(head -3 <<<"$left" | tr '\n' ' ')"; fi

# ---- every route that names a function is called with named notation (the routing table says so)
routes=$(for s in revenue users marketing product alerts forecast; do "$S_BUILD/$s" --routes; done)
named=$(awk -F'\t' '$8 != "-"' <<<"$routes" | wc -l)
positional=$(awk -F'\t' '$8 != "-" && $8 !~ /p_user => \$1, p_role => \$2/' <<<"$routes" | wc -l)
if [ "$named" -gt 40 ] && [ "$positional" = 0 ]; then ok "all $named SQL routes call their function with named arguments"
else not_ok "SQL routes call their function with named arguments" "$named named, $positional not"; fi

# seam_start SERVICE — run one instance of SERVICE on a scratch socket against the test database;
# sets SEAM_RC (exit status, or "running") and SEAM_LOG.  The instance is stopped by its PID.
seam_start() {
  local pid i
  SEAM_LOG=$T_TMP/seam-$1.log
  NS_SOCKET="$T_TMP/seam-$1.sock" NS_JOBS=0 NS_WORKERS=1 NS_JWT_SECRET_FILE="$T_DIR/jwt.secret" \
  NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=northstar_app" \
    "$S_BUILD/$1" >"$SEAM_LOG" 2>&1 &
  pid=$!
  SEAM_RC=running
  for i in $(seq 1 50); do
    if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; SEAM_RC=$?; break; fi
    [ -S "$T_TMP/seam-$1.sock" ] && break
    sleep 0.1
  done
  if [ "$SEAM_RC" = running ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  rm -f "$T_TMP/seam-$1.sock"
}

seam_start revenue
check_eq "a service whose routes match their functions starts" "$SEAM_RC" running

# A function whose argument is renamed (p_as_of → p_day): the route would be misread, so the
# service must refuse to start and name the route.  The original is restored from revenue.sql.
restore_revenue() { psql -X -q -v ON_ERROR_STOP=1 -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar \
  -f "$ROOT/services/revenue/revenue.sql" >/dev/null 2>&1 \
  && sql "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA api TO northstar_app" >/dev/null; }
sql "DROP FUNCTION api.revenue_pipeline(int, text, date);
     CREATE FUNCTION api.revenue_pipeline(p_user int, p_role text, p_day date) RETURNS json
     LANGUAGE sql AS \$\$ SELECT '{}'::json \$\$;" >/dev/null
seam_start revenue
check_eq "a route whose function lacks an argument refuses the start" "$SEAM_RC" 1
if grep -q 'route GET /api/revenue/pipeline does not match its SQL: api.revenue_pipeline has no argument p_as_of' "$SEAM_LOG"
then ok "the refusal names the route and the missing argument"
else not_ok "the refusal names the route and the missing argument" "$(tail -2 "$SEAM_LOG")"; fi

sql "DROP FUNCTION api.revenue_pipeline(int, text, date);
     CREATE FUNCTION api.revenue_pipeline(p_user int, p_role text, p_as_of int) RETURNS json
     LANGUAGE sql AS \$\$ SELECT '{}'::json \$\$;" >/dev/null
seam_start revenue
check_eq "an argument of an incompatible type refuses the start" "$SEAM_RC" 1
grep -q 'api.revenue_pipeline argument p_as_of is integer' "$SEAM_LOG" \
  && ok "the refusal names the argument and its type" \
  || not_ok "the refusal names the argument and its type" "$(tail -2 "$SEAM_LOG")"

sql "DROP FUNCTION api.revenue_pipeline(int, text, int);
     CREATE FUNCTION api.revenue_pipeline(p_user int, p_role text, p_as_of date, p_extra int) RETURNS json
     LANGUAGE sql AS \$\$ SELECT '{}'::json \$\$;" >/dev/null
seam_start revenue
check_eq "a required argument the route does not pass refuses the start" "$SEAM_RC" 1
grep -q 'needs argument p_extra' "$SEAM_LOG" && ok "the refusal names the argument the route does not pass" \
  || not_ok "the refusal names the argument the route does not pass" "$(tail -2 "$SEAM_LOG")"

sql "DROP FUNCTION api.revenue_pipeline(int, text, date, int);
     CREATE FUNCTION api.revenue_pipeline(p_user int, p_role text, p_as_of date) RETURNS text
     LANGUAGE sql AS \$\$ SELECT '{}' \$\$;" >/dev/null
seam_start revenue
check_eq "a function that does not return json refuses the start" "$SEAM_RC" 1

sql "DROP FUNCTION api.revenue_pipeline(int, text, date)" >/dev/null
seam_start revenue
check_eq "a missing function refuses the start" "$SEAM_RC" 1
grep -q 'function api.revenue_pipeline does not exist' "$SEAM_LOG" && ok "the refusal says the function does not exist" \
  || not_ok "the refusal says the function does not exist" "$(tail -2 "$SEAM_LOG")"
restore_revenue
seam_start revenue
check_eq "with the function restored the service starts again" "$SEAM_RC" running
api GET /api/revenue/pipeline "$S_CEO"; check_status "the restored pipeline answers through nginx" 200

# ---- one as_of rule: a day after today (reporting zone) is a 400 with one message on every route
tomorrow=$(TZ=${NS_TZ:-UTC} date -d tomorrow +%F); today=$(TZ=${NS_TZ:-UTC} date +%F)
asof_n=0; asof_bad=()
while IFS=$'\t' read -r svc method path roles cache params csvkey call; do
  [ "$method" = GET ] && [[ ",$params" == *",as_of:date,"* ]] || continue
  [[ "$path" == *"{id}"* ]] && path=${path//\{id\}/$(sql "SELECT min(id) FROM customers")}
  tok=$S_CEO; [[ ",$roles" == *",ceo,"* ]] || tok=$(login cs1@northstar.example)
  asof_n=$((asof_n + 1))
  api GET "$path?as_of=$tomorrow" "$tok"
  msg=$(jq -r '.error.message // empty' <<<"$BODY" 2>/dev/null)
  [ "$STATUS" = 400 ] && [ "$msg" = "parameter 'as_of' ($tomorrow) is after today ($today in ${NS_TZ:-UTC})" ] \
    || asof_bad+=("$path: $STATUS $msg")
  api GET "$path?as_of=$today" "$tok"
  [ "$STATUS" = 200 ] || asof_bad+=("$path as_of=today: $STATUS")
done <<<"$routes"
if [ "$asof_n" -ge 20 ] && [ "${#asof_bad[@]}" = 0 ]; then
  ok "every one of the $asof_n routes with as_of refuses tomorrow with the same message and accepts today"
else not_ok "one as_of rule on every route with as_of ($asof_n routes)" "$(printf '%s | ' "${asof_bad[@]:0:6}")"; fi
done_testing
