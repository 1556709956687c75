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

-- MRR in cents on one day: the sum over subscription rows in effect that day (raw; kept for callers).
CREATE OR REPLACE FUNCTION api.mrr_cents_on(p_day date) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(mrr_cents), 0)::bigint
    FROM subscriptions
   WHERE valid_from <= p_day AND (valid_to IS NULL OR valid_to > p_day)
$$;

-- A point-in-time date: default today, never after today (MRR snapshots exist up to today only).
CREATE OR REPLACE FUNCTION api.revenue_as_of(p_as_of date) RETURNS date
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF p_as_of > api.today() THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('parameter ''as_of'' (%s) is after today (%s)', p_as_of, api.today());
  END IF;
  RETURN coalesce(p_as_of, api.today());
END $$;

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

-- MRR movements between consecutive dates of p_points (interval j = p_points[j-1] -> p_points[j],
-- j = 2..n), the rules of mrr_movements() (docs/metrics.md) computed in one pass over subscriptions.
-- start_cents + new + expansion + contraction + churn + reactivation = end_cents exactly
-- (contraction and churn are negative deltas).
CREATE OR REPLACE FUNCTION api.revenue_movement_series(p_points date[])
RETURNS TABLE (j int, d0 date, d1 date, start_cents bigint, start_customers int,
               new_cents bigint, expansion_cents bigint, contraction_cents bigint, churn_cents bigint,
               reactivation_cents bigint, end_cents bigint, end_customers int,
               new_n int, expansion_n int, contraction_n int, churn_n int, reactivation_n int)
LANGUAGE sql STABLE AS $$
  WITH pt AS (
    SELECT u.i::int AS i, u.d FROM unnest(p_points) WITH ORDINALITY u(d, i)
  ), m AS (
    SELECT pt.i, s.customer_id, sum(s.mrr_cents)::bigint AS mrr
      FROM pt JOIN subscriptions s ON s.valid_from <= pt.d AND (s.valid_to IS NULL OR s.valid_to > pt.d)
     GROUP BY 1, 2 HAVING sum(s.mrr_cents) > 0
  ), x AS (
    -- each customer-point is the end of interval i and the start of interval i+1
    SELECT v.j, m.customer_id,
           coalesce(sum(m.mrr) FILTER (WHERE m.i = v.j - 1), 0) AS m0,
           coalesce(sum(m.mrr) FILTER (WHERE m.i = v.j), 0) AS m1
      FROM m CROSS JOIN LATERAL (VALUES (m.i), (m.i + 1)) v(j)
     WHERE v.j BETWEEN 2 AND cardinality(p_points)
     GROUP BY 1, 2
  ), k AS (
    SELECT x.j, x.m0, x.m1, x.m1 - x.m0 AS delta,
           CASE WHEN x.m0 = x.m1 THEN NULL
                WHEN x.m0 = 0 AND EXISTS (SELECT 1 FROM subscriptions s
                                           WHERE s.customer_id = x.customer_id AND s.mrr_cents > 0
                                             AND s.valid_from < p0.d) THEN 'reactivation'
                WHEN x.m0 = 0 THEN 'new'
                WHEN x.m1 = 0 THEN 'churn'
                WHEN x.m1 > x.m0 THEN 'expansion'
                ELSE 'contraction' END AS kind
      FROM x JOIN pt p0 ON p0.i = x.j - 1
  )
  SELECT p1.i - 1, p0.d, p1.d,
         coalesce(sum(k.m0), 0)::bigint, (count(*) FILTER (WHERE k.m0 > 0))::int,
         coalesce(sum(k.delta) FILTER (WHERE k.kind = 'new'), 0)::bigint,
         coalesce(sum(k.delta) FILTER (WHERE k.kind = 'expansion'), 0)::bigint,
         coalesce(sum(k.delta) FILTER (WHERE k.kind = 'contraction'), 0)::bigint,
         coalesce(sum(k.delta) FILTER (WHERE k.kind = 'churn'), 0)::bigint,
         coalesce(sum(k.delta) FILTER (WHERE k.kind = 'reactivation'), 0)::bigint,
         coalesce(sum(k.m1), 0)::bigint, (count(*) FILTER (WHERE k.m1 > 0))::int,
         (count(*) FILTER (WHERE k.kind = 'new'))::int,
         (count(*) FILTER (WHERE k.kind = 'expansion'))::int,
         (count(*) FILTER (WHERE k.kind = 'contraction'))::int,
         (count(*) FILTER (WHERE k.kind = 'churn'))::int,
         (count(*) FILTER (WHERE k.kind = 'reactivation'))::int
    FROM pt p1 JOIN pt p0 ON p0.i = p1.i - 1
    LEFT JOIN k ON k.j = p1.i
   GROUP BY p1.i, p0.d, p1.d
   ORDER BY p1.i
$$;

