-- 021_events_shards.sql — events across several PostgreSQL servers (docs/operations.md,
-- "Sharding"): PostgreSQL's own declarative partitioning with postgres_fdw foreign partitions.
--
-- events stays range-partitioned by month (020_events.sql).  With shards configured
-- (scripts/stack.sh, SHARDS=N: one row of shard_servers a shard), each month partition is itself
-- partitioned by hash of customer_id, modulus N, and remainder k is a foreign table on shard k: a
-- customer's events live on one shard, so the per-customer figures (and the distinct users of a
-- customer: a user belongs to one customer) are computed where the rows are, and every figure
-- stays exact.  Without shards nothing here changes anything: the functions return at once.
--
-- The shards hold plain tables and nothing else: their DDL is sent from here (dblink, over the
-- same foreign servers and user mappings), derived from events' own columns, CHECKs and indexes,
-- so that the definition of an event is written once (020_events.sql).
SET client_min_messages = warning;
-- In a schema of their own: no role of the project gets their functions (990_roles.sql grants every
-- function of public and api to northstar_app; dblink_connect_u must not be among them).
CREATE SCHEMA IF NOT EXISTS ns_shard;
REVOKE ALL ON SCHEMA ns_shard FROM PUBLIC;
CREATE EXTENSION IF NOT EXISTS postgres_fdw SCHEMA ns_shard;
CREATE EXTENSION IF NOT EXISTS dblink SCHEMA ns_shard;

-- The shards, in hash order: remainder k of every month lives on the server at position k.
CREATE TABLE IF NOT EXISTS shard_servers (
    position  int PRIMARY KEY CHECK (position >= 0),
    server    name NOT NULL UNIQUE
);

-- Remote tables no local foreign table points at any more (a month moved to another layout, or
-- dropped by retention): dropped on their shard by shard_orphans_drop(), after the transaction
-- that left them has committed, so that an aborted move never loses a row.
CREATE TABLE IF NOT EXISTS shard_orphans (
    server      name NOT NULL,
    table_name  text NOT NULL,
    PRIMARY KEY (server, table_name)
);

-- Declare shard p_position (0, 1, …): the foreign server northstar_shard_<p_position> at
-- p_host:p_port, database p_dbname, and the user mapping for every local role, as p_user with
-- p_password (postgres_fdw requires a password from roles other than the superuser).  Created, or
-- changed in place when it exists (a shard that moved to another port).  Superuser only (called by
-- scripts/stack.sh).  Returns the server's name.
CREATE OR REPLACE FUNCTION shard_server_set(p_position int, p_host text, p_port int, p_dbname text,
                                            p_user text, p_password text) RETURNS name
LANGUAGE plpgsql AS $$
DECLARE
    v_server name := 'northstar_shard_' || p_position;
    v_verb   text;
BEGIN
    IF p_position IS NULL OR p_position < 0 THEN
        RAISE EXCEPTION 'a shard position is 0 or more, got %', p_position;
    END IF;
    v_verb := CASE WHEN EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = v_server) THEN 'SET ' ELSE '' END;
    IF v_verb = '' THEN
        -- async_capable: the shards of one scan run at the same time; fetch_size: fewer round trips
        -- for the rollups' scans; connect_timeout: a shard that is down fails a query in 2 s
        EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER postgres_fdw OPTIONS (async_capable ''true'', '
                       'fetch_size ''10000'', connect_timeout ''2'', host %L, port %L, dbname %L)',
                       v_server, p_host, p_port::text, p_dbname);
    ELSE
        EXECUTE format('ALTER SERVER %I OPTIONS (SET host %L, SET port %L, SET dbname %L)',
                       v_server, p_host, p_port::text, p_dbname);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_user_mappings WHERE srvname = v_server AND usename = 'public') THEN
        EXECUTE format('CREATE USER MAPPING FOR PUBLIC SERVER %I OPTIONS (user %L, password %L)',
                       v_server, p_user, p_password);
    ELSE
        EXECUTE format('ALTER USER MAPPING FOR PUBLIC SERVER %I OPTIONS (SET user %L, SET password %L)',
                       v_server, p_user, p_password);
    END IF;
    INSERT INTO shard_servers (position, server) VALUES (p_position, v_server)
    ON CONFLICT (position) DO UPDATE SET server = EXCLUDED.server;
    RETURN v_server;
