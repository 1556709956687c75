-- Marketing pre-aggregates (traffic by source, revenue attributed to campaigns) and their incremental refresh.
SET client_min_messages = warning;

-- Sessions per reporting day and traffic source.  A session is one session_start event (the same
-- unit as metrics_daily.sessions); its source is that event's source ('unknown' when NULL).  A
-- session *bounced* when its session_id has at most one page_view event on that day (or no
-- session_id); it *converted* when its session_id has an order event on that day.
CREATE TABLE IF NOT EXISTS marketing_traffic_daily (
    day                 date NOT NULL,
    source              text NOT NULL,
    sessions            integer NOT NULL,
    bounced_sessions    integer NOT NULL,
    converted_sessions  integer NOT NULL,
    PRIMARY KEY (day, source)
);

-- Order revenue per reporting day attributed to a campaign by the attribution rule of
-- docs/metrics.md ("## Marketing"): an order belongs to the acquisition campaign of its customer
-- (customers.campaign_id), on the day it was placed; gross total_cents like metrics_daily.revenue_cents.
CREATE TABLE IF NOT EXISTS marketing_campaign_daily (
    day            date NOT NULL,
    campaign_id    int NOT NULL,
    revenue_cents  bigint NOT NULL,
    orders         integer NOT NULL,
    PRIMARY KEY (day, campaign_id)
);
CREATE INDEX IF NOT EXISTS marketing_campaign_daily_campaign_idx ON marketing_campaign_daily (campaign_id, day);

-- What the one refresh mechanism (035_rollup_follow.sql) replaced.
DROP TABLE IF EXISTS marketing_rollup_days;

-- Lookups used by the marketing endpoints on the raw tables (small windows only).
CREATE INDEX IF NOT EXISTS leads_mql_at_idx ON leads (mql_at) WHERE mql_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS leads_sql_at_idx ON leads (sql_at) WHERE sql_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS customers_campaign_converted_idx ON customers (converted_at, campaign_id)
    WHERE converted_at IS NOT NULL;

-- Recompute both pre-aggregates for the reporting days p_lo .. p_hi (delete + insert).
CREATE OR REPLACE FUNCTION marketing_compute_range(p_lo date, p_hi date) RETURNS void
LANGUAGE plpgsql
SET work_mem = '64MB'
AS $$
DECLARE
    tz     text := ns_tz();
    lo_ts  timestamptz := ns_day_start(p_lo);
    hi_ts  timestamptz := ns_day_start(p_hi + 1);
BEGIN
    DELETE FROM marketing_traffic_daily WHERE day BETWEEN p_lo AND p_hi;
    DELETE FROM marketing_campaign_daily WHERE day BETWEEN p_lo AND p_hi;

    INSERT INTO marketing_traffic_daily (day, source, sessions, bounced_sessions, converted_sessions)
    SELECT s.day, s.source, count(*),
           count(*) FILTER (WHERE coalesce(p.page_views, 0) <= 1),
           count(*) FILTER (WHERE coalesce(p.orders, 0) > 0)
    FROM (SELECT (e.occurred_at AT TIME ZONE tz)::date AS day, coalesce(e.source, 'unknown') AS source,
                 e.session_id
          FROM events e
          WHERE e.occurred_at >= lo_ts AND e.occurred_at < hi_ts AND e.type = 'session_start') s
    LEFT JOIN (SELECT (e.occurred_at AT TIME ZONE tz)::date AS day, e.session_id,
                      count(*) FILTER (WHERE e.type = 'page_view') AS page_views,
                      count(*) FILTER (WHERE e.type = 'order') AS orders
               FROM events e
               WHERE e.occurred_at >= lo_ts AND e.occurred_at < hi_ts
                 AND e.type IN ('page_view', 'order') AND e.session_id IS NOT NULL
               GROUP BY 1, 2) p ON p.day = s.day AND p.session_id = s.session_id
    GROUP BY s.day, s.source;

    INSERT INTO marketing_campaign_daily (day, campaign_id, revenue_cents, orders)
    SELECT (o.ordered_at AT TIME ZONE tz)::date, c.campaign_id, sum(o.total_cents), count(*)
    FROM orders o
    JOIN customers c ON c.id = o.customer_id
    WHERE o.ordered_at >= lo_ts AND o.ordered_at < hi_ts AND c.campaign_id IS NOT NULL
    GROUP BY 1, 2;
END
$$;

-- The marketing pre-aggregates follow metrics_daily (035_rollup_follow.sql): marketing_refresh(), run
-- by the marketing service's periodic job, recomputes every day metrics_daily recomputed since.
-- XXX: a change of customers.campaign_id moves revenue on that customer's order days, which
-- rollup_refresh() does not mark dirty; such days are corrected when they are next recomputed.
SELECT rollup_follower_register('marketing', 'marketing_compute_range',
                                'marketing_traffic_daily', 'marketing_campaign_daily');
CREATE OR REPLACE FUNCTION marketing_refresh() RETURNS integer
LANGUAGE sql AS $$ SELECT rollup_follow('marketing') $$;
