# t-product.sh — the product service through nginx, each number compared with independent SQL
# over the raw tables (events, subscriptions, usage_records), plus roles, bad input, CSV and RUM.
# Sourced by run.sh (lib.sh loaded; T_PORT, T_RUN, T_PGPORT set).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

P_CEO=$(login ceo@northstar.example)
P_CS=$(login cs1@northstar.example)
P_SALES=$(login sales1@northstar.example)
# The product job refreshes on start; wait for it (the refresh serialises) and catch up.
sql "SELECT rollup_refresh()" >/dev/null
sql "SELECT product_rollup_refresh()" >/dev/null

# --- summary -------------------------------------------------------------------------------------
api GET /api/product/summary "$P_CEO"
check_status "product_summary_answers_ceo" 200
S=$BODY
NOW=$(jq -r .now <<<"$S"); D=$(jq -r .as_of <<<"$S")
W_FROM=$(jq -r .window_24h.from <<<"$S"); W_TO=$(jq -r .window_24h.to <<<"$S")
check_num "summary_dau_matches_raw_events" "$(jq .dau.value <<<"$S")" \
  "$(sql "SELECT count(DISTINCT (customer_id, user_id)) FROM events WHERE ns_day(occurred_at) = '$D' AND customer_id IS NOT NULL AND user_id IS NOT NULL")"
check_num "summary_mau_matches_raw_events" "$(jq .mau.value <<<"$S")" \
  "$(sql "SELECT count(DISTINCT (customer_id, user_id)) FROM events WHERE ns_day(occurred_at) BETWEEN '$D'::date - 29 AND '$D' AND customer_id IS NOT NULL AND user_id IS NOT NULL")"
check_num "summary_wau_previous_matches_raw_events" "$(jq .wau.previous <<<"$S")" \
  "$(sql "SELECT count(DISTINCT (customer_id, user_id)) FROM events WHERE ns_day(occurred_at) BETWEEN '$D'::date - 13 AND '$D'::date - 7 AND customer_id IS NOT NULL AND user_id IS NOT NULL")"
check_num "summary_api_calls_today_matches_raw" "$(jq .api_calls_today.value <<<"$S")" \
  "$(sql "SELECT count(*) FROM events WHERE type = 'api_call' AND ns_day(occurred_at) = '$D' AND occurred_at <= '$NOW'")"
RAW24="SELECT %s FROM events WHERE type = 'api_call' AND (occurred_at AT TIME ZONE ns_tz()) >= '$W_FROM' AND (occurred_at AT TIME ZONE ns_tz()) < '$W_TO'"
check_num "summary_error_rate_24h_matches_raw" "$(jq .api_error_rate_24h_pct.value <<<"$S")" \
  "$(sql "$(printf "$RAW24" "round(100.0 * count(*) FILTER (WHERE status >= 500) / count(*), 2)")")"
check_num "summary_latency_p95_24h_matches_raw_percentile_cont" "$(jq .api_latency_p95_ms.value <<<"$S")" \
  "$(sql "$(printf "$RAW24" "round(percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)::numeric, 2)")")"
check_num "summary_latency_p99_24h_matches_raw_percentile_cont" "$(jq .api_latency_p99_ms.value <<<"$S")" \
  "$(sql "$(printf "$RAW24" "round(percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms)::numeric, 2)")")"
check_num "summary_error_rate_1h_matches_raw" "$(jq .api_error_rate_1h_pct.value <<<"$S")" \
  "$(sql "SELECT round(100.0 * count(*) FILTER (WHERE status >= 500) / count(*), 2) FROM events WHERE type = 'api_call' AND occurred_at > '$NOW'::timestamptz - interval '1 hour' AND occurred_at <= '$NOW'")"
check_num "summary_sessions_per_user_matches_raw" "$(jq .sessions_per_user.value <<<"$S")" \
  "$(sql "SELECT round(count(DISTINCT session_id)::numeric / count(DISTINCT (customer_id, user_id)), 2) FROM events WHERE ns_day(occurred_at) = '$D' AND session_id IS NOT NULL")"
check_num "summary_mobile_share_matches_raw" "$(jq .mobile_share_pct.value <<<"$S")" \
  "$(sql "SELECT round(100.0 * count(*) FILTER (WHERE device = 'mobile') / count(*), 2) FROM events WHERE ns_day(occurred_at) = '$D' AND device IS NOT NULL")"
check_num "summary_power_users_match_raw" "$(jq .power_users.value <<<"$S")" \
  "$(sql "SELECT count(*) FROM (SELECT 1 FROM events WHERE ns_day(occurred_at) BETWEEN '$D'::date - 6 AND '$D' AND customer_id IS NOT NULL AND user_id IS NOT NULL GROUP BY customer_id, user_id HAVING count(DISTINCT ns_day(occurred_at)) >= 5) u")"
