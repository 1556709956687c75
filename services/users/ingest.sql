-- ingest.sql — the support record endpoints (docs/ingest.md, "Record endpoints"): POST
-- /api/users/tickets and /api/users/nps, each one set-based SECURITY DEFINER function that
-- validates and stores a whole batch in one statement, in the pattern of
-- services/marketing/ingest.sql (shared parsers and the answer: 565_ingest_records.sql).  A
-- record names its customer by the customer's external_id.  The rollups (tickets opened and
-- resolved, CSAT, NPS counts) pick the rows up through the dirty-day triggers on support_tickets
-- and nps_responses (030_rollups.sql); the health score reads support_tickets itself
-- (customer_health(), snapshots retaken by the users job).
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS api;


-- POST /api/users/tickets.  Key external_id; a ticket sent again (resolved, rated) updates in
-- place unless its updated_at is older than the stored one (stale).
CREATE OR REPLACE FUNCTION api.users_tickets_ingest(p_user int, p_role text, p_body jsonb,
                                                    p_key text DEFAULT NULL, p_max_records int DEFAULT 2500)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
SET jit = off
AS $$
DECLARE
    batch   jsonb := ingest_records(p_body, p_max_records);
    answer  json;
BEGIN
    WITH f AS MATERIALIZED (
        SELECT (e.i - 1)::int AS idx, jsonb_typeof(e.r) = 'object' AS is_obj, r.*,
               ingest_scalar(r.external_id) AS v_id, ingest_scalar(r.customer_external_id) AS v_cust,
               ingest_ts(ingest_scalar(r.opened_at)) AS v_opened, ingest_ts(ingest_scalar(r.resolved_at)) AS v_resolved,
               CASE WHEN ingest_sent(r.priority) THEN ingest_scalar(r.priority) ELSE 'normal' END AS v_priority,
               ingest_count(r.csat) AS v_csat, ingest_ts(ingest_scalar(r.updated_at)) AS v_updated
        FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(r, i)
        CROSS JOIN LATERAL jsonb_to_record(CASE WHEN jsonb_typeof(e.r) = 'object' THEN e.r ELSE '{}' END) AS r(
            external_id jsonb, customer_external_id jsonb, opened_at jsonb, resolved_at jsonb, priority jsonb,
            csat jsonb, updated_at jsonb)
    ), g AS MATERIALIZED (
        SELECT f.*, cu.id AS cust_id FROM f LEFT JOIN customers cu ON cu.external_id = f.v_cust
    ), c AS MATERIALIZED (
        SELECT g.*,
               CASE WHEN NOT g.is_obj THEN ARRAY[NULL, 'not a JSON object (in NDJSON: the line is not valid JSON)']
                    WHEN g.v_id IS NULL OR length(g.v_id) NOT BETWEEN 1 AND 200
                        THEN ARRAY['external_id', 'required: the ticket''s id in the help desk, 1 to 200 characters']
                    WHEN g.v_cust IS NULL OR length(g.v_cust) NOT BETWEEN 1 AND 200
                        THEN ARRAY['customer_external_id', 'required: the customer''s external_id, 1 to 200 characters']
                    WHEN g.cust_id IS NULL
                        THEN ARRAY['customer_external_id', ingest_no_customer(g.v_cust)]
                    WHEN g.v_opened IS NULL
                        THEN ARRAY['opened_at', 'required: an ISO-8601 date-time with seconds and a zone, e.g. 2026-03-01T12:00:00Z']
                    WHEN ingest_ts_bounds(g.v_opened) IS NOT NULL THEN ARRAY['opened_at', ingest_ts_bounds(g.v_opened)]
                    WHEN ingest_sent(g.resolved_at) AND g.v_resolved IS NULL
                        THEN ARRAY['resolved_at', 'must be an ISO-8601 date-time with seconds and a zone, or null while open']
                    WHEN g.v_resolved < g.v_opened THEN ARRAY['resolved_at', 'is before opened_at']
                    WHEN ingest_ts_bounds(g.v_resolved) IS NOT NULL THEN ARRAY['resolved_at', ingest_ts_bounds(g.v_resolved)]
                    WHEN g.v_priority IS NULL OR g.v_priority NOT IN ('low', 'normal', 'high', 'urgent')
                        THEN ARRAY['priority', 'must be one of low, normal, high, urgent (default normal)']
                    WHEN ingest_sent(g.csat) AND (g.v_csat IS NULL OR g.v_csat NOT BETWEEN 1 AND 5)
                        THEN ARRAY['csat', 'must be the satisfaction rating, a whole number from 1 to 5, or null']
                    WHEN ingest_sent(g.updated_at) AND g.v_updated IS NULL
                        THEN ARRAY['updated_at', 'must be an ISO-8601 date-time with seconds and a zone']
               END AS err0
        FROM g
    ), d AS MATERIALIZED (
        SELECT c.*,
               coalesce(c.err0, CASE WHEN c.idx > min(c.idx) FILTER (WHERE c.err0 IS NULL) OVER (PARTITION BY c.v_id)
                   THEN ARRAY['external_id', format('ticket %s is at index %s of this batch already: send a record once a batch',
                              c.v_id, min(c.idx) FILTER (WHERE c.err0 IS NULL) OVER (PARTITION BY c.v_id))] END) AS err
        FROM c
    ), ok AS MATERIALIZED (
        -- a record without updated_at keeps the stored one (else an older delivery could win next)
        SELECT d.idx, d.v_id, d.cust_id, d.v_opened, d.v_resolved, d.v_priority, d.v_csat::smallint AS v_csat,
               coalesce(d.v_updated, t.source_updated_at) AS v_updated,
               t.id IS NOT NULL
                 AND (t.customer_id, t.opened_at, t.resolved_at, t.priority, t.csat, t.source_updated_at)
                     IS NOT DISTINCT FROM (d.cust_id, d.v_opened, d.v_resolved, d.v_priority, d.v_csat::smallint,
                                           coalesce(d.v_updated, t.source_updated_at)) AS same,
               coalesce(t.source_updated_at > d.v_updated, false) AS stale
        FROM d LEFT JOIN support_tickets t ON t.external_id = d.v_id
        WHERE d.err IS NULL
    ), up AS (
        INSERT INTO support_tickets AS t (external_id, customer_id, opened_at, resolved_at, priority, csat, source_updated_at)
        SELECT ok.v_id, ok.cust_id, ok.v_opened, ok.v_resolved, ok.v_priority, ok.v_csat, ok.v_updated
        FROM ok WHERE NOT ok.same AND NOT ok.stale
        ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO UPDATE
        SET customer_id = EXCLUDED.customer_id, opened_at = EXCLUDED.opened_at, resolved_at = EXCLUDED.resolved_at,
            priority = EXCLUDED.priority, csat = EXCLUDED.csat,
            source_updated_at = coalesce(EXCLUDED.source_updated_at, t.source_updated_at)
        WHERE (t.customer_id, t.opened_at, t.resolved_at, t.priority, t.csat, t.source_updated_at)
              IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.opened_at, EXCLUDED.resolved_at, EXCLUDED.priority,
                                EXCLUDED.csat, coalesce(EXCLUDED.source_updated_at, t.source_updated_at))
          AND NOT coalesce(t.source_updated_at > EXCLUDED.source_updated_at, false)
        RETURNING t.xmax = 0 AS created
    )
    SELECT ingest_record_answer(
               (SELECT count(*) FROM up WHERE up.created), (SELECT count(*) FROM up WHERE NOT up.created),
               (SELECT count(*) FROM ok WHERE NOT ok.stale) - (SELECT count(*) FROM up),
               (SELECT count(*) FROM ok WHERE ok.stale),
               (SELECT json_agg(json_build_object('index', d.idx, 'field', d.err[1], 'message', d.err[2]) ORDER BY d.idx)
                FROM d WHERE d.err IS NOT NULL))
      INTO answer;
    RETURN answer;
