-- 035_rollup_follow.sql — the one refresh mechanism of the derived tables that follow
-- metrics_daily: every domain registers its follower here once (rollup_follower_register) and its
-- entry point calls rollup_follow(name) (revenue_rollup_check, users_refresh, marketing_refresh,
-- product_rollup_refresh, product_ops_refresh, customer_health_refresh).
--
-- A follower is a compute function f(p_lo date, p_hi date) that recomputes its tables for those
-- reporting days (delete + insert) from the raw tables and the data layer's rollups.  The data
-- layer marks days dirty (rollup_install_triggers in 030_rollups.sql) and rollup_refresh()
-- recomputes them, which moves metrics_daily.refreshed_at; a follower day is stale when the
-- metrics_daily row it was computed from was recomputed since, or is gone.  So the followers need no
-- triggers, dirty-day tables or state of their own.
SET client_min_messages = warning;
DROP FUNCTION IF EXISTS rollup_follow(regclass, regproc);   -- the per-domain form it replaces

CREATE TABLE IF NOT EXISTS rollup_followers (
    name             text PRIMARY KEY,
    compute          text NOT NULL,     -- the compute function's name
    tables           text[] NOT NULL,   -- its tables, emptied when it starts from scratch
    tz               text,              -- the zone they were built in (NULL: start from scratch)
    source_rebuild   timestamptz,       -- rollup_state.last_rebuild_at they were built after
    last_refresh_at  timestamptz
);

-- Which version of each metrics_daily day (its refreshed_at) a follower computed the day from.
CREATE TABLE IF NOT EXISTS rollup_follower_days (
    follower             text NOT NULL REFERENCES rollup_followers (name) ON DELETE CASCADE,
    day                  date NOT NULL,
    source_refreshed_at  timestamptz NOT NULL,
    PRIMARY KEY (follower, day)
);

-- Register (or re-register, when a schema file is applied again) a follower.  A changed compute
-- function or table list makes the follower start from scratch at its next refresh.
CREATE OR REPLACE FUNCTION rollup_follower_register(p_name text, p_compute regproc, VARIADIC p_tables regclass[])
RETURNS void LANGUAGE sql AS $$
    INSERT INTO rollup_followers AS f (name, compute, tables)
    VALUES (p_name, p_compute::text, (SELECT array_agg(t::text ORDER BY o) FROM unnest(p_tables) WITH ORDINALITY u(t, o)))
    ON CONFLICT (name) DO UPDATE
    SET compute = EXCLUDED.compute, tables = EXCLUDED.tables,
        tz = CASE WHEN (f.compute, f.tables) IS NOT DISTINCT FROM (EXCLUDED.compute, EXCLUDED.tables) THEN f.tz END
$$;

-- Bring follower p_name up to date with metrics_daily; returns the number of days recomputed.
--  * One lock policy: a caller waits for a refresh of the same follower that is running, then does
--    what is left (usually nothing), so "the call returned" means "the tables are current".
--  * One preamble: after a change of northstar.tz or a data-layer rebuild (rollup_rebuild()) the
--    follower's tables are emptied and every day is recomputed.
--  * Stale and gone days (above) are recomputed in contiguous runs, one compute call per run.  The
--    stale set is taken once, into a temporary table, so that what is recorded as done is exactly
--    what was computed even if rollup_refresh() commits meanwhile.
--  * JIT off: a follower recomputes a few days, where compiling its statements (estimated on
--    generate_series' 1,000 rows) cost 1.5 s of the 2 s a day of the product follower took.
CREATE OR REPLACE FUNCTION rollup_follow(p_name text) RETURNS integer
LANGUAGE plpgsql
SET jit = off
AS $$
DECLARE
    f  rollup_followers;
    r  record;
    n  integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('northstar.follow.' || p_name)::bigint);
    SELECT * INTO f FROM rollup_followers WHERE name = p_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no rollup follower named %', p_name;
    END IF;
    IF f.tz IS DISTINCT FROM ns_tz() OR f.source_rebuild IS DISTINCT FROM (SELECT last_rebuild_at FROM rollup_state) THEN
        EXECUTE 'TRUNCATE ' || array_to_string(f.tables, ', ');
        DELETE FROM rollup_follower_days WHERE follower = p_name;
        UPDATE rollup_followers SET tz = ns_tz(), source_rebuild = (SELECT last_rebuild_at FROM rollup_state)
        WHERE name = p_name;
    END IF;

    CREATE TEMP TABLE IF NOT EXISTS rollup_follow_stale (day date, refreshed_at timestamptz) ON COMMIT DROP;
    TRUNCATE rollup_follow_stale;
    INSERT INTO rollup_follow_stale
    SELECT m.day, m.refreshed_at FROM metrics_daily m
    LEFT JOIN rollup_follower_days k ON k.follower = p_name AND k.day = m.day
    WHERE k.source_refreshed_at IS DISTINCT FROM m.refreshed_at
    UNION ALL   -- gone: recomputed (normally to nothing) and forgotten
    SELECT k.day, NULL FROM rollup_follower_days k
    WHERE k.follower = p_name AND NOT EXISTS (SELECT 1 FROM metrics_daily m WHERE m.day = k.day);
    FOR r IN
        SELECT min(day) AS lo, max(day) AS hi
        FROM (SELECT day, day - (row_number() OVER (ORDER BY day))::int AS grp FROM rollup_follow_stale) s
        GROUP BY grp ORDER BY 1
    LOOP
        EXECUTE format('SELECT %s($1, $2)', f.compute) USING r.lo, r.hi;
        n := n + (r.hi - r.lo + 1);
    END LOOP;
    DELETE FROM rollup_follower_days k
    USING rollup_follow_stale s WHERE k.follower = p_name AND k.day = s.day AND s.refreshed_at IS NULL;
    INSERT INTO rollup_follower_days (follower, day, source_refreshed_at)
    SELECT p_name, day, refreshed_at FROM rollup_follow_stale WHERE refreshed_at IS NOT NULL
    ON CONFLICT (follower, day) DO UPDATE SET source_refreshed_at = EXCLUDED.source_refreshed_at;
    UPDATE rollup_followers SET last_refresh_at = now() WHERE name = p_name;
    DROP TABLE rollup_follow_stale;
    -- a follower that recomputed after a data change gives its readers a new data version too
    -- (570_live.sql); today's day, recomputed at every refresh, alone does not
    IF n > 0 AND (SELECT data_changed_at FROM live_state) > coalesce(f.last_refresh_at, '-infinity') THEN
        PERFORM live_data_changed(p_rollups => false);
    END IF;
    RETURN n;
END
$$;
