# t-forecast.sh — the forecast service through nginx, checked against
# independent SQL over the raw tables (subscriptions, orders, events,
# expenses, cash_balances, billing_events, targets, customers).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CEO=$(login ceo@northstar.example)
CS=$(login cs1@northstar.example)
SALES=$(login sales1@northstar.example)
TODAY=$(sql "SELECT ns_today()")

# finite_bands BODY — every forecast row has lo95 <= lo80 <= value <= hi80 <= hi95
bands_ok() { jq -e '[.forecast[] | (.lo95 <= .lo80 and .lo80 <= .value and .value <= .hi80 and .hi80 <= .hi95)] | all' <<<"$BODY" >/dev/null; }
# backtest_ok — method, params and a numeric backtest against the naive forecast
backtest_ok() { jq -e '(.method.model | test("^A[AN]d?[AN]$")) and (.params.alpha | type == "number")
                       and (.backtest.mape_pct | type == "number") and (.backtest.naive_mape_pct | type == "number")
                       and (.backtest.origins >= 1) and (.backtest.by_horizon | length) == .backtest.horizon' <<<"$BODY" >/dev/null; }

# ---- mrr ---------------------------------------------------------------------
api GET "/api/forecast/mrr?months=6" "$CEO"
check_status "mrr answers the ceo" 200
check_eq "mrr projects 6 months" "$(jq '.forecast | length' <<<"$BODY")" 6
if bands_ok; then ok "mrr bands are ordered lo95 <= lo80 <= value <= hi80 <= hi95"; else not_ok "mrr bands ordered" "${BODY:0:300}"; fi
if backtest_ok; then ok "mrr reports method, params and backtest MAPE vs naive"; else not_ok "mrr backtest" "$(jq -c '.method,.backtest' <<<"$BODY" | head -c 400)"; fi
# every history point = MRR on that day from the raw subscriptions (MRR on d = rows valid on d)
got=$(jq -r '[.history[] | "\(.date)=\(.value)"] | join(",")' <<<"$BODY")
want=$(sql "SELECT string_agg(d || '=' || (v / 100.0)::float8, ',' ORDER BY d) FROM (
  SELECT (DATE '$TODAY' - make_interval(months => k))::date AS d,
         (SELECT coalesce(sum(mrr_cents), 0) FROM subscriptions s
           WHERE s.valid_from <= (DATE '$TODAY' - make_interval(months => k))::date
             AND (s.valid_to IS NULL OR s.valid_to > (DATE '$TODAY' - make_interval(months => k))::date)) AS v
    FROM generate_series(0, 35) k) x
 WHERE d >= (SELECT min((DATE '$TODAY' - make_interval(months => k))::date) FROM generate_series(0, 35) k
              WHERE (SELECT coalesce(sum(mrr_cents), 0) FROM subscriptions s
                      WHERE s.valid_from <= (DATE '$TODAY' - make_interval(months => k))::date
                        AND (s.valid_to IS NULL OR s.valid_to > (DATE '$TODAY' - make_interval(months => k))::date)) > 0)")
got=$(jq -rn --arg s "$got" '$s | split(",") | map(split("=") | "\(.[0])=\(.[1] | tonumber)") | join(",")')
want=$(jq -rn --arg s "$want" '$s | split(",") | map(split("=") | "\(.[0])=\(.[1] | tonumber)") | join(",")')
check_eq "mrr history equals monthly MRR snapshots from raw subscriptions" "$got" "$want"
check_eq "first projected month is as_of + 1 month" "$(jq -r '.forecast[0].date' <<<"$BODY")" \
  "$(sql "SELECT (DATE '$TODAY' + interval '1 month')::date")"
api GET "/api/forecast/mrr?months=24" "$SALES"
check_status "mrr answers sales" 200
check_eq "mrr months=24 projects 24 months" "$(jq '.forecast | length' <<<"$BODY")" 24
api GET "/api/forecast/mrr" "$CS"
check_status "mrr is denied to cs" 403
api GET "/api/forecast/mrr?months=0" "$CEO"
check_error "months=0 is a 400" 400 bad_request
check_error_names "the 400 names months" months
api GET "/api/forecast/mrr?months=25" "$CEO"
check_error "months=25 is a 400" 400 bad_request
api GET "/api/forecast/mrr?as_of=2999-01-01" "$CEO"
check_error "as_of in the future is a 400" 400 bad_request
check_error_names "the future as_of error names as_of" as_of
first_day=$(sql "SELECT min(day) + 40 FROM metrics_daily")
api GET "/api/forecast/mrr?as_of=$first_day" "$CEO"
check_error "too-short MRR history is a 422" 422 unprocessable
if grep -qi 'nan' <<<"$BODY"; then not_ok "422 answer has no NaN" "$BODY"; else ok "422 answer has no NaN"; fi
# SQL dates the forecast: from a month end, as_of + k months clamps to each month's last day
mend=$(sql "SELECT (date_trunc('month', DATE '$TODAY') - interval '1 day')::date")
api GET "/api/forecast/mrr?months=12&as_of=$mend" "$CEO"
check_eq "forecast months from a month end ($mend) clamp to month ends" "$(jq -r '[.forecast[].date] | join(",")' <<<"$BODY")" \
  "$(sql "SELECT string_agg((DATE '$mend' + make_interval(months => k))::date::text, ',' ORDER BY k) FROM generate_series(1, 12) k")"
api GET "/api/forecast/mrr?format=csv" "$CEO"
check_status "mrr answers format=csv" 200
check_eq "mrr CSV has a header and 6 rows" "$(printf '%s\n' "$BODY" | grep -c .)" 7

# ---- revenue -----------------------------------------------------------------
api GET "/api/forecast/revenue?days=7" "$CEO"
check_status "revenue answers the ceo" 200
check_eq "revenue days=7 projects 7 days" "$(jq '.forecast | length' <<<"$BODY")" 7
if bands_ok && backtest_ok; then ok "revenue bands ordered, backtest present"; else not_ok "revenue bands/backtest" "$(jq -c .backtest <<<"$BODY" | head -c 300)"; fi
got=$(jq -r '[.history[-30:][] | .value] | add * 100 | round / 100' <<<"$BODY")
want=$(sql "SELECT sum(total_cents) / 100.0 FROM orders WHERE ordered_at >= ns_day_start(DATE '$TODAY' - 30)
                                                          AND ordered_at < ns_day_start(DATE '$TODAY')")
check_num "revenue history (last 30 days) sums to raw order totals" "$got" "$want"
check_eq "revenue history ends the day before as_of" "$(jq -r '.history[-1].date' <<<"$BODY")" "$(sql "SELECT DATE '$TODAY' - 1")"
check_eq "first projected day is as_of" "$(jq -r '.forecast[0].date' <<<"$BODY")" "$TODAY"
check_eq "revenue considers a weekly season" "$(jq '.method.season_considered' <<<"$BODY")" 7
api GET "/api/forecast/revenue?days=90" "$SALES"
check_status "revenue answers sales" 200
check_eq "revenue days=90 backtests 90 horizons" "$(jq '.backtest.by_horizon | length' <<<"$BODY")" 90
api GET "/api/forecast/revenue?days=8" "$CEO"
check_error "days=8 is a 400" 400 bad_request
check_error_names "the 400 names days" days
api GET "/api/forecast/revenue" "$CS"
check_status "revenue is denied to cs" 403

# ---- target ------------------------------------------------------------------
api GET "/api/forecast/target" "$CEO"
check_status "target answers the ceo" 200
check_num "target_mrr is the targets row covering today" "$(jq .target_mrr <<<"$BODY")" \
  "$(sql "SELECT round(value / 100.0, 2) FROM targets WHERE metric = 'mrr_cents' AND DATE '$TODAY' BETWEEN period_start AND period_end")"
check_num "current_mrr is MRR today from raw subscriptions" "$(jq .current_mrr <<<"$BODY")" \
  "$(sql "SELECT round(sum(mrr_cents) / 100.0, 2) FROM subscriptions WHERE valid_from <= DATE '$TODAY' AND (valid_to IS NULL OR valid_to > DATE '$TODAY')")"
check_num "days_left = period end - today" "$(jq .days_left <<<"$BODY")" \
  "$(sql "SELECT period_end - DATE '$TODAY' FROM targets WHERE metric = 'mrr_cents' AND DATE '$TODAY' BETWEEN period_start AND period_end")"
want=$(sql "SELECT CASE WHEN t.period_end > DATE '$TODAY' THEN round(((t.value / m.v) ^ (1.0 / (t.period_end - DATE '$TODAY')) - 1) * 100, 4) END
              FROM targets t, (SELECT sum(mrr_cents)::numeric AS v FROM subscriptions WHERE valid_from <= DATE '$TODAY'
                                 AND (valid_to IS NULL OR valid_to > DATE '$TODAY')) m
             WHERE t.metric = 'mrr_cents' AND DATE '$TODAY' BETWEEN t.period_start AND t.period_end")
got=$(jq '.required_daily_growth_pct' <<<"$BODY")
if [ -z "$want" ]; then check_eq "required growth null on the last day" "$got" null
else check_num "required daily growth = (target/current)^(1/days_left) - 1" "$got" "$want"; fi
if jq -e '.probability >= 0 and .probability <= 1 and (.backtest.mape_pct | type == "number")' <<<"$BODY" >/dev/null
then ok "target probability in [0,1] with the MRR backtest"; else not_ok "target probability/backtest" "${BODY:0:300}"; fi
# target_date lies days_to_target days after as_of, wherever on the 12-month path it falls
n=0; bad=""
for d in $(sql "SELECT string_agg(d::text, ' ') FROM (SELECT (date_trunc('month', DATE '$TODAY') - k * interval '1 month'
                  + o * interval '1 day')::date AS d FROM generate_series(1, 8) k, (VALUES (-1), (9)) v(o)) x
                  WHERE d < DATE '$TODAY' AND EXISTS (SELECT 1 FROM targets t WHERE t.metric = 'mrr_cents'
                                                 AND d BETWEEN t.period_start AND t.period_end)"); do
  api GET "/api/forecast/target?as_of=$d" "$CEO"
  dt=$(jq -r '.days_to_target // empty' <<<"$BODY")
  [ -n "$dt" ] || continue
  n=$((n + 1))
  want=$(sql "SELECT DATE '$d' + $dt")
  [ "$(jq -r .target_date <<<"$BODY")" = "$want" ] || bad="$bad $d: $(jq -r .target_date <<<"$BODY") (want $want)"
done
if [ "$n" -gt 0 ] && [ -z "$bad" ]; then ok "target_date = as_of + days_to_target on $n as_of days"
else not_ok "target_date = as_of + days_to_target" "compared $n:$bad"; fi
api GET "/api/forecast/target" "$SALES"
check_status "target answers sales" 200
api GET "/api/forecast/target" "$CS"
check_status "target is denied to cs" 403

# ---- runway ------------------------------------------------------------------
api GET "/api/forecast/runway?growth_pct=0&burn_change_pct=0" "$CEO"
check_status "runway answers the ceo" 200
check_num "cash is the latest raw cash balance" "$(jq .cash <<<"$BODY")" \
  "$(sql "SELECT round(balance_cents / 100.0, 2) FROM cash_balances WHERE day <= DATE '$TODAY' ORDER BY day DESC LIMIT 1")"
burn_sql="SELECT (sum(e) - sum(i)) / 3.0 FROM (
  SELECT m, (SELECT sum(amount_cents) FROM expenses WHERE month = m) AS e,
         coalesce((SELECT sum(total_cents - refunded_cents - chargeback_cents) FROM orders
                    WHERE ordered_at >= ns_day_start(m) AND ordered_at < ns_day_start((m + interval '1 month')::date)), 0)
       + coalesce((SELECT sum(amount_cents) FROM billing_events WHERE kind = 'payment_success'
                    AND occurred_at >= ns_day_start(m) AND occurred_at < ns_day_start((m + interval '1 month')::date)), 0) AS i
    FROM (SELECT (date_trunc('month', DATE '$TODAY') - k * interval '1 month')::date AS m FROM generate_series(1, 3) k) x) y"
check_num "monthly net burn = 3-month mean of expenses - income (raw)" "$(jq .monthly_net_burn <<<"$BODY")" \
  "$(sql "SELECT round(round(($burn_sql)) / 100.0, 2)")"
check_num "runway months = cash / burn" "$(jq .runway_months <<<"$BODY")" \
  "$(sql "SELECT CASE WHEN b > 0 THEN round(c / b, 1) END FROM (SELECT ($burn_sql) AS b,
          (SELECT balance_cents FROM cash_balances WHERE day <= DATE '$TODAY' ORDER BY day DESC LIMIT 1) AS c) z")"
check_eq "flat scenario runway equals the plain runway" "$(jq .scenario.runway_months <<<"$BODY")" "$(jq .runway_months <<<"$BODY")"
if backtest_ok; then ok "runway carries the MRR model and its backtest"; else not_ok "runway backtest" "${BODY:0:200}"; fi
base=$(jq .scenario.runway_months <<<"$BODY")
api GET "/api/forecast/runway?growth_pct=0&burn_change_pct=50" "$CEO"
if jq -e --argjson b "$base" '.scenario.runway_months < $b' <<<"$BODY" >/dev/null 2>&1 || [ "$base" = null ]
then ok "50 % higher costs shorten the runway"; else not_ok "cost scenario shortens runway" "base $base, got $(jq .scenario <<<"$BODY" | head -c 200)"; fi
api GET "/api/forecast/runway" "$CEO"
check_eq "default growth comes from the MRR forecast" "$(jq -r '.scenario.growth_source | startswith("MRR forecast")' <<<"$BODY")" true
api GET "/api/forecast/runway?growth_pct=101" "$CEO"
check_error "growth_pct=101 is a 400" 400 bad_request
check_error_names "the 400 names growth_pct" growth_pct
api GET "/api/forecast/runway?burn_change_pct=abc" "$CEO"
check_error "burn_change_pct=abc is a 400" 400 bad_request
api GET "/api/forecast/runway" "$SALES"
check_status "runway is denied to sales" 403
api GET "/api/forecast/runway" "$CS"
check_status "runway is denied to cs" 403

# ---- churn risk --------------------------------------------------------------
api GET "/api/forecast/churn-risk?limit=500" "$CEO"
check_status "churn-risk answers the ceo" 200
if jq -e '[.customers[].churn_probability | . >= 0 and . <= 1] | all' <<<"$BODY" >/dev/null
then ok "churn probabilities are within [0,1]"; else not_ok "probabilities in [0,1]" "${BODY:0:300}"; fi
auc=$(jq '.backtest.auc' <<<"$BODY")
if jq -e '.backtest.auc > 0.5' <<<"$BODY" >/dev/null; then ok "out-of-fold AUC $auc beats the constant baseline 0.5"
else not_ok "out-of-fold AUC beats 0.5" "auc $auc: $(jq -c .backtest <<<"$BODY" | head -c 300)"; fi
check_num "every paying customer is scored" "$(jq .scored <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM (SELECT customer_id FROM subscriptions WHERE valid_from <= DATE '$TODAY'
          AND (valid_to IS NULL OR valid_to > DATE '$TODAY') GROUP BY 1 HAVING sum(mrr_cents) > 0) x")"
