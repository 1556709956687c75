-- Revenue endpoints on a hand-made fixture in Feb 2001 (no demo data there); every expected number is
-- worked out by hand in the comments.  The block between FIXTURE BEGIN/END is also loaded (committed,
-- then deleted) by tests/integration/t-revenue.sh to check the same numbers through nginx.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(48);

-- FIXTURE BEGIN
SET LOCAL northstar.rollup_skip_dirty = on;   -- rollups of the fixture days are computed below
INSERT INTO plans (code, name, price_cents, billing_interval) VALUES ('starter', 'Starter', 2900, 'month')
ON CONFLICT (code) DO NOTHING;
-- C1..C6 paying customers (C6 enterprise segment, the rest smb), C7 a trial user.
INSERT INTO customers (id, name, email, segment, signup_at, trial_started_on, trial_ends_on, converted_at, churned_at) VALUES
    (910001, 'Fx New',          'c1@fx.example', 'smb',        '2001-02-01Z', NULL, NULL, '2001-02-10Z', NULL),
    (910002, 'Fx Expansion',    'c2@fx.example', 'smb',        '2000-06-01Z', NULL, NULL, '2000-06-01Z', NULL),
    (910003, 'Fx Contraction',  'c3@fx.example', 'smb',        '2000-06-01Z', NULL, NULL, '2000-06-01Z', NULL),
    (910004, 'Fx Churn',        'c4@fx.example', 'smb',        '2000-05-01Z', NULL, NULL, '2000-05-01Z', '2001-02-05 10:00Z'),
    (910005, 'Fx Reactivation', 'c5@fx.example', 'smb',        '2000-03-01Z', NULL, NULL, '2000-03-01Z', NULL),
    (910006, 'Fx Steady',       'c6@fx.example', 'enterprise', '2000-01-01Z', NULL, NULL, '2000-01-01Z', NULL),
    (910007, 'Fx Trial',        'c7@fx.example', 'smb',        '2001-02-20Z', '2001-02-20', '2001-03-06', NULL, NULL);
INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from, valid_to)
SELECT v.c, p.id, 1, v.mrr, v.f::date, v.t::date
FROM (VALUES
    (910001, 10000, '2001-02-10', NULL),          -- C1 new           0 -> 10000
    (910002, 20000, '2000-06-01', '2001-02-15'),  -- C2 expansion 20000 -> 25000
    (910002, 25000, '2001-02-15', NULL),
    (910003, 30000, '2000-06-01', '2001-02-20'),  -- C3 contraction 30000 -> 24000
    (910003, 24000, '2001-02-20', NULL),
    (910004,  8000, '2000-05-01', '2001-02-05'),  -- C4 churn        8000 -> 0
    (910005,  3000, '2000-03-01', '2000-09-01'),  -- C5 paid in 2000, reactivates 0 -> 4000
    (910005,  4000, '2001-02-12', NULL),
    (910006,  9000, '2000-01-01', NULL)           -- C6 steady 9000
) v(c, mrr, f, t) CROSS JOIN (SELECT id FROM plans WHERE code = 'starter') p;
-- Orders (all of C6): 02-26 three orders, 02-27 none, 02-28 two orders of 10 and 20 cents.
INSERT INTO orders (customer_id, ordered_at, source, total_cents, cogs_cents, status, refunded_cents, chargeback_cents) VALUES
    (910006, '2001-02-26 10:00Z', 'shopify',     1010, 500, 'paid',        0,    0),
    (910006, '2001-02-26 11:00Z', 'shopify',     2020,   0, 'refunded',    2020, 0),
    (910006, '2001-02-26 12:00Z', 'marketplace', 3333,   0, 'chargeback',  0,    3333),
    (910006, '2001-02-28 09:00Z', 'api',           10,   0, 'paid',        0,    0),
    (910006, '2001-02-28 09:30Z', 'api',           20,   0, 'paid',        0,    0);
INSERT INTO billing_events (customer_id, occurred_at, kind, amount_cents) VALUES
    (910006, '2001-01-01 08:00Z', 'payment_success', 9000),
    (910006, '2001-02-01 08:00Z', 'payment_success', 9000),
    (910006, '2001-02-20 08:00Z', 'refund', 2020);
