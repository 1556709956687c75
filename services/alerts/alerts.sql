-- alerts.sql — the SQL behind services/alerts: one function per endpoint, each returning the
-- endpoint's whole JSON answer.  Tables and the evaluation live in sql/schema/550_alerts.sql;
-- rule formulas in docs/metrics.md ("Alerts").  $1 user id, $2 role, then the declared parameters.
CREATE SCHEMA IF NOT EXISTS api;

-- One alert as the API shows it (flat, so that the list exports to CSV).
CREATE OR REPLACE FUNCTION api.alerts_json(a alerts, r alert_rules) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', a.id, 'rule_id', a.rule_id, 'rule', r.code, 'metric', r.metric, 'title', a.title,
        'severity', a.severity, 'status', a.status,
        'subject_type', a.subject_type, 'subject_key', nullif(a.subject_key, ''), 'customer_id', a.customer_id,
        'subject_label', a.subject_label,
        'value', a.value, 'peak_value', a.peak_value, 'comparison', a.comparison, 'threshold', a.threshold,
        'unit', a.unit, 'window_from', a.window_from, 'window_to', a.window_to,
        'opened_at', a.opened_at, 'last_evaluated_at', a.last_evaluated_at, 'cleared_at', a.cleared_at,
        'acknowledged_at', a.acknowledged_at, 'acknowledged_by', a.acknowledged_by,
        'acknowledged_by_email', (SELECT u.email FROM app_users u WHERE u.id = a.acknowledged_by),
        'resolved_at', a.resolved_at, 'resolved_by', a.resolved_by,
        'resolved_by_email', (SELECT u.email FROM app_users u WHERE u.id = a.resolved_by),
        'resolution', a.resolution)
$$;

-- The order of severities in lists: critical 0, warning 1, info 2 (anything else last).
CREATE OR REPLACE FUNCTION api.alerts_severity_rank(p_severity text) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 WHEN 'info' THEN 2 ELSE 3 END
$$;

-- GET /api/alerts: the alerts the caller may see, filtered by status and severity, most severe
-- first (critical, warning, info), then newest first (opened_at, then id): so that limit=5 - the
-- executive "Top alerts" - holds the critical ones.  status "active" (default) = open or acknowledged.
CREATE OR REPLACE FUNCTION api.alerts_list(p_user int, p_role text, p_status text, p_severity text,
                                           p_limit int, p_offset int)
RETURNS json LANGUAGE sql STABLE AS $$
    WITH v AS (
        SELECT a, r
        FROM alerts a JOIN alert_rules r ON r.id = a.rule_id
        WHERE (coalesce(p_status, 'active') = 'all'
               OR (coalesce(p_status, 'active') = 'active' AND a.status <> 'resolved')
               OR a.status = p_status)
          AND (p_severity IS NULL OR a.severity = p_severity)
          AND alert_visible(p_user, p_role, r.audience, a.customer_id)
    )
    SELECT json_build_object(
        'status', coalesce(p_status, 'active'), 'severity', p_severity,
        'limit', p_limit, 'offset', p_offset, 'total', (SELECT count(*) FROM v),
        'alerts', coalesce((SELECT json_agg(api.alerts_json(x.a, x.r) ORDER BY x.rank, (x.a).opened_at DESC, (x.a).id DESC)
                            FROM (SELECT v.*, api.alerts_severity_rank((v.a).severity) AS rank FROM v
                                  ORDER BY rank, (v.a).opened_at DESC, (v.a).id DESC LIMIT p_limit OFFSET p_offset) x), '[]'))
$$;

