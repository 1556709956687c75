# t-annotations.sh — the executive view's own routes (docs/api/revenue.md "Annotations", "Targets",
# "Movements"): the CEO creates, edits and deletes MRR chart annotations and sets targets, each
# change with its audit row and (targets) a new data version that nginx's cache key follows; cs
# and sales are refused (403, nothing stored); bad bodies are 400s naming the field; cookie writes
# need the page's Origin (CSRF); campaign starts are annotations on their own; a month's movements
# per customer add up to the month's totals of /api/revenue/mrr, and a sales rep sees only its own
# customers (customer_in_scope, the one scope rule).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CEO=$(login ceo@northstar.example); CS=$(login cs1@northstar.example); S1=$(login sales1@northstar.example)
CEO_ID=$(sql "SELECT id FROM app_users WHERE email = 'ceo@northstar.example'")
S1_ID=$(sql "SELECT id FROM app_users WHERE email = 'sales1@northstar.example'")
json() { api "$1" "$2" "$3" -H 'Content-Type: application/json' -d "$4"; }
START=$(sql "SELECT coalesce(max(id), 0) FROM audit_log")
N0=$(sql "SELECT count(*) FROM annotations")
last_audit() { sql "SELECT jsonb_build_object('actor_id', actor_id, 'role', role, 'action', action, 'target', target, 'detail', detail)
                    FROM audit_log WHERE id > $START ORDER BY id DESC LIMIT 1"; }
audit_rows() { sql "SELECT count(*) FROM audit_log WHERE id > $START AND action LIKE ANY (ARRAY['annotation.%', 'target.%'])"; }
TODAY=$(sql "SELECT api.today()")
MONTH=${TODAY:0:7}
DAY=$(sql "SELECT (date_trunc('month', api.today()) - interval '2 months' + interval '9 days')::date")
defer "sql \"DELETE FROM annotations WHERE text LIKE 't-annotations %'\""

# ---- who may read and write annotations
for t in CEO CS S1; do
  api GET /api/revenue/annotations "${!t}"; check_status "GET /api/revenue/annotations: $t gets 200" 200
done
for t in CS S1; do
  json POST /api/revenue/annotations "${!t}" "{\"day\":\"$DAY\",\"kind\":\"launch\",\"text\":\"t-annotations refused\"}"
  check_error "POST /api/revenue/annotations: $t is refused" 403 forbidden
  json PUT /api/revenue/annotations/1 "${!t}" '{"text":"t-annotations refused"}'
  check_error "PUT /api/revenue/annotations/{id}: $t is refused" 403 forbidden
  api DELETE /api/revenue/annotations/1 "${!t}"
  check_error "DELETE /api/revenue/annotations/{id}: $t is refused" 403 forbidden
done
check_eq "… and nothing was stored nor audited" "$(sql "SELECT count(*) FROM annotations")/$(audit_rows)" "$N0/0"

# ---- the CEO creates one
json POST /api/revenue/annotations "$CEO" "{\"day\":\"$DAY\",\"kind\":\"launch\",\"text\":\"  t-annotations v2 launch  \"}"
check_status "the CEO creates an annotation" 200
ID=$(jq -r .id <<<"$BODY")
jq_eq "it answers the note as stored (text trimmed), by the CEO" \
  "$(jq -c '{day, kind, text, source, editable, created_by}' <<<"$BODY")" \
  "{\"day\":\"$DAY\",\"kind\":\"launch\",\"text\":\"t-annotations v2 launch\",\"source\":\"note\",\"editable\":true,\"created_by\":$CEO_ID}"
check_eq "the row is in the table" "$(sql "SELECT day || ' ' || kind || ' ' || text FROM annotations WHERE id = $ID")" \
  "$DAY launch t-annotations v2 launch"
jq_eq "its audit row: the CEO, annotation.create, the id, the fields after" "$(last_audit)" \
  "{\"actor_id\":$CEO_ID,\"role\":\"ceo\",\"action\":\"annotation.create\",\"target\":\"$ID\",\"detail\":{\"annotation_id\":$ID,\"after\":{\"day\":\"$DAY\",\"kind\":\"launch\",\"text\":\"t-annotations v2 launch\"}}}"
api GET /api/revenue/annotations "$S1"
check_eq "a sales rep sees it in the chart's annotations" "$(jq -r --argjson id "$ID" '.annotations[] | select(.id == $id) | .text' <<<"$BODY")" \
  "t-annotations v2 launch"

# ---- campaign starts come on their own, exactly the campaigns started in the window
api GET "/api/revenue/annotations?months=12" "$CEO"
FROM=$(jq -r .from <<<"$BODY"); TO=$(jq -r .to <<<"$BODY")
check_eq "the window is the MRR chart's 12 months: from the first of the month 11 months back to today" "$FROM $TO" \
  "$(sql "SELECT (date_trunc('month', api.today()) - interval '11 months')::date || ' ' || api.today()")"
check_eq "every campaign started in the window is an annotation (source campaign, not editable)" \
  "$(jq -c '[.annotations[] | select(.source == "campaign" and .editable == false) | .campaign_id] | sort' <<<"$BODY")" \
  "$(sql "SELECT coalesce(json_agg(id ORDER BY id), '[]') FROM campaigns WHERE started_on BETWEEN '$FROM' AND '$TO'" | jq -c .)"
check_eq "… and every stored note in it" \
  "$(jq -c '[.annotations[] | select(.source == "note") | .id] | sort' <<<"$BODY")" \
  "$(sql "SELECT coalesce(json_agg(id ORDER BY id), '[]') FROM annotations WHERE day BETWEEN '$FROM' AND '$TO'" | jq -c .)"
check_eq "oldest first" "$(jq -c '[.annotations[].day] == ([.annotations[].day] | sort)' <<<"$BODY")" true

# ---- bad bodies: 400 naming the field, nothing stored
LONG=$(printf 'x%.0s' $(seq 1 201))
for spec in "{\"day\":\"2026-02-30\",\"kind\":\"launch\",\"text\":\"x\"}|day" \
            "{\"day\":\"02/03/2026\",\"kind\":\"launch\",\"text\":\"x\"}|day" \
            "{\"day\":\"1999-12-31\",\"kind\":\"launch\",\"text\":\"x\"}|day" \
            "{\"day\":\"$DAY\",\"kind\":\"party\",\"text\":\"x\"}|kind" \
            "{\"day\":\"$DAY\",\"kind\":\"launch\",\"text\":\"   \"}|text" \
            "{\"day\":\"$DAY\",\"kind\":\"launch\",\"text\":\"$LONG\"}|text" \
            "{\"day\":\"$DAY\",\"kind\":\"launch\",\"text\":42}|text" \
            "{\"day\":\"$DAY\",\"kind\":\"launch\"}|text" \
            "{\"day\":\"$DAY\",\"kind\":\"launch\",\"text\":\"x\",\"colour\":\"red\"}|colour" \
            "[1,2]|JSON object" "not json|JSON"; do
  json POST /api/revenue/annotations "$CEO" "${spec%|*}"
  check_error "POST ${spec%|*}: 400" 400 bad_request
  check_error_names "… naming '${spec##*|}'" "${spec##*|}"
done
# a raw NUL byte (JSON text never holds one; the body goes on as a C string): refused before SQL
printf '{"day":"%s","kind":"launch","text":"a\0b"}' "$DAY" >"$T_TMP/nul.json"
api POST /api/revenue/annotations "$CEO" -H 'Content-Type: application/json' --data-binary "@$T_TMP/nul.json"
check_error "POST a body with a NUL byte: 400" 400 bad_request; check_error_names "… naming the NUL byte" "NUL byte"
check_eq "no bad body stored an annotation or an audit row" "$(sql "SELECT count(*) FROM annotations")/$(audit_rows)" "$((N0 + 1))/1"

# ---- edit, CSRF, delete
json PUT "/api/revenue/annotations/$ID" "$CEO" '{"text":"t-annotations v2.1 launch","kind":"other"}'
check_status "the CEO edits it" 200
check_eq "the change is stored" "$(sql "SELECT kind || ' ' || text || ' ' || (updated_by = $CEO_ID) FROM annotations WHERE id = $ID")" \
  "other t-annotations v2.1 launch true"
jq_eq "its audit row: annotation.update with the fields before and after" "$(last_audit | jq -c '{action, target, detail}')" \
  "{\"action\":\"annotation.update\",\"target\":\"$ID\",\"detail\":{\"annotation_id\":$ID,\"before\":{\"day\":\"$DAY\",\"kind\":\"launch\",\"text\":\"t-annotations v2 launch\"},\"after\":{\"day\":\"$DAY\",\"kind\":\"other\",\"text\":\"t-annotations v2.1 launch\"}}}"
json PUT "/api/revenue/annotations/$ID" "$CEO" '{"day":"2026-13-01"}'
check_error "PUT with a bad day: 400" 400 bad_request; check_error_names "… naming day" day
json PUT /api/revenue/annotations/999999999 "$CEO" '{"text":"t-annotations nobody"}'
check_error "PUT of an unknown id: 404" 404 not_found
api PUT "/api/revenue/annotations/$ID" "" -H "Cookie: ns_session=$CEO" -H 'Content-Type: application/json' -d '{"text":"t-annotations csrf"}'
check_error "CSRF: a cookie PUT without an Origin is refused" 403 forbidden
api PUT "/api/revenue/annotations/$ID" "" -H "Cookie: ns_session=$CEO" -H "Origin: http://evil.example" -H 'Content-Type: application/json' -d '{"text":"t-annotations csrf"}'
check_error "CSRF: a cookie PUT from another origin is refused" 403 forbidden
check_eq "… and changed nothing" "$(sql "SELECT text FROM annotations WHERE id = $ID")" "t-annotations v2.1 launch"
api PUT "/api/revenue/annotations/$ID" "" -H "Cookie: ns_session=$CEO" -H "Origin: http://127.0.0.1:$T_PORT" -H 'Content-Type: application/json' -d '{"text":"t-annotations from the page"}'
check_status "a cookie PUT from the page's own origin is taken" 200
api DELETE "/api/revenue/annotations/$ID" "$CEO"
check_status "the CEO deletes it" 200
check_eq "it answers the id and the row is gone" "$(jq -r .deleted <<<"$BODY")/$(sql "SELECT count(*) FROM annotations WHERE id = $ID")" "$ID/0"
jq_eq "its audit row: annotation.delete with the fields before" "$(last_audit | jq -c '{action, target, detail}')" \
  "{\"action\":\"annotation.delete\",\"target\":\"$ID\",\"detail\":{\"annotation_id\":$ID,\"before\":{\"day\":\"$DAY\",\"kind\":\"other\",\"text\":\"t-annotations from the page\"}}}"
api DELETE "/api/revenue/annotations/$ID" "$CEO"
check_error "deleting it again: 404" 404 not_found

# ---- targets
api GET /api/revenue/targets "$CEO"; check_status "GET /api/revenue/targets: the CEO gets 200" 200
check_eq "the six targets, in order" "$(jq -c '[.targets[].metric]' <<<"$BODY")" \
  '["mrr","arpu_low","arpu_high","nps","runway_months","gross_margin_pct"]'
for t in CS S1; do
  api GET /api/revenue/targets "${!t}"; check_error "GET /api/revenue/targets: $t is refused" 403 forbidden
  json PUT /api/revenue/targets "${!t}" '{"metric":"mrr","value":1}'; check_error "PUT /api/revenue/targets: $t is refused" 403 forbidden
done
OLD_CENTS=$(sql "SELECT coalesce(value::text, 'null') FROM targets WHERE metric = 'mrr_cents' AND period_start = date_trunc('month', api.today())::date")
OLD_CENTS=${OLD_CENTS:-null}
if [ "$OLD_CENTS" = null ]; then
  defer "sql \"DELETE FROM targets WHERE metric = 'mrr_cents' AND period_start = date_trunc('month', api.today())::date\""
else
  defer "sql \"UPDATE targets SET value = $OLD_CENTS WHERE metric = 'mrr_cents' AND period_start = date_trunc('month', api.today())::date\""
fi
defer "sql \"DELETE FROM targets WHERE metric IN ('nps', 'arpu_low_cents') AND period_start = date_trunc('month', api.today())::date\""
api GET /api/revenue/targets "$CEO"
check_num "the MRR target's value is the stored one (cents ÷ 100)" \
  "$(jq '.targets[] | select(.metric == "mrr") | .value' <<<"$BODY")" \
  "$(sql "SELECT coalesce((value / 100)::text, 'null') FROM targets WHERE metric = 'mrr_cents' AND api.today() BETWEEN period_start AND period_end")"
check_num "its current figure is the summary's MRR" "$(jq '.targets[] | select(.metric == "mrr") | .current' <<<"$BODY")" \
  "$(api GET /api/revenue/summary "$CEO"; jq .mrr <<<"$BODY")"
# the summary through nginx's cache, at the data version the app has
V0=$(sql "SELECT api.live_version()")
T_CACHE=1 api GET /api/revenue/summary "$CEO" -H "X-Data-Version: $V0"
T_CACHE=1 api GET /api/revenue/summary "$CEO" -H "X-Data-Version: $V0"
check_eq "(the summary is cached at version $V0)" "$(header X-Cache-Status)" HIT
json PUT /api/revenue/targets "$CEO" "{\"metric\":\"mrr\",\"value\":123456.78,\"month\":\"$MONTH\"}"
check_status "the CEO sets this month's MRR target" 200
V1=$(jq -r .data_version <<<"$BODY")
check_eq "it answers the new data version, the database's" "$V1" "$(sql "SELECT api.live_version()")"
check_eq "… which moved on" "$((V1 > V0))" 1
check_eq "the target is stored in cents for the month" \
  "$(sql "SELECT value || ' ' || period_end FROM targets WHERE metric = 'mrr_cents' AND period_start = '$MONTH-01'")" \
  "12345678 $(sql "SELECT ('$MONTH-01'::date + interval '1 month' - interval '1 day')::date")"
T_CACHE=1 api GET /api/revenue/summary "$CEO" -H "X-Data-Version: $V1"
check_num "the summary at the new version (through the cache) has the new target" "$(jq .target.target_mrr <<<"$BODY")" 123456.78
check_num "… and its progress against it" "$(jq .target.pct_reached <<<"$BODY")" \
  "$(sql "SELECT round(mrr_cents * 100.0 / 12345678, 2) FROM metrics_daily WHERE day = api.today()")"
api GET /api/revenue/targets "$CEO"
check_num "GET /api/revenue/targets shows it" "$(jq '.targets[] | select(.metric == "mrr") | .value' <<<"$BODY")" 123456.78
jq_eq "its audit row: target.update, the month, before and after in cents" "$(last_audit | jq -c '{action, target, detail}')" \
  "{\"action\":\"target.update\",\"target\":\"mrr\",\"detail\":{\"metric\":\"mrr\",\"period_start\":\"$MONTH-01\",\"period_end\":\"$(sql "SELECT ('$MONTH-01'::date + interval '1 month' - interval '1 day')::date")\",\"before\":$OLD_CENTS,\"after\":12345678}}"
json PUT /api/revenue/targets "$CEO" '{"metric":"nps","value":30}'
check_status "the CEO sets an NPS target (the current month by default)" 200
api GET /api/revenue/targets "$CEO"
jq_eq "NPS: the target, the 90-day NPS of /api/users/summary as its figure, met when at least it" \
  "$(jq -c '.targets[] | select(.metric == "nps") | {value, current, met}' <<<"$BODY")" \
  "$(api GET /api/users/summary "$CEO"; jq -c '{value: 30, current: .nps_90d.value.nps, met: (.nps_90d.value.nps >= 30)}' <<<"$BODY")"
json PUT /api/revenue/targets "$CEO" '{"metric":"nps","value":null}'
check_eq "value null removes the target" "$STATUS $(sql "SELECT count(*) FROM targets WHERE metric = 'nps' AND period_start = date_trunc('month', api.today())::date")" "200 0"
for spec in '{"metric":"mrr_cents","value":1}|metric' '{"value":1}|metric' '{"metric":"mrr"}|value' \
            '{"metric":"mrr","value":"lots"}|value' '{"metric":"mrr","value":-1}|value' \
            '{"metric":"nps","value":101}|value' '{"metric":"mrr","value":1.234}|value' \
            '{"metric":"mrr","value":1,"month":"2026-13"}|month' '{"metric":"mrr","value":1,"month":"1999-12"}|month' \
            '{"metric":"mrr","value":1,"by":"me"}|by' 'nope|JSON'; do
  json PUT /api/revenue/targets "$CEO" "${spec%|*}"
  check_error "PUT targets ${spec%|*}: 400" 400 bad_request
  check_error_names "… naming '${spec##*|}'" "${spec##*|}"
done
check_eq "no bad body changed the target" "$(sql "SELECT value FROM targets WHERE metric = 'mrr_cents' AND period_start = '$MONTH-01'")" 12345678

# ---- movements: per customer, summing to the month's totals
api GET "/api/revenue/mrr?months=12" "$CEO"; MRR=$BODY
BAD=""
for m in $(jq -r '.months[].month' <<<"$MRR"); do
  api GET "/api/revenue/movements?month=$m" "$CEO"
  got=$(jq -c '[.from, .to, .partial, (.totals | to_entries | map({k: .key, a: .value.amount, n: .value.customers}))]' <<<"$BODY")
  want=$(jq -c --arg m "$m" '.months[] | select(.month == $m) | [.from, .to, .partial,
           [{k: "new", a: .new, n: .new_customers}, {k: "expansion", a: .expansion, n: .expansion_customers},
            {k: "contraction", a: .contraction, n: .contraction_customers}, {k: "churn", a: .churn, n: .churned_customers},
            {k: "reactivation", a: .reactivation, n: .reactivated_customers}]]' <<<"$MRR")
  [ "$got" = "$want" ] || BAD+="$m totals: $got vs $want; "
  # the customers of each kind add up to the total (cents, to avoid float sums)
  sums=$(jq -c '[.customers | group_by(.kind)[] | {k: .[0].kind, a: (map(.change * 100 | round) | add), n: length}] | sort_by(.k)' <<<"$BODY")
  tots=$(jq -c '[.totals | to_entries[] | select(.value.customers > 0) | {k: .key, a: (.value.amount * 100 | round), n: .value.customers}] | sort_by(.k)' <<<"$BODY")
  [ "$sums" = "$tots" ] || BAD+="$m customers: $sums vs $tots; "
done
check_empty "each of the 12 months: the movement totals are /api/revenue/mrr's, and its customers sum to them" "$BAD"
M=$(jq -r '[.months[] | select(.new_customers > 0 and .churned_customers > 0)][-1].month' <<<"$MRR")
api GET "/api/revenue/movements?month=$M&kind=churn" "$CEO"
check_eq "kind=churn lists only churned customers, as many as the month's churned_customers" \
  "$(jq -c '[([.customers[].kind] | unique), (.customers | length)]' <<<"$BODY")" \
  "$(jq -c --arg m "$M" '[["churn"], (.months[] | select(.month == $m) | .churned_customers)]' <<<"$MRR")"
check_eq "… each with MRR after 0 and a change of minus the MRR before" \
  "$(jq '[.customers[] | select(.ending_mrr != 0 or (.change + .starting_mrr + .fx | fabs) > 0.005)] | length' <<<"$BODY")" 0
CID=$(jq -r '.customers[0].customer_id' <<<"$BODY")
check_eq "… and an independent check of one: paid before the month, nothing on its last day (subscriptions)" \
  "$(sql "SELECT (SELECT coalesce(sum(mrr_cents), 0) > 0 FROM mrr_at(('$M-01'::date - 1)) WHERE customer_id = $CID)
              AND (SELECT coalesce(sum(mrr_cents), 0) = 0 FROM mrr_at(least(('$M-01'::date + interval '1 month' - interval '1 day')::date, api.today())) WHERE customer_id = $CID)")" t

# ---- sales: own customers only, the totals company-wide; cs refused
# (a month where the rep has customers among the movers, and others moved too)
for M in $(jq -r '.months[].month' <<<"$MRR" | tac); do
  api GET "/api/revenue/movements?month=$M" "$S1"
  [ "$(jq '.hidden > 0 and (.customers | length) > 0' <<<"$BODY")" = true ] && break
done
check_status "a sales rep may open the movements" 200
S_BODY=$BODY
api GET "/api/revenue/movements?month=$M" "$CEO"; C_BODY=$BODY
check_eq "its totals are the company's" "$(jq -c .totals <<<"$S_BODY")" "$(jq -c .totals <<<"$C_BODY")"
check_eq "its rows are exactly the CEO's rows that customer_in_scope gives it" \
  "$(jq -c '[.customers[].customer_id] | sort' <<<"$S_BODY")" \
  "$(sql "SELECT coalesce(json_agg(c.id ORDER BY c.id), '[]') FROM customers c
          WHERE c.id IN ($(jq -r '[.customers[].customer_id] | join(",")' <<<"$C_BODY"))
            AND customer_in_scope($S1_ID, 'sales', c.id, c.cs_owner_id, c.sales_owner_id)" | jq -c .)"
check_eq "hidden counts the others, scoped says so" \
  "$(jq -c '[.scoped, .hidden + (.customers | length)]' <<<"$S_BODY")" "[true,$(jq '.customers | length' <<<"$C_BODY")]"
check_eq "(the sample month has rows both in and out of the rep's scope)" \
  "$(jq '.hidden > 0 and (.customers | length) > 0' <<<"$S_BODY")" true
api GET "/api/revenue/movements?month=$M" "$CS"; check_error "cs may not open the movements" 403 forbidden
api GET "/api/revenue/movements?month=$M&format=csv" "$CEO"
check_eq "CSV: one line per customer and a header" "$(grep -c . <<<"$BODY")" "$(($(jq '.customers | length' <<<"$C_BODY") + 1))"

# ---- movements: bad input
api GET /api/revenue/movements "$CEO"
check_eq "without month: the month of as_of (today), partial" "$(jq -c '[.month, .to, .partial]' <<<"$BODY")" \
  "[\"$MONTH\",\"$TODAY\",$(sql "SELECT (api.today() <> (date_trunc('month', api.today()) + interval '1 month' - interval '1 day')::date)::text")]"
for q in "month=2026-13:month" "month=26-01:month" "month=$MONTH&kind=upsell:kind" \
         "month=$(sql "SELECT to_char(api.today() + interval '1 month', 'YYYY-MM')"):month" \
         "month=$MONTH&as_of=2999-01-01:as_of"; do
  api GET "/api/revenue/movements?${q%:*}" "$CEO"
  check_error "movements?${q%:*}: 400" 400 bad_request
  check_error_names "… naming '${q##*:}'" "${q##*:}"
done

done_testing
