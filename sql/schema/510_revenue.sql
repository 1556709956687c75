-- Revenue pre-aggregate: orders per reporting day and source (for /api/revenue/by-source and
-- /api/revenue/refunds), kept exact by statement triggers on orders that apply deltas.
SET client_min_messages = warning;

-- Orders per reporting day (in revenue_rollup_state.tz) and source.  Refunds and chargebacks stay on
-- the order's day, exactly as in metrics_daily (docs/metrics.md, attribution rules).
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

-- Single row: the zone revenue_source_daily is built in.  Readers whose ns_tz() differs fall back
-- to the raw orders; the revenue service's job rebuilds (revenue_rollup_check()).
CREATE TABLE IF NOT EXISTS revenue_rollup_state (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    tz   text NOT NULL
);

-- Recompute revenue_source_daily from the raw orders in the caller's zone.  Returns the row count.
CREATE OR REPLACE FUNCTION revenue_rollup_rebuild() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('northstar.revenue_rollup')::bigint);
    DELETE FROM revenue_source_daily;
    INSERT INTO revenue_rollup_state (id, tz) VALUES (true, ns_tz())
    ON CONFLICT (id) DO UPDATE SET tz = EXCLUDED.tz;
    INSERT INTO revenue_source_daily
    SELECT ns_day(ordered_at), source, count(*), sum(total_cents), sum(cogs_cents),
           count(*) FILTER (WHERE refunded_cents > 0), sum(refunded_cents),
           count(*) FILTER (WHERE chargeback_cents > 0), sum(chargeback_cents)
    FROM orders GROUP BY 1, 2;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- Statement trigger on orders: add the new rows, subtract the old ones, per (day, source).
-- The day is taken in the table's zone, so the table stays consistent whatever the writer's zone.
CREATE OR REPLACE FUNCTION revenue_source_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    tz   text := (SELECT s.tz FROM revenue_rollup_state s);
    src  text;
BEGIN
    src := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS sg, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS sg, * FROM old_rows'
        ELSE 'SELECT 1 AS sg, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows' END;
    EXECUTE format($f$
        INSERT INTO revenue_source_daily AS r
        SELECT (ordered_at AT TIME ZONE $1)::date, source, sum(sg), sum(sg * total_cents), sum(sg * cogs_cents),
               coalesce(sum(sg) FILTER (WHERE refunded_cents > 0), 0), sum(sg * refunded_cents),
               coalesce(sum(sg) FILTER (WHERE chargeback_cents > 0), 0), sum(sg * chargeback_cents)
        FROM (%s) x GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (day, source) DO UPDATE SET
            orders = r.orders + EXCLUDED.orders,
            revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents,
            cogs_cents = r.cogs_cents + EXCLUDED.cogs_cents,
            refunds = r.refunds + EXCLUDED.refunds,
            refunded_cents = r.refunded_cents + EXCLUDED.refunded_cents,
            chargebacks = r.chargebacks + EXCLUDED.chargebacks,
            chargeback_cents = r.chargeback_cents + EXCLUDED.chargeback_cents$f$, src)
    USING coalesce(tz, ns_tz());
    RETURN NULL;
END
$$;

-- TRUNCATE orders (also through TRUNCATE customers CASCADE) empties the pre-aggregate.
CREATE OR REPLACE FUNCTION revenue_source_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM revenue_source_daily;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER orders_revenue_ins AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION revenue_source_apply();
CREATE OR REPLACE TRIGGER orders_revenue_upd AFTER UPDATE ON orders
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION revenue_source_apply();
CREATE OR REPLACE TRIGGER orders_revenue_del AFTER DELETE ON orders REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION revenue_source_apply();
CREATE OR REPLACE TRIGGER orders_revenue_trunc AFTER TRUNCATE ON orders
    FOR EACH STATEMENT EXECUTE FUNCTION revenue_source_truncate();

-- First load (and any reload of this file): build from whatever orders exist.
SELECT revenue_rollup_rebuild();

-- Opportunities by stage for the open pipeline (small table; the index keeps the open set cheap).
CREATE INDEX IF NOT EXISTS opportunities_open_idx ON opportunities (stage, owner_id) WHERE closed_at IS NULL;

-- ---------------------------------------------------------------- MRR movements

