# t-fin-panels.sh — the API answers behind issue 21's alerts, financial, forecast and sales
# fixes, checked against independent SQL over the raw tables (alerts, expenses, opportunities)
# or recomputed from the answer's own per-row figures:
#   /api/alerts most severe first, then newest (so that limit=5 holds the critical ones);
#   /api/revenue/financial opex without COGS; /api/revenue/pipeline overdue deals;
#   /api/forecast/* backtest medians; /api/forecast/churn-risk never 0 or 1.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CEO=$(login ceo@northstar.example); CS=$(login cs1@northstar.example); SALES=$(login sales1@northstar.example)
SALES_ID=$(sql "SELECT id FROM app_users WHERE email = 'sales1@northstar.example'")
TODAY=$(sql "SELECT ns_today()")
sql "SELECT alert_evaluate()" >/dev/null     # what the 30-second job does, now

# ---- alerts: order -------------------------------------------------------------------------
SEV_ORDER="CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 WHEN 'info' THEN 2 ELSE 3 END"
CEO_ID=$(sql "SELECT id FROM app_users WHERE email = 'ceo@northstar.example'")
# The alerts the CEO may see (alert_visible: the one visibility rule), joined to their rules.
SEEN="alerts a JOIN alert_rules r ON r.id = a.rule_id WHERE alert_visible($CEO_ID, 'ceo', r.audience, a.customer_id)"
api GET "/api/alerts?status=active&limit=500" "$CEO"
check_eq "alerts: the CEO's active alerts are most severe first, then newest (raw alerts)" \
  "$(jq -r '[.alerts[].id] | join(",")' <<<"$BODY")" \
  "$(sql "SELECT string_agg(a.id::text, ',' ORDER BY $SEV_ORDER, a.opened_at DESC, a.id DESC) FROM $SEEN AND a.status <> 'resolved'")"
N_CRIT=$(sql "SELECT count(*) FROM $SEEN AND a.status <> 'resolved' AND a.severity = 'critical'")
if [ "$N_CRIT" -gt 0 ]; then
  api GET "/api/alerts?status=active&limit=5" "$CEO"
  check_eq "alerts: limit=5 (the executive's Top alerts) holds the critical ones first" \
    "$(jq -r '[.alerts[:'"$((N_CRIT < 5 ? N_CRIT : 5))"'][].severity] | unique | join(",")' <<<"$BODY")" critical
else
  not_ok "alerts: the demo has a critical alert for the CEO" "none active"
fi
api GET "/api/alerts?status=all&limit=3&offset=1" "$CEO"
check_eq "alerts: offset pages through the same order (status=all)" \
  "$(jq -r '[.alerts[].id] | join(",")' <<<"$BODY")" \
  "$(sql "SELECT string_agg(id::text, ',' ORDER BY k, o DESC, id DESC) FROM (
            SELECT $SEV_ORDER AS k, a.opened_at AS o, a.id FROM $SEEN
             ORDER BY 1, 2 DESC, 3 DESC LIMIT 3 OFFSET 1) x")"
api GET "/api/alerts?status=active&limit=500" "$CS"
check_eq "alerts: a cs user's list is in the same order (severity, then newest)" \
  "$(jq '[.alerts[] | [(if .severity == "critical" then 0 elif .severity == "warning" then 1 else 2 end), .opened_at, .id]] as $k
         | [range(1; $k | length) | $k[. - 1] as $a | $k[.] as $b
            | $a[0] < $b[0] or ($a[0] == $b[0] and ($a[1] > $b[1] or ($a[1] == $b[1] and $a[2] > $b[2])))] | all' <<<"$BODY")" true

# ---- financial: COGS is not opex -----------------------------------------------------------
api GET "/api/revenue/financial?months=3" "$CEO"
check_status "financial answers the ceo" 200
FM=$(jq -r '.months[1].month' <<<"$BODY")
check_eq "financial: opex_by_category has no cogs" "$(jq '[.months[].opex_by_category | has("cogs")] | any' <<<"$BODY")" false
jq_eq "financial: opex_by_category of $FM = raw expenses per category without cogs" \
  "$(jq -c '.months[1].opex_by_category' <<<"$BODY")" \
  "$(sql "SELECT coalesce(json_object_agg(category, round(s / 100.0, 2)), '{}') FROM (
            SELECT category, sum(amount_cents) AS s FROM expenses
             WHERE month = '$FM-01' AND category <> 'cogs' GROUP BY 1) x")"
check_num "financial: opex of $FM = Σ raw expenses without cogs" "$(jq '.months[1].opex' <<<"$BODY")" \
  "$(sql "SELECT round(coalesce(sum(amount_cents), 0) / 100.0, 2) FROM expenses WHERE month = '$FM-01' AND category <> 'cogs'")"
