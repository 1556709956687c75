-- marketing_fixtures.sql — the marketing endpoints' SQL on hand-made rows with hand-worked answers.
-- Everything happens in January 2001 (far from the demo data, which is TRUNCATEd inside this
-- transaction anyway) and is rolled back.  Reporting zone UTC.
--
-- Window W = Mon 2001-01-08 .. Sun 2001-01-14 (7 days); previous period P = 2001-01-01 .. 2001-01-07.
--
-- campaigns   c1 meta 'Meta A' {brand}, budget 1000.00     c2 google 'Google B' {search,brand}, budget 500.00
--             c3 tiktok 'TikTok C' {video}, budget 200.00  c4 linkedin, starts 2001-06-01 (never in W)
-- ad_spend    P: c1 01-03 15625c, 4000 impr, 100 clicks, 2 conv
--             W: c1 01-08 30000c/10000/200/10, c1 01-09 10000c/10000/200/5  → meta 40000c, 20000 impr, 400 clicks, 15 conv
--                c2 01-10 50000c/5000/250/20                              → google 50000c, CTR 5 %, CPC 2.00
--                c3 01-11 10000c/1000/0/0                                 → tiktok zero clicks: CPC NULL, CTR 0 %
--             after W: c1 01-20 5000c (never counted)
--   W totals: spend 100000c = 1000.00; impressions 26000; clicks 650; CTR 650/26000 = 2.50 %;
--             CPC 100000/650 = 153.85c → 1.54; platform conversions 15+20 = 35
-- customers   cu1 (c1) converts 01-09, cu2 (c2) 01-10, cu3 (c2) 01-12, cu4 (organic) 01-13  → 4 new payers in W
--             cu5 (c1) converts 01-05 (in P); cu6..cu9 old payers (converted 2000-06-01)
--   W: CAC = 100000/4 = 25000c = 250.00; attributed conversions meta 1, google 2 → 3; CPA 100000/3 = 333.33
--   P: CAC = 15625/1 = 156.25 → CAC rises by exactly (250 − 156.25)/156.25 = 60 %
-- orders in W cu1 01-10 60000c (cogs 10000), cu2 01-11 80000c (cogs 20000), cu3 01-12 20000c, cu4 01-13 40000c (cogs 10000)
--             after W: cu1 01-20 99900c
--   revenue 200000c; attributed (customer's campaign) meta 60000, google 100000 → 160000c
--   ROAS 160000/100000 = 1.60; blended ROAS 200000/100000 = 2.00; meta 1.50, google 2.00, tiktok 0.00
--   ROI c1 (60000−40000)/40000 = 50 %, c2 100 %, c3 −100 %; gross margin (200000−40000)/200000 = 80 %
--   budget used through 01-14: c1 (15625+40000)/100000 = 55.625 → 55.63 %, c2 100 %, c3 50 %
-- subscriptions (LTV month = Dec 2000, the last month ended by 01-14 and by 01-07)
--             cu6 10000, cu7 10000, cu9 10000 from 2000-06-01 open; cu8 20000 from 2000-06-01 to 2000-12-15
--   paying on 2000-11-30: 4; on 2000-12-31: 3 with MRR 30000 → ARPU 10000c; churn 1/4 = 25 %
--   LTV = 10000 / 0.25 = 40000c = 400.00; LTV:CAC = 40000/25000 = 1.60
--             cu1..cu4 6250 each from their conversion day; cu5 6250 from 01-05
--   new-payer ARPU on 01-14 = 4×6250/4 = 62.50; payback = 25000 / (6250 × 0.80) = 5.0 months
-- leads       L1 01-08 paid_social c1, MQL 01-09, SQL 01-10, customer cu1
--             L2 01-09 paid_search c2, MQL 01-10, customer cu2      L3 01-09 paid_search c2, nothing
--             L4 01-10 organic, MQL 01-11, customer cu4            L5 01-02 organic, MQL 01-08, SQL 01-12
--             L6 01-13 organic, nothing                            L7 01-20 organic, MQL 01-21 (after W)
--   W: leads (created) L1 L2 L3 L4 L6 = 5; MQLs L1 L2 L4 L5 = 4; SQLs L1 L5 = 2; customers L1 L2 L4 = 3 → 60 %
--      organic 2/2/1/1 (50 %), paid_search 2/1/0/1 (50 %), paid_social 1/1/1/1 (100 %)
--      cost per MQL = 100000/4 = 250.00
-- events on 01-08: 10 session_start s1..s10 (s1–s6 google, s7–s9 meta, s10 no source → 'unknown')
--             page_view: s1 ×3, s2 ×2, s3 ×1, s7 ×2, s8 ×1; add_to_cart s1 ×2, s2, s7; checkout s1, s2; order s1
--   funnel 10 → 4 → 2 → 1: add-to-cart 40 %, checkout/cart 50 %, order/checkout 50 %, conversion 10 %,
--          cart abandonment (4−1)/4 = 75 %
--   traffic: bounced (≤ 1 page view) s3 s4 s5 s6 s8 s9 s10 = 7 → 70 %; google 4/6 = 66.67 %, meta 2/3,
--          unknown 1/1; converted sessions s1 → 10 %, google 1/6 = 16.67 %
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(97);
SET LOCAL client_min_messages = warning;

SET LOCAL northstar.tz = 'UTC';
SET LOCAL northstar.rollup_skip_dirty = on;
TRUNCATE campaigns, customers, subscriptions, orders, billing_events, ad_spend, leads, events,
         metrics_daily, mrr_daily, active_users_daily, customer_daily, rollup_dirty_days,
         marketing_traffic_daily, marketing_campaign_daily CASCADE;
DELETE FROM rollup_follower_days WHERE follower = 'marketing';
DO $$ BEGIN PERFORM events_create_partitions('2001-01-01', '2001-01-31'); END $$;

INSERT INTO campaigns (id, platform, name, tags, budget_cents, started_on, ended_on) VALUES
  (1, 'meta', 'Meta A', '{brand}', 100000, '2001-01-01', NULL),
  (2, 'google', 'Google B', '{search,brand}', 50000, '2001-01-01', NULL),
  (3, 'tiktok', 'TikTok C', '{video}', 20000, '2001-01-01', '2001-01-31'),
  (4, 'linkedin', 'LinkedIn D', '{brand}', 90000, '2001-06-01', NULL);

INSERT INTO ad_spend (day, campaign_id, platform, spend_cents, impressions, clicks, conversions) VALUES
  ('2001-01-03', 1, 'meta', 15625, 4000, 100, 2),
  ('2001-01-08', 1, 'meta', 30000, 10000, 200, 10),
  ('2001-01-09', 1, 'meta', 10000, 10000, 200, 5),
  ('2001-01-10', 2, 'google', 50000, 5000, 250, 20),
  ('2001-01-11', 3, 'tiktok', 10000, 1000, 0, 0),
  ('2001-01-20', 1, 'meta', 5000, 1000, 10, 1);

INSERT INTO customers (id, name, email, channel, campaign_id, signup_at, converted_at) VALUES
  (1, 'cu1', 'cu1@x.test', 'paid_social', 1, '2001-01-02 10:00Z', '2001-01-09 12:00Z'),
  (2, 'cu2', 'cu2@x.test', 'paid_search', 2, '2001-01-03 10:00Z', '2001-01-10 12:00Z'),
  (3, 'cu3', 'cu3@x.test', 'paid_search', 2, '2001-01-04 10:00Z', '2001-01-12 12:00Z'),
  (4, 'cu4', 'cu4@x.test', 'organic', NULL, '2001-01-05 10:00Z', '2001-01-13 12:00Z'),
  (5, 'cu5', 'cu5@x.test', 'paid_social', 1, '2001-01-01 10:00Z', '2001-01-05 12:00Z'),
  (6, 'cu6', 'cu6@x.test', 'organic', NULL, '2000-06-01 10:00Z', '2000-06-01 12:00Z'),
  (7, 'cu7', 'cu7@x.test', 'organic', NULL, '2000-06-01 10:00Z', '2000-06-01 12:00Z'),
  (8, 'cu8', 'cu8@x.test', 'organic', NULL, '2000-06-01 10:00Z', '2000-06-01 12:00Z'),
  (9, 'cu9', 'cu9@x.test', 'organic', NULL, '2000-06-01 10:00Z', '2000-06-01 12:00Z');

INSERT INTO subscriptions (customer_id, plan_id, mrr_cents, valid_from, valid_to)
SELECT v.c, (SELECT min(id) FROM plans), v.m, v.f::date, v.t::date
FROM (VALUES (6, 10000, '2000-06-01', NULL), (7, 10000, '2000-06-01', NULL), (9, 10000, '2000-06-01', NULL),
             (8, 20000, '2000-06-01', '2000-12-15'),
             (1, 6250, '2001-01-09', NULL), (2, 6250, '2001-01-10', NULL), (3, 6250, '2001-01-12', NULL),
             (4, 6250, '2001-01-13', NULL), (5, 6250, '2001-01-05', NULL)) v(c, m, f, t);

INSERT INTO orders (customer_id, ordered_at, source, total_cents, cogs_cents) VALUES
  (1, '2001-01-10 09:00Z', 'shopify', 60000, 10000),
  (2, '2001-01-11 09:00Z', 'shopify', 80000, 20000),
  (3, '2001-01-12 09:00Z', 'api', 20000, 0),
  (4, '2001-01-13 09:00Z', 'shopify', 40000, 10000),
  (1, '2001-01-20 09:00Z', 'shopify', 99900, 0);

INSERT INTO leads (created_at, channel, campaign_id, mql_at, sql_at, customer_id) VALUES
  ('2001-01-08 10:00Z', 'paid_social', 1, '2001-01-09 10:00Z', '2001-01-10 10:00Z', 1),
  ('2001-01-09 10:00Z', 'paid_search', 2, '2001-01-10 10:00Z', NULL, 2),
  ('2001-01-09 11:00Z', 'paid_search', 2, NULL, NULL, NULL),
  ('2001-01-10 10:00Z', 'organic', NULL, '2001-01-11 10:00Z', NULL, 4),
  ('2001-01-02 10:00Z', 'organic', NULL, '2001-01-08 10:00Z', '2001-01-12 10:00Z', NULL),
  ('2001-01-13 10:00Z', 'organic', NULL, NULL, NULL, NULL),
  ('2001-01-20 10:00Z', 'organic', NULL, '2001-01-21 10:00Z', NULL, NULL);

INSERT INTO events (occurred_at, session_id, type, source)
SELECT '2001-01-08 10:00Z'::timestamptz + s * interval '1 minute', s, 'session_start',
       CASE WHEN s <= 6 THEN 'google' WHEN s <= 9 THEN 'meta' END
FROM generate_series(1, 10) s;
INSERT INTO events (occurred_at, session_id, type)
SELECT '2001-01-08 11:00Z'::timestamptz + (row_number() OVER ()) * interval '1 minute', v.s, v.t
FROM (VALUES (1, 'page_view'), (1, 'page_view'), (1, 'page_view'), (2, 'page_view'), (2, 'page_view'),
             (3, 'page_view'), (7, 'page_view'), (7, 'page_view'), (8, 'page_view'),
             (1, 'add_to_cart'), (1, 'add_to_cart'), (2, 'add_to_cart'), (7, 'add_to_cart'),
             (1, 'checkout'), (2, 'checkout'), (1, 'order')) v(s, t);

-- Rollups as rollup_refresh() would build them, then the marketing pre-aggregates from them.
DO $$ BEGIN PERFORM rollup_compute_range('2000-11-01', '2001-01-31'); END $$;
SELECT is(marketing_refresh(), 92, 'marketing_refresh computes every metrics_daily day (2000-11-01 .. 2001-01-31 = 92)');
SELECT is(marketing_refresh(), 0, 'a second marketing_refresh has nothing to do');

-- ---------------------------------------------------------------- summary
CREATE TEMP TABLE s ON COMMIT DROP AS
SELECT api.marketing_summary(1, 'ceo', '2001-01-08', '2001-01-14', NULL)::jsonb AS j;
CREATE TEMP TABLE sc ON COMMIT DROP AS SELECT j -> 'current' AS c, j -> 'previous' AS p FROM s;
CREATE TEMP TABLE sp ON COMMIT DROP AS
SELECT x ->> 'platform' AS platform, x FROM sc, jsonb_array_elements(c -> 'by_platform') x;

SELECT is((SELECT (c ->> 'spend')::numeric FROM sc), 1000.00, 'summary: spend 1000.00');
SELECT is((SELECT (c ->> 'impressions')::numeric FROM sc), 26000::numeric, 'summary: impressions 26000');
SELECT is((SELECT (c ->> 'clicks')::numeric FROM sc), 650::numeric, 'summary: clicks 650');
SELECT is((SELECT (c ->> 'ctr_pct')::numeric FROM sc), 2.50, 'summary: CTR 650/26000 = 2.50 %');
SELECT is((SELECT (c ->> 'cpc')::numeric FROM sc), 1.54, 'summary: CPC 1000/650 = 1.54');
SELECT is((SELECT (c ->> 'platform_conversions')::numeric FROM sc), 35::numeric, 'summary: platform conversions 35');
SELECT is((SELECT (c ->> 'conversions')::numeric FROM sc), 3::numeric, 'summary: attributed conversions 3');
SELECT is((SELECT (c ->> 'cpa')::numeric FROM sc), 333.33, 'summary: CPA 1000/3 = 333.33');
SELECT is((SELECT (c ->> 'attributed_revenue')::numeric FROM sc), 1600.00, 'summary: attributed revenue 1600.00');
SELECT is((SELECT (c ->> 'roas')::numeric FROM sc), 1.60, 'summary: ROAS 1600/1000 = 1.60');
SELECT is((SELECT (c ->> 'revenue')::numeric FROM sc), 2000.00, 'summary: all order revenue 2000.00');
SELECT is((SELECT (c ->> 'blended_roas')::numeric FROM sc), 2.00, 'summary: blended ROAS 2.00');
SELECT is((SELECT (c ->> 'new_customers')::numeric FROM sc), 4::numeric, 'summary: 4 new paying customers');
SELECT is((SELECT (c ->> 'cac')::numeric FROM sc), 250.00, 'summary: CAC 1000/4 = 250.00');
SELECT is((SELECT (c ->> 'mqls')::numeric FROM sc), 4::numeric, 'summary: 4 MQLs');
SELECT is((SELECT (c ->> 'cost_per_mql')::numeric FROM sc), 250.00, 'summary: cost per MQL 250.00');
SELECT is((SELECT c ->> 'ltv_month' FROM sc), '2000-12', 'summary: LTV month is December 2000');
SELECT is((SELECT (c ->> 'ltv')::numeric FROM sc), 400.00, 'summary: LTV = ARPU 100 / churn 25 % = 400.00');
SELECT is((SELECT (c ->> 'ltv_cac_ratio')::numeric FROM sc), 1.60, 'summary: LTV:CAC = 400/250 = 1.60');
SELECT is((SELECT (c ->> 'gross_margin_pct')::numeric FROM sc), 80.00, 'summary: gross margin 80 %');
SELECT is((SELECT (c ->> 'new_customer_arpu')::numeric FROM sc), 62.50, 'summary: new-payer ARPU 62.50');
SELECT is((SELECT (c ->> 'cac_payback_months')::numeric FROM sc), 5.0, 'summary: CAC payback 250/(62.50 × 0.8) = 5.0');
SELECT is((SELECT (x ->> 'spend')::numeric FROM sp WHERE platform = 'meta'), 400.00, 'summary: meta spend 400.00');
SELECT is((SELECT (x ->> 'share_pct')::numeric FROM sp WHERE platform = 'meta'), 40.00, 'summary: meta share 40 %');
SELECT is((SELECT (x ->> 'cpc')::numeric FROM sp WHERE platform = 'meta'), 1.00, 'summary: meta CPC 1.00');
SELECT is((SELECT (x ->> 'ctr_pct')::numeric FROM sp WHERE platform = 'meta'), 2.00, 'summary: meta CTR 2 %');
SELECT is((SELECT (x ->> 'cpa')::numeric FROM sp WHERE platform = 'meta'), 400.00, 'summary: meta CPA 400/1');
SELECT is((SELECT (x ->> 'roas')::numeric FROM sp WHERE platform = 'meta'), 1.50, 'summary: meta ROAS 600/400 = 1.50');
SELECT is((SELECT (x ->> 'roas')::numeric FROM sp WHERE platform = 'google'), 2.00, 'summary: google ROAS 1000/500 = 2.00');
SELECT is((SELECT (x ->> 'cpa')::numeric FROM sp WHERE platform = 'google'), 250.00, 'summary: google CPA 500/2');
SELECT is((SELECT x -> 'cpc' FROM sp WHERE platform = 'tiktok'), 'null'::jsonb, 'summary: tiktok has zero clicks, so CPC is null');
SELECT is((SELECT (x ->> 'ctr_pct')::numeric FROM sp WHERE platform = 'tiktok'), 0.00, 'summary: tiktok CTR 0 %');
SELECT is((SELECT (x ->> 'roas')::numeric FROM sp WHERE platform = 'tiktok'), 0.00, 'summary: tiktok ROAS 0');
SELECT is((SELECT x -> 'roas' FROM sp WHERE platform = 'linkedin'), 'null'::jsonb, 'summary: linkedin no spend, ROAS null');
SELECT is((SELECT count(*) FROM sp), 4::bigint, 'summary: all four platforms listed');
SELECT is((SELECT (p ->> 'spend')::numeric FROM sc), 156.25, 'summary previous: spend 156.25');
SELECT is((SELECT (p ->> 'cac')::numeric FROM sc), 156.25, 'summary previous: CAC 156.25 (1 new payer)');
SELECT is((SELECT p ->> 'from' FROM sc), '2001-01-01', 'summary previous: starts 2001-01-01');
SELECT is((SELECT p -> 'cost_per_mql' FROM sc), 'null'::jsonb, 'summary previous: no MQLs, cost per MQL null');

-- ---------------------------------------------------------------- spend
CREATE TEMP TABLE sd ON COMMIT DROP AS
SELECT x FROM jsonb_array_elements(api.marketing_spend(1, 'ceo', 'day', '2001-01-08', '2001-01-14', NULL)::jsonb -> 'rows') x;
SELECT is((SELECT count(*) FROM sd), 28::bigint, 'spend by day: 7 days × 4 platforms');
SELECT is((SELECT (x ->> 'spend')::numeric FROM sd WHERE x ->> 'bucket' = '2001-01-08' AND x ->> 'platform' = 'meta'),
          300.00, 'spend by day: meta on 01-08 = 300.00');
SELECT is((SELECT sum((x ->> 'spend')::numeric) FROM sd), 1000.00, 'spend by day: rows add up to 1000.00');
CREATE TEMP TABLE sw ON COMMIT DROP AS
SELECT x FROM jsonb_array_elements(api.marketing_spend(1, 'ceo', 'week', '2001-01-08', '2001-01-14', NULL)::jsonb -> 'rows') x;
SELECT is((SELECT count(*) FROM sw), 4::bigint, 'spend by week: one week × 4 platforms');
SELECT is((SELECT x FROM sw WHERE x ->> 'platform' = 'google'),
          '{"bucket": "2001-01-08", "platform": "google", "spend": 500.00, "impressions": 5000, "clicks": 250,
            "ctr_pct": 5.00, "cpc": 2.00, "platform_conversions": 20, "conversions": 2}'::jsonb,
          'spend by week: google row 500.00, CTR 5 %, CPC 2.00, 20 platform and 2 attributed conversions');
