# t-revenue.sh — /api/revenue/* through nginx: roles, bad input, CSV, every endpoint against
# independent SQL over the raw tables on the demo data, and the hand-made Feb 2001 fixture of
# tests/sql/revenue_fixtures.sql (loaded, checked through the API, then removed).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
R_CEO=$(login ceo@northstar.example); R_CS=$(login cs1@northstar.example)
R_S1=$(login sales1@northstar.example); R_S2=$(login sales2@northstar.example)
R_S1_ID=$(sql "SELECT id FROM app_users WHERE email = 'sales1@northstar.example'")

# ---- access matrix (route × role), decided in docs/api/revenue.md
for spec in "summary:200:403:200" "mrr:200:200:200" "trend:200:403:200" "by-source:200:403:200" \
            "refunds:200:403:200" "ltv:200:200:200" "segments:200:200:200" "financial:200:403:403" \
            "pipeline:200:403:200"; do
  IFS=: read -r ep want_ceo want_cs want_sales <<<"$spec"
  api GET "/api/revenue/$ep" "$R_CEO"; check_status "revenue_${ep}_ceo_gets_$want_ceo" "$want_ceo"
  api GET "/api/revenue/$ep" "$R_CS"; check_status "revenue_${ep}_cs_gets_$want_cs" "$want_cs"
  api GET "/api/revenue/$ep" "$R_S1"; check_status "revenue_${ep}_sales_gets_$want_sales" "$want_sales"
done
api GET /api/revenue/summary; check_status revenue_summary_without_sign_in_is_401 401

# ---- bad input: 400 with a message naming the problem
api GET "/api/revenue/mrr?months=0" "$R_CEO"; check_error revenue_mrr_months_0_is_400 400 bad_request
check_error_names revenue_mrr_months_error_names_months months
api GET "/api/revenue/trend?granularity=year" "$R_CEO"; check_error revenue_trend_bad_granularity_is_400 400 bad_request
check_error_names revenue_trend_error_names_granularity granularity
api GET "/api/revenue/trend?from=2026-02-01&to=2026-01-01" "$R_CEO"; check_error revenue_trend_from_after_to_is_400 400 bad_request
api GET "/api/revenue/by-source?days=30&from=2026-01-01" "$R_CEO"; check_error revenue_by_source_days_and_from_is_400 400 bad_request
api GET "/api/revenue/summary?as_of=2999-01-01" "$R_CEO"; check_error revenue_summary_future_as_of_is_400 400 bad_request
check_error_names revenue_summary_error_names_as_of as_of
api GET "/api/revenue/summary?as_of=2025-02-30" "$R_CEO"; check_error revenue_summary_impossible_date_is_400 400 bad_request
api GET "/api/revenue/ltv?by=color" "$R_CEO"; check_error revenue_ltv_bad_by_is_400 400 bad_request
api GET "/api/revenue/refunds?bogus=1" "$R_CEO"; check_error revenue_refunds_unknown_parameter_is_400 400 bad_request
api GET "/api/revenue/financial?months=37" "$R_CEO"; check_error revenue_financial_months_37_is_400 400 bad_request

# ---- CSV export of every list
for spec in "mrr:month" "trend:bucket" "by-source:source" "refunds:bucket" "ltv:group" "segments:segment" \
            "financial:month" "pipeline:id"; do
  IFS=: read -r ep col <<<"$spec"
  api GET "/api/revenue/$ep?format=csv" "$R_CEO"
  if [ "$STATUS" = 200 ] && header Content-Type | grep -q '^text/csv' \
     && header Content-Disposition | grep -q "filename=\"northstar-revenue-$ep.csv\"" \
     && head -1 <<<"$BODY" | grep -q "\"$col\""; then ok "revenue_${ep}_csv_export_has_type_filename_and_header"
  else not_ok "revenue_${ep}_csv_export_has_type_filename_and_header" "$STATUS $(header Content-Type) $(header Content-Disposition) ${BODY:0:200}"; fi
done
api GET "/api/revenue/trend?days=30&format=csv" "$R_CEO"
check_eq revenue_trend_csv_has_one_row_per_day "$(grep -cE '^"[0-9]{4}-' <<<"$BODY")" 30

