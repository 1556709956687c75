-- 900_api.sql — the schema "api" that holds one SQL function per endpoint
-- (defined next to each service in services/<name>/<name>.sql) and the
-- small helpers they share.  Loaded after the tables, before the services.
CREATE SCHEMA IF NOT EXISTS api;

-- Cents as a JSON-ready amount in currency units with two decimals.
CREATE OR REPLACE FUNCTION api.money(p_cents numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$ SELECT round(p_cents / 100.0, 2) $$;

-- Percent change from p_old to p_new, NULL when p_old is 0 or NULL.
CREATE OR REPLACE FUNCTION api.pct_change(p_new numeric, p_old numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_old IS NULL OR p_old = 0 THEN NULL
              ELSE round((p_new - p_old) * 100.0 / p_old, 2) END
$$;

-- p_num / p_den as a percentage with two decimals; NULL on an empty denominator.
CREATE OR REPLACE FUNCTION api.pct(p_num numeric, p_den numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_den IS NULL OR p_den = 0 THEN NULL
              ELSE round(p_num * 100.0 / p_den, 2) END
$$;

-- p_num / p_den rounded to p_scale decimals; NULL on an empty denominator.
CREATE OR REPLACE FUNCTION api.ratio(p_num numeric, p_den numeric, p_scale int DEFAULT 2)
RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_den IS NULL OR p_den = 0 THEN NULL
              ELSE round(p_num / p_den, p_scale) END
$$;

-- The reporting "today" (sessions run in the reporting time zone).
CREATE OR REPLACE FUNCTION api.today() RETURNS date
LANGUAGE sql STABLE AS $$ SELECT ns_today() $$;

-- Resolve the common range parameters to [from, to] (inclusive dates):
-- days=N means the N days ending today; from/to default to
-- (to - 29 days) and today.  Raises 22023 (HTTP 400) past 1096 days.
CREATE OR REPLACE FUNCTION api.range(p_from date, p_to date, p_days int, p_default_days int DEFAULT 30,
                                     OUT d_from date, OUT d_to date)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  d_to := coalesce(p_to, api.today());
  d_from := coalesce(p_from, d_to - (coalesce(p_days, p_default_days) - 1));
  IF d_from > d_to THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('parameter ''from'' (%s) is after ''to'' (%s)', d_from, d_to);
  END IF;
  IF d_to - d_from >= 1096 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('the range from %s to %s is longer than 1096 days', d_from, d_to);
  END IF;
END $$;

-- The day a point-in-time endpoint reports on: p_as_of, or today when absent.  A day after
-- today never arrives here from HTTP: common/param.c refuses it (the one as_of rule).
CREATE OR REPLACE FUNCTION api.as_of(p_as_of date) RETURNS date
LANGUAGE sql STABLE AS $$ SELECT coalesce(p_as_of, api.today()) $$;

-- The JSON body of a write route (a CEO's change: alert rules, annotations, targets), passed as
-- text by the service: parsed, an object (non-empty when p_nonempty) whose members are all among
-- p_fields; else a 400 (22023) that says what is wrong.  The caller checks each member's value.
CREATE OR REPLACE FUNCTION api.body_object(p_body text, p_fields text[], p_nonempty boolean DEFAULT false)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    b jsonb;
    k text;
BEGIN
    BEGIN
        b := p_body::jsonb;
    EXCEPTION WHEN others THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'the body is not valid JSON';
    END;
    IF jsonb_typeof(b) IS DISTINCT FROM 'object' OR (p_nonempty AND b = '{}') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('the body must be a JSON object with the fields %s', array_to_string(p_fields, ', '));
    END IF;
    FOR k IN SELECT jsonb_object_keys(b) LOOP
        IF NOT k = ANY (p_fields) THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = format('unknown field %L: the fields are %s', k, array_to_string(p_fields, ', '));
        END IF;
    END LOOP;
    RETURN b;
END
$$;
