-- 565_ingest_records.sql — what every record endpoint's function shares (docs/ingest.md, "Record
-- endpoints"): the batch's shape and size, the parsers of a record's days, counts and references,
-- the bounds of its dates, and the answer.  The functions themselves live beside their services
-- (services/marketing/ingest.sql, services/users/ingest.sql, …); ingest_ts(), ingest_scalar() and
-- ingest_digits() are in 560_ingest.sql, the money rule (fx_convert) in 015_sources.sql.
SET client_min_messages = warning;

-- The records of a request body: an array as it is, one object as an array of one.  An empty
-- array or another shape is 22023 (400), more than p_max_records records NS413 (413), each with
-- the message the sender needs.
CREATE OR REPLACE FUNCTION ingest_records(p_body jsonb, p_max_records int) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    batch jsonb := CASE jsonb_typeof(p_body) WHEN 'array' THEN p_body
                                             WHEN 'object' THEN jsonb_build_array(p_body) END;
BEGIN
    IF batch IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'send a JSON array of records, one record object, or NDJSON (Content-Type: application/x-ndjson)';
    END IF;
    IF jsonb_array_length(batch) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'the batch is empty';
    END IF;
    IF jsonb_array_length(batch) > p_max_records THEN
        RAISE EXCEPTION USING ERRCODE = 'NS413',
            MESSAGE = format('a batch holds at most %s records; this one has %s: split it',
                             p_max_records, jsonb_array_length(batch));
    END IF;
    RETURN batch;
END
$$;

-- A day written YYYY-MM-DD (a JSON string), or NULL when p is anything else: checked by its shape
-- before the cast, so that a bad value rejects its record instead of failing the statement.
CREATE OR REPLACE FUNCTION ingest_date(p jsonb) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN jsonb_typeof(p) IS DISTINCT FROM 'string' THEN NULL
        WHEN translate(p #>> '{}', '0123456789', '9999999999') <> '9999-99-99' THEN NULL
        WHEN substr(p #>> '{}', 6, 2)::int NOT BETWEEN 1 AND 12 OR substr(p #>> '{}', 1, 4)::int < 1 THEN NULL
        WHEN substr(p #>> '{}', 9, 2)::int NOT BETWEEN 1 AND
             CASE WHEN substr(p #>> '{}', 6, 2)::int IN (4, 6, 9, 11) THEN 30
                  WHEN substr(p #>> '{}', 6, 2)::int <> 2 THEN 31
                  WHEN (substr(p #>> '{}', 1, 4)::int % 4 = 0 AND substr(p #>> '{}', 1, 4)::int % 100 <> 0)
                       OR substr(p #>> '{}', 1, 4)::int % 400 = 0 THEN 29 ELSE 28 END THEN NULL
        ELSE (p #>> '{}')::date END
$$;

-- A count or an amount in minor units: a JSON integer (or a string of digits, as CSV importers
-- have them) from 0 to 10^15 - 1, else NULL.
CREATE OR REPLACE FUNCTION ingest_count(p jsonb) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN ingest_digits(ingest_scalar(p), 15) THEN ingest_scalar(p)::bigint END
$$;

-- Whether member p of a record is present with a value (absent and JSON null both mean "not sent").
CREATE OR REPLACE FUNCTION ingest_sent(p jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT p IS NOT NULL AND jsonb_typeof(p) <> 'null' $$;

-- An ISO 4217 code (three capital letters), else NULL.
CREATE OR REPLACE FUNCTION ingest_currency(p jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(p) = 'string' AND length(p #>> '{}') = 3
                 AND translate(p #>> '{}', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '') = '' THEN p #>> '{}' END
$$;

-- The oldest day a record may fall on.  The rollups keep metrics_daily contiguous from their first
-- day (rollup_refresh), so a mistyped year would make them compute centuries of empty days.
CREATE OR REPLACE FUNCTION ingest_oldest_day() RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT date '2000-01-01' $$;

-- Why instant p_ts of field p_field is out of bounds (before ingest_oldest_day(), or more than the
-- events' 5 minutes of clock skew ahead), or NULL when it is within them.
CREATE OR REPLACE FUNCTION ingest_ts_bounds(p_ts timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p_ts > now() + interval '5 minutes'
            THEN format('is more than 5 minutes in the future (the server''s time is %s)',
                        to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
        WHEN p_ts < ns_day_start(ingest_oldest_day())
            THEN format('is before %s, the oldest day Northstar takes', ingest_oldest_day())
    END
$$;

-- The same for day p_day: at most tomorrow (a source in a zone ahead of the reporting zone's).
CREATE OR REPLACE FUNCTION ingest_day_bounds(p_day date) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p_day > ns_today() + 1
            THEN format('is in the future (today is %s in the reporting zone)', ns_today())
        WHEN p_day < ingest_oldest_day()
            THEN format('is before %s, the oldest day Northstar takes', ingest_oldest_day())
    END
$$;

-- The answer of a record endpoint (docs/ingest.md): accepted = created + updated + unchanged +
-- stale; p_rejected is the json array of {index, field, message} (NULL for none).
CREATE OR REPLACE FUNCTION ingest_record_answer(p_created bigint, p_updated bigint, p_unchanged bigint,
                                                p_stale bigint, p_rejected json) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object('accepted', p_created + p_updated + p_unchanged + p_stale,
                             'created', p_created, 'updated', p_updated, 'unchanged', p_unchanged,
                             'stale', p_stale, 'rejected', coalesce(p_rejected, '[]'::json))
$$;

-- The one "send the customer first" message.
CREATE OR REPLACE FUNCTION ingest_no_customer(p_ext text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('no customer with external_id %s; send the customer first (POST /api/revenue/customers)', p_ext)
$$;
