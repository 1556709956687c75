# t-users.sh — the users (customer-success) service through nginx: every figure compared with
# independent SQL over the raw tables (never the rollups), row scope, roles, bad input, CSV.
# Sign-in is rate limited (10 a minute per address): wait and retry rather than fail.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
u_login() { local t i; for i in 1 2 3 4 5 6 7 8 9 10; do t=$(login "$1"); [ -n "$t" ] && break; sleep 6; done; echo "$t"; }
U_CEO=$(u_login ceo@northstar.example); U_CS1=$(u_login cs1@northstar.example)
U_CS2=$(u_login cs2@northstar.example); U_SALES=$(u_login sales1@northstar.example)
U_CS1_ID=$(sql "SELECT id FROM app_users WHERE email = 'cs1@northstar.example'")
U_SALES_ID=$(sql "SELECT id FROM app_users WHERE email = 'sales1@northstar.example'")
# A complete day in the past, so that live traffic cannot move the answer.
D=$(sql "SELECT ns_today() - 1")
# Bring the rollups and the users pre-aggregates (which follow them) up to date with what earlier
# test files inserted (the services' jobs do it every 30 / 60 s; a call waits for a running one).
sql "SELECT rollup_refresh()" >/dev/null
sql "SELECT users_refresh()" >/dev/null
DS="('$D'::date::timestamp AT TIME ZONE ns_tz())"          # start of D
DE="(('$D'::date + 1)::timestamp AT TIME ZONE ns_tz())"    # end of D (exclusive)
mrr_on() { echo "(SELECT customer_id, sum(mrr_cents) AS mrr, sum(quantity) AS seats FROM subscriptions
                  WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1) GROUP BY 1 HAVING sum(mrr_cents) > 0)"; }

# ------------------------------------------------------------------ summary
api GET "/api/users/summary?as_of=$D" "$U_CEO"
check_status "users summary answers the CEO" 200
S=$BODY
check_num "summary DAU = distinct users with an event on the day (raw events)" "$(jq .dau.value <<<"$S")" \
  "$(sql "SELECT count(DISTINCT (customer_id, user_id)) FROM events WHERE occurred_at >= $DS AND occurred_at < $DE
          AND customer_id IS NOT NULL AND user_id IS NOT NULL")"
mau=$(sql "SELECT count(DISTINCT (customer_id, user_id)) FROM events
           WHERE occurred_at >= $DS - interval '29 days' AND occurred_at < $DE AND customer_id IS NOT NULL AND user_id IS NOT NULL")
check_num "summary MAU = distinct users of the 30 days (raw events)" "$(jq .mau.value <<<"$S")" "$mau"
check_num "summary WAU = distinct users of the 7 days (raw events)" "$(jq .wau.value <<<"$S")" \
  "$(sql "SELECT count(DISTINCT (customer_id, user_id)) FROM events
          WHERE occurred_at >= $DS - interval '6 days' AND occurred_at < $DE AND customer_id IS NOT NULL AND user_id IS NOT NULL")"
check_num "summary total customers = customers paying on the day (raw subscriptions)" \
  "$(jq .total_customers.value <<<"$S")" "$(sql "SELECT count(*) FROM $(mrr_on "'$D'::date") m")"
check_num "summary active customers = customers with an event in 30 days (raw events)" \
  "$(jq .active_customers_30d.value <<<"$S")" \
  "$(sql "SELECT count(DISTINCT customer_id) FROM events WHERE occurred_at >= $DS - interval '29 days' AND occurred_at < $DE")"
check_num "summary new signups = customers signed up on the day" "$(jq .new_signups_today.value <<<"$S")" \
  "$(sql "SELECT count(*) FROM customers WHERE signup_at >= $DS AND signup_at < $DE")"
check_num "summary active trials (raw customers)" "$(jq .active_trials.value <<<"$S")" \
  "$(sql "SELECT count(*) FROM customers WHERE trial_started_on <= '$D' AND trial_ends_on >= '$D'
          AND (converted_at IS NULL OR converted_at >= $DE) AND (churned_at IS NULL OR churned_at >= $DE)")"
check_num "summary NPS of 90 days (raw answers)" "$(jq .nps_90d.value.nps <<<"$S")" \
  "$(sql "SELECT round((count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6)) * 100.0 / count(*), 2)
          FROM nps_responses WHERE answered_at >= $DS - interval '89 days' AND answered_at < $DE")"
