-- lockdown.sql — applied after every other SQL file (sql/schema/*.sql, then services/*/*.sql), by
-- each loader: scripts/stack.sh, deploy/db-init.sh.  Re-running it is safe.
--
-- A SECURITY DEFINER function runs with its owner's rights (the superuser's, or a NOLOGIN owner
-- role's), and PostgreSQL lets PUBLIC execute every new function: the read-only BI role could
-- refresh the rollups, or ingest.  So: no PUBLIC execute on any SECURITY DEFINER function in the
-- project's schemas.  A function whose file left it to PUBLIC was meant for the services: it goes
-- to northstar_app instead (the role the services connect as), so nobody gains a right and only
-- PUBLIC loses one.  A function its file already took from PUBLIC (audit_purge: the owner only;
-- the sign-in limits') keeps exactly the grants its file gave.
-- The test that lists what each role may execute: tests/integration/t-privilege.sh.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prosecdef AND n.nspname IN ('public', 'api')
          AND (p.proacl IS NULL
               OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'))
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO northstar_app', f);
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END $$;

-- The one exception: the BI role reads bi_customer_success, which calls customer_health(date), a
-- STABLE (read-only) SECURITY DEFINER function, so that the role needs no grant on the tables the
-- score is computed from (040_metric_functions.sql).
GRANT EXECUTE ON FUNCTION customer_health(date) TO northstar_bi;
