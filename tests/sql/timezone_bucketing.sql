-- Rollups bucket by calendar day in northstar.tz (America/New_York here), matching raw sums in that zone.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(4);

SELECT set_config('northstar.tz', 'America/New_York', true);   -- EDT = UTC-4 in June
SELECT events_create_partitions('2001-05-01', '2001-06-01');
INSERT INTO customers (id, name, email, signup_at) VALUES (900031, 'Fixture tz', 'tz@fixture.example', '2001-05-01Z');
INSERT INTO orders (customer_id, ordered_at, source, total_cents, cogs_cents) VALUES
    (900031, '2001-06-01 02:00Z', 'api', 100, 0),   -- New York 2001-05-31 22:00
    (900031, '2001-06-01 05:00Z', 'api', 200, 0),   -- New York 2001-06-01 01:00
    (900031, '2001-06-02 03:30Z', 'api', 400, 0),   -- New York 2001-06-01 23:30
    (900031, '2001-06-02 04:30Z', 'api', 800, 0);   -- New York 2001-06-02 00:30
INSERT INTO events (occurred_at, customer_id, user_id, type) VALUES
    ('2001-06-01 03:59Z', 900031, 1, 'page_view'),   -- New York 2001-05-31 23:59
    ('2001-06-01 04:00Z', 900031, 1, 'page_view');   -- New York 2001-06-01 00:00
SELECT rollup_compute_range('2001-05-30', '2001-06-03');

-- hand-worked New York days: 05-31 = 100 (1 order), 06-01 = 200 + 400 (2 orders), 06-02 = 800 (1 order);
-- UTC days would have been 06-01 = 300 and 06-02 = 1200.
SELECT results_eq(
    $$SELECT day, orders, revenue_cents FROM metrics_daily WHERE day BETWEEN '2001-05-31' AND '2001-06-02' ORDER BY day$$,
    $$VALUES ('2001-05-31'::date, 1, 100::bigint), ('2001-06-01'::date, 2, 600::bigint), ('2001-06-02'::date, 1, 800::bigint)$$,
    'orders are bucketed into New York calendar days');
SELECT results_eq(
    $$SELECT day, page_views FROM metrics_daily WHERE day BETWEEN '2001-05-31' AND '2001-06-01' ORDER BY day$$,
    $$VALUES ('2001-05-31'::date, 1), ('2001-06-01'::date, 1)$$,
    'events at 23:59 and 00:00 New York time fall on different days');
SELECT results_eq(
    $$SELECT day, orders, revenue_cents FROM metrics_daily WHERE day BETWEEN '2001-05-30' AND '2001-06-03' AND orders > 0 ORDER BY day$$,
    $$SELECT (ordered_at AT TIME ZONE 'America/New_York')::date, count(*)::int, sum(total_cents)::bigint
      FROM orders WHERE customer_id = 900031 GROUP BY 1 ORDER BY 1$$,
    'rollup equals raw sums grouped in the reporting zone');
SELECT is(ns_day('2001-06-01 03:59Z'), '2001-05-31'::date, 'ns_day() uses northstar.tz');

SELECT * FROM finish();
ROLLBACK;
