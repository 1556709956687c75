# t-audit.sh — the audit log (docs/operations.md "Audit log"): each audited action, done through
# the API or the command-line tools, leaves exactly its row; GET /api/alerts/audit and
# northstar-admin audit page and filter it; the table is append-only; no secret is ever in it.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
B=${NS_BUILD:-$ROOT/build}
DB_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=postgres"
admin() { NS_DATABASE_URL=$DB_URL "$B/northstar-admin" "$@"; }
json_post() { api "$1" "$2" "$3" -H 'Content-Type: application/json' -d "$4"; }
OSUSER=$(id -un)
CEO=$(login ceo@northstar.example)   # before the start mark: its sign-in is not this file's to count
CEO_ID=$(sql "SELECT id FROM app_users WHERE email = 'ceo@northstar.example'")
TAG=audit$$$RANDOM
EMAIL=$TAG@example.com
SECRETS=()   # every secret this file uses; none may appear in the table
SECRETS+=(northstar-demo "$CEO")
START=$(sql "SELECT coalesce(max(id), 0) FROM audit_log")
# row N (1 = the first this file made, in id order) as compact JSON, as the API shows it
row() { sql "SELECT audit_json(a) FROM audit_log a WHERE id > $START ORDER BY id OFFSET $(($1 - 1)) LIMIT 1"; }
last() { sql "SELECT audit_json(a) FROM audit_log a WHERE id > $START ORDER BY id DESC LIMIT 1"; }
rows_now() { sql "SELECT count(*) FROM audit_log WHERE id > $START"; }
# the fields of a row that say who did what to what
who() { jq -c '{actor_type, actor_id, actor, role, address, action, target, detail}' <<<"$1"; }

defer "sql \"DELETE FROM app_users WHERE email = '$EMAIL'\""   # (its audit rows stay: append-only)

# ---- user administration from the command line: actor cli + the OS user
PW=$(admin user add "$EMAIL" cs "Audit Tester" 2>/dev/null)
SECRETS+=("$PW")
UID_=$(sql "SELECT id FROM app_users WHERE email = '$EMAIL'")
check_eq "user add: exactly one new row" "$(rows_now)" 1
jq_eq "user add: actor cli ($OSUSER), action user.create, target the e-mail, detail role and id, no address" \
  "$(who "$(last)")" \
  "{\"actor_type\":\"cli\",\"actor_id\":null,\"actor\":\"$OSUSER\",\"role\":null,\"address\":null,\"action\":\"user.create\",\"target\":\"$EMAIL\",\"detail\":{\"role\":\"cs\",\"user_id\":$UID_}}"
check_eq "the row says which database login wrote it" "$(jq -r .db_user <<<"$(last)")" postgres

# ---- sign-in success and failures, through nginx (address 127.0.0.1)
json_post POST /api/auth/login "" "{\"email\":\"$EMAIL\",\"password\":\"$PW\"}"
check_status "the new user signs in" 200
CS=$(jq -r .token <<<"$BODY"); SECRETS+=("$CS")
jq_eq "sign-in: the user, its role, from 127.0.0.1, action auth.login, target its e-mail" \
  "$(who "$(last)")" \
  "{\"actor_type\":\"user\",\"actor_id\":$UID_,\"actor\":\"$EMAIL\",\"role\":\"cs\",\"address\":\"127.0.0.1\",\"action\":\"auth.login\",\"target\":\"$EMAIL\",\"detail\":{}}"
WRONG=Wrong-Password-$TAG; SECRETS+=("$WRONG")
json_post POST /api/auth/login "" "{\"email\":\"$EMAIL\",\"password\":\"$WRONG\"}"
check_status "a wrong password is still a 401" 401
jq_eq "failed sign-in: anonymous, from 127.0.0.1, the account named, reason wrong_password, not the password" \
  "$(who "$(last)")" \
  "{\"actor_type\":\"anonymous\",\"actor_id\":null,\"actor\":\"-\",\"role\":null,\"address\":\"127.0.0.1\",\"action\":\"auth.login_failed\",\"target\":\"$EMAIL\",\"detail\":{\"reason\":\"wrong_password\"}}"
