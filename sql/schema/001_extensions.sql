-- Extensions and small helpers (reporting time zone) used by every later schema file.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- Reporting time zone: the custom setting northstar.tz (set per database with
-- ALTER DATABASE ... SET northstar.tz = 'Europe/Berlin', or per session), default UTC.
CREATE OR REPLACE FUNCTION ns_tz() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(nullif(current_setting('northstar.tz', true), ''), 'UTC')
$$;

-- Calendar day of a timestamp in the reporting time zone.
CREATE OR REPLACE FUNCTION ns_day(ts timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (ts AT TIME ZONE ns_tz())::date
$$;

-- "Today" in the reporting time zone.
CREATE OR REPLACE FUNCTION ns_today() RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (now() AT TIME ZONE ns_tz())::date
$$;

-- First instant of a reporting-zone day, as timestamptz (day boundaries for range scans).
CREATE OR REPLACE FUNCTION ns_day_start(d date) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT d::timestamp AT TIME ZONE ns_tz()
$$;
