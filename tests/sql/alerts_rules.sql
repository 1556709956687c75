-- Alert rules, evaluation, dedupe, hysteresis, auto-resolve, ack/resolve audit, role scoping and
-- the daily report, on hand-made rows in 2001-2004 (far from the demo data).  Every rule is
-- evaluated on its own (alert_evaluate(now, rule)) at an explicit instant; zone UTC.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(99);
SET LOCAL northstar.tz = 'UTC';

TRUNCATE alerts, alert_events, alert_deliveries, report_runs CASCADE;
DELETE FROM alert_settings;
INSERT INTO alert_settings VALUES ('webhook_url', 'http://127.0.0.1:9/hook'), ('smtp_url', 'smtp://127.0.0.1:9');
-- the spec's rules, whatever the CEO changed on this database
UPDATE alert_rules r SET threshold = v.t, hysteresis = v.h, clear_evals = 2, enabled = true, webhook_url = NULL,
                         win = v.w::interval, comparison = v.c
FROM (VALUES ('mrr_drop', '>', 5, 1, '1 month'), ('churn', '>', 8, 1, '1 month'), ('cac_spike', '>', 50, 10, '7 days'),
             ('api_errors', '>', 1, 0.2, '1 hour'), ('ad_spend_no_revenue', '>', 10000, 500, '14 days'),
             ('health_score', '<', 30, 5, '30 days'), ('failed_payments', '>', 0, 0, '30 days'),
             ('cost_spike', '>', 3, 0.25, '14 days'), ('pipeline_coverage', '<', 3, 0.2, '90 days')) v(code, c, t, h, w)
WHERE r.code = v.code;
SELECT id AS r_mrr FROM alert_rules WHERE code = 'mrr_drop' \gset
SELECT id AS r_churn FROM alert_rules WHERE code = 'churn' \gset
SELECT id AS r_cac FROM alert_rules WHERE code = 'cac_spike' \gset
SELECT id AS r_api FROM alert_rules WHERE code = 'api_errors' \gset
SELECT id AS r_ad FROM alert_rules WHERE code = 'ad_spend_no_revenue' \gset
SELECT id AS r_health FROM alert_rules WHERE code = 'health_score' \gset
SELECT id AS r_failed FROM alert_rules WHERE code = 'failed_payments' \gset
SELECT id AS r_cost FROM alert_rules WHERE code = 'cost_spike' \gset
SELECT id AS r_pipe FROM alert_rules WHERE code = 'pipeline_coverage' \gset

INSERT INTO app_users (email, name, role, password_hash) VALUES ('fx-ceo@fixture.example', 'Fx CEO', 'ceo', '$2b$fx')
RETURNING id AS u_ceo \gset
INSERT INTO app_users (email, name, role, password_hash) VALUES ('fx-cs-a@fixture.example', 'Fx CS A', 'cs', '$2b$fx')
RETURNING id AS u_csa \gset
INSERT INTO app_users (email, name, role, password_hash) VALUES ('fx-cs-b@fixture.example', 'Fx CS B', 'cs', '$2b$fx')
RETURNING id AS u_csb \gset
INSERT INTO app_users (email, name, role, password_hash) VALUES ('fx-sales@fixture.example', 'Fx Sales', 'sales', '$2b$fx')
RETURNING id AS u_sales \gset
INSERT INTO plans (code, name, price_cents, billing_interval) VALUES ('starter', 'Starter', 2900, 'month')
ON CONFLICT (code) DO NOTHING;

CREATE FUNCTION pg_temp.n_alerts(p_rule int) RETURNS bigint LANGUAGE sql AS
$$ SELECT count(*) FROM alerts WHERE rule_id = p_rule $$;
CREATE FUNCTION pg_temp.n_events(p_rule int, p_kind text) RETURNS bigint LANGUAGE sql AS
$$ SELECT count(*) FROM alert_events e JOIN alerts a ON a.id = e.alert_id WHERE a.rule_id = p_rule AND e.kind = p_kind $$;
CREATE FUNCTION pg_temp.n_deliveries(p_rule int, p_channel text) RETURNS bigint LANGUAGE sql AS
$$ SELECT count(*) FROM alert_deliveries d JOIN alert_events e ON e.id = d.event_id JOIN alerts a ON a.id = e.alert_id
   WHERE a.rule_id = p_rule AND d.channel = p_channel $$;
CREATE FUNCTION pg_temp.measure(p_rule int, p_now timestamptz) RETURNS numeric LANGUAGE sql AS
$$ SELECT value FROM alert_measure((SELECT r FROM alert_rules r WHERE id = p_rule), p_now) $$;

-- ---- MRR drop > 5 %: MRR 1000.00 -> 951.00 is a 4.90 % drop (no), 1000.00 -> 949.00 is 5.10 % (fires)
INSERT INTO metrics_daily (day, mrr_cents) VALUES ('2001-01-31', 100000), ('2001-02-28', 94900),
                                                   ('2001-03-31', 100000), ('2001-04-30', 95100);