TYPED=Typed-Into-The-Email-Field-$TAG; SECRETS+=("$TYPED")
json_post POST /api/auth/login "" "{\"email\":\"$TYPED\",\"password\":\"$WRONG\"}"
jq_eq "failed sign-in with an unknown e-mail: no target (what was typed is not stored), reason unknown_email" \
  "$(who "$(last)")" \
  "{\"actor_type\":\"anonymous\",\"actor_id\":null,\"actor\":\"-\",\"role\":null,\"address\":\"127.0.0.1\",\"action\":\"auth.login_failed\",\"target\":null,\"detail\":{\"reason\":\"unknown_email\"}}"
check_eq "4 rows so far: user add, sign-in, two failed sign-ins" "$(rows_now)" 4

# ---- who may read it
api GET /api/alerts/audit "$CS"
check_error "a CS manager may not read the audit log" 403 forbidden
api GET /api/alerts/audit "$(login sales1@northstar.example)"
check_error "a sales rep may not read the audit log" 403 forbidden
api GET /api/alerts/audit ""
check_error "no token: 401" 401 unauthorized
N0=$(rows_now)   # (the sales rep may just have signed in: login() renews its token)

# ---- CSV exports, each one, even through nginx's cache
NRULES=$(sql "SELECT count(*) FROM alert_rules")
T_CACHE=1 api GET "/api/alerts/rules?format=csv" "$CS"
check_status "the CS manager exports the alert rules as CSV" 200
check_eq "the export's lines: a header and one per rule" "$(printf '%s\n' "$BODY" | grep -c .)" "$((NRULES + 1))"
jq_eq "CSV export: the user, the route, the rows (one per alert rule: $NRULES), the format" \
  "$(who "$(last)")" \
  "{\"actor_type\":\"user\",\"actor_id\":$UID_,\"actor\":\"$EMAIL\",\"role\":\"cs\",\"address\":\"127.0.0.1\",\"action\":\"export.csv\",\"target\":\"/api/alerts/rules\",\"detail\":{\"format\":\"csv\",\"params\":{},\"rows\":$NRULES}}"
check_eq "a CSV export is never kept by nginx or the browser" "$(header Cache-Control)" no-store
# /api/product/features is kept 60 s by nginx (its JSON answer says so); its export never is
T_CACHE=1 api GET "/api/product/features" "$CS"
check_eq "(the route's JSON answer is cached)" "$(header Cache-Control)" "private, max-age=60"
T_CACHE=1 api GET "/api/product/features?format=csv" "$CS"
T_CACHE=1 api GET "/api/product/features?format=csv" "$CS"
check_eq "the same export of a cached route twice, through nginx's cache: a row each (2)" \
  "$(sql "SELECT count(*) FROM audit_log WHERE id > $START AND action = 'export.csv' AND target = '/api/product/features'")" 2
api GET "/api/alerts?format=csv&status=all&limit=2" "$CS"
check_eq "an export's detail keeps its parameters (status=all, limit=2, offset default 0)" \
  "$(jq -S -c .detail.params <<<"$(last)")" '{"limit":"2","offset":"0","status":"all"}'

# ---- sign-out
api POST /api/auth/logout "$CS"
check_status "the CS manager signs out" 200
jq_eq "sign-out: the user, from 127.0.0.1, action auth.logout" "$(who "$(last)")" \
  "{\"actor_type\":\"user\",\"actor_id\":$UID_,\"actor\":\"$EMAIL\",\"role\":\"cs\",\"address\":\"127.0.0.1\",\"action\":\"auth.logout\",\"target\":null,\"detail\":{}}"

