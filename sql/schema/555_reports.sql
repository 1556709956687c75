-- Scheduled reports, delivered exactly once (docs/operations.md "Reports"): the schedules, one run
-- per (schedule, period) whose content is frozen when it is prepared, the deliveries of each run
-- (unique per run, channel and target), the sender's lease and back-off, and the visible final
-- failure (the report_delivery alert rule).  The documents themselves are built in C (report.h) by
-- the alerts job, which calls report_run_claim / report_run_store / report_run_failed here; the
-- sender (services/alerts/notify.c) calls alert_deliveries_take / alert_delivery_done.
SET client_min_messages = warning;

-- ---------------------------------------------------------------------------------------------
-- Settings of the delivery machinery, from the alerts process's environment (alert_session_setup):
-- NS_DELIVERY_MAX_ATTEMPTS (8), NS_DELIVERY_BACKOFF_S (30: the first wait, doubling after each
-- failed attempt), NS_DELIVERY_BACKOFF_MAX_S (1800: the longest wait).  With the defaults the
-- attempts are 30 s, 1, 2, 4, 8, 16 and 30 min apart: a failure is final about 61 min after the
-- first attempt, so an SMTP server down for a minute (or half an hour) is ridden out.
CREATE OR REPLACE FUNCTION delivery_max_attempts() RETURNS int
LANGUAGE sql STABLE AS $$
    SELECT least(greatest(coalesce(alert_setting('delivery_max_attempts'), '8')::int, 1), 100)
$$;

-- The wait after failed attempt number p_attempts (1, 2, ...): base × 2^(attempts - 1), capped.
CREATE OR REPLACE FUNCTION delivery_backoff(p_attempts int) RETURNS interval
LANGUAGE sql STABLE AS $$
    SELECT make_interval(secs => least(coalesce(alert_setting('delivery_backoff_s'), '30')::numeric
                                       * power(2::numeric, least(greatest(p_attempts, 1), 30) - 1),
                                       coalesce(alert_setting('delivery_backoff_max_s'), '1800')::numeric)::double precision)
$$;

-- ---------------------------------------------------------------------------------------------
-- Schedules.  tz NULL = the reporting zone of the services (NS_TZ, ns_tz()); hour is local time in
-- that zone; weekday (ISO, 1 = Monday) is the weekly review's day, day (1-28, so every month has it)
-- the monthly and board reports'.  recipients NULL = every active CEO.  webhook_url: also announce
-- the report there (checked for where it goes when saved, webhook_url_check, and on delivery).
-- A schedule sends the periods whose due time is at or after active_from (set when it is created
-- or enabled again): a new schedule does not send the past.
CREATE TABLE IF NOT EXISTS report_schedules (
    id           serial PRIMARY KEY,
    code         text NOT NULL UNIQUE,
    kind         text NOT NULL CHECK (kind IN ('daily', 'weekly', 'monthly', 'board')),
    tz           text,
    hour         int NOT NULL DEFAULT 7 CHECK (hour BETWEEN 0 AND 23),
    weekday      int NOT NULL DEFAULT 1 CHECK (weekday BETWEEN 1 AND 7),
    day          int NOT NULL DEFAULT 1 CHECK (day BETWEEN 1 AND 28),
    recipients   text[] CHECK (cardinality(recipients) BETWEEN 1 AND 50),
    webhook_url  text CHECK (webhook_url ~ '^https?://[^\s]+$' AND length(webhook_url) <= 2000),
    enabled      boolean NOT NULL DEFAULT true,
    active_from  timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   int
);

-- The defaults: the daily CEO report at 07:00, the weekly review on Mondays at 07:00, the board pack
-- on the 1st at 07:00, in the reporting zone, to the CEOs.  ON CONFLICT DO NOTHING keeps an
-- operator's changes when the schema is re-applied.  (The retired report_hour setting, if a
-- database still has it in alert_settings, becomes their hour once, here.)
INSERT INTO report_schedules (code, kind, hour)
SELECT v.code, v.kind, coalesce((SELECT value::int FROM alert_settings WHERE key = 'report_hour'
                                 AND value ~ '^([0-9]|1[0-9]|2[0-3])$'), 7)
