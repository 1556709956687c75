-- BI metrics layer: read-only views over the rollups for Metabase/Superset/Grafana, and the northstar_bi role.
SET client_min_messages = warning;

-- Executive KPIs, one row per reporting-zone day. Trailing windows are the 30 days ending on metric_date.
CREATE OR REPLACE VIEW bi_company_overview AS
WITH d AS (
    SELECT m.*,
           sum(m.new_paying_customers) OVER w30 AS new_paying_30d,
           sum(m.ad_spend_cents) OVER w30 AS ad_spend_30d,
           sum(m.revenue_cents) OVER w30 AS revenue_30d,
           sum(m.net_revenue_cents) OVER w30 AS net_revenue_30d,
           sum(m.cogs_cents) OVER w30 AS cogs_30d,
           sum(m.nps_promoters) OVER w90 AS promoters_90d,
           sum(m.nps_detractors) OVER w90 AS detractors_90d,
           sum(m.nps_promoters + m.nps_passives + m.nps_detractors) OVER w90 AS nps_n_90d,
           lag(m.mrr_cents, 30) OVER (ORDER BY m.day) AS mrr_30d_ago
    FROM metrics_daily m
    WINDOW w30 AS (ORDER BY m.day ROWS BETWEEN 29 PRECEDING AND CURRENT ROW),
           w90 AS (ORDER BY m.day ROWS BETWEEN 89 PRECEDING AND CURRENT ROW)
), monthly AS (
    SELECT x.month,
           (SELECT coalesce(sum(e.amount_cents), 0) FROM expenses e WHERE e.month = x.month) - x.inflow AS net_burn_cents
    FROM (SELECT date_trunc('month', m.day)::date AS month, sum(m.net_revenue_cents + m.payments_cents) AS inflow
          FROM metrics_daily m GROUP BY 1) x
)
SELECT d.day AS metric_date,
       d.mrr_cents,
       d.mrr_cents * 12 AS arr_cents,
       d.paying_customers,
       round(d.mrr_cents::numeric / nullif(d.paying_customers, 0)) AS arpu_cents,
       round(100.0 * (d.mrr_cents - d.mrr_30d_ago) / nullif(d.mrr_30d_ago, 0), 2) AS mrr_growth_30d_pct,
       t.value AS mrr_target_cents,
       d.new_customers AS signups,
       d.new_paying_customers,
       d.churned_customers,
       d.revenue_cents,
       d.net_revenue_cents,
       d.orders,
       round(d.revenue_cents::numeric / nullif(d.orders, 0)) AS aov_cents,
       round(100.0 * (d.net_revenue_30d - d.cogs_30d) / nullif(d.net_revenue_30d, 0), 2) AS gross_margin_30d_pct,
       d.ad_spend_cents,
       round(d.ad_spend_30d::numeric / nullif(d.new_paying_30d, 0)) AS cac_30d_cents,
       round(d.revenue_30d::numeric / nullif(d.ad_spend_30d, 0), 3) AS roas_30d,
       d.active_users AS dau, d.wau, d.mau,
       round(d.active_users::numeric / nullif(d.mau, 0), 4) AS stickiness,
       round(100.0 * d.api_errors / nullif(d.api_calls, 0), 3) AS api_error_rate_pct,
       round(100.0 * (d.promoters_90d - d.detractors_90d) / nullif(d.nps_n_90d, 0), 1) AS nps_90d,
       cb.balance_cents AS cash_balance_cents,
       burn.avg_net_burn_cents AS net_burn_3m_avg_cents,
       CASE WHEN burn.avg_net_burn_cents > 0
            THEN round(cb.balance_cents::numeric / burn.avg_net_burn_cents, 1) END AS runway_months
FROM d
LEFT JOIN targets t ON t.metric = 'mrr_cents' AND d.day BETWEEN t.period_start AND t.period_end
LEFT JOIN cash_balances cb ON cb.day = d.day
LEFT JOIN LATERAL (
    SELECT CASE WHEN count(*) = 3 THEN round(avg(mo.net_burn_cents)) END AS avg_net_burn_cents
    FROM monthly mo
    WHERE mo.month >= (date_trunc('month', d.day) - interval '3 months')::date
      AND mo.month < date_trunc('month', d.day)::date
) burn ON true;

