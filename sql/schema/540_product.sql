-- 540_product.sql — pre-aggregates of the product service (API usage per hour/day with true
-- percentiles, sessions, feature adoption, plan usage, weekly retention) with an incremental
-- refresh run by the product service's periodic job, and the RUM (real-user monitoring) table.
-- Definitions: docs/metrics.md "Product", answers: docs/api/product.md.
SET client_min_messages = warning;

-- API traffic per reporting-zone hour (local wall-clock hour, so hour::date is the reporting day)
-- and endpoint; endpoint '*' is the total over all endpoints.  p50/p95/p99 are percentile_cont of
-- the latency_ms values of that hour (and endpoint): exact, not averages.
CREATE TABLE IF NOT EXISTS product_api_hourly (
    hour          timestamp NOT NULL,
    endpoint      text NOT NULL,
    calls         integer NOT NULL,
    errors        integer NOT NULL,      -- status >= 500
    failed        integer NOT NULL,      -- status >= 400 (includes 429 and 5xx)
    rate_limited  integer NOT NULL,      -- rate_limited (429)
    p50_ms        numeric,
    p95_ms        numeric,
    p99_ms        numeric,
    PRIMARY KEY (hour, endpoint)
);

-- The same per reporting day (percentiles of the whole day, not merged from hours).
CREATE TABLE IF NOT EXISTS product_api_daily (
    day           date NOT NULL,
    endpoint      text NOT NULL,
    calls         integer NOT NULL,
    errors        integer NOT NULL,
    failed        integer NOT NULL,
    rate_limited  integer NOT NULL,
    p50_ms        numeric,
    p95_ms        numeric,
    p99_ms        numeric,
    PRIMARY KEY (day, endpoint)
);
-- p90 of the total rows (endpoint '*'), from the latency histogram (product_hist_percentile, as the
-- API computed it on every call before): stored by product_compute_range; NULL on rows computed
-- before the column existed, which readers then compute live.
ALTER TABLE product_api_hourly ADD COLUMN IF NOT EXISTS p90_ms numeric;
ALTER TABLE product_api_daily ADD COLUMN IF NOT EXISTS p90_ms numeric;

-- Mergeable latency histogram per hour (all endpoints): percentiles of any run of hours.
-- bucket = the latency itself below 10 000 ms (exact); above, the value rounded down to
-- 4 significant digits (at most 0.1 % low).  See product_latency_bucket().
CREATE TABLE IF NOT EXISTS product_api_latency_hist (
    hour    timestamp NOT NULL,
    bucket  integer NOT NULL,
    n       integer NOT NULL,
    PRIMARY KEY (hour, bucket)
);

-- API traffic per customer and reporting day (only days with calls): rate limits, abuse.
CREATE TABLE IF NOT EXISTS product_api_customer_daily (
    day           date NOT NULL,
    customer_id   integer NOT NULL,
    calls         integer NOT NULL,
    errors        integer NOT NULL,
    failed        integer NOT NULL,
    rate_limited  integer NOT NULL,
    PRIMARY KEY (day, customer_id)
);
CREATE INDEX IF NOT EXISTS product_api_customer_daily_cust_idx ON product_api_customer_daily (customer_id, day);

-- Sessions and devices per reporting day; power_users = users active on >= 5 of the 7 days
-- ending on day (active_users_daily).
CREATE TABLE IF NOT EXISTS product_daily (
    day              date PRIMARY KEY,
    sessions         integer NOT NULL,   -- distinct session_id with an event that day
    session_users    integer NOT NULL,   -- distinct (customer_id, user_id) of those sessions
    session_seconds  numeric NOT NULL,   -- Σ over sessions of (last event - first event) that day
    desktop_events   integer NOT NULL,
    mobile_events    integer NOT NULL,
    power_users      integer NOT NULL DEFAULT 0
);

