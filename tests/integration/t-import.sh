# t-import.sh — northstar-import (docs/ingest.md "Importers"): every sample file of
# tests/data/import/ becomes the records worked out by hand below (--dry-run, no database), then
# imports through the ingestion functions and moves the figures by the hand-worked amounts (MRR
# movements from the Stripe subscriptions file); a file with bad rows exits non-zero, reports
# every bad row with its line and column and stores nothing; re-importing changes nothing.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
M_IMPORT() { NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=postgres" \
  "${NS_BUILD:-$ROOT/build}/northstar-import" "$@"; }
D=$ROOT/tests/data/import
W=$T_TMP/import-$$; mkdir -p "$W"
defer 'rm -rf "$W"'
# dry FORMAT FILE — the records of a file (TABLE<TAB>JSON lines) into $W/FORMAT.out, stderr .err
dry() { M_IMPORT --dry-run "$1" "$2" >"$W/$1.out" 2>"$W/$1.err"; }
# rec FORMAT TABLE JQ — JQ over the records of TABLE printed by the last dry run of FORMAT, as one array
rec() { awk -F'\t' -v t="$2" '$1 == t {print $2}' "$W/$1.out" | jq -sc "$3"; }

# ---- the formats, read without a database (--dry-run)

dry stripe-customers "$D/stripe-customers.csv"
# 8 rows, 8 customers; cus_NSI0003 has no Name: its Description "Difference Co" stands in;
# "Hopper, Grace" is one quoted field; Created (UTC) 2026-09-12 11:00 is UTC
check_eq "stripe-customers: 8 customers, the name falls back to the description" \
  "$(rec stripe-customers customers '[length, (.[] | select(.external_id == "cus_NSI0003") | .name), (.[] | select(.external_id == "cus_NSI0004") | .name, .signup_at)]')" \
  '[8,"Difference Co","Hopper, Grace","2026-09-12T11:00:00Z"]'

dry stripe-subscriptions "$D/stripe-subscriptions.csv"
# 8 rows: sub_NSI0006 is incomplete_expired (never paid) -> skipped and counted, 7 records.
# sub_NSI0003: yearly "1,200.00" -> 120000 cents; sub_NSI0004 canceled, ended 2026-11-08 16:40 UTC
check_eq "stripe-subscriptions: 7 records, amounts in cents, the canceled one ended" \
  "$(rec stripe-subscriptions subscriptions '[length, (.[] | select(.external_id == "sub_NSI0003") | .interval, .unit_amount_cents), (.[] | select(.external_id == "sub_NSI0004") | .status, .quantity, .ended_at)]')" \
  '[7,"year",120000,"canceled",2,"2026-11-08T16:40:00Z"]'
check_eq "stripe-subscriptions: the skipped row is counted with its reason" \
  "$(grep -c '1 skipped: status incomplete' "$W/stripe-subscriptions.err")" 1

dry stripe-payments "$D/stripe-payments.csv"
# 9 rows: 6 paid (one refunded, one disputed), 1 failed, 1 guest (no Customer ID), 1 canceled.
# events: 6 payment_success + 1 refund (ch_NSI0004, 98.00) + 1 chargeback (ch_NSI0007, 99.00 on
# the dispute date) + 1 payment_failed = 9; success total 49+297+49+98+1200+99 = 1792.00
check_eq "stripe-payments: 9 billing events by kind, the success total 179200 cents" \
  "$(rec stripe-payments billing-events '[length, ([.[] | select(.kind == "payment_success") | .amount_cents] | add), ([.[] | select(.kind == "refund")][0] | .external_id, .amount_cents), ([.[] | select(.kind == "chargeback")][0] | .occurred_at), ([.[] | select(.kind == "payment_failed")] | length)]')" \
  '[9,179200,"ch_NSI0004:refund",9800,"2026-11-18T10:00:00Z",1]'

dry shopify-orders "$D/shopify-orders.csv"
# 9 rows = orders #1001 (2 line items), #1002, #1003 (3 items, a note with a line break),
# #1004 (voided: skipped), #1005 (no e-mail: skipped), #1006 -> 4 orders of 3 customers
# (anna twice; Ben@Example.com lower-cased); anna signed up with her first order
check_eq "shopify-orders: line items grouped into 4 orders of 3 customers" \
  "$(rec shopify-orders orders '[length, (.[] | select(.external_id == "shopify:5500000003") | .total_cents, .refunded_cents, .ordered_at), (.[] | select(.external_id == "shopify:5500000002") | .currency, .customer_external_id)]')" \
  '[4,8000,2000,"2026-11-05T14:30:18-05:00","EUR","shopify:ben@example.com"]'
check_eq "shopify-orders: customers by e-mail, sign-up at the first order" \
  "$(rec shopify-orders customers '[length, (.[] | select(.email == "anna@example.com") | .signup_at, .country), (.[] | select(.email == "dev@example.com") | .name)]')" \
  '[3,"2026-11-02T10:15:39-05:00","US","Doe, Dev"]'

dry meta-ads "$D/meta-ads.csv"
# two ad sets of campaign ...101 on 2026-11-02: 45.20 + 30.05 = 75.25 USD, 12034 + 9511 = 21545
# impressions, 152 + 88 = 240 link clicks, 3 + 1 = 4 results; 11-04 "1,012.35" -> 101235 cents;
# 2 campaigns x 3 days = 6 spend records
check_eq "meta-ads: ad sets summed per campaign and day, the currency from the spend title" \
  "$(rec meta-ads spend '[length, (.[] | select(.campaign_external_id == "120210000000000101" and .day == "2026-11-02") | .spend_cents, .impressions, .clicks, .conversions, .currency), (.[] | select(.day == "2026-11-04" and .campaign_external_id == "120210000000000101") | .spend_cents)]')" \
  '[6,7525,21545,240,4,"USD",101235]'
check_eq "meta-ads: two campaigns, the quoted name kept whole" \
  "$(rec meta-ads campaigns '[length, (.[] | select(.external_id == "120210000000000102") | .name, .platform, .started_on)]')" \
  '[2,"Retargeting, cart abandoners","meta","2026-11-02"]'

dry tiktok-ads "$D/tiktok-ads.csv"
# 5 rows, 2 campaigns; ...0001 spent 20.00 + 22.50 + 19.75 = 62.25 USD over 3 days
check_eq "tiktok-ads: 2 campaigns, 5 days of spend, 6225 cents for the first" \
  "$(rec tiktok-ads spend '[length, ([.[] | select(.campaign_external_id == "1816234500000001") | .spend_cents] | add), (.[0].platform)]')" \
  '[5,6225,"tiktok"]'

dry ecb "$D/eurofxref-hist.csv"
# 6 days x 41 currency columns, of which 12 are N/A (BGN CYP EEK LTL LVL MTL ROL SIT SKK HRK RUB
# TRL) and the trailing empty column is none: 6 x 29 = 174 rates; USD on 2026-11-03 is 1.1523
check_eq "ecb: 174 rates (N/A and the trailing column skipped), USD on 2026-11-03" \
  "$(rec ecb fx-rates '[length, (.[] | select(.currency == "USD" and .day == "2026-11-03") | .per_eur), ([.[] | select(.currency == "BGN")] | length)]')" \
  '[174,1.1523,0]'

for t in customers subscriptions orders billing-events campaigns spend fx-rates; do
  dry "northstar-$t" "$D/northstar-$t.csv"
done
check_eq "northstar CSV: one record a row, integers as numbers, empty cells left out" \
  "$(rec northstar-subscriptions subscriptions '[length, (.[] | select(.external_id == "ns-imp-s2") | .unit_amount_cents, .discount_cents, has("ended_at"))]')$(rec northstar-customers customers '[.[0].name]')" \
  '[2,60000,6000,false]["Vega Analytics, Inc."]'

# amounts by the currency's minor unit: JPY has none ("1,200" -> 1200), KWD three ("1.250" ->
# 1250), USD two ("12.340" -> 1234: a trailing zero is harmless); "12.345" USD, "-5.00" and
# "1,20" (not a group of three) are errors on their lines, never rounded
printf '%s\n' 'id,Created (UTC),Amount,Currency,Status,Customer ID' \
  'ch_a,2026-11-01 10:00,"1,200",jpy,Paid,cus_x' 'ch_b,2026-11-01 10:00,1.250,KWD,Paid,cus_x' \
  'ch_c,2026-11-01 10:00,12.340,usd,Paid,cus_x' >"$W/money.csv"
dry stripe-payments "$W/money.csv"
check_eq "amounts become minor units by the currency's exponent (JPY 0, KWD 3, USD 2)" \
  "$(rec stripe-payments billing-events '[.[] | .amount_cents, .currency]')" '[1200,"JPY",1250,"KWD",1234,"USD"]'
printf '%s\n' 'id,Created (UTC),Amount,Currency,Status,Customer ID' \
  'ch_d,2026-11-01 10:00,12.345,usd,Paid,cus_x' 'ch_e,2026-11-01 10:00,-5.00,usd,Paid,cus_x' \
  'ch_f,2026-11-01 10:00,"1,20",usd,Paid,cus_x' 'ch_g,2026-11-01 10:00,5.00,dollars,Paid,cus_x' >"$W/money-bad.csv"
M_IMPORT --dry-run stripe-payments "$W/money-bad.csv" >/dev/null 2>"$W/money-bad.err"; rc=$?
check_eq "more decimals than the currency has, a negative amount, a bad group, a bad code: errors" \
  "$rc:$(sed -n 's/^.*money-bad.csv:\([0-9]*:[^:]*\):.*/\1/p' "$W/money-bad.err" | paste -sd' ')" \
  "1:2:Amount 3:Amount 4:Amount 5:Currency"

# ---- errors that say what to do next
M_IMPORT --dry-run stripe-subcriptions "$D/stripe-subscriptions.csv" >/dev/null 2>"$W/unknown.err"; rc=$?
check_eq "an unknown format exits 2 and lists the formats" \
  "$rc:$(grep -c "unknown format 'stripe-subcriptions'" "$W/unknown.err"):$(grep -c '^  stripe-subscriptions ' "$W/unknown.err")" "2:1:1"
M_IMPORT --dry-run stripe-payments "$D/stripe-customers.csv" >/dev/null 2>"$W/cols.err"; rc=$?
check_eq "a missing required column is named, with the columns found" \
  "$rc:$(grep -c "stripe-customers.csv:1: no column 'Amount'" "$W/cols.err"):$(grep -c 'the columns found: id, Description, Email' "$W/cols.err")" "1:1:1"
M_IMPORT --dry-run stripe-subscriptions "$D/stripe-subscriptions-bad.csv" >"$W/bad.out" 2>"$W/bad.err"; rc=$?
# line 2 is valid; line 3 "49,00"; line 4 a weekly plan (its quoted Product spans lines 4-5);
# line 6 Quantity "two" and a day-first date; line 7 an unknown status
check_eq "bad rows: exit 1, each reported as FILE:LINE:COLUMN, no record printed" \
  "$rc:$(sed -n 's/^.*stripe-subscriptions-bad.csv:\([0-9]*:[^:]*\):.*/\1/p' "$W/bad.err" | paste -sd' '):$(wc -c <"$W/bad.out")" \
  "1:3:Amount 4:Interval 6:Quantity 6:Start (UTC) 7:Status:0"

# ---- through the database, in groups as the ingestion functions exist (billing, rates, marketing)
has() {  # has FUNCTION... — every api.FUNCTION exists
  local f
  for f in "$@"; do
    [ "$(sql "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'api' AND p.proname = '$f'")" = 1 ] || return 1
  done
}
skip() { T_N=$((T_N + 1)); echo "ok $T_N # SKIP $1"; }
has revenue_customers_ingest revenue_subscriptions_ingest revenue_orders_ingest revenue_billing_events_ingest && I_BILL=1 || I_BILL=0
has fx_rates_ingest && I_FX=1 || I_FX=0
has marketing_campaigns_ingest marketing_spend_ingest && I_MKT=1 || I_MKT=0

# Our rows carry our own external ids (NSI, shopify:, ns-imp-, the campaigns' ids); removed at
# the end, whatever happens.  Rates are removed only when those days had none before.
I_CAMPS="'120210000000000101','120210000000000102','1816234500000001','1816234500000002','ns-imp-k1','ns-imp-k2'"
I_FXDAYS="'2026-10-29','2026-10-30','2026-11-02','2026-11-03','2026-11-04','2026-11-05','2026-11-06'"
I_FX0=$(sql "SELECT count(*) FROM fx_rates WHERE day IN ($I_FXDAYS)")
I_MINE_CUST="external_id LIKE 'cus\_NSI%' OR external_id LIKE 'shopify:%@example.com' OR external_id LIKE 'ns-imp-%'"
i_cleanup() {
  sql "DELETE FROM billing_events WHERE external_id LIKE 'ch\_NSI%' OR external_id LIKE 'ns-imp-%';
       DELETE FROM orders WHERE external_id LIKE 'shopify:55%' OR external_id LIKE 'ns-imp-%';
       DELETE FROM subscriptions WHERE external_id LIKE 'sub\_NSI%' OR external_id LIKE 'ns-imp-%';
       DELETE FROM ad_spend WHERE campaign_id IN (SELECT id FROM campaigns WHERE external_id IN ($I_CAMPS));
       DELETE FROM campaigns WHERE external_id IN ($I_CAMPS);
       DELETE FROM customers WHERE $I_MINE_CUST;
       DELETE FROM plans WHERE code LIKE 'price\_NSI%' OR code LIKE 'ns-imp-%';"
  [ "$I_FX0" = 0 ] && sql "DELETE FROM fx_rates WHERE day IN ($I_FXDAYS)"
}
defer i_cleanup
# imports FORMAT:FILE... — each file imports with exit 0 (one check for all of them)
imports() {
  local p bad="" names=""
  for p in "$@"; do
    names="$names ${p#*:}.csv"
    M_IMPORT "${p%%:*}" "$D/${p#*:}.csv" >/dev/null 2>"$W/${p#*:}.imp" || bad="$bad ${p#*:}: $(head -5 "$W/${p#*:}.imp")"
  done
  if [ -z "$bad" ]; then ok "$# files import:$names"; else not_ok "$# files import:$names" "$bad"; fi
}
# md5 of every row of ours, to see that a re-import or a rolled-back file changes nothing
snapshot() {
  sql "SELECT md5(coalesce(string_agg(x, '|' ORDER BY x), '')) FROM (
         SELECT c::text AS x FROM customers c WHERE $I_MINE_CUST
         UNION ALL SELECT s::text FROM subscriptions s WHERE external_id LIKE 'sub\_NSI%' OR external_id LIKE 'ns-imp-%'
         UNION ALL SELECT o::text FROM orders o WHERE external_id LIKE 'shopify:55%' OR external_id LIKE 'ns-imp-%'
         UNION ALL SELECT b::text FROM billing_events b WHERE external_id LIKE 'ch\_NSI%' OR external_id LIKE 'ns-imp-%'
         UNION ALL SELECT a::text FROM ad_spend a JOIN campaigns k ON k.id = a.campaign_id WHERE k.external_id IN ($I_CAMPS)
         UNION ALL SELECT f::text FROM fx_rates f WHERE day IN ($I_FXDAYS)) t"
}
R_CEO=$(login ceo@northstar.example)
# the partial month (2026-10-31, 2026-11-20] of /api/revenue/mrr, in cents and customers
mrr_window() {
  api GET "/api/revenue/mrr?months=1&as_of=2026-11-20" "$R_CEO"
  jq -c '.months[-1] | [(.starting_mrr * 100 | round), (.new * 100 | round), (.churn * 100 | round),
         (.ending_mrr * 100 | round), .starting_customers, .new_customers, .churned_customers, .ending_customers]' <<<"$BODY"
}

