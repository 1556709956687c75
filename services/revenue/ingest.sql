-- ingest.sql — the record endpoints of the revenue service (docs/ingest.md, "Record endpoints"):
-- POST /api/revenue/customers, /subscriptions, /orders, /billing-events, /opportunities,
-- /activities.  One function per endpoint, each taking a whole batch (a JSON array of records, or
-- one record) and storing it set-based in a few statements over a temporary table of the batch:
-- parse (jsonb_array_elements WITH ORDINALITY → jsonb_to_record; the shared parsers, bounds and
-- answer of 565_ingest_records.sql), validate (one CASE per record
-- naming the first bad field), classify against what is stored (created / updated / unchanged /
-- stale), then INSERT … ON CONFLICT / UPDATE keyed by the external_id indexes of 015_sources.sql.
-- The functions are SECURITY DEFINER, owned by northstar_ingest, executable by northstar_app only;
-- the grants at the end are exactly what they (and the triggers their writes fire) need.  They are
-- also the write path of the Stripe webhook and the importers, which call them by name with named
-- parameters inside their own transactions: names, arguments and record fields are a contract.
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS api;


-- ---------------------------------------------------------------- helpers

-- Gone: this file's first parsers, twins of the shared ones in 565_ingest_records.sql (ingest_date,
-- ingest_count, ingest_sent, ingest_currency, ingest_ts_bounds), which the functions below use.
DROP FUNCTION IF EXISTS ingest_day(text), ingest_cents(jsonb), ingest_given(jsonb), ingest_currency_ok(text),
                        ingest_future(timestamptz);

