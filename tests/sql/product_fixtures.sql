-- product_fixtures.sql — the product endpoints on hand-made rows, with every expected number
-- worked out by hand below.  Reporting zone UTC.  D = 2021-03-08 (a Monday).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(63);

SET LOCAL client_min_messages = warning;
SET LOCAL northstar.tz = 'UTC';
SET LOCAL TimeZone = 'UTC';
SET LOCAL northstar.rollup_skip_dirty = on;
TRUNCATE events, customers, metrics_daily, mrr_daily, active_users_daily, customer_daily, feature_daily,
         product_api_hourly, product_api_daily, product_api_latency_hist, product_api_customer_daily,
         product_daily, product_feature_customer_daily, product_feature_first_use, product_feature_first_use_daily,
         product_feature_adoption_daily, product_plan_daily, product_user_first_week,
         product_retention_weekly, product_rum CASCADE;
SELECT events_create_partitions('2021-01-01', '2021-04-30');

-- Customers: A (9001, starter, owned by cs1), B (9002, starter, owned by cs2), C (9003, business).
INSERT INTO customers (id, name, email, signup_at, converted_at, cs_owner_id) VALUES
  (9001, 'Acme', 'a@x.example', '2020-12-01', '2020-12-15', (SELECT id FROM app_users WHERE email = 'cs1@northstar.example')),
  (9002, 'Bolt', 'b@x.example', '2020-12-01', '2020-12-15', (SELECT id FROM app_users WHERE email = 'cs2@northstar.example')),
  (9003, 'Core', 'c@x.example', '2020-12-01', '2020-12-15', NULL);
INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from) VALUES
  (9001, (SELECT id FROM plans WHERE code = 'starter'), 1, 1000, '2021-01-01'),
  (9002, (SELECT id FROM plans WHERE code = 'starter'), 1, 1000, '2021-01-01'),
  (9003, (SELECT id FROM plans WHERE code = 'business'), 1, 5000, '2021-01-01');

-- User activity (page views): A1 = (9001, 1) on D-6 .. D at 09:00; B1 = (9002, 1) on D-1 at 09:00;
-- C1 = (9003, 1) on D-20 at 09:00.  Sessions on D: A1 09:00 + 09:30 (desktop, desktop);
-- A2 = (9001, 2) 13:00 (mobile); B1 08:00 + 08:10 (mobile, desktop).
INSERT INTO events (occurred_at, customer_id, user_id, session_id, type, device)
SELECT d + time '09:00', 9001, 1, 100 + g, 'page_view', 'desktop'
  FROM generate_series(1, 6) g, LATERAL (SELECT date '2021-03-08' - (7 - g) AS d) x  -- D-6 .. D-1
UNION ALL SELECT '2021-03-07 09:00', 9002, 1, 201, 'page_view', 'desktop'
UNION ALL SELECT '2021-02-16 09:00', 9003, 1, 301, 'page_view', 'desktop'
UNION ALL SELECT '2021-03-08 09:00', 9001, 1, 1, 'page_view', 'desktop'
UNION ALL SELECT '2021-03-08 09:30', 9001, 1, 1, 'page_view', 'desktop'
UNION ALL SELECT '2021-03-08 13:00', 9001, 2, 2, 'page_view', 'mobile'
UNION ALL SELECT '2021-03-08 08:00', 9002, 1, 3, 'page_view', 'mobile'
UNION ALL SELECT '2021-03-08 08:10', 9002, 1, 3, 'page_view', 'desktop';

-- Feature uses (no user, so they do not change active users): A reports on D, B reports on D-40,
-- C alerts on D-5.
INSERT INTO events (occurred_at, customer_id, type, feature) VALUES
  ('2021-03-08 10:30', 9001, 'feature_used', 'reports'),
  ('2021-01-27 10:30', 9002, 'feature_used', 'reports'),
  ('2021-03-03 10:30', 9003, 'feature_used', 'alerts');

