-- events_shards.sql — the parts of the sharded layout (021_events_shards.sql) that need no other
-- server: without shards nothing changes (no month moves, the transition-table triggers stay);
-- a shard's table DDL carries every column, CHECK and index of events; and the capture of the
-- written rows, which stands in for the transition tables a foreign partition cannot give,
-- queues exactly the dirty days and the live message that the transition-table triggers queue for
-- the same rows (installed here on the local partitions by declaring a shard inside the
-- transaction, and compared with the triggers' own result).  The two-cluster behaviour is
-- tests/integration/t-shards.sh.  Rolled back.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(12);

SELECT is(shard_count(), 0, 'the suite''s stack has no shards');
SELECT is(events_shard_layout(), 0, 'without shards no month moves');
SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgrelid = 'events'::regclass
            AND tgname IN ('events_dirty_ins', 'events_live_ins')), 2,
          'without shards events keeps its transition-table triggers');
SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgrelid = 'events'::regclass AND tgname LIKE 'events_capture_%'), 0,
          '… and has no capture');

-- A shard's table: every column of events with its type, NOT NULL and default; its CHECKs; its indexes.
SELECT is((SELECT count(*)::int FROM pg_attribute a WHERE a.attrelid = 'events'::regclass AND a.attnum > 0 AND NOT a.attisdropped
            AND strpos(events_shard_table_ddl('t_x'), format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))) > 0),
          (SELECT count(*)::int FROM pg_attribute a WHERE a.attrelid = 'events'::regclass AND a.attnum > 0 AND NOT a.attisdropped),
          'a shard''s table has every column of events, with its type');
SELECT is((regexp_split_to_array(events_shard_table_ddl('t_x'), 'ADD CONSTRAINT'))[2:] IS NOT NULL
          AND array_length(regexp_split_to_array(events_shard_table_ddl('t_x'), 'ADD CONSTRAINT'), 1) - 1
              = (SELECT count(*)::int FROM pg_constraint WHERE conrelid = 'events'::regclass AND contype = 'c'),
          true, '… every CHECK of events');
SELECT is(array_length(regexp_split_to_array(events_shard_table_ddl('t_x'), 'CREATE INDEX ON t_x '), 1) - 1,
          (SELECT count(*)::int FROM pg_index WHERE indrelid = 'events'::regclass),
          '… and every index');
-- the DDL runs: a table made from it takes an event and refuses a bad one as events does
SELECT lives_ok(replace(events_shard_table_ddl('t_x'), 'CREATE TABLE t_x', 'CREATE TEMP TABLE t_x'),
                'the DDL creates the table');
SELECT throws_ok($$ INSERT INTO t_x (occurred_at, type) VALUES (now(), 'no_such_type') $$, '23514', NULL,
                 'a shard''s table refuses an event type events refuses');

-- The capture against the transition-table triggers, on the same rows: a month of its own.
SELECT events_create_partitions('2003-07-01', '2003-07-31');
CREATE TEMP TABLE t_rows AS
SELECT ('2003-07-' || lpad(d::text, 2, '0') || ' 10:00+00')::timestamptz AS occurred_at, d AS customer_id,
       CASE WHEN d % 2 = 0 THEN 'api_call' ELSE 'page_view' END AS type
FROM generate_series(3, 9) d;
-- recent API calls for the live message: two rows of now, on today's partition
CREATE TEMP TABLE t_result (how text, dirty date[], live jsonb);
CREATE FUNCTION pg_temp.write_and_read(p_how text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM rollup_dirty_days;
    DELETE FROM live_outbox;
    INSERT INTO events (occurred_at, customer_id, type) SELECT occurred_at, customer_id, type FROM t_rows;
    INSERT INTO events (occurred_at, customer_id, type, endpoint, status, latency_ms)
    VALUES (now() - interval '1 minute', 5, 'api_call', '/v1/shards-sql', 200, 9),
           (now() - interval '2 minutes', 6, 'api_call', '/v1/shards-sql', 500, 11);
    DELETE FROM events WHERE customer_id = 4 AND occurred_at >= '2003-07-01' AND occurred_at < '2003-08-01';
    INSERT INTO t_result
    SELECT p_how, (SELECT array_agg(day ORDER BY day) FROM rollup_dirty_days),
           (SELECT jsonb_agg(data - 'calls' || jsonb_build_object('calls', (SELECT jsonb_agg(c - 'time') FROM jsonb_array_elements(data->'calls') c))
                             ORDER BY id) FROM live_outbox WHERE kind = 'api_calls');
END $$;
SELECT pg_temp.write_and_read('transition tables');
SELECT is((SELECT ARRAY(SELECT DISTINCT d FROM unnest(dirty) d WHERE d < '2004-01-01' ORDER BY 1) FROM t_result WHERE how = 'transition tables'),
          ARRAY(SELECT ns_day(occurred_at) FROM t_rows ORDER BY 1), 'the transition-table triggers queue the rows'' days');
-- the same rows again, from nothing
DELETE FROM events WHERE (occurred_at >= '2003-07-01' AND occurred_at < '2003-08-01') OR endpoint = '/v1/shards-sql';
INSERT INTO shard_servers (position, server) VALUES (0, 'northstar_shard_test');   -- a shard declared
SELECT events_triggers_for_layout();
SELECT is((SELECT array_agg(tgname::text ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'events'::regclass
            AND (tgname LIKE 'events_capture_%' OR tgname LIKE 'events_dirty_%' OR tgname LIKE 'events_live_%')),
          ARRAY['events_capture_end', 'events_capture_row'],
          'with a shard declared, the capture replaces the transition-table triggers');
SELECT pg_temp.write_and_read('capture');
SELECT is((SELECT row(dirty, live)::text FROM t_result WHERE how = 'capture'),
          (SELECT row(dirty, live)::text FROM t_result WHERE how = 'transition tables'),
          'the capture queues the same dirty days and the same live message (inserts and a delete)');

SELECT * FROM finish();
ROLLBACK;
