-- 510_revenue.sql — pre-aggregates of the revenue service: orders per day and source (a follower
-- of metrics_daily, 035_rollup_follow.sql), MRR movements of full months and net paid per customer
-- (both kept exact by statement triggers, derived_triggers() of 030_rollups.sql), run by the revenue
-- service's job (revenue_rollup_check()).
SET client_min_messages = warning;

-- What the one mechanism replaced: the delta triggers on orders and their zone bookkeeping, the
-- revenue-only health snapshot (now customer_health_daily of the data layer).
DROP TRIGGER IF EXISTS orders_revenue_ins ON orders;
DROP TRIGGER IF EXISTS orders_revenue_upd ON orders;
DROP TRIGGER IF EXISTS orders_revenue_del ON orders;
DROP TRIGGER IF EXISTS orders_revenue_trunc ON orders;
DROP FUNCTION IF EXISTS revenue_source_apply();
DROP FUNCTION IF EXISTS revenue_source_truncate();
DROP FUNCTION IF EXISTS revenue_rollup_rebuild();
DROP FUNCTION IF EXISTS revenue_health_snapshot_refresh();
DROP TABLE IF EXISTS revenue_rollup_state, revenue_health_snapshot, revenue_health_snapshot_state;

-- Orders per reporting day and source.  Refunds and chargebacks stay on the order's day, exactly as
-- in metrics_daily (docs/metrics.md, attribution rules).
CREATE TABLE IF NOT EXISTS revenue_source_daily (
    day               date NOT NULL,
    source            text NOT NULL,
    orders            integer NOT NULL DEFAULT 0,
    revenue_cents     bigint NOT NULL DEFAULT 0,
    cogs_cents        bigint NOT NULL DEFAULT 0,
    refunds           integer NOT NULL DEFAULT 0,   -- orders with refunded_cents > 0
    refunded_cents    bigint NOT NULL DEFAULT 0,
    chargebacks       integer NOT NULL DEFAULT 0,   -- orders with chargeback_cents > 0
    chargeback_cents  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, source)
);

-- Follower compute: revenue_source_daily of the reporting days p_lo .. p_hi from the raw orders.
CREATE OR REPLACE FUNCTION revenue_source_compute(p_lo date, p_hi date) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM revenue_source_daily WHERE day BETWEEN p_lo AND p_hi;
    INSERT INTO revenue_source_daily
    SELECT ns_day(ordered_at), source, count(*), sum(total_cents), sum(cogs_cents),
           count(*) FILTER (WHERE refunded_cents > 0), sum(refunded_cents),
           count(*) FILTER (WHERE chargeback_cents > 0), sum(chargeback_cents)
    FROM orders
    WHERE ordered_at >= ns_day_start(p_lo) AND ordered_at < ns_day_start(p_hi + 1)
    GROUP BY 1, 2;
$$;
SELECT rollup_follower_register('revenue', 'revenue_source_compute', 'revenue_source_daily');

-- Opportunities by stage for the open pipeline (small table; the index keeps the open set cheap).
CREATE INDEX IF NOT EXISTS opportunities_open_idx ON opportunities (stage, owner_id) WHERE closed_at IS NULL;

-- ---------------------------------------------------------------- MRR movements

-- MRR movements between consecutive dates of p_points (interval j = p_points[j-1] -> p_points[j],
-- j = 2..n, reported as j - 1), the rules of mrr_movements() (docs/metrics.md) computed in one pass
-- over subscriptions: per customer m0 (MRR on d0), m0t (its d0 rows valued at d1's rates) and m1
-- (MRR on d1); fx = m0t - m0, the rest m1 - m0t is new/expansion/contraction/churn/reactivation.
-- start_cents + fx + new + expansion + contraction + churn + reactivation = end_cents exactly
-- (contraction and churn are negative deltas).  fx_cents and fx_n (customers with an fx change)
-- come last so that the columns before keep their places.
DO $$
BEGIN
    -- the result gained fx_cents/fx_n: a replaced function cannot change its result type
    IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'revenue_movement_series'
                      AND pronamespace = 'public'::regnamespace AND 'fx_cents' = ANY (proargnames)) THEN
        DROP FUNCTION IF EXISTS revenue_movement_series(date[]);
    END IF;
