-- 560_ingest.sql — event ingestion: POST /api/product/events (Segment-compatible), set-based.
--
-- One call of api.product_events() takes a whole batch as json and stores it in one statement:
-- json_array_elements → json_to_record → validation → INSERT … SELECT into events (known event
-- names), events_custom (everything else, kept and countable) and ingest_messages (the dedupe
-- table: events is partitioned without a primary key, so idempotency by messageId lives here).
-- The function runs as the role northstar_ingest (SECURITY DEFINER, see 990_roles.sql), which may
-- insert into exactly these tables; the services' own role stays read-only on business data.
-- Format, mapping and limits: docs/ingest.md.
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS api;

-- Every message id ever stored, with the key that sent it: a replayed message is skipped.
-- XXX: never pruned yet; at ~50 bytes a message it grows with the events it vouches for.
CREATE TABLE IF NOT EXISTS ingest_messages (
    message_id   text PRIMARY KEY,
    key_name     text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

-- Messages whose event name is not one of the schema's event types, identify/group/alias calls:
-- kept with their properties (traits for identify/group), countable by name and day.
CREATE TABLE IF NOT EXISTS events_custom (
    occurred_at   timestamptz NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    message_id    text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('track', 'identify', 'group', 'alias')),
    name          text,
    customer_id   int,
    user_id       bigint,
    anonymous_id  text,
    properties    jsonb
);
CREATE INDEX IF NOT EXISTS events_custom_name_idx ON events_custom (name, occurred_at);
CREATE INDEX IF NOT EXISTS events_custom_occurred_idx ON events_custom (occurred_at);

-- Whether p is 1 to n decimal digits (no regular expression: see ingest_ts).
CREATE OR REPLACE FUNCTION ingest_digits(p text, n int) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT length(p) BETWEEN 1 AND n AND translate(p, '0123456789', '') = ''
$$;

-- An ISO-8601 date-time with seconds and a zone (Z or ±hh[:mm]), or NULL when p is anything else
-- (a bad value must reject its message, not fail the batch's statement: each CASE arm guards
-- the casts of the next).  Checked by its shape (digits as '9') at fixed positions, in SQL that
-- inlines: PostgreSQL's regular expressions and a PL/pgSQL call each cost several microseconds,
-- and this runs once per message.
CREATE OR REPLACE FUNCTION ingest_ts(p text) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p IS NULL OR length(p) NOT BETWEEN 20 AND 35 THEN NULL
        WHEN translate(left(p, 19), '0123456789', '9999999999') NOT IN ('9999-99-99T99:99:99', '9999-99-99 99:99:99')
            THEN NULL
        -- what follows the seconds: an optional fraction of 1-9 digits, then the zone
        WHEN translate(CASE WHEN substr(p, 20, 1) = '.' THEN ltrim(substr(p, 21), '0123456789') ELSE substr(p, 20) END,
                       '0123456789', '9999999999') NOT IN ('Z', 'z', '+99', '-99', '+99:99', '-99:99', '+9999', '-9999')
          OR (substr(p, 20, 1) = '.' AND length(substr(p, 21)) - length(ltrim(substr(p, 21), '0123456789')) NOT BETWEEN 1 AND 9)
            THEN NULL
        WHEN substr(p, 6, 2)::int NOT BETWEEN 1 AND 12 OR substr(p, 1, 4)::int < 1
          OR substr(p, 12, 2)::int > 23 OR substr(p, 15, 2)::int > 59 OR substr(p, 18, 2)::int > 59
          OR (right(p, 1) NOT IN ('Z', 'z') AND (substr(ltrim(substr(p, 20), '.0123456789'), 2, 2)::int > 14
                                               OR (length(ltrim(substr(p, 20), '.0123456789')) > 3 AND right(p, 2)::int > 59)))
            THEN NULL
        WHEN substr(p, 9, 2)::int NOT BETWEEN 1 AND
             CASE WHEN substr(p, 6, 2)::int IN (4, 6, 9, 11) THEN 30 WHEN substr(p, 6, 2)::int <> 2 THEN 31
                  WHEN (substr(p, 1, 4)::int % 4 = 0 AND substr(p, 1, 4)::int % 100 <> 0)
                       OR substr(p, 1, 4)::int % 400 = 0 THEN 29 ELSE 28 END
            THEN NULL
        ELSE p::timestamptz END
