-- 520_users.sql — pre-aggregates of the users (customer-success) service: daily health-score
-- snapshots, feature-to-feature transitions and active users by country and by device, with an
-- incremental refresh run by the users service's periodic job (users_refresh()).
SET client_min_messages = warning;

-- One row per customer paying on day, exactly the columns of customer_health(day).
CREATE TABLE IF NOT EXISTS users_health_daily (
    day                   date NOT NULL,
    customer_id           int NOT NULL,
    mrr_cents             bigint NOT NULL,
    seats                 int NOT NULL,
    active_days_30d       int NOT NULL,
    active_users_30d      int NOT NULL,
    tickets_30d           int NOT NULL,
    open_urgent_tickets   int NOT NULL,
    low_csat_90d          int NOT NULL,
    failed_payments_60d   int NOT NULL,
    chargebacks_90d       int NOT NULL,
    usage_score           int NOT NULL,
    adoption_score        int NOT NULL,
    support_score         int NOT NULL,
    payment_score         int NOT NULL,
    health_score          int NOT NULL,
    risk_band             text NOT NULL,
    PRIMARY KEY (day, customer_id)
);
CREATE INDEX IF NOT EXISTS users_health_daily_customer_idx ON users_health_daily (customer_id, day);

-- Activity of every customer active (customer_daily.events > 0) in the 90 days ending on day:
-- last active day and active days in the 90 / last 30 / previous 30 (day-59 .. day-30) days.
-- Snapshotted with the health scores (same days, same users_health_days bookkeeping); input of the
-- summary's active customers and the RFM segments.
CREATE TABLE IF NOT EXISTS users_activity_daily (
    day               date NOT NULL,
    customer_id       int NOT NULL,
    last_active_day   date NOT NULL,
    active_days_90d   int NOT NULL,
    active_days_30d   int NOT NULL,
    active_days_prev_30d int NOT NULL,
    PRIMARY KEY (day, customer_id)
);

-- Usage units per customer over the 30 days ending on day (usage_records), snapshotted with the
-- health scores; input of the expansion view.
CREATE TABLE IF NOT EXISTS users_usage_daily (
    day          date NOT NULL,
    customer_id  int NOT NULL,
    units_30d    numeric NOT NULL,
    PRIMARY KEY (day, customer_id)
);