SELECT is(pg_temp.measure(:r_mrr, '2001-05-10 12:00Z'), 4.90, 'mrr_drop: April 2001 drop is (1000-951)/1000 = 4.90 %');
SELECT FROM alert_evaluate('2001-05-10 12:00Z', :r_mrr);
SELECT is(pg_temp.n_alerts(:r_mrr), 0::bigint, 'mrr_drop: 4.90 % (just under 5) opens no alert');
SELECT FROM alert_evaluate('2001-03-10 12:00Z', :r_mrr);
SELECT results_eq($$SELECT value, threshold, window_from, window_to, status, severity FROM alerts WHERE rule_id = $$ || :r_mrr,
    $$VALUES (5.10, 5::numeric, '2001-01-31 00:00Z'::timestamptz, '2001-03-01 00:00Z'::timestamptz, 'open', 'critical')$$,
    'mrr_drop: 5.10 % (just over 5) opens one critical alert with value, threshold and window Jan 31 .. Feb 28');
SELECT FROM alert_evaluate('2001-03-10 12:01Z', :r_mrr);
SELECT is(pg_temp.n_alerts(:r_mrr), 1::bigint, 'dedupe: a second evaluation creates no second alert');
SELECT is(pg_temp.n_events(:r_mrr, 'opened'), 1::bigint, 'dedupe: one opened event');
SELECT is(pg_temp.n_deliveries(:r_mrr, 'webhook'), 1::bigint, 'dedupe: one webhook notification');
SELECT is(pg_temp.n_deliveries(:r_mrr, 'email'),
          (SELECT count(*) FROM app_users WHERE role = 'ceo' AND NOT disabled),
          'dedupe: one e-mail per CEO (audience ceo), not two');
-- clears: 1000.00 -> 960.00 = 4.00 % = threshold - hysteresis (5 - 1): clear; resolved after 2 evaluations
UPDATE metrics_daily SET mrr_cents = 96000 WHERE day = '2001-02-28';
SELECT FROM alert_evaluate('2001-03-10 13:00Z', :r_mrr);
SELECT results_eq($$SELECT status, clear_count, cleared_at FROM alerts WHERE rule_id = $$ || :r_mrr,
    $$VALUES ('open', 1, '2001-03-10 13:00Z'::timestamptz)$$, 'auto-resolve: first clear evaluation counts, alert stays open');
SELECT FROM alert_evaluate('2001-03-10 13:01Z', :r_mrr);
SELECT results_eq($$SELECT status, resolution, cleared_at, resolved_at, resolved_by FROM alerts WHERE rule_id = $$ || :r_mrr,
    $$VALUES ('resolved', 'auto', '2001-03-10 13:00Z'::timestamptz, '2001-03-10 13:01Z'::timestamptz, NULL::int)$$,
    'auto-resolve: second clear evaluation resolves, keeping the time it cleared');
SELECT is(pg_temp.n_deliveries(:r_mrr, 'webhook'), 2::bigint, 'auto-resolve: the resolution is posted to the webhook once');

-- ---- Churn > 8 %: 100 payers from 2001-01-01; 8 churn in June (8/100 = 8.00 %), 9 in August (9/92 = 9.78 %)
INSERT INTO customers (id, name, email, signup_at)
SELECT 901000 + i, 'Churn ' || i, 'c' || i || '@fixture.example', '2000-12-01 12:00Z' FROM generate_series(1, 100) i;
INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from, valid_to)
SELECT 901000 + i, (SELECT id FROM plans WHERE code = 'starter'), 1, 1000, '2001-01-01',
       CASE WHEN i <= 8 THEN '2001-06-15'::date WHEN i <= 17 THEN '2001-08-15'::date END
FROM generate_series(1, 100) i;
SELECT is(pg_temp.measure(:r_churn, '2001-07-10 12:00Z'), 8.00, 'churn: June 2001 = 8 churned / 100 payers = 8.00 %');
SELECT FROM alert_evaluate('2001-07-10 12:00Z', :r_churn);
SELECT is(pg_temp.n_alerts(:r_churn), 0::bigint, 'churn: 8.00 % (not above 8) opens no alert');
SELECT FROM alert_evaluate('2001-09-10 12:00Z', :r_churn);
SELECT results_eq($$SELECT value, window_from, window_to FROM alerts WHERE rule_id = $$ || :r_churn,
    $$VALUES (9.78, '2001-08-01 00:00Z'::timestamptz, '2001-09-01 00:00Z'::timestamptz)$$,
    'churn: August 2001 = 9 / 92 = 9.78 % opens an alert over August');

-- ---- CAC spike > 50 %: previous 7 days $100/day and 1 payer/day (CAC $100); last 7 days 6 x $150 plus
-- $149 (CAC 1049/7 = 149.857, +49.86 %) in October, plus $151 (CAC 150.143, +50.14 %) in November
INSERT INTO metrics_daily (day, ad_spend_cents, new_paying_customers)
SELECT m + g, CASE WHEN g < 7 THEN 10000 WHEN g < 13 THEN 15000 WHEN m = '2001-10-01' THEN 14900 ELSE 15100 END, 1
FROM (VALUES ('2001-10-01'::date), ('2001-11-01'::date)) x(m), generate_series(0, 13) g;
SELECT is(pg_temp.measure(:r_cac, '2001-10-15 12:00Z'), 49.86, 'cac_spike: CAC $149.86 vs $100.00 = +49.86 %');
SELECT FROM alert_evaluate('2001-10-15 12:00Z', :r_cac);
SELECT is(pg_temp.n_alerts(:r_cac), 0::bigint, 'cac_spike: +49.86 % opens no alert');
SELECT FROM alert_evaluate('2001-11-15 12:00Z', :r_cac);
SELECT results_eq($$SELECT value, window_from, window_to FROM alerts WHERE rule_id = $$ || :r_cac,
    $$VALUES (50.14, '2001-11-01 00:00Z'::timestamptz, '2001-11-15 00:00Z'::timestamptz)$$,
    'cac_spike: +50.14 % opens an alert over the 14 days before today');