-- feature_used events per day, feature and customer.
CREATE TABLE IF NOT EXISTS product_feature_customer_daily (
    day          date NOT NULL,
    feature      text NOT NULL,
    customer_id  integer NOT NULL,
    uses         integer NOT NULL,
    PRIMARY KEY (day, feature, customer_id)
);

-- First day each customer used each feature.
CREATE TABLE IF NOT EXISTS product_feature_first_use (
    feature      text NOT NULL,
    customer_id  integer NOT NULL,
    first_day    date NOT NULL,
    PRIMARY KEY (feature, customer_id)
);

-- How many customers used each feature for the first time on each day (the counts of
-- product_feature_first_use by first_day, kept with it: a first use moving earlier moves one count),
-- so the features view sums a few hundred rows whatever the number of customers.  A day whose
-- count fell to 0 keeps its row.
CREATE TABLE IF NOT EXISTS product_feature_first_use_daily (
    feature   text NOT NULL,
    day       date NOT NULL,
    adopters  integer NOT NULL,
    PRIMARY KEY (feature, day)
);

-- Adoption: per day, feature and plan, the customers paying on that plan that day (subscription
-- in effect with mrr_cents > 0, as in mrr_daily) who used the feature in the 30 days ending on day.
CREATE TABLE IF NOT EXISTS product_feature_adoption_daily (
    day        date NOT NULL,
    feature    text NOT NULL,
    plan_id    integer NOT NULL,
    customers  integer NOT NULL,
    PRIMARY KEY (day, feature, plan_id)
);

