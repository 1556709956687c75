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

-- The parsers below are the ones services/revenue/ingest.sql also defines (same names, same
-- bodies); they are the shared rules of every record endpoint.
-- XXX: drop the copies from services/revenue/ingest.sql once both sides are merged.

-- A day YYYY-MM-DD, or NULL when p is anything else (a real calendar day: no 2026-02-30).
CREATE OR REPLACE FUNCTION ingest_day(p text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p IS NULL OR length(p) <> 10 OR translate(p, '0123456789', '9999999999') <> '9999-99-99' THEN NULL
        WHEN substr(p, 1, 4)::int < 1 OR substr(p, 6, 2)::int NOT BETWEEN 1 AND 12 THEN NULL
        WHEN substr(p, 9, 2)::int NOT BETWEEN 1 AND
             extract(day FROM make_date(substr(p, 1, 4)::int, substr(p, 6, 2)::int, 1) + interval '1 month - 1 day')::int
            THEN NULL
        ELSE p::date END
$$;

-- A whole non-negative amount of minor units (a JSON number or a string of digits, at most 15
-- digits), or NULL.  Also the parser of counts (impressions, clicks, ratings, scores).
CREATE OR REPLACE FUNCTION ingest_cents(p jsonb) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN ingest_digits(ingest_scalar(p), 15) THEN ingest_scalar(p)::bigint END
$$;

-- Whether a field was sent with a value (JSON null counts as absent).
CREATE OR REPLACE FUNCTION ingest_given(p jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p IS NOT NULL AND jsonb_typeof(p) <> 'null'
$$;

-- Whether p is an ISO 4217-shaped currency code (three capital letters).
CREATE OR REPLACE FUNCTION ingest_currency_ok(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT length(p) = 3 AND translate(p, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '') = ''
$$;

-- The one "send the customer first" message.
CREATE OR REPLACE FUNCTION ingest_no_customer(p_ext text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('no customer with external_id %s; send the customer first (POST /api/revenue/customers)', p_ext)
$$;

-- Instants that record past facts may be at most this far ahead of the server's clock.
CREATE OR REPLACE FUNCTION ingest_future(p timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT p > now() + interval '5 minutes' $$;

-- What an earlier version of this file defined under other names (the twins of the above).
DROP FUNCTION IF EXISTS ingest_date(jsonb), ingest_count(jsonb), ingest_sent(jsonb), ingest_currency(jsonb);

-- The oldest day a record may fall on.  The rollups keep metrics_daily contiguous from their first
-- day (rollup_refresh), so a mistyped year would make them compute centuries of empty days.
CREATE OR REPLACE FUNCTION ingest_oldest_day() RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT date '2000-01-01' $$;

-- Why instant p_ts is out of bounds (before ingest_oldest_day(), or ingest_future()), or NULL when
-- it is within them.
CREATE OR REPLACE FUNCTION ingest_ts_bounds(p_ts timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN ingest_future(p_ts)
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