-- ---- API error rate > 1 % over the last hour, hysteresis 0.2: 1000 calls an hour on 2001-03-20
-- with 9, 11, 9, 11, 9, 7, 7 errors: 0.9 1.1 0.9 1.1 0.9 0.7 0.7 %
SELECT FROM events_create_partitions('2001-03-01', '2001-03-01');
INSERT INTO events (occurred_at, type, status)
SELECT '2001-03-20 00:00Z'::timestamptz + h * interval '1 hour' + i * interval '1 second', 'api_call',
       CASE WHEN i < (ARRAY[9, 11, 9, 11, 9, 7, 7])[h + 1] THEN 500 ELSE 200 END
FROM generate_series(0, 6) h, generate_series(0, 999) i;
SELECT FROM alert_evaluate('2001-03-20 01:00Z', :r_api);
SELECT is(pg_temp.n_alerts(:r_api), 0::bigint, 'api_errors: 0.9 % opens no alert');
SELECT FROM alert_evaluate('2001-03-20 02:00Z', :r_api);
SELECT results_eq($$SELECT value, status, window_from, window_to FROM alerts WHERE rule_id = $$ || :r_api,
    $$VALUES (1.100, 'open', '2001-03-20 01:00Z'::timestamptz, '2001-03-20 02:00Z'::timestamptz)$$,
    'api_errors: 1.1 % over 01:00-02:00 opens an alert');
SELECT FROM alert_evaluate('2001-03-20 03:00Z', :r_api);
SELECT FROM alert_evaluate('2001-03-20 04:00Z', :r_api);
SELECT FROM alert_evaluate('2001-03-20 05:00Z', :r_api);
SELECT results_eq($$SELECT count(*), min(status), min(value), sum(clear_count) FROM alerts WHERE rule_id = $$ || :r_api,
    $$VALUES (1::bigint, 'open', 0.900, 0::bigint)$$,
    'no flapping: 0.9 / 1.1 / 0.9 around the 1 % threshold keeps the one alert open');
SELECT is(pg_temp.n_events(:r_api, 'opened') + pg_temp.n_events(:r_api, 'resolved'), 1::bigint,
          'no flapping: only the one opened event while oscillating');
SELECT FROM alert_evaluate('2001-03-20 06:00Z', :r_api);
SELECT is((SELECT status FROM alerts WHERE rule_id = :r_api), 'open', 'hysteresis: one evaluation at 0.7 % does not resolve');
SELECT FROM alert_evaluate('2001-03-20 07:00Z', :r_api);
SELECT results_eq($$SELECT status, cleared_at, resolved_at FROM alerts WHERE rule_id = $$ || :r_api,
    $$VALUES ('resolved', '2001-03-20 06:00Z'::timestamptz, '2001-03-20 07:00Z'::timestamptz)$$,
    'hysteresis: two evaluations at 0.7 % (<= 1 - 0.2) resolve, cleared at the first');

-- ---- Ad spend > $10,000 with order revenue below spend, last 14 full days before 2001-12-20
INSERT INTO metrics_daily (day, ad_spend_cents, revenue_cents) VALUES
    ('2001-12-10', 1000001, 0),          -- $10,000.01, no revenue: fires
    ('2001-12-11', 999999, 0),           -- $9,999.99: just under
    ('2001-12-12', 2000000, 2000000),    -- revenue not below spend
    ('2001-12-05', 5000000, 0);          -- outside the 14 days 12-06 .. 12-19
SELECT FROM alert_evaluate('2001-12-20 12:00Z', :r_ad);
SELECT results_eq($$SELECT subject_key, value, window_from FROM alerts WHERE rule_id = $$ || :r_ad,
    $$VALUES ('2001-12-10', 10000.01, '2001-12-10 00:00Z'::timestamptz)$$,
    'ad_spend: only the day with $10,000.01 spend and no revenue fires');

-- ---- Cost spike > 3 x the median daily ad spend of the 28 days before: $100 a day, $301 on 02-10, $299 on 02-12
INSERT INTO metrics_daily (day, ad_spend_cents)
SELECT g::date, CASE g::date WHEN '2002-02-10' THEN 30100 WHEN '2002-02-12' THEN 29900 ELSE 10000 END
FROM generate_series('2002-01-01'::date, '2002-02-14', interval '1 day') g;
SELECT FROM alert_evaluate('2002-02-15 12:00Z', :r_cost);
SELECT results_eq($$SELECT subject_key, value FROM alerts WHERE rule_id = $$ || :r_cost,
    $$VALUES ('2002-02-10', 3.01)$$, 'cost_spike: 301/100 = 3.01 fires, 299/100 = 2.99 does not');