# ---- alert rule change: before and after, the webhook secret left out
RULE=$(sql "SELECT id FROM alert_rules WHERE metric = 'mrr_drop_pct' ORDER BY id LIMIT 1")
read -r CODE OLD_T OLD_S OLD_W <<<"$(sql "SELECT code, threshold, severity, coalesce(webhook_url, 'null') FROM alert_rules WHERE id = $RULE" | tr '|' ' ')"
defer "sql \"UPDATE alert_rules SET threshold = $OLD_T, severity = '$OLD_S', webhook_url = nullif('$OLD_W', 'null') WHERE id = $RULE\""
HOOK="https://hooks.example.com/services/T0/B0/Hook-Secret-$TAG"; SECRETS+=("Hook-Secret-$TAG")
# 7.25 is in mrr_drop_pct's range [0, 100]; the old values are read from the table above
NEW_S=$([ "$OLD_S" = info ] && echo warning || echo info)
json_post PUT "/api/alerts/rules/$RULE" "$CEO" "{\"threshold\": 7.25, \"severity\": \"$NEW_S\", \"webhook_url\": \"$HOOK\"}"
check_status "the CEO changes a rule" 200
OLD_HOOK=null; [ "$OLD_W" != null ] && OLD_HOOK=$(jq -Rc . <<<"$(sed -E 's#^(https?://[^/?#]*).*#\1#' <<<"$OLD_W")…")
jq_eq "rule change: the CEO, the rule's code, the named fields before and after (the webhook as scheme and host only)" \
  "$(who "$(last)")" \
  "{\"actor_type\":\"user\",\"actor_id\":$CEO_ID,\"actor\":\"ceo@northstar.example\",\"role\":\"ceo\",\"address\":\"127.0.0.1\",\"action\":\"alert_rule.update\",\"target\":\"$CODE\",\"detail\":{\"rule_id\":$RULE,\"before\":{\"threshold\":$OLD_T,\"severity\":\"$OLD_S\",\"webhook_url\":$OLD_HOOK},\"after\":{\"threshold\":7.25,\"severity\":\"$NEW_S\",\"webhook_url\":\"https://hooks.example.com…\"}}}"
json_post PUT "/api/alerts/rules/$RULE" "$CEO" '{"threshold": -5}'
check_status "a refused rule change (threshold out of range) is a 400" 400
check_eq "and leaves no audit row" "$(jq -r .action <<<"$(last)")" alert_rule.update
check_eq "(the last row is still the change before it)" "$(jq -r .detail.after.threshold <<<"$(last)")" 7.25

# ---- report exports: the API's preview and the command-line renderer
api GET "/api/alerts/report?kind=weekly" "$CEO"
check_status "the CEO previews the weekly report" 200
jq_eq "report export: the CEO, the route, its parameters" "$(who "$(last)")" \
  "{\"actor_type\":\"user\",\"actor_id\":$CEO_ID,\"actor\":\"ceo@northstar.example\",\"role\":\"ceo\",\"address\":\"127.0.0.1\",\"action\":\"export.report\",\"target\":\"/api/alerts/report\",\"detail\":{\"params\":{\"kind\":\"weekly\"}}}"
DAY=$(sql "SELECT (now() AT TIME ZONE 'UTC')::date - 1")
NS_DATABASE_URL=$DB_URL NS_TZ=UTC "$B/alerts-report" daily "$DAY" json "$T_TMP/audit-report.json" >/dev/null 2>&1
check_eq "alerts-report writes its file" "$(jq -r 'type' "$T_TMP/audit-report.json" 2>/dev/null)" object
jq_eq "alerts-report: actor cli, action export.report, what it wrote" "$(who "$(last)")" \
  "{\"actor_type\":\"cli\",\"actor_id\":null,\"actor\":\"$OSUSER\",\"role\":null,\"address\":null,\"action\":\"export.report\",\"target\":\"alerts-report\",\"detail\":{\"kind\":\"daily\",\"date\":\"$DAY\",\"format\":\"json\",\"file\":\"$T_TMP/audit-report.json\"}}"

# ---- API keys
KEY=$(admin key add "$TAG" ingest:events ingest:sales 2>/dev/null); SECRETS+=("$KEY")
defer "NS_DATABASE_URL='$DB_URL' '$B/northstar-admin' key revoke '$TAG'"
KID=$(sql "SELECT id FROM api_keys WHERE name = '$TAG'")
check_eq "key add printed a key" "${KEY:0:4}" nsk_
jq_eq "key add: cli, api_key.create, the key's name, its scopes and id (no hash, no key)" "$(who "$(last)")" \
  "{\"actor_type\":\"cli\",\"actor_id\":null,\"actor\":\"$OSUSER\",\"role\":null,\"address\":null,\"action\":\"api_key.create\",\"target\":\"$TAG\",\"detail\":{\"scopes\":\"ingest:events,ingest:sales\",\"key_id\":$KID}}"
