-- Daily rollups (metrics_daily, mrr_daily, active users, per-customer/feature/rep) with trigger-driven incremental refresh.
SET client_min_messages = warning;

-- Company-wide daily totals; days are calendar days in the reporting zone ns_tz().
CREATE TABLE IF NOT EXISTS metrics_daily (
    day                          date PRIMARY KEY,
    -- orders (attributed to the day the order was placed)
    revenue_cents                bigint NOT NULL DEFAULT 0,
    orders                       integer NOT NULL DEFAULT 0,
    refunds_cents                bigint NOT NULL DEFAULT 0,
    chargebacks_cents            bigint NOT NULL DEFAULT 0,
    cogs_cents                   bigint NOT NULL DEFAULT 0,
    net_revenue_cents            bigint NOT NULL DEFAULT 0,
    -- billing events (attributed to the day they occurred)
    payments_cents               bigint NOT NULL DEFAULT 0,
    payments_failed              integer NOT NULL DEFAULT 0,
    -- subscriptions
    mrr_cents                    bigint NOT NULL DEFAULT 0,
    paying_customers             integer NOT NULL DEFAULT 0,
    -- events
    sessions                     integer NOT NULL DEFAULT 0,
    page_views                   integer NOT NULL DEFAULT 0,
    add_to_carts                 integer NOT NULL DEFAULT 0,
    checkouts                    integer NOT NULL DEFAULT 0,
    event_orders                 integer NOT NULL DEFAULT 0,
    logins                       integer NOT NULL DEFAULT 0,
    feature_uses                 integer NOT NULL DEFAULT 0,
    client_errors                integer NOT NULL DEFAULT 0,
    api_calls                    integer NOT NULL DEFAULT 0,
    api_errors                   integer NOT NULL DEFAULT 0,   -- api_call with status >= 500
    api_rate_limited             integer NOT NULL DEFAULT 0,
    api_latency_p95_ms           numeric,                      -- 2 decimals like the API; NULL when no api_call
    active_users                 integer NOT NULL DEFAULT 0,   -- DAU
    wau                          integer NOT NULL DEFAULT 0,   -- distinct users, day-6 .. day
    mau                          integer NOT NULL DEFAULT 0,   -- distinct users, day-29 .. day
    active_customers             integer NOT NULL DEFAULT 0,
    -- marketing
    ad_spend_cents               bigint NOT NULL DEFAULT 0,
    impressions                  bigint NOT NULL DEFAULT 0,
    clicks                       bigint NOT NULL DEFAULT 0,
    conversions                  integer NOT NULL DEFAULT 0,
    -- customers lifecycle
    new_customers                integer NOT NULL DEFAULT 0,   -- signups
    trials_started               integer NOT NULL DEFAULT 0,
    new_paying_customers         integer NOT NULL DEFAULT 0,   -- converted_at on this day
    churned_customers            integer NOT NULL DEFAULT 0,   -- churned_at on this day
    -- sales funnel
    leads                        integer NOT NULL DEFAULT 0,
    mqls                         integer NOT NULL DEFAULT 0,
    sqls                         integer NOT NULL DEFAULT 0,
    opportunities_created        integer NOT NULL DEFAULT 0,
    opportunities_won            integer NOT NULL DEFAULT 0,
    opportunities_lost           integer NOT NULL DEFAULT 0,
    won_amount_cents             bigint NOT NULL DEFAULT 0,
    -- support / voice of customer
    tickets_opened               integer NOT NULL DEFAULT 0,
    tickets_resolved             integer NOT NULL DEFAULT 0,
    csat_sum                     integer NOT NULL DEFAULT 0,
    csat_responses               integer NOT NULL DEFAULT 0,
    nps_promoters                integer NOT NULL DEFAULT 0,
    nps_passives                 integer NOT NULL DEFAULT 0,
    nps_detractors               integer NOT NULL DEFAULT 0,
    usage_units                  bigint NOT NULL DEFAULT 0,
    refreshed_at                 timestamptz NOT NULL DEFAULT now()
);

-- Built with api_latency_p95_ms rounded to whole milliseconds: make it numeric (the BI views that
-- read it are dropped here and recreated by 050_bi_views.sql) and rebuild at the next refresh.
DO $$
BEGIN
    IF (SELECT atttypid FROM pg_attribute WHERE attrelid = 'metrics_daily'::regclass
           AND attname = 'api_latency_p95_ms') = 'integer'::regtype THEN
        DROP VIEW IF EXISTS bi_metrics_long, bi_product, bi_company_overview;
        ALTER TABLE metrics_daily ALTER COLUMN api_latency_p95_ms TYPE numeric;
        UPDATE rollup_state SET tz = NULL;
    END IF;
END
$$;

-- MRR snapshot per day and plan (only plans with paying rows that day).
CREATE TABLE IF NOT EXISTS mrr_daily (
    day          date NOT NULL,
    plan_id      int NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    mrr_cents    bigint NOT NULL,
    customers    integer NOT NULL,
    PRIMARY KEY (day, plan_id)
);

-- Distinct identified users per day, so WAU/MAU over any window are exact distinct counts.
CREATE TABLE IF NOT EXISTS active_users_daily (
    day          date NOT NULL,
    customer_id  int NOT NULL,
    user_id      bigint NOT NULL,
    PRIMARY KEY (day, customer_id, user_id)
);

-- Per customer and day (only days with activity): input of health scores and the CS views.
CREATE TABLE IF NOT EXISTS customer_daily (
    day            date NOT NULL,
    customer_id    int NOT NULL,
    events         integer NOT NULL DEFAULT 0,
    sessions       integer NOT NULL DEFAULT 0,
    api_calls      integer NOT NULL DEFAULT 0,
    api_errors     integer NOT NULL DEFAULT 0,
    feature_uses   integer NOT NULL DEFAULT 0,
    active_users   integer NOT NULL DEFAULT 0,
    orders         integer NOT NULL DEFAULT 0,
    revenue_cents  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, customer_id)
);
CREATE INDEX IF NOT EXISTS customer_daily_customer_idx ON customer_daily (customer_id, day);