FROM (VALUES ('daily', 'daily'), ('weekly', 'weekly'), ('board', 'board')) v(code, kind)
ON CONFLICT (code) DO NOTHING;

-- The zone of a schedule.
CREATE OR REPLACE FUNCTION report_schedule_tz(s report_schedules) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT coalesce(s.tz, ns_tz()) $$;

-- The latest period of schedule s that is due at p_now, computed in the schedule's own zone: the
-- period's first day (daily: the day; weekly: its Monday; monthly/board: the 1st), its label and
-- when it became due.  Daily: yesterday, from hour; weekly: the last full ISO week, from weekday
-- at hour; monthly/board: the last full month, from day at hour.
CREATE OR REPLACE FUNCTION report_schedule_due(s report_schedules, p_now timestamptz DEFAULT now(),
    OUT period date, OUT period_label text, OUT due_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    z        text := report_schedule_tz(s);
    lt       timestamp := p_now AT TIME ZONE z;
    ld       date := lt::date;
    reached  boolean := extract(hour FROM lt) >= s.hour;
    dd       date;                                   -- the local day it became due
BEGIN
    IF s.kind = 'daily' THEN
        dd := CASE WHEN reached THEN ld ELSE ld - 1 END;
        period := dd - 1;
        period_label := to_char(period, 'YYYY-MM-DD');
    ELSIF s.kind = 'weekly' THEN
        dd := ld - ((extract(isodow FROM ld)::int - s.weekday + 7) % 7);
        IF dd = ld AND NOT reached THEN
            dd := dd - 7;
        END IF;
        period := date_trunc('week', dd)::date - 7;
        period_label := to_char(period, 'YYYY-MM-DD');
    ELSE
        dd := date_trunc('month', ld)::date + (s.day - 1);
        IF dd > ld OR (dd = ld AND NOT reached) THEN
            dd := (date_trunc('month', ld) - interval '1 month')::date + (s.day - 1);
        END IF;
        period := (date_trunc('month', dd) - interval '1 month')::date;
        period_label := to_char(period, 'YYYY-MM');
    END IF;
    due_at := (dd + make_time(s.hour, 0, 0)) AT TIME ZONE z;
END
$$;

-- Who gets a schedule's e-mail: its recipients, else every active CEO.
CREATE OR REPLACE FUNCTION report_recipients(s report_schedules) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT lower(r) FROM unnest(s.recipients) r WHERE s.recipients IS NOT NULL
    UNION
    SELECT u.email FROM app_users u WHERE s.recipients IS NULL AND u.role = 'ceo' AND NOT u.disabled
$$;

-- ---------------------------------------------------------------------------------------------
-- Runs: one per (schedule, period), the exactly-once key.  queued → prepared (the document, the
-- e-mail's subject, text and HTML, and the rendered attachments frozen; the deliveries inserted in
-- the same transaction) or → failed (preparation failed delivery_max_attempts() times).  attempts
-- and next_attempt_at are the preparation's lease and back-off, as for deliveries.
DROP TABLE IF EXISTS alert_report_runs;      -- the former (kind, period) dedupe, replaced by this
CREATE TABLE IF NOT EXISTS report_runs (
    id               bigserial PRIMARY KEY,
    schedule_id      int NOT NULL REFERENCES report_schedules(id) ON DELETE CASCADE,
    kind             text NOT NULL,
    period           date NOT NULL,
    period_label     text NOT NULL,
    tz               text NOT NULL,
    due_at           timestamptz NOT NULL,
    status           text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'prepared', 'failed')),
    attempts         int NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    doc              json,
    subject          text,
    text             text,
    html             text,
    prepared_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (schedule_id, period)
);
CREATE INDEX IF NOT EXISTS report_runs_due_idx ON report_runs (next_attempt_at) WHERE status = 'queued';