$$;

-- An IP address (context.ip), or NULL when p is not one.  IPv4 is checked by its shape in SQL
-- that inlines; the rare IPv6 value is tried by the inet parser itself (ingest_inet6).
CREATE OR REPLACE FUNCTION ingest_inet6(p text) RETURNS inet
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF length(p) BETWEEN 2 AND 45 AND translate(lower(p), '0123456789abcdef:.', '') = '' AND strpos(p, ':') > 0 THEN
        BEGIN
            RETURN host(p::inet)::inet;
        EXCEPTION WHEN invalid_text_representation THEN
            RETURN NULL;
        END;
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION ingest_inet(p text) RETURNS inet
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p IS NULL THEN NULL
        WHEN strpos(p, ':') > 0 THEN ingest_inet6(p)
        WHEN length(p) NOT BETWEEN 7 AND 15 OR translate(p, '0123456789', '') <> '...'
          OR length(split_part(p, '.', 1)) NOT BETWEEN 1 AND 3 OR length(split_part(p, '.', 2)) NOT BETWEEN 1 AND 3
          OR length(split_part(p, '.', 3)) NOT BETWEEN 1 AND 3 OR length(split_part(p, '.', 4)) NOT BETWEEN 1 AND 3
            THEN NULL
        WHEN split_part(p, '.', 1)::int > 255 OR split_part(p, '.', 2)::int > 255
          OR split_part(p, '.', 3)::int > 255 OR split_part(p, '.', 4)::int > 255 THEN NULL
        ELSE p::inet END
$$;

