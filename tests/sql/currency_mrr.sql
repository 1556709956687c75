-- Currencies (docs/metrics.md, "Currencies"): the one conversion rule (fx_factor, fx_convert,
-- fx_missing_message), MRR valued at each day's rate (mrr_rows), and the fx movement
-- (mrr_movements, revenue_movement_series).  Reporting currency USD; every figure worked by hand.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(23);
SET LOCAL northstar.currency = 'USD';

-- Day A = Friday 2001-03-02, day B = Friday 2001-03-16 (no demo data before 2025).
-- ECB-style rates (units per 1 EUR): USD 1.1000 on A, 1.2000 on B; JPY 130 on A, 120 on B.
INSERT INTO fx_rates (currency, day, per_eur) VALUES
    ('USD', '2001-03-02', 1.1000), ('USD', '2001-03-16', 1.2000),
    ('JPY', '2001-03-02', 130), ('JPY', '2001-03-16', 120);

-- ---------------------------------------------------------------- the conversion rule

-- EUR -> USD on A: 1.1 / 1 = 1.1; €100.00 = 10000 cents -> 11000 cents ($110.00)
SELECT is(fx_convert(10000, 'EUR', '2001-03-02'), 11000::bigint, 'EUR 100.00 on A is USD 110.00');
-- on B: 10000 x 1.2 = 12000
SELECT is(fx_convert(10000, 'EUR', '2001-03-16'), 12000::bigint, 'EUR 100.00 on B is USD 120.00');
-- JPY is zero-decimal (the amount is in yen): 13000 yen x (1.1 / 130) USD/yen = 110.00 USD = 11000 cents
SELECT is(fx_convert(13000, 'JPY', '2001-03-02'), 11000::bigint, 'JPY 13,000 (zero-decimal) on A is USD 110.00');
-- 1 yen on A: 1.1 / 130 x 100 = 0.846 cents -> rounds to 1 cent
SELECT is(fx_convert(1, 'JPY', '2001-03-02'), 1::bigint, 'JPY 1 is 0.846 cents, rounded to 1');
-- Sunday 2001-03-04 has no rate: Friday's (1.1) serves it; 10000 x 1.1 = 11000
SELECT is(fx_convert(10000, 'EUR', '2001-03-04'), 11000::bigint, 'a Sunday uses the Friday rate');
-- 2001-03-09 is A + 7: beyond the lookback (A .. A + 6) and before B: no rate
SELECT is(fx_convert(10000, 'EUR', '2001-03-09'), NULL::bigint, 'a rate is used for at most 7 days (lookback)');
-- GBP has no rate at all: NULL, never 0 or the amount unconverted
SELECT is(fx_convert(10000, 'GBP', '2001-03-02'), NULL::bigint, 'no rate: fx_convert is NULL');
SELECT is(fx_missing_message('GBP', '2001-03-02'),
          'no exchange rate from GBP to USD on 2001-03-02 or the 6 days before it; load the rates '
          '(northstar-import ecb FILE, docs/ingest.md "Currencies")', 'no rate: the message names currency, day and remedy');
-- the reporting currency itself needs no rate: USD on a day without any rate is itself
SELECT is(fx_convert(12345, 'USD', '2001-06-01'), 12345::bigint, 'the reporting currency converts as itself, no rate needed');

-- ---------------------------------------------------------------- MRR at each day's rate

INSERT INTO plans (code, name, price_cents, billing_interval) VALUES ('starter', 'Starter', 2900, 'month')
ON CONFLICT (code) DO NOTHING;
INSERT INTO customers (id, name, email, signup_at)
SELECT 910000 + i, 'FX fixture ' || i, 'fx' || i || '@fixture.example', '2001-01-01 12:00Z'
FROM generate_series(1, 8) i;
-- mrr_cents = the amount converted when the row was stored (at A's rate); mrr_original_cents in
-- the row's own currency (NULL for a reporting-currency row).  valid_to is exclusive.
INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, mrr_original_cents, currency, valid_from, valid_to)
SELECT v.c, p.id, 1, v.mrr, v.orig, v.cur, v.f::date, v.t::date
FROM (VALUES
    (910001, 11000, 10000, 'EUR', '2001-02-01', NULL),          -- 1: EUR 100.00 all along
    (910002, 11000, 10000, 'EUR', '2001-02-01', '2001-03-08'),  -- 2: EUR 100.00, upgraded to EUR 150.00 on 03-08
    (910002, 16500, 15000, 'EUR', '2001-03-08', NULL),
    (910003, 11000, 13000, 'JPY', '2001-02-01', NULL),          -- 3: JPY 13,000
    (910004,  5000,  4000, 'GBP', '2001-02-01', NULL),          -- 4: GBP 40.00, no GBP rate ever: stays 5000
    (910005,  7000,  NULL, 'USD', '2001-02-01', NULL),          -- 5: USD 70.00 (reporting currency)
    (910006, 11000, 10000, 'EUR', '2001-02-01', '2001-03-10'),  -- 6: EUR 100.00, churns on 03-10
    (910007,  5500,  5000, 'EUR', '2001-03-12', NULL),          -- 7: EUR 50.00, new on 03-12
    (910008,  7000,  7000, 'USD', '2001-02-01', NULL)           -- 8: USD 70.00 with its original amount (as ingested)
) v(c, mrr, orig, cur, f, t)
CROSS JOIN (SELECT id FROM plans WHERE code = 'starter') p;