-- API calls on D: /v1/orders by A1 at 10:05 .. 10:45 with latencies 10, 20, 30, 40, 1000 and statuses
-- 200, 200, 500, 429 (rate limited), 200; /v1/customers by B1 at 11:10 (100 ms, 200), 11:20 (200 ms, 503).
INSERT INTO events (occurred_at, customer_id, user_id, type, endpoint, status, latency_ms, rate_limited) VALUES
  ('2021-03-08 10:05', 9001, 1, 'api_call', '/v1/orders', 200, 10, false),
  ('2021-03-08 10:15', 9001, 1, 'api_call', '/v1/orders', 200, 20, false),
  ('2021-03-08 10:25', 9001, 1, 'api_call', '/v1/orders', 500, 30, false),
  ('2021-03-08 10:35', 9001, 1, 'api_call', '/v1/orders', 429, 40, true),
  ('2021-03-08 10:45', 9001, 1, 'api_call', '/v1/orders', 200, 1000, false),
  ('2021-03-08 11:10', 9002, 1, 'api_call', '/v1/customers', 200, 100, false),
  ('2021-03-08 11:20', 9002, 1, 'api_call', '/v1/customers', 503, 200, false);

-- Usage on D: A 100 units, B 50, C 30.
INSERT INTO usage_records (customer_id, day, units) VALUES
  (9001, '2021-03-08', 100), (9002, '2021-03-08', 50), (9003, '2021-03-08', 30);

SELECT rollup_compute_range('2021-01-20', '2021-03-10');
SELECT product_compute_range('2021-01-20', '2021-03-10');

-- Histogram buckets: exact below 10 s, 4 significant digits above.
SELECT is(product_latency_bucket(9999), 9999, 'latency_bucket_is_exact_below_10s');
SELECT is(product_latency_bucket(12345), 12340, 'latency_bucket_keeps_4_digits_above_10s');
SELECT is(product_latency_bucket(123456), 123400, 'latency_bucket_keeps_4_digits_above_100s');

-- Hour 10:00, /v1/orders: [10,20,30,40,1000]; percentile_cont: p50 = rank 2 = 30;
-- p95: x = 0.95·4 = 3.8 → 40 + 0.8·960 = 808; p99: x = 3.96 → 40 + 0.96·960 = 961.6.
SELECT results_eq(
  $$SELECT calls, errors, failed, rate_limited, p50_ms, p95_ms, p99_ms FROM product_api_hourly
    WHERE hour = '2021-03-08 10:00' AND endpoint = '/v1/orders'$$,
  $$VALUES (5, 1, 2, 1, 30::numeric, 808::numeric, 961.6::numeric)$$,
  'hourly_orders_counts_and_true_percentiles');
-- Day total '*': [10,20,30,40,100,200,1000]: p50 = rank 3 = 40; p95: x = 5.7 → 200 + 0.7·800 = 760;
-- p99: x = 5.94 → 200 + 0.94·800 = 952.  5xx errors: 500, 503 = 2.
SELECT results_eq(
  $$SELECT calls, errors, rate_limited, p50_ms, p95_ms, p99_ms FROM product_api_daily
    WHERE day = '2021-03-08' AND endpoint = '*'$$,
  $$VALUES (7, 2, 1, 40::numeric, 760::numeric, 952::numeric)$$,
  'daily_total_counts_and_true_percentiles');
-- The histogram gives the same percentile_cont for the whole day.
SELECT is(product_hist_percentile('2021-03-08', '2021-03-09', 0.95), 760.00, 'histogram_p95_equals_percentile_cont');