END
$$;
-- Each customer's movement in each interval (p_points[j-1], p_points[j]] (j = 2 .. n): MRR at the
-- start (m0) and end (m1), the fx part (a foreign-currency row revalued at the end point's rates)
-- and the rest (delta), classified new, expansion, contraction, churn or reactivation (kind NULL:
-- no change but fx).  The one movement rule (docs/metrics.md "MRR movements"): the month totals
-- below and the drill-down (GET /api/revenue/movements) both read it.
CREATE OR REPLACE FUNCTION revenue_movement_customers(p_points date[])
RETURNS TABLE (j int, customer_id int, m0 bigint, m1 bigint, fx bigint, delta bigint, kind text)
LANGUAGE sql STABLE AS $$
  WITH pt AS (
    SELECT u.i::int AS i, u.d, p_points[u.i::int + 1] AS d_next FROM unnest(p_points) WITH ORDINALITY u(d, i)
  ), m AS (
    SELECT pt.i, r.customer_id, sum(r.mrr_cents)::bigint AS mrr
      FROM pt JOIN mrr_rows(p_points) r ON r.day = pt.d
     GROUP BY 1, 2
  ), fx AS (
    -- the rows in another currency than the reporting one (few; their own index): what their value
    -- at the next point's rates adds to the customer's MRR on this point
    SELECT pt.i, r.customer_id,
           sum(mrr_value(r.stored_cents, r.original_cents, r.currency, pt.d_next) - r.mrr_cents)::bigint AS adj
      FROM pt JOIN mrr_rows_foreign(p_points) r ON r.day = pt.d
     WHERE pt.d_next IS NOT NULL
     GROUP BY 1, 2
  ), x AS (
    -- each customer-point is the end of interval i and the start of interval i+1
    SELECT v.j, m.customer_id,
           coalesce(sum(m.mrr) FILTER (WHERE m.i = v.j - 1), 0) AS m0,
           coalesce(sum(m.mrr + coalesce(fx.adj, 0)) FILTER (WHERE m.i = v.j - 1), 0) AS m0t,
           coalesce(sum(m.mrr) FILTER (WHERE m.i = v.j), 0) AS m1
      FROM m LEFT JOIN fx ON fx.i = m.i AND fx.customer_id = m.customer_id
     CROSS JOIN LATERAL (VALUES (m.i), (m.i + 1)) v(j)
     WHERE v.j BETWEEN 2 AND cardinality(p_points)
     GROUP BY 1, 2
  )
  SELECT x.j, x.customer_id, x.m0::bigint, x.m1::bigint, (x.m0t - x.m0)::bigint, (x.m1 - x.m0t)::bigint,
         CASE WHEN x.m0t = x.m1 THEN NULL
              WHEN x.m0 = 0 AND EXISTS (SELECT 1 FROM subscriptions s
                                         WHERE s.customer_id = x.customer_id AND s.mrr_cents > 0
                                           AND s.valid_from < p0.d) THEN 'reactivation'
              WHEN x.m0 = 0 THEN 'new'
              WHEN x.m1 = 0 THEN 'churn'
              WHEN x.m1 > x.m0t THEN 'expansion'
              ELSE 'contraction' END
    FROM x JOIN pt p0 ON p0.i = x.j - 1
$$;

CREATE OR REPLACE FUNCTION revenue_movement_series(p_points date[])
RETURNS TABLE (j int, d0 date, d1 date, start_cents bigint, start_customers int,
               new_cents bigint, expansion_cents bigint, contraction_cents bigint, churn_cents bigint,
               reactivation_cents bigint, end_cents bigint, end_customers int,
               new_n int, expansion_n int, contraction_n int, churn_n int, reactivation_n int,
               fx_cents bigint, fx_n int)
LANGUAGE sql STABLE AS $$
  WITH pt AS (
    SELECT u.i::int AS i, u.d FROM unnest(p_points) WITH ORDINALITY u(d, i)
  ), k AS (
    SELECT * FROM revenue_movement_customers(p_points)
  )
  SELECT p1.i - 1, p0.d, p1.d,
         coalesce(sum(k.m0), 0)::bigint, (count(*) FILTER (WHERE k.m0 > 0))::int,
         coalesce(sum(k.delta) FILTER (WHERE k.kind = 'new'), 0)::bigint,
         coalesce(sum(k.delta) FILTER (WHERE k.kind = 'expansion'), 0)::bigint,
         coalesce(sum(k.delta) FILTER (WHERE k.kind = 'contraction'), 0)::bigint,
         coalesce(sum(k.delta) FILTER (WHERE k.kind = 'churn'), 0)::bigint,
         coalesce(sum(k.delta) FILTER (WHERE k.kind = 'reactivation'), 0)::bigint,
         coalesce(sum(k.m1), 0)::bigint, (count(*) FILTER (WHERE k.m1 > 0))::int,
         (count(*) FILTER (WHERE k.kind = 'new'))::int,
         (count(*) FILTER (WHERE k.kind = 'expansion'))::int,
         (count(*) FILTER (WHERE k.kind = 'contraction'))::int,
         (count(*) FILTER (WHERE k.kind = 'churn'))::int,
         (count(*) FILTER (WHERE k.kind = 'reactivation'))::int,
         coalesce(sum(k.fx), 0)::bigint, (count(*) FILTER (WHERE k.fx <> 0))::int
    FROM pt p1 JOIN pt p0 ON p0.i = p1.i - 1
    LEFT JOIN k ON k.j = p1.i
   GROUP BY p1.i, p0.d, p1.d
   ORDER BY p1.i
$$;

-- Movements of full calendar months (last day of M-1 -> last day of M), filled by
-- revenue_rollup_check() for the 36 months before the current one.  A subscription change from day X
-- on deletes every month ending on or after X (the statement trigger below), so a row present is
-- always exact; readers compute missing months live.
CREATE TABLE IF NOT EXISTS revenue_mrr_month (
    month               date PRIMARY KEY CHECK (extract(day FROM month) = 1),
    start_cents         bigint NOT NULL,
    start_customers     integer NOT NULL,
    new_cents           bigint NOT NULL,
    expansion_cents     bigint NOT NULL,
    contraction_cents   bigint NOT NULL,
    churn_cents         bigint NOT NULL,
    reactivation_cents  bigint NOT NULL,
    end_cents           bigint NOT NULL,
    end_customers       integer NOT NULL,
    new_n               integer NOT NULL,
    expansion_n         integer NOT NULL,
    contraction_n       integer NOT NULL,
    churn_n             integer NOT NULL,
    reactivation_n      integer NOT NULL,
    computed_at         timestamptz NOT NULL DEFAULT now()
);
-- The fx movement (docs/metrics.md, "Currencies"): months stored before it existed are dropped and
-- recomputed (a cache; the filler below refills them).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'revenue_mrr_month'::regclass
                      AND attname = 'fx_cents' AND NOT attisdropped) THEN
        DELETE FROM revenue_mrr_month;
        ALTER TABLE revenue_mrr_month ADD COLUMN fx_cents bigint NOT NULL DEFAULT 0,
                                      ADD COLUMN fx_n integer NOT NULL DEFAULT 0;
    END IF;