# ---- demo data: API against independent SQL over the raw tables (not the rollups)
# The rollups and the revenue pre-aggregates (which follow them) include what earlier files wrote.
sql "SELECT rollup_refresh()" >/dev/null
sql "SELECT revenue_rollup_check()" >/dev/null
TODAY=$(sql "SELECT ns_today()")
api GET /api/revenue/summary "$R_CEO"
check_num revenue_summary_mrr_matches_raw_subscriptions "$(jq .mrr <<<"$BODY")" \
  "$(sql "SELECT round(coalesce(sum(mrr_cents),0)/100.0,2) FROM subscriptions WHERE valid_from <= '$TODAY' AND (valid_to IS NULL OR valid_to > '$TODAY')")"
check_num revenue_summary_paying_customers_match_raw "$(jq .paying_customers <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM (SELECT customer_id FROM subscriptions WHERE valid_from <= '$TODAY' AND (valid_to IS NULL OR valid_to > '$TODAY') GROUP BY 1 HAVING sum(mrr_cents) > 0) x")"
check_num revenue_summary_revenue_today_matches_raw_orders "$(jq .revenue_today <<<"$BODY")" \
  "$(sql "SELECT round(coalesce(sum(total_cents),0)/100.0,2) FROM orders WHERE (ordered_at AT TIME ZONE ns_tz())::date = '$TODAY'")"
jq_eq revenue_summary_retention_and_quick_ratio_match_mrr_movements \
  "$(jq -c '{n: .net_revenue_retention_pct, g: .gross_revenue_retention_pct, q: .quick_ratio, p: .previous.mrr}' <<<"$BODY")" \
  "$(sql "WITH p AS (SELECT ('$TODAY'::date - interval '1 month')::date AS d),
               s AS (SELECT sum(mrr_cents) AS m FROM subscriptions, p WHERE valid_from <= p.d AND (valid_to IS NULL OR valid_to > p.d)),
               mv AS (SELECT coalesce(sum(delta_cents) FILTER (WHERE kind='new'),0) AS n, coalesce(sum(delta_cents) FILTER (WHERE kind='expansion'),0) AS e,
                             coalesce(sum(delta_cents) FILTER (WHERE kind='contraction'),0) AS c, coalesce(sum(delta_cents) FILTER (WHERE kind='churn'),0) AS ch,
                             coalesce(sum(delta_cents) FILTER (WHERE kind='reactivation'),0) AS r
                        FROM p, mrr_movements(p.d, '$TODAY'))
          SELECT json_build_object('n', round((s.m + e + c + ch) * 100.0 / s.m, 2), 'g', round((s.m + c + ch) * 100.0 / s.m, 2),
                                   'q', CASE WHEN c + ch <> 0 THEN round((n + e + r) / -(c + ch)::numeric, 2) END,
                                   'p', round(s.m / 100.0, 2)) FROM s, mv")"

sql "SELECT revenue_rollup_check()" >/dev/null   # store the full months now, so the API reads them
check_num revenue_mrr_full_months_are_precomputed "$(sql "SELECT count(*) FROM revenue_mrr_month WHERE month >= date_trunc('month', '$TODAY'::date) - interval '11 months'")" 11
api GET "/api/revenue/mrr?months=12" "$R_CS"
jq_eq revenue_mrr_12_months_match_raw_mrr_movements \
  "$(jq -c '[.months[] | [.month, .starting_mrr, .new, .expansion, .contraction, .churn, .reactivation, .ending_mrr]]' <<<"$BODY")" \
  "$(sql "WITH m AS (SELECT (date_trunc('month', '$TODAY'::date) - make_interval(months => k))::date AS mon FROM generate_series(0, 11) k),
               w AS (SELECT mon, mon - 1 AS d0, least((mon + interval '1 month')::date - 1, '$TODAY') AS d1 FROM m),
               x AS (SELECT w.mon, w.d0, w.d1,
                            (SELECT coalesce(sum(delta_cents) FILTER (WHERE kind='new'),0) FROM mrr_movements(w.d0, w.d1)) AS n,
                            (SELECT coalesce(sum(delta_cents) FILTER (WHERE kind='expansion'),0) FROM mrr_movements(w.d0, w.d1)) AS e,
                            (SELECT coalesce(sum(delta_cents) FILTER (WHERE kind='contraction'),0) FROM mrr_movements(w.d0, w.d1)) AS c,
                            (SELECT coalesce(sum(delta_cents) FILTER (WHERE kind='churn'),0) FROM mrr_movements(w.d0, w.d1)) AS ch,
                            (SELECT coalesce(sum(delta_cents) FILTER (WHERE kind='reactivation'),0) FROM mrr_movements(w.d0, w.d1)) AS r
                       FROM w)
          SELECT json_agg(json_build_array(to_char(x.mon, 'YYYY-MM'),
                   (SELECT round(coalesce(sum(mrr_cents),0)/100.0,2) FROM subscriptions WHERE valid_from <= x.d0 AND (valid_to IS NULL OR valid_to > x.d0)),
                   round(n/100.0,2), round(e/100.0,2), round(c/100.0,2), round(ch/100.0,2), round(r/100.0,2),
                   (SELECT round(coalesce(sum(mrr_cents),0)/100.0,2) FROM subscriptions WHERE valid_from <= x.d1 AND (valid_to IS NULL OR valid_to > x.d1)))
                 ORDER BY x.mon) FROM x")"
