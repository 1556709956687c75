-- 520_users.sql — pre-aggregates of the users (customer-success) service: feature-to-feature
-- transitions and active users by country, device, browser and OS, a follower of metrics_daily
-- (035_rollup_follow.sql) refreshed with the data layer's customer snapshots (health, activity,
-- usage: 040_metric_functions.sql) by the users service's job (users_refresh()).
SET client_min_messages = warning;

-- What the one mechanism replaced: the users-only dirty days, their trigger on events and the
-- refresh state; the health, activity and usage snapshots now live in the data layer; country
-- and device rows share one table.
DROP TRIGGER IF EXISTS events_users_dirty_ins ON events;
DROP TRIGGER IF EXISTS events_users_dirty_upd ON events;
DROP TRIGGER IF EXISTS events_users_dirty_del ON events;
DROP FUNCTION IF EXISTS users_mark_dirty();
DROP FUNCTION IF EXISTS users_health_snapshot(date);
DROP FUNCTION IF EXISTS api.users_activity_rows(date);
DROP FUNCTION IF EXISTS api.users_usage_rows(date);
DROP FUNCTION IF EXISTS users_activity(date);
DROP FUNCTION IF EXISTS users_usage(date);
DROP TABLE IF EXISTS users_dirty_days, users_refresh_state, users_geo_daily, users_device_daily,
                     users_activity_daily, users_usage_daily;
DROP TABLE IF EXISTS users_health_daily, users_health_days CASCADE;   -- with api.users_health_rows

-- Feature-to-feature transitions inside sessions: consecutive feature_used events of one
-- session (ordered by time), attributed to the day of the second event.
CREATE TABLE IF NOT EXISTS users_transitions_daily (
    day           date NOT NULL,
    from_feature  text NOT NULL,
    to_feature    text NOT NULL,
    n             integer NOT NULL,
    PRIMARY KEY (day, from_feature, to_feature)
);

-- Active users and sessions per day and dimension value: dimension 'country', 'device', 'browser'
-- or 'os'; users = distinct identified (customer_id, user_id) with an event of that value that day.
CREATE TABLE IF NOT EXISTS users_dimension_daily (
    day        date NOT NULL,
    dimension  text NOT NULL,
    value      text NOT NULL,
    sessions   integer NOT NULL,
    users      integer NOT NULL,
    PRIMARY KEY (day, dimension, value)
);

-- Supporting indexes for the customer drill-down, the viral view and the support view's weekly
-- average resolution time (tickets resolved in a window).
CREATE INDEX IF NOT EXISTS support_tickets_resolved_idx ON support_tickets (resolved_at) INCLUDE (opened_at)
    WHERE resolved_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS referrals_resulting_idx ON referrals (resulting_customer_id)
    WHERE resulting_customer_id IS NOT NULL;

-- Recompute the event pre-aggregates of the reporting-zone days p_lo .. p_hi (delete + insert).
CREATE OR REPLACE FUNCTION users_events_compute(p_lo date, p_hi date) RETURNS void
LANGUAGE plpgsql
SET work_mem = '64MB'
AS $$
BEGIN
    DELETE FROM users_dimension_daily WHERE day BETWEEN p_lo AND p_hi;
    INSERT INTO users_dimension_daily (day, dimension, value, sessions, users)
    SELECT day, CASE WHEN GROUPING(country) = 0 THEN 'country' WHEN GROUPING(device) = 0 THEN 'device'
                     WHEN GROUPING(browser) = 0 THEN 'browser' ELSE 'os' END,
           coalesce(country, device, browser, os), count(*) FILTER (WHERE type = 'session_start'),
           count(DISTINCT ns_user_key(customer_id, user_id)) FILTER (WHERE customer_id IS NOT NULL AND user_id IS NOT NULL)
    FROM (SELECT ns_day(e.occurred_at) AS day, coalesce(e.country, '??') AS country,
                 coalesce(e.device, 'unknown') AS device, coalesce(e.browser, 'unknown') AS browser,
                 coalesce(e.os, 'unknown') AS os, e.type, e.customer_id, e.user_id
            FROM events e
           WHERE e.occurred_at >= ns_day_start(p_lo) AND e.occurred_at < ns_day_start(p_hi + 1)) x
    GROUP BY GROUPING SETS ((day, country), (day, device), (day, browser), (day, os));
    DELETE FROM users_transitions_daily WHERE day BETWEEN p_lo AND p_hi;
    INSERT INTO users_transitions_daily (day, from_feature, to_feature, n)
    SELECT ns_day(t.occurred_at), t.prev, t.feature, count(*)
    FROM (
        SELECT e.occurred_at, e.feature,
               lag(e.feature) OVER (PARTITION BY e.session_id ORDER BY e.occurred_at, e.feature) AS prev
        FROM events e
        -- a session may start before midnight: look back one day for its previous event
        WHERE e.occurred_at >= ns_day_start(p_lo - 1) AND e.occurred_at < ns_day_start(p_hi + 1)
          AND e.type = 'feature_used' AND e.feature IS NOT NULL AND e.session_id IS NOT NULL
    ) t
    WHERE t.prev IS NOT NULL AND t.occurred_at >= ns_day_start(p_lo)
    GROUP BY 1, 2, 3;
