-- 545_product_ops.sql — pre-aggregates of the product service's operations views (system health,
-- abuse): API traffic per customer and local hour, client IPs per customer and day, with an
-- incremental refresh (product_ops_refresh(), run by the product service's job after
-- product_rollup_refresh()).  Definitions: docs/metrics.md "Product operations".
SET client_min_messages = warning;

-- api_call events per reporting-zone (local wall-clock) hour and customer (only hours with calls).
CREATE TABLE IF NOT EXISTS product_api_customer_hourly (
    hour          timestamp NOT NULL,
    customer_id   integer NOT NULL,
    calls         integer NOT NULL,
    errors        integer NOT NULL,      -- status >= 500
    failed        integer NOT NULL,      -- status >= 400 (includes 429 and 5xx)
    PRIMARY KEY (hour, customer_id)
);
CREATE INDEX IF NOT EXISTS product_api_customer_hourly_cust_idx ON product_api_customer_hourly (customer_id, hour);

-- Events (any type) with a client_ip per reporting day, IP and customer.
CREATE TABLE IF NOT EXISTS product_ip_daily (
    day          date NOT NULL,
    client_ip    inet NOT NULL,
    customer_id  integer NOT NULL,
    events       integer NOT NULL,
    PRIMARY KEY (day, client_ip, customer_id)
);

-- The customers hitting rate limits: only the few customer-days with a 429 are read.
CREATE INDEX IF NOT EXISTS product_api_customer_daily_limited_idx
    ON product_api_customer_daily (day) WHERE rate_limited > 0;

-- What the one refresh mechanism (035_rollup_follow.sql) replaced.
DROP TABLE IF EXISTS product_ops_days, product_ops_state;

-- Recompute the tables above for the reporting days p_lo .. p_hi (delete + insert) from events.
CREATE OR REPLACE FUNCTION product_ops_compute_range(p_lo date, p_hi date) RETURNS void
LANGUAGE plpgsql
SET work_mem = '64MB'
AS $$
DECLARE
    tz     text := ns_tz();
    lo_ts  timestamptz := ns_day_start(p_lo);
    hi_ts  timestamptz := ns_day_start(p_hi + 1);
BEGIN
    DELETE FROM product_api_customer_hourly WHERE hour >= p_lo::timestamp AND hour < (p_hi + 1)::timestamp;
    DELETE FROM product_ip_daily WHERE day BETWEEN p_lo AND p_hi;

    INSERT INTO product_api_customer_hourly (hour, customer_id, calls, errors, failed)
    SELECT date_trunc('hour', e.occurred_at AT TIME ZONE tz), e.customer_id, count(*),
           count(*) FILTER (WHERE e.status >= 500), count(*) FILTER (WHERE e.status >= 400)
    FROM events e
    WHERE e.occurred_at >= lo_ts AND e.occurred_at < hi_ts AND e.type = 'api_call'
      AND e.customer_id IS NOT NULL
    GROUP BY 1, 2
    ORDER BY 1, 2;   -- in key order: the indexes grow at their right edge (half the time of a load)

    INSERT INTO product_ip_daily (day, client_ip, customer_id, events)
    SELECT (e.occurred_at AT TIME ZONE tz)::date, e.client_ip, e.customer_id, count(*)
    FROM events e
    WHERE e.occurred_at >= lo_ts AND e.occurred_at < hi_ts
      AND e.client_ip IS NOT NULL AND e.customer_id IS NOT NULL
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3;
END
$$;

-- Kept current like the product pre-aggregates (035_rollup_follow.sql): product_ops_refresh(), run
-- by the product service's job after product_rollup_refresh().
SELECT rollup_follower_register('product_ops', 'product_ops_compute_range',
                                'product_api_customer_hourly', 'product_ip_daily');
CREATE OR REPLACE FUNCTION product_ops_refresh() RETURNS integer
LANGUAGE sql AS $$ SELECT rollup_follow('product_ops') $$;