INSERT INTO targets (metric, period_start, period_end, value) VALUES ('mrr_cents', '2001-02-01', '2001-03-10', 80000);
INSERT INTO expenses (month, category, amount_cents) VALUES
    ('2000-08-01', 'payroll', 130000), ('2000-09-01', 'payroll', 120000), ('2000-10-01', 'payroll', 110000),
    ('2000-11-01', 'payroll', 100000), ('2000-12-01', 'payroll',  90000), ('2001-01-01', 'payroll',  89000),
    ('2001-02-01', 'payroll',  60000), ('2001-02-01', 'cogs', 500);
INSERT INTO cash_balances (day, balance_cents) VALUES ('2001-02-27', 1800000), ('2001-03-05', 1);
-- Opportunities: O1/O2 open, O3 won Feb (10-day cycle), O4 lost Jan, O5 won Jan (40-day cycle).
INSERT INTO opportunities (id, customer_id, owner_id, stage, amount_cents, created_at, closed_at, won)
SELECT v.id, NULL, u.id, v.stage, v.amount, v.c::timestamptz, v.cl::timestamptz, v.won
FROM (VALUES
    (910001, 'sales1@northstar.example', 'proposal',    100000, '2001-01-10Z', NULL,          NULL),
    (910002, 'sales2@northstar.example', 'negotiation',  50000, '2001-02-01Z', NULL,          NULL),
    (910003, 'sales1@northstar.example', 'closed_won',   30000, '2001-02-01Z', '2001-02-11Z', true),
    (910004, 'sales2@northstar.example', 'closed_lost',  20000, '2001-01-01Z', '2001-01-20Z', false),
    (910005, 'sales1@northstar.example', 'closed_won',   60000, '2000-12-01Z', '2001-01-10Z', true)
) v(id, email, stage, amount, c, cl, won) JOIN app_users u ON u.email = v.email;
-- Expected close: O1 on 2001-02-20 (before the pipeline's as_of 2001-02-28: overdue), O2 on 2001-03-15.
UPDATE opportunities SET expected_close_on = CASE id WHEN 910001 THEN date '2001-02-20' ELSE date '2001-03-15' END
 WHERE id IN (910001, 910002);
INSERT INTO sales_activities (rep_id, kind, occurred_at)
SELECT u.id, v.kind, v.t::timestamptz
FROM (VALUES ('sales1@northstar.example', 'call', '2001-02-20 10:00Z'), ('sales1@northstar.example', 'call', '2001-02-20 11:00Z'),
             ('sales1@northstar.example', 'email', '2001-02-21 10:00Z'), ('sales2@northstar.example', 'meeting', '2001-02-25 10:00Z'),
             ('sales1@northstar.example', 'call', '2001-01-01 10:00Z')   -- before the 30-day window (from 01-30)
) v(email, kind, t) JOIN app_users u ON u.email = v.email;
SELECT rollup_compute_range('2000-11-25', '2001-03-10');
SELECT revenue_source_compute('2000-11-25', '2001-03-10');   -- what the revenue job does after it
-- FIXTURE END

-- ---- MRR movements: MRR 01-31 = C2 20000 + C3 30000 + C4 8000 + C6 9000 = 67000;
-- MRR 02-28 = C1 10000 + C2 25000 + C3 24000 + C5 4000 + C6 9000 = 72000.
-- Feb: new +10000, expansion +5000, contraction -6000, churn -8000, reactivation +4000 = +5000.
SELECT results_eq(
  $$SELECT m->>'month', (m->>'starting_mrr')::numeric, (m->>'new')::numeric, (m->>'expansion')::numeric,
           (m->>'contraction')::numeric, (m->>'churn')::numeric, (m->>'reactivation')::numeric,
           (m->>'net_new')::numeric, (m->>'ending_mrr')::numeric, (m->>'partial')::boolean
      FROM json_array_elements(api.revenue_mrr(1, 'ceo', 3, '2001-03-31')->'months') m$$,
  $$VALUES ('2001-01', 670.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 670.00, false),
           ('2001-02', 670.00, 100.00, 50.00, -60.00, -80.00, 40.00, 50.00, 720.00, false),
           ('2001-03', 720.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 720.00, false)$$,
  'mrr: Jan flat, Feb one movement of each kind, Mar flat; ending = starting + net new');
SELECT is((SELECT json_agg(json_build_array(m->'new_customers', m->'expansion_customers', m->'contraction_customers',
                                            m->'churned_customers', m->'reactivated_customers', m->'starting_customers',
                                            m->'ending_customers', m->'customer_churn_rate_pct'))::jsonb
             FROM json_array_elements(api.revenue_mrr(1, 'ceo', 1, '2001-02-28')->'months') m),
          '[[1,1,1,1,1,4,5,25.00]]'::jsonb, 'mrr: one customer per kind; 4 paying at start, 5 at end, logo churn 1/4 = 25 %');
SELECT is((api.revenue_mrr(1, 'ceo', 1, '2001-02-20')->'months'->0->>'partial')::boolean, true,
          'mrr: the month of as_of is partial when as_of is not its last day');
-- the set-based series agrees with the data layer's mrr_movements() for Feb
SELECT is((SELECT new_cents + expansion_cents + contraction_cents + churn_cents + reactivation_cents
             FROM api.revenue_movement_series(ARRAY['2001-01-31'::date, '2001-02-28'])),
          (SELECT sum(delta_cents)::bigint FROM mrr_movements('2001-01-31', '2001-02-28')),
          'movement series sums to the same delta as mrr_movements()');

-- ---- Summary as of 2001-02-28 (previous = 2001-01-28, MRR 67000, same paying set as 01-31).
SELECT is((api.revenue_summary(1, 'ceo', '2001-02-28')->>'mrr')::numeric, 720.00, 'summary: MRR 720.00');
SELECT is((api.revenue_summary(1, 'ceo', '2001-02-28')->>'arr')::numeric, 8640.00, 'summary: ARR = 12 x 720.00');
-- (72000 - 67000) / 67000 = 7.4627 %
SELECT is((api.revenue_summary(1, 'ceo', '2001-02-28')->>'mom_growth_pct')::numeric, 7.46, 'summary: MoM growth 7.46 %');
-- 5 paying customers: 72000 / 5 = 14400 cents
SELECT is((api.revenue_summary(1, 'ceo', '2001-02-28')->>'arpu')::numeric, 144.00, 'summary: ARPU 144.00');
SELECT is((api.revenue_summary(1, 'ceo', '2001-02-28')->>'paying_customers')::int, 5, 'summary: 5 paying customers');
-- orders on 02-28: 10 + 20 cents = 0.30 exactly (0.1 + 0.2 in floating point is 0.30000000000000004)
SELECT is((api.revenue_summary(1, 'ceo', '2001-02-28')->>'revenue_today')::text, '0.30', 'summary: today''s revenue 0.30 exactly');
-- NRR = (67000 + 5000 - 6000 - 8000) / 67000 = 86.567 %; GRR = (67000 - 6000 - 8000) / 67000 = 79.104 %
SELECT is((api.revenue_summary(1, 'ceo', '2001-02-28')->>'net_revenue_retention_pct')::numeric, 86.57, 'summary: NRR 86.57 %');
SELECT is((api.revenue_summary(1, 'ceo', '2001-02-28')->>'gross_revenue_retention_pct')::numeric, 79.10, 'summary: GRR 79.10 %');
-- quick ratio = (10000 + 5000 + 4000) / (6000 + 8000) = 1.357
SELECT is((api.revenue_summary(1, 'ceo', '2001-02-28')->>'quick_ratio')::numeric, 1.36, 'summary: quick ratio 1.36');
-- target 80000: 72000 / 80000 = 90 %; daily growth g = (72000/67000)^(1/31) - 1 = 0.0023244 (0.2324 %);
-- days to target = ceil(ln(80000/72000) / ln(1 + g)) = ceil(0.1053605 / 0.0023217) = ceil(45.38) = 46;
-- required daily growth over the 10 days to 03-10 = (80000/72000)^(1/10) - 1 = 1.0592 %
SELECT is((api.revenue_summary(1, 'ceo', '2001-02-28')->'target')::jsonb,
          '{"target_mrr": 800.00, "period_start": "2001-02-01", "period_end": "2001-03-10", "pct_reached": 90.00,
            "days_to_target": 46, "days_left": 10, "required_daily_growth_pct": 1.0592}'::jsonb,
          'summary: target progress worked by hand');
