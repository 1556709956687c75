-- 015_sources.sql — what records from outside need beside the core tables (docs/ingest.md):
-- the source's own id of every record (external_id, the key of idempotent ingestion), the
-- currency of every money record with its amount in that currency, the exchange rates, and the
-- reporting currency.  Demo rows have no external id and are in the reporting currency.
--
-- Money columns named *_cents keep meaning "in the reporting currency" for every reader; the
-- amount in the record's own currency is *_original_cents beside a currency column (NULL
-- original = the record was in the reporting currency).
SET client_min_messages = warning;

-- Reporting currency: the custom setting northstar.currency (ALTER DATABASE … SET
-- northstar.currency = 'EUR', done by scripts/stack.sh from NS_CURRENCY), default USD.
CREATE OR REPLACE FUNCTION ns_currency() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(nullif(current_setting('northstar.currency', true), ''), 'USD')
$$;

-- An amount of reporting-currency units as text for messages and reports: "$12,500.00",
-- "€12,500.00", "CHF 12,500.00" — the one money format of the SQL side (the app has its own).
CREATE OR REPLACE FUNCTION ns_money_text(p_units numeric) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE ns_currency() WHEN 'USD' THEN '$' WHEN 'EUR' THEN '€' WHEN 'GBP' THEN '£' WHEN 'JPY' THEN '¥'
                ELSE ns_currency() || ' ' END
           || to_char(round(p_units, 2), 'FM999,999,999,990.00')
$$;

-- Plans come from billing systems with their own ids (a Stripe price id): any code of 1-128
-- characters, not only the demo's four tiers.
ALTER TABLE plans DROP CONSTRAINT IF EXISTS plans_code_check;
ALTER TABLE plans ADD CONSTRAINT plans_code_check CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$');

ALTER TABLE customers ADD COLUMN IF NOT EXISTS external_id text;
-- the source's own "last changed" instant of the record: a change older than what is stored loses
ALTER TABLE customers ADD COLUMN IF NOT EXISTS source_updated_at timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS customers_external_id_key ON customers (external_id) WHERE external_id IS NOT NULL;

-- A subscription of a source is several rows here, one per period of constant plan/quantity/price
-- (valid_from .. valid_to): (external_id, valid_from) is one period.
ALTER TABLE subscriptions ADD COLUMN IF NOT EXISTS external_id text;
ALTER TABLE subscriptions ADD COLUMN IF NOT EXISTS currency char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$');
ALTER TABLE subscriptions ADD COLUMN IF NOT EXISTS mrr_original_cents bigint CHECK (mrr_original_cents >= 0);
ALTER TABLE subscriptions ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'active'
    CHECK (status IN ('trialing', 'active', 'past_due', 'canceled'));
ALTER TABLE subscriptions ADD COLUMN IF NOT EXISTS source_updated_at timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS subscriptions_external_id_key ON subscriptions (external_id, valid_from)
    WHERE external_id IS NOT NULL;

ALTER TABLE orders ADD COLUMN IF NOT EXISTS external_id text;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS currency char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$');
ALTER TABLE orders ADD COLUMN IF NOT EXISTS total_original_cents bigint CHECK (total_original_cents >= 0);
ALTER TABLE orders ADD COLUMN IF NOT EXISTS source_updated_at timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS orders_external_id_key ON orders (external_id) WHERE external_id IS NOT NULL;

ALTER TABLE billing_events ADD COLUMN IF NOT EXISTS external_id text;
ALTER TABLE billing_events ADD COLUMN IF NOT EXISTS currency char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$');
ALTER TABLE billing_events ADD COLUMN IF NOT EXISTS amount_original_cents bigint CHECK (amount_original_cents >= 0);
CREATE UNIQUE INDEX IF NOT EXISTS billing_events_external_id_key ON billing_events (external_id) WHERE external_id IS NOT NULL;

ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS external_id text;
ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS currency char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$');
-- the budget in the campaign's own currency (NULL: it was in the reporting currency)
ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS budget_original_cents bigint CHECK (budget_original_cents >= 0);
CREATE UNIQUE INDEX IF NOT EXISTS campaigns_external_id_key ON campaigns (platform, external_id) WHERE external_id IS NOT NULL;

ALTER TABLE ad_spend ADD COLUMN IF NOT EXISTS currency char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$');
ALTER TABLE ad_spend ADD COLUMN IF NOT EXISTS spend_original_cents bigint CHECK (spend_original_cents >= 0);

ALTER TABLE opportunities ADD COLUMN IF NOT EXISTS external_id text;
ALTER TABLE opportunities ADD COLUMN IF NOT EXISTS currency char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$');
ALTER TABLE opportunities ADD COLUMN IF NOT EXISTS amount_original_cents bigint CHECK (amount_original_cents >= 0);
ALTER TABLE opportunities ADD COLUMN IF NOT EXISTS source_updated_at timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS opportunities_external_id_key ON opportunities (external_id) WHERE external_id IS NOT NULL;