# last full month: paying at the end of the month before it, and of those, paying nothing at its end
M1=$(sql "SELECT (date_trunc('month', '$D'::date) - interval '1 day')::date")
M0=$(sql "SELECT (date_trunc('month', '$M1'::date) - interval '1 day')::date")
check_num "summary customer churn rate of the last full month (raw subscriptions)" \
  "$(jq .churn_last_month.value.customer_churn_rate <<<"$S")" \
  "$(sql "SELECT round(count(*) FILTER (WHERE b.customer_id IS NULL) * 100.0 / count(*), 2)
          FROM $(mrr_on "'$M0'::date") a LEFT JOIN $(mrr_on "'$M1'::date") b USING (customer_id)")"
check_num "summary revenue churn rate = (churn + contraction) / starting MRR (raw subscriptions)" \
  "$(jq .churn_last_month.value.revenue_churn_rate <<<"$S")" \
  "$(sql "SELECT round(sum(greatest(a.mrr - coalesce(b.mrr, 0), 0)) * 100.0 / sum(a.mrr), 2)
          FROM $(mrr_on "'$M0'::date") a LEFT JOIN $(mrr_on "'$M1'::date") b USING (customer_id)")"
for who in CS1 SALES; do
  tok=U_$who; api GET /api/users/summary "${!tok}"
  check_status "users summary answers $who" 200
done
api GET "/api/users/summary?as_of=2025-02-30" "$U_CEO"
check_error "an impossible as_of is a 400" 400 bad_request
check_error_names "the error names as_of" as_of

# ------------------------------------------------------------------ health scores
# Independent health score over the raw tables (events, tickets, billing), per docs/metrics.md.
HEALTH_RAW="WITH p AS $(mrr_on "'$D'::date"),
  ev AS (SELECT customer_id, count(DISTINCT (occurred_at AT TIME ZONE ns_tz())::date) AS days,
                count(DISTINCT user_id) AS users
           FROM events WHERE occurred_at >= $DS - interval '29 days' AND occurred_at < $DE GROUP BY 1),
  sc AS (SELECT p.customer_id, p.mrr,
    round(30 * least(coalesce(ev.days, 0), 20) / 20.0) AS u,
    round(25 * least(1.0, coalesce(ev.users, 0)::numeric / p.seats)) AS a,
    greatest(0, 20 - 4 * (SELECT count(*) FROM support_tickets t WHERE t.customer_id = p.customer_id
                            AND t.opened_at >= $DS - interval '29 days' AND t.opened_at < $DE)
                   - 4 * (SELECT count(*) FROM support_tickets t WHERE t.customer_id = p.customer_id
                            AND t.priority IN ('high', 'urgent') AND t.opened_at < $DE
                            AND (t.resolved_at IS NULL OR t.resolved_at >= $DE))
                   - 5 * (SELECT count(*) FROM support_tickets t WHERE t.customer_id = p.customer_id AND t.csat <= 2
                            AND t.opened_at >= $DS - interval '89 days' AND t.opened_at < $DE)) AS s,
    greatest(0, 25 - 10 * (SELECT count(*) FROM billing_events b WHERE b.customer_id = p.customer_id
                             AND b.kind = 'payment_failed' AND b.occurred_at >= $DS - interval '59 days' AND b.occurred_at < $DE)
                   - 15 * (SELECT count(*) FROM billing_events b WHERE b.customer_id = p.customer_id
                             AND b.kind = 'chargeback' AND b.occurred_at >= $DS - interval '89 days' AND b.occurred_at < $DE)) AS pay
    FROM p LEFT JOIN ev USING (customer_id))
  SELECT customer_id, u, a, s, pay, u + a + s + pay AS score, mrr FROM sc"
api GET "/api/users/health-scores?as_of=$D&limit=500" "$U_CEO"
check_status "health scores answer the CEO" 200
H=$BODY
check_num "health list holds every customer paying on the day" "$(jq .total <<<"$H")" "$(sql "SELECT count(*) FROM $(mrr_on "'$D'::date") m")"
check_eq "every health score and its four parts equal the raw computation" \
  "$(jq -r '.customers | sort_by(.customer_id) | map("\(.customer_id):\(.usage):\(.adoption):\(.support):\(.payment):\(.health_score)") | join(",")' <<<"$H")" \
  "$(sql "SELECT string_agg(format('%s:%s:%s:%s:%s:%s', customer_id, u, a, s, pay, score), ',' ORDER BY customer_id) FROM ($HEALTH_RAW) x")"