if [ "$I_FX" = 1 ]; then
  imports ecb:eurofxref-hist northstar-fx-rates:northstar-fx-rates
  # 174 from the ECB file's six days, 2 from northstar-fx-rates.csv on 10-29
  check_eq "rates: 174 + 2 stored, USD on 2026-11-03 as the file has it" \
    "$(( $(sql "SELECT count(*) FROM fx_rates WHERE day IN ($I_FXDAYS)") - I_FX0 )):$(sql "SELECT per_eur FROM fx_rates WHERE currency = 'USD' AND day = '2026-11-03'")" \
    "176:1.1523"
else
  skip "api.fx_rates_ingest is not there yet"
fi

if [ "$I_BILL" = 1 ]; then
  I_MRR0=$(mrr_window)
  imports stripe-customers:stripe-customers stripe-subscriptions:stripe-subscriptions stripe-payments:stripe-payments \
          northstar-customers:northstar-customers northstar-subscriptions:northstar-subscriptions \
          northstar-orders:northstar-orders northstar-billing-events:northstar-billing-events
  # MRR in (2026-10-31, 2026-11-20], our subscriptions only (the demo's cancel out in the difference):
  #   on 10-31: sub1 49.00 + sub2 3 x 99.00 = 297.00 + sub4 2 x 49.00 = 98.00 -> 444.00, 3 customers
  #   new: sub3 1200.00 / 12 = 100.00 (from 11-03) + sub8 99.00 (from 11-12) = 199.00, 2 customers
  #   churn: sub4 ended 11-08: -98.00, 1 customer
  #   on 11-20: 444.00 + 199.00 - 98.00 = 545.00, 3 + 2 - 1 = 4 customers
  #   (sub5 trialing and sub7 past_due start after 11-20; sub6 was never imported)
  # and northstar-subscriptions.csv: ns-imp-s1 2 x 29.00 = 58.00 from 10-01 (starting, +1 customer);
  #   ns-imp-s2 (600.00 - 60.00) / 12 = 45.00 from 10-29 (starting, +1 customer):
  #   starting 444 + 58 + 45 = 547.00, 5 customers; ending 545 + 58 + 45 = 648.00, 6 customers
  I_MRR1=$(mrr_window)
  check_eq "MRR movements of the files: +547.00 starting, +199.00 new, -98.00 churn, +648.00 ending" \
    "$(jq -nc --argjson a "$I_MRR0" --argjson b "$I_MRR1" '[range(0; 8) as $i | $b[$i] - $a[$i]]' 2>/dev/null)" \
    "[54700,19900,-9800,64800,5,2,1,6]"
  check_eq "billing events of the payments file: 9, by kind, in cents" \
    "$(sql "SELECT count(*) || ':' || sum(amount_cents) FILTER (WHERE kind = 'payment_success') || ':' ||
            sum(amount_cents) FILTER (WHERE kind = 'refund') || ':' || sum(amount_cents) FILTER (WHERE kind = 'chargeback') || ':' ||
            sum(amount_cents) FILTER (WHERE kind = 'payment_failed') FROM billing_events WHERE external_id LIKE 'ch\_NSI%'")" \
    "9:179200:9800:9900:4900"
  check_eq "customers of the Stripe file: 8, names as the file has them" \
    "$(sql "SELECT count(*) || ':' || max(name) FILTER (WHERE external_id = 'cus_NSI0004') FROM customers WHERE external_id LIKE 'cus\_NSI%'")" \
    "8:Hopper, Grace"

  I_SNAP1=$(snapshot)
  M_IMPORT stripe-subscriptions "$D/stripe-subscriptions.csv" >/dev/null 2>"$W/again.err"; rc=$?
  check_eq "re-importing the subscriptions: exit 0, nothing created or updated, 7 unchanged" \
    "$rc:$(grep -o 'subscriptions: [0-9]* created, [0-9]* updated, [0-9]* unchanged' "$W/again.err")" \
    "0:subscriptions: 0 created, 0 updated, 7 unchanged"
  M_IMPORT stripe-customers "$D/stripe-customers.csv" >/dev/null 2>>"$W/again.err" &&
    M_IMPORT stripe-payments "$D/stripe-payments.csv" >/dev/null 2>>"$W/again.err"
  check_eq "re-importing customers and payments leaves every row as it was" "$(snapshot)" "$I_SNAP1"

  M_IMPORT stripe-subscriptions "$D/stripe-subscriptions-bad.csv" >/dev/null 2>"$W/bad-db.err"; rc=$?
  check_eq "a file with unreadable rows: exit 1, nothing stored (not even its valid line 2)" \
    "$rc:$(sql "SELECT count(*) FROM subscriptions WHERE external_id = 'sub_NSIBAD1'")" "1:0"
  # line 3: an unknown customer; line 4: XYZ has no exchange rate — rejected by the function, so
  # the whole file is rolled back, its valid line 2 with it
  M_IMPORT stripe-subscriptions "$D/stripe-subscriptions-unknown.csv" >/dev/null 2>"$W/unk.err"; rc=$?
  check_eq "rejected records: exit 1, reported at the file's line and column, rolled back" \
    "$rc:$(sed -n 's/^.*stripe-subscriptions-unknown.csv:\([0-9]*:[^:]*\):.*/\1/p' "$W/unk.err" | paste -sd' '):$(sql "SELECT count(*) FROM subscriptions WHERE external_id LIKE 'sub\_NSIUNK%'")" \
    "1:3:Customer ID 4:Currency:0"
  check_eq "the rolled-back files changed nothing else" "$(snapshot)" "$I_SNAP1"

  # the same export a few weeks later: sub_NSI0002 went from 3 to 5 seats of 99.00 within its
  # period that started 2026-11-10 (Current Period Start) -> a new period from 11-10:
  # expansion (5 - 3) x 99.00 = +198.00 in (2026-10-31, 2026-11-20], 1 customer; ending +198.00
  I_MRR2=$(mrr_window); api GET "/api/revenue/mrr?months=1&as_of=2026-11-20" "$R_CEO"
  I_EXP0=$(jq '.months[-1] | [(.expansion * 100 | round), .expansion_customers]' <<<"$BODY")
  M_IMPORT stripe-subscriptions "$D/stripe-subscriptions-later.csv" >/dev/null 2>"$W/later.err"; rc=$?
  check_eq "a later export: exit 0, the upgraded subscription updated, the others unchanged" \
    "$rc:$(grep -o 'subscriptions: [0-9]* created, [0-9]* updated, [0-9]* unchanged' "$W/later.err")" \
    "0:subscriptions: 0 created, 1 updated, 6 unchanged"
  I_MRR3=$(mrr_window); api GET "/api/revenue/mrr?months=1&as_of=2026-11-20" "$R_CEO"
  check_eq "the upgrade is an expansion of +198.00 from 11-10, kept as a second period" \
    "$(jq -c --argjson e "$I_EXP0" '.months[-1] | [(.expansion * 100 | round) - $e[0], .expansion_customers - $e[1]]' <<<"$BODY"):$(jq -nc --argjson a "$I_MRR2" --argjson b "$I_MRR3" '$b[3] - $a[3]'):$(sql "SELECT string_agg(quantity || '@' || valid_from, ' ' ORDER BY valid_from) FROM subscriptions WHERE external_id = 'sub_NSI0002'")" \
    "[19800,1]:19800:3@2026-10-10 5@2026-11-10"