SELECT is((api.revenue_summary(1, 'ceo', '2001-02-28')->>'daily_growth_pct')::numeric, 0.2324, 'summary: daily growth 0.2324 %');
-- previous (as of 01-28 against 12-28): MRR 67000 both, nothing moved: growth 0, NRR = GRR = 100, quick ratio null
SELECT is((api.revenue_summary(1, 'ceo', '2001-02-28')->'previous')::jsonb - 'movements' - 'target' - 'as_of' - 'revenue_today',
          '{"mrr": 670.00, "arr": 8040.00, "mom_growth_pct": 0.00, "daily_growth_pct": 0.0000, "arpu": 167.50,
            "paying_customers": 4, "net_revenue_retention_pct": 100.00, "gross_revenue_retention_pct": 100.00,
            "quick_ratio": null}'::jsonb,
          'summary: previous period figures (ARPU 67000 / 4 = 16750)');
SELECT is((api.revenue_summary(1, 'ceo', NULL)->>'as_of')::date, api.today(),
          'summary: as_of defaults to today (a day after today is refused by the parameter layer)');

-- ---- Trend 02-26 .. 02-28 by day: 02-26 = 1010 + 2020 + 3333 = 6363 (3 orders, AOV 2121), refunds 2020,
-- chargebacks 3333, net 1010; 02-27 nothing (AOV null); 02-28 = 30 (2 orders, AOV 15).
SELECT results_eq(
  $$SELECT b->>'bucket', (b->>'revenue')::numeric, (b->>'orders')::int, (b->>'aov')::numeric,
           (b->>'refunds')::numeric, (b->>'chargebacks')::numeric, (b->>'net_revenue')::numeric
      FROM json_array_elements(api.revenue_trend(1, 'ceo', 'day', '2001-02-26', '2001-02-28', NULL)->'buckets') b$$,
  $$VALUES ('2001-02-26', 63.63, 3, 21.21, 20.20, 33.33, 10.10),
           ('2001-02-27', 0.00, 0, NULL, 0.00, 0.00, 0.00),
           ('2001-02-28', 0.30, 2, 0.15, 0.00, 0.00, 0.30)$$,
  'trend: per-day revenue, orders, AOV (null without orders), refunds, chargebacks');
