-- users_fixtures.sql — the users service's SQL on hand-made rows, every expected value worked
-- out by hand below.  Runs inside a transaction that is rolled back.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(28);
SET LOCAL northstar.tz = 'UTC';
TRUNCATE customers, subscriptions, orders, billing_events, usage_records, support_tickets, nps_responses,
         referrals, leads, opportunities, sales_activities, events, metrics_daily, mrr_daily,
         active_users_daily, customer_daily, feature_daily, sales_rep_daily, rollup_dirty_days,
         customer_health_daily, customer_activity_daily, customer_usage_daily, customer_list_daily,
         customer_snapshot_days,
         users_transitions_daily, users_cohort_cells, users_cohort_days CASCADE;
DO $$ BEGIN PERFORM events_create_partitions('2025-02-01', '2025-04-30'); END $$;

INSERT INTO app_users (id, email, name, role, password_hash) VALUES
  (9001, 'fx-cs-a@fixture.example', 'CS A', 'cs', '$2b$10$fixture'),
  (9002, 'fx-cs-b@fixture.example', 'CS B', 'cs', '$2b$10$fixture'),
  (9003, 'fx-sales@fixture.example', 'Sales', 'sales', '$2b$10$fixture');

-- A (1, cs A), B (2, cs B), D (4, cs A) pay since 2024-12-15; C (3, cs A) and F (6) are trials,
-- E (5) converted from a trial without a subscription.  11..17: cohort customers, no owner.
INSERT INTO customers (id, name, email, signup_at, trial_started_on, trial_ends_on, converted_at, cs_owner_id, sales_owner_id) VALUES
  (1, 'Alpha', 'a@x.example', '2024-12-01', NULL, NULL, '2024-12-15', 9001, 9003),
  (2, 'Beta',  'b@x.example', '2024-12-01', NULL, NULL, '2024-12-15', 9002, NULL),
  (3, 'Gamma', 'c@x.example', '2025-03-05', '2025-03-05', '2025-03-19', NULL, 9001, NULL),
  (4, 'Delta', 'd@x.example', '2024-12-01', NULL, NULL, '2024-12-15', 9001, NULL),
  (5, 'Eps',   'e@x.example', '2025-03-03 00:00+00', '2025-03-03', '2025-03-17', '2025-03-15 12:00+00', NULL, NULL),
  (6, 'Zeta',  'f@x.example', '2025-03-25', '2025-03-25', '2025-04-08', NULL, NULL, NULL),
  (11, 'C11', 'c11@x.example', '2024-01-01', NULL, NULL, '2024-01-10 09:00+00', NULL, NULL),
  (12, 'C12', 'c12@x.example', '2024-01-01', NULL, NULL, '2024-01-20 09:00+00', NULL, NULL),
  (13, 'C13', 'c13@x.example', '2024-01-20', NULL, NULL, '2024-02-03 09:00+00', NULL, NULL),
  (14, 'C14', 'c14@x.example', '2024-02-01', NULL, NULL, '2024-02-27 09:00+00', NULL, NULL),
  (15, 'C15', 'c15@x.example', '2024-02-01', NULL, NULL, '2024-02-14 09:00+00', NULL, NULL),
  (16, 'C16', 'c16@x.example', '2024-03-01', NULL, NULL, '2024-03-31 10:00+00', NULL, NULL),
  (17, 'C17', 'c17@x.example', '2024-03-01', NULL, NULL, '2024-04-02 10:00+00', NULL, NULL);

INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from, valid_to) VALUES
  (1, (SELECT id FROM plans WHERE code = 'starter'), 4, 11600, '2024-12-15', NULL),
  (2, (SELECT id FROM plans WHERE code = 'professional'), 2, 11800, '2024-12-15', NULL),
  (4, (SELECT id FROM plans WHERE code = 'starter'), 1, 5000, '2024-12-15', NULL),
  -- cohorts (all over by 2024-06-01, so they pay nothing in 2025)
  (11, 1, 1, 1000, '2024-01-10', '2024-03-01'),
  (11, 1, 4, 4000, '2024-03-01', '2024-06-01'),
  (12, 1, 1, 2000, '2024-01-20', '2024-02-15'),
  (13, 1, 2, 5000, '2024-02-03', '2024-03-10'),
  (13, 1, 1, 2500, '2024-03-10', '2024-06-01'),
  (14, 1, 1, 3000, '2024-02-27', '2024-06-01'),
  (15, 1, 1, 2000, '2024-02-14', '2024-02-20'),
  (16, 1, 1, 7000, '2024-03-31', '2024-06-01'),
  (17, 1, 1, 9000, '2024-04-02', '2024-06-01');