-- Summary at D 12:00.  24 h window = hours [D-1 12:00, D 12:00) → all 7 calls, 2 errors = 28.57 %;
-- previous 24 h: no calls → null.  Last hour (11:00, 12:00]: 2 calls, 1 error = 50 %;
-- the hour before (10:00, 11:00]: 5 calls (10:05..10:45), 1 error (500; 429 is not an error) = 20 %.
-- DAU(D) = A1, A2, B1 = 3; DAU(D-1) = A1, B1 = 2.  WAU(D) = 3; WAU(D-7) = 0 (A1 starts D-6).
-- MAU(D) = A1, A2, B1, C1 = 4; MAU(D-30) = 0.  DAU/MAU = 3/4 = 75 %, previous 2/3 = 66.67 %.
-- Sessions on D: 3 sessions, 3 users → 1.00 per user; durations 1800 + 0 + 600 s → 800.0 s average.
-- Power users (active ≥ 5 of the 7 days ending D): A1 only → 1, share of WAU 1/3 = 33.33 %.
-- Device events on D: desktop 3 (A1 ×2, B1 08:10), mobile 2 → 60 % / 40 %; D-1: 2 desktop → 100 %.
CREATE TEMP TABLE s AS SELECT api.product_summary_at('2021-03-08 12:00+00') AS j;
SELECT is((SELECT j->'dau'->>'value' FROM s), '3', 'summary_dau');
SELECT is((SELECT j->'dau'->>'previous' FROM s), '2', 'summary_dau_previous_is_day_before');
SELECT is((SELECT j->'wau'->>'value' FROM s), '3', 'summary_wau');
SELECT is((SELECT j->'mau'->>'value' FROM s), '4', 'summary_mau');
SELECT is((SELECT (j->'stickiness_dau_mau_pct'->>'value')::numeric FROM s), 75.00, 'summary_stickiness_dau_mau');
SELECT is((SELECT (j->'stickiness_dau_mau_pct'->>'previous')::numeric FROM s), 66.67, 'summary_stickiness_previous');
SELECT is((SELECT (j->'stickiness_wau_mau_pct'->>'value')::numeric FROM s), 75.00, 'summary_stickiness_wau_mau');
SELECT is((SELECT j->'api_calls_today'->>'value' FROM s), '7', 'summary_api_calls_today');
SELECT is((SELECT j->'api_calls_today'->>'previous' FROM s), '0', 'summary_api_calls_yesterday_same_hours');
SELECT is((SELECT (j->'api_error_rate_24h_pct'->>'value')::numeric FROM s), 28.57, 'summary_error_rate_24h');
SELECT is((SELECT j->'api_error_rate_24h_pct'->>'previous' FROM s), NULL, 'summary_error_rate_24h_previous_empty_is_null');
SELECT is((SELECT (j->'api_error_rate_1h_pct'->>'value')::numeric FROM s), 50.00, 'summary_error_rate_1h');
SELECT is((SELECT (j->'api_error_rate_1h_pct'->>'previous')::numeric FROM s), 20.00, 'summary_error_rate_previous_hour');
SELECT is((SELECT (j->'api_latency_p50_ms'->>'value')::numeric FROM s), 40.00, 'summary_latency_p50');
SELECT is((SELECT (j->'api_latency_p95_ms'->>'value')::numeric FROM s), 760.00, 'summary_latency_p95');
SELECT is((SELECT (j->'api_latency_p99_ms'->>'value')::numeric FROM s), 952.00, 'summary_latency_p99');
SELECT is((SELECT (j->'sessions_per_user'->>'value')::numeric FROM s), 1.00, 'summary_sessions_per_user');
SELECT is((SELECT (j->'avg_session_seconds'->>'value')::numeric FROM s), 800.0, 'summary_avg_session_seconds');
SELECT is((SELECT (j->'avg_session_seconds'->>'previous')::numeric FROM s), 0.0, 'summary_avg_session_seconds_previous');
SELECT is((SELECT j->'power_users'->>'value' FROM s), '1', 'summary_power_users');
SELECT is((SELECT (j->'power_users_share_pct'->>'value')::numeric FROM s), 33.33, 'summary_power_users_share');
SELECT is((SELECT (j->'desktop_share_pct'->>'value')::numeric FROM s), 60.00, 'summary_desktop_share');
SELECT is((SELECT (j->'mobile_share_pct'->>'value')::numeric FROM s), 40.00, 'summary_mobile_share');
SELECT is((SELECT (j->'desktop_share_pct'->>'previous')::numeric FROM s), 100.00, 'summary_desktop_share_previous');

-- api-usage, hour granularity, D only, endpoint "orders": the 10:00 bucket as above, 24 buckets.
CREATE TEMP TABLE u AS SELECT api.product_api_usage(0, 'ceo', 'hour', 'orders', '2021-03-08', '2021-03-08', NULL) AS j;
SELECT is((SELECT json_array_length(j->'series') FROM u), 24, 'api_usage_hour_has_24_buckets');
SELECT is((SELECT j->>'endpoint' FROM u), '/v1/orders', 'api_usage_endpoint_matches_last_segment');
SELECT is((SELECT x->>'p95_ms' FROM u, json_array_elements(j->'series') x WHERE x->>'bucket' = '2021-03-08T10:00:00'),
          '808.00', 'api_usage_hour_bucket_p95');
