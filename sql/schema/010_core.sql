-- Core business tables (users, plans, customers, billing, sales, finance). Contract: see docs/metrics.md.
SET client_min_messages = warning;

CREATE TABLE IF NOT EXISTS app_users (
    id             serial PRIMARY KEY,
    email          text NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
    name           text NOT NULL,
    role           text NOT NULL CHECK (role IN ('ceo', 'cs', 'sales')),
    -- crypt() output, bcrypt only ($2a$ / $2b$)
    password_hash  text NOT NULL CHECK (password_hash ~ '^\$2[ab]\$'),
    token_version  int NOT NULL DEFAULT 1,
    disabled       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS plans (
    id               serial PRIMARY KEY,
    code             text NOT NULL UNIQUE
                     CHECK (code IN ('starter', 'professional', 'business', 'enterprise')),
    name             text NOT NULL,
    -- list price per unit (seat) per billing interval
    price_cents      bigint NOT NULL CHECK (price_cents >= 0),
    billing_interval text NOT NULL CHECK (billing_interval IN ('month', 'year')),
    seat_limit       int CHECK (seat_limit IS NULL OR seat_limit > 0),
    usage_limit      bigint CHECK (usage_limit IS NULL OR usage_limit > 0)
);

CREATE TABLE IF NOT EXISTS campaigns (
    id            serial PRIMARY KEY,
    platform      text NOT NULL CHECK (platform IN ('meta', 'tiktok', 'google', 'linkedin')),
    name          text NOT NULL,
    tags          text[] NOT NULL DEFAULT '{}',
    budget_cents  bigint NOT NULL DEFAULT 0 CHECK (budget_cents >= 0),
    started_on    date NOT NULL,
    ended_on      date CHECK (ended_on IS NULL OR ended_on >= started_on)
);

CREATE TABLE IF NOT EXISTS customers (
    id               serial PRIMARY KEY,
    name             text NOT NULL,
    email            text NOT NULL,
    segment          text NOT NULL DEFAULT 'smb' CHECK (segment IN ('smb', 'mid_market', 'enterprise')),
    country          char(2) NOT NULL DEFAULT 'US' CHECK (country ~ '^[A-Z]{2}$'),
    -- acquisition channel
    channel          text NOT NULL DEFAULT 'organic'
                     CHECK (channel IN ('organic', 'paid_social', 'paid_search', 'referral', 'partner', 'outbound')),
    campaign_id      int REFERENCES campaigns(id) ON DELETE SET NULL,
    signup_at        timestamptz NOT NULL,
    trial_started_on date,
    trial_ends_on    date,
    converted_at     timestamptz,
    churned_at       timestamptz,
    cs_owner_id      int REFERENCES app_users(id) ON DELETE SET NULL,
    sales_owner_id   int REFERENCES app_users(id) ON DELETE SET NULL,
    CHECK (trial_ends_on IS NULL OR trial_started_on IS NULL OR trial_ends_on >= trial_started_on),
    CHECK (converted_at IS NULL OR converted_at >= signup_at),
    CHECK (churned_at IS NULL OR churned_at >= signup_at)
);
CREATE INDEX IF NOT EXISTS customers_signup_at_idx ON customers (signup_at);
CREATE INDEX IF NOT EXISTS customers_converted_at_idx ON customers (converted_at) WHERE converted_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS customers_churned_at_idx ON customers (churned_at) WHERE churned_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS customers_cs_owner_idx ON customers (cs_owner_id);
CREATE INDEX IF NOT EXISTS customers_sales_owner_idx ON customers (sales_owner_id);
CREATE INDEX IF NOT EXISTS customers_campaign_idx ON customers (campaign_id) WHERE campaign_id IS NOT NULL;

-- One row per period with a constant plan/quantity/price; valid_to is exclusive, NULL = still active.
CREATE TABLE IF NOT EXISTS subscriptions (
    id           bigserial PRIMARY KEY,
    customer_id  int NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    plan_id      int NOT NULL REFERENCES plans(id),
    quantity     int NOT NULL DEFAULT 1 CHECK (quantity > 0),
    -- normalised monthly amount after discount (annual price / 12)
    mrr_cents    bigint NOT NULL CHECK (mrr_cents >= 0),
    valid_from   date NOT NULL,
    valid_to     date,
    -- The one definition of "in effect on day d": in_effect @> d, i.e. valid_from <= d < valid_to
    -- (valid_to exclusive, NULL = open).  Every reader uses it (docs/metrics.md, "MRR on a day d").
    in_effect    daterange GENERATED ALWAYS AS (daterange(valid_from, valid_to, '[)')) STORED,
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);
ALTER TABLE subscriptions ADD COLUMN IF NOT EXISTS in_effect daterange
    GENERATED ALWAYS AS (daterange(valid_from, valid_to, '[)')) STORED;
CREATE INDEX IF NOT EXISTS subscriptions_customer_idx ON subscriptions (customer_id, valid_from);
CREATE INDEX IF NOT EXISTS subscriptions_period_idx ON subscriptions (valid_from, valid_to);
CREATE INDEX IF NOT EXISTS subscriptions_in_effect_idx ON subscriptions USING gist (in_effect);

CREATE TABLE IF NOT EXISTS orders (
    id               bigserial PRIMARY KEY,
    customer_id      int NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    ordered_at       timestamptz NOT NULL,
    source           text NOT NULL CHECK (source IN ('shopify', 'api', 'marketplace', 'partnerships')),
    total_cents      bigint NOT NULL CHECK (total_cents >= 0),
    cogs_cents       bigint NOT NULL DEFAULT 0 CHECK (cogs_cents >= 0),
    status           text NOT NULL DEFAULT 'paid'
                     CHECK (status IN ('paid', 'refunded', 'partially_refunded', 'chargeback')),
    refunded_cents   bigint NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0),
    chargeback_cents bigint NOT NULL DEFAULT 0 CHECK (chargeback_cents >= 0)
);
CREATE INDEX IF NOT EXISTS orders_ordered_at_idx ON orders (ordered_at);
CREATE INDEX IF NOT EXISTS orders_customer_idx ON orders (customer_id, ordered_at);