-- MRR movements between consecutive dates of p_points (interval j = p_points[j-1] -> p_points[j],
-- j = 2..n, reported as j - 1), the rules of mrr_movements() (docs/metrics.md) computed in one pass
-- over subscriptions.  start_cents + new + expansion + contraction + churn + reactivation = end_cents
-- exactly (contraction and churn are negative deltas).
CREATE OR REPLACE FUNCTION revenue_movement_series(p_points date[])
RETURNS TABLE (j int, d0 date, d1 date, start_cents bigint, start_customers int,
               new_cents bigint, expansion_cents bigint, contraction_cents bigint, churn_cents bigint,
               reactivation_cents bigint, end_cents bigint, end_customers int,
               new_n int, expansion_n int, contraction_n int, churn_n int, reactivation_n int)
LANGUAGE sql STABLE AS $$
  WITH pt AS (
    SELECT u.i::int AS i, u.d FROM unnest(p_points) WITH ORDINALITY u(d, i)
  ), m AS (
    SELECT pt.i, s.customer_id, sum(s.mrr_cents)::bigint AS mrr
      FROM pt JOIN subscriptions s ON s.valid_from <= pt.d AND (s.valid_to IS NULL OR s.valid_to > pt.d)
     GROUP BY 1, 2 HAVING sum(s.mrr_cents) > 0
  ), x AS (
    -- each customer-point is the end of interval i and the start of interval i+1
    SELECT v.j, m.customer_id,
           coalesce(sum(m.mrr) FILTER (WHERE m.i = v.j - 1), 0) AS m0,
           coalesce(sum(m.mrr) FILTER (WHERE m.i = v.j), 0) AS m1
      FROM m CROSS JOIN LATERAL (VALUES (m.i), (m.i + 1)) v(j)
     WHERE v.j BETWEEN 2 AND cardinality(p_points)
     GROUP BY 1, 2
  ), k AS (
    SELECT x.j, x.m0, x.m1, x.m1 - x.m0 AS delta,
           CASE WHEN x.m0 = x.m1 THEN NULL
                WHEN x.m0 = 0 AND EXISTS (SELECT 1 FROM subscriptions s
                                           WHERE s.customer_id = x.customer_id AND s.mrr_cents > 0
                                             AND s.valid_from < p0.d) THEN 'reactivation'
                WHEN x.m0 = 0 THEN 'new'
                WHEN x.m1 = 0 THEN 'churn'
                WHEN x.m1 > x.m0 THEN 'expansion'
                ELSE 'contraction' END AS kind
      FROM x JOIN pt p0 ON p0.i = x.j - 1
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
         (count(*) FILTER (WHERE k.kind = 'reactivation'))::int
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

-- Writers take the shared lock, the filler the exclusive one, so a month computed from an old
-- snapshot can never be stored after the change that invalidated it.
CREATE OR REPLACE FUNCTION revenue_mrr_month_invalidate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    lo date;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtext('northstar.revenue_mrr_month')::bigint);
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM revenue_mrr_month;
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT min(valid_from) INTO lo FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT min(valid_from) INTO lo FROM old_rows;
    ELSE
        -- only the end moved (closing a row): MRR changes from the earlier of the two ends on
        SELECT min(CASE WHEN o.customer_id = n.customer_id AND o.mrr_cents = n.mrr_cents AND o.valid_from = n.valid_from
                        THEN least(coalesce(o.valid_to, n.valid_to), coalesce(n.valid_to, o.valid_to))
                        ELSE least(o.valid_from, n.valid_from) END)
          INTO lo FROM old_rows o JOIN new_rows n ON n.id = o.id;
    END IF;
    IF lo IS NOT NULL THEN
        DELETE FROM revenue_mrr_month WHERE month >= date_trunc('month', lo)::date;
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER subscriptions_revenue_ins AFTER INSERT ON subscriptions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION revenue_mrr_month_invalidate();
CREATE OR REPLACE TRIGGER subscriptions_revenue_upd AFTER UPDATE ON subscriptions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION revenue_mrr_month_invalidate();
CREATE OR REPLACE TRIGGER subscriptions_revenue_del AFTER DELETE ON subscriptions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION revenue_mrr_month_invalidate();
CREATE OR REPLACE TRIGGER subscriptions_revenue_trunc AFTER TRUNCATE ON subscriptions
    FOR EACH STATEMENT EXECUTE FUNCTION revenue_mrr_month_invalidate();

-- Compute the missing full months among the 36 before the current one (first data month on).
-- Returns the number of months stored; 0 at once when another session is filling.
CREATE OR REPLACE FUNCTION revenue_mrr_month_fill() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    m  date;
    n  integer := 0;
    first_month date := date_trunc('month', (SELECT min(valid_from) FROM subscriptions))::date;
