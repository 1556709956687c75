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

-- No JIT compilation for the services' sessions: their statements run in milliseconds, and at
-- SCALE=10 the planner's estimates cross jit_above_cost, so compiling cost 100-270 ms per call
-- (users/viral: 269 ms of JIT for a 2 ms query).  Taken at connection (pgbouncer included).
ALTER ROLE northstar_app SET jit = off;
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
        'referrals', 'targets',
        -- ingestion (060_api_keys.sql, 560_ingest.sql): written only through the functions below
        'api_keys', 'ingest_messages', 'events_custom',
        -- the Stripe webhook's own tables (services/revenue/stripe.sql)
        'stripe_events', 'stripe_coupons', 'stripe_discounts', 'stripe_charges', 'stripe_subscriptions',
        -- the audit log (575_audit.sql): append-only, written only through audit_write() (below)
        'audit_log'];
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

-- Ingestion (docs/ingest.md): the narrowest write path into business data.  northstar_ingest
-- cannot log in; it owns the SECURITY DEFINER functions that ingest (api.product_events) and
-- check API keys (key_verify), and may write exactly what they write: events, events_custom and
-- ingest_messages (INSERT), the *_dirty_days queues (INSERT, by the statement triggers on events), and
-- api_keys.last_used_at.  Only northstar_app may execute them; PUBLIC may not.  The app itself
-- never reads api_keys (not even the hashes).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'northstar_ingest') THEN
        CREATE ROLE northstar_ingest NOLOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA public, api TO northstar_ingest;
GRANT SELECT ON customers TO northstar_ingest;
GRANT SELECT, INSERT ON events, events_custom, ingest_messages TO northstar_ingest;
-- the dirty-day queues (rollup_dirty_days, users_dirty_days, …) that the triggers on events fill
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname LIKE '%\_dirty\_days'
    LOOP
        EXECUTE format('GRANT SELECT, INSERT ON public.%I TO northstar_ingest', t);
    END LOOP;
END $$;
GRANT SELECT, UPDATE (last_used_at) ON api_keys TO northstar_ingest;
-- the live stream's outbox (570_live.sql), which the triggers on business tables fill
GRANT INSERT ON live_outbox TO northstar_ingest;
GRANT USAGE ON SEQUENCE live_outbox_id_seq TO northstar_ingest;
REVOKE ALL ON api_keys FROM northstar_app;
ALTER FUNCTION api.product_events(int, text, jsonb, text, int) OWNER TO northstar_ingest;
ALTER FUNCTION key_verify(text) OWNER TO northstar_ingest;
REVOKE EXECUTE ON FUNCTION api.product_events(int, text, jsonb, text, int), key_verify(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.product_events(int, text, jsonb, text, int), key_verify(text) TO northstar_app;

-- The audit log (575_audit.sql, docs/operations.md "Audit log"): append-only.  northstar_app may
-- read it (GET /api/alerts/audit) and write it only through audit_write(), which the NOLOGIN role
-- northstar_audit owns; that role may INSERT rows and nothing else.  UPDATE, DELETE and TRUNCATE
-- are nobody's grant, and the table's trigger refuses them to its owner too (but for
-- audit_purge(), the owner's alone).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'northstar_audit') THEN
        CREATE ROLE northstar_audit NOLOGIN;
    END IF;
END $$;
REVOKE ALL ON audit_log FROM northstar_app;
GRANT SELECT ON audit_log TO northstar_app;
REVOKE ALL ON SEQUENCE audit_log_id_seq FROM northstar_app;
GRANT USAGE ON SCHEMA public TO northstar_audit;
GRANT INSERT, SELECT (id) ON audit_log TO northstar_audit;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO northstar_audit;
GRANT SELECT (id, email) ON app_users TO northstar_audit;
ALTER FUNCTION audit_write(text, text, int, text, text, text, text, jsonb) OWNER TO northstar_audit;
REVOKE EXECUTE ON FUNCTION audit_write(text, text, int, text, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_write(text, text, int, text, text, text, text, jsonb) TO northstar_app;
REVOKE EXECUTE ON FUNCTION audit_purge(date) FROM PUBLIC, northstar_app;