-- Activity: A's user 101 on 03-29, 03-30, 03-31; 102 on 03-31; 103 on 03-05; 104 on 02-20.
-- B's user 201 every day 03-01 .. 03-31.
INSERT INTO events (occurred_at, customer_id, user_id, session_id, type, feature) VALUES
  ('2025-03-29 10:00+00', 1, 101, 1, 'login', NULL),
  ('2025-03-30 10:00+00', 1, 101, 2, 'login', NULL),
  ('2025-03-31 10:00+00', 1, 101, 3, 'feature_used', 'reports'),
  ('2025-03-31 11:00+00', 1, 102, 4, 'login', NULL),
  ('2025-03-05 11:00+00', 1, 103, 5, 'login', NULL),
  ('2025-02-20 11:00+00', 1, 104, 6, 'login', NULL);
INSERT INTO events (occurred_at, customer_id, user_id, session_id, type)
SELECT g + interval '9 hours', 2, 201, 100 + extract(day FROM g)::int, 'login'
FROM generate_series('2025-03-01'::timestamptz, '2025-03-31', interval '1 day') g;

-- Tickets: A has a high-priority ticket opened 03-10 still open, and a CSAT-2 ticket opened 02-01.
INSERT INTO support_tickets (customer_id, opened_at, resolved_at, priority, csat) VALUES
  (1, '2025-03-10 09:00+00', NULL, 'high', NULL),
  (1, '2025-02-01 09:00+00', '2025-02-02 09:00+00', 'normal', 2);
-- Billing: A failed 03-15 (in 60 d) and 01-15 (not); B chargeback 02-10 (in 90 d);
-- D failed 03-01 and 03-20, chargeback 03-25.
INSERT INTO billing_events (customer_id, occurred_at, kind, amount_cents) VALUES
  (1, '2025-03-15 09:00+00', 'payment_failed', 11600),
  (1, '2025-01-15 09:00+00', 'payment_failed', 11600),
  (2, '2025-02-10 09:00+00', 'chargeback', 11800),
  (4, '2025-03-01 09:00+00', 'payment_failed', 5000),
  (4, '2025-03-20 09:00+00', 'payment_failed', 5000),
  (4, '2025-03-25 09:00+00', 'chargeback', 5000);
-- Ten NPS answers in the 90 days to 2025-03-31: 10 10 9 9 9 | 8 7 | 6 3 0, plus one on 04-01 (outside).
INSERT INTO nps_responses (customer_id, answered_at, score)
SELECT 1, '2025-01-05 12:00+00'::timestamptz + k * interval '8 days', s
FROM unnest(ARRAY[10, 10, 9, 9, 9, 8, 7, 6, 3, 0]) WITH ORDINALITY AS t(s, k);
INSERT INTO nps_responses (customer_id, answered_at, score) VALUES (2, '2025-04-01 12:00+00', 0);

DO $$ BEGIN PERFORM rollup_compute_range('2025-01-01', '2025-04-30'); END $$;