-- totals 6393 over 5 orders: AOV 1278.6 cents -> 12.79
SELECT is((api.revenue_trend(1, 'ceo', 'day', '2001-02-26', '2001-02-28', NULL)->'totals')::jsonb,
          '{"revenue": 63.93, "orders": 5, "aov": 12.79, "refunds": 20.20, "chargebacks": 33.33, "net_revenue": 10.40}'::jsonb,
          'trend: totals');
-- 2001-02-26 is a Monday: one week bucket 02-26 .. 02-28; the month bucket starts 02-01 but holds 02-20 .. 02-28
SELECT is((SELECT json_agg(json_build_array(b->'bucket', b->'from', b->'to', b->'orders'))::jsonb
             FROM json_array_elements(api.revenue_trend(1, 'ceo', 'week', '2001-02-26', '2001-02-28', NULL)->'buckets') b),
          '[["2001-02-26","2001-02-26","2001-02-28",5]]'::jsonb, 'trend: ISO week bucket');
SELECT is((SELECT json_agg(json_build_array(b->'bucket', b->'from', b->'to', b->'orders'))::jsonb
             FROM json_array_elements(api.revenue_trend(1, 'ceo', 'month', '2001-02-20', '2001-03-02', NULL)->'buckets') b),
          '[["2001-02-01","2001-02-20","2001-02-28",5], ["2001-03-01","2001-03-01","2001-03-02",0]]'::jsonb, 'trend: partial month buckets');
SELECT throws_ok($$SELECT api.revenue_trend(1, 'ceo', 'day', '2001-03-01', '2001-02-01', NULL)$$, '22023', NULL,
                 'trend: from after to is a 22023 (HTTP 400)');

-- ---- By source 02-26 .. 02-28: total 6393; shopify 3030 (2) = 47.40 %, api 30 (2) = 0.47 %,
-- marketplace 3333 (1) = 52.14 %, partnerships 0; order shares 40 / 40 / 20 / 0 %.
SELECT results_eq(
  $$SELECT s->>'source', (s->>'revenue')::numeric, (s->>'orders')::int, (s->>'revenue_share_pct')::numeric,
           (s->>'orders_share_pct')::numeric, (s->>'aov')::numeric
      FROM json_array_elements(api.revenue_by_source(1, 'ceo', '2001-02-26', '2001-02-28', NULL)->'sources') s$$,
  $$VALUES ('shopify', 30.30, 2, 47.40, 40.00, 15.15), ('api', 0.30, 2, 0.47, 40.00, 0.15),
           ('marketplace', 33.33, 1, 52.14, 20.00, 33.33), ('partnerships', 0.00, 0, 0.00, 0.00, NULL)$$,
  'by-source: revenue, orders, shares, AOV per source');
