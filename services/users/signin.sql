-- signin.sql — sign-in limits per account and per address together (docs/reliability.md,
-- "Sign-in limits"), the users service's own: common/login.c calls login_limit_check() before
-- it looks at a password and login_limit_clear() after a right one.
--
-- The scheme, in numbers (the base and the cap come from the service, NS_LOGIN_DELAY_BASE_S and
-- NS_LOGIN_DELAY_MAX_S, default 1 s and 900 s):
--   * An account is the e-mail as typed, lower-case, whether or not it exists (so a limit says
--     nothing about which e-mails are accounts).  An address is the client's IPv4 address, or the
--     /64 of an IPv6 one (one subscriber's whole prefix).
--   * Per (account, address) pair: 5 failures are free; after the f-th (f >= 5) the pair waits
--     base * 2^(f-5) seconds, at most the cap, from that failure.  This slows one guesser, and it
--     is the only limit on an address that signed in to the account before (below).
--   * Per account, over all addresses: 20 failures are free, then the same doubling from the
--     account's latest failure.  It applies to the addresses the account has NOT signed in from
--     in the last 30 days: a guesser spread over 40 addresses is slowed to one try per cap, while
--     the real user at an address they signed in from before is not held up by failures elsewhere.
--   * A limited attempt is not an attempt: the password is not checked, nothing is counted, so
--     waiting out one delay always gives one real try; the right password is therefore never held
--     back longer than the cap after the last counted failure.
--   * A right password from a pair clears that pair's failures and marks the address known to
--     the account.  Failures are forgotten 24 h after a pair's last one, known addresses after
--     30 days without a sign-in.
--   * A browser that signed in to the account before carries a device cookie for it (common/
--     login.c, signed with the service's secret, 30 days): its attempts are counted per (account,
--     device) instead, 5 free and the same doubling, and neither the address's counter nor the
--     account's applies to it.  So a guesser behind the user's own NAT or proxy, who has no such
--     cookie, cannot hold that browser back; a right password from it clears only its own counter
--     (not the address's, which may be a guesser's).
--
-- Every attempt that is let through is counted as a failure when it is let through (under a lock
-- per account), and uncounted by login_limit_clear() if the password was right: so parallel
-- attempts cannot all pass the same check before any of them is counted.  No password, and
-- nothing derived from one, is stored.
--
-- The tables are written only through the two functions, which run as northstar_signin
-- (SECURITY DEFINER, fixed search_path); northstar_app may execute them and can neither read nor
-- write the tables.  This file is applied after sql/schema/990_roles.sql (services/*/*.sql come
-- last), so its REVOKEs undo the blanket grants 990 gives northstar_app on every non-business table.
SET client_min_messages = warning;

CREATE TABLE IF NOT EXISTS login_failures (
    email     text NOT NULL,          -- lower(e-mail) as typed, an account or not
    addr      cidr NOT NULL,          -- login_addr(): IPv4 /32, IPv6 /64, '::/128' when unknown
    failures  integer NOT NULL CHECK (failures > 0),
    last_at   timestamptz NOT NULL,   -- the latest counted attempt
    PRIMARY KEY (email, addr)
);
CREATE INDEX IF NOT EXISTS login_failures_last_at_idx ON login_failures (last_at);

CREATE TABLE IF NOT EXISTS login_device_failures (
    email     text NOT NULL,
    device    text NOT NULL CHECK (device ~ '^[0-9a-f]{16}$'),   -- the device cookie's nonce
    failures  integer NOT NULL CHECK (failures > 0),
    last_at   timestamptz NOT NULL,
    PRIMARY KEY (email, device)
);
CREATE INDEX IF NOT EXISTS login_device_failures_last_at_idx ON login_device_failures (last_at);

CREATE TABLE IF NOT EXISTS login_known (
    email     text NOT NULL,
    addr      cidr NOT NULL,
    last_at   timestamptz NOT NULL,   -- the latest right password from this address
    PRIMARY KEY (email, addr)
);
CREATE INDEX IF NOT EXISTS login_known_last_at_idx ON login_known (last_at);

-- The address key of a client address (text from REMOTE_ADDR; NULL when there is none): an IPv4
-- address (or an IPv4-mapped IPv6 one) as itself, any other IPv6 address as its /64.  Text that
-- is not an address is a 22P02 error (the service checks it first).
CREATE OR REPLACE FUNCTION login_addr(p_addr text) RETURNS cidr
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_addr IS NULL THEN '::/128'::cidr
        WHEN family(p_addr::inet) = 4 THEN network(set_masklen(p_addr::inet, 32))
        WHEN p_addr::inet << '::ffff:0.0.0.0/96'::inet THEN network(set_masklen(p_addr::inet, 128))
        ELSE network(set_masklen(p_addr::inet, 64))
    END
$$;

-- Seconds a key waits after its latest failure, with p_failures counted and p_free free:
-- 0 below p_free, else p_base * 2^(p_failures - p_free), at most p_max (the exponent is capped
-- so that it cannot overflow).
CREATE OR REPLACE FUNCTION login_delay(p_failures int, p_free int, p_base_s int, p_max_s int)
RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_failures < p_free THEN 0
        ELSE least(p_max_s::bigint, p_base_s::bigint * (2::bigint ^ least(p_failures - p_free, 40))::bigint)::int
    END
$$;

-- Whole seconds from now to p_ready, at least 1 (a refusal always says when), never more than
-- p_max_s, even after the clock went back: what a refused attempt answers in Retry-After.
CREATE OR REPLACE FUNCTION login_wait_s(p_ready timestamptz, p_max_s int)
RETURNS int LANGUAGE sql STABLE AS $$
    SELECT least(p_max_s, greatest(1, ceil(extract(epoch FROM p_ready - now()))))::int
$$;

-- Begin a sign-in attempt for p_email from p_addr, with p_device the id of a valid device cookie
-- for that account (NULL: none).  Returns the whole seconds to wait (> 0: the attempt is refused,
-- nothing counted — do not check the password), or 0: the attempt is let through and counted as a
-- failure until login_limit_clear() says the password was right.  p_base_s >= 1,
-- p_max_s >= p_base_s (22023 otherwise).
CREATE OR REPLACE FUNCTION login_limit_check(p_email text, p_addr text, p_base_s int, p_max_s int,
                                             p_device text DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    pair_free    constant int := 5;
    account_free constant int := 20;
    forget       constant interval := '24 hours';
    known_for    constant interval := '30 days';
    v_email      text := lower(p_email);
    v_addr       cidr := login_addr(p_addr);
    pair         login_failures;
    dev          login_device_failures;
    acc_n        int;
    acc_last     timestamptz;
    is_known     boolean;
    ready_at     timestamptz := '-infinity';
BEGIN
    IF p_base_s IS NULL OR p_max_s IS NULL OR p_base_s < 1 OR p_max_s < p_base_s THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('sign-in delays need 1 <= base (%s) <= max (%s)', p_base_s, p_max_s);
    END IF;
    IF v_email IS NULL OR v_email = '' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'no e-mail to limit';
    END IF;
    -- One attempt of an account at a time decides and counts (a transaction-scoped lock).
    PERFORM pg_advisory_xact_lock(hashtextextended('northstar.login:' || v_email, 0));
    -- Forget what is old, for this account (always) and now and then for all (1 call in 100).
    DELETE FROM login_failures f WHERE f.email = v_email AND f.last_at < now() - forget;
    DELETE FROM login_device_failures d WHERE d.email = v_email AND d.last_at < now() - forget;
    IF random() < 0.01 THEN
        DELETE FROM login_failures f WHERE f.last_at < now() - forget;
        DELETE FROM login_device_failures d WHERE d.last_at < now() - forget;
        DELETE FROM login_known k WHERE k.last_at < now() - known_for;
    END IF;

    -- A browser with the account's device cookie: its own counter only.
    IF p_device IS NOT NULL THEN
        SELECT * INTO dev FROM login_device_failures d WHERE d.email = v_email AND d.device = p_device;
        IF FOUND THEN
            ready_at := dev.last_at + make_interval(secs => login_delay(dev.failures, pair_free, p_base_s, p_max_s));
        END IF;
        IF ready_at > now() THEN
            RETURN login_wait_s(p_ready => ready_at, p_max_s => p_max_s);
        END IF;
        INSERT INTO login_device_failures AS d (email, device, failures, last_at)
        VALUES (v_email, p_device, 1, now())
        ON CONFLICT (email, device) DO UPDATE SET failures = d.failures + 1, last_at = now();
        RETURN 0;
    END IF;

    SELECT * INTO pair FROM login_failures f WHERE f.email = v_email AND f.addr = v_addr;
    IF FOUND THEN
        ready_at := pair.last_at + make_interval(secs => login_delay(pair.failures, pair_free, p_base_s, p_max_s));
    END IF;
    SELECT EXISTS (SELECT 1 FROM login_known k WHERE k.email = v_email AND k.addr = v_addr
                   AND k.last_at >= now() - known_for) INTO is_known;
    IF NOT is_known THEN
        SELECT coalesce(sum(f.failures), 0), max(f.last_at) INTO acc_n, acc_last
        FROM login_failures f WHERE f.email = v_email;
        IF acc_last IS NOT NULL THEN
            ready_at := greatest(ready_at,
                acc_last + make_interval(secs => login_delay(acc_n, account_free, p_base_s, p_max_s)));
        END IF;
    END IF;
    IF ready_at > now() THEN
        RETURN login_wait_s(p_ready => ready_at, p_max_s => p_max_s);
    END IF;

    INSERT INTO login_failures AS f (email, addr, failures, last_at)
    VALUES (v_email, v_addr, 1, now())
    ON CONFLICT (email, addr) DO UPDATE SET failures = f.failures + 1, last_at = now();
    RETURN 0;
END
$$;

-- The password of an attempt let through by login_limit_check() was right: clear the counter it
-- was counted on (the device's when p_device is given, else the pair's; the attempt's own failure
-- included) and remember the address for the account.  Returns true.
CREATE OR REPLACE FUNCTION login_limit_clear(p_email text, p_addr text, p_device text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_email text := lower(p_email);
    v_addr  cidr := login_addr(p_addr);
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('northstar.login:' || v_email, 0));
    IF p_device IS NOT NULL THEN
        DELETE FROM login_device_failures d WHERE d.email = v_email AND d.device = p_device;
    ELSE
        DELETE FROM login_failures f WHERE f.email = v_email AND f.addr = v_addr;
    END IF;
    INSERT INTO login_known AS k (email, addr, last_at) VALUES (v_email, v_addr, now())
    ON CONFLICT (email, addr) DO UPDATE SET last_at = now();
    RETURN true;
END
$$;

-- Who may do what: northstar_signin (cannot log in) owns the two functions and may write exactly
-- the two tables; northstar_app may only call the functions; PUBLIC nothing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'northstar_signin') THEN
        CREATE ROLE northstar_signin NOLOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA public TO northstar_signin;
REVOKE ALL ON login_failures, login_device_failures, login_known FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'northstar_app') THEN
        REVOKE ALL ON login_failures, login_device_failures, login_known FROM northstar_app;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'northstar_bi') THEN
        REVOKE ALL ON login_failures, login_device_failures, login_known FROM northstar_bi;
    END IF;
END $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON login_failures, login_device_failures, login_known TO northstar_signin;
ALTER FUNCTION login_limit_check(text, text, int, int, text) OWNER TO northstar_signin;
ALTER FUNCTION login_limit_clear(text, text, text) OWNER TO northstar_signin;
REVOKE EXECUTE ON FUNCTION login_limit_check(text, text, int, int, text), login_limit_clear(text, text, text) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'northstar_app') THEN
        GRANT EXECUTE ON FUNCTION login_limit_check(text, text, int, int, text), login_limit_clear(text, text, text)
            TO northstar_app;
    END IF;
END $$;
