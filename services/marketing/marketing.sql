-- marketing.sql — the SQL behind services/marketing: one function per endpoint, each returning
-- the endpoint's whole JSON answer.  Formulas and the attribution rule are in docs/metrics.md
-- ("## Marketing"); the answers are described in docs/api/marketing.md.  Windows are reporting-zone
-- days [from, to], both inclusive; the previous period is the same number of days just before.
-- Sources: ad_spend (small: one row per campaign and day), the rollups metrics_daily,
-- marketing_traffic_daily and marketing_campaign_daily (sql/schema/530_marketing.sql), and small
-- indexed slices of customers, leads and subscriptions.  Never the events table.
CREATE SCHEMA IF NOT EXISTS api;

-- Cents per unit as money, NULL when there are no units (CAC, CPC, CPA, cost per MQL).
CREATE OR REPLACE FUNCTION api.marketing_per(p_cents numeric, p_units numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$ SELECT api.money(p_cents / nullif(p_units, 0)) $$;

-- LTV inputs for the last calendar month that ended on or before p_to, and before today (month M:
-- a month is over only once its last day has passed in the reporting zone): ARPU = MRR ÷
-- paying customers on the last day of M; logo churn = customers paying on the day before M
-- starts who pay nothing on its last day ÷ customers paying on that day before; LTV = ARPU ÷ churn.
-- From the month's stored MRR movements (revenue_movement_pairs, the data layer's one reader).
CREATE OR REPLACE FUNCTION api.marketing_ltv(p_to date, OUT month date, OUT arpu_cents numeric,
                                             OUT churn_rate numeric, OUT ltv_cents numeric)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  m_end   date := (date_trunc('month', least(p_to, api.today() - 1) + 1))::date - 1;
  m_base  date := (date_trunc('month', m_end))::date - 1;
  x       record;
BEGIN
  month := m_base + 1;
  SELECT s.start_customers AS payers0, s.churn_n AS churned, s.end_customers AS payers1, s.end_cents AS mrr1
    INTO x FROM revenue_movement_pairs(ARRAY[m_base], ARRAY[m_end]) s;
  arpu_cents := x.mrr1::numeric / nullif(x.payers1, 0);
  churn_rate := x.churned::numeric / nullif(x.payers0, 0);
  ltv_cents := arpu_cents / nullif(churn_rate, 0);
END $$;

-- All summary figures of one window (used for the window and for the previous period).
CREATE OR REPLACE FUNCTION api.marketing_period(p_from date, p_to date) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
  lo_ts  timestamptz := ns_day_start(p_from);
  hi_ts  timestamptz := ns_day_start(p_to + 1);
  md     record;
  t      record;
  nw     record;
  ltv    record;
  plats  json;
  cac    numeric;
  gm     numeric;
