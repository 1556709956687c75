-- forecast_fixtures.sql — pgTAP: the SQL of services/forecast on hand-made rows in 2001
-- (far before any demo data), every expected value worked out by hand below.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(19);

-- A customer to hang billing events and subscriptions on.
INSERT INTO customers (id, name, email, signup_at) VALUES (900001, 'Fixture Co', 'f@x.example', '2000-01-01 12:00+00');

-- ---- forecast_mrr_series: snapshots on as_of - k months, clamped to month ends ----
-- metrics_daily rows on 2001-01-31 (100), 2001-02-28 (200), 2001-03-31 (300), plus 2001-02-27 (999, not a snapshot day).
INSERT INTO metrics_daily (day, mrr_cents) VALUES ('2001-01-31', 100), ('2001-02-27', 999), ('2001-02-28', 200), ('2001-03-31', 300);
-- as_of 2001-03-31, 4 points: k=3 → 2000-12-31 (no row, left out), k=2 → 2001-01-31, k=1 → 2001-02-28 (31 clamped), k=0 → 2001-03-31.
SELECT is((SELECT string_agg(day || ':' || value_cents, ',' ORDER BY day) FROM api.forecast_mrr_series('2001-03-31', 4)),
          '2001-01-31:100,2001-02-28:200,2001-03-31:300', 'MRR snapshots clamp to month ends and skip days without data');

-- ---- forecast_daily_series: the p_days complete days before as_of ----
UPDATE metrics_daily SET revenue_cents = 7, api_calls = 70 WHERE day = '2001-02-27';
UPDATE metrics_daily SET revenue_cents = 8, api_calls = 80 WHERE day = '2001-02-28';
-- as_of 2001-03-01, 2 days → 2001-02-27 and 2001-02-28 (2001-03-01 itself excluded).
SELECT is((SELECT string_agg(day || ':' || value, ',' ORDER BY day) FROM api.forecast_daily_series('revenue', '2001-03-01', 2)),
          '2001-02-27:7,2001-02-28:8', 'daily revenue series = the days before as_of');
SELECT is((SELECT sum(value) FROM api.forecast_daily_series('api_calls', '2001-03-01', 1)), 80::numeric,
          'api_calls series of 1 day = the day before as_of only');
SELECT throws_ok($$SELECT * FROM api.forecast_daily_series('cpu', '2001-03-01', 2)$$, '22023', NULL,
          'an unknown daily series is a 22023 (HTTP 400)');
SELECT throws_ok($$SELECT api.forecast_as_of(DATE '2999-01-01')$$, '22023', NULL, 'as_of in the future is a 22023');

-- ---- runway ----
-- Expenses: Jan 100000, Feb 110000 (60000 + 50000), Mar 120000 → mean costs C0 = 110000 cents.
INSERT INTO expenses (month, category, amount_cents) VALUES
  ('2001-01-01', 'payroll', 100000), ('2001-02-01', 'payroll', 60000), ('2001-02-01', 'other', 50000),
  ('2001-03-01', 'payroll', 120000);
-- Income: Jan = payment_success 45000 (the failed charge is ignored); Feb = net order revenue 30000;
-- Mar = net order revenue 15000 → mean I0 = 30000.  Net burn = 110000 - 30000 = 80000 cents = 800.00.
INSERT INTO billing_events (customer_id, occurred_at, kind, amount_cents) VALUES
  (900001, '2001-01-20 10:00+00', 'payment_success', 45000), (900001, '2001-03-03 10:00+00', 'payment_failed', 9999);
INSERT INTO metrics_daily (day, net_revenue_cents) VALUES ('2001-02-10', 30000), ('2001-03-05', 15000);
-- Cash: latest balance on or before as_of 2001-04-15 is 1000000 (the 2001-04-20 row is after as_of).
INSERT INTO cash_balances (day, balance_cents) VALUES ('2001-04-01', 5), ('2001-04-10', 1000000), ('2001-04-20', 7);

SELECT is((api.forecast_runway(1, 'ceo', 0, 0, '2001-04-15')->>'cash')::numeric, 10000.00, 'cash = latest balance on or before as_of');
SELECT is((api.forecast_runway(1, 'ceo', 0, 0, '2001-04-15')->>'monthly_net_burn')::numeric, 800.00,
          'net burn = mean(expenses) - mean(income) = 1100 - 300');
-- runway = 1000000 / 80000 = 12.5 months; zero cash = as_of + round(12.5 * 30.4375 = 380.47) = 380 days = 2002-04-30.
SELECT is((api.forecast_runway(1, 'ceo', 0, 0, '2001-04-15')->>'runway_months')::numeric, 12.5, 'runway = cash / burn');
SELECT is(api.forecast_runway(1, 'ceo', 0, 0, '2001-04-15')->>'zero_cash_date', '2002-04-30', 'zero-cash date = as_of + 380 days');
-- Flat scenario: cash after t months = 1000000 - 80000 t, negative in month 13 at t = 12 + 40000/80000 = 12.5.
SELECT is((api.forecast_runway(1, 'ceo', 0, 0, '2001-04-15')->'scenario'->>'runway_months')::numeric, 12.5,
          'flat scenario runway equals cash / burn');
-- Costs +50 %: burn = 165000 - 30000 = 135000 → 1000000 / 135000 = 7.407 → 7.4 months;
-- zero cash = as_of + round(7.4074 * 30.4375 = 225.46) = 225 days = 2001-11-26.
SELECT is((api.forecast_runway(1, 'ceo', 0, 50, '2001-04-15')->'scenario'->>'runway_months')::numeric, 7.4,
          'costs +50 % shorten the runway to 7.4 months');