-- ---- Health score < 30 (paying customers on 2003-03-15; no activity: usage 0, adoption 0)
INSERT INTO customers (id, name, email, signup_at, cs_owner_id) VALUES
    (903001, 'Health A', 'ha@fixture.example', '2003-01-01 12:00Z', :u_csa),
    (903002, 'Health B', 'hb@fixture.example', '2003-01-01 12:00Z', :u_csb),
    (903003, 'Failed C', 'fc@fixture.example', '2003-01-01 12:00Z', :u_csb),
    (903004, 'Failed D', 'fd@fixture.example', '2003-01-01 12:00Z', :u_csa),
    (903005, 'Failed E', 'fe@fixture.example', '2003-01-01 12:00Z', :u_csa);
INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from)
SELECT c, (SELECT id FROM plans WHERE code = 'starter'), 1, 5000, '2003-01-01' FROM unnest(ARRAY[903001, 903002]) c;
-- A: 4 tickets in the last 30 days -> support 20 - 16 = 4, payment 25: score 29
INSERT INTO support_tickets (customer_id, opened_at, resolved_at, priority)
SELECT 903001, ts, ts + interval '1 hour', 'normal'
FROM generate_series('2003-03-01 10:00Z'::timestamptz, '2003-03-04 10:00Z', interval '1 day') ts;
-- B: a chargeback -> payment 25 - 15 = 10, support 20: score 30
INSERT INTO billing_events (customer_id, occurred_at, kind, amount_cents) VALUES (903002, '2003-03-01 10:00Z', 'chargeback', 5000);
SELECT results_eq($$SELECT customer_id, health_score FROM customer_health('2003-03-15') WHERE customer_id > 903000$$,
    $$VALUES (903001, 29), (903002, 30)$$, 'health fixture: A scores 29, B scores 30');
SELECT FROM alert_evaluate('2003-03-15 12:00Z', :r_health);
SELECT results_eq($$SELECT subject_key, customer_id, value, subject_label FROM alerts WHERE rule_id = $$ || :r_health,
    $$VALUES ('903001', 903001, 29::numeric, 'Health A')$$, 'health_score: 29 fires, 30 does not');
SELECT FROM alert_evaluate('2003-03-15 12:01Z', :r_health);
SELECT is(pg_temp.n_alerts(:r_health), 1::bigint, 'dedupe: health evaluated twice, one alert');
SELECT is((SELECT array_agg(target ORDER BY target) FROM alert_deliveries d JOIN alert_events e ON e.id = d.event_id
           JOIN alerts a ON a.id = e.alert_id WHERE a.rule_id = :r_health AND d.channel = 'email'),
          ARRAY['fx-cs-a@fixture.example'], 'health_score: e-mailed to the customer''s CS manager only');

-- ---- Failed payments > 0 in the last 30 days without a later success
INSERT INTO billing_events (customer_id, occurred_at, kind, amount_cents) VALUES
    (903003, '2003-03-10 10:00Z', 'payment_failed', 5000),                                   -- C: 1, fires
    (903004, '2003-03-05 10:00Z', 'payment_failed', 5000), (903004, '2003-03-07 10:00Z', 'payment_success', 5000),  -- D: 0
    (903005, '2003-02-01 10:00Z', 'payment_failed', 5000);                                   -- E: outside the window
SELECT FROM alert_evaluate('2003-03-15 12:00Z', :r_failed);
SELECT results_eq($$SELECT subject_key, value FROM alerts WHERE rule_id = $$ || :r_failed,
    $$VALUES ('903003', 1::numeric)$$, 'failed_payments: one unrecovered failure fires; a recovered or old one does not');

-- ---- Pipeline coverage < 3: open pipeline / won in the last 90 days
INSERT INTO opportunities (owner_id, stage, amount_cents, created_at, closed_at, won) VALUES
    (:u_sales, 'closed_won', 100000, '2003-12-01 12:00Z', '2004-02-01 12:00Z', true),     -- W0
    (:u_sales, 'closed_won', 100000, '2004-01-01 12:00Z', '2004-05-01 12:00Z', true),     -- W1
    (:u_sales, 'closed_lost', 200000, '2004-02-10 12:00Z', '2004-03-20 12:00Z', false),   -- O0
    (:u_sales, 'proposal', 299000, '2004-04-01 12:00Z', NULL, NULL);                      -- O1
-- 2004-03-01: open W1 + O0 = 3000.00, won W0 = 1000.00: 3.00; 2004-06-01: open O1 2990.00, won W1 1000.00: 2.99
SELECT is(pg_temp.measure(:r_pipe, '2004-03-01 00:00Z'), 3.00, 'pipeline: coverage on 2004-03-01 is 3.00');
SELECT FROM alert_evaluate('2004-03-01 00:00Z', :r_pipe);
SELECT is(pg_temp.n_alerts(:r_pipe), 0::bigint, 'pipeline: 3.00 (not below 3) opens no alert');
SELECT FROM alert_evaluate('2004-06-01 00:00Z', :r_pipe);
SELECT is((SELECT value FROM alerts WHERE rule_id = :r_pipe), 2.99, 'pipeline: 2.99 opens an alert');