-- Customer success: one row per month (metric_date = first day) x customer paying at month end
-- (or today for the current month); health score as of that day.
CREATE OR REPLACE VIEW bi_customer_success AS
WITH months AS (
    SELECT m::date AS month, least((m + interval '1 month' - interval '1 day')::date, ns_today()) AS as_of
    FROM generate_series((SELECT date_trunc('month', min(day)) FROM metrics_daily),
                         date_trunc('month', ns_today()), interval '1 month') m
)
SELECT mo.month AS metric_date,
       h.customer_id AS entity_id,
       c.name AS customer_name, c.segment, c.cs_owner_id, u.name AS cs_owner_name,
       h.mrr_cents, h.seats,
       act.active_days, act.events, act.api_calls, act.api_errors, act.feature_uses,
       usr.active_users,
       round(usr.active_users::numeric / nullif(h.seats, 0), 3) AS seat_utilisation,
       ur.usage_units,
       tk.tickets_opened, tk.csat_avg,
       np.nps_avg_score,
       h.failed_payments_60d,
       h.usage_score, h.adoption_score, h.support_score, h.payment_score, h.health_score, h.risk_band
FROM months mo
CROSS JOIN LATERAL customer_health(mo.as_of) h
JOIN customers c ON c.id = h.customer_id
LEFT JOIN app_users u ON u.id = c.cs_owner_id
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE d.events > 0) AS active_days, sum(d.events) AS events, sum(d.api_calls) AS api_calls,
           sum(d.api_errors) AS api_errors, sum(d.feature_uses) AS feature_uses
    FROM customer_daily d WHERE d.customer_id = h.customer_id AND d.day BETWEEN mo.month AND mo.as_of
) act ON true
LEFT JOIN LATERAL (
    SELECT count(DISTINCT a.user_id) AS active_users
    FROM active_users_daily a WHERE a.customer_id = h.customer_id AND a.day BETWEEN mo.month AND mo.as_of
) usr ON true
LEFT JOIN LATERAL (
    SELECT sum(r.units) AS usage_units FROM usage_records r
    WHERE r.customer_id = h.customer_id AND r.day BETWEEN mo.month AND mo.as_of
) ur ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS tickets_opened, round(avg(t.csat), 2) AS csat_avg FROM support_tickets t
    WHERE t.customer_id = h.customer_id
      AND t.opened_at >= ns_day_start(mo.month) AND t.opened_at < ns_day_start(mo.as_of + 1)
) tk ON true
LEFT JOIN LATERAL (
    SELECT round(avg(n.score), 2) AS nps_avg_score FROM nps_responses n
    WHERE n.customer_id = h.customer_id
      AND n.answered_at >= ns_day_start(mo.month) AND n.answered_at < ns_day_start(mo.as_of + 1)
) np ON true;

-- Sales: one row per day x sales rep (days with activity or pipeline changes).
CREATE OR REPLACE VIEW bi_sales AS
SELECT r.day AS metric_date, r.rep_id AS entity_id, u.name AS rep_name,
       r.calls, r.emails, r.meetings, r.calls + r.emails + r.meetings AS activities,
       r.opportunities_created, r.pipeline_created_cents,
       r.opportunities_won, r.opportunities_lost, r.won_amount_cents,
       round(r.opportunities_won::numeric / nullif(r.opportunities_won + r.opportunities_lost, 0), 4) AS win_rate,
       round(r.won_amount_cents::numeric / nullif(r.opportunities_won, 0)) AS avg_deal_cents
FROM sales_rep_daily r
LEFT JOIN app_users u ON u.id = r.rep_id;

-- Product: one row per day x entity, entity 'all' (site-wide funnel, engagement, API) or a feature name.
CREATE OR REPLACE VIEW bi_product AS
SELECT m.day AS metric_date, 'all'::text AS entity_id,
       m.feature_uses, NULL::integer AS feature_users, NULL::integer AS feature_customers,
       m.active_users AS dau, m.wau, m.mau,
       round(m.active_users::numeric / nullif(m.mau, 0), 4) AS stickiness,
       m.sessions, m.page_views, m.add_to_carts, m.checkouts, m.event_orders,
       round(m.add_to_carts::numeric / nullif(m.sessions, 0), 4) AS add_to_cart_rate,
       round(1 - m.event_orders::numeric / nullif(m.add_to_carts, 0), 4) AS cart_abandonment_rate,
       round(m.event_orders::numeric / nullif(m.sessions, 0), 4) AS conversion_rate,
       m.api_calls, m.api_errors,
       round(m.api_errors::numeric / nullif(m.api_calls, 0), 5) AS api_error_rate,
       m.api_rate_limited, m.api_latency_p95_ms, m.client_errors, m.usage_units