-- Order rows per day and source in [p_from, p_to]: the pre-aggregate when it is built in the
-- session's zone, else the raw orders (correct, slower; the service job rebuilds the table).
CREATE OR REPLACE FUNCTION api.revenue_source_rows(p_from date, p_to date)
RETURNS SETOF revenue_source_daily LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF (SELECT tz FROM revenue_rollup_state) IS NOT DISTINCT FROM ns_tz() THEN
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

-- Reporting days of [p_from, p_to] with the start of their bucket (day, ISO week from Monday, month).
CREATE OR REPLACE FUNCTION api.revenue_buckets(p_gran text, p_from date, p_to date)
RETURNS TABLE (bucket date, day date) LANGUAGE sql IMMUTABLE AS $$
  SELECT date_trunc(p_gran, g)::date, g::date FROM generate_series(p_from, p_to, interval '1 day') g
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
  SELECT * INTO mv FROM api.revenue_movement_series(ARRAY[p_prev, p_day]);
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
       'reactivation', api.money(mv.reactivation_cents)),
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

-- GET /api/revenue/summary: the figures as of p_as_of (default today), and the same figures a
-- month before under "previous" (docs/api/revenue.md).
CREATE OR REPLACE FUNCTION api.revenue_summary(p_user int, p_role text, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d    date := api.revenue_as_of(p_as_of);
  p    date := (d - interval '1 month')::date;
  pp   date := (d - interval '2 months')::date;
BEGIN
  RETURN (api.revenue_summary_block(d, p) || jsonb_build_object('previous', api.revenue_summary_block(p, pp)))::json;
END $$;

-- ---------------------------------------------------------------- mrr

-- GET /api/revenue/mrr?months=N: MRR movements per calendar month, the last N months ending with
-- the month of as_of (that month runs to as_of and is marked partial unless as_of is its last day).
CREATE OR REPLACE FUNCTION api.revenue_mrr(p_user int, p_role text, p_months int, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d      date := api.revenue_as_of(p_as_of);
  m0     date := date_trunc('month', api.revenue_as_of(p_as_of))::date;
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
        'ending_mrr', api.money(s.end_cents),
        'starting_customers', s.start_customers,
        'new_customers', s.new_n, 'expansion_customers', s.expansion_n,
        'contraction_customers', s.contraction_n, 'churned_customers', s.churn_n,
        'reactivated_customers', s.reactivation_n,
        'ending_customers', s.end_customers,
        'customer_churn_rate_pct', api.pct(s.churn_n, s.start_customers)) ORDER BY s.j)
      FROM api.revenue_movement_series(pts) s), '[]'));
END $$;

-- ---------------------------------------------------------------- trend

-- GET /api/revenue/trend: order revenue, orders, AOV, refunds and chargebacks per day/week/month
-- bucket of [from, to] (default the last 30 days), from metrics_daily.  Edge buckets are partial
-- (their from/to say which days they hold); a bucket without orders has AOV null.
CREATE OR REPLACE FUNCTION api.revenue_trend(p_user int, p_role text, p_gran text,
                                             p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  r record := api.range(p_from, p_to, p_days, 30);
BEGIN
  RETURN (
    WITH b AS (
      SELECT x.bucket, min(x.day) AS d_from, max(x.day) AS d_to, count(*) AS days,
             coalesce(sum(m.revenue_cents), 0) AS rev, coalesce(sum(m.orders), 0) AS n,
             coalesce(sum(m.refunds_cents), 0) AS refunds, coalesce(sum(m.chargebacks_cents), 0) AS cb,
             coalesce(sum(m.net_revenue_cents), 0) AS net
        FROM api.revenue_buckets(p_gran, r.d_from, r.d_to) x
        LEFT JOIN metrics_daily m ON m.day = x.day
       GROUP BY x.bucket
    )
    SELECT json_build_object(
      'from', r.d_from, 'to', r.d_to, 'granularity', p_gran,
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
CREATE OR REPLACE FUNCTION api.revenue_refunds(p_user int, p_role text, p_gran text,
                                               p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  r record := api.range(p_from, p_to, p_days, 90);
BEGIN
  RETURN (
    WITH d AS (
      SELECT x.day, sum(x.orders) AS n, sum(x.revenue_cents) AS rev, sum(x.refunds) AS rn,
             sum(x.refunded_cents) AS ra, sum(x.chargebacks) AS cn, sum(x.chargeback_cents) AS ca
        FROM api.revenue_source_rows(r.d_from, r.d_to) x GROUP BY 1
    ), b AS (
      SELECT k.bucket, min(k.day) AS d_from, max(k.day) AS d_to,
             coalesce(sum(d.n), 0) AS n, coalesce(sum(d.rev), 0) AS rev,
             coalesce(sum(d.rn), 0) AS rn, coalesce(sum(d.ra), 0) AS ra,
             coalesce(sum(d.cn), 0) AS cn, coalesce(sum(d.ca), 0) AS ca
        FROM api.revenue_buckets(p_gran, r.d_from, r.d_to) k LEFT JOIN d ON d.day = k.day
       GROUP BY k.bucket
    )
    SELECT json_build_object(
      'from', r.d_from, 'to', r.d_to, 'granularity', p_gran,
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