BEGIN
  SELECT coalesce(sum(m.revenue_cents), 0) AS revenue, coalesce(sum(m.net_revenue_cents), 0) AS net,
         coalesce(sum(m.cogs_cents), 0) AS cogs, coalesce(sum(m.new_paying_customers), 0) AS new_payers,
         coalesce(sum(m.mqls), 0) AS mqls
    INTO md FROM metrics_daily m WHERE m.day BETWEEN p_from AND p_to;

  -- per platform: ad_spend, attributed revenue (pre-aggregate) and attributed new payers
  WITH p(platform, ord) AS (VALUES ('meta', 1), ('tiktok', 2), ('google', 3), ('linkedin', 4)),
  a AS (SELECT platform, sum(spend_cents) AS spend, sum(impressions) AS impressions,
               sum(clicks) AS clicks, sum(conversions) AS pconv
          FROM ad_spend WHERE day BETWEEN p_from AND p_to GROUP BY platform),
  r AS (SELECT c.platform, sum(d.revenue_cents) AS revenue
          FROM marketing_campaign_daily d JOIN campaigns c ON c.id = d.campaign_id
         WHERE d.day BETWEEN p_from AND p_to GROUP BY c.platform),
  v AS (SELECT c.platform, count(*) AS conv
          FROM customers cu JOIN campaigns c ON c.id = cu.campaign_id
         WHERE cu.converted_at >= lo_ts AND cu.converted_at < hi_ts GROUP BY c.platform),
  j AS (SELECT p.platform, p.ord, coalesce(a.spend, 0) AS spend, coalesce(a.impressions, 0) AS impressions,
               coalesce(a.clicks, 0) AS clicks, coalesce(a.pconv, 0) AS pconv,
               coalesce(r.revenue, 0) AS revenue, coalesce(v.conv, 0) AS conv,
               sum(coalesce(a.spend, 0)) OVER () AS total
          FROM p LEFT JOIN a USING (platform) LEFT JOIN r USING (platform) LEFT JOIN v USING (platform))
  SELECT sum(spend) AS spend, sum(impressions) AS impressions, sum(clicks) AS clicks, sum(pconv) AS pconv,
         sum(revenue) AS revenue, sum(conv) AS conv,
         json_agg(json_build_object(
           'platform', platform, 'spend', api.money(spend),
           'share_pct', api.pct(spend, total),
           'impressions', impressions, 'clicks', clicks, 'ctr_pct', api.pct(clicks, impressions),
           'cpc', api.marketing_per(spend, clicks), 'platform_conversions', pconv,
           'conversions', conv, 'cpa', api.marketing_per(spend, conv),
           'attributed_revenue', api.money(revenue), 'roas', api.ratio(revenue, spend))
           ORDER BY ord) AS platforms
    INTO t FROM j;

  -- new payers of the window and their MRR on p_to (for the CAC payback)
  SELECT count(*) AS n, coalesce(sum(m.mrr_cents), 0) AS mrr
    INTO nw
    FROM customers cu
    LEFT JOIN LATERAL (SELECT sum(r.mrr_cents) AS mrr_cents FROM mrr_rows(ARRAY[p_to]) r
                        WHERE r.customer_id = cu.id) m ON true
   WHERE cu.converted_at >= lo_ts AND cu.converted_at < hi_ts;

  ltv := api.marketing_ltv(p_to);
  cac := t.spend::numeric / nullif(md.new_payers, 0);
  gm := CASE WHEN md.net > 0 THEN (md.net - md.cogs)::numeric / md.net END;

  RETURN json_build_object(
    'from', p_from, 'to', p_to,
    'spend', api.money(t.spend),
    'by_platform', t.platforms,
    'impressions', t.impressions, 'clicks', t.clicks,
    'ctr_pct', api.pct(t.clicks, t.impressions),
    'cpc', api.marketing_per(t.spend, t.clicks),
    'platform_conversions', t.pconv,
    'conversions', t.conv,
    'cpa', api.marketing_per(t.spend, t.conv),
    'attributed_revenue', api.money(t.revenue),
    'roas', api.ratio(t.revenue, t.spend),
    'revenue', api.money(md.revenue),
    'blended_roas', api.ratio(md.revenue, t.spend),
    'new_customers', md.new_payers,
    'cac', api.money(cac),
    'mqls', md.mqls,
    'cost_per_mql', api.marketing_per(t.spend, md.mqls),
    'ltv_month', to_char(ltv.month, 'YYYY-MM'),
    'ltv', api.money(ltv.ltv_cents),
    'ltv_cac_ratio', api.ratio(ltv.ltv_cents, cac),
    'gross_margin_pct', round(gm * 100, 2),
    'new_customer_arpu', api.marketing_per(nw.mrr, nw.n),
    'cac_payback_months', api.ratio(cac, (nw.mrr::numeric / nullif(nw.n, 0)) * gm, 1));
END $$;

