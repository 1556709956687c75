-- The summary's "previous" block is the summary of the previous as_of (as_of − 1 month) asked for
-- directly, also on days 29–31 where "a month before a month before" is not "two months before":
-- previous(2001-03-31) is 2001-02-28, whose own previous is 2001-01-28 (not 2001-01-31).
-- A hand-made fixture that changes MRR between 01-28 and 01-31, then every month end of the
-- year before today on the demo data.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(8);
SET LOCAL northstar.rollup_skip_dirty = on;
INSERT INTO plans (code, name, price_cents, billing_interval) VALUES ('starter', 'Starter', 2900, 'month')
ON CONFLICT (code) DO NOTHING;
INSERT INTO customers (id, name, email, signup_at, converted_at) VALUES
    (920001, 'Px Old', 'p1@fx.example', '2000-06-01Z', '2000-06-01Z'),
    (920002, 'Px Jan 30', 'p2@fx.example', '2001-01-20Z', '2001-01-30Z');
INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from, valid_to)
SELECT v.c, p.id, 1, v.mrr, v.f::date, NULL
FROM (VALUES (920001, 10000, '2000-06-01'), (920002, 1000, '2001-01-30')) v(c, mrr, f)
CROSS JOIN (SELECT id FROM plans WHERE code = 'starter') p;

-- previous(d) = summary(d - 1 month) without its own "previous"
CREATE TEMP TABLE prev_check AS
SELECT d::date AS d,
       (api.revenue_summary(1, 'ceo', d::date)::jsonb -> 'previous') AS previous,
       (api.revenue_summary(1, 'ceo', (d - interval '1 month')::date)::jsonb - 'previous') AS direct
FROM unnest(ARRAY['2001-03-31', '2001-03-30', '2001-03-29', '2001-05-31', '2001-12-31']::date[]) d;

SELECT is((SELECT previous FROM prev_check WHERE d = '2001-03-31'), (SELECT direct FROM prev_check WHERE d = '2001-03-31'),
          'as_of 2001-03-31: previous block = the summary of 2001-02-28');
SELECT is((SELECT previous -> 'movements' ->> 'new' FROM prev_check WHERE d = '2001-03-31'), '10.00',
          'as_of 2001-03-31: previous movements run from 2001-01-28 and hold the 01-30 start (10.00 new)');
SELECT is((SELECT previous ->> 'mom_growth_pct' FROM prev_check WHERE d = '2001-03-31'), '10.00',
          'as_of 2001-03-31: previous MoM growth 10000 -> 11000 = 10.00 %');
SELECT is((SELECT previous FROM prev_check WHERE d = '2001-03-30'), (SELECT direct FROM prev_check WHERE d = '2001-03-30'),
          'as_of 2001-03-30: previous block = the summary of 2001-02-28');
SELECT is((SELECT previous FROM prev_check WHERE d = '2001-03-29'), (SELECT direct FROM prev_check WHERE d = '2001-03-29'),
          'as_of 2001-03-29: previous block = the summary of 2001-02-28');
SELECT is((SELECT previous FROM prev_check WHERE d = '2001-05-31'), (SELECT direct FROM prev_check WHERE d = '2001-05-31'),
          'as_of 2001-05-31: previous block = the summary of 2001-04-30');
SELECT is((SELECT previous FROM prev_check WHERE d = '2001-12-31'), (SELECT direct FROM prev_check WHERE d = '2001-12-31'),
          'as_of 2001-12-31: previous block = the summary of 2001-11-30');
-- the demo data: every month end of the 12 months before today
SELECT is((SELECT count(*)::int FROM generate_series(1, 12) k
            CROSS JOIN LATERAL (SELECT (date_trunc('month', api.today()) - make_interval(months => k - 1))::date - 1 AS d) x
           WHERE (api.revenue_summary(1, 'ceo', x.d)::jsonb -> 'previous')
                 IS DISTINCT FROM (api.revenue_summary(1, 'ceo', (x.d - interval '1 month')::date)::jsonb - 'previous')),
          0, 'demo data: for each of the last 12 month ends the previous block equals the direct answer');

SELECT * FROM finish();
ROLLBACK;