-- Per feature and day: feature_used events and distinct users.
CREATE TABLE IF NOT EXISTS feature_daily (
    day          date NOT NULL,
    feature      text NOT NULL,
    uses         integer NOT NULL,
    users        integer NOT NULL,
    customers    integer NOT NULL,
    PRIMARY KEY (day, feature)
);

-- Per sales rep and day.
CREATE TABLE IF NOT EXISTS sales_rep_daily (
    day                      date NOT NULL,
    rep_id                   int NOT NULL,
    calls                    integer NOT NULL DEFAULT 0,
    emails                   integer NOT NULL DEFAULT 0,
    meetings                 integer NOT NULL DEFAULT 0,
    opportunities_created    integer NOT NULL DEFAULT 0,
    pipeline_created_cents   bigint NOT NULL DEFAULT 0,
    opportunities_won        integer NOT NULL DEFAULT 0,
    opportunities_lost       integer NOT NULL DEFAULT 0,
    won_amount_cents         bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, rep_id)
);

-- Days whose rollups must be recomputed (filled by triggers, drained by rollup_refresh()).  No key:
-- each writing transaction leaves its own rows, so a writer never waits for a refresh that is
-- draining the same day (an insert that meets a key deleted by an uncommitted transaction waits for
-- it: ingestion stalled behind every refresh), and a refresh can only take a transaction's rows
-- once they are committed, so it never computes a day without the rows that dirtied it.  The
-- refresh removes duplicates.
CREATE TABLE IF NOT EXISTS rollup_dirty_days (
    day  date NOT NULL
);
ALTER TABLE rollup_dirty_days DROP CONSTRAINT IF EXISTS rollup_dirty_days_pkey;

-- Single-row bookkeeping: the zone the rollups were built in (a change forces a rebuild).
CREATE TABLE IF NOT EXISTS rollup_state (
    id               boolean PRIMARY KEY DEFAULT true CHECK (id),
    tz               text,
    last_refresh_at  timestamptz,
    last_refresh_days integer,
    last_rebuild_at  timestamptz
);
INSERT INTO rollup_state (id) VALUES (true) ON CONFLICT DO NOTHING;
-- The reporting day the last refresh or rebuild brought up to date: a refresh with nothing dirty on
-- that same day has nothing to recompute (rollup_refresh).
ALTER TABLE rollup_state ADD COLUMN IF NOT EXISTS last_refresh_day date;

-- Day masks: a user's active days as the bits of one bigint, bit k = day p_base + k (63 days at
-- most).  ns_day_bit is the bit of day p_day; ns_mask_window the bits of the p_days days from bit
-- p_first on (non-zero: active on one of them; bit_count: on how many).  WAU/MAU below and in
-- rollup_wau_mau_adjust, and the product's power users (540_product.sql) read their windows so.
CREATE OR REPLACE FUNCTION ns_day_bit(p_day date, p_base date) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 1::bigint << (p_day - p_base) $$;

CREATE OR REPLACE FUNCTION ns_mask_window(p_mask bigint, p_first int, p_days int) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (p_mask >> p_first) & ((1::bigint << p_days) - 1) $$;