check_eq revenue_mrr_ending_equals_starting_plus_net_new_in_cents \
  "$(jq '[.months[] | ((.starting_mrr * 100 | round) + (.net_new * 100 | round) - (.ending_mrr * 100 | round))] | map(select(. != 0)) | length' <<<"$BODY")" 0

api GET "/api/revenue/trend?days=90&granularity=week" "$R_S1"
jq_eq revenue_trend_90_days_weekly_matches_raw_orders \
  "$(jq -c '[.buckets[] | [.bucket, .revenue, .orders, .aov, .refunds, .chargebacks]]' <<<"$BODY")" \
  "$(sql "SELECT json_agg(json_build_array(b, round(coalesce(r,0)/100.0,2), coalesce(n,0),
                   CASE WHEN n > 0 THEN round(r / n::numeric / 100.0, 2) END, round(coalesce(rf,0)/100.0,2), round(coalesce(cb,0)/100.0,2)) ORDER BY b)
          FROM (SELECT date_trunc('week', g)::date AS b, sum(o.total_cents) AS r, count(o.id) AS n, sum(o.refunded_cents) AS rf, sum(o.chargeback_cents) AS cb
                  FROM generate_series('$TODAY'::date - 89, '$TODAY'::date, interval '1 day') g
                  LEFT JOIN orders o ON (o.ordered_at AT TIME ZONE ns_tz())::date = g::date GROUP BY 1) x")"

api GET "/api/revenue/by-source?days=365" "$R_CEO"
jq_eq revenue_by_source_365_days_matches_raw_orders \
  "$(jq -c '[.sources[] | [.source, .revenue, .orders, .revenue_share_pct]]' <<<"$BODY")" \
  "$(sql "WITH o AS (SELECT source, sum(total_cents) AS r, count(*) AS n FROM orders
                      WHERE (ordered_at AT TIME ZONE ns_tz())::date BETWEEN '$TODAY'::date - 364 AND '$TODAY' GROUP BY 1),
               s(source, ord) AS (VALUES ('shopify',1),('api',2),('marketplace',3),('partnerships',4))
          SELECT json_agg(json_build_array(s.source, round(coalesce(o.r,0)/100.0,2), coalesce(o.n,0),
                   round(coalesce(o.r,0) * 100.0 / (SELECT sum(r) FROM o), 2)) ORDER BY s.ord)
          FROM s LEFT JOIN o USING (source)")"

api GET "/api/revenue/refunds?days=120&granularity=month" "$R_CEO"
jq_eq revenue_refunds_monthly_match_raw_orders \
  "$(jq -c '[.buckets[] | [.bucket, .orders, .refunds, .refunded, .chargebacks, .charged_back, .refund_rate_pct]]' <<<"$BODY")" \
  "$(sql "SELECT json_agg(json_build_array(b, n, rn, round(ra/100.0,2), cn, round(ca/100.0,2), CASE WHEN n > 0 THEN round(rn * 100.0 / n, 2) END) ORDER BY b)
          FROM (SELECT date_trunc('month', g)::date AS b, count(o.id) AS n, count(o.id) FILTER (WHERE o.refunded_cents > 0) AS rn,
                       coalesce(sum(o.refunded_cents),0) AS ra, count(o.id) FILTER (WHERE o.chargeback_cents > 0) AS cn, coalesce(sum(o.chargeback_cents),0) AS ca
                  FROM generate_series('$TODAY'::date - 119, '$TODAY'::date, interval '1 day') g
                  LEFT JOIN orders o ON (o.ordered_at AT TIME ZONE ns_tz())::date = g::date GROUP BY 1) x")"