SECRETS+=("$(sql "SELECT encode(key_hash, 'hex') FROM api_keys WHERE id = $KID")")
admin key revoke "$TAG" 2>/dev/null
jq_eq "key revoke: cli, api_key.revoke, the name and id" "$(who "$(last)")" \
  "{\"actor_type\":\"cli\",\"actor_id\":null,\"actor\":\"$OSUSER\",\"role\":null,\"address\":null,\"action\":\"api_key.revoke\",\"target\":\"$TAG\",\"detail\":{\"key_id\":$KID}}"
n=$(rows_now); admin key revoke "$TAG" 2>/dev/null; rc=$?
check_eq "revoking it again fails (exit 1) and writes no row" "$rc $(rows_now)" "1 $n"

# ---- the other user administration commands
NEWPW=New-Password-$TAG; SECRETS+=("$NEWPW")
echo "$NEWPW" | admin user password "$EMAIL" 2>/dev/null
jq_eq "user password (stdin): user.password, the e-mail, not generated" "$(who "$(last)")" \
  "{\"actor_type\":\"cli\",\"actor_id\":null,\"actor\":\"$OSUSER\",\"role\":null,\"address\":null,\"action\":\"user.password\",\"target\":\"$EMAIL\",\"detail\":{\"generated\":false,\"user_id\":$UID_}}"
for c in disable enable logout; do
  admin "$c" "$(tr a-z A-Z <<<"$EMAIL")" 2>/dev/null
  jq_eq "$c: user.$c, the e-mail as stored (lower case)" "$(jq -c '{action, target, detail}' <<<"$(last)")" \
    "{\"action\":\"user.$c\",\"target\":\"$EMAIL\",\"detail\":{\"user_id\":$UID_}}"
done
n=$(rows_now); admin disable "nobody-$EMAIL" 2>/dev/null; rc=$?
check_eq "disabling an unknown e-mail fails (exit 1) and writes no row" "$rc $(rows_now)" "1 $n"

# ---- the listing: paging and filters, counted by hand from the rows above
# Rows since START, in order: user.create, auth.login, 2 × auth.login_failed, [the sales rep's
# auth.login when login() renewed it] — N0 rows —, then 4 × export.csv (rules, features twice,
# alerts), auth.logout, alert_rule.update, 2 × export.report, api_key.create, api_key.revoke,
# user.password, user.disable, user.enable, user.logout: N0 + 4 + 1 + 1 + 2 + 2 + 4 = N0 + 14.
TOTAL=$((N0 + 14))
check_eq "every row since the start counted: N0 ($N0) + 14" "$(rows_now)" "$TOTAL"
api GET "/api/alerts/audit?after=$START&limit=5" "$CEO"
check_status "the CEO reads the audit log" 200
check_num "total: every row after the mark ($TOTAL)" "$(jq .total <<<"$BODY")" "$TOTAL"
check_eq "page 1: the 5 newest, newest first" "$(jq -c '[.entries[].action]' <<<"$BODY")" \
  '["user.logout","user.enable","user.disable","user.password","api_key.revoke"]'
C1=$(jq .next_cursor <<<"$BODY")
check_eq "next_cursor is the id of the page's last row" "$C1" "$(jq '.entries[4].id' <<<"$BODY")"
api GET "/api/alerts/audit?after=$START&limit=5&before=$C1" "$CEO"
check_eq "page 2: the 5 before it" "$(jq -c '[.entries[].action]' <<<"$BODY")" \
  '["api_key.create","export.report","export.report","alert_rule.update","auth.logout"]'