-- ---- Acknowledge and resolve by hand: who and when
SELECT id AS a_health FROM alerts WHERE rule_id = :r_health \gset
SELECT FROM alert_act(:a_health, 'ack', :u_ceo, '2003-03-15 12:05Z');
SELECT results_eq($$SELECT status, acknowledged_by, acknowledged_at FROM alerts WHERE id = $$ || :a_health,
    format($$VALUES ('acknowledged', %s, '2003-03-15 12:05Z'::timestamptz)$$, :u_ceo), 'ack: status, who and when recorded');
SELECT results_eq($$SELECT kind, user_id, at FROM alert_events WHERE kind = 'acknowledged' AND alert_id = $$ || :a_health,
    format($$VALUES ('acknowledged', %s, '2003-03-15 12:05Z'::timestamptz)$$, :u_ceo), 'ack: audit event with user and time');
SELECT throws_ok(format('SELECT alert_act(%s, %L, %s)', :a_health, 'ack', :u_ceo), 'NS409', NULL, 'ack twice: 409');
SELECT FROM alert_evaluate('2003-03-15 12:06Z', :r_health);
SELECT is((SELECT status FROM alerts WHERE id = :a_health), 'acknowledged', 'ack: still firing, stays acknowledged (no new alert)');
SELECT FROM alert_act(:a_health, 'resolve', :u_csa, '2003-03-15 12:10Z');
SELECT results_eq($$SELECT status, resolution, resolved_by, resolved_at FROM alerts WHERE id = $$ || :a_health,
    format($$VALUES ('resolved', 'manual', %s, '2003-03-15 12:10Z'::timestamptz)$$, :u_csa), 'resolve: who and when recorded');
SELECT is((SELECT count(*) FROM alert_events WHERE alert_id = :a_health AND kind = 'resolved' AND user_id = :u_csa),
          1::bigint, 'resolve: audit event with the user');
SELECT throws_ok(format('SELECT alert_act(%s, %L, %s)', :a_health, 'resolve', :u_ceo), 'NS409', NULL, 'resolve twice: 409');
SELECT throws_ok('SELECT alert_act(999999999, ''ack'', 1)', 'NS404', NULL, 'ack of a missing alert: 404');
SELECT FROM alert_evaluate('2003-03-15 12:15Z', :r_health);
SELECT is(pg_temp.n_alerts(:r_health), 1::bigint, 'resolved by hand while firing: no new alert until it clears');
DELETE FROM support_tickets WHERE customer_id = 903001;     -- A back to 45
SELECT FROM alert_evaluate('2003-03-15 12:20Z', :r_health);
INSERT INTO support_tickets (customer_id, opened_at, resolved_at, priority)
SELECT 903001, ts, ts + interval '1 hour', 'normal'
FROM generate_series('2003-03-01 10:00Z'::timestamptz, '2003-03-04 10:00Z', interval '1 day') ts;
SELECT FROM alert_evaluate('2003-03-15 12:25Z', :r_health);
SELECT is(pg_temp.n_alerts(:r_health), 2::bigint, 'after clearing once, a new breach opens a new alert');

-- ---- Disabling a rule resolves its alerts
UPDATE alert_rules SET enabled = false WHERE id = :r_cost;
SELECT FROM alert_evaluate('2002-02-15 12:05Z', :r_cost);
SELECT is((SELECT resolution FROM alerts WHERE rule_id = :r_cost), 'rule_disabled', 'disabled rule: its alert is resolved');
UPDATE alert_rules SET enabled = true WHERE id = :r_cost;

-- ---- Role scoping of the list and the summary
-- active now: churn (ceo,cs), cac (ceo), ad (ceo), health A #2 (cs, A owned by cs A), failed C (cs, C owned by cs B),
-- pipeline (sales); resolved: mrr, api (ceo,cs), cost, health A #1
SELECT is((api.alerts_list(:u_ceo, 'ceo', 'all', NULL, 100, 0)->>'total')::int, (SELECT count(*)::int FROM alerts),
          'list: the CEO sees every alert');
SELECT is((SELECT array_agg(x->>'rule' || ':' || coalesce(x->>'customer_id', '-') ORDER BY x->>'rule', x->>'id')
           FROM json_array_elements(api.alerts_list(:u_csa, 'cs', 'all', NULL, 100, 0)->'alerts') x),
          ARRAY['api_errors:-', 'churn:-', 'health_score:903001', 'health_score:903001'],
          'list: CS A sees company cs alerts and only its own customer''s alerts');
SELECT is((SELECT array_agg(x->>'rule' || ':' || coalesce(x->>'customer_id', '-') ORDER BY x->>'rule')
           FROM json_array_elements(api.alerts_list(:u_csb, 'cs', 'all', NULL, 100, 0)->'alerts') x),
          ARRAY['api_errors:-', 'churn:-', 'failed_payments:903003'], 'list: CS B sees its own customer C, not A');
SELECT is((SELECT array_agg(x->>'rule') FROM json_array_elements(api.alerts_list(:u_sales, 'sales', 'all', NULL, 100, 0)->'alerts') x),
          ARRAY['pipeline_coverage'], 'list: sales sees the pipeline alert only');
SELECT is((SELECT array_agg(x->>'rule' ORDER BY x->>'rule') FROM json_array_elements(api.alerts_list(:u_ceo, 'ceo', 'active', 'critical', 100, 0)->'alerts') x),
          ARRAY['churn'], 'list: status and severity filters (active critical = churn)');