END
$$;

-- Movements of the intervals read as of today that are not full calendar months: the revenue
-- summary's (today − 1 month, today] and the month before it ("movements" and "previous"), and the
-- current month to date (the last month of GET /api/revenue/mrr and the default month of GET
-- /api/revenue/movements).  Filled by the revenue service's job (revenue_mrr_interval_fill),
-- invalidated with revenue_mrr_month by the same triggers (a change from day X deletes every
-- interval ending on or after X), so a stored interval is always exact and a missing one is
-- computed live.
CREATE TABLE IF NOT EXISTS revenue_mrr_interval (
    d0                  date NOT NULL,
    d1                  date NOT NULL CHECK (d1 > d0),
    start_cents         bigint NOT NULL,
    start_customers     integer NOT NULL,
    new_cents           bigint NOT NULL,
    expansion_cents     bigint NOT NULL,
    contraction_cents   bigint NOT NULL,
    churn_cents         bigint NOT NULL,
    reactivation_cents  bigint NOT NULL,
    end_cents           bigint NOT NULL,
    end_customers       integer NOT NULL,
    new_n               integer NOT NULL,
    expansion_n         integer NOT NULL,
    contraction_n       integer NOT NULL,
    churn_n             integer NOT NULL,
    reactivation_n      integer NOT NULL,
    fx_cents            bigint NOT NULL,
    fx_n                integer NOT NULL,
    computed_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (d0, d1)
);

