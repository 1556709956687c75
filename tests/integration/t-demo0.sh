# t-demo0.sh — starting empty (DEMO=0, docs/ingest.md "Starting empty"), on a stack of its own
# in a temporary directory (scripts/stack.sh, free ports; stopped by its PIDs however this file
# ends): the CEO password printed once signs in and is stored nowhere but as its bcrypt hash; no
# business rows; every periodic job runs a cycle on the empty tables without an error; every GET
# endpoint answers JSON without a 5xx; northstar-admin user add|password; /api/auth/me says
# has_data false until the first record arrives; the demo is never loaded over such a company.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

Z=$T_TMP/demo0; Z_STACK=$Z/stack; mkdir -p "$Z"
Z_BUILD=${NS_BUILD:-$ROOT/build}
z_stop() { "$ROOT/scripts/stack.sh" stop "$Z_STACK" >/dev/null 2>&1; rm -rf "$Z"; }
defer z_stop
Z_EMAIL=founder@demo0.example
# z_start DEMO — start (or restart) the stack; its output (the password, once) in $Z/start-N.out
Z_N=0
z_start() {
  Z_N=$((Z_N + 1)); Z_OUT=$Z/start-$Z_N.out
  DEMO=$1 PORT=0 FAST=1 NS_INSTANCES=1 NS_ADMIN_EMAIL=$Z_EMAIL \
    "$ROOT/scripts/stack.sh" start "$Z_STACK" >"$Z_OUT" 2>&1
}
Z_T0=$(date -u '+%Y-%m-%d %H:%M:%S.%N+00')   # before the start: the jobs' first cycle is after it
if ! z_start 0; then
  not_ok "DEMO=0 scripts/stack.sh start: the stack starts" "$(tail -15 "$Z_OUT")"
  done_testing; exit 0
fi
ok "DEMO=0 scripts/stack.sh start: the stack starts"
Z_PORT=$(cat "$Z_STACK/run/http.port"); Z_RUN=$Z_STACK/run; Z_PG=$(cat "$Z_RUN/pg.port")
zapi() { T_PORT=$Z_PORT api "$@"; }
zsql() { PGPASSFILE=${Z_RUN%/run}/secrets/pgpass psql -X -qtA -v ON_ERROR_STOP=1 -h "$Z_RUN" -p "$Z_PG" -U postgres -d northstar -c "$1"; }
zadmin() { PGPASSFILE=${Z_RUN%/run}/secrets/pgpass NS_DATABASE_URL="postgresql:///northstar?host=$Z_RUN&port=$Z_PG&user=postgres" "$Z_BUILD/northstar-admin" "$@"; }
zlogin() {  # zlogin EMAIL PASSWORD — sets STATUS, BODY; echoes nothing
  zapi POST /api/auth/login "" -H 'Content-Type: application/json' \
    -d "$(jq -cn --arg e "$1" --arg p "$2" '{email: $e, password: $p}')"
}
[ "$Z_PORT" != "$T_PORT" ] && ok "it has a port of its own ($Z_PORT), not the suite's stack's" \
  || not_ok "it has a port of its own" "same port $T_PORT"

# ---- the CEO account, its password printed once
check_eq "the start prints one password line" "$(grep -c '^ *password:' "$Z_OUT")" 1
Z_PW=$(awk '/^ *password:/ {print $2; exit}' "$Z_OUT")
if [[ "$Z_PW" =~ ^[A-Za-z0-9_-]{24}$ ]]; then ok "the password is 24 base64url characters (144 random bits)"
else not_ok "the password is 24 base64url characters" "got '$Z_PW'"; fi
check_eq "the start names the account's e-mail (NS_ADMIN_EMAIL)" "$(grep -c "e-mail: *$Z_EMAIL\$" "$Z_OUT")" 1
check_eq "one account: NS_ADMIN_EMAIL, role ceo, a bcrypt hash" \
  "$(zsql "SELECT string_agg(email || '|' || role || '|' || (password_hash ~ '^\\\$2[ab]\\\$10\\\$'), ',') FROM app_users")" \
  "$Z_EMAIL|ceo|true"