else
  skip "the revenue ingestion functions are not there yet"
fi

if [ "$I_BILL" = 1 ] && [ "$I_FX" = 1 ]; then
  imports shopify-orders:shopify-orders
  # the EUR order #1002: 120.00 EUR on 2026-11-03 at 1.1523 USD per EUR (the same rate on 11-02,
  # whatever day its 08:00 UTC instant falls on) = 138.276 -> 13828 cents; refunds 20.00 + 35.50
  check_eq "Shopify: 4 orders of 3 customers, the EUR one converted at the ECB rate of its day" \
    "$(sql "SELECT count(*) || ':' || max(total_cents) FILTER (WHERE external_id = 'shopify:5500000002') || ':' ||
            max(total_original_cents) FILTER (WHERE external_id = 'shopify:5500000002') || ':' ||
            sum(refunded_cents) || ':' || count(DISTINCT customer_id) FROM orders WHERE external_id LIKE 'shopify:55%'")" \
    "4:13828:12000:5550:3"
  I_SNAP2=$(snapshot)
  M_IMPORT shopify-orders "$D/shopify-orders.csv" >/dev/null 2>"$W/again2.err"
  check_eq "re-importing the Shopify file changes nothing" "$(snapshot)" "$I_SNAP2"
else
  skip "Shopify needs the revenue and rate functions"