END
$$;

-- POST /api/users/nps.  Key external_id; one answer of one customer's survey.
CREATE OR REPLACE FUNCTION api.users_nps_ingest(p_user int, p_role text, p_body jsonb,
                                                p_key text DEFAULT NULL, p_max_records int DEFAULT 2500)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
SET jit = off
AS $$
DECLARE
    batch   jsonb := ingest_records(p_body, p_max_records);
    answer  json;
BEGIN
    WITH f AS MATERIALIZED (
        SELECT (e.i - 1)::int AS idx, jsonb_typeof(e.r) = 'object' AS is_obj, r.*,
               ingest_scalar(r.external_id) AS v_id, ingest_scalar(r.customer_external_id) AS v_cust,
               ingest_ts(ingest_scalar(r.answered_at)) AS v_answered, ingest_count(r.score) AS v_score
        FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(r, i)
        CROSS JOIN LATERAL jsonb_to_record(CASE WHEN jsonb_typeof(e.r) = 'object' THEN e.r ELSE '{}' END) AS r(
            external_id jsonb, customer_external_id jsonb, answered_at jsonb, score jsonb)
    ), g AS MATERIALIZED (
        SELECT f.*, cu.id AS cust_id FROM f LEFT JOIN customers cu ON cu.external_id = f.v_cust
    ), c AS MATERIALIZED (
        SELECT g.*,
               CASE WHEN NOT g.is_obj THEN ARRAY[NULL, 'not a JSON object (in NDJSON: the line is not valid JSON)']
                    WHEN g.v_id IS NULL OR length(g.v_id) NOT BETWEEN 1 AND 200
                        THEN ARRAY['external_id', 'required: the answer''s id in the survey tool, 1 to 200 characters']
                    WHEN g.v_cust IS NULL OR length(g.v_cust) NOT BETWEEN 1 AND 200
                        THEN ARRAY['customer_external_id', 'required: the customer''s external_id, 1 to 200 characters']
                    WHEN g.cust_id IS NULL
                        THEN ARRAY['customer_external_id', ingest_no_customer(g.v_cust)]
                    WHEN g.v_answered IS NULL
                        THEN ARRAY['answered_at', 'required: an ISO-8601 date-time with seconds and a zone, e.g. 2026-03-01T12:00:00Z']
                    WHEN ingest_ts_bounds(g.v_answered) IS NOT NULL THEN ARRAY['answered_at', ingest_ts_bounds(g.v_answered)]
                    WHEN g.v_score IS NULL OR g.v_score > 10
                        THEN ARRAY['score', 'required: the answer, a whole number from 0 to 10']
               END AS err0
        FROM g
    ), d AS MATERIALIZED (
        SELECT c.*,
               coalesce(c.err0, CASE WHEN c.idx > min(c.idx) FILTER (WHERE c.err0 IS NULL) OVER (PARTITION BY c.v_id)
                   THEN ARRAY['external_id', format('answer %s is at index %s of this batch already: send a record once a batch',
                              c.v_id, min(c.idx) FILTER (WHERE c.err0 IS NULL) OVER (PARTITION BY c.v_id))] END) AS err
        FROM c
    ), ok AS MATERIALIZED (
        SELECT d.idx, d.v_id, d.cust_id, d.v_answered, d.v_score::smallint AS v_score,
               t.id IS NOT NULL
                 AND (t.customer_id, t.answered_at, t.score)
                     IS NOT DISTINCT FROM (d.cust_id, d.v_answered, d.v_score::smallint) AS same
        FROM d LEFT JOIN nps_responses t ON t.external_id = d.v_id
        WHERE d.err IS NULL
    ), up AS (
        INSERT INTO nps_responses AS t (external_id, customer_id, answered_at, score)
        SELECT ok.v_id, ok.cust_id, ok.v_answered, ok.v_score
        FROM ok WHERE NOT ok.same
        ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO UPDATE
        SET customer_id = EXCLUDED.customer_id, answered_at = EXCLUDED.answered_at, score = EXCLUDED.score
        WHERE (t.customer_id, t.answered_at, t.score)
              IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.answered_at, EXCLUDED.score)
        RETURNING t.xmax = 0 AS created
    )
    SELECT ingest_record_answer(
               (SELECT count(*) FROM up WHERE up.created), (SELECT count(*) FROM up WHERE NOT up.created),
               (SELECT count(*) FROM ok) - (SELECT count(*) FROM up), 0,
               (SELECT json_agg(json_build_object('index', d.idx, 'field', d.err[1], 'message', d.err[2]) ORDER BY d.idx)
                FROM d WHERE d.err IS NOT NULL))
      INTO answer;
    RETURN answer;
