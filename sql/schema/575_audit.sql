-- 575_audit.sql — the audit log (docs/operations.md, "Audit log"): sign-ins and sign-outs, CSV
-- and report exports, alert rule changes, MRR chart annotations and targets, API keys made and revoked, user administration.
--
-- Append-only, enforced here and in 990_roles.sql:
--   * the services' role northstar_app may not INSERT, UPDATE, DELETE or TRUNCATE audit_log
--     (nor use its sequence); it writes rows only through audit_write(), SECURITY DEFINER,
--     owned by the NOLOGIN role northstar_audit, which may only INSERT into it;
--   * a trigger refuses UPDATE and TRUNCATE to everyone, the owner included, and DELETE except
--     inside audit_purge() (retention, which only the database owner may run, and which
--     records itself).
-- Nothing secret is ever passed in: callers give who, from where, what and on what, never a
-- password, token, key or webhook secret (tests/integration/t-audit.sh greps for them).
SET client_min_messages = warning;

-- The documented list of actions (docs/operations.md has one line for each).  The C side's
-- filter words (common/audit.c, audit_actions) are the same list: t-audit.sh compares them.
CREATE OR REPLACE FUNCTION audit_actions() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['auth.login', 'auth.login_failed', 'auth.logout',
                 'export.csv', 'export.report',
                 'alert_rule.update', 'report_schedule.update',
                 'annotation.create', 'annotation.update', 'annotation.delete', 'target.update',
                 'api_key.create', 'api_key.revoke',
                 'user.create', 'user.password', 'user.disable', 'user.enable', 'user.logout',
                 'audit.purge']
$$;

CREATE TABLE IF NOT EXISTS audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    -- user: a signed-in app user; key: an API key; cli: a command-line tool (actor = the OS
    -- user); anonymous: nobody signed in (a failed sign-in); database: SQL run by hand
    actor_type  text NOT NULL CHECK (actor_type IN ('user', 'key', 'cli', 'anonymous', 'database')),
    actor_id    int,                    -- app_users.id of a user actor
    actor       text NOT NULL,          -- e-mail, key name, OS user, '-' or the database role
    role        text,                   -- a user's role, a key's scopes
    address     inet,                   -- the client address (REMOTE_ADDR); NULL for tools
    db_user     text NOT NULL DEFAULT session_user,   -- the database login that wrote the row
    action      text NOT NULL,
    target      text,                   -- what was acted on: an e-mail, a key name, a route, a rule
    detail      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object')
);
ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action = ANY (audit_actions()));
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at);
CREATE INDEX IF NOT EXISTS audit_log_action_idx ON audit_log (action, id);
CREATE INDEX IF NOT EXISTS audit_log_actor_idx ON audit_log (actor_id, id);