-- A user or session id as events stores it (bigint): a decimal integer below 10^18 as itself,
-- any other string as a stable 62-bit hash in [2^62, 2^63), where no decimal id can fall.
CREATE OR REPLACE FUNCTION ingest_id(p text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p IS NULL THEN NULL
                WHEN ingest_digits(p, 18) THEN p::bigint
                ELSE (hashtextextended(p, 0) & 4611686018427387903) | 4611686018427387904 END
$$;

-- The events.type a track event name maps onto, or NULL (kept in events_custom).  Names compare
-- without case, and spaces, '_' and '-' are one separator: "Order Completed" = "order_completed".
CREATE OR REPLACE FUNCTION ingest_event_type(p_event text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE lower(regexp_replace(btrim(p_event), '[\s_-]+', ' ', 'g'))
        WHEN 'session start' THEN 'session_start' WHEN 'session started' THEN 'session_start'
        WHEN 'application opened' THEN 'session_start'
        WHEN 'page view' THEN 'page_view' WHEN 'page viewed' THEN 'page_view'
        WHEN 'add to cart' THEN 'add_to_cart' WHEN 'product added' THEN 'add_to_cart'
        WHEN 'checkout' THEN 'checkout' WHEN 'checkout started' THEN 'checkout'
        WHEN 'order' THEN 'order' WHEN 'order completed' THEN 'order'
        WHEN 'api call' THEN 'api_call'
        WHEN 'feature used' THEN 'feature_used'
        WHEN 'login' THEN 'login' WHEN 'signed in' THEN 'login' WHEN 'logged in' THEN 'login'
        WHEN 'client error' THEN 'client_error'
    END
$$;

-- The text of a JSON string or number, NULL for anything else (objects, arrays, booleans, null).
DROP FUNCTION IF EXISTS ingest_scalar(json);
CREATE OR REPLACE FUNCTION ingest_scalar(p jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE jsonb_typeof(p) WHEN 'string' THEN p #>> '{}' WHEN 'number' THEN p #>> '{}' END
$$;

-- POST /api/product/events.  p_body is a message, {"batch": [message, …]} or an array of messages
-- (the service turns NDJSON into one).  Stores every valid message whose messageId is new, in one
-- statement, and answers {"accepted": n, "stored": n, "duplicates": n, "rejected": [{"index",
-- "field", "message"}, …]}: accepted = valid messages (new or already stored), stored = rows
-- written now.  More than p_max_records messages is NS413; an empty batch or a body of another
-- shape 22023.  p_key names the API key (recorded with each message id); p_user and p_role are
-- the seam's standard arguments (a key request has no user).
DROP FUNCTION IF EXISTS api.product_events(int, text, json, text, int);
CREATE OR REPLACE FUNCTION api.product_events(p_user int, p_role text, p_body jsonb,
                                              p_key text DEFAULT NULL, p_max_records int DEFAULT 2500)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
SET jit = off
-- the stages' row counts are unknown to the planner (estimated 1): hash the joins of the batch's
-- rows with each other instead of nesting loops over them
SET enable_nestloop = off
AS $$
DECLARE
    batch   jsonb;
    n       int;
    skew    constant interval := interval '5 minutes';
    -- the oldest month events keeps (events_drop_partitions_older_than(24): this month + 24)
    oldest  timestamptz := (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '24 months') AT TIME ZONE 'UTC';
    answer  json;
BEGIN
    IF p_key IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NS403', MESSAGE = 'events are sent with an API key (scope ingest:events)';
    END IF;
    batch := CASE jsonb_typeof(p_body)
                 WHEN 'array' THEN p_body
                 WHEN 'object' THEN coalesce(p_body -> 'batch', jsonb_build_array(p_body)) END;
    IF batch IS NULL OR jsonb_typeof(batch) <> 'array' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'send one message, {"batch": [message, …]}, or NDJSON (Content-Type: application/x-ndjson)';
    END IF;
    n := jsonb_array_length(batch);
    IF n = 0 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'the batch is empty';
    END IF;
    IF n > p_max_records THEN
        RAISE EXCEPTION USING ERRCODE = 'NS413',
            MESSAGE = format('a batch holds at most %s messages; this one has %s: split it', p_max_records, n);
    END IF;

    -- Each stage is MATERIALIZED so that every expression runs once per message: inlined, the
    -- validation below would re-evaluate each extraction in every CASE arm that names it.  What
    -- repeats within a batch (event names, user agents) is mapped once per distinct value.
    WITH f AS MATERIALIZED (
        SELECT (e.i - 1)::int AS idx, e.m, jsonb_typeof(e.m) = 'object' AS is_obj,
               -- the binary size bounds the text's from below: serialise only the big ones
               CASE WHEN pg_column_size(e.m) > 16384 THEN octet_length(e.m::text) ELSE 0 END AS size,
               r.*,
               ingest_scalar(r.type) AS v_type, ingest_scalar(r."userId") AS v_uid,
               ingest_scalar(r."anonymousId") AS v_anon, ingest_scalar(r."messageId") AS v_mid,
               ingest_scalar(r.event) AS v_event,
               coalesce(r."timestamp", r."originalTimestamp") AS v_ts_json,
               -- the texts that ingest_ts and ingest_inet check, as columns: a SQL function inlines
               -- only when its argument is this cheap (with ingest_scalar(…) inside, each call ran
               -- as a function call of its own, 2 to 3 times slower)
               ingest_scalar(coalesce(r."timestamp", r."originalTimestamp")) AS v_ts,
               CASE WHEN jsonb_typeof(r.context) = 'object' THEN ingest_scalar(r.context -> 'ip') END AS v_ip,
               CASE WHEN jsonb_typeof(r.properties) = 'object' THEN r.properties END AS props,
               CASE WHEN jsonb_typeof(r.context) = 'object' THEN r.context END AS ctx
        FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(m, i)
        CROSS JOIN LATERAL jsonb_to_record(CASE WHEN jsonb_typeof(e.m) = 'object' THEN e.m ELSE '{}' END) AS r(
            type jsonb, "messageId" jsonb, event jsonb, name jsonb, "userId" jsonb, "anonymousId" jsonb,
            "timestamp" jsonb, "originalTimestamp" jsonb, properties jsonb, traits jsonb, context jsonb)
    ), names AS MATERIALIZED (
        SELECT d.v_event, ingest_event_type(d.v_event) AS t
        FROM (SELECT DISTINCT f.v_event FROM f WHERE f.v_type = 'track' AND f.v_event IS NOT NULL) d
    ), g AS MATERIALIZED (
        SELECT f.*,
               CASE WHEN f.v_ts_json IS NULL OR jsonb_typeof(f.v_ts_json) = 'null' THEN now()
                    ELSE ingest_ts(f.v_ts) END AS ts,
               CASE f.v_type WHEN 'track' THEN nm.t
                             WHEN 'page' THEN 'page_view' WHEN 'screen' THEN 'page_view' END AS ev_type,
               ingest_scalar(f.ctx -> 'groupId') AS v_group,
               ingest_scalar(f.props -> 'status') AS v_status,
               ingest_scalar(f.props -> 'latency_ms') AS v_latency,
               ingest_scalar(f.props -> 'endpoint') AS v_endpoint,
               ingest_scalar(f.props -> 'feature') AS v_feature,
               ingest_scalar(f.props -> 'session_id') AS v_session,
               ingest_inet(f.v_ip) AS ip,
               ingest_scalar(f.ctx -> 'userAgent') AS v_ua
        FROM f LEFT JOIN names nm ON nm.v_event = f.v_event AND f.v_type = 'track'
    ), groups AS MATERIALIZED (
        -- context.groupId names the account: the source's own id (customers.external_id, as the
        -- billing records and importers store it) first, else a Northstar customer id; looked up
        -- once per distinct value of the batch
        SELECT d.v_group, coalesce(ext.id, own.id) AS id
        FROM (SELECT DISTINCT g.v_group FROM g WHERE g.v_group IS NOT NULL) d
        LEFT JOIN customers ext ON ext.external_id = d.v_group
        LEFT JOIN customers own ON own.id = CASE WHEN ingest_digits(d.v_group, 9) AND d.v_group NOT LIKE '0%'
                                                 THEN d.v_group::int END
    ), c AS MATERIALIZED (
        SELECT g.*, cust.id AS cust_id,
               CASE WHEN NOT g.is_obj THEN ARRAY[NULL,
                        'not a JSON object (in NDJSON: the line is not valid JSON)']
                    WHEN g.size > 32768 THEN ARRAY[NULL, 'the message is larger than 32 KB']
                    WHEN g.v_type IS NULL OR g.v_type NOT IN ('track', 'page', 'screen', 'identify', 'group', 'alias')
                        THEN ARRAY['type', 'must be one of track, page, screen, identify, group, alias']
                    WHEN g."userId" IS NOT NULL AND jsonb_typeof(g."userId") <> 'null'
                         AND (g.v_uid IS NULL OR length(g.v_uid) NOT BETWEEN 1 AND 200)
                        THEN ARRAY['userId', 'must be a string or number of 1 to 200 characters']
                    WHEN g."anonymousId" IS NOT NULL AND jsonb_typeof(g."anonymousId") <> 'null'
                         AND (g.v_anon IS NULL OR length(g.v_anon) NOT BETWEEN 1 AND 200)
                        THEN ARRAY['anonymousId', 'must be a string or number of 1 to 200 characters']
                    WHEN g.v_uid IS NULL AND g.v_anon IS NULL
                        THEN ARRAY['userId', 'a message needs a userId or an anonymousId']
                    WHEN g."messageId" IS NOT NULL AND jsonb_typeof(g."messageId") <> 'null'
                         AND (g.v_mid IS NULL OR length(g.v_mid) NOT BETWEEN 1 AND 200)
                        THEN ARRAY['messageId', 'must be a string of 1 to 200 characters']
                    WHEN g.v_type = 'track' AND (g.v_event IS NULL OR length(g.v_event) NOT BETWEEN 1 AND 200)
                        THEN ARRAY['event', 'a track message needs an event name of 1 to 200 characters']
                    WHEN g.ts IS NULL
                        THEN ARRAY['timestamp', 'must be an ISO-8601 date-time with seconds and a zone, e.g. 2026-03-01T12:00:00Z']
                    WHEN g.ts > now() + skew
                        THEN ARRAY['timestamp', format('is more than 5 minutes in the future (the server''s time is %s)',
                                                       to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))]
                    WHEN g.ts < oldest
                        THEN ARRAY['timestamp', format('is older than the retention: events before %s are not kept',
                                                       to_char(oldest AT TIME ZONE 'UTC', 'YYYY-MM-DD'))]
                    WHEN g.properties IS NOT NULL AND jsonb_typeof(g.properties) NOT IN ('object', 'null')
                        THEN ARRAY['properties', 'must be an object']
                    WHEN g.context IS NOT NULL AND jsonb_typeof(g.context) NOT IN ('object', 'null')
                        THEN ARRAY['context', 'must be an object']
                    WHEN g.v_group IS NOT NULL AND cust.id IS NULL
                        THEN ARRAY['context.groupId', format('no customer has the external id (or the Northstar id) %s: '
                                                             'send the customer first (POST /api/revenue/customers)', g.v_group)]
                    WHEN g.ev_type = 'api_call' AND g.v_status IS NOT NULL
                         AND (NOT ingest_digits(g.v_status, 3) OR g.v_status NOT BETWEEN '100' AND '599')
                        THEN ARRAY['properties.status', 'must be an HTTP status from 100 to 599']
                    WHEN g.ev_type = 'api_call' AND g.v_latency IS NOT NULL AND NOT ingest_digits(g.v_latency, 9)
                        THEN ARRAY['properties.latency_ms', 'must be a whole number of milliseconds from 0 to 999999999']
                    WHEN g.ev_type = 'api_call' AND g.v_endpoint IS NOT NULL AND length(g.v_endpoint) > 200
                        THEN ARRAY['properties.endpoint', 'must be at most 200 characters']
                    WHEN g.ev_type = 'feature_used' AND (g.v_feature IS NULL OR length(g.v_feature) NOT BETWEEN 1 AND 100)
                        THEN ARRAY['properties.feature', 'a feature_used event names its feature (1 to 100 characters)']
                    WHEN g.v_session IS NOT NULL AND length(g.v_session) > 200
                        THEN ARRAY['properties.session_id', 'must be a string or number of at most 200 characters']
                    WHEN g.v_ip IS NOT NULL AND g.ip IS NULL
                        THEN ARRAY['context.ip', 'is not an IPv4 or IPv6 address']
               END AS err
        FROM g LEFT JOIN groups cust ON cust.v_group = g.v_group
    ), ok AS MATERIALIZED (
        SELECT DISTINCT ON (mid) c.*, coalesce(c.v_mid, md5(c.m::text)) AS mid
        FROM c WHERE c.err IS NULL
        ORDER BY mid, c.idx
    ), fresh AS (
        INSERT INTO ingest_messages (message_id, key_name)
        SELECT ok.mid, p_key FROM ok
        ON CONFLICT (message_id) DO NOTHING
        RETURNING message_id
    ), uas AS MATERIALIZED (
        SELECT d.v_ua,
               CASE WHEN strpos(d.l, 'mobi') > 0 OR strpos(d.l, 'android') > 0 OR strpos(d.l, 'iphone') > 0
                         OR strpos(d.l, 'ipad') > 0 THEN 'mobile' ELSE 'desktop' END AS device,
               CASE WHEN strpos(d.v_ua, 'Edg/') > 0 THEN 'Edge' WHEN strpos(d.v_ua, 'Firefox/') > 0 THEN 'Firefox'
                    WHEN strpos(d.v_ua, 'Chrome/') > 0 THEN 'Chrome' WHEN strpos(d.v_ua, 'Safari/') > 0 THEN 'Safari'
               END AS browser,
               CASE WHEN strpos(d.v_ua, 'iPhone') > 0 OR strpos(d.v_ua, 'iPad') > 0 THEN 'iOS'
                    WHEN strpos(d.v_ua, 'Android') > 0 THEN 'Android' WHEN strpos(d.v_ua, 'Windows') > 0 THEN 'Windows'
                    WHEN strpos(d.v_ua, 'Mac OS X') > 0 THEN 'macOS' WHEN strpos(d.v_ua, 'Linux') > 0 THEN 'Linux'
               END AS os
        FROM (SELECT u.v_ua, lower(u.v_ua) AS l FROM (SELECT DISTINCT ok.v_ua FROM ok WHERE ok.v_ua IS NOT NULL) u) d
    ), ev AS (
        INSERT INTO events (occurred_at, customer_id, user_id, session_id, type, feature, endpoint, status,
                            latency_ms, device, browser, os, country, source, client_ip, rate_limited)
        SELECT ok.ts, ok.cust_id, ingest_id(ok.v_uid), ingest_id(ok.v_session), ok.ev_type,
               CASE WHEN ok.ev_type = 'feature_used' THEN ok.v_feature END,
               CASE WHEN ok.ev_type = 'api_call' THEN ok.v_endpoint END,
               CASE WHEN ok.ev_type = 'api_call' THEN ok.v_status::smallint END,
               CASE WHEN ok.ev_type = 'api_call' THEN ok.v_latency::int END,
               uas.device, uas.browser, uas.os,
               CASE WHEN ok.ctx ? 'location' THEN
                   CASE WHEN length(ingest_scalar(ok.ctx -> 'location' -> 'country')) = 2
                         AND upper(ingest_scalar(ok.ctx -> 'location' -> 'country')) = ingest_scalar(ok.ctx -> 'location' -> 'country')
                         AND translate(ingest_scalar(ok.ctx -> 'location' -> 'country'), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '') = ''
                        THEN ingest_scalar(ok.ctx -> 'location' -> 'country') END END,
               CASE WHEN ok.ctx ? 'campaign' THEN lower(left(ingest_scalar(ok.ctx -> 'campaign' -> 'source'), 40)) END,
               ok.ip,
               -- (an API call without a status is not rate limited: never NULL, the column is NOT NULL)
               ok.ev_type = 'api_call' AND ok.v_status IS NOT DISTINCT FROM '429'
        FROM ok JOIN fresh ON fresh.message_id = ok.mid
        LEFT JOIN uas ON uas.v_ua = ok.v_ua
        WHERE ok.ev_type IS NOT NULL
        RETURNING 1
    ), cust_ev AS (
        INSERT INTO events_custom (occurred_at, message_id, kind, name, customer_id, user_id, anonymous_id, properties)
        SELECT ok.ts, ok.mid, ok.v_type, CASE WHEN ok.v_type = 'track' THEN ok.v_event END,
               ok.cust_id, ingest_id(ok.v_uid), ok.v_anon,
               CASE WHEN ok.v_type IN ('identify', 'group') AND jsonb_typeof(ok.traits) = 'object'
                    THEN ok.traits ELSE ok.props END
        FROM ok JOIN fresh ON fresh.message_id = ok.mid
        WHERE ok.ev_type IS NULL
        RETURNING 1
    ), counts AS (
        SELECT (SELECT count(*) FROM c WHERE c.err IS NULL) AS accepted,
               (SELECT count(*) FROM ev) + (SELECT count(*) FROM cust_ev) AS stored
    )
    SELECT json_build_object(
               'accepted', counts.accepted, 'stored', counts.stored,
               'duplicates', counts.accepted - counts.stored,
               'rejected', coalesce((SELECT json_agg(json_build_object('index', c.idx, 'field', c.err[1],
                                                                       'message', c.err[2]) ORDER BY c.idx)
                                     FROM c WHERE c.err IS NOT NULL), '[]'::json))
      INTO answer
      FROM counts;
    RETURN answer;
END
$$;
