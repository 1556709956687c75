-- 910_has_data.sql — whether the company has any data yet: the one rule
-- behind the app's "No data yet" state (DEMO=0 starts empty; /api/auth/me
-- sends it as has_data).  Any row of a table that figures are computed
-- from counts; plans, targets and exchange rates alone are configuration,
-- not data.  Each EXISTS stops at its first row, and OR at the first true.
CREATE OR REPLACE FUNCTION api.has_data() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM customers) OR EXISTS (SELECT 1 FROM orders)
      OR EXISTS (SELECT 1 FROM events) OR EXISTS (SELECT 1 FROM events_custom)
      OR EXISTS (SELECT 1 FROM billing_events) OR EXISTS (SELECT 1 FROM usage_records)
      OR EXISTS (SELECT 1 FROM campaigns) OR EXISTS (SELECT 1 FROM ad_spend)
      OR EXISTS (SELECT 1 FROM leads) OR EXISTS (SELECT 1 FROM opportunities)
      OR EXISTS (SELECT 1 FROM sales_activities) OR EXISTS (SELECT 1 FROM support_tickets)
      OR EXISTS (SELECT 1 FROM nps_responses) OR EXISTS (SELECT 1 FROM referrals)
      OR EXISTS (SELECT 1 FROM expenses) OR EXISTS (SELECT 1 FROM cash_balances)
$$;
