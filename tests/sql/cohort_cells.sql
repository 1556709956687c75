-- cohort_cells.sql — the cohort matrices (api.users_cohorts) read from kept cells
-- (users_cohort_cells, filled by the follower compute users_cohort_compute) equal the ones computed
-- live, and both equal the matrices worked out by hand; a late change recomputes the kept days
-- after it.  Fixture customers converting in 2003, which the demo data does not reach.  Rolled back.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(9);
SELECT set_config('northstar.tz', 'UTC', true);
-- The users job's locks first (users_refresh), so that this test and the job do not interleave.
SELECT users_refresh();

-- X1 converts 2003-01-10 and pays 100.00; X2 converts 01-20, pays 50.00 until 02-15 (then nothing);
-- X3 converts 02-05 and pays 200.00; X4 converts 02-25, pays 80.00, then 120.00 from 03-10.
INSERT INTO customers (id, name, email, signup_at, converted_at) VALUES
  (900201, 'Cohort X1', 'x1@fixture.example', '2003-01-01Z', '2003-01-10 12:00Z'),
  (900202, 'Cohort X2', 'x2@fixture.example', '2003-01-01Z', '2003-01-20 12:00Z'),
  (900203, 'Cohort X3', 'x3@fixture.example', '2003-01-01Z', '2003-02-05 12:00Z'),
  (900204, 'Cohort X4', 'x4@fixture.example', '2003-01-01Z', '2003-02-25 12:00Z');
INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from, valid_to) VALUES
  (900201, (SELECT min(id) FROM plans), 1, 10000, '2003-01-10', NULL),
  (900202, (SELECT min(id) FROM plans), 1, 5000, '2003-01-20', '2003-02-15'),
  (900203, (SELECT min(id) FROM plans), 1, 20000, '2003-02-05', NULL),
  (900204, (SELECT min(id) FROM plans), 1, 8000, '2003-02-25', '2003-03-10'),
  (900204, (SELECT min(id) FROM plans), 1, 12000, '2003-03-10', NULL);

CREATE FUNCTION pg_temp.matrix(p_metric text) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(format('%s n=%s mrr0=%s %s', x ->> 'cohort', x ->> 'size', x ->> 'starting_mrr', x -> 'retention'), '; ')
    FROM json_array_elements(api.users_cohorts(1, 'ceo', 'month', p_metric, '3', '2003-03-31') -> 'cohorts') x
$$;
-- By hand, months of 2003 measured on 01-31, 02-28, 03-31.  January (X1, X2): both pay on 01-31,
-- X1 alone after; MRR 150.00, then 100.00 (66.67 %).  February (X3, X4): both pay on 02-28 and 03-31;
-- MRR 280.00, then 200.00 + 120.00 = 320.00 (114.29 %).  March: nobody converted.
SELECT ok(NOT EXISTS (SELECT 1 FROM users_cohort_days WHERE day BETWEEN '2003-01-01' AND '2003-03-31'),
          'no kept cells in 2003 yet: the matrix is computed live');
SELECT is(pg_temp.matrix('logos'),
          '2003-01-01 n=2 mrr0=150.00 [100.00, 50.00, 50.00]; 2003-02-01 n=2 mrr0=280.00 [100.00, 100.00]',
          'logos, live: January 100 / 50 / 50 %, February 100 / 100 %');
SELECT is(pg_temp.matrix('revenue'),
          '2003-01-01 n=2 mrr0=150.00 [100.00, 66.67, 66.67]; 2003-02-01 n=2 mrr0=280.00 [100.00, 114.29]',
          'revenue, live: January 100 / 66.67 / 66.67 %, February 100 / 114.29 %');
CREATE TEMP TABLE fx_live ON COMMIT DROP AS
  SELECT pe, me, api.users_cohorts(1, 'ceo', pe, me, '3', '2003-03-31')::text AS answer
    FROM unnest(ARRAY['month', 'week']) pe, unnest(ARRAY['logos', 'revenue']) me;

SELECT users_cohort_compute('2003-01-01', '2003-03-31');
SELECT is((SELECT row(size, paying, mrr_cents)::text FROM users_cohort_cells
            WHERE kind = 'month' AND day = '2003-03-31' AND cohort = '2003-02-01'), '(2,2,32000)',
          'kept cell of February on 03-31: 2 members, 2 paying, 32000 cents');
SELECT is((SELECT row(size, paying, mrr_cents)::text FROM users_cohort_cells
            WHERE kind = 'week' AND day = '2003-01-26' AND cohort = '2003-01-20'), '(1,1,5000)',
          'kept cell of the week of 01-20 on its Sunday 01-26: X2 alone, paying 5000 cents');
SELECT ok((SELECT count(*) FROM users_cohort_days WHERE kind = 'month' AND day IN ('2003-01-31', '2003-02-28', '2003-03-31')) = 3
          AND NOT EXISTS (SELECT 1 FROM users_cohort_days WHERE day BETWEEN '2003-01-01' AND '2003-03-31'
                          AND day NOT IN ('2003-01-31', '2003-02-28', '2003-03-31') AND extract(isodow FROM day) <> 7),
          'the kept days are the period ends (month ends, Sundays)');
SELECT is_empty($$ SELECT pe, me FROM fx_live WHERE answer <> api.users_cohorts(1, 'ceo', pe, me, '3', '2003-03-31')::text $$,
                'every matrix read from the kept cells equals the live one (month and week, logos and revenue)');

-- A late change on 03-20: X3 stops paying.  Kept days from 03-20 on are recomputed.
UPDATE subscriptions SET valid_to = '2003-03-20' WHERE customer_id = 900203;
SELECT users_cohort_compute('2003-03-20', '2003-03-20');
SELECT is(pg_temp.matrix('logos'),
          '2003-01-01 n=2 mrr0=150.00 [100.00, 50.00, 50.00]; 2003-02-01 n=2 mrr0=280.00 [100.00, 50.00]',
          'after the late change: February 50 % on 03-31 (X3 gone)');
SELECT is(pg_temp.matrix('revenue'),
          '2003-01-01 n=2 mrr0=150.00 [100.00, 66.67, 66.67]; 2003-02-01 n=2 mrr0=280.00 [100.00, 42.86]',
          'and 120.00 ÷ 280.00 = 42.86 % of its revenue');

SELECT * FROM finish();
ROLLBACK;