check_num "company high-risk count = raw scores below 30" "$(jq .company.high_risk <<<"$H")" \
  "$(sql "SELECT count(*) FROM ($HEALTH_RAW) x WHERE score < 30")"
check_num "company MRR at risk = high-risk MRR + half of medium-risk MRR" "$(jq .company.mrr_at_risk <<<"$H")" \
  "$(sql "SELECT round(coalesce(sum(CASE WHEN score < 30 THEN mrr WHEN score <= 60 THEN mrr / 2 ELSE 0 END), 0) / 100.0, 2) FROM ($HEALTH_RAW) x")"
check_eq "bands and actions follow the score" \
  "$(jq -r '[.customers[] | select((.health_score < 30 and .risk_band == "high_risk" and .action == "intervene")
        or (.health_score >= 30 and .health_score <= 60 and .risk_band == "medium_risk" and .action == "schedule_check_in")
        or (.health_score > 60 and .risk_band == "healthy" and .action == "upsell") | not)] | length' <<<"$H")" 0
check_eq "the default sort is by MRR at risk, largest first" \
  "$(jq '[.customers[].mrr_at_risk] as $a | $a == ($a | sort | reverse)' <<<"$H")" true
api GET "/api/users/health-scores?as_of=$D&risk=high&sort=score&limit=500" "$U_CEO"
check_eq "risk=high returns only high-risk customers, lowest score first" \
  "$(jq -c '([.customers[] | .risk_band] | unique), ([.customers[].health_score] as $a | $a == ($a | sort))' <<<"$BODY" | tr '\n' ' ')" \
  "$(if [ "$(jq .company.high_risk <<<"$H")" = 0 ]; then echo '[] true '; else echo '["high_risk"] true '; fi)"
api GET "/api/users/health-scores?as_of=$D&limit=2&offset=1&sort=name" "$U_CEO"
check_eq "pagination: limit 2 offset 1 by name" "$(jq -c '[.customers[].customer_id]' <<<"$BODY")" \
  "$(sql "SELECT json_agg(id)::text FROM (SELECT c.id FROM $(mrr_on "'$D'::date") m JOIN customers c ON c.id = m.customer_id
          ORDER BY c.name, c.id OFFSET 1 LIMIT 2) x" | jq -c .)"
api GET "/api/users/health-scores?as_of=$D&limit=500" "$U_CS1"
check_status "health scores answer a CS manager" 200
check_num "a CS manager's health list holds only own paying customers" "$(jq .total <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM $(mrr_on "'$D'::date") m JOIN customers c ON c.id = m.customer_id WHERE c.cs_owner_id = $U_CS1_ID")"
check_eq "the CS manager's list is exactly the own paying customers (raw customers)" \
  "$(jq -r '[.customers[].customer_id] | sort | map(tostring) | join(",")' <<<"$BODY")" \
  "$(sql "SELECT string_agg(c.id::text, ',' ORDER BY c.id) FROM $(mrr_on "'$D'::date") m JOIN customers c ON c.id = m.customer_id
          WHERE c.cs_owner_id = $U_CS1_ID")"
check_num "a CS manager still sees the company-wide totals" "$(jq .company.customers <<<"$BODY")" "$(jq .company.customers <<<"$H")"
api GET /api/users/health-scores "$U_SALES"
check_error "sales may not open the health scores" 403 forbidden
api GET "/api/users/health-scores?risk=extreme" "$U_CEO"
check_error "an unknown risk band is a 400" 400 bad_request
check_error_names "the error names risk" risk
api GET "/api/users/health-scores?limit=0" "$U_CEO"
check_error_names "limit 0 is refused naming limit" limit
api GET "/api/users/health-scores?page=2" "$U_CEO"
check_error "an unknown parameter is a 400" 400 bad_request
api GET "/api/users/health-scores?as_of=$D&limit=5&format=csv" "$U_CEO"
check_status "health scores export as CSV" 200
check_eq "the CSV is text/csv" "$(header Content-Type | cut -d';' -f1)" "text/csv"
check_eq "the CSV has a header and one line per customer" "$(printf '%s\n' "$BODY" | grep -c .)" \
  "$(( $(jq '[.total, 5] | min' <<<"$H") + 1 ))"
check_eq "the CSV header names the columns" "$(printf '%s\n' "$BODY" | head -1 | cut -d, -f1-3 | tr -d '\r')" \
  '"customer_id","name","health_score"'

