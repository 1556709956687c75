-- 060_api_keys.sql — machine credentials for the ingestion API (docs/ingest.md "Keys").
--
-- A key is "nsk_" + 43 base64url characters (32 bytes from getrandom): northstar-admin prints it
-- once and stores only its SHA-256 here.  A plain, unsalted SHA-256 is enough for a credential
-- of 256 random bits (a guess costs 2^255 hashes on average, salt or not); slow password hashes
-- such as bcrypt exist for low-entropy secrets, and would cost every ingest request milliseconds.
-- The services never read this table: they call key_verify() (SECURITY DEFINER, see
-- 990_roles.sql), which answers the key's name and scopes and notes when it was last used.
SET client_min_messages = warning;

CREATE TABLE IF NOT EXISTS api_keys (
    id            serial PRIMARY KEY,
    name          text NOT NULL CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$'),
    key_hash      bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    scopes        text[] NOT NULL CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY[
                      'ingest:billing', 'ingest:events', 'ingest:marketing', 'ingest:sales',
                      'ingest:support']::text[]),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
-- A name is unique among the keys in force; revoked keys stay listed (and audited) under theirs.
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_active_name_idx ON api_keys (name) WHERE revoked_at IS NULL;

-- The key in force whose SHA-256 is p_hash (64 hex digits): its name and its scopes as a
-- comma-separated list; no row for an unknown or revoked key.  last_used_at is written at most
-- once a minute per key, so a busy key costs one indexed read per request, not a write.
CREATE OR REPLACE FUNCTION key_verify(p_hash text)
RETURNS TABLE (name text, scopes text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    k api_keys%ROWTYPE;
BEGIN
    IF p_hash IS NULL OR p_hash !~ '^[0-9a-f]{64}$' THEN
        RETURN;
    END IF;
    SELECT * INTO k FROM api_keys a WHERE a.key_hash = decode(p_hash, 'hex') AND a.revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute' THEN
        UPDATE api_keys a SET last_used_at = now() WHERE a.id = k.id;
    END IF;
    name := k.name;
    scopes := array_to_string(k.scopes, ',');
    RETURN NEXT;
END
$$;
