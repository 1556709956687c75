-- ns_money_text (sql/schema/015_sources.sql): the SQL side's one money format (alert messages,
-- reports) follows the reporting currency; values worked by hand.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(5);

SET LOCAL northstar.currency = 'USD';
SELECT is(ns_money_text(12500), '$12,500.00', 'USD: dollar sign, thousands separated, two decimals');
SELECT is(alert_rfmt(1234567, 'usd'), '$12,345.67', 'report cells are cents: 1,234,567 ¢ = $12,345.67');
SET LOCAL northstar.currency = 'EUR';
SELECT is(alert_fmt(10000.5, 'usd'), '€10,000.50', 'EUR: the euro sign (alert messages)');
SET LOCAL northstar.currency = 'CHF';
SELECT is(ns_money_text(0.125), 'CHF 0.13', 'a currency without a sign of its own: its code; half away from zero');
SELECT is(ns_money_text(-3), 'CHF -3.00', 'negative amounts keep their sign after the code');

SELECT * FROM finish();
ROLLBACK;
