-- mrr_movements(): one new, one expansion, one contraction, one churn and one reactivation in Feb 2001.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(4);

INSERT INTO plans (code, name, price_cents, billing_interval) VALUES ('starter', 'Starter', 2900, 'month')
ON CONFLICT (code) DO NOTHING;
INSERT INTO customers (id, name, email, signup_at)
SELECT 900000 + i, 'Fixture ' || i, 'f' || i || '@fixture.example', '2000-01-01 12:00Z'
FROM generate_series(1, 7) i;

-- Window: MRR on 2001-01-31 vs MRR on 2001-02-28 (valid_to is exclusive).
INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from, valid_to)
SELECT v.c, p.id, 1, v.mrr, v.f::date, v.t::date
FROM (VALUES
    (900001,  5000, '2001-02-10', NULL),          -- A new:          0 -> 5000, never paid      => new +5000
    (900002, 10000, '2000-06-01', '2001-02-15'),  -- B expansion:    10000 -> 15000             => +5000
    (900002, 15000, '2001-02-15', NULL),
    (900003, 20000, '2000-06-01', '2001-02-20'),  -- C contraction:  20000 -> 12000             => -8000
    (900003, 12000, '2001-02-20', NULL),
    (900004,  7000, '2000-05-01', '2001-02-05'),  -- D churn:        7000 -> 0                  => -7000
    (900005,  3000, '2000-03-01', '2000-09-01'),  -- E reactivation: paid in 2000, 0 -> 4000    => +4000
    (900005,  4000, '2001-02-12', NULL),
    (900006,  9000, '2000-01-01', NULL),          -- F unchanged 9000: no row
    (900007,  6000, '2001-02-03', '2001-02-20')   -- G starts and stops inside the window: no row
) v(c, mrr, f, t)
CROSS JOIN (SELECT id FROM plans WHERE code = 'starter') p;

SELECT results_eq(
    $$SELECT customer_id, kind, delta_cents FROM mrr_movements('2001-01-31', '2001-02-28')
      WHERE customer_id BETWEEN 900001 AND 900007 ORDER BY customer_id$$,
    $$VALUES (900001, 'new', 5000::bigint), (900002, 'expansion', 5000::bigint),
             (900003, 'contraction', -8000::bigint), (900004, 'churn', -7000::bigint),
             (900005, 'reactivation', 4000::bigint)$$,
    'each fixture customer gets exactly its hand-worked movement kind and delta');

-- MRR 2001-01-31 = B 10000 + C 20000 + D 7000 + F 9000 = 46000
SELECT is((SELECT sum(mrr_cents) FROM mrr_at('2001-01-31') WHERE customer_id BETWEEN 900001 AND 900007),
          46000::numeric, 'opening MRR is 46000');
-- MRR 2001-02-28 = A 5000 + B 15000 + C 12000 + E 4000 + F 9000 = 45000
SELECT is((SELECT sum(mrr_cents) FROM mrr_at('2001-02-28') WHERE customer_id BETWEEN 900001 AND 900007),
          45000::numeric, 'closing MRR is 45000');
-- 5000 + 5000 - 8000 - 7000 + 4000 = -1000 = 45000 - 46000
SELECT is((SELECT sum(delta_cents) FROM mrr_movements('2001-01-31', '2001-02-28')
           WHERE customer_id BETWEEN 900001 AND 900007), -1000::numeric,
          'movements add up to closing minus opening MRR');

SELECT * FROM finish();
ROLLBACK;