-- Recompute WAU/MAU of the metrics_daily rows in [p_lo, p_hi] from active_users_daily.
-- A user active on day a counts for days a .. a+6 (WAU) and a .. a+29 (MAU). The days are taken in
-- blocks of 34: for a block b .. b+33, each user's active days from b-29 on are one 63-bit mask (bit
-- k: active on day b-29+k, a hash aggregate, no sort), and day D counts the users with a bit set in
-- D-29 .. D (MAU) or D-6 .. D (WAU). Exact; the cost follows the days asked for (the periodic
-- refresh asks for today only), not the history.
CREATE OR REPLACE FUNCTION rollup_update_wau_mau(p_lo date, p_hi date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t_lo date;
    t_hi date;
    b    date;
BEGIN
    SELECT min(day), max(day) INTO t_lo, t_hi FROM metrics_daily WHERE day BETWEEN p_lo AND p_hi;
    b := t_lo;
    WHILE b <= t_hi LOOP
        WITH u AS (
            SELECT bit_or(ns_day_bit(a.day, b - 29)) AS m
            FROM active_users_daily a
            WHERE a.day BETWEEN b - 29 AND least(b + 33, t_hi)
            GROUP BY a.customer_id, a.user_id
        ), w AS (
            -- day D is bit D - b + 29: WAU reads bits D-b+23 .. D-b+29, MAU bits D-b .. D-b+29
            SELECT m.day,
                   count(*) FILTER (WHERE ns_mask_window(u.m, m.day - b + 23, 7) <> 0) AS wau,
                   count(*) FILTER (WHERE ns_mask_window(u.m, m.day - b, 30) <> 0) AS mau
            FROM metrics_daily m LEFT JOIN u ON true
            WHERE m.day BETWEEN b AND least(b + 33, t_hi)
            GROUP BY m.day
        )
        UPDATE metrics_daily m
        SET wau = w.wau, mau = w.mau
        FROM w
        WHERE m.day = w.day AND (m.wau, m.mau) IS DISTINCT FROM (w.wau::int, w.mau::int);
        b := b + 34;
    END LOOP;
END
$$;

-- Before rollup_compute_range recomputes the days p_lo .. p_hi: when they are few (at most 4, so
-- that the days a change can reach, p_lo - 29 .. p_hi + 29, fit one 63-bit day mask), keep their
-- active users and WAU/MAU in rollup_prev_active and rollup_prev_wau for rollup_wau_mau_adjust;
-- for more days keep nothing (the adjustment then declines).
CREATE OR REPLACE FUNCTION rollup_wau_mau_keep(p_lo date, p_hi date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.rollup_prev_wau') IS NULL THEN   -- (no NOTICE when they exist)
        CREATE TEMP TABLE rollup_prev_active (day date, customer_id int, user_id bigint) ON COMMIT DROP;
        CREATE TEMP TABLE rollup_prev_wau (day date, wau int, mau int) ON COMMIT DROP;
    END IF;
    TRUNCATE rollup_prev_active, rollup_prev_wau;
    IF p_hi - p_lo <= 3 THEN
        INSERT INTO rollup_prev_active SELECT day, customer_id, user_id FROM active_users_daily
        WHERE day BETWEEN p_lo AND p_hi;
        INSERT INTO rollup_prev_wau SELECT day, wau, mau FROM metrics_daily WHERE day BETWEEN p_lo AND p_hi;
    END IF;
END
$$;

-- WAU/MAU after a recompute of the few days p_lo .. p_hi, from what changed instead of from every
-- user, with what rollup_wau_mau_keep kept from before the recompute.  The old figures come back, and a user whose activity on
-- those days changed moves the figure of a day D in p_lo .. p_hi + 29 by (counted now) - (counted
-- before), where counted = active on a day of D-29 .. D (MAU) or D-6 .. D (WAU), read from the
-- user's mask over the whole reach (bit k: day p_lo - 29 + k) with the recomputed days' bits as
-- they are now and as they were.  Late orders, payments or tickets change no user: only the old
-- figures come back.  Exact, like rollup_update_wau_mau; returns false (and changes nothing) when
-- a day has no kept row (too many days, or a day new to metrics_daily whose old figures are
-- unknown): the caller then recomputes in full.
CREATE OR REPLACE FUNCTION rollup_wau_mau_adjust(p_lo date, p_hi date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    base  date := p_lo - 29;
BEGIN
    IF (SELECT count(*) FROM rollup_prev_wau) < p_hi - p_lo + 1 THEN
        RETURN false;
    END IF;
    UPDATE metrics_daily m SET wau = p.wau, mau = p.mau FROM rollup_prev_wau p WHERE m.day = p.day;
    WITH now_active AS (
        SELECT day, customer_id, user_id FROM active_users_daily WHERE day BETWEEN p_lo AND p_hi
    ), changed AS (   -- the users whose activity on p_lo .. p_hi changed
        SELECT customer_id, user_id FROM (
            (SELECT * FROM now_active EXCEPT SELECT * FROM rollup_prev_active)
            UNION ALL
            (SELECT * FROM rollup_prev_active EXCEPT SELECT * FROM now_active)) x
        GROUP BY 1, 2
    ), prev AS (      -- per user: its days of p_lo .. p_hi before
        SELECT customer_id, user_id, bit_or(ns_day_bit(day, base)) AS m FROM rollup_prev_active GROUP BY 1, 2
    ), masks AS (     -- per changed user: its days now (all of the reach) and before (p_lo .. p_hi)
        SELECT c.customer_id, c.user_id,
               coalesce(bit_or(ns_day_bit(a.day, base)), 0) AS m_now,
               coalesce(bit_or(ns_day_bit(a.day, base)) FILTER (WHERE a.day NOT BETWEEN p_lo AND p_hi), 0)
               | coalesce(max(p.m), 0) AS m_old
        FROM changed c
        LEFT JOIN prev p ON p.customer_id = c.customer_id AND p.user_id = c.user_id
        LEFT JOIN active_users_daily a ON a.customer_id = c.customer_id AND a.user_id = c.user_id
                                      AND a.day BETWEEN base AND p_hi + 29
        GROUP BY 1, 2
    ), d AS (         -- day D is bit D - base; WAU reads bits D-base-6 .. D-base, MAU D-base-29 .. D-base
        SELECT m.day,
               sum((ns_mask_window(k.m_now, m.day - base - 6, 7) <> 0)::int
                   - (ns_mask_window(k.m_old, m.day - base - 6, 7) <> 0)::int) AS dw,
               sum((ns_mask_window(k.m_now, m.day - base - 29, 30) <> 0)::int
                   - (ns_mask_window(k.m_old, m.day - base - 29, 30) <> 0)::int) AS dm
        FROM metrics_daily m CROSS JOIN masks k
        WHERE m.day BETWEEN p_lo AND p_hi + 29
        GROUP BY m.day
    )
    UPDATE metrics_daily m SET wau = m.wau + d.dw, mau = m.mau + d.dm
    FROM d WHERE m.day = d.day AND (d.dw <> 0 OR d.dm <> 0);
    RETURN true;
END
$$;

-- Recompute every rollup for the reporting-zone days p_lo .. p_hi (delete + insert); the caller
-- owns the transaction, so readers see either the old or the new version of a day.
CREATE OR REPLACE FUNCTION rollup_compute_range(p_lo date, p_hi date) RETURNS void
LANGUAGE plpgsql
SET work_mem = '64MB'   -- keeps the per-day hash aggregates of a full rebuild in memory
AS $$
DECLARE
    tz     text := ns_tz();
    lo_ts  timestamptz := p_lo::timestamp AT TIME ZONE ns_tz();
    hi_ts  timestamptz := (p_hi + 1)::timestamp AT TIME ZONE ns_tz();
    today  date := ns_today();
    mrr_days date[] := ARRAY(SELECT g::date FROM generate_series(p_lo, least(p_hi, ns_today()), interval '1 day') g);
BEGIN
    PERFORM rollup_wau_mau_keep(p_lo, p_hi);   -- what WAU/MAU of a few days were computed from
    DELETE FROM active_users_daily WHERE day BETWEEN p_lo AND p_hi;
    DELETE FROM customer_daily WHERE day BETWEEN p_lo AND p_hi;
    DELETE FROM feature_daily WHERE day BETWEEN p_lo AND p_hi;
    DELETE FROM sales_rep_daily WHERE day BETWEEN p_lo AND p_hi;
    DELETE FROM mrr_daily WHERE day BETWEEN p_lo AND p_hi;
    DELETE FROM metrics_daily WHERE day BETWEEN p_lo AND p_hi;

    INSERT INTO active_users_daily (day, customer_id, user_id)
    SELECT DISTINCT (e.occurred_at AT TIME ZONE tz)::date, e.customer_id, e.user_id
    FROM events e
    WHERE e.occurred_at >= lo_ts AND e.occurred_at < hi_ts
      AND e.customer_id IS NOT NULL AND e.user_id IS NOT NULL
    ORDER BY 1, 2, 3;   -- in key order: the index grows at its right edge

    INSERT INTO customer_daily (day, customer_id, events, sessions, api_calls, api_errors, feature_uses,
                                active_users, orders, revenue_cents)
    SELECT day, customer_id, sum(events), sum(sessions), sum(api_calls), sum(api_errors), sum(feature_uses),
           sum(active_users), sum(orders), sum(revenue_cents)
    FROM (
        SELECT (e.occurred_at AT TIME ZONE tz)::date AS day, e.customer_id,
               count(*) AS events,
               count(*) FILTER (WHERE e.type = 'session_start') AS sessions,
               count(*) FILTER (WHERE e.type = 'api_call') AS api_calls,
               count(*) FILTER (WHERE e.type = 'api_call' AND e.status >= 500) AS api_errors,
               count(*) FILTER (WHERE e.type = 'feature_used') AS feature_uses,
               0 AS active_users, 0 AS orders, 0 AS revenue_cents
        FROM events e
        WHERE e.occurred_at >= lo_ts AND e.occurred_at < hi_ts AND e.customer_id IS NOT NULL
        GROUP BY 1, 2
        UNION ALL
        -- distinct users from active_users_daily, just built: no DISTINCT (a sort of every event) here
        SELECT a.day, a.customer_id, 0, 0, 0, 0, 0, count(*), 0, 0
        FROM active_users_daily a WHERE a.day BETWEEN p_lo AND p_hi
        GROUP BY 1, 2
        UNION ALL
        SELECT (o.ordered_at AT TIME ZONE tz)::date, o.customer_id, 0, 0, 0, 0, 0, 0, count(*), sum(o.total_cents)
        FROM orders o
        WHERE o.ordered_at >= lo_ts AND o.ordered_at < hi_ts
        GROUP BY 1, 2
    ) u
    GROUP BY day, customer_id
    ORDER BY day, customer_id;

    INSERT INTO feature_daily (day, feature, uses, users, customers)
    SELECT (e.occurred_at AT TIME ZONE tz)::date, e.feature, count(*),
           count(DISTINCT ns_user_key(e.customer_id, e.user_id)), count(DISTINCT e.customer_id)
    FROM events e
    WHERE e.occurred_at >= lo_ts AND e.occurred_at < hi_ts
      AND e.type = 'feature_used' AND e.feature IS NOT NULL
    GROUP BY 1, 2;

    INSERT INTO sales_rep_daily (day, rep_id, calls, emails, meetings, opportunities_created,
                                 pipeline_created_cents, opportunities_won, opportunities_lost, won_amount_cents)
    SELECT day, rep_id, sum(calls), sum(emails), sum(meetings), sum(created), sum(pipeline),
           sum(won), sum(lost), sum(won_amount)
    FROM (
        SELECT (a.occurred_at AT TIME ZONE tz)::date AS day, a.rep_id,
               count(*) FILTER (WHERE a.kind = 'call') AS calls,
               count(*) FILTER (WHERE a.kind = 'email') AS emails,
               count(*) FILTER (WHERE a.kind = 'meeting') AS meetings,
               0 AS created, 0 AS pipeline, 0 AS won, 0 AS lost, 0 AS won_amount
        FROM sales_activities a
        WHERE a.occurred_at >= lo_ts AND a.occurred_at < hi_ts
        GROUP BY 1, 2
        UNION ALL
        SELECT (o.created_at AT TIME ZONE tz)::date, o.owner_id, 0, 0, 0, count(*), sum(o.amount_cents), 0, 0, 0
        FROM opportunities o
        WHERE o.created_at >= lo_ts AND o.created_at < hi_ts
        GROUP BY 1, 2
        UNION ALL
        SELECT (o.closed_at AT TIME ZONE tz)::date, o.owner_id, 0, 0, 0, 0, 0,
               count(*) FILTER (WHERE o.won), count(*) FILTER (WHERE NOT o.won),
               coalesce(sum(o.amount_cents) FILTER (WHERE o.won), 0)
        FROM opportunities o
        WHERE o.closed_at >= lo_ts AND o.closed_at < hi_ts
        GROUP BY 1, 2
    ) u
    GROUP BY day, rep_id;

    -- MRR is a state, so only days up to today get a snapshot.
    INSERT INTO mrr_daily (day, plan_id, mrr_cents, customers)
    SELECT m.day, m.plan_id, sum(m.mrr_cents), count(DISTINCT m.customer_id)
    FROM mrr_rows(mrr_days) m
    GROUP BY 1, 2;

    INSERT INTO metrics_daily (
        day, revenue_cents, orders, refunds_cents, chargebacks_cents, cogs_cents, net_revenue_cents,
        payments_cents, payments_failed, mrr_cents, paying_customers,
        sessions, page_views, add_to_carts, checkouts, event_orders, logins, feature_uses, client_errors,
        api_calls, api_errors, api_rate_limited, api_latency_p95_ms, active_users, active_customers,
        ad_spend_cents, impressions, clicks, conversions,
        new_customers, trials_started, new_paying_customers, churned_customers,
        leads, mqls, sqls, opportunities_created, opportunities_won, opportunities_lost, won_amount_cents,
        tickets_opened, tickets_resolved, csat_sum, csat_responses,
        nps_promoters, nps_passives, nps_detractors, usage_units, refreshed_at)
    SELECT
        d.day,
        coalesce(o.revenue, 0), coalesce(o.n, 0), coalesce(o.refunds, 0), coalesce(o.chargebacks, 0),
        coalesce(o.cogs, 0), coalesce(o.revenue - o.refunds - o.chargebacks, 0),
        coalesce(b.payments, 0), coalesce(b.failed, 0),
        coalesce(m.mrr, 0), coalesce(m.payers, 0),
        coalesce(e.sessions, 0), coalesce(e.page_views, 0), coalesce(e.add_to_carts, 0),
        coalesce(e.checkouts, 0), coalesce(e.event_orders, 0), coalesce(e.logins, 0),
        coalesce(e.feature_uses, 0), coalesce(e.client_errors, 0),
        coalesce(e.api_calls, 0), coalesce(e.api_errors, 0), coalesce(e.rate_limited, 0), e.p95,
        coalesce(au.dau, 0), coalesce(au.customers, 0),
        coalesce(a.spend, 0), coalesce(a.impressions, 0), coalesce(a.clicks, 0), coalesce(a.conversions, 0),
        coalesce(cs.n, 0), coalesce(ct.n, 0), coalesce(cc.n, 0), coalesce(ch.n, 0),
        coalesce(l.leads, 0), coalesce(lm.n, 0), coalesce(ls.n, 0),
        coalesce(op.created, 0), coalesce(oc.won, 0), coalesce(oc.lost, 0), coalesce(oc.won_amount, 0),
        coalesce(t.opened, 0), coalesce(tr.resolved, 0), coalesce(tr.csat_sum, 0), coalesce(tr.csat_n, 0),
        coalesce(n.promoters, 0), coalesce(n.passives, 0), coalesce(n.detractors, 0),
        coalesce(u.units, 0), now()
    FROM (SELECT g::date AS day FROM generate_series(p_lo, p_hi, interval '1 day') g) d
    LEFT JOIN (
        SELECT (ordered_at AT TIME ZONE tz)::date AS day, count(*) AS n, sum(total_cents) AS revenue,
               sum(refunded_cents) AS refunds, sum(chargeback_cents) AS chargebacks, sum(cogs_cents) AS cogs
        FROM orders WHERE ordered_at >= lo_ts AND ordered_at < hi_ts GROUP BY 1
    ) o USING (day)
    LEFT JOIN (
        SELECT (occurred_at AT TIME ZONE tz)::date AS day,
               sum(amount_cents) FILTER (WHERE kind = 'payment_success') AS payments,
               count(*) FILTER (WHERE kind = 'payment_failed') AS failed
        FROM billing_events WHERE occurred_at >= lo_ts AND occurred_at < hi_ts GROUP BY 1
    ) b USING (day)
    LEFT JOIN (
        SELECT day, sum(mrr_cents) AS mrr, count(DISTINCT customer_id) AS payers
        FROM mrr_rows(mrr_days) GROUP BY 1
    ) m USING (day)
    LEFT JOIN (
        SELECT (occurred_at AT TIME ZONE tz)::date AS day,
               count(*) FILTER (WHERE type = 'session_start') AS sessions,
               count(*) FILTER (WHERE type = 'page_view') AS page_views,
               count(*) FILTER (WHERE type = 'add_to_cart') AS add_to_carts,
               count(*) FILTER (WHERE type = 'checkout') AS checkouts,
               count(*) FILTER (WHERE type = 'order') AS event_orders,
               count(*) FILTER (WHERE type = 'login') AS logins,
               count(*) FILTER (WHERE type = 'feature_used') AS feature_uses,
               count(*) FILTER (WHERE type = 'client_error') AS client_errors,
               count(*) FILTER (WHERE type = 'api_call') AS api_calls,
               count(*) FILTER (WHERE type = 'api_call' AND status >= 500) AS api_errors,
               count(*) FILTER (WHERE type = 'api_call' AND rate_limited) AS rate_limited,
               round(percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)
                     FILTER (WHERE type = 'api_call')::numeric, 2) AS p95
        FROM events WHERE occurred_at >= lo_ts AND occurred_at < hi_ts GROUP BY 1
    ) e USING (day)
    LEFT JOIN (
        SELECT day, count(*) AS dau, count(DISTINCT customer_id) AS customers
        FROM active_users_daily WHERE day BETWEEN p_lo AND p_hi GROUP BY 1
    ) au USING (day)
    LEFT JOIN (
        SELECT day, sum(spend_cents) AS spend, sum(impressions) AS impressions, sum(clicks) AS clicks,
               sum(conversions) AS conversions
        FROM ad_spend WHERE day BETWEEN p_lo AND p_hi GROUP BY 1
    ) a USING (day)
    LEFT JOIN (SELECT (signup_at AT TIME ZONE tz)::date AS day, count(*) AS n FROM customers
               WHERE signup_at >= lo_ts AND signup_at < hi_ts GROUP BY 1) cs USING (day)
    LEFT JOIN (SELECT trial_started_on AS day, count(*) AS n FROM customers
               WHERE trial_started_on BETWEEN p_lo AND p_hi GROUP BY 1) ct USING (day)
    LEFT JOIN (SELECT (converted_at AT TIME ZONE tz)::date AS day, count(*) AS n FROM customers
               WHERE converted_at >= lo_ts AND converted_at < hi_ts GROUP BY 1) cc USING (day)
    LEFT JOIN (SELECT (churned_at AT TIME ZONE tz)::date AS day, count(*) AS n FROM customers
               WHERE churned_at >= lo_ts AND churned_at < hi_ts GROUP BY 1) ch USING (day)
    LEFT JOIN (SELECT (created_at AT TIME ZONE tz)::date AS day, count(*) AS leads FROM leads
               WHERE created_at >= lo_ts AND created_at < hi_ts GROUP BY 1) l USING (day)
    LEFT JOIN (SELECT (mql_at AT TIME ZONE tz)::date AS day, count(*) AS n FROM leads
               WHERE mql_at >= lo_ts AND mql_at < hi_ts GROUP BY 1) lm USING (day)
    LEFT JOIN (SELECT (sql_at AT TIME ZONE tz)::date AS day, count(*) AS n FROM leads
               WHERE sql_at >= lo_ts AND sql_at < hi_ts GROUP BY 1) ls USING (day)
    LEFT JOIN (SELECT (created_at AT TIME ZONE tz)::date AS day, count(*) AS created FROM opportunities
               WHERE created_at >= lo_ts AND created_at < hi_ts GROUP BY 1) op USING (day)
    LEFT JOIN (SELECT (closed_at AT TIME ZONE tz)::date AS day,
                      count(*) FILTER (WHERE won) AS won, count(*) FILTER (WHERE NOT won) AS lost,
                      sum(amount_cents) FILTER (WHERE won) AS won_amount
               FROM opportunities WHERE closed_at >= lo_ts AND closed_at < hi_ts GROUP BY 1) oc USING (day)
    LEFT JOIN (SELECT (opened_at AT TIME ZONE tz)::date AS day, count(*) AS opened FROM support_tickets
               WHERE opened_at >= lo_ts AND opened_at < hi_ts GROUP BY 1) t USING (day)
    LEFT JOIN (SELECT (resolved_at AT TIME ZONE tz)::date AS day, count(*) AS resolved,
                      sum(csat) AS csat_sum, count(csat) AS csat_n
               FROM support_tickets WHERE resolved_at >= lo_ts AND resolved_at < hi_ts GROUP BY 1) tr USING (day)
    LEFT JOIN (SELECT (answered_at AT TIME ZONE tz)::date AS day,
                      count(*) FILTER (WHERE score >= 9) AS promoters,
                      count(*) FILTER (WHERE score BETWEEN 7 AND 8) AS passives,
                      count(*) FILTER (WHERE score <= 6) AS detractors
               FROM nps_responses WHERE answered_at >= lo_ts AND answered_at < hi_ts GROUP BY 1) n USING (day)
    LEFT JOIN (SELECT day, sum(units) AS units FROM usage_records
               WHERE day BETWEEN p_lo AND p_hi GROUP BY 1) u USING (day);

    -- WAU/MAU of a day depend on the 29 days before it, so a changed day also moves the next 29:
    -- for a few days from what changed, else in full.
    IF NOT rollup_wau_mau_adjust(p_lo, p_hi) THEN
        PERFORM rollup_update_wau_mau(p_lo, p_hi + 29);
    END IF;
END
$$;

-- Lowest day that any source table has data for (NULL when everything is empty).
CREATE OR REPLACE FUNCTION rollup_first_day() RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT min(d) FROM (
        SELECT ns_day(min(occurred_at)) FROM events
        UNION ALL SELECT ns_day(min(ordered_at)) FROM orders
        UNION ALL SELECT min(valid_from) FROM subscriptions
        UNION ALL SELECT ns_day(min(signup_at)) FROM customers
        UNION ALL SELECT min(day) FROM ad_spend
        UNION ALL SELECT ns_day(min(occurred_at)) FROM billing_events
        UNION ALL SELECT ns_day(min(created_at)) FROM leads
    ) s(d)
$$;

-- Recompute every rollup from the raw tables (first data day .. today). Waits for a running
-- refresh instead of skipping. Returns the number of days computed.
CREATE OR REPLACE FUNCTION rollup_rebuild() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    lo date;
    hi date := ns_today();
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('northstar.rollup')::bigint);
    lo := least(coalesce(rollup_first_day(), hi), hi);
    DELETE FROM rollup_dirty_days;
    DELETE FROM active_users_daily;
    DELETE FROM customer_daily;
    DELETE FROM feature_daily;
    DELETE FROM sales_rep_daily;
    DELETE FROM mrr_daily;
    DELETE FROM metrics_daily;
    PERFORM rollup_compute_range(lo, hi);
    UPDATE rollup_state SET tz = ns_tz(), last_rebuild_at = now(), last_refresh_at = now(),
                            last_refresh_days = hi - lo + 1, last_refresh_day = hi;
    PERFORM pg_notify('northstar_rollups', '');   -- the followers' wake-up (see rollup_notify_dirty)
    PERFORM live_data_changed();
    RETURN hi - lo + 1;
END
$$;

-- Recompute only the dirty days (plus today, whose MRR snapshot moves with the calendar, plus any
-- day missing from metrics_daily between the earliest dirty day and today).  With no day dirty and
-- today already brought up to date by an earlier refresh, nothing can have moved (every table a
-- rollup reads marks the days its rows touch): it only records the run and returns 0.
-- A concurrent caller waits for the running refresh, then refreshes what is left (today at least):
-- the lock policy of every derived table (035_rollup_follow.sql).
-- A changed northstar.tz since the last build triggers a full rebuild. Returns days refreshed.
-- JIT off: compiling the statements of a few days' recompute costs more than running them.
CREATE OR REPLACE FUNCTION rollup_refresh() RETURNS integer
LANGUAGE plpgsql
SET jit = off
AS $$
DECLARE
    v_days  date[];
    r       record;
    n       integer := 0;
    dirty   boolean := false;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('northstar.rollup')::bigint);
    IF (SELECT tz FROM rollup_state) IS DISTINCT FROM ns_tz() THEN
        RETURN rollup_rebuild();
    END IF;
    -- next month's events partition must exist before data for it arrives
    PERFORM events_create_partitions(ns_today(), (ns_today() + 45));

    WITH del AS (DELETE FROM rollup_dirty_days RETURNING day)
    SELECT array_agg(day) INTO v_days FROM del;
    IF v_days IS NOT NULL THEN
        PERFORM pg_notify('northstar_rollups', '');   -- the followers' wake-up (see rollup_notify_dirty)
        dirty := true;
    ELSIF (SELECT last_refresh_day FROM rollup_state) = ns_today()
          AND EXISTS (SELECT 1 FROM metrics_daily WHERE day = ns_today()) THEN
        UPDATE rollup_state SET last_refresh_at = now(), last_refresh_days = 0;
        RETURN 0;
    END IF;
    v_days := coalesce(v_days, '{}') || ns_today();
    -- keep metrics_daily contiguous up to today: a late row before the first rolled-up day (or a
    -- day nobody marked) also gets the empty days in between, exactly as a rebuild would
    v_days := v_days || ARRAY(
        SELECT g::date
        FROM generate_series(least((SELECT min(x) FROM unnest(v_days) x), (SELECT min(day) FROM metrics_daily)),
                             ns_today(), interval '1 day') g
        WHERE NOT EXISTS (SELECT 1 FROM metrics_daily m WHERE m.day = g::date));

    FOR r IN
        SELECT min(d) AS lo, max(d) AS hi
        FROM (SELECT d, d - (row_number() OVER (ORDER BY d))::int AS grp
              FROM (SELECT DISTINCT d FROM unnest(v_days) d) x) s
        GROUP BY grp ORDER BY 1
    LOOP
        PERFORM rollup_compute_range(r.lo, r.hi);
        n := n + (r.hi - r.lo + 1);
    END LOOP;
    UPDATE rollup_state SET last_refresh_at = now(), last_refresh_days = n, last_refresh_day = ns_today();
    IF dirty THEN
        PERFORM live_data_changed();   -- a new data version (570_live.sql), at the end: held to the commit
    END IF;
    RETURN n;