check_eq "the password is not in the table" \
  "$(zsql "SELECT count(*) FROM app_users u WHERE position('$Z_PW' IN u::text) > 0")" 0
# Everything the stack wrote (logs, cluster files, WAL), read as bytes: the password is in none.
check_empty "the password is in no file of the stack's directory" \
  "$(grep -rlaF -- "$Z_PW" "$Z_STACK" "$Z_STACK/shared/" 2>/dev/null | head -3)"

# ---- no business rows: each table empty (the demo generator did not run)
Z_TABLES="plans customers subscriptions orders billing_events campaigns ad_spend usage_records
  support_tickets nps_responses leads opportunities sales_activities expenses cash_balances referrals
  targets events events_custom alerts"
Z_COUNTS=$(for t in $Z_TABLES; do printf '%s=%s ' "$t" "$(zsql "SELECT count(*) FROM $t")"; done)
check_eq "no business rows (every table 0, no alert)" "$Z_COUNTS" "$(for t in $Z_TABLES; do printf '%s=0 ' "$t"; done)"

# ---- one cycle of every periodic job on the empty tables, then no error in any log.  Each
# follower (revenue, users, customer snapshots, marketing, product, product ops) and the data
# layer's refresh (the alerts job) record when they last ran.  The forecast job leaves no mark: it
# runs first at its start, like the others, and says "warning" when it fails (checked again at the end).
Z_FOLLOWERS=$(zsql "SELECT count(*) FROM rollup_followers")
for _ in $(seq 1 900); do
  [ "$(zsql "SELECT count(*) FILTER (WHERE last_refresh_at > '$Z_T0') FROM rollup_followers")
$(zsql "SELECT count(*) FROM rollup_state WHERE last_refresh_at > '$Z_T0'")" = "$Z_FOLLOWERS
1" ] && break
  sleep 0.2
done
check_eq "every job ran a cycle after the start ($Z_FOLLOWERS followers and the rollup refresh)" \
  "$(zsql "SELECT count(*) FILTER (WHERE last_refresh_at > '$Z_T0') || '/' || count(*) FROM rollup_followers"),$(zsql "SELECT count(*) FROM rollup_state WHERE last_refresh_at > '$Z_T0'")" \
  "$Z_FOLLOWERS/$Z_FOLLOWERS,1"
# (The wrong passwords this file tries are logged as warnings: those are expected.)
z_log_problems() {
  grep -hE 'level=(error|warning)|^supervise:' "$Z_STACK"/logs/{revenue,users,marketing,product,alerts,forecast}.log |
    grep -v 'msg="failed login for [a-z0-9.@]* from 127.0.0.1"' | head -5
}
check_empty "no error or warning in the services' logs after that cycle" "$(z_log_problems)"
check_empty "no ERROR in PostgreSQL's log (no job's statement failed)" "$(grep -E 'ERROR|FATAL|PANIC' "$Z_STACK/logs/postgres.log" | head -5)"
# Every rule evaluated once more here, in the open (the job does the same every 30 s): no error,
# no alert — an empty company has no MRR drop, churn or CAC spike to report.
check_eq "every alert rule evaluates on the empty company and raises nothing" \
  "$(zsql "SELECT alert_evaluate()" >/dev/null 2>"$Z/eval.err" && zsql "SELECT count(*) FROM alerts")$(cat "$Z/eval.err")" 0

# ---- the printed password signs in; a wrong one does not
zlogin "$Z_EMAIL" "$Z_PW"
check_status "the printed password signs in" 200
Z_CEO=$(jq -r '.token // empty' <<<"$BODY")
zlogin "$Z_EMAIL" "not-the-password"
check_status "a wrong password does not" 401
zapi GET /api/auth/me "$Z_CEO"
check_eq "/api/auth/me: the CEO, every view, has_data false" \
  "$(jq -c '[.email, .role, (.views | length), .has_data]' <<<"$BODY")" "[\"$Z_EMAIL\",\"ceo\",10,false]"

# ---- every GET endpoint of the routing tables answers JSON, never a 5xx.  Expected on an empty
# company: 200, except the forecasts that need history (422 unprocessable, saying so: at least 6
# months or days of data), the MRR target (404: no target covers today) and the {id} routes
# (404: no such row).  The live alert stream is a long-lived event stream, not JSON.
z_expect() {
  case $1 in
    /api/forecast/mrr|/api/forecast/revenue|/api/forecast/runway|/api/forecast/costs|/api/forecast/usage|/api/forecast/churn-risk)
      echo "422 unprocessable" ;;
    /api/forecast/target|*/1) echo "404 not_found" ;;
    *) echo 200 ;;
  esac
}
Z_ROUTES=$(for s in revenue users marketing product alerts forecast; do "$Z_BUILD/$s" --routes; done |
  awk -F'\t' '$2 == "GET" && $3 != "/api/auth/live" {print $3}' | sed 's/{[a-z_]*}/1/')