FROM metrics_daily m
UNION ALL
SELECT f.day, f.feature, f.uses, f.users, f.customers,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM feature_daily f;

-- Marketing: one row per day x campaign with spend; revenue attributed to the campaign that acquired
-- the customer (orders placed that day by those customers).
CREATE OR REPLACE VIEW bi_marketing AS
SELECT a.day AS metric_date, a.campaign_id AS entity_id, c.name AS campaign_name, a.platform,
       a.spend_cents, a.impressions, a.clicks, a.conversions AS platform_conversions,
       coalesce(su.signups, 0) AS signups, coalesce(cv.new_paying_customers, 0) AS new_paying_customers,
       coalesce(rv.revenue_cents, 0) AS attributed_revenue_cents,
       round(a.clicks::numeric / nullif(a.impressions, 0), 5) AS ctr,
       round(a.spend_cents::numeric / nullif(a.clicks, 0)) AS cpc_cents,
       round(a.spend_cents::numeric / nullif(cv.new_paying_customers, 0)) AS cpa_cents,
       round(coalesce(rv.revenue_cents, 0)::numeric / nullif(a.spend_cents, 0), 3) AS roas
FROM ad_spend a
JOIN campaigns c ON c.id = a.campaign_id
LEFT JOIN (SELECT campaign_id, ns_day(signup_at) AS day, count(*) AS signups
           FROM customers WHERE campaign_id IS NOT NULL GROUP BY 1, 2) su
       ON su.campaign_id = a.campaign_id AND su.day = a.day
LEFT JOIN (SELECT campaign_id, ns_day(converted_at) AS day, count(*) AS new_paying_customers
           FROM customers WHERE campaign_id IS NOT NULL AND converted_at IS NOT NULL GROUP BY 1, 2) cv
       ON cv.campaign_id = a.campaign_id AND cv.day = a.day
LEFT JOIN (SELECT cu.campaign_id, d.day, sum(d.revenue_cents) AS revenue_cents
           FROM customer_daily d JOIN customers cu ON cu.id = d.customer_id
           WHERE cu.campaign_id IS NOT NULL AND d.revenue_cents > 0 GROUP BY 1, 2) rv
       ON rv.campaign_id = a.campaign_id AND rv.day = a.day;

-- Long format: (domain, metric, date, entity, value, tier); tier 1 = headline, 2 = supporting, 3 = diagnostic.
CREATE OR REPLACE VIEW bi_metrics_long AS
SELECT 'company'::text AS domain, v.metric_name, o.metric_date, 'company'::text AS entity_id,
       v.metric_value::numeric AS metric_value, v.importance_tier
FROM bi_company_overview o
CROSS JOIN LATERAL (VALUES
    ('mrr_cents', o.mrr_cents::numeric, 1), ('arr_cents', o.arr_cents, 1),
    ('paying_customers', o.paying_customers, 1), ('arpu_cents', o.arpu_cents, 2),
    ('mrr_growth_30d_pct', o.mrr_growth_30d_pct, 2), ('mrr_target_cents', o.mrr_target_cents, 2),
    ('signups', o.signups, 2), ('new_paying_customers', o.new_paying_customers, 1),
    ('churned_customers', o.churned_customers, 1), ('revenue_cents', o.revenue_cents, 1),
    ('net_revenue_cents', o.net_revenue_cents, 2), ('orders', o.orders, 2), ('aov_cents', o.aov_cents, 2),
    ('gross_margin_30d_pct', o.gross_margin_30d_pct, 1), ('ad_spend_cents', o.ad_spend_cents, 2),
    ('cac_30d_cents', o.cac_30d_cents, 1), ('roas_30d', o.roas_30d, 2),
    ('dau', o.dau, 2), ('wau', o.wau, 3), ('mau', o.mau, 2), ('stickiness', o.stickiness, 2),
    ('api_error_rate_pct', o.api_error_rate_pct, 2), ('nps_90d', o.nps_90d, 1),
    ('cash_balance_cents', o.cash_balance_cents, 1), ('net_burn_3m_avg_cents', o.net_burn_3m_avg_cents, 1),
    ('runway_months', o.runway_months, 1)) v(metric_name, metric_value, importance_tier)