api GET "/api/revenue/financial?months=6" "$R_CEO"
jq_eq revenue_financial_months_match_raw_orders_payments_expenses \
  "$(jq -c '[.months[] | [.month, .net_revenue, .cogs, .subscription_payments, .expenses, .net_burn]]' <<<"$BODY")" \
  "$(sql "WITH m AS (SELECT (date_trunc('month', '$TODAY'::date) - make_interval(months => k))::date AS mon FROM generate_series(0, 5) k),
               f AS (SELECT m.mon,
                      (SELECT coalesce(sum(total_cents - refunded_cents - chargeback_cents),0) FROM orders WHERE ordered_at >= ns_day_start(m.mon) AND ordered_at < ns_day_start(least((m.mon + interval '1 month')::date, '$TODAY'::date + 1))) AS net,
                      (SELECT coalesce(sum(cogs_cents),0) FROM orders WHERE ordered_at >= ns_day_start(m.mon) AND ordered_at < ns_day_start(least((m.mon + interval '1 month')::date, '$TODAY'::date + 1))) AS cogs,
                      (SELECT coalesce(sum(amount_cents),0) FROM billing_events WHERE kind = 'payment_success' AND occurred_at >= ns_day_start(m.mon) AND occurred_at < ns_day_start(least((m.mon + interval '1 month')::date, '$TODAY'::date + 1))) AS pay,
                      (SELECT sum(amount_cents) FROM expenses e WHERE e.month = m.mon) AS ex FROM m)
          SELECT json_agg(json_build_array(to_char(mon, 'YYYY-MM'), round(net/100.0,2), round(cogs/100.0,2), round(pay/100.0,2),
                   round(coalesce(ex,0)/100.0,2), CASE WHEN ex IS NOT NULL THEN round((ex - net - pay)/100.0,2) END) ORDER BY mon) FROM f")"
check_num revenue_financial_cash_matches_raw "$(jq .cash <<<"$BODY")" \
  "$(sql "SELECT round(balance_cents/100.0,2) FROM cash_balances WHERE day <= '$TODAY' ORDER BY day DESC LIMIT 1")"

api GET /api/revenue/pipeline "$R_CEO"
check_num revenue_pipeline_open_matches_raw_opportunities "$(jq .open_pipeline <<<"$BODY")" \
  "$(sql "SELECT round(coalesce(sum(amount_cents),0)/100.0,2) FROM opportunities WHERE closed_at IS NULL")"
check_num revenue_pipeline_ceo_sees_every_open_deal "$(jq '.deals | length' <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM opportunities WHERE closed_at IS NULL")"
jq_eq revenue_pipeline_activities_match_raw \
  "$(jq -c .activities_30d <<<"$BODY")" \
  "$(sql "SELECT json_build_object('calls', count(*) FILTER (WHERE kind='call'), 'emails', count(*) FILTER (WHERE kind='email'),
                 'meetings', count(*) FILTER (WHERE kind='meeting')) FROM sales_activities
          WHERE (occurred_at AT TIME ZONE ns_tz())::date BETWEEN '$TODAY'::date - 29 AND '$TODAY'")"
api GET /api/revenue/pipeline "$R_S1"
check_num revenue_pipeline_sales_sees_only_own_deals "$(jq "[.deals[] | select(.owner_id == $R_S1_ID)] | length" <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM opportunities WHERE closed_at IS NULL AND owner_id = $R_S1_ID")"
check_num revenue_pipeline_sales_deal_list_has_no_other_rep "$(jq "[.deals[] | select(.owner_id != $R_S1_ID)] | length" <<<"$BODY")" 0
api GET "/api/revenue/pipeline?format=csv" "$R_S2"
check_eq revenue_pipeline_csv_for_sales2_is_row_scoped "$(grep -c '"Sam Seller"' <<<"$BODY")" 0