SELECT is((api.alerts_list(:u_ceo, 'ceo', 'all', NULL, 2, 1)->'alerts'->0->>'id')::bigint,
          (SELECT id FROM alerts
            ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, opened_at DESC, id DESC
            OFFSET 1 LIMIT 1),
          'list: most severe first, then newest, with limit and offset');
SELECT is(api.alerts_summary(:u_csa, 'cs')::jsonb - 'last_evaluated_at',
          '{"active": 2, "open": 2, "acknowledged": 0, "by_severity": {"critical": 1, "warning": 1, "info": 0}}'::jsonb,
          'summary: CS A has churn (critical) and health A (warning) active');
SELECT is((api.alerts_summary(:u_ceo, 'ceo')->>'active')::int, 6, 'summary: the CEO has 6 active alerts');
SELECT throws_ok(format('SELECT api.alerts_get(%s, %L, %s)', :u_csb, 'cs', :a_health), 'NS404', NULL,
                 'get: CS B cannot open CS A''s customer alert (404)');
SELECT throws_ok(format('SELECT api.alerts_act(%s, %L, %L, %s)', :u_sales, 'sales', 'ack',
                        (SELECT id FROM alerts WHERE rule_id = :r_churn)), 'NS404', NULL, 'ack: sales cannot ack a CEO/CS alert (404)');

-- ---- Rule updates are validated
SELECT throws_ok(format('SELECT api.alerts_rule_update(%s, %L, %L, %s)', :u_ceo, 'ceo', '{"threshold": -5}', :r_mrr),
                 '22023', NULL, 'rules: a negative percentage is refused');
SELECT is((api.alerts_rule_update(:u_ceo, 'ceo', '{"threshold": 7.5, "severity": "warning"}', :r_mrr)->>'threshold')::numeric,
          7.5, 'rules: the CEO sets a threshold');

-- ---- Daily report for 2002-02-10 (cost fixture: ad spend $100 a day, $301 on 02-10) with revenue on three days
UPDATE metrics_daily SET revenue_cents = v.r FROM (VALUES ('2002-02-10'::date, 123456), ('2002-02-09', 100000), ('2002-02-03', 61728)) v(d, r)
WHERE day = v.d;
SELECT is((SELECT r FROM json_array_elements(alert_report_data('daily', '2002-02-10')->'sections'->0->'rows') r WHERE r->>0 = 'Order revenue')::text,
          '["Order revenue","$1,234.56","$1,000.00","+23.46 %","$617.28","+100.00 %"]',
          'report: revenue yesterday, the day before (+23.46 %) and a week before (+100 %)');
SELECT is((SELECT r FROM json_array_elements(alert_report_data('daily', '2002-02-10')->'sections'->1->'rows') r WHERE r->>0 = 'Ad spend')::text,
          '["Ad spend","$901.00","$700.00","+28.71 %"]', 'report: weekly ad spend 6 x 100 + 301 vs 7 x 100 = +28.71 %');
SELECT ok((SELECT text LIKE '%$1,234.56%' AND html LIKE '%<td>$1,234.56</td>%' FROM alert_report('daily', '2002-02-10')),
          'report: text and HTML parts carry the figures');
SELECT throws_ok('SELECT alert_report_data(''yearly'', ''2002-02-10'')', '22023', NULL, 'report: unknown kind is a 400');

-- ---- Report schedules (555_reports.sql): the latest due period, in the schedule's own zone, queued once
UPDATE report_schedules SET enabled = false;
INSERT INTO report_schedules (code, kind, tz, hour, weekday, day, recipients, active_from) VALUES
    ('fx-daily', 'daily', 'UTC', 7, 1, 1, '{fx@fixture.example}', '2002-01-01'),
    ('fx-weekly', 'weekly', 'Asia/Tokyo', 7, 1, 1, NULL, '2002-01-01'),
    ('fx-board', 'board', 'America/New_York', 7, 1, 2, NULL, '2002-01-01');
CREATE TEMP TABLE fx_due AS
SELECT s.code, x.at, d.period, d.period_label, d.due_at
FROM report_schedules s
CROSS JOIN (VALUES ('2002-02-11 06:00Z'::timestamptz), ('2002-02-11 08:00Z'), ('2002-02-10 21:30Z'), ('2002-02-10 22:30Z'),
                   ('2002-03-02 11:30Z'), ('2002-03-02 12:30Z')) x(at)
CROSS JOIN LATERAL report_schedule_due(s, x.at) d WHERE s.code LIKE 'fx-%';
SELECT is((SELECT array_agg(period || ' ' || due_at ORDER BY at) FROM fx_due WHERE code = 'fx-daily' AND at IN ('2002-02-11 06:00Z', '2002-02-11 08:00Z')),
          ARRAY['2002-02-09 2002-02-10 07:00:00+00', '2002-02-10 2002-02-11 07:00:00+00'],
          'schedule: daily at 07:00 UTC: before it the day before yesterday''s report is the latest due, after it yesterday''s');