SELECT is((SELECT x -> 'cpc' FROM sw WHERE x ->> 'platform' = 'tiktok'), 'null'::jsonb, 'spend by week: tiktok CPC null');
SELECT is((SELECT count(*) FROM jsonb_array_elements(api.marketing_spend(1, 'ceo', 'month', '2000-12-20', '2001-01-14', NULL)::jsonb -> 'rows')),
          8::bigint, 'spend by month: December and January × 4 platforms');

-- ---------------------------------------------------------------- campaigns
CREATE TEMP TABLE cp ON COMMIT DROP AS
SELECT api.marketing_campaigns(1, 'ceo', NULL, NULL, 'roas', 50, 0, '2001-01-08', '2001-01-14', NULL)::jsonb AS j;
CREATE TEMP TABLE cpx ON COMMIT DROP AS
SELECT (x ->> 'id')::int AS id, x FROM cp, jsonb_array_elements(j -> 'campaigns') x;
SELECT is((SELECT (j ->> 'total')::int FROM cp), 3, 'campaigns: c4 starts after the window, 3 listed');
SELECT is((SELECT array_agg(id ORDER BY ord) FROM cp, jsonb_array_elements(j -> 'campaigns') WITH ORDINALITY a(x, ord),
           LATERAL (SELECT (x ->> 'id')::int AS id) i),
          ARRAY[2, 1, 3], 'campaigns: sorted by ROAS 2.00, 1.50, 0.00');
