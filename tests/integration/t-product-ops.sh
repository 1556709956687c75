# t-product-ops.sh — /api/product/system-health, /abuse and /frontend through nginx, each number
# compared with independent SQL over the raw tables (events, usage_records, product_rum), plus
# roles, row scope, bad input and CSV.  Planted rows make the abuse rules fire on yesterday.
# Sourced by run.sh (lib.sh loaded; T_PORT, T_RUN, T_PGPORT set).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

O_CEO=$(login ceo@northstar.example)
O_CS=$(login cs1@northstar.example)
O_SALES=$(login sales1@northstar.example)
O_CS_ID=$(sql "SELECT id FROM app_users WHERE email = 'cs1@northstar.example'")
# Bring every rollup up to date (each refresh waits for one a service job is running).
ops_refresh() {
  sql "SELECT rollup_refresh()" >/dev/null
  sql "SELECT product_rollup_refresh(), product_ops_refresh()" >/dev/null
}
ops_refresh

# --- system-health ------------------------------------------------------------------------------
api GET "/api/product/system-health?days=7" "$O_CEO"
check_status "system_health_answers_ceo" 200
SH=$BODY; SF=$(jq -r .from <<<"$SH"); ST=$(jq -r .to <<<"$SH")
WF=$(jq -r .window_24h.from <<<"$SH"); WT=$(jq -r .window_24h.to <<<"$SH")
RAWH="SELECT date_trunc('hour', occurred_at AT TIME ZONE ns_tz()) AS h, count(*) AS calls,
             count(*) FILTER (WHERE status >= 500) AS errors
      FROM events WHERE type = 'api_call'"
check_eq "system_health_down_hours_per_day_match_raw" "$(jq -c '[.days[].down_hours]' <<<"$SH")" \
  "$(jq -c . <<<"$(sql "SELECT json_agg(coalesce(n, 0) ORDER BY g) FROM generate_series('$SF'::date, '$ST'::date, interval '1 day') g
          LEFT JOIN (SELECT h::date AS d, count(*) AS n FROM ($RAWH AND ns_day(occurred_at) BETWEEN '$SF' AND '$ST' GROUP BY 1) x
                     WHERE errors >= 3 AND errors * 100 >= 5 * calls GROUP BY 1) k ON k.d = g::date")")"
check_eq "system_health_rate_limit_hits_per_day_match_raw" "$(jq -c '[.days[].rate_limited]' <<<"$SH")" \
  "$(jq -c . <<<"$(sql "SELECT json_agg(coalesce(n, 0) ORDER BY g) FROM generate_series('$SF'::date, '$ST'::date, interval '1 day') g
          LEFT JOIN (SELECT ns_day(occurred_at) AS d, count(*) AS n FROM events WHERE type = 'api_call' AND rate_limited
                     GROUP BY 1) k ON k.d = g::date")")"
check_num "system_health_uptime_today_matches_raw" "$(jq '.days[-1].uptime_pct' <<<"$SH")" \
  "$(sql "SELECT round(100.0 * (hrs - down) / hrs, 2) FROM
          (SELECT ceil(extract(epoch FROM '$WT'::timestamp - '$ST'::timestamp) / 3600) AS hrs,
                  (SELECT count(*) FROM ($RAWH AND ns_day(occurred_at) = '$ST' GROUP BY 1) x
                   WHERE errors >= 3 AND errors * 100 >= 5 * calls) AS down) u")"
# The score from scratch: uptime of the 24 hour buckets × (1 − 5xx ÷ calls) × min(1, 300 ÷ p95).
W24="FROM events WHERE type = 'api_call' AND (occurred_at AT TIME ZONE ns_tz()) >= '$WF' AND (occurred_at AT TIME ZONE ns_tz()) < '$WT'"
check_num "system_health_p95_matches_raw_percentile_cont" "$(jq .components.p95_ms <<<"$SH")" \
  "$(sql "SELECT round(percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)::numeric, 2) $W24")"
check_num "system_health_error_rate_matches_raw" "$(jq .components.error_rate_pct <<<"$SH")" \
  "$(sql "SELECT round(100.0 * count(*) FILTER (WHERE status >= 500) / count(*), 2) $W24")"
