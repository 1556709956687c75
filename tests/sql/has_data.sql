-- api.has_data() (sql/schema/910_has_data.sql), the one rule behind the app's "No data yet" state:
-- true on the demo data; false once every table figures come from is empty (all in this
-- transaction, rolled back at the end); configuration alone (a plan, a target, an exchange rate)
-- is still false; any one record — an expense, a cash balance, a custom event, a customer — is true.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(7);
SET LOCAL northstar.rollup_skip_dirty = on;
SET LOCAL client_min_messages = warning;

SELECT is(api.has_data(), true, 'the demo company has data');

TRUNCATE customers, orders, events, events_custom, billing_events, usage_records, campaigns, ad_spend,
         leads, opportunities, sales_activities, support_tickets, nps_responses, referrals, expenses,
         cash_balances CASCADE;
SELECT is(api.has_data(), false, 'every table figures come from is empty: no data');

INSERT INTO plans (code, name, price_cents, billing_interval) VALUES ('hd-plan', 'HD', 1000, 'month')
ON CONFLICT (code) DO NOTHING;
INSERT INTO targets (metric, period_start, period_end, value) VALUES ('mrr_cents', '2001-01-01', '2001-01-31', 1)
ON CONFLICT DO NOTHING;
INSERT INTO fx_rates (currency, day, per_eur) VALUES ('USD', '2001-01-02', 0.95) ON CONFLICT DO NOTHING;
SELECT is(api.has_data(), false, 'a plan, a target and an exchange rate are configuration, not data');

SAVEPOINT one;
INSERT INTO expenses (month, category, amount_cents) VALUES ('2001-01-01', 'payroll', 100);
SELECT is(api.has_data(), true, 'one expense is data');
ROLLBACK TO SAVEPOINT one;
INSERT INTO cash_balances (day, balance_cents) VALUES ('2001-01-01', 0);
SELECT is(api.has_data(), true, 'one cash balance (even of 0) is data');
ROLLBACK TO SAVEPOINT one;
INSERT INTO events_custom (occurred_at, message_id, kind, name) VALUES (now(), 'hd-1', 'track', 'Signed Up');
SELECT is(api.has_data(), true, 'one custom event is data');
ROLLBACK TO SAVEPOINT one;
INSERT INTO customers (name, email, signup_at) VALUES ('HD Co', 'hd@example.com', now());
SELECT is(api.has_data(), true, 'one customer is data');

SELECT * FROM finish();
ROLLBACK;
