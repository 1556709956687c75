-- annotations.sql — the SQL behind the executive view's own routes of services/revenue
-- (docs/api/revenue.md "Annotations", "Targets", "Movements"): notes on the MRR chart, the targets
-- the CEO sets, and one month's MRR movements customer by customer (the drill-down).  Called by
-- named parameters from the route table (services/revenue/revenue.c), like revenue.sql.
-- Every change is the CEO's, checked here as well as by the route table, and writes its audit row
-- (575_audit.sql) in its own transaction; a bad field is a 400 (22023) naming it.
CREATE SCHEMA IF NOT EXISTS api;

-- ---------------------------------------------------------------- annotations

-- An annotation as the API shows it.
CREATE OR REPLACE FUNCTION api.revenue_annotation_json(a annotations) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', a.id, 'day', a.day, 'kind', a.kind, 'text', a.text, 'source', 'note',
                             'editable', true, 'created_at', a.created_at, 'created_by', a.created_by,
                             'updated_at', a.updated_at, 'updated_by', a.updated_by)
$$;

-- The fields of an annotation the audit row keeps.
CREATE OR REPLACE FUNCTION api.revenue_annotation_audit(a annotations) RETURNS jsonb
LANGUAGE sql STABLE AS $$ SELECT jsonb_build_object('day', a.day, 'kind', a.kind, 'text', a.text) $$;

-- GET /api/revenue/annotations?months=N&as_of=: the annotations of the MRR chart's window (the
-- months of GET /api/revenue/mrr with the same months and as_of): the stored notes, and each
-- campaign's start day (campaigns.started_on, source "campaign", not editable), oldest first.
CREATE OR REPLACE FUNCTION api.revenue_annotations(p_user int, p_role text, p_months int, p_as_of date)
RETURNS json LANGUAGE sql STABLE AS $$
    WITH w AS (
        SELECT (date_trunc('month', api.as_of(p_as_of)) - make_interval(months => p_months - 1))::date AS lo,
               api.as_of(p_as_of) AS hi
    ), rows AS (
        SELECT a.day, 0 AS src, a.id, api.revenue_annotation_json(a)::jsonb AS j
          FROM annotations a, w WHERE a.day BETWEEN w.lo AND w.hi
        UNION ALL
        SELECT c.started_on, 1, c.id,
               jsonb_build_object('id', NULL, 'day', c.started_on, 'kind', 'campaign',
                                  'text', 'Campaign: ' || c.name || ' (' || c.platform || ')',
                                  'source', 'campaign', 'editable', false, 'campaign_id', c.id)
          FROM campaigns c, w WHERE c.started_on BETWEEN w.lo AND w.hi
    )
    SELECT json_build_object('from', w.lo, 'to', w.hi,
                             'annotations', coalesce((SELECT json_agg(r.j ORDER BY r.day, r.src, r.id) FROM rows r), '[]'))
      FROM w
$$;

-- The fields of a body for an annotation, checked: day (YYYY-MM-DD, 2000 .. today + 366 days: a
-- planned launch may be noted ahead), kind (launch, campaign, incident, other), text (1 to 200
-- characters, trimmed).  a holds the current values; the body's fields replace them.  p_all: every
-- field must be given (create).
CREATE OR REPLACE FUNCTION api.revenue_annotation_fields(a annotations, p_body text, p_all boolean)
RETURNS annotations LANGUAGE plpgsql STABLE AS $$
DECLARE
    b  jsonb;
    k  text;
    dy date;
BEGIN
    b := api.body_object(p_body, ARRAY['day', 'kind', 'text'], true);
    IF p_all THEN
        FOREACH k IN ARRAY ARRAY['day', 'kind', 'text'] LOOP
            IF NOT b ? k THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s is missing', k);
            END IF;
        END LOOP;
    END IF;
    IF b ? 'day' THEN
        IF jsonb_typeof(b->'day') <> 'string' OR (b->>'day') !~ '^\d{4}-\d{2}-\d{2}$' THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'day must be a date YYYY-MM-DD';
        END IF;
        BEGIN
            dy := (b->>'day')::date;
        EXCEPTION WHEN others THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('day %s is not a calendar day', b->>'day');
        END;
        IF dy < DATE '2000-01-01' OR dy > api.today() + 366 THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('day must be between 2000-01-01 and %s', api.today() + 366);
        END IF;
        a.day := dy;
    END IF;
    IF b ? 'kind' THEN
        IF jsonb_typeof(b->'kind') <> 'string' OR (b->>'kind') NOT IN ('launch', 'campaign', 'incident', 'other') THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'kind must be one of launch, campaign, incident, other';
        END IF;
        a.kind := b->>'kind';
    END IF;
    IF b ? 'text' THEN
        IF jsonb_typeof(b->'text') <> 'string' OR length(btrim(b->>'text')) NOT BETWEEN 1 AND 200 THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'text must be 1 to 200 characters';
        END IF;
        IF btrim(b->>'text') ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]' THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'text must not contain control characters';
        END IF;
        a.text := btrim(b->>'text');
    END IF;
    RETURN a;