SELECT is((SELECT array_agg(period || ' ' || due_at ORDER BY at) FROM fx_due WHERE code = 'fx-weekly' AND at IN ('2002-02-10 21:30Z', '2002-02-10 22:30Z')),
          ARRAY['2002-01-28 2002-02-03 22:00:00+00', '2002-02-04 2002-02-10 22:00:00+00'],
          'schedule: weekly, Mondays 07:00 Tokyo (22:00 UTC on Sunday): the last full ISO week in Tokyo''s calendar');
SELECT is((SELECT array_agg(period_label || ' ' || due_at ORDER BY at) FROM fx_due WHERE code = 'fx-board' AND at IN ('2002-03-02 11:30Z', '2002-03-02 12:30Z')),
          ARRAY['2002-01 2002-02-02 12:00:00+00', '2002-02 2002-03-02 12:00:00+00'],
          'schedule: board pack on the 2nd, 07:00 New York (12:00 UTC): the last full month');
SELECT is(alert_schedule_reports('2002-02-11 08:00Z'), 3, 'schedule: at Monday 2002-02-11 08:00 UTC each schedule queues its latest due period');
SELECT is(alert_schedule_reports('2002-02-11 09:00Z'), 0, 'schedule: queued once per (schedule, period)');
UPDATE report_schedules SET active_from = '2002-02-11 07:30Z' WHERE code = 'fx-daily';
DELETE FROM report_runs WHERE schedule_id = (SELECT id FROM report_schedules WHERE code = 'fx-daily');
SELECT is(alert_schedule_reports('2002-02-12 06:00Z'), 0, 'schedule: a period due before the schedule became active is not sent');
SELECT is(alert_schedule_reports('2002-02-12 08:00Z'), 1, 'schedule: the first period due after it is');

-- ---- Preparing a run (the alerts job: claim, then store or fail)
SELECT is((SELECT kind || ' ' || period || ' ' || attempt FROM report_run_claim(60)), 'board 2002-01-01 1',
          'runs: claim takes the run due first and counts the attempt');
SELECT id AS run_board FROM report_runs WHERE kind = 'board' \gset
SELECT is((SELECT kind FROM report_run_claim(60)), 'weekly', 'runs: a claimed run is not taken again before its lease ends');
SELECT id AS run_weekly FROM report_runs WHERE kind = 'weekly' \gset
SELECT is(report_run_store(:run_board, 0, '{"kind": "board", "title": "Board fixture", "period": "2002-01-01"}'), NULL,
          'runs: a store by a stale attempt writes nothing');
SELECT is(report_run_store(:run_board, 1,
              '{"kind": "board", "title": "Board fixture", "period": "2002-01-01", "period_label": "January 2002", "sections": [{"title": "Revenue", "columns": ["Metric", "Value"], "rows": [["MRR", "$1.00"]]}]}',
              '[{"n": 1, "content_type": "application/pdf", "filename": "northstar-board-2002-01.pdf", "content_id": null, "data": "JVBERi0xLjQK"}]'),
          (SELECT count(*)::int FROM app_users WHERE role = 'ceo' AND NOT disabled),
          'runs: a prepared run queues an e-mail to every active CEO (recipients NULL)');
SELECT ok((SELECT status = 'prepared' AND subject IS NOT NULL AND html IS NOT NULL AND doc->>'title' = 'Board fixture'
           FROM report_runs WHERE id = :run_board), 'runs: the document and its e-mail parts are frozen in the run');
SELECT is((SELECT convert_from(data, 'UTF8') FROM report_run_parts WHERE run_id = :run_board), E'%PDF-1.4\n', 'runs: the attachment is stored byte for byte');
SELECT is((SELECT count(*)::int FROM alert_deliveries d WHERE d.run_id = :run_board
           AND d.message_id = '<report-board-2002-01-01-s' || (SELECT schedule_id FROM report_runs WHERE id = :run_board) || '-d' || d.id || '@northstar>'
           AND d.subject = (SELECT subject FROM report_runs WHERE id = :run_board)),
          (SELECT count(*)::int FROM app_users WHERE role = 'ceo' AND NOT disabled), 'runs: each delivery has its stable Message-ID and the frozen subject');
SELECT is(report_run_store(:run_board, 1, '{"kind": "board", "title": "Late", "period": "2002-01-01"}'), NULL,
          'runs: a prepared run is never prepared again (late data does not change it)');
SELECT is(report_run_failed(:run_weekly, 1, 'no data'), 'queued', 'runs: a failed preparation is queued again');
SELECT is((SELECT (next_attempt_at - now())::text || ' ' || last_error FROM report_runs WHERE id = :run_weekly), '00:00:30 no data',
          'runs: after the first back-off (30 s), its error kept');
UPDATE report_runs SET attempts = 8 WHERE id = :run_weekly;
SELECT is(report_run_failed(:run_weekly, 8, 'no data'), 'failed', 'runs: failed after the 8th attempt');
SELECT is(alert_evaluate('2002-02-12 09:00Z', (SELECT id FROM alert_rules WHERE code = 'report_delivery')), 1,
          'runs: a failed run opens the report_delivery alert');
SELECT is((SELECT severity || ' ' || subject_key || ' ' || value FROM alerts WHERE rule_id = (SELECT id FROM alert_rules WHERE code = 'report_delivery')
           AND status = 'open'), 'critical run-' || :run_weekly || ' 1', 'runs: critical, one subject per run, value = the failures');