SELECT is((api.revenue_by_source(1, 'ceo', '2001-02-26', '2001-02-28', NULL)->>'total_revenue')::numeric, 63.93,
          'by-source: total revenue');
-- the pre-aggregate follows an UPDATE (a late refund) and a DELETE exactly
UPDATE orders SET refunded_cents = 505, status = 'partially_refunded' WHERE customer_id = 910006 AND total_cents = 1010;
DELETE FROM orders WHERE customer_id = 910006 AND total_cents = 20;
SELECT revenue_source_compute('2001-02-26', '2001-02-28');
SELECT results_eq(
  $$SELECT source, orders, revenue_cents, refunds, refunded_cents, chargebacks, chargeback_cents
      FROM revenue_source_daily WHERE day BETWEEN '2001-02-26' AND '2001-02-28' AND orders <> 0 ORDER BY day, source$$,
  $$SELECT source, count(*)::int, sum(total_cents)::bigint, (count(*) FILTER (WHERE refunded_cents > 0))::int,
           sum(refunded_cents)::bigint, (count(*) FILTER (WHERE chargeback_cents > 0))::int, sum(chargeback_cents)::bigint
      FROM orders WHERE customer_id = 910006 GROUP BY ns_day(ordered_at), source ORDER BY ns_day(ordered_at), source$$,
  'revenue_source_daily recomputed equals the raw orders after an update and a delete');
-- ---- Refunds after that: orders 4 (1010 with 505 refunded, 2020 refunded, 3333 charged back, 10);
-- revenue 6373; refunds 2 orders = 50 %, 2525 / 6373 = 39.62 %; chargebacks 1 = 25 %, 3333 / 6373 = 52.30 %
SELECT is((api.revenue_refunds(1, 'ceo', 'month', '2001-02-26', '2001-02-28', NULL)->'totals')::jsonb,
          '{"orders": 4, "revenue": 63.73, "refunds": 2, "refunded": 25.25, "chargebacks": 1, "charged_back": 33.33,
            "refund_rate_pct": 50.00, "refund_amount_rate_pct": 39.62, "chargeback_rate_pct": 25.00,
            "chargeback_amount_rate_pct": 52.30}'::jsonb,
          'refunds: counts, amounts and rates');
SELECT is((SELECT json_agg(json_build_array(b->'bucket', b->'orders', b->'refund_rate_pct'))::text
             FROM json_array_elements(api.revenue_refunds(1, 'ceo', 'day', '2001-02-27', '2001-02-27', NULL)->'buckets') b),
          '[["2001-02-27", 0, null]]', 'refunds: a day without orders has rate null');
-- restore the orders for the checks below (rollups read metrics_daily, recomputed here)
UPDATE orders SET refunded_cents = 0, status = 'paid' WHERE customer_id = 910006 AND total_cents = 1010;
INSERT INTO orders (customer_id, ordered_at, source, total_cents) VALUES (910006, '2001-02-28 09:30Z', 'api', 20);
SELECT rollup_compute_range('2001-02-26', '2001-02-28');
SELECT revenue_source_compute('2001-02-26', '2001-02-28');

-- ---- Financial as of 2001-02-28, months Jan and Feb.
-- Feb: revenue 6393, net = 6393 - 2020 - 3333 = 1040, COGS 500 -> margin 540 = 51.92 %; payments 9000;
-- expenses 60000 + 500 = 60500; net burn = 60500 - 1040 - 9000 = 50460; efficiency (1040 + 9000) / 60500 = 0.17.
-- Jan: no orders (margin % null), payments 9000, expenses 89000, burn 80000, efficiency 9000 / 89000 = 0.10.
SELECT results_eq(
  $$SELECT m->>'month', (m->>'net_revenue')::numeric, (m->>'gross_margin')::numeric, (m->>'gross_margin_pct')::numeric,
           (m->>'expenses')::numeric, (m->>'net_burn')::numeric, (m->>'efficiency_ratio')::numeric
      FROM json_array_elements(api.revenue_financial(1, 'ceo', 2, '2001-02-28')->'months') m$$,
  $$VALUES ('2001-01', 0.00, 0.00, NULL, 890.00, 800.00, 0.10), ('2001-02', 10.40, 5.40, 51.92, 605.00, 504.60, 0.17)$$,
  'financial: monthly margin, expenses, burn and efficiency');
