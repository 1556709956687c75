-- product_ops_fixtures.sql — /api/product/system-health, /abuse and /frontend on hand-made rows, every
-- expected number worked out by hand below.  Reporting zone UTC.  D = 2021-03-08; the abuse baseline
-- window is D-28 .. D-1 = 2021-02-08 .. 2021-03-07.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(29);

SET LOCAL client_min_messages = warning;
SET LOCAL northstar.tz = 'UTC';
SET LOCAL TimeZone = 'UTC';
SET LOCAL northstar.rollup_skip_dirty = on;
TRUNCATE events, customers, metrics_daily, mrr_daily, active_users_daily, customer_daily, feature_daily,
         product_api_hourly, product_api_daily, product_api_latency_hist, product_api_customer_daily,
         product_daily, product_feature_customer_daily, product_feature_first_use, product_feature_first_use_daily,
         product_feature_adoption_daily, product_plan_daily, product_user_first_week,
         product_retention_weekly, product_rum, product_api_customer_hourly, product_ip_daily CASCADE;
SELECT events_create_partitions('2021-01-01', '2021-04-30');

-- Customers: 9001 Acme (cs1), 9002 Bolt (cs2), 9003 Core (no owner), 9004 Dyn (cs1).
INSERT INTO customers (id, name, email, signup_at, converted_at, cs_owner_id) VALUES
  (9001, 'Acme', 'a@x.example', '2020-12-01', '2020-12-15', (SELECT id FROM app_users WHERE email = 'cs1@northstar.example')),
  (9002, 'Bolt', 'b@x.example', '2020-12-01', '2020-12-15', (SELECT id FROM app_users WHERE email = 'cs2@northstar.example')),
  (9003, 'Core', 'c@x.example', '2020-12-01', '2020-12-15', NULL),
  (9004, 'Dyn',  'd@x.example', '2020-12-01', '2020-12-15', (SELECT id FROM app_users WHERE email = 'cs1@northstar.example'));

-- API calls, all 100 ms unless said otherwise.
-- Baseline (D-28 .. D-1):  9001: 2 calls a day at 14:00, 14:30 (56 calls, median 2, none at 03h);
--   9002: 10 calls a day at 10:00..10:09 on D-28 .. D-15 only (14 days of 10, 14 of 0: median =
--   percentile_cont(0.5) of 28 values = between the 14th (0) and 15th (10) = 5);
--   9004: 10 calls a day at 12:00..12:09 (median 10).
-- On D:  9001: 25 calls at 03:00, 03:02, … 03:48, 1000 ms each, the first 15 with status 500;
--   9002: 21 calls at 10:00 .. 10:20 (200);  9003: 19 calls at 11:00 .. 11:18, the first 12 429
--   (rate limited), no history;  9004: 30 calls at 12:00 .. 12:29 (200).
INSERT INTO events (occurred_at, customer_id, user_id, type, endpoint, status, latency_ms, rate_limited)
SELECT ts, c, 1, 'api_call', '/v1/orders', st, lat, st = 429 FROM (
    SELECT (date '2021-03-08' - k) + time '14:00' + (i * interval '30 minutes') AS ts, 9001 AS c, 200 AS st, 100 AS lat
      FROM generate_series(1, 28) k, generate_series(0, 1) i
    UNION ALL SELECT (date '2021-03-08' - k) + time '10:00' + i * interval '1 minute', 9002, 200, 100
      FROM generate_series(15, 28) k, generate_series(0, 9) i
    UNION ALL SELECT (date '2021-03-08' - k) + time '12:00' + i * interval '1 minute', 9004, 200, 100
      FROM generate_series(1, 28) k, generate_series(0, 9) i
    UNION ALL SELECT timestamp '2021-03-08 03:00' + i * interval '2 minutes', 9001, CASE WHEN i < 15 THEN 500 ELSE 200 END, 1000
      FROM generate_series(0, 24) i
    UNION ALL SELECT timestamp '2021-03-08 10:00' + i * interval '1 minute', 9002, 200, 100 FROM generate_series(0, 20) i
    UNION ALL SELECT timestamp '2021-03-08 11:00' + i * interval '1 minute', 9003, CASE WHEN i < 12 THEN 429 ELSE 200 END, 100
      FROM generate_series(0, 18) i
    UNION ALL SELECT timestamp '2021-03-08 12:00' + i * interval '1 minute', 9004, 200, 100 FROM generate_series(0, 29) i
) x;