check_num "the total does not depend on the cursor" "$(jq .total <<<"$BODY")" "$TOTAL"
api GET "/api/alerts/audit?after=$START&limit=500" "$CEO"
check_eq "one page of 500 holds them all: no next cursor" "$(jq -c '[(.entries | length), .next_cursor]' <<<"$BODY")" "[$TOTAL,null]"
check_eq "the oldest is the user add" "$(jq -r '.entries[-1].action' <<<"$BODY")" user.create
api GET "/api/alerts/audit?after=$START&action=auth.login_failed" "$CEO"
check_num "action=auth.login_failed: the 2 failed sign-ins" "$(jq .total <<<"$BODY")" 2
api GET "/api/alerts/audit?after=$START&actor_id=$UID_" "$CEO"
# sign-in, 4 exports, sign-out
check_num "actor_id=the CS user: its sign-in, 4 exports, its sign-out (6)" "$(jq .total <<<"$BODY")" 6
api GET "/api/alerts/audit?after=$START&actor_type=cli" "$CEO"
# user.create, export.report, api_key.create, api_key.revoke, password, disable, enable, logout
check_num "actor_type=cli: 8 command-line rows" "$(jq .total <<<"$BODY")" 8
api GET "/api/alerts/audit?after=$START&actor_type=cli&action=export.report" "$CEO"
check_num "two filters together: the one command-line report" "$(jq .total <<<"$BODY")" 1
TODAY=$(sql "SELECT (now() AT TIME ZONE 'UTC')::date")   # the test stack's NS_TZ is UTC
api GET "/api/alerts/audit?after=$START&from=$TODAY&to=$TODAY" "$CEO"
check_num "from=to=today: all $TOTAL" "$(jq .total <<<"$BODY")" "$TOTAL"
api GET "/api/alerts/audit?after=$START&to=$DAY" "$CEO"
check_eq "to=yesterday: none of them" "$(jq -c '[.total, (.entries | length)]' <<<"$BODY")" "[0,0]"
api GET "/api/alerts/audit?after=$START&action=user.create&format=csv" "$CEO"
check_eq "the audit log exports to CSV (a header and the one user.create)" "$(printf '%s\n' "$BODY" | grep -c .)" 2
check_eq "that export is audited too" "$(jq -r '.action + " " + .target' <<<"$(last)")" "export.csv /api/alerts/audit"
TOTAL=$((TOTAL + 1))

# ---- bad parameters: 400 naming the parameter
for q in "action=auth.nope:action" "actor_type=robot:actor_type" "actor_id=0:actor_id" "actor_id=x:actor_id" \
         "from=2026-02-30:from" "to=yesterday:to" "after=-1:after" "before=0:before" "limit=501:limit" \
         "from=2026-12-02%26to=2026-12-01:from" "who=me:who"; do
  api GET "/api/alerts/audit?${q%:*}" "$CEO"
  check_error "?${q%:*} is a 400" 400 bad_request
  check_error_names "… naming '${q##*:}'" "${q##*:}"
done
api GET "/api/alerts/audit?action=auth.nope" "$CEO"
words=$(jq -r .error.message <<<"$BODY" | sed 's/.*must be one of //')
check_eq "the action words are the SQL list of documented actions, in order" \
  "$words" "$(sql "SELECT array_to_string(audit_actions(), ', ')")"

# ---- northstar-admin audit: the same filters, a table or JSON
out=$(admin audit --json "after=$START" action=user.create)
check_eq "northstar-admin audit --json: the API's answer (total 1, the user add)" \
  "$(jq -c '[.total, .entries[0].action, .entries[0].target]' <<<"$out")" "[1,\"user.create\",\"$EMAIL\"]"
out=$(admin audit "after=$START" limit=2 2>"$T_TMP/audit-cli.err")
check_eq "northstar-admin audit: a header and 2 lines" "$(printf '%s\n' "$out" | wc -l)" 3
check_eq "… tab-separated: id, at, actor, role, address, action, target, detail" \
  "$(printf '%s\n' "$out" | sed -n 1p | tr '\t' ' ')" "id at actor role address action target detail"
check_eq "… the newest first (the audit CSV export, by the CEO from 127.0.0.1)" \
  "$(printf '%s\n' "$out" | sed -n 2p | cut -f3-7 | tr '\t' ' ')" "user:ceo@northstar.example ceo 127.0.0.1 export.csv /api/alerts/audit"
check_eq "… and says how to get the next page" "$(grep -c 'more: add before=' "$T_TMP/audit-cli.err")" 1
admin audit action=nope >/dev/null 2>"$T_TMP/audit-cli.err"; rc=$?
check_eq "a bad filter: exit 2, the message names it" "$rc $(grep -c "parameter 'action' must be one of" "$T_TMP/audit-cli.err")" "2 1"

# ---- append-only
for stmt in "UPDATE audit_log SET action = 'auth.login'" "DELETE FROM audit_log" "TRUNCATE audit_log" \
            "INSERT INTO audit_log (actor_type, actor, action) VALUES ('cli', 'x', 'auth.login')"; do
  err=$(sql "SET ROLE northstar_app; $stmt" 2>&1 >/dev/null)
  case "$err" in *"permission denied"*) ok "northstar_app may not: ${stmt%% *}";;
    *) not_ok "northstar_app may not: ${stmt%% *}" "$err";; esac
