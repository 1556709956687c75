# t-prod-panels.sh — the product API fields issue 21's product and operations views added, each
# compared with independent SQL over the raw events: the 24-hour p90 of /api/product/summary, the
# per-bucket p90 of /api/product/api-usage (total rows only), and /api/product/live's per-minute
# points as the 60 one-minute windows ending now (the last one is requests_last_minute).
# Sourced by run.sh (lib.sh loaded; T_PORT, T_RUN, T_PGPORT set).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

P_CEO=$(login ceo@northstar.example)
P_CS=$(login cs1@northstar.example)
TAG=/v1/t-prod-panels-$$
sql "SELECT rollup_refresh()" >/dev/null
sql "SELECT product_rollup_refresh()" >/dev/null

# --- summary: p90 of the 24 hours, between p50 and p95 -------------------------------------------
api GET /api/product/summary "$P_CEO"
check_status "summary_answers_ceo" 200
S=$BODY
W_FROM=$(jq -r .window_24h.from <<<"$S"); W_TO=$(jq -r .window_24h.to <<<"$S")
RAW24="SELECT %s FROM events WHERE type = 'api_call' AND (occurred_at AT TIME ZONE ns_tz()) >= '%s' AND (occurred_at AT TIME ZONE ns_tz()) < '%s'"
check_num "summary_latency_p90_24h_matches_raw_percentile_cont" "$(jq .api_latency_p90_ms.value <<<"$S")" \
  "$(sql "$(printf "$RAW24" "round(percentile_cont(0.9) WITHIN GROUP (ORDER BY latency_ms)::numeric, 2)" "$W_FROM" "$W_TO")")"
check_num "summary_latency_p90_previous_24h_matches_raw" "$(jq .api_latency_p90_ms.previous <<<"$S")" \
  "$(sql "$(printf "$RAW24" "round(percentile_cont(0.9) WITHIN GROUP (ORDER BY latency_ms)::numeric, 2)" \
            "$(sql "SELECT ('$W_FROM'::timestamp - interval '24 hours')::text")" "$W_FROM")")"
check_eq "summary_p50_le_p90_le_p95" \
  "$(jq '.api_latency_p50_ms.value <= .api_latency_p90_ms.value and .api_latency_p90_ms.value <= .api_latency_p95_ms.value' <<<"$S")" true
api GET /api/product/summary "$P_CS"
check_num "summary_p90_same_for_cs" "$(jq .api_latency_p90_ms.value <<<"$BODY")" "$(jq .api_latency_p90_ms.value <<<"$S")"

# --- api-usage: p90 per day and per hour on the total rows -----------------------------------------
api GET "/api/product/api-usage?days=7" "$P_CEO"
check_status "api_usage_days_answers" 200
U=$BODY; UF=$(jq -r .from <<<"$U"); UT=$(jq -r .to <<<"$U")
jq_eq "api_usage_daily_p90_matches_raw_percentile_cont" \
  "$(jq -c '[.series[] | select(.endpoint == "all") | {d: .bucket[0:10], p90: .p90_ms}]' <<<"$U")" \
  "$(sql "SELECT json_agg(json_build_object('d', g::date, 'p90', p) ORDER BY g)
          FROM generate_series('$UF'::date, '$UT'::date, interval '1 day') g
          LEFT JOIN (SELECT ns_day(occurred_at) AS d, round(percentile_cont(0.9) WITHIN GROUP (ORDER BY latency_ms)::numeric, 2) AS p
                     FROM events WHERE type = 'api_call' AND ns_day(occurred_at) BETWEEN '$UF' AND '$UT' GROUP BY 1) k ON k.d = g::date")"
check_eq "api_usage_endpoint_rows_have_no_p90" \
  "$(jq '[.series[] | select(.endpoint != "all") | .p90_ms] | (length > 0) and all(. == null)' <<<"$U")" true
api GET "/api/product/api-usage?granularity=hour&days=1" "$P_CEO"
check_status "api_usage_hours_answers" 200
H=$BODY; HD=$(jq -r .to <<<"$H")
jq_eq "api_usage_hourly_p90_matches_raw_percentile_cont" \
  "$(jq -c '[.series[] | select(.endpoint == "all" and .calls > 0) | {h: .bucket[11:13], p90: .p90_ms}]' <<<"$H")" \
  "$(sql "SELECT json_agg(json_build_object('h', to_char(h, 'HH24'), 'p90', p) ORDER BY h)
          FROM (SELECT date_trunc('hour', occurred_at AT TIME ZONE ns_tz()) AS h,
                       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY latency_ms)::numeric, 2) AS p
                FROM events WHERE type = 'api_call' AND ns_day(occurred_at) = '$HD' GROUP BY 1) x")"
api GET "/api/product/api-usage?days=7&endpoint=metrics" "$P_CEO"
check_eq "api_usage_with_endpoint_has_no_p90" "$(jq '[.series[].p90_ms] | (length > 0) and all(. == null)' <<<"$BODY")" true

# --- live: the 60 windows ending now --------------------------------------------------------------
# Three calls of this file's own endpoint 10, 20 and 70 s ago: two in the newest window, one in the
# window before it.
defer "sql \"DELETE FROM events WHERE endpoint = '$TAG'\""
sql "INSERT INTO events (occurred_at, customer_id, user_id, type, endpoint, status, latency_ms)
     SELECT now() - s * interval '1 second', (SELECT min(id) FROM customers), 1, 'api_call', '$TAG', 200, 50
     FROM unnest(ARRAY[10, 20, 70]) s" >/dev/null
api GET /api/product/live "$P_CEO"
check_status "live_answers_ceo" 200
L=$BODY; NOW=$(jq -r .now <<<"$L")
check_num "live_has_60_windows" "$(jq '.requests_per_minute | length' <<<"$L")" 60
check_num "live_last_window_is_requests_last_minute" "$(jq '.requests_per_minute[-1].requests' <<<"$L")" "$(jq .requests_last_minute <<<"$L")"
check_eq "live_last_window_ends_now" "$(jq -r '.requests_per_minute[-1].to' <<<"$L")" "$NOW"
check_eq "live_windows_are_one_minute_and_contiguous" \
  "$(sql "SELECT bool_and(upto - start = interval '1 minute') AND bool_and(start = lag_to OR lag_to IS NULL)
          FROM (SELECT (x->>'minute')::timestamptz AS start, (x->>'to')::timestamptz AS upto,
                       lag((x->>'to')::timestamptz) OVER (ORDER BY n) AS lag_to
                FROM json_array_elements('$(jq -c .requests_per_minute <<<"$L")'::json) WITH ORDINALITY w(x, n)) y")" t
jq_eq "live_windows_match_raw_counts" "$(jq -c '[.requests_per_minute[].requests]' <<<"$L")" \
  "$(sql "SELECT json_agg((SELECT count(*) FROM events WHERE type = 'api_call'
                             AND occurred_at > '$NOW'::timestamptz - (j + 1) * interval '1 minute'
                             AND occurred_at <= '$NOW'::timestamptz - j * interval '1 minute') ORDER BY j DESC)
          FROM generate_series(0, 59) j")"
check_eq "live_planted_calls_in_their_windows" \
  "$(jq '(.requests_per_minute[-1].requests >= 2) and (.requests_per_minute[-2].requests >= 1)' <<<"$L")" true
check_num "live_windows_sum_to_the_hour" "$(jq '[.requests_per_minute[].requests] | add' <<<"$L")" "$(jq .requests_1h <<<"$L")"
done_testing