-- The customers that moved in each stored interval (kind not NULL), the rows of the drill-down
-- (GET /api/revenue/movements): stored with their interval's row above, dropped with it.
CREATE TABLE IF NOT EXISTS revenue_mrr_interval_customer (
    d0           date NOT NULL,
    d1           date NOT NULL,
    customer_id  int NOT NULL,
    m0           bigint NOT NULL,
    m1           bigint NOT NULL,
    fx           bigint NOT NULL,
    delta        bigint NOT NULL,
    kind         text NOT NULL,
    PRIMARY KEY (d0, d1, customer_id)
);

-- Drop the stored movements that a change of MRR from day p_lo on makes stale (the caches above);
-- p_lo NULL: all of them.  The caller holds the shared lock (below).
CREATE OR REPLACE FUNCTION revenue_mrr_cache_drop(p_lo date) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM revenue_mrr_month WHERE p_lo IS NULL OR month >= date_trunc('month', p_lo)::date;
    DELETE FROM revenue_mrr_interval WHERE p_lo IS NULL OR d1 >= p_lo;
    DELETE FROM revenue_mrr_interval_customer WHERE p_lo IS NULL OR d1 >= p_lo;
$$;

-- Writers take the shared lock, the filler the exclusive one, so a month computed from an old
-- snapshot can never be stored after the change that invalidated it.  The planner knows nothing of
-- the transition tables' sizes: without enable_nestloop = off, an UPDATE of 2,500 periods (one
-- ingested batch) joined old_rows to new_rows in a nested loop (6 million pairs, ~4 s).
CREATE OR REPLACE FUNCTION revenue_mrr_month_invalidate() RETURNS trigger
LANGUAGE plpgsql
SET enable_nestloop = off
AS $$
DECLARE
    lo date;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtext('northstar.revenue_mrr_month')::bigint);
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM revenue_mrr_cache_drop(NULL);
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT min(valid_from) INTO lo FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT min(valid_from) INTO lo FROM old_rows;
    ELSE
        -- only the end moved (closing a row): MRR changes from the earlier of the two ends on
        SELECT min(CASE WHEN o.customer_id = n.customer_id AND o.mrr_cents = n.mrr_cents AND o.valid_from = n.valid_from
                             AND o.currency = n.currency
                             AND o.mrr_original_cents IS NOT DISTINCT FROM n.mrr_original_cents
                        THEN least(coalesce(o.valid_to, n.valid_to), coalesce(n.valid_to, o.valid_to))
                        ELSE least(o.valid_from, n.valid_from) END)
          INTO lo FROM old_rows o JOIN new_rows n ON n.id = o.id;
    END IF;
    IF lo IS NOT NULL THEN
        PERFORM revenue_mrr_cache_drop(lo);
    END IF;
    RETURN NULL;
END
$$;
SELECT derived_triggers('subscriptions', 'revenue', 'revenue_mrr_month_invalidate', true);

-- A change of exchange rates changes the MRR of every day it is used for (mrr_value(): the rate
-- of a day serves it and the fx_lookback_days() - 1 days after it) when subscriptions in another
-- currency than the reporting one exist: those days are marked dirty for the rollups (metrics_daily,
-- mrr_daily and their followers) and the MRR months from the first of them on are dropped, as a
-- subscription change does.  Without such subscriptions a rate changes no figure: nothing to do;
-- nor does a rate of a currency that neither they nor the reporting currency use.

CREATE OR REPLACE FUNCTION fx_rates_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    lo     date;
    hi     date;
    first  date;
    used   text[];   -- the currencies whose rates MRR reads: those of the subscriptions and the reporting one