BEGIN
    IF first_month IS NULL OR NOT pg_try_advisory_xact_lock(hashtext('northstar.revenue_mrr_month')::bigint) THEN
        RETURN 0;
    END IF;
    FOR m IN
        SELECT g::date FROM generate_series(greatest(first_month, (date_trunc('month', ns_today()) - interval '36 months')::date),
                                            (date_trunc('month', ns_today()) - interval '1 month')::date, interval '1 month') g
        WHERE NOT EXISTS (SELECT 1 FROM revenue_mrr_month r WHERE r.month = g::date)
    LOOP
        INSERT INTO revenue_mrr_month (month, start_cents, start_customers, new_cents, expansion_cents,
                                       contraction_cents, churn_cents, reactivation_cents, end_cents,
                                       end_customers, new_n, expansion_n, contraction_n, churn_n, reactivation_n)
        SELECT m, s.start_cents, s.start_customers, s.new_cents, s.expansion_cents, s.contraction_cents,
               s.churn_cents, s.reactivation_cents, s.end_cents, s.end_customers, s.new_n, s.expansion_n,
               s.contraction_n, s.churn_n, s.reactivation_n
        FROM revenue_movement_series(ARRAY[m - 1, (m + interval '1 month')::date - 1]) s;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

-- ---------------------------------------------------------------- realised customer value

-- Net paid per customer over all time (payment_success − refund − chargeback), trigger-maintained;
-- value up to a past day = this minus the (few) events after it.
CREATE TABLE IF NOT EXISTS revenue_customer_paid (
    customer_id     int PRIMARY KEY,
    net_paid_cents  bigint NOT NULL
);

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
CREATE OR REPLACE TRIGGER billing_events_revenue_ins AFTER INSERT ON billing_events REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION revenue_customer_paid_apply();
CREATE OR REPLACE TRIGGER billing_events_revenue_upd AFTER UPDATE ON billing_events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION revenue_customer_paid_apply();
CREATE OR REPLACE TRIGGER billing_events_revenue_del AFTER DELETE ON billing_events REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION revenue_customer_paid_apply();
CREATE OR REPLACE TRIGGER billing_events_revenue_trunc AFTER TRUNCATE ON billing_events
    FOR EACH STATEMENT EXECUTE FUNCTION revenue_customer_paid_apply();

-- ---------------------------------------------------------------- health snapshot

-- customer_health(today) is ~1 s at SCALE=1, too slow for a dashboard call: the revenue service's job
-- stores today's scores here (refreshed when older than 10 minutes); other days are computed live.
CREATE TABLE IF NOT EXISTS revenue_health_snapshot (
    day           date NOT NULL,
    customer_id   int NOT NULL,
    health_score  int NOT NULL,
    active_days_30d int NOT NULL,
    PRIMARY KEY (day, customer_id)
);
CREATE TABLE IF NOT EXISTS revenue_health_snapshot_state (
    day          date PRIMARY KEY,
    computed_at  timestamptz NOT NULL
);

CREATE OR REPLACE FUNCTION revenue_health_snapshot_refresh() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    d date := ns_today();
    n integer;
BEGIN
    IF EXISTS (SELECT 1 FROM revenue_health_snapshot_state WHERE day = d AND computed_at > now() - interval '10 minutes') THEN
        RETURN 0;
    END IF;
    DELETE FROM revenue_health_snapshot WHERE day = d OR day < d - 7;
    DELETE FROM revenue_health_snapshot_state WHERE day = d OR day < d - 7;
    INSERT INTO revenue_health_snapshot SELECT d, h.customer_id, h.health_score, h.active_days_30d FROM customer_health(d) h;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO revenue_health_snapshot_state VALUES (d, now());
    RETURN n;
END
$$;

-- Periodic job of the revenue service: zone check of revenue_source_daily, missing MRR months,
-- today's health snapshot.  Returns the work done (rows/months), 0 when idle.
CREATE OR REPLACE FUNCTION revenue_rollup_check() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer := 0;
BEGIN
    IF (SELECT tz FROM revenue_rollup_state) IS DISTINCT FROM ns_tz() THEN
        n := revenue_rollup_rebuild();
    END IF;
    RETURN n + revenue_mrr_month_fill() + revenue_health_snapshot_refresh();
END
$$;

-- First load: value per customer from whatever billing events exist.
DELETE FROM revenue_customer_paid;
INSERT INTO revenue_customer_paid
SELECT customer_id, sum(CASE kind WHEN 'payment_success' THEN amount_cents ELSE -amount_cents END)
FROM billing_events WHERE kind IN ('payment_success', 'refund', 'chargeback') GROUP BY 1;
