-- Alerts: rules, alerts with their audit trail, notification deliveries, report runs, and the
-- evaluation (alert_evaluate) that opens, updates and auto-resolves alerts with hysteresis.
-- Rule formulas are defined in docs/metrics.md ("Alerts").  No foreign key points at the business
-- tables (app_users, customers): the demo generator TRUNCATEs those with CASCADE.
SET client_min_messages = warning;

CREATE TABLE IF NOT EXISTS alert_rules (
    id            serial PRIMARY KEY,
    code          text NOT NULL UNIQUE,
    name          text NOT NULL,
    metric        text NOT NULL,                  -- checked below (alert_rules_metric_check)
    comparison    text NOT NULL CHECK (comparison IN ('>', '<')),
    threshold     numeric NOT NULL,
    unit          text NOT NULL CHECK (unit IN ('pct', 'usd', 'score', 'count', 'ratio')),
    -- the time window the metric is measured over (for day subjects: how many past days are checked)
    win           interval NOT NULL,
    severity      text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
    audience      text[] NOT NULL CHECK (cardinality(audience) > 0 AND audience <@ ARRAY['ceo', 'cs', 'sales']),
    subject_type  text NOT NULL,                  -- checked below (alert_rules_subject_type_check)
    -- an open alert clears only once the value is past the threshold by this margin (same unit) ...
    hysteresis    numeric NOT NULL DEFAULT 0 CHECK (hysteresis >= 0),
    -- ... on this many consecutive evaluations
    clear_evals   int NOT NULL DEFAULT 2 CHECK (clear_evals BETWEEN 1 AND 60),
    enabled       boolean NOT NULL DEFAULT true,
    webhook_url   text CHECK (webhook_url ~ '^https?://[^\s]+$'),
    description   text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    int
);

-- The metrics and subjects a rule may have, as named constraints so that a re-applied schema
-- brings an existing table's up to date (report_delivery: 555_reports.sql).
ALTER TABLE alert_rules DROP CONSTRAINT IF EXISTS alert_rules_metric_check;
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_metric_check CHECK (metric IN (
    'mrr_drop_pct', 'customer_churn_pct', 'cac_change_pct', 'api_error_rate_pct', 'ad_spend_usd', 'health_score',
    'failed_payments', 'cost_spike_ratio', 'pipeline_coverage', 'report_delivery'));
ALTER TABLE alert_rules DROP CONSTRAINT IF EXISTS alert_rules_subject_type_check;
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_subject_type_check
    CHECK (subject_type IN ('company', 'customer', 'day', 'report'));

CREATE TABLE IF NOT EXISTS alerts (
    id                 bigserial PRIMARY KEY,
    rule_id            int NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
    subject_type       text NOT NULL,
    subject_key        text NOT NULL DEFAULT '',     -- '' (company), customer id, or ISO day
    customer_id        int,                          -- set when the subject is a customer
    subject_label      text,
    severity           text NOT NULL,
    status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
    title              text NOT NULL,
    value              numeric,                      -- latest measured value
    peak_value         numeric,                      -- worst value while active
    threshold          numeric NOT NULL,
    comparison         text NOT NULL,
    unit               text NOT NULL,
    window_from        timestamptz NOT NULL,         -- the value was measured over [window_from, window_to)
    window_to          timestamptz NOT NULL,
    opened_at          timestamptz NOT NULL,
    last_evaluated_at  timestamptz NOT NULL,
    clear_count        int NOT NULL DEFAULT 0,       -- consecutive evaluations past the clear level
    cleared_at         timestamptz,                  -- first evaluation of that clear streak
    acknowledged_at    timestamptz,
    acknowledged_by    int,
    resolved_at        timestamptz,
    resolved_by        int,
    resolution         text CHECK (resolution IN ('auto', 'manual', 'rule_disabled')),
    -- false after a manual resolve while still firing: no new alert until the condition clears once
    rearm              boolean NOT NULL DEFAULT true
);
-- One active (open or acknowledged) alert per rule and subject: the dedupe guarantee.
CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_active_idx ON alerts (rule_id, subject_key) WHERE status <> 'resolved';
CREATE INDEX IF NOT EXISTS alerts_status_idx ON alerts (status, opened_at DESC);
CREATE INDEX IF NOT EXISTS alerts_rule_subject_idx ON alerts (rule_id, subject_key, id DESC);

-- Audit trail and the source of the live feed (event id = SSE id).
CREATE TABLE IF NOT EXISTS alert_events (
    id        bigserial PRIMARY KEY,
    alert_id  bigint NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    kind      text NOT NULL CHECK (kind IN ('opened', 'acknowledged', 'resolved')),
    at        timestamptz NOT NULL,
    user_id   int,                                   -- NULL: the evaluator
    value     numeric,
    note      text
);
CREATE INDEX IF NOT EXISTS alert_events_alert_idx ON alert_events (alert_id, id);