-- UPDATE and TRUNCATE: never.  DELETE: only while audit_purge() runs (its transaction-local
-- flag); northstar_app holds no DELETE right to begin with.
CREATE OR REPLACE FUNCTION audit_log_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('northstar.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING ERRCODE = '42501',
        MESSAGE = format('the audit log is append-only: %s refused', TG_OP),
        HINT = 'old rows go only through audit_purge(p_before => date), as the database owner';
END
$$;
DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();

-- Write one row; returns its id.  p_actor_type/p_action must be in the lists above (else 23514,
-- and the caller's action fails with it).  A user actor's e-mail is looked up from p_actor_id
-- when p_actor is NULL.  An address that is not an inet (a unix socket's "-") is stored as NULL.
CREATE OR REPLACE FUNCTION audit_write(p_actor_type text, p_action text, p_actor_id int DEFAULT NULL,
                                       p_actor text DEFAULT NULL, p_role text DEFAULT NULL,
                                       p_address text DEFAULT NULL, p_target text DEFAULT NULL,
                                       p_detail jsonb DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    addr  inet;
    who   text := p_actor;
    rid   bigint;
BEGIN
    IF p_address ~ '^[0-9A-Fa-f:.]{2,45}$' THEN
        BEGIN
            addr := p_address::inet;
        EXCEPTION WHEN invalid_text_representation THEN
            addr := NULL;
        END;
    END IF;
    IF who IS NULL AND p_actor_id IS NOT NULL THEN
        SELECT u.email INTO who FROM app_users u WHERE u.id = p_actor_id;
    END IF;
    INSERT INTO audit_log (actor_type, actor_id, actor, role, address, action, target, detail)
    VALUES (p_actor_type, p_actor_id, coalesce(who, '-'), p_role, addr, p_action, p_target,
            coalesce(p_detail, '{}'))
    RETURNING id INTO rid;
    RETURN rid;
END
$$;

-- Retention: delete the rows from before p_before (a day in the session's zone) and record that
-- as an audit.purge row of its own.  Only the database owner may run it (990_roles.sql).
CREATE OR REPLACE FUNCTION audit_purge(p_before date) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    IF p_before IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'give p_before, the first day to keep';
    END IF;
    PERFORM set_config('northstar.audit_purge', 'on', true);
    DELETE FROM audit_log WHERE at < p_before::timestamptz;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM set_config('northstar.audit_purge', 'off', true);
    PERFORM audit_write(p_actor_type => 'database', p_action => 'audit.purge', p_actor => session_user::text,
                        p_target => p_before::text, p_detail => jsonb_build_object('rows', n));
    RETURN n;
END
$$;

-- One row as the API and northstar-admin show it (flat, so that it exports to CSV).
CREATE OR REPLACE FUNCTION audit_json(a audit_log) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', a.id,
        'at', to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'actor_type', a.actor_type, 'actor_id', a.actor_id, 'actor', a.actor, 'role', a.role,
        'address', host(a.address), 'db_user', a.db_user, 'action', a.action, 'target', a.target,
        'detail', a.detail)
$$;

-- The rows matching every filter given (NULL: no filter), newest first: p_from/p_to are days
-- (inclusive, in the session's zone), p_after keeps rows with a larger id (poll for what is
-- new), p_before is the paging cursor (the next_cursor of the page before).  Answers
-- {total, limit, next_cursor, entries}: total counts every row matching the filters (the cursor
-- aside); next_cursor is null on the last page.
CREATE OR REPLACE FUNCTION audit_list(p_action text DEFAULT NULL, p_actor_type text DEFAULT NULL,
                                      p_actor_id int DEFAULT NULL, p_from date DEFAULT NULL,
                                      p_to date DEFAULT NULL, p_after bigint DEFAULT NULL,
                                      p_before bigint DEFAULT NULL, p_limit int DEFAULT 50)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    lim int := coalesce(p_limit, 50);
BEGIN
    IF p_from > p_to THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('parameter ''from'' (%s) is after ''to'' (%s)', p_from, p_to);
    END IF;
    IF lim NOT BETWEEN 1 AND 500 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'parameter ''limit'' must be an integer from 1 to 500';
    END IF;
    RETURN (
        WITH m AS (
            SELECT a.* FROM audit_log a
            WHERE (p_action IS NULL OR a.action = p_action)
              AND (p_actor_type IS NULL OR a.actor_type = p_actor_type)
              AND (p_actor_id IS NULL OR a.actor_id = p_actor_id)
              AND (p_from IS NULL OR a.at >= p_from::timestamptz)
              AND (p_to IS NULL OR a.at < (p_to + 1)::timestamptz)
              AND (p_after IS NULL OR a.id > p_after)
        ), page AS (
            SELECT m.*, row_number() OVER (ORDER BY m.id DESC) AS n FROM m
            WHERE p_before IS NULL OR m.id < p_before
            ORDER BY m.id DESC LIMIT lim + 1
        )
        SELECT json_build_object('total', (SELECT count(*) FROM m), 'limit', lim,
            'next_cursor', (SELECT p.id FROM page p WHERE p.n = lim AND EXISTS (SELECT 1 FROM page q WHERE q.n = lim + 1)),
            'entries', coalesce((SELECT json_agg(audit_json(ROW(p.id, p.at, p.actor_type, p.actor_id, p.actor,
                                     p.role, p.address, p.db_user, p.action, p.target, p.detail)::audit_log)
                                     ORDER BY p.id DESC)
                                 FROM page p WHERE p.n <= lim), '[]')));
END
$$;