-- The alert with id if the caller may see it, else 404 (no hint that it exists).
CREATE OR REPLACE FUNCTION api.alerts_visible_or_404(p_user int, p_role text, p_id bigint) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM alerts a JOIN alert_rules r ON r.id = a.rule_id
                   WHERE a.id = p_id AND alert_visible(p_user, p_role, r.audience, a.customer_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'NS404', MESSAGE = format('no alert %s', p_id);
    END IF;
END
$$;

-- GET /api/alerts/{id}: one alert with its audit trail.
CREATE OR REPLACE FUNCTION api.alerts_get(p_user int, p_role text, p_id bigint) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM api.alerts_visible_or_404(p_user, p_role, p_id);
    RETURN (SELECT json_build_object('alert', api.alerts_json(a, r),
                   'events', (SELECT json_agg(json_build_object('id', e.id, 'kind', e.kind, 'at', e.at,
                                  'user_id', e.user_id, 'user_email', (SELECT u.email FROM app_users u WHERE u.id = e.user_id),
                                  'value', e.value, 'note', e.note) ORDER BY e.id)
                              FROM alert_events e WHERE e.alert_id = a.id))
            FROM alerts a JOIN alert_rules r ON r.id = a.rule_id WHERE a.id = p_id);
END
$$;

-- POST /api/alerts/{id}/ack and /resolve: who and when go to the alert and its audit trail.
CREATE OR REPLACE FUNCTION api.alerts_act(p_user int, p_role text, p_action text, p_id bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a alerts;
BEGIN
    PERFORM api.alerts_visible_or_404(p_user, p_role, p_id);
    a := alert_act(p_id, p_action, p_user, now());
    RETURN api.alerts_json(a, (SELECT r FROM alert_rules r WHERE r.id = a.rule_id));
END
$$;

CREATE OR REPLACE FUNCTION api.alerts_ack(p_user int, p_role text, p_id bigint) RETURNS json
LANGUAGE sql AS $$ SELECT api.alerts_act(p_user, p_role, 'ack', p_id) $$;

CREATE OR REPLACE FUNCTION api.alerts_resolve(p_user int, p_role text, p_id bigint) RETURNS json
LANGUAGE sql AS $$ SELECT api.alerts_act(p_user, p_role, 'resolve', p_id) $$;

-- GET /api/alerts/summary: active alerts by severity (what the caller may see).
CREATE OR REPLACE FUNCTION api.alerts_summary(p_user int, p_role text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'active', count(*), 'open', count(*) FILTER (WHERE a.status = 'open'),
        'acknowledged', count(*) FILTER (WHERE a.status = 'acknowledged'),
        'by_severity', json_build_object('critical', count(*) FILTER (WHERE a.severity = 'critical'),
                                         'warning', count(*) FILTER (WHERE a.severity = 'warning'),
                                         'info', count(*) FILTER (WHERE a.severity = 'info')),
        'last_evaluated_at', (SELECT max(last_evaluated_at) FROM alerts))
    FROM alerts a JOIN alert_rules r ON r.id = a.rule_id
    WHERE a.status <> 'resolved' AND alert_visible(p_user, p_role, r.audience, a.customer_id)
$$;

CREATE OR REPLACE FUNCTION api.alerts_rule_json(r alert_rules) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', r.id, 'code', r.code, 'name', r.name, 'metric', r.metric,
        'comparison', r.comparison, 'threshold', r.threshold, 'unit', r.unit, 'window', r.win::text,
        'severity', r.severity, 'audience', r.audience, 'subject_type', r.subject_type,
        'hysteresis', r.hysteresis, 'clear_evals', r.clear_evals, 'enabled', r.enabled,
        'webhook_url', r.webhook_url, 'description', r.description,
        'updated_at', r.updated_at, 'updated_by', r.updated_by)
$$;

-- GET /api/alerts/rules: every rule (all roles read them; only the CEO changes them).
CREATE OR REPLACE FUNCTION api.alerts_rules(p_user int, p_role text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('rules', coalesce(json_agg(api.alerts_rule_json(r) ORDER BY r.id), '[]'))
    FROM alert_rules r
$$;

-- Bounds of the editable numbers per metric: threshold [lo, hi], window [wlo, whi] (NULL: fixed).
CREATE OR REPLACE FUNCTION api.alerts_rule_bounds(p_metric text,
    OUT lo numeric, OUT hi numeric, OUT wlo interval, OUT whi interval)
LANGUAGE sql IMMUTABLE AS $$
    SELECT b.lo, b.hi, b.wlo, b.whi FROM (VALUES
        ('mrr_drop_pct', 0::numeric, 100::numeric, NULL::interval, NULL::interval),
        ('customer_churn_pct', 0, 100, NULL, NULL),
        ('cac_change_pct', 0, 10000, '1 day', '28 days'),
        ('api_error_rate_pct', 0, 100, '5 minutes', '24 hours'),
        ('ad_spend_usd', 0, 100000000, '1 day', '60 days'),
        ('health_score', 0, 100, NULL, NULL),
        ('failed_payments', 0, 1000, '1 day', '90 days'),
        ('cost_spike_ratio', 1, 1000, '1 day', '60 days'),
        ('pipeline_coverage', 0, 1000, '7 days', '365 days'),
        ('report_delivery', 0, 1000, '1 day', '365 days')) b(m, lo, hi, wlo, whi)
    WHERE b.m = p_metric
$$;

-- A webhook URL as shown and audited: its scheme and host, "…" marking a path or query left out;
-- user:password@ is never kept.
CREATE OR REPLACE FUNCTION api.alerts_url_shown(p_url text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(substring(p_url FROM '^https?://[^/?#]*'), '^(https?://).*@', '\1')
           || CASE WHEN p_url ~ '^https?://[^/?#@]*$' THEN '' ELSE '…' END
$$;

-- The fields of r that the body b names, for the audit row.  A webhook URL often is a secret
-- itself (a Slack or Teams incoming webhook): only its scheme and host are kept, "…" marking a
-- path or query left out; user:password@ is never kept.
CREATE OR REPLACE FUNCTION api.alerts_rule_audit_fields(r alert_rules, b jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(f.k, f.v), '{}') FROM (VALUES
        ('threshold', to_jsonb(r.threshold)), ('severity', to_jsonb(r.severity)),
        ('enabled', to_jsonb(r.enabled)), ('hysteresis', to_jsonb(r.hysteresis)),
        ('clear_evals', to_jsonb(r.clear_evals)), ('window', to_jsonb(r.win::text)),
        ('webhook_url', to_jsonb(api.alerts_url_shown(r.webhook_url)))
    ) f(k, v) WHERE b ? f.k
$$;

-- PUT /api/alerts/rules/{id} with a JSON object of the fields to change: threshold, severity,
-- enabled, hysteresis, clear_evals, window (e.g. "7 days"), webhook_url (null clears it).
-- Every mistake is a 400 naming the field.  The change and its audit row (alert_rule.update,
-- the changed fields before and after; p_address is the client's, passed by the handler) commit
-- together or not at all.
DROP FUNCTION IF EXISTS api.alerts_rule_update(int, text, text, int);
CREATE OR REPLACE FUNCTION api.alerts_rule_update(p_user int, p_role text, p_body text, p_id int,
                                                  p_address text DEFAULT NULL) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    b     jsonb;
    r     alert_rules;
    old   alert_rules;
    bd    record;
    num   numeric;
    w     interval;
BEGIN
    IF p_role IS DISTINCT FROM 'ceo' THEN
        RAISE EXCEPTION USING ERRCODE = 'NS403', MESSAGE = 'only the ceo may change alert rules';
    END IF;
    SELECT * INTO r FROM alert_rules WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NS404', MESSAGE = format('no alert rule %s', p_id);
    END IF;
    old := r;
    b := api.body_object(p_body, ARRAY['threshold', 'severity', 'enabled', 'hysteresis', 'clear_evals', 'window', 'webhook_url'], true);
    bd := api.alerts_rule_bounds(r.metric);
    IF b ? 'threshold' THEN
        IF jsonb_typeof(b->'threshold') <> 'number' THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'threshold must be a number';
        END IF;
        num := (b->>'threshold')::numeric;
        IF num < bd.lo OR num > bd.hi THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('threshold %s is out of range for %s: it must be between %s and %s (%s)',
                num, r.code, bd.lo, bd.hi, r.unit);
        END IF;
        r.threshold := num;
    END IF;
    IF b ? 'hysteresis' THEN
        IF jsonb_typeof(b->'hysteresis') <> 'number' OR (b->>'hysteresis')::numeric < 0 THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'hysteresis must be a number >= 0';
        END IF;
        r.hysteresis := (b->>'hysteresis')::numeric;
    END IF;
    IF b ? 'clear_evals' THEN
        IF jsonb_typeof(b->'clear_evals') <> 'number' OR (b->>'clear_evals') !~ '^[0-9]{1,2}$'
           OR (b->>'clear_evals')::int NOT BETWEEN 1 AND 60 THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'clear_evals must be an integer between 1 and 60';
        END IF;
        r.clear_evals := (b->>'clear_evals')::int;
    END IF;
    IF b ? 'severity' THEN
        IF jsonb_typeof(b->'severity') <> 'string' OR (b->>'severity') NOT IN ('critical', 'warning', 'info') THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'severity must be one of critical, warning, info';
        END IF;
        r.severity := b->>'severity';
    END IF;
    IF b ? 'enabled' THEN
        IF jsonb_typeof(b->'enabled') <> 'boolean' THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'enabled must be true or false';
        END IF;
        r.enabled := (b->>'enabled')::boolean;
    END IF;
    IF b ? 'window' THEN
        IF bd.wlo IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('the window of %s is fixed (%s)', r.code, r.win);
        END IF;
        BEGIN
            w := (b->>'window')::interval;
        EXCEPTION WHEN others THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('window %L is not an interval such as "7 days"', b->>'window');
        END;
        IF jsonb_typeof(b->'window') <> 'string' OR w < bd.wlo OR w > bd.whi
           OR (bd.wlo >= interval '1 day' AND w <> make_interval(days => extract(day FROM w)::int)) THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('window must be %s between %s and %s',
                CASE WHEN bd.wlo >= interval '1 day' THEN 'whole days' ELSE 'an interval' END, bd.wlo, bd.whi);
        END IF;
        r.win := w;
    END IF;
    IF b ? 'webhook_url' THEN
        IF jsonb_typeof(b->'webhook_url') = 'null' THEN
            r.webhook_url := NULL;
        ELSIF jsonb_typeof(b->'webhook_url') <> 'string' OR (b->>'webhook_url') !~ '^https?://[^\s]+$'
              OR length(b->>'webhook_url') > 2000 THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'webhook_url must be an http:// or https:// URL, or null';
        ELSE
            r.webhook_url := b->>'webhook_url';
        END IF;
    END IF;
    UPDATE alert_rules SET threshold = r.threshold, hysteresis = r.hysteresis, clear_evals = r.clear_evals,
                           severity = r.severity, enabled = r.enabled, win = r.win, webhook_url = r.webhook_url,
                           updated_at = now(), updated_by = p_user
    WHERE id = p_id RETURNING * INTO r;
    PERFORM audit_write(p_actor_type => 'user', p_actor_id => p_user, p_role => p_role,
                        p_address => p_address, p_action => 'alert_rule.update', p_target => r.code,
                        p_detail => jsonb_build_object('rule_id', r.id,
                            'before', api.alerts_rule_audit_fields(old, b),
                            'after', api.alerts_rule_audit_fields(r, b)));
    RETURN api.alerts_rule_json(r);
END
$$;

-- The live feed: audit events after p_after that the caller may see (at most 100, oldest first).
-- p_after NULL: none, only the current last event id (where a fresh stream starts).
CREATE OR REPLACE FUNCTION api.alerts_events_since(p_user int, p_role text, p_after bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'last_id', greatest(coalesce(p_after, (SELECT max(id) FROM alert_events)), (SELECT max(x.id) FROM (
                SELECT e.id FROM alert_events e WHERE p_after IS NOT NULL AND e.id > p_after ORDER BY e.id LIMIT 100) x), 0),
        'events', coalesce((SELECT json_agg(json_build_object('id', e.id, 'kind', e.kind, 'at', e.at,
                                                              'user_id', e.user_id, 'alert', api.alerts_json(a, r)) ORDER BY e.id)
                            FROM (SELECT * FROM alert_events e WHERE p_after IS NOT NULL AND e.id > p_after
                                  ORDER BY e.id LIMIT 100) e
                            JOIN alerts a ON a.id = e.alert_id JOIN alert_rules r ON r.id = a.rule_id
                            WHERE alert_visible(p_user, p_role, r.audience, a.customer_id)), '[]'))
$$;

-- GET /api/alerts/report?kind=&date=&month=&format=: a report (CEO only) as {subject, text, html,
-- data}: data is the document (services/alerts/report.c's report_doc, passed as p_doc by the
-- route's handler, which also answers format=pdf itself), text and html its e-mail parts
-- (alert_report_render, links into the app at p_app_url).  Without p_doc (a caller of the SQL
-- alone), the daily, weekly and monthly documents are built here (alert_report_data).
DROP FUNCTION IF EXISTS api.alerts_report(int, text, text, date);
CREATE OR REPLACE FUNCTION api.alerts_report(p_user int, p_role text, p_kind text, p_date date,
                                             p_month text DEFAULT NULL, p_format text DEFAULT NULL,
                                             p_doc json DEFAULT NULL, p_app_url text DEFAULT NULL) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    doc json := p_doc;
    per record;
BEGIN
    IF doc IS NULL THEN
        IF p_kind = 'board' THEN
            RAISE EXCEPTION USING ERRCODE = 'NS503', MESSAGE = 'the board pack is built by the alerts service (GET /api/alerts/report)';
        END IF;
        SELECT * INTO per FROM report_period(coalesce(p_kind, 'daily'), p_date::text);
        doc := alert_report_data(coalesce(p_kind, 'daily'), per.period);
    END IF;
    RETURN (SELECT json_build_object('subject', r.subject, 'data', doc, 'text', r.text, 'html', r.html)
              FROM alert_report_render(doc, p_app_url) r);
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Scheduled reports (sql/schema/555_reports.sql, docs/operations.md "Reports").

-- One delivery as the delivery log shows it (flat, for CSV).  A report's: its run's kind, period,
-- schedule and status; an alert event's: kind "alert" and the alert's id.
CREATE OR REPLACE FUNCTION api.alerts_delivery_json(d alert_deliveries) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', d.id, 'kind', coalesce(r.kind, 'alert'), 'period', r.period, 'period_label', r.period_label,
        'schedule_id', r.schedule_id, 'run_id', d.run_id, 'run_status', r.status,
        'alert_id', (SELECT e.alert_id FROM alert_events e WHERE e.id = d.event_id), 'event_id', d.event_id,
        'channel', d.channel,
        -- a webhook URL often is a secret itself: scheme and host only (api.alerts_url_shown)
        'target', CASE WHEN d.channel = 'webhook' THEN api.alerts_url_shown(d.target) ELSE d.target END,
        'subject', d.subject, 'status', d.status, 'attempts', d.attempts, 'last_error', d.last_error,
        'message_id', d.message_id, 'idempotency_key', d.idem_key,
        'created_at', d.created_at, 'last_attempt_at', d.taken_at, 'next_attempt_at',
        CASE WHEN d.status = 'pending' THEN d.next_attempt_at END, 'sent_at', d.sent_at)
    FROM (SELECT 1) one LEFT JOIN report_runs r ON r.id = d.run_id
$$;

-- GET /api/alerts/deliveries?kind=&status=&limit=: the delivery log, newest first (CEO).  kind: a
-- report kind (daily, weekly, monthly, board) or "alert" (alert notifications).
CREATE OR REPLACE FUNCTION api.alerts_deliveries(p_user int, p_role text, p_kind text, p_status text, p_limit int)
RETURNS json LANGUAGE sql STABLE AS $$
    WITH v AS (
        SELECT d FROM alert_deliveries d LEFT JOIN report_runs r ON r.id = d.run_id
        WHERE (p_kind IS NULL OR coalesce(r.kind, CASE WHEN d.event_id IS NOT NULL THEN 'alert' END) = p_kind)
          AND (p_status IS NULL OR d.status = p_status)
    )
    SELECT json_build_object('kind', p_kind, 'status', p_status, 'limit', p_limit,
        'total', (SELECT count(*) FROM v),
        'deliveries', coalesce((SELECT json_agg(api.alerts_delivery_json(x.d) ORDER BY (x.d).id DESC)
                                FROM (SELECT v.d FROM v ORDER BY (v.d).id DESC LIMIT p_limit) x), '[]'))
$$;

CREATE OR REPLACE FUNCTION api.alerts_schedule_json(s report_schedules) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', s.id, 'code', s.code, 'kind', s.kind, 'tz', s.tz,
        'effective_tz', report_schedule_tz(s), 'hour', s.hour,
        'weekday', CASE WHEN s.kind = 'weekly' THEN s.weekday END,
        'day', CASE WHEN s.kind IN ('monthly', 'board') THEN s.day END,
        'recipients', s.recipients,
        'effective_recipients', (SELECT coalesce(json_agg(t ORDER BY t), '[]') FROM report_recipients(s) t),
        'webhook_url', s.webhook_url, 'enabled', s.enabled, 'active_from', s.active_from,
        'next_period', (SELECT json_build_object('period', d.period, 'period_label', d.period_label,
                                                 'due_at', d.due_at)
                        FROM report_schedule_due(s, now() + CASE s.kind WHEN 'daily' THEN interval '1 day'
                                                                        WHEN 'weekly' THEN interval '7 days'
                                                                        ELSE interval '1 month' END) d),
        'last_run', (SELECT json_build_object('id', r.id, 'period', r.period, 'period_label', r.period_label,
                                              'status', r.status, 'due_at', r.due_at, 'prepared_at', r.prepared_at,
                                              'last_error', r.last_error)
                     FROM report_runs r WHERE r.schedule_id = s.id ORDER BY r.period DESC LIMIT 1),
        'updated_at', s.updated_at, 'updated_by', s.updated_by)
$$;

-- GET /api/alerts/schedules: every report schedule (CEO).
CREATE OR REPLACE FUNCTION api.alerts_schedules(p_user int, p_role text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('schedules', coalesce(json_agg(api.alerts_schedule_json(s) ORDER BY s.id), '[]'))
    FROM report_schedules s
$$;

-- The fields of s that the body b names, for the audit row (the webhook URL as scheme and host).
CREATE OR REPLACE FUNCTION api.alerts_schedule_audit_fields(s report_schedules, b jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(f.k, f.v), '{}') FROM (VALUES
        ('hour', to_jsonb(s.hour)), ('tz', to_jsonb(s.tz)), ('weekday', to_jsonb(s.weekday)),
        ('day', to_jsonb(s.day)), ('recipients', to_jsonb(s.recipients)), ('enabled', to_jsonb(s.enabled)),
        ('webhook_url', to_jsonb(api.alerts_url_shown(s.webhook_url)))
    ) f(k, v) WHERE b ? f.k
$$;

-- An integer member of the body in [lo, hi], else a 400 naming it.
CREATE OR REPLACE FUNCTION api.alerts_body_int(b jsonb, p_field text, p_lo int, p_hi int) RETURNS int
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF jsonb_typeof(b->p_field) <> 'number' OR (b->>p_field) !~ '^[0-9]{1,3}$'
       OR (b->>p_field)::int NOT BETWEEN p_lo AND p_hi THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('%s must be an integer between %s and %s', p_field, p_lo, p_hi);
    END IF;
    RETURN (b->>p_field)::int;
END
$$;

-- PUT /api/alerts/schedules/{id} with a JSON object of the fields to change: hour (0-23, local),
-- tz (a zone of pg_timezone_names, or null: the reporting zone), weekday (1-7, ISO: weekly),
-- day (1-28: monthly and board), recipients (an array of 1-50 e-mail addresses, or null: every
-- active CEO), webhook_url (http(s), or null; where it goes is checked by the service first),
-- enabled.  Every mistake is a 400 naming the field.  The change and its audit row
-- (report_schedule.update, the named fields before and after) commit together.  Enabling a
-- disabled schedule starts it afresh (active_from: no report of the past is sent).
CREATE OR REPLACE FUNCTION api.alerts_schedule_update(p_user int, p_role text, p_body text, p_id int,
                                                      p_address text DEFAULT NULL) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    b    jsonb;
    s    report_schedules;
    old  report_schedules;
BEGIN
    IF p_role IS DISTINCT FROM 'ceo' THEN
        RAISE EXCEPTION USING ERRCODE = 'NS403', MESSAGE = 'only the ceo may change report schedules';
    END IF;
    SELECT * INTO s FROM report_schedules WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NS404', MESSAGE = format('no report schedule %s', p_id);
    END IF;
    old := s;
    b := api.body_object(p_body, ARRAY['hour', 'tz', 'weekday', 'day', 'recipients', 'webhook_url', 'enabled'], true);
    IF b ? 'hour' THEN
        s.hour := api.alerts_body_int(b, 'hour', 0, 23);
    END IF;
    IF b ? 'weekday' THEN
        s.weekday := api.alerts_body_int(b, 'weekday', 1, 7);
    END IF;
    IF b ? 'day' THEN
        s.day := api.alerts_body_int(b, 'day', 1, 28);
    END IF;
    IF b ? 'tz' THEN
        IF jsonb_typeof(b->'tz') = 'null' THEN
            s.tz := NULL;
        ELSIF jsonb_typeof(b->'tz') <> 'string' OR NOT EXISTS (SELECT 1 FROM pg_timezone_names z WHERE z.name = b->>'tz') THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = format('tz %s is not a time zone such as "Europe/Berlin" (pg_timezone_names), or null for the reporting zone',
                                 left((b->'tz')::text, 80));
        ELSE
            s.tz := b->>'tz';
        END IF;
    END IF;
    IF b ? 'recipients' THEN
        IF jsonb_typeof(b->'recipients') = 'null' THEN
            s.recipients := NULL;
        ELSIF jsonb_typeof(b->'recipients') <> 'array' OR jsonb_array_length(b->'recipients') NOT BETWEEN 1 AND 50
              OR EXISTS (SELECT 1 FROM jsonb_array_elements(b->'recipients') e
                         WHERE jsonb_typeof(e) <> 'string' OR length(e #>> '{}') > 254
                            OR (e #>> '{}') !~ '^[^@\s<>,;"]+@[^@\s<>,;"]+\.[^@\s<>,;"]+$') THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = 'recipients must be an array of 1 to 50 e-mail addresses, or null for every active CEO';
        ELSE
            s.recipients := (SELECT array_agg(DISTINCT lower(e)) FROM jsonb_array_elements_text(b->'recipients') e);
        END IF;
    END IF;
    IF b ? 'webhook_url' THEN
        IF jsonb_typeof(b->'webhook_url') = 'null' THEN
            s.webhook_url := NULL;
        ELSIF jsonb_typeof(b->'webhook_url') <> 'string' OR (b->>'webhook_url') !~ '^https?://[^\s]+$'
              OR length(b->>'webhook_url') > 2000 THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'webhook_url must be an http:// or https:// URL, or null';
        ELSE
            s.webhook_url := b->>'webhook_url';
        END IF;
    END IF;
    IF b ? 'enabled' THEN
        IF jsonb_typeof(b->'enabled') <> 'boolean' THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'enabled must be true or false';
        END IF;
        s.enabled := (b->>'enabled')::boolean;
    END IF;
    UPDATE report_schedules SET hour = s.hour, weekday = s.weekday, day = s.day, tz = s.tz,
                                recipients = s.recipients, webhook_url = s.webhook_url, enabled = s.enabled,
                                active_from = CASE WHEN s.enabled AND NOT old.enabled THEN now() ELSE active_from END,
                                updated_at = now(), updated_by = p_user
    WHERE id = p_id RETURNING * INTO s;
    PERFORM audit_write(p_actor_type => 'user', p_actor_id => p_user, p_role => p_role,
                        p_address => p_address, p_action => 'report_schedule.update', p_target => s.code,
                        p_detail => jsonb_build_object('schedule_id', s.id,
                            'before', api.alerts_schedule_audit_fields(old, b),
                            'after', api.alerts_schedule_audit_fields(s, b)));
    RETURN api.alerts_schedule_json(s);
END
$$;