CREATE TABLE IF NOT EXISTS billing_events (
    id           bigserial PRIMARY KEY,
    customer_id  int NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    occurred_at  timestamptz NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('payment_success', 'payment_failed', 'refund', 'chargeback')),
    amount_cents bigint NOT NULL CHECK (amount_cents >= 0)
);
CREATE INDEX IF NOT EXISTS billing_events_occurred_at_idx ON billing_events (occurred_at);
CREATE INDEX IF NOT EXISTS billing_events_customer_idx ON billing_events (customer_id, occurred_at);

CREATE TABLE IF NOT EXISTS ad_spend (
    day          date NOT NULL,
    campaign_id  int NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    platform     text NOT NULL CHECK (platform IN ('meta', 'tiktok', 'google', 'linkedin')),
    spend_cents  bigint NOT NULL DEFAULT 0 CHECK (spend_cents >= 0),
    impressions  bigint NOT NULL DEFAULT 0 CHECK (impressions >= 0),
    clicks       bigint NOT NULL DEFAULT 0 CHECK (clicks >= 0),
    conversions  int NOT NULL DEFAULT 0 CHECK (conversions >= 0),
    PRIMARY KEY (day, campaign_id)
);
CREATE INDEX IF NOT EXISTS ad_spend_campaign_idx ON ad_spend (campaign_id, day);

CREATE TABLE IF NOT EXISTS usage_records (
    customer_id  int NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    day          date NOT NULL,
    units        bigint NOT NULL CHECK (units >= 0),
    PRIMARY KEY (customer_id, day)
);
CREATE INDEX IF NOT EXISTS usage_records_day_idx ON usage_records (day);

CREATE TABLE IF NOT EXISTS support_tickets (
    id           bigserial PRIMARY KEY,
    customer_id  int NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    opened_at    timestamptz NOT NULL,
    resolved_at  timestamptz CHECK (resolved_at IS NULL OR resolved_at >= opened_at),
    priority     text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    csat         smallint CHECK (csat BETWEEN 1 AND 5)
);
CREATE INDEX IF NOT EXISTS support_tickets_opened_at_idx ON support_tickets (opened_at);
CREATE INDEX IF NOT EXISTS support_tickets_customer_idx ON support_tickets (customer_id, opened_at);

CREATE TABLE IF NOT EXISTS nps_responses (
    id           bigserial PRIMARY KEY,
    customer_id  int NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    answered_at  timestamptz NOT NULL,
    score        smallint NOT NULL CHECK (score BETWEEN 0 AND 10)
);
CREATE INDEX IF NOT EXISTS nps_responses_answered_at_idx ON nps_responses (answered_at);
CREATE INDEX IF NOT EXISTS nps_responses_customer_idx ON nps_responses (customer_id, answered_at);