Z_NROUTES=$(wc -l <<<"$Z_ROUTES")
[ "$Z_NROUTES" -ge 50 ] && ok "the routing tables list the GET routes ($Z_NROUTES)" || not_ok "the routing tables list the GET routes" "only $Z_NROUTES"
for p in $Z_ROUTES; do
  zapi GET "$p" "$Z_CEO"
  want=$(z_expect "$p")
  got=$(jq -r 'if type != "object" then "not-an-object" elif .error then .error.code + (if (.error.message // "") == "" then " (no message)" else "" end) else "" end' <<<"$BODY" 2>/dev/null || echo not-json)
  if grep -qiE '\b(nan|infinity)\b' <<<"$BODY"; then not_ok "GET $p: no NaN or Infinity" "${BODY:0:300}"; continue; fi
  case $want in
    200) [ "$STATUS" = 200 ] && [ -z "$got" ] && ok "GET $p on an empty company: 200 JSON" \
           || not_ok "GET $p on an empty company: 200 JSON" "got $STATUS ($got) ${BODY:0:300}" ;;
    *) [ "$STATUS $got" = "$want" ] && ok "GET $p on an empty company: $want, with a message" \
           || not_ok "GET $p on an empty company: $want" "got $STATUS ($got) ${BODY:0:300}" ;;
  esac
done
# Two answers worked out by hand: nothing was ever billed or sold.
zapi GET /api/revenue/summary "$Z_CEO"
check_eq "revenue summary: MRR 0, ARPU null (no customer to divide by)" "$(jq -c '[.mrr, .arpu]' <<<"$BODY")" "[0,null]"
zapi GET /api/users/customers "$Z_CEO"
check_eq "customers: none listed, total 0" "$(jq -c '[.total, (.customers | length)]' <<<"$BODY")" "[0,0]"

# ---- northstar-admin user add | password
Z_CS=$(zadmin user add Ana@Demo0.example cs "Ana Success" 2>"$Z/add.err")
if [[ "$Z_CS" =~ ^[A-Za-z0-9_-]{24}$ ]]; then ok "user add prints one generated password"
else not_ok "user add prints one generated password" "got '$Z_CS' $(cat "$Z/add.err")"; fi
check_eq "user add stores the e-mail lower-case with its role and name" \
  "$(zsql "SELECT role || '|' || name FROM app_users WHERE email = 'ana@demo0.example'")" "cs|Ana Success"
zlogin ana@demo0.example "$Z_CS"
check_status "the new user signs in with it" 200
out=$(zadmin user add ana@demo0.example cs "Ana Again" 2>"$Z/dup.err"); rc=$?
check_eq "user add of an existing e-mail: exit 1, nothing printed, says so" \
  "$rc|$out|$(grep -c 'exists; set a new password with' "$Z/dup.err")" "1||1"