-- burn Nov..Jan = 100000, 90000, 80000 -> average 90000; cash on 02-27 (last <= as_of) 1800000 -> runway 20.0;
-- burn Aug..Jan = 130, 120, 110, 100, 90, 80 thousand: slope -10000 / month, zero at x = 13 -> Aug 2000 + 13 = Sep 2001
SELECT is((api.revenue_financial(1, 'ceo', 2, '2001-02-28')::jsonb - 'months' - 'as_of'),
          '{"cash": 18000.00, "cash_as_of": "2001-02-27", "avg_net_burn_3m": 900.00, "runway_months": 20.0,
            "break_even": {"status": "projected", "month": "2001-09", "burn_trend_per_month": -100.00}}'::jsonb,
          'financial: cash, 3-month burn, runway, break-even month');

-- ---- Pipeline as of 2001-02-28: open O1 100000 (proposal) + O2 50000 (negotiation) = 150000;
-- closed in the 90 days from 2000-12-01: won O3 30000 (10 days), O5 60000 (40 days), lost O4:
-- win rate 2/3 = 66.67 %, average deal 45000, cycle 25.0 days; won MTD: O3 -> 1, 30000.
-- coverage = 150000 / (12 x (80000 - 72000)) = 150000 / 96000 = 1.56.  Activities 01-30 .. 02-28: 2 calls, 1 email, 1 meeting.
-- Overdue: O1 (still open, expected 2001-02-20 < 2001-02-28); O2 is expected 2001-03-15.
SELECT is((api.revenue_pipeline(1, 'ceo', '2001-02-28')::jsonb - 'leaderboard' - 'deals' - 'as_of' - 'deals_scope'),
          '{"open_pipeline": 1500.00, "overdue_deals": 1, "stages": [{"stage": "prospecting", "deals": 0, "amount": 0.00},
              {"stage": "qualification", "deals": 0, "amount": 0.00}, {"stage": "proposal", "deals": 1, "amount": 1000.00},
              {"stage": "negotiation", "deals": 1, "amount": 500.00}],
            "mrr_target": 800.00, "mrr": 720.00, "remaining_target_annualised": 960.00, "coverage_ratio": 1.56,
            "win_rate_pct": 66.67, "avg_deal_size": 450.00, "avg_sales_cycle_days": 25.0, "deals_won_mtd": 1,
            "revenue_closed_mtd": 300.00, "activities_30d": {"calls": 2, "emails": 1, "meetings": 1}}'::jsonb,
          'pipeline: company-wide figures');
SELECT is((SELECT array_agg((x->>'id') || ':' || (x->>'overdue') ORDER BY x->>'id')
           FROM jsonb_array_elements(api.revenue_pipeline(1, 'ceo', '2001-02-28')::jsonb->'deals') x),
          ARRAY['910001:true', '910002:false'], 'pipeline: the open deal past its expected close day is overdue');
SELECT is((SELECT json_agg(d->'id' ORDER BY (d->>'id')::int)::text
             FROM json_array_elements(api.revenue_pipeline(1, 'ceo', '2001-02-28')->'deals') d),
          '[910001, 910002]', 'pipeline: the CEO sees every open deal');
SELECT is((SELECT json_agg(d->'id')::text
             FROM json_array_elements(api.revenue_pipeline((SELECT id FROM app_users WHERE email = 'sales1@northstar.example'),
                                                           'sales', '2001-02-28')->'deals') d),
          '[910001]', 'pipeline: a sales rep sees only their own open deals');
SELECT is((api.revenue_pipeline((SELECT id FROM app_users WHERE email = 'sales1@northstar.example'), 'sales', '2001-02-28')->>'open_pipeline')::numeric,
          1500.00, 'pipeline: aggregates stay company-wide for a sales rep');
-- sales1: won MTD 1 (30000), open 100000, win rate 2/2 = 100 %, 2 calls and 1 email; sales2: lost 1 -> 0 %, 1 meeting
SELECT is((SELECT json_agg(json_build_array(l->'deals_won_mtd', l->'revenue_closed_mtd', l->'open_pipeline', l->'win_rate_pct',
                                            l->'calls', l->'emails', l->'meetings'))::jsonb
             FROM json_array_elements(api.revenue_pipeline(1, 'ceo', '2001-02-28')->'leaderboard') l
            WHERE l->>'name' IN ('Sam Seller', 'Sasha Closer')),
          '[[1,300.00,1000.00,100.00,2,1,0], [0,0.00,500.00,0.00,0,0,1]]'::jsonb, 'pipeline: rep leaderboard');

