-- customer_list_snapshot.sql — the customer list (api.users_customers) of a day with a snapshot
-- (customer_list_daily, read in MRR order from its index) and of a day without one (computed live
-- by customer_list_state): the same answers, every figure worked out by hand below; the row scope
-- follows a change of owner at once, before any snapshot is retaken.  The segment counts
-- (api.users_segments) kept with a snapshot day (customer_snapshot_keep) equal the live ones.
-- Fixture customers on days of 2002, which the demo data does not reach.  Rolled back.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(18);
SELECT set_config('northstar.tz', 'UTC', true);
-- The users job's locks first (users_refresh), so that this test and the job do not interleave.
SELECT users_refresh();

INSERT INTO app_users (id, email, name, role, password_hash) VALUES
  (9101, 'fx-list-cs@fixture.example', 'List CS', 'cs', '$2b$10$fixture'),
  (9102, 'fx-list-sales@fixture.example', 'List Sales', 'sales', '$2b$10$fixture');
-- On 2002-03-31: A pays 100.00 (2 seats); B pays 50.00 + 200.00 = 250.00 (1 + 3 = 4 seats, its
-- main plan is that of the 200.00 subscription); C churned on 03-10 and G on 03-15; D is in its
-- trial (03-20 .. 04-03); E has nothing (inactive), but an opportunity of the sales user; F signs up
-- after the day.
INSERT INTO customers (id, name, email, signup_at, trial_started_on, trial_ends_on, churned_at, cs_owner_id, sales_owner_id) VALUES
  (900101, 'List A', 'la@fixture.example', '2002-01-05Z', NULL, NULL, NULL, 9101, NULL),
  (900102, 'List B', 'lb@fixture.example', '2002-01-06Z', NULL, NULL, NULL, NULL, 9102),
  (900103, 'List C', 'lc@fixture.example', '2002-01-07Z', NULL, NULL, '2002-03-10 12:00Z', NULL, NULL),
  (900104, 'List D', 'ld@fixture.example', '2002-03-20Z', '2002-03-20', '2002-04-03', NULL, 9101, NULL),
  (900105, 'List E', 'le@fixture.example', '2002-02-01Z', NULL, NULL, NULL, NULL, NULL),
  (900106, 'List F', 'lf@fixture.example', '2002-04-05Z', NULL, NULL, NULL, 9101, 9102),
  (900107, 'List G', 'lg@fixture.example', '2002-01-08Z', NULL, NULL, '2002-03-15 12:00Z', NULL, NULL);
CREATE TEMP TABLE fx_plans ON COMMIT DROP AS
  SELECT id, code, row_number() OVER (ORDER BY id) AS n FROM plans ORDER BY id LIMIT 2;
INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from, valid_to) VALUES
  (900101, (SELECT id FROM fx_plans WHERE n = 1), 2, 10000, '2002-02-01', NULL),
  (900102, (SELECT id FROM fx_plans WHERE n = 1), 1, 5000, '2002-02-01', NULL),
  (900102, (SELECT id FROM fx_plans WHERE n = 2), 3, 20000, '2002-03-01', NULL),
  (900103, (SELECT id FROM fx_plans WHERE n = 1), 1, 7000, '2002-01-07', '2002-03-10'),
  (900106, (SELECT id FROM fx_plans WHERE n = 1), 1, 9000, '2002-04-05', NULL);
INSERT INTO opportunities (customer_id, owner_id, stage, amount_cents, created_at)
VALUES (900105, 9102, 'prospecting', 100000, '2002-02-10Z');

-- The answers asked for, on a day without a snapshot (live) and then with one.
CREATE TEMP TABLE fx_asks (k int, u int, r text, s text, l text, o text) ON COMMIT DROP;
INSERT INTO fx_asks VALUES (1, 1, 'ceo', 'all', '50', '0'), (2, 9101, 'cs', 'all', '50', '0'),
  (3, 9102, 'sales', 'all', '50', '0'), (4, 1, 'ceo', 'inactive', '50', '0'), (5, 1, 'ceo', 'all', '2', '1'),
  (6, 9102, 'sales', 'paying', '50', '0'), (7, 1, 'ceo', 'trial', '50', '0');
CREATE FUNCTION pg_temp.ask(p_k int) RETURNS json LANGUAGE sql AS $$
  SELECT api.users_customers(u, r, s, l, o, '2002-03-31') FROM fx_asks WHERE k = p_k
$$;
CREATE FUNCTION pg_temp.ids(p_k int) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(x ->> 'customer_id', ',' ORDER BY n) FROM json_array_elements(pg_temp.ask(p_k) -> 'customers') WITH ORDINALITY e(x, n)
$$;
CREATE TEMP TABLE fx_live ON COMMIT DROP AS SELECT k, pg_temp.ask(k)::text AS answer FROM fx_asks;
CREATE TEMP TABLE fx_segments_live ON COMMIT DROP AS SELECT api.users_segments(1, 'ceo', '2002-03-31')::text AS answer;