check_num "system_health_score_matches_raw" "$(jq .score <<<"$SH")" \
  "$(sql "WITH hrs AS (SELECT date_trunc('hour', occurred_at AT TIME ZONE ns_tz()) AS h, count(*) AS c,
                              count(*) FILTER (WHERE status >= 500) AS e $W24 GROUP BY 1),
               t AS (SELECT count(*) AS c, count(*) FILTER (WHERE status >= 500) AS e,
                            percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)::numeric AS p95 $W24)
          SELECT round(100 * (24 - (SELECT count(*) FROM hrs WHERE e >= 3 AND e * 100 >= 5 * c)) / 24.0
                       * (1 - t.e::numeric / t.c)
                       * CASE WHEN round(t.p95, 2) <= 300 THEN 1 ELSE round(300 / round(t.p95, 2), 4) END, 1) FROM t")"
check_eq "system_health_top_rate_limited_match_raw" "$(jq -c '[.top_rate_limited[] | [.customer_id, .rate_limited]]' <<<"$SH")" \
  "$(jq -c . <<<"$(sql "SELECT coalesce(json_agg(json_build_array(customer_id, n) ORDER BY n DESC, customer_id), '[]') FROM
          (SELECT customer_id, count(*) AS n FROM events WHERE type = 'api_call' AND rate_limited AND customer_id IS NOT NULL
             AND ns_day(occurred_at) BETWEEN '$SF' AND '$ST' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10) x")")"
api GET "/api/product/system-health?days=7" "$O_CS"
check_status "system_health_answers_cs" 200
NOTMINE=$(jq -r '[.top_rate_limited[] | select(.customer_id != null) | .customer_id] | join(",")' <<<"$BODY")
check_num "system_health_cs_sees_only_their_customers" \
  "$([ -z "$NOTMINE" ] && echo 0 || sql "SELECT count(*) FROM customers WHERE id IN ($NOTMINE) AND cs_owner_id IS DISTINCT FROM $O_CS_ID")" 0
check_num "system_health_cs_keeps_the_numbers" "$(jq '[.top_rate_limited[].rate_limited] | add // 0' <<<"$BODY")" \
  "$(jq '[.top_rate_limited[].rate_limited] | add // 0' <<<"$SH")"
api GET "/api/product/system-health" "$O_SALES"
check_error "system_health_is_forbidden_to_sales" 403 forbidden
api GET "/api/product/system-health"
check_error "system_health_needs_sign_in" 401 unauthorized
api GET "/api/product/system-health?days=0" "$O_CEO"
check_error "system_health_days_zero_is_400" 400 bad_request
api GET "/api/product/system-health?from=2024-05-02&to=2024-05-01" "$O_CEO"
check_error "system_health_from_after_to_is_400" 400 bad_request
api GET "/api/product/system-health?window=1" "$O_CEO"
check_error_names "system_health_unknown_parameter_is_named" window
api GET "/api/product/system-health?days=3&format=csv" "$O_CEO"
check_status "system_health_csv_answers" 200
check_eq "system_health_csv_has_day_rows" "$(head -1 <<<"$BODY" | cut -d, -f1-3 | tr -d '"'),$(($(grep -c . <<<"$BODY") - 1))" "day,hours,down_hours,3"
api GET /api/product/health
check_eq "liveness_probe_stays_public" "$STATUS $(jq -r .status <<<"$BODY")" "200 ok"