SELECT is((SELECT (x->>'error_rate_pct')::numeric FROM u, json_array_elements(j->'series') x
           WHERE x->>'bucket' = '2021-03-08T10:00:00'), 20.00, 'api_usage_hour_bucket_error_rate');
-- Day granularity D-1 .. D, all endpoints: the "all" row of D has 7 calls, p99 952.
CREATE TEMP TABLE u2 AS SELECT api.product_api_usage(0, 'ceo', 'day', NULL, '2021-03-07', '2021-03-08', NULL) AS j;
SELECT is((SELECT x->>'calls' FROM u2, json_array_elements(j->'series') x
           WHERE x->>'endpoint' = 'all' AND x->>'bucket' = '2021-03-08T00:00:00'), '7', 'api_usage_day_total_calls');
SELECT is((SELECT x->>'calls' FROM u2, json_array_elements(j->'series') x
           WHERE x->>'endpoint' = 'all' AND x->>'bucket' = '2021-03-07T00:00:00'), '0', 'api_usage_day_empty_bucket_is_zero');
SELECT is((SELECT x->>'p99_ms' FROM u2, json_array_elements(j->'series') x
           WHERE x->>'endpoint' = 'all' AND x->>'bucket' = '2021-03-08T00:00:00'), '952.00', 'api_usage_day_total_p99');
-- Top by volume: /v1/orders (5) before /v1/customers (2); by error rate none has 20 calls.
SELECT is((SELECT j->'top_by_volume'->0->>'endpoint' FROM u2), '/v1/orders', 'api_usage_top_by_volume');
-- The total rows store their p90 (from the histogram); a row stored before the column existed
-- (p90 NULL) gets the same figure computed live.
SELECT is((SELECT p90_ms FROM product_api_daily WHERE day = '2021-03-08' AND endpoint = '*'),
          product_hist_percentile('2021-03-08', '2021-03-09', 0.9), 'api_daily_total_stores_the_histogram_p90');
UPDATE product_api_daily SET p90_ms = NULL WHERE day = '2021-03-08';
UPDATE product_api_hourly SET p90_ms = NULL WHERE hour::date = '2021-03-08';
SELECT is(api.product_api_usage(0, 'ceo', 'day', NULL, '2021-03-07', '2021-03-08', NULL)::text, (SELECT j::text FROM u2),
          'api_usage_with_p90_missing_computes_it_live_the_same');
SELECT is((SELECT json_array_length(j->'top_by_error_rate') FROM u2), 0, 'api_usage_top_by_error_rate_needs_20_calls');
SELECT throws_ok($$SELECT api.product_api_usage(0, 'ceo', 'hour', NULL, '2021-01-01', '2021-03-08', NULL)$$,
                 '22023', NULL, 'api_usage_hour_range_over_31_days_is_refused');
SELECT throws_ok($$SELECT api.product_api_usage(0, 'ceo', 'day', 'nosuch', NULL, NULL, NULL)$$,
                 '22023', NULL, 'api_usage_unknown_endpoint_is_refused');

-- Features on D: paying customers starter 2 (A, B), business 1 (C).  reports × starter: A used it in
-- [D-29, D] (B only on D-40) → 1/2 = 50 %; alerts × business: C on D-5 → 1/1 = 100 %;
-- alerts × starter 0/2 = 0 %; professional has no customers → null.
CREATE TEMP TABLE f AS SELECT api.product_features(0, 'ceo', '2021-03-08') AS j;
SELECT is((SELECT (x->>'adoption_pct')::numeric FROM f, json_array_elements(j->'matrix') x
           WHERE x->>'feature' = 'reports' AND x->>'plan' = 'starter'), 50.00, 'features_reports_starter_50pct');
