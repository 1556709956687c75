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

-- The periodic refresh (users service job): the event pre-aggregates of every day metrics_daily
-- recomputed, then the data layer's customer snapshots (customer_snapshot_refresh()).  Returns the
-- number of days and snapshots computed (at least 1: today's snapshot).
CREATE OR REPLACE FUNCTION users_refresh() RETURNS integer
LANGUAGE sql AS $$ SELECT rollup_follow('users') + customer_snapshot_refresh() $$;