-- Client IPs on D (page views): 198.51.100.1 by 9001, 9002, 9003 (shared by 3 → flagged);
-- 198.51.100.2 by 9001, 9002 only (2 → not flagged).
INSERT INTO events (occurred_at, customer_id, user_id, type, client_ip) VALUES
  ('2021-03-08 09:00', 9001, 1, 'page_view', '198.51.100.1'), ('2021-03-08 09:01', 9002, 1, 'page_view', '198.51.100.1'),
  ('2021-03-08 09:02', 9003, 1, 'page_view', '198.51.100.1'), ('2021-03-08 09:03', 9001, 1, 'page_view', '198.51.100.2'),
  ('2021-03-08 09:04', 9002, 1, 'page_view', '198.51.100.2');

-- Usage units (cost): 9001 200 a day in the baseline, 601 on D (> 3·200 = 600, ≥ 500 → flagged);
-- 9002 200 a day, 600 on D (not > 600); 9003 499 on D (median 0, but < 500 floor);
-- 9004 500 on D, no history (median 0, ≥ 500 → flagged).
INSERT INTO usage_records (customer_id, day, units)
SELECT c, date '2021-03-08' - k, 200 FROM (VALUES (9001), (9002)) v(c), generate_series(1, 28) k
UNION ALL VALUES (9001, date '2021-03-08', 601), (9002, '2021-03-08', 600), (9003, '2021-03-08', 499),
                 (9004, '2021-03-08', 500);

-- RUM beacons: D-5 overview 5000 ms (outside the range D-1 .. D); D-1 overview 50 ms;
-- D overview 100 (tti 80), 200 (tti 150), 300 (1 error), 400; D revenue 1000 ms with 2 errors.
INSERT INTO product_rum (received_at, user_id, view, load_ms, tti_ms, errors) VALUES
  ('2021-03-03 12:00', 1, 'overview', 5000, NULL, 0),
  ('2021-03-07 12:00', 1, 'overview', 50, NULL, 0),
  ('2021-03-08 12:00', 1, 'overview', 100, 80, 0),
  ('2021-03-08 12:01', 1, 'overview', 200, 150, 0),
  ('2021-03-08 12:02', 1, 'overview', 300, NULL, 1),
  ('2021-03-08 12:03', 1, 'overview', 400, NULL, 0),
  ('2021-03-08 12:04', 2, 'revenue', 1000, NULL, 2);

SELECT rollup_compute_range('2021-02-01', '2021-03-10');
SELECT product_compute_range('2021-02-01', '2021-03-10');
SELECT product_ops_compute_range('2021-02-01', '2021-03-10');

-- Pre-aggregates.
SELECT results_eq(
  $$SELECT calls, errors, failed FROM product_api_customer_hourly WHERE hour = '2021-03-08 03:00' AND customer_id = 9001$$,
  $$VALUES (25, 15, 15)$$, 'customer_hourly_counts_calls_5xx_and_failed');
SELECT is((SELECT sum(events)::int FROM product_ip_daily WHERE day = '2021-03-08' AND client_ip = '198.51.100.1'), 3,
  'ip_daily_counts_events_per_ip');

-- Down hour: ≥ 3 5xx and 5xx ≥ 5 % of calls.
SELECT ok(api.product_hour_down(60, 3), 'hour_with_3_of_60_errors_is_down');
SELECT ok(NOT api.product_hour_down(61, 3), 'hour_with_3_of_61_errors_is_up');
SELECT ok(NOT api.product_hour_down(10, 2), 'hour_with_2_errors_is_up');
SELECT is(api.product_speed_factor(250), 1::numeric, 'speed_factor_is_1_at_or_below_300ms');