if jq -e '[.customers[].churn_probability] as $p | $p == ($p | sort | reverse)' <<<"$BODY" >/dev/null
then ok "churn-risk is sorted by probability"; else not_ok "sorted by probability"; fi
check_num "failed payments feature matches raw billing events (top customer)" \
  "$(jq '.customers[0].failed_payments_60d' <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM billing_events WHERE customer_id = $(jq '.customers[0].customer_id' <<<"$BODY")
          AND kind = 'payment_failed' AND occurred_at >= ns_day_start(DATE '$TODAY' - 59) AND occurred_at < ns_day_start(DATE '$TODAY' + 1)")"
top=$(jq '.customers[0].customer_id' <<<"$BODY")
check_num "tickets_30d feature matches raw support tickets (top customer)" \
  "$(jq '.customers[0].tickets_30d' <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM support_tickets WHERE customer_id = $top
          AND opened_at >= ns_day_start(DATE '$TODAY' - 29) AND opened_at < ns_day_start(DATE '$TODAY' + 1)")"
check_num "days_since_active feature matches raw events (top customer; 90 when none in 90 days)" \
  "$(jq '.customers[0].days_since_active' <<<"$BODY")" \
  "$(sql "SELECT coalesce(DATE '$TODAY' - max(ns_day(occurred_at)), 90) FROM events WHERE customer_id = $top
          AND occurred_at >= ns_day_start(DATE '$TODAY' - 89) AND occurred_at < ns_day_start(DATE '$TODAY' + 1)")"