SELECT is((SELECT (x ->> 'spend')::numeric FROM cpx WHERE id = 1), 400.00, 'campaigns: c1 spend 400.00');
SELECT is((SELECT (x ->> 'attributed_revenue')::numeric FROM cpx WHERE id = 1), 600.00, 'campaigns: c1 revenue 600.00');
SELECT is((SELECT (x ->> 'roas')::numeric FROM cpx WHERE id = 1), 1.50, 'campaigns: c1 ROAS 1.50');
SELECT is((SELECT (x ->> 'roi_pct')::numeric FROM cpx WHERE id = 1), 50.00, 'campaigns: c1 ROI 50 %');
SELECT is((SELECT (x ->> 'budget_used_pct')::numeric FROM cpx WHERE id = 1), 55.63, 'campaigns: c1 budget used 556.25/1000 = 55.63 %');
SELECT is((SELECT (x ->> 'spend_to_date')::numeric FROM cpx WHERE id = 1), 556.25, 'campaigns: c1 spend to date 556.25');
SELECT is((SELECT (x ->> 'ctr_pct')::numeric FROM cpx WHERE id = 1), 2.00, 'campaigns: c1 CTR 2 %');
SELECT is((SELECT (x ->> 'cpc')::numeric FROM cpx WHERE id = 1), 1.00, 'campaigns: c1 CPC 1.00');
SELECT is((SELECT (x ->> 'cpa')::numeric FROM cpx WHERE id = 1), 400.00, 'campaigns: c1 CPA 400.00');
SELECT is((SELECT (x ->> 'conversions')::int FROM cpx WHERE id = 1), 1, 'campaigns: c1 one attributed conversion');
SELECT is((SELECT (x ->> 'roi_pct')::numeric FROM cpx WHERE id = 2), 100.00, 'campaigns: c2 ROI 100 %');
SELECT is((SELECT (x ->> 'budget_used_pct')::numeric FROM cpx WHERE id = 2), 100.00, 'campaigns: c2 budget fully used');
SELECT is((SELECT x -> 'cpc' FROM cpx WHERE id = 3), 'null'::jsonb, 'campaigns: c3 zero clicks, CPC null');
SELECT is((SELECT (x ->> 'roi_pct')::numeric FROM cpx WHERE id = 3), -100.00, 'campaigns: c3 ROI -100 %');
SELECT is((SELECT x -> 'cpa' FROM cpx WHERE id = 3), 'null'::jsonb, 'campaigns: c3 no conversion, CPA null');
SELECT is((SELECT jsonb_path_query_array(api.marketing_campaigns(1, 'ceo', NULL, 'brand', 'spend', 50, 0, '2001-01-08', '2001-01-14', NULL)::jsonb,
                                         '$.campaigns[*].id')),
          '[2, 1]'::jsonb, 'campaigns: tag=brand gives c2, c1 by spend');