UNION ALL
SELECT 'customer_success', v.metric_name, cs.metric_date, cs.entity_id::text, v.metric_value, v.importance_tier
FROM bi_customer_success cs
CROSS JOIN LATERAL (VALUES
    ('mrr_cents', cs.mrr_cents::numeric, 1), ('health_score', cs.health_score, 1),
    ('usage_score', cs.usage_score, 2), ('adoption_score', cs.adoption_score, 2),
    ('support_score', cs.support_score, 2), ('payment_score', cs.payment_score, 2),
    ('active_users', cs.active_users, 2), ('seat_utilisation', cs.seat_utilisation, 2),
    ('active_days', cs.active_days, 3), ('api_calls', cs.api_calls, 3), ('usage_units', cs.usage_units, 3),
    ('tickets_opened', cs.tickets_opened, 2), ('csat_avg', cs.csat_avg, 2),
    ('nps_avg_score', cs.nps_avg_score, 2), ('failed_payments_60d', cs.failed_payments_60d, 2))
    v(metric_name, metric_value, importance_tier)
UNION ALL
SELECT 'sales', v.metric_name, s.metric_date, s.entity_id::text, v.metric_value, v.importance_tier
FROM bi_sales s
CROSS JOIN LATERAL (VALUES
    ('activities', s.activities::numeric, 2), ('calls', s.calls, 3), ('emails', s.emails, 3),
    ('meetings', s.meetings, 3), ('opportunities_created', s.opportunities_created, 2),
    ('pipeline_created_cents', s.pipeline_created_cents, 1), ('opportunities_won', s.opportunities_won, 1),
    ('opportunities_lost', s.opportunities_lost, 2), ('won_amount_cents', s.won_amount_cents, 1),
    ('win_rate', s.win_rate, 1), ('avg_deal_cents', s.avg_deal_cents, 2)) v(metric_name, metric_value, importance_tier)
UNION ALL
SELECT 'product', v.metric_name, p.metric_date, p.entity_id, v.metric_value, v.importance_tier
FROM bi_product p
CROSS JOIN LATERAL (VALUES
    ('feature_uses', p.feature_uses::numeric, 2), ('feature_users', p.feature_users, 2),
    ('feature_customers', p.feature_customers, 3), ('dau', p.dau, 1), ('wau', p.wau, 2), ('mau', p.mau, 1),
    ('stickiness', p.stickiness, 1), ('sessions', p.sessions, 2), ('page_views', p.page_views, 3),
    ('add_to_cart_rate', p.add_to_cart_rate, 2), ('cart_abandonment_rate', p.cart_abandonment_rate, 2),
    ('conversion_rate', p.conversion_rate, 1), ('api_calls', p.api_calls, 3),
    ('api_error_rate', p.api_error_rate, 1), ('api_latency_p95_ms', p.api_latency_p95_ms, 2))
    v(metric_name, metric_value, importance_tier)
WHERE v.metric_value IS NOT NULL
UNION ALL
SELECT 'marketing', v.metric_name, mk.metric_date, mk.entity_id::text, v.metric_value, v.importance_tier
FROM bi_marketing mk
CROSS JOIN LATERAL (VALUES
    ('spend_cents', mk.spend_cents::numeric, 1), ('impressions', mk.impressions, 3), ('clicks', mk.clicks, 3),
    ('platform_conversions', mk.platform_conversions, 3), ('signups', mk.signups, 2),
    ('new_paying_customers', mk.new_paying_customers, 1), ('attributed_revenue_cents', mk.attributed_revenue_cents, 1),
    ('ctr', mk.ctr, 2), ('cpc_cents', mk.cpc_cents, 2), ('cpa_cents', mk.cpa_cents, 1), ('roas', mk.roas, 1))
    v(metric_name, metric_value, importance_tier);

-- Read-only BI role: NOLOGIN until an admin gives it a password (ALTER ROLE northstar_bi LOGIN PASSWORD ...).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'northstar_bi') THEN
        CREATE ROLE northstar_bi NOLOGIN;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO northstar_bi;
GRANT SELECT ON bi_company_overview, bi_customer_success, bi_sales, bi_product, bi_marketing, bi_metrics_long
    TO northstar_bi;
