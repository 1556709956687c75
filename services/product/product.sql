-- product.sql — the SQL behind services/product: one function per endpoint, each returning the
-- endpoint's whole JSON answer.  They read the pre-aggregates of sql/schema/540_product.sql and the
-- data layer's rollups; only the live monitor (and the "last hour" error rate) read raw events, the
-- last hour only, through an index.  Formulas: docs/metrics.md "Product"; answers: docs/api/product.md.
CREATE SCHEMA IF NOT EXISTS api;

-- The instant an endpoint reports at: now, or the end of as_of when as_of is a past day.
CREATE OR REPLACE FUNCTION api.product_now(p_as_of date) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_as_of IS NULL OR p_as_of >= ns_today() THEN now() ELSE ns_day_start(p_as_of + 1) END
$$;

-- {"value": v, "previous": p}
CREATE OR REPLACE FUNCTION api.product_vp(v numeric, p numeric) RETURNS json
LANGUAGE sql IMMUTABLE AS $$ SELECT json_build_object('value', v, 'previous', p) $$;

-- Customer shown in a list: full detail for ceo, and for cs only on customers they own.
CREATE OR REPLACE FUNCTION api.product_customer_visible(p_user int, p_role text, p_customer int)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT p_role = 'ceo'
        OR (p_role = 'cs' AND EXISTS (SELECT 1 FROM customers c WHERE c.id = p_customer AND c.cs_owner_id = p_user))
$$;

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

    SELECT count(*) FILTER (WHERE occurred_at > p_now - interval '60 minutes'),
           count(*) FILTER (WHERE occurred_at > p_now - interval '60 minutes' AND status >= 500),
           count(*) FILTER (WHERE occurred_at <= p_now - interval '60 minutes'),
           count(*) FILTER (WHERE occurred_at <= p_now - interval '60 minutes' AND status >= 500)
      INTO c1h, e1h, c1hp, e1hp
      FROM events
     WHERE type = 'api_call' AND occurred_at > p_now - interval '120 minutes' AND occurred_at <= p_now;

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
        'api_latency_p50_ms', api.product_vp(
            product_hist_percentile(h_end - interval '24 hours', h_end, 0.5),
            product_hist_percentile(h_end - interval '48 hours', h_end - interval '24 hours', 0.5)),
        'api_latency_p95_ms', api.product_vp(
            product_hist_percentile(h_end - interval '24 hours', h_end, 0.95),
            product_hist_percentile(h_end - interval '48 hours', h_end - interval '24 hours', 0.95)),
        'api_latency_p99_ms', api.product_vp(
            product_hist_percentile(h_end - interval '24 hours', h_end, 0.99),
            product_hist_percentile(h_end - interval '48 hours', h_end - interval '24 hours', 0.99)),
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
-- rate and the latency percentiles of that bucket; the top endpoints of the range.
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
                   round(a.p50_ms, 2) AS p50_ms, round(a.p95_ms, 2) AS p95_ms, round(a.p99_ms, 2) AS p99_ms
            FROM generate_series(r.d_from::timestamp, r.d_to::timestamp + interval '23 hours', interval '1 hour') b(h)
            CROSS JOIN (SELECT coalesce(ep, '*') AS ep) k
            LEFT JOIN product_api_hourly a ON a.hour = b.h AND a.endpoint = k.ep
            UNION ALL
            SELECT a.hour, a.endpoint, a.calls, a.errors, api.pct(a.errors, a.calls), a.rate_limited,
                   round(a.p50_ms, 2), round(a.p95_ms, 2), round(a.p99_ms, 2)
            FROM product_api_hourly a
            WHERE ep IS NULL AND a.endpoint <> '*'
              AND a.hour >= r.d_from::timestamp AND a.hour < (r.d_to + 1)::timestamp
        ) x;
    ELSE
        SELECT coalesce(json_agg(x ORDER BY x.bucket, x.endpoint), '[]') INTO series FROM (
            SELECT b.d::date::timestamp AS bucket, CASE WHEN k.ep = '*' THEN 'all' ELSE k.ep END AS endpoint,
                   coalesce(a.calls, 0) AS calls, coalesce(a.errors, 0) AS errors,
                   api.pct(a.errors, a.calls) AS error_rate_pct, coalesce(a.rate_limited, 0) AS rate_limited,
                   round(a.p50_ms, 2) AS p50_ms, round(a.p95_ms, 2) AS p95_ms, round(a.p99_ms, 2) AS p99_ms
            FROM generate_series(r.d_from, r.d_to, interval '1 day') b(d)
            CROSS JOIN (SELECT coalesce(ep, '*') AS ep) k
            LEFT JOIN product_api_daily a ON a.day = b.d::date AND a.endpoint = k.ep
            UNION ALL
            SELECT a.day::timestamp, a.endpoint, a.calls, a.errors, api.pct(a.errors, a.calls), a.rate_limited,
                   round(a.p50_ms, 2), round(a.p95_ms, 2), round(a.p99_ms, 2)
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
    WITH d AS (SELECT coalesce(p_as_of, api.today()) AS d),
    pc AS (
        SELECT pl.id AS plan_id, pl.code, coalesce(m.customers, 0) AS customers
        FROM plans pl CROSS JOIN d LEFT JOIN mrr_daily m ON m.day = d.d AND m.plan_id = pl.id
    ),
    f AS (
        SELECT feature, min(first_day) AS first_day,
               count(*) FILTER (WHERE first_day <= d.d) AS adopters,
               count(*) FILTER (WHERE first_day BETWEEN d.d - 29 AND d.d) AS new_adopters
        FROM product_feature_first_use, d GROUP BY feature, d.d
        HAVING min(first_day) <= d.d
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
    WITH w AS (SELECT date_trunc('week', coalesce(p_as_of, api.today()))::date AS w0, coalesce(p_weeks, 12) AS n),
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
        'period', coalesce(p_period, 'week'), 'as_of', coalesce(p_as_of, api.today()),
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
LANGUAGE sql STABLE SET jit = off
AS $$
    WITH e AS (
        SELECT occurred_at, customer_id, endpoint, status, latency_ms
        FROM events
        WHERE type = 'api_call' AND occurred_at > p_now - interval '60 minutes' AND occurred_at <= p_now
    ), m AS (
        SELECT g AS minute FROM generate_series(date_trunc('minute', p_now) - interval '59 minutes',
                                                date_trunc('minute', p_now), interval '1 minute') g
    )
    SELECT json_build_object(
        'now', p_now,
        'requests_last_minute', (SELECT count(*) FROM e WHERE occurred_at > p_now - interval '1 minute'),
        'requests_per_minute', (SELECT json_agg(json_build_object('minute', m.minute, 'requests', coalesce(k.n, 0))
                                    ORDER BY m.minute)
                                FROM m LEFT JOIN (SELECT date_trunc('minute', occurred_at) AS minute, count(*) AS n
                                                  FROM e GROUP BY 1) k ON k.minute = m.minute),
        'users_active_5m', (SELECT count(DISTINCT (customer_id, user_id)) FROM events
                            WHERE occurred_at > p_now - interval '5 minutes' AND occurred_at <= p_now
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
                   FROM (SELECT e.*, api.product_customer_visible(p_user, p_role, e.customer_id) AS vis
                         FROM e ORDER BY occurred_at DESC, customer_id, endpoint LIMIT 100) l
                   LEFT JOIN customers c ON c.id = l.customer_id))
$$;

CREATE OR REPLACE FUNCTION api.product_live(p_user int, p_role text) RETURNS json
LANGUAGE sql STABLE AS $$ SELECT api.product_live_at(p_user, p_role, now()) $$;