zadmin user add bo@demo0.example boss "Bo" >/dev/null 2>"$Z/role.err"; rc=$?
check_eq "user add with an unknown role: exit 2, naming it" "$rc:$(grep -c "unknown role 'boss'" "$Z/role.err")" 2:1
out=$(echo 'ana-chose-this-one' | zadmin user password ana@demo0.example 2>"$Z/pw.err"); rc=$?
check_eq "user password from stdin (not a terminal): exit 0, prints nothing" "$rc|$out" "0|"
zlogin ana@demo0.example 'ana-chose-this-one'
check_status "the password from stdin signs in" 200
zlogin ana@demo0.example "$Z_CS"
check_status "the old one no longer does" 401
out=$(echo 'short' | zadmin user password ana@demo0.example 2>"$Z/short.err"); rc=$?
check_eq "user password refuses fewer than 8 characters" "$rc|$out|$(grep -c 'at least 8 characters' "$Z/short.err")" "1||1"
out=$(zadmin user password ana@demo0.example </dev/null 2>"$Z/empty.err"); rc=$?
check_eq "user password with nothing on stdin: exit 1, says so" "$rc|$out|$(grep -c 'no password on stdin' "$Z/empty.err")" "1||1"
out=$(echo 'a-long-password' | zadmin user password nobody@demo0.example 2>"$Z/none.err"); rc=$?
check_eq "user password of an unknown e-mail: exit 1, nothing printed" "$rc|$out|$(grep -c 'no user with the e-mail' "$Z/none.err")" "1||1"
# On a terminal (script(1) gives it one) the new password is generated and printed once.
if command -v script >/dev/null 2>&1; then
  PGPASSFILE=${Z_RUN%/run}/secrets/pgpass NS_DATABASE_URL="postgresql:///northstar?host=$Z_RUN&port=$Z_PG&user=postgres" \
    script -qec "$Z_BUILD/northstar-admin user password ana@demo0.example" /dev/null </dev/null >"$Z/tty.out" 2>&1
  Z_TTY=$(tr -d '\r' <"$Z/tty.out" | grep -E '^[A-Za-z0-9_-]{24}$' | head -1)
  zlogin ana@demo0.example "$Z_TTY"
  [ -n "$Z_TTY" ] && [ "$STATUS" = 200 ] && ok "user password on a terminal prints a generated one that signs in" \
    || not_ok "user password on a terminal prints a generated one that signs in" "got '$(tr -d '\r' <"$Z/tty.out")', login $STATUS"
else
  not_ok "user password on a terminal" "script(1) (util-linux) is missing"
fi

# ---- the first record ends the empty state
Z_KEY=$(zadmin key add demo0-first ingest:events 2>/dev/null)
printf '{"type":"track","messageId":"demo0-1","event":"Signed Up","userId":"u1","timestamp":"%s"}' \
  "$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)" >"$Z/event.json"
zapi POST /api/product/events "$Z_KEY" -H 'Content-Type: application/json' --data-binary "@$Z/event.json"
check_eq "one event through the ingestion API is accepted" "$STATUS $(jq -c .accepted <<<"$BODY")" "200 1"
zapi GET /api/auth/me "$Z_CEO"
check_eq "after it /api/auth/me says has_data true" "$(jq -c .has_data <<<"$BODY")" true
check_empty "still no error or warning in the services' logs (the forecast job too)" "$(z_log_problems)"

# ---- a later start with DEMO=1 (plain make run) never loads the demo over this company
"$ROOT/scripts/stack.sh" stop "$Z_STACK" >/dev/null 2>&1
if z_start 1; then
  check_eq "DEMO=1 on it: says it does not load the demo, prints no password" \
    "$(grep -c 'not loading the demo data' "$Z_OUT"):$(grep -c 'password:' "$Z_OUT")" 1:0
  Z_RUN=$Z_STACK/run; Z_PG=$(cat "$Z_RUN/pg.port")
  check_eq "its accounts and its first event are kept, no demo customer" \
    "$(zsql "SELECT (SELECT count(*) FROM app_users) || ',' || (SELECT count(*) FROM customers) || ',' || (SELECT count(*) FROM ingest_messages WHERE message_id = 'demo0-1')")" "2,0,1"
else
  not_ok "DEMO=1 restart of the DEMO=0 directory starts" "$(tail -10 "$Z_OUT")"
fi

done_testing