-- ---- The sender's queue (notify.c): take under a lease, the outcome sets the back-off
SELECT array_agg(id ORDER BY id) AS d_two FROM (SELECT id FROM alert_deliveries WHERE status = 'pending'
                                               ORDER BY id LIMIT 2) x \gset
SELECT is((SELECT array_agg(id ORDER BY id) FROM alert_deliveries_take(2, 120)), :'d_two'::bigint[],
          'deliveries: take hands out the p_limit oldest due rows');
SELECT is((SELECT array_agg(attempts || ' ' || (next_attempt_at - now())::text ORDER BY id) FROM alert_deliveries
           WHERE id = ANY (:'d_two'::bigint[])), ARRAY['1 00:02:00', '1 00:02:00'],
          'deliveries: a taken row has its attempt counted and is leased for 120 s (longer than any send)');
SELECT is((SELECT count(*)::int FROM alert_deliveries_take(1000) t WHERE t.id = ANY (:'d_two'::bigint[])), 0,
          'deliveries: a taken row is not due again before its lease ends');
SELECT is(alert_delivery_done((:'d_two'::bigint[])[1], NULL, 1), 'sent', 'deliveries: no error = sent');
SELECT ok((SELECT sent_at IS NOT NULL AND last_error IS NULL FROM alert_deliveries WHERE id = (:'d_two'::bigint[])[1]),
          'deliveries: a sent row has sent_at, no error');
SELECT is(alert_delivery_done((:'d_two'::bigint[])[1], 'late timeout'), 'sent', 'deliveries: a sent row stays sent (a late outcome changes nothing)');
SELECT is(alert_delivery_done((:'d_two'::bigint[])[2], 'HTTP 500', 7), 'pending', 'deliveries: an outcome of another attempt changes nothing');
SELECT is(alert_delivery_done((:'d_two'::bigint[])[2], 'HTTP 500', 1), 'pending', 'deliveries: an error before the last attempt = pending');
SELECT is((SELECT last_error || ' ' || (next_attempt_at - now())::text FROM alert_deliveries WHERE id = (:'d_two'::bigint[])[2]),
          'HTTP 500 00:00:30', 'deliveries: the error is kept, the next attempt after the back-off');
UPDATE alert_deliveries SET attempts = 8 WHERE id = (:'d_two'::bigint[])[2];
SELECT is(alert_delivery_done((:'d_two'::bigint[])[2], 'HTTP 500'), 'failed', 'deliveries: an error on the 8th attempt = failed');
SELECT is(alert_delivery_done(0), NULL, 'deliveries: an unknown delivery = NULL');
SELECT is(ARRAY[delivery_backoff(1), delivery_backoff(2), delivery_backoff(7), delivery_backoff(20)],
          ARRAY['30 seconds', '60 seconds', '1800 seconds', '1800 seconds']::interval[], 'deliveries: back-off 30 s doubling, capped at 30 min');
SELECT FROM alert_session_setup(p_delivery_max_attempts => '3', p_delivery_backoff_s => '1', p_delivery_backoff_max_s => '4');
SELECT is(ARRAY[delivery_max_attempts()::text, delivery_backoff(1)::text, delivery_backoff(3)::text, delivery_backoff(4)::text],
          ARRAY['3', '00:00:01', '00:00:04', '00:00:04'], 'deliveries: attempts and back-off from the alerts process''s environment');
SELECT is(report_delivery_resend(p_delivery => (:'d_two'::bigint[])[2]), 0, 'resend: only a report''s delivery is re-sent');
UPDATE alert_deliveries SET status = 'failed' WHERE run_id = :run_board;
SELECT is(report_delivery_resend(p_run => :run_board), (SELECT count(*)::int FROM alert_deliveries WHERE run_id = :run_board),
          'resend: a run''s failed deliveries are pending again');
SELECT throws_ok('SELECT report_delivery_resend()', '22023', NULL, 'resend: without a run or delivery it is a 400');

-- ---- Session settings from the alerts process's environment (rows of alert_settings win)
SELECT FROM alert_session_setup(p_smtp_from => 'alerts@fixture.example', p_delivery_max_attempts => '9');
SELECT FROM alert_session_setup(p_smtp_user => 'fx-user');
SELECT is(ARRAY[alert_setting('smtp_from'), alert_setting('smtp_user'), alert_setting('delivery_max_attempts')],
          ARRAY['alerts@fixture.example', 'fx-user', '9'], 'session setup: the given settings, NULLs leave the others alone');
SELECT is((SELECT ARRAY[url, sender, username] FROM alert_smtp_settings()),
          ARRAY['smtp://127.0.0.1:9', 'alerts@fixture.example', 'fx-user'], 'smtp settings: table URL, session sender and user');
SELECT is(alert_session_zone('Pacific/Kiritimati') || ' ' || current_setting('TimeZone') || ' ' || ns_tz(),
          'Pacific/Kiritimati Pacific/Kiritimati Pacific/Kiritimati', 'session zone: TimeZone and northstar.tz');
SELECT throws_ok('SELECT alert_session_zone(''Not/A_Zone'')', '22023', NULL, 'session zone: an unknown zone is refused');
SELECT FROM alert_session_zone('UTC');

SELECT * FROM finish();
ROLLBACK;
