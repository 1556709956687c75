-- Per-table checksum (row count + order-independent hash of every row) for the determinism test.
-- Excluded: app_users.password_hash (random bcrypt salt) and rollup refreshed_at / rollup_state (wall clock).
\set ON_ERROR_STOP 1
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SELECT t.tbl, t.n, t.h
FROM (
              SELECT 'app_users' AS tbl, count(*) AS n, sum(hashtextextended(row(id, email, name, role, token_version, disabled, created_at)::text, 0)::numeric) AS h FROM app_users
    UNION ALL SELECT 'plans', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM plans x
    UNION ALL SELECT 'campaigns', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM campaigns x
    UNION ALL SELECT 'customers', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM customers x
    UNION ALL SELECT 'subscriptions', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM subscriptions x
    UNION ALL SELECT 'orders', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM orders x
    UNION ALL SELECT 'billing_events', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM billing_events x
    UNION ALL SELECT 'ad_spend', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM ad_spend x
    UNION ALL SELECT 'events', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM events x
    UNION ALL SELECT 'usage_records', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM usage_records x
    UNION ALL SELECT 'support_tickets', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM support_tickets x
    UNION ALL SELECT 'nps_responses', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM nps_responses x
    UNION ALL SELECT 'leads', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM leads x
    UNION ALL SELECT 'opportunities', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM opportunities x
    UNION ALL SELECT 'sales_activities', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM sales_activities x
    UNION ALL SELECT 'expenses', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM expenses x
    UNION ALL SELECT 'cash_balances', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM cash_balances x
    UNION ALL SELECT 'referrals', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM referrals x
    UNION ALL SELECT 'targets', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM targets x
    UNION ALL SELECT 'metrics_daily', count(*), sum(hashtextextended((to_jsonb(x) - 'refreshed_at')::text, 0)::numeric) FROM metrics_daily x
    UNION ALL SELECT 'mrr_daily', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM mrr_daily x
    UNION ALL SELECT 'active_users_daily', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM active_users_daily x
    UNION ALL SELECT 'customer_daily', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM customer_daily x
    UNION ALL SELECT 'feature_daily', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM feature_daily x
    UNION ALL SELECT 'sales_rep_daily', count(*), sum(hashtextextended(x::text, 0)::numeric) FROM sales_rep_daily x
) t
ORDER BY t.tbl;
