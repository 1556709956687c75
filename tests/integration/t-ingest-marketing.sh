# t-ingest-marketing.sh — the marketing and support record endpoints (docs/ingest.md, "Record
# endpoints"): POST /api/marketing/campaigns, /spend, /leads and /api/users/tickets, /nps.  Valid
# records land with their values; invalid fields come back by index; 207 and 400; 2,501 records
# are a 413; a replay changes nothing; a changed record updates in place, an older one is stale;
# who may send (scope, revoked key, session); amounts in another currency are converted at the
# day's rate or refused; and the dashboard moves by the hand-worked amounts (spend and ROAS of a
# campaign of our own, the CAC rollup, leads, a customer's health score, the NPS counts).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
M_ADMIN() { NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=postgres" \
  "${NS_BUILD:-$ROOT/build}/northstar-admin" "$@"; }
M_RUN=$(date +%s%N | tail -c 9)     # tags this run's rows
X="t18m-$M_RUN"                      # every external id, tag and key name of this run starts with it
jqb() { jq -c "$1" <<<"$BODY" 2>/dev/null; }
# post PATH JSON [KEY] — POST a body; sets STATUS, BODY
post() {
  printf '%s' "$2" >"$T_TMP/mkt-body.json"
  api POST "$1" "${3-$M_KEY}" -H 'Content-Type: application/json' --data-binary "@$T_TMP/mkt-body.json"
}
M_CEO() { curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"email":"ceo@northstar.example","password":"northstar-demo"}' "http://127.0.0.1:$T_PORT/api/auth/login" | jq -r '.token // empty'; }
ts() { sql "SELECT to_char(($1) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"; }   # ts SQL-EXPR → ISO instant

# Cleanup, whatever happens (reverse order): the rows of this run, the rates, the keys.
defer "rm -f '$T_TMP'/mkt-*"
defer "sql \"DELETE FROM fx_rates WHERE currency = 'XTS' OR (currency = 'USD' AND day = ns_today() - 2 AND per_eur = 1.25)\""
defer "sql \"DELETE FROM customers WHERE external_id LIKE '$X-%'\""      # cascades to subscriptions, orders
defer "sql \"DELETE FROM campaigns WHERE external_id LIKE '$X-%'\""      # cascades to ad_spend
defer "sql \"DELETE FROM leads WHERE external_id LIKE '$X-%'\""
defer "sql \"DELETE FROM support_tickets WHERE external_id LIKE '$X-%'; DELETE FROM nps_responses WHERE external_id LIKE '$X-%'\""
defer "sql \"DELETE FROM api_keys WHERE name LIKE '$X-%'\""

M_KEY=$(M_ADMIN key add "$X-mkt" ingest:marketing 2>/dev/null)
S_KEY=$(M_ADMIN key add "$X-sup" ingest:support 2>/dev/null)
E_KEY=$(M_ADMIN key add "$X-ev" ingest:events 2>/dev/null)
CEO=$(M_CEO)
D1=$(sql "SELECT ns_today() - 2"); D2=$(sql "SELECT ns_today() - 1")
check_eq "the stack reports in USD (the hand-worked conversions below assume it)" "$(sql "SELECT ns_currency()")" USD

# ---------------------------------------------------------------- campaigns
api GET "/api/marketing/spend?from=$D1&to=$D2" "$CEO"
SPEND0=$(jqb '(.total_spend * 100) | round')
check_status "GET /api/marketing/spend answers the CEO beside the POST route" 200

post /api/marketing/campaigns "[
 {\"external_id\": \"$X-a\", \"platform\": \"meta\", \"name\": \"Spring $X\", \"started_on\": \"$(sql "SELECT ns_today() - 20")\",
  \"budget_cents\": 100000, \"tags\": [\"$X\", \"brand\"]},
 {\"external_id\": \"$X-a\", \"platform\": \"tiktok\", \"name\": \"Spring $X (TikTok)\", \"started_on\": \"$D1\", \"ended_on\": \"$D2\"}]"
check_status "two valid campaigns are a 200" 200
check_eq "... both created (the same id on two platforms is two campaigns)" \
  "$(jqb '[.accepted, .created, .updated, .unchanged, .stale, (.rejected | length)]')" "[2,2,0,0,0,0]"
check_eq "the campaign is stored with its values and the default currency" \
  "$(sql "SELECT concat_ws('|', platform, name, array_to_string(tags, ','), budget_cents, started_on = ns_today() - 20,
                          coalesce(ended_on::text, 'open'), currency, coalesce(budget_original_cents::text, 'none'))
          FROM campaigns WHERE external_id = '$X-a' AND platform = 'meta'")" \
  "meta|Spring $X|$X,brand|100000|t|open|USD|none"
CA=$(sql "SELECT id FROM campaigns WHERE external_id = '$X-a' AND platform = 'meta'")
sum_campaigns() { sql "SELECT md5(string_agg(c::text, ',' ORDER BY id)) FROM campaigns c WHERE external_id LIKE '$X-%'"; }
before=$(sum_campaigns)
post /api/marketing/campaigns "[
 {\"external_id\": \"$X-a\", \"platform\": \"meta\", \"name\": \"Spring $X\", \"started_on\": \"$(sql "SELECT ns_today() - 20")\",
  \"budget_cents\": 100000, \"tags\": [\"$X\", \"brand\"]},
 {\"external_id\": \"$X-a\", \"platform\": \"tiktok\", \"name\": \"Spring $X (TikTok)\", \"started_on\": \"$D1\", \"ended_on\": \"$D2\"}]"
check_eq "replaying the campaigns is a 200 with both unchanged" "$STATUS $(jqb '[.accepted, .created, .updated, .unchanged]')" "200 [2,0,0,2]"
check_eq "... and the table is unchanged" "$(sum_campaigns)" "$before"
post /api/marketing/campaigns "{\"external_id\": \"$X-a\", \"platform\": \"tiktok\", \"name\": \"Spring $X (TikTok, renamed)\",
  \"started_on\": \"$D1\", \"ended_on\": null}"
check_eq "one changed campaign (a single object) is updated in place" "$STATUS $(jqb '[.accepted, .created, .updated]')" "200 [1,0,1]"
check_eq "... its new name and open end stored" \
  "$(sql "SELECT name || '|' || coalesce(ended_on::text, 'open') FROM campaigns WHERE external_id = '$X-a' AND platform = 'tiktok'")" \
  "Spring $X (TikTok, renamed)|open"

post /api/marketing/campaigns "[
 {\"external_id\": \"$X-g\", \"platform\": \"google\", \"name\": \"Search $X\", \"started_on\": \"$D1\"},
 {\"platform\": \"google\", \"name\": \"n\", \"started_on\": \"$D1\"},
 {\"external_id\": \"$X-b\", \"platform\": \"facebook\", \"name\": \"n\", \"started_on\": \"$D1\"},
 {\"external_id\": \"$X-b\", \"platform\": \"meta\", \"started_on\": \"$D1\"},
 {\"external_id\": \"$X-b\", \"platform\": \"meta\", \"name\": \"n\", \"started_on\": \"2026-02-30\"},
 {\"external_id\": \"$X-b\", \"platform\": \"meta\", \"name\": \"n\", \"started_on\": \"$D2\", \"ended_on\": \"$D1\"},
 {\"external_id\": \"$X-b\", \"platform\": \"meta\", \"name\": \"n\", \"started_on\": \"$D1\", \"budget_cents\": -5},
 {\"external_id\": \"$X-b\", \"platform\": \"meta\", \"name\": \"n\", \"started_on\": \"$D1\", \"currency\": \"usd\"},
 {\"external_id\": \"$X-b\", \"platform\": \"meta\", \"name\": \"n\", \"started_on\": \"$D1\", \"tags\": [1]},
 \"not an object\",
 {\"external_id\": \"$X-g\", \"platform\": \"google\", \"name\": \"Search again\", \"started_on\": \"$D1\"},
 {\"external_id\": \"$X-fx\", \"platform\": \"meta\", \"name\": \"n\", \"started_on\": \"$D1\", \"budget_cents\": 2000, \"currency\": \"XTS\"},
 {\"external_id\": \"$X-b\", \"platform\": \"meta\", \"name\": \"n\", \"started_on\": \"1999-12-31\"}]"
check_status "campaigns with some invalid records are a 207" 207
check_eq "one accepted and created" "$(jqb '[.accepted, .created]')" "[1,1]"
check_eq "each rejection names its index and first bad field" "$(jqb '[.rejected[] | "\(.index):\(.field)"]')" \
  '["1:external_id","2:platform","3:name","4:started_on","5:ended_on","6:budget_cents","7:currency","8:tags","9:null","10:external_id","11:currency","12:started_on"]'
check_eq "every rejection says why" "$(jqb '[.rejected[] | select((.message | length) < 15)] | length')" 0
check_eq "a key sent twice in a batch names the first one" "$(jqb '.rejected[] | select(.index == 10) | .message | test("at index 0")')" true
check_eq "a budget in a currency with no rate is refused with the exchange-rate message" \
  "$(jqb '.rejected[] | select(.index == 11) | .message')" "$(sql "SELECT to_json(fx_missing_message('XTS', ns_today() - 2))")"
check_eq "only the valid campaign was stored" "$(sql "SELECT count(*) FROM campaigns WHERE external_id LIKE '$X-%'")" 3
post /api/marketing/campaigns '[{"platform": "meta"}, {"external_id": "x"}]'
check_error "campaigns with no valid record are a 400" 400 bad_request
check_eq "... which still lists each rejection" "$(jqb '[.accepted, (.rejected | map(.field))]')" '[0,["external_id","platform"]]'

# ---------------------------------------------------------------- the body's shape and size, every endpoint
many=$(jq -nc '[range(2501) | {}]')
for p in marketing/campaigns marketing/spend marketing/leads users/tickets users/nps; do
  k=$M_KEY; case $p in users/*) k=$S_KEY;; esac
  post "/api/$p" "$many" "$k"
  check_error "POST /api/$p: 2,501 records are a 413" 413 payload_too_large
  check_error_names "... naming the limit" "at most 2500 records"
  post "/api/$p" '5' "$k"
  check_error "POST /api/$p: a body that is no record nor array is a 400" 400 bad_request
  post "/api/$p" '[]' "$k"
  check_error "POST /api/$p: an empty batch is a 400" 400 bad_request
done

# ---------------------------------------------------------------- spend
# Campaign A (meta, budget $1,000.00) gets two days of spend:
#   D1: 12345 cents, 1000 impressions, 50 clicks, 2 conversions
#   D2:  7655 cents, 3000 impressions, 150 clicks, 3 conversions
#   → spend 20000 = $200.00, impressions 4000, clicks 200, CTR 200/4000 = 5.00 %,
#     CPC 20000/200 = 100 cents = $1.00, budget used 20000/100000 = 20.00 %, 5 platform conversions.
post /api/marketing/spend "[
 {\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"$D1\", \"spend_cents\": 12345,
  \"impressions\": 1000, \"clicks\": 50, \"conversions\": 2},
 {\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"$D2\", \"spend_cents\": 7655,
  \"impressions\": 3000, \"clicks\": 150, \"conversions\": 3}]"
check_eq "two days of spend are created" "$STATUS $(jqb '[.accepted, .created, .updated, .unchanged]')" "200 [2,2,0,0]"
check_eq "... stored per campaign and day in the reporting currency" \
  "$(sql "SELECT string_agg(concat_ws('|', platform, spend_cents, impressions, clicks, conversions, currency,
                                     coalesce(spend_original_cents::text, 'none')), ';' ORDER BY day)
          FROM ad_spend WHERE campaign_id = $CA")" "meta|12345|1000|50|2|USD|none;meta|7655|3000|150|3|USD|none"
api GET "/api/marketing/spend?from=$D1&to=$D2" "$CEO"
check_eq "GET /api/marketing/spend: the total grows by \$200.00 (20000 cents)" "$(( $(jqb '(.total_spend * 100) | round') - SPEND0 ))" 20000
api GET "/api/marketing/campaigns?platform=meta&tag=$X&from=$D1&to=$D2" "$CEO"
jq_eq "GET /api/marketing/campaigns: our campaign's spend, clicks, CTR, CPC and budget used (hand-worked)" \
  "$(jqb '[.total, (.campaigns[0] | .id, .spend, .impressions, .clicks, .ctr_pct, .cpc, .budget, .spend_to_date, .budget_used_pct, .platform_conversions)]')" \
  "[1, $CA, 200.00, 4000, 200, 5.00, 1.00, 1000.00, 200.00, 20.00, 5]"
sum_spend() { sql "SELECT md5(string_agg(s::text, ',' ORDER BY day)) FROM ad_spend s WHERE campaign_id = $CA"; }
before=$(sum_spend)
post /api/marketing/spend "[
 {\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"$D1\", \"spend_cents\": 12345,
  \"impressions\": 1000, \"clicks\": 50, \"conversions\": 2},
 {\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"$D2\", \"spend_cents\": 7655,
  \"impressions\": 3000, \"clicks\": 150, \"conversions\": 3}]"
check_eq "replaying the spend is a 200 with both unchanged" "$STATUS $(jqb '[.accepted, .created, .updated, .unchanged]')" "200 [2,0,0,2]"
check_eq "... and ad_spend is unchanged" "$(sum_spend)" "$before"
# D2 sent again with spend 8655: the day's figures are replaced → spend 12345 + 8655 = 21000 = $210.00,
# CPC 21000/200 = 105 cents = $1.05, budget used 21.00 %.
post /api/marketing/spend "[{\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"$D2\", \"spend_cents\": \"8655\",
  \"impressions\": 3000, \"clicks\": 150, \"conversions\": 3}]"
check_eq "a day sent again with new figures is updated (digits as a string, as CSV has them)" \
  "$STATUS $(jqb '[.accepted, .created, .updated]')" "200 [1,0,1]"
check_eq "... replacing that day's row" "$(sql "SELECT count(*) || '|' || sum(spend_cents) FROM ad_spend WHERE campaign_id = $CA")" "2|21000"

post /api/marketing/spend "[
 {\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"$D1\", \"spend_cents\": 12345,
  \"impressions\": 1000, \"clicks\": 50, \"conversions\": 2},
 {\"campaign_external_id\": \"$X-nope\", \"platform\": \"meta\", \"day\": \"$D1\"},
 {\"campaign_external_id\": \"$X-a\", \"day\": \"$D1\"},
 {\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"01/11/2026\"},
 {\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"$(sql "SELECT ns_today() + 3")\"},
 {\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"$D1\", \"spend_cents\": 1.5},
 {\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"$D1\", \"currency\": \"EURO\"},
 {\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"$D1\", \"impressions\": \"many\"},
 {\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"$D1\", \"clicks\": -1},
 {\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"$D1\", \"conversions\": 3000000000},
 {\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"$D1\", \"spend_cents\": 99},
 {\"campaign_external_id\": \"$X-a\", \"platform\": \"meta\", \"day\": \"$(sql "SELECT ns_today() - 12")\", \"spend_cents\": 500, \"currency\": \"XTS\"}]"
check_status "spend with some invalid records is a 207" 207
check_eq "... the valid one (D1 as it is) unchanged" "$(jqb '[.accepted, .unchanged]')" "[1,1]"
check_eq "each rejection names its index and first bad field" "$(jqb '[.rejected[] | "\(.index):\(.field)"]')" \
  '["1:campaign_external_id","2:platform","3:day","4:day","5:spend_cents","6:currency","7:impressions","8:clicks","9:conversions","10:day","11:currency"]'
check_eq "an unknown campaign says to send it first" "$(jqb '.rejected[0].message | test("send the campaign first")')" true
check_eq "spend in a currency with no rate is refused with the exchange-rate message" \
  "$(jqb '.rejected[] | select(.index == 11) | .message')" "$(sql "SELECT to_json(fx_missing_message('XTS', ns_today() - 12))")"
check_eq "... and nothing of it changed ad_spend" "$(sql "SELECT sum(spend_cents) FROM ad_spend WHERE campaign_id = $CA")" 21000

# ---- another currency, converted at the day's rate (test rates: 1 EUR = 1.25 USD = 2.5 XTS on D1)
# factor XTS → USD = 1.25 / 2.5 = 0.5: a budget of 2000 XTS cents = 1000 USD cents; spend of
# 10001 XTS cents = 5000.5 → 5001 USD cents (half away from zero).
sql "INSERT INTO fx_rates (currency, day, per_eur) VALUES ('USD', ns_today() - 2, 1.25), ('XTS', ns_today() - 2, 2.5)"
post /api/marketing/campaigns "{\"external_id\": \"$X-fx\", \"platform\": \"meta\", \"name\": \"FX $X\", \"started_on\": \"$D1\",
  \"budget_cents\": 2000, \"currency\": \"XTS\", \"tags\": [\"$X-fx\"]}"
check_eq "with the day's rate loaded, the budget in XTS is accepted" "$STATUS $(jqb '[.accepted, .created]')" "200 [1,1]"
check_eq "... stored converted (2000 × 0.5 = 1000), the original and its currency kept" \
  "$(sql "SELECT concat_ws('|', budget_cents, budget_original_cents, currency) FROM campaigns WHERE external_id = '$X-fx'")" "1000|2000|XTS"
post /api/marketing/spend "{\"campaign_external_id\": \"$X-fx\", \"platform\": \"meta\", \"day\": \"$D1\", \"spend_cents\": 10001,
  \"currency\": \"XTS\", \"clicks\": 7}"
check_eq "spend in XTS is accepted" "$STATUS $(jqb '[.accepted, .created]')" "200 [1,1]"
check_eq "... stored as 10001 × 0.5 = 5000.5 → 5001 cents, the original kept" \
  "$(sql "SELECT concat_ws('|', s.spend_cents, s.spend_original_cents, s.currency) FROM ad_spend s JOIN campaigns c ON c.id = s.campaign_id
          WHERE c.external_id = '$X-fx'")" "5001|10001|XTS"
api GET "/api/marketing/campaigns?tag=$X-fx&from=$D1&to=$D2" "$CEO"
jq_eq "GET /api/marketing/campaigns shows it in dollars: spend \$50.01, budget \$10.00, used 500.10 %" \
  "$(jqb '[.total, (.campaigns[0] | .spend, .budget, .budget_used_pct, .cpc)]')" "[1, 50.01, 10.00, 500.10, 7.14]"

# ---- the rollups see the spend (dirty-day triggers on ad_spend → metrics_daily → CAC)
# CAC's week bucket of D1 (its Monday .. D1) holds the spend of those days: everyone else's (raw
# SQL, not ours) + ours on D1, 12345 (campaign A) + 5001 (FX) = 17346 cents.  (The baseline comes
# from the raw table, not the endpoint: a previous run's cleanup may still be on its way to the rollups.)
CAC0=$(sql "SELECT coalesce(sum(s.spend_cents), 0) FROM ad_spend s JOIN campaigns c ON c.id = s.campaign_id
            WHERE s.day BETWEEN date_trunc('week', '$D1'::date)::date AND '$D1' AND c.external_id IS DISTINCT FROM '$X-a'
              AND c.external_id IS DISTINCT FROM '$X-fx'")
got=""
for _ in $(seq 1 60); do   # the rollup job runs every 30 s
  api GET "/api/marketing/cac?granularity=week&from=$D1&to=$D1" "$CEO"
  got=$(( $(jqb '(.buckets[0].spend * 100) | round') - CAC0 ))
  [ "$got" = 17346 ] && break
  sleep 2
done
check_eq "GET /api/marketing/cac (from the rollups): D1's week spends 12345 + 5001 = 17346 cents more than the others' spend" "$got" 17346

# ---- ROAS: a customer acquired by campaign A orders $500.00 on D2 (attribution rule: the
# customer's campaign).  ROAS = 50000 / 21000 = 2.38; ROI = (50000 − 21000) / 21000 = 138.10 %.
sql "INSERT INTO customers (name, email, signup_at, channel, campaign_id, external_id)
     VALUES ('Acquired $X', '$X-r@example.com', ns_day_start(ns_today() - 30), 'paid_social', $CA, '$X-r')"
sql "INSERT INTO orders (customer_id, ordered_at, source, total_cents)
     SELECT id, ns_day_start(ns_today() - 1) + interval '12 hours', 'api', 50000 FROM customers WHERE external_id = '$X-r'"
got=""
for _ in $(seq 1 90); do   # rollups every 30 s, then the marketing pre-aggregates every 30 s
  api GET "/api/marketing/campaigns?platform=meta&tag=$X&from=$D1&to=$D2" "$CEO"
  got=$(jqb '.campaigns[0] | [.spend, .attributed_revenue, .roas, .roi_pct]')
  [ "$(jqb '.campaigns[0].attributed_revenue')" = 500 ] && break
  sleep 2
done
jq_eq "campaign A: spend \$210.00, attributed revenue \$500.00, ROAS 2.38, ROI 138.10 % (hand-worked)" \
  "$got" "[210.00, 500.00, 2.38, 138.10]"

# ---------------------------------------------------------------- leads
L_CR=$(ts "ns_day_start(ns_today() - 2) + interval '10 hours'"); L_MQL=$(ts "ns_day_start(ns_today() - 2) + interval '12 hours'")
L_SQL=$(ts "ns_day_start(ns_today() - 1) + interval '9 hours'")
post /api/marketing/leads "[
 {\"external_id\": \"$X-l1\", \"created_at\": \"$L_CR\", \"channel\": \"paid_social\", \"campaign_external_id\": \"$X-a\",
  \"platform\": \"meta\", \"mql_at\": \"$L_MQL\"},
 {\"external_id\": \"$X-l2\", \"created_at\": \"$L_CR\", \"channel\": \"organic\"}]"
check_eq "two leads are created" "$STATUS $(jqb '[.accepted, .created]')" "200 [2,2]"
check_eq "... with their campaign and stages" \
  "$(sql "SELECT string_agg(concat_ws('|', channel, coalesce(campaign_id::text, '-'), mql_at IS NOT NULL, sql_at IS NOT NULL), ';'
          ORDER BY external_id) FROM leads WHERE external_id LIKE '$X-%'")" "paid_social|$CA|t|f;organic|-|f|f"
# Lead 1 moves on: SQL on D2 and it became the customer acquired above → 1 SQL, 1 customer, 100 %.
post /api/marketing/leads "[
 {\"external_id\": \"$X-l1\", \"created_at\": \"$L_CR\", \"channel\": \"paid_social\", \"campaign_external_id\": \"$X-a\",
  \"platform\": \"meta\", \"mql_at\": \"$L_MQL\", \"sql_at\": \"$L_SQL\", \"customer_external_id\": \"$X-r\"},
 {\"external_id\": \"$X-l2\", \"created_at\": \"$L_CR\", \"channel\": \"organic\"}]"
check_eq "a lead sent again with its later stages is updated, the other unchanged" \
  "$STATUS $(jqb '[.accepted, .created, .updated, .unchanged]')" "200 [2,0,1,1]"
api GET "/api/marketing/leads?from=$D1&to=$D2" "$CEO"
jq_eq "GET /api/marketing/leads: campaign A's row has 1 lead, 1 MQL, 1 SQL, 1 customer (100.00 %)" \
  "$(jq -c --argjson c "$CA" '[.rows[] | select(.campaign_id == $c) | .leads, .mqls, .sqls, .customers, .lead_to_customer_pct]' <<<"$BODY")" \
  "[1, 1, 1, 1, 100.00]"
post /api/marketing/leads "[
 {\"external_id\": \"$X-l3\", \"channel\": \"organic\"},
 {\"external_id\": \"$X-l3\", \"created_at\": \"$L_CR\", \"channel\": \"tv\"},
 {\"external_id\": \"$X-l3\", \"created_at\": \"$L_CR\", \"channel\": \"organic\", \"mql_at\": \"$(ts "ns_day_start(ns_today() - 3)")\"},
 {\"external_id\": \"$X-l3\", \"created_at\": \"$L_CR\", \"channel\": \"organic\", \"sql_at\": \"$L_SQL\"},
 {\"external_id\": \"$X-l3\", \"created_at\": \"$L_CR\", \"channel\": \"paid_social\", \"campaign_external_id\": \"$X-nope\", \"platform\": \"meta\"},
 {\"external_id\": \"$X-l3\", \"created_at\": \"$L_CR\", \"channel\": \"paid_social\", \"platform\": \"meta\"},
 {\"external_id\": \"$X-l3\", \"created_at\": \"$L_CR\", \"channel\": \"organic\", \"customer_external_id\": \"$X-nobody\"},
 {\"external_id\": \"$X-l3\", \"created_at\": \"$(ts "now() + interval '1 hour'")\", \"channel\": \"organic\"}]"
check_error "leads with no valid record are a 400" 400 bad_request
check_eq "each rejection names its index and first bad field" "$(jqb '[.rejected[] | "\(.index):\(.field)"]')" \
  '["0:created_at","1:channel","2:mql_at","3:sql_at","4:campaign_external_id","5:campaign_external_id","6:customer_external_id","7:created_at"]'
check_eq "an unknown customer says to send it first" "$(jqb '.rejected[6].message | test("send the customer first")')" true

# ---------------------------------------------------------------- who may send
post /api/marketing/spend '[{}]' "$S_KEY"
check_error "a key of another scope (ingest:support) cannot send spend (403)" 403 forbidden
check_error_names "... naming the scope it lacks" "ingest:marketing"
post /api/users/tickets '[{}]' "$M_KEY"
check_error "nor an ingest:marketing key tickets (403)" 403 forbidden
post /api/marketing/campaigns '[{}]' "$E_KEY"
check_error "nor an ingest:events key campaigns (403)" 403 forbidden
post /api/marketing/spend '[{}]' "$CEO"
check_error "a session token cannot send spend (403)" 403 forbidden
post /api/users/nps '[{}]' "$CEO"
check_error "nor NPS answers (403)" 403 forbidden
api GET "/api/marketing/spend?from=$D1&to=$D2" "$M_KEY"
check_error "a marketing key cannot read the spend it sends (403)" 403 forbidden
R_KEY=$(M_ADMIN key add "$X-old" ingest:marketing ingest:support 2>/dev/null)
post /api/marketing/leads "[{\"external_id\": \"$X-l2\", \"created_at\": \"$L_CR\", \"channel\": \"organic\"}]" "$R_KEY"
check_status "a key works before it is revoked" 200
M_ADMIN key revoke "$X-old" >/dev/null 2>&1
post /api/marketing/leads "[{\"external_id\": \"$X-l2\", \"created_at\": \"$L_CR\", \"channel\": \"organic\"}]" "$R_KEY"
check_error "the next request with the revoked key is a 401" 401 unauthorized
post /api/users/tickets '[{}]' "$R_KEY"
check_error "... on every route it had" 401 unauthorized

# ---------------------------------------------------------------- the narrowest write path
app_sql() { psql -X -qtA -h "$T_RUN" -p "$T_PGPORT" -U northstar_app -d northstar -c "$1" 2>&1; }
check_eq "northstar_app cannot write campaigns, ad_spend, leads, tickets or NPS itself" \
  "$(for t in "campaigns SET name = name" "ad_spend SET clicks = clicks" "leads SET channel = channel" \
              "support_tickets SET csat = csat" "nps_responses SET score = score"; do
       app_sql "UPDATE $t WHERE false"; done | grep -c 'permission denied')" 5
check_eq "each function runs as northstar_ingest, and PUBLIC may not execute it" \
  "$(sql "SELECT string_agg(pg_get_userbyid(proowner) || '/' || prosecdef || '/' ||
                            has_function_privilege('public', oid, 'EXECUTE') || '/' ||
                            has_function_privilege('northstar_app', oid, 'EXECUTE'), ' ' ORDER BY proname)
          FROM pg_proc WHERE pronamespace = 'api'::regnamespace AND proname IN
            ('marketing_campaigns_ingest', 'marketing_spend_ingest', 'marketing_leads_ingest', 'users_tickets_ingest', 'users_nps_ingest')")" \
  "$(printf 'northstar_ingest/true/false/true %.0s' 1 2 3 4 5 | sed 's/ $//')"
check_eq "northstar_ingest may not delete what it writes" \
  "$(sql "SELECT bool_or(has_table_privilege('northstar_ingest', t, 'DELETE'))
          FROM unnest(ARRAY['campaigns', 'ad_spend', 'leads', 'support_tickets', 'nps_responses']) t")" f

# ---------------------------------------------------------------- tickets and the health score
# Customer S (ours) pays 1 seat from H−60 on, has no events and no billing events.  H is a day
# without a health snapshot, so the score is computed from the tables at once.  Before any ticket:
#   usage 0 (no active day) + adoption 0 (0 users of 1 seat) + support 20 + payment 25 = 45.
H=$(sql "SELECT max(d)::date FROM generate_series(ns_today() - 5, ns_today() - 2, interval '1 day') d
         WHERE d::date NOT IN (SELECT rollup_snapshot_days())")
sql "INSERT INTO customers (name, email, signup_at, external_id) VALUES ('Support $X', '$X-s@example.com', ns_day_start('$H'::date - 90), '$X-s')"
CS=$(sql "SELECT id FROM customers WHERE external_id = '$X-s'")
sql "INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from)
     SELECT $CS, min(id), 1, 10000, '$H'::date - 60 FROM plans"
health() { api GET "/api/users/customers/$CS?as_of=$H" "$CEO"; jqb '[.health.support, .health.health_score]'; }
check_eq "customer S's health before its tickets: support 20, score 45" "$(health)" "[20,45]"
K1_OPEN=$(ts "ns_day_start('$H'::date - 3) + interval '10 hours'")
K1_UPD=$(ts "ns_day_start('$H'::date - 3) + interval '11 hours'")
post /api/users/tickets "[
 {\"external_id\": \"$X-k1\", \"customer_external_id\": \"$X-s\", \"opened_at\": \"$K1_OPEN\", \"priority\": \"high\", \"updated_at\": \"$K1_UPD\"},
 {\"external_id\": \"$X-k2\", \"customer_external_id\": \"$X-s\", \"opened_at\": \"$(ts "ns_day_start('$H'::date - 40) + interval '10 hours'")\",
  \"resolved_at\": \"$(ts "ns_day_start('$H'::date - 39) + interval '10 hours'")\", \"csat\": 1}]" "$S_KEY"
check_eq "two tickets are created" "$STATUS $(jqb '[.accepted, .created]')" "200 [2,2]"
check_eq "... with their customer, priority (default normal) and rating" \
  "$(sql "SELECT string_agg(concat_ws('|', customer_id, priority, coalesce(csat::text, '-'), resolved_at IS NOT NULL), ';' ORDER BY external_id)
          FROM support_tickets WHERE external_id LIKE '$X-%'")" "$CS|high|-|f;$CS|normal|1|t"
# k1 opened 3 days before H (in 30 days), high and still open; k2 opened 40 days before H (in 90,
# not in 30) with CSAT 1: support = 20 − 4×1 − 4×1 − 5×1 = 7; score 0 + 0 + 7 + 25 = 32.
check_eq "the health endpoint: support 20 → 7, score 45 → 32" "$(health)" "[7,32]"
sum_tickets() { sql "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM support_tickets t WHERE external_id LIKE '$X-%'"; }
before=$(sum_tickets)
post /api/users/tickets "[{\"external_id\": \"$X-k1\", \"customer_external_id\": \"$X-s\", \"opened_at\": \"$K1_OPEN\",
  \"priority\": \"high\", \"updated_at\": \"$K1_UPD\"}]" "$S_KEY"
check_eq "replaying a ticket: unchanged" "$STATUS $(jqb '[.accepted, .unchanged, .updated]')" "200 [1,1,0]"
post /api/users/tickets "[{\"external_id\": \"$X-k1\", \"customer_external_id\": \"$X-s\", \"opened_at\": \"$K1_OPEN\",
  \"priority\": \"low\", \"updated_at\": \"$K1_OPEN\"}]" "$S_KEY"
check_eq "a ticket older than the stored one (updated_at) is stale" "$STATUS $(jqb '[.accepted, .stale, .updated]')" "200 [1,1,0]"
check_eq "... and the tickets are unchanged" "$(sum_tickets)" "$before"
post /api/users/tickets "[{\"external_id\": \"$X-k1\", \"customer_external_id\": \"$X-s\", \"opened_at\": \"$K1_OPEN\",
  \"priority\": \"high\", \"resolved_at\": \"$(ts "ns_day_start('$H'::date - 1) + interval '10 hours'")\", \"csat\": 4,
  \"updated_at\": \"$(ts "ns_day_start('$H'::date - 1) + interval '10 hours'")\"}]" "$S_KEY"
check_eq "a newer version (resolved, rated) is updated" "$STATUS $(jqb '[.accepted, .updated]')" "200 [1,1]"
K1_RES=$(ts "ns_day_start('$H'::date - 1) + interval '10 hours'")
post /api/users/tickets "[{\"external_id\": \"$X-k1\", \"customer_external_id\": \"$X-s\", \"opened_at\": \"$K1_OPEN\",
  \"priority\": \"urgent\", \"resolved_at\": \"$K1_RES\", \"csat\": 4}]" "$S_KEY"
check_eq "a version without updated_at is applied and keeps the stored updated_at" \
  "$STATUS $(jqb '.updated') $(sql "SELECT priority || '|' || (source_updated_at = '$K1_RES') FROM support_tickets WHERE external_id = '$X-k1'")" \
  "200 1 urgent|true"
post /api/users/tickets "[{\"external_id\": \"$X-k1\", \"customer_external_id\": \"$X-s\", \"opened_at\": \"$K1_OPEN\",
  \"priority\": \"high\", \"updated_at\": \"$K1_UPD\"}]" "$S_KEY"
check_eq "... so that an older delivery after it is still stale" "$STATUS $(jqb '[.stale, .updated]')" "200 [1,0]"
# k1 resolved before H ends: no longer an open high ticket → support = 20 − 4 − 5 = 11; score 36.
check_eq "the health endpoint: support 7 → 11, score 32 → 36" "$(health)" "[11,36]"
post /api/users/tickets "[
 {\"external_id\": \"$X-k3\", \"customer_external_id\": \"$X-s\", \"opened_at\": \"$K1_OPEN\"},
 {\"customer_external_id\": \"$X-s\", \"opened_at\": \"$K1_OPEN\"},
 {\"external_id\": \"$X-k4\", \"customer_external_id\": \"$X-nobody\", \"opened_at\": \"$K1_OPEN\"},
 {\"external_id\": \"$X-k4\", \"customer_external_id\": \"$X-s\"},
 {\"external_id\": \"$X-k4\", \"customer_external_id\": \"$X-s\", \"opened_at\": \"$K1_OPEN\", \"resolved_at\": \"$(ts "ns_day_start('$H'::date - 4)")\"},
 {\"external_id\": \"$X-k4\", \"customer_external_id\": \"$X-s\", \"opened_at\": \"$K1_OPEN\", \"priority\": \"p1\"},
 {\"external_id\": \"$X-k4\", \"customer_external_id\": \"$X-s\", \"opened_at\": \"$K1_OPEN\", \"csat\": 6},
 {\"external_id\": \"$X-k4\", \"customer_external_id\": \"$X-s\", \"opened_at\": \"$K1_OPEN\", \"updated_at\": \"yesterday\"},
 {\"external_id\": \"$X-k4\", \"customer_external_id\": \"$X-s\", \"opened_at\": \"$(ts "now() + interval '1 day'")\"},
 {\"external_id\": \"$X-k3\", \"customer_external_id\": \"$X-s\", \"opened_at\": \"$K1_OPEN\"}]" "$S_KEY"
check_status "tickets with some invalid records are a 207" 207
check_eq "each rejection names its index and first bad field" "$(jqb '[.accepted, [.rejected[] | "\(.index):\(.field)"]]')" \
  '[1,["1:external_id","2:customer_external_id","3:opened_at","4:resolved_at","5:priority","6:csat","7:updated_at","8:opened_at","9:external_id"]]'
# k3 (normal, open, opened 3 days before H): one more ticket in 30 days → support 11 − 4 = 7; score 32.
check_eq "the accepted ticket moves the health again: support 11 → 7" "$(health)" "[7,32]"

# ---- today's health, what the dashboard shows by default: a snapshot the users job retakes every 60 s.
# Customer T (ours) pays 1 seat since 10 days ago, no events, no billing events: without tickets
# 0 + 0 + 20 + 25 = 45 (as customer S above).  One urgent ticket opened an hour ago, still open:
# support 20 − 4 − 4 = 12, score 37, in the first snapshot taken after it (≤ 60 s).
sql "INSERT INTO customers (name, email, signup_at, external_id) VALUES ('Today $X', '$X-t@example.com', now() - interval '20 days', '$X-t')"
CT=$(sql "SELECT id FROM customers WHERE external_id = '$X-t'")
sql "INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from) SELECT $CT, min(id), 1, 10000, ns_today() - 10 FROM plans"
health_today() { api GET "/api/users/customers/$CT" "$CEO"; jqb '[.health.support, .health.health_score]'; }
post /api/users/tickets "{\"external_id\": \"$X-k5\", \"customer_external_id\": \"$X-t\", \"opened_at\": \"$(ts "now() - interval '1 hour'")\",
  \"priority\": \"urgent\"}" "$S_KEY"
check_eq "an urgent ticket of today is created" "$STATUS $(jqb .created)" "200 1"

# ---------------------------------------------------------------- NPS
# The baseline: the answers of the summary's 90 days (today − 89 .. today) that are not ours, from the raw table.
NPS0=$(sql "SELECT json_build_array(count(*), count(*) FILTER (WHERE score >= 9), count(*) FILTER (WHERE score BETWEEN 7 AND 8),
                   count(*) FILTER (WHERE score <= 6))
            FROM nps_responses WHERE ns_day(answered_at) BETWEEN ns_today() - 89 AND ns_today()
              AND (external_id IS NULL OR external_id NOT LIKE '$X-%')")
A_DAY=$(ts "ns_day_start(ns_today() - 1) + interval '9 hours'")
post /api/users/nps "[
 {\"external_id\": \"$X-n1\", \"customer_external_id\": \"$X-s\", \"answered_at\": \"$A_DAY\", \"score\": 10},
 {\"external_id\": \"$X-n2\", \"customer_external_id\": \"$X-s\", \"answered_at\": \"$A_DAY\", \"score\": 9},
 {\"external_id\": \"$X-n3\", \"customer_external_id\": \"$X-s\", \"answered_at\": \"$A_DAY\", \"score\": 7},
 {\"external_id\": \"$X-n4\", \"customer_external_id\": \"$X-s\", \"answered_at\": \"$A_DAY\", \"score\": 3},
 {\"external_id\": \"$X-n5\", \"customer_external_id\": \"$X-s\", \"answered_at\": \"$A_DAY\", \"score\": 11},
 {\"external_id\": \"$X-n5\", \"customer_external_id\": \"$X-s\", \"answered_at\": \"$A_DAY\", \"score\": \"nine\"},
 {\"external_id\": \"$X-n5\", \"customer_external_id\": \"$X-nobody\", \"answered_at\": \"$A_DAY\", \"score\": 5},
 {\"external_id\": \"$X-n5\", \"customer_external_id\": \"$X-s\", \"score\": 5}]" "$S_KEY"
check_eq "four NPS answers accepted, four invalid ones rejected (207)" \
  "$STATUS $(jqb '[.accepted, .created, [.rejected[] | "\(.index):\(.field)"]]')" \
  '207 [4,4,["4:score","5:score","6:customer_external_id","7:answered_at"]]'
# 10 and 9 are promoters, 7 a passive, 3 a detractor: responses +4, promoters +2, passives +1, detractors +1.
# Then answer n4 is corrected from 3 to 8: detractors −1, passives +1 → +4, +2, +2, +0 in all.
post /api/users/nps "[{\"external_id\": \"$X-n4\", \"customer_external_id\": \"$X-s\", \"answered_at\": \"$A_DAY\", \"score\": 8},
 {\"external_id\": \"$X-n3\", \"customer_external_id\": \"$X-s\", \"answered_at\": \"$A_DAY\", \"score\": 7}]" "$S_KEY"
check_eq "a corrected answer is updated in place, the same one unchanged" "$STATUS $(jqb '[.updated, .unchanged]')" "200 [1,1]"
got=""
for _ in $(seq 1 60); do   # the rollup job runs every 30 s
  api GET /api/users/summary "$CEO"
  got=$(jq -c --argjson b "$NPS0" '.nps_90d.value | [.responses - $b[0], .promoters - $b[1], .passives - $b[2], .detractors - $b[3]]' <<<"$BODY" 2>/dev/null)
  [ "$got" = "[4,2,2,0]" ] && break
  sleep 2
done
check_eq "GET /api/users/summary (from the rollups): NPS responses, promoters, passives, detractors are the others' +4, +2, +2, +0" "$got" "[4,2,2,0]"
sum_nps() { sql "SELECT md5(string_agg(n::text, ',' ORDER BY id)) FROM nps_responses n WHERE external_id LIKE '$X-%'"; }
before=$(sum_nps)
post /api/users/nps "[{\"external_id\": \"$X-n4\", \"customer_external_id\": \"$X-s\", \"answered_at\": \"$A_DAY\", \"score\": 8}]" "$S_KEY"
check_eq "replaying an answer: unchanged, the table too" "$STATUS $(jqb '[.accepted, .unchanged]') $(sum_nps)" "200 [1,1] $before"

# ---- NDJSON works here as for events
printf '{"external_id":"%s-n6","customer_external_id":"%s-s","answered_at":"%s","score":6}\n{"broken\n' "$X" "$X" "$A_DAY" >"$T_TMP/mkt-nps.ndjson"
api POST /api/users/nps "$S_KEY" -H 'Content-Type: application/x-ndjson' --data-binary "@$T_TMP/mkt-nps.ndjson"
check_eq "NDJSON: the valid line created, the broken one rejected at its index (207)" \
  "$STATUS $(jqb '[.created, (.rejected | map("\(.index):\(.field)"))]')" '207 [1,["1:null"]]'

# ---- today's health of customer T (its ticket was sent before the NPS answers: the waits overlap)
got=""
for _ in $(seq 1 50); do got=$(health_today); [ "$got" = "[12,37]" ] && break; sleep 3; done   # the next snapshot
check_eq "today's health (the users job's snapshot): support 20 → 12, score 45 → 37" "$got" "[12,37]"

# ---- every use is logged with the key's name
if grep -q "path=/api/users/tickets status=200 .* key=$X-sup\$" "$T_DIR/logs/users.log" &&
   grep -q "path=/api/marketing/spend status=200 .* key=$X-mkt\$" "$T_DIR/logs/marketing.log"; then
  ok "the services' access logs name the key"
else not_ok "the services' access logs name the key" "$(grep 'key=' "$T_DIR/logs/users.log" | tail -2)"; fi
done_testing