END
$$;

-- POST /api/revenue/annotations {day, kind, text}: a new note (the CEO's), with its audit row.
CREATE OR REPLACE FUNCTION api.revenue_annotation_create(p_user int, p_role text, p_body text,
                                                         p_address text DEFAULT NULL) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a annotations;
BEGIN
    IF p_role IS DISTINCT FROM 'ceo' THEN
        RAISE EXCEPTION USING ERRCODE = 'NS403', MESSAGE = 'only the ceo may change annotations';
    END IF;
    a := api.revenue_annotation_fields(a, p_body, true);
    INSERT INTO annotations (day, kind, text, created_by, updated_by)
    VALUES (a.day, a.kind, a.text, p_user, p_user) RETURNING * INTO a;
    PERFORM audit_write(p_actor_type => 'user', p_actor_id => p_user, p_role => p_role,
                        p_address => p_address, p_action => 'annotation.create', p_target => a.id::text,
                        p_detail => jsonb_build_object('annotation_id', a.id, 'after', api.revenue_annotation_audit(a)));
    RETURN api.revenue_annotation_json(a);
END
$$;

-- PUT /api/revenue/annotations/{id} with the fields to change (day, kind, text).
CREATE OR REPLACE FUNCTION api.revenue_annotation_update(p_user int, p_role text, p_body text, p_id int,
                                                         p_address text DEFAULT NULL) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a   annotations;
    old annotations;
BEGIN
    IF p_role IS DISTINCT FROM 'ceo' THEN
        RAISE EXCEPTION USING ERRCODE = 'NS403', MESSAGE = 'only the ceo may change annotations';
    END IF;
    SELECT * INTO a FROM annotations WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NS404', MESSAGE = format('no annotation %s', p_id);
    END IF;
    old := a;
    a := api.revenue_annotation_fields(a, p_body, false);
    UPDATE annotations SET day = a.day, kind = a.kind, text = a.text, updated_at = now(), updated_by = p_user
     WHERE id = p_id RETURNING * INTO a;
    PERFORM audit_write(p_actor_type => 'user', p_actor_id => p_user, p_role => p_role,
                        p_address => p_address, p_action => 'annotation.update', p_target => a.id::text,
                        p_detail => jsonb_build_object('annotation_id', a.id, 'before', api.revenue_annotation_audit(old),
                                                       'after', api.revenue_annotation_audit(a)));
    RETURN api.revenue_annotation_json(a);
END
$$;

-- DELETE /api/revenue/annotations/{id}: {deleted: id}.
CREATE OR REPLACE FUNCTION api.revenue_annotation_delete(p_user int, p_role text, p_id int,
                                                         p_address text DEFAULT NULL) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a annotations;
BEGIN
    IF p_role IS DISTINCT FROM 'ceo' THEN
        RAISE EXCEPTION USING ERRCODE = 'NS403', MESSAGE = 'only the ceo may change annotations';
    END IF;
    DELETE FROM annotations WHERE id = p_id RETURNING * INTO a;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NS404', MESSAGE = format('no annotation %s', p_id);
    END IF;
    PERFORM audit_write(p_actor_type => 'user', p_actor_id => p_user, p_role => p_role,
                        p_address => p_address, p_action => 'annotation.delete', p_target => a.id::text,
                        p_detail => jsonb_build_object('annotation_id', a.id, 'before', api.revenue_annotation_audit(a)));
    RETURN json_build_object('deleted', a.id);
END
$$;

-- ---------------------------------------------------------------- targets

-- The targets the CEO sets, one per calendar month each (table targets, 010_core.sql): the name
-- the API uses, the stored metric, its unit (money: the body and answers in the reporting
-- currency's units, stored in cents), whether the figure should stay at or above it (min) or at
-- or below it (max), and the bounds a value must keep.  'mrr_cents' is the one revenue.sql,
-- forecast.sql and the alert report read; the ARPU band is two rows.
CREATE OR REPLACE FUNCTION api.revenue_target_metrics()
RETURNS TABLE (name text, metric text, label text, unit text, direction text, lo numeric, hi numeric, ord int)
LANGUAGE sql IMMUTABLE AS $$
    VALUES ('mrr', 'mrr_cents', 'Monthly MRR target', 'money', 'min', 0::numeric, 1e12::numeric, 1),
           ('arpu_low', 'arpu_low_cents', 'ARPU band: low', 'money', 'min', 0, 1e9, 2),
           ('arpu_high', 'arpu_high_cents', 'ARPU band: high', 'money', 'max', 0, 1e9, 3),
           ('nps', 'nps', 'NPS (90 days)', 'points', 'min', -100, 100, 4),
           ('runway_months', 'runway_months', 'Runway', 'months', 'min', 0, 600, 5),
           ('gross_margin_pct', 'gross_margin_pct', 'Gross margin', 'pct', 'min', -100, 100, 6)
$$;

-- GET /api/revenue/targets?as_of=: each target whose period holds as_of (null: none set), the
-- figure it is measured against as of that day, computed by the figure's own endpoint function
-- (MRR and ARPU: api.revenue_summary_block; NPS: api.users_nps over 90 days as GET
-- /api/users/summary; runway and gross margin: api.revenue_financial, the margin of the last full
-- month), and met / progress_pct (current ÷ target × 100 for a "min" target).
CREATE OR REPLACE FUNCTION api.revenue_targets(p_user int, p_role text, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
    d    date := api.as_of(p_as_of);
    sm   jsonb := api.revenue_summary_block(api.as_of(p_as_of), (api.as_of(p_as_of) - interval '1 month')::date);
    fin  jsonb := api.revenue_financial(p_user, p_role, 2, api.as_of(p_as_of))::jsonb;
    mon  jsonb;
    cur  jsonb;
BEGIN
    SELECT m INTO mon FROM jsonb_array_elements(fin->'months') m WHERE NOT (m->>'partial')::boolean
     ORDER BY m->>'month' DESC LIMIT 1;
    cur := jsonb_build_object(
        'mrr', jsonb_build_object('value', sm->'mrr', 'note', 'MRR on ' || d),
        'arpu_low', jsonb_build_object('value', sm->'arpu', 'note', 'ARPU on ' || d),
        'arpu_high', jsonb_build_object('value', sm->'arpu', 'note', 'ARPU on ' || d),
        'nps', jsonb_build_object('value', api.users_nps(d - 89, d)::jsonb->'nps', 'note', 'NPS, ' || (d - 89) || ' – ' || d),
        'runway_months', jsonb_build_object('value', fin->'runway_months', 'note', 'cash ÷ average net burn of 3 months'),
        'gross_margin_pct', jsonb_build_object('value', mon->'gross_margin_pct',
                                               'note', 'gross margin, ' || coalesce(mon->>'month', 'no full month')));
    RETURN json_build_object('as_of', d,
        'period_start', date_trunc('month', d)::date,
        'period_end', (date_trunc('month', d) + interval '1 month')::date - 1,
        'targets', (SELECT json_agg(json_build_object(
            'metric', m.name, 'label', m.label, 'unit', m.unit, 'direction', m.direction,
            'min', CASE WHEN m.unit = 'money' THEN api.money(m.lo) ELSE m.lo END,
            'max', CASE WHEN m.unit = 'money' THEN m.hi / 100 ELSE m.hi END,
            'value', CASE WHEN m.unit = 'money' THEN api.money(t.value) ELSE t.value END,
            'period_start', t.period_start, 'period_end', t.period_end,
            'current', cur->m.name->'value', 'current_note', cur->m.name->>'note',
            'met', CASE WHEN t.value IS NULL OR jsonb_typeof(cur->m.name->'value') <> 'number' THEN NULL
                        WHEN m.direction = 'min' THEN (cur->m.name->>'value')::numeric
                                                      >= CASE WHEN m.unit = 'money' THEN t.value / 100 ELSE t.value END
                        ELSE (cur->m.name->>'value')::numeric
                             <= CASE WHEN m.unit = 'money' THEN t.value / 100 ELSE t.value END END,
            'progress_pct', CASE WHEN m.direction = 'min' AND jsonb_typeof(cur->m.name->'value') = 'number' THEN
                                 api.pct((cur->m.name->>'value')::numeric,
                                         CASE WHEN m.unit = 'money' THEN t.value / 100 ELSE t.value END) END)
            ORDER BY m.ord)
          FROM api.revenue_target_metrics() m
          LEFT JOIN LATERAL (SELECT x.value, x.period_start, x.period_end FROM targets x
                              WHERE x.metric = m.metric AND d BETWEEN x.period_start AND x.period_end
                              ORDER BY x.period_start DESC LIMIT 1) t ON true));
END
$$;

-- PUT /api/revenue/targets {metric, value, month}: set (value a number) or remove (value null) the
-- target of a calendar month (month YYYY-MM, default the current one; not before 2000 nor more
-- than 24 months ahead).  The change and its audit row commit together; it also moves the data
-- version (live_data_changed, docs/live.md), so no cached answer computed with the old target
-- (the MRR card's gauge, "Monthly target", "Days to target", the forecast's target path) is served
-- again, and answers {target, data_version} for the app to send from then on.
CREATE OR REPLACE FUNCTION api.revenue_target_update(p_user int, p_role text, p_body text,
                                                     p_address text DEFAULT NULL) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    b    jsonb;
    m    record;
    ms   date;
    me   date;
    v    numeric;
    old  numeric;
BEGIN
    IF p_role IS DISTINCT FROM 'ceo' THEN
        RAISE EXCEPTION USING ERRCODE = 'NS403', MESSAGE = 'only the ceo may change targets';
    END IF;
    b := api.body_object(p_body, ARRAY['metric', 'value', 'month']);
    SELECT * INTO m FROM api.revenue_target_metrics() x WHERE x.name = b->>'metric' AND jsonb_typeof(b->'metric') = 'string';
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('metric must be one of %s',
            (SELECT string_agg(x.name, ', ' ORDER BY x.ord) FROM api.revenue_target_metrics() x));
    END IF;
    IF NOT b ? 'value' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'value is missing (a number, or null to remove the target)';
    END IF;
    IF jsonb_typeof(b->'value') = 'number' THEN
        v := (b->>'value')::numeric;
        -- (the bounds are in stored units: cents for money)
        IF v * (CASE WHEN m.unit = 'money' THEN 100 ELSE 1 END) NOT BETWEEN m.lo AND m.hi THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('value %s is out of range for %s: it must be between %s and %s',
                v, m.name, m.lo, m.hi / CASE WHEN m.unit = 'money' THEN 100 ELSE 1 END);
        END IF;
        IF m.unit = 'money' THEN
            IF v <> round(v, 2) THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'value must have at most 2 decimals (an amount)';
            END IF;
            v := round(v * 100);
        END IF;
    ELSIF jsonb_typeof(b->'value') <> 'null' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'value must be a number, or null to remove the target';
    END IF;
    IF b ? 'month' AND jsonb_typeof(b->'month') <> 'null' THEN
        IF jsonb_typeof(b->'month') <> 'string' OR (b->>'month') !~ '^\d{4}-(0[1-9]|1[0-2])$' THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'month must be YYYY-MM';
        END IF;
        ms := ((b->>'month') || '-01')::date;
    ELSE
        ms := date_trunc('month', api.today())::date;
    END IF;
    IF ms < DATE '2000-01-01' OR ms > (date_trunc('month', api.today()) + interval '24 months')::date THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'month must be between 2000-01 and 24 months ahead';
    END IF;
    me := (ms + interval '1 month')::date - 1;
    SELECT t.value INTO old FROM targets t WHERE t.metric = m.metric AND t.period_start = ms FOR UPDATE;
    IF v IS NULL THEN
        DELETE FROM targets WHERE metric = m.metric AND period_start = ms;
    ELSE
        INSERT INTO targets (metric, period_start, period_end, value) VALUES (m.metric, ms, me, v)
        ON CONFLICT (metric, period_start) DO UPDATE SET value = excluded.value, period_end = excluded.period_end;
    END IF;
    PERFORM audit_write(p_actor_type => 'user', p_actor_id => p_user, p_role => p_role,
                        p_address => p_address, p_action => 'target.update', p_target => m.name,
                        p_detail => jsonb_build_object('metric', m.name, 'period_start', ms, 'period_end', me,
                                                       'before', old, 'after', v));
    PERFORM live_data_changed(false);
    RETURN json_build_object('metric', m.name, 'period_start', ms, 'period_end', me,
                             'value', CASE WHEN m.unit = 'money' THEN api.money(v) ELSE v END,
                             'data_version', api.live_version());
END
$$;

-- Targets are configuration the CEO sets (not a figure's source data): the services' role may
-- write them, only as the function above does (990_roles.sql keeps the rest of the business
-- tables read-only to it).
GRANT INSERT (metric, period_start, period_end, value), UPDATE (value, period_end), DELETE ON targets TO northstar_app;

-- ---------------------------------------------------------------- movements (drill-down)

-- GET /api/revenue/movements?month=YYYY-MM&kind=&as_of=: the customers behind one month's MRR
-- (month default: the month of as_of)
-- movements (revenue_movement_customers, the rule the totals of GET /api/revenue/mrr are summed
-- from), the month running from the last day of the month before to its last day, or to as_of
-- when as_of is in it (partial).  totals are company-wide, per kind (amount, customers); the
-- customer rows are row-scoped (customer_in_scope: a sales rep sees its own customers; hidden
-- counts the others), largest change first, kind one movement or all (NULL).
CREATE OR REPLACE FUNCTION api.revenue_movements(p_user int, p_role text, p_month text, p_kind text, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
    d   date := api.as_of(p_as_of);
    ms  date;
    me  date;
BEGIN
    IF p_month IS NOT NULL AND p_month !~ '^\d{4}-(0[1-9]|1[0-2])$' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'month must be YYYY-MM';
    END IF;
    ms := coalesce((p_month || '-01')::date, date_trunc('month', d)::date);
    IF ms > d OR ms < DATE '2000-01-01' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('month must be between 2000-01 and %s (as_of)', to_char(d, 'YYYY-MM'));
    END IF;
    me := least((ms + interval '1 month')::date - 1, d);
    RETURN (
        WITH k AS (
            SELECT k.customer_id, k.m0, k.m1, k.fx, k.delta, k.kind
              FROM revenue_interval_movers(ms - 1, me) k
        ), kinds(kind, ord) AS (
            VALUES ('new', 1), ('expansion', 2), ('contraction', 3), ('churn', 4), ('reactivation', 5)
        ), vis AS (
            SELECT k.*, c.name, c.segment,
                   customer_in_scope(p_user, p_role, c.id, c.cs_owner_id, c.sales_owner_id) AS visible
              FROM k JOIN customers c ON c.id = k.customer_id
             WHERE p_kind IS NULL OR k.kind = p_kind
        )
        SELECT json_build_object(
            'month', to_char(ms, 'YYYY-MM'), 'from', ms - 1, 'to', me,
            'partial', me <> (ms + interval '1 month')::date - 1,
            'kind', p_kind,
            'totals', (SELECT json_object_agg(kinds.kind, json_build_object(
                                  'amount', api.money(coalesce((SELECT sum(k.delta) FROM k WHERE k.kind = kinds.kind), 0)),
                                  'customers', (SELECT count(*) FROM k WHERE k.kind = kinds.kind)) ORDER BY kinds.ord)
                         FROM kinds),
            'scoped', p_role IS DISTINCT FROM 'ceo',
            'hidden', (SELECT count(*) FROM vis WHERE NOT vis.visible),
            'customers', coalesce((SELECT json_agg(json_build_object(
                                      'customer_id', vis.customer_id, 'name', vis.name, 'segment', vis.segment,
                                      'kind', vis.kind, 'starting_mrr', api.money(vis.m0), 'ending_mrr', api.money(vis.m1),
                                      'change', api.money(vis.delta), 'fx', api.money(vis.fx))
                                      ORDER BY abs(vis.delta) DESC, vis.customer_id)
                                     FROM vis WHERE vis.visible), '[]')));
END
$$;