-- The rendered attachments of a prepared run: the inline charts (image/png, Content-ID
-- chart-N@northstar) and the PDF, as sent, byte for byte, on every attempt.
CREATE TABLE IF NOT EXISTS report_run_parts (
    run_id        bigint NOT NULL REFERENCES report_runs(id) ON DELETE CASCADE,
    n             int NOT NULL,
    content_type  text NOT NULL CHECK (content_type IN ('image/png', 'application/pdf')),
    filename      text NOT NULL,
    content_id    text,
    data          bytea NOT NULL,
    PRIMARY KEY (run_id, n)
);

-- Deliveries of report runs: unique per (run, channel, target); the Message-ID and the idempotency
-- key are stable per delivery (alert_deliveries_key below).
ALTER TABLE alert_deliveries ADD COLUMN IF NOT EXISTS run_id bigint REFERENCES report_runs(id) ON DELETE CASCADE;
ALTER TABLE alert_deliveries ADD COLUMN IF NOT EXISTS idem_key text;
ALTER TABLE alert_deliveries ADD COLUMN IF NOT EXISTS message_id text;
ALTER TABLE alert_deliveries ADD COLUMN IF NOT EXISTS taken_at timestamptz;
DROP INDEX IF EXISTS alert_deliveries_report_uq;
CREATE UNIQUE INDEX IF NOT EXISTS alert_deliveries_run_uq ON alert_deliveries (run_id, channel, target)
    WHERE run_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS alert_deliveries_idem_uq ON alert_deliveries (idem_key);
CREATE INDEX IF NOT EXISTS alert_deliveries_run_idx ON alert_deliveries (run_id);