-- ---- LTV by segment as of 2001-02-28: enterprise = C6 alone: 9000 + 9000 - 2020 refund = 15980 -> 159.80;
-- lifetime 2000-01-01 .. 2001-03-01 = 425 days / 30.4375 = 13.96 months -> 14.0; monthly 15980 / 13.963 = 1144.45 -> 11.44.
SELECT is((SELECT g::jsonb FROM json_array_elements(api.revenue_ltv(1, 'ceo', 'segment', '2001-02-28')->'groups') g
            WHERE g->>'group' = 'enterprise'),
          '{"group": "enterprise", "customers": 1, "avg_realised_ltv": 159.80, "avg_lifetime_months": 14.0,
            "avg_monthly_value": 11.44}'::jsonb, 'ltv: realised value, lifetime and monthly value');
-- formula: last full month Jan 2001: nobody churned -> churn 0 % and LTV null; ARPU 01-31 = 67000 / 4 = 167.50
SELECT is((api.revenue_ltv(1, 'ceo', 'plan', '2001-02-28')->'formula')::jsonb,
          '{"month": "2001-01", "arpu": 167.50, "customer_churn_rate_pct": 0.00, "revenue_churn_rate_pct": 0.00,
            "ltv": null, "ltv_revenue_churn": null}'::jsonb, 'ltv: formula LTV null when nobody churned');
-- as of 2001-03-31 the last full month is Feb: 1 churn of 4 = 25 %, ARPU 72000 / 5 = 14400 -> LTV 57600 = 576.00;
-- gross revenue churn (8000 + 6000) / 67000 = 20.90 % -> 14400 / 0.208955 = 68914.29 cents = 689.14
SELECT is((api.revenue_ltv(1, 'ceo', 'plan', '2001-03-31')->'formula')::jsonb,
          '{"month": "2001-02", "arpu": 144.00, "customer_churn_rate_pct": 25.00, "revenue_churn_rate_pct": 20.90,
            "ltv": 576.00, "ltv_revenue_churn": 689.14}'::jsonb, 'ltv: formula LTV for February');

-- ---- Segments as of 2001-02-28 (all on Starter): C2 grew since 2000-11-30 (20000 -> 25000) -> growing teams;
-- C1, C3, C5, C6 -> price-sensitive (Starter): 47000 / 4 = 11750 -> 117.50; C7 in trial, inactive -> high risk.
-- Health of every fixture payer: usage 0 + adoption 0 + support 20 + payment 25 = 45 -> medium.
SELECT results_eq(
  $$SELECT s->>'segment', (s->>'customers')::int, (s->>'arpu')::numeric, s->>'churn_risk', (s->>'avg_health_score')::numeric
      FROM json_array_elements(api.revenue_segments(1, 'ceo', '2001-02-28')->'segments') s$$,
  $$VALUES ('high_value_power_users', 0, NULL::numeric, NULL, NULL::numeric), ('growing_teams', 1, 250.00, 'medium', 45.0),
           ('price_sensitive', 4, 117.50, 'medium', 45.0), ('trial_users', 1, NULL, 'high', NULL),
           ('other_paying', 0, NULL, NULL, NULL)$$,
  'segments: counts, ARPU, risk per segment');
-- as of 2001-03-31 (churn of Feb 25 %): LTV of price-sensitive = 11750 / 0.25 = 47000 -> 470.00
SELECT is((SELECT (s->>'ltv')::numeric FROM json_array_elements(api.revenue_segments(1, 'ceo', '2001-03-31')->'segments') s
            WHERE s->>'segment' = 'price_sensitive'), 470.00, 'segments: LTV = ARPU / monthly churn');

-- ---- pre-aggregates of sql/schema/510_revenue.sql
-- C6 net paid = 9000 + 9000 - 2020 = 15980
SELECT is((SELECT net_paid_cents FROM revenue_customer_paid WHERE customer_id = 910006), 15980::bigint,
          'revenue_customer_paid follows the billing events');
