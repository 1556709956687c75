# t-byod.sh — issue 18's "Done when", end to end: an empty company (DEMO=0) on a stack of its own
# (scripts/stack.sh, a free port; stopped however this file ends), its printed CEO password signs
# in, then the commands of docs/ingest.md's "Quick start" — taken from the document itself, so
# the guide and this test cannot drift apart — create a key, import the sample ECB, Stripe,
# Shopify and Meta files, post one subscription and one batch of events; the dashboard's
# endpoints then answer this company's figures, each worked out by hand from the sample files
# below (tests/data/import/).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

Z=$T_TMP/byod; Z_STACK=$Z/stack; mkdir -p "$Z"
Z_BUILD=${NS_BUILD:-$ROOT/build}
z_stop() { "$ROOT/scripts/stack.sh" stop "$Z_STACK" >/dev/null 2>&1; rm -rf "$Z"; }
defer z_stop
Z_OUT=$Z/start.out
# the defaults of `DEMO=0 make run` (admin@localhost), on a free port
if ! DEMO=0 PORT=0 FAST=1 NS_INSTANCES=1 "$ROOT/scripts/stack.sh" start "$Z_STACK" >"$Z_OUT" 2>&1; then
  not_ok "DEMO=0 scripts/stack.sh start: the stack starts" "$(tail -15 "$Z_OUT")"
  done_testing; exit 0
fi
ok "DEMO=0 scripts/stack.sh start: the stack starts"
Z_PORT=$(cat "$Z_STACK/run/http.port"); Z_RUN=$Z_STACK/run; Z_PG=$(cat "$Z_RUN/pg.port")
zapi() { T_PORT=$Z_PORT api "$@"; }
zsql() { PGPASSFILE=${Z_RUN%/run}/secrets/pgpass psql -X -qtA -v ON_ERROR_STOP=1 -h "$Z_RUN" -p "$Z_PG" -U postgres -d northstar -c "$1"; }

# ---- the printed password signs in (docs: "e-mail: admin@localhost", "password: …")
Z_PW=$(awk '/^ *password:/ {print $2; exit}' "$Z_OUT")
Z_EMAIL=$(awk '/^ *e-mail:/ {print $2; exit}' "$Z_OUT")
zapi POST /api/auth/login "" -H 'Content-Type: application/json' \
  -d "$(jq -cn --arg e "$Z_EMAIL" --arg p "$Z_PW" '{email: $e, password: $p}')"
check_eq "the printed e-mail and password sign in (admin@localhost)" "$Z_EMAIL $STATUS" "admin@localhost 200"
Z_CEO=$(jq -r '.token // empty' <<<"$BODY")
zapi GET /api/auth/me "$Z_CEO"
check_eq "before the quick start the company is empty (has_data false)" "$(jq -c .has_data <<<"$BODY")" false

# ---- the quick start's commands, from docs/ingest.md (tests/integration/quickstart.sh: the
# ```sh blocks of its "## Quick start" section except `DEMO=0 make run`, done above on a free
# port; only var/run, port 8080 and build/ are pointed at this stack)
Z_QS=$Z/quickstart.sh
"$ROOT/tests/integration/quickstart.sh" "$Z_STACK" "$Z_BUILD" >"$Z_QS"
check_eq "docs/ingest.md's quick start: its commands (key add with the three scopes, 6 imports, 2 curls)" \
  "$(grep -cE '^KEY=\$\(.*northstar-admin key add my-company ingest:billing ingest:events ingest:marketing\)$' "$Z_QS"):$(grep -cE '^[^ #]*northstar-import ' "$Z_QS"):$(grep -c '^curl ' "$Z_QS")" \
  "1:6:2"