# ------------------------------------------------------------------ customer drill-down
OWN=$(sql "SELECT min(c.id) FROM customers c JOIN $(mrr_on "'$D'::date") m ON m.customer_id = c.id WHERE c.cs_owner_id = $U_CS1_ID")
OTHER=$(sql "SELECT min(id) FROM customers WHERE cs_owner_id IS DISTINCT FROM $U_CS1_ID")
api GET "/api/users/customers/$OWN?as_of=$D" "$U_CS1"
check_status "a CS manager opens an own customer" 200
C=$BODY
check_num "drill-down MRR equals raw subscriptions" "$(jq .mrr <<<"$C")" \
  "$(sql "SELECT round(coalesce(sum(mrr_cents), 0) / 100.0, 2) FROM subscriptions WHERE customer_id = $OWN
          AND valid_from <= '$D' AND (valid_to IS NULL OR valid_to > '$D')")"
check_num "drill-down open tickets equal raw tickets" "$(jq '.open_tickets | length' <<<"$C")" \
  "$(sql "SELECT count(*) FROM support_tickets WHERE customer_id = $OWN AND opened_at < $DE AND (resolved_at IS NULL OR resolved_at >= $DE)")"
check_num "drill-down NPS answers equal raw answers" "$(jq '.nps | length' <<<"$C")" \
  "$(sql "SELECT count(*) FROM nps_responses WHERE customer_id = $OWN AND answered_at < $DE")"
check_num "drill-down feature uses of 90 days equal raw events" "$(jq '[.features_used[].uses] | add // 0' <<<"$C")" \
  "$(sql "SELECT count(*) FROM events WHERE customer_id = $OWN AND type = 'feature_used' AND feature IS NOT NULL
          AND occurred_at >= $DS - interval '89 days' AND occurred_at < $DE")"
check_eq "drill-down health equals the raw computation" "$(jq -r '.health.health_score' <<<"$C")" \
  "$(sql "SELECT score FROM ($HEALTH_RAW) x WHERE customer_id = $OWN")"
check_num "drill-down weekly events of the last week equal raw events" "$(jq '.usage_trend[-1].events' <<<"$C")" \
  "$(sql "SELECT count(*) FROM events WHERE customer_id = $OWN AND occurred_at >= $DS - interval '6 days' AND occurred_at < $DE")"
api GET "/api/users/customers/$OTHER" "$U_CS1"
check_error "a CS manager may not open another manager's customer: 404, as if it did not exist" 404 not_found
other_body=$(jq -c '.error.message' <<<"$BODY" | sed "s/$OTHER/N/")
api GET "/api/users/customers/$OTHER" "$U_CEO"
check_status "the CEO opens any customer" 200
api GET "/api/users/customers/$OWN" "$U_SALES"
check_error "sales may not open the drill-down (support details)" 403 forbidden
api GET /api/users/customers/999999999 "$U_CEO"
check_error "an unknown customer is a 404" 404 not_found
api GET /api/users/customers/999999999 "$U_CS1"
check_eq "another manager's customer and a missing one get the same answer (ids aside)" \
  "$STATUS $(jq -c '.error.message' <<<"$BODY" | sed "s/999999999/N/")" "404 $other_body"

# ------------------------------------------------------------------ cohorts
api GET "/api/users/cohorts?as_of=$D&months=6" "$U_CEO"
check_status "cohorts answer the CEO" 200
K=$BODY
FIRST=$(sql "SELECT (date_trunc('month', '$D'::date) - interval '5 months')::date")
COH="SELECT date_trunc('month', converted_at AT TIME ZONE ns_tz())::date AS m, id FROM customers
     WHERE converted_at >= ('$FIRST'::date::timestamp AT TIME ZONE ns_tz()) AND converted_at < $DE"
check_eq "cohort sizes = customers first paying in each month (raw customers)" \
  "$(jq -c '[.cohorts[] | [.cohort, .size]]' <<<"$K")" \
  "$(sql "SELECT json_agg(json_build_array(m, n) ORDER BY m)::text FROM (SELECT m, count(*) AS n FROM ($COH) x GROUP BY 1) y" | jq -c .)"
check_eq "the last cell of every cohort = share still paying on as_of (raw subscriptions)" \
  "$(jq -c '[.cohorts[] | .retention[-1]]' <<<"$K")" \
  "$(sql "SELECT json_agg(v ORDER BY m)::text FROM (SELECT x.m, round(count(p.customer_id) * 100.0 / count(*), 2) AS v
          FROM ($COH) x LEFT JOIN $(mrr_on "'$D'::date") p ON p.customer_id = x.id GROUP BY 1) y" | jq -c .)"