-- GET /api/marketing/summary: the window's spend, efficiency and payback figures with the
-- previous period's values under "previous".
CREATE OR REPLACE FUNCTION api.marketing_summary(p_user int, p_role text, p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  r  record := api.range(p_from, p_to, p_days);
  n  int := r.d_to - r.d_from + 1;
BEGIN
  RETURN json_build_object('days', n, 'current', api.marketing_period(r.d_from, r.d_to),
                           'previous', api.marketing_period(r.d_from - n, r.d_from - 1));
END $$;

-- GET /api/marketing/spend: ad spend, impressions, clicks and conversions per bucket (day, ISO week
-- starting Monday, or calendar month) and platform; every platform appears in every bucket.
-- Buckets are clipped to the window: the first and last week/month may hold fewer days.
CREATE OR REPLACE FUNCTION api.marketing_spend(p_user int, p_role text, p_granularity text,
                                               p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  r     record := api.range(p_from, p_to, p_days);
  g     text := coalesce(p_granularity, 'day');
  lo_ts timestamptz := ns_day_start(r.d_from);
  hi_ts timestamptz := ns_day_start(r.d_to + 1);
  res   json;
BEGIN
  WITH p(platform, ord) AS (VALUES ('meta', 1), ('tiktok', 2), ('google', 3), ('linkedin', 4)),
  b AS (SELECT DISTINCT date_trunc(g, d)::date AS bucket
          FROM generate_series(r.d_from, r.d_to, interval '1 day') d),
  a AS (SELECT date_trunc(g, day)::date AS bucket, platform, sum(spend_cents) AS spend,
               sum(impressions) AS impressions, sum(clicks) AS clicks, sum(conversions) AS pconv
          FROM ad_spend WHERE day BETWEEN r.d_from AND r.d_to GROUP BY 1, 2),
  v AS (SELECT date_trunc(g, ns_day(cu.converted_at))::date AS bucket, c.platform, count(*) AS conv
          FROM customers cu JOIN campaigns c ON c.id = cu.campaign_id
         WHERE cu.converted_at >= lo_ts AND cu.converted_at < hi_ts GROUP BY 1, 2),
  rows AS (SELECT b.bucket, p.platform, p.ord, coalesce(a.spend, 0) AS spend,
                  coalesce(a.impressions, 0) AS impressions, coalesce(a.clicks, 0) AS clicks,
                  coalesce(a.pconv, 0) AS pconv, coalesce(v.conv, 0) AS conv
             FROM b CROSS JOIN p
             LEFT JOIN a ON a.bucket = b.bucket AND a.platform = p.platform
             LEFT JOIN v ON v.bucket = b.bucket AND v.platform = p.platform)
  SELECT json_build_object(
           'from', r.d_from, 'to', r.d_to, 'granularity', g,
           'total_spend', api.money(sum(spend)),
           'rows', coalesce(json_agg(json_build_object(
             'bucket', bucket, 'platform', platform, 'spend', api.money(spend),
             'impressions', impressions, 'clicks', clicks, 'ctr_pct', api.pct(clicks, impressions),
             'cpc', api.marketing_per(spend, clicks),
             'platform_conversions', pconv, 'conversions', conv) ORDER BY bucket, ord), '[]'))
    INTO res FROM rows;
  RETURN res;
END $$;

-- GET /api/marketing/campaigns: per campaign running in the window (started_on <= to and not
-- ended before from), optionally one platform and/or one tag; spend and attributed revenue in the
-- window, budget used = spend from the start through `to` ÷ budget.  Sorted descending by roas,
-- spend or roi (NULLs last, then by id); total counts the filtered campaigns before paging.
CREATE OR REPLACE FUNCTION api.marketing_campaigns(p_user int, p_role text, p_platform text, p_tag text,
                                                   p_sort text, p_limit int, p_offset int,
                                                   p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  r     record := api.range(p_from, p_to, p_days);
  srt   text := coalesce(p_sort, 'spend');
  lim   int := coalesce(p_limit, 50);
  off   int := coalesce(p_offset, 0);
  lo_ts timestamptz := ns_day_start(r.d_from);
  hi_ts timestamptz := ns_day_start(r.d_to + 1);
  res   json;
BEGIN
  WITH c AS (SELECT * FROM campaigns c
              WHERE c.started_on <= r.d_to AND (c.ended_on IS NULL OR c.ended_on >= r.d_from)
                AND (p_platform IS NULL OR c.platform = p_platform)
                AND (p_tag IS NULL OR p_tag = ANY (c.tags))),
  m AS (SELECT c.*,
               coalesce(a.spend, 0) AS spend, coalesce(a.impressions, 0) AS impressions,
               coalesce(a.clicks, 0) AS clicks, coalesce(a.pconv, 0) AS pconv,
               coalesce(a.lifetime, 0) AS lifetime,
               coalesce(rv.revenue, 0) AS revenue, coalesce(rv.orders, 0) AS orders,
               coalesce(cv.conv, 0) AS conv
          FROM c
          LEFT JOIN LATERAL (SELECT sum(s.spend_cents) FILTER (WHERE s.day >= r.d_from) AS spend,
                                    sum(s.impressions) FILTER (WHERE s.day >= r.d_from) AS impressions,
                                    sum(s.clicks) FILTER (WHERE s.day >= r.d_from) AS clicks,
                                    sum(s.conversions) FILTER (WHERE s.day >= r.d_from) AS pconv,
                                    sum(s.spend_cents) AS lifetime
                               FROM ad_spend s WHERE s.campaign_id = c.id AND s.day <= r.d_to) a ON true
          LEFT JOIN LATERAL (SELECT sum(d.revenue_cents) AS revenue, sum(d.orders) AS orders
                               FROM marketing_campaign_daily d
                              WHERE d.campaign_id = c.id AND d.day BETWEEN r.d_from AND r.d_to) rv ON true
          LEFT JOIN LATERAL (SELECT count(*) AS conv FROM customers cu
                              WHERE cu.campaign_id = c.id
                                AND cu.converted_at >= lo_ts AND cu.converted_at < hi_ts) cv ON true),
  k AS (SELECT m.*, m.revenue::numeric / nullif(m.spend, 0) AS roas_x,
               (m.revenue - m.spend)::numeric / nullif(m.spend, 0) AS roi_x
          FROM m),
  o AS (SELECT k.*, row_number() OVER (ORDER BY
                 CASE srt WHEN 'roas' THEN k.roas_x WHEN 'roi' THEN k.roi_x ELSE k.spend END DESC NULLS LAST,
                 k.id) AS rn
          FROM k)
  SELECT json_build_object(
           'from', r.d_from, 'to', r.d_to, 'sort', srt, 'limit', lim, 'offset', off,
           'total', (SELECT count(*) FROM o),
           'campaigns', coalesce(json_agg(json_build_object(
              'id', o.id, 'name', o.name, 'platform', o.platform, 'tags', o.tags,
              'started_on', o.started_on, 'ended_on', o.ended_on,
              'budget', api.money(o.budget_cents), 'spend', api.money(o.spend),
              'spend_to_date', api.money(o.lifetime),
              'budget_used_pct', api.pct(o.lifetime, o.budget_cents),
              'attributed_revenue', api.money(o.revenue), 'attributed_orders', o.orders,
              'roas', round(o.roas_x, 2), 'roi_pct', round(o.roi_x * 100, 2),
              'impressions', o.impressions, 'clicks', o.clicks, 'ctr_pct', api.pct(o.clicks, o.impressions),
              'cpc', api.marketing_per(o.spend, o.clicks),
              'platform_conversions', o.pconv, 'conversions', o.conv,
              'cpa', api.marketing_per(o.spend, o.conv)) ORDER BY o.rn)
              FILTER (WHERE o.rn > off AND o.rn <= off + lim), '[]'))
    INTO res FROM o;
  RETURN res;
END $$;

-- GET /api/marketing/cac: CAC (ad spend ÷ new paying customers) per ISO week (Monday) or
-- calendar month.  Buckets are whole weeks/months that overlap the window (the first starts on or
-- before `from`); a bucket not yet over by `to` is cut at `to`; complete = false unless the bucket
-- lies within the window and has ended (its last day is before today in the reporting zone).
-- change_pct compares with the bucket before, also for the first bucket.
CREATE OR REPLACE FUNCTION api.marketing_cac(p_user int, p_role text, p_granularity text,
                                             p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  g     text := coalesce(p_granularity, 'week');
  r     record := api.range(p_from, p_to, p_days, CASE g WHEN 'month' THEN 365 ELSE 84 END);
  step  interval := CASE g WHEN 'month' THEN interval '1 month' ELSE interval '1 week' END;
  first date := date_trunc(g, r.d_from)::date;
  res   json;
BEGIN
  WITH b AS (SELECT s::date AS bucket, least((s + step)::date - 1, r.d_to) AS last_day,
                    (s + step)::date - 1 <= r.d_to AND (s + step)::date - 1 < api.today() AS complete
               FROM generate_series((first - step)::date, r.d_to, step) s),
  v AS (SELECT b.*, coalesce(sum(m.ad_spend_cents), 0) AS spend,
               coalesce(sum(m.new_paying_customers), 0) AS payers
          FROM b LEFT JOIN metrics_daily m ON m.day BETWEEN b.bucket AND b.last_day
         GROUP BY b.bucket, b.last_day, b.complete),
  w AS (SELECT v.*, v.spend::numeric / nullif(v.payers, 0) AS cac,
               lag(v.spend::numeric / nullif(v.payers, 0)) OVER (ORDER BY v.bucket) AS prev_cac
          FROM v)
  SELECT json_build_object(
           'from', r.d_from, 'to', r.d_to, 'granularity', g,
           'buckets', coalesce(json_agg(json_build_object(
              'bucket', w.bucket, 'last_day', w.last_day, 'complete', w.complete,
              'spend', api.money(w.spend), 'new_customers', w.payers, 'cac', api.money(w.cac),
              'previous_cac', api.money(w.prev_cac),
              'change_pct', api.pct_change(round(w.cac, 4), round(w.prev_cac, 4)))
              ORDER BY w.bucket) FILTER (WHERE w.bucket >= first), '[]'))
    INTO res FROM w;
  RETURN res;
END $$;

-- One window of the shop funnel from metrics_daily (event counts).
CREATE OR REPLACE FUNCTION api.marketing_funnel_period(p_from date, p_to date) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
           'from', p_from, 'to', p_to,
           'steps', json_build_array(
              json_build_object('step', 'session', 'count', s, 'step_conversion_pct', NULL, 'pct_of_sessions', api.pct(s, s)),
              json_build_object('step', 'add_to_cart', 'count', a, 'step_conversion_pct', api.pct(a, s), 'pct_of_sessions', api.pct(a, s)),
              json_build_object('step', 'checkout', 'count', c, 'step_conversion_pct', api.pct(c, a), 'pct_of_sessions', api.pct(c, s)),
              json_build_object('step', 'order', 'count', o, 'step_conversion_pct', api.pct(o, c), 'pct_of_sessions', api.pct(o, s))),
           'sessions', s, 'add_to_carts', a, 'checkouts', c, 'orders', o,
           'conversion_rate_pct', api.pct(o, s),
           'add_to_cart_rate_pct', api.pct(a, s),
           'cart_abandonment_rate_pct', api.pct(a - o, a))
    FROM (SELECT coalesce(sum(sessions), 0) AS s, coalesce(sum(add_to_carts), 0) AS a,
                 coalesce(sum(checkouts), 0) AS c, coalesce(sum(event_orders), 0) AS o
            FROM metrics_daily WHERE day BETWEEN p_from AND p_to) x
$$;

-- GET /api/marketing/funnel: sessions → add to cart → checkout → order for the window, with the
-- previous period.  csv exports the window's steps.
CREATE OR REPLACE FUNCTION api.marketing_funnel(p_user int, p_role text, p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  r    record := api.range(p_from, p_to, p_days);
  n    int := r.d_to - r.d_from + 1;
  cur  json := api.marketing_funnel_period(r.d_from, r.d_to);
BEGIN
  RETURN json_build_object('days', n, 'from', r.d_from, 'to', r.d_to, 'steps', cur -> 'steps',
                           'current', cur, 'previous', api.marketing_funnel_period(r.d_from - n, r.d_from - 1));
END $$;

-- One window of traffic by source from marketing_traffic_daily.
CREATE OR REPLACE FUNCTION api.marketing_traffic_period(p_from date, p_to date) RETURNS json
LANGUAGE sql STABLE AS $$
  WITH s AS (SELECT source, sum(sessions) AS sessions, sum(bounced_sessions) AS bounced,
                    sum(converted_sessions) AS converted
               FROM marketing_traffic_daily WHERE day BETWEEN p_from AND p_to GROUP BY source)
  SELECT json_build_object(
           'from', p_from, 'to', p_to,
           'sessions', coalesce(sum(sessions), 0),
           'bounced_sessions', coalesce(sum(bounced), 0),
           'bounce_rate_pct', api.pct(sum(bounced), sum(sessions)),
           'converted_sessions', coalesce(sum(converted), 0),
           'conversion_rate_pct', api.pct(sum(converted), sum(sessions)),
           'sources', coalesce(json_agg(json_build_object(
              'source', source, 'sessions', sessions,
              'share_pct', api.pct(sessions, (SELECT sum(sessions) FROM s)),
              'bounced_sessions', bounced, 'bounce_rate_pct', api.pct(bounced, sessions),
              'converted_sessions', converted, 'conversion_rate_pct', api.pct(converted, sessions))
              ORDER BY sessions DESC, source), '[]'))
    FROM s
$$;

-- GET /api/marketing/traffic: sessions by traffic source, bounce rate and website conversion
-- rate (sessions with an order ÷ sessions), with the previous period.
CREATE OR REPLACE FUNCTION api.marketing_traffic(p_user int, p_role text, p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  r    record := api.range(p_from, p_to, p_days);
  n    int := r.d_to - r.d_from + 1;
  cur  json := api.marketing_traffic_period(r.d_from, r.d_to);
  prv  json := api.marketing_traffic_period(r.d_from - n, r.d_from - 1);
BEGIN
  RETURN json_build_object(
    'days', n, 'from', r.d_from, 'to', r.d_to,
    'sessions', cur -> 'sessions', 'bounce_rate_pct', cur -> 'bounce_rate_pct',
    'conversion_rate_pct', cur -> 'conversion_rate_pct', 'sources', cur -> 'sources',
    'previous', json_build_object('from', prv -> 'from', 'to', prv -> 'to', 'sessions', prv -> 'sessions',
                                  'bounce_rate_pct', prv -> 'bounce_rate_pct',
                                  'conversion_rate_pct', prv -> 'conversion_rate_pct'));
END $$;

-- GET /api/marketing/leads: leads (created_at in the window), MQLs (mql_at in the window), SQLs
-- (sql_at in the window) and customers (leads created in the window that have a customer_id), by
-- channel and by channel × campaign ("rows", the CSV export), with totals.
CREATE OR REPLACE FUNCTION api.marketing_leads(p_user int, p_role text, p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  r      record := api.range(p_from, p_to, p_days);
  lo_ts  timestamptz := ns_day_start(r.d_from);
  hi_ts  timestamptz := ns_day_start(r.d_to + 1);
  res    json;
BEGIN
  WITH l AS (
    SELECT channel, campaign_id,
           coalesce(created_at >= lo_ts AND created_at < hi_ts, false) AS is_lead,
           coalesce(mql_at >= lo_ts AND mql_at < hi_ts, false) AS is_mql,
           coalesce(sql_at >= lo_ts AND sql_at < hi_ts, false) AS is_sql,
           customer_id IS NOT NULL AS is_customer
      FROM leads
     WHERE (created_at >= lo_ts AND created_at < hi_ts)
        OR (mql_at >= lo_ts AND mql_at < hi_ts)
        OR (sql_at >= lo_ts AND sql_at < hi_ts)),
  g AS (SELECT channel, campaign_id, GROUPING(channel, campaign_id) AS lvl,
               count(*) FILTER (WHERE is_lead) AS leads,
               count(*) FILTER (WHERE is_mql) AS mqls,
               count(*) FILTER (WHERE is_sql) AS sqls,
               count(*) FILTER (WHERE is_lead AND is_customer) AS customers
          FROM l GROUP BY GROUPING SETS ((channel, campaign_id), (channel), ())),
  j AS (SELECT g.*, c.name AS campaign, c.platform,
               json_build_object('leads', g.leads, 'mqls', g.mqls, 'sqls', g.sqls, 'customers', g.customers,
                                 'lead_to_customer_pct', api.pct(g.customers, g.leads)) AS figures
          FROM g LEFT JOIN campaigns c ON c.id = g.campaign_id)
  SELECT json_build_object(
    'from', r.d_from, 'to', r.d_to,
    'totals', coalesce((SELECT figures FROM j WHERE lvl = 3),
                       json_build_object('leads', 0, 'mqls', 0, 'sqls', 0, 'customers', 0,
                                         'lead_to_customer_pct', NULL)),
    'by_channel', coalesce((SELECT json_agg(json_build_object(
                    'channel', channel, 'leads', leads, 'mqls', mqls, 'sqls', sqls, 'customers', customers,
                    'lead_to_customer_pct', api.pct(customers, leads)) ORDER BY channel)
                  FROM j WHERE lvl = 1), '[]'),
    'rows', coalesce((SELECT json_agg(json_build_object(
                    'channel', channel, 'campaign_id', campaign_id, 'campaign', campaign, 'platform', platform,
                    'leads', leads, 'mqls', mqls, 'sqls', sqls, 'customers', customers,
                    'lead_to_customer_pct', api.pct(customers, leads))
                    ORDER BY channel, campaign_id NULLS FIRST)
                  FROM j WHERE lvl = 0), '[]'))
    INTO res;
  RETURN res;
END $$;