-- System health for to = D (past day: now = 2021-03-09 00:00, window = D 00:00 .. 24:00).
-- D: 95 calls (25 + 21 + 19 + 30), 15 5xx, all in hour 03 (15/25 = 60 % → down): uptime 23/24 = 95.83 %.
-- Error rate 15/95 = 15.79 %.  Latencies: 70 × 100, 25 × 1000; p95 at x = 0.95·94 = 89.3, ranks 89
-- and 90 are both 1000 → 1000 ms; speed factor 300/1000 = 0.3.
-- Score = 100 · 23/24 · 80/95 · 0.3 = 100 · 0.807018 · 0.3 = 24.21 → 24.2.
CREATE TEMP TABLE sh AS SELECT api.product_system_health(0, 'ceo', '2021-03-07', '2021-03-08', NULL) AS j;
SELECT is((SELECT (j->>'score')::numeric FROM sh), 24.2, 'system_health_score_is_uptime_x_1_minus_error_x_speed');
SELECT is((SELECT (j->'components'->>'uptime_pct')::numeric FROM sh), 95.83, 'system_health_uptime_is_23_of_24_hours');
SELECT is((SELECT (j->'components'->>'error_rate_pct')::numeric FROM sh), 15.79, 'system_health_error_rate_is_15_of_95');
SELECT is((SELECT (j->'components'->>'p95_ms')::numeric FROM sh), 1000::numeric, 'system_health_p95_is_1000');
SELECT is((SELECT (j->'components'->>'speed_factor')::numeric FROM sh), 0.3, 'system_health_speed_factor_is_300_over_p95');
-- Days: D-1 = 12 calls (9001 2 + 9004 10), nothing down, 0 rate limited; D: 1 down hour of 24,
-- 95 calls, 15 errors, 12 rate limited = 12.63 %.
SELECT is((SELECT json_agg(json_build_array(x->>'day', x->>'hours', x->>'down_hours', x->>'uptime_pct', x->>'calls',
                                            x->>'errors', x->>'rate_limited', x->>'rate_limited_pct'))::text
           FROM sh, json_array_elements(j->'days') x),
  '[["2021-03-07", "24", "0", "100.00", "12", "0", "0", "0.00"], ["2021-03-08", "24", "1", "95.83", "95", "15", "12", "12.63"]]',
  'system_health_days_uptime_and_rate_limit_hits');
-- Top rate-limited customers: only 9003, 12 of 19 calls = 63.16 %, on 1 day.
SELECT is((SELECT (j->'top_rate_limited')::text FROM sh),
  '[{"customer_id" : 9003, "customer" : "Core", "rate_limited" : 12, "calls" : 19, "rate_limited_pct" : 63.16, "days_limited" : 1}]',
  'system_health_top_rate_limited_customer');
SELECT is((SELECT api.product_system_health((SELECT id FROM app_users WHERE email = 'cs1@northstar.example'), 'cs',
                                            '2021-03-07', '2021-03-08', NULL)->'top_rate_limited'->0->>'customer'), NULL,
  'system_health_cs_does_not_see_the_name_of_a_customer_not_theirs');

-- Abuse on D.  Expected findings, in order (kind, then observed desc):
--   volume_spike 9001: median 2, observed 25 (≥ 20 and > 6);  9002: median 5, observed 21 (> 15).
--   9003 (19 < 20 floor) and 9004 (30, not > 3·10) are not flagged.
--   cost_spike 9001: median 200, observed 601;  9004: median 0, observed 500.
--   unusual_hour 9001 03:00: 25 calls; baseline 0 of 56 calls at 03h (< 1 %, 56 ≥ 50); D total 25.
--   failed_burst 9001 03:00: 15 failed of 25 (≥ 10, ≥ half); expected at the baseline rate 0/56·25 = 0.00.
--   failed_burst 9003 11:00: 12 failed (429s) of 19; no baseline calls → baseline null, total 0.
--   shared_ip 198.51.100.1: one row each for 9001, 9002, 9003; 3 customers, 3 events.
CREATE TEMP TABLE ab AS SELECT api.product_abuse(0, 'ceo', '2021-03-08') AS j;
SELECT is((SELECT json_agg(json_build_array(x->>'kind', x->>'customer_id', x->>'baseline', x->>'observed'))::text
           FROM ab, json_array_elements(j->'findings') x),
  '[["volume_spike", "9001", "2.00", "25"], ["volume_spike", "9002", "5.00", "21"], ' ||
  '["cost_spike", "9001", "200.00", "601"], ["cost_spike", "9004", "0.00", "500"], ' ||
  '["unusual_hour", "9001", "0", "25"], ["failed_burst", "9001", "0.00", "15"], ["failed_burst", "9003", null, "12"], ' ||
  '["shared_ip", "9001", "1", "3"], ["shared_ip", "9002", "1", "3"], ["shared_ip", "9003", "1", "3"]]',
  'abuse_findings_with_baseline_and_observed');
SELECT is((SELECT json_agg(json_build_array(x->>'hour', x->>'baseline_total', x->>'observed_total'))::text
           FROM ab, json_array_elements(j->'findings') x WHERE x->>'kind' IN ('unusual_hour', 'failed_burst')),
  '[["2021-03-08T03:00:00", "56", "25"], ["2021-03-08T03:00:00", "56", "25"], ["2021-03-08T11:00:00", "0", "19"]]',
  'abuse_hourly_findings_name_the_hour_and_totals');
SELECT is((SELECT j->'findings'->7->>'client_ip' FROM ab), '198.51.100.1', 'abuse_shared_ip_is_named');
SELECT is((SELECT (j->'counts')::text FROM ab),
  '{"volume_spike" : 2, "cost_spike" : 2, "unusual_hour" : 1, "failed_burst" : 2, "shared_ip" : 1}',
  'abuse_counts_per_kind');