check_num "financial: cogs_expenses of $FM = raw cogs expenses" "$(jq '.months[1].cogs_expenses' <<<"$BODY")" \
  "$(sql "SELECT round(coalesce(sum(amount_cents), 0) / 100.0, 2) FROM expenses WHERE month = '$FM-01' AND category = 'cogs'")"
check_eq "financial: expenses = opex + cogs_expenses every month" \
  "$(jq '[.months[] | ((.opex + .cogs_expenses - .expenses) | fabs) < 0.005] | all' <<<"$BODY")" true
api GET "/api/revenue/financial?months=2&as_of=2001-02-28" "$CEO"
check_eq "financial: a month without expenses has opex 0 and no categories" \
  "$(jq -c '[.months[0].opex, .months[0].opex_by_category]' <<<"$BODY")" '[0,{}]'

# ---- pipeline: overdue deals ---------------------------------------------------------------
api GET /api/revenue/pipeline "$CEO"
check_eq "pipeline: the CEO's overdue deals = open opportunities past their expected close (raw)" \
  "$(jq -r '[.deals[] | select(.overdue) | .id] | sort | join(",")' <<<"$BODY")" \
  "$(sql "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), 'none') FROM opportunities
          WHERE closed_at IS NULL AND created_at < ns_day_start('$TODAY'::date + 1) AND expected_close_on < '$TODAY'")"
check_eq "pipeline: overdue_deals counts them" "$(jq '.overdue_deals == ([.deals[] | select(.overdue)] | length)' <<<"$BODY")" true
check_eq "pipeline: every deal says overdue true or false" "$(jq '[.deals[].overdue | type == "boolean"] | all' <<<"$BODY")" true
api GET /api/revenue/pipeline "$SALES"
check_eq "pipeline: a sales rep's overdue deals are their own (raw)" \
  "$(jq -r '[.deals[] | select(.overdue) | .id] | sort | join(",") | if . == "" then "none" else . end' <<<"$BODY")" \
  "$(sql "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), 'none') FROM opportunities
          WHERE closed_at IS NULL AND owner_id = $SALES_ID AND expected_close_on < '$TODAY'")"
api GET "/api/revenue/pipeline?as_of=$(sql "SELECT ns_today() - 40")" "$CEO"
check_eq "pipeline: overdue follows as_of (expected close before as_of)" \
  "$(jq '[.deals[] | .overdue == (.expected_close_on != null and .expected_close_on < $d)] | all' --arg d "$(jq -r .as_of <<<"$BODY")" <<<"$BODY")" true

# ---- forecast: backtest summaries ----------------------------------------------------------
for P in "mrr?months=6" "revenue?days=30" "usage?days=30&metric=api_calls"; do
  api GET "/api/forecast/$P" "$CEO"
  check_eq "forecast $P: median_mape_pct = median of by_horizon[].mape_pct" \
    "$(jq '. as $d | [.backtest.by_horizon[].mape_pct] | sort as $s | ($s | length) as $n
           | (if $n % 2 == 1 then $s[($n - 1) / 2] else ($s[$n / 2 - 1] + $s[$n / 2]) / 2 end) - $d.backtest.median_mape_pct | fabs < 0.01' <<<"$BODY")" true
  check_eq "forecast $P: naive_median_mape_pct = median of naive_mape_pct" \
    "$(jq '. as $d | [.backtest.by_horizon[].naive_mape_pct] | sort as $s | ($s | length) as $n
           | (if $n % 2 == 1 then $s[($n - 1) / 2] else ($s[$n / 2 - 1] + $s[$n / 2]) / 2 end) - $d.backtest.naive_median_mape_pct | fabs < 0.01' <<<"$BODY")" true
  check_eq "forecast $P: horizons_beating_naive counts the horizons" \
    "$(jq '.backtest.horizons_beating_naive == ([.backtest.by_horizon[] | select(.mape_pct < .naive_mape_pct)] | length)' <<<"$BODY")" true
done

# ---- forecast: churn probabilities are never a certainty -----------------------------------
api GET "/api/forecast/churn-risk?limit=500" "$CEO"
check_status "churn-risk answers the ceo" 200
check_eq "churn-risk: every probability strictly between 0 and 1" \
  "$(jq '[.customers[].churn_probability | . > 0 and . < 1] | all' <<<"$BODY")" true
check_eq "churn-risk: max_probability = 1 - 1/(rows + 2) (rule of succession)" \
  "$(jq '(.method.max_probability - (1 - 1 / (.method.rows + 2)) | fabs) < 0.0001' <<<"$BODY")" true
check_eq "churn-risk: no probability above max_probability" \
  "$(jq '.method.max_probability as $m | [.customers[].churn_probability <= $m] | all' <<<"$BODY")" true
check_eq "churn-risk: the answer says how probabilities are calibrated" \
  "$(jq -r '.method.calibration | test("training range") and test("rule of succession")' <<<"$BODY")" true
done_testing
