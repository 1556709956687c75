-- Product/traffic event log, range-partitioned by month on occurred_at, with partition maintenance functions.
SET client_min_messages = warning;

CREATE TABLE IF NOT EXISTS events (
    occurred_at   timestamptz NOT NULL,
    customer_id   int,
    user_id       bigint,
    session_id    bigint,
    type          text NOT NULL CHECK (type IN ('session_start', 'page_view', 'add_to_cart', 'checkout', 'order',
                                                'api_call', 'feature_used', 'login', 'client_error')),
    feature       text,
    endpoint      text,
    status        smallint CHECK (status IS NULL OR status BETWEEN 100 AND 599),
    latency_ms    int CHECK (latency_ms IS NULL OR latency_ms >= 0),
    device        text CHECK (device IS NULL OR device IN ('desktop', 'mobile')),
    browser       text,
    os            text,
    country       char(2),
    source        text,
    client_ip     inet,
    rate_limited  boolean NOT NULL DEFAULT false
) PARTITION BY RANGE (occurred_at);

-- Partition bounds are UTC month boundaries. XXX: no primary key (it would have to include
-- occurred_at and costs an extra index on the hottest table); events are append-only.
CREATE INDEX IF NOT EXISTS events_occurred_at_idx ON events (occurred_at);
CREATE INDEX IF NOT EXISTS events_customer_time_idx ON events (customer_id, occurred_at);

-- Create monthly partitions covering p_from .. p_to (both months inclusive); returns how many were created.
-- With shards configured (021_events_shards.sql) a new month is placed on them at once.
CREATE OR REPLACE FUNCTION events_create_partitions(p_from date, p_to date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    m       date;
    part    text;
    created integer := 0;
BEGIN
    FOR m IN SELECT generate_series(date_trunc('month', p_from), date_trunc('month', p_to), '1 month')::date
    LOOP
        part := format('events_y%sm%s', to_char(m, 'YYYY'), to_char(m, 'MM'));
        IF to_regclass(format('public.%I', part)) IS NULL THEN
            EXECUTE format('CREATE TABLE public.%I PARTITION OF public.events FOR VALUES FROM (%L) TO (%L)',
                           part, (m::timestamp AT TIME ZONE 'UTC'),
                           ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
            PERFORM events_month_place(part);
            created := created + 1;
        END IF;
    END LOOP;
    RETURN created;
END
$$;

-- Drop partitions whose whole range is older than p_months months before the current month
-- (p_months = 24 keeps this month and the 24 before it). Returns how many were dropped.
CREATE OR REPLACE FUNCTION events_drop_partitions_older_than(p_months integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    r       record;
    cutoff  timestamptz;
    dropped integer := 0;
BEGIN
    IF p_months IS NULL OR p_months < 0 THEN
        RAISE EXCEPTION 'p_months must be >= 0, got %', p_months;
    END IF;
    cutoff := (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => p_months))
              AT TIME ZONE 'UTC';
    FOR r IN
        SELECT c.relname,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS upper_bound
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'public.events'::regclass
    LOOP
        IF r.upper_bound IS NOT NULL AND r.upper_bound <= cutoff THEN
            PERFORM events_month_forget(r.relname);   -- its shards' tables, if any (021_events_shards.sql)
            EXECUTE format('DROP TABLE public.%I', r.relname);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    RETURN dropped;
END
$$;