-- Per day and plan (the customer's subscription in effect that day; plan_id 0 = none):
-- customers with activity or usage, active users (Σ customer_daily.active_users) and usage units.
CREATE TABLE IF NOT EXISTS product_plan_daily (
    day           date NOT NULL,
    plan_id       integer NOT NULL,
    customers     integer NOT NULL,
    active_users  integer NOT NULL,
    usage_units   bigint NOT NULL,
    PRIMARY KEY (day, plan_id)
);

-- Weekly retention: the (Monday) week of each user's first active day, and per cohort week and
-- activity week the number of the cohort's users active in that week.
CREATE TABLE IF NOT EXISTS product_user_first_week (
    customer_id  integer NOT NULL,
    user_id      bigint NOT NULL,
    first_week   date NOT NULL,
    PRIMARY KEY (customer_id, user_id)
);
CREATE TABLE IF NOT EXISTS product_retention_weekly (
    cohort_week  date NOT NULL,
    week         date NOT NULL,
    users        integer NOT NULL,
    PRIMARY KEY (cohort_week, week)
);

-- What the one refresh mechanism (035_rollup_follow.sql) replaced.
DROP TABLE IF EXISTS product_rollup_days, product_rollup_state;

-- The live monitor reads the last hour of api_call events through this index.
CREATE INDEX IF NOT EXISTS events_api_recent_idx ON events (occurred_at) WHERE type = 'api_call';

-- Real-user monitoring: one page load of the dashboard itself, sent by the signed-in browser.
CREATE TABLE IF NOT EXISTS product_rum (
    id             bigserial PRIMARY KEY,
    received_at    timestamptz NOT NULL DEFAULT now(),
    user_id        integer NOT NULL,
    view           text NOT NULL CHECK (view ~ '^[a-z0-9_-]{1,40}$'),
    load_ms        integer NOT NULL CHECK (load_ms BETWEEN 0 AND 600000),
    ttfb_ms        integer CHECK (ttfb_ms BETWEEN 0 AND 600000),
    fcp_ms         integer CHECK (fcp_ms BETWEEN 0 AND 600000),
    tti_ms         integer CHECK (tti_ms BETWEEN 0 AND 600000),
    errors         integer NOT NULL DEFAULT 0 CHECK (errors BETWEEN 0 AND 1000),
    error_message  text CHECK (length(error_message) <= 300)
);
CREATE INDEX IF NOT EXISTS product_rum_received_idx ON product_rum (received_at);
CREATE INDEX IF NOT EXISTS product_rum_user_idx ON product_rum (user_id, received_at);

-- Histogram bucket of a latency: exact below 10 s, else 4 significant digits (rounded down).
CREATE OR REPLACE FUNCTION product_latency_bucket(v integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v < 10000 THEN v
                ELSE (v / (10 ^ (floor(log(v)) - 3))::integer) * (10 ^ (floor(log(v)) - 3))::integer END
$$;

-- percentile_cont(p) for each p of ps, of the latencies of the local hours [p_lo, p_hi), from the
-- histogram, per hour or day (p_period 'hour' or 'day', a date_trunc field) or, with p_period NULL,
-- over the whole range (one row, period p_lo); one pass over the histogram, the values in the order
-- of ps; no row for a period without latencies.  With N values sorted, position x = p·(N−1); the
-- answer interpolates between the values at ranks floor(x) and ceil(x) (0-based), exactly as
-- percentile_cont does.  The one percentile rule of the histogram: the functions below call it.
CREATE OR REPLACE FUNCTION product_hist_percentiles_by(p_lo timestamp, p_hi timestamp, p_period text, ps numeric[])
RETURNS TABLE (period timestamp, vals numeric[]) LANGUAGE sql STABLE AS $$
    WITH h AS (
        SELECT coalesce(date_trunc(p_period, hour), p_lo) AS period, bucket, sum(n) AS n
        FROM product_api_latency_hist
        WHERE hour >= p_lo AND hour < p_hi GROUP BY 1, 2
    ), c AS (
        SELECT period, bucket, sum(n) OVER (PARTITION BY period ORDER BY bucket) AS cum,
               sum(n) OVER (PARTITION BY period) AS tot FROM h
    ), x AS (
        SELECT c.period, q.o, q.p * (c.tot - 1) AS pos, c.bucket, c.cum
        FROM c, unnest(ps) WITH ORDINALITY q(p, o)
    ), r AS (
        SELECT period, o, pos, min(bucket) FILTER (WHERE cum > floor(pos)) AS lo,
               min(bucket) FILTER (WHERE cum > ceil(pos)) AS hi
        FROM x GROUP BY period, o, pos
    )
    SELECT period, array_agg(round(lo + (hi - lo) * (pos - floor(pos)), 2) ORDER BY o) FROM r GROUP BY period
$$;

-- Those of the whole range (NULL without calls).
CREATE OR REPLACE FUNCTION product_hist_percentiles(p_lo timestamp, p_hi timestamp, ps numeric[])
RETURNS numeric[] LANGUAGE sql STABLE AS $$
    SELECT (SELECT b.vals FROM product_hist_percentiles_by(p_lo, p_hi, NULL, ps) b)
$$;

-- The same for one p.
CREATE OR REPLACE FUNCTION product_hist_percentile(p_lo timestamp, p_hi timestamp, p numeric)
RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT (product_hist_percentiles(p_lo, p_hi, ARRAY[p]))[1]
$$;

-- The API traffic of product_api_tmp (the calls of the reporting days p_lo .. p_hi, filled by
-- product_compute_range) per hour or day (p_period, a date_trunc field) and endpoint, and the
-- total ('*', with its p90 from the histogram, which must hold those days already): the rows of
-- product_api_hourly and product_api_daily.
CREATE OR REPLACE FUNCTION product_api_traffic(p_period text, p_lo date, p_hi date)
RETURNS TABLE (period timestamp, endpoint text, calls integer, errors integer, failed integer,
               rate_limited integer, p50 numeric, p95 numeric, p99 numeric, p90 numeric)
LANGUAGE plpgsql STABLE AS $$   -- plpgsql: product_api_tmp exists only while product_compute_range runs
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT g.period, g.endpoint, g.calls, g.errors, g.failed, g.rate_limited, g.p50, g.p95, g.p99, q.vals[1]
    FROM (
        SELECT date_trunc(p_period, ts) AS period, coalesce(endpoint, '*') AS endpoint, count(*)::int AS calls,
               (count(*) FILTER (WHERE status >= 500))::int AS errors,
               (count(*) FILTER (WHERE status >= 400))::int AS failed,
               (count(*) FILTER (WHERE rate_limited))::int AS rate_limited,
               round(percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms)::numeric, 2) AS p50,
               round(percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)::numeric, 2) AS p95,
               round(percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms)::numeric, 2) AS p99
        FROM product_api_tmp
        GROUP BY GROUPING SETS ((date_trunc(p_period, ts), endpoint), (date_trunc(p_period, ts)))
    ) g
    LEFT JOIN product_hist_percentiles_by(p_lo::timestamp, (p_hi + 1)::timestamp, p_period, ARRAY[0.9]) q
           ON g.endpoint = '*' AND q.period = g.period;