api GET "/api/users/cohorts?as_of=$D&months=6&metric=revenue" "$U_CS1"
check_eq "revenue cohorts: last cell = MRR on as_of / MRR at the end of the first month (raw subscriptions)" \
  "$(jq -c '[.cohorts[] | .retention[-1]]' <<<"$BODY")" \
  "$(sql "SELECT json_agg(v ORDER BY m)::text FROM (
            SELECT x.m, round(coalesce(sum(p.mrr), 0) * 100.0 / nullif((SELECT sum(s.mrr_cents) FROM subscriptions s JOIN ($COH) z ON z.id = s.customer_id
                      WHERE z.m = x.m AND s.valid_from <= least((x.m + interval '1 month')::date - 1, '$D'::date)
                        AND (s.valid_to IS NULL OR s.valid_to > least((x.m + interval '1 month')::date - 1, '$D'::date))), 0), 2) AS v
            FROM ($COH) x LEFT JOIN $(mrr_on "'$D'::date") p ON p.customer_id = x.id GROUP BY 1) y" | jq -c .)"
api GET "/api/users/cohorts?period=week&months=2&format=csv" "$U_CEO"
check_status "weekly cohorts export as CSV" 200
api GET /api/users/cohorts "$U_SALES"
check_error "sales may not open cohorts" 403 forbidden
api GET "/api/users/cohorts?period=day" "$U_CEO"
check_error_names "an unknown period names period" period
api GET "/api/users/cohorts?months=25" "$U_CEO"
check_error_names "months above 24 names months" months

# ------------------------------------------------------------------ customer list
api GET "/api/users/customers?as_of=$D&limit=500" "$U_SALES"
check_status "the customer list answers sales" 200
check_num "a sales user's list holds own customers only (raw customers and opportunities)" "$(jq .total <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM customers c WHERE c.signup_at < $DE AND (c.sales_owner_id = $U_SALES_ID
          OR EXISTS (SELECT 1 FROM opportunities o WHERE o.customer_id = c.id AND o.owner_id = $U_SALES_ID))")"
check_num "the company total covers every customer signed up by the day" "$(jq .company.customers <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM customers WHERE signup_at < $DE")"
api GET "/api/users/customers?as_of=$D&status=paying&limit=500" "$U_CEO"
check_num "status=paying lists the paying customers, MRR summed from raw subscriptions" \
  "$(jq '([.customers[].mrr] | add * 100 | round) / 100' <<<"$BODY")" \
  "$(sql "SELECT round(sum(mrr) / 100.0, 2) FROM $(mrr_on "'$D'::date") m")"
api GET "/api/users/customers?format=csv&limit=3" "$U_CS2"
check_eq "the customer list exports as CSV (header + 3 rows)" "$(printf '%s\n' "$BODY" | grep -c .)" 4
api GET "/api/users/customers?status=gone" "$U_CEO"
check_error_names "an unknown status names status" status

# ------------------------------------------------------------------ segments
api GET "/api/users/segments?as_of=$D" "$U_CEO"
check_status "segments answer the CEO" 200
G=$BODY
check_num "lifecycle stages cover every customer signed up by the day" "$(jq '[.lifecycle[].customers] | add' <<<"$G")" \
  "$(sql "SELECT count(*) FROM customers WHERE signup_at < $DE")"
check_num "churned stage = converted once, paying nothing on the day (raw)" "$(jq '.lifecycle[] | select(.stage == "churned") | .customers' <<<"$G")" \
  "$(sql "SELECT count(*) FROM customers c WHERE c.signup_at < $DE AND c.converted_at < $DE
          AND c.id NOT IN (SELECT customer_id FROM $(mrr_on "'$D'::date") m)")"
check_num "activation stage = never converted and not paying (raw)" "$(jq '.lifecycle[] | select(.stage == "activation") | .customers' <<<"$G")" \
  "$(sql "SELECT count(*) FROM customers c WHERE c.signup_at < $DE AND (c.converted_at IS NULL OR c.converted_at >= $DE)
          AND c.id NOT IN (SELECT customer_id FROM $(mrr_on "'$D'::date") m)")"