END
$$;

-- How many shards events is spread over (0: one server, nothing sharded).
CREATE OR REPLACE FUNCTION shard_count() RETURNS integer
LANGUAGE sql STABLE AS $$ SELECT count(*)::int FROM shard_servers $$;

-- The DDL of a shard's table p_table for one month and remainder: events' columns (types, NOT
-- NULL, defaults), its CHECK constraints (a foreign table enforces none: the shard does) and its
-- indexes, all read from events itself.
CREATE OR REPLACE FUNCTION events_shard_table_ddl(p_table text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT format('CREATE TABLE %I (%s);', p_table,
                  (SELECT string_agg(format('%I %s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                                            CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                                            coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')),
                                     ', ' ORDER BY a.attnum)
                   FROM pg_attribute a
                   LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                   WHERE a.attrelid = 'public.events'::regclass AND a.attnum > 0 AND NOT a.attisdropped))
        || coalesce((SELECT string_agg(format(' ALTER TABLE %I ADD CONSTRAINT %I %s;', p_table, c.conname,
                                              pg_get_constraintdef(c.oid)), '' ORDER BY c.conname)
                     FROM pg_constraint c WHERE c.conrelid = 'public.events'::regclass AND c.contype = 'c'), '')
        || coalesce((SELECT string_agg(' ' || regexp_replace(pg_get_indexdef(i.indexrelid),
                                                             '^CREATE INDEX \S+ ON (ONLY )?public\.events ',
                                                             format('CREATE INDEX ON %I ', p_table)) || ';',
                                       '' ORDER BY i.indexrelid)
                     FROM pg_index i WHERE i.indrelid = 'public.events'::regclass), '')
$$;

-- The name of remainder p_remainder of month partition p_part in a layout of p_modulus shards:
-- the local foreign table and the shard's table have that name.
CREATE OR REPLACE FUNCTION events_shard_part_name(p_part text, p_remainder int, p_modulus int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT format('%s_s%sof%s', p_part, p_remainder, p_modulus) $$;

-- Whether month partition p_part is laid out as shard_servers says: hash-partitioned with one
-- foreign partition a shard, each on its shard under its layout name.
CREATE OR REPLACE FUNCTION events_month_placed(p_part text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(format('public.%I', p_part))) = 'p'
       AND (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = to_regclass(format('public.%I', p_part)))
           = shard_count()
       AND NOT EXISTS (
           SELECT 1 FROM shard_servers s
           WHERE NOT EXISTS (
               SELECT 1 FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid AND c.relkind = 'f'
               JOIN pg_foreign_table f ON f.ftrelid = c.oid
               JOIN pg_foreign_server fs ON fs.oid = f.ftserver
               WHERE i.inhparent = to_regclass(format('public.%I', p_part))
                 AND c.relname = events_shard_part_name(p_part, s.position, shard_count())
                 AND fs.srvname = s.server))
$$;

-- The remote tables behind p_part's foreign partitions become orphans (p_part is about to be
-- replaced or dropped).
CREATE OR REPLACE FUNCTION events_month_forget(p_part text) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO shard_orphans (server, table_name)
    SELECT fs.srvname, c.relname
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid AND c.relkind = 'f'
    JOIN pg_foreign_table f ON f.ftrelid = c.oid
    JOIN pg_foreign_server fs ON fs.oid = f.ftserver
    WHERE i.inhparent = to_regclass(format('public.%I', p_part))
    ON CONFLICT DO NOTHING
$$;