END
$$;

SELECT rollup_follower_register('users', 'users_events_compute', 'users_transitions_daily', 'users_dimension_daily');

-- ---------------------------------------------------------------- cohort cells

-- The cohort matrices (/api/users/cohorts) are read from cells: for a period kind ('month' or
-- 'week'), a cohort (the start of the period its customers converted in) and a measurement day,
-- the cohort's size (customers converted by that day), how many of them pay on that day and their
-- MRR.  Kept for every period end up to today and for today (users_cohort_days says which days
-- are complete), so a matrix reads a few hundred rows whatever the number of customers; a day not
-- kept is computed live (users_cohort_cells_live), from the same rule.
CREATE TABLE IF NOT EXISTS users_cohort_cells (
    kind       text NOT NULL,
    day        date NOT NULL,
    cohort     date NOT NULL,
    size       bigint NOT NULL,
    paying     bigint NOT NULL,
    mrr_cents  numeric NOT NULL,
    PRIMARY KEY (kind, day, cohort)
);
CREATE TABLE IF NOT EXISTS users_cohort_days (
    kind  text NOT NULL,
    day   date NOT NULL,
    PRIMARY KEY (kind, day)
);

-- The cells of kind p_kind on each day of p_days, for the cohorts from p_first on: every customer
-- converted from p_first to the day is a member of the cohort of its conversion day's period;
-- its MRR on the day is that of its subscriptions in effect (docs/metrics.md "Cohorts").
CREATE OR REPLACE FUNCTION users_cohort_cells_live(p_kind text, p_first date, p_days date[])
RETURNS TABLE (cohort date, day date, size bigint, paying bigint, mrr_cents numeric)
LANGUAGE sql STABLE AS $$
  WITH days AS MATERIALIZED (SELECT DISTINCT x AS day FROM unnest(p_days) x),
  members AS MATERIALIZED (
    SELECT c.id, ns_day(c.converted_at) AS conv, date_trunc(p_kind, ns_day(c.converted_at))::date AS cohort
      FROM customers c
     WHERE cardinality(p_days) > 0 AND c.converted_at >= ns_day_start(p_first)
       AND c.converted_at < ns_day_start((SELECT max(d.day) FROM days d) + 1)),
  mrr AS (
    SELECT d.day, m.id, sum(mrr_value(s.mrr_cents, s.mrr_original_cents, s.currency, d.day)) AS mrr
      FROM days d
      JOIN subscriptions s ON s.in_effect @> d.day
      JOIN members m ON m.id = s.customer_id AND m.conv <= d.day
     GROUP BY 1, 2)
  SELECT m.cohort, d.day, count(*), count(*) FILTER (WHERE x.mrr > 0), coalesce(sum(x.mrr), 0)
    FROM days d
    JOIN members m ON m.conv <= d.day
    LEFT JOIN mrr x ON x.day = d.day AND x.id = m.id
   GROUP BY 1, 2
$$;

-- The first cohort a matrix of as-of day p_day may show (24 months back: the largest "months").
CREATE OR REPLACE FUNCTION users_cohort_first(p_kind text, p_day date) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT date_trunc(p_kind, date_trunc('month', p_day) - interval '23 months')::date
$$;

-- The last day of the period of kind p_kind ('month', 'week') that holds p_day.
CREATE OR REPLACE FUNCTION users_cohort_period_end(p_kind text, p_day date) RETURNS date
LANGUAGE sql STABLE AS $$ SELECT (date_trunc(p_kind, p_day) + ('1 ' || p_kind)::interval - interval '1 day')::date $$;