SELECT ok(NOT customer_snapshot_taken('2002-03-31'), 'no snapshot of 2002-03-31 yet: the list is computed live');
SELECT is((pg_temp.ask(1) -> 'company')::text,
          '{"customers" : 6, "paying" : 2, "trial" : 1, "churned" : 2, "mrr" : 350.00}',
          'company totals: 6 signed up by the day (F after), 2 paying (A, B), D in trial, C and G churned, 100.00 + 250.00');
SELECT is(pg_temp.ids(1) || ' / ' || (pg_temp.ask(1) ->> 'total'), '900102,900101,900103,900104,900105,900107 / 6',
          'the CEO: B (250.00), A (100.00), then C, D, E, G (no MRR) by id');
SELECT is((SELECT string_agg(format('%s %s %s %s', x ->> 'status', x ->> 'mrr', coalesce(x ->> 'seats', '-'), coalesce(x ->> 'plan', '-')), '; ' ORDER BY n)
             FROM json_array_elements(pg_temp.ask(1) -> 'customers') WITH ORDINALITY e(x, n)),
          format('paying 250.00 4 %s; paying 100.00 2 %s; churned 0.00 - -; trial 0.00 - -; inactive 0.00 - -; churned 0.00 - -',
                 (SELECT code FROM fx_plans WHERE n = 2), (SELECT code FROM fx_plans WHERE n = 1)),
          'status, MRR, seats and main plan of each');
SELECT is(pg_temp.ids(2) || ' / ' || (pg_temp.ask(2) ->> 'total'), '900101,900104 / 2', 'cs sees its own A and D');
SELECT is(pg_temp.ids(3) || ' / ' || (pg_temp.ask(3) ->> 'total'), '900102,900105 / 2',
          'sales sees B (owner) and E (its opportunity)');
SELECT is(pg_temp.ids(4) || ' / ' || (pg_temp.ask(4) ->> 'total'), '900105 / 1', 'status=inactive: E');
SELECT is(pg_temp.ids(5) || ' / ' || (pg_temp.ask(5) ->> 'total'), '900101,900103 / 6', 'limit 2 offset 1: A, C of 6');
SELECT is(pg_temp.ids(6) || ' / ' || (pg_temp.ask(6) ->> 'total'), '900102 / 1', 'sales, paying: B');
SELECT is(pg_temp.ids(7) || ' / ' || (pg_temp.ask(7) ->> 'total'), '900104 / 1', 'status=trial: D');

SELECT customer_snapshot('2002-03-31');
SELECT ok(customer_snapshot_taken('2002-03-31'), 'the snapshot of 2002-03-31 is taken');
SELECT customer_snapshot_keep();
SELECT is((SELECT row(customers, paying, trial, churned, mrr_cents)::text
             FROM jsonb_to_recordset(customer_snapshot_kept_rows('customer_list_totals', '2002-03-31'))
                  AS x(customers bigint, paying bigint, trial bigint, churned bigint, mrr_cents numeric)),
          '(6,2,1,2,35000)', 'its totals row: 6 customers, 2 paying, 1 trial, 2 churned, 35000 cents');
SELECT is((SELECT count(*)::int FROM customer_list_daily WHERE day = '2002-03-31' AND customer_id BETWEEN 900101 AND 900107), 6,
          'one row per customer signed up by the day');
SELECT is_empty($$ SELECT k FROM fx_live WHERE answer <> pg_temp.ask(k)::text $$,
                'every answer read from the snapshot equals the live one');

-- RFM of the two paying customers: no activity (recency 1, frequency 1), A 100.00 and B 250.00
-- (monetary 2: 100.00 to 499.99): both hibernating, one grid cell.
SELECT is((SELECT json_agg(x)::text FROM json_array_elements(api.users_segments(1, 'ceo', '2002-03-31') -> 'rfm_grid') x),
          '[{"r" : 1, "f" : 1, "m" : 2, "customers" : 2, "mrr" : 350.00}]', 'RFM grid: A and B in (1, 1, 2), 350.00');
SELECT customer_snapshot_keep();
SELECT ok(customer_snapshot_kept_rows('users_segments', '2002-03-31') IS NOT NULL, 'the segment counts of the snapshot day are kept');
SELECT is(api.users_segments(1, 'ceo', '2002-03-31')::text, (SELECT answer FROM fx_segments_live),
          'the kept segment counts equal the live ones');

-- A change of owner shows at once (the scope is judged on the current owners), snapshot or not.
UPDATE customers SET cs_owner_id = 9101 WHERE id = 900102;
SELECT is(pg_temp.ids(2) || ' / ' || (pg_temp.ask(2) ->> 'total'), '900102,900101,900104 / 3',
          'cs now owning B sees it at once, from the same snapshot');

SELECT * FROM finish();
ROLLBACK;
