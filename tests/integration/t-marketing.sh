# t-marketing.sh — the marketing service through nginx: roles, bad input, CSV, and every figure
# compared with independent SQL over the raw tables (ad_spend, customers, orders, leads, events,
# subscriptions — never the rollups) on the demo data.  Sourced by run.sh (lib.sh helpers).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MK_CEO=$(login ceo@northstar.example)
MK_CS=$(login cs1@northstar.example)
MK_SALES=$(login sales1@northstar.example)
# The marketing pre-aggregates follow metrics_daily through the service's job; make sure the job's
# work is done before comparing (a call waits for a running one; the alerts job may recompute
# today meanwhile, so repeat until no metrics_daily day is newer than its marketing version).
sql "SELECT rollup_refresh()" >/dev/null
for _ in $(seq 1 50); do
  sql "SELECT marketing_refresh()" >/dev/null
  [ "$(sql "SELECT count(*) FROM metrics_daily m
            LEFT JOIN rollup_follower_days k ON k.follower = 'marketing' AND k.day = m.day
            WHERE k.source_refreshed_at IS DISTINCT FROM m.refreshed_at")" = 0 ] && break
  sleep 0.2
done

# A fixed 30-day window ending on the last day with ad spend ("today" of the demo data).
MK_TO=$(sql "SELECT max(day) FROM ad_spend")
MK_FROM=$(sql "SELECT '$MK_TO'::date - 29")
MK_W="from=$MK_FROM&to=$MK_TO"
# raw-table predicates for the window (reporting-zone days)
mk_in() { echo "($1 AT TIME ZONE ns_tz())::date BETWEEN '$MK_FROM' AND '$MK_TO'"; }

# ---------------------------------------------------------------- roles
for ep in summary spend campaigns cac funnel traffic leads; do
  api GET "/api/marketing/$ep" "$MK_CEO"; check_status "marketing $ep: ceo may read it" 200
  api GET "/api/marketing/$ep" "$MK_CS"; check_status "marketing $ep: cs is refused" 403
  api GET "/api/marketing/$ep"; check_status "marketing $ep: anonymous is refused" 401
done
for ep in summary spend campaigns cac funnel traffic; do
  api GET "/api/marketing/$ep" "$MK_SALES"; check_status "marketing $ep: sales is refused (spend is CEO only)" 403
done
api GET "/api/marketing/leads" "$MK_SALES"; check_status "marketing leads: sales may read leads" 200

# ---------------------------------------------------------------- bad input
mk_bad() {  # mk_bad PATH WORD — 400 JSON error naming WORD
  api GET "$1" "$MK_CEO"
  check_error "marketing bad input $1 is a 400" 400 bad_request
  check_error_names "marketing bad input $1 names '$2'" "$2"
}
mk_bad "/api/marketing/spend?granularity=year" granularity
mk_bad "/api/marketing/cac?granularity=day" granularity
mk_bad "/api/marketing/campaigns?sort=clicks" sort
mk_bad "/api/marketing/campaigns?platform=myspace" platform
mk_bad "/api/marketing/campaigns?limit=0" limit
mk_bad "/api/marketing/campaigns?offset=-1" offset
mk_bad "/api/marketing/campaigns?tag=a%27b" tag
mk_bad "/api/marketing/summary?from=2026-02-01&to=2026-01-01" from
mk_bad "/api/marketing/summary?days=2000" days
mk_bad "/api/marketing/funnel?to=2026-02-30" to
mk_bad "/api/marketing/traffic?days=7&from=2026-01-01" days
mk_bad "/api/marketing/leads?color=red" color
mk_bad "/api/marketing/summary?format=csv" format

# ---------------------------------------------------------------- summary vs raw
api GET "/api/marketing/summary?$MK_W" "$MK_CEO"; check_status "marketing summary answers" 200
MK_S=$BODY
IFS='|' read -r r_spend r_clicks r_impr r_cpc r_ctr <<<"$(sql "
  SELECT round(sum(spend_cents) / 100.0, 2), sum(clicks), sum(impressions),
         round(sum(spend_cents) / 100.0 / nullif(sum(clicks), 0), 2),
         round(sum(clicks) * 100.0 / nullif(sum(impressions), 0), 2)
  FROM ad_spend WHERE day BETWEEN '$MK_FROM' AND '$MK_TO'")"