-- ---------------------------------------------------------------- summary, as of 2025-03-31
CREATE TEMP TABLE s AS SELECT api.users_summary(1, 'ceo', '2025-03-31') AS j;
-- DAU 03-31: (1,101), (1,102), (2,201) = 3; on 03-30: (1,101), (2,201) = 2.
SELECT is((SELECT (j->'dau'->>'value')::int FROM s), 3, 'DAU counts distinct users of the day');
SELECT is((SELECT (j->'dau'->>'previous')::int FROM s), 2, 'DAU previous is the day before');
-- WAU 03-25..03-31: 101, 102, 201 = 3 (101 on three days counts once).
SELECT is((SELECT (j->'wau'->>'value')::int FROM s), 3, 'WAU counts a user active on several days once');
-- MAU 03-02..03-31: 101, 102, 103, 201 = 4 (104 on 02-20 is outside).
SELECT is((SELECT (j->'mau'->>'value')::int FROM s), 4, 'MAU counts distinct users of 30 days');
SELECT is((SELECT (j->'dau_mau_pct'->>'value')::numeric FROM s), 75.00, 'DAU/MAU = 3/4');
-- NPS: promoters 5, passives 2, detractors 3 of 10 -> (5 - 3) / 10 = 20.
SELECT is((SELECT (j->'nps_90d'->'value'->>'nps')::numeric FROM s), 20.00, 'NPS from ten answers');
SELECT is((SELECT (j->'nps_90d'->'value'->>'responses')::int FROM s), 10, 'NPS answer after as_of is excluded');
-- total customers: paying A, B, D = 3; active customers 30 d: A, B = 2.
SELECT is((SELECT (j->'total_customers'->>'value')::int FROM s), 3, 'total customers = paying on as_of');
SELECT is((SELECT (j->'active_customers_30d'->>'value')::int FROM s), 2, 'active customers in 30 days');
-- Trials started 03-02..03-31 and ended before 03-31: C (not converted), E (converted) -> 50 %;
-- E converted 12.5 days after signup; active trials on 03-31: F only.
SELECT is((SELECT (j->'trials_30d'->'value'->>'trial_to_paid_rate')::numeric FROM s), 50.00, 'trial-to-paid 1 of 2');
SELECT is((SELECT (j->'trials_30d'->'value'->>'avg_days_to_convert')::numeric FROM s), 12.5, 'days to convert');
SELECT is((SELECT (j->'active_trials'->>'value')::int FROM s), 1, 'active trials on as_of');

-- ---------------------------------------------------------------- health, as of 2025-03-31
CREATE TEMP TABLE h AS SELECT api.users_health(1, 'ceo', NULL, 'mrr_at_risk', '50', '0', '2025-03-31') AS j;
CREATE TEMP TABLE hr AS
SELECT (x->>'customer_id')::int AS id, (x->>'usage')::int AS u, (x->>'adoption')::int AS a,
       (x->>'support')::int AS s, (x->>'payment')::int AS p, (x->>'health_score')::int AS score,
       x->>'risk_band' AS band, x->>'action' AS action, (x->>'mrr_at_risk')::numeric AS at_risk
FROM h, json_array_elements(j->'customers') x;
-- A: active days 03-05, 03-29, 03-30, 03-31 = 4 -> round(30*4/20) = 6; users 101,102,103 of 4 seats
-- -> round(25*0.75) = 19; 1 ticket in 30 d, 1 high open, 1 CSAT<=2 in 90 d -> 20-4-4-5 = 7;
-- 1 failed payment in 60 d -> 25-10 = 15; total 47 -> medium risk, MRR at risk 116/2 = 58.
SELECT is((SELECT row(u, a, s, p, score, band, action, at_risk)::text FROM hr WHERE id = 1),
          row(6, 19, 7, 15, 47, 'medium_risk', 'schedule_check_in', 58.00)::text, 'health of A part by part');
-- B: 30 active days -> 30; 1 user of 2 seats -> round(12.5) = 13; no tickets -> 20;
-- 1 chargeback in 90 d -> 10; total 73 -> healthy, nothing at risk.
SELECT is((SELECT row(u, a, s, p, score, band, action, at_risk)::text FROM hr WHERE id = 2),
          row(30, 13, 20, 10, 73, 'healthy', 'upsell', 0.00)::text, 'health of B part by part');
-- D: no use -> 0, 0; support 20; 2 failed + 1 chargeback -> max(0, 25-20-15) = 0; total 20 -> high.
SELECT is((SELECT row(u, a, s, p, score, band, action, at_risk)::text FROM hr WHERE id = 4),
          row(0, 0, 20, 0, 20, 'high_risk', 'intervene', 50.00)::text, 'health of D part by part');
SELECT is((SELECT array_agg(id ORDER BY id) FROM hr), ARRAY[1, 2, 4], 'only paying customers are scored');
-- company: 3 customers, one per band, average (47+73+20)/3 = 46.7, MRR 116+118+50 = 284, at risk 58 + 50 = 108
SELECT is((SELECT j->>'company' FROM h)::jsonb,
          '{"customers":3,"high_risk":1,"medium_risk":1,"healthy":1,"average_score":46.7,"mrr":284.00,"mrr_at_risk":108.00}'::jsonb,
          'company health totals');
