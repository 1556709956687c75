-- ingest.sql — the marketing record endpoints (docs/ingest.md, "Record endpoints"): POST
-- /api/marketing/campaigns, /spend and /leads, each one set-based SECURITY DEFINER function that
-- validates and stores a whole batch in one statement.  They are also the importers' write path
-- (Meta and TikTok Ads reports call the campaigns and spend functions with named parameters), so
-- their names and fields are the format.  Shared parsers and the answer: 565_ingest_records.sql.
--
-- Each function: jsonb_array_elements → jsonb_to_record → one CASE per record naming its first bad
-- field → a repeated key in the batch rejected after its first valid occurrence → the stored row
-- joined on the key (unchanged when equal) → INSERT … ON CONFLICT DO UPDATE of the others, whose
-- RETURNING tells created from updated.  The rollups pick the rows up through the dirty-day
-- triggers on ad_spend and leads (030_rollups.sql); the spend and campaign endpoints read ad_spend
-- itself, CAC and the summary's MQLs read metrics_daily.
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS api;


-- POST /api/marketing/campaigns.  Key (platform, external_id); a budget in another currency is
-- converted at the rate of its start day (today's for a campaign starting later).
CREATE OR REPLACE FUNCTION api.marketing_campaigns_ingest(p_user int, p_role text, p_body jsonb,
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
               ingest_scalar(r.external_id) AS v_id, ingest_scalar(r.platform) AS v_platform,
               ingest_scalar(r.name) AS v_name,
               ingest_date(r.started_on) AS v_started, ingest_date(r.ended_on) AS v_ended,
               CASE WHEN ingest_sent(r.budget_cents) THEN ingest_count(r.budget_cents) ELSE 0 END AS v_budget,
               CASE WHEN ingest_sent(r.currency) THEN ingest_currency(r.currency) ELSE ns_currency() END AS v_cur,
               CASE WHEN NOT ingest_sent(r.tags) THEN '{}'::text[]
                    WHEN jsonb_typeof(r.tags) = 'array' AND jsonb_array_length(r.tags) <= 50
                     AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(r.tags) t
                                     WHERE jsonb_typeof(t) <> 'string' OR length(t #>> '{}') NOT BETWEEN 1 AND 64)
                        THEN ARRAY(SELECT jsonb_array_elements_text(r.tags)) END AS v_tags
        FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(r, i)
        CROSS JOIN LATERAL jsonb_to_record(CASE WHEN jsonb_typeof(e.r) = 'object' THEN e.r ELSE '{}' END) AS r(
            external_id jsonb, platform jsonb, name jsonb, started_on jsonb, ended_on jsonb,
            budget_cents jsonb, currency jsonb, tags jsonb)
    ), g AS MATERIALIZED (
        SELECT f.*, least(f.v_started, ns_today()) AS fx_day,
               CASE WHEN f.v_budget = 0 THEN 0::bigint
                    ELSE fx_convert(f.v_budget, f.v_cur, least(f.v_started, ns_today())) END AS v_budget_rep
        FROM f
    ), c AS MATERIALIZED (
        SELECT g.*,
               CASE WHEN NOT g.is_obj THEN ARRAY[NULL, 'not a JSON object (in NDJSON: the line is not valid JSON)']
                    WHEN g.v_id IS NULL OR length(g.v_id) NOT BETWEEN 1 AND 200
                        THEN ARRAY['external_id', 'required: the campaign''s id on its platform, 1 to 200 characters']
                    WHEN g.v_platform IS NULL OR g.v_platform NOT IN ('meta', 'tiktok', 'google', 'linkedin')
                        THEN ARRAY['platform', 'required: one of meta, tiktok, google, linkedin']
                    WHEN g.v_name IS NULL OR length(g.v_name) NOT BETWEEN 1 AND 200
                        THEN ARRAY['name', 'required: the campaign''s name, 1 to 200 characters']
                    WHEN g.v_started IS NULL
                        THEN ARRAY['started_on', 'required: the first day, YYYY-MM-DD']
                    WHEN g.v_started < ingest_oldest_day()
                        THEN ARRAY['started_on', ingest_day_bounds(g.v_started)]
                    WHEN ingest_sent(g.ended_on) AND g.v_ended IS NULL
                        THEN ARRAY['ended_on', 'must be the last day, YYYY-MM-DD, or null while it runs']
                    WHEN g.v_ended < g.v_started
                        THEN ARRAY['ended_on', format('is before started_on (%s)', g.v_started)]
                    WHEN g.v_budget IS NULL
                        THEN ARRAY['budget_cents', 'must be a whole number of minor units (cents), 0 or more']
                    WHEN g.v_cur IS NULL
                        THEN ARRAY['currency', 'must be an ISO 4217 code, three capital letters (EUR)']
                    WHEN g.v_tags IS NULL
                        THEN ARRAY['tags', 'must be an array of at most 50 strings of 1 to 64 characters']
                    WHEN g.v_budget_rep IS NULL
                        THEN ARRAY['currency', fx_missing_message(g.v_cur, g.fx_day)]
               END AS err0
        FROM g
    ), d AS MATERIALIZED (
        SELECT c.*,
               coalesce(c.err0, CASE WHEN c.idx > min(c.idx) FILTER (WHERE c.err0 IS NULL)
                                                  OVER (PARTITION BY c.v_platform, c.v_id)
                   THEN ARRAY['external_id', format('campaign %s of %s is at index %s of this batch already: send a record once a batch',
                              c.v_id, c.v_platform, min(c.idx) FILTER (WHERE c.err0 IS NULL)
                                                        OVER (PARTITION BY c.v_platform, c.v_id))] END) AS err
        FROM c
    ), ok AS MATERIALIZED (
        SELECT d.idx, d.v_id, d.v_platform, d.v_name, d.v_tags, d.v_budget_rep, d.v_started, d.v_ended, d.v_cur,
               CASE WHEN d.v_cur <> ns_currency() THEN d.v_budget END AS v_orig,
               t.id IS NOT NULL
                 AND (t.name, t.tags, t.budget_cents, t.started_on, t.ended_on, t.currency::text, t.budget_original_cents)
                     IS NOT DISTINCT FROM
                     (d.v_name, d.v_tags, d.v_budget_rep, d.v_started, d.v_ended, d.v_cur,
                      CASE WHEN d.v_cur <> ns_currency() THEN d.v_budget END) AS same
        FROM d LEFT JOIN campaigns t ON t.platform = d.v_platform AND t.external_id = d.v_id
        WHERE d.err IS NULL
    ), up AS (
        INSERT INTO campaigns AS t (platform, external_id, name, tags, budget_cents, started_on, ended_on,
                                    currency, budget_original_cents)
        SELECT ok.v_platform, ok.v_id, ok.v_name, ok.v_tags, ok.v_budget_rep, ok.v_started, ok.v_ended,
               ok.v_cur, ok.v_orig
        FROM ok WHERE NOT ok.same
        ON CONFLICT (platform, external_id) WHERE external_id IS NOT NULL DO UPDATE
        SET name = EXCLUDED.name, tags = EXCLUDED.tags, budget_cents = EXCLUDED.budget_cents,
            started_on = EXCLUDED.started_on, ended_on = EXCLUDED.ended_on, currency = EXCLUDED.currency,
            budget_original_cents = EXCLUDED.budget_original_cents
        WHERE (t.name, t.tags, t.budget_cents, t.started_on, t.ended_on, t.currency, t.budget_original_cents)
              IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.tags, EXCLUDED.budget_cents, EXCLUDED.started_on,
                                EXCLUDED.ended_on, EXCLUDED.currency, EXCLUDED.budget_original_cents)
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

-- POST /api/marketing/spend.  One row per campaign and day (ad_spend's key): a day sent again
-- replaces that day's figures.  spend_cents is converted at the day's rate.
CREATE OR REPLACE FUNCTION api.marketing_spend_ingest(p_user int, p_role text, p_body jsonb,
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
               ingest_scalar(r.campaign_external_id) AS v_cid, ingest_scalar(r.platform) AS v_platform,
               ingest_date(r.day) AS v_day,
               CASE WHEN ingest_sent(r.spend_cents) THEN ingest_count(r.spend_cents) ELSE 0 END AS v_spend,
               CASE WHEN ingest_sent(r.currency) THEN ingest_currency(r.currency) ELSE ns_currency() END AS v_cur,
               CASE WHEN ingest_sent(r.impressions) THEN ingest_count(r.impressions) ELSE 0 END AS v_impr,
               CASE WHEN ingest_sent(r.clicks) THEN ingest_count(r.clicks) ELSE 0 END AS v_clicks,
               CASE WHEN ingest_sent(r.conversions) THEN ingest_count(r.conversions) ELSE 0 END AS v_conv
        FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(r, i)
        CROSS JOIN LATERAL jsonb_to_record(CASE WHEN jsonb_typeof(e.r) = 'object' THEN e.r ELSE '{}' END) AS r(
            campaign_external_id jsonb, platform jsonb, day jsonb, spend_cents jsonb, currency jsonb,
            impressions jsonb, clicks jsonb, conversions jsonb)
    ), g AS MATERIALIZED (
        SELECT f.*, cm.id AS camp_id,
               CASE WHEN f.v_spend = 0 THEN 0::bigint ELSE fx_convert(f.v_spend, f.v_cur, f.v_day) END AS v_spend_rep
        FROM f LEFT JOIN campaigns cm ON cm.platform = f.v_platform AND cm.external_id = f.v_cid
    ), c AS MATERIALIZED (
        SELECT g.*,
               CASE WHEN NOT g.is_obj THEN ARRAY[NULL, 'not a JSON object (in NDJSON: the line is not valid JSON)']
                    WHEN g.v_cid IS NULL OR length(g.v_cid) NOT BETWEEN 1 AND 200
                        THEN ARRAY['campaign_external_id', 'required: the campaign''s id on its platform, 1 to 200 characters']
                    WHEN g.v_platform IS NULL OR g.v_platform NOT IN ('meta', 'tiktok', 'google', 'linkedin')
                        THEN ARRAY['platform', 'required: one of meta, tiktok, google, linkedin']
                    WHEN g.camp_id IS NULL
                        THEN ARRAY['campaign_external_id', format('no %s campaign %s: send the campaign first (POST /api/marketing/campaigns)',
                                                                  g.v_platform, g.v_cid)]
                    WHEN g.v_day IS NULL THEN ARRAY['day', 'required: the day of the figures, YYYY-MM-DD']
                    WHEN ingest_day_bounds(g.v_day) IS NOT NULL THEN ARRAY['day', ingest_day_bounds(g.v_day)]
                    WHEN g.v_spend IS NULL
                        THEN ARRAY['spend_cents', 'must be a whole number of minor units (cents), 0 or more']
                    WHEN g.v_cur IS NULL
                        THEN ARRAY['currency', 'must be an ISO 4217 code, three capital letters (EUR)']
                    WHEN g.v_impr IS NULL THEN ARRAY['impressions', 'must be a whole number, 0 or more']
                    WHEN g.v_clicks IS NULL THEN ARRAY['clicks', 'must be a whole number, 0 or more']
                    WHEN g.v_conv IS NULL OR g.v_conv > 2147483647
                        THEN ARRAY['conversions', 'must be a whole number from 0 to 2147483647']
                    WHEN g.v_spend_rep IS NULL THEN ARRAY['currency', fx_missing_message(g.v_cur, g.v_day)]
               END AS err0
        FROM g
    ), d AS MATERIALIZED (
        SELECT c.*,
               coalesce(c.err0, CASE WHEN c.idx > min(c.idx) FILTER (WHERE c.err0 IS NULL) OVER (PARTITION BY c.camp_id, c.v_day)
                   THEN ARRAY['day', format('campaign %s of %s on %s is at index %s of this batch already: send a record once a batch',
                              c.v_cid, c.v_platform, c.v_day,
                              min(c.idx) FILTER (WHERE c.err0 IS NULL) OVER (PARTITION BY c.camp_id, c.v_day))] END) AS err
        FROM c
    ), ok AS MATERIALIZED (
        SELECT d.idx, d.camp_id, d.v_platform, d.v_day, d.v_spend_rep, d.v_impr, d.v_clicks, d.v_conv::int AS v_conv,
               d.v_cur, CASE WHEN d.v_cur <> ns_currency() THEN d.v_spend END AS v_orig,
               t.day IS NOT NULL
                 AND (t.platform, t.spend_cents, t.impressions, t.clicks, t.conversions, t.currency::text, t.spend_original_cents)
                     IS NOT DISTINCT FROM
                     (d.v_platform, d.v_spend_rep, d.v_impr, d.v_clicks, d.v_conv::int, d.v_cur,
                      CASE WHEN d.v_cur <> ns_currency() THEN d.v_spend END) AS same
        FROM d LEFT JOIN ad_spend t ON t.day = d.v_day AND t.campaign_id = d.camp_id
        WHERE d.err IS NULL
    ), up AS (
        INSERT INTO ad_spend AS t (day, campaign_id, platform, spend_cents, impressions, clicks, conversions,
                                   currency, spend_original_cents)
        SELECT ok.v_day, ok.camp_id, ok.v_platform, ok.v_spend_rep, ok.v_impr, ok.v_clicks, ok.v_conv,
               ok.v_cur, ok.v_orig
        FROM ok WHERE NOT ok.same
        ON CONFLICT (day, campaign_id) DO UPDATE
        SET platform = EXCLUDED.platform, spend_cents = EXCLUDED.spend_cents, impressions = EXCLUDED.impressions,
            clicks = EXCLUDED.clicks, conversions = EXCLUDED.conversions, currency = EXCLUDED.currency,
            spend_original_cents = EXCLUDED.spend_original_cents
        WHERE (t.platform, t.spend_cents, t.impressions, t.clicks, t.conversions, t.currency, t.spend_original_cents)
              IS DISTINCT FROM (EXCLUDED.platform, EXCLUDED.spend_cents, EXCLUDED.impressions, EXCLUDED.clicks,
                                EXCLUDED.conversions, EXCLUDED.currency, EXCLUDED.spend_original_cents)
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

-- POST /api/marketing/leads.  Key external_id; a lead's later stages (mql_at, sql_at, the
-- customer it became) are sent again with the same id and update it in place.
CREATE OR REPLACE FUNCTION api.marketing_leads_ingest(p_user int, p_role text, p_body jsonb,
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
               ingest_scalar(r.external_id) AS v_id, ingest_scalar(r.channel) AS v_channel,
               ingest_ts(ingest_scalar(r.created_at)) AS v_created,
               ingest_ts(ingest_scalar(r.mql_at)) AS v_mql, ingest_ts(ingest_scalar(r.sql_at)) AS v_sql,
               ingest_scalar(r.campaign_external_id) AS v_cid, ingest_scalar(r.platform) AS v_platform,
               ingest_scalar(r.customer_external_id) AS v_cust
        FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(r, i)
        CROSS JOIN LATERAL jsonb_to_record(CASE WHEN jsonb_typeof(e.r) = 'object' THEN e.r ELSE '{}' END) AS r(
            external_id jsonb, created_at jsonb, channel jsonb, campaign_external_id jsonb, platform jsonb,
            mql_at jsonb, sql_at jsonb, customer_external_id jsonb)
    ), g AS MATERIALIZED (
        SELECT f.*, cm.id AS camp_id, cu.id AS cust_id
        FROM f
        LEFT JOIN campaigns cm ON cm.platform = f.v_platform AND cm.external_id = f.v_cid
        LEFT JOIN customers cu ON cu.external_id = f.v_cust
    ), c AS MATERIALIZED (
        SELECT g.*,
               CASE WHEN NOT g.is_obj THEN ARRAY[NULL, 'not a JSON object (in NDJSON: the line is not valid JSON)']
                    WHEN g.v_id IS NULL OR length(g.v_id) NOT BETWEEN 1 AND 200
                        THEN ARRAY['external_id', 'required: the lead''s id in its source, 1 to 200 characters']
                    WHEN g.v_created IS NULL
                        THEN ARRAY['created_at', 'required: an ISO-8601 date-time with seconds and a zone, e.g. 2026-03-01T12:00:00Z']
                    WHEN ingest_ts_bounds(g.v_created) IS NOT NULL THEN ARRAY['created_at', ingest_ts_bounds(g.v_created)]
                    WHEN g.v_channel IS NULL
                         OR g.v_channel NOT IN ('organic', 'paid_social', 'paid_search', 'referral', 'partner', 'outbound')
                        THEN ARRAY['channel', 'required: one of organic, paid_social, paid_search, referral, partner, outbound']
                    WHEN ingest_sent(g.campaign_external_id) AND (g.v_cid IS NULL OR length(g.v_cid) NOT BETWEEN 1 AND 200)
                        THEN ARRAY['campaign_external_id', 'must be the campaign''s id on its platform, 1 to 200 characters']
                    WHEN (g.v_cid IS NOT NULL OR ingest_sent(g.platform))
                         AND (g.v_platform IS NULL OR g.v_platform NOT IN ('meta', 'tiktok', 'google', 'linkedin'))
                        THEN ARRAY['platform', 'with campaign_external_id: one of meta, tiktok, google, linkedin']
                    WHEN g.v_platform IS NOT NULL AND g.v_cid IS NULL
                        THEN ARRAY['campaign_external_id', 'platform names the campaign''s platform: send the campaign''s id with it']
                    WHEN g.v_cid IS NOT NULL AND g.camp_id IS NULL
                        THEN ARRAY['campaign_external_id', format('no %s campaign %s: send the campaign first (POST /api/marketing/campaigns)',
                                                                  g.v_platform, g.v_cid)]
                    WHEN ingest_sent(g.mql_at) AND g.v_mql IS NULL
                        THEN ARRAY['mql_at', 'must be an ISO-8601 date-time with seconds and a zone, or null']
                    WHEN g.v_mql < g.v_created THEN ARRAY['mql_at', 'is before created_at']
                    WHEN ingest_ts_bounds(g.v_mql) IS NOT NULL THEN ARRAY['mql_at', ingest_ts_bounds(g.v_mql)]
                    WHEN ingest_sent(g.sql_at) AND g.v_sql IS NULL
                        THEN ARRAY['sql_at', 'must be an ISO-8601 date-time with seconds and a zone, or null']
                    WHEN g.v_sql IS NOT NULL AND g.v_mql IS NULL
                        THEN ARRAY['sql_at', 'a sales-qualified lead was marketing-qualified first: send mql_at with it']
                    WHEN g.v_sql < g.v_mql THEN ARRAY['sql_at', 'is before mql_at']
                    WHEN ingest_ts_bounds(g.v_sql) IS NOT NULL THEN ARRAY['sql_at', ingest_ts_bounds(g.v_sql)]
                    WHEN ingest_sent(g.customer_external_id) AND g.v_cust IS NULL
                        THEN ARRAY['customer_external_id', 'must be the customer''s external_id, a string']
                    WHEN g.v_cust IS NOT NULL AND g.cust_id IS NULL
                        THEN ARRAY['customer_external_id', ingest_no_customer(g.v_cust)]
               END AS err0
        FROM g
    ), d AS MATERIALIZED (
        SELECT c.*,
               coalesce(c.err0, CASE WHEN c.idx > min(c.idx) FILTER (WHERE c.err0 IS NULL) OVER (PARTITION BY c.v_id)
                   THEN ARRAY['external_id', format('lead %s is at index %s of this batch already: send a record once a batch',
                              c.v_id, min(c.idx) FILTER (WHERE c.err0 IS NULL) OVER (PARTITION BY c.v_id))] END) AS err
        FROM c
    ), ok AS MATERIALIZED (
        SELECT d.idx, d.v_id, d.v_created, d.v_channel, d.camp_id, d.v_mql, d.v_sql, d.cust_id,
               t.id IS NOT NULL
                 AND (t.created_at, t.channel, t.campaign_id, t.mql_at, t.sql_at, t.customer_id)
                     IS NOT DISTINCT FROM (d.v_created, d.v_channel, d.camp_id, d.v_mql, d.v_sql, d.cust_id) AS same
        FROM d LEFT JOIN leads t ON t.external_id = d.v_id
        WHERE d.err IS NULL
    ), up AS (
        INSERT INTO leads AS t (external_id, created_at, channel, campaign_id, mql_at, sql_at, customer_id)
        SELECT ok.v_id, ok.v_created, ok.v_channel, ok.camp_id, ok.v_mql, ok.v_sql, ok.cust_id
        FROM ok WHERE NOT ok.same
        ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO UPDATE
        SET created_at = EXCLUDED.created_at, channel = EXCLUDED.channel, campaign_id = EXCLUDED.campaign_id,
            mql_at = EXCLUDED.mql_at, sql_at = EXCLUDED.sql_at, customer_id = EXCLUDED.customer_id
        WHERE (t.created_at, t.channel, t.campaign_id, t.mql_at, t.sql_at, t.customer_id)
              IS DISTINCT FROM (EXCLUDED.created_at, EXCLUDED.channel, EXCLUDED.campaign_id, EXCLUDED.mql_at,
                                EXCLUDED.sql_at, EXCLUDED.customer_id)
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

-- The write path (990_roles.sql's pattern): the functions run as northstar_ingest, which may read
-- what they look up and write exactly the columns they store; only the services' role may call them.
GRANT SELECT ON campaigns, ad_spend, leads, customers, fx_rates TO northstar_ingest;
GRANT INSERT (platform, external_id, name, tags, budget_cents, started_on, ended_on, currency, budget_original_cents),
      UPDATE (name, tags, budget_cents, started_on, ended_on, currency, budget_original_cents) ON campaigns TO northstar_ingest;
GRANT INSERT (day, campaign_id, platform, spend_cents, impressions, clicks, conversions, currency, spend_original_cents),
      UPDATE (platform, spend_cents, impressions, clicks, conversions, currency, spend_original_cents) ON ad_spend TO northstar_ingest;
GRANT INSERT (external_id, created_at, channel, campaign_id, mql_at, sql_at, customer_id),
      UPDATE (created_at, channel, campaign_id, mql_at, sql_at, customer_id) ON leads TO northstar_ingest;
GRANT USAGE ON SEQUENCE campaigns_id_seq, leads_id_seq TO northstar_ingest;
-- the dirty-day queue the triggers on ad_spend and leads fill
GRANT SELECT, INSERT ON rollup_dirty_days TO northstar_ingest;

ALTER FUNCTION api.marketing_campaigns_ingest(int, text, jsonb, text, int) OWNER TO northstar_ingest;
ALTER FUNCTION api.marketing_spend_ingest(int, text, jsonb, text, int) OWNER TO northstar_ingest;
ALTER FUNCTION api.marketing_leads_ingest(int, text, jsonb, text, int) OWNER TO northstar_ingest;
REVOKE EXECUTE ON FUNCTION api.marketing_campaigns_ingest(int, text, jsonb, text, int),
                           api.marketing_spend_ingest(int, text, jsonb, text, int),
                           api.marketing_leads_ingest(int, text, jsonb, text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.marketing_campaigns_ingest(int, text, jsonb, text, int),
                          api.marketing_spend_ingest(int, text, jsonb, text, int),
                          api.marketing_leads_ingest(int, text, jsonb, text, int) TO northstar_app;
