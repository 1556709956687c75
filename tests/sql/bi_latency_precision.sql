-- bi_product.api_latency_p95_ms has the API's precision (two decimals, percentile_cont), not whole
-- milliseconds: 20 api_call events of 81 .. 100 ms on a fixture day give p95 = 99 + 0.05 × 1 = 99.05.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(3);
SET LOCAL northstar.tz = 'UTC';
SET LOCAL northstar.rollup_skip_dirty = on;
DO $$ BEGIN PERFORM events_create_partitions('2003-05-01', '2003-05-31'); END $$;
INSERT INTO events (occurred_at, customer_id, user_id, type, endpoint, status, latency_ms)
SELECT '2003-05-10 10:00Z'::timestamptz + k * interval '1 minute', NULL, NULL, 'api_call', '/v1/orders', 200, 80 + k
FROM generate_series(1, 20) k;
DO $$ BEGIN PERFORM rollup_compute_range('2003-05-10', '2003-05-10');
           PERFORM product_compute_range('2003-05-10', '2003-05-10'); END $$;

SELECT is((SELECT api_latency_p95_ms::numeric FROM bi_product WHERE metric_date = '2003-05-10' AND entity_id = 'all'),
          99.05, 'bi_product p95 of 81 .. 100 ms is 99.05');
SELECT is((SELECT api_latency_p95_ms::numeric FROM bi_product WHERE metric_date = '2003-05-10' AND entity_id = 'all'),
          (SELECT (s ->> 'p95_ms')::numeric
             FROM json_array_elements(api.product_api_usage(1, 'ceo', 'day', NULL, '2003-05-10', '2003-05-10', NULL) -> 'series') s
            WHERE s ->> 'endpoint' = 'all'),
          'bi_product p95 = the API''s daily p95 (/api/product/api-usage)');
SELECT is((SELECT metric_value FROM bi_metrics_long WHERE domain = 'product' AND metric_name = 'api_latency_p95_ms'
              AND metric_date = '2003-05-10' AND entity_id = 'all'),
          99.05, 'bi_metrics_long carries the same value');

SELECT * FROM finish();
ROLLBACK;
