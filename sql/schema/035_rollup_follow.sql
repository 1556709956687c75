-- 035_rollup_follow.sql — the shared refresh loop of the services' derived
-- tables that follow metrics_daily (marketing, product, product ops).
--
-- Each follower keeps a "days" table (day, source_refreshed_at): the
-- metrics_daily.refreshed_at its rows for that day were computed from.  A
-- day whose metrics_daily row was recomputed since is stale.  The stale set
-- is taken once, into a temporary table, so that what is recorded as done
-- is exactly what was computed even if rollup_refresh() commits meanwhile.
CREATE OR REPLACE FUNCTION rollup_follow(p_days regclass, p_compute regproc) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    r  record;
    n  integer := 0;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS rollup_follow_stale (day date, refreshed_at timestamptz) ON COMMIT DROP;
    TRUNCATE rollup_follow_stale;
    EXECUTE format('INSERT INTO rollup_follow_stale
                    SELECT m.day, m.refreshed_at FROM metrics_daily m LEFT JOIN %s k ON k.day = m.day
                    WHERE k.source_refreshed_at IS DISTINCT FROM m.refreshed_at', p_days);
    -- contiguous runs of stale days, each computed in one call
    FOR r IN
        SELECT min(day) AS lo, max(day) AS hi
        FROM (SELECT day, day - (row_number() OVER (ORDER BY day))::int AS grp FROM rollup_follow_stale) s
        GROUP BY grp ORDER BY 1
    LOOP
        EXECUTE format('SELECT %s($1, $2)', p_compute) USING r.lo, r.hi;
        n := n + (r.hi - r.lo + 1);
    END LOOP;
    EXECUTE format('INSERT INTO %s (day, source_refreshed_at) SELECT day, refreshed_at FROM rollup_follow_stale
                    ON CONFLICT (day) DO UPDATE SET source_refreshed_at = EXCLUDED.source_refreshed_at', p_days);
    DROP TABLE rollup_follow_stale;
    RETURN n;
END
$$;
