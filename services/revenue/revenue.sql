-- revenue.sql — the SQL behind services/revenue: one function per
-- endpoint, each returning the endpoint's whole JSON answer.  Formulas
-- are defined in docs/metrics.md (answers in docs/api/revenue.md).
-- Parameters arrive validated by the route table ($1 user id, $2 role,
-- then the declared parameters, then from/to/days, then as_of).
-- Windows read the rollups (metrics_daily, sales_rep_daily and
-- revenue_source_daily of sql/schema/510_revenue.sql); MRR movements read
-- subscriptions (one row per plan period: ~1 row per customer per change).
CREATE SCHEMA IF NOT EXISTS api;

-- ---------------------------------------------------------------- helpers

-- Gone: the dead api.mrr_cents_on (MRR lives in mrr_rows(), 040_metric_functions.sql) and
-- api.revenue_as_of (as_of defaults through api.as_of; a future day is refused by common/param.c).
DROP FUNCTION IF EXISTS api.mrr_cents_on(date);
DROP FUNCTION IF EXISTS api.revenue_as_of(date);

-- MRR (cents) and paying customers on a day, from metrics_daily; a day the rollup does not hold
-- (before the first data day) is computed from subscriptions (then it is 0 or tiny).
CREATE OR REPLACE FUNCTION api.revenue_mrr_point(p_day date, OUT mrr_cents bigint, OUT customers integer)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  SELECT m.mrr_cents, m.paying_customers INTO mrr_cents, customers FROM metrics_daily m WHERE m.day = p_day;
  IF NOT FOUND THEN
    SELECT coalesce(sum(a.mrr_cents), 0)::bigint, count(*)::int INTO mrr_cents, customers FROM mrr_at(p_day) a;
  END IF;
END $$;

-- The one below gained fx_cents/fx_n (the fx movement): a replaced function cannot change its
-- result type, so the older versions go first.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'revenue_movement_series'
                    AND pronamespace = 'api'::regnamespace AND 'fx_cents' = ANY (proargnames)) THEN
    DROP FUNCTION IF EXISTS api.revenue_movement_series(date[]);
  END IF;
END $$;
-- The movements of interval pairs moved into the data layer (revenue_movement_pairs, read by the
-- revenue and users SQL alike): no api. copy of it.
DROP FUNCTION IF EXISTS api.revenue_movement_pairs(date[], date[]);

-- MRR movements between consecutive dates: revenue_movement_series() in sql/schema/510_revenue.sql.
CREATE OR REPLACE FUNCTION api.revenue_movement_series(p_points date[])
RETURNS TABLE (j int, d0 date, d1 date, start_cents bigint, start_customers int,
               new_cents bigint, expansion_cents bigint, contraction_cents bigint, churn_cents bigint,
               reactivation_cents bigint, end_cents bigint, end_customers int,
               new_n int, expansion_n int, contraction_n int, churn_n int, reactivation_n int,
               fx_cents bigint, fx_n int)
LANGUAGE sql STABLE AS $$ SELECT * FROM revenue_movement_series(p_points) $$;

-- Order rows per day and source in [p_from, p_to]: the pre-aggregate when it is built in the
-- session's zone, else the raw orders (correct, slower; the service job rebuilds the table).
CREATE OR REPLACE FUNCTION api.revenue_source_rows(p_from date, p_to date)
RETURNS SETOF revenue_source_daily LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF (SELECT tz FROM rollup_followers WHERE name = 'revenue') IS NOT DISTINCT FROM ns_tz() THEN
    RETURN QUERY SELECT * FROM revenue_source_daily WHERE day BETWEEN p_from AND p_to;
  ELSE
    RETURN QUERY
      SELECT ns_day(o.ordered_at), o.source, count(*)::int, sum(o.total_cents)::bigint, sum(o.cogs_cents)::bigint,
             (count(*) FILTER (WHERE o.refunded_cents > 0))::int, sum(o.refunded_cents)::bigint,
             (count(*) FILTER (WHERE o.chargeback_cents > 0))::int, sum(o.chargeback_cents)::bigint
        FROM orders o
       WHERE o.ordered_at >= ns_day_start(p_from) AND o.ordered_at < ns_day_start(p_to + 1)
       GROUP BY 1, 2;
  END IF;
END $$;

-- Order figures per day/week/month bucket of [p_from, p_to] (ISO weeks from Monday), from the
-- per-day-and-source rows: the bucket's first and last day of the range, its number of days and
-- the sums (0 for a bucket without orders).  Shared by trend and refunds.
DROP FUNCTION IF EXISTS api.revenue_buckets(text, date, date);
CREATE FUNCTION api.revenue_buckets(p_gran text, p_from date, p_to date)
RETURNS TABLE (bucket date, d_from date, d_to date, days bigint, orders bigint, revenue bigint,
               refunds bigint, refunded bigint, chargebacks bigint, charged_back bigint)
LANGUAGE sql STABLE AS $$
  SELECT k.bucket, min(k.day), max(k.day), count(*),
         coalesce(sum(x.orders), 0)::bigint, coalesce(sum(x.revenue_cents), 0)::bigint,
         coalesce(sum(x.refunds), 0)::bigint, coalesce(sum(x.refunded_cents), 0)::bigint,
         coalesce(sum(x.chargebacks), 0)::bigint, coalesce(sum(x.chargeback_cents), 0)::bigint
    FROM (SELECT date_trunc(p_gran, g)::date AS bucket, g::date AS day
            FROM generate_series(p_from, p_to, interval '1 day') g) k
    LEFT JOIN (SELECT r.day, sum(r.orders) AS orders, sum(r.revenue_cents) AS revenue_cents,
                      sum(r.refunds) AS refunds, sum(r.refunded_cents) AS refunded_cents,
                      sum(r.chargebacks) AS chargebacks, sum(r.chargeback_cents) AS chargeback_cents
                 FROM api.revenue_source_rows(p_from, p_to) r GROUP BY r.day) x ON x.day = k.day
   GROUP BY k.bucket