ALTER TABLE sales_activities ADD COLUMN IF NOT EXISTS external_id text;
CREATE UNIQUE INDEX IF NOT EXISTS sales_activities_external_id_key ON sales_activities (external_id) WHERE external_id IS NOT NULL;

ALTER TABLE support_tickets ADD COLUMN IF NOT EXISTS external_id text;
ALTER TABLE support_tickets ADD COLUMN IF NOT EXISTS source_updated_at timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS support_tickets_external_id_key ON support_tickets (external_id) WHERE external_id IS NOT NULL;

ALTER TABLE nps_responses ADD COLUMN IF NOT EXISTS external_id text;
CREATE UNIQUE INDEX IF NOT EXISTS nps_responses_external_id_key ON nps_responses (external_id) WHERE external_id IS NOT NULL;

ALTER TABLE leads ADD COLUMN IF NOT EXISTS external_id text;
CREATE UNIQUE INDEX IF NOT EXISTS leads_external_id_key ON leads (external_id) WHERE external_id IS NOT NULL;

-- A money record sent without a currency is in the reporting currency (docs/ingest.md), and so
-- is every demo row: the columns default to it, not to a fixed USD.
ALTER TABLE subscriptions ALTER COLUMN currency SET DEFAULT ns_currency();
ALTER TABLE orders ALTER COLUMN currency SET DEFAULT ns_currency();
ALTER TABLE billing_events ALTER COLUMN currency SET DEFAULT ns_currency();
ALTER TABLE campaigns ALTER COLUMN currency SET DEFAULT ns_currency();
ALTER TABLE ad_spend ALTER COLUMN currency SET DEFAULT ns_currency();
ALTER TABLE opportunities ALTER COLUMN currency SET DEFAULT ns_currency();

-- ---------------------------------------------------------------- exchange rates

-- Daily reference rates as the ECB publishes them: units of currency per 1 EUR (EUR itself is 1
-- and has no rows).  Loaded by the user (northstar-import ecb FILE); never guessed.
CREATE TABLE IF NOT EXISTS fx_rates (
    currency  char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$' AND currency <> 'EUR'),
    day       date NOT NULL,
    per_eur   numeric NOT NULL CHECK (per_eur > 0),
    PRIMARY KEY (currency, day)
);

-- How many days back a missing day's rate may come from: the ECB publishes on TARGET working
-- days only, so a weekend or a holiday uses the last rate published before it.
CREATE OR REPLACE FUNCTION fx_lookback_days() RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 7 $$;

-- Units of p_currency per EUR on p_day: the rate of that day or the last one published at most
-- fx_lookback_days() before it; 1 for EUR; NULL when there is none.
CREATE OR REPLACE FUNCTION fx_per_eur(p_currency text, p_day date) RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_currency = 'EUR' THEN 1::numeric ELSE
        (SELECT r.per_eur FROM fx_rates r
         WHERE r.currency = p_currency AND r.day <= p_day AND r.day > p_day - fx_lookback_days()
         ORDER BY r.day DESC LIMIT 1) END
$$;

-- Decimal places of a currency's minor unit as Stripe sends amounts (docs.stripe.com/currencies):
-- 0 for the zero-decimal currencies (1 JPY is 1 unit), 3 for the three-decimal ones, else 2.
CREATE OR REPLACE FUNCTION currency_exponent(p_currency text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_currency IN ('BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG',
                                    'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN 0
                WHEN p_currency IN ('BHD', 'JOD', 'KWD', 'OMR', 'TND') THEN 3
                ELSE 2 END
$$;

-- The factor that turns an amount in p_currency's minor units on p_day into minor units of the
-- reporting currency: exactly 1 for the reporting currency itself (no rate needed), else
-- reporting-per-EUR / currency-per-EUR, times 10^(exponent difference) (100 yen = 100 units, not
-- 1.00 yen); NULL when a rate is missing.  The one conversion rule: every ingested amount and every
-- MRR valuation goes through it (docs/metrics.md, "Currencies").
CREATE OR REPLACE FUNCTION fx_factor(p_currency text, p_day date) RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_currency = ns_currency() THEN 1::numeric
                ELSE fx_per_eur(ns_currency(), p_day) / fx_per_eur(p_currency, p_day)
                     * power(10::numeric, currency_exponent(ns_currency()) - currency_exponent(p_currency)) END
$$;

-- p_cents of p_currency on p_day in reporting-currency cents (half away from zero), NULL when a
-- rate is missing (the caller rejects the record with fx_missing_message).
CREATE OR REPLACE FUNCTION fx_convert(p_cents bigint, p_currency text, p_day date) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT round(p_cents * fx_factor(p_currency, p_day))::bigint
$$;

-- The one message for a record whose amount cannot be converted.
CREATE OR REPLACE FUNCTION fx_missing_message(p_currency text, p_day date) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT format('no exchange rate from %s to %s on %s or the %s days before it; load the rates '
                  '(northstar-import ecb FILE, docs/ingest.md "Currencies")',
                  p_currency, ns_currency(), p_day, fx_lookback_days() - 1)
$$;