-- The answer of a record endpoint (ingest_record_answer, 565_ingest_records.sql) from its batch
-- table pg_temp.<p_table>: columns idx, err text[2] = {field, message} or NULL, outcome
-- created|updated|unchanged|stale.
CREATE OR REPLACE FUNCTION ingest_answer(p_table text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    answer json;
BEGIN
    EXECUTE format($q$
        SELECT ingest_record_answer(
            count(*) FILTER (WHERE err IS NULL AND outcome = 'created'),
            count(*) FILTER (WHERE err IS NULL AND outcome = 'updated'),
            count(*) FILTER (WHERE err IS NULL AND outcome = 'unchanged'),
            count(*) FILTER (WHERE err IS NULL AND outcome = 'stale'),
            json_agg(json_build_object('index', idx, 'field', err[1], 'message', err[2]) ORDER BY idx)
                FILTER (WHERE err IS NOT NULL))
        FROM pg_temp.%I$q$, p_table) INTO answer;
    RETURN answer;
END
$$;

-- Serialise the batches that write the same records: two deliveries of one subscription at once
-- (a webhook retry racing the original) must not both close its open period.  Locks one of 64
-- buckets per distinct id (a batch takes at most 64 locks, the lock table stays small), in a
-- fixed order so that two batches never wait for each other in a cycle; held to the commit.
CREATE OR REPLACE FUNCTION ingest_lock(p_kind text, p_ids text[]) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT count(pg_advisory_xact_lock(hashtext('northstar.ingest.' || p_kind), b.k))::int * 0
    FROM (SELECT DISTINCT abs(hashtext(x) % 64) AS k FROM unnest(p_ids) x WHERE x IS NOT NULL ORDER BY 1) b
$$;


-- ---------------------------------------------------------------- customers

-- POST /api/revenue/customers: upsert by external_id.  converted_at and churned_at are not fields:
-- they follow from the customer's subscription periods (api.revenue_subscriptions_ingest).
CREATE OR REPLACE FUNCTION api.revenue_customers_ingest(p_user int, p_role text, p_body jsonb,
                                                        p_key text DEFAULT NULL, p_max_records int DEFAULT 2500)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    batch jsonb := ingest_records(p_body, p_max_records);
    answer json;
BEGIN
    DROP TABLE IF EXISTS pg_temp.ingest_customers;
    CREATE TEMP TABLE ingest_customers ON COMMIT DROP AS
    WITH f AS (
        SELECT (e.i - 1)::int AS idx, jsonb_typeof(e.r) = 'object' AS is_obj, r.*,
               ingest_scalar(r.external_id) AS v_ext, ingest_scalar(r.name) AS v_name,
               ingest_scalar(r.email) AS v_email, ingest_ts(ingest_scalar(r.signup_at)) AS v_signup,
               coalesce(ingest_scalar(r.segment), 'smb') AS v_segment,
               upper(coalesce(ingest_scalar(r.country), 'US')) AS v_country,
               coalesce(ingest_scalar(r.channel), 'organic') AS v_channel,
               ingest_date(r.trial_started_on) AS v_trial_from,
               ingest_date(r.trial_ends_on) AS v_trial_to,
               ingest_ts(ingest_scalar(r.updated_at)) AS v_upd
        FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(r, i)
        CROSS JOIN LATERAL jsonb_to_record(CASE WHEN jsonb_typeof(e.r) = 'object' THEN e.r ELSE '{}' END) AS r(
            external_id jsonb, name jsonb, email jsonb, signup_at jsonb, segment jsonb, country jsonb,
            channel jsonb, trial_started_on jsonb, trial_ends_on jsonb, updated_at jsonb)
    )
    SELECT f.idx, f.v_ext, f.v_name, f.v_email, f.v_signup, f.v_segment, f.v_country, f.v_channel,
           f.v_trial_from, f.v_trial_to, f.v_upd,
           CASE WHEN NOT f.is_obj THEN ARRAY[NULL, 'not a JSON object (in NDJSON: the line is not valid JSON)']
                WHEN f.v_ext IS NULL OR length(f.v_ext) NOT BETWEEN 1 AND 200
                    THEN ARRAY['external_id', 'required: the source''s own customer id, 1 to 200 characters']
                WHEN f.v_name IS NULL OR length(f.v_name) NOT BETWEEN 1 AND 200
                    THEN ARRAY['name', 'required: 1 to 200 characters']
                WHEN ingest_sent(f.email) AND (f.v_email IS NULL OR length(f.v_email) > 320 OR strpos(f.v_email, '@') < 2)
                    THEN ARRAY['email', 'must be an email address of at most 320 characters']
                WHEN f.v_signup IS NULL
                    THEN ARRAY['signup_at', 'required: an ISO-8601 date-time with seconds and a zone, e.g. 2026-03-01T12:00:00Z']
                WHEN ingest_ts_bounds(f.v_signup) IS NOT NULL THEN ARRAY['signup_at', ingest_ts_bounds(f.v_signup)]
                WHEN f.v_segment NOT IN ('smb', 'mid_market', 'enterprise')
                    THEN ARRAY['segment', 'must be one of smb, mid_market, enterprise']
                WHEN NOT (length(f.v_country) = 2 AND translate(f.v_country, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '') = '')
                    THEN ARRAY['country', 'must be an ISO 3166 alpha-2 code, e.g. US']
                WHEN f.v_channel NOT IN ('organic', 'paid_social', 'paid_search', 'referral', 'partner', 'outbound')
                    THEN ARRAY['channel', 'must be one of organic, paid_social, paid_search, referral, partner, outbound']
                WHEN ingest_sent(f.trial_started_on) AND f.v_trial_from IS NULL
                    THEN ARRAY['trial_started_on', 'must be a day YYYY-MM-DD']
                WHEN ingest_sent(f.trial_ends_on) AND f.v_trial_to IS NULL
                    THEN ARRAY['trial_ends_on', 'must be a day YYYY-MM-DD']
                WHEN f.v_trial_to < f.v_trial_from THEN ARRAY['trial_ends_on', 'is before trial_started_on']
                WHEN ingest_sent(f.updated_at) AND f.v_upd IS NULL
                    THEN ARRAY['updated_at', 'must be an ISO-8601 date-time with seconds and a zone']
           END AS err,
           NULL::text AS outcome, NULL::int AS cust_id
    FROM f;
    ANALYZE pg_temp.ingest_customers;
    PERFORM ingest_lock('customers', ARRAY(SELECT v_ext FROM pg_temp.ingest_customers));

    -- two records of one customer: the newer (by updated_at, then position) wins, the other is stale
    UPDATE pg_temp.ingest_customers b SET outcome = 'stale'
    FROM (SELECT idx, row_number() OVER (PARTITION BY v_ext ORDER BY v_upd DESC NULLS LAST, idx DESC) AS k
          FROM pg_temp.ingest_customers WHERE err IS NULL) w
    WHERE w.idx = b.idx AND w.k > 1;
    UPDATE pg_temp.ingest_customers b
    SET cust_id = c.id,
        outcome = CASE WHEN b.v_upd < c.source_updated_at THEN 'stale'
                       WHEN (c.name, c.email, c.signup_at, c.segment, c.country, c.channel, c.trial_started_on, c.trial_ends_on)
                            IS NOT DISTINCT FROM
                            (b.v_name, coalesce(b.v_email, ''), b.v_signup, b.v_segment, b.v_country::char(2), b.v_channel,
                             b.v_trial_from, b.v_trial_to) THEN 'unchanged'
                       ELSE 'updated' END
    FROM customers c
    WHERE c.external_id = b.v_ext AND b.err IS NULL AND b.outcome IS NULL;
    UPDATE pg_temp.ingest_customers SET outcome = 'created' WHERE err IS NULL AND outcome IS NULL;

    INSERT INTO customers (external_id, name, email, signup_at, segment, country, channel,
                           trial_started_on, trial_ends_on, source_updated_at)
    SELECT v_ext, v_name, coalesce(v_email, ''), v_signup, v_segment, v_country, v_channel, v_trial_from, v_trial_to, v_upd
    FROM pg_temp.ingest_customers WHERE outcome = 'created' AND err IS NULL
    ORDER BY idx
    ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO NOTHING;
    -- converted_at / churned_at must not precede a moved signup_at (the table's checks)
    UPDATE customers c
    SET name = b.v_name, email = coalesce(b.v_email, ''), signup_at = b.v_signup, segment = b.v_segment,
        country = b.v_country, channel = b.v_channel, trial_started_on = b.v_trial_from, trial_ends_on = b.v_trial_to,
        converted_at = CASE WHEN c.converted_at IS NOT NULL THEN greatest(c.converted_at, b.v_signup) END,
        churned_at = CASE WHEN c.churned_at IS NOT NULL THEN greatest(c.churned_at, b.v_signup) END,
        source_updated_at = coalesce(greatest(c.source_updated_at, b.v_upd), c.source_updated_at, b.v_upd)
    FROM pg_temp.ingest_customers b
    WHERE c.id = b.cust_id AND b.outcome = 'updated' AND b.err IS NULL;
    -- an identical record with a newer updated_at only moves the stale mark
    UPDATE customers c SET source_updated_at = b.v_upd
    FROM pg_temp.ingest_customers b
    WHERE c.id = b.cust_id AND b.outcome = 'unchanged' AND b.err IS NULL
      AND b.v_upd > coalesce(c.source_updated_at, '-infinity');

    answer := ingest_answer('ingest_customers');
    DROP TABLE pg_temp.ingest_customers;
    RETURN answer;
END
$$;

-- ---------------------------------------------------------------- subscriptions

-- The MRR of one subscription version in its own currency (docs/metrics.md, "MRR of a
-- subscription"): (unit amount × quantity − discount) per interval, ÷ 12 for a yearly interval,
-- rounded half away from zero; 0 while trialing.
CREATE OR REPLACE FUNCTION ingest_subscription_mrr(p_unit bigint, p_quantity int, p_discount bigint,
                                                   p_interval text, p_status text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_status = 'trialing' THEN 0
                ELSE round((p_unit::numeric * p_quantity - p_discount) / CASE p_interval WHEN 'year' THEN 12 ELSE 1 END)::bigint END
$$;

-- POST /api/revenue/subscriptions.  A subscription of the source (external_id) is one row per
-- period of constant customer/plan/quantity/price/currency/status in subscriptions (valid_from ..
-- valid_to, exclusive).  With L = its latest period and d = the reporting day of effective_at
-- (default updated_at, else started_at):
--   unknown subscription        → one period from the day of started_at (canceled: up to ended_at)
--   canceled                    → the subscription ends on the day E of ended_at (at least one day
--                                 after its first period starts): periods from E on are deleted, the
--                                 last one before E gets valid_to = E and status canceled (keeping
--                                 its MRR: it was paid until then)
--   L ended and d >= its end    → a new period from d (reactivation)
--   same values as L            → unchanged
--   d > L.valid_from            → L closed at d, a new period from d
--   else                        → L updated in place (and open again)
-- updated_at older than the newest stored for the subscription → stale.  Then converted_at and
-- churned_at of the customers concerned are derived again from their periods.
CREATE OR REPLACE FUNCTION api.revenue_subscriptions_ingest(p_user int, p_role text, p_body jsonb,
                                                            p_key text DEFAULT NULL, p_max_records int DEFAULT 2500)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    batch jsonb := ingest_records(p_body, p_max_records);
    answer json;
BEGIN
    DROP TABLE IF EXISTS pg_temp.ingest_subscriptions;
    CREATE TEMP TABLE ingest_subscriptions ON COMMIT DROP AS
    WITH f AS (
        SELECT (e.i - 1)::int AS idx, jsonb_typeof(e.r) = 'object' AS is_obj, r.*,
               ingest_scalar(r.external_id) AS v_ext, ingest_scalar(r.customer_external_id) AS v_cext,
               ingest_scalar(r.plan) AS v_plan, ingest_scalar(r.plan_name) AS v_plan_name,
               ingest_scalar(r."interval") AS v_interval, ingest_count(r.unit_amount_cents) AS v_unit,
               CASE WHEN NOT ingest_sent(r.quantity) THEN 1
                    WHEN ingest_digits(ingest_scalar(r.quantity), 7) THEN ingest_scalar(r.quantity)::int END AS v_qty,
               CASE WHEN NOT ingest_sent(r.discount_cents) THEN 0 ELSE ingest_count(r.discount_cents) END AS v_disc,
               CASE WHEN ingest_sent(r.currency) THEN ingest_currency(r.currency) ELSE ns_currency() END AS v_cur,
               coalesce(ingest_scalar(r.status), 'active') AS v_status,
               ingest_ts(ingest_scalar(r.started_at)) AS v_started, ingest_ts(ingest_scalar(r.ended_at)) AS v_ended,
               ingest_ts(ingest_scalar(r.effective_at)) AS v_eff, ingest_ts(ingest_scalar(r.updated_at)) AS v_upd
        FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(r, i)
        CROSS JOIN LATERAL jsonb_to_record(CASE WHEN jsonb_typeof(e.r) = 'object' THEN e.r ELSE '{}' END) AS r(
            external_id jsonb, customer_external_id jsonb, plan jsonb, plan_name jsonb, "interval" jsonb,
            unit_amount_cents jsonb, quantity jsonb, discount_cents jsonb, currency jsonb, status jsonb,
            started_at jsonb, ended_at jsonb, effective_at jsonb, updated_at jsonb)
    )
    SELECT f.idx, f.v_ext, f.v_cext, f.v_plan, coalesce(f.v_plan_name, f.v_plan) AS v_plan_name, f.v_interval,
           f.v_unit, f.v_qty, f.v_disc, f.v_cur, f.v_status, f.v_started, f.v_ended, f.v_upd,
           ns_day(coalesce(f.v_eff, f.v_upd, f.v_started)) AS v_day,
           c.id AS cust_id,
           CASE WHEN NOT f.is_obj THEN ARRAY[NULL, 'not a JSON object (in NDJSON: the line is not valid JSON)']
                WHEN f.v_ext IS NULL OR length(f.v_ext) NOT BETWEEN 1 AND 200
                    THEN ARRAY['external_id', 'required: the source''s own subscription id, 1 to 200 characters']
                WHEN f.v_cext IS NULL OR length(f.v_cext) NOT BETWEEN 1 AND 200
                    THEN ARRAY['customer_external_id', 'required: the external_id of the subscription''s customer']
                WHEN c.id IS NULL THEN ARRAY['customer_external_id', ingest_no_customer(f.v_cext)]
                WHEN f.v_plan IS NULL OR f.v_plan !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$'
                    THEN ARRAY['plan', 'required: the source''s plan or price id, 1 to 128 of A-Z a-z 0-9 _ . : - (starting with a letter or digit)']
                WHEN ingest_sent(f.plan_name) AND (f.v_plan_name IS NULL OR length(f.v_plan_name) > 200)
                    THEN ARRAY['plan_name', 'must be a string of at most 200 characters']
                WHEN f.v_interval IS NULL OR f.v_interval NOT IN ('month', 'year')
                    THEN ARRAY['interval', 'required: month or year']
                WHEN f.v_unit IS NULL
                    THEN ARRAY['unit_amount_cents', 'required: the price per unit per interval, a whole number of minor units (cents), 0 or more']
                WHEN f.v_qty IS NULL OR f.v_qty < 1
                    THEN ARRAY['quantity', 'must be a whole number from 1 to 9999999']
                WHEN f.v_unit::numeric * f.v_qty >= 1e15
                    THEN ARRAY['quantity', 'unit_amount_cents × quantity must be below 10^15 minor units']
                WHEN f.v_disc IS NULL
                    THEN ARRAY['discount_cents', 'must be a whole number of minor units per interval, 0 or more']
                WHEN f.v_disc > f.v_unit::numeric * f.v_qty
                    THEN ARRAY['discount_cents', 'is more than unit_amount_cents × quantity']
                WHEN f.v_cur IS NULL THEN ARRAY['currency', 'must be an ISO 4217 code (three capital letters), e.g. USD']
                WHEN f.v_status NOT IN ('trialing', 'active', 'past_due', 'canceled')
                    THEN ARRAY['status', 'must be one of trialing, active, past_due, canceled']
                WHEN f.v_started IS NULL
                    THEN ARRAY['started_at', 'required: an ISO-8601 date-time with seconds and a zone, e.g. 2026-03-01T12:00:00Z']
                WHEN ingest_ts_bounds(f.v_started) IS NOT NULL THEN ARRAY['started_at', ingest_ts_bounds(f.v_started)]
                WHEN ingest_sent(f.ended_at) AND f.v_ended IS NULL
                    THEN ARRAY['ended_at', 'must be an ISO-8601 date-time with seconds and a zone']
                WHEN f.v_status = 'canceled' AND f.v_ended IS NULL
                    THEN ARRAY['ended_at', 'required when status is canceled: when the subscription ended']
                WHEN f.v_ended < f.v_started THEN ARRAY['ended_at', 'is before started_at']
                WHEN ingest_sent(f.effective_at) AND f.v_eff IS NULL
                    THEN ARRAY['effective_at', 'must be an ISO-8601 date-time with seconds and a zone']
                WHEN f.v_eff < f.v_started THEN ARRAY['effective_at', 'is before started_at']
                WHEN ingest_sent(f.updated_at) AND f.v_upd IS NULL
                    THEN ARRAY['updated_at', 'must be an ISO-8601 date-time with seconds and a zone']
           END AS err,
           CASE WHEN f.v_unit IS NOT NULL AND f.v_qty IS NOT NULL AND f.v_disc IS NOT NULL
                     AND f.v_disc <= f.v_unit::numeric * f.v_qty AND f.v_unit::numeric * f.v_qty < 1e15
                     AND f.v_interval IN ('month', 'year')
                THEN ingest_subscription_mrr(f.v_unit, f.v_qty, f.v_disc, f.v_interval, f.v_status) END AS v_mrr,
           NULL::text AS outcome, NULL::text AS kind,
           -- what is stored: the latest period L, the newest source_updated_at, the first day
           NULL::bigint AS l_id, NULL::date AS l_from, NULL::date AS l_to, NULL::int AS l_cust,
           NULL::timestamptz AS l_upd, NULL::date AS first_from,
           NULL::date AS end_day, NULL::bigint AS end_id, NULL::int AS plan_id,
           NULL::date AS conv_day, NULL::bigint AS v_mrr_cents
    FROM f LEFT JOIN customers c ON c.external_id = f.v_cext;
    ANALYZE pg_temp.ingest_subscriptions;
    PERFORM ingest_lock('subscriptions', ARRAY(SELECT v_ext FROM pg_temp.ingest_subscriptions));

    UPDATE pg_temp.ingest_subscriptions b SET outcome = 'stale'
    FROM (SELECT idx, row_number() OVER (PARTITION BY v_ext ORDER BY v_upd DESC NULLS LAST, idx DESC) AS k
          FROM pg_temp.ingest_subscriptions WHERE err IS NULL) w
    WHERE w.idx = b.idx AND w.k > 1;

    -- the stored state of each subscription
    UPDATE pg_temp.ingest_subscriptions b
    SET l_id = l.id, l_from = l.valid_from, l_to = l.valid_to, l_cust = l.customer_id,
        l_upd = agg.upd, first_from = agg.first_from,
        outcome = CASE WHEN b.v_upd < agg.upd THEN 'stale' END,
        kind = CASE
            WHEN b.v_status = 'canceled' THEN 'cancel'
            WHEN l.valid_to IS NOT NULL AND b.v_day >= l.valid_to THEN 'reopen'
            WHEN (l.customer_id, p.code, l.quantity, l.mrr_original_cents, l.currency::text, l.status)
                 IS NOT DISTINCT FROM (b.cust_id, b.v_plan, b.v_qty, b.v_mrr, b.v_cur, b.v_status) THEN 'same'
            WHEN b.v_day > l.valid_from THEN 'split'
            ELSE 'inplace' END
    FROM (SELECT s.external_id, max(s.source_updated_at) AS upd, min(s.valid_from) AS first_from, max(s.valid_from) AS last_from
          FROM subscriptions s
          WHERE s.external_id IN (SELECT v_ext FROM pg_temp.ingest_subscriptions WHERE err IS NULL AND outcome IS NULL)
          GROUP BY 1) agg
    JOIN subscriptions l ON l.external_id = agg.external_id AND l.valid_from = agg.last_from
    JOIN plans p ON p.id = l.plan_id
    WHERE b.v_ext = agg.external_id AND b.err IS NULL AND b.outcome IS NULL;
    UPDATE pg_temp.ingest_subscriptions SET kind = 'new'
    WHERE err IS NULL AND outcome IS NULL AND l_id IS NULL;

    -- a cancellation: its end day (at least a day after the first period starts) and the period it ends
    UPDATE pg_temp.ingest_subscriptions b
    SET end_day = greatest(ns_day(b.v_ended), coalesce(b.first_from, ns_day(b.v_started)) + 1)
    WHERE b.err IS NULL AND b.outcome IS NULL AND b.v_status = 'canceled';
    UPDATE pg_temp.ingest_subscriptions b
    SET end_id = s.id,
        kind = CASE WHEN s.valid_to IS NOT DISTINCT FROM b.end_day AND s.status = 'canceled'
                         AND NOT EXISTS (SELECT 1 FROM subscriptions x WHERE x.external_id = b.v_ext AND x.valid_from >= b.end_day)
                    THEN 'same' ELSE 'cancel' END
    FROM subscriptions s
    WHERE b.kind = 'cancel' AND b.outcome IS NULL AND s.external_id = b.v_ext
      AND s.valid_from = (SELECT max(y.valid_from) FROM subscriptions y WHERE y.external_id = b.v_ext AND y.valid_from < b.end_day);

    UPDATE pg_temp.ingest_subscriptions
    SET outcome = CASE kind WHEN 'new' THEN 'created' WHEN 'same' THEN 'unchanged' ELSE 'updated' END
    WHERE err IS NULL AND outcome IS NULL;

    -- the MRR of the period written, in the reporting currency at the rate of its first day
    UPDATE pg_temp.ingest_subscriptions
    SET conv_day = CASE kind WHEN 'new' THEN ns_day(v_started) WHEN 'inplace' THEN l_from ELSE v_day END
    WHERE outcome IN ('created', 'updated') AND kind IN ('new', 'reopen', 'split', 'inplace');
    UPDATE pg_temp.ingest_subscriptions
    SET v_mrr_cents = CASE WHEN v_mrr = 0 THEN 0 ELSE fx_convert(v_mrr, v_cur, conv_day) END
    WHERE conv_day IS NOT NULL;
    UPDATE pg_temp.ingest_subscriptions
    SET err = ARRAY['currency', fx_missing_message(v_cur, conv_day)], outcome = NULL
    WHERE conv_day IS NOT NULL AND v_mrr_cents IS NULL;

    -- unknown plans: code = plan, name = plan_name or plan, price and interval of the first record
    INSERT INTO plans (code, name, price_cents, billing_interval)
    SELECT DISTINCT ON (v_plan) v_plan, left(v_plan_name, 200), v_unit, v_interval
    FROM pg_temp.ingest_subscriptions
    WHERE outcome IN ('created', 'updated') AND conv_day IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM plans p WHERE p.code = v_plan)
    ORDER BY v_plan, idx
    ON CONFLICT (code) DO NOTHING;
    UPDATE pg_temp.ingest_subscriptions b SET plan_id = p.id
    FROM plans p WHERE p.code = b.v_plan AND b.outcome IN ('created', 'updated') AND b.conv_day IS NOT NULL;

    -- cancellations: periods from the end day on go, the one before it ends there
    DELETE FROM subscriptions s USING pg_temp.ingest_subscriptions b
    WHERE b.outcome = 'updated' AND b.kind = 'cancel' AND s.external_id = b.v_ext AND s.valid_from >= b.end_day;
    UPDATE subscriptions s
    SET valid_to = b.end_day, status = 'canceled',
        source_updated_at = coalesce(greatest(s.source_updated_at, b.v_upd), s.source_updated_at, b.v_upd)
    FROM pg_temp.ingest_subscriptions b
    WHERE b.outcome = 'updated' AND b.kind = 'cancel' AND s.id = b.end_id;
    -- a change from day d: the latest period ends there
    UPDATE subscriptions s SET valid_to = b.v_day
    FROM pg_temp.ingest_subscriptions b
    WHERE b.outcome = 'updated' AND b.kind = 'split' AND s.id = b.l_id;
    -- a change on the latest period's own first day: in place
    UPDATE subscriptions s
    SET customer_id = b.cust_id, plan_id = b.plan_id, quantity = b.v_qty, mrr_cents = b.v_mrr_cents,
        mrr_original_cents = b.v_mrr, currency = b.v_cur, status = b.v_status, valid_to = NULL,
        source_updated_at = coalesce(greatest(s.source_updated_at, b.v_upd), s.source_updated_at, b.v_upd)
    FROM pg_temp.ingest_subscriptions b
    WHERE b.outcome = 'updated' AND b.kind = 'inplace' AND s.id = b.l_id;
    -- new periods (a first-seen canceled subscription: from its start to its end)
    INSERT INTO subscriptions (external_id, customer_id, plan_id, quantity, mrr_cents, mrr_original_cents,
                               currency, status, valid_from, valid_to, source_updated_at)
    SELECT v_ext, cust_id, plan_id, v_qty, v_mrr_cents, v_mrr, v_cur, v_status, conv_day,
           CASE WHEN v_status = 'canceled' THEN end_day END, v_upd
    FROM pg_temp.ingest_subscriptions
    WHERE outcome IN ('created', 'updated') AND kind IN ('new', 'reopen', 'split')
    ORDER BY idx;
    -- an identical record with a newer updated_at only moves the stale mark
    UPDATE subscriptions s SET source_updated_at = b.v_upd
    FROM pg_temp.ingest_subscriptions b
    WHERE b.err IS NULL AND b.kind = 'same' AND b.outcome = 'unchanged'
      AND s.id = coalesce(b.end_id, b.l_id) AND b.v_upd > coalesce(b.l_upd, '-infinity');

    -- converted_at = start of the first paid period; churned_at = end of the last paid period
    -- when none is open (docs/metrics.md), for every customer whose periods were written
    UPDATE customers c
    SET converted_at = x.conv, churned_at = x.churn
    FROM (SELECT k.id,
                 CASE WHEN p.first_from IS NOT NULL THEN greatest(k.signup_at, ns_day_start(p.first_from)) END AS conv,
                 CASE WHEN p.first_from IS NOT NULL AND NOT p.open THEN greatest(k.signup_at, ns_day_start(p.last_to)) END AS churn
          FROM customers k
          LEFT JOIN LATERAL (SELECT min(s.valid_from) AS first_from, max(s.valid_to) AS last_to,
                                    bool_or(s.valid_to IS NULL) AS open
                             FROM subscriptions s WHERE s.customer_id = k.id AND s.mrr_cents > 0) p ON true
          WHERE k.id IN (SELECT cust_id FROM pg_temp.ingest_subscriptions WHERE err IS NULL AND outcome IN ('created', 'updated')
                         UNION SELECT l_cust FROM pg_temp.ingest_subscriptions WHERE err IS NULL AND outcome IN ('created', 'updated'))
         ) x
    WHERE c.id = x.id AND (c.converted_at, c.churned_at) IS DISTINCT FROM (x.conv, x.churn);

    answer := ingest_answer('ingest_subscriptions');
    DROP TABLE pg_temp.ingest_subscriptions;
    RETURN answer;
END
$$;

-- ---------------------------------------------------------------- orders

-- POST /api/revenue/orders: upsert by external_id.  Amounts are converted at the rate of the
-- ordered_at day; status follows from the amounts (chargeback > refunded > partially_refunded >
-- paid).  A refund added later is the same order re-sent with its cumulative refunded_cents.
CREATE OR REPLACE FUNCTION api.revenue_orders_ingest(p_user int, p_role text, p_body jsonb,
                                                     p_key text DEFAULT NULL, p_max_records int DEFAULT 2500)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    batch jsonb := ingest_records(p_body, p_max_records);
    answer json;
BEGIN
    DROP TABLE IF EXISTS pg_temp.ingest_orders;
    CREATE TEMP TABLE ingest_orders ON COMMIT DROP AS
    WITH f AS (
        SELECT (e.i - 1)::int AS idx, jsonb_typeof(e.r) = 'object' AS is_obj, r.*,
               ingest_scalar(r.external_id) AS v_ext, ingest_scalar(r.customer_external_id) AS v_cext,
               ingest_ts(ingest_scalar(r.ordered_at)) AS v_at, ingest_scalar(r.source) AS v_source,
               ingest_count(r.total_cents) AS v_total,
               CASE WHEN ingest_sent(r.currency) THEN ingest_currency(r.currency) ELSE ns_currency() END AS v_cur,
               CASE WHEN NOT ingest_sent(r.cogs_cents) THEN 0 ELSE ingest_count(r.cogs_cents) END AS v_cogs,
               CASE WHEN NOT ingest_sent(r.refunded_cents) THEN 0 ELSE ingest_count(r.refunded_cents) END AS v_refunded,
               CASE WHEN NOT ingest_sent(r.chargeback_cents) THEN 0 ELSE ingest_count(r.chargeback_cents) END AS v_cb,
               ingest_ts(ingest_scalar(r.updated_at)) AS v_upd
        FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(r, i)
        CROSS JOIN LATERAL jsonb_to_record(CASE WHEN jsonb_typeof(e.r) = 'object' THEN e.r ELSE '{}' END) AS r(
            external_id jsonb, customer_external_id jsonb, ordered_at jsonb, source jsonb, total_cents jsonb,
            currency jsonb, cogs_cents jsonb, refunded_cents jsonb, chargeback_cents jsonb, updated_at jsonb)
    )
    SELECT f.idx, f.v_ext, f.v_at, f.v_source, f.v_total, f.v_cur, f.v_cogs, f.v_refunded, f.v_cb, f.v_upd,
           c.id AS cust_id,
           CASE WHEN f.v_cb > 0 THEN 'chargeback' WHEN f.v_refunded >= f.v_total THEN 'refunded'
                WHEN f.v_refunded > 0 THEN 'partially_refunded' ELSE 'paid' END AS v_status,
           CASE WHEN NOT f.is_obj THEN ARRAY[NULL, 'not a JSON object (in NDJSON: the line is not valid JSON)']
                WHEN f.v_ext IS NULL OR length(f.v_ext) NOT BETWEEN 1 AND 200
                    THEN ARRAY['external_id', 'required: the source''s own order id, 1 to 200 characters']
                WHEN f.v_cext IS NULL OR length(f.v_cext) NOT BETWEEN 1 AND 200
                    THEN ARRAY['customer_external_id', 'required: the external_id of the ordering customer']
                WHEN c.id IS NULL THEN ARRAY['customer_external_id', ingest_no_customer(f.v_cext)]
                WHEN f.v_at IS NULL
                    THEN ARRAY['ordered_at', 'required: an ISO-8601 date-time with seconds and a zone, e.g. 2026-03-01T12:00:00Z']
                WHEN ingest_ts_bounds(f.v_at) IS NOT NULL THEN ARRAY['ordered_at', ingest_ts_bounds(f.v_at)]
                WHEN f.v_source IS NULL OR f.v_source NOT IN ('shopify', 'api', 'marketplace', 'partnerships')
                    THEN ARRAY['source', 'required: one of shopify, api, marketplace, partnerships']
                WHEN f.v_total IS NULL
                    THEN ARRAY['total_cents', 'required: a whole number of minor units (cents), 0 or more']
                WHEN f.v_cur IS NULL THEN ARRAY['currency', 'must be an ISO 4217 code (three capital letters), e.g. USD']
                WHEN f.v_cogs IS NULL THEN ARRAY['cogs_cents', 'must be a whole number of minor units, 0 or more']
                WHEN f.v_refunded IS NULL OR f.v_refunded > f.v_total
                    THEN ARRAY['refunded_cents', 'must be a whole number of minor units from 0 to total_cents (the refunds so far)']
                WHEN f.v_cb IS NULL OR f.v_cb > f.v_total
                    THEN ARRAY['chargeback_cents', 'must be a whole number of minor units from 0 to total_cents']
                WHEN ingest_sent(f.updated_at) AND f.v_upd IS NULL
                    THEN ARRAY['updated_at', 'must be an ISO-8601 date-time with seconds and a zone']
                WHEN fx_factor(f.v_cur, ns_day(f.v_at)) IS NULL
                    THEN ARRAY['currency', fx_missing_message(f.v_cur, ns_day(f.v_at))]
           END AS err,
           NULL::text AS outcome, NULL::bigint AS order_id,
           NULL::bigint AS c_total, NULL::bigint AS c_cogs, NULL::bigint AS c_refunded, NULL::bigint AS c_cb
    FROM f LEFT JOIN customers c ON c.external_id = f.v_cext;
    ANALYZE pg_temp.ingest_orders;
    PERFORM ingest_lock('orders', ARRAY(SELECT v_ext FROM pg_temp.ingest_orders));

    UPDATE pg_temp.ingest_orders
    SET c_total = fx_convert(v_total, v_cur, ns_day(v_at)), c_cogs = fx_convert(v_cogs, v_cur, ns_day(v_at)),
        c_refunded = fx_convert(v_refunded, v_cur, ns_day(v_at)), c_cb = fx_convert(v_cb, v_cur, ns_day(v_at))
    WHERE err IS NULL;
    UPDATE pg_temp.ingest_orders b SET outcome = 'stale'
    FROM (SELECT idx, row_number() OVER (PARTITION BY v_ext ORDER BY v_upd DESC NULLS LAST, idx DESC) AS k
          FROM pg_temp.ingest_orders WHERE err IS NULL) w
    WHERE w.idx = b.idx AND w.k > 1;
    UPDATE pg_temp.ingest_orders b
    SET order_id = o.id,
        outcome = CASE WHEN b.v_upd < o.source_updated_at THEN 'stale'
                       WHEN (o.customer_id, o.ordered_at, o.source, o.total_cents, o.total_original_cents, o.currency::text,
                             o.cogs_cents, o.refunded_cents, o.chargeback_cents, o.status)
                            IS NOT DISTINCT FROM
                            (b.cust_id, b.v_at, b.v_source, b.c_total, b.v_total, b.v_cur, b.c_cogs, b.c_refunded, b.c_cb, b.v_status)
                           THEN 'unchanged'
                       ELSE 'updated' END
    FROM orders o
    WHERE o.external_id = b.v_ext AND b.err IS NULL AND b.outcome IS NULL;
    UPDATE pg_temp.ingest_orders SET outcome = 'created' WHERE err IS NULL AND outcome IS NULL;

    INSERT INTO orders (external_id, customer_id, ordered_at, source, total_cents, total_original_cents, currency,
                        cogs_cents, refunded_cents, chargeback_cents, status, source_updated_at)
    SELECT v_ext, cust_id, v_at, v_source, c_total, v_total, v_cur, c_cogs, c_refunded, c_cb, v_status, v_upd
    FROM pg_temp.ingest_orders WHERE err IS NULL AND outcome = 'created'
    ORDER BY idx
    ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO NOTHING;
    UPDATE orders o
    SET customer_id = b.cust_id, ordered_at = b.v_at, source = b.v_source, total_cents = b.c_total,
        total_original_cents = b.v_total, currency = b.v_cur, cogs_cents = b.c_cogs, refunded_cents = b.c_refunded,
        chargeback_cents = b.c_cb, status = b.v_status,
        source_updated_at = coalesce(greatest(o.source_updated_at, b.v_upd), o.source_updated_at, b.v_upd)
    FROM pg_temp.ingest_orders b
    WHERE o.id = b.order_id AND b.err IS NULL AND b.outcome = 'updated';
    UPDATE orders o SET source_updated_at = b.v_upd
    FROM pg_temp.ingest_orders b
    WHERE o.id = b.order_id AND b.err IS NULL AND b.outcome = 'unchanged'
      AND b.v_upd > coalesce(o.source_updated_at, '-infinity');

    answer := ingest_answer('ingest_orders');
    DROP TABLE pg_temp.ingest_orders;
    RETURN answer;
END
$$;

-- ---------------------------------------------------------------- billing events

-- POST /api/revenue/billing-events: payments, failed payments, refunds and chargebacks as they
-- happened; upsert by external_id (a re-sent event with other values corrects it in place; there
-- is no updated_at: an event does not change in its source).
CREATE OR REPLACE FUNCTION api.revenue_billing_events_ingest(p_user int, p_role text, p_body jsonb,
                                                             p_key text DEFAULT NULL, p_max_records int DEFAULT 2500)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    batch jsonb := ingest_records(p_body, p_max_records);
    answer json;
BEGIN
    DROP TABLE IF EXISTS pg_temp.ingest_billing_events;
    CREATE TEMP TABLE ingest_billing_events ON COMMIT DROP AS
    WITH f AS (
        SELECT (e.i - 1)::int AS idx, jsonb_typeof(e.r) = 'object' AS is_obj, r.*,
               ingest_scalar(r.external_id) AS v_ext, ingest_scalar(r.customer_external_id) AS v_cext,
               ingest_ts(ingest_scalar(r.occurred_at)) AS v_at, ingest_scalar(r.kind) AS v_kind,
               ingest_count(r.amount_cents) AS v_amount, CASE WHEN ingest_sent(r.currency) THEN ingest_currency(r.currency) ELSE ns_currency() END AS v_cur
        FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(r, i)
        CROSS JOIN LATERAL jsonb_to_record(CASE WHEN jsonb_typeof(e.r) = 'object' THEN e.r ELSE '{}' END) AS r(
            external_id jsonb, customer_external_id jsonb, occurred_at jsonb, kind jsonb, amount_cents jsonb, currency jsonb)
    )
    SELECT f.idx, f.v_ext, f.v_at, f.v_kind, f.v_amount, f.v_cur, c.id AS cust_id,
           CASE WHEN NOT f.is_obj THEN ARRAY[NULL, 'not a JSON object (in NDJSON: the line is not valid JSON)']
                WHEN f.v_ext IS NULL OR length(f.v_ext) NOT BETWEEN 1 AND 200
                    THEN ARRAY['external_id', 'required: the source''s own event id, 1 to 200 characters']
                WHEN f.v_cext IS NULL OR length(f.v_cext) NOT BETWEEN 1 AND 200
                    THEN ARRAY['customer_external_id', 'required: the external_id of the customer']
                WHEN c.id IS NULL THEN ARRAY['customer_external_id', ingest_no_customer(f.v_cext)]
                WHEN f.v_at IS NULL
                    THEN ARRAY['occurred_at', 'required: an ISO-8601 date-time with seconds and a zone, e.g. 2026-03-01T12:00:00Z']
                WHEN ingest_ts_bounds(f.v_at) IS NOT NULL THEN ARRAY['occurred_at', ingest_ts_bounds(f.v_at)]
                WHEN f.v_kind IS NULL OR f.v_kind NOT IN ('payment_success', 'payment_failed', 'refund', 'chargeback')
                    THEN ARRAY['kind', 'required: one of payment_success, payment_failed, refund, chargeback']
                WHEN f.v_amount IS NULL
                    THEN ARRAY['amount_cents', 'required: a whole number of minor units (cents), 0 or more']
                WHEN f.v_cur IS NULL THEN ARRAY['currency', 'must be an ISO 4217 code (three capital letters), e.g. USD']
                WHEN fx_factor(f.v_cur, ns_day(f.v_at)) IS NULL
                    THEN ARRAY['currency', fx_missing_message(f.v_cur, ns_day(f.v_at))]
           END AS err,
           NULL::text AS outcome, NULL::bigint AS ev_id, NULL::bigint AS c_amount
    FROM f LEFT JOIN customers c ON c.external_id = f.v_cext;
    ANALYZE pg_temp.ingest_billing_events;
    PERFORM ingest_lock('billing_events', ARRAY(SELECT v_ext FROM pg_temp.ingest_billing_events));

    UPDATE pg_temp.ingest_billing_events SET c_amount = fx_convert(v_amount, v_cur, ns_day(v_at)) WHERE err IS NULL;
    UPDATE pg_temp.ingest_billing_events b SET outcome = 'stale'
    FROM (SELECT idx, row_number() OVER (PARTITION BY v_ext ORDER BY idx DESC) AS k
          FROM pg_temp.ingest_billing_events WHERE err IS NULL) w
    WHERE w.idx = b.idx AND w.k > 1;
    UPDATE pg_temp.ingest_billing_events b
    SET ev_id = e.id,
        outcome = CASE WHEN (e.customer_id, e.occurred_at, e.kind, e.amount_cents, e.amount_original_cents, e.currency::text)
                            IS NOT DISTINCT FROM (b.cust_id, b.v_at, b.v_kind, b.c_amount, b.v_amount, b.v_cur)
                       THEN 'unchanged' ELSE 'updated' END
    FROM billing_events e
    WHERE e.external_id = b.v_ext AND b.err IS NULL AND b.outcome IS NULL;
    UPDATE pg_temp.ingest_billing_events SET outcome = 'created' WHERE err IS NULL AND outcome IS NULL;

    INSERT INTO billing_events (external_id, customer_id, occurred_at, kind, amount_cents, amount_original_cents, currency)
    SELECT v_ext, cust_id, v_at, v_kind, c_amount, v_amount, v_cur
    FROM pg_temp.ingest_billing_events WHERE err IS NULL AND outcome = 'created'
    ORDER BY idx
    ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO NOTHING;
    UPDATE billing_events e
    SET customer_id = b.cust_id, occurred_at = b.v_at, kind = b.v_kind, amount_cents = b.c_amount,
        amount_original_cents = b.v_amount, currency = b.v_cur
    FROM pg_temp.ingest_billing_events b
    WHERE e.id = b.ev_id AND b.err IS NULL AND b.outcome = 'updated';

    answer := ingest_answer('ingest_billing_events');
    DROP TABLE pg_temp.ingest_billing_events;
    RETURN answer;
END
$$;

-- ---------------------------------------------------------------- opportunities

-- POST /api/revenue/opportunities: upsert by external_id.  The owner is an app_users email; won
-- follows from the stage; closed_at is kept for closed stages only; the amount is converted at the
-- rate of the created_at day.
CREATE OR REPLACE FUNCTION api.revenue_opportunities_ingest(p_user int, p_role text, p_body jsonb,
                                                            p_key text DEFAULT NULL, p_max_records int DEFAULT 2500)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    batch jsonb := ingest_records(p_body, p_max_records);
    answer json;
BEGIN
    DROP TABLE IF EXISTS pg_temp.ingest_opportunities;
    CREATE TEMP TABLE ingest_opportunities ON COMMIT DROP AS
    WITH f AS (
        SELECT (e.i - 1)::int AS idx, jsonb_typeof(e.r) = 'object' AS is_obj, r.*,
               ingest_scalar(r.external_id) AS v_ext, ingest_scalar(r.customer_external_id) AS v_cext,
               lower(ingest_scalar(r.owner_email)) AS v_owner, ingest_scalar(r.stage) AS v_stage,
               CASE WHEN NOT ingest_sent(r.amount_cents) THEN 0 ELSE ingest_count(r.amount_cents) END AS v_amount,
               CASE WHEN ingest_sent(r.currency) THEN ingest_currency(r.currency) ELSE ns_currency() END AS v_cur,
               ingest_ts(ingest_scalar(r.created_at)) AS v_created,
               ingest_date(r.expected_close_on) AS v_expected,
               ingest_ts(ingest_scalar(r.closed_at)) AS v_closed, ingest_ts(ingest_scalar(r.updated_at)) AS v_upd
        FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(r, i)
        CROSS JOIN LATERAL jsonb_to_record(CASE WHEN jsonb_typeof(e.r) = 'object' THEN e.r ELSE '{}' END) AS r(
            external_id jsonb, customer_external_id jsonb, owner_email jsonb, stage jsonb, amount_cents jsonb,
            currency jsonb, created_at jsonb, expected_close_on jsonb, closed_at jsonb, updated_at jsonb)
    )
    SELECT f.idx, f.v_ext, f.v_stage, f.v_amount, f.v_cur, f.v_created, f.v_expected, f.v_upd,
           CASE WHEN f.v_stage IN ('closed_won', 'closed_lost') THEN f.v_closed END AS v_closed,
           CASE WHEN f.v_stage IN ('closed_won', 'closed_lost') THEN f.v_stage = 'closed_won' END AS v_won,
           c.id AS cust_id, u.id AS owner_id,
           CASE WHEN NOT f.is_obj THEN ARRAY[NULL, 'not a JSON object (in NDJSON: the line is not valid JSON)']
                WHEN f.v_ext IS NULL OR length(f.v_ext) NOT BETWEEN 1 AND 200
                    THEN ARRAY['external_id', 'required: the source''s own opportunity id, 1 to 200 characters']
                WHEN ingest_sent(f.customer_external_id) AND (f.v_cext IS NULL OR c.id IS NULL)
                    THEN ARRAY['customer_external_id', ingest_no_customer(coalesce(f.v_cext, f.customer_external_id::text))]
                WHEN f.v_owner IS NULL THEN ARRAY['owner_email', 'required: the email of the Northstar user who owns the deal']
                WHEN u.id IS NULL
                    THEN ARRAY['owner_email', format('no Northstar user %s; create the user first (northstar-admin)', f.v_owner)]
                WHEN f.v_stage IS NULL OR f.v_stage NOT IN ('prospecting', 'qualification', 'proposal', 'negotiation',
                                                            'closed_won', 'closed_lost')
                    THEN ARRAY['stage', 'required: one of prospecting, qualification, proposal, negotiation, closed_won, closed_lost']
                WHEN f.v_amount IS NULL THEN ARRAY['amount_cents', 'must be a whole number of minor units (cents), 0 or more']
                WHEN f.v_cur IS NULL THEN ARRAY['currency', 'must be an ISO 4217 code (three capital letters), e.g. USD']
                WHEN f.v_created IS NULL
                    THEN ARRAY['created_at', 'required: an ISO-8601 date-time with seconds and a zone, e.g. 2026-03-01T12:00:00Z']
                WHEN ingest_ts_bounds(f.v_created) IS NOT NULL THEN ARRAY['created_at', ingest_ts_bounds(f.v_created)]
                WHEN ingest_sent(f.expected_close_on) AND f.v_expected IS NULL
                    THEN ARRAY['expected_close_on', 'must be a day YYYY-MM-DD']
                WHEN ingest_sent(f.closed_at) AND f.v_closed IS NULL
                    THEN ARRAY['closed_at', 'must be an ISO-8601 date-time with seconds and a zone']
                WHEN f.v_stage IN ('closed_won', 'closed_lost') AND f.v_closed IS NULL
                    THEN ARRAY['closed_at', 'required for the stages closed_won and closed_lost']
                WHEN f.v_stage IN ('closed_won', 'closed_lost') AND f.v_closed < f.v_created
                    THEN ARRAY['closed_at', 'is before created_at']
                WHEN ingest_sent(f.updated_at) AND f.v_upd IS NULL
                    THEN ARRAY['updated_at', 'must be an ISO-8601 date-time with seconds and a zone']
                WHEN fx_factor(f.v_cur, ns_day(f.v_created)) IS NULL
                    THEN ARRAY['currency', fx_missing_message(f.v_cur, ns_day(f.v_created))]
           END AS err,
           NULL::text AS outcome, NULL::bigint AS opp_id, NULL::bigint AS c_amount
    FROM f
    LEFT JOIN customers c ON c.external_id = f.v_cext
    LEFT JOIN app_users u ON u.email = f.v_owner;
    ANALYZE pg_temp.ingest_opportunities;
    PERFORM ingest_lock('opportunities', ARRAY(SELECT v_ext FROM pg_temp.ingest_opportunities));

    UPDATE pg_temp.ingest_opportunities SET c_amount = fx_convert(v_amount, v_cur, ns_day(v_created)) WHERE err IS NULL;
    UPDATE pg_temp.ingest_opportunities b SET outcome = 'stale'
    FROM (SELECT idx, row_number() OVER (PARTITION BY v_ext ORDER BY v_upd DESC NULLS LAST, idx DESC) AS k
          FROM pg_temp.ingest_opportunities WHERE err IS NULL) w
    WHERE w.idx = b.idx AND w.k > 1;
    UPDATE pg_temp.ingest_opportunities b
    SET opp_id = o.id,
        outcome = CASE WHEN b.v_upd < o.source_updated_at THEN 'stale'
                       WHEN (o.customer_id, o.owner_id, o.stage, o.amount_cents, o.amount_original_cents, o.currency::text,
                             o.created_at, o.expected_close_on, o.closed_at, o.won)
                            IS NOT DISTINCT FROM
                            (b.cust_id, b.owner_id, b.v_stage, b.c_amount, b.v_amount, b.v_cur, b.v_created, b.v_expected,
                             b.v_closed, b.v_won) THEN 'unchanged'
                       ELSE 'updated' END
    FROM opportunities o
    WHERE o.external_id = b.v_ext AND b.err IS NULL AND b.outcome IS NULL;
    UPDATE pg_temp.ingest_opportunities SET outcome = 'created' WHERE err IS NULL AND outcome IS NULL;

    INSERT INTO opportunities (external_id, customer_id, owner_id, stage, amount_cents, amount_original_cents, currency,
                               created_at, expected_close_on, closed_at, won, source_updated_at)
    SELECT v_ext, cust_id, owner_id, v_stage, c_amount, v_amount, v_cur, v_created, v_expected, v_closed, v_won, v_upd
    FROM pg_temp.ingest_opportunities WHERE err IS NULL AND outcome = 'created'
    ORDER BY idx
    ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO NOTHING;
    UPDATE opportunities o
    SET customer_id = b.cust_id, owner_id = b.owner_id, stage = b.v_stage, amount_cents = b.c_amount,
        amount_original_cents = b.v_amount, currency = b.v_cur, created_at = b.v_created,
        expected_close_on = b.v_expected, closed_at = b.v_closed, won = b.v_won,
        source_updated_at = coalesce(greatest(o.source_updated_at, b.v_upd), o.source_updated_at, b.v_upd)
    FROM pg_temp.ingest_opportunities b
    WHERE o.id = b.opp_id AND b.err IS NULL AND b.outcome = 'updated';
    UPDATE opportunities o SET source_updated_at = b.v_upd
    FROM pg_temp.ingest_opportunities b
    WHERE o.id = b.opp_id AND b.err IS NULL AND b.outcome = 'unchanged'
      AND b.v_upd > coalesce(o.source_updated_at, '-infinity');

    answer := ingest_answer('ingest_opportunities');
    DROP TABLE pg_temp.ingest_opportunities;
    RETURN answer;
END
$$;

-- ---------------------------------------------------------------- sales activities

-- POST /api/revenue/activities: calls, emails and meetings of a rep (an app_users email),
-- optionally on an opportunity (its external_id); upsert by external_id.
CREATE OR REPLACE FUNCTION api.revenue_activities_ingest(p_user int, p_role text, p_body jsonb,
                                                         p_key text DEFAULT NULL, p_max_records int DEFAULT 2500)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    batch jsonb := ingest_records(p_body, p_max_records);
    answer json;
BEGIN
    DROP TABLE IF EXISTS pg_temp.ingest_activities;
    CREATE TEMP TABLE ingest_activities ON COMMIT DROP AS
    WITH f AS (
        SELECT (e.i - 1)::int AS idx, jsonb_typeof(e.r) = 'object' AS is_obj, r.*,
               ingest_scalar(r.external_id) AS v_ext, lower(ingest_scalar(r.rep_email)) AS v_rep,
               ingest_scalar(r.kind) AS v_kind, ingest_ts(ingest_scalar(r.occurred_at)) AS v_at,
               ingest_scalar(r.opportunity_external_id) AS v_oext
        FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(r, i)
        CROSS JOIN LATERAL jsonb_to_record(CASE WHEN jsonb_typeof(e.r) = 'object' THEN e.r ELSE '{}' END) AS r(
            external_id jsonb, rep_email jsonb, kind jsonb, occurred_at jsonb, opportunity_external_id jsonb)
    )
    SELECT f.idx, f.v_ext, f.v_kind, f.v_at, u.id AS rep_id, o.id AS opp_id,
           CASE WHEN NOT f.is_obj THEN ARRAY[NULL, 'not a JSON object (in NDJSON: the line is not valid JSON)']
                WHEN f.v_ext IS NULL OR length(f.v_ext) NOT BETWEEN 1 AND 200
                    THEN ARRAY['external_id', 'required: the source''s own activity id, 1 to 200 characters']
                WHEN f.v_rep IS NULL THEN ARRAY['rep_email', 'required: the email of the Northstar user who did it']
                WHEN u.id IS NULL
                    THEN ARRAY['rep_email', format('no Northstar user %s; create the user first (northstar-admin)', f.v_rep)]
                WHEN f.v_kind IS NULL OR f.v_kind NOT IN ('call', 'email', 'meeting')
                    THEN ARRAY['kind', 'required: one of call, email, meeting']
                WHEN f.v_at IS NULL
                    THEN ARRAY['occurred_at', 'required: an ISO-8601 date-time with seconds and a zone, e.g. 2026-03-01T12:00:00Z']
                WHEN ingest_ts_bounds(f.v_at) IS NOT NULL THEN ARRAY['occurred_at', ingest_ts_bounds(f.v_at)]
                WHEN ingest_sent(f.opportunity_external_id) AND (f.v_oext IS NULL OR o.id IS NULL)
                    THEN ARRAY['opportunity_external_id',
                               format('no opportunity with external_id %s; send the opportunity first (POST /api/revenue/opportunities)',
                                      coalesce(f.v_oext, f.opportunity_external_id::text))]
           END AS err,
           NULL::text AS outcome, NULL::bigint AS act_id
    FROM f
    LEFT JOIN app_users u ON u.email = f.v_rep
    LEFT JOIN opportunities o ON o.external_id = f.v_oext;
    ANALYZE pg_temp.ingest_activities;
    PERFORM ingest_lock('activities', ARRAY(SELECT v_ext FROM pg_temp.ingest_activities));

    UPDATE pg_temp.ingest_activities b SET outcome = 'stale'
    FROM (SELECT idx, row_number() OVER (PARTITION BY v_ext ORDER BY idx DESC) AS k
          FROM pg_temp.ingest_activities WHERE err IS NULL) w
    WHERE w.idx = b.idx AND w.k > 1;
    UPDATE pg_temp.ingest_activities b
    SET act_id = a.id,
        outcome = CASE WHEN (a.rep_id, a.kind, a.occurred_at, a.opportunity_id)
                            IS NOT DISTINCT FROM (b.rep_id, b.v_kind, b.v_at, b.opp_id) THEN 'unchanged'
                       ELSE 'updated' END
    FROM sales_activities a
    WHERE a.external_id = b.v_ext AND b.err IS NULL AND b.outcome IS NULL;
    UPDATE pg_temp.ingest_activities SET outcome = 'created' WHERE err IS NULL AND outcome IS NULL;

    INSERT INTO sales_activities (external_id, rep_id, kind, occurred_at, opportunity_id)
    SELECT v_ext, rep_id, v_kind, v_at, opp_id
    FROM pg_temp.ingest_activities WHERE err IS NULL AND outcome = 'created'
    ORDER BY idx
    ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO NOTHING;
    UPDATE sales_activities a
    SET rep_id = b.rep_id, kind = b.v_kind, occurred_at = b.v_at, opportunity_id = b.opp_id
    FROM pg_temp.ingest_activities b
    WHERE a.id = b.act_id AND b.err IS NULL AND b.outcome = 'updated';

    answer := ingest_answer('ingest_activities');
    DROP TABLE pg_temp.ingest_activities;
    RETURN answer;
END
$$;

-- ---------------------------------------------------------------- rights

-- The functions run as northstar_ingest, which may write exactly what they write, and what the
-- triggers of those tables write (030_rollups.sql: rollup_dirty_days, granted in 990_roles.sql;
-- 510_revenue.sql: revenue_mrr_month is invalidated by subscription changes, revenue_customer_paid
-- follows billing events).  SELECT accompanies each write: its WHERE and ON CONFLICT read the rows.
GRANT SELECT, INSERT, UPDATE ON customers, orders, billing_events, opportunities, sales_activities TO northstar_ingest;
GRANT SELECT, INSERT, UPDATE, DELETE ON subscriptions TO northstar_ingest;
GRANT SELECT, INSERT ON plans TO northstar_ingest;
GRANT SELECT ON app_users, fx_rates TO northstar_ingest;
GRANT SELECT, DELETE ON revenue_mrr_month, revenue_mrr_interval, revenue_mrr_interval_customer TO northstar_ingest;
GRANT SELECT, INSERT, UPDATE ON revenue_customer_paid TO northstar_ingest;
GRANT USAGE ON SEQUENCE customers_id_seq, subscriptions_id_seq, plans_id_seq, orders_id_seq, billing_events_id_seq,
                        opportunities_id_seq, sales_activities_id_seq TO northstar_ingest;
DO $$
DECLARE
    fn text;
BEGIN
    FOREACH fn IN ARRAY ARRAY['api.revenue_customers_ingest', 'api.revenue_subscriptions_ingest', 'api.revenue_orders_ingest',
                              'api.revenue_billing_events_ingest', 'api.revenue_opportunities_ingest',
                              'api.revenue_activities_ingest']
    LOOP
        EXECUTE format('ALTER FUNCTION %s(int, text, jsonb, text, int) OWNER TO northstar_ingest', fn);
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s(int, text, jsonb, text, int) FROM PUBLIC', fn);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s(int, text, jsonb, text, int) TO northstar_app', fn);
    END LOOP;
END
$$;
