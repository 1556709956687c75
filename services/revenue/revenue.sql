-- revenue.sql — the SQL behind services/revenue: one function per
-- endpoint, each returning the endpoint's whole JSON answer.  Formulas
-- are defined in docs/metrics.md.  Parameters arrive validated by the
-- route table ($1 user id, $2 role, then the declared parameters).
CREATE SCHEMA IF NOT EXISTS api;

-- MRR in cents on one day: the sum over subscription rows in effect that day.
CREATE OR REPLACE FUNCTION api.mrr_cents_on(p_day date) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(mrr_cents), 0)::bigint
    FROM subscriptions
   WHERE valid_from <= p_day AND (valid_to IS NULL OR valid_to > p_day)
$$;

-- GET /api/revenue/summary: MRR, ARR (= MRR × 12) and month-over-month
-- growth, as of p_as_of (default today), against the same day a month before.
CREATE OR REPLACE FUNCTION api.revenue_summary(p_user int, p_role text, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d      date := coalesce(p_as_of, current_date);
  prev   date := (coalesce(p_as_of, current_date) - interval '1 month')::date;
  mrr    bigint := api.mrr_cents_on(d);
  mrr_p  bigint := api.mrr_cents_on(prev);
BEGIN
  RETURN json_build_object(
    'as_of', d,
    'mrr', api.money(mrr),
    'arr', api.money(mrr * 12),
    'mom_growth_pct', api.pct_change(mrr, mrr_p),
    'previous', json_build_object('as_of', prev, 'mrr', api.money(mrr_p),
                                  'arr', api.money(mrr_p * 12)));
END $$;