-- MRR on A: 1: 10000 x 1.1 = 11000; 2: 11000; 3: 13000 x 1.1/130 x 100 = 11000; 4: no rate -> 5000;
-- 5: 7000; 6: 11000; 7: not yet; 8: 7000 (reporting currency: its mrr_cents).  Total 63000.
SELECT results_eq(
    $$SELECT customer_id, mrr_cents FROM mrr_at('2001-03-02') WHERE customer_id BETWEEN 910001 AND 910008 ORDER BY 1$$,
    $$VALUES (910001, 11000::bigint), (910002, 11000::bigint), (910003, 11000::bigint),
             (910004, 5000::bigint), (910005, 7000::bigint), (910006, 11000::bigint), (910008, 7000::bigint)$$,
    'MRR on A: each customer at A''s rates');
-- MRR on B: 1: 10000 x 1.2 = 12000; 2: 15000 x 1.2 = 18000; 3: 13000 x 1.2/120 x 100 = 13000;
-- 4: 5000; 5: 7000; 6: churned; 7: 5000 x 1.2 = 6000; 8: 7000.  Total 68000.
SELECT results_eq(
    $$SELECT customer_id, mrr_cents FROM mrr_at('2001-03-16') WHERE customer_id BETWEEN 910001 AND 910008 ORDER BY 1$$,
    $$VALUES (910001, 12000::bigint), (910002, 18000::bigint), (910003, 13000::bigint),
             (910004, 5000::bigint), (910005, 7000::bigint), (910007, 6000::bigint), (910008, 7000::bigint)$$,
    'MRR on B: each customer at B''s rates');
-- 2001-03-09: no USD rate within the lookback: foreign rows fall back to their stored mrr_cents
-- 1: 11000; 2: 16500 (the upgraded row); 3: 11000; 4: 5000; 5: 7000; 6: 11000; 8: 7000 = 68500
SELECT is((SELECT sum(mrr_cents) FROM mrr_at('2001-03-09') WHERE customer_id BETWEEN 910001 AND 910008),
          68500::numeric, 'a day without a rate values foreign rows at their stored conversion, never 0');

-- ---------------------------------------------------------------- the fx movement

-- A -> B, per customer: m0 (on A), m0t (A's rows at B's rates), m1 (on B); fx = m0t - m0, rest = m1 - m0t
--   1: 11000, 12000, 12000 -> fx +1000, nothing else (the rate alone moved)
--   2: 11000, 12000, 18000 -> fx +1000 (100 x (1.2 - 1.1)), expansion +6000 (50 x 1.2)
--   3: 11000, 13000, 13000 -> fx +2000
--   4, 5, 8: unchanged -> no row
--   6: 11000, 12000, 0     -> fx +1000, churn -12000
--   7: 0, 0, 6000          -> new +6000
SELECT results_eq(
    $$SELECT customer_id, kind, delta_cents FROM mrr_movements('2001-03-02', '2001-03-16')
      WHERE customer_id BETWEEN 910001 AND 910008 ORDER BY 1, 2$$,
    $$VALUES (910001, 'fx', 1000::bigint),
             (910002, 'expansion', 6000::bigint), (910002, 'fx', 1000::bigint),
             (910003, 'fx', 2000::bigint),
             (910006, 'churn', -12000::bigint), (910006, 'fx', 1000::bigint),
             (910007, 'new', 6000::bigint)$$,
    'movements A -> B: a rate change alone is fx; an upgrade splits into fx and expansion');
-- sum of deltas = 1000 + 6000 + 1000 + 2000 - 12000 + 1000 + 6000 = 5000 = 68000 - 63000
SELECT is((SELECT sum(delta_cents) FROM mrr_movements('2001-03-02', '2001-03-16') WHERE customer_id BETWEEN 910001 AND 910008),
          5000::numeric, 'sum of movements = MRR(B) - MRR(A) = 68000 - 63000');

-- The one-pass series (the endpoints): only the fixture pays in 2001.
SELECT results_eq(
    $$SELECT start_cents, fx_cents, new_cents, expansion_cents, contraction_cents, churn_cents, reactivation_cents,
             end_cents, start_customers, end_customers, fx_n, new_n, expansion_n, churn_n
        FROM revenue_movement_series(ARRAY['2001-03-02', '2001-03-16']::date[])$$,
    $$VALUES (63000::bigint, 5000::bigint, 6000::bigint, 6000::bigint, 0::bigint, -12000::bigint, 0::bigint,
              68000::bigint, 7, 7, 4, 1, 1, 1)$$,
    'series A -> B: start 63000 + fx 5000 + new 6000 + expansion 6000 - churn 12000 = end 68000');