# --- abuse: plant unusual activity on yesterday (Y) ----------------------------------------------
Y=$(sql "SELECT (ns_today() - 1)::text")
BASE="type = 'api_call' AND occurred_at >= ns_day_start('$Y'::date - 28) AND occurred_at < ns_day_start('$Y'::date)"
# A = cs1's customer with the most API calls in the 28-day baseline; H = A's quietest hour of day.
A=$(sql "SELECT e.customer_id FROM events e JOIN customers c ON c.id = e.customer_id
         WHERE c.cs_owner_id = $O_CS_ID AND $BASE GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
check_num "planted_customer_has_a_baseline_of_50_calls" "$(sql "SELECT least(count(*), 50) FROM events WHERE customer_id = $A AND $BASE")" 50
H=$(sql "SELECT g FROM generate_series(0, 23) g LEFT JOIN (SELECT extract(hour FROM occurred_at AT TIME ZONE ns_tz())::int AS h,
         count(*) AS n FROM events WHERE customer_id = $A AND $BASE GROUP BY 1) k ON k.h = g ORDER BY coalesce(k.n, 0), g LIMIT 1")
B=$(sql "SELECT min(id) FROM customers WHERE id <> $A AND cs_owner_id IS DISTINCT FROM $O_CS_ID")
C=$(sql "SELECT max(id) FROM customers WHERE id NOT IN ($A, $B)")
# 25 calls of A in hour H (15 of them 500), 1000 units more usage, one IP shared by A, B and C.
sql "INSERT INTO events (occurred_at, customer_id, user_id, type, endpoint, status, latency_ms, client_ip)
     SELECT ('$Y'::date + make_time($H, 0, 0) + i * interval '2 minutes') AT TIME ZONE ns_tz(), $A, $A::bigint * 1000 + 1,
            'api_call', '/v1/orders', CASE WHEN i < 15 THEN 500 ELSE 200 END, 120, '203.0.113.50'
     FROM generate_series(0, 24) i;
     INSERT INTO events (occurred_at, customer_id, user_id, type, client_ip)
     SELECT ('$Y'::date + time '12:00') AT TIME ZONE ns_tz(), c, c::bigint * 1000 + 1, 'page_view', '203.0.113.77'
     FROM unnest(ARRAY[$A, $B, $C]) c;
     INSERT INTO usage_records (customer_id, day, units) VALUES ($A, '$Y', 1000)
     ON CONFLICT (customer_id, day) DO UPDATE SET units = usage_records.units + 1000" >/dev/null
ops_refresh

api GET "/api/product/abuse?as_of=$Y" "$O_CEO"
check_status "abuse_answers_ceo" 200
AB=$BODY
kinds() { jq -r "[.findings[] | select(.kind == \"$1\") | $2] | join(\",\")" <<<"$AB"; }
DAYY="occurred_at >= ns_day_start('$Y'::date) AND occurred_at < ns_day_start('$Y'::date + 1)"
check_eq "abuse_volume_spikes_match_raw" "$(kinds volume_spike '.customer_id|tostring')" \
  "$(sql "WITH c AS (SELECT customer_id, count(*) AS n FROM events WHERE type = 'api_call' AND customer_id IS NOT NULL AND $DAYY
                     GROUP BY 1 HAVING count(*) >= 20),
               m AS (SELECT c.*, (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(k.n, 0))
                                  FROM generate_series('$Y'::date - 28, '$Y'::date - 1, interval '1 day') g
                                  LEFT JOIN (SELECT ns_day(occurred_at) AS d, count(*) AS n FROM events
                                             WHERE customer_id = c.customer_id AND $BASE GROUP BY 1) k ON k.d = g::date) AS med
                     FROM c)
          SELECT coalesce(string_agg(customer_id::text, ',' ORDER BY n DESC, customer_id), '') FROM m WHERE n > 3 * med")"