SELECT is((SELECT jsonb_path_query_array(api.marketing_campaigns(1, 'ceo', 'tiktok', NULL, 'spend', 50, 0, '2001-01-08', '2001-01-14', NULL)::jsonb,
                                         '$.campaigns[*].id')),
          '[3]'::jsonb, 'campaigns: platform=tiktok gives c3');
SELECT is((SELECT jsonb_path_query_array(api.marketing_campaigns(1, 'ceo', NULL, NULL, 'spend', 1, 1, '2001-01-08', '2001-01-14', NULL)::jsonb,
                                         '$.campaigns[*].id')),
          '[1]'::jsonb, 'campaigns: limit 1 offset 1 by spend gives the second, c1');

-- ---------------------------------------------------------------- cac
CREATE TEMP TABLE cw ON COMMIT DROP AS
SELECT x FROM jsonb_array_elements(api.marketing_cac(1, 'ceo', 'week', '2001-01-08', '2001-01-14', NULL)::jsonb -> 'buckets') x;
SELECT is((SELECT count(*) FROM cw), 1::bigint, 'cac by week: one bucket');
SELECT is((SELECT (x ->> 'cac')::numeric FROM cw), 250.00, 'cac by week: week of 01-08 CAC 250.00');
SELECT is((SELECT (x ->> 'previous_cac')::numeric FROM cw), 156.25, 'cac by week: the week before 156.25');
SELECT is((SELECT (x ->> 'change_pct')::numeric FROM cw), 60.00, 'cac by week: CAC rises by exactly 60 %');
SELECT is((SELECT (x ->> 'complete')::boolean FROM cw), true, 'cac by week: the week is complete');
CREATE TEMP TABLE cm ON COMMIT DROP AS
SELECT x FROM jsonb_array_elements(api.marketing_cac(1, 'ceo', 'month', '2001-01-01', '2001-01-14', NULL)::jsonb -> 'buckets') x;
SELECT is((SELECT x FROM cm),
          '{"bucket": "2001-01-01", "last_day": "2001-01-14", "complete": false, "spend": 1156.25, "new_customers": 5,
            "cac": 231.25, "previous_cac": null, "change_pct": null}'::jsonb,
          'cac by month: January cut at 01-14, 1156.25/5 = 231.25, December had no new payer');