-- Two intervals at once (A -> 03-09 -> B); 03-09 values foreign rows at their stored mrr_cents.
--   A -> 03-09: 1: 11000 -> 11000 (m0t = 11000, no rate on 03-09): none; 2: m0t 11000, m1 16500:
--   expansion +5500; 3: none; 6: none.  fx 0.
--   03-09 -> B: 1: m0 11000, m0t 12000 (10000 x 1.2), m1 12000: fx +1000; 2: m0 16500, m0t 18000,
--   m1 18000: fx +1500; 3: 11000 -> 13000: fx +2000; 6: m0 11000, m0t 12000, m1 0: fx +1000, churn
--   -12000; 7: new +6000.  fx 5500.
SELECT results_eq(
    $$SELECT j, start_cents, fx_cents, expansion_cents, churn_cents, new_cents, end_cents
        FROM revenue_movement_series(ARRAY['2001-03-02', '2001-03-09', '2001-03-16']::date[]) ORDER BY j$$,
    $$VALUES (1, 63000::bigint, 0::bigint, 5500::bigint, 0::bigint, 0::bigint, 68500::bigint),
             (2, 68500::bigint, 5500::bigint, 0::bigint, -12000::bigint, 6000::bigint, 68000::bigint)$$,
    'series over two intervals: each interval''s fx from its own rates');
-- mrr_movements agrees with the series on the second interval: fx 1000 + 1500 + 2000 + 1000 = 5500
SELECT is((SELECT sum(delta_cents) FROM mrr_movements('2001-03-09', '2001-03-16')
            WHERE kind = 'fx' AND customer_id BETWEEN 910001 AND 910008),
          5500::numeric, 'mrr_movements 03-09 -> B: fx 5500, as the series');

-- ---------------------------------------------------------------- the demo is unchanged

-- Every demo row is in the reporting currency: valued exactly at its stored mrr_cents.
SELECT is((SELECT count(*) FROM mrr_rows(ARRAY[ns_today(), ns_today() - 30, ns_today() - 200]) r
            WHERE r.customer_id NOT BETWEEN 910001 AND 910008 AND r.mrr_cents IS DISTINCT FROM r.stored_cents),
          0::bigint, 'demo rows: MRR is exactly the stored mrr_cents');
SELECT cmp_ok((SELECT count(*) FROM mrr_rows(ARRAY[ns_today()]) r WHERE r.customer_id NOT BETWEEN 910001 AND 910008),
              '>', 0::bigint, 'the demo has paying rows today (the check above is not vacuous)');
-- metrics_daily (built before these fixtures) still equals the plain sum of in-effect rows today
SELECT is((SELECT mrr_cents FROM metrics_daily WHERE day = ns_today()),
          (SELECT sum(s.mrr_cents)::bigint FROM subscriptions s
            WHERE s.in_effect @> ns_today() AND s.mrr_cents > 0 AND s.customer_id NOT BETWEEN 910001 AND 910008),
          'metrics_daily MRR today = sum of the demo''s stored mrr_cents');

-- A row stored without a currency is in the reporting currency, whichever it is.
SET LOCAL northstar.currency = 'EUR';
INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from, valid_to)
SELECT 910005, id, 1, 100, '2001-01-01', '2001-01-02' FROM plans WHERE code = 'starter';
SELECT is((SELECT currency::text FROM subscriptions WHERE customer_id = 910005 AND valid_from = '2001-01-01'), 'EUR',
          'the currency column defaults to the reporting currency');
SET LOCAL northstar.currency = 'USD';

-- ---------------------------------------------------------------- a rate change dirties its days

-- A USD rate on 2001-04-02 serves 04-02 .. 04-08 (lookback 7): those 7 days are dirty.
DELETE FROM rollup_dirty_days;
INSERT INTO fx_rates (currency, day, per_eur) VALUES ('USD', '2001-04-02', 1.15);
SELECT results_eq($$SELECT min(day), max(day), count(*) FROM rollup_dirty_days$$,
                  $$VALUES ('2001-04-02'::date, '2001-04-08'::date, 7::bigint)$$,
                  'a new rate marks the 7 days it serves dirty');

-- A rate of a currency no subscription uses (CHF) changes no figure: nothing marked.
DELETE FROM rollup_dirty_days;
INSERT INTO fx_rates (currency, day, per_eur) VALUES ('CHF', '2001-05-02', 0.95);
SELECT is((SELECT count(*) FROM rollup_dirty_days), 0::bigint, 'a rate of an unused currency marks nothing');

SELECT * FROM finish();
ROLLBACK;
