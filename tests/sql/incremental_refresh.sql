-- rollup_refresh() after a late row for an old day gives the same rollups as rollup_rebuild().
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(8);

SELECT set_config('northstar.tz', 'UTC', true);
SELECT events_create_partitions('2001-04-01', '2001-05-01');
INSERT INTO customers (id, name, email, signup_at) VALUES (900021, 'Fixture late', 'late@fixture.example', '2001-03-20Z');
INSERT INTO events (occurred_at, customer_id, user_id, type, status)
SELECT '2001-04-01 10:00Z'::timestamptz + d * interval '1 day', 900021, 1 + d % 3, 'api_call', 200
FROM generate_series(0, 9) d;
INSERT INTO orders (customer_id, ordered_at, source, total_cents, cogs_cents)
VALUES (900021, '2001-04-03 12:00Z', 'api', 10000, 4000);

-- bring everything up to date (the fixture days are dirty now)
SELECT ok(rollup_refresh() > 0, 'first refresh processes the fixture days');
SELECT is((SELECT orders FROM metrics_daily WHERE day = '2001-04-02'), 0, 'no order on 2001-04-02 yet');

-- late rows for 2001-04-02, long after that day was rolled up: one order of 2500 and a new user 7
INSERT INTO orders (customer_id, ordered_at, source, total_cents, cogs_cents)
VALUES (900021, '2001-04-02 18:00Z', 'shopify', 2500, 1000);
INSERT INTO events (occurred_at, customer_id, user_id, type, status)
VALUES ('2001-04-02 19:00Z', 900021, 7, 'api_call', 503);
SELECT ok(EXISTS (SELECT 1 FROM rollup_dirty_days WHERE day = '2001-04-02'), 'the late rows mark 2001-04-02 dirty');
SELECT rollup_refresh();

CREATE TEMP TABLE after_refresh ON COMMIT DROP AS
SELECT to_jsonb(m) - 'refreshed_at' AS r FROM metrics_daily m WHERE day BETWEEN '2001-03-15' AND '2001-05-31'
UNION ALL SELECT to_jsonb(a) FROM active_users_daily a WHERE day BETWEEN '2001-03-15' AND '2001-05-31'
UNION ALL SELECT to_jsonb(c) FROM customer_daily c WHERE day BETWEEN '2001-03-15' AND '2001-05-31';

-- hand-worked: 2001-04-02 has the late order (2500) and api calls from users 2 and 7, one 5xx
SELECT results_eq(
    $$SELECT orders, revenue_cents, api_calls, api_errors, active_users FROM metrics_daily WHERE day = '2001-04-02'$$,
    $$VALUES (1, 2500::bigint, 2, 1, 2)$$,
    'incremental refresh picked up the late rows of 2001-04-02');

SELECT rollup_rebuild();
SELECT set_eq(
    $$SELECT to_jsonb(m) - 'refreshed_at' FROM metrics_daily m WHERE day BETWEEN '2001-03-15' AND '2001-05-31'
      UNION ALL SELECT to_jsonb(a) FROM active_users_daily a WHERE day BETWEEN '2001-03-15' AND '2001-05-31'
      UNION ALL SELECT to_jsonb(c) FROM customer_daily c WHERE day BETWEEN '2001-03-15' AND '2001-05-31'$$,
    $$SELECT r FROM after_refresh$$,
    'rollups after the incremental refresh equal a full rebuild (metrics, active users, per customer)');

-- With nothing dirty on the day the last run brought up to date, a refresh has nothing to redo;
-- a new reporting day, or a row for today, is computed again.
SELECT is(rollup_refresh(), 0, 'a refresh with nothing dirty, on the day already brought up to date, recomputes nothing');
UPDATE rollup_state SET last_refresh_day = ns_today() - 1;
SELECT ok(rollup_refresh() >= 1, 'on a new reporting day a refresh with nothing dirty still computes today');
CREATE TEMP TABLE today_before ON COMMIT DROP AS SELECT api_calls FROM metrics_daily WHERE day = ns_today();
INSERT INTO events (occurred_at, customer_id, user_id, type, status) VALUES (now(), 900021, 1, 'api_call', 200);
SELECT rollup_refresh();
SELECT is((SELECT api_calls FROM metrics_daily WHERE day = ns_today()), (SELECT api_calls + 1 FROM today_before),
          'a row for today is counted by the next refresh');

SELECT * FROM finish();
ROLLBACK;