CREATE TABLE IF NOT EXISTS leads (
    id           bigserial PRIMARY KEY,
    created_at   timestamptz NOT NULL,
    channel      text NOT NULL
                 CHECK (channel IN ('organic', 'paid_social', 'paid_search', 'referral', 'partner', 'outbound')),
    campaign_id  int REFERENCES campaigns(id) ON DELETE SET NULL,
    mql_at       timestamptz CHECK (mql_at IS NULL OR mql_at >= created_at),
    sql_at       timestamptz CHECK (sql_at IS NULL OR (mql_at IS NOT NULL AND sql_at >= mql_at)),
    customer_id  int REFERENCES customers(id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS leads_created_at_idx ON leads (created_at);
CREATE INDEX IF NOT EXISTS leads_customer_idx ON leads (customer_id) WHERE customer_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS opportunities (
    id                bigserial PRIMARY KEY,
    customer_id       int REFERENCES customers(id) ON DELETE SET NULL,
    owner_id          int NOT NULL REFERENCES app_users(id),
    stage             text NOT NULL CHECK (stage IN ('prospecting', 'qualification', 'proposal',
                                                     'negotiation', 'closed_won', 'closed_lost')),
    amount_cents      bigint NOT NULL DEFAULT 0 CHECK (amount_cents >= 0),
    created_at        timestamptz NOT NULL,
    expected_close_on date,
    closed_at         timestamptz CHECK (closed_at IS NULL OR closed_at >= created_at),
    won               boolean,
    -- closed stages carry closed_at and won; open stages carry neither
    CHECK ((stage IN ('closed_won', 'closed_lost')) = (closed_at IS NOT NULL)),
    CHECK (won IS NULL OR won = (stage = 'closed_won')),
    CHECK ((stage IN ('closed_won', 'closed_lost')) = (won IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS opportunities_owner_idx ON opportunities (owner_id, created_at);
CREATE INDEX IF NOT EXISTS opportunities_created_at_idx ON opportunities (created_at);
CREATE INDEX IF NOT EXISTS opportunities_closed_at_idx ON opportunities (closed_at) WHERE closed_at IS NOT NULL;
-- A sales rep's scope (customer_in_scope, 045_scope.sql) asks, per customer, whether the rep owns
-- one of its deals: without this index each of those probes read every opportunity (the customers
-- list took 1.7 s as sales1 at SCALE=1, 85 ms with it).
CREATE INDEX IF NOT EXISTS opportunities_customer_idx ON opportunities (customer_id, owner_id);

CREATE TABLE IF NOT EXISTS sales_activities (
    id              bigserial PRIMARY KEY,
    rep_id          int NOT NULL REFERENCES app_users(id),
    kind            text NOT NULL CHECK (kind IN ('call', 'email', 'meeting')),
    occurred_at     timestamptz NOT NULL,
    opportunity_id  bigint REFERENCES opportunities(id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS sales_activities_rep_idx ON sales_activities (rep_id, occurred_at);
CREATE INDEX IF NOT EXISTS sales_activities_occurred_at_idx ON sales_activities (occurred_at);

CREATE TABLE IF NOT EXISTS expenses (
    month         date NOT NULL CHECK (extract(day FROM month) = 1),
    category      text NOT NULL CHECK (category IN ('cogs', 'payroll', 'marketing', 'infrastructure', 'other')),
    amount_cents  bigint NOT NULL CHECK (amount_cents >= 0),
    PRIMARY KEY (month, category)
);

CREATE TABLE IF NOT EXISTS cash_balances (
    day            date PRIMARY KEY,
    balance_cents  bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS referrals (
    id                     bigserial PRIMARY KEY,
    inviter_customer_id    int NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    invitee_email          text NOT NULL,
    sent_at                timestamptz NOT NULL,
    accepted_at            timestamptz CHECK (accepted_at IS NULL OR accepted_at >= sent_at),
    resulting_customer_id  int REFERENCES customers(id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS referrals_inviter_idx ON referrals (inviter_customer_id);
CREATE INDEX IF NOT EXISTS referrals_sent_at_idx ON referrals (sent_at);

-- Targets per metric and period, e.g. ('mrr_cents', first of month, last of month, 123456).
CREATE TABLE IF NOT EXISTS targets (
    metric        text NOT NULL,
    period_start  date NOT NULL,
    period_end    date NOT NULL CHECK (period_end >= period_start),
    value         numeric NOT NULL,
    PRIMARY KEY (metric, period_start)
);