END
$$;

-- Freshness (docs/ingest.md, "Freshness"): a transaction that marks days dirty notifies channel
-- northstar_dirty (delivered at its commit, once however often it was called: PostgreSQL folds
-- identical notifications of one transaction).  The alerts service's job LISTENs on it and runs
-- rollup_refresh() within about a second; rollup_refresh() in turn notifies northstar_rollups when
-- it recomputed dirty days, on which the followers' jobs (035_rollup_follow.sql) LISTEN.  The
-- jobs' periods stay the fallback.  The channel names are NS_CHANNEL_* in common/northstar.h.
CREATE OR REPLACE FUNCTION rollup_notify_dirty() RETURNS void
LANGUAGE sql AS $$ SELECT pg_notify('northstar_dirty', '') $$;

-- Any writer of rollup_dirty_days (the triggers below, or a function that marks days itself)
-- notifies by this statement trigger.
-- The statement trigger of a queue: NOTIFY channel TG_ARGV[0] when the statement inserted rows
-- (here rollup_dirty_days → northstar_dirty; 570_live.sql: live_outbox → northstar_live).
CREATE OR REPLACE FUNCTION notify_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows) THEN
        PERFORM pg_notify(TG_ARGV[0], '');
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER rollup_dirty_days_notify AFTER INSERT ON rollup_dirty_days
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_inserted('northstar_dirty');
DROP FUNCTION IF EXISTS rollup_dirty_days_notify();   -- the form notify_inserted() replaced