api GET "/api/product/summary?as_of=$(sql "SELECT (ns_today() - 3)::text")" "$P_SALES"
check_status "product_summary_answers_sales_with_as_of" 200

# --- api-usage -----------------------------------------------------------------------------------
api GET "/api/product/api-usage?days=7" "$P_CEO"
check_status "api_usage_days_answers" 200
U=$BODY; UD=$(jq -r '.from' <<<"$U")
check_num "api_usage_total_calls_7d_match_raw" "$(jq '[.series[] | select(.endpoint == "all") | .calls] | add' <<<"$U")" \
  "$(sql "SELECT count(*) FROM events WHERE type = 'api_call' AND ns_day(occurred_at) BETWEEN '$UD' AND ns_today()")"
check_num "api_usage_daily_p95_matches_raw_percentile_cont" \
  "$(jq "[.series[] | select(.endpoint == \"all\" and .bucket == \"${UD}T00:00:00\") | .p95_ms][0]" <<<"$U")" \
  "$(sql "SELECT round(percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)::numeric, 2) FROM events WHERE type = 'api_call' AND ns_day(occurred_at) = '$UD'")"
check_eq "api_usage_top_by_volume_matches_raw" "$(jq -r '.top_by_volume[0].endpoint' <<<"$U")" \
  "$(sql "SELECT endpoint FROM events WHERE type = 'api_call' AND ns_day(occurred_at) BETWEEN '$UD' AND ns_today() GROUP BY endpoint ORDER BY count(*) DESC, endpoint LIMIT 1")"
api GET "/api/product/api-usage?granularity=hour&endpoint=metrics" "$P_CS"
check_status "api_usage_hourly_endpoint_answers_cs" 200
H=$(sql "SELECT to_char(date_trunc('hour', max(occurred_at) AT TIME ZONE ns_tz()), 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM events WHERE type = 'api_call' AND endpoint = '/v1/metrics' AND occurred_at <= now()")
check_num "api_usage_hour_bucket_p99_matches_raw" "$(jq "[.series[] | select(.bucket == \"$H\") | .p99_ms][0]" <<<"$BODY")" \
  "$(sql "SELECT round(percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms)::numeric, 2) FROM events WHERE type = 'api_call' AND endpoint = '/v1/metrics' AND date_trunc('hour', occurred_at AT TIME ZONE ns_tz()) = '$H'")"
check_num "api_usage_hour_bucket_errors_match_raw" "$(jq "[.series[] | select(.bucket == \"$H\") | .errors][0]" <<<"$BODY")" \
  "$(sql "SELECT count(*) FROM events WHERE type = 'api_call' AND endpoint = '/v1/metrics' AND status >= 500 AND date_trunc('hour', occurred_at AT TIME ZONE ns_tz()) = '$H'")"
api GET "/api/product/api-usage?days=3&format=csv" "$P_CEO"
check_status "api_usage_csv_answers" 200
check_eq "api_usage_csv_has_header" "$(head -1 <<<"$BODY" | cut -d, -f1-3 | tr -d '"')" "bucket,endpoint,calls"
api GET "/api/product/api-usage?granularity=minute" "$P_CEO"
check_error "api_usage_bad_granularity_is_400" 400 bad_request
check_error_names "api_usage_bad_granularity_names_parameter" granularity
api GET "/api/product/api-usage?endpoint=nosuch" "$P_CEO"
check_error "api_usage_unknown_endpoint_is_400" 400 bad_request
check_error_names "api_usage_unknown_endpoint_names_parameter" endpoint
api GET "/api/product/api-usage?granularity=hour&days=60" "$P_CEO"
check_error "api_usage_hourly_over_31_days_is_400" 400 bad_request
api GET "/api/product/api-usage?days=0" "$P_CEO"
check_error "api_usage_days_zero_is_400" 400 bad_request
api GET "/api/product/api-usage?bogus=1" "$P_CEO"
check_error_names "api_usage_unknown_parameter_is_named" bogus
api GET /api/product/api-usage "$P_SALES"
check_error "api_usage_is_forbidden_to_sales" 403 forbidden

# --- features ------------------------------------------------------------------------------------
api GET /api/product/features "$P_SALES"
check_status "features_answers_sales" 200
F=$BODY; FD=$(jq -r .as_of <<<"$F")
CELL=$(jq -c '[.matrix[] | select(.active_customers > 0)] | max_by(.adopters)' <<<"$F")
FEAT=$(jq -r .feature <<<"$CELL"); PLAN=$(jq -r .plan <<<"$CELL")
PAYING="SELECT DISTINCT s.customer_id FROM subscriptions s JOIN plans p ON p.id = s.plan_id WHERE p.code = '$PLAN' AND s.mrr_cents > 0 AND s.valid_from <= '$FD' AND (s.valid_to IS NULL OR s.valid_to > '$FD')"
check_num "features_active_customers_match_raw_subscriptions" "$(jq .active_customers <<<"$CELL")" "$(sql "SELECT count(*) FROM ($PAYING) x")"
check_num "features_adopters_match_raw_events" "$(jq .adopters <<<"$CELL")" \
  "$(sql "SELECT count(DISTINCT customer_id) FROM events WHERE type = 'feature_used' AND feature = '$FEAT' AND ns_day(occurred_at) BETWEEN '$FD'::date - 29 AND '$FD' AND customer_id IN ($PAYING)")"
check_num "features_velocity_adopters_match_raw" "$(jq "[.velocity[] | select(.feature == \"$FEAT\") | .adopters_to_date][0]" <<<"$F")" \
  "$(sql "SELECT count(DISTINCT customer_id) FROM events WHERE type = 'feature_used' AND feature = '$FEAT' AND ns_day(occurred_at) <= '$FD'")"
check_eq "features_first_use_matches_raw" "$(jq -r "[.velocity[] | select(.feature == \"$FEAT\") | .first_used_on][0]" <<<"$F")" \
  "$(sql "SELECT min(ns_day(occurred_at)) FROM events WHERE type = 'feature_used' AND feature = '$FEAT'")"

# --- usage-by-plan -------------------------------------------------------------------------------
api GET "/api/product/usage-by-plan?days=30" "$P_CS"
check_status "usage_by_plan_answers_cs" 200
B=$BODY; BF=$(jq -r .from <<<"$B"); BT=$(jq -r .to <<<"$B")
check_num "usage_by_plan_starter_usage_matches_raw" "$(jq '[.rows[] | select(.plan == "starter") | .usage_units] | add' <<<"$B")" \
  "$(sql "SELECT sum(u.units) FROM usage_records u WHERE u.day BETWEEN '$BF' AND '$BT' AND (SELECT p.code FROM subscriptions s JOIN plans p ON p.id = s.plan_id WHERE s.customer_id = u.customer_id AND s.valid_from <= u.day AND (s.valid_to IS NULL OR s.valid_to > u.day) ORDER BY s.mrr_cents DESC, s.valid_from DESC LIMIT 1) = 'starter'")"
check_num "usage_by_plan_active_users_match_raw" "$(jq "[.rows[] | select(.day == \"$BT\") | .active_users] | add" <<<"$B")" \
  "$(sql "SELECT count(DISTINCT (customer_id, user_id)) FROM events WHERE ns_day(occurred_at) = '$BT' AND customer_id IS NOT NULL AND user_id IS NOT NULL")"
api GET /api/product/usage-by-plan "$P_SALES"
check_error "usage_by_plan_is_forbidden_to_sales" 403 forbidden

# --- retention -----------------------------------------------------------------------------------
api GET "/api/product/retention?period=week&weeks=6" "$P_CEO"
check_status "retention_answers" 200
R=$BODY
C0=$(jq -r '.cohorts[0].cohort_week' <<<"$R")
FIRSTW="SELECT customer_id, user_id FROM events WHERE customer_id IS NOT NULL AND user_id IS NOT NULL GROUP BY 1, 2 HAVING date_trunc('week', min(ns_day(occurred_at)))::date = '$C0'"
check_num "retention_cohort_size_matches_raw" "$(jq '.cohorts[0].users' <<<"$R")" "$(sql "SELECT count(*) FROM ($FIRSTW) f")"
check_num "retention_week1_matches_raw" "$(jq '.cohorts[0].retention_pct[1]' <<<"$R")" \
  "$(sql "SELECT round(100.0 * count(DISTINCT (e.customer_id, e.user_id)) / (SELECT count(*) FROM ($FIRSTW) f), 2) FROM events e JOIN ($FIRSTW) f USING (customer_id, user_id) WHERE ns_day(e.occurred_at) BETWEEN '$C0'::date + 7 AND '$C0'::date + 13")"
api GET "/api/product/retention?weeks=99" "$P_CEO"
check_error_names "retention_weeks_out_of_range_is_named" weeks
api GET "/api/product/retention?period=day" "$P_CEO"
check_error "retention_unknown_period_is_400" 400 bad_request

# --- live ----------------------------------------------------------------------------------------
api GET /api/product/live "$P_CEO"
check_status "live_answers_ceo" 200
L=$BODY; LN=$(jq -r .now <<<"$L")
check_num "live_requests_1h_match_raw" "$(jq .requests_1h <<<"$L")" \
  "$(sql "SELECT count(*) FROM events WHERE type = 'api_call' AND occurred_at > '$LN'::timestamptz - interval '1 hour' AND occurred_at <= '$LN'")"
check_num "live_latest_is_100_or_all" "$(jq '.latest | length' <<<"$L")" \
  "$(sql "SELECT least(100, count(*)) FROM events WHERE type = 'api_call' AND occurred_at > '$LN'::timestamptz - interval '1 hour' AND occurred_at <= '$LN'")"
# (calls of one instant, customer and endpoint tie in that order: the first shown is one of them)
L0=$(jq -r '.latest[0].latency_ms' <<<"$L")
check_eq "live_latest_first_is_newest_call" "$L0" \
  "$(sql "WITH t AS (SELECT occurred_at, customer_id, endpoint FROM events WHERE type = 'api_call' AND occurred_at > '$LN'::timestamptz - interval '1 hour'
                     AND occurred_at <= '$LN' ORDER BY occurred_at DESC, customer_id, endpoint LIMIT 1)
          SELECT max(e.latency_ms) FILTER (WHERE e.latency_ms::text = '$L0') FROM events e JOIN t ON e.occurred_at = t.occurred_at
           AND e.customer_id IS NOT DISTINCT FROM t.customer_id AND e.endpoint IS NOT DISTINCT FROM t.endpoint WHERE e.type = 'api_call'")"
check_eq "live_is_cached_at_most_a_few_seconds" "$(header Cache-Control)" "private, max-age=3"
api GET /api/product/live "$P_CS"
check_status "live_answers_cs" 200
CS_ID=$(sql "SELECT id FROM app_users WHERE email = 'cs1@northstar.example'")
check_num "live_cs_sees_customers_only_of_their_own" \
  "$(jq '[.latest[] | select(.customer_id != null) | .customer_id] | length' <<<"$BODY")" \
  "$(jq -r '[.latest[] | select(.customer_id != null) | .customer_id] | join(",") | if . == "" then "0" else . end' <<<"$BODY" \
     | { read -r ids; [ "$ids" = 0 ] && echo 0 || sql "SELECT count(*) FROM unnest('{$ids}'::int[]) i JOIN customers c ON c.id = i WHERE c.cs_owner_id = $CS_ID"; })"
api GET /api/product/live "$P_SALES"
check_error "live_is_forbidden_to_sales" 403 forbidden
api GET /api/product/live
check_error "live_needs_sign_in" 401 unauthorized

# --- rum -----------------------------------------------------------------------------------------
BEFORE=$(sql "SELECT count(*) FROM product_rum")
api POST /api/product/rum "$P_SALES" -H 'Content-Type: application/json' \
  -d '{"view":"overview","load_ms":812,"ttfb_ms":90,"fcp_ms":300,"tti_ms":650,"errors":1,"error":"TypeError: x"}'
check_status "rum_beacon_is_stored" 200
check_eq "rum_row_has_the_values" "$(sql "SELECT view || ',' || load_ms || ',' || tti_ms || ',' || errors FROM product_rum ORDER BY id DESC LIMIT 1")" "overview,812,650,1"
api POST /api/product/rum "$P_CEO" -H 'Content-Type: application/json' -d '{"view":"overview","load_ms":-5}'
check_error_names "rum_negative_timing_is_400_naming_field" load_ms
api POST /api/product/rum "$P_CEO" -H 'Content-Type: application/json' -d '{"view":"overview","load_ms":5,"evil":1}'
check_error_names "rum_unknown_field_is_400_naming_it" evil
api POST /api/product/rum "$P_CEO" -H 'Content-Type: application/json' -d '{"view":"Over View!","load_ms":5}'
check_error "rum_bad_view_is_400" 400 bad_request
api POST /api/product/rum "$P_CEO" -H 'Content-Type: application/json' -d '{"view":"overview"'
check_error "rum_malformed_json_is_400" 400 bad_request
api POST /api/product/rum "$P_CEO" -H 'Content-Type: application/json' -d '[1,2]'
check_error "rum_non_object_is_400" 400 bad_request
api POST /api/product/rum "$P_CEO" -H 'Content-Type: text/plain' -d '{"view":"overview","load_ms":5}'
check_status "rum_wrong_content_type_is_415" 415
api POST /api/product/rum "$P_CEO" -H 'Content-Type: application/json' \
  -d "{\"view\":\"overview\",\"load_ms\":5,\"error\":\"$(head -c 5000 /dev/zero | tr '\0' a)\"}"
check_status "rum_oversized_beacon_is_413" 413
api POST /api/product/rum "" -H 'Content-Type: application/json' -d '{"view":"overview","load_ms":5}'
check_error "rum_needs_sign_in" 401 unauthorized
check_num "rum_stores_only_the_valid_beacon" "$(sql "SELECT count(*) FROM product_rum")" "$BEFORE + 1"
done_testing
