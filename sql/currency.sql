-- currency.sql — the reporting currency of this database (NS_CURRENCY, docs/operations.md), run by
-- scripts/stack.sh and deploy/db-init.sh before the schema with `psql -v currency=XXX`.
--
-- A new database gets `ALTER DATABASE … SET northstar.currency = XXX`; every session (the
-- services connect as northstar_app) inherits it and ns_currency() reads it.  An existing
-- database keeps the currency it was created with (USD when it has no setting: the default of
-- ns_currency()): every *_cents amount stored was converted into it, so a different NS_CURRENCY
-- is refused — unless the database holds no money record yet, then the new currency is set.
-- Fails (ON_ERROR_STOP) with a message that says what to do.
\set ON_ERROR_STOP 1
SELECT set_config('northstar.wanted_currency', :'currency', false) \g /dev/null
DO $$
DECLARE
    want  text := current_setting('northstar.wanted_currency');
    have  text;
    used  boolean := false;
    t     text;
BEGIN
    IF want !~ '^[A-Z]{3}$' THEN
        RAISE EXCEPTION USING MESSAGE = format('NS_CURRENCY=%s is not an ISO 4217 code: three capital letters, e.g. USD or EUR', want);
    END IF;
    SELECT substr(c, length('northstar.currency=') + 1) INTO have
      FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase AND s.setrole = 0,
           unnest(s.setconfig) c
     WHERE d.datname = current_database() AND c LIKE 'northstar.currency=%';
    FOREACH t IN ARRAY ARRAY['subscriptions', 'orders', 'billing_events', 'ad_spend', 'opportunities'] LOOP
        IF to_regclass(t) IS NOT NULL THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', t) INTO STRICT used;
            EXIT WHEN used;
        END IF;
    END LOOP;
    IF used AND coalesce(have, 'USD') <> want THEN
        RAISE EXCEPTION USING
            MESSAGE = format('NS_CURRENCY=%s, but this database reports in %s and its amounts are stored converted into %s',
                             want, coalesce(have, 'USD'), coalesce(have, 'USD')),
            HINT = format('start with NS_CURRENCY=%s, or use a new database (a new stack directory) for %s', coalesce(have, 'USD'), want);
    END IF;
    IF have IS DISTINCT FROM want THEN
        EXECUTE format('ALTER DATABASE %I SET northstar.currency = %L', current_database(), want);
    END IF;
END
$$;