# The batch posts "now": its day, read before and after (a run across midnight is told apart).
Z_DAY0=$(date -u +%F)
(cd "$ROOT" && bash -eo pipefail "$Z_QS") >"$Z/qs.out" 2>"$Z/qs.err"; rc=$?
Z_DAY=$(date -u +%F)
check_eq "the quick start runs through (exit 0)" "$rc" 0
[ "$rc" = 0 ] || printf '#   %s\n' "$(tail -20 "$Z/qs.err")"
[ "$Z_DAY0" = "$Z_DAY" ] || not_ok "the quick start ran across midnight: the day's figures below may be split" ""
# each import's summary on stderr (what it created; nothing rejected), worked out from the files:
#   ECB 6 days x 29 currencies with a rate (12 of the 41 columns N/A) = 174 rates; Stripe 8
#   customers, 7 subscriptions (the incomplete_expired one skipped), 9 billing events (6 payments
#   + 1 refund + 1 dispute + 1 failed; the guest and the canceled payment skipped); Shopify 3
#   customers and 4 orders (the voided one and the one without an e-mail skipped); Meta 2
#   campaigns, 6 campaign-days of spend (3 days each, ad sets summed)
Z_SUMS=$(for f in eurofxref-hist stripe-customers stripe-subscriptions stripe-payments shopify-orders meta-ads; do
  grep "^tests/data/import/$f\.csv: " "$Z/qs.err" | grep -oE '[a-z-]+: [0-9]+ created' | sed 's/ created//; s/: /=/' | paste -sd,
done | paste -sd' ')
check_eq "northstar-import: each file's records created as worked out, nothing rejected" \
  "$Z_SUMS:$(grep -ciE 'rejected|error' "$Z/qs.err")" \
  "fx-rates=174 customers=8 subscriptions=7 billing-events=9 customers=3,orders=4 campaigns=2,spend=6:0"
# the two curl answers, in order: the subscription, then the batch of 8 events
check_eq "the subscription is an update of the imported sub_NSI0001" \
  "$(sed -n 1p "$Z/qs.out" | jq -c '[.accepted, .created, .updated, (.rejected | length)]' 2>/dev/null)" "[1,0,1,0]"
check_eq "the batch of events: 8 accepted and stored, none rejected" \
  "$(sed -n 2p "$Z/qs.out" | jq -c '[.accepted, .stored, .duplicates, .rejected]' 2>/dev/null)" "[8,8,0,[]]"

# and they are the answers the guide prints under each curl (its "# {…}" lines), as JSON
check_eq "the curls answer what docs/ingest.md says they answer" \
  "$(jq -Sc . "$Z/qs.out" 2>/dev/null | paste -sd' ')" \
  "$(sed -n 's/^# \({.*}\)$/\1/p' "$Z_QS" | jq -Sc . 2>/dev/null | paste -sd' ')"

zapi GET /api/auth/me "$Z_CEO"
check_eq "after it /api/auth/me says has_data true" "$(jq -c .has_data <<<"$BODY")" true

# poll DESC PATH JQ EXPECTED — GET PATH (uncached) until JQ over its answer is EXPECTED, at most
# ~60 s (the rollups and the followers pick the records up within seconds), then one check.
poll() {
  local got
  for _ in $(seq 1 300); do
    zapi GET "$2" "$Z_CEO"
    got=$(jq -c "$3" <<<"$BODY" 2>/dev/null)
    [ "$got" = "$4" ] && break
    sleep 0.2
  done
  check_eq "$1" "$got" "$4"
}

# ---- MRR (docs/metrics.md: the rows in effect; yearly ÷ 12; trialing 0; past_due counts).
# The subscriptions file (stripe-subscriptions.csv), one period each from its Start (UTC):
#   sub_NSI0001 cus_NSI0001 Ada       Starter 1 × 49.00/month  from 09-05  -> 49.00
#               and the quick start's update: Growth 1 × 99.00 from 11-20   -> 99.00 (+50.00)
#   sub_NSI0002 cus_NSI0002 Engines   Growth  3 × 99.00/month  from 10-10  -> 297.00
#   sub_NSI0003 cus_NSI0003 Difference Pro 1 × 1,200.00/year   from 11-03  -> 1200 / 12 = 100.00
#   sub_NSI0004 cus_NSI0004 Hopper    Starter 2 × 49.00/month  from 09-12, canceled (ended) 11-08
#                                                                          -> 98.00 until 11-08
#   sub_NSI0005 cus_NSI0005 Turing    trialing from 11-25                 -> 0
#   sub_NSI0006 incomplete_expired: skipped (never paid)
#   sub_NSI0007 cus_NSI0007 Noether   Starter 1 × 49.00, past_due from 11-22 -> 49.00
#   sub_NSI0008 cus_NSI0008 Hamilton  Growth  1 × 99.00/month  from 11-12  -> 99.00
# MRR on any day from 11-25 on (today): 99 + 297 + 100 + 49 + 99 = 644.00, ARR 12 × 644 = 7728.00,
# 5 paying customers (1, 2, 3, 7, 8), ARPU 644 / 5 = 128.80
poll "revenue summary today: MRR 644.00, ARR 7728.00, 5 paying customers, ARPU 128.80" \
  /api/revenue/summary '[.mrr, .arr, .paying_customers, .arpu]' '[644,7728,5,128.8]'