check_num "summary spend = raw ad_spend" "$(jq .current.spend <<<"$MK_S")" "$r_spend"
check_num "summary clicks = raw ad_spend" "$(jq .current.clicks <<<"$MK_S")" "$r_clicks"
check_num "summary impressions = raw ad_spend" "$(jq .current.impressions <<<"$MK_S")" "$r_impr"
check_num "summary CPC = raw spend / clicks" "$(jq .current.cpc <<<"$MK_S")" "$r_cpc"
check_num "summary CTR = raw clicks / impressions" "$(jq .current.ctr_pct <<<"$MK_S")" "$r_ctr"
check_num "summary platform spends add up to the total" "$(jq '[.current.by_platform[].spend] | add * 100 | round / 100' <<<"$MK_S")" "$r_spend"
r=$(sql "SELECT round(sum(spend_cents) / 100.0, 2) FROM ad_spend a JOIN campaigns c ON c.id = a.campaign_id
         WHERE c.platform = 'google' AND a.day BETWEEN '$MK_FROM' AND '$MK_TO'")
check_num "summary google spend = raw" "$(jq '.current.by_platform[] | select(.platform == "google") | .spend' <<<"$MK_S")" "$r"

IFS='|' read -r r_new r_cac <<<"$(sql "
  SELECT n, round(s / 100.0 / nullif(n, 0), 2) FROM
   (SELECT count(*) AS n FROM customers WHERE $(mk_in converted_at)) c,
   (SELECT sum(spend_cents) AS s FROM ad_spend WHERE day BETWEEN '$MK_FROM' AND '$MK_TO') a")"
check_num "summary new customers = raw converted_at in window" "$(jq .current.new_customers <<<"$MK_S")" "$r_new"
check_num "summary CAC = raw spend / new payers" "$(jq .current.cac <<<"$MK_S")" "${r_cac:-null}"

IFS='|' read -r r_attr r_roas r_rev r_conv r_cpa <<<"$(sql "
  WITH sp AS (SELECT sum(spend_cents) AS s FROM ad_spend WHERE day BETWEEN '$MK_FROM' AND '$MK_TO'),
       at AS (SELECT coalesce(sum(o.total_cents), 0) AS r FROM orders o JOIN customers c ON c.id = o.customer_id
              WHERE c.campaign_id IS NOT NULL AND $(mk_in o.ordered_at)),
       al AS (SELECT sum(total_cents) AS r FROM orders WHERE $(mk_in ordered_at)),
       cv AS (SELECT count(*) AS n FROM customers WHERE campaign_id IS NOT NULL AND $(mk_in converted_at))
  SELECT round(at.r / 100.0, 2), round(at.r::numeric / sp.s, 2), round(al.r / 100.0, 2), cv.n,
         round(sp.s / 100.0 / nullif(cv.n, 0), 2)
  FROM sp, at, al, cv")"
check_num "summary attributed revenue = raw orders of campaign customers" "$(jq .current.attributed_revenue <<<"$MK_S")" "$r_attr"
check_num "summary ROAS = raw attributed revenue / spend" "$(jq .current.roas <<<"$MK_S")" "$r_roas"
check_num "summary revenue = raw orders" "$(jq .current.revenue <<<"$MK_S")" "$r_rev"
check_num "summary conversions = raw campaign customers converted" "$(jq .current.conversions <<<"$MK_S")" "$r_conv"
check_num "summary CPA = raw spend / conversions" "$(jq .current.cpa <<<"$MK_S")" "${r_cpa:-null}"

IFS='|' read -r r_mqls r_cpm <<<"$(sql "
  SELECT count(*), round((SELECT sum(spend_cents) FROM ad_spend WHERE day BETWEEN '$MK_FROM' AND '$MK_TO')
                         / 100.0 / nullif(count(*), 0), 2)
  FROM leads WHERE $(mk_in mql_at)")"
check_num "summary MQLs = raw leads.mql_at in window" "$(jq .current.mqls <<<"$MK_S")" "$r_mqls"
check_num "summary cost per MQL = raw spend / MQLs" "$(jq .current.cost_per_mql <<<"$MK_S")" "${r_cpm:-null}"

# LTV for the last month ended by MK_TO (and before today), from subscriptions via mrr_at() (raw, no rollup)
r=$(sql "
  WITH b AS (SELECT (date_trunc('month', least('$MK_TO'::date, ns_today() - 1) + 1) - interval '1 day')::date AS e),
       m AS (SELECT e, (date_trunc('month', e) - interval '1 day')::date AS s FROM b),
       p0 AS (SELECT customer_id FROM m, mrr_at(m.s)),
       p1 AS (SELECT customer_id, mrr_cents FROM m, mrr_at(m.e))
  SELECT round(((SELECT sum(mrr_cents) FROM p1)::numeric / (SELECT count(*) FROM p1))
               / ((SELECT count(*) FROM p0 WHERE customer_id NOT IN (SELECT customer_id FROM p1))::numeric
                  / (SELECT count(*) FROM p0)) / 100, 2)")
check_num "summary LTV = raw ARPU / logo churn of the last full month" "$(jq .current.ltv <<<"$MK_S")" "${r:-null}"

IFS='|' read -r p_spend p_new <<<"$(sql "
  SELECT round(sum(spend_cents) / 100.0, 2),
         (SELECT count(*) FROM customers WHERE (converted_at AT TIME ZONE ns_tz())::date
            BETWEEN '$MK_FROM'::date - 30 AND '$MK_FROM'::date - 1)
  FROM ad_spend WHERE day BETWEEN '$MK_FROM'::date - 30 AND '$MK_FROM'::date - 1")"
check_num "summary previous spend = raw 30 days before" "$(jq .previous.spend <<<"$MK_S")" "$p_spend"
check_num "summary previous new customers = raw" "$(jq .previous.new_customers <<<"$MK_S")" "$p_new"

# ---------------------------------------------------------------- spend vs raw
api GET "/api/marketing/spend?granularity=week&$MK_W" "$MK_CEO"; check_status "marketing spend by week answers" 200
MK_B=$(sql "SELECT date_trunc('week', '$MK_TO'::date)::date")
r=$(sql "SELECT round(sum(spend_cents) / 100.0, 2) FROM ad_spend
         WHERE platform = 'meta' AND day BETWEEN '$MK_B' AND '$MK_TO'")
check_num "spend: meta in the last week = raw" \
  "$(jq --arg b "$MK_B" '.rows[] | select(.bucket == $b and .platform == "meta") | .spend' <<<"$BODY")" "$r"
r=$(sql "SELECT sum(clicks) FROM ad_spend WHERE platform = 'google' AND day BETWEEN '$MK_B' AND '$MK_TO'")
check_num "spend: google clicks in the last week = raw" \
  "$(jq --arg b "$MK_B" '.rows[] | select(.bucket == $b and .platform == "google") | .clicks' <<<"$BODY")" "$r"
check_num "spend: weekly rows add up to the window's spend" "$(jq '[.rows[].spend] | add * 100 | round / 100' <<<"$BODY")" "$r_spend"
api GET "/api/marketing/spend?granularity=day&$MK_W&format=csv" "$MK_CEO"
check_eq "spend csv: header row" "$(head -1 <<<"$BODY" | tr -d '\r')" '"bucket","platform","spend","impressions","clicks","ctr_pct","cpc","platform_conversions","conversions"'
check_eq "spend csv: 30 days × 4 platforms + header" "$(grep -c . <<<"$BODY")" 121
check_eq "spend csv: content type" "$(header Content-Type | cut -d';' -f1)" "text/csv"

# ---------------------------------------------------------------- campaigns vs raw
api GET "/api/marketing/campaigns?$MK_W&sort=spend&limit=1" "$MK_CEO"; check_status "marketing campaigns answers" 200
MK_CID=$(jq '.campaigns[0].id' <<<"$BODY")
IFS='|' read -r r_cid r_sp r_bu <<<"$(sql "
  SELECT c.id, round(sum(a.spend_cents) FILTER (WHERE a.day >= '$MK_FROM') / 100.0, 2),
         round(sum(a.spend_cents) * 100.0 / nullif(c.budget_cents, 0), 2)
  FROM campaigns c JOIN ad_spend a ON a.campaign_id = c.id AND a.day <= '$MK_TO'
  GROUP BY c.id HAVING sum(a.spend_cents) FILTER (WHERE a.day >= '$MK_FROM') > 0
  ORDER BY sum(a.spend_cents) FILTER (WHERE a.day >= '$MK_FROM') DESC, c.id LIMIT 1")"
check_eq "campaigns: the top spender = raw" "$MK_CID" "$r_cid"
check_num "campaigns: its spend = raw" "$(jq '.campaigns[0].spend' <<<"$BODY")" "$r_sp"
check_num "campaigns: its budget used = raw spend to date / budget" "$(jq '.campaigns[0].budget_used_pct' <<<"$BODY")" "$r_bu"
IFS='|' read -r r_rev r_roas <<<"$(sql "
  SELECT round(coalesce(sum(o.total_cents), 0) / 100.0, 2),
         round(coalesce(sum(o.total_cents), 0)::numeric
               / (SELECT sum(spend_cents) FROM ad_spend WHERE campaign_id = $MK_CID AND day BETWEEN '$MK_FROM' AND '$MK_TO'), 2)
  FROM orders o JOIN customers c ON c.id = o.customer_id
  WHERE c.campaign_id = $MK_CID AND $(mk_in o.ordered_at)")"
check_num "campaigns: its attributed revenue = raw" "$(jq '.campaigns[0].attributed_revenue' <<<"$BODY")" "$r_rev"
check_num "campaigns: its ROAS = raw" "$(jq '.campaigns[0].roas' <<<"$BODY")" "$r_roas"
r=$(sql "SELECT count(*) FROM campaigns WHERE started_on <= '$MK_TO' AND (ended_on IS NULL OR ended_on >= '$MK_FROM')")
check_num "campaigns: total = raw campaigns running in the window" "$(jq .total <<<"$BODY")" "$r"
api GET "/api/marketing/campaigns?$MK_W&platform=linkedin&tag=linkedin" "$MK_CEO"
r=$(sql "SELECT count(*) FROM campaigns WHERE platform = 'linkedin' AND 'linkedin' = ANY (tags)
         AND started_on <= '$MK_TO' AND (ended_on IS NULL OR ended_on >= '$MK_FROM')")
check_num "campaigns: platform and tag filter = raw count" "$(jq '.campaigns | length' <<<"$BODY")" "$r"
check_eq "campaigns: platform filter keeps only linkedin" "$(jq -r '[.campaigns[].platform] | unique | join(",")' <<<"$BODY")" "linkedin"
api GET "/api/marketing/campaigns?$MK_W&sort=roas" "$MK_CEO"
check_eq "campaigns: sort=roas is descending" "$(jq '[.campaigns[].roas | select(. != null)] | . == (sort | reverse)' <<<"$BODY")" true
api GET "/api/marketing/campaigns?$MK_W&format=csv" "$MK_CEO"
r=$(sql "SELECT count(*) + 1 FROM campaigns WHERE started_on <= '$MK_TO' AND (ended_on IS NULL OR ended_on >= '$MK_FROM')")
check_eq "campaigns csv: one line per campaign + header" "$(grep -c . <<<"$BODY")" "$r"

# ---------------------------------------------------------------- cac vs raw
api GET "/api/marketing/cac?granularity=week&from=$(sql "SELECT '$MK_TO'::date - 55")&to=$MK_TO" "$MK_CEO"
check_status "marketing cac answers" 200
MK_C=$BODY
r=$(sql "
  WITH w AS (SELECT g::date AS wk FROM generate_series(date_trunc('week', '$MK_TO'::date - 55), '$MK_TO'::date, interval '1 week') g),
       x AS (SELECT w.wk,
                    (SELECT sum(spend_cents) FROM ad_spend WHERE day BETWEEN w.wk AND least(w.wk + 6, '$MK_TO'::date)) AS s,
                    (SELECT count(*) FROM customers WHERE (converted_at AT TIME ZONE ns_tz())::date
                       BETWEEN w.wk AND least(w.wk + 6, '$MK_TO'::date)) AS n
             FROM w)
  SELECT json_agg(round(s / 100.0 / nullif(n, 0), 2) ORDER BY wk) FROM x")
check_eq "cac: weekly CAC = raw spend / new payers per week" "$(jq -c '[.buckets[].cac]' <<<"$MK_C")" "$(jq -c . <<<"$r")"
check_eq "cac: change_pct = change of the raw weekly CAC" \
  "$(jq -c '[.buckets[] | .change_pct]' <<<"$MK_C")" \
  "$(jq -c '[.buckets[] | if .cac == null or .previous_cac == null or .previous_cac == 0 then null
               else (((.cac - .previous_cac) * 100 / .previous_cac) * 100 | round / 100) end]' <<<"$MK_C")"
check_eq "cac: previous_cac is the bucket before" \
  "$(jq -c '[.buckets[1:][].previous_cac]' <<<"$MK_C")" "$(jq -c '[.buckets[:-1][].cac]' <<<"$MK_C")"
check_eq "cac: the last (current) week is incomplete" "$(jq '.buckets[-1].complete' <<<"$MK_C")" \
  "$(sql "SELECT (date_trunc('week', '$MK_TO'::date)::date + 6 <= '$MK_TO'::date
                 AND date_trunc('week', '$MK_TO'::date)::date + 6 < ns_today())::text")"

# ---------------------------------------------------------------- funnel vs raw
api GET "/api/marketing/funnel?$MK_W" "$MK_CEO"; check_status "marketing funnel answers" 200
r=$(sql "SELECT json_build_array(count(*) FILTER (WHERE type = 'session_start'), count(*) FILTER (WHERE type = 'add_to_cart'),
                                 count(*) FILTER (WHERE type = 'checkout'), count(*) FILTER (WHERE type = 'order'))
         FROM events WHERE $(mk_in occurred_at)")
check_eq "funnel: step counts = raw events" "$(jq -c '[.steps[].count]' <<<"$BODY")" "$(jq -c . <<<"$r")"
IFS='|' read -r r_cr r_ab <<<"$(sql "
  SELECT round(o * 100.0 / nullif(s, 0), 2), round((a - o) * 100.0 / nullif(a, 0), 2) FROM
  (SELECT count(*) FILTER (WHERE type = 'session_start') s, count(*) FILTER (WHERE type = 'add_to_cart') a,
          count(*) FILTER (WHERE type = 'order') o FROM events WHERE $(mk_in occurred_at)) x")"
check_num "funnel: conversion rate = raw orders / sessions" "$(jq .current.conversion_rate_pct <<<"$BODY")" "$r_cr"
check_num "funnel: cart abandonment = raw (carts - orders) / carts" "$(jq .current.cart_abandonment_rate_pct <<<"$BODY")" "$r_ab"
api GET "/api/marketing/funnel?$MK_W&format=csv" "$MK_CEO"
check_eq "funnel csv: four steps + header" "$(grep -c . <<<"$BODY")" 5

# ---------------------------------------------------------------- traffic vs raw
api GET "/api/marketing/traffic?$MK_W" "$MK_CEO"; check_status "marketing traffic answers" 200
MK_T=$BODY
r=$(sql "
  SELECT json_object_agg(src, json_build_array(n, b, c) ORDER BY src) FROM (
    SELECT coalesce(s.source, 'unknown') AS src, count(*) AS n,
           count(*) FILTER (WHERE (SELECT count(*) FROM events p
                                   WHERE p.session_id = s.session_id AND p.type = 'page_view'
                                     AND (p.occurred_at AT TIME ZONE ns_tz())::date = (s.occurred_at AT TIME ZONE ns_tz())::date) <= 1) AS b,
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM events p
                                   WHERE p.session_id = s.session_id AND p.type = 'order'
                                     AND (p.occurred_at AT TIME ZONE ns_tz())::date = (s.occurred_at AT TIME ZONE ns_tz())::date)) AS c
    FROM events s WHERE s.type = 'session_start' AND $(mk_in s.occurred_at)
    GROUP BY 1) x")
check_eq "traffic: sessions, bounced and converted per source = raw events" \
  "$(jq -cS '[.sources[] | {key: .source, value: [.sessions, .bounced_sessions, .converted_sessions]}] | from_entries' <<<"$MK_T")" \
  "$(jq -cS . <<<"$r")"
check_num "traffic: bounce rate = bounced / sessions" "$(jq .bounce_rate_pct <<<"$MK_T")" \
  "$(jq '([.[][1]] | add) * 100 / ([.[][0]] | add) * 100 | round / 100' <<<"$r")"
r=$(sql "SELECT count(*) FROM events WHERE type = 'session_start' AND $(mk_in occurred_at)")
check_num "traffic: sessions = raw session_start events (the funnel's unit)" "$(jq .sessions <<<"$MK_T")" "$r"

# ---------------------------------------------------------------- leads vs raw
api GET "/api/marketing/leads?$MK_W" "$MK_SALES"; check_status "marketing leads answers sales" 200
r=$(sql "SELECT json_build_object('leads', count(*) FILTER (WHERE $(mk_in created_at)),
                                  'mqls', count(*) FILTER (WHERE $(mk_in mql_at)),
                                  'sqls', count(*) FILTER (WHERE $(mk_in sql_at)),
                                  'customers', count(*) FILTER (WHERE $(mk_in created_at) AND customer_id IS NOT NULL))
         FROM leads")
check_eq "leads: totals = raw leads" "$(jq -cS '.totals | del(.lead_to_customer_pct)' <<<"$BODY")" "$(jq -cS . <<<"$r")"
r=$(sql "SELECT count(*) FROM leads WHERE channel = 'paid_search' AND $(mk_in created_at)")
check_num "leads: paid_search leads = raw" "$(jq '.by_channel[] | select(.channel == "paid_search") | .leads' <<<"$BODY")" "$r"
check_num "leads: rows add up to the total leads" "$(jq '[.rows[].leads] | add' <<<"$BODY")" "$(jq .totals.leads <<<"$BODY")"
api GET "/api/marketing/leads?$MK_W&format=csv" "$MK_SALES"
check_eq "leads csv: header row" "$(head -1 <<<"$BODY" | tr -d '\r')" '"channel","campaign_id","campaign","platform","leads","mqls","sqls","customers","lead_to_customer_pct"'
done_testing