done
for stmt in "UPDATE audit_log SET action = 'auth.login' WHERE id = $((START + 1))" \
            "DELETE FROM audit_log WHERE id = $((START + 1))" "TRUNCATE audit_log"; do
  err=$(sql "$stmt" 2>&1 >/dev/null)
  case "$err" in *"append-only: ${stmt%% *} refused"*) ok "the owner may not either (the trigger): ${stmt%% *}";;
    *) not_ok "the owner may not either: ${stmt%% *}" "$err";; esac
done
err=$(sql "SET ROLE northstar_app; SELECT audit_purge(p_before => '2000-01-01')" 2>&1 >/dev/null)
case "$err" in *"permission denied"*) ok "northstar_app may not purge";; *) not_ok "northstar_app may not purge" "$err";; esac
check_eq "rows after all that: unchanged" "$(rows_now)" "$TOTAL"
check_eq "the owner's purge of rows before 2000-01-01: none, recorded as audit.purge" \
  "$(sql "SELECT audit_purge(p_before => '2000-01-01')") $(jq -c '[.actor_type, .action, .target, .detail.rows]' <<<"$(last)")" \
  '0 ["database","audit.purge","2000-01-01",0]'
TOTAL=$((TOTAL + 1))

# ---- no audit row, no action
sql "REVOKE EXECUTE ON FUNCTION audit_write(text, text, int, text, text, text, text, jsonb) FROM northstar_app" >/dev/null
defer "sql \"GRANT EXECUTE ON FUNCTION audit_write(text, text, int, text, text, text, text, jsonb) TO northstar_app\""
json_post POST /api/auth/login "" "{\"email\":\"$EMAIL\",\"password\":\"$NEWPW\"}"
check_error "audit_write refused: a right password gets no session (503)" 503 audit_unavailable
T_CACHE=1 api GET "/api/alerts/rules?format=csv" "$CEO"
check_error "… a CSV export is refused" 503 audit_unavailable
json_post PUT "/api/alerts/rules/$RULE" "$CEO" '{"threshold": 8.5}'
check_eq "… a rule change fails, and the rule keeps its value" \
  "$STATUS $(sql "SELECT threshold FROM alert_rules WHERE id = $RULE")" "500 7.25"
json_post POST /api/auth/login "" "{\"email\":\"$EMAIL\",\"password\":\"$WRONG\"}"
check_error "… a failed sign-in stays a 401 (documented)" 401 unauthorized
check_eq "… and none of them wrote a row" "$(rows_now)" "$TOTAL"
sql "GRANT EXECUTE ON FUNCTION audit_write(text, text, int, text, text, text, text, jsonb) TO northstar_app" >/dev/null
json_post POST /api/auth/login "" "{\"email\":\"$EMAIL\",\"password\":\"$NEWPW\"}"
check_status "granted again: the user signs in with the new password" 200
SECRETS+=("$(jq -r .token <<<"$BODY")")

# ---- no secret, anywhere in the table
dump=$T_TMP/audit-dump.txt
sql "SELECT a::text FROM audit_log a" >"$dump"
check_eq "the dump searched holds this file's rows (a user's e-mail in $(wc -l <"$dump") rows)" \
  "$(grep -cF -- "$EMAIL" "$dump")" "$(sql "SELECT count(*) FROM audit_log a WHERE a::text LIKE '%$EMAIL%'")"
leaks=()
for s in "${SECRETS[@]}"; do
  [ -n "$s" ] || { leaks+=("(an empty secret: a step above failed)"); continue; }
  grep -qF -- "$s" "$dump" && leaks+=("${s:0:12}…")
done
grep -qE '\$2[aby]\$' "$dump" && leaks+=("a bcrypt hash")
if [ "${#leaks[@]}" = 0 ]; then ok "none of the ${#SECRETS[@]} secrets this file used (passwords, tokens, the key and its hash, the webhook's secret part) is in the table"
else not_ok "no secret in the audit table" "$(printf '%s | ' "${leaks[@]}")"; fi
done_testing