BEGIN
    SELECT min(s.valid_from), array_agg(DISTINCT s.currency::text) || ns_currency() INTO first, used
      FROM subscriptions s
     WHERE s.mrr_original_cents IS NOT NULL AND s.currency <> ns_currency();
    IF first IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        lo := first; hi := ns_today();
    ELSIF TG_OP = 'INSERT' THEN
        SELECT min(day), max(day) INTO lo, hi FROM new_rows WHERE currency = ANY (used);
    ELSIF TG_OP = 'DELETE' THEN
        SELECT min(day), max(day) INTO lo, hi FROM old_rows WHERE currency = ANY (used);
    ELSE
        SELECT min(least(o.day, n.day)), max(greatest(o.day, n.day)) INTO lo, hi
          FROM old_rows o JOIN new_rows n ON n.currency = o.currency AND n.day = o.day
         WHERE n.per_eur <> o.per_eur AND n.currency = ANY (used);
    END IF;
    IF lo IS NULL THEN
        RETURN NULL;
    END IF;
    lo := greatest(lo, first);
    hi := least(hi + fx_lookback_days() - 1, ns_today());
    IF current_setting('northstar.rollup_skip_dirty', true) IS DISTINCT FROM 'on' AND lo <= hi THEN
        INSERT INTO rollup_dirty_days (day)
        SELECT g::date FROM generate_series(lo, hi, interval '1 day') g ORDER BY 1
        ON CONFLICT DO NOTHING;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(hashtext('northstar.revenue_mrr_month')::bigint);
    PERFORM revenue_mrr_cache_drop(lo);
    RETURN NULL;
END
$$;
SELECT derived_triggers('fx_rates', 'changed', 'fx_rates_changed', true);

-- Compute the missing full months among the 36 before the current one (first data month on);
-- returns the number of months stored.  Never makes a writer wait long: it does nothing while a
-- writer is in flight (a try-lock, which does not queue: a waiting exclusive request would hold up
-- every writer behind it, and an ingest batch would time out behind a long import), and it stops
-- after about a second of work, leaving the other months to its next run (readers compute a
-- missing month live, so this only costs them speed).
CREATE OR REPLACE FUNCTION revenue_mrr_month_fill() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    m  date;
    n  integer := 0;
    first_month date;
    t0 timestamptz := clock_timestamp();
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('northstar.revenue_mrr_month')::bigint) THEN
        RETURN 0;
    END IF;
    first_month := date_trunc('month', (SELECT min(valid_from) FROM subscriptions))::date;
    IF first_month IS NULL THEN
        RETURN 0;
    END IF;
    FOR m IN
        SELECT g::date FROM generate_series(greatest(first_month, (date_trunc('month', ns_today()) - interval '36 months')::date),
                                            (date_trunc('month', ns_today()) - interval '1 month')::date, interval '1 month') g
        WHERE NOT EXISTS (SELECT 1 FROM revenue_mrr_month r WHERE r.month = g::date)
    LOOP
        INSERT INTO revenue_mrr_month (month, start_cents, start_customers, new_cents, expansion_cents,
                                       contraction_cents, churn_cents, reactivation_cents, end_cents,
                                       end_customers, new_n, expansion_n, contraction_n, churn_n, reactivation_n,
                                       fx_cents, fx_n)
        SELECT m, s.start_cents, s.start_customers, s.new_cents, s.expansion_cents, s.contraction_cents,
               s.churn_cents, s.reactivation_cents, s.end_cents, s.end_customers, s.new_n, s.expansion_n,
               s.contraction_n, s.churn_n, s.reactivation_n, s.fx_cents, s.fx_n
        FROM revenue_movement_series(ARRAY[m - 1, (m + interval '1 month')::date - 1]) s;
        n := n + 1;
        EXIT WHEN clock_timestamp() - t0 > interval '1 second';
    END LOOP;
    RETURN n;
END
$$;