check_num "at-risk stage = paying customers with a raw health score below 30" "$(jq '.lifecycle[] | select(.stage == "at_risk") | .customers' <<<"$G")" \
  "$(sql "SELECT count(*) FROM ($HEALTH_RAW) x WHERE score < 30")"
check_num "RFM segments cover the paying customers and their MRR (raw)" "$(jq '([.rfm[].mrr] | add * 100 | round) / 100' <<<"$G")" \
  "$(sql "SELECT round(sum(mrr) / 100.0, 2) FROM $(mrr_on "'$D'::date") m")"
check_num "champions = paying, active within 7 days and on 45+ of 90 days (raw events)" \
  "$(jq '.rfm[] | select(.segment == "champions") | .customers' <<<"$G")" \
  "$(sql "SELECT count(*) FROM $(mrr_on "'$D'::date") m JOIN (SELECT customer_id, max(occurred_at) AS last,
            count(DISTINCT (occurred_at AT TIME ZONE ns_tz())::date) AS days FROM events
           WHERE occurred_at >= $DS - interval '89 days' AND occurred_at < $DE GROUP BY 1) e USING (customer_id)
          WHERE e.last >= $DS - interval '7 days' AND e.days >= 45")"
api GET "/api/users/segments?format=csv" "$U_CS1"
check_eq "segments export the lifecycle as CSV (header + 5 stages)" "$(printf '%s\n' "$BODY" | grep -c .)" 6
api GET /api/users/segments "$U_SALES"
check_error "sales may not open segments" 403 forbidden

# ------------------------------------------------------------------ support
F=$(sql "SELECT '$D'::date - 27")
api GET "/api/users/support?from=$F&to=$D" "$U_CEO"
check_status "support answers the CEO" 200
P=$BODY
check_num "weekly opened tickets add up to the raw count" "$(jq '[.weeks[].opened] | add' <<<"$P")" \
  "$(sql "SELECT count(*) FROM support_tickets WHERE opened_at >= ('$F'::date::timestamp AT TIME ZONE ns_tz()) AND opened_at < $DE")"
check_num "weekly resolved tickets add up to the raw count" "$(jq '[.weeks[].resolved] | add' <<<"$P")" \
  "$(sql "SELECT count(*) FROM support_tickets WHERE resolved_at >= ('$F'::date::timestamp AT TIME ZONE ns_tz()) AND resolved_at < $DE")"
# The last week with a value (the range's last week may be a day or two without any ticket
# resolved: null = null would prove nothing); its bounds clipped to the range, as the API's.
wk_from() { echo "(greatest('$1'::date, '$F'::date)::timestamp AT TIME ZONE ns_tz())"; }
wk_to() { echo "(least('$1'::date + 7, '$D'::date + 1)::timestamp AT TIME ZONE ns_tz())"; }
W=$(jq -r '[.weeks[] | select(.csat != null)][-1].week // empty' <<<"$P")
check_num "CSAT of the last week with ratings ($W) = mean rating of tickets resolved in it (raw)" \
  "$(jq --arg w "$W" '.weeks[] | select(.week == $w) | .csat' <<<"$P")" \
  "$(sql "SELECT round(avg(csat), 2) FROM support_tickets WHERE resolved_at >= $(wk_from "$W")
          AND resolved_at < $(wk_to "$W") AND csat IS NOT NULL")"
W=$(jq -r '[.weeks[] | select(.avg_resolution_hours != null)][-1].week // empty' <<<"$P")
check_num "average resolution hours of the last week with resolutions ($W) (raw)" \
  "$(jq --arg w "$W" '.weeks[] | select(.week == $w) | .avg_resolution_hours' <<<"$P")" \
  "$(sql "SELECT round(avg(extract(epoch FROM resolved_at - opened_at) / 3600.0), 1) FROM support_tickets
          WHERE resolved_at >= $(wk_from "$W") AND resolved_at < $(wk_to "$W")")"
check_num "the at-risk list holds every raw high-risk customer" "$(jq '.at_risk | length' <<<"$P")" \
  "$(sql "SELECT count(*) FROM ($HEALTH_RAW) x WHERE score < 30")"