END
$$;

-- Adoption (product_feature_adoption_daily) of the days p_lo .. p_hi: per day, feature and plan,
-- the customers paying on that plan that day who used the feature in the 30 days ending on it.
-- Computed from ranges, not day by day: each use covers [day, day + 30), a customer's uses of a
-- feature merge into one multirange, intersected with the days it pays on each plan (its
-- subscriptions' in_effect, merged); the count per day is the running sum of +1 at each run's
-- start and -1 at its end.  The same rows as counting distinct customers over a 30-day join for
-- every day (48.6 s against 1.0 s for two years at SCALE=1), which read each use 30 times.
CREATE OR REPLACE FUNCTION product_adoption_rows(p_lo date, p_hi date)
RETURNS TABLE (day date, feature text, plan_id int, customers int)
LANGUAGE sql STABLE AS $$
    WITH cover AS (   -- per feature and customer: the days a use of the 30 days before covers
        SELECT f.feature, f.customer_id, range_agg(daterange(f.day, f.day + 30)) AS days
        FROM product_feature_customer_daily f
        WHERE f.day BETWEEN p_lo - 29 AND p_hi
        GROUP BY 1, 2),
    paid AS (    -- per customer and plan: the days it pays on that plan
        SELECT s.customer_id, s.plan_id, range_agg(s.in_effect) * datemultirange(daterange(p_lo, p_hi, '[]')) AS days
        FROM subscriptions s
        WHERE s.mrr_cents > 0 AND s.in_effect && daterange(p_lo, p_hi, '[]')
        GROUP BY 1, 2),
    runs AS (    -- the days a customer counts for (feature, plan), as disjoint ranges
        SELECT c.feature, p.plan_id, x.r
        FROM cover c JOIN paid p ON p.customer_id = c.customer_id
        CROSS JOIN LATERAL unnest(c.days * p.days) x(r)),
    steps AS (   -- +1 where a run starts, -1 where it ends: the count per day is their running sum
        SELECT s.feature, s.plan_id, s.day, sum(s.d) AS d
        FROM (SELECT feature, plan_id, lower(r) AS day, 1 AS d FROM runs
              UNION ALL SELECT feature, plan_id, upper(r), -1 FROM runs) s
        GROUP BY 1, 2, 3),
    levels AS (
        SELECT feature, plan_id, day, sum(d) OVER w AS n, lead(day) OVER w AS next_day
        FROM steps WINDOW w AS (PARTITION BY feature, plan_id ORDER BY day))
    SELECT g::date, l.feature, l.plan_id, l.n::int
    FROM levels l CROSS JOIN LATERAL generate_series(l.day, l.next_day - 1, interval '1 day') g
    WHERE l.n > 0
$$;

-- product_daily.power_users of the days p_lo .. p_hi: the users active on at least 5 of the 7 days
-- ending on the day.  Taken in blocks of 50 days: per user one mask of its active days from the
-- block's first day - 6 on (bit k: day b - 6 + k; a hash aggregate over the block's rows once),
-- and day D counts the users with 5 or more bits among D-6 .. D, instead of grouping the 7 days
-- again for every day (1.3 s for the 7 days after a late day at SCALE=1; the same counts).
CREATE OR REPLACE FUNCTION product_power_users_update(p_lo date, p_hi date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    b date := p_lo;
BEGIN
    WHILE b <= p_hi LOOP
        UPDATE product_daily p SET power_users = coalesce(x.n, 0)
        FROM (SELECT g.d::date AS day,
                     count(*) FILTER (WHERE bit_count(ns_mask_window(u.m, g.d::date - b, 7)::bit(64)) >= 5) AS n
              FROM generate_series(b, least(b + 49, p_hi), interval '1 day') g(d)
              CROSS JOIN (SELECT bit_or(ns_day_bit(a.day, b - 6)) AS m
                          FROM active_users_daily a
                          WHERE a.day BETWEEN b - 6 AND least(b + 49, p_hi)
                          GROUP BY a.customer_id, a.user_id) u
              GROUP BY 1) x
        WHERE p.day = x.day;
        b := b + 50;
    END LOOP;
END
$$;

-- Recompute every product pre-aggregate for the reporting days p_lo .. p_hi (delete + insert),
-- and the windowed ones that depend on them: power users up to p_hi + 6, adoption up to p_hi + 29
-- (never past today, unless the range itself is), retention of the weeks touched.
-- Reads events and the data layer's rollups (active_users_daily, customer_daily), which must be
-- current for these days.
CREATE OR REPLACE FUNCTION product_compute_range(p_lo date, p_hi date) RETURNS void
LANGUAGE plpgsql
SET work_mem = '64MB'
AS $$
DECLARE
    tz     text := ns_tz();
    lo_ts  timestamptz := ns_day_start(p_lo);
    hi_ts  timestamptz := ns_day_start(p_hi + 1);
    w_hi   date := greatest(p_hi, least(p_hi + 29, ns_today()));
    p_hi7  date := greatest(p_hi, least(p_hi + 6, ns_today()));
BEGIN
    DELETE FROM product_api_hourly WHERE hour >= p_lo::timestamp AND hour < (p_hi + 1)::timestamp;
    DELETE FROM product_api_latency_hist WHERE hour >= p_lo::timestamp AND hour < (p_hi + 1)::timestamp;
    DELETE FROM product_api_daily WHERE day BETWEEN p_lo AND p_hi;
    DELETE FROM product_api_customer_daily WHERE day BETWEEN p_lo AND p_hi;
    DELETE FROM product_daily WHERE day BETWEEN p_lo AND p_hi;
    DELETE FROM product_feature_customer_daily WHERE day BETWEEN p_lo AND p_hi;
    DELETE FROM product_plan_daily WHERE day BETWEEN p_lo AND p_hi;

    CREATE TEMP TABLE IF NOT EXISTS product_api_tmp (
        ts timestamp, customer_id int, endpoint text, status smallint, latency_ms int, rate_limited boolean
    ) ON COMMIT DROP;
    TRUNCATE product_api_tmp;
    INSERT INTO product_api_tmp
    SELECT e.occurred_at AT TIME ZONE tz, e.customer_id, coalesce(e.endpoint, 'unknown'), e.status,
           e.latency_ms, e.rate_limited
    FROM events e
    WHERE e.occurred_at >= lo_ts AND e.occurred_at < hi_ts AND e.type = 'api_call';

    INSERT INTO product_api_latency_hist (hour, bucket, n)
    SELECT date_trunc('hour', ts), product_latency_bucket(latency_ms), count(*)
    FROM product_api_tmp WHERE latency_ms IS NOT NULL
    GROUP BY 1, 2
    ORDER BY 1, 2;   -- in key order: the index grows at its right edge (half the time of a load)

    INSERT INTO product_api_hourly (hour, endpoint, calls, errors, failed, rate_limited, p50_ms, p95_ms, p99_ms,
                                    p90_ms)
    SELECT t.period, t.endpoint, t.calls, t.errors, t.failed, t.rate_limited, t.p50, t.p95, t.p99, t.p90
    FROM product_api_traffic('hour', p_lo, p_hi) t;

    INSERT INTO product_api_daily (day, endpoint, calls, errors, failed, rate_limited, p50_ms, p95_ms, p99_ms, p90_ms)
    SELECT t.period::date, t.endpoint, t.calls, t.errors, t.failed, t.rate_limited, t.p50, t.p95, t.p99, t.p90
    FROM product_api_traffic('day', p_lo, p_hi) t;

    INSERT INTO product_api_customer_daily (day, customer_id, calls, errors, failed, rate_limited)
    SELECT ts::date, customer_id, count(*), count(*) FILTER (WHERE status >= 500),
           count(*) FILTER (WHERE status >= 400), count(*) FILTER (WHERE rate_limited)
    FROM product_api_tmp WHERE customer_id IS NOT NULL
    GROUP BY 1, 2
    ORDER BY 1, 2;
    TRUNCATE product_api_tmp;

    -- Sessions: a session's part inside one reporting day; its duration is last − first event.
    INSERT INTO product_daily (day, sessions, session_users, session_seconds, desktop_events, mobile_events)
    SELECT d.day, coalesce(s.sessions, 0), coalesce(s.users, 0), coalesce(s.secs, 0),
           coalesce(v.desktop, 0), coalesce(v.mobile, 0)
    FROM generate_series(p_lo, p_hi, interval '1 day') g(d)
    CROSS JOIN LATERAL (SELECT g.d::date AS day) d
    LEFT JOIN (
        SELECT day, count(*) AS sessions, count(DISTINCT ns_user_key(customer_id, user_id)) AS users,
               sum(extract(epoch FROM last_at - first_at)) AS secs
        FROM (SELECT (e.occurred_at AT TIME ZONE tz)::date AS day, e.session_id,
                     min(e.customer_id) AS customer_id, min(e.user_id) AS user_id,
                     min(e.occurred_at) AS first_at, max(e.occurred_at) AS last_at
              FROM events e
              WHERE e.occurred_at >= lo_ts AND e.occurred_at < hi_ts AND e.session_id IS NOT NULL
              GROUP BY 1, 2) x
        GROUP BY day
    ) s ON s.day = d.day
    LEFT JOIN (
        SELECT (e.occurred_at AT TIME ZONE tz)::date AS day,
               count(*) FILTER (WHERE e.device = 'desktop') AS desktop,
               count(*) FILTER (WHERE e.device = 'mobile') AS mobile
        FROM events e
        WHERE e.occurred_at >= lo_ts AND e.occurred_at < hi_ts AND e.device IS NOT NULL
        GROUP BY 1
    ) v ON v.day = d.day;

    PERFORM product_power_users_update(p_lo, p_hi7);

    INSERT INTO product_feature_customer_daily (day, feature, customer_id, uses)
    SELECT (e.occurred_at AT TIME ZONE tz)::date, e.feature, e.customer_id, count(*)
    FROM events e
    WHERE e.occurred_at >= lo_ts AND e.occurred_at < hi_ts AND e.type = 'feature_used'
      AND e.feature IS NOT NULL AND e.customer_id IS NOT NULL
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3;

    -- XXX: a first use can only move earlier here; deleted events are corrected by a rebuild.
    -- The first uses that are new or earlier, and the counts per first day they move.
    WITH cand AS (
        SELECT feature, customer_id, min(day) AS first_day FROM product_feature_customer_daily
        WHERE day BETWEEN p_lo AND p_hi GROUP BY 1, 2
    ), moved AS (
        SELECT c.feature, c.customer_id, c.first_day, f.first_day AS old_day
        FROM cand c LEFT JOIN product_feature_first_use f USING (feature, customer_id)
        WHERE f.first_day IS NULL OR c.first_day < f.first_day
    ), up AS (
        INSERT INTO product_feature_first_use (feature, customer_id, first_day)
        SELECT feature, customer_id, first_day FROM moved ORDER BY 1, 2
        ON CONFLICT (feature, customer_id) DO UPDATE SET first_day = EXCLUDED.first_day
        RETURNING 1
    ), delta AS (
        SELECT feature, first_day AS day, 1 AS n FROM moved
        UNION ALL SELECT feature, old_day, -1 FROM moved WHERE old_day IS NOT NULL
    )
    INSERT INTO product_feature_first_use_daily AS k (feature, day, adopters)
    SELECT feature, day, sum(n) FROM delta GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (feature, day) DO UPDATE SET adopters = k.adopters + EXCLUDED.adopters;

    DELETE FROM product_feature_adoption_daily WHERE day BETWEEN p_lo AND w_hi;
    INSERT INTO product_feature_adoption_daily (day, feature, plan_id, customers)
    SELECT a.day, a.feature, a.plan_id, a.customers FROM product_adoption_rows(p_lo, w_hi) a;

    INSERT INTO product_plan_daily (day, plan_id, customers, active_users, usage_units)
    SELECT x.day, coalesce(pl.plan_id, 0), count(*), sum(x.active_users), sum(x.units)
    FROM (
        SELECT coalesce(c.day, u.day) AS day, coalesce(c.customer_id, u.customer_id) AS customer_id,
               coalesce(c.active_users, 0) AS active_users, coalesce(u.units, 0) AS units
        FROM (SELECT day, customer_id, active_users FROM customer_daily
              WHERE day BETWEEN p_lo AND p_hi AND active_users > 0) c
        FULL JOIN (SELECT day, customer_id, units FROM usage_records WHERE day BETWEEN p_lo AND p_hi) u
          ON u.day = c.day AND u.customer_id = c.customer_id
    ) x
    LEFT JOIN LATERAL (
        SELECT s.plan_id FROM subscriptions s
        WHERE s.customer_id = x.customer_id AND s.in_effect @> x.day
        ORDER BY s.mrr_cents DESC, s.valid_from DESC LIMIT 1
    ) pl ON true
    GROUP BY 1, 2;

    -- XXX: like first use, a first week only moves earlier; a rebuild corrects deletions.
    INSERT INTO product_user_first_week (customer_id, user_id, first_week)
    SELECT customer_id, user_id, date_trunc('week', min(day))::date FROM active_users_daily
    WHERE day BETWEEN p_lo AND p_hi GROUP BY 1, 2
    ON CONFLICT (customer_id, user_id) DO UPDATE SET first_week = least(product_user_first_week.first_week,
                                                                        EXCLUDED.first_week);
    DELETE FROM product_retention_weekly
    WHERE week BETWEEN date_trunc('week', p_lo)::date AND date_trunc('week', p_hi)::date;
    INSERT INTO product_retention_weekly (cohort_week, week, users)
    SELECT f.first_week, a.week, count(*)
    FROM (SELECT DISTINCT date_trunc('week', day)::date AS week, customer_id, user_id
          FROM active_users_daily
          WHERE day BETWEEN date_trunc('week', p_lo)::date AND date_trunc('week', p_hi)::date + 6) a
    JOIN product_user_first_week f ON f.customer_id = a.customer_id AND f.user_id = a.user_id
    GROUP BY 1, 2;
END
$$;

-- The product pre-aggregates follow metrics_daily (035_rollup_follow.sql): product_rollup_refresh(),
-- run by the product service's periodic job, recomputes every day metrics_daily recomputed since.
SELECT rollup_follower_register('product', 'product_compute_range',
    'product_api_hourly', 'product_api_daily', 'product_api_latency_hist', 'product_api_customer_daily',
    'product_daily', 'product_feature_customer_daily', 'product_feature_first_use', 'product_feature_first_use_daily',
    'product_feature_adoption_daily', 'product_plan_daily', 'product_user_first_week', 'product_retention_weekly');
CREATE OR REPLACE FUNCTION product_rollup_refresh() RETURNS integer
LANGUAGE sql AS $$ SELECT rollup_follow('product') $$;