-- ---------------------------------------------------------------- funnel
CREATE TEMP TABLE fu ON COMMIT DROP AS
SELECT api.marketing_funnel(1, 'ceo', '2001-01-08', '2001-01-14', NULL)::jsonb AS j;
SELECT is((SELECT jsonb_path_query_array(j, '$.steps[*].count') FROM fu), '[10, 4, 2, 1]'::jsonb, 'funnel: 10 → 4 → 2 → 1');
SELECT is((SELECT jsonb_path_query_array(j, '$.steps[*].step_conversion_pct') FROM fu),
          '[null, 40.00, 50.00, 50.00]'::jsonb, 'funnel: step conversion null, 40 %, 50 %, 50 %');
SELECT is((SELECT (j #>> '{current,conversion_rate_pct}')::numeric FROM fu), 10.00, 'funnel: conversion rate 1/10 = 10 %');
SELECT is((SELECT (j #>> '{current,add_to_cart_rate_pct}')::numeric FROM fu), 40.00, 'funnel: add-to-cart rate 40 %');
SELECT is((SELECT (j #>> '{current,cart_abandonment_rate_pct}')::numeric FROM fu), 75.00, 'funnel: cart abandonment (4-1)/4 = 75 %');
SELECT is((SELECT j #> '{previous,conversion_rate_pct}' FROM fu), 'null'::jsonb, 'funnel previous: no sessions, rate null');

-- ---------------------------------------------------------------- traffic
CREATE TEMP TABLE tr ON COMMIT DROP AS
SELECT api.marketing_traffic(1, 'ceo', '2001-01-08', '2001-01-14', NULL)::jsonb AS j;
CREATE TEMP TABLE trs ON COMMIT DROP AS SELECT x ->> 'source' AS source, x FROM tr, jsonb_array_elements(j -> 'sources') x;
SELECT is((SELECT (j ->> 'sessions')::int FROM tr), 10, 'traffic: 10 sessions');
SELECT is((SELECT (j ->> 'bounce_rate_pct')::numeric FROM tr), 70.00, 'traffic: bounce rate 7/10 = 70 %');
SELECT is((SELECT (j ->> 'conversion_rate_pct')::numeric FROM tr), 10.00, 'traffic: website conversion 1/10 = 10 %');
SELECT is((SELECT jsonb_agg(source) FROM trs), '["google", "meta", "unknown"]'::jsonb, 'traffic: sources by sessions');
SELECT is((SELECT (x ->> 'bounce_rate_pct')::numeric FROM trs WHERE source = 'google'), 66.67, 'traffic: google bounce 4/6');
SELECT is((SELECT (x ->> 'conversion_rate_pct')::numeric FROM trs WHERE source = 'google'), 16.67, 'traffic: google conversion 1/6');
SELECT is((SELECT (x ->> 'share_pct')::numeric FROM trs WHERE source = 'meta'), 30.00, 'traffic: meta share 3/10');
SELECT is((SELECT (x ->> 'bounce_rate_pct')::numeric FROM trs WHERE source = 'unknown'), 100.00, 'traffic: no-source session bounced');

-- ---------------------------------------------------------------- leads
CREATE TEMP TABLE le ON COMMIT DROP AS
SELECT api.marketing_leads(4, 'sales', '2001-01-08', '2001-01-14', NULL)::jsonb AS j;
SELECT is((SELECT j -> 'totals' FROM le),
          '{"leads": 5, "mqls": 4, "sqls": 2, "customers": 3, "lead_to_customer_pct": 60.00}'::jsonb,
          'leads: 5 leads, 4 MQLs, 2 SQLs, 3 customers = 60 %');
SELECT is((SELECT x FROM le, jsonb_array_elements(j -> 'by_channel') x WHERE x ->> 'channel' = 'organic'),
          '{"channel": "organic", "leads": 2, "mqls": 2, "sqls": 1, "customers": 1, "lead_to_customer_pct": 50.00}'::jsonb,
          'leads: organic 2/2/1/1 = 50 %');
SELECT is((SELECT x FROM le, jsonb_array_elements(j -> 'by_channel') x WHERE x ->> 'channel' = 'paid_search'),
          '{"channel": "paid_search", "leads": 2, "mqls": 1, "sqls": 0, "customers": 1, "lead_to_customer_pct": 50.00}'::jsonb,
          'leads: paid_search 2/1/0/1 = 50 %');
SELECT is((SELECT x FROM le, jsonb_array_elements(j -> 'rows') x WHERE x ->> 'campaign_id' = '1'),
          '{"channel": "paid_social", "campaign_id": 1, "campaign": "Meta A", "platform": "meta", "leads": 1, "mqls": 1,
            "sqls": 1, "customers": 1, "lead_to_customer_pct": 100.00}'::jsonb,
          'leads: campaign row Meta A 1/1/1/1');
SELECT is((SELECT jsonb_array_length(j -> 'rows') FROM le), 3, 'leads: rows per channel × campaign: organic, c2, c1');

-- ---------------------------------------------------------------- bad input and incremental refresh
SELECT throws_ok($$SELECT api.marketing_summary(1, 'ceo', '2001-02-01', '2001-01-01', NULL)$$, '22023', NULL,
                 'summary: from after to is a 22023 (HTTP 400)');
SELECT throws_ok($$SELECT api.marketing_cac(1, 'ceo', 'week', '2000-01-01', '2003-12-31', NULL)$$, '22023', NULL,
                 'cac: a range over 1096 days is a 22023 (HTTP 400)');

-- A late order for cu2 on 01-11: rollup_refresh() recomputes that day (in a later transaction in real
-- life, hence the later refreshed_at emulated here); marketing_refresh follows it.
INSERT INTO orders (customer_id, ordered_at, source, total_cents) VALUES (2, '2001-01-11 15:00Z', 'api', 12345);
DO $$ BEGIN PERFORM rollup_compute_range('2001-01-11', '2001-01-11'); END $$;
UPDATE metrics_daily SET refreshed_at = refreshed_at + interval '1 second' WHERE day = '2001-01-11';
SELECT is(marketing_refresh(), 1, 'incremental: only the recomputed day is refreshed');
SELECT is((SELECT (x ->> 'attributed_revenue')::numeric
           FROM jsonb_array_elements(api.marketing_campaigns(1, 'ceo', 'google', NULL, 'spend', 50, 0,
                                                             '2001-01-08', '2001-01-14', NULL)::jsonb -> 'campaigns') x),
          1123.45, 'incremental: c2 attributed revenue 1000.00 + 123.45');

SELECT * FROM finish();
ROLLBACK;