# The same on 2026-11-30, with its month's movements from 2026-10-30:
#   MRR on 10-30: Ada 49 + Engines 297 + Hopper 98 = 444.00
#   new 100 (Difference, 11-03) + 99 (Hamilton, 11-12) + 49 (Noether, 11-22) = 248.00
#   expansion +50.00 (Ada, 11-20); churn -98.00 (Hopper, 11-08); no contraction, reactivation, fx
#   444 + 248 + 50 - 98 = 644.00
poll "revenue summary on 2026-11-30: MRR 644.00; from 10-30 starting 444, new 248, expansion 50, churn -98" \
  "/api/revenue/summary?as_of=2026-11-30" \
  '[.mrr, .paying_customers, (.movements | .starting_mrr, .new, .expansion, .contraction, .churn, .reactivation, .fx)]' \
  '[644,5,444,248,50,0,-98,0,0]'
# MRR movements per month, September to November 2026 (months=3 ending with as_of's month):
#   2026-09 (08-31 -> 09-30): 0 -> new Ada 49 + Hopper 2 × 49 = 147.00 (2 customers) -> 147.00, 2
#   2026-10 (09-30 -> 10-31): 147 -> new Engines 297.00 (1) -> 444.00, 3
#   2026-11 (10-31 -> 11-30): 444 (3) -> new 248.00 (3), expansion 50.00 (1), churn -98.00 (1)
#                             -> 644.00, 3 + 3 - 1 = 5
poll "MRR movements Sep-Nov 2026: [month, starting, new, expansion, contraction, churn, ending, customers start/new/churned/end]" \
  "/api/revenue/mrr?months=3&as_of=2026-11-30" \
  '[.months[] | [.month, .starting_mrr, .new, .expansion, .contraction, .churn, .ending_mrr, .starting_customers, .new_customers, .churned_customers, .ending_customers]]' \
  '[["2026-09",0,147,0,0,0,147,0,2,0,2],["2026-10",147,297,0,0,0,444,2,1,0,3],["2026-11",444,248,50,0,-98,644,3,3,1,5]]'

# ---- customers: 8 from stripe-customers.csv + 3 from shopify-orders.csv (anna, ben, dev: the
# voided order of carla and the order without an e-mail are skipped) = 11
poll "customers: 11 listed (8 Stripe + 3 Shopify)" /api/users/customers '.total' 11

# ---- Shopify orders (shopify-orders.csv), November 2026, in USD:
#   #1001 54.00 USD (11-02); #1002 120.00 EUR on 11-03 (09:00 +0100 = 08:00 UTC) at the ECB's
#   USD 1.1523 per EUR that day = 138.276 -> 138.28; #1003 80.00 USD, 20.00 refunded (11-05);
#   #1004 voided and #1005 without an e-mail skipped; #1006 35.50 USD, 35.50 refunded (11-07)
#   revenue 54.00 + 138.28 + 80.00 + 35.50 = 307.78 from 4 orders; refunds 20.00 + 35.50 = 55.50;
#   no chargeback on an order (the Stripe dispute is a billing event); net 307.78 - 55.50 = 252.28
poll "revenue trend, November 2026: revenue 307.78, 4 orders, refunds 55.50, net 252.28" \
  "/api/revenue/trend?from=2026-11-01&to=2026-11-30&granularity=month" \
  '.totals | [.revenue, .orders, .refunds, .chargebacks, .net_revenue]' '[307.78,4,55.5,0,252.28]'