-- The days that have a complete snapshot (a day without a row here is computed live).
CREATE TABLE IF NOT EXISTS users_health_days (
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

-- Active users and sessions per day by country, and by device, browser and OS (users = distinct
-- identified (customer_id, user_id) with an event of that country / device that day).
CREATE TABLE IF NOT EXISTS users_geo_daily (
    day       date NOT NULL,
    country   text NOT NULL,
    sessions  integer NOT NULL,
    users     integer NOT NULL,
    PRIMARY KEY (day, country)
);
-- dimension is 'device', 'browser' or 'os'; users are distinct per dimension value.
CREATE TABLE IF NOT EXISTS users_device_daily (
    day        date NOT NULL,
    dimension  text NOT NULL,
    value      text NOT NULL,
    sessions   integer NOT NULL,
    users      integer NOT NULL,
    PRIMARY KEY (day, dimension, value)
);

-- Days of users_transitions_daily, users_geo_daily and users_device_daily to recompute (filled by the events trigger below).
CREATE TABLE IF NOT EXISTS users_dirty_days (
    day  date PRIMARY KEY
);

-- Bookkeeping: the zone and the last day the transitions were built for.
CREATE TABLE IF NOT EXISTS users_refresh_state (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    tz           text,
    built_to     date,
    refreshed_at timestamptz
);
INSERT INTO users_refresh_state (id) VALUES (true) ON CONFLICT DO NOTHING;

-- Supporting indexes for the customer drill-down, the viral view and the support view's weekly
-- average resolution time (tickets resolved in a window).
CREATE INDEX IF NOT EXISTS support_tickets_resolved_idx ON support_tickets (resolved_at) INCLUDE (opened_at)
    WHERE resolved_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS referrals_resulting_idx ON referrals (resulting_customer_id)
    WHERE resulting_customer_id IS NOT NULL;

-- Statement trigger on events: queue the reporting-zone days of the rows.
CREATE OR REPLACE FUNCTION users_mark_dirty() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('northstar.rollup_skip_dirty', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO users_dirty_days (day)
        SELECT DISTINCT ns_day(occurred_at) FROM new_rows
        ORDER BY 1 ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO users_dirty_days (day)
        SELECT DISTINCT ns_day(occurred_at) FROM old_rows
        ORDER BY 1 ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER events_users_dirty_ins AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION users_mark_dirty();
CREATE OR REPLACE TRIGGER events_users_dirty_upd AFTER UPDATE ON events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION users_mark_dirty();
CREATE OR REPLACE TRIGGER events_users_dirty_del AFTER DELETE ON events REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION users_mark_dirty();

-- Recompute the event pre-aggregates of the reporting-zone days p_lo .. p_hi (delete + insert).
CREATE OR REPLACE FUNCTION users_events_compute(p_lo date, p_hi date) RETURNS void
LANGUAGE plpgsql
SET work_mem = '64MB'
AS $$
BEGIN
    DELETE FROM users_geo_daily WHERE day BETWEEN p_lo AND p_hi;
    INSERT INTO users_geo_daily (day, country, sessions, users)
    SELECT ns_day(e.occurred_at), coalesce(e.country, '??'), count(*) FILTER (WHERE e.type = 'session_start'),
           count(DISTINCT (e.customer_id, e.user_id)) FILTER (WHERE e.customer_id IS NOT NULL AND e.user_id IS NOT NULL)
    FROM events e
    WHERE e.occurred_at >= ns_day_start(p_lo) AND e.occurred_at < ns_day_start(p_hi + 1)
    GROUP BY 1, 2;
    DELETE FROM users_device_daily WHERE day BETWEEN p_lo AND p_hi;
    INSERT INTO users_device_daily (day, dimension, value, sessions, users)
    SELECT day, CASE WHEN GROUPING(device) = 0 THEN 'device' WHEN GROUPING(browser) = 0 THEN 'browser' ELSE 'os' END,
           coalesce(device, browser, os), count(*) FILTER (WHERE type = 'session_start'),
           count(DISTINCT (customer_id, user_id)) FILTER (WHERE customer_id IS NOT NULL AND user_id IS NOT NULL)
    FROM (SELECT ns_day(e.occurred_at) AS day, coalesce(e.device, 'unknown') AS device,
                 coalesce(e.browser, 'unknown') AS browser, coalesce(e.os, 'unknown') AS os,
                 e.type, e.customer_id, e.user_id
            FROM events e
           WHERE e.occurred_at >= ns_day_start(p_lo) AND e.occurred_at < ns_day_start(p_hi + 1)) x
    GROUP BY GROUPING SETS ((day, device), (day, browser), (day, os));
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

-- Snapshots taken before users_activity_daily existed have no activity rows: drop their
-- bookkeeping so they are recomputed (and read live until then).
DELETE FROM users_health_days WHERE NOT EXISTS (SELECT 1 FROM users_activity_daily)
                                 OR NOT EXISTS (SELECT 1 FROM users_usage_daily);

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

-- Snapshot the health scores, the activity and the usage of day p_day (delete + insert).
CREATE OR REPLACE FUNCTION users_health_snapshot(p_day date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM users_health_daily WHERE day = p_day;
    INSERT INTO users_health_daily SELECT p_day, h.* FROM customer_health(p_day) h;
    DELETE FROM users_activity_daily WHERE day = p_day;
    INSERT INTO users_activity_daily SELECT p_day, a.* FROM users_activity(p_day) a;
    DELETE FROM users_usage_daily WHERE day = p_day;
    INSERT INTO users_usage_daily SELECT p_day, u.* FROM users_usage(p_day) u;
    INSERT INTO users_health_days (day, computed_at) VALUES (p_day, now())
    ON CONFLICT (day) DO UPDATE SET computed_at = excluded.computed_at;
END
$$;

-- The periodic refresh (users service job): today's health snapshot (always), yesterday's and
-- the last 12 month-ends when missing; event pre-aggregates of the dirty days, of today, and a full build
-- the first time (or after a change of northstar.tz).  Returns the number of days computed.
CREATE OR REPLACE FUNCTION users_refresh() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    today  date := ns_today();
    st     users_refresh_state;
    d      date;
    lo     date;
    n      integer := 0;
    v_days date[];
    r      record;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('northstar.users_refresh')::bigint) THEN
        RETURN 0;
    END IF;
    SELECT * INTO st FROM users_refresh_state;
    IF st.tz IS DISTINCT FROM ns_tz() OR st.built_to IS NULL THEN
        DELETE FROM users_dirty_days;
        DELETE FROM users_health_daily;
        DELETE FROM users_health_days;
        DELETE FROM users_activity_daily;
        DELETE FROM users_usage_daily;
        DELETE FROM users_transitions_daily;
        DELETE FROM users_geo_daily;
        DELETE FROM users_device_daily;
        lo := coalesce((SELECT ns_day(min(occurred_at)) FROM events), today);
        PERFORM users_events_compute(lo, today);
        n := n + (today - lo + 1);
    ELSE
        WITH del AS (DELETE FROM users_dirty_days RETURNING day)
        SELECT array_agg(day) INTO v_days FROM del;
        v_days := coalesce(v_days, '{}') || ARRAY(SELECT generate_series(least(st.built_to, today), today,
                                                                          interval '1 day')::date);
        -- A snapshot looks back 90 days: those on or after a recomputed day are
        -- out of date (late rows).  Forgotten, they are computed live until retaken.
        DELETE FROM users_health_days WHERE day >= (SELECT min(x) FROM unnest(v_days) x) AND day < today;
        FOR r IN
            SELECT min(x) AS lo, max(x) AS hi
            FROM (SELECT x, x - (row_number() OVER (ORDER BY x))::int AS grp
                  FROM (SELECT DISTINCT x FROM unnest(v_days) x) s) s
            GROUP BY grp ORDER BY 1
        LOOP
            PERFORM users_events_compute(r.lo, r.hi);
            n := n + (r.hi - r.lo + 1);
        END LOOP;
    END IF;
    UPDATE users_refresh_state SET tz = ns_tz(), built_to = today, refreshed_at = now();

    PERFORM users_health_snapshot(today);
    n := n + 1;
    FOR d IN
        SELECT x::date FROM (
            SELECT today - 1 AS x
            UNION SELECT (date_trunc('month', today) - make_interval(months => k) - interval '1 day')::date
            FROM generate_series(0, 11) k) s
        WHERE NOT EXISTS (SELECT 1 FROM users_health_days h WHERE h.day = s.x)
    LOOP
        PERFORM users_health_snapshot(d);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