SELECT is((SELECT (x->>'adoption_pct')::numeric FROM f, json_array_elements(j->'matrix') x
           WHERE x->>'feature' = 'alerts' AND x->>'plan' = 'business'), 100.00, 'features_alerts_business_100pct');
SELECT is((SELECT (x->>'adoption_pct')::numeric FROM f, json_array_elements(j->'matrix') x
           WHERE x->>'feature' = 'alerts' AND x->>'plan' = 'starter'), 0.00, 'features_alerts_starter_0pct');
SELECT is((SELECT x->>'adoption_pct' FROM f, json_array_elements(j->'matrix') x
           WHERE x->>'feature' = 'alerts' AND x->>'plan' = 'professional'), NULL, 'features_plan_without_customers_is_null');
-- Velocity: reports first used D-40 → 41 days, 2 adopters → 2·7/41 = 0.34 per week, 1 new in 30 days;
-- alerts first used D-5 → 6 days, 1 adopter → 7/6 = 1.17 per week.
SELECT results_eq(
  $$SELECT x->>'first_used_on', (x->>'days_since_first_use')::int, (x->>'adopters_to_date')::int,
           (x->>'adopters_per_week')::numeric, (x->>'new_adopters_30d')::int
    FROM f, json_array_elements(j->'velocity') x ORDER BY x->>'feature'$$,
  $$VALUES ('2021-03-03', 6, 1, 1.17, 1), ('2021-01-27', 41, 2, 0.34, 1)$$,
  'features_adoption_velocity');

-- Late first uses of alerts: A on 02-20 (its first), C on 02-25 (before its 03-03).  Recomputing
-- those days moves the counts per first day (02-20 +1, 02-25 +1, 03-03 −1): alerts first used
-- 02-20 → 17 days, 2 adopters → 14/17 = 0.82 per week, both new within [D-29, D].
INSERT INTO events (occurred_at, customer_id, type, feature) VALUES
  ('2021-02-20 10:00', 9001, 'feature_used', 'alerts'), ('2021-02-25 10:00', 9003, 'feature_used', 'alerts');
SELECT product_compute_range('2021-02-20', '2021-02-25');
SELECT results_eq(
  $$SELECT x->>'first_used_on', (x->>'days_since_first_use')::int, (x->>'adopters_to_date')::int,
           (x->>'adopters_per_week')::numeric, (x->>'new_adopters_30d')::int
    FROM json_array_elements(api.product_features(0, 'ceo', '2021-03-08')->'velocity') x ORDER BY x->>'feature'$$,
  $$VALUES ('2021-02-20', 17, 2, 0.82, 2), ('2021-01-27', 41, 2, 0.34, 1)$$,
  'features_velocity_after_late_first_uses');
SELECT is_empty(
  $$(SELECT feature, day, adopters FROM product_feature_first_use_daily WHERE adopters <> 0
     EXCEPT ALL SELECT feature, first_day, count(*)::int FROM product_feature_first_use GROUP BY 1, 2)
    UNION ALL
    (SELECT feature, first_day, count(*)::int FROM product_feature_first_use GROUP BY 1, 2
     EXCEPT ALL SELECT feature, day, adopters FROM product_feature_first_use_daily WHERE adopters <> 0)$$,
  'features_first_use_counts_equal_a_recount');

-- Usage by plan on D: starter = A + B: active users 2 (A1, A2) + 1 (B1) = 3, usage 150 → 50.00 per
-- user; business = C: no active users, usage 30 → average null.
CREATE TEMP TABLE p AS SELECT api.product_usage_by_plan(0, 'ceo', '2021-03-08', '2021-03-08', NULL) AS j;
SELECT results_eq(
  $$SELECT x->>'plan', (x->>'customers')::int, (x->>'active_users')::int, (x->>'usage_units')::int,
           (x->>'avg_usage_per_user')::numeric
    FROM p, json_array_elements(j->'rows') x ORDER BY x->>'plan'$$,
  $$VALUES ('business', 1, 0, 30, NULL::numeric), ('starter', 2, 3, 150, 50.00)$$,
  'usage_by_plan_per_plan_and_day');