-- Store the intervals read as of today when missing — the summary's two (today − 1 month → today,
-- and the month before) and the current month to date — with their movers, and drop those of
-- earlier days; returns the number of intervals stored.  The same try-lock as
-- revenue_mrr_month_fill.
CREATE OR REPLACE FUNCTION revenue_mrr_interval_fill() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    t   date := ns_today();
    t1  date := (ns_today() - interval '1 month')::date;    -- a month before today
    t2  date := (ns_today() - interval '2 months')::date;
    mtd date := date_trunc('month', ns_today())::date - 1;  -- the last day before this month
    v  record;
    n  integer := 0;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('northstar.revenue_mrr_month')::bigint) THEN
        RETURN 0;
    END IF;
    DELETE FROM revenue_mrr_interval WHERE (d0, d1) NOT IN ((t1, t), (t2, t1), (mtd, t));
    DELETE FROM revenue_mrr_interval_customer WHERE (d0, d1) NOT IN ((t1, t), (t2, t1), (mtd, t));
    FOR v IN SELECT DISTINCT x.d0, x.d1 FROM (VALUES (t2, t1), (t1, t), (mtd, t)) x(d0, d1)
             WHERE NOT EXISTS (SELECT 1 FROM revenue_mrr_interval r WHERE r.d0 = x.d0 AND r.d1 = x.d1)
    LOOP
        DELETE FROM revenue_mrr_interval_customer WHERE d0 = v.d0 AND d1 = v.d1;
        INSERT INTO revenue_mrr_interval_customer (d0, d1, customer_id, m0, m1, fx, delta, kind)
        SELECT v.d0, v.d1, k.customer_id, k.m0, k.m1, k.fx, k.delta, k.kind
        FROM revenue_movement_customers(ARRAY[v.d0, v.d1]) k WHERE k.kind IS NOT NULL;
        INSERT INTO revenue_mrr_interval (d0, d1, start_cents, start_customers, new_cents, expansion_cents,
                                          contraction_cents, churn_cents, reactivation_cents, end_cents,
                                          end_customers, new_n, expansion_n, contraction_n, churn_n, reactivation_n,
                                          fx_cents, fx_n)
        SELECT s.d0, s.d1, s.start_cents, s.start_customers, s.new_cents, s.expansion_cents, s.contraction_cents,
               s.churn_cents, s.reactivation_cents, s.end_cents, s.end_customers, s.new_n, s.expansion_n,
               s.contraction_n, s.churn_n, s.reactivation_n, s.fx_cents, s.fx_n
        FROM revenue_movement_series(ARRAY[v.d0, v.d1]) s;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

-- The movers of (p_d0, p_d1]: stored (revenue_mrr_interval_customer, when its interval is stored),
-- else computed live; the rows of revenue_movement_customers with a kind.
CREATE OR REPLACE FUNCTION revenue_interval_movers(p_d0 date, p_d1 date)
RETURNS TABLE (customer_id int, m0 bigint, m1 bigint, fx bigint, delta bigint, kind text)
LANGUAGE sql STABLE AS $$
    SELECT s.customer_id, s.m0, s.m1, s.fx, s.delta, s.kind FROM revenue_mrr_interval_customer s
     WHERE s.d0 = p_d0 AND s.d1 = p_d1
       AND EXISTS (SELECT 1 FROM revenue_mrr_interval i WHERE i.d0 = p_d0 AND i.d1 = p_d1)
    UNION ALL
    SELECT k.customer_id, k.m0, k.m1, k.fx, k.delta, k.kind FROM revenue_movement_customers(ARRAY[p_d0, p_d1]) k
     WHERE k.kind IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM revenue_mrr_interval i WHERE i.d0 = p_d0 AND i.d1 = p_d1)
$$;

-- ---------------------------------------------------------------- realised customer value

-- Net paid per customer over all time (payment_success − refund − chargeback), trigger-maintained;
-- value up to a past day = this minus the (few) events after it.
CREATE TABLE IF NOT EXISTS revenue_customer_paid (
    customer_id     int PRIMARY KEY,
    net_paid_cents  bigint NOT NULL
);