-- Put month partition p_part (of events) where shard_servers says, moving its rows: a new
-- hash-partitioned table with one foreign partition a shard (the shard's table created there
-- first), the rows copied into it (postgres_fdw sends them to their shards, in batches), the old
-- partition detached and dropped (its remote tables, if it had any, noted as orphans), the new one
-- attached in its place.  All in the caller's transaction: an error leaves the month as it was (the
-- remote tables made for it stay empty, and are made again next time).  Nothing without shards,
-- or when the month is placed already.  Returns whether it moved the month.
CREATE OR REPLACE FUNCTION events_month_place(p_part text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    v_n      int := shard_count();
    v_bound  text;
    v_new    text := p_part || '_placing';
    v_remote text;
    s        record;
BEGIN
    IF v_n = 0 OR events_month_placed(p_part) THEN
        RETURN false;
    END IF;
    SELECT pg_get_expr(c.relpartbound, c.oid) INTO v_bound
    FROM pg_class c WHERE c.oid = to_regclass(format('public.%I', p_part));
    IF v_bound IS NULL THEN
        RAISE EXCEPTION '% is not a partition of events', p_part;
    END IF;
    EXECUTE format('DROP TABLE IF EXISTS public.%I', v_new);
    EXECUTE format('CREATE TABLE public.%I (LIKE public.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS) '
                   'PARTITION BY HASH (customer_id)', v_new);
    FOR s IN SELECT position, server FROM shard_servers ORDER BY position
    LOOP
        v_remote := events_shard_part_name(p_part, s.position, v_n);
        PERFORM ns_shard.dblink_exec(s.server, format('DROP TABLE IF EXISTS %I; ', v_remote) || events_shard_table_ddl(v_remote));
        -- batch_size: the rows of a move travel 10,000 to a round trip
        EXECUTE format('CREATE FOREIGN TABLE public.%I PARTITION OF public.%I '
                       'FOR VALUES WITH (MODULUS %s, REMAINDER %s) SERVER %I '
                       'OPTIONS (schema_name ''public'', table_name %L, batch_size ''10000'')',
                       v_remote, v_new, v_n, s.position, s.server, v_remote);
        DELETE FROM shard_orphans o WHERE o.server = s.server AND o.table_name = v_remote;
    END LOOP;
    EXECUTE format('INSERT INTO public.%I SELECT * FROM public.%I', v_new, p_part);
    PERFORM events_month_forget(p_part);
    EXECUTE format('ALTER TABLE public.events DETACH PARTITION public.%I', p_part);
    EXECUTE format('DROP TABLE public.%I', p_part);
    EXECUTE format('ALTER TABLE public.%I RENAME TO %I', v_new, p_part);
    EXECUTE format('ALTER TABLE public.events ATTACH PARTITION public.%I %s', p_part, v_bound);
    RETURN true;
END
$$;

-- Drop the orphaned remote tables (see shard_orphans) on their shards; a shard that cannot be
-- reached keeps its orphans for the next call.  Returns how many were dropped.
CREATE OR REPLACE FUNCTION shard_orphans_drop() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    o       record;
    dropped int := 0;
BEGIN
    FOR o IN SELECT server, table_name FROM shard_orphans ORDER BY server, table_name
    LOOP
        BEGIN
            PERFORM ns_shard.dblink_exec(o.server, format('DROP TABLE IF EXISTS %I', o.table_name));
            DELETE FROM shard_orphans WHERE server = o.server AND table_name = o.table_name;
            dropped := dropped + 1;
        EXCEPTION WHEN sqlclient_unable_to_establish_sqlconnection OR connection_exception THEN
            RAISE NOTICE 'shard % is unreachable: its table % is dropped next time', o.server, o.table_name;
        END;
    END LOOP;
    RETURN dropped;
END
$$;

-- Written rows of a sharded events, for its statement triggers.  PostgreSQL gives no transition
-- table to a statement that writes into foreign partitions, so with shards the dirty-day and live
-- triggers of events (030_rollups.sql, 570_live.sql) read these instead: a BEFORE ROW trigger
-- puts each row written in events_written_new (inserted, and updated rows as they become) or
-- events_written_old (deleted, and updated rows as they were) — a row trigger of any kind makes
-- postgres_fdw send the rows one at a time (docs/benchmarks.md, "Sharding: what the figures say")
-- — and an AFTER STATEMENT trigger runs the same
-- statements over them (rollup_mark_dirty_statement, live_api_calls_statement) and empties them.
-- Temporary tables: a session's own, made by its first write, emptied at commit at the latest.
CREATE OR REPLACE FUNCTION events_capture_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.events_written_new') IS NULL THEN
        CREATE TEMP TABLE events_written_new (LIKE public.events) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE events_written_old (LIKE public.events) ON COMMIT DELETE ROWS;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO pg_temp.events_written_new SELECT (NEW).*;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO pg_temp.events_written_old SELECT (OLD).*;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

-- TG_ARGV: the dirty-day expressions of events (those of the trigger events_dirty_ins it replaces).
CREATE OR REPLACE FUNCTION events_capture_end() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    rel text;
BEGIN
    IF to_regclass('pg_temp.events_written_new') IS NULL THEN
        RETURN NULL;   -- the statement wrote no row
    END IF;
    IF current_setting('northstar.rollup_skip_dirty', true) IS DISTINCT FROM 'on' THEN
        FOREACH rel IN ARRAY ARRAY['pg_temp.events_written_new', 'pg_temp.events_written_old']
        LOOP
            EXECUTE rollup_mark_dirty_statement(rel, TG_ARGV);
        END LOOP;
        IF TG_OP = 'INSERT' THEN
            EXECUTE live_api_calls_statement('pg_temp.events_written_new');
        END IF;
    END IF;
    DELETE FROM pg_temp.events_written_new;
    DELETE FROM pg_temp.events_written_old;
    RETURN NULL;
END
$$;

-- The triggers of events for its layout: with shards, the transition-table triggers that
-- derived_triggers() made (events_dirty_*, events_live_*) give way to the capture above, with the
-- same dirty-day expressions; without shards, the capture goes (the transition-table triggers are
-- made again by 030_rollups.sql and 570_live.sql on every load).  Called after both of those files
-- (985_events_layout.sql) and by scripts/stack.sh once shards are declared.
CREATE OR REPLACE FUNCTION events_triggers_for_layout() RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
    v_args text;
    t      text;
BEGIN
    IF shard_count() = 0 THEN
        DROP TRIGGER IF EXISTS events_capture_row ON public.events;
        DROP TRIGGER IF EXISTS events_capture_end ON public.events;
        RETURN;
    END IF;
    SELECT substring(pg_get_triggerdef(oid) FROM 'EXECUTE FUNCTION rollup_mark_dirty\((.*)\)$') INTO v_args
    FROM pg_trigger WHERE tgrelid = 'public.events'::regclass AND tgname = 'events_dirty_ins';
    IF v_args IS NOT NULL THEN   -- (else the capture is in place already, with them)
        DROP TRIGGER IF EXISTS events_capture_row ON public.events;
        DROP TRIGGER IF EXISTS events_capture_end ON public.events;
        CREATE TRIGGER events_capture_row BEFORE INSERT OR UPDATE OR DELETE ON public.events
            FOR EACH ROW EXECUTE FUNCTION events_capture_row();
        EXECUTE format('CREATE TRIGGER events_capture_end AFTER INSERT OR UPDATE OR DELETE ON public.events '
                       'FOR EACH STATEMENT EXECUTE FUNCTION events_capture_end(%s)', v_args);
    END IF;
    FOREACH t IN ARRAY ARRAY['events_dirty_ins', 'events_dirty_upd', 'events_dirty_del',
                             'events_live_ins', 'events_live_upd', 'events_live_del']
    LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON public.events', t);
    END LOOP;
END
$$;

-- Every month of events placed as shard_servers says (scripts/stack.sh, after the demo data is
-- loaded, and after a shard is added), with the triggers of that layout.  Returns how many months
-- moved.
CREATE OR REPLACE FUNCTION events_shard_layout() RETURNS integer
LANGUAGE sql AS $$
    SELECT events_triggers_for_layout();
    -- (the months are listed, and sorted, before the first one moves)
    SELECT (count(*) FILTER (WHERE events_month_place(m.relname)))::int
    FROM (SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'public.events'::regclass ORDER BY c.relname) m
$$;

-- Keep partitions for the last 25 months and the next 3 ready (placed on the shards when there
-- are any).
DO $$ BEGIN PERFORM events_create_partitions((current_date - interval '25 months')::date,
                                (current_date + interval '3 months')::date); END $$;