-- The one rule of a delivery's identity, set as it is inserted: the idempotency key
--   report-<kind>-<period>-s<schedule>-d<delivery>   (a report run's), or
--   alert-<alert>-<event kind>-e<event>-d<delivery>  (an alert event's),
-- its Message-ID <key@northstar> (e-mail), and for a webhook the key inside the JSON payload
-- ("idempotency_key"; notify.c sends it as the Idempotency-Key header too).  A resend after a
-- crash between the receiver's acceptance and the recorded outcome carries the same key and
-- Message-ID, so the receiver can drop it.
CREATE OR REPLACE FUNCTION alert_deliveries_key() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    base text;
BEGIN
    IF NEW.run_id IS NOT NULL THEN
        SELECT 'report-' || r.kind || '-' || r.period || '-s' || r.schedule_id INTO base
        FROM report_runs r WHERE r.id = NEW.run_id;
    ELSIF NEW.event_id IS NOT NULL THEN
        SELECT 'alert-' || e.alert_id || '-' || e.kind || '-e' || e.id INTO base
        FROM alert_events e WHERE e.id = NEW.event_id;
    END IF;
    NEW.idem_key := coalesce(base, 'delivery') || '-d' || NEW.id;
    NEW.message_id := '<' || NEW.idem_key || '@northstar>';
    IF NEW.channel = 'webhook' AND left(ltrim(NEW.body), 1) = '{' THEN
        NEW.body := jsonb_set(NEW.body::jsonb, '{idempotency_key}', to_jsonb(NEW.idem_key))::text;
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER alert_deliveries_key BEFORE INSERT ON alert_deliveries
    FOR EACH ROW EXECUTE FUNCTION alert_deliveries_key();

-- ---------------------------------------------------------------------------------------------
-- Queue the runs due at p_now: for every enabled schedule the latest due period (report_schedule_due)
-- unless it was due before the schedule became active.  Reports go out only where they can: a
-- schedule needs SMTP (smtp_url) or a webhook URL of its own.  The unique (schedule, period) makes
-- this idempotent, across instances and restarts; a period missed while the service was down is
-- sent when it comes back, as long as it is still the latest.  Returns the number of runs queued.
DROP FUNCTION IF EXISTS alert_schedule_reports(timestamptz);
CREATE OR REPLACE FUNCTION alert_schedule_reports(p_now timestamptz DEFAULT now()) RETURNS int
LANGUAGE sql VOLATILE AS $$
    WITH q AS (
        INSERT INTO report_runs (schedule_id, kind, period, period_label, tz, due_at)
        SELECT s.id, s.kind, d.period, d.period_label, report_schedule_tz(s), d.due_at
        FROM report_schedules s CROSS JOIN LATERAL report_schedule_due(s, p_now) d
        WHERE s.enabled AND d.due_at <= p_now AND d.due_at >= s.active_from
          AND (alert_setting('smtp_url') IS NOT NULL OR s.webhook_url IS NOT NULL)
        ON CONFLICT (schedule_id, period) DO NOTHING
        RETURNING 1
    )
    SELECT count(*)::int FROM q
$$;

-- The alerts job (C) takes one queued run whose preparation is due, with a lease of p_lease_s
-- (the attempt is counted and the next one pushed back first, so a crash mid-preparation only
-- delays it; SKIP LOCKED: two instances never take the same run).  Returns its id, the attempt
-- number (to hand back to report_run_store / report_run_failed), kind and period; no row when
-- nothing is due.
CREATE OR REPLACE FUNCTION report_run_claim(p_lease_s int DEFAULT 300)
RETURNS TABLE (id bigint, attempt int, kind text, period text, period_label text, tz text)
LANGUAGE sql VOLATILE AS $$
    UPDATE report_runs r
    SET attempts = r.attempts + 1, next_attempt_at = now() + make_interval(secs => greatest(p_lease_s, 10))
    WHERE r.id = (SELECT x.id FROM report_runs x WHERE x.status = 'queued' AND x.next_attempt_at <= now()
                  ORDER BY x.due_at, x.id LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING r.id, r.attempts, r.kind, r.period::text, r.period_label, r.tz
$$;

-- Freeze a prepared run (attempt p_attempt of report_run_claim): the document p_doc, its e-mail
-- parts (alert_report_render, links to p_app_url), the rendered attachments p_parts (a JSON array
-- of {"n", "content_type", "filename", "content_id", "data": base64}) and, in the same transaction,
-- its deliveries: an e-mail per recipient (when SMTP is configured) and the schedule's webhook.
-- Returns the number of deliveries queued, or NULL when the run is no longer this attempt's (it was
-- prepared by another instance after this one's lease ran out: nothing is written).
CREATE OR REPLACE FUNCTION report_run_store(p_run bigint, p_attempt int, p_doc json,
                                            p_parts json DEFAULT '[]', p_app_url text DEFAULT NULL)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    r    report_runs;
    s    report_schedules;
    m    record;
    n    int := 0;
    k    int;
BEGIN
    SELECT * INTO r FROM report_runs WHERE id = p_run FOR UPDATE;
    IF NOT FOUND OR r.status <> 'queued' OR r.attempts <> p_attempt THEN
        RETURN NULL;
    END IF;
    SELECT * INTO s FROM report_schedules WHERE id = r.schedule_id;
    SELECT * INTO m FROM alert_report_render(p_doc, p_app_url);
    UPDATE report_runs SET status = 'prepared', doc = p_doc, subject = m.subject, text = m.text, html = m.html,
                           prepared_at = now(), last_error = NULL
    WHERE id = p_run;
    INSERT INTO report_run_parts (run_id, n, content_type, filename, content_id, data)
    SELECT p_run, (e->>'n')::int, e->>'content_type', e->>'filename', e->>'content_id', decode(e->>'data', 'base64')
    FROM json_array_elements(coalesce(p_parts, '[]')) e;
    IF alert_setting('smtp_url') IS NOT NULL THEN
        INSERT INTO alert_deliveries (run_id, report_kind, report_period, channel, target, subject, body, html)
        SELECT p_run, r.kind, r.period, 'email', t, m.subject, m.text, m.html FROM report_recipients(s) t
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
    IF s.webhook_url IS NOT NULL THEN
        INSERT INTO alert_deliveries (run_id, report_kind, report_period, channel, target, subject, body)
        VALUES (p_run, r.kind, r.period, 'webhook', s.webhook_url, m.subject,
                json_build_object('text', m.subject,
                                  'report', json_build_object('run', r.id, 'schedule', r.schedule_id, 'kind', r.kind,
                                                              'period', r.period, 'period_label', r.period_label,
                                                              'title', p_doc->>'title', 'due_at', r.due_at,
                                                              'app_url', p_app_url))::text)
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS k = ROW_COUNT;
        n := n + k;
    END IF;
    RETURN n;
END
$$;

-- A failed preparation (attempt p_attempt): queued again after the back-off, or failed after
-- delivery_max_attempts() attempts, which raises the report_delivery alert at once.  Returns the
-- run's status, NULL when the run is no longer this attempt's.
CREATE OR REPLACE FUNCTION report_run_failed(p_run bigint, p_attempt int, p_error text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    UPDATE report_runs
    SET status = CASE WHEN attempts >= delivery_max_attempts() THEN 'failed' ELSE 'queued' END,
        next_attempt_at = now() + delivery_backoff(attempts), last_error = left(p_error, 2000)
    WHERE id = p_run AND status = 'queued' AND attempts = p_attempt
    RETURNING status INTO st;
    IF st = 'failed' THEN
        PERFORM report_delivery_evaluate();
    END IF;
    RETURN st;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- The sender (services/alerts/notify.c) takes up to p_limit due deliveries under a lease of
-- p_lease_s seconds: the attempt is counted and the row is not due again until the lease ends, so
-- another instance cannot take it while this one sends.  The lease must outlast the longest send
-- of the batch (notify.c: p_limit 1; libcurl's limit 60 s for an e-mail, 5 s for a webhook; lease
-- 120 s); the outcome (alert_delivery_done) sets the next attempt itself.  SKIP LOCKED lets several senders share the
-- queue.  A crash mid-send: the delivery is taken again when the lease ends.
DROP FUNCTION IF EXISTS alert_deliveries_take(int);
CREATE OR REPLACE FUNCTION alert_deliveries_take(p_limit int DEFAULT 1, p_lease_s int DEFAULT 120)
RETURNS TABLE (id bigint, attempt int, channel text, target text, subject text, body text, html text,
               message_id text, idem_key text, run_id bigint)
LANGUAGE sql VOLATILE AS $$
    UPDATE alert_deliveries d
    SET attempts = d.attempts + 1, taken_at = now(),
        next_attempt_at = now() + make_interval(secs => greatest(p_lease_s, 30))
    WHERE d.id IN (SELECT x.id FROM alert_deliveries x WHERE x.status = 'pending' AND x.next_attempt_at <= now()
                   ORDER BY x.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
    RETURNING d.id, d.attempts, d.channel, d.target, d.subject, d.body, d.html, d.message_id, d.idem_key, d.run_id
$$;

-- The attachments of a delivery's run (none for alert events), in order.
CREATE OR REPLACE FUNCTION alert_delivery_parts(p_id bigint)
RETURNS TABLE (n int, content_type text, filename text, content_id text, data bytea)
LANGUAGE sql STABLE AS $$
    SELECT p.n, p.content_type, p.filename, p.content_id, p.data
    FROM alert_deliveries d JOIN report_run_parts p ON p.run_id = d.run_id
    WHERE d.id = p_id ORDER BY p.n
$$;

-- The outcome of attempt p_attempt (NULL: whatever the current one is): p_error NULL = sent;
-- otherwise pending again after delivery_backoff(), or failed after delivery_max_attempts()
-- attempts (a report's raises the report_delivery alert at once).  An outcome for a delivery that
-- is no longer pending, or whose attempt is not p_attempt (another instance took it after the lease
-- ran out), changes nothing.  Returns the delivery's status (NULL: no such delivery).
DROP FUNCTION IF EXISTS alert_delivery_done(bigint, text);
CREATE OR REPLACE FUNCTION alert_delivery_done(p_id bigint, p_error text DEFAULT NULL, p_attempt int DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    d alert_deliveries;
BEGIN
    UPDATE alert_deliveries
    SET status = CASE WHEN p_error IS NULL THEN 'sent' WHEN attempts >= delivery_max_attempts() THEN 'failed'
                      ELSE 'pending' END,
        sent_at = CASE WHEN p_error IS NULL THEN now() END,
        next_attempt_at = CASE WHEN p_error IS NULL THEN next_attempt_at ELSE now() + delivery_backoff(attempts) END,
        last_error = left(p_error, 2000)
    WHERE id = p_id AND status = 'pending' AND (p_attempt IS NULL OR attempts = p_attempt)
    RETURNING * INTO d;
    IF NOT FOUND THEN
        RETURN (SELECT status FROM alert_deliveries WHERE id = p_id);
    END IF;
    IF d.status = 'failed' AND d.run_id IS NOT NULL THEN
        PERFORM report_delivery_evaluate();
    END IF;
    RETURN d.status;
END
$$;

-- Send a failed report again: its failed deliveries (p_delivery: that one only) are pending again
-- with their attempts reset (same Message-ID and idempotency key, so a receiver that did get it
-- drops the copy); a run whose preparation failed is queued again.  The report_delivery alert
-- resolves on its own once everything is sent.  Returns the number of deliveries and runs reset.
CREATE OR REPLACE FUNCTION report_delivery_resend(p_run bigint DEFAULT NULL, p_delivery bigint DEFAULT NULL)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    n int;
    k int;
BEGIN
    IF p_run IS NULL AND p_delivery IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'name the run (p_run) or the delivery (p_delivery) to re-send';
    END IF;
    UPDATE alert_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
    WHERE status = 'failed' AND run_id IS NOT NULL
      AND (p_delivery IS NULL OR id = p_delivery) AND (p_run IS NULL OR run_id = p_run);
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE report_runs SET status = 'queued', attempts = 0, next_attempt_at = now(), last_error = NULL
    WHERE status = 'failed' AND p_delivery IS NULL AND id = p_run;
    GET DIAGNOSTICS k = ROW_COUNT;
    RETURN n + k;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- The visible final failure: an alert rule measured like the others (alert_measure, metric
-- report_delivery, formula in docs/metrics.md "Alerts"): one subject per run of the last window
-- that failed to be prepared or has failed deliveries; the value is the number of failures (the
-- run counts 1 when its preparation failed).  Critical, to the CEO: the app's alert list, the live
-- feed and the alerts' webhook.  It resolves once the run is re-sent (report_delivery_resend) and
-- delivered.  (Failed deliveries of alert events raise nothing: an alert about an alert's
-- notification failing would fail the same way; they are in the log and the delivery list.)
INSERT INTO alert_rules (code, name, metric, comparison, threshold, unit, win, severity, audience,
                         subject_type, hysteresis, clear_evals, description)
VALUES ('report_delivery', 'Report delivery failed', 'report_delivery', '>', 0, 'count', '30 days', 'critical',
        '{ceo}', 'report', 0, 1,
        'A scheduled report of the window (by due time) whose preparation or some delivery failed after the last attempt; the value is the number of failures')
ON CONFLICT (code) DO NOTHING;

-- The subjects of the report_delivery rule r at p_now (alert_measure calls this).
CREATE OR REPLACE FUNCTION report_delivery_failures(r alert_rules, p_now timestamptz)
RETURNS TABLE (subject_key text, customer_id int, subject_label text, value numeric,
               window_from timestamptz, window_to timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT 'run-' || x.id, NULL::int,
           x.kind || ' report ' || x.period_label || ' (schedule ' || x.schedule_id || ')',
           x.failures, x.due_at, p_now
    FROM (SELECT u.id, u.kind, u.period_label, u.schedule_id, u.due_at,
                 (u.status = 'failed')::int + (SELECT count(*) FROM alert_deliveries d
                                               WHERE d.run_id = u.id AND d.status = 'failed') AS failures
          FROM report_runs u WHERE u.due_at >= p_now - r.win AND u.due_at <= p_now) x
    WHERE x.failures > 0
$$;

-- Evaluate the report_delivery rule now (at a final failure, so the alert opens at once rather
-- than at the job's next evaluation).
CREATE OR REPLACE FUNCTION report_delivery_evaluate() RETURNS int
LANGUAGE sql VOLATILE AS $$
    SELECT coalesce((SELECT alert_evaluate(now(), id) FROM alert_rules WHERE code = 'report_delivery'), 0)
$$;