-- Movements of the intervals (d0, d1] given as two arrays: calendar months (d0 and d1 both
-- month ends) come from revenue_mrr_month when present, the summary's intervals as of today from
-- revenue_mrr_interval, anything else is computed (revenue_movement_series).  The revenue views
-- (services/revenue/revenue.sql) and the customers' monthly churn (api.users_month_churn) read it.
CREATE OR REPLACE FUNCTION revenue_movement_pairs(p_d0 date[], p_d1 date[])
RETURNS TABLE (j int, d0 date, d1 date, start_cents bigint, start_customers int,
               new_cents bigint, expansion_cents bigint, contraction_cents bigint, churn_cents bigint,
               reactivation_cents bigint, end_cents bigint, end_customers int,
               new_n int, expansion_n int, contraction_n int, churn_n int, reactivation_n int,
               fx_cents bigint, fx_n int)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  i int;
  mon date;
BEGIN
  FOR i IN 1 .. coalesce(cardinality(p_d0), 0) LOOP
    mon := date_trunc('month', p_d1[i])::date;
    IF p_d0[i] = mon - 1 AND p_d1[i] = (mon + interval '1 month')::date - 1 THEN
      RETURN QUERY SELECT i, p_d0[i], p_d1[i], m.start_cents, m.start_customers, m.new_cents, m.expansion_cents,
                          m.contraction_cents, m.churn_cents, m.reactivation_cents, m.end_cents, m.end_customers,
                          m.new_n, m.expansion_n, m.contraction_n, m.churn_n, m.reactivation_n, m.fx_cents, m.fx_n
                     FROM revenue_mrr_month m WHERE m.month = mon;
      IF FOUND THEN CONTINUE; END IF;
    END IF;
    RETURN QUERY SELECT i, m.d0, m.d1, m.start_cents, m.start_customers, m.new_cents, m.expansion_cents,
                        m.contraction_cents, m.churn_cents, m.reactivation_cents, m.end_cents, m.end_customers,
                        m.new_n, m.expansion_n, m.contraction_n, m.churn_n, m.reactivation_n, m.fx_cents, m.fx_n
                   FROM revenue_mrr_interval m WHERE m.d0 = p_d0[i] AND m.d1 = p_d1[i];
    IF FOUND THEN CONTINUE; END IF;
    RETURN QUERY SELECT i, s.d0, s.d1, s.start_cents, s.start_customers, s.new_cents, s.expansion_cents,
                        s.contraction_cents, s.churn_cents, s.reactivation_cents, s.end_cents, s.end_customers,
                        s.new_n, s.expansion_n, s.contraction_n, s.churn_n, s.reactivation_n, s.fx_cents, s.fx_n
                   FROM revenue_movement_series(ARRAY[p_d0[i], p_d1[i]]) s;
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION revenue_customer_paid_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    src text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM revenue_customer_paid;
        RETURN NULL;
    END IF;
    src := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS sg, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS sg, * FROM old_rows'
        ELSE 'SELECT 1 AS sg, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows' END;
    EXECUTE format($f$
        INSERT INTO revenue_customer_paid AS r
        SELECT customer_id, sum(sg * CASE kind WHEN 'payment_success' THEN amount_cents ELSE -amount_cents END)
        FROM (%s) x WHERE kind IN ('payment_success', 'refund', 'chargeback')
        GROUP BY 1 ORDER BY 1
        ON CONFLICT (customer_id) DO UPDATE SET net_paid_cents = r.net_paid_cents + EXCLUDED.net_paid_cents$f$, src);
    RETURN NULL;
END
$$;
SELECT derived_triggers('billing_events', 'revenue', 'revenue_customer_paid_apply', true);

-- Periodic job of the revenue service: revenue_source_daily up to date with metrics_daily, then the
-- missing MRR months.  Returns the work done (days + months), 0 when idle.
CREATE OR REPLACE FUNCTION revenue_rollup_check() RETURNS integer
LANGUAGE sql AS $$ SELECT rollup_follow('revenue') + revenue_mrr_month_fill() + revenue_mrr_interval_fill() $$;

-- First load: value per customer from whatever billing events exist.
DELETE FROM revenue_customer_paid;
INSERT INTO revenue_customer_paid
SELECT customer_id, sum(CASE kind WHEN 'payment_success' THEN amount_cents ELSE -amount_cents END)
FROM billing_events WHERE kind IN ('payment_success', 'refund', 'chargeback') GROUP BY 1;
