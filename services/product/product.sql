-- product.sql — the SQL behind services/product: one function per endpoint, each returning the
-- endpoint's whole JSON answer.  They read the pre-aggregates of sql/schema/540_product.sql and the
-- data layer's rollups; only the live monitor (and the "last hour" error rate) read raw events, the
-- last hour only, through an index.  Formulas: docs/metrics.md "Product"; answers: docs/api/product.md.
CREATE SCHEMA IF NOT EXISTS api;

-- The instant an endpoint reports at: the end of the day when it is a past day, else now (a
-- future as_of never arrives from HTTP; system-health's `to` may lie ahead and means now).
CREATE OR REPLACE FUNCTION api.product_now(p_as_of date) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN api.as_of(p_as_of) < api.today() THEN ns_day_start(p_as_of + 1) ELSE now() END
$$;

-- {"value": v, "previous": p}
CREATE OR REPLACE FUNCTION api.product_vp(v numeric, p numeric) RETURNS json
LANGUAGE sql IMMUTABLE AS $$ SELECT json_build_object('value', v, 'previous', p) $$;

-- Customer shown in a list: customer_visible() (sql/schema/045_scope.sql), the one rule.
DROP FUNCTION IF EXISTS api.product_customer_visible(int, text, int);

-- GET /api/product/summary at the instant p_now (see docs/metrics.md for each figure and the
-- period its "previous" value is taken from).
CREATE OR REPLACE FUNCTION api.product_summary_at(p_now timestamptz) RETURNS json
LANGUAGE plpgsql STABLE SET jit = off
AS $$
DECLARE
    tz      text := ns_tz();
    d       date := ((p_now - interval '1 microsecond') AT TIME ZONE ns_tz())::date;
    -- the 24 local-hour buckets ending with the one that contains p_now
    h_end   timestamp := date_trunc('hour', (p_now - interval '1 microsecond') AT TIME ZONE ns_tz()) + interval '1 hour';
    v_1h    timestamptz := p_now - interval '60 minutes';
    v_2h    timestamptz := p_now - interval '120 minutes';
    m       metrics_daily%ROWTYPE;
    m1      metrics_daily%ROWTYPE;
    m7      metrics_daily%ROWTYPE;
    m30     metrics_daily%ROWTYPE;
    p       product_daily%ROWTYPE;
    p1      product_daily%ROWTYPE;
    p7      product_daily%ROWTYPE;
    c24 bigint; e24 bigint; c24p bigint; e24p bigint;
    today_calls bigint; today_calls_p bigint;
    c1h bigint; e1h bigint; c1hp bigint; e1hp bigint;
    -- p50, p90, p95, p99 of the last 24 hours and of the 24 before (one pass over each window)
    lat     numeric[] := product_hist_percentiles(h_end - interval '24 hours', h_end, ARRAY[0.5, 0.9, 0.95, 0.99]);
    lat_p   numeric[] := product_hist_percentiles(h_end - interval '48 hours', h_end - interval '24 hours',
                                                  ARRAY[0.5, 0.9, 0.95, 0.99]);
BEGIN
    SELECT * INTO m FROM metrics_daily WHERE day = d;
    SELECT * INTO m1 FROM metrics_daily WHERE day = d - 1;
    SELECT * INTO m7 FROM metrics_daily WHERE day = d - 7;
    SELECT * INTO m30 FROM metrics_daily WHERE day = d - 30;
    SELECT * INTO p FROM product_daily WHERE day = d;
    SELECT * INTO p1 FROM product_daily WHERE day = d - 1;
    SELECT * INTO p7 FROM product_daily WHERE day = d - 7;

    SELECT coalesce(sum(calls) FILTER (WHERE hour >= h_end - interval '24 hours'), 0),
           coalesce(sum(errors) FILTER (WHERE hour >= h_end - interval '24 hours'), 0),
           coalesce(sum(calls) FILTER (WHERE hour < h_end - interval '24 hours'), 0),
           coalesce(sum(errors) FILTER (WHERE hour < h_end - interval '24 hours'), 0),
           coalesce(sum(calls) FILTER (WHERE hour >= d::timestamp), 0),
           coalesce(sum(calls) FILTER (WHERE hour >= (d - 1)::timestamp AND hour < h_end - interval '24 hours'), 0)
      INTO c24, e24, c24p, e24p, today_calls, today_calls_p
      FROM product_api_hourly
     WHERE endpoint = '*' AND hour >= h_end - interval '48 hours' AND hour < h_end;

    -- (the window's start as a value: sent to the shards with the scan, see api.product_live_at)
    SELECT count(*) FILTER (WHERE occurred_at > v_1h),
           count(*) FILTER (WHERE occurred_at > v_1h AND status >= 500),
           count(*) FILTER (WHERE occurred_at <= v_1h),
           count(*) FILTER (WHERE occurred_at <= v_1h AND status >= 500)
      INTO c1h, e1h, c1hp, e1hp
      FROM events
     WHERE type = 'api_call' AND occurred_at > v_2h AND occurred_at <= p_now;

    RETURN json_build_object(
        'as_of', d,
        'now', p_now,
        'window_24h', json_build_object('from', h_end - interval '24 hours', 'to', h_end),
        'dau', api.product_vp(m.active_users, m1.active_users),
        'wau', api.product_vp(m.wau, m7.wau),
        'mau', api.product_vp(m.mau, m30.mau),
        'stickiness_dau_mau_pct', api.product_vp(api.pct(m.active_users, m.mau), api.pct(m1.active_users, m1.mau)),
        'stickiness_wau_mau_pct', api.product_vp(api.pct(m.wau, m.mau), api.pct(m1.wau, m1.mau)),
        'api_calls_today', api.product_vp(today_calls, today_calls_p),
        'api_error_rate_1h_pct', api.product_vp(api.pct(e1h, c1h), api.pct(e1hp, c1hp)),
        'api_error_rate_24h_pct', api.product_vp(api.pct(e24, c24), api.pct(e24p, c24p)),
        'api_latency_p50_ms', api.product_vp(lat[1], lat_p[1]),
        'api_latency_p90_ms', api.product_vp(lat[2], lat_p[2]),
        'api_latency_p95_ms', api.product_vp(lat[3], lat_p[3]),
        'api_latency_p99_ms', api.product_vp(lat[4], lat_p[4]),
        'sessions_per_user', api.product_vp(api.ratio(p.sessions, p.session_users), api.ratio(p1.sessions, p1.session_users)),
        'avg_session_seconds', api.product_vp(api.ratio(p.session_seconds, p.sessions, 1),
                                              api.ratio(p1.session_seconds, p1.sessions, 1)),
        'power_users', api.product_vp(p.power_users, p7.power_users),
        'power_users_share_pct', api.product_vp(api.pct(p.power_users, m.wau), api.pct(p7.power_users, m7.wau)),
        'desktop_share_pct', api.product_vp(api.pct(p.desktop_events, p.desktop_events + p.mobile_events),
                                            api.pct(p1.desktop_events, p1.desktop_events + p1.mobile_events)),
        'mobile_share_pct', api.product_vp(api.pct(p.mobile_events, p.desktop_events + p.mobile_events),
                                           api.pct(p1.mobile_events, p1.desktop_events + p1.mobile_events)));
END $$;

CREATE OR REPLACE FUNCTION api.product_summary(p_user int, p_role text, p_as_of date) RETURNS json
LANGUAGE sql STABLE AS $$ SELECT api.product_summary_at(api.product_now(p_as_of)) $$;

-- GET /api/product/api-usage: per hour or day of [from, to] and endpoint, calls, 5xx errors, error
-- rate and the latency percentiles of that bucket; the top endpoints of the range.  p90 is read
-- from the latency histogram (product_api_latency_hist, exact for whole-ms latencies below 10 s),
-- which has no endpoint: it is given on the total rows only (null on per-endpoint rows, and with
-- `endpoint`), so the 90th percentile sits beside p50/p95/p99 without a new pre-aggregate column.
-- p_endpoint matches an endpoint's full path or its last segment ("orders" → "/v1/orders").
CREATE OR REPLACE FUNCTION api.product_api_usage(p_user int, p_role text, p_granularity text, p_endpoint text,
                                                 p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE SET jit = off
AS $$
DECLARE
    g       text := coalesce(p_granularity, 'day');
    r       record;
    ep      text;
    series  json;
BEGIN
    SELECT * INTO r FROM api.range(p_from, p_to, p_days, CASE WHEN g = 'hour' THEN 1 ELSE 30 END);
    IF g = 'hour' AND r.d_to - r.d_from >= 31 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('granularity=hour covers at most 31 days; %s to %s is %s days', r.d_from, r.d_to,
                             r.d_to - r.d_from + 1);
    END IF;
    IF p_endpoint IS NOT NULL THEN
        SELECT min(endpoint) INTO ep FROM (SELECT DISTINCT endpoint FROM product_api_daily WHERE endpoint <> '*') e
         WHERE endpoint = p_endpoint OR regexp_replace(endpoint, '^.*/', '') = p_endpoint;
        IF ep IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('parameter ''endpoint'': no API endpoint %s', p_endpoint);
        END IF;
    END IF;

    IF g = 'hour' THEN
        SELECT coalesce(json_agg(x ORDER BY x.bucket, x.endpoint), '[]') INTO series FROM (
            SELECT b.h AS bucket, CASE WHEN k.ep = '*' THEN 'all' ELSE k.ep END AS endpoint,
                   coalesce(a.calls, 0) AS calls, coalesce(a.errors, 0) AS errors,
                   api.pct(a.errors, a.calls) AS error_rate_pct, coalesce(a.rate_limited, 0) AS rate_limited,
                   round(a.p50_ms, 2) AS p50_ms,
                   CASE WHEN k.ep = '*' AND a.calls > 0
                        THEN coalesce(a.p90_ms, product_hist_percentile(b.h, b.h + interval '1 hour', 0.9)) END AS p90_ms,
                   round(a.p95_ms, 2) AS p95_ms, round(a.p99_ms, 2) AS p99_ms
            FROM generate_series(r.d_from::timestamp, r.d_to::timestamp + interval '23 hours', interval '1 hour') b(h)
            CROSS JOIN (SELECT coalesce(ep, '*') AS ep) k
            LEFT JOIN product_api_hourly a ON a.hour = b.h AND a.endpoint = k.ep
            UNION ALL
            SELECT a.hour, a.endpoint, a.calls, a.errors, api.pct(a.errors, a.calls), a.rate_limited,
                   round(a.p50_ms, 2), NULL, round(a.p95_ms, 2), round(a.p99_ms, 2)
            FROM product_api_hourly a
            WHERE ep IS NULL AND a.endpoint <> '*'
              AND a.hour >= r.d_from::timestamp AND a.hour < (r.d_to + 1)::timestamp
        ) x;
    ELSE
        SELECT coalesce(json_agg(x ORDER BY x.bucket, x.endpoint), '[]') INTO series FROM (
            SELECT b.d::date::timestamp AS bucket, CASE WHEN k.ep = '*' THEN 'all' ELSE k.ep END AS endpoint,
                   coalesce(a.calls, 0) AS calls, coalesce(a.errors, 0) AS errors,
                   api.pct(a.errors, a.calls) AS error_rate_pct, coalesce(a.rate_limited, 0) AS rate_limited,
                   round(a.p50_ms, 2) AS p50_ms,
                   CASE WHEN k.ep = '*' AND a.calls > 0
                        THEN coalesce(a.p90_ms, product_hist_percentile(b.d::date::timestamp, b.d::date::timestamp + interval '1 day', 0.9))
                   END AS p90_ms,
                   round(a.p95_ms, 2) AS p95_ms, round(a.p99_ms, 2) AS p99_ms
            FROM generate_series(r.d_from, r.d_to, interval '1 day') b(d)
            CROSS JOIN (SELECT coalesce(ep, '*') AS ep) k
            LEFT JOIN product_api_daily a ON a.day = b.d::date AND a.endpoint = k.ep
            UNION ALL
            SELECT a.day::timestamp, a.endpoint, a.calls, a.errors, api.pct(a.errors, a.calls), a.rate_limited,
                   round(a.p50_ms, 2), NULL, round(a.p95_ms, 2), round(a.p99_ms, 2)
            FROM product_api_daily a
            WHERE ep IS NULL AND a.endpoint <> '*' AND a.day BETWEEN r.d_from AND r.d_to
        ) x;
    END IF;

    RETURN (
        WITH t AS (
            SELECT endpoint, sum(calls) AS calls, sum(errors) AS errors
            FROM product_api_daily
            WHERE endpoint <> '*' AND day BETWEEN r.d_from AND r.d_to
            GROUP BY endpoint
        )
        SELECT json_build_object(
            'granularity', g, 'from', r.d_from, 'to', r.d_to, 'endpoint', ep,
            'series', series,
            'top_by_volume', (SELECT coalesce(json_agg(v), '[]') FROM (
                SELECT endpoint, calls, errors, api.pct(errors, calls) AS error_rate_pct
                FROM t ORDER BY calls DESC, endpoint LIMIT 5) v),
            'top_by_error_rate', (SELECT coalesce(json_agg(v), '[]') FROM (
                SELECT endpoint, calls, errors, api.pct(errors, calls) AS error_rate_pct
                FROM t WHERE calls >= 20
                ORDER BY errors::numeric / calls DESC, calls DESC, endpoint LIMIT 5) v)));
END $$;

-- GET /api/product/features: adoption matrix feature × plan on as_of (customers paying on the
-- plan that day who used the feature in the 30 days ending on as_of ÷ customers paying on the
-- plan), and each feature's adoption velocity since its first use.
CREATE OR REPLACE FUNCTION api.product_features(p_user int, p_role text, p_as_of date) RETURNS json
LANGUAGE sql STABLE SET jit = off
AS $$
    WITH d AS (SELECT api.as_of(p_as_of) AS d),
    pc AS (
        SELECT pl.id AS plan_id, pl.code, coalesce(m.customers, 0) AS customers
        FROM plans pl CROSS JOIN d LEFT JOIN mrr_daily m ON m.day = d.d AND m.plan_id = pl.id
    ),
    f AS (  -- first uses counted per day (product_feature_first_use_daily)
        SELECT feature, min(day) AS first_day,
               coalesce(sum(adopters) FILTER (WHERE day <= d.d), 0) AS adopters,
               coalesce(sum(adopters) FILTER (WHERE day BETWEEN d.d - 29 AND d.d), 0) AS new_adopters
        FROM product_feature_first_use_daily, d WHERE adopters <> 0 GROUP BY feature, d.d
        HAVING min(day) <= d.d
    )
    SELECT json_build_object(
        'as_of', d.d,
        'window', json_build_object('from', d.d - 29, 'to', d.d),
        'plans', (SELECT coalesce(json_agg(json_build_object('plan', code, 'active_customers', customers)
                                           ORDER BY plan_id), '[]') FROM pc),
        'matrix', (SELECT coalesce(json_agg(json_build_object(
                        'feature', f.feature, 'plan', pc.code, 'active_customers', pc.customers,
                        'adopters', coalesce(a.customers, 0),
                        'adoption_pct', api.pct(coalesce(a.customers, 0), pc.customers))
                        ORDER BY f.feature, pc.plan_id), '[]')
                   FROM f CROSS JOIN pc
                   LEFT JOIN product_feature_adoption_daily a
                          ON a.day = d.d AND a.feature = f.feature AND a.plan_id = pc.plan_id),
        'velocity', (SELECT coalesce(json_agg(json_build_object(
                        'feature', f.feature, 'first_used_on', f.first_day,
                        'days_since_first_use', d.d - f.first_day + 1,
                        'adopters_to_date', f.adopters,
                        'adopters_per_week', api.ratio(f.adopters * 7, d.d - f.first_day + 1),
                        'new_adopters_30d', f.new_adopters)
                        ORDER BY f.adopters DESC, f.feature), '[]') FROM f))
    FROM d
$$;

-- GET /api/product/usage-by-plan: per plan and day of [from, to], active users, usage units and
-- usage per active user (plan = the customer's subscription in effect that day, "none" without).
CREATE OR REPLACE FUNCTION api.product_usage_by_plan(p_user int, p_role text, p_from date, p_to date, p_days int)
RETURNS json LANGUAGE sql STABLE SET jit = off
AS $$
    SELECT json_build_object(
        'from', r.d_from, 'to', r.d_to,
        'rows', (SELECT coalesce(json_agg(json_build_object(
                     'day', x.day, 'plan', coalesce(pl.code, 'none'), 'customers', x.customers,
                     'active_users', x.active_users, 'usage_units', x.usage_units,
                     'avg_usage_per_user', api.ratio(x.usage_units, x.active_users))
                     ORDER BY x.day, x.plan_id), '[]')
                 FROM product_plan_daily x LEFT JOIN plans pl ON pl.id = x.plan_id
                 WHERE x.day BETWEEN r.d_from AND r.d_to),
        'totals', (SELECT coalesce(json_agg(json_build_object(
                     'plan', coalesce(pl.code, 'none'), 'usage_units', t.units,
                     'avg_daily_active_users', round(t.users::numeric / (r.d_to - r.d_from + 1), 2),
                     'avg_usage_per_user', api.ratio(t.units, t.users))
                     ORDER BY t.plan_id), '[]')
                   FROM (SELECT plan_id, sum(usage_units) AS units, sum(active_users) AS users
                         FROM product_plan_daily WHERE day BETWEEN r.d_from AND r.d_to GROUP BY plan_id) t
                   LEFT JOIN plans pl ON pl.id = t.plan_id))
    FROM api.range(p_from, p_to, p_days) r
$$;

-- GET /api/product/retention: weekly cohorts (Monday weeks of each user's first active day) of the
-- p_weeks weeks ending with as_of's week; retention of week k = cohort users active in week
-- cohort+k ÷ cohort users.
CREATE OR REPLACE FUNCTION api.product_retention(p_user int, p_role text, p_period text, p_weeks int, p_as_of date)
RETURNS json LANGUAGE sql STABLE SET jit = off
AS $$
    WITH w AS (SELECT date_trunc('week', api.as_of(p_as_of))::date AS w0, coalesce(p_weeks, 12) AS n),
    c AS (
        SELECT (w.w0 - 7 * k)::date AS cohort FROM w, generate_series(0, w.n - 1) k
    ),
    ret AS MATERIALIZED (
        SELECT t.* FROM product_retention_weekly t, w WHERE t.cohort_week >= w.w0 - 7 * (w.n - 1)
    ),
    cell AS (
        SELECT c.cohort, o AS week_offset, (c.cohort + 7 * o)::date AS week,
               coalesce(s.users, 0) AS cohort_users, coalesce(a.users, 0) AS active_users
        FROM c CROSS JOIN w
        CROSS JOIN LATERAL generate_series(0, (w.w0 - c.cohort) / 7) o
        LEFT JOIN ret s ON s.cohort_week = c.cohort AND s.week = c.cohort
        LEFT JOIN ret a ON a.cohort_week = c.cohort AND a.week = c.cohort + 7 * o
    )
    SELECT json_build_object(
        'period', coalesce(p_period, 'week'), 'as_of', api.as_of(p_as_of),
        'cohorts', (SELECT coalesce(json_agg(json_build_object(
                        'cohort_week', cohort, 'users', cohort_users,
                        'retention_pct', pcts) ORDER BY cohort), '[]')
                    FROM (SELECT cohort, max(cohort_users) AS cohort_users,
                                 json_agg(api.pct(active_users, cohort_users) ORDER BY week_offset) AS pcts
                          FROM cell GROUP BY cohort) g),
        'rows', (SELECT coalesce(json_agg(json_build_object(
                     'cohort_week', cohort, 'week_offset', week_offset, 'week', week,
                     'cohort_users', cohort_users, 'active_users', active_users,
                     'retention_pct', api.pct(active_users, cohort_users))
                     ORDER BY cohort, week_offset), '[]') FROM cell))
$$;

-- GET /api/product/live at p_now: raw api_call events of the last hour only (partial index
-- events_api_recent_idx), users with any event in the last 5 minutes.
CREATE OR REPLACE FUNCTION api.product_live_at(p_user int, p_role text, p_now timestamptz) RETURNS json
LANGUAGE plpgsql STABLE SET jit = off
AS $$
DECLARE
    -- the windows' starts as values, not expressions of p_now: a value is sent to the shards with
    -- the scan (postgres_fdw sends no stable expression, such as timestamptz - interval), so that
    -- with SHARDS=N they return the last hour, not the whole month (docs/operations.md, "Sharding")
    v_1h timestamptz := p_now - interval '60 minutes';
    v_5m timestamptz := p_now - interval '5 minutes';
BEGIN
    RETURN (
    WITH e AS (
        SELECT occurred_at, customer_id, endpoint, status, latency_ms
        FROM events
        WHERE type = 'api_call' AND occurred_at > v_1h AND occurred_at <= p_now
    ), m AS (
        -- The 60 one-minute windows ending at now, oldest first: window j (0 = the newest) is
        -- (now − (j+1) min, now − j min], so the newest is exactly requests_last_minute's and the
        -- chart's last point is the figure beside it (not a partial calendar minute).
        SELECT j, p_now - (j + 1) * interval '1 minute' AS minute, p_now - j * interval '1 minute' AS upto
        FROM generate_series(0, 59) j
    )
    SELECT json_build_object(
        'now', p_now,
        'requests_last_minute', (SELECT count(*) FROM e WHERE occurred_at > p_now - interval '1 minute'),
        'requests_per_minute', (SELECT json_agg(json_build_object('minute', m.minute, 'to', m.upto,
                                                                  'requests', coalesce(k.n, 0))
                                    ORDER BY m.j DESC)
                                FROM m LEFT JOIN (SELECT floor(extract(epoch FROM p_now - occurred_at) / 60)::int AS j,
                                                         count(*) AS n
                                                  FROM e GROUP BY 1) k ON k.j = m.j),
        'users_active_5m', (SELECT count(DISTINCT ns_user_key(customer_id, user_id)) FROM events
                            WHERE occurred_at > v_5m AND occurred_at <= p_now
                              AND customer_id IS NOT NULL AND user_id IS NOT NULL),
        'requests_1h', (SELECT count(*) FROM e),
        'errors_1h', (SELECT count(*) FROM e WHERE status >= 500),
        'error_rate_1h_pct', (SELECT api.pct(count(*) FILTER (WHERE status >= 500), count(*)) FROM e),
        'latest', (SELECT coalesce(json_agg(json_build_object(
                        'time', l.occurred_at,
                        'customer_id', CASE WHEN l.vis THEN l.customer_id END,
                        'customer', CASE WHEN l.vis THEN c.name END,
                        'endpoint', l.endpoint, 'status', l.status, 'latency_ms', l.latency_ms)
                        ORDER BY l.occurred_at DESC, l.customer_id, l.endpoint), '[]')
                   FROM (SELECT e.*, customer_visible(p_user, p_role, e.customer_id) AS vis
                         FROM e ORDER BY occurred_at DESC, customer_id, endpoint LIMIT 100) l
                   LEFT JOIN customers c ON c.id = l.customer_id)));
END
$$;

CREATE OR REPLACE FUNCTION api.product_live(p_user int, p_role text) RETURNS json
LANGUAGE sql STABLE AS $$ SELECT api.product_live_at(p_user, p_role, now()) $$;

-- ---------------------------------------------------------------------------------------------
-- Operations views: system health, abuse, frontend (RUM).  Pre-aggregates of
-- sql/schema/545_product_ops.sql; formulas in docs/metrics.md "Product operations".

-- Thresholds of the system-health score (docs/metrics.md): an hour is down when it has at least
-- 3 5xx and they are at least 5 % of its calls; the speed factor is min(1, 300 ms ÷ p95).
CREATE OR REPLACE FUNCTION api.product_hour_down(p_calls numeric, p_errors numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(p_errors >= 3 AND p_errors * 100 >= 5 * p_calls, false) $$;

CREATE OR REPLACE FUNCTION api.product_speed_factor(p_p95 numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_p95 IS NULL OR p_p95 <= 300 THEN 1 ELSE round(300 / p_p95, 4) END
$$;

-- GET /api/product/system-health: the composite score over the 24 local-hour buckets ending with
-- the hour of "now" (now, or the end of `to` when `to` is a past day), uptime and rate-limit hits
-- per day of [from, to], and the customers with the most rate-limited calls in [from, to].
CREATE OR REPLACE FUNCTION api.product_system_health(p_user int, p_role text, p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE SET jit = off
AS $$
DECLARE
    r       record;
    p_now   timestamptz;
    h_end   timestamp;
    c24 bigint; e24 bigint; down24 int;
    p95     numeric;
    up      numeric;
    err     numeric;
    speed   numeric;
BEGIN
    SELECT * INTO r FROM api.range(p_from, p_to, p_days);
    p_now := api.product_now(r.d_to);
    h_end := date_trunc('hour', (p_now - interval '1 microsecond') AT TIME ZONE ns_tz()) + interval '1 hour';

    SELECT coalesce(sum(calls), 0), coalesce(sum(errors), 0),
           count(*) FILTER (WHERE api.product_hour_down(calls, errors))
      INTO c24, e24, down24
      FROM product_api_hourly
     WHERE endpoint = '*' AND hour >= h_end - interval '24 hours' AND hour < h_end;
    p95 := product_hist_percentile(h_end - interval '24 hours', h_end, 0.95);
    up := (24 - down24) / 24.0;
    err := CASE WHEN c24 = 0 THEN 0 ELSE e24::numeric / c24 END;
    speed := api.product_speed_factor(p95);

    RETURN json_build_object(
        'from', r.d_from, 'to', r.d_to, 'now', p_now,
        'window_24h', json_build_object('from', h_end - interval '24 hours', 'to', h_end),
        'score', round(100 * up * (1 - err) * speed, 1),
        'components', json_build_object(
            'uptime_pct', round(100 * up, 2), 'down_hours', down24,
            'calls', c24, 'errors', e24, 'error_rate_pct', api.pct(e24, c24),
            'p95_ms', p95, 'speed_target_ms', 300, 'speed_factor', speed),
        'days', (SELECT coalesce(json_agg(json_build_object(
                     'day', x.day, 'hours', x.hours, 'down_hours', x.down,
                     'uptime_pct', api.pct(x.hours - x.down, x.hours),
                     'calls', x.calls, 'errors', x.errors, 'rate_limited', x.rate_limited,
                     'rate_limited_pct', api.pct(x.rate_limited, x.calls)) ORDER BY x.day), '[]')
                 FROM (SELECT g.d::date AS day,
                              greatest(0, least(24, extract(epoch FROM h_end - g.d::timestamp) / 3600))::int AS hours,
                              (SELECT count(*) FROM product_api_hourly h
                                WHERE h.endpoint = '*' AND h.hour >= g.d::timestamp
                                  AND h.hour < least(g.d::timestamp + interval '1 day', h_end)
                                  AND api.product_hour_down(h.calls, h.errors))::int AS down,
                              coalesce(a.calls, 0) AS calls, coalesce(a.errors, 0) AS errors,
                              coalesce(a.rate_limited, 0) AS rate_limited
                       FROM generate_series(r.d_from, r.d_to, interval '1 day') g(d)
                       LEFT JOIN product_api_daily a ON a.day = g.d::date AND a.endpoint = '*') x),
        'top_rate_limited', (SELECT coalesce(json_agg(json_build_object(
                     'customer_id', CASE WHEN t.vis THEN t.customer_id END,
                     'customer', CASE WHEN t.vis THEN c.name END,
                     'rate_limited', t.hits, 'calls', t.calls, 'rate_limited_pct', api.pct(t.hits, t.calls),
                     'days_limited', t.days) ORDER BY t.hits DESC, t.customer_id), '[]')
                 FROM (SELECT customer_id, sum(rate_limited) AS hits, sum(calls) AS calls, count(*) AS days,
                              customer_visible(p_user, p_role, customer_id) AS vis
                       FROM product_api_customer_daily
                       WHERE day BETWEEN r.d_from AND r.d_to AND rate_limited > 0
                       GROUP BY customer_id ORDER BY sum(rate_limited) DESC, customer_id LIMIT 10) t
                 LEFT JOIN customers c ON c.id = t.customer_id));
END $$;

-- GET /api/product/abuse: unusual activity on as_of (a reporting day; today is the day so far)
-- against each customer's baseline of the 28 days before it.  One flat list `findings`; the
-- rules and thresholds are in docs/metrics.md "Product operations".
CREATE OR REPLACE FUNCTION api.product_abuse(p_user int, p_role text, p_as_of date) RETURNS json
LANGUAGE sql STABLE SET jit = off
AS $$
    WITH d AS (SELECT api.as_of(p_as_of) AS d),
    -- candidates first (few), then each one's baseline in one grouped pass
    vc AS (SELECT x.customer_id, x.calls FROM d JOIN product_api_customer_daily x ON x.day = d.d AND x.calls >= 20),
    vm AS (
        SELECT vc.customer_id, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(x.calls, 0))::numeric, 2) AS med
        FROM d CROSS JOIN vc CROSS JOIN generate_series(d.d - 28, d.d - 1, interval '1 day') g(day)
        LEFT JOIN product_api_customer_daily x ON x.customer_id = vc.customer_id AND x.day = g.day::date
        GROUP BY vc.customer_id
    ),
    vol AS (
        SELECT 'volume_spike'::text AS kind, vc.customer_id, NULL::text AS client_ip, NULL::timestamp AS hour,
               'calls'::text AS metric, vm.med AS baseline, vc.calls::numeric AS observed,
               NULL::numeric AS baseline_total, NULL::numeric AS observed_total
        FROM vc JOIN vm USING (customer_id)
        WHERE vc.calls > 3 * vm.med
    ),
    uc AS (SELECT u.customer_id, u.units FROM d JOIN usage_records u ON u.day = d.d AND u.units >= 500),
    um AS (
        SELECT uc.customer_id, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(x.units, 0))::numeric, 2) AS med
        FROM d CROSS JOIN uc CROSS JOIN generate_series(d.d - 28, d.d - 1, interval '1 day') g(day)
        LEFT JOIN usage_records x ON x.customer_id = uc.customer_id AND x.day = g.day::date
        GROUP BY uc.customer_id
    ),
    cost AS (
        SELECT 'cost_spike', uc.customer_id, NULL, NULL::timestamp, 'usage_units', um.med, uc.units::numeric,
               NULL::numeric, NULL::numeric
        FROM uc JOIN um USING (customer_id)
        WHERE uc.units > 3 * um.med
    ),
    hr AS MATERIALIZED (
        SELECT h.*, sum(h.calls) OVER (PARTITION BY h.customer_id) AS day_calls
        FROM d JOIN product_api_customer_hourly h ON h.hour >= d.d::timestamp AND h.hour < (d.d + 1)::timestamp
    ),
    hc AS MATERIALIZED (
        SELECT * FROM hr WHERE calls >= 5 OR (failed >= 10 AND failed * 2 >= calls)
    ),
    hb AS MATERIALIZED (   -- per candidate customer and hour of day: baseline calls and failed calls
        SELECT b.customer_id, extract(hour FROM b.hour) AS hod, sum(b.calls) AS calls, sum(b.failed) AS failed
        FROM d, product_api_customer_hourly b
        WHERE b.customer_id IN (SELECT customer_id FROM hc)
          AND b.hour >= (d.d - 28)::timestamp AND b.hour < d.d::timestamp
        GROUP BY 1, 2
    ),
    ht AS (SELECT customer_id, sum(calls) AS calls, sum(failed) AS failed FROM hb GROUP BY 1),
    odd AS (
        SELECT 'unusual_hour', h.customer_id, NULL, h.hour, 'calls_at_hour',
               coalesce(b.calls, 0)::numeric, h.calls::numeric, t.calls::numeric, h.day_calls::numeric
        FROM hc h
        JOIN ht t ON t.customer_id = h.customer_id
        LEFT JOIN hb b ON b.customer_id = h.customer_id AND b.hod = extract(hour FROM h.hour)
        WHERE h.calls >= 5 AND t.calls >= 50 AND coalesce(b.calls, 0) * 100 < t.calls
    ),
    burst AS (
        SELECT 'failed_burst', h.customer_id, NULL, h.hour, 'failed_calls',
               CASE WHEN t.calls > 0 THEN round(t.failed::numeric * h.calls / t.calls, 2) END,
               h.failed::numeric, coalesce(t.calls, 0)::numeric, h.calls::numeric
        FROM hc h LEFT JOIN ht t ON t.customer_id = h.customer_id
        WHERE h.failed >= 10 AND h.failed * 2 >= h.calls
          AND (coalesce(t.calls, 0) = 0 OR h.failed > 3 * (t.failed::numeric * h.calls / t.calls))
    ),
    ips AS (
        SELECT 'shared_ip', p.customer_id, host(p.client_ip), NULL::timestamp, 'customers_on_ip', 1::numeric,
               s.customers::numeric, NULL::numeric, s.events::numeric
        FROM d
        JOIN (SELECT client_ip, count(*) AS customers, sum(events) AS events
              FROM product_ip_daily, d WHERE day = d.d GROUP BY client_ip HAVING count(*) >= 3) s ON true
        JOIN product_ip_daily p ON p.day = d.d AND p.client_ip = s.client_ip
    ),
    f AS (
        SELECT * FROM vol UNION ALL SELECT * FROM cost UNION ALL SELECT * FROM odd
        UNION ALL SELECT * FROM burst UNION ALL SELECT * FROM ips
    ),
    fv AS (
        SELECT f.*, coalesce(customer_in_scope(p_user, p_role, c.id, c.cs_owner_id, c.sales_owner_id), false) AS vis,
               array_position(ARRAY['volume_spike', 'cost_spike', 'unusual_hour', 'failed_burst', 'shared_ip'],
                              f.kind) AS k
        FROM f LEFT JOIN customers c ON c.id = f.customer_id
    )
    SELECT json_build_object(
        'as_of', d.d,
        'baseline_window', json_build_object('from', d.d - 28, 'to', d.d - 1),
        'counts', json_build_object(
            'volume_spike', (SELECT count(*) FROM fv WHERE kind = 'volume_spike'),
            'cost_spike', (SELECT count(*) FROM fv WHERE kind = 'cost_spike'),
            'unusual_hour', (SELECT count(*) FROM fv WHERE kind = 'unusual_hour'),
            'failed_burst', (SELECT count(*) FROM fv WHERE kind = 'failed_burst'),
            'shared_ip', (SELECT count(DISTINCT client_ip) FROM fv WHERE kind = 'shared_ip')),
        'findings', (SELECT coalesce(json_agg(json_build_object(
                        'kind', fv.kind,
                        'customer_id', CASE WHEN fv.vis THEN fv.customer_id END,
                        'customer', CASE WHEN fv.vis THEN c.name END,
                        'client_ip', fv.client_ip, 'hour', fv.hour, 'metric', fv.metric,
                        'baseline', fv.baseline, 'observed', fv.observed,
                        'baseline_total', fv.baseline_total, 'observed_total', fv.observed_total)
                        ORDER BY fv.k, fv.client_ip, fv.observed DESC, fv.customer_id, fv.hour), '[]')
                     FROM fv LEFT JOIN customers c ON c.id = fv.customer_id))
    FROM d
$$;

-- GET /api/product/frontend: the dashboard's own page loads (product_rum) received in the
-- reporting days [from, to]: load-time percentiles (percentile_cont) and the client error rate
-- (page loads reporting at least one error ÷ page loads), overall, per view and per day.
CREATE OR REPLACE FUNCTION api.product_frontend(p_user int, p_role text, p_from date, p_to date, p_days int)
RETURNS json LANGUAGE sql STABLE SET jit = off
AS $$
    WITH rg AS (SELECT * FROM api.range(p_from, p_to, p_days)),
    b AS MATERIALIZED (
        SELECT ns_day(received_at) AS day, view, load_ms, ttfb_ms, fcp_ms, tti_ms, errors
        FROM product_rum, rg
        WHERE received_at >= ns_day_start(rg.d_from) AND received_at < ns_day_start(rg.d_to + 1)
    )
    SELECT json_build_object(
        'from', rg.d_from, 'to', rg.d_to,
        'loads', (SELECT count(*) FROM b),
        'error_loads', (SELECT count(*) FILTER (WHERE errors > 0) FROM b),
        'errors', (SELECT coalesce(sum(errors), 0) FROM b),
        'client_error_rate_pct', (SELECT api.pct(count(*) FILTER (WHERE errors > 0), count(*)) FROM b),
        'p50_load_ms', (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY load_ms)::numeric, 2) FROM b),
        'p95_load_ms', (SELECT round(percentile_cont(0.95) WITHIN GROUP (ORDER BY load_ms)::numeric, 2) FROM b),
        'views', (SELECT coalesce(json_agg(v ORDER BY v.loads DESC, v.view), '[]') FROM (
            SELECT view, count(*) AS loads,
                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY load_ms)::numeric, 2) AS p50_load_ms,
                   round(percentile_cont(0.95) WITHIN GROUP (ORDER BY load_ms)::numeric, 2) AS p95_load_ms,
                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ttfb_ms)::numeric, 2) AS p50_ttfb_ms,
                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY fcp_ms)::numeric, 2) AS p50_fcp_ms,
                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY tti_ms)::numeric, 2) AS p50_tti_ms,
                   count(*) FILTER (WHERE errors > 0) AS error_loads, sum(errors) AS errors,
                   api.pct(count(*) FILTER (WHERE errors > 0), count(*)) AS client_error_rate_pct
            FROM b GROUP BY view) v),
        'days', (SELECT coalesce(json_agg(json_build_object(
                     'day', g.d::date, 'loads', coalesce(x.loads, 0), 'p50_load_ms', x.p50, 'p95_load_ms', x.p95,
                     'client_error_rate_pct', x.rate) ORDER BY g.d), '[]')
                 FROM generate_series(rg.d_from, rg.d_to, interval '1 day') g(d)
                 LEFT JOIN (SELECT day, count(*) AS loads,
                                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY load_ms)::numeric, 2) AS p50,
                                   round(percentile_cont(0.95) WITHIN GROUP (ORDER BY load_ms)::numeric, 2) AS p95,
                                   api.pct(count(*) FILTER (WHERE errors > 0), count(*)) AS rate
                            FROM b GROUP BY day) x ON x.day = g.d::date))
    FROM rg
$$;

-- POST /api/product/rum: store one page load (the C handler has validated the fields) unless the
-- user sent p_limit beacons in the last minute (NS429).  The per-user advisory lock makes count and
-- insert one step: concurrent beacons of a user queue here instead of all passing the count.
CREATE OR REPLACE FUNCTION api.product_rum_store(p_user int, p_view text, p_load_ms int,
                                                 p_ttfb_ms int, p_fcp_ms int, p_tti_ms int,
                                                 p_errors int, p_error text, p_limit int)
RETURNS json LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('product_rum'), p_user);
  IF (SELECT count(*) FROM product_rum
       WHERE user_id = p_user AND received_at > clock_timestamp() - interval '1 minute') >= p_limit THEN
    RAISE EXCEPTION USING ERRCODE = 'NS429',
      MESSAGE = format('at most %s RUM beacons per user and minute', p_limit);
  END IF;
  INSERT INTO product_rum (user_id, view, load_ms, ttfb_ms, fcp_ms, tti_ms, errors, error_message, received_at)
  VALUES (p_user, p_view, p_load_ms, p_ttfb_ms, p_fcp_ms, p_tti_ms, coalesce(p_errors, 0), p_error,
          clock_timestamp());
  RETURN json_build_object('stored', true);
END $$;