api GET "/api/revenue/ltv?by=plan" "$R_CS"
jq_eq revenue_ltv_by_plan_matches_raw_billing \
  "$(jq -c '[.groups[] | [.group, .customers, .avg_realised_ltv]]' <<<"$BODY")" \
  "$(sql "WITH c AS (SELECT c.id, (SELECT p.code FROM subscriptions s JOIN plans p ON p.id = s.plan_id WHERE s.customer_id = c.id AND s.mrr_cents > 0
                                      AND s.valid_from <= '$TODAY' ORDER BY s.valid_from DESC, s.mrr_cents DESC LIMIT 1) AS plan
                      FROM customers c WHERE c.converted_at < ns_day_start('$TODAY'::date + 1)),
               v AS (SELECT c.plan, coalesce((SELECT sum(CASE WHEN kind = 'payment_success' THEN amount_cents ELSE -amount_cents END) FROM billing_events b
                                       WHERE b.customer_id = c.id AND kind IN ('payment_success','refund','chargeback')), 0) AS val FROM c WHERE plan IS NOT NULL)
          SELECT json_agg(json_build_array(plan, n, a) ORDER BY plan) FROM (SELECT plan, count(*) AS n, round(avg(val)/100.0, 2) AS a FROM v GROUP BY 1) x")"

api GET /api/revenue/segments "$R_CS"
check_num revenue_segments_paying_customers_add_up_to_raw \
  "$(jq '[.segments[] | select(.segment != "trial_users") | .customers] | add' <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM (SELECT customer_id FROM subscriptions WHERE valid_from <= '$TODAY' AND (valid_to IS NULL OR valid_to > '$TODAY') GROUP BY 1 HAVING sum(mrr_cents) > 0) x")"
check_num revenue_segments_trial_users_match_raw "$(jq '.segments[] | select(.segment == "trial_users") | .customers' <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM customers WHERE trial_started_on <= '$TODAY' AND trial_ends_on >= '$TODAY' AND (converted_at IS NULL OR converted_at >= ns_day_start('$TODAY'::date + 1))")"

# ---- the hand-made fixture through the API.  The rollup refresh job is held off with the advisory
# lock it uses (so it never sees the 2001 rows), and everything is removed again afterwards.
R_LOCK_APP=revenue-fixture-lock-$$
PGAPPNAME=$R_LOCK_APP psql -X -qtA -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar \
  -c "SELECT pg_advisory_lock(hashtext('northstar.rollup')::bigint), pg_sleep(120)" >/dev/null 2>&1 &
R_LOCK_PID=$!
for _ in $(seq 1 100); do
  [ "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = '$R_LOCK_APP'")" = 1 ] && break
  sleep 0.1
done
{ echo 'BEGIN;'; sed -n '/^-- FIXTURE BEGIN/,/^-- FIXTURE END/p' "$ROOT/tests/sql/revenue_fixtures.sql"; echo 'COMMIT;'; } \
  | psql -X -q -v ON_ERROR_STOP=1 -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar >/dev/null 2>&1 \
  && ok revenue_fixture_loads || not_ok revenue_fixture_loads

# Feb 2001 (see tests/sql/revenue_fixtures.sql): 670 + 100 new + 50 expansion - 60 contraction - 80 churn + 40 reactivation = 720
api GET "/api/revenue/mrr?months=1&as_of=2001-02-28" "$R_CEO"
jq_eq revenue_fixture_mrr_one_movement_of_each_kind \
  "$(jq -c '.months[0] | [.starting_mrr, .new, .expansion, .contraction, .churn, .reactivation, .net_new, .ending_mrr]' <<<"$BODY")" \
  '[670, 100, 50, -60, -80, 40, 50, 720]'
api GET "/api/revenue/summary?as_of=2001-02-28" "$R_S1"
jq_eq revenue_fixture_summary_by_hand \
  "$(jq -c '[.mrr, .arpu, .mom_growth_pct, .net_revenue_retention_pct, .gross_revenue_retention_pct, .quick_ratio, .revenue_today, .target.pct_reached, .target.days_to_target]' <<<"$BODY")" \
  '[720, 144, 7.46, 86.57, 79.10, 1.36, 0.30, 90, 46]'
check_eq revenue_fixture_revenue_today_is_exactly_0_30 "$(grep -o '"revenue_today" *: *[0-9.]*' <<<"$BODY" | tail -1 | sed 's/.*: *//')" 0.30
api GET "/api/revenue/trend?from=2001-02-26&to=2001-02-28&granularity=day" "$R_CEO"
jq_eq revenue_fixture_trend_day_without_orders_has_null_aov \
  "$(jq -c '[.buckets[] | [.revenue, .orders, .aov]]' <<<"$BODY")" '[[63.63, 3, 21.21], [0, 0, null], [0.30, 2, 0.15]]'
