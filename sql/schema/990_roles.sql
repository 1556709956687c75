-- 990_roles.sql — the database role the services connect as.
--
-- northstar_app may read everything, but write only what the services
-- own: derived tables (rollups and the services' pre-aggregates, which
-- their periodic jobs rebuild), the alert tables, the RUM beacons, and
-- app_users.token_version (logout).  Business data — customers,
-- subscriptions, orders, events … — is read-only to it: nothing the API
-- does can change a figure's source.  Applied last, so it covers every
-- table the files before it created; re-running it is safe.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'northstar_app') THEN
        CREATE ROLE northstar_app LOGIN;
    END IF;
END $$;

GRANT USAGE ON SCHEMA public, api TO northstar_app;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO northstar_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO northstar_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public, api TO northstar_app;
GRANT UPDATE (token_version) ON app_users TO northstar_app;

DO $$
DECLARE
    t text;
    business constant text[] := ARRAY[
        'app_users', 'plans', 'customers', 'subscriptions', 'orders', 'billing_events',
        'campaigns', 'ad_spend', 'usage_records', 'support_tickets', 'nps_responses',
        'leads', 'opportunities', 'sales_activities', 'expenses', 'cash_balances',
        'referrals', 'targets'];
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND NOT c.relispartition
          AND c.relname <> 'events'
          AND c.relname <> ALL (business)
    LOOP
        EXECUTE format('GRANT INSERT, UPDATE, DELETE, TRUNCATE ON public.%I TO northstar_app', t);
    END LOOP;
END $$;

-- The rollup refresh also creates next month's events partition: DDL on a
-- business table, so it runs with its owner's rights (no parameters, fixed
-- search_path).
ALTER FUNCTION rollup_refresh() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION rollup_rebuild() SECURITY DEFINER SET search_path = public, pg_temp;