poll "the EUR order is 138.28 on its day, 2026-11-03 (ECB rate of that day)" \
  "/api/revenue/trend?from=2026-11-03&to=2026-11-03" '.totals | [.revenue, .orders]' '[138.28,1]'
poll "revenue by source, November 2026: all of it Shopify" \
  "/api/revenue/by-source?from=2026-11-01&to=2026-11-30" \
  '[.total_revenue, (.sources[] | select(.source == "shopify") | .revenue, .orders)]' '[307.78,307.78,4]'

# ---- Meta spend (meta-ads.csv; a day's ad sets summed), November 2026:
#   campaign 120210000000000101 "Black Friday – Prospecting": 45.20 + 30.05 (11-02) + 50.00 + 28.40
#     (11-03) + 1,012.35 (11-04) = 1166.00; impressions 12034 + 9511 + 13002 + 9102 + 201455 =
#     245104; link clicks 152 + 88 + 170 + 79 + 2410 = 2899; results 3 + 1 + 4 + 0 + 31 = 39
#   campaign 120210000000000102 "Retargeting, cart abandoners": 12.10 + 11.90 + 14.00 = 38.00;
#     impressions 2034 + 1988 + 2301 = 6323; clicks 41 + 39 + 47 = 127; results 2 + 1 + 3 = 6
#   platform meta: 1204.00, 251427 impressions, 3026 clicks, 45 platform conversions
poll "marketing spend, November 2026: meta 1204.00, 251427 impressions, 3026 clicks, 45 conversions; no other platform" \
  "/api/marketing/spend?from=2026-11-01&to=2026-11-30&granularity=month" \
  '[.total_spend, (.rows[] | select(.platform == "meta") | .spend, .impressions, .clicks, .platform_conversions), ([.rows[] | select(.platform != "meta") | .spend] | add)]' \
  '[1204,1204,251427,3026,45,0]'
poll "campaigns, November 2026: Black Friday 1166.00, Retargeting 38.00 (by spend)" \
  "/api/marketing/campaigns?from=2026-11-01&to=2026-11-30" \
  '[.campaigns[] | [.name, .platform, .spend]]' \
  '[["Black Friday – Prospecting","meta",1166],["Retargeting, cart abandoners","meta",38]]'

# ---- today's API usage, from the batch: 5 API calls —
#   /v1/orders 200 87 ms, 200 120 ms, 503 950 ms; /v1/reports 200 240 ms, 429 15 ms
#   all: 5 calls, 1 error (status >= 500: the 503), 1 rate limited (the 429), median of
#   [15, 87, 120, 240, 950] = 120; /v1/orders 3 calls 1 error, /v1/reports 2 calls 0 errors
poll "API usage today: 5 calls, 1 error, 1 rate-limited, p50 120 ms" \
  "/api/product/api-usage?from=$Z_DAY&to=$Z_DAY" \
  '[.series[] | select(.endpoint == "all") | .calls, .errors, .rate_limited, .p50_ms]' '[5,1,1,120]'
poll "API usage today by endpoint: /v1/orders 3 calls 1 error, /v1/reports 2 calls 0 errors" \
  "/api/product/api-usage?from=$Z_DAY&to=$Z_DAY" \
  '[.top_by_volume[] | [.endpoint, .calls, .errors]]' '[["/v1/orders",3,1],["/v1/reports",2,0]]'
# customers active in the last 30 days: Analytical Engines Ltd alone (the batch's groupId); the
# users summary's paying customers today: 5 (as the revenue summary above)
poll "users summary today: 1 active customer (30 d), 5 paying" /api/users/summary \
  '[.active_customers_30d.value, .total_customers.value]' '[1,5]'
# every event of the batch is Analytical Engines Ltd's (groupId cus_NSI0002), by type
check_eq "the 8 events are cus_NSI0002's: 5 api_call, 1 feature_used, 1 login, 1 page_view" \
  "$(zsql "SELECT string_agg(e.type || '=' || e.n, ' ' ORDER BY e.type) FROM (
             SELECT ev.type, count(*) AS n FROM events ev JOIN customers c ON c.id = ev.customer_id
              WHERE c.external_id = 'cus_NSI0002' GROUP BY 1) e")" \
  "api_call=5 feature_used=1 login=1 page_view=1"

done_testing