-- a stored month is used as is; a subscription change on 2001-02-20 removes Feb and later, not Jan
INSERT INTO revenue_mrr_month (month, start_cents, start_customers, new_cents, expansion_cents, contraction_cents,
                               churn_cents, reactivation_cents, end_cents, end_customers, new_n, expansion_n,
                               contraction_n, churn_n, reactivation_n)
SELECT date_trunc('month', s.d1)::date, s.start_cents, s.start_customers, s.new_cents, s.expansion_cents, s.contraction_cents,
       s.churn_cents, s.reactivation_cents, s.end_cents, s.end_customers, s.new_n, s.expansion_n, s.contraction_n,
       s.churn_n, s.reactivation_n
FROM revenue_movement_series(ARRAY['2000-12-31'::date, '2001-01-31', '2001-02-28']) s;
SELECT is((SELECT count(*) FROM revenue_mrr_month WHERE month IN ('2001-01-01', '2001-02-01')), 2::bigint,
          'two fixture months stored');
UPDATE subscriptions SET valid_to = '2001-02-20' WHERE customer_id = 910006;
SELECT is((SELECT array_agg(month ORDER BY month) FROM revenue_mrr_month WHERE month BETWEEN '2001-01-01' AND '2001-12-01'),
          ARRAY['2001-01-01'::date], 'a subscription change on 2001-02-20 invalidates February, not January');

-- the summary's intervals as of today (revenue_mrr_interval): filled exactly as computed live
DELETE FROM revenue_mrr_interval;
SELECT ok(revenue_mrr_interval_fill() >= 2, 'the job stores the intervals read as of today (summary, month to date)');
SELECT set_eq(
    $$SELECT d0, d1, start_cents, new_cents, expansion_cents, contraction_cents, churn_cents, reactivation_cents,
             end_cents, new_n, churn_n, fx_cents FROM revenue_mrr_interval$$,
    $$SELECT s.d0, s.d1, s.start_cents, s.new_cents, s.expansion_cents, s.contraction_cents, s.churn_cents,
             s.reactivation_cents, s.end_cents, s.new_n, s.churn_n, s.fx_cents
        FROM (VALUES ((ns_today() - interval '2 months')::date, (ns_today() - interval '1 month')::date),
                     ((ns_today() - interval '1 month')::date, ns_today()),
                     (date_trunc('month', ns_today())::date - 1, ns_today())) v(d0, d1)
        CROSS JOIN LATERAL revenue_movement_series(ARRAY[v.d0, v.d1]) s$$,
    'the stored intervals equal the live computation');
SELECT set_eq(
    $$SELECT d0, d1, customer_id, m0, m1, fx, delta, kind FROM revenue_mrr_interval_customer$$,
    $$SELECT v.d0, v.d1, k.customer_id, k.m0, k.m1, k.fx, k.delta, k.kind
        FROM (SELECT DISTINCT d0, d1 FROM revenue_mrr_interval) v
        CROSS JOIN LATERAL revenue_movement_customers(ARRAY[v.d0, v.d1]) k WHERE k.kind IS NOT NULL$$,
    'the stored movers of each interval equal the live computation (the drill-down''s rows)');
-- a stored interval is read as is (a marker row for the fixture interval), and a subscription
-- change on 2001-02-20 drops the intervals ending on or after it, not one ending before
INSERT INTO revenue_mrr_interval (d0, d1, start_cents, start_customers, new_cents, expansion_cents, contraction_cents,
                                  churn_cents, reactivation_cents, end_cents, end_customers, new_n, expansion_n,
                                  contraction_n, churn_n, reactivation_n, fx_cents, fx_n)
VALUES ('2001-01-10', '2001-02-10', 1, 1, -7, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0),
       ('2001-01-25', '2001-02-25', 1, 1, -7, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0);
SELECT is((SELECT new_cents FROM revenue_movement_pairs(ARRAY['2001-01-25'::date], ARRAY['2001-02-25'::date])),
          -7::bigint, 'revenue_movement_pairs reads a stored interval');
UPDATE subscriptions SET valid_to = '2001-02-21' WHERE customer_id = 910006;
SELECT is((SELECT array_agg(d1 ORDER BY d1) FROM revenue_mrr_interval WHERE d1 < '2002-01-01'),
          ARRAY['2001-02-10'::date], 'a subscription change on 2001-02-20 drops the interval ending 02-25, not 02-10');

SELECT * FROM finish();
ROLLBACK;