check_num "abuse_planted_volume_observed_matches_raw" \
  "$(jq "[.findings[] | select(.kind == \"volume_spike\" and .customer_id == $A) | .observed][0]" <<<"$AB")" \
  "$(sql "SELECT count(*) FROM events WHERE type = 'api_call' AND customer_id = $A AND $DAYY")"
check_num "abuse_planted_volume_baseline_is_raw_median" \
  "$(jq "[.findings[] | select(.kind == \"volume_spike\" and .customer_id == $A) | .baseline][0]" <<<"$AB")" \
  "$(sql "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(k.n, 0))::numeric, 2)
          FROM generate_series('$Y'::date - 28, '$Y'::date - 1, interval '1 day') g
          LEFT JOIN (SELECT ns_day(occurred_at) AS d, count(*) AS n FROM events WHERE customer_id = $A AND $BASE GROUP BY 1) k
            ON k.d = g::date")"
check_eq "abuse_cost_spikes_match_raw_usage" "$(kinds cost_spike '.customer_id|tostring')" \
  "$(sql "SELECT coalesce(string_agg(customer_id::text, ',' ORDER BY units DESC, customer_id), '') FROM (
            SELECT u.customer_id, u.units, (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(b.units, 0))
                   FROM generate_series('$Y'::date - 28, '$Y'::date - 1, interval '1 day') g
                   LEFT JOIN usage_records b ON b.customer_id = u.customer_id AND b.day = g::date) AS med
            FROM usage_records u WHERE u.day = '$Y' AND u.units >= 500) x WHERE units > 3 * med")"
check_eq "abuse_unusual_hours_match_raw" "$(kinds unusual_hour '(.customer_id|tostring) + "@" + .hour[11:13]')" \
  "$(sql "WITH h AS (SELECT customer_id, date_trunc('hour', occurred_at AT TIME ZONE ns_tz()) AS hr, count(*) AS n
                     FROM events WHERE type = 'api_call' AND customer_id IS NOT NULL AND $DAYY GROUP BY 1, 2 HAVING count(*) >= 5),
               b AS (SELECT h.*, (SELECT count(*) FROM events e WHERE e.customer_id = h.customer_id AND e.$BASE) AS tot,
                            (SELECT count(*) FROM events e WHERE e.customer_id = h.customer_id AND e.$BASE
                               AND extract(hour FROM e.occurred_at AT TIME ZONE ns_tz()) = extract(hour FROM h.hr)) AS at_h
                     FROM h)
          SELECT coalesce(string_agg(customer_id || '@' || to_char(hr, 'HH24'), ',' ORDER BY n DESC, customer_id, hr), '')
          FROM b WHERE tot >= 50 AND at_h * 100 < tot")"
check_eq "abuse_planted_unusual_hour_is_found" \
  "$(jq -r "[.findings[] | select(.kind == \"unusual_hour\" and .customer_id == $A) | .hour[11:13]][0]" <<<"$AB")" "$(printf '%02d' "$H")"
check_eq "abuse_failed_bursts_match_raw" "$(kinds failed_burst '(.customer_id|tostring) + "@" + .hour[11:13] + ":" + (.observed|tostring)')" \
  "$(sql "WITH h AS (SELECT customer_id, date_trunc('hour', occurred_at AT TIME ZONE ns_tz()) AS hr, count(*) AS n,
                            count(*) FILTER (WHERE status >= 400) AS f
                     FROM events WHERE type = 'api_call' AND customer_id IS NOT NULL AND $DAYY GROUP BY 1, 2),
               b AS (SELECT h.*, (SELECT count(*) FROM events e WHERE e.customer_id = h.customer_id AND e.$BASE) AS bc,
                            (SELECT count(*) FROM events e WHERE e.customer_id = h.customer_id AND e.$BASE AND e.status >= 400) AS bf
                     FROM h WHERE f >= 10 AND f * 2 >= n)
          SELECT coalesce(string_agg(customer_id || '@' || to_char(hr, 'HH24') || ':' || f, ',' ORDER BY f DESC, customer_id, hr), '')
          FROM b WHERE bc = 0 OR f > 3 * (bf::numeric * n / bc)")"
check_eq "abuse_shared_ips_match_raw" "$(kinds shared_ip '.client_ip + ":" + (.customer_id|tostring)')" \
  "$(sql "WITH s AS (SELECT client_ip FROM events WHERE client_ip IS NOT NULL AND customer_id IS NOT NULL AND $DAYY
                     GROUP BY 1 HAVING count(DISTINCT customer_id) >= 3)
          SELECT coalesce(string_agg(ip || ':' || customer_id, ',' ORDER BY ip, customer_id), '')
          FROM (SELECT DISTINCT host(e.client_ip) AS ip, e.customer_id
                FROM events e JOIN s USING (client_ip) WHERE e.customer_id IS NOT NULL AND e.$DAYY) x")"
check_num "abuse_planted_shared_ip_has_3_customers" \
  "$(jq '[.findings[] | select(.kind == "shared_ip" and .client_ip == "203.0.113.77")] | length' <<<"$AB")" 3
api GET "/api/product/abuse?as_of=$Y" "$O_CS"
check_status "abuse_answers_cs" 200
check_eq "abuse_cs_sees_the_name_of_their_customer" \
  "$(jq -r "[.findings[] | select(.kind == \"volume_spike\" and .customer_id == $A) | .customer][0]" <<<"$BODY")" \
  "$(sql "SELECT name FROM customers WHERE id = $A")"
NOTMINE=$(jq -r '[.findings[] | select(.customer_id != null) | .customer_id] | unique | join(",")' <<<"$BODY")
check_num "abuse_cs_sees_no_other_customer" \
  "$([ -z "$NOTMINE" ] && echo 0 || sql "SELECT count(*) FROM customers WHERE id IN ($NOTMINE) AND cs_owner_id IS DISTINCT FROM $O_CS_ID")" 0
check_num "abuse_cs_keeps_every_finding" "$(jq '.findings | length' <<<"$BODY")" "$(jq '.findings | length' <<<"$AB")"
api GET "/api/product/abuse?as_of=$Y&format=csv" "$O_CEO"
check_status "abuse_csv_answers" 200
check_eq "abuse_csv_has_header_and_rows" "$(head -1 <<<"$BODY" | cut -d, -f1-2 | tr -d '"'),$(($(grep -c . <<<"$BODY") - 1))" \
  "kind,customer_id,$(jq '.findings | length' <<<"$AB")"
api GET "/api/product/abuse" "$O_SALES"
check_error "abuse_is_forbidden_to_sales" 403 forbidden
api GET "/api/product/abuse?as_of=2024-02-30" "$O_CEO"
check_error_names "abuse_bad_as_of_is_named" as_of
api GET "/api/product/abuse?customer=1" "$O_CEO"
check_error_names "abuse_unknown_parameter_is_named" customer

# --- frontend -----------------------------------------------------------------------------------
for b in '{"view":"ops-a","load_ms":100,"tti_ms":80}' '{"view":"ops-a","load_ms":300,"errors":1}' \
         '{"view":"ops-a","load_ms":200}' '{"view":"ops-b","load_ms":1000,"errors":2}'; do
  api POST /api/product/rum "$O_CEO" -H 'Content-Type: application/json' -d "$b"
done
check_status "frontend_beacons_are_stored" 200
api GET "/api/product/frontend?days=1" "$O_CS"
check_status "frontend_answers_cs" 200
FE=$BODY
RUM="FROM product_rum WHERE ns_day(received_at) = ns_today()"
check_num "frontend_loads_match_raw" "$(jq .loads <<<"$FE")" "$(sql "SELECT count(*) $RUM")"
check_num "frontend_error_rate_matches_raw" "$(jq .client_error_rate_pct <<<"$FE")" \
  "$(sql "SELECT round(100.0 * count(*) FILTER (WHERE errors > 0) / count(*), 2) $RUM")"
check_num "frontend_p95_matches_raw_percentile_cont" "$(jq .p95_load_ms <<<"$FE")" \
  "$(sql "SELECT round(percentile_cont(0.95) WITHIN GROUP (ORDER BY load_ms)::numeric, 2) $RUM")"
check_eq "frontend_per_view_matches_raw" \
  "$(jq -c '[.views[] | [.view, .loads, .p50_load_ms, .p95_load_ms, .client_error_rate_pct]]' <<<"$FE")" \
  "$(jq -c . <<<"$(sql "SELECT json_agg(json_build_array(view, n, p50, p95, r) ORDER BY n DESC, view) FROM (
            SELECT view, count(*) AS n,
                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY load_ms)::numeric, 2) AS p50,
                   round(percentile_cont(0.95) WITHIN GROUP (ORDER BY load_ms)::numeric, 2) AS p95,
                   round(100.0 * count(*) FILTER (WHERE errors > 0) / count(*), 2) AS r $RUM GROUP BY view) x")")"
check_num "frontend_ops_a_p50_is_200" "$(jq '[.views[] | select(.view == "ops-a") | .p50_load_ms][0]' <<<"$FE")" \
  "$(sql "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY load_ms) $RUM AND view = 'ops-a'")"
api GET "/api/product/frontend?days=1&format=csv" "$O_CEO"
check_eq "frontend_csv_has_view_rows" "$(head -1 <<<"$BODY" | cut -d, -f1-2 | tr -d '"'),$(($(grep -c . <<<"$BODY") - 1))" \
  "view,loads,$(jq '.views | length' <<<"$FE")"
api GET "/api/product/frontend" "$O_SALES"
check_error "frontend_is_forbidden_to_sales" 403 forbidden
api GET "/api/product/frontend?days=5000" "$O_CEO"
check_error_names "frontend_days_out_of_range_is_named" days

# --- speed (uncached: a fresh as_of / range per call is a new cache key) ------------------------
for ep in "system-health?days=29" "abuse?as_of=$(sql "SELECT (ns_today() - 2)::text")" "frontend?days=29"; do
  T=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $O_CEO" "http://127.0.0.1:$T_PORT/api/product/$ep")
  echo "# GET /api/product/$ep took ${T}s"
done
done_testing
