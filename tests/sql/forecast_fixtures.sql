-- forecast_fixtures.sql — pgTAP: the SQL of services/forecast on hand-made rows in 2001
-- (far before any demo data), every expected value worked out by hand below.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(42);

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
SELECT hasnt_function('api', 'forecast_as_of', ARRAY['date'],
          'no forecast copy of the as_of rule (common/param.c refuses a future as_of, api.as_of defaults it)');

-- ---- forecast_history / forecast_series: SQL decides the windows, the units and the dates ----
-- A zero MRR snapshot on 2000-12-31 (before the business had any) is left out; values in USD.
INSERT INTO metrics_daily (day, mrr_cents) VALUES ('2000-12-31', 0);
SELECT is((SELECT string_agg(day || ':' || value, ',' ORDER BY day) FROM api.forecast_history('mrr', '2001-03-31')),
          '2001-01-31:1.00,2001-02-28:2.00,2001-03-31:3.00', 'MRR history in USD, leading zero months dropped');
-- Forecast dates as_of + h months clamp to month ends: 2001-03-31 + 1 month = 2001-04-30, + 2 = 2001-05-31.
SELECT is((SELECT string_agg(f->>'date', ',') FROM json_array_elements(api.forecast_series('mrr', 2, '2001-03-31')->'forecast') f),
          '2001-04-30,2001-05-31', 'MRR forecast dates are as_of + h months, clamped to month ends');
SELECT is(api.forecast_series('mrr', 1, '2001-03-31')->>'granularity', 'month', 'MRR is a monthly series');
-- On 2001-03-30 the last snapshot is 2001-02-28 (2001-03-30 - 1 month, clamped): no snapshot on as_of.
SELECT throws_ok($$SELECT api.forecast_series('mrr', 1, '2001-03-30')$$, 'NS422',
          'no MRR snapshot for 2001-03-30 yet (rollups not refreshed)', 'a missing MRR snapshot on as_of is a 422');
SELECT is(api.forecast_series('mrr', 1, '2001-03-30', false)->'history'->0->>'date', '2001-02-28',
          'with p_complete false the short history is answered');
-- Daily revenue before 2001-03-01: 2001-02-27 7 cents, 2001-02-28 8 cents (2000-12-31 and 2001-01-31 are 0: leading,
-- dropped); forecast days as_of .. as_of + 2.
SELECT is((SELECT string_agg(h->>'date' || ':' || (h->>'value'), ',') FROM json_array_elements(
             api.forecast_series('revenue', 3, '2001-03-01')->'history') h),
          '2001-02-27:0.07,2001-02-28:0.08', 'daily revenue history in USD, leading zero days dropped');
SELECT is((SELECT string_agg(f->>'date', ',') FROM json_array_elements(api.forecast_series('revenue', 3, '2001-03-01')->'forecast') f),
          '2001-03-01,2001-03-02,2001-03-03', 'daily forecast dates start on as_of');
SELECT throws_ok($$SELECT api.forecast_series('api_calls', 7, '2001-03-02')$$, 'NS422',
          'no api_calls data for the day before 2001-03-02', 'no data for the day before as_of is a 422');
SELECT is(api.forecast_usage(1, 'cs', '7', 'usage_units', '2001-03-01')->>'unit', 'units', 'usage_units are counted in units');
SELECT throws_ok($$SELECT api.forecast_usage(1, 'cs', '7', 'revenue', '2001-03-01')$$, '22023', NULL,
          'usage forecasts only usage metrics');
SELECT throws_ok($$SELECT * FROM api.forecast_history('cpu', '2001-03-01')$$, '22023', NULL, 'an unknown series is a 22023');

-- ---- runway ----
-- Expenses: Jan 100000, Feb 110000 (60000 + 50000), Mar 120000 → mean costs C0 = 110000 cents.
INSERT INTO expenses (month, category, amount_cents) VALUES
  ('2001-01-01', 'payroll', 100000), ('2001-02-01', 'payroll', 60000), ('2001-02-01', 'other', 50000),
  ('2001-03-01', 'payroll', 120000);
-- Income (the daily rollup's payments and net order revenue): Jan = payments 45000 (the day's
-- payment_success events; a failed charge is counted apart); Feb = net order revenue 30000;
-- Mar = net order revenue 15000 → mean I0 = 30000.  Net burn = 110000 - 30000 = 80000 cents = 800.00.
INSERT INTO billing_events (customer_id, occurred_at, kind, amount_cents) VALUES
  (900001, '2001-01-20 10:00+00', 'payment_success', 45000), (900001, '2001-03-03 10:00+00', 'payment_failed', 9999);
INSERT INTO metrics_daily (day, net_revenue_cents, payments_cents, payments_failed) VALUES
  ('2001-01-20', 0, 45000, 0), ('2001-02-10', 30000, 0, 0), ('2001-03-03', 0, 0, 1), ('2001-03-05', 15000, 0, 0);
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

-- Costs history = the full months before April 2001 in USD; forecast months follow the last one.
SELECT is((SELECT string_agg(h->>'date' || ':' || (h->>'value'), ',') FROM json_array_elements(
             api.forecast_costs(1, 'ceo', 2, '2001-04-15')->'history') h),
          '2001-01-01:1000.00,2001-02-01:1100.00,2001-03-01:1200.00', 'costs history = monthly expense totals in USD');
SELECT is((SELECT string_agg(f->>'date', ',') FROM json_array_elements(api.forecast_costs(1, 'ceo', 2, '2001-04-15')->'forecast') f),
          '2001-04-01,2001-05-01', 'costs forecast months follow the last month with expenses');

