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

-- Rebuild when the session's reporting zone is not the one the table was built in (cheap check;
-- the revenue service runs it periodically).  Returns rows rebuilt, 0 when nothing to do.
CREATE OR REPLACE FUNCTION revenue_rollup_check() RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT tz FROM revenue_rollup_state) IS NOT DISTINCT FROM ns_tz() THEN
        RETURN 0;
    END IF;
    RETURN revenue_rollup_rebuild();
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