SELECT is(api.forecast_runway(1, 'ceo', 0, 50, '2001-04-15')->'scenario'->>'zero_cash_date', '2001-11-26',
          'costs +50 %: zero cash on 2001-11-26');
-- Income +10 %/month: income_t = 30000 * 1.1^t >= 110000 first when 1.1^t >= 3.667, t = 14 (1.1^13 = 3.452,
-- 1.1^14 = 3.797) → break-even month = 2001-04-01 + 14 months = 2002-06-01.  Cumulative burn peaks before
-- month 14 at 110000*13 - 330000*(1.1^13 - 1) = 620751 < 1000000 → cash never runs out (NULL).
SELECT is(api.forecast_runway(1, 'ceo', 10, 0, '2001-04-15')->'scenario'->>'break_even_month', '2002-06-01',
          'income +10 %/month breaks even in 2002-06');
SELECT is(api.forecast_runway(1, 'ceo', 10, 0, '2001-04-15')->'scenario'->>'runway_months', NULL,
          'income +10 %/month: cash never runs out');

-- ---- target ----
-- Subscriptions of 900001: 5000 from 2001-01-01 (open), 3000 from 2001-01-01 to 2001-03-01 (exclusive).
-- MRR on 2001-03-15 = 5000 (the second row ended).  Target for March 2001: 6000.
INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from, valid_to) VALUES
  (900001, (SELECT min(id) FROM plans), 1, 5000, '2001-01-01', NULL),
  (900001, (SELECT min(id) FROM plans), 1, 3000, '2001-01-01', '2001-03-01');
INSERT INTO targets (metric, period_start, period_end, value) VALUES ('mrr_cents', '2001-03-01', '2001-03-31', 6000);
SELECT is((SELECT row(period_end, target_cents, mrr_cents)::text FROM api.forecast_target_info('2001-03-15')),
          '(2001-03-31,6000,5000)', 'target info: period end, target and MRR on as_of');
-- ---- churn features and label ----
-- On 2001-03-15: two failed payments in the last 60 days (2001-03-03 above + one on 2001-01-20), one outside (2001-01-10).
INSERT INTO billing_events (customer_id, occurred_at, kind, amount_cents) VALUES
  (900001, '2001-01-20 11:00+00', 'payment_failed', 1), (900001, '2001-01-10 11:00+00', 'payment_failed', 1);
-- 2001-03-15 - 59 = 2001-01-15, so 2001-01-20 and 2001-03-03 count, 2001-01-10 does not → 2.
-- Label: MRR on 2001-04-14 is 5000 > 0 → not churned (0).
SELECT is((SELECT failed_payments_60d::text || '/' || churned FROM api.forecast_churn_features('2001-03-15', true)
            WHERE customer_id = 900001), '2/0', 'churn features: failed payments in 60 days, label 0 while paying');
-- Warning signs before churn (same customer, as_of 2001-03-15):
-- customer_daily events: 2 on 2001-03-10 (last 30 days = 2001-02-14 .. 03-15), 3 on 2001-02-01 and 2 on
-- 2001-01-20 (previous 30 days = 2001-01-15 .. 02-13), and a row with 0 events on 2001-03-14 (no activity).
--   usage_trend = ln((2 + 1) / (5 + 1)) = ln(0.5) = -0.693147 (rounded to 6 places)
--   days_since_active = 2001-03-15 - 2001-03-10 = 5 (the 0-event row on 03-14 does not count)
INSERT INTO customer_daily (day, customer_id, events) VALUES
  ('2001-03-10', 900001, 2), ('2001-02-01', 900001, 3), ('2001-01-20', 900001, 2), ('2001-03-14', 900001, 0);
-- support tickets opened 2001-03-01 (in the last 30 days, from 2001-02-14), 2001-02-10 (in 90, not 30),
-- 2000-12-01 (before 2001-03-15 - 89 = 2000-12-16: in neither) → tickets_30d = 1, tickets_90d = 2.
INSERT INTO support_tickets (customer_id, opened_at) VALUES
  (900001, '2001-03-01 09:00+00'), (900001, '2001-02-10 09:00+00'), (900001, '2000-12-01 09:00+00');
SELECT is((SELECT round(usage_trend::numeric, 6) || '/' || days_since_active || '/' || tickets_30d || '/' || tickets_90d
             FROM api.forecast_churn_features('2001-03-15', true) WHERE customer_id = 900001),
          '-0.693147/5/1/2', 'churn features: usage trend 30 vs previous 30 days, days since active, tickets 30/90 days');
-- On 2001-06-20 the last active day (2001-03-10) is 102 days back, beyond the 90-day look-back → 90;
-- no events in either 30-day window → usage_trend = ln(1/1) = 0.
SELECT is((SELECT days_since_active || '/' || usage_trend FROM api.forecast_churn_features('2001-06-20', false)
            WHERE customer_id = 900001), '90/0', 'churn features: no activity within 90 days counts as 90');
-- The scoring rows carry the same two new features.
SELECT is((SELECT tickets_30d || '/' || days_since_active FROM api.forecast_churn_current(1, 'ceo', '2001-03-15')
            WHERE customer_id = 900001), '1/5', 'churn-risk rows carry tickets_30d and days_since_active');
SELECT * FROM finish();
ROLLBACK;