END
$$;

-- The write path (990_roles.sql's pattern): read what the functions look up, write exactly the
-- columns they store; only the services' role may call them.
GRANT SELECT ON support_tickets, nps_responses, customers TO northstar_ingest;
GRANT INSERT (external_id, customer_id, opened_at, resolved_at, priority, csat, source_updated_at),
      UPDATE (customer_id, opened_at, resolved_at, priority, csat, source_updated_at) ON support_tickets TO northstar_ingest;
GRANT INSERT (external_id, customer_id, answered_at, score),
      UPDATE (customer_id, answered_at, score) ON nps_responses TO northstar_ingest;
GRANT USAGE ON SEQUENCE support_tickets_id_seq, nps_responses_id_seq TO northstar_ingest;
-- the dirty-day queue the triggers on both tables fill
GRANT SELECT, INSERT ON rollup_dirty_days TO northstar_ingest;

ALTER FUNCTION api.users_tickets_ingest(int, text, jsonb, text, int) OWNER TO northstar_ingest;
ALTER FUNCTION api.users_nps_ingest(int, text, jsonb, text, int) OWNER TO northstar_ingest;
REVOKE EXECUTE ON FUNCTION api.users_tickets_ingest(int, text, jsonb, text, int),
                           api.users_nps_ingest(int, text, jsonb, text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.users_tickets_ingest(int, text, jsonb, text, int),
                          api.users_nps_ingest(int, text, jsonb, text, int) TO northstar_app;