-- Retention, 4 weeks ending with D's week (2021-03-08).  First weeks: C1 02-15, A1 03-01 (first D-6
-- = 03-02), B1 03-01 (D-1 = 03-07), A2 03-08.  Cohort 02-15 (C1): [100, 0, 0, 0]; 02-22: empty →
-- nulls; 03-01 (A1, B1), both active in week 03-08 → [100, 100]; 03-08 (A2) → [100].
CREATE TEMP TABLE r AS SELECT api.product_retention(0, 'ceo', 'week', 4, '2021-03-08') AS j;
SELECT results_eq(
  $$SELECT x->>'cohort_week', (x->>'users')::int, (x->'retention_pct')::text
    FROM r, json_array_elements(j->'cohorts') x ORDER BY 1$$,
  $$VALUES ('2021-02-15', 1, '[100.00, 0.00, 0.00, 0.00]'), ('2021-02-22', 0, '[null, null, null]'),
           ('2021-03-01', 2, '[100.00, 100.00]'), ('2021-03-08', 1, '[100.00]')$$,
  'retention_weekly_cohorts');

-- Live at D 11:20:30.  Last minute (11:19:30, 11:20:30]: the 11:20 call → 1.  Last hour
-- (10:20:30, 11:20:30]: 10:25, 10:35, 10:45, 11:10, 11:20 = 5 calls, 2 errors (500, 503) = 40 %.
-- Users with an event in the last 5 minutes: B1 (11:20) → 1.  Latest first: 11:20 /v1/customers 503.
CREATE TEMP TABLE l AS SELECT api.product_live_at(0, 'ceo', '2021-03-08 11:20:30+00') AS j;
SELECT is((SELECT j->>'requests_last_minute' FROM l), '1', 'live_requests_last_minute');
SELECT is((SELECT j->>'requests_1h' FROM l), '5', 'live_requests_last_hour');
SELECT is((SELECT (j->>'error_rate_1h_pct')::numeric FROM l), 40.00, 'live_error_rate_last_hour');
SELECT is((SELECT j->>'users_active_5m' FROM l), '1', 'live_users_active_5m');
SELECT is((SELECT json_array_length(j->'requests_per_minute') FROM l), 60, 'live_has_60_minutes');
SELECT is((SELECT sum((x->>'requests')::int) FROM l, json_array_elements(j->'requests_per_minute') x), 5::bigint,
          'live_minutes_sum_to_last_hour');
SELECT results_eq($$SELECT j->'latest'->0->>'endpoint', j->'latest'->0->>'status', j->'latest'->0->>'customer' FROM l$$,
                  $$VALUES ('/v1/customers', '503', 'Bolt')$$, 'live_latest_call_first');
-- cs1 owns A (9001) only: B's call is shown without the customer, A's with it.
CREATE TEMP TABLE l2 AS SELECT api.product_live_at((SELECT id FROM app_users WHERE email = 'cs1@northstar.example'),
                                                   'cs', '2021-03-08 11:20:30+00') AS j;
SELECT is((SELECT j->'latest'->0->>'customer_id' FROM l2), NULL, 'live_cs_does_not_see_other_customers');
SELECT is((SELECT j->'latest'->2->>'customer_id' FROM l2), '9001', 'live_cs_sees_own_customer');

-- Incremental refresh: a new api_call on D recomputes D's hourly row when the day is re-refreshed.
INSERT INTO events (occurred_at, customer_id, user_id, type, endpoint, status, latency_ms)
VALUES ('2021-03-08 10:50', 9001, 1, 'api_call', '/v1/orders', 200, 50);
SELECT rollup_compute_range('2021-03-08', '2021-03-08');
SELECT product_compute_range('2021-03-08', '2021-03-08');
-- /v1/orders 10:00 is now [10,20,30,40,50,1000]: p50 = (30 + 40) / 2 = 35.
SELECT is((SELECT p50_ms FROM product_api_hourly WHERE hour = '2021-03-08 10:00' AND endpoint = '/v1/orders'),
          35::numeric, 'recompute_of_a_day_picks_up_new_calls');
SELECT is((SELECT calls FROM product_api_daily WHERE day = '2021-03-08' AND endpoint = '*'), 8,
          'recompute_updates_daily_total');

SELECT * FROM finish();
ROLLBACK;
