-- WAU/MAU after a late change of a few days (rollup_wau_mau_adjust: from the users whose activity
-- changed) equal the full recompute (rollup_update_wau_mau) on every day the change reaches: a new
-- user, a user whose only activity of the day is deleted, a user gaining a second active day, a
-- late order that changes no user, and two adjacent late days at once.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(9);

SELECT set_config('northstar.tz', 'UTC', true);
SELECT events_create_partitions('2001-06-01', '2001-09-01');
INSERT INTO customers (id, name, email, signup_at) VALUES (900031, 'Fixture WAU', 'wau@fixture.example', '2001-05-01Z');
-- users 1..12 active on a pattern of days from 2001-06-01 to 2001-08-15
INSERT INTO events (occurred_at, customer_id, user_id, type)
SELECT '2001-06-01 10:00Z'::timestamptz + d * interval '1 day', 900031, u, 'login'
FROM generate_series(0, 75) d, generate_series(1, 12) u
WHERE (d * 7 + u * 5) % 23 = 0;   -- each user about once in 23 days: the figures move
SELECT ok(rollup_refresh() > 0, 'the fixture days are rolled up');

-- wau_full(): keeps the figures of 2001-06-20 .. 2001-08-15 as they are now (after the refresh,
-- adjusted) in wau_full, then recomputes them in full in metrics_daily (rollup_update_wau_mau).
CREATE TEMP TABLE wau_full (day date, wau int, mau int) ON COMMIT DROP;
CREATE FUNCTION pg_temp.wau_full() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM wau_full;
    INSERT INTO wau_full SELECT day, wau, mau FROM metrics_daily WHERE day BETWEEN '2001-06-20' AND '2001-08-15';
    PERFORM rollup_update_wau_mau('2001-06-20', '2001-08-15');
END $$;
CREATE FUNCTION pg_temp.wau_now() RETURNS TABLE (day date, wau int, mau int) LANGUAGE sql AS $$
    SELECT day, wau, mau FROM metrics_daily WHERE day BETWEEN '2001-06-20' AND '2001-08-15'
$$;

-- 1. a new user 40 and a second day for user 2, on 2001-07-10
INSERT INTO events (occurred_at, customer_id, user_id, type) VALUES
    ('2001-07-10 11:00Z', 900031, 40, 'login'), ('2001-07-10 12:00Z', 900031, 2, 'page_view');
SELECT rollup_refresh();
SELECT is((SELECT mau FROM metrics_daily WHERE day = '2001-07-20'),
          (SELECT count(DISTINCT user_id)::int FROM active_users_daily
            WHERE day BETWEEN '2001-06-21' AND '2001-07-20' AND customer_id = 900031),
          'MAU of 2001-07-20 counts user 40 and user 2 (hand count of the fixture)');
SELECT pg_temp.wau_full();
SELECT set_eq('SELECT * FROM wau_full', 'SELECT * FROM pg_temp.wau_now()',
              'a new user and a new active day: WAU/MAU equal the full recompute');

-- 2. user 1's only activity between 2001-06-20 and 2001-08-05 (2001-07-13) deleted
CREATE TEMP TABLE mau_before ON COMMIT DROP AS SELECT mau FROM metrics_daily WHERE day = '2001-07-20';
DELETE FROM events WHERE customer_id = 900031 AND user_id = 1
   AND occurred_at >= '2001-07-13Z' AND occurred_at < '2001-07-14Z';
SELECT rollup_refresh();
SELECT is((SELECT mau FROM metrics_daily WHERE day = '2001-07-20'), (SELECT mau - 1 FROM mau_before),
          'user 1 leaves MAU of 2001-07-20');
SELECT pg_temp.wau_full();
SELECT set_eq('SELECT * FROM wau_full', 'SELECT * FROM pg_temp.wau_now()',
              'activity deleted: WAU/MAU equal the full recompute');

-- 3. a late order only (no user changes): the figures stay
CREATE TEMP TABLE wau_before ON COMMIT DROP AS SELECT * FROM pg_temp.wau_now();
INSERT INTO orders (customer_id, ordered_at, source, total_cents, cogs_cents)
VALUES (900031, '2001-07-05 12:00Z', 'api', 5000, 2000);
SELECT rollup_refresh();
SELECT set_eq('SELECT * FROM wau_before', 'SELECT * FROM pg_temp.wau_now()',
              'a late order changes no WAU/MAU');
SELECT pg_temp.wau_full();
SELECT set_eq('SELECT * FROM wau_full', 'SELECT * FROM pg_temp.wau_now()',
              'a late order: WAU/MAU equal the full recompute');

-- 4. two adjacent late days at once (one range of the refresh), users 50 and 51
INSERT INTO events (occurred_at, customer_id, user_id, type) VALUES
    ('2001-08-01 09:00Z', 900031, 50, 'login'), ('2001-08-02 09:00Z', 900031, 51, 'login'),
    ('2001-08-02 10:00Z', 900031, 50, 'login');
SELECT rollup_refresh();
SELECT pg_temp.wau_full();
SELECT set_eq('SELECT * FROM wau_full', 'SELECT * FROM pg_temp.wau_now()',
              'two adjacent late days: WAU/MAU equal the full recompute');
SELECT ok((SELECT wau FROM metrics_daily WHERE day = '2001-08-03') >= 2, 'users 50 and 51 in WAU of 2001-08-03');

SELECT * FROM finish();
ROLLBACK;
