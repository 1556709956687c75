-- 520_users.sql — pre-aggregates of the users (customer-success) service: feature-to-feature
-- transitions and active users by country, device, browser and OS (a follower of metrics_daily,
-- 035_rollup_follow.sql), and per-day activity and usage snapshots taken with the data layer's
-- health snapshots (customer_health_daily), all run by the users service's job (users_refresh()).
SET client_min_messages = warning;

-- What the one mechanism replaced: the users-only dirty days, their trigger on events and the
-- refresh state; the health snapshot now lives in the data layer; country and device rows share
-- one table.
DROP TRIGGER IF EXISTS events_users_dirty_ins ON events;
DROP TRIGGER IF EXISTS events_users_dirty_upd ON events;
DROP TRIGGER IF EXISTS events_users_dirty_del ON events;
DROP FUNCTION IF EXISTS users_mark_dirty();
DROP FUNCTION IF EXISTS users_health_snapshot(date);
DROP TABLE IF EXISTS users_dirty_days, users_refresh_state, users_geo_daily, users_device_daily;
DROP TABLE IF EXISTS users_health_daily, users_health_days CASCADE;   -- with api.users_health_rows

-- Activity of every customer active (customer_daily.events > 0) in the 90 days ending on day:
-- last active day and active days in the 90 / last 30 / previous 30 (day-59 .. day-30) days.
-- Input of the summary's active customers and the RFM segments.
CREATE TABLE IF NOT EXISTS users_activity_daily (
    day               date NOT NULL,
    customer_id       int NOT NULL,
    last_active_day   date NOT NULL,
    active_days_90d   int NOT NULL,
    active_days_30d   int NOT NULL,
    active_days_prev_30d int NOT NULL,
    PRIMARY KEY (day, customer_id)
);

-- Usage units per customer over the 30 days ending on day (usage_records); input of the expansion view.
CREATE TABLE IF NOT EXISTS users_usage_daily (
    day          date NOT NULL,
    customer_id  int NOT NULL,
    units_30d    numeric NOT NULL,
    PRIMARY KEY (day, customer_id)
);

-- The days of rollup_snapshot_days() whose activity and usage snapshot is complete and current
-- (a day without a row here is computed live).
CREATE TABLE IF NOT EXISTS users_snapshot_days (
    day          date PRIMARY KEY,
    computed_at  timestamptz NOT NULL DEFAULT now()
);

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
           count(DISTINCT (customer_id, user_id)) FILTER (WHERE customer_id IS NOT NULL AND user_id IS NOT NULL)
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

-- Activity per customer over the 90 days ending on p_day (the columns of users_activity_daily).
CREATE OR REPLACE FUNCTION users_activity(p_day date)
RETURNS TABLE (customer_id int, last_active_day date, active_days_90d int, active_days_30d int,
               active_days_prev_30d int)
LANGUAGE sql STABLE AS $$
    SELECT x.customer_id, max(x.day), count(*)::int,
           (count(*) FILTER (WHERE x.day >= p_day - 29))::int,
           (count(*) FILTER (WHERE x.day BETWEEN p_day - 59 AND p_day - 30))::int
    FROM customer_daily x
    WHERE x.day BETWEEN p_day - 89 AND p_day AND x.events > 0
    GROUP BY x.customer_id
$$;

-- Usage units per customer over the 30 days ending on p_day (the columns of users_usage_daily).
CREATE OR REPLACE FUNCTION users_usage(p_day date)
RETURNS TABLE (customer_id int, units_30d numeric)
LANGUAGE sql STABLE AS $$
    SELECT x.customer_id, sum(x.units) FROM usage_records x
    WHERE x.day BETWEEN p_day - 29 AND p_day GROUP BY x.customer_id
$$;

-- Snapshot the activity and the usage of day p_day (delete + insert).
CREATE OR REPLACE FUNCTION users_snapshot(p_day date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM users_activity_daily WHERE day = p_day;
    INSERT INTO users_activity_daily SELECT p_day, a.* FROM users_activity(p_day) a;
    DELETE FROM users_usage_daily WHERE day = p_day;
    INSERT INTO users_usage_daily SELECT p_day, u.* FROM users_usage(p_day) u;
    INSERT INTO users_snapshot_days (day, computed_at) VALUES (p_day, now())
    ON CONFLICT (day) DO UPDATE SET computed_at = excluded.computed_at;
END
$$;

-- Follower compute: the event pre-aggregates of p_lo .. p_hi; the activity and usage snapshots on
-- or after p_lo are out of date (they look back 90 days) and are forgotten (read live until retaken).
CREATE OR REPLACE FUNCTION users_follow_compute(p_lo date, p_hi date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM users_events_compute(p_lo, p_hi);
    DELETE FROM users_snapshot_days WHERE day >= p_lo AND day < ns_today();
END
$$;
SELECT rollup_follower_register('users', 'users_follow_compute', 'users_transitions_daily', 'users_dimension_daily',
                                'users_activity_daily', 'users_usage_daily', 'users_snapshot_days');

-- The periodic refresh (users service job): the event pre-aggregates of every day metrics_daily
-- recomputed, the data layer's health snapshots (customer_health_refresh()), and the activity and
-- usage snapshots of the same days: today's always, the other rollup_snapshot_days() when missing.
-- Returns the number of days and snapshots computed (at least 1).
CREATE OR REPLACE FUNCTION users_refresh() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    d  date;
    n  integer;
BEGIN
    n := rollup_follow('users') + customer_health_refresh();
    FOR d IN SELECT x FROM rollup_snapshot_days() x
             WHERE x = ns_today() OR NOT EXISTS (SELECT 1 FROM users_snapshot_days u WHERE u.day = x)
    LOOP
        PERFORM users_snapshot(d);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