$$;

-- ---------------------------------------------------------------- summary

-- The summary figures for one date p_day, with growth and movements against p_prev (a month before).
CREATE OR REPLACE FUNCTION api.revenue_summary_block(p_day date, p_prev date) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
  cur  record;
  prv  record;
  mv   record;
  tg   record;
  rev  bigint;
  g    numeric;          -- current daily growth rate (fraction)
  left_days int;
  to_target int;
  req  numeric;
BEGIN
  SELECT * INTO cur FROM api.revenue_mrr_point(p_day);
  SELECT * INTO prv FROM api.revenue_mrr_point(p_prev);
  SELECT coalesce((SELECT revenue_cents FROM metrics_daily WHERE day = p_day), 0) INTO rev;
  SELECT * INTO mv FROM revenue_movement_pairs(ARRAY[p_prev], ARRAY[p_day]);
  SELECT t.value, t.period_start, t.period_end INTO tg
    FROM targets t WHERE t.metric = 'mrr_cents' AND p_day BETWEEN t.period_start AND t.period_end
   ORDER BY t.period_start DESC LIMIT 1;

  -- compound daily growth over the month: (MRR / MRR a month before) ^ (1 / days) - 1
  IF prv.mrr_cents > 0 AND cur.mrr_cents > 0 THEN
    g := power(cur.mrr_cents::numeric / prv.mrr_cents, 1.0 / (p_day - p_prev)) - 1;
  END IF;
  IF tg.value IS NOT NULL THEN
    left_days := tg.period_end - p_day;
    IF cur.mrr_cents >= tg.value THEN
      to_target := 0; req := 0;
    ELSE
      IF g > 0 AND cur.mrr_cents > 0 THEN
        to_target := ceil(ln(tg.value / cur.mrr_cents) / ln(1 + g));
      END IF;
      IF cur.mrr_cents > 0 AND left_days > 0 THEN
        req := round((power(tg.value / cur.mrr_cents, 1.0 / left_days) - 1) * 100, 4);
      END IF;
    END IF;
  END IF;

  RETURN jsonb_build_object(
    'as_of', p_day,
    'mrr', api.money(cur.mrr_cents),
    'arr', api.money(cur.mrr_cents * 12),
    'mom_growth_pct', api.pct_change(cur.mrr_cents, prv.mrr_cents),
    'daily_growth_pct', round(g * 100, 4),
    'arpu', api.money(api.ratio(cur.mrr_cents, cur.customers, 6)),
    'paying_customers', cur.customers,
    'revenue_today', api.money(rev),
    'movements', jsonb_build_object(
       'from', p_prev, 'to', p_day, 'starting_mrr', api.money(mv.start_cents),
       'new', api.money(mv.new_cents), 'expansion', api.money(mv.expansion_cents),
       'contraction', api.money(mv.contraction_cents), 'churn', api.money(mv.churn_cents),
       'reactivation', api.money(mv.reactivation_cents), 'fx', api.money(mv.fx_cents)),
    'net_revenue_retention_pct',
       api.pct(mv.start_cents + mv.expansion_cents + mv.contraction_cents + mv.churn_cents, mv.start_cents),
    'gross_revenue_retention_pct',
       api.pct(mv.start_cents + mv.contraction_cents + mv.churn_cents, mv.start_cents),
    'quick_ratio',
       api.ratio(mv.new_cents + mv.expansion_cents + mv.reactivation_cents, -(mv.contraction_cents + mv.churn_cents)),
    'target', CASE WHEN tg.value IS NULL THEN NULL ELSE jsonb_build_object(
       'target_mrr', api.money(tg.value), 'period_start', tg.period_start, 'period_end', tg.period_end,
       'pct_reached', api.pct(cur.mrr_cents, tg.value),
       'days_to_target', to_target,
       'days_left', left_days,
       'required_daily_growth_pct', req) END);
END $$;