-- Notification log: one row per (event or report run, channel, target); retried with backoff.
-- The report runs' columns (run_id, idem_key, message_id, taken_at) are added by 555_reports.sql.
CREATE TABLE IF NOT EXISTS alert_deliveries (
    id               bigserial PRIMARY KEY,
    event_id         bigint REFERENCES alert_events(id) ON DELETE CASCADE,
    report_kind      text,
    report_period    date,
    channel          text NOT NULL CHECK (channel IN ('webhook', 'email')),
    target           text NOT NULL,                  -- URL or e-mail address
    subject          text NOT NULL,
    body             text NOT NULL,                  -- webhook: JSON; email: plain text
    html             text,                           -- email: HTML part
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         int NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    CHECK ((event_id IS NULL) <> (report_kind IS NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS alert_deliveries_event_uq ON alert_deliveries (event_id, channel, target)
    WHERE event_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS alert_deliveries_due_idx ON alert_deliveries (next_attempt_at) WHERE status = 'pending';

-- Notification settings that may live in the database (keys: webhook_url, smtp_url, smtp_from,
-- smtp_user); the alerts process also passes its environment as northstar.alerts_* session settings.
-- The SMTP password is only ever read from the environment.
CREATE TABLE IF NOT EXISTS alert_settings (
    key    text PRIMARY KEY CHECK (key IN ('webhook_url', 'smtp_url', 'smtp_from', 'smtp_user', 'report_hour')),
    value  text NOT NULL
);

-- A setting: the table first, then the session setting northstar.alerts_<key>; NULL when neither.
CREATE OR REPLACE FUNCTION alert_setting(p_key text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT value FROM alert_settings WHERE key = p_key),
                    nullif(current_setting('northstar.alerts_' || p_key, true), ''))
$$;

-- The alerts process's notification settings from its environment, as the session settings
-- northstar.alerts_<key> that alert_setting() reads (NULL arguments are left alone).  Called on
-- every new connection of the alerts job and of the delivery thread (services/alerts/notify.c).
-- The delivery settings (555_reports.sql): attempts, first back-off and longest back-off.
DROP FUNCTION IF EXISTS alert_session_setup(text, text, text, text, text);
CREATE OR REPLACE FUNCTION alert_session_setup(p_webhook_url text DEFAULT NULL, p_smtp_url text DEFAULT NULL,
                                               p_smtp_from text DEFAULT NULL, p_smtp_user text DEFAULT NULL,
                                               p_delivery_max_attempts text DEFAULT NULL,
                                               p_delivery_backoff_s text DEFAULT NULL,
                                               p_delivery_backoff_max_s text DEFAULT NULL) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT set_config('northstar.alerts_' || k, v, false)
    FROM (VALUES ('webhook_url', p_webhook_url), ('smtp_url', p_smtp_url), ('smtp_from', p_smtp_from),
                 ('smtp_user', p_smtp_user), ('delivery_max_attempts', p_delivery_max_attempts),
                 ('delivery_backoff_s', p_delivery_backoff_s),
                 ('delivery_backoff_max_s', p_delivery_backoff_max_s)) s(k, v)
    WHERE v IS NOT NULL;
$$;

-- The reporting zone of a session that did not get it at connection (the alerts-report tool):
-- TimeZone and northstar.tz.  An unknown zone is an error (22023).  Returns the zone.
CREATE OR REPLACE FUNCTION alert_session_zone(p_tz text) RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT set_config('TimeZone', p_tz, false), set_config('northstar.tz', p_tz, false);
    SELECT current_setting('northstar.tz');
$$;

-- Where e-mail goes: the SMTP URL (NULL: not configured), the sender and the SMTP user name.
CREATE OR REPLACE FUNCTION alert_smtp_settings(OUT url text, OUT sender text, OUT username text)
LANGUAGE sql STABLE AS $$
    SELECT alert_setting('smtp_url'), coalesce(alert_setting('smtp_from'), 'northstar@localhost'),
           alert_setting('smtp_user')
$$;

-- The rules of the spec.  ON CONFLICT DO NOTHING keeps the CEO's changes when the schema is re-applied.
INSERT INTO alert_rules (code, name, metric, comparison, threshold, unit, win, severity, audience,
                         subject_type, hysteresis, clear_evals, description) VALUES
 ('mrr_drop', 'MRR drop', 'mrr_drop_pct', '>', 5, 'pct', '1 month', 'critical', '{ceo}', 'company', 1, 2,
  'MRR on the last day of the last full month is more than threshold % below the MRR on the last day of the month before'),
 ('churn', 'Customer churn', 'customer_churn_pct', '>', 8, 'pct', '1 month', 'critical', '{ceo,cs}', 'company', 1, 2,
  'Customers with a churn movement in the last full month ÷ paying customers at its start, above threshold %'),
 ('cac_spike', 'CAC spike', 'cac_change_pct', '>', 50, 'pct', '7 days', 'warning', '{ceo}', 'company', 10, 2,
  'CAC of the last 7 full days is more than threshold % above the CAC of the 7 days before'),
 ('api_errors', 'API error rate', 'api_error_rate_pct', '>', 1, 'pct', '1 hour', 'critical', '{ceo,cs}', 'company', 0.2, 2,
  'Share of api_call events with status >= 500 over the window ending now, above threshold %'),
 ('ad_spend_no_revenue', 'Ad spend without revenue', 'ad_spend_usd', '>', 10000, 'usd', '14 days', 'warning', '{ceo}', 'day', 500, 2,
  'A day (among the last window days, today excluded) with ad spend above threshold $ and order revenue below that day''s ad spend'),
 ('health_score', 'Customer health', 'health_score', '<', 30, 'score', '30 days', 'warning', '{cs}', 'customer', 5, 2,
  'A paying customer''s health score is below threshold (sent to the customer''s CS manager)'),
 ('failed_payments', 'Failed payments', 'failed_payments', '>', 0, 'count', '30 days', 'warning', '{cs}', 'customer', 0, 2,
  'A customer has more than threshold payment_failed events in the window not followed by a successful payment'),
 ('cost_spike', 'Cost spike', 'cost_spike_ratio', '>', 3, 'ratio', '14 days', 'warning', '{ceo}', 'day', 0.25, 2,
  'A day''s ad spend is more than threshold × the median daily ad spend of the 28 days before it'),
 ('pipeline_coverage', 'Pipeline coverage', 'pipeline_coverage', '<', 3, 'ratio', '90 days', 'warning', '{sales}', 'company', 0.2, 2,
  'Open pipeline ÷ amount won in the window ending now is below threshold ×')
ON CONFLICT (code) DO NOTHING;

-- Live feed: every audit event is announced on channel ns_alerts with its id as payload.
CREATE OR REPLACE FUNCTION alert_events_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ns_alerts', NEW.id::text);
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER alert_events_notify AFTER INSERT ON alert_events
    FOR EACH ROW EXECUTE FUNCTION alert_events_notify();

-- New deliveries wake the sender at once.
CREATE OR REPLACE FUNCTION alert_deliveries_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ns_deliveries', '');
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER alert_deliveries_notify AFTER INSERT ON alert_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION alert_deliveries_notify();

-- The sender's queue (alert_deliveries_take, alert_delivery_done) is in 555_reports.sql.

-- Is value firing against the rule (NULL never fires)?
CREATE OR REPLACE FUNCTION alert_fires(p_cmp text, p_value numeric, p_threshold numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(CASE p_cmp WHEN '>' THEN p_value > p_threshold ELSE p_value < p_threshold END, false)
$$;

-- Is value clear: back past the threshold by the hysteresis margin (NULL = nothing measured = clear)?
CREATE OR REPLACE FUNCTION alert_clear(p_cmp text, p_value numeric, p_threshold numeric, p_margin numeric)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(CASE p_cmp WHEN '>' THEN p_value <= p_threshold - p_margin
                               ELSE p_value >= p_threshold + p_margin END, true)
$$;

-- HTML-escape text for the e-mails and reports.
CREATE OR REPLACE FUNCTION alert_html(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(replace(replace(replace(replace(coalesce(p, ''), '&', '&amp;'), '<', '&lt;'),
                   '>', '&gt;'), '"', '&quot;'), '''', '&#39;')
$$;

-- A value with its unit, for messages: 13.2 %, $12,500.00 (the reporting currency: ns_money_text), 27, 2.4×.
CREATE OR REPLACE FUNCTION alert_fmt(p_value numeric, p_unit text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_value IS NULL THEN 'n/a'
                WHEN p_unit = 'pct' THEN round(p_value, 2)::text || ' %'
                WHEN p_unit = 'usd' THEN ns_money_text(p_value)
                WHEN p_unit = 'ratio' THEN round(p_value, 2)::text || '×'
                ELSE round(p_value, 2)::text END
$$;

-- Measure one rule at p_now.  Company rules return exactly one row (value NULL when there is
-- nothing to measure); day and customer rules return only the subjects that are not clear
-- (firing or inside the hysteresis band), so every subject not returned counts as clear.
CREATE OR REPLACE FUNCTION alert_measure(r alert_rules, p_now timestamptz)
RETURNS TABLE (subject_key text, customer_id int, subject_label text, value numeric,
               window_from timestamptz, window_to timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    d      date := ns_day(p_now);                          -- today (partial, excluded from day rules)
    m_end  date := date_trunc('month', ns_day(p_now))::date - 1;   -- last day of the last full month
    m_beg  date := date_trunc('month', date_trunc('month', ns_day(p_now))::date - 1)::date;
    ndays  int := greatest(1, extract(day FROM r.win)::int);
    lvl    numeric := CASE r.comparison WHEN '>' THEN r.threshold - r.hysteresis
                                        ELSE r.threshold + r.hysteresis END;   -- the clear level
BEGIN
    CASE r.metric
    WHEN 'mrr_drop_pct' THEN
        -- (MRR at the end of the month before - MRR at the end of the last full month) / the former
        RETURN QUERY
        SELECT ''::text, NULL::int, NULL::text,
               CASE WHEN a.mrr_cents > 0 THEN round((a.mrr_cents - b.mrr_cents) * 100.0 / a.mrr_cents, 2) END,
               ns_day_start(m_beg - 1), ns_day_start(m_end + 1)
        FROM (SELECT 1) one
        LEFT JOIN metrics_daily a ON a.day = m_beg - 1
        LEFT JOIN metrics_daily b ON b.day = m_end;
    WHEN 'customer_churn_pct' THEN
        RETURN QUERY
        SELECT ''::text, NULL::int, NULL::text,
               CASE WHEN s.paying > 0 THEN round((SELECT count(*) FROM mrr_movements(m_beg - 1, m_end) mv
                                                  WHERE mv.kind = 'churn') * 100.0 / s.paying, 2) END,
               ns_day_start(m_beg), ns_day_start(m_end + 1)
        FROM (SELECT (SELECT count(*) FROM mrr_at(m_beg - 1)) AS paying) s;
    WHEN 'cac_change_pct' THEN
        -- CAC = ad spend / new paying customers, last ndays full days against the ndays before
        RETURN QUERY
        WITH w AS (
            SELECT sum(ad_spend_cents) FILTER (WHERE day >= d - ndays) AS spend1,
                   sum(new_paying_customers) FILTER (WHERE day >= d - ndays) AS new1,
                   sum(ad_spend_cents) FILTER (WHERE day < d - ndays) AS spend0,
                   sum(new_paying_customers) FILTER (WHERE day < d - ndays) AS new0
            FROM metrics_daily WHERE day BETWEEN d - 2 * ndays AND d - 1
        )
        SELECT ''::text, NULL::int, NULL::text,
               CASE WHEN w.new1 > 0 AND w.new0 > 0 AND w.spend0 > 0
                    THEN round(((w.spend1::numeric / w.new1) - (w.spend0::numeric / w.new0)) * 100
                               / (w.spend0::numeric / w.new0), 2) END,
               ns_day_start(d - 2 * ndays), ns_day_start(d)
        FROM w;
    WHEN 'api_error_rate_pct' THEN
        RETURN QUERY
        SELECT ''::text, NULL::int, NULL::text,
               CASE WHEN count(*) > 0 THEN round(count(*) FILTER (WHERE e.status >= 500) * 100.0 / count(*), 3) END,
               p_now - r.win, p_now
        FROM events e
        WHERE e.occurred_at >= p_now - r.win AND e.occurred_at < p_now AND e.type = 'api_call';
    WHEN 'ad_spend_usd' THEN
        -- days with order revenue below ad spend and spend above the clear level
        RETURN QUERY
        SELECT m.day::text, NULL::int, to_char(m.day, 'YYYY-MM-DD'),
               round(m.ad_spend_cents / 100.0, 2), ns_day_start(m.day), ns_day_start(m.day + 1)
        FROM metrics_daily m
        WHERE m.day BETWEEN d - ndays AND d - 1
          AND m.revenue_cents < m.ad_spend_cents
          AND NOT alert_clear(r.comparison, round(m.ad_spend_cents / 100.0, 2), r.threshold, r.hysteresis);
    WHEN 'cost_spike_ratio' THEN
        RETURN QUERY
        SELECT x.day::text, NULL::int, to_char(x.day, 'YYYY-MM-DD'), x.ratio,
               ns_day_start(x.day - 28), ns_day_start(x.day + 1)
        FROM (
            SELECT m.day, round(m.ad_spend_cents / med.median, 2) AS ratio
            FROM metrics_daily m
            CROSS JOIN LATERAL (
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY p.ad_spend_cents)::numeric AS median
                FROM metrics_daily p WHERE p.day BETWEEN m.day - 28 AND m.day - 1
            ) med
            WHERE m.day BETWEEN d - ndays AND d - 1 AND med.median > 0
        ) x
        WHERE NOT alert_clear(r.comparison, x.ratio, r.threshold, r.hysteresis);
    WHEN 'health_score' THEN
        RETURN QUERY
        SELECT h.customer_id::text, h.customer_id, c.name, h.health_score::numeric,
               ns_day_start(d - 29), ns_day_start(d + 1)
        FROM customer_health(d) h
        JOIN customers c ON c.id = h.customer_id
        WHERE h.health_score < lvl;
    WHEN 'failed_payments' THEN
        RETURN QUERY
        SELECT f.customer_id::text, f.customer_id, c.name, f.n::numeric, p_now - r.win, p_now
        FROM (
            SELECT b.customer_id, count(*) AS n
            FROM billing_events b
            WHERE b.kind = 'payment_failed' AND b.occurred_at >= p_now - r.win AND b.occurred_at < p_now
              AND NOT EXISTS (SELECT 1 FROM billing_events s
                              WHERE s.customer_id = b.customer_id AND s.kind = 'payment_success'
                                AND s.occurred_at > b.occurred_at AND s.occurred_at < p_now)
            GROUP BY b.customer_id
        ) f
        JOIN customers c ON c.id = f.customer_id
        WHERE f.n > lvl;
    WHEN 'report_delivery' THEN
        -- scheduled reports that failed for good (555_reports.sql)
        RETURN QUERY SELECT * FROM report_delivery_failures(r, p_now);
    WHEN 'pipeline_coverage' THEN
        RETURN QUERY
        SELECT ''::text, NULL::int, NULL::text,
               CASE WHEN s.won > 0 THEN round(s.open::numeric / s.won, 2) END, p_now - r.win, p_now
        FROM (SELECT coalesce(sum(o.amount_cents) FILTER (WHERE o.created_at <= p_now
                                 AND (o.closed_at IS NULL OR o.closed_at > p_now)), 0) AS open,
                     coalesce(sum(o.amount_cents) FILTER (WHERE o.won AND o.closed_at >= p_now - r.win
                                 AND o.closed_at < p_now), 0) AS won
              FROM opportunities o
              WHERE o.closed_at IS NULL OR o.closed_at >= p_now - r.win) s;
    END CASE;
END
$$;

-- Queue the notifications of one audit event: the webhook (rule URL, else the global one) for
-- openings and resolutions, and an e-mail to every recipient for openings (when SMTP is set up).
-- Recipients: enabled users whose role is in the rule's audience; for customer alerts the cs
-- audience is only the customer's CS manager.  The CEO gets every alert whose audience includes ceo.
CREATE OR REPLACE FUNCTION alert_queue_notifications(p_event bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    e    alert_events;
    a    alerts;
    r    alert_rules;
    url  text;
    msg  text;
BEGIN
    SELECT * INTO e FROM alert_events WHERE id = p_event;
    SELECT * INTO a FROM alerts WHERE id = e.alert_id;
    SELECT * INTO r FROM alert_rules WHERE id = a.rule_id;
    msg := format('[%s] %s %s: %s (threshold %s %s)', upper(a.severity), a.title, e.kind,
                  alert_fmt(e.value, a.unit), a.comparison, alert_fmt(a.threshold, a.unit));
    url := coalesce(r.webhook_url, alert_setting('webhook_url'));
    IF url IS NOT NULL AND e.kind IN ('opened', 'resolved') THEN
        INSERT INTO alert_deliveries (event_id, channel, target, subject, body)
        VALUES (e.id, 'webhook', url, msg,
                json_build_object(
                    'text', msg,
                    'attachments', json_build_array(json_build_object(
                        'color', CASE WHEN e.kind = 'resolved' THEN 'good'
                                      WHEN a.severity = 'critical' THEN 'danger' ELSE 'warning' END,
                        'title', a.title,
                        'fields', json_build_array(
                            json_build_object('title', 'Value', 'value', alert_fmt(e.value, a.unit), 'short', true),
                            json_build_object('title', 'Threshold', 'value', a.comparison || ' ' || alert_fmt(a.threshold, a.unit), 'short', true),
                            json_build_object('title', 'Window', 'value', a.window_from || ' – ' || a.window_to, 'short', false)),
                        'ts', extract(epoch FROM e.at)::bigint)),
                    'alert', json_build_object('id', a.id, 'rule', r.code, 'event', e.kind, 'severity', a.severity,
                                               'subject_type', a.subject_type, 'subject_key', a.subject_key,
                                               'value', e.value, 'threshold', a.threshold,
                                               'window_from', a.window_from, 'window_to', a.window_to))::text)
        ON CONFLICT DO NOTHING;
    END IF;
    IF e.kind = 'opened' AND alert_setting('smtp_url') IS NOT NULL THEN
        INSERT INTO alert_deliveries (event_id, channel, target, subject, body, html)
        SELECT e.id, 'email', u.email, 'Northstar alert: ' || a.title,
               msg || E'\n\nMeasured ' || alert_fmt(e.value, a.unit) || ' over ' || a.window_from || ' – '
                   || a.window_to || E'.\nRule: ' || r.description || E'\n',
               '<html><body><h2>' || alert_html(a.title) || '</h2><p><b>' || alert_html(upper(a.severity))
                   || '</b> — measured <b>' || alert_html(alert_fmt(e.value, a.unit)) || '</b>, threshold '
                   || alert_html(a.comparison || ' ' || alert_fmt(a.threshold, a.unit)) || '.</p><p>Window: '
                   || alert_html(a.window_from || ' – ' || a.window_to) || '</p><p>'
                   || alert_html(r.description) || '</p></body></html>'
        FROM app_users u
        WHERE NOT u.disabled AND u.role = ANY (r.audience)
          AND (u.role <> 'cs' OR a.customer_id IS NULL
               OR u.id = (SELECT c.cs_owner_id FROM customers c WHERE c.id = a.customer_id))
        ON CONFLICT DO NOTHING;
    END IF;
END
$$;

-- Record an audit event and queue its notifications.  Returns the event id.
CREATE OR REPLACE FUNCTION alert_log(p_alert bigint, p_kind text, p_at timestamptz, p_user int,
                                     p_value numeric, p_note text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    eid bigint;
BEGIN
    INSERT INTO alert_events (alert_id, kind, at, user_id, value, note)
    VALUES (p_alert, p_kind, p_at, p_user, p_value, p_note) RETURNING id INTO eid;
    PERFORM alert_queue_notifications(eid);
    RETURN eid;
END
$$;

-- One clear evaluation of an active alert: count it; resolve at clear_evals in a row.
CREATE OR REPLACE FUNCTION alert_count_clear(p_alert bigint, p_now timestamptz, p_value numeric,
                                             p_need int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    a alerts;
BEGIN
    UPDATE alerts SET clear_count = clear_count + 1, cleared_at = coalesce(cleared_at, p_now),
                      value = p_value, last_evaluated_at = p_now
    WHERE id = p_alert RETURNING * INTO a;
    IF a.clear_count >= p_need THEN
        UPDATE alerts SET status = 'resolved', resolved_at = p_now, resolution = 'auto' WHERE id = p_alert;
        PERFORM alert_log(p_alert, 'resolved', p_now, NULL, p_value,
                          'cleared at ' || a.cleared_at || ' (' || a.clear_count || ' clear evaluations)');
        RETURN 1;
    END IF;
    RETURN 0;
END
$$;

-- Evaluate every rule (or only p_rule) at p_now.  Idempotent: one active alert per rule and
-- subject, events only on state changes.  Returns the number of audit events written.
CREATE OR REPLACE FUNCTION alert_evaluate(p_now timestamptz DEFAULT now(), p_rule int DEFAULT NULL)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    r      alert_rules;
    m      record;
    a      alerts;
    keys   text[];
    n      int := 0;
    newid  bigint;
BEGIN
    -- one evaluator at a time (several alerts processes may run)
    PERFORM pg_advisory_xact_lock(hashtext('northstar.alerts')::bigint);
    FOR r IN SELECT * FROM alert_rules WHERE p_rule IS NULL OR id = p_rule ORDER BY id LOOP
        IF NOT r.enabled THEN
            FOR a IN SELECT * FROM alerts WHERE rule_id = r.id AND status <> 'resolved' LOOP
                UPDATE alerts SET status = 'resolved', resolved_at = p_now, resolution = 'rule_disabled'
                WHERE id = a.id;
                PERFORM alert_log(a.id, 'resolved', p_now, NULL, a.value, 'rule disabled');
                n := n + 1;
            END LOOP;
            CONTINUE;
        END IF;
        keys := '{}';
        FOR m IN SELECT * FROM alert_measure(r, p_now) LOOP
            keys := keys || m.subject_key;
            SELECT * INTO a FROM alerts WHERE rule_id = r.id AND subject_key = m.subject_key AND status <> 'resolved';
            IF FOUND THEN
                IF alert_fires(r.comparison, m.value, r.threshold) THEN
                    UPDATE alerts SET value = m.value, last_evaluated_at = p_now, clear_count = 0, cleared_at = NULL,
                                      window_from = m.window_from, window_to = m.window_to,
                                      peak_value = CASE WHEN r.comparison = '>' THEN greatest(peak_value, m.value)
                                                        ELSE least(peak_value, m.value) END
                    WHERE id = a.id;
                ELSIF alert_clear(r.comparison, m.value, r.threshold, r.hysteresis) THEN
                    n := n + alert_count_clear(a.id, p_now, m.value, r.clear_evals);
                ELSE    -- inside the hysteresis band: stays active, the clear streak restarts
                    UPDATE alerts SET value = m.value, last_evaluated_at = p_now, clear_count = 0, cleared_at = NULL
                    WHERE id = a.id;
                END IF;
            ELSIF alert_fires(r.comparison, m.value, r.threshold) THEN
                -- a manual resolve while firing holds back a new alert until the condition clears once
                IF EXISTS (SELECT 1 FROM alerts x WHERE x.rule_id = r.id AND x.subject_key = m.subject_key
                             AND NOT x.rearm) THEN
                    CONTINUE;
                END IF;
                INSERT INTO alerts (rule_id, subject_type, subject_key, customer_id, subject_label, severity, title,
                                    value, peak_value, threshold, comparison, unit, window_from, window_to,
                                    opened_at, last_evaluated_at)
                VALUES (r.id, r.subject_type, m.subject_key, m.customer_id, m.subject_label, r.severity,
                        r.name || coalesce(': ' || m.subject_label, ''), m.value, m.value, r.threshold,
                        r.comparison, r.unit, m.window_from, m.window_to, p_now, p_now)
                RETURNING id INTO newid;
                PERFORM alert_log(newid, 'opened', p_now, NULL, m.value);
                n := n + 1;
            ELSIF alert_clear(r.comparison, m.value, r.threshold, r.hysteresis) THEN
                UPDATE alerts SET rearm = true WHERE rule_id = r.id AND subject_key = m.subject_key AND NOT rearm;
            END IF;
        END LOOP;
        -- active alerts whose subject was not returned are clear
        FOR a IN SELECT * FROM alerts WHERE rule_id = r.id AND status <> 'resolved'
                   AND NOT (subject_key = ANY (keys)) LOOP
            n := n + alert_count_clear(a.id, p_now, NULL, r.clear_evals);
        END LOOP;
        UPDATE alerts SET rearm = true WHERE rule_id = r.id AND NOT rearm AND NOT (subject_key = ANY (keys));
    END LOOP;
    RETURN n;
END
$$;

-- Acknowledge or resolve an alert by hand (p_action 'ack' | 'resolve'); who and when go to the
-- alert and its audit trail.  409 when the alert is already in that state (or resolved).
CREATE OR REPLACE FUNCTION alert_act(p_alert bigint, p_action text, p_user int, p_at timestamptz DEFAULT now())
RETURNS alerts LANGUAGE plpgsql AS $$
DECLARE
    a alerts;
BEGIN
    SELECT * INTO a FROM alerts WHERE id = p_alert FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NS404', MESSAGE = format('no alert %s', p_alert);
    END IF;
    IF a.status = 'resolved' THEN
        RAISE EXCEPTION USING ERRCODE = 'NS409', MESSAGE = format('alert %s is already resolved', p_alert);
    END IF;
    IF p_action = 'ack' THEN
        IF a.status = 'acknowledged' THEN
            RAISE EXCEPTION USING ERRCODE = 'NS409', MESSAGE = format('alert %s is already acknowledged', p_alert);
        END IF;
        UPDATE alerts SET status = 'acknowledged', acknowledged_at = p_at, acknowledged_by = p_user
        WHERE id = p_alert RETURNING * INTO a;
        PERFORM alert_log(p_alert, 'acknowledged', p_at, p_user, a.value);
    ELSE
        -- still firing when resolved by hand: do not reopen until the condition clears once
        UPDATE alerts SET status = 'resolved', resolved_at = p_at, resolved_by = p_user, resolution = 'manual',
                          rearm = alert_clear(comparison, value, threshold, 0) AND clear_count > 0
        WHERE id = p_alert RETURNING * INTO a;
        PERFORM alert_log(p_alert, 'resolved', p_at, p_user, a.value, 'resolved by hand');
    END IF;
    RETURN a;
END
$$;

-- Can a user (id, role) see an alert?  ceo: all; others: the rule's audience holds their role,
-- and for customer alerts a cs user only sees the customers they manage (customer_visible, the
-- one row-scope rule of 045_scope.sql).
CREATE OR REPLACE FUNCTION alert_visible(p_user int, p_role text, p_audience text[], p_customer int)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT p_role = 'ceo'
        OR (p_role = ANY (p_audience)
            AND (p_role <> 'cs' OR p_customer IS NULL
                 OR customer_visible(p_user, p_role, p_customer)))
$$;

-- The report schedules (alert_schedule_reports) are in 555_reports.sql.

-- ---------------------------------------------------------------------------------------------
-- Reports.  alert_report_data() gathers the figures as JSON sections
--   [{"title": ..., "columns": [...], "rows": [[label, v1, v2, ...], ...]}, ...]
-- (already formatted text), alert_report_render() turns them into HTML and plain text.

-- One report figure, formatted (the one format of the reports' figures): 'usd' cents (a
-- metrics_daily column) and 'money' currency units (an API answer's amount) as money in the
-- reporting currency (ns_money_text), 'pct' "12.50 %", 'ratio' "1.23×", 'months' "15.1 months",
-- 'num' two decimals, anything else ('n') a whole count; NULL as n/a.
CREATE OR REPLACE FUNCTION alert_rfmt(p numeric, p_kind text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p IS NULL THEN 'n/a'
                WHEN p_kind = 'usd' THEN ns_money_text(p / 100.0)
                WHEN p_kind = 'money' THEN ns_money_text(p)
                WHEN p_kind = 'pct' THEN to_char(round(p, 2), 'FM999,999,990.00') || ' %'
                WHEN p_kind = 'ratio' THEN to_char(round(p, 2), 'FM999,999,990.00') || '×'
                WHEN p_kind = 'months' THEN to_char(round(p, 1), 'FM999,999,990.0') || ' months'
                WHEN p_kind = 'num' THEN to_char(round(p, 2), 'FM999,999,990.00')
                ELSE to_char(p, 'FM999,999,999,990') END
$$;

-- Percent change as text ("+12.50 %", "n/a" on an empty base).
CREATE OR REPLACE FUNCTION alert_rchg(p_new numeric, p_old numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_old IS NULL OR p_old = 0 OR p_new IS NULL THEN 'n/a'
                ELSE to_char(round((p_new - p_old) * 100.0 / p_old, 2), 'FMS999,999,990.00') || ' %' END
$$;

-- Sums of metrics_daily over [p_from, p_to] for the report rows (MRR and payers: at p_to).
CREATE OR REPLACE FUNCTION alert_report_sums(p_from date, p_to date)
RETURNS TABLE (mrr numeric, payers numeric, revenue numeric, net_revenue numeric, orders numeric,
               new_customers numeric, new_paying numeric, churned numeric, ad_spend numeric,
               dau_avg numeric, sessions numeric, api_calls numeric, api_errors numeric,
               tickets_opened numeric, tickets_resolved numeric, cogs numeric)
LANGUAGE sql STABLE AS $$
    SELECT (SELECT mrr_cents FROM metrics_daily WHERE day = p_to),
           (SELECT paying_customers FROM metrics_daily WHERE day = p_to),
           sum(revenue_cents), sum(net_revenue_cents), sum(orders), sum(new_customers),
           sum(new_paying_customers), sum(churned_customers), sum(ad_spend_cents),
           round(avg(active_users), 1), sum(sessions), sum(api_calls), sum(api_errors),
           sum(tickets_opened), sum(tickets_resolved), sum(cogs_cents)
    FROM metrics_daily WHERE day BETWEEN p_from AND p_to
$$;

-- The comparison table of two or three periods.
CREATE OR REPLACE FUNCTION alert_report_compare(p_title text, p_cols text[], a_from date, a_to date,
                                                b_from date, b_to date, c_from date DEFAULT NULL, c_to date DEFAULT NULL)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('title', p_title, 'columns', p_cols, 'rows',
                             json_agg(to_json(array_remove(ARRAY[lbl, alert_rfmt(va, k), alert_rfmt(vb, k), alert_rchg(va, vb),
                                          CASE WHEN c_from IS NOT NULL THEN alert_rfmt(vc, k) END,
                                          CASE WHEN c_from IS NOT NULL THEN alert_rchg(va, vc) END], NULL)) ORDER BY o))
    FROM alert_report_sums(a_from, a_to) a
    CROSS JOIN alert_report_sums(b_from, b_to) b
    CROSS JOIN LATERAL (SELECT * FROM alert_report_sums(c_from, c_to) WHERE c_from IS NOT NULL
                        UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                                         NULL, NULL, NULL, NULL WHERE c_from IS NULL) c
    CROSS JOIN LATERAL (VALUES
            (1, 'MRR', 'usd', a.mrr, b.mrr, c.mrr),
            (2, 'Paying customers', 'n', a.payers, b.payers, c.payers),
            (3, 'Order revenue', 'usd', a.revenue, b.revenue, c.revenue),
            (4, 'Net revenue', 'usd', a.net_revenue, b.net_revenue, c.net_revenue),
            (5, 'Orders', 'n', a.orders, b.orders, c.orders),
            (6, 'Sign-ups', 'n', a.new_customers, b.new_customers, c.new_customers),
            (7, 'New paying customers', 'n', a.new_paying, b.new_paying, c.new_paying),
            (8, 'Churned customers', 'n', a.churned, b.churned, c.churned),
            (9, 'Ad spend', 'usd', a.ad_spend, b.ad_spend, c.ad_spend),
            (10, 'Active users (daily average)', 'n', a.dau_avg, b.dau_avg, c.dau_avg),
            (11, 'Sessions', 'n', a.sessions, b.sessions, c.sessions),
            (12, 'API error rate', 'pct', round(a.api_errors * 100.0 / nullif(a.api_calls, 0), 2),
                 round(b.api_errors * 100.0 / nullif(b.api_calls, 0), 2),
                 round(c.api_errors * 100.0 / nullif(c.api_calls, 0), 2)),
            (13, 'Support tickets opened', 'n', a.tickets_opened, b.tickets_opened, c.tickets_opened)
        ) v(o, lbl, k, va, vb, vc)
$$;

-- The active alerts as a report section.
CREATE OR REPLACE FUNCTION alert_report_alerts() RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('title', 'Open alerts', 'columns', ARRAY['Alert', 'Severity', 'Value', 'Since'],
                             'rows', coalesce(json_agg(json_build_array(a.title, a.severity, alert_fmt(a.value, a.unit),
                                                                        to_char(a.opened_at AT TIME ZONE ns_tz(), 'YYYY-MM-DD HH24:MI'))
                                                       ORDER BY a.severity = 'critical' DESC, a.opened_at), '[]'))
    FROM alerts a WHERE a.status <> 'resolved'
$$;

-- The charts and key figures of the daily report (p_kind 'daily', p_day the day: MRR over the
-- last 30 days, order revenue of the last 14) and of the weekly review ('weekly', p_day the
-- Monday: MRR at the end of each of the last 12 weeks, new and churned paying customers per
-- week), from metrics_daily as the tables above are.  A section of render.h's blocks.
CREATE OR REPLACE FUNCTION alert_report_trends(p_kind text, p_day date) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    -- plpgsql: api.money (900_api.sql) is defined after this file.
    RETURN (WITH days AS (
        SELECT g::date AS day, m.mrr_cents, m.paying_customers, m.revenue_cents
          FROM generate_series(p_day - 29, p_day, interval '1 day') g
          LEFT JOIN metrics_daily m ON m.day = g::date),
    weeks AS (
        SELECT w::date AS wk,
               (SELECT mrr_cents FROM metrics_daily WHERE day = w::date + 6) AS mrr_cents,
               (SELECT sum(new_paying_customers) FROM metrics_daily WHERE day BETWEEN w::date AND w::date + 6) AS new_paying,
               (SELECT sum(churned_customers) FROM metrics_daily WHERE day BETWEEN w::date AND w::date + 6) AS churned
          FROM generate_series(p_day - 77, p_day, interval '7 days') w),
    cur AS (
        SELECT (SELECT mrr_cents FROM metrics_daily WHERE day = CASE WHEN p_kind = 'weekly' THEN p_day + 6 ELSE p_day END) AS mrr,
               (SELECT paying_customers FROM metrics_daily WHERE day = CASE WHEN p_kind = 'weekly' THEN p_day + 6 ELSE p_day END) AS payers,
               (SELECT sum(revenue_cents) FROM metrics_daily
                 WHERE day BETWEEN p_day AND CASE WHEN p_kind = 'weekly' THEN p_day + 6 ELSE p_day END) AS revenue,
               (SELECT sum(new_paying_customers) FROM metrics_daily
                 WHERE day BETWEEN p_day AND CASE WHEN p_kind = 'weekly' THEN p_day + 6 ELSE p_day END) AS new_paying,
               (SELECT sum(churned_customers) FROM metrics_daily
                 WHERE day BETWEEN p_day AND CASE WHEN p_kind = 'weekly' THEN p_day + 6 ELSE p_day END) AS churned,
               (SELECT count(*) FROM alerts WHERE status <> 'resolved' AND severity = 'critical') AS critical)
    SELECT json_build_object('title', 'Key figures and trends', 'link', CASE WHEN p_kind = 'weekly' THEN '/revenue' ELSE '/executive' END,
        'blocks', (json_build_array(
            json_build_object('type', 'kpis', 'items', json_build_array(
                json_build_object('label', 'MRR', 'value', alert_rfmt(cur.mrr, 'usd')),
                json_build_object('label', 'Paying customers', 'value', alert_rfmt(cur.payers, 'n')),
                json_build_object('label', CASE WHEN p_kind = 'weekly' THEN 'Order revenue (week)' ELSE 'Order revenue (day)' END,
                                  'value', alert_rfmt(cur.revenue, 'usd')),
                json_build_object('label', 'New paying customers', 'value', alert_rfmt(cur.new_paying, 'n')),
                json_build_object('label', 'Churned customers', 'value', alert_rfmt(cur.churned, 'n')),
                json_build_object('label', 'Open critical alerts', 'value', alert_rfmt(cur.critical, 'n'))))
        )::jsonb || CASE WHEN p_kind = 'weekly' THEN json_build_array(
            json_build_object('type', 'chart', 'chart', 'line', 'title', 'MRR, last 12 weeks (at each week''s end)', 'unit', 'money',
                'x', (SELECT json_agg(to_char(wk, 'DD Mon') ORDER BY wk) FROM weeks),
                'series', json_build_array(json_build_object('name', 'MRR',
                    'values', (SELECT json_agg(api.money(mrr_cents) ORDER BY wk) FROM weeks)))),
            json_build_object('type', 'chart', 'chart', 'bar', 'title', 'New and churned paying customers per week', 'unit', 'count',
                'x', (SELECT json_agg(to_char(wk, 'DD Mon') ORDER BY wk) FROM weeks),
                'series', json_build_array(
                    json_build_object('name', 'New', 'values', (SELECT json_agg(new_paying ORDER BY wk) FROM weeks)),
                    json_build_object('name', 'Churned', 'values', (SELECT json_agg(churned ORDER BY wk) FROM weeks)))))::jsonb
        ELSE json_build_array(
            json_build_object('type', 'chart', 'chart', 'line', 'title', 'MRR, last 30 days', 'unit', 'money',
                'x', (SELECT json_agg(to_char(day, 'DD Mon') ORDER BY day) FROM days),
                'series', json_build_array(json_build_object('name', 'MRR',
                    'values', (SELECT json_agg(api.money(mrr_cents) ORDER BY day) FROM days)))),
            json_build_object('type', 'chart', 'chart', 'bar', 'title', 'Order revenue, last 14 days', 'unit', 'money',
                'x', (SELECT json_agg(to_char(day, 'DD Mon') ORDER BY day) FROM days WHERE day > p_day - 14),
                'series', json_build_array(json_build_object('name', 'Order revenue',
                    'values', (SELECT json_agg(api.money(revenue_cents) ORDER BY day) FROM days WHERE day > p_day - 14)))))::jsonb
        END)::json)
    FROM cur);
END
$$;

-- Figures of a report: kind daily (p_period = the day), weekly (the Monday), monthly (the 1st).
CREATE OR REPLACE FUNCTION alert_report_data(p_kind text, p_period date) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    d        date := p_period;
    m0       date;
    m1       date;
    tgt      numeric;
    mrr      numeric;
    secs     json[];
    title    text;
BEGIN
    IF p_kind = 'daily' THEN
        title := 'Daily CEO report for ' || d;
        secs := ARRAY[
            alert_report_compare('Yesterday (' || d || ')',
                ARRAY['Metric', d::text, (d - 1)::text, 'change', (d - 7)::text, 'vs last week'],
                d, d, d - 1, d - 1, d - 7, d - 7),
            alert_report_compare('Weekly trend',
                ARRAY['Metric', (d - 6) || ' – ' || d, (d - 13) || ' – ' || (d - 7), 'change'],
                d - 6, d, d - 13, d - 7)];
        SELECT t.value INTO tgt FROM targets t
        WHERE t.metric = 'mrr_cents' AND d BETWEEN t.period_start AND t.period_end ORDER BY t.period_start DESC LIMIT 1;
        SELECT m.mrr_cents INTO mrr FROM metrics_daily m WHERE m.day = d;
        secs := secs || json_build_object('title', 'Monthly MRR target', 'columns', ARRAY['MRR', 'Target', 'Progress'],
                                          'rows', json_build_array(json_build_array(alert_rfmt(mrr, 'usd'), alert_rfmt(tgt, 'usd'),
                                                  alert_rfmt(round(mrr * 100.0 / nullif(tgt, 0), 2), 'pct'))));
        secs := secs || alert_report_alerts() || alert_report_trends('daily', d);
    ELSIF p_kind = 'weekly' THEN
        d := date_trunc('week', p_period)::date;
        title := 'Weekly business review, week of ' || d;
        secs := ARRAY[
            alert_report_compare('Week ' || d || ' – ' || (d + 6),
                ARRAY['Metric', d || ' – ' || (d + 6), (d - 7) || ' – ' || (d - 1), 'change'],
                d, d + 6, d - 7, d - 1),
            alert_report_alerts(), alert_report_trends('weekly', d)];
    ELSIF p_kind = 'monthly' THEN
        m0 := date_trunc('month', p_period)::date;
        m1 := (m0 + interval '1 month')::date - 1;
        title := 'Monthly board metrics, ' || to_char(m0, 'FMMonth YYYY');
        secs := ARRAY[
            alert_report_compare(to_char(m0, 'FMMonth YYYY'),
                ARRAY['Metric', to_char(m0, 'Mon YYYY'), to_char(m0 - 1, 'Mon YYYY'), 'change'],
                m0, m1, date_trunc('month', m0 - 1)::date, m0 - 1),
            (SELECT json_build_object('title', 'SaaS metrics', 'columns', ARRAY['Metric', 'Value'],
                'rows', json_build_array(
                    json_build_array('ARR', alert_rfmt(12 * (SELECT mrr_cents FROM metrics_daily WHERE day = m1), 'usd')),
                    json_build_array('MRR growth (MoM)', alert_rchg((SELECT mrr_cents FROM metrics_daily WHERE day = m1),
                                                                    (SELECT mrr_cents FROM metrics_daily WHERE day = m0 - 1))),
                    json_build_array('Customer churn rate', alert_rfmt(round(
                        (SELECT count(*) FROM mrr_movements(m0 - 1, m1) WHERE kind = 'churn') * 100.0
                        / nullif((SELECT count(*) FROM mrr_at(m0 - 1)), 0), 2), 'pct')),
                    json_build_array('Expenses', alert_rfmt((SELECT sum(amount_cents) FROM expenses WHERE month = m0), 'usd')),
                    json_build_array('Cash at month end', alert_rfmt((SELECT balance_cents FROM cash_balances
                                                                      WHERE day <= m1 ORDER BY day DESC LIMIT 1), 'usd'))))),
            alert_report_alerts()];
    ELSE
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('unknown report kind %L: use daily, weekly or monthly', p_kind);
    END IF;
    RETURN json_build_object('kind', p_kind, 'period', coalesce(m0, d), 'title', title,
                             'period_label', CASE WHEN p_kind = 'monthly' THEN to_char(m0, 'FMMonth YYYY')
                                                  WHEN p_kind = 'weekly' THEN d || ' – ' || (d + 6) ELSE d::text END,
                             'generated_at', to_char(now() AT TIME ZONE ns_tz(), 'YYYY-MM-DD HH24:MI') || ' ' || ns_tz(),
                             'currency', ns_currency(), 'sections', to_json(secs));
END
$$;

-- A report document's text column: the first left-padded to 30, the others right-aligned in 18.
CREATE OR REPLACE FUNCTION alert_report_text_row(p_cells json) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(CASE WHEN o = 1 THEN c || repeat(' ', greatest(1, 30 - length(c)))
                           ELSE repeat(' ', greatest(1, 18 - length(c))) || c END, '' ORDER BY o)
    FROM json_array_elements_text(p_cells) WITH ORDINALITY x(c, o)
$$;

-- The e-mail parts of a report document (render.h's shape, from alert_report_data() or
-- report_board()): subject, plain text and HTML, both with the same figures.  KPI items become a
-- table of tiles, tables tables, chart number N (document order, as render.h numbers them) an
-- <img src="cid:chart-N@northstar"> of 560 × 220 (the PNG render_chart_png draws at that size)
-- and, in the text part, its figures; a section's "link" becomes a link into the app at
-- p_app_url (or the document's app_url; none without either).  Inline styles only (mail
-- clients drop style sheets), in the app's colours (web/src/styles.css).
CREATE OR REPLACE FUNCTION alert_report_render(p_doc json, p_app_url text DEFAULT NULL)
RETURNS TABLE (subject text, text text, html text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    j      json := p_doc;
    app    text := rtrim(coalesce(p_app_url, p_doc->>'app_url'), '/');
    s      json;
    b      json;
    it     json;
    r      json;
    t      text;
    h      text;
    chart  int := 0;
    u      text;
    td     constant text := '<td style="text-align:left">';
BEGIN
    t := (j->>'title') || E'\n' || repeat('=', length(j->>'title')) || E'\n';
    IF j->>'period_label' IS NOT NULL OR j->>'company' IS NOT NULL THEN
        t := t || concat_ws(' · ', j->>'company', j->>'period_label') || E'\n';
    END IF;
    h := '<!DOCTYPE html><html><head><meta charset="utf-8"><title>' || alert_html(j->>'title')
         || '</title></head><body style="margin:0;padding:16px;background:#f4f6f8;color:#1b1f24;'
         || 'font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;font-size:14px">'
         || '<div style="max-width:640px;margin:0 auto;background:#ffffff;border:1px solid #d5dae0;border-radius:8px;padding:20px">'
         || '<h1 style="margin:0 0 4px;font-size:22px;color:#1b1f24">' || alert_html(j->>'title') || '</h1>';
    IF j->>'period_label' IS NOT NULL OR j->>'company' IS NOT NULL THEN
        h := h || '<p style="margin:0 0 12px;color:#5b6470">'
             || alert_html(concat_ws(' · ', j->>'company', j->>'period_label', 'generated ' || (j->>'generated_at'))) || '</p>';
    END IF;
    FOR s IN SELECT * FROM json_array_elements(j->'sections') LOOP
        t := t || E'\n' || (s->>'title') || E'\n' || repeat('-', length(s->>'title')) || E'\n';
        h := h || '<h2 style="margin:20px 0 8px;font-size:17px;color:#0b5cad;border-bottom:2px solid #0b5cad;padding-bottom:4px">'
             || alert_html(s->>'title') || '</h2>';
        IF app IS NOT NULL AND s->>'link' IS NOT NULL THEN
            t := t || 'Open in Northstar: ' || app || (s->>'link') || E'\n';
            h := h || '<p style="margin:0 0 8px"><a style="color:#0b5cad" href="' || alert_html(app || (s->>'link'))
                 || '">Open in Northstar</a></p>';
        END IF;
        FOR b IN SELECT * FROM json_array_elements(CASE WHEN s->'blocks' IS NOT NULL THEN s->'blocks'
                     ELSE json_build_array(json_build_object('type', 'table', 'columns', s->'columns', 'rows', s->'rows')) END) LOOP
            IF b->>'title' IS NOT NULL AND b->>'type' <> 'chart' THEN
                t := t || E'\n' || (b->>'title') || E'\n';
                h := h || '<h3 style="margin:14px 0 6px;font-size:14px;color:#1b1f24">' || alert_html(b->>'title') || '</h3>';
            END IF;
            IF b->>'type' = 'kpis' THEN
                h := h || '<table role="presentation" cellspacing="6" cellpadding="0" style="width:100%;border-collapse:separate"><tr>';
                FOR it, u IN SELECT e, (o - 1)::text FROM json_array_elements(b->'items') WITH ORDINALITY x(e, o) LOOP
                    t := t || (it->>'label') || repeat(' ', greatest(1, 30 - length(it->>'label'))) || (it->>'value')
                         || coalesce(' (' || (it->>'note') || ')', '') || E'\n';
                    IF u <> '0' AND u::int % 3 = 0 THEN
                        h := h || '</tr><tr>';
                    END IF;
                    h := h || '<td style="width:33%;vertical-align:top;background:#eef1f4;border-radius:6px;padding:8px 10px">'
                         || '<div style="font-size:12px;color:#5b6470">' || alert_html(it->>'label') || '</div>'
                         || '<div style="font-size:18px;font-weight:bold;color:#1b1f24">' || alert_html(it->>'value') || '</div>'
                         || coalesce('<div style="font-size:11px;color:#5b6470">' || alert_html(it->>'note') || '</div>', '')
                         || '</td>';
                END LOOP;
                h := h || '</tr></table>';
            ELSIF b->>'type' = 'table' THEN
                t := t || alert_report_text_row(b->'columns') || E'\n';
                h := h || '<table cellspacing="0" cellpadding="6" style="width:100%;border-collapse:collapse;font-size:13px">'
                     || '<tr style="background:#eef1f4;text-align:right">'
                     || (SELECT string_agg(CASE WHEN o = 1 THEN '<th style="text-align:left">'
                                                ELSE '<th>' END || alert_html(c) || '</th>', '' ORDER BY o)
                         FROM json_array_elements_text(b->'columns') WITH ORDINALITY x(c, o))
                     || '</tr>';
                IF coalesce(json_array_length(b->'rows'), 0) = 0 THEN
                    t := t || E'(none)\n';
                    h := h || '<tr><td style="color:#5b6470" colspan="' || json_array_length(b->'columns')
                         || '">(none)</td></tr>';
                END IF;
                FOR r IN SELECT * FROM json_array_elements(b->'rows') LOOP
                    t := t || alert_report_text_row(r) || E'\n';
                    -- The cells after the first are figures: right-aligned by the row (text-align is
                    -- inherited), each cell itself bare.
                    h := h || '<tr style="text-align:right;border-bottom:1px solid #e3e6ea">' || (SELECT string_agg(CASE WHEN o = 1 THEN td ELSE '<td>' END
                                 || alert_html(c) || '</td>', '' ORDER BY o)
                                 FROM json_array_elements_text(r) WITH ORDINALITY x(c, o)) || '</tr>';
                END LOOP;
                h := h || '</table>';
            ELSIF b->>'type' = 'chart' THEN
                chart := chart + 1;
                t := t || E'\n' || 'Chart ' || chart || ': ' || (b->>'title') || E'\n'
                     || alert_report_text_row(to_json(ARRAY[''] || ARRAY(SELECT e->>'name' FROM json_array_elements(b->'series') e))) || E'\n';
                FOR r IN SELECT to_json(ARRAY[lbl] || ARRAY(
                                   SELECT CASE WHEN e->'values'->>(o::int - 1) IS NULL THEN '' ELSE
                                          alert_rfmt((e->'values'->>(o::int - 1))::numeric, CASE b->>'unit' WHEN 'money' THEN 'money'
                                              WHEN 'pct' THEN 'pct' WHEN 'months' THEN 'months' ELSE 'n' END) END
                                   FROM json_array_elements(b->'series') WITH ORDINALITY y(e, so) ORDER BY so))
                             FROM json_array_elements_text(b->'x') WITH ORDINALITY x(lbl, o) ORDER BY o LOOP
                    t := t || alert_report_text_row(r) || E'\n';
                END LOOP;
                h := h || '<p style="margin:12px 0 4px;font-size:13px;font-weight:bold">' || alert_html(b->>'title') || '</p>'
                     || '<img src="cid:chart-' || chart || '@northstar" alt="' || alert_html(b->>'title')
                     || '" width="560" height="220" style="display:block;width:100%;max-width:560px;height:auto;border:0">';
            ELSIF b->>'type' = 'text' THEN
                t := t || (b->>'text') || E'\n';
                h := h || '<p style="margin:8px 0;color:#1b1f24">' || alert_html(b->>'text') || '</p>';
            END IF;
        END LOOP;
    END LOOP;
    IF app IS NOT NULL THEN
        t := t || E'\n' || 'Northstar: ' || app || E'\n';
        h := h || '<p style="margin:20px 0 0;font-size:12px;color:#5b6470"><a style="color:#0b5cad" href="'
             || alert_html(app) || '">Open Northstar</a></p>';
    END IF;
    h := h || '</div></body></html>';
    RETURN QUERY SELECT 'Northstar: ' || (j->>'title') || coalesce(', ' || (j->>'period_label'), ''), t, h;
END
$$;

-- Render a report: subject, plain text and HTML (both carry the same figures), and its document.
CREATE OR REPLACE FUNCTION alert_report(p_kind text, p_period date)
RETURNS TABLE (subject text, text text, html text, data json)
LANGUAGE sql STABLE AS $$
    SELECT r.subject, r.text, r.html, d.j
    FROM (SELECT alert_report_data(p_kind, p_period) AS j) d, alert_report_render(d.j, NULL) r
$$;
