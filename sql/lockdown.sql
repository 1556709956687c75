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

-- The reports' principal (docs/operations.md "Reports"): the alerts job builds each scheduled
-- report's document in a session of its own that has SET ROLE northstar_reports.  That role cannot
-- log in and may only read: the business and derived tables (no INSERT, UPDATE or DELETE anywhere),
-- the non-SECURITY DEFINER functions (PUBLIC's), and those SECURITY DEFINER functions that are
-- declared STABLE or IMMUTABLE (PostgreSQL refuses a write inside them).  It may not read what a
-- report never shows: password hashes and token versions, API keys, the audit log, the
-- notification settings, the schedules and deliveries (their webhook URLs).  northstar_app is its
-- member (without inheriting), so that the job may switch to it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'northstar_reports') THEN
        CREATE ROLE northstar_reports NOLOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA public, api TO northstar_reports;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO northstar_reports;
REVOKE SELECT ON app_users, api_keys, audit_log, alert_settings, report_schedules, alert_deliveries,
                 report_run_parts FROM northstar_reports;
GRANT SELECT (id, email, name, role, disabled, created_at) ON app_users TO northstar_reports;
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prosecdef AND p.provolatile IN ('s', 'i') AND n.nspname IN ('public', 'api')
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO northstar_reports', f);
    END LOOP;
END $$;
GRANT northstar_reports TO northstar_app;
-- Only SET ROLE: northstar_app does not inherit what northstar_reports may read (the sign-in
-- tables, SECURITY DEFINER functions the services are not granted).  northstar_app is a member of
-- no other role, so NOINHERIT changes nothing else (t-signin-limit.sh checks its grants).
ALTER ROLE northstar_app NOINHERIT;