-- GET /api/revenue/summary: the figures as of p_as_of (default today), and under "previous" the
-- figures as of a month before, exactly as asked for that day (its own month before is taken from
-- it: previous of 03-31 is 02-28, measured from 01-28 — not from 01-31).
CREATE OR REPLACE FUNCTION api.revenue_summary(p_user int, p_role text, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d    date := api.as_of(p_as_of);
  p    date := (d - interval '1 month')::date;
  pp   date := (p - interval '1 month')::date;
BEGIN
  RETURN (api.revenue_summary_block(d, p) || jsonb_build_object('previous', api.revenue_summary_block(p, pp)))::json;
END $$;

-- ---------------------------------------------------------------- mrr

-- GET /api/revenue/mrr?months=N: MRR movements per calendar month, the last N months ending with
-- the month of as_of (that month runs to as_of and is marked partial unless as_of is its last day).
CREATE OR REPLACE FUNCTION api.revenue_mrr(p_user int, p_role text, p_months int, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d      date := api.as_of(p_as_of);
  m0     date := date_trunc('month', api.as_of(p_as_of))::date;
  pts    date[];
BEGIN
  -- last day of each month before the first reported month .. last full month, then as_of
  SELECT array_agg((m0 - make_interval(months => k))::date - 1 ORDER BY k DESC) || d INTO pts
    FROM generate_series(0, p_months - 1) k;
  RETURN json_build_object(
    'as_of', d,
    'months', coalesce((SELECT json_agg(json_build_object(
        'month', to_char(s.d1, 'YYYY-MM'),
        'from', s.d0, 'to', s.d1,
        'partial', s.d1 <> (date_trunc('month', s.d1) + interval '1 month')::date - 1,
        'starting_mrr', api.money(s.start_cents),
        'new', api.money(s.new_cents),
        'expansion', api.money(s.expansion_cents),
        'contraction', api.money(s.contraction_cents),
        'churn', api.money(s.churn_cents),
        'reactivation', api.money(s.reactivation_cents),
        'net_new', api.money(s.new_cents + s.expansion_cents + s.contraction_cents + s.churn_cents + s.reactivation_cents),
        'fx', api.money(s.fx_cents),
        'ending_mrr', api.money(s.end_cents),
        'starting_customers', s.start_customers,
        'new_customers', s.new_n, 'expansion_customers', s.expansion_n,
        'contraction_customers', s.contraction_n, 'churned_customers', s.churn_n,
        'reactivated_customers', s.reactivation_n, 'fx_customers', s.fx_n,
        'ending_customers', s.end_customers,
        'customer_churn_rate_pct', api.pct(s.churn_n, s.start_customers)) ORDER BY s.j)
      FROM revenue_movement_pairs(pts[1:p_months], pts[2:p_months + 1]) s), '[]'));
END $$;

-- ---------------------------------------------------------------- trend

-- GET /api/revenue/trend: order revenue, orders, AOV, refunds and chargebacks per day/week/month
-- bucket of [from, to] (default the last 30 days), from metrics_daily.  Edge buckets are partial
-- (their from/to say which days they hold); a bucket without orders has AOV null.
DROP FUNCTION IF EXISTS api.revenue_trend(int, text, text, date, date, int);
CREATE OR REPLACE FUNCTION api.revenue_trend(p_user int, p_role text, p_granularity text,
                                             p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  r record := api.range(p_from, p_to, p_days, 30);
BEGIN
  RETURN (
    WITH b AS (
      SELECT x.bucket, x.d_from, x.d_to, x.days, x.revenue AS rev, x.orders AS n, x.refunded AS refunds,
             x.charged_back AS cb, x.revenue - x.refunded - x.charged_back AS net
        FROM api.revenue_buckets(p_granularity, r.d_from, r.d_to) x
    )
    SELECT json_build_object(
      'from', r.d_from, 'to', r.d_to, 'granularity', p_granularity,
      'totals', json_build_object(
         'revenue', api.money(coalesce(sum(b.rev), 0)), 'orders', coalesce(sum(b.n), 0),
         'aov', api.money(api.ratio(sum(b.rev), sum(b.n), 6)),
         'refunds', api.money(coalesce(sum(b.refunds), 0)), 'chargebacks', api.money(coalesce(sum(b.cb), 0)),
         'net_revenue', api.money(coalesce(sum(b.net), 0))),
      'buckets', coalesce(json_agg(json_build_object(
         'bucket', b.bucket, 'from', b.d_from, 'to', b.d_to, 'days', b.days,
         'revenue', api.money(b.rev), 'orders', b.n, 'aov', api.money(api.ratio(b.rev, b.n, 6)),
         'refunds', api.money(b.refunds), 'chargebacks', api.money(b.cb),
         'net_revenue', api.money(b.net)) ORDER BY b.bucket), '[]'))
    FROM b);
END $$;

-- ---------------------------------------------------------------- by-source

-- GET /api/revenue/by-source: order revenue and orders per source over [from, to] with shares of
-- the total (every source is listed, also without orders).
CREATE OR REPLACE FUNCTION api.revenue_by_source(p_user int, p_role text, p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  r record := api.range(p_from, p_to, p_days, 30);
BEGIN
  RETURN (
    WITH src(source, label, ord) AS (
      VALUES ('shopify', 'Shopify', 1), ('api', 'API', 2), ('marketplace', 'Marketplace', 3),
             ('partnerships', 'Partnerships', 4)
    ), a AS (
      SELECT src.source, src.label, src.ord,
             coalesce(sum(x.revenue_cents), 0) AS rev, coalesce(sum(x.orders), 0) AS n,
             coalesce(sum(x.revenue_cents - x.refunded_cents - x.chargeback_cents), 0) AS net
        FROM src LEFT JOIN api.revenue_source_rows(r.d_from, r.d_to) x ON x.source = src.source
       GROUP BY 1, 2, 3
    ), t AS (SELECT sum(rev) AS rev, sum(n) AS n, sum(net) AS net FROM a)
    SELECT json_build_object(
      'from', r.d_from, 'to', r.d_to,
      'total_revenue', api.money(t.rev), 'total_orders', t.n, 'total_net_revenue', api.money(t.net),
      'sources', json_agg(json_build_object(
         'source', a.source, 'label', a.label, 'revenue', api.money(a.rev), 'orders', a.n,
         'net_revenue', api.money(a.net),
         'revenue_share_pct', api.pct(a.rev, t.rev), 'orders_share_pct', api.pct(a.n, t.n),
         'aov', api.money(api.ratio(a.rev, a.n, 6))) ORDER BY a.ord))
    FROM a, t GROUP BY t.rev, t.n, t.net);
END $$;

-- ---------------------------------------------------------------- refunds

-- GET /api/revenue/refunds: refunds and chargebacks per bucket: counts (orders with a refunded /
-- charged-back amount), amounts, and rates (count ÷ orders, amount ÷ revenue), by order day.
DROP FUNCTION IF EXISTS api.revenue_refunds(int, text, text, date, date, int);
CREATE OR REPLACE FUNCTION api.revenue_refunds(p_user int, p_role text, p_granularity text,
                                               p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  r record := api.range(p_from, p_to, p_days, 90);
BEGIN
  RETURN (
    WITH b AS (
      SELECT x.bucket, x.d_from, x.d_to, x.orders AS n, x.revenue AS rev, x.refunds AS rn, x.refunded AS ra,
             x.chargebacks AS cn, x.charged_back AS ca
        FROM api.revenue_buckets(p_granularity, r.d_from, r.d_to) x
    )
    SELECT json_build_object(
      'from', r.d_from, 'to', r.d_to, 'granularity', p_granularity,
      'totals', json_build_object(
         'orders', sum(b.n), 'revenue', api.money(sum(b.rev)),
         'refunds', sum(b.rn), 'refunded', api.money(sum(b.ra)),
         'chargebacks', sum(b.cn), 'charged_back', api.money(sum(b.ca)),
         'refund_rate_pct', api.pct(sum(b.rn), sum(b.n)),
         'refund_amount_rate_pct', api.pct(sum(b.ra), sum(b.rev)),
         'chargeback_rate_pct', api.pct(sum(b.cn), sum(b.n)),
         'chargeback_amount_rate_pct', api.pct(sum(b.ca), sum(b.rev))),
      'buckets', json_agg(json_build_object(
         'bucket', b.bucket, 'from', b.d_from, 'to', b.d_to,
         'orders', b.n, 'revenue', api.money(b.rev),
         'refunds', b.rn, 'refunded', api.money(b.ra),
         'chargebacks', b.cn, 'charged_back', api.money(b.ca),
         'refund_rate_pct', api.pct(b.rn, b.n), 'refund_amount_rate_pct', api.pct(b.ra, b.rev),
         'chargeback_rate_pct', api.pct(b.cn, b.n), 'chargeback_amount_rate_pct', api.pct(b.ca, b.rev))
         ORDER BY b.bucket))
    FROM b);
END $$;

-- ---------------------------------------------------------------- financial (CEO only)

-- Monthly finance figures for the months p_first .. p_last (first days), days up to p_day:
-- order figures and subscription payments from metrics_daily, expenses per category, and the
-- expenses split into cost of goods sold (category cogs: it belongs in the gross margin, not in
-- operating expenses) and operating expenses (every other category).
DROP FUNCTION IF EXISTS api.revenue_fin_months(date, date, date);
CREATE FUNCTION api.revenue_fin_months(p_first date, p_last date, p_day date)
RETURNS TABLE (month date, has_expenses boolean, revenue bigint, net_revenue bigint, cogs bigint,
               payments bigint, expenses bigint, by_category jsonb, net_burn bigint,
               cogs_expenses bigint, opex bigint, opex_by_category jsonb)
LANGUAGE sql STABLE AS $$
  WITH mo AS (
    SELECT g::date AS month FROM generate_series(p_first, p_last, interval '1 month') g
  ), md AS (
    SELECT date_trunc('month', m.day)::date AS month, sum(m.revenue_cents) AS revenue,
           sum(m.net_revenue_cents) AS net, sum(m.cogs_cents) AS cogs, sum(m.payments_cents) AS payments
      FROM metrics_daily m
     WHERE m.day >= p_first AND m.day <= least(p_day, (p_last + interval '1 month')::date - 1)
     GROUP BY 1
  ), ex AS (
    SELECT e.month, sum(e.amount_cents) AS total,
           jsonb_object_agg(e.category, api.money(e.amount_cents) ORDER BY e.category) AS cats,
           coalesce(sum(e.amount_cents) FILTER (WHERE e.category = 'cogs'), 0) AS cogs_total,
           coalesce(sum(e.amount_cents) FILTER (WHERE e.category <> 'cogs'), 0) AS opex_total,
           coalesce(jsonb_object_agg(e.category, api.money(e.amount_cents) ORDER BY e.category)
                      FILTER (WHERE e.category <> 'cogs'), '{}') AS opex_cats
      FROM expenses e WHERE e.month BETWEEN p_first AND p_last GROUP BY 1
  )
  SELECT mo.month, ex.month IS NOT NULL,
         coalesce(md.revenue, 0)::bigint, coalesce(md.net, 0)::bigint, coalesce(md.cogs, 0)::bigint,
         coalesce(md.payments, 0)::bigint, coalesce(ex.total, 0)::bigint, coalesce(ex.cats, '{}'),
         (coalesce(ex.total, 0) - coalesce(md.net, 0) - coalesce(md.payments, 0))::bigint,
         coalesce(ex.cogs_total, 0)::bigint, coalesce(ex.opex_total, 0)::bigint, coalesce(ex.opex_cats, '{}')
    FROM mo LEFT JOIN md USING (month) LEFT JOIN ex USING (month)
   ORDER BY mo.month
$$;

-- GET /api/revenue/financial?months=N: per month (the last N ending with the month of as_of,
-- which is month-to-date) gross margin on orders, expenses by category, net burn and the
-- revenue ÷ cost efficiency ratio; cash on as_of, 3-month average burn, runway and a break-even
-- projection (linear trend of the last 6 full months' net burn, docs/api/revenue.md).
CREATE OR REPLACE FUNCTION api.revenue_financial(p_user int, p_role text, p_months int, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d      date := api.as_of(p_as_of);
  m_last date := date_trunc('month', api.as_of(p_as_of))::date;
  m_first date := (date_trunc('month', api.as_of(p_as_of)) - make_interval(months => p_months - 1))::date;
  cash   record;
  burn3  numeric;
  slope  numeric;
  icpt   numeric;
  nfit   int;
  last_burn bigint;
  be_status text;
  be_month date;
  t      numeric;
  months json;
BEGIN
  SELECT c.day, c.balance_cents INTO cash FROM cash_balances c WHERE c.day <= d ORDER BY c.day DESC LIMIT 1;
  -- 3 full months before the month of as_of; NULL unless all three have expenses
  SELECT CASE WHEN count(*) FILTER (WHERE f.has_expenses) = 3 THEN avg(f.net_burn) END INTO burn3
    FROM api.revenue_fin_months((m_last - interval '3 months')::date, (m_last - interval '1 month')::date, d) f;
  -- break-even: least-squares line through the last 6 full months' net burn (x = 0..5)
  SELECT regr_slope(f.net_burn, f.x), regr_intercept(f.net_burn, f.x), count(*)
    INTO slope, icpt, nfit
    FROM (SELECT row_number() OVER (ORDER BY month) - 1 AS x, net_burn
            FROM api.revenue_fin_months((m_last - interval '6 months')::date, (m_last - interval '1 month')::date, d)
           WHERE has_expenses) f;
  SELECT f.net_burn INTO last_burn
    FROM api.revenue_fin_months((m_last - interval '1 month')::date, (m_last - interval '1 month')::date, d) f
   WHERE f.has_expenses;
  IF last_burn IS NULL OR nfit < 3 THEN
    be_status := 'insufficient_data';
  ELSIF last_burn <= 0 THEN
    be_status := 'reached';
  ELSIF slope >= 0 THEN
    be_status := 'not_converging';
  ELSE
    -- first whole month x > 5 with icpt + slope * x <= 0, counted from the first of the 6 months
    t := greatest(ceil(-icpt / slope), 6);
    be_month := ((m_last - interval '6 months') + make_interval(months => t::int))::date;
    be_status := 'projected';
  END IF;

  SELECT json_agg(json_build_object(
           'month', to_char(f.month, 'YYYY-MM'),
           'partial', f.month = m_last AND d <> (m_last + interval '1 month')::date - 1,
           'revenue', api.money(f.revenue), 'net_revenue', api.money(f.net_revenue),
           'cogs', api.money(f.cogs), 'gross_margin', api.money(f.net_revenue - f.cogs),
           'gross_margin_pct', api.pct(f.net_revenue - f.cogs, f.net_revenue),
           'subscription_payments', api.money(f.payments),
           'expenses', api.money(f.expenses), 'expenses_by_category', f.by_category,
           'cogs_expenses', api.money(f.cogs_expenses),
           'opex', api.money(f.opex), 'opex_by_category', f.opex_by_category,
           'net_burn', CASE WHEN f.has_expenses THEN api.money(f.net_burn) END,
           'efficiency_ratio', api.ratio(f.net_revenue + f.payments, f.expenses))
         ORDER BY f.month) INTO months
    FROM api.revenue_fin_months(m_first, m_last, d) f;

  RETURN json_build_object(
    'as_of', d,
    'cash', api.money(cash.balance_cents), 'cash_as_of', cash.day,
    'avg_net_burn_3m', api.money(round(burn3)),
    'runway_months', CASE WHEN burn3 > 0 THEN api.ratio(cash.balance_cents, burn3, 1) END,
    'break_even', json_build_object('status', be_status, 'month', to_char(be_month, 'YYYY-MM'),
                                    'burn_trend_per_month', api.money(round(slope))),
    'months', coalesce(months, '[]'));
END $$;

-- ---------------------------------------------------------------- pipeline (CEO, sales)

-- GET /api/revenue/pipeline: open pipeline by stage, coverage, win rate, deal size and cycle (closed
-- in the 90 days to as_of), won month-to-date, rep leaderboard, activities of the last 30 days, and
-- the open deal list (a sales rep sees only their own deals; aggregates stay company-wide).  A
-- deal is overdue when it is still open and its expected close day is before as_of (docs/metrics.md).
CREATE OR REPLACE FUNCTION api.revenue_pipeline(p_user int, p_role text, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d      date := api.as_of(p_as_of);
  d_end  timestamptz := ns_day_start(api.as_of(p_as_of) + 1);
  w90    timestamptz := ns_day_start(api.as_of(p_as_of) - 89);
  m_beg  timestamptz := ns_day_start(date_trunc('month', api.as_of(p_as_of))::date);
  open_c bigint;
  tgt    numeric;
  mrr    bigint;
BEGIN
  SELECT coalesce(sum(o.amount_cents), 0) INTO open_c
    FROM opportunities o WHERE o.closed_at IS NULL AND o.created_at < d_end;
  SELECT t.value INTO tgt FROM targets t
   WHERE t.metric = 'mrr_cents' AND d BETWEEN t.period_start AND t.period_end ORDER BY t.period_start DESC LIMIT 1;
  SELECT p.mrr_cents INTO mrr FROM api.revenue_mrr_point(d) p;
  RETURN (
    WITH st(stage, ord) AS (
      VALUES ('prospecting', 1), ('qualification', 2), ('proposal', 3), ('negotiation', 4)
    ), stages AS (
      SELECT st.stage, st.ord, count(o.id) AS n, coalesce(sum(o.amount_cents), 0) AS amount
        FROM st LEFT JOIN opportunities o
          ON o.stage = st.stage AND o.closed_at IS NULL AND o.created_at < d_end
       GROUP BY 1, 2
    ), closed AS (
      SELECT count(*) FILTER (WHERE o.won) AS won, count(*) FILTER (WHERE NOT o.won) AS lost,
             coalesce(sum(o.amount_cents) FILTER (WHERE o.won), 0) AS won_amount,
             avg(extract(epoch FROM o.closed_at - o.created_at) / 86400) FILTER (WHERE o.won) AS cycle
        FROM opportunities o WHERE o.closed_at >= w90 AND o.closed_at < d_end
    ), mtd AS (
      SELECT count(*) AS won, coalesce(sum(o.amount_cents), 0) AS amount
        FROM opportunities o WHERE o.won AND o.closed_at >= m_beg AND o.closed_at < d_end
    ), act AS (
      SELECT r.rep_id, sum(r.calls) AS calls, sum(r.emails) AS emails, sum(r.meetings) AS meetings
        FROM sales_rep_daily r WHERE r.day BETWEEN d - 29 AND d GROUP BY 1
    ), reps AS (
      SELECT u.id, u.name,
             count(*) FILTER (WHERE o.won AND o.closed_at >= m_beg AND o.closed_at < d_end) AS won_mtd,
             coalesce(sum(o.amount_cents) FILTER (WHERE o.won AND o.closed_at >= m_beg AND o.closed_at < d_end), 0) AS won_amount_mtd,
             coalesce(sum(o.amount_cents) FILTER (WHERE o.closed_at IS NULL AND o.created_at < d_end), 0) AS open_amount,
             count(*) FILTER (WHERE o.won AND o.closed_at >= w90 AND o.closed_at < d_end) AS won90,
             count(*) FILTER (WHERE NOT o.won AND o.closed_at >= w90 AND o.closed_at < d_end) AS lost90
        FROM app_users u LEFT JOIN opportunities o ON o.owner_id = u.id
       WHERE u.role = 'sales' OR EXISTS (SELECT 1 FROM opportunities x WHERE x.owner_id = u.id)
       GROUP BY u.id, u.name
    ), deals AS (
      SELECT o.id, c.name AS customer, u.name AS owner, o.owner_id, o.stage, o.amount_cents, o.created_at,
             o.expected_close_on
        FROM opportunities o
        JOIN app_users u ON u.id = o.owner_id
        LEFT JOIN customers c ON c.id = o.customer_id
       WHERE o.closed_at IS NULL AND o.created_at < d_end
         AND (p_role <> 'sales' OR o.owner_id = p_user)
    )
    SELECT json_build_object(
      'as_of', d,
      'open_pipeline', api.money(open_c),
      'stages', (SELECT json_agg(json_build_object('stage', stage, 'deals', n, 'amount', api.money(amount))
                                 ORDER BY ord) FROM stages),
      'mrr_target', api.money(tgt), 'mrr', api.money(mrr),
      'remaining_target_annualised', CASE WHEN tgt IS NOT NULL THEN api.money(greatest(0, 12 * (tgt - mrr))) END,
      'coverage_ratio', CASE WHEN tgt > mrr THEN api.ratio(open_c, 12 * (tgt - mrr)) END,
      'win_rate_pct', (SELECT api.pct(won, won + lost) FROM closed),
      'avg_deal_size', (SELECT api.money(api.ratio(won_amount, won, 6)) FROM closed),
      'avg_sales_cycle_days', (SELECT round(cycle, 1) FROM closed),
      'deals_won_mtd', (SELECT won FROM mtd),
      'revenue_closed_mtd', (SELECT api.money(amount) FROM mtd),
      'activities_30d', (SELECT json_build_object('calls', coalesce(sum(calls), 0),
                                                  'emails', coalesce(sum(emails), 0),
                                                  'meetings', coalesce(sum(meetings), 0)) FROM act),
      'leaderboard', (SELECT json_agg(json_build_object(
                         'rep_id', r.id, 'name', r.name, 'deals_won_mtd', r.won_mtd,
                         'revenue_closed_mtd', api.money(r.won_amount_mtd),
                         'open_pipeline', api.money(r.open_amount),
                         'win_rate_pct', api.pct(r.won90, r.won90 + r.lost90),
                         'calls', coalesce(a.calls, 0), 'emails', coalesce(a.emails, 0),
                         'meetings', coalesce(a.meetings, 0))
                       ORDER BY r.won_amount_mtd DESC, r.open_amount DESC, r.id)
                      FROM reps r LEFT JOIN act a ON a.rep_id = r.id),
      'deals_scope', CASE WHEN p_role = 'sales' THEN 'own' ELSE 'all' END,
      'overdue_deals', (SELECT count(*) FROM deals x WHERE x.expected_close_on < d),
      'deals', coalesce((SELECT json_agg(json_build_object(
                   'id', x.id, 'customer', x.customer, 'owner', x.owner, 'owner_id', x.owner_id,
                   'stage', x.stage, 'amount', api.money(x.amount_cents),
                   'created_on', ns_day(x.created_at), 'expected_close_on', x.expected_close_on,
                   'overdue', coalesce(x.expected_close_on < d, false),
                   'age_days', d - ns_day(x.created_at))
                 ORDER BY x.amount_cents DESC, x.id) FROM deals x), '[]')));
END $$;

-- ---------------------------------------------------------------- ltv

-- Monthly customer churn rate, gross revenue churn rate and ARPU of the last full month before the
-- month of p_day (docs/metrics.md, "Lifetime value").
CREATE OR REPLACE FUNCTION api.revenue_churn_last_month(p_day date,
    OUT month date, OUT customer_churn numeric, OUT revenue_churn numeric, OUT arpu_cents numeric)
LANGUAGE sql STABLE AS $$
  SELECT (date_trunc('month', p_day) - interval '1 month')::date,
         s.churn_n::numeric / nullif(s.start_customers, 0),
         -(s.churn_cents + s.contraction_cents)::numeric / nullif(s.start_cents, 0),
         s.end_cents::numeric / nullif(s.end_customers, 0)
    FROM revenue_movement_pairs(ARRAY[(date_trunc('month', p_day) - interval '1 month')::date - 1],
                                    ARRAY[date_trunc('month', p_day)::date - 1]) s
$$;

-- The LTV groups of p_day for both groupings (by 'plan': the plan of the customer's latest paying
-- subscription; by 'segment'): customers, average realised value, lifetime months and monthly value.
CREATE OR REPLACE FUNCTION revenue_ltv_groups(p_day date)
RETURNS TABLE (by text, grp text, n bigint, ltv numeric, months numeric, monthly numeric)
LANGUAGE sql STABLE AS $$
  WITH cust AS (
    SELECT c.id, c.converted_at, c.segment, lp.code AS plan,
           CASE WHEN c.churned_at < ns_day_start(p_day + 1) THEN c.churned_at ELSE ns_day_start(p_day + 1) END AS ended
      FROM customers c
      LEFT JOIN (SELECT DISTINCT ON (s.customer_id) s.customer_id, p.code
                   FROM subscriptions s JOIN plans p ON p.id = s.plan_id
                  WHERE s.mrr_cents > 0 AND s.valid_from <= p_day
                  ORDER BY s.customer_id, s.valid_from DESC, s.mrr_cents DESC) lp ON lp.customer_id = c.id
     WHERE c.converted_at < ns_day_start(p_day + 1)
  ), late AS (
    -- events after p_day, taken off the all-time totals (none when p_day is today)
    SELECT b.customer_id,
           sum(CASE b.kind WHEN 'payment_success' THEN b.amount_cents ELSE -b.amount_cents END) AS cents
      FROM billing_events b
     WHERE b.occurred_at >= ns_day_start(p_day + 1) AND b.kind IN ('payment_success', 'refund', 'chargeback')
     GROUP BY 1
  ), paid AS (
    SELECT r.customer_id, r.net_paid_cents - coalesce(late.cents, 0) AS cents
      FROM revenue_customer_paid r LEFT JOIN late USING (customer_id)
  ), v AS MATERIALIZED (
    SELECT cust.segment, cust.plan, coalesce(paid.cents, 0) AS value,
           extract(epoch FROM cust.ended - cust.converted_at) / 86400 / 30.4375 AS months
      FROM cust LEFT JOIN paid ON paid.customer_id = cust.id
  )
  SELECT 'plan', plan, count(*), avg(value), avg(months), avg(value / greatest(months, 1))
    FROM v WHERE plan IS NOT NULL GROUP BY plan
  UNION ALL
  SELECT 'segment', segment, count(*), avg(value), avg(months), avg(value / greatest(months, 1))
    FROM v WHERE segment IS NOT NULL GROUP BY segment
$$;
SELECT customer_snapshot_keeper_register('revenue_ltv', 'revenue_ltv_groups');

-- GET /api/revenue/ltv?by=plan|segment: per group, the average realised lifetime value (payments
-- − refunds − chargebacks up to as_of), average lifetime in months (conversion to churn or as_of,
-- 30.4375-day months) and average monthly value (each customer's value ÷ max(1, lifetime months)):
-- revenue_ltv_groups, kept with the customer snapshot of the day (else computed live); and the
-- formula LTV = ARPU ÷ churn rate of the last full month (customer churn, as in docs/metrics.md,
-- and gross revenue churn).
CREATE OR REPLACE FUNCTION api.revenue_ltv(p_user int, p_role text, p_by text, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d     date := api.as_of(p_as_of);
  ch    record;
BEGIN
  SELECT * INTO ch FROM api.revenue_churn_last_month(d);
  RETURN (
    WITH g AS (
      SELECT x.* FROM jsonb_to_recordset(customer_snapshot_rows('revenue_ltv', d))
                      AS x(by text, grp text, n bigint, ltv numeric, months numeric, monthly numeric)
       WHERE x.by = p_by
    )
    SELECT json_build_object(
      'as_of', d, 'by', p_by,
      'groups', coalesce(json_agg(json_build_object(
          'group', g.grp, 'customers', g.n, 'avg_realised_ltv', api.money(g.ltv),
          'avg_lifetime_months', round(g.months, 1), 'avg_monthly_value', api.money(g.monthly))
          ORDER BY g.grp), '[]'),
      'formula', json_build_object(
          'month', to_char(ch.month, 'YYYY-MM'),
          'arpu', api.money(ch.arpu_cents),
          'customer_churn_rate_pct', round(ch.customer_churn * 100, 2),
          'revenue_churn_rate_pct', round(ch.revenue_churn * 100, 2),
          'ltv', api.money(api.ratio(ch.arpu_cents, ch.customer_churn, 6)),
          'ltv_revenue_churn', api.money(api.ratio(ch.arpu_cents, ch.revenue_churn, 6))))
    FROM g);
END $$;

-- ---------------------------------------------------------------- segments

-- The segmentation grid's counts on p_day.  Each paying customer falls in the first segment whose
-- rule holds (docs/api/revenue.md): high_value_power_users (MRR >= $500 and active on >= 15 of the
-- last 30 days), growing_teams (MRR above its level 90 days before), price_sensitive (Starter plan,
-- or paying below list price), other_paying; trial_users are customers in their trial on p_day who
-- have not converted.  Per segment: customers, MRR, average health score, and for the trial users
-- the share active in the last 7 days.
CREATE OR REPLACE FUNCTION revenue_segment_counts(p_day date)
RETURNS TABLE (segment text, n bigint, mrr numeric, health numeric, active_share numeric)
LANGUAGE sql STABLE AS $$
    WITH pay AS (
      SELECT s.customer_id, sum(mrr_value(s.mrr_cents, s.mrr_original_cents, s.currency, p_day)) AS mrr,
             sum(s.quantity * CASE p.billing_interval WHEN 'year' THEN p.price_cents / 12.0 ELSE p.price_cents END) AS list,
             bool_or(p.code = 'starter') AS starter
        FROM subscriptions s JOIN plans p ON p.id = s.plan_id
       WHERE s.in_effect @> p_day
       GROUP BY 1 HAVING sum(s.mrr_cents) > 0
    ), before AS (
      SELECT customer_id, mrr_cents FROM mrr_at(p_day - 90)
    ), act AS (
      -- health score and active days (last 30) of every paying customer: the data layer's snapshot
      -- when the day has one, else computed (customer_health(), ~1 s at SCALE=1)
      SELECT customer_id, health_score, active_days_30d AS days FROM customer_health_rows(p_day)
    ), seg AS (
      SELECT pay.customer_id, pay.mrr, act.health_score,
             CASE WHEN pay.mrr >= 50000 AND coalesce(act.days, 0) >= 15 THEN 'high_value_power_users'
                  WHEN pay.mrr > coalesce(before.mrr_cents, 0) AND before.mrr_cents > 0 THEN 'growing_teams'
                  WHEN pay.starter OR pay.mrr < round(pay.list) THEN 'price_sensitive'
                  ELSE 'other_paying' END AS segment
        FROM pay LEFT JOIN before USING (customer_id) LEFT JOIN act USING (customer_id)
    ), trial AS (
      SELECT c.id, EXISTS (SELECT 1 FROM customer_daily cd WHERE cd.customer_id = c.id
                              AND cd.day BETWEEN p_day - 6 AND p_day AND cd.events > 0) AS active7
        FROM customers c
       WHERE c.trial_started_on <= p_day AND c.trial_ends_on >= p_day
         AND (c.converted_at IS NULL OR c.converted_at >= ns_day_start(p_day + 1))
    )
    SELECT segment, count(*), sum(mrr), avg(health_score), NULL::numeric FROM seg GROUP BY 1
    UNION ALL
    SELECT 'trial_users', count(*), 0, NULL, avg(CASE WHEN active7 THEN 1 ELSE 0 END) FROM trial
$$;
SELECT customer_snapshot_keeper_register('revenue_segments', 'revenue_segment_counts');

-- GET /api/revenue/segments: the segmentation grid as of as_of (revenue_segment_counts, kept with
-- the customer snapshot of the day, else computed live), with each segment's ARPU, LTV (ARPU ÷ the
-- last full month's customer churn), churn risk and suggested action.
CREATE OR REPLACE FUNCTION api.revenue_segments(p_user int, p_role text, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d     date := api.as_of(p_as_of);
  ch    record;
BEGIN
  SELECT * INTO ch FROM api.revenue_churn_last_month(d);
  RETURN (
    WITH def(segment, label, ord, action) AS (
      VALUES ('high_value_power_users', 'High-Value Power Users', 1, 'Protect and expand: executive sponsor, annual plan, early access to new features'),
             ('growing_teams', 'Growing Teams', 2, 'Upsell the next plan or more seats before limits bite; offer volume pricing'),
             ('price_sensitive', 'Price-Sensitive', 3, 'Show value (usage reports), offer annual billing discount instead of churn'),
             ('trial_users', 'Trial Users', 4, 'Onboarding nurture and a sales touch before the trial ends'),
             ('other_paying', 'Other paying customers', 5, 'Regular check-ins; watch health score')
    ), agg AS (
      SELECT x.* FROM jsonb_to_recordset(customer_snapshot_rows('revenue_segments', d))
                      AS x(segment text, n bigint, mrr numeric, health numeric, active_share numeric)
    )
    SELECT json_build_object(
      'as_of', d, 'churn_month', to_char(ch.month, 'YYYY-MM'),
      'customer_churn_rate_pct', round(ch.customer_churn * 100, 2),
      'segments', json_agg(json_build_object(
          'segment', def.segment, 'label', def.label,
          'customers', coalesce(agg.n, 0),
          'mrr', api.money(CASE WHEN def.segment = 'trial_users' THEN NULL ELSE coalesce(agg.mrr, 0) END),
          'arpu', api.money(CASE WHEN def.segment <> 'trial_users' THEN api.ratio(agg.mrr, agg.n, 6) END),
          'ltv', api.money(CASE WHEN def.segment <> 'trial_users'
                                THEN api.ratio(api.ratio(agg.mrr, agg.n, 6), ch.customer_churn, 6) END),
          'avg_health_score', round(agg.health, 1),
          'churn_risk', CASE WHEN def.segment = 'trial_users' THEN
                               CASE WHEN coalesce(agg.n, 0) = 0 THEN NULL
                                    WHEN agg.active_share >= 0.5 THEN 'medium' ELSE 'high' END
                             WHEN agg.health IS NULL THEN NULL
                             WHEN agg.health < 30 THEN 'high' WHEN agg.health <= 60 THEN 'medium'
                             ELSE 'low' END,
          'suggested_action', def.action) ORDER BY def.ord))
    FROM def LEFT JOIN agg USING (segment));
END $$;
