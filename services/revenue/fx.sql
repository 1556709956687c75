-- fx.sql — POST /api/revenue/fx-rates (docs/ingest.md, "POST /api/revenue/fx-rates"): daily
-- reference rates into fx_rates (sql/schema/015_sources.sql), units of a currency per 1 EUR as the
-- ECB publishes them.  The ECB importer (northstar-import ecb FILE) calls the same function.
-- Loaded after sql/schema/990_roles.sql (services/*/*.sql come last), so the grants live here.
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS api;

-- A rate as sent: a JSON number, or a string of decimal digits with at most one point (the ECB's
-- CSV has "1.0876"); NULL for anything else (exponents, signs, other types).  At most 12 digits
-- before the point and 10 after: the ECB quotes 4 to 6 significant digits.
CREATE OR REPLACE FUNCTION fx_rate_value(p jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(p) IN ('number', 'string')
                 AND length(p #>> '{}') BETWEEN 1 AND 23
                 AND translate(p #>> '{}', '0123456789', '') IN ('', '.')
                 AND left(p #>> '{}', 1) <> '.' AND right(p #>> '{}', 1) <> '.'
                 AND length(split_part(p #>> '{}', '.', 1)) <= 12
                 AND length(split_part(p #>> '{}', '.', 2)) <= 10
                THEN (p #>> '{}')::numeric END
$$;

-- A day as sent, 'YYYY-MM-DD' and a real date, else NULL (no cast that could fail the batch).
CREATE OR REPLACE FUNCTION fx_day_value(p jsonb) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(p) = 'string' AND length(p #>> '{}') = 10
                 AND translate(p #>> '{}', '0123456789', '9999999999') = '9999-99-99'
                 AND substr(p #>> '{}', 6, 2)::int BETWEEN 1 AND 12
                 AND substr(p #>> '{}', 1, 4)::int >= 1
                 AND substr(p #>> '{}', 9, 2)::int BETWEEN 1 AND
                     CASE WHEN substr(p #>> '{}', 6, 2)::int IN (4, 6, 9, 11) THEN 30
                          WHEN substr(p #>> '{}', 6, 2)::int <> 2 THEN 31
                          WHEN (substr(p #>> '{}', 1, 4)::int % 4 = 0 AND substr(p #>> '{}', 1, 4)::int % 100 <> 0)
                               OR substr(p #>> '{}', 1, 4)::int % 400 = 0 THEN 29 ELSE 28 END
                THEN (p #>> '{}')::date END
$$;

-- POST /api/revenue/fx-rates.  p_body is one record {currency, day, per_eur} or an array of them.
-- A record's key is (currency, day): new → created, a different per_eur → updated in place, the
-- same → unchanged (a replayed batch changes nothing).  Rates have no updated_at: the last batch
-- sent wins, so stale is always 0.  Answers the contract's {"accepted", "created", "updated",
-- "unchanged", "stale", "rejected": [{"index", "field", "message"}]}; more than p_max_records
-- records is NS413, an empty batch or another shape 22023, a call without a key NS403.
CREATE OR REPLACE FUNCTION api.fx_rates_ingest(p_user int, p_role text, p_body jsonb,
                                               p_key text DEFAULT NULL, p_max_records int DEFAULT 2500)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    batch   jsonb;
    n       int;
    answer  json;
BEGIN
    IF p_key IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NS403', MESSAGE = 'exchange rates are sent with an API key (scope ingest:billing)';
    END IF;
    batch := CASE jsonb_typeof(p_body) WHEN 'array' THEN p_body WHEN 'object' THEN jsonb_build_array(p_body) END;
    IF batch IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'send one record {"currency", "day", "per_eur"}, a JSON array of them, or NDJSON';
    END IF;
    n := jsonb_array_length(batch);
    IF n = 0 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'the batch is empty';
    END IF;
    IF n > p_max_records THEN
        RAISE EXCEPTION USING ERRCODE = 'NS413',
            MESSAGE = format('a batch holds at most %s records; this one has %s: split it', p_max_records, n);
    END IF;

    WITH f AS MATERIALIZED (
        SELECT (e.i - 1)::int AS idx, jsonb_typeof(e.r) = 'object' AS is_obj,
               e.r -> 'currency' AS j_cur, e.r -> 'day' AS j_day, e.r -> 'per_eur' AS j_rate,
               CASE WHEN jsonb_typeof(e.r -> 'currency') = 'string' THEN e.r ->> 'currency' END AS cur,
               fx_day_value(e.r -> 'day') AS day,
               fx_rate_value(e.r -> 'per_eur') AS rate
        FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(r, i)
    ), c AS MATERIALIZED (
        SELECT f.*,
               CASE WHEN NOT f.is_obj THEN ARRAY[NULL, 'not a JSON object (in NDJSON: the line is not valid JSON)']
                    WHEN f.cur IS NULL OR f.cur !~ '^[A-Z]{3}$'
                        THEN ARRAY['currency', 'must be an ISO 4217 code: three capital letters, e.g. USD']
                    WHEN f.cur = 'EUR'
                        THEN ARRAY['currency', 'rates are per 1 EUR, so EUR itself is always 1: leave it out']
                    WHEN f.day IS NULL THEN ARRAY['day', 'must be a date YYYY-MM-DD, e.g. 2026-03-02']
                    WHEN f.day > current_date + 1
                        THEN ARRAY['day', format('is in the future (the server''s date is %s): rates are published, not forecast', current_date)]
                    WHEN f.rate IS NULL
                        THEN ARRAY['per_eur', 'must be a positive decimal number (units of the currency per 1 EUR, e.g. 1.0876)']
                    WHEN f.rate = 0 THEN ARRAY['per_eur', 'must be greater than 0']
               END AS err
        FROM f
    ), d AS MATERIALIZED (
        -- the same (currency, day) twice in one batch: the first wins, the others are rejected
        SELECT c.idx, c.cur, c.day, c.rate,
               min(c.idx) OVER (PARTITION BY c.cur, c.day) AS first_idx
        FROM c WHERE c.err IS NULL
    ), ok AS MATERIALIZED (
        SELECT d.cur, d.day, d.rate, r.per_eur AS old_rate, r.currency IS NOT NULL AS known
        FROM d LEFT JOIN fx_rates r ON r.currency = d.cur AND r.day = d.day
        WHERE d.idx = d.first_idx
    ), up AS (
        -- (a data-modifying CTE runs to completion whether or not it is read)
        INSERT INTO fx_rates AS t (currency, day, per_eur)
        SELECT ok.cur, ok.day, ok.rate FROM ok
        WHERE NOT ok.known OR ok.old_rate <> ok.rate
        ORDER BY ok.cur, ok.day
        ON CONFLICT (currency, day) DO UPDATE SET per_eur = EXCLUDED.per_eur
        WHERE t.per_eur <> EXCLUDED.per_eur
        RETURNING 1
    ), rej AS (
        SELECT c.idx, c.err[1] AS field, c.err[2] AS message FROM c WHERE c.err IS NOT NULL
        UNION ALL
        SELECT d.idx, 'day', format('%s on %s is also record %s of this batch: send each currency and day once',
                                    d.cur, d.day, d.first_idx)
        FROM d WHERE d.idx <> d.first_idx
    )
    SELECT json_build_object(
               'accepted', (SELECT count(*) FROM ok),
               'created', (SELECT count(*) FROM ok WHERE NOT ok.known),
               'updated', (SELECT count(*) FROM ok WHERE ok.known AND ok.old_rate <> ok.rate),
               'unchanged', (SELECT count(*) FROM ok WHERE ok.known AND ok.old_rate = ok.rate),
               'stale', 0,
               'rejected', coalesce((SELECT json_agg(json_build_object('index', rej.idx, 'field', rej.field,
                                                                       'message', rej.message) ORDER BY rej.idx)
                                     FROM rej), '[]'::json))
      INTO answer;
    RETURN answer;
END
$$;

-- The narrowest write path (990_roles.sql): northstar_ingest owns the function and may write
-- fx_rates; what the change trigger (fx_rates_changed, 510_revenue.sql) touches: the rollups'
-- dirty days (granted in 990_roles.sql) and the MRR month cache.  northstar_app reads fx_rates
-- but may not write it (business data), and alone may execute the function.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON fx_rates FROM northstar_app;
GRANT SELECT, INSERT, UPDATE (per_eur) ON fx_rates TO northstar_ingest;
GRANT SELECT ON subscriptions TO northstar_ingest;
GRANT SELECT, DELETE ON revenue_mrr_month, revenue_mrr_interval, revenue_mrr_interval_customer TO northstar_ingest;
ALTER FUNCTION api.fx_rates_ingest(int, text, jsonb, text, int) OWNER TO northstar_ingest;
REVOKE EXECUTE ON FUNCTION api.fx_rates_ingest(int, text, jsonb, text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.fx_rates_ingest(int, text, jsonb, text, int) TO northstar_app;