-- Follower compute: a late row of day x changes the cells of every day from x on (a conversion of
-- x counts in the later days too), so the kept days from p_lo to today are recomputed: the period
-- ends, today, and no other (yesterday's "today" is dropped).
CREATE OR REPLACE FUNCTION users_cohort_compute(p_lo date, p_hi date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    k     text;
    days  date[];
BEGIN
    FOREACH k IN ARRAY ARRAY['month', 'week']
    LOOP
        DELETE FROM users_cohort_cells WHERE kind = k AND day < ns_today() AND day <> users_cohort_period_end(k, day);
        DELETE FROM users_cohort_days WHERE kind = k AND day < ns_today() AND day <> users_cohort_period_end(k, day);
        days := ARRAY(SELECT e FROM (
                  SELECT users_cohort_period_end(k, g::date) AS e
                    FROM generate_series(date_trunc(k, p_lo), ns_today(), ('1 ' || k)::interval) g
                  UNION SELECT ns_today()) x
                WHERE e BETWEEN p_lo AND ns_today() ORDER BY e);
        CONTINUE WHEN cardinality(days) = 0;
        DELETE FROM users_cohort_cells WHERE kind = k AND day = ANY (days);
        INSERT INTO users_cohort_cells (kind, day, cohort, size, paying, mrr_cents)
        SELECT k, l.day, l.cohort, l.size, l.paying, l.mrr_cents
          FROM users_cohort_cells_live(k, users_cohort_first(k, days[1]), days) l
         ORDER BY 2, 3;
        INSERT INTO users_cohort_days (kind, day) SELECT k, x FROM unnest(days) x ON CONFLICT DO NOTHING;
    END LOOP;
END
$$;

SELECT rollup_follower_register('users_cohorts', 'users_cohort_compute', 'users_cohort_cells', 'users_cohort_days');

-- ---------------------------------------------------------------- segments

-- Lifecycle stage of every customer signed up by p_day (docs/metrics.md "Customers").
CREATE OR REPLACE FUNCTION users_lifecycle(p_day date)
RETURNS TABLE (customer_id int, stage text, mrr_cents bigint, cs_owner_id int)
LANGUAGE sql STABLE AS $$
  SELECT c.id,
         CASE WHEN coalesce(m.mrr_cents, 0) = 0 AND c.converted_at < ns_day_start(p_day + 1) THEN 'churned'
              WHEN coalesce(m.mrr_cents, 0) = 0 THEN 'activation'
              WHEN h.risk_band = 'high_risk' THEN 'at_risk'
              WHEN c.converted_at IS NULL OR c.converted_at >= ns_day_start(p_day - 179) THEN 'growth'
              ELSE 'mature' END,
         coalesce(m.mrr_cents, 0)::bigint, c.cs_owner_id
    FROM customers c
    LEFT JOIN mrr_at(p_day) m ON m.customer_id = c.id
    LEFT JOIN customer_health_rows(p_day) h ON h.customer_id = c.id
   WHERE c.signup_at < ns_day_start(p_day + 1)
$$;

-- The segment counts of /api/users/segments on p_day, company-wide: customers and MRR per lifecycle
-- stage (part 'lifecycle', key the stage), per RFM segment ('rfm', key the segment) and per RFM
-- score ('grid', r, f, m).  RFM over the customers paying on p_day: recency = days since the last
-- active day (90-day look-back), frequency = active days in 90 days, monetary = MRR (thresholds in
-- docs/metrics.md).
CREATE OR REPLACE FUNCTION users_segment_counts(p_day date)
RETURNS TABLE (part text, key text, r int, f int, m int, customers bigint, mrr_cents numeric)
LANGUAGE sql STABLE AS $$
  WITH rfm AS (
    SELECT m.customer_id, m.mrr_cents,
           CASE WHEN p_day - a.last_active_day <= 7 THEN 3 WHEN p_day - a.last_active_day <= 30 THEN 2 ELSE 1 END AS r,
           CASE WHEN coalesce(a.active_days_90d, 0) >= 45 THEN 3 WHEN coalesce(a.active_days_90d, 0) >= 10 THEN 2 ELSE 1 END AS f,
           CASE WHEN m.mrr_cents >= 50000 THEN 3 WHEN m.mrr_cents >= 10000 THEN 2 ELSE 1 END AS m
      FROM mrr_at(p_day) m LEFT JOIN customer_activity_rows(p_day) a ON a.customer_id = m.customer_id),
  seg AS MATERIALIZED (
    SELECT rfm.*, CASE WHEN r = 3 AND f = 3 THEN 'champions'
                       WHEN r >= 2 AND f >= 2 THEN 'loyal'
                       WHEN r = 1 AND f >= 2 THEN 'at_risk'
                       WHEN r = 1 THEN 'hibernating'
                       ELSE 'promising' END AS segment
      FROM rfm)
  SELECT 'lifecycle', l.stage, NULL::int, NULL::int, NULL::int, count(*), sum(l.mrr_cents)
    FROM users_lifecycle(p_day) l GROUP BY l.stage
  UNION ALL
  SELECT 'rfm', s.segment, NULL, NULL, NULL, count(*), sum(s.mrr_cents) FROM seg s GROUP BY s.segment
  UNION ALL
  SELECT 'grid', NULL, s.r, s.f, s.m, count(*), sum(s.mrr_cents) FROM seg s GROUP BY s.r, s.f, s.m
$$;

SELECT customer_snapshot_keeper_register('users_segments', 'users_segment_counts');

-- The segment counts of p_day: kept with the customer snapshot of the day, else computed live.
CREATE OR REPLACE FUNCTION users_segment_rows(p_day date)
RETURNS TABLE (part text, key text, r int, f int, m int, customers bigint, mrr_cents numeric)
LANGUAGE sql STABLE AS $$
  SELECT x.* FROM jsonb_to_recordset(customer_snapshot_rows('users_segments', p_day))
                  AS x(part text, key text, r int, f int, m int, customers bigint, mrr_cents numeric)
$$;

-- The periodic refresh (users service job): the event pre-aggregates and the cohort cells of every
-- day metrics_daily recomputed, then the data layer's customer snapshots and the aggregates kept with
-- them (customer_snapshot_refresh()).  Returns the number of days and snapshots computed.
CREATE OR REPLACE FUNCTION users_refresh() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n  integer;
BEGIN
    n := rollup_follow('users');
    n := n + rollup_follow('users_cohorts');
    RETURN n + customer_snapshot_refresh();
END
$$;