SELECT is((SELECT j->'baseline_window'->>'from' FROM ab), '2021-02-08', 'abuse_baseline_is_the_28_days_before');
-- cs1 owns 9001 and 9004: the 9002 and 9003 rows keep their numbers but lose id and name.
SELECT is((SELECT json_agg(json_build_array(x->>'kind', x->>'customer_id', x->>'customer', x->>'observed'))::text
           FROM json_array_elements(api.product_abuse((SELECT id FROM app_users WHERE email = 'cs1@northstar.example'),
                                                      'cs', '2021-03-08')->'findings') x
           WHERE x->>'kind' IN ('volume_spike', 'cost_spike')),
  '[["volume_spike", "9001", "Acme", "25"], ["volume_spike", null, null, "21"], ' ||
  '["cost_spike", "9001", "Acme", "601"], ["cost_spike", "9004", "Dyn", "500"]]',
  'abuse_cs_sees_names_only_of_their_customers');
-- One day later the spike of D is in the baseline (9001: 27 values of 2 and one 25 → median 2) and
-- nothing happens on D+1.
SELECT is((SELECT json_array_length(api.product_abuse(0, 'ceo', '2021-03-09')->'findings')), 0,
  'abuse_quiet_day_has_no_findings');

-- Frontend for D-1 .. D (the D-5 beacon is outside).  All 6 loads: 50,100,200,300,400,1000:
-- p50 x = 2.5 → 250; p95 x = 4.75 → 400 + 0.75·600 = 850; loads with errors 2 of 6 = 33.33 %; errors 3.
CREATE TEMP TABLE fe AS SELECT api.product_frontend(0, 'ceo', '2021-03-07', '2021-03-08', NULL) AS j;
SELECT results_eq(
  $$SELECT (j->>'loads')::int, (j->>'error_loads')::int, (j->>'errors')::int, (j->>'client_error_rate_pct')::numeric,
           (j->>'p50_load_ms')::numeric, (j->>'p95_load_ms')::numeric FROM fe$$,
  $$VALUES (6, 2, 3, 33.33, 250::numeric, 850::numeric)$$, 'frontend_totals');
-- overview: 50,100,200,300,400: p50 200, p95 x = 3.8 → 300 + 0.8·100 = 380; 1 of 5 with errors = 20 %;
-- tti [80,150] → p50 115.  revenue: one load of 1000 ms with errors → 100 %.
SELECT is((SELECT json_agg(json_build_array(x->>'view', x->>'loads', x->>'p50_load_ms', x->>'p95_load_ms',
                                            x->>'p50_tti_ms', x->>'client_error_rate_pct'))::text
           FROM fe, json_array_elements(j->'views') x),
  '[["overview", "5", "200.00", "380.00", "115.00", "20.00"], ["revenue", "1", "1000.00", "1000.00", null, "100.00"]]',
  'frontend_per_view_percentiles_and_error_rate');
-- Days: D-1 one load of 50 (0 %); D 100,200,300,400,1000: p95 x = 3.8 → 400 + 0.8·600 = 880; 2/5 = 40 %.
SELECT is((SELECT json_agg(json_build_array(x->>'day', x->>'loads', x->>'p95_load_ms', x->>'client_error_rate_pct'))::text
           FROM fe, json_array_elements(j->'days') x),
  '[["2021-03-07", "1", "50.00", "0.00"], ["2021-03-08", "5", "880.00", "40.00"]]',
  'frontend_per_day');
SELECT is((SELECT (api.product_frontend(0, 'ceo', '2021-01-01', '2021-01-02', NULL)->>'client_error_rate_pct')), NULL,
  'frontend_without_beacons_has_null_error_rate');
SELECT throws_ok($$SELECT api.product_frontend(0, 'ceo', '2021-03-09', '2021-03-08', NULL)$$, '22023', NULL,
  'frontend_from_after_to_is_22023');

-- Refresh: product_ops_refresh() recomputes a day whose metrics_daily row moved.
UPDATE metrics_daily SET refreshed_at = now() - interval '1 day';
SELECT ok(product_ops_refresh() > 0, 'ops_refresh_recomputes_moved_days');
SELECT is(product_ops_refresh(), 0, 'ops_refresh_is_idempotent');
SELECT is((SELECT calls FROM product_api_customer_hourly WHERE hour = '2021-03-08 03:00' AND customer_id = 9001), 25,
  'ops_refresh_keeps_the_same_numbers');

SELECT * FROM finish();
ROLLBACK;