-- ---- target ----
-- Subscriptions of 900001: 5000 from 2001-01-01 (open), 3000 from 2001-01-01 to 2001-03-01 (exclusive).
-- MRR on 2001-03-15 = 5000 (the second row ended).  Target for March 2001: 6000.
INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from, valid_to) VALUES
  (900001, (SELECT min(id) FROM plans), 1, 5000, '2001-01-01', NULL),
  (900001, (SELECT min(id) FROM plans), 1, 3000, '2001-01-01', '2001-03-01');
INSERT INTO targets (metric, period_start, period_end, value) VALUES ('mrr_cents', '2001-03-01', '2001-03-31', 6000);
SELECT is((SELECT row(period_end, target_cents, mrr_cents)::text FROM api.forecast_target_info('2001-03-15')),
          '(2001-03-31,6000,5000)', 'target info: period end, target and MRR on as_of');
-- The path's calendar on 2001-03-31: as_of + k months clamped (k = 1: 2001-04-30, 30 days; k = 11:
-- 2002-02-28, 334 days; k = 12: 2002-03-31, 365 days); days_left = 2001-03-31 - 2001-03-31 = 0.
SELECT is((SELECT string_agg(s->>'date' || '/' || (s->>'day'), ',' ORDER BY k) FROM json_array_elements(
             api.forecast_target(1, 'ceo', '2001-03-31')->'steps') WITH ORDINALITY x(s, k) WHERE k IN (1, 2, 12, 13)),
          '2001-03-31/0,2001-04-30/30,2002-02-28/334,2002-03-31/365', 'target path steps: as_of + k months, clamped, in days from as_of');
SELECT is((api.forecast_target(1, 'ceo', '2001-03-15')->>'days_left')::int, 16, 'target days_left = period end - as_of');
SELECT throws_ok($$SELECT api.forecast_target(1, 'ceo', '2001-05-15')$$, 'NS404', 'no MRR target covers 2001-05-15',
          'no target covering as_of is a 404');

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
SELECT is((SELECT tickets_30d || '/' || days_since_active FROM api.forecast_churn_current('2001-03-15')
            WHERE customer_id = 900001), '1/5', 'churn-risk rows carry tickets_30d and days_since_active');
-- Row scope in SQL: a cs user gets the customers they own, ceo all, sales none.  900002 (owned by
-- the fixture cs user 900101) pays 2000 from 2001-02-01; 900001 (no owner) pays as above.
INSERT INTO app_users (id, email, name, role, password_hash)
  VALUES (900101, 'fixture-cs@x.example', 'Fixture CS', 'cs', '$2b$04$' || repeat('x', 53));
INSERT INTO customers (id, name, email, signup_at, cs_owner_id)
  VALUES (900002, 'Owned Co', 'o@x.example', '2001-01-01 12:00+00', 900101);
INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from, valid_to)
  VALUES (900002, (SELECT min(id) FROM plans), 1, 2000, '2001-02-01', NULL);
-- What a user sees scored: the scoring rows of the customers api.forecast_churn_scope lets them see.
SELECT is((SELECT string_agg(r.customer_id::text, ',' ORDER BY r.customer_id) FROM api.forecast_churn_current('2001-03-15') r
             JOIN api.forecast_churn_scope(900101, 'cs') v USING (customer_id)),
          '900002', 'cs sees the paying customers they own');
SELECT is((SELECT string_agg(r.customer_id::text, ',' ORDER BY r.customer_id) FROM api.forecast_churn_current('2001-03-15') r
             JOIN api.forecast_churn_scope(1, 'ceo') v USING (customer_id) WHERE r.customer_id >= 900000),
          '900001,900002', 'ceo sees every paying customer');
SELECT is((SELECT count(*) FROM api.forecast_churn_scope(1, 'cs') WHERE customer_id >= 900000), 0::bigint,
          'cs sees no customer owned by someone else');
SELECT is((SELECT count(*) FROM api.forecast_churn_scope(900101, 'sales')), 0::bigint,
          'sales who owns nothing sees none');
-- The scope follows the owner at once: the same query after a change of owner.
UPDATE customers SET cs_owner_id = NULL WHERE id = 900002;
SELECT is((SELECT count(*) FROM api.forecast_churn_scope(900101, 'cs')), 0::bigint,
          'a customer given away leaves the old owner''s scope at once');
SELECT is(api.forecast_churn_risk(900101, 'cs', 20, '2001-03-15')->>'scope', 'customers you own', 'cs scope in words');
-- Seasonality of a series whose only sampled day (a full 7-day window with a positive mean) is 0:
-- API calls 0 on 2003-06-01 .. 06-08 and 500 on 06-09; only 06-06 (window 06-03 .. 06-09) is
-- sampled, its ratio 0, so there is no mean to scale to: no index (it divided by zero, a 400).
INSERT INTO metrics_daily (day, api_calls)
SELECT d::date, CASE WHEN d = '2003-06-09' THEN 500 ELSE 0 END FROM generate_series('2003-06-01'::date, '2003-06-09', '1 day') d;
SELECT is((api.forecast_seasonality(1, 'ceo', '2003-06-10') -> 'series' -> 'api_calls' -> 'weekly')::text,
          '{"window_days" : 84, "day_of_week" : [{"isodow" : 5, "day" : "Fri", "index" : null, "samples" : 1}], "amplitude" : null, "detected" : false}',
          'a weekly index with nothing to scale to is null, not a division by zero');
SELECT * FROM finish();
ROLLBACK;