fi

if [ "$I_MKT" = 1 ]; then
  imports meta-ads:meta-ads tiktok-ads:tiktok-ads northstar-campaigns:northstar-campaigns northstar-spend:northstar-spend
  # Meta: 75.25 + 78.40 + 1012.35 + 12.10 + 11.90 + 14.00 = 1204.00; TikTok 62.25 + 40.00 + 41.20 =
  # 143.45; northstar-spend.csv: google 84.50 + 91.25 = 175.75, linkedin 200.00
  check_eq "ad spend of the files per platform, in cents" \
    "$(sql "SELECT string_agg(platform || '=' || total, ' ' ORDER BY platform) FROM (
              SELECT k.platform, sum(a.spend_cents) AS total FROM ad_spend a JOIN campaigns k ON k.id = a.campaign_id
              WHERE k.external_id IN ($I_CAMPS) GROUP BY 1) t")" \
    "google=17575 linkedin=20000 meta=120400 tiktok=14345"
  I_SNAP3=$(snapshot)
  M_IMPORT meta-ads "$D/meta-ads.csv" >/dev/null 2>"$W/again3.err"
  check_eq "re-importing the Meta file changes nothing" "$(snapshot)" "$I_SNAP3"
else
  skip "api.marketing_campaigns_ingest and api.marketing_spend_ingest are not there yet"
fi

done_testing