if jq -e '[.params.features[].name] | index("usage_trend") and index("failed_payments_60d")
          and index("tickets_30d") and index("days_since_active")' <<<"$BODY" >/dev/null
then ok "churn model uses the warning-sign features"; else not_ok "warning-sign features" "$(jq -c '[.params.features[].name]' <<<"$BODY")"; fi
api GET "/api/forecast/churn-risk?limit=500" "$CEO"
check_eq "the out-of-fold AUC is the same on a second request (fixed folds)" "$(jq '.backtest.auc' <<<"$BODY")" "$auc"
api GET "/api/forecast/churn-risk?limit=3" "$CEO"
check_eq "limit=3 lists 3 customers" "$(jq '.customers | length' <<<"$BODY")" 3
api GET "/api/forecast/churn-risk?limit=500" "$CS"
check_status "churn-risk answers cs" 200
cs_id=$(sql "SELECT id FROM app_users WHERE email = 'cs1@northstar.example'")
got=$(jq -r '[.customers[].customer_id] | sort | join(",")' <<<"$BODY")
want=$(sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM customers c WHERE cs_owner_id = $cs_id
            AND (SELECT sum(mrr_cents) FROM subscriptions s WHERE s.customer_id = c.id AND s.valid_from <= DATE '$TODAY'
                 AND (s.valid_to IS NULL OR s.valid_to > DATE '$TODAY')) > 0")
check_eq "cs sees exactly the paying customers they own" "$got" "$want"
check_num "cs: scored counts their own customers only" "$(jq .scored <<<"$BODY")" "$(jq -rn --arg s "$want" '$s | split(",") | length')"
check_eq "cs: the scope says so" "$(jq -r .scope <<<"$BODY")" "customers you own"
CS2=$(login cs2@northstar.example)
api GET "/api/forecast/churn-risk?limit=500" "$CS2"
cs2_id=$(sql "SELECT id FROM app_users WHERE email = 'cs2@northstar.example'")
got=$(jq -r '[.customers[].customer_id] | sort | join(",")' <<<"$BODY")
want=$(sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM customers c WHERE cs_owner_id = $cs2_id
            AND (SELECT sum(mrr_cents) FROM subscriptions s WHERE s.customer_id = c.id AND s.valid_from <= DATE '$TODAY'
                 AND (s.valid_to IS NULL OR s.valid_to > DATE '$TODAY')) > 0")
if [ -n "$want" ]; then check_eq "a second cs user sees exactly their own paying customers" "$got" "$want"
else not_ok "a second cs user sees exactly their own paying customers" "cs2 owns no paying customer: nothing compared"; fi
api GET "/api/forecast/churn-risk" "$SALES"
check_status "churn-risk is denied to sales" 403
api GET "/api/forecast/churn-risk?limit=0" "$CEO"
check_error "limit=0 is a 400" 400 bad_request
api GET "/api/forecast/churn-risk?limit=5&format=csv" "$CEO"
check_eq "churn-risk CSV has a header and 5 rows" "$(printf '%s\n' "$BODY" | grep -c .)" 6

# ---- costs -------------------------------------------------------------------
api GET "/api/forecast/costs?months=3" "$CEO"
check_status "costs answers the ceo" 200
got=$(jq -r '[.history[] | "\(.date)=\(.value)"] | join(",")' <<<"$BODY")
want=$(sql "SELECT string_agg(month || '=' || (s / 100.0)::float8, ',' ORDER BY month) FROM (
  SELECT month, sum(amount_cents) AS s FROM expenses
   WHERE month < date_trunc('month', DATE '$TODAY') AND month >= date_trunc('month', DATE '$TODAY') - interval '36 months'
   GROUP BY 1 HAVING sum(amount_cents) > 0) x")
got=$(jq -rn --arg s "$got" '$s | split(",") | map(split("=") | "\(.[0])=\(.[1] | tonumber)") | join(",")')
want=$(jq -rn --arg s "$want" '$s | split(",") | map(split("=") | "\(.[0])=\(.[1] | tonumber)") | join(",")')
check_eq "costs history equals raw monthly expense totals" "$got" "$want"
if bands_ok && backtest_ok; then ok "costs bands ordered, backtest present"; else not_ok "costs bands/backtest"; fi
check_eq "first projected cost month follows the last month of the history" "$(jq -r '.forecast[0].date' <<<"$BODY")" \
  "$(sql "SELECT (DATE '$(jq -r '.history[-1].date' <<<"$BODY")' + interval '1 month')::date")"
api GET "/api/forecast/costs" "$SALES"
check_status "costs is denied to sales" 403
api GET "/api/forecast/costs" "$CS"
check_status "costs is denied to cs" 403

# ---- usage -------------------------------------------------------------------
api GET "/api/forecast/usage?days=30" "$CS"
check_status "usage answers cs" 200
got=$(jq -r '[.history[-14:][] | .value] | add' <<<"$BODY")
want=$(sql "SELECT count(*) FROM events WHERE type = 'api_call' AND occurred_at >= ns_day_start(DATE '$TODAY' - 14)
                                         AND occurred_at < ns_day_start(DATE '$TODAY')")
check_num "usage history (last 14 days) equals raw api_call events" "$got" "$want"
if bands_ok && backtest_ok; then ok "usage bands ordered, backtest present"; else not_ok "usage bands/backtest"; fi
api GET "/api/forecast/usage?days=7&metric=usage_units" "$CEO"
check_num "usage_units history (last day) equals raw usage_records" "$(jq '.history[-1].value' <<<"$BODY")" \
  "$(sql "SELECT coalesce(sum(units), 0) FROM usage_records WHERE day = DATE '$TODAY' - 1")"
api GET "/api/forecast/usage?metric=cpu" "$CEO"
check_error "metric=cpu is a 400" 400 bad_request
api GET "/api/forecast/usage" "$SALES"
check_status "usage is denied to sales" 403

# ---- seasonality -------------------------------------------------------------
api GET "/api/forecast/seasonality" "$CEO"
check_status "seasonality answers the ceo" 200
# independent day-of-week index of api calls: ratio to the centred 7-day mean, per weekday, over 84 days
want=$(sql "WITH d AS (SELECT g::date AS day, (SELECT count(*) FROM events WHERE type = 'api_call'
                        AND occurred_at >= ns_day_start(g::date) AND occurred_at < ns_day_start(g::date + 1)) AS v
                        FROM generate_series(DATE '$TODAY' - 84, DATE '$TODAY' - 1, interval '1 day') g),
            r AS (SELECT a.day, a.v / (SELECT avg(b.v) FROM d b WHERE b.day BETWEEN a.day - 3 AND a.day + 3) AS ratio
                    FROM d a WHERE a.day >= DATE '$TODAY' - 81 AND a.day <= DATE '$TODAY' - 4),
            w AS (SELECT extract(isodow FROM day) AS dow, avg(ratio) AS x FROM r GROUP BY 1)
            SELECT round(x / (SELECT avg(x) FROM w), 4) FROM w WHERE dow = 7")
check_num "Sunday API-call index equals the ratio-to-moving-average from raw events" \
  "$(jq '.series.api_calls.weekly.day_of_week[6].index' <<<"$BODY")" "$want"
check_eq "weekend dip of API calls is detected" "$(jq '.series.api_calls.weekly.detected' <<<"$BODY")" true
if jq -e '.series.revenue.weekly_model.backtest.mape_pct | type == "number"' <<<"$BODY" >/dev/null
then ok "seasonality carries the weekly model's backtest"; else not_ok "seasonality backtest"; fi
api GET "/api/forecast/seasonality" "$SALES"
check_status "seasonality is denied to sales" 403

# ---- speed (informational: nginx-uncached, model cache warm) -----------------
for u in "mrr?months=6" "revenue?days=30" "target?" "runway?" "churn-risk?limit=20" "costs?months=6" "usage?days=30" "seasonality?"; do
  q=${u#*\?}
  t=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $CEO" \
        "http://127.0.0.1:$T_PORT/api/forecast/${u%%\?*}?as_of=$TODAY${q:+&$q}" | tr -d '\n')
  echo "# timing ${u%%\?*} ${t}s"
done
done_testing