api GET "/api/users/support?from=$F&to=$D" "$U_CS1"
check_num "a CS manager's at-risk list holds only own customers" "$(jq '.at_risk | length' <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM ($HEALTH_RAW) x JOIN customers c ON c.id = x.customer_id WHERE x.score < 30 AND c.cs_owner_id = $U_CS1_ID")"
check_num "a CS manager still sees the company-wide weekly figures" "$(jq '[.weeks[].opened] | add' <<<"$BODY")" "$(jq '[.weeks[].opened] | add' <<<"$P")"
api GET /api/users/support "$U_SALES"
check_error "sales may not open support details" 403 forbidden
api GET "/api/users/support?from=$D&to=$F" "$U_CEO"
check_error "from after to is a 400" 400 bad_request
api GET "/api/users/support?days=5000" "$U_CEO"
check_error_names "days above the limit names days" days

# ------------------------------------------------------------------ geo and devices
api GET "/api/users/geo?from=$F&to=$D" "$U_CEO"
check_status "geo answers the CEO" 200
check_num "sessions by country add up to the raw session starts" "$(jq '[.countries[].sessions] | add' <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM events WHERE type = 'session_start' AND occurred_at >= ('$F'::date::timestamp AT TIME ZONE ns_tz()) AND occurred_at < $DE")"
TOPC=$(jq -r '.countries[0].country' <<<"$BODY")
check_num "active user-days of the top country = raw distinct users per day, summed" "$(jq '.countries[0].user_days' <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM (SELECT DISTINCT (occurred_at AT TIME ZONE ns_tz())::date, customer_id, user_id FROM events
          WHERE country = '$TOPC' AND customer_id IS NOT NULL AND user_id IS NOT NULL
            AND occurred_at >= ('$F'::date::timestamp AT TIME ZONE ns_tz()) AND occurred_at < $DE) x")"
api GET "/api/users/devices?from=$F&to=$D" "$U_CS2"
check_status "devices answer a CS manager" 200
check_num "mobile active user-days = raw distinct users per day on mobile, summed" \
  "$(jq '.breakdown[] | select(.dimension == "device" and .value == "mobile") | .user_days' <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM (SELECT DISTINCT (occurred_at AT TIME ZONE ns_tz())::date, customer_id, user_id FROM events
          WHERE device = 'mobile' AND customer_id IS NOT NULL AND user_id IS NOT NULL
            AND occurred_at >= ('$F'::date::timestamp AT TIME ZONE ns_tz()) AND occurred_at < $DE) x")"
check_num "sessions by OS add up to the raw session starts" \
  "$(jq '[.breakdown[] | select(.dimension == "os") | .sessions] | add' <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM events WHERE type = 'session_start' AND occurred_at >= ('$F'::date::timestamp AT TIME ZONE ns_tz()) AND occurred_at < $DE")"
api GET "/api/users/devices?days=7&format=csv" "$U_CEO"
check_eq "devices export as CSV" "$(header Content-Type | cut -d';' -f1)" "text/csv"
api GET /api/users/geo "$U_SALES"
check_error "sales may not open geo" 403 forbidden

# ------------------------------------------------------------------ viral
VF=$(sql "SELECT date_trunc('month', '$D'::date - 180)::date")
api GET "/api/users/viral?from=$VF&to=$D" "$U_CEO"
check_status "viral answers the CEO" 200
V=$BODY
check_num "invitations sent per month add up to the raw referrals" "$(jq '[.months[].invites_sent] | add' <<<"$V")" \
  "$(sql "SELECT count(*) FROM referrals WHERE sent_at >= ('$VF'::date::timestamp AT TIME ZONE ns_tz()) AND sent_at < $DE")"
check_num "accepted invitations add up to the raw referrals" "$(jq '[.months[].invites_accepted] | add' <<<"$V")" \
  "$(sql "SELECT count(*) FROM referrals WHERE sent_at >= ('$VF'::date::timestamp AT TIME ZONE ns_tz()) AND sent_at < $DE AND accepted_at < $DE")"
check_num "referred new customers add up to the raw referral-channel signups" "$(jq '[.months[].referred_customers] | add' <<<"$V")" \
  "$(sql "SELECT count(*) FROM customers WHERE channel = 'referral' AND signup_at >= ('$VF'::date::timestamp AT TIME ZONE ns_tz()) AND signup_at < $DE")"
check_eq "viral coefficient = invites per paying customer × acceptance rate, every month" \
  "$(jq '[.months[] | select(.viral_coefficient != null) | ((.invites_accepted / .paying_customers) * 10000 | round) == (.viral_coefficient * 10000 | round)] | all' <<<"$V")" true
api GET /api/users/viral "$U_SALES"
check_error "sales may not open viral" 403 forbidden