-- row scope: cs A owns A and D (sorted by MRR at risk: A 58, D 50); cs B owns B; totals stay company-wide
SELECT is((SELECT array_agg((x->>'customer_id')::int ORDER BY o)
             FROM json_array_elements(api.users_health(9001, 'cs', NULL, 'mrr_at_risk', '50', '0', '2025-03-31')->'customers')
                  WITH ORDINALITY t(x, o)), ARRAY[1, 4], 'cs A sees only own customers');
SELECT is((SELECT (api.users_health(9001, 'cs', NULL, 'mrr_at_risk', '50', '0', '2025-03-31')->'company'->>'customers')::int),
          3, 'cs A still sees company-wide totals');
SELECT is((SELECT array_agg((x->>'customer_id')::int)
             FROM json_array_elements(api.users_health(9002, 'cs', NULL, 'score', '50', '0', '2025-03-31')->'customers') x),
          ARRAY[2], 'cs B sees only B');
SELECT is((SELECT array_agg((x->>'customer_id')::int ORDER BY o)
             FROM json_array_elements(api.users_health(1, 'ceo', NULL, 'score', '1', '1', '2025-03-31')->'customers')
                  WITH ORDINALITY t(x, o)), ARRAY[1], 'sort by score (D 20, A 47, B 73), page 2 of size 1 is A');
SELECT is((SELECT array_agg((x->>'customer_id')::int)
             FROM json_array_elements(api.users_health(1, 'ceo', 'high', 'name', '50', '0', '2025-03-31')->'customers') x),
          ARRAY[4], 'risk=high keeps only D');

-- ---------------------------------------------------------------- drill-down
-- another owner's customer is answered as a missing one (issue 20: a 403 would confirm it exists)
SELECT throws_ok($$SELECT api.users_customer(9002, 'cs', '2025-03-31', 1)$$, 'NS404', 'no customer 1 that you can see',
                 'cs B may not open A, and is told it is no customer it can see');
SELECT throws_ok($$SELECT api.users_customer(1, 'ceo', '2025-03-31', 999)$$, 'NS404', NULL, 'unknown customer is 404');
SELECT is((SELECT row(j->'health'->>'health_score', j->>'mrr', json_array_length(j->'open_tickets'),
                      json_array_length(j->'nps'), json_array_length(j->'payments'))::text
             FROM (SELECT api.users_customer(9001, 'cs', '2025-03-31', 1) AS j) x),
          row('47', '116.00', 1, 10, 2)::text, 'drill-down of A: score, MRR, 1 open ticket, 10 NPS answers, 2 payments');

-- ---------------------------------------------------------------- cohorts, as of 2024-03-31
-- Jan: 11 (1000), 12 (2000, ends 02-15). End Jan: both, 3000. End Feb: 11 (1000). End Mar: 11 (4000).
--   logos 100, 50, 50; revenue 100, 1000/3000 = 33.33, 4000/3000 = 133.33
-- Feb: 13 (5000), 14 (3000 from 02-27), 15 (02-14..02-20). End Feb (02-29): 13, 14 = 2 of 3, 8000.
--   End Mar: 13 (2500), 14 (3000) = 2 of 3, 5500.  logos 66.67, 66.67; revenue 100, 68.75
-- Mar: 16 (7000 from 03-31) -> 100; 17 converts in April: not in any cohort.
SELECT is((SELECT json_agg(x->'retention')::text FROM json_array_elements(
             api.users_cohorts(1, 'ceo', 'month', 'logos', '3', '2024-03-31')->'cohorts') x)::jsonb,
          '[[100.00, 50.00, 50.00], [66.67, 66.67], [100.00]]'::jsonb, 'logo retention matrix of three cohorts');
SELECT is((SELECT json_agg(x->'retention')::text FROM json_array_elements(
             api.users_cohorts(1, 'ceo', 'month', 'revenue', '3', '2024-03-31')->'cohorts') x)::jsonb,
          '[[100.00, 33.33, 133.33], [100.00, 68.75], [100.00]]'::jsonb, 'revenue retention matrix of three cohorts');
SELECT is((SELECT array_agg((x->>'size')::int) FROM json_array_elements(
             api.users_cohorts(1, 'ceo', 'month', 'logos', '3', '2024-03-31')->'cohorts') x),
          ARRAY[2, 3, 1], 'cohort sizes');

SELECT * FROM finish();
ROLLBACK;
