# t-ingest-billing.sh — the record endpoints of the revenue service (docs/ingest.md, "Record
# endpoints"): customers, subscriptions (periods as history: an upgrade and a cancellation move the
# MRR movements by hand-worked amounts), orders (a refund re-sent moves the refunds figure), billing
# events, opportunities, activities; invalid fields by index, 207/400/413, idempotent replay, stale
# records, currencies (no rate → rejected; a rate → the hand-worked conversion), who may write
# (scope, revoked key, session), and the narrow write path.  Every row made here carries the
# external-id prefix t18-<run>- and is deleted at the end; figures of the demo company are compared
# as deltas.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
B_ADMIN() { NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=postgres" \
  "${NS_BUILD:-$ROOT/build}/northstar-admin" "$@"; }
B_RUN=$(date +%s%N | tail -c 9)
P="t18-$B_RUN"                            # the external-id prefix of this run's rows
defer "rm -rf \"$T_TMP\"/billing-*"
defer "sql \"DELETE FROM sales_activities WHERE external_id LIKE '$P-%';
             DELETE FROM opportunities WHERE external_id LIKE '$P-%';
             DELETE FROM customers WHERE external_id LIKE '$P-%';
             DELETE FROM plans WHERE code LIKE '$P-%';
             DELETE FROM fx_rates WHERE currency = 'XTS' OR (currency = 'USD' AND per_eur = 1.1 AND day > ns_today() - 10);
             DELETE FROM api_keys WHERE name LIKE '$P-%'\""
# post PATH FILE [KEY] — POST a JSON file; sets STATUS, BODY
post() { api POST "$1" "${3-$K_BILL}" -H 'Content-Type: application/json' --data-binary "@$2"; }
# body NAME JSON — write a request body to a file and echo its path
body() { printf '%s' "$2" >"$T_TMP/billing-$1.json"; echo "$T_TMP/billing-$1.json"; }
jqb() { jq -c "$1" <<<"$BODY" 2>/dev/null; }
counts() { jqb '[.accepted, .created, .updated, .unchanged, .stale, (.rejected | length)]'; }
CEO() { curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"email":"ceo@northstar.example","password":"northstar-demo"}' "http://127.0.0.1:$T_PORT/api/auth/login" | jq -r '.token // empty'; }
# iso DAY-EXPR — the start of that reporting day as an ISO-8601 instant
iso() { sql "SELECT to_char(ns_day_start(($1)::date) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"; }

K_BILL=$(B_ADMIN key add "$P-bill" ingest:billing 2>/dev/null)
K_SALES=$(B_ADMIN key add "$P-sales" ingest:sales 2>/dev/null)
K_EV=$(B_ADMIN key add "$P-ev" ingest:events 2>/dev/null)
check_eq "three keys made (billing, sales, events)" "${#K_BILL}/${#K_SALES}/${#K_EV}" "47/47/47"
check_eq "the reporting currency of the test stack is USD (the hand-worked amounts below assume it)" \
  "$(sql "SELECT ns_currency()")" USD

# Days of the subscription story, relative to today: M = the first day of the month 4 months ago.
M=$(sql "SELECT (date_trunc('month', ns_today()) - interval '4 months')::date")
SIGNUP=$(iso "'$M'::date + 1"); START=$(iso "'$M'::date + 9")
UPG=$(iso "'$M'::date + interval '1 month' + interval '14 days'"); UPG_DAY=${UPG%%T*}
CXL=$(iso "'$M'::date + interval '2 months' + interval '19 days'"); CXL_DAY=${CXL%%T*}
MON_NEW=${M:0:7}; MON_UPG=${UPG:0:7}; MON_CXL=${CXL:0:7}
T1="2026-01-01T00:00:00Z"; T2="2026-01-02T00:00:00Z"; T3="2026-01-03T00:00:00Z"   # source updated_at

# ================================================================ customers
f=$(body cust "[
 {\"external_id\": \"$P-c1\", \"name\": \"Acme $B_RUN\", \"email\": \"billing@acme.example\", \"signup_at\": \"$SIGNUP\",
  \"segment\": \"mid_market\", \"country\": \"DE\", \"channel\": \"paid_search\", \"trial_started_on\": \"${SIGNUP%%T*}\",
  \"trial_ends_on\": \"$(sql "SELECT '$M'::date + 15")\", \"updated_at\": \"$T1\"},
 {\"external_id\": \"$P-c2\", \"name\": \"Bolt $B_RUN\", \"signup_at\": \"$SIGNUP\", \"updated_at\": \"$T1\"},
 {\"external_id\": \"$P-c3\", \"name\": \"Crux $B_RUN\", \"signup_at\": \"$SIGNUP\"},
 {\"external_id\": \"$P-bad1\", \"signup_at\": \"$SIGNUP\"},
 {\"external_id\": \"$P-bad2\", \"name\": \"x\", \"signup_at\": \"2026-02-30T00:00:00Z\"},
 {\"external_id\": \"$P-bad3\", \"name\": \"x\", \"signup_at\": \"$SIGNUP\", \"segment\": \"huge\"},
 {\"external_id\": \"$P-bad4\", \"name\": \"x\", \"signup_at\": \"$SIGNUP\", \"country\": \"USA\"},
 {\"external_id\": \"$P-bad5\", \"name\": \"x\", \"signup_at\": \"$SIGNUP\", \"channel\": \"tv\"},
 {\"external_id\": \"$P-bad6\", \"name\": \"x\", \"signup_at\": \"$SIGNUP\", \"trial_started_on\": \"2026-03-10\", \"trial_ends_on\": \"2026-03-01\"},
 {\"name\": \"no id\", \"signup_at\": \"$SIGNUP\"},
 [1, 2]
]")
post /api/revenue/customers "$f"
check_status "customers: a batch with some invalid records is a 207" 207
check_eq "customers: three created, eight rejected" "$(counts)" "[3,3,0,0,0,8]"
check_eq "customers: each rejection names its index and first bad field" "$(jqb '[.rejected[] | "\(.index):\(.field)"]')" \
  '["3:name","4:signup_at","5:segment","6:country","7:channel","8:trial_ends_on","9:external_id","10:null"]'
check_eq "customers: every rejection says what to do" "$(jqb '[.rejected[] | select((.message | length) < 12)] | length')" 0
check_eq "customers: stored with their fields" \
  "$(sql "SELECT concat_ws('|', name, email, segment, country, channel, trial_started_on, trial_ends_on, signup_at = '$SIGNUP')
          FROM customers WHERE external_id = '$P-c1'")" \
  "Acme $B_RUN|billing@acme.example|mid_market|DE|paid_search|${SIGNUP%%T*}|$(sql "SELECT '$M'::date + 15")|t"
check_eq "customers: the defaults are smb, US, organic" \
  "$(sql "SELECT concat_ws('|', segment, country, channel) FROM customers WHERE external_id = '$P-c2'")" "smb|US|organic"
C_SUM() { sql "SELECT md5(string_agg(c::text, ';' ORDER BY c.id)) FROM customers c WHERE external_id LIKE '$P-%'"; }
before=$(C_SUM)
post /api/revenue/customers "$f"
check_eq "customers: the same batch again is three unchanged" "$(counts)" "[3,0,0,3,0,8]"
check_eq "customers: ... and changes no row" "$(C_SUM)" "$before"
f=$(body cust2 "[{\"external_id\": \"$P-c2\", \"name\": \"Bolt Renamed\", \"signup_at\": \"$SIGNUP\", \"updated_at\": \"$T2\"}]")
post /api/revenue/customers "$f"
check_eq "customers: a newer version is an update in place" "$STATUS $(counts)" "200 [1,0,1,0,0,0]"
f=$(body cust3 "[{\"external_id\": \"$P-c2\", \"name\": \"Bolt Old\", \"signup_at\": \"$SIGNUP\", \"updated_at\": \"$T1\"}]")
post /api/revenue/customers "$f"
check_eq "customers: an older version (updated_at before the stored one) is stale" "$(counts)" "[1,0,0,0,1,0]"
check_eq "customers: ... and changes nothing" \
  "$(sql "SELECT name || '|' || count(*) OVER () FROM customers WHERE external_id = '$P-c2'")" "Bolt Renamed|1"
f=$(body cust4 "[{\"external_id\": \"$P-c4\", \"name\": \"First\", \"signup_at\": \"$SIGNUP\", \"updated_at\": \"$T2\"},
                 {\"external_id\": \"$P-c4\", \"name\": \"Second\", \"signup_at\": \"$SIGNUP\", \"updated_at\": \"$T1\"}]")
post /api/revenue/customers "$f"
check_eq "customers: one id twice in a batch: the newer version lands, the other is stale" \
  "$(counts) $(sql "SELECT name FROM customers WHERE external_id = '$P-c4'")" "[2,1,0,0,1,0] First"

# ================================================================ subscriptions: history and MRR movements
CEO_T=$(CEO)
# mrr_cents MONTH FIELD — a month's movement of /api/revenue/mrr in cents (the last 6 months)
mrr_cents() {
  api GET "/api/revenue/mrr?months=6" "$CEO_T"
  jq -r --arg m "$1" --arg f "$2" '.months[] | select(.month == $m) | .[$f] * 100 | round' <<<"$BODY" 2>/dev/null
}
NEW0=$(mrr_cents "$MON_NEW" new); EXP0=$(mrr_cents "$MON_UPG" expansion); CHURN0=$(mrr_cents "$MON_CXL" churn)
MRR_DAY() { sql "SELECT mrr_cents FROM metrics_daily WHERE day = '$1'"; }
D_UPG=$(sql "SELECT '$UPG_DAY'::date + 2"); D_CXL=$(sql "SELECT '$CXL_DAY'::date + 2")
# wait_mrr DAY OURS — until metrics_daily's MRR for DAY is the other customers' MRR that day plus
# OURS (this file's customer, worked out by hand); echoes "got want".  The others' part is read
# fresh each time: files before this one leave work behind (an FX re-conversion, an import's late
# rows) that may move other customers' MRR on the same days while this file runs.
MRR_OTHERS() { sql "SELECT coalesce(sum(m.mrr_cents), 0) FROM mrr_at('$1') m
                    WHERE m.customer_id IS DISTINCT FROM (SELECT id FROM customers WHERE external_id = '$P-c1')"; }
wait_mrr() {
  local got want
  for _ in $(seq 1 60); do
    want=$(( $(MRR_OTHERS "$1") + $2 )); got=$(MRR_DAY "$1")
    [ "$got" = "$want" ] && break; sleep 2
  done
  echo "$got $want"
}

# Plan A, monthly: 2,500 ¢ × 4 seats − 1,000 ¢ discount = 9,000 ¢ MRR ($90.00).
S1="{\"external_id\": \"$P-s1\", \"customer_external_id\": \"$P-c1\", \"plan\": \"$P-team\", \"plan_name\": \"Team\",
     \"interval\": \"month\", \"unit_amount_cents\": 2500, \"quantity\": 4, \"discount_cents\": 1000,
     \"started_at\": \"$START\", \"updated_at\": \"$T1\"}"
f=$(body sub1 "[$S1]")
post /api/revenue/subscriptions "$f"
check_eq "subscriptions: a new subscription is created" "$STATUS $(counts)" "200 [1,1,0,0,0,0]"
check_eq "subscriptions: one open period from the day of started_at, MRR 9,000 ¢" \
  "$(sql "SELECT concat_ws('|', count(*), min(valid_from), max(coalesce(valid_to::text, 'open')), sum(mrr_cents), sum(mrr_original_cents), min(status))
          FROM subscriptions WHERE external_id = '$P-s1'")" "1|${START%%T*}|open|9000|9000|active"
check_eq "subscriptions: the unknown plan is created (code, name, price per unit, interval)" \
  "$(sql "SELECT concat_ws('|', name, price_cents, billing_interval) FROM plans WHERE code = '$P-team'")" "Team|2500|month"
check_eq "subscriptions: the customer's converted_at is the start of its first paid period" \
  "$(sql "SELECT converted_at = '$START' AND churned_at IS NULL FROM customers WHERE external_id = '$P-c1'")" t
check_num "MRR movements: the month it started shows 90.00 more new MRR" "$(mrr_cents "$MON_NEW" new)" "$NEW0 + 9000"

# The upgrade, effective on UPG_DAY: plan B, yearly, 30,000 ¢ × 5 seats = 150,000 ¢ a year → 12,500 ¢ MRR.
S1B="{\"external_id\": \"$P-s1\", \"customer_external_id\": \"$P-c1\", \"plan\": \"$P-business\", \"plan_name\": \"Business\",
      \"interval\": \"year\", \"unit_amount_cents\": 30000, \"quantity\": 5, \"started_at\": \"$START\",
      \"effective_at\": \"$UPG\", \"updated_at\": \"$T2\"}"
f=$(body sub2 "[$S1B]")
post /api/revenue/subscriptions "$f"
check_eq "subscriptions: the upgrade is an update" "$STATUS $(counts)" "200 [1,0,1,0,0,0]"
check_eq "subscriptions: two periods kept: the old plan up to the upgrade day, the new one from it" \
  "$(sql "SELECT string_agg(concat_ws(',', p.code, s.quantity, s.mrr_cents, s.valid_from, coalesce(s.valid_to::text, 'open')), ' ' ORDER BY s.valid_from)
          FROM subscriptions s JOIN plans p ON p.id = s.plan_id WHERE s.external_id = '$P-s1'")" \
  "$P-team,4,9000,${START%%T*},$UPG_DAY $P-business,5,12500,$UPG_DAY,open"
# expansion = 12,500 − 9,000 = 3,500 ¢ ($35.00)
check_num "MRR movements: the upgrade's month shows 35.00 more expansion" "$(mrr_cents "$MON_UPG" expansion)" "$EXP0 + 3500"
# (the first period's 9,000 ¢ ended on the upgrade day: two days later only the 12,500 ¢ count)
read -r W_GOT W_WANT <<<"$(wait_mrr "$D_UPG" 12500)"
check_num "metrics_daily follows: MRR two days after the upgrade is the others' plus 12,500 ¢ (dirty days of the UPDATE)" \
  "$W_GOT" "$W_WANT"
S_SUM() { sql "SELECT md5(string_agg(s::text, ';' ORDER BY s.id)) FROM subscriptions s WHERE external_id LIKE '$P-%'"; }
before=$(S_SUM)
post /api/revenue/subscriptions "$f"
check_eq "subscriptions: the upgrade again is unchanged" "$(counts)" "[1,0,0,1,0,0]"
check_eq "subscriptions: ... and changes no row" "$(S_SUM)" "$before"
f=$(body sub-old "[$S1]")
post /api/revenue/subscriptions "$f"
check_eq "subscriptions: the first version delivered late (older updated_at) is stale" "$(counts)" "[1,0,0,0,1,0]"
check_eq "subscriptions: ... and changes nothing" "$(S_SUM)" "$before"

# The cancellation on CXL_DAY ends the Business period there: churn of 12,500 ¢ ($125.00).
f=$(body sub3 "[{\"external_id\": \"$P-s1\", \"customer_external_id\": \"$P-c1\", \"plan\": \"$P-business\", \"interval\": \"year\",
                 \"unit_amount_cents\": 30000, \"quantity\": 5, \"status\": \"canceled\", \"started_at\": \"$START\",
                 \"ended_at\": \"$CXL\", \"updated_at\": \"$T3\"}]")
post /api/revenue/subscriptions "$f"
check_eq "subscriptions: the cancellation is an update" "$STATUS $(counts)" "200 [1,0,1,0,0,0]"
check_eq "subscriptions: the last period now ends on the day of ended_at, marked canceled" \
  "$(sql "SELECT concat_ws(',', count(*), max(valid_to), (array_agg(status ORDER BY valid_from DESC))[1])
          FROM subscriptions WHERE external_id = '$P-s1'")" "2,$CXL_DAY,canceled"
check_num "MRR movements: the cancellation's month shows 125.00 more churn" "$(mrr_cents "$MON_CXL" churn)" "$CHURN0 - 12500"
check_eq "subscriptions: the customer's churned_at is the end of its last paid period" \
  "$(sql "SELECT churned_at = '$CXL' FROM customers WHERE external_id = '$P-c1'")" t
read -r W_GOT W_WANT <<<"$(wait_mrr "$D_CXL" 0)"
check_num "metrics_daily follows: MRR two days after the cancellation is the others' alone (ours is 0)" \
  "$W_GOT" "$W_WANT"
post /api/revenue/subscriptions "$f"
check_eq "subscriptions: the cancellation again is unchanged" "$(counts)" "[1,0,0,1,0,0]"

# In place, rounding, trials, past_due; invalid fields.
f=$(body sub4 "[
 {\"external_id\": \"$P-s2\", \"customer_external_id\": \"$P-c2\", \"plan\": \"$P-tiny\", \"interval\": \"year\",
  \"unit_amount_cents\": 150, \"started_at\": \"$START\", \"updated_at\": \"$T1\"},
 {\"external_id\": \"$P-s3\", \"customer_external_id\": \"$P-c3\", \"plan\": \"$P-team\", \"interval\": \"month\",
  \"unit_amount_cents\": 2500, \"status\": \"trialing\", \"started_at\": \"$START\"},
 {\"external_id\": \"$P-s4\", \"customer_external_id\": \"$P-c3\", \"plan\": \"$P-team\", \"interval\": \"month\",
  \"unit_amount_cents\": 2500, \"quantity\": 2, \"status\": \"past_due\", \"started_at\": \"$START\"},
 {\"external_id\": \"$P-x1\", \"customer_external_id\": \"$P-nobody\", \"plan\": \"p\", \"interval\": \"month\", \"unit_amount_cents\": 1, \"started_at\": \"$START\"},
 {\"external_id\": \"$P-x2\", \"customer_external_id\": \"$P-c3\", \"interval\": \"month\", \"unit_amount_cents\": 1, \"started_at\": \"$START\"},
 {\"external_id\": \"$P-x3\", \"customer_external_id\": \"$P-c3\", \"plan\": \"p\", \"interval\": \"week\", \"unit_amount_cents\": 1, \"started_at\": \"$START\"},
 {\"external_id\": \"$P-x4\", \"customer_external_id\": \"$P-c3\", \"plan\": \"p\", \"interval\": \"month\", \"unit_amount_cents\": -5, \"started_at\": \"$START\"},
 {\"external_id\": \"$P-x5\", \"customer_external_id\": \"$P-c3\", \"plan\": \"p\", \"interval\": \"month\", \"unit_amount_cents\": 100, \"quantity\": 0, \"started_at\": \"$START\"},
 {\"external_id\": \"$P-x6\", \"customer_external_id\": \"$P-c3\", \"plan\": \"p\", \"interval\": \"month\", \"unit_amount_cents\": 100, \"discount_cents\": 101, \"started_at\": \"$START\"},
 {\"external_id\": \"$P-x7\", \"customer_external_id\": \"$P-c3\", \"plan\": \"p\", \"interval\": \"month\", \"unit_amount_cents\": 100, \"currency\": \"usd\", \"started_at\": \"$START\"},
 {\"external_id\": \"$P-x8\", \"customer_external_id\": \"$P-c3\", \"plan\": \"p\", \"interval\": \"month\", \"unit_amount_cents\": 100, \"status\": \"paused\", \"started_at\": \"$START\"},
 {\"external_id\": \"$P-x9\", \"customer_external_id\": \"$P-c3\", \"plan\": \"p\", \"interval\": \"month\", \"unit_amount_cents\": 100, \"status\": \"canceled\", \"started_at\": \"$START\"},
 {\"external_id\": \"$P-x10\", \"customer_external_id\": \"$P-c3\", \"plan\": \"p\", \"interval\": \"month\", \"unit_amount_cents\": 100}
]")
post /api/revenue/subscriptions "$f"
check_status "subscriptions: a batch with some invalid records is a 207" 207
check_eq "subscriptions: three created, ten rejected by index and field" \
  "$(counts) $(jqb '[.rejected[] | "\(.index):\(.field)"]')" \
  '[3,3,0,0,0,10] ["3:customer_external_id","4:plan","5:interval","6:unit_amount_cents","7:quantity","8:discount_cents","9:currency","10:status","11:ended_at","12:started_at"]'
check_eq "subscriptions: an unknown customer is named, with what to do" \
  "$(jqb '.rejected[0].message')" "\"no customer with external_id $P-nobody; send the customer first (POST /api/revenue/customers)\""
# 150 ¢ a year ÷ 12 = 12.5 ¢ → 13 ¢ (half away from zero); a trial is 0; past_due counts: 2 × 2,500 = 5,000 ¢
check_eq "subscriptions: yearly MRR rounds half away from zero, a trial carries 0, past_due counts" \
  "$(sql "SELECT string_agg(external_id || '=' || mrr_cents, ' ' ORDER BY external_id) FROM subscriptions
          WHERE external_id IN ('$P-s2', '$P-s3', '$P-s4')")" "$P-s2=13 $P-s3=0 $P-s4=5000"
f=$(body sub5 "[{\"external_id\": \"$P-s2\", \"customer_external_id\": \"$P-c2\", \"plan\": \"$P-tiny\", \"interval\": \"year\",
                 \"unit_amount_cents\": 150, \"quantity\": 3, \"started_at\": \"$START\", \"effective_at\": \"$START\", \"updated_at\": \"$T2\"}]")
post /api/revenue/subscriptions "$f"
# 3 × 150 = 450 ¢ a year ÷ 12 = 37.5 → 38 ¢
check_eq "subscriptions: a change effective on the period's own first day updates it in place" \
  "$(counts) $(sql "SELECT count(*) || ',' || max(quantity) || ',' || max(mrr_cents) FROM subscriptions WHERE external_id = '$P-s2'")" \
  "[1,0,1,0,0,0] 1,3,38"
f=$(body sub6 "[{\"external_id\": \"$P-s3\", \"customer_external_id\": \"$P-c3\", \"plan\": \"$P-team\", \"interval\": \"month\",
                 \"unit_amount_cents\": 2500, \"started_at\": \"$START\", \"effective_at\": \"$UPG\"}]")
post /api/revenue/subscriptions "$f"
check_eq "subscriptions: a trial turned active keeps the trial period at 0, pays from the day it converted" \
  "$(sql "SELECT string_agg(mrr_cents || '@' || valid_from, ' ' ORDER BY valid_from) FROM subscriptions WHERE external_id = '$P-s3'")" \
  "0@${START%%T*} 2500@$UPG_DAY"

# ================================================================ currencies
# A recent day: a subscription open from day X marks X .. today dirty, and one rollup refresh must
# recompute them within the services' statement timeout (a backfill of years is the importers' case).
DAYX=$(sql "SELECT ns_today() - 3")
f=$(body sub-fx "[{\"external_id\": \"$P-sx\", \"customer_external_id\": \"$P-c3\", \"plan\": \"$P-euro\", \"interval\": \"month\",
                   \"unit_amount_cents\": 2000, \"currency\": \"XTS\", \"started_at\": \"${DAYX}T12:00:00Z\"}]")
post /api/revenue/subscriptions "$f"
check_error "a subscription in a currency without a rate is a 400 (nothing valid)" 400 bad_request
check_eq "... rejected on currency with the one fx message" "$(jqb '.rejected[0] | [.field, .message]')" \
  "$(sql "SELECT json_build_array('currency', fx_missing_message('XTS', '$DAYX'))::text" | jq -c .)"
check_eq "... and no plan or period was written" \
  "$(sql "SELECT (SELECT count(*) FROM plans WHERE code = '$P-euro') + (SELECT count(*) FROM subscriptions WHERE external_id = '$P-sx')")" 0
# Rates (units per EUR): XTS 0.8, USD 1.1 → 1 XTS = 1.1 / 0.8 = 1.375 USD.
sql "INSERT INTO fx_rates (currency, day, per_eur) VALUES ('XTS', '$DAYX', 0.8), ('USD', '$DAYX', 1.1) ON CONFLICT DO NOTHING"
check_eq "the test's rates are the ones in force" \
  "$(sql "SELECT string_agg(currency || '=' || per_eur, ',' ORDER BY currency) FROM fx_rates WHERE day = '$DAYX' AND currency IN ('USD', 'XTS')")" \
  "USD=1.1,XTS=0.8"
post /api/revenue/subscriptions "$f"
# 2,000 XTS ¢ × 1.375 = 2,750 USD ¢
check_eq "with a rate: MRR 2,000 XTS ¢ is stored as 2,750 ¢, the original kept with its currency" \
  "$STATUS $(sql "SELECT concat_ws('|', mrr_cents, mrr_original_cents, currency) FROM subscriptions WHERE external_id = '$P-sx'")" \
  "200 2750|2000|XTS"
f=$(body ord-fx "[{\"external_id\": \"$P-ox\", \"customer_external_id\": \"$P-c3\", \"ordered_at\": \"${DAYX}T09:00:00Z\",
                   \"source\": \"shopify\", \"total_cents\": 10000, \"refunded_cents\": 333, \"currency\": \"XTS\"}]")
post /api/revenue/orders "$f"
# 10,000 × 1.375 = 13,750; 333 × 1.375 = 457.875 → 458
check_eq "an order of 10,000 XTS ¢ with 333 refunded: 13,750 ¢ and 458 ¢, partially refunded" \
  "$STATUS $(sql "SELECT concat_ws('|', total_cents, total_original_cents, currency, refunded_cents, status) FROM orders WHERE external_id = '$P-ox'")" \
  "200 13750|10000|XTS|458|partially_refunded"

# ================================================================ orders: a refund re-sent moves the refunds figure
D_ORD=$(sql "SELECT ns_today() - 2"); AT_ORD=$(iso "'$D_ORD'")
ref_cents() {  # the refunds endpoint's refunded total for D_ORD, in cents
  api GET "/api/revenue/refunds?from=$D_ORD&to=$D_ORD" "$CEO_T"
  jq -r '"\(.totals.refunded * 100 | round),\(.totals.refunds)"' <<<"$BODY" 2>/dev/null
}
REF0=$(ref_cents)
O1="{\"external_id\": \"$P-o1\", \"customer_external_id\": \"$P-c2\", \"ordered_at\": \"$AT_ORD\", \"source\": \"api\",
     \"total_cents\": 20000, \"cogs_cents\": 5000"
f=$(body ord "[$O1, \"updated_at\": \"$T1\"},
 {\"external_id\": \"$P-o2\", \"customer_external_id\": \"$P-c2\", \"ordered_at\": \"$AT_ORD\", \"source\": \"marketplace\", \"total_cents\": 3000, \"refunded_cents\": 3000},
 {\"external_id\": \"$P-o3\", \"customer_external_id\": \"$P-c2\", \"ordered_at\": \"$AT_ORD\", \"source\": \"shopify\", \"total_cents\": 4000, \"chargeback_cents\": 4000},
 {\"external_id\": \"$P-y1\", \"customer_external_id\": \"$P-c2\", \"ordered_at\": \"$AT_ORD\", \"source\": \"tv\", \"total_cents\": 1},
 {\"external_id\": \"$P-y2\", \"customer_external_id\": \"$P-c2\", \"ordered_at\": \"$AT_ORD\", \"source\": \"api\"},
 {\"external_id\": \"$P-y3\", \"customer_external_id\": \"$P-c2\", \"ordered_at\": \"$AT_ORD\", \"source\": \"api\", \"total_cents\": 10, \"refunded_cents\": 11},
 {\"external_id\": \"$P-y4\", \"customer_external_id\": \"$P-c2\", \"ordered_at\": \"2099-01-01T00:00:00Z\", \"source\": \"api\", \"total_cents\": 10},
 {\"external_id\": \"$P-y5\", \"customer_external_id\": \"$P-c2\", \"ordered_at\": \"$AT_ORD\", \"source\": \"api\", \"total_cents\": 10, \"cogs_cents\": 1.5}
]")
post /api/revenue/orders "$f"
check_eq "orders: three created, five rejected by index and field" "$STATUS $(counts) $(jqb '[.rejected[] | "\(.index):\(.field)"]')" \
  '207 [3,3,0,0,0,5] ["3:source","4:total_cents","5:refunded_cents","6:ordered_at","7:cogs_cents"]'
check_eq "orders: status follows from the amounts (paid, refunded, chargeback)" \
  "$(sql "SELECT string_agg(status, ',' ORDER BY external_id) FROM orders WHERE external_id IN ('$P-o1', '$P-o2', '$P-o3')")" \
  "paid,refunded,chargeback"
O_ID=$(sql "SELECT id FROM orders WHERE external_id = '$P-o1'")
f=$(body ord-ref "[$O1, \"refunded_cents\": 7500, \"updated_at\": \"$T2\"}]")
post /api/revenue/orders "$f"
check_eq "orders: the order re-sent with a refund is an update in place (same row)" \
  "$(counts) $(sql "SELECT concat_ws('|', id, refunded_cents, status) FROM orders WHERE external_id = '$P-o1'")" \
  "[1,0,1,0,0,0] $O_ID|7500|partially_refunded"
O_SUM() { sql "SELECT md5(string_agg(o::text, ';' ORDER BY o.id)) FROM orders o WHERE external_id LIKE '$P-%'"; }
before=$(O_SUM)
post /api/revenue/orders "$f"
check_eq "orders: re-sent again: unchanged, no row changed" "$(counts) $(O_SUM)" "[1,0,0,1,0,0] $before"
f=$(body ord-old "[$O1, \"updated_at\": \"$T1\"}]")
post /api/revenue/orders "$f"
check_eq "orders: the version without the refund, delivered late, is stale" "$(counts) $(O_SUM)" "[1,0,0,0,1,0] $before"
# refunds on D_ORD: + 7,500 (o1) + 3,000 (o2, fully refunded) = 10,500 ¢ more, in 2 more refunded orders
want="$(( ${REF0%,*} + 10500 )),$(( ${REF0#*,} + 2 ))"
got=""; for _ in $(seq 1 60); do got=$(ref_cents); [ "$got" = "$want" ] && break; sleep 2; done
check_eq "the refunds figure of the order day moves by 105.00 in two orders (rollups, then the revenue follower)" "$got" "$want"

# ================================================================ billing events
f=$(body bev "[
 {\"external_id\": \"$P-e1\", \"customer_external_id\": \"$P-c2\", \"occurred_at\": \"$AT_ORD\", \"kind\": \"payment_success\", \"amount_cents\": 9000},
 {\"external_id\": \"$P-e2\", \"customer_external_id\": \"$P-c2\", \"occurred_at\": \"$AT_ORD\", \"kind\": \"refund\", \"amount_cents\": 1500},
 {\"external_id\": \"$P-e3\", \"customer_external_id\": \"$P-c2\", \"occurred_at\": \"$AT_ORD\", \"kind\": \"bonus\", \"amount_cents\": 1},
 {\"external_id\": \"$P-e4\", \"customer_external_id\": \"$P-c2\", \"kind\": \"refund\", \"amount_cents\": 1}
]")
post /api/revenue/billing-events "$f"
check_eq "billing events: two created, two rejected by index and field" "$STATUS $(counts) $(jqb '[.rejected[] | "\(.index):\(.field)"]')" \
  '207 [2,2,0,0,0,2] ["2:kind","3:occurred_at"]'
# net paid of the customer (revenue_customer_paid, trigger-kept): 9,000 − 1,500 = 7,500
check_eq "billing events: stored, and the customer's net paid is 7,500 ¢" \
  "$(sql "SELECT r.net_paid_cents FROM revenue_customer_paid r JOIN customers c ON c.id = r.customer_id WHERE c.external_id = '$P-c2'")" 7500
post /api/revenue/billing-events "$f"
check_eq "billing events: the same batch again is unchanged" "$(counts)" "[2,0,0,2,0,2]"

# ================================================================ opportunities and activities (ingest:sales)
f=$(body opp "[
 {\"external_id\": \"$P-op1\", \"customer_external_id\": \"$P-c1\", \"owner_email\": \"Sales1@northstar.example\", \"stage\": \"closed_won\",
  \"amount_cents\": 480000, \"created_at\": \"$START\", \"closed_at\": \"$UPG\", \"updated_at\": \"$T1\"},
 {\"external_id\": \"$P-op2\", \"owner_email\": \"sales2@northstar.example\", \"stage\": \"proposal\", \"created_at\": \"$START\",
  \"expected_close_on\": \"$CXL_DAY\"},
 {\"external_id\": \"$P-op3\", \"owner_email\": \"ghost@nowhere.example\", \"stage\": \"proposal\", \"created_at\": \"$START\"},
 {\"external_id\": \"$P-op4\", \"owner_email\": \"sales2@northstar.example\", \"stage\": \"closed_lost\", \"created_at\": \"$START\"},
 {\"external_id\": \"$P-op5\", \"owner_email\": \"sales2@northstar.example\", \"stage\": \"won\", \"created_at\": \"$START\"}
]")
post /api/revenue/opportunities "$f" "$K_SALES"
check_eq "opportunities: two created, three rejected by index and field" "$STATUS $(counts) $(jqb '[.rejected[] | "\(.index):\(.field)"]')" \
  '207 [2,2,0,0,0,3] ["2:owner_email","3:closed_at","4:stage"]'
check_eq "opportunities: an unknown owner is named" "$(jqb '.rejected[0].message | test("ghost@nowhere.example")')" true
check_eq "opportunities: won follows from the stage, the owner from the email" \
  "$(sql "SELECT string_agg(concat_ws(',', o.stage, coalesce(o.won::text, '-'), u.email, o.amount_cents), ' ' ORDER BY o.external_id)
          FROM opportunities o JOIN app_users u ON u.id = o.owner_id WHERE o.external_id LIKE '$P-op%'")" \
  "closed_won,true,sales1@northstar.example,480000 proposal,-,sales2@northstar.example,0"
post /api/revenue/opportunities "$f" "$K_SALES"
check_eq "opportunities: the same batch again is unchanged" "$(counts)" "[2,0,0,2,0,3]"
post /api/revenue/opportunities "$f"
check_error "opportunities: a billing key is refused (403)" 403 forbidden
f=$(body act "[
 {\"external_id\": \"$P-a1\", \"rep_email\": \"sales1@northstar.example\", \"kind\": \"meeting\", \"occurred_at\": \"$START\", \"opportunity_external_id\": \"$P-op1\"},
 {\"external_id\": \"$P-a2\", \"rep_email\": \"sales1@northstar.example\", \"kind\": \"call\", \"occurred_at\": \"$START\", \"opportunity_external_id\": \"$P-none\"},
 {\"external_id\": \"$P-a3\", \"rep_email\": \"sales1@northstar.example\", \"kind\": \"fax\", \"occurred_at\": \"$START\"}
]")
post /api/revenue/activities "$f" "$K_SALES"
check_eq "activities: one created, two rejected by index and field" "$STATUS $(counts) $(jqb '[.rejected[] | "\(.index):\(.field)"]')" \
  '207 [1,1,0,0,0,2] ["1:opportunity_external_id","2:kind"]'
check_eq "activities: stored on its opportunity" \
  "$(sql "SELECT a.kind || ',' || o.external_id FROM sales_activities a JOIN opportunities o ON o.id = a.opportunity_id WHERE a.external_id = '$P-a1'")" \
  "meeting,$P-op1"

# ================================================================ shapes and limits
f=$(body none "[{\"name\": \"no id\"}, {\"external_id\": \"$P-z\"}]")
post /api/revenue/customers "$f"
check_error "a batch with no valid record is a 400" 400 bad_request
check_eq "... which still lists each rejection" "$(counts)" "[0,0,0,0,0,2]"
post /api/revenue/customers "$(body num '5')"
check_error "a body that is neither an array nor an object is a 400" 400 bad_request
post /api/revenue/orders "$(body empty '[]')"
check_error "an empty array is a 400" 400 bad_request
f=$(body one "{\"external_id\": \"$P-c5\", \"name\": \"Single\", \"signup_at\": \"$SIGNUP\"}")
post /api/revenue/customers "$f"
check_eq "one record object (no array) is accepted" "$STATUS $(counts)" "200 [1,1,0,0,0,0]"
printf '{"external_id":"%s-c6","name":"Nd","signup_at":"%s"}\n{"external_id":\n' "$P" "$SIGNUP" >"$T_TMP/billing-nd.ndjson"
api POST /api/revenue/customers "$K_BILL" -H 'Content-Type: application/x-ndjson' --data-binary "@$T_TMP/billing-nd.ndjson"
check_eq "NDJSON: the good line lands, the broken one is rejected at its index" "$STATUS $(counts) $(jqb '[.rejected[].index]')" \
  "207 [1,1,0,0,0,1] [1]"
jq -nc --arg p "$P" --arg s "$SIGNUP" '[range(2501) | {external_id: "\($p)-many-\(.)", name: "n", signup_at: $s}]' >"$T_TMP/billing-many.json"
post /api/revenue/customers "$T_TMP/billing-many.json"
check_error "2,501 records in one batch is a 413" 413 payload_too_large
check_error_names "... which names the limit" "at most 2500 records"
check_eq "... and stores none of them" "$(sql "SELECT count(*) FROM customers WHERE external_id LIKE '$P-many-%'")" 0

# ================================================================ who may write
f=$(body who "[{\"external_id\": \"$P-c9\", \"name\": \"Who\", \"signup_at\": \"$SIGNUP\"}]")
for path in customers subscriptions orders billing-events; do
  post "/api/revenue/$path" "$f" "$K_EV"
  check_error "POST /api/revenue/$path with an events-only key is a 403" 403 forbidden
done
for path in opportunities activities; do
  post "/api/revenue/$path" "$f" "$K_EV"
  check_error "POST /api/revenue/$path with an events-only key is a 403" 403 forbidden
done
check_error_names "... naming the scope it lacks" "ingest:sales"
post /api/revenue/customers "$f" "$(CEO)"
check_error "a session token cannot ingest (403)" 403 forbidden
post /api/revenue/customers "$f" ""
check_error "no credential is a 401" 401 unauthorized
K_OLD=$(B_ADMIN key add "$P-old" ingest:billing 2>/dev/null)
B_ADMIN key revoke "$P-old" >/dev/null 2>&1
post /api/revenue/customers "$f" "$K_OLD"
check_error "a revoked key is a 401" 401 unauthorized
check_eq "... and nothing was stored by the refused requests" "$(sql "SELECT count(*) FROM customers WHERE external_id = '$P-c9'")" 0
api GET /api/revenue/summary "$K_BILL"
check_error "a billing key reads nothing (403)" 403 forbidden

# ================================================================ the narrow write path
app_sql() { psql -X -qtA -h "$T_RUN" -p "$T_PGPORT" -U northstar_app -d northstar -c "$1" 2>&1; }
check_eq "northstar_app cannot write subscriptions itself" \
  "$(app_sql "UPDATE subscriptions SET mrr_cents = 0 WHERE external_id = '$P-s1'" | grep -c 'permission denied')" 1
check_eq "every record function runs as northstar_ingest, SECURITY DEFINER, not executable by PUBLIC" \
  "$(sql "SELECT string_agg(DISTINCT pg_get_userbyid(proowner) || '/' || prosecdef || '/' || has_function_privilege('public', oid, 'EXECUTE')
                            || '/' || has_function_privilege('northstar_app', oid, 'EXECUTE'), ',') || ':' || count(*)
          FROM pg_proc WHERE pronamespace = 'api'::regnamespace AND proname LIKE 'revenue\_%\_ingest'")" \
  "northstar_ingest/true/false/true:6"
done_testing