# ------------------------------------------------------------------ journeys
api GET "/api/users/journeys?from=$F&to=$D&limit=5" "$U_CEO"
check_status "journeys answer the CEO" 200
J=$BODY
check_eq "the top transitions equal a raw count over feature events in sessions" "$(jq -c '[.transitions[] | [.from, .to, .count]]' <<<"$J")" \
  "$(sql "SELECT json_agg(json_build_array(p, f, n) ORDER BY n DESC, p, f)::text FROM (
            SELECT prev AS p, feature AS f, count(*) AS n FROM (
              SELECT occurred_at, feature, lag(feature) OVER (PARTITION BY session_id ORDER BY occurred_at, feature) AS prev
                FROM events WHERE type = 'feature_used' AND feature IS NOT NULL AND session_id IS NOT NULL
                 AND occurred_at < $DE) x
             WHERE prev IS NOT NULL AND occurred_at >= ('$F'::date::timestamp AT TIME ZONE ns_tz())
             GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 5) y" | jq -c .)"
check_eq "funnel: signups, first key action, paid (raw customers and events)" "$(jq -c '[.funnel[].customers]' <<<"$J")" \
  "$(sql "SELECT json_build_array(count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.id
            AND e.type = 'feature_used' AND e.occurred_at >= date_trunc('day', c.signup_at AT TIME ZONE ns_tz()) AT TIME ZONE ns_tz()
            AND e.occurred_at < $DE)), count(*) FILTER (WHERE c.converted_at < $DE))::text
          FROM customers c WHERE c.signup_at >= ('$F'::date::timestamp AT TIME ZONE ns_tz()) AND c.signup_at < $DE" | jq -c .)"
api GET "/api/users/journeys?limit=101" "$U_CEO"
check_error_names "limit above 100 names limit" limit
api GET /api/users/journeys "$U_SALES"
check_error "sales may not open journeys" 403 forbidden

# ------------------------------------------------------------------ expansion
api GET "/api/users/expansion?as_of=$D" "$U_CEO"
check_status "expansion answers the CEO" 200
X=$BODY
check_num "customers at ≥ 80 % of their plan's seat limit (raw subscriptions)" \
  "$(jq '[.opportunities[] | select(.reasons | contains("seat_limit"))] | length' <<<"$X")" \
  "$(sql "SELECT count(DISTINCT s.customer_id) FROM subscriptions s JOIN plans p ON p.id = s.plan_id
          WHERE s.valid_from <= '$D' AND (s.valid_to IS NULL OR s.valid_to > '$D') AND s.mrr_cents > 0
            AND p.seat_limit IS NOT NULL AND s.quantity >= 0.8 * p.seat_limit")"
check_num "power users on Starter: ≥ 20 active days of 30 (raw events)" \
  "$(jq '[.opportunities[] | select(.reasons | contains("power_user_on_starter"))] | length' <<<"$X")" \
  "$(sql "SELECT count(*) FROM (SELECT DISTINCT s.customer_id FROM subscriptions s JOIN plans p ON p.id = s.plan_id
          WHERE s.valid_from <= '$D' AND (s.valid_to IS NULL OR s.valid_to > '$D') AND s.mrr_cents > 0 AND p.code = 'starter') st
          WHERE (SELECT count(DISTINCT (occurred_at AT TIME ZONE ns_tz())::date) FROM events e WHERE e.customer_id = st.customer_id
                  AND e.occurred_at >= $DS - interval '29 days' AND e.occurred_at < $DE) >= 20")"
check_eq "every suggested plan is an upgrade or the same plan for more seats" \
  "$(jq '[.opportunities[] | select(.suggested_plan == null)] | length' <<<"$X")" 0
api GET "/api/users/expansion?as_of=$D" "$U_CS1"
owners=$(jq -r '[.opportunities[].customer_id] | map(tostring) | join(",")' <<<"$BODY" | tr ',' '\n' | \
     while read -r id; do [ -n "$id" ] && sql "SELECT cs_owner_id FROM customers WHERE id = $id"; done | sort -u | paste -sd, -)
if [ "$(jq '.opportunities | length' <<<"$BODY")" = 0 ]; then
  check_empty "a CS manager's expansion list holds only own customers (an empty list)" "$owners"
else check_eq "a CS manager's expansion list holds only own customers" "$owners" "$U_CS1_ID"; fi
api GET /api/users/expansion "$U_SALES"
check_error "sales may not open expansion" 403 forbidden
done_testing