api GET "/api/revenue/by-source?from=2001-02-26&to=2001-02-28" "$R_CEO"
jq_eq revenue_fixture_by_source_shares \
  "$(jq -c '[.sources[] | [.source, .revenue, .revenue_share_pct]]' <<<"$BODY")" \
  '[["shopify", 30.30, 47.40], ["api", 0.30, 0.47], ["marketplace", 33.33, 52.14], ["partnerships", 0, 0]]'
api GET "/api/revenue/refunds?from=2001-02-26&to=2001-02-28" "$R_CEO"
jq_eq revenue_fixture_refund_rates \
  "$(jq -c '.totals | [.refunds, .refunded, .refund_rate_pct, .chargebacks, .charged_back, .chargeback_amount_rate_pct]' <<<"$BODY")" \
  '[1, 20.20, 20, 1, 33.33, 52.14]'
api GET "/api/revenue/financial?months=2&as_of=2001-02-28" "$R_CEO"
jq_eq revenue_fixture_financial \
  "$(jq -c '[.months[1].net_burn, .months[1].gross_margin_pct, .avg_net_burn_3m, .runway_months, .break_even.month]' <<<"$BODY")" \
  '[504.60, 51.92, 900, 20, "2001-09"]'
api GET "/api/revenue/pipeline?as_of=2001-02-28" "$R_S1"
jq_eq revenue_fixture_pipeline_for_sales1 \
  "$(jq -c '[.open_pipeline, .win_rate_pct, .avg_deal_size, .avg_sales_cycle_days, .coverage_ratio, [.deals[].id]]' <<<"$BODY")" \
  '[1500, 66.67, 450, 25, 1.56, [910001]]'
api GET "/api/revenue/ltv?by=segment&as_of=2001-02-28" "$R_CEO"
jq_eq revenue_fixture_ltv_enterprise \
  "$(jq -c '.groups[] | select(.group == "enterprise") | [.customers, .avg_realised_ltv, .avg_lifetime_months, .avg_monthly_value]' <<<"$BODY")" \
  '[1, 159.80, 14, 11.44]'
api GET "/api/revenue/segments?as_of=2001-02-28" "$R_CS"
jq_eq revenue_fixture_segments \
  "$(jq -c '[.segments[] | [.segment, .customers, .arpu, .churn_risk]]' <<<"$BODY")" \
  '[["high_value_power_users", 0, null, null], ["growing_teams", 1, 250, "medium"], ["price_sensitive", 4, 117.5, "medium"], ["trial_users", 1, null, "high"], ["other_paying", 0, null, null]]'

psql -X -q -v ON_ERROR_STOP=1 -h "$T_RUN" -p "$T_PGPORT" -U postgres -d northstar >/dev/null 2>&1 <<'SQL' && ok revenue_fixture_removed || not_ok revenue_fixture_removed
BEGIN;
SET LOCAL northstar.rollup_skip_dirty = on;
DELETE FROM sales_activities WHERE occurred_at < '2001-03-11Z';
DELETE FROM opportunities WHERE id BETWEEN 910001 AND 910005;
DELETE FROM targets WHERE metric = 'mrr_cents' AND period_start = '2001-02-01';
DELETE FROM expenses WHERE month BETWEEN '2000-08-01' AND '2001-02-01';
DELETE FROM cash_balances WHERE day IN ('2001-02-27', '2001-03-05');
DELETE FROM customers WHERE id BETWEEN 910001 AND 910007;
DELETE FROM revenue_source_daily WHERE day < '2001-03-11';
DELETE FROM metrics_daily WHERE day < '2001-04-10';
DELETE FROM mrr_daily WHERE day < '2001-03-11';
DELETE FROM sales_rep_daily WHERE day < '2001-03-11';
DELETE FROM customer_daily WHERE day < '2001-03-11';
DELETE FROM active_users_daily WHERE day < '2001-03-11';
DELETE FROM feature_daily WHERE day < '2001-03-11';
COMMIT;
SQL
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$R_LOCK_APP'" >/dev/null
wait "$R_LOCK_PID" 2>/dev/null
check_eq revenue_fixture_left_no_rollup_rows "$(sql "SELECT count(*) FROM metrics_daily WHERE day < '2002-01-01'")" 0
done_testing
