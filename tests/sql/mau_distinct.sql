-- MAU/WAU count a user active on several days once (active_users_daily distinct counts).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(7);

SELECT set_config('northstar.tz', 'UTC', true);
SELECT events_create_partitions('2001-02-01', '2001-03-01');
INSERT INTO customers (id, name, email, signup_at) VALUES (900011, 'Fixture MAU', 'mau@fixture.example', '2001-01-01Z');

-- user 1: 2001-03-01, 03-02 and twice on 03-10; user 2: 03-10; user 3: only 2001-02-20.
INSERT INTO events (occurred_at, customer_id, user_id, type) VALUES
    ('2001-03-01 09:00Z', 900011, 1, 'login'),
    ('2001-03-02 09:00Z', 900011, 1, 'page_view'),
    ('2001-03-10 09:00Z', 900011, 1, 'login'),
    ('2001-03-10 15:00Z', 900011, 1, 'feature_used'),
    ('2001-03-10 10:00Z', 900011, 2, 'login'),
    ('2001-02-20 10:00Z', 900011, 3, 'login');
SELECT rollup_compute_range('2001-02-01', '2001-03-31');

-- DAU 03-10: users 1, 2 = 2 (user 1's two events count once)
SELECT is((SELECT active_users FROM metrics_daily WHERE day = '2001-03-10'), 2, 'DAU on 2001-03-10 is 2');
-- sum of DAU over March = 1 + 1 + 2 = 4, but distinct users in March = {1, 2} = 2
SELECT is((SELECT sum(active_users)::int FROM metrics_daily WHERE day BETWEEN '2001-03-01' AND '2001-03-31'), 4,
          'sum of daily active users in March is 4');
SELECT is(active_users('2001-03-01', '2001-03-31'), 2::bigint, 'calendar-month MAU for March is 2, not 4');
-- trailing 30 days of 03-10 = 02-09 .. 03-10: users 1, 2, 3
SELECT is((SELECT mau FROM metrics_daily WHERE day = '2001-03-10'), 3, 'MAU on 2001-03-10 is 3');
-- trailing 30 days of 03-31 = 03-02 .. 03-31: users 1, 2 (user 3 dropped out)
SELECT is((SELECT mau FROM metrics_daily WHERE day = '2001-03-31'), 2, 'MAU on 2001-03-31 is 2');
-- trailing 7 days of 03-10 = 03-04 .. 03-10: users 1, 2
SELECT is((SELECT wau FROM metrics_daily WHERE day = '2001-03-10'), 2, 'WAU on 2001-03-10 is 2');
-- 03-05 .. 03-11 window of 03-11 still holds users 1 and 2; 03-08 window (03-02..03-08) only user 1
SELECT is((SELECT wau FROM metrics_daily WHERE day = '2001-03-08'), 1, 'WAU on 2001-03-08 is 1');

SELECT * FROM finish();
ROLLBACK;