-- The statement that queues in rollup_dirty_days the reporting-zone days the rows of p_rows
-- contribute to, and notifies when p_rows holds rows (even when their days were queued already, by
-- a transaction whose refresh may be running now and miss these rows): p_rows names a relation (a
-- transition table, or the capture of a sharded table, 021_events_shards.sql), each of p_exprs is
-- an SQL expression over one of its rows giving its day(s), queued by an INSERT of its own.  A
-- statement, not a function that runs it: a transition table is visible only to the trigger
-- function itself, which EXECUTEs this.  The one place the dirty days of a source's rows are worked out.
DROP FUNCTION IF EXISTS rollup_mark_dirty_statement(text, text);   -- the one-expression form
CREATE OR REPLACE FUNCTION rollup_mark_dirty_statement(p_rows text, p_exprs text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('%s SELECT rollup_notify_dirty() WHERE EXISTS (SELECT 1 FROM %s)',
                  'WITH ' || string_agg(format('day_%s AS (INSERT INTO rollup_dirty_days (day)
                                 SELECT DISTINCT d FROM (SELECT (%s)::date AS d FROM %s) s
                                 WHERE d IS NOT NULL ORDER BY d ON CONFLICT DO NOTHING)', x.i, x.expr, p_rows),
                                 ', ' ORDER BY x.i),
                  p_rows)
    FROM unnest(p_exprs) WITH ORDINALITY x(expr, i)
$$;

-- Statement-level trigger body: TG_ARGV holds SQL expressions (over the row) giving the
-- reporting-zone day(s) a row contributes to; those days are queued in rollup_dirty_days
-- (rollup_mark_dirty_statement).  Bulk loaders that rebuild afterwards may SET
-- northstar.rollup_skip_dirty = on.
CREATE OR REPLACE FUNCTION rollup_mark_dirty() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    tbl text;
BEGIN
    IF current_setting('northstar.rollup_skip_dirty', true) = 'on' THEN
        RETURN NULL;
    END IF;
    FOREACH tbl IN ARRAY CASE TG_OP WHEN 'INSERT' THEN ARRAY['new_rows']
                                    WHEN 'DELETE' THEN ARRAY['old_rows']
                                    ELSE ARRAY['old_rows', 'new_rows'] END
    LOOP
        EXECUTE rollup_mark_dirty_statement(quote_ident(tbl), TG_ARGV);
    END LOOP;
    RETURN NULL;
END
$$;

-- Subscriptions change MRR on every day they cover; an UPDATE marks only the days whose
-- coverage or amount actually changed (closing a row touches days from the new valid_to on).
CREATE OR REPLACE FUNCTION rollup_mark_dirty_subscriptions() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    today date := ns_today();
BEGIN
    IF current_setting('northstar.rollup_skip_dirty', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO rollup_dirty_days (day)
    SELECT DISTINCT g::date
    FROM old_rows o
    FULL JOIN new_rows n ON n.id = o.id
    CROSS JOIN LATERAL generate_series(
        least(o.valid_from, n.valid_from),
        least(greatest(coalesce(o.valid_to, today + 1), coalesce(n.valid_to, today + 1)), today + 1) - 1,
        interval '1 day') g
    WHERE o.id IS NULL OR n.id IS NULL
       OR o.customer_id <> n.customer_id OR o.plan_id <> n.plan_id OR o.mrr_cents <> n.mrr_cents
       OR o.currency <> n.currency OR o.mrr_original_cents IS DISTINCT FROM n.mrr_original_cents
       OR (o.in_effect @> g::date) IS DISTINCT FROM (n.in_effect @> g::date)
    ORDER BY 1
    ON CONFLICT DO NOTHING;
    IF EXISTS (SELECT 1 FROM new_rows) THEN
        PERFORM rollup_notify_dirty();
    END IF;
    RETURN NULL;
END
$$;

-- The one trigger helper: hook a derived table onto source table p_table with statement-level AFTER
-- triggers <table>_<p_name>_ins, _upd and _del (transition tables new_rows / old_rows; a
-- transition-table trigger may have only one event), and _trunc when p_truncate, each running
-- p_function(p_args).  Used for the dirty days below and the delta-maintained revenue tables.
CREATE OR REPLACE FUNCTION derived_triggers(p_table regclass, p_name text, p_function regproc, p_truncate boolean,
                                            VARIADIC p_args text[] DEFAULT '{}') RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    args text := coalesce((SELECT string_agg(quote_literal(x), ', ') FROM unnest(p_args) x), '');
    base text := replace(p_table::text, '.', '_') || '_' || p_name;
    ev   record;
BEGIN
    FOR ev IN
        SELECT * FROM (VALUES ('ins', 'INSERT', 'REFERENCING NEW TABLE AS new_rows'),
                              ('upd', 'UPDATE', 'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'),
                              ('del', 'DELETE', 'REFERENCING OLD TABLE AS old_rows'),
                              ('trunc', 'TRUNCATE', '')) v(suffix, event, refs)
        WHERE v.suffix <> 'trunc' OR p_truncate
    LOOP
        EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER %s ON %s %s FOR EACH STATEMENT EXECUTE FUNCTION %s(%s)',
                       base || '_' || ev.suffix, ev.event, p_table, ev.refs, p_function, args);
    END LOOP;
END
$$;

-- The dirty-day triggers of a source table: p_exprs are SQL expressions over a row giving the
-- reporting-zone day(s) it contributes to (rollup_mark_dirty above).
CREATE OR REPLACE FUNCTION rollup_install_triggers(p_table regclass, VARIADIC p_exprs text[]) RETURNS void
LANGUAGE sql AS $$ SELECT derived_triggers(p_table, 'dirty', 'rollup_mark_dirty', false, VARIADIC p_exprs) $$;

DO $$
BEGIN
    PERFORM rollup_install_triggers('events', 'ns_day(occurred_at)');
    PERFORM rollup_install_triggers('orders', 'ns_day(ordered_at)');
    PERFORM rollup_install_triggers('billing_events', 'ns_day(occurred_at)');
    PERFORM rollup_install_triggers('ad_spend', 'day');
    PERFORM rollup_install_triggers('usage_records', 'day');
    PERFORM rollup_install_triggers('customers', 'ns_day(signup_at)', 'trial_started_on',
                                    'ns_day(converted_at)', 'ns_day(churned_at)');
    PERFORM rollup_install_triggers('leads', 'ns_day(created_at)', 'ns_day(mql_at)', 'ns_day(sql_at)');
    PERFORM rollup_install_triggers('opportunities', 'ns_day(created_at)', 'ns_day(closed_at)');
    PERFORM rollup_install_triggers('sales_activities', 'ns_day(occurred_at)');
    PERFORM rollup_install_triggers('support_tickets', 'ns_day(opened_at)', 'ns_day(resolved_at)');
    PERFORM rollup_install_triggers('nps_responses', 'ns_day(answered_at)');
    -- subscriptions: insert/delete mark every covered day up to today, update uses the diff above
    PERFORM rollup_install_triggers('subscriptions',
        'generate_series(valid_from, least(coalesce(valid_to - 1, ns_today()), ns_today()), interval ''1 day'')');
END
$$;
CREATE OR REPLACE TRIGGER subscriptions_dirty_upd AFTER UPDATE ON subscriptions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_dirty_subscriptions();
