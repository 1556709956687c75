-- lockdown.sql — applied after every other SQL file (sql/schema/*.sql, then services/*/*.sql), by
-- each loader: scripts/stack.sh, deploy/db-init.sh.  Re-running it is safe.
--
-- A SECURITY DEFINER function runs with its owner's rights (the superuser's, or northstar_ingest's),
-- and PostgreSQL lets PUBLIC execute every new function: the read-only BI role could refresh the
-- rollups, or ingest.  So: no PUBLIC execute on any SECURITY DEFINER function in the project's
-- schemas, and execute for northstar_app alone, the role the services connect as (each of these
-- functions is called by a service: the jobs' rollup refresh, the ingestion routes, the key check).
-- The test that lists what each role may execute: tests/integration/t-privilege.sh.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prosecdef AND n.nspname IN ('public', 'api')
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO northstar_app', f);
    END LOOP;
END $$;

-- The one exception: the BI role reads bi_customer_success, which calls customer_health(date), a
-- STABLE (read-only) SECURITY DEFINER function, so that the role needs no grant on the tables the
-- score is computed from (040_metric_functions.sql).
GRANT EXECUTE ON FUNCTION customer_health(date) TO northstar_bi;
