-- forecast.sql — the SQL behind services/forecast.  SQL decides the dates and the scope, C
-- fits the numbers: the history of every series (its window, its days, its units), the dates
-- a forecast is made for, the MRR target's calendar, the runway scenario model, the seasonal
-- indices, the churn-model features and which customers a user may see scored.  Every
-- function takes an explicit as_of (NULL: today, api.as_of) so fixture tests are
-- deterministic.  Formulas: docs/metrics.md ("Forecasts") and docs/api/forecast.md.
CREATE SCHEMA IF NOT EXISTS api;

-- as_of is checked by the common parameter layer (the one as_of rule) and defaulted by api.as_of.
DROP FUNCTION IF EXISTS api.forecast_as_of(date);

-- Monthly MRR snapshots on the days as_of - k months (k = p_points-1 .. 0), in cents, oldest
-- first.  "as_of - k months" clamps to the month's last day (Jan 31 - 1 month = Dec 31, Mar 31 -
-- 1 month = Feb 28).  Days without a metrics_daily row (before the first data day) are left out.
CREATE OR REPLACE FUNCTION api.forecast_mrr_series(p_as_of date, p_points int)
RETURNS TABLE (day date, value_cents bigint)
LANGUAGE sql STABLE AS $$
  SELECT m.day, m.mrr_cents
    FROM generate_series(p_points - 1, 0, -1) k
    JOIN metrics_daily m ON m.day = (p_as_of - make_interval(months => k))::date
   ORDER BY m.day
$$;

-- Daily series for the p_days complete days before p_as_of (p_as_of - p_days .. p_as_of - 1),
-- oldest first: 'revenue' = gross order revenue in cents (orders.total_cents by ordered_at day),
-- 'api_calls' = api_call events, 'usage_units' = metered usage_records.units.
CREATE OR REPLACE FUNCTION api.forecast_daily_series(p_metric text, p_as_of date, p_days int)
RETURNS TABLE (day date, value bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF p_metric NOT IN ('revenue', 'api_calls', 'usage_units') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('unknown daily series %L', p_metric);
  END IF;
  RETURN QUERY
    SELECT m.day, CASE p_metric WHEN 'revenue' THEN m.revenue_cents
                                WHEN 'api_calls' THEN m.api_calls::bigint
                                ELSE m.usage_units END
      FROM metrics_daily m
     WHERE m.day BETWEEN p_as_of - p_days AND p_as_of - 1
     ORDER BY m.day;
END $$;

-- Monthly total expenses (all categories, cents) of the last p_months full calendar months
-- before the month of p_as_of, oldest first; months without any expense row are left out.
CREATE OR REPLACE FUNCTION api.forecast_costs_series(p_as_of date, p_months int)
RETURNS TABLE (month date, value_cents bigint)
LANGUAGE sql STABLE AS $$
  SELECT e.month, sum(e.amount_cents)::bigint
    FROM expenses e
   WHERE e.month < date_trunc('month', p_as_of)::date
     AND e.month >= (date_trunc('month', p_as_of) - make_interval(months => p_months))::date
   GROUP BY e.month
   ORDER BY e.month
$$;

-- The history a series is forecast from, oldest first, in display units (USD for money, calls,
-- units), without the leading zeros (the days or months before the business had any):
--   mrr                             MRR on as_of - k months, k = 35 .. 0 (api.forecast_mrr_series)
--   revenue, api_calls, usage_units the 364 complete days before as_of (api.forecast_daily_series)
--   costs                           expenses of the 36 full months before as_of's month
CREATE OR REPLACE FUNCTION api.forecast_history(p_series text, p_as_of date)
RETURNS TABLE (day date, value numeric)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  days date[];
  vals numeric[];
BEGIN
  IF p_series = 'mrr' THEN
    SELECT array_agg(m.day ORDER BY m.day), array_agg(api.money(m.value_cents) ORDER BY m.day)
      INTO days, vals FROM api.forecast_mrr_series(p_as_of, 36) m;
  ELSIF p_series = 'costs' THEN
    SELECT array_agg(c.month ORDER BY c.month), array_agg(api.money(c.value_cents) ORDER BY c.month)
      INTO days, vals FROM api.forecast_costs_series(p_as_of, 36) c;
  ELSIF p_series IN ('revenue', 'api_calls', 'usage_units') THEN
    SELECT array_agg(d.day ORDER BY d.day),
           array_agg(CASE WHEN p_series = 'revenue' THEN api.money(d.value) ELSE d.value END ORDER BY d.day)
      INTO days, vals FROM api.forecast_daily_series(p_series, p_as_of, 364) d;
  ELSE
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('unknown series %L', p_series);
  END IF;
  RETURN QUERY
    SELECT u.day, u.value FROM unnest(days, vals) u(day, value)
     WHERE u.day >= (SELECT min(z.day) FROM unnest(days, vals) z(day, value) WHERE z.value <> 0)
     ORDER BY u.day;
END $$;

-- A series answer before the fit (services/forecast adds the forecast values, method, params,
-- backtest and data_version): as_of, series, unit, granularity, history[{date, value}] and
-- forecast[{date}], the p_horizon dates forecast:
--   mrr          as_of + h months, h = 1 .. p_horizon (the day clamps to the month's end)
--   costs        the months after the last month of the history
--   daily series as_of + h - 1 days (as_of is the first day not yet complete)
-- With p_complete, a history that stops short of its last point is an NS422 (HTTP 422): no MRR
-- snapshot on as_of, or no data for the day before as_of (rollups not refreshed yet).  An empty
-- history is not: the service answers that there is too little of it.
CREATE OR REPLACE FUNCTION api.forecast_series(p_series text, p_horizon int, p_as_of date,
                                               p_complete boolean DEFAULT true)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d       date := api.as_of(p_as_of);
  monthly boolean := p_series IN ('mrr', 'costs');
  hist    json;
  last    date;
BEGIN
  SELECT json_agg(json_build_object('date', h.day, 'value', h.value) ORDER BY h.day), max(h.day)
    INTO hist, last
    FROM api.forecast_history(p_series, d) h;
  IF p_complete AND p_series = 'mrr' AND last <> d THEN
    RAISE EXCEPTION USING ERRCODE = 'NS422',
      MESSAGE = format('no MRR snapshot for %s yet (rollups not refreshed)', d);
  END IF;
  IF p_complete AND NOT monthly AND last <> d - 1 THEN
    RAISE EXCEPTION USING ERRCODE = 'NS422', MESSAGE = format('no %s data for the day before %s', p_series, d);
  END IF;
  RETURN json_build_object(
    'as_of', d,
    'series', p_series,
    'unit', CASE p_series WHEN 'api_calls' THEN 'calls' WHEN 'usage_units' THEN 'units' ELSE 'USD' END,
    'granularity', CASE WHEN monthly THEN 'month' ELSE 'day' END,
    'history', coalesce(hist, '[]'),
    'forecast', coalesce((SELECT json_agg(json_build_object('date',
                                   CASE p_series WHEN 'mrr' THEN (d + make_interval(months => h))::date
                                                 WHEN 'costs' THEN (last + make_interval(months => h))::date
                                                 ELSE d + (h - 1) END) ORDER BY h)
                            FROM generate_series(1, p_horizon) h), '[]'));
END $$;

-- GET /api/forecast/mrr, /revenue, /usage and /costs: the series answer before the fit.
CREATE OR REPLACE FUNCTION api.forecast_mrr(p_user int, p_role text, p_months int, p_as_of date)
RETURNS json LANGUAGE sql STABLE AS $$ SELECT api.forecast_series('mrr', p_months, p_as_of) $$;

CREATE OR REPLACE FUNCTION api.forecast_revenue(p_user int, p_role text, p_days text, p_as_of date)
RETURNS json LANGUAGE sql STABLE AS $$ SELECT api.forecast_series('revenue', p_days::int, p_as_of) $$;

CREATE OR REPLACE FUNCTION api.forecast_costs(p_user int, p_role text, p_months int, p_as_of date)
RETURNS json LANGUAGE sql STABLE AS $$ SELECT api.forecast_series('costs', p_months, p_as_of) $$;

CREATE OR REPLACE FUNCTION api.forecast_usage(p_user int, p_role text, p_days text, p_metric text,
                                              p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF p_metric IS NULL OR p_metric NOT IN ('api_calls', 'usage_units') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('unknown usage metric %L', p_metric);
  END IF;
  RETURN api.forecast_series(p_metric, p_days::int, p_as_of);
END $$;

-- Income of the calendar month starting p_month (cents): net order revenue (total - refunded -
-- chargeback of orders placed in the month) + subscription payment_success amounts of the month,
-- both from the daily rollup.
CREATE OR REPLACE FUNCTION api.forecast_month_income(p_month date) RETURNS bigint
LANGUAGE sql STABLE AS $$
  -- (payments_cents: the day's payment_success billing events, metrics_daily)
  SELECT coalesce(sum(net_revenue_cents + payments_cents), 0)::bigint FROM metrics_daily
   WHERE day >= p_month AND day < (p_month + interval '1 month')::date
$$;

-- GET /api/forecast/runway: cash now, 3-month average net burn, runway and a month-by-month
-- scenario (see docs/api/forecast.md).  p_growth_pct: monthly growth of income (default 0),
-- p_burn_change_pct: one-off change of monthly costs (default 0); without growth_pct in the
-- request the service passes the MRR forecast's mean monthly growth.  Net burn of a month =
-- expenses - income; the average is over the last 3 full months before as_of's month and is
-- NULL unless all three have expense rows.  Scenario month t = 1..60 after as_of:
--   income_t = I0 * (1 + g)^t,  costs_t = C0 * (1 + c),  cash_t = cash_{t-1} - (costs_t - income_t)
-- with I0, C0 the 3-month averages.  zero_cash_date interpolates inside the month cash turns
-- negative (30.4375 days a month); break_even_month is the first month with income >= costs.
CREATE OR REPLACE FUNCTION api.forecast_runway(p_user int, p_role text, p_growth_pct numeric,
                                               p_burn_change_pct numeric, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d        date := api.as_of(p_as_of);
  m0       date := date_trunc('month', d)::date;
  g        numeric := coalesce(p_growth_pct, 0) / 100.0;
  c        numeric := coalesce(p_burn_change_pct, 0) / 100.0;
  cash_day date;
  cash     bigint;
  months   json;
  n_exp    int;
  inc      numeric;
  cst      numeric;
  burn     numeric;
  runway   numeric;
  t        int;
  bal      numeric;
  inc_t    numeric;
  cst_t    numeric;
  zero_t   numeric;
  be_t     int;
  path     json[] := '{}';
BEGIN
  SELECT cb.day, cb.balance_cents INTO cash_day, cash
    FROM cash_balances cb WHERE cb.day <= d ORDER BY cb.day DESC LIMIT 1;
  SELECT count(DISTINCT e.month), sum(e.amount_cents) / 3.0 INTO n_exp, cst
    FROM expenses e
   WHERE e.month >= (m0 - interval '3 months')::date AND e.month < m0;
  SELECT json_agg(json_build_object('month', x.mo, 'expenses', api.money(x.exp),
                                    'income', api.money(x.inc), 'net_burn', api.money(x.exp - x.inc))
                  ORDER BY x.mo),
         avg(x.inc)
    INTO months, inc
    FROM (SELECT mo::date AS mo,
                 coalesce((SELECT sum(amount_cents) FROM expenses WHERE month = mo::date), 0) AS exp,
                 api.forecast_month_income(mo::date) AS inc
            FROM generate_series(m0 - interval '3 months', m0 - interval '1 month', interval '1 month') mo) x;
  IF n_exp = 3 THEN
    burn := cst - inc;
  END IF;
  IF burn > 0 AND cash IS NOT NULL THEN
    runway := cash / burn;
  END IF;
  IF burn IS NOT NULL AND cash IS NOT NULL THEN
    bal := cash;
    FOR t IN 1..60 LOOP
      inc_t := inc * power(1 + g, t);
      cst_t := cst * (1 + c);
      IF be_t IS NULL AND inc_t >= cst_t THEN
        be_t := t;
      END IF;
      IF zero_t IS NULL AND bal - (cst_t - inc_t) < 0 THEN
        zero_t := (t - 1) + bal / (cst_t - inc_t);
      END IF;
      bal := bal - (cst_t - inc_t);
      IF t <= 24 THEN
        path := path || json_build_object('month', (m0 + make_interval(months => t))::date,
                                          'income', api.money(round(inc_t)), 'costs', api.money(round(cst_t)),
                                          'net_burn', api.money(round(cst_t - inc_t)),
                                          'cash', api.money(round(bal)));
      END IF;
    END LOOP;
  END IF;
  RETURN json_build_object(
    'as_of', d,
    'cash', api.money(cash), 'cash_as_of', cash_day,
    'monthly_expenses', api.money(round(cst)) ,
    'monthly_income', api.money(round(inc)),
    'monthly_net_burn', api.money(round(burn)),
    'burning', burn > 0,
    'runway_months', round(runway, 1),
    'zero_cash_date', CASE WHEN runway IS NOT NULL THEN (d + round(runway * 30.4375)::int) END,
    'last_months', months,
    'scenario', json_build_object(
        'growth_pct', round(g * 100, 4), 'burn_change_pct', round(c * 100, 4),
        'months_simulated', CASE WHEN burn IS NOT NULL AND cash IS NOT NULL THEN 60 END,
        'runway_months', round(zero_t, 1),
        'zero_cash_date', CASE WHEN zero_t IS NOT NULL THEN (d + round(zero_t * 30.4375)::int) END,
        'break_even_month', CASE WHEN be_t IS NOT NULL THEN (m0 + make_interval(months => be_t))::date END,
        'path', CASE WHEN burn IS NOT NULL AND cash IS NOT NULL THEN array_to_json(path) END));
END $$;

-- The MRR target whose period contains p_as_of (metric 'mrr_cents'), with MRR on p_as_of;
-- no row when there is no such target.
CREATE OR REPLACE FUNCTION api.forecast_target_info(p_as_of date)
RETURNS TABLE (period_start date, period_end date, target_cents numeric, mrr_cents bigint)
LANGUAGE sql STABLE AS $$
  SELECT t.period_start, t.period_end, t.value,
         (SELECT coalesce(sum(m.mrr_cents), 0)::bigint FROM mrr_at(p_as_of) m)
    FROM targets t
   WHERE t.metric = 'mrr_cents' AND p_as_of BETWEEN t.period_start AND t.period_end
   ORDER BY t.period_start DESC
   LIMIT 1
$$;

-- GET /api/forecast/target (SQL part: the calendar; the service fits MRR and walks the path):
-- the target whose period contains as_of and MRR on as_of, both in cents; days_left = period
-- end - as_of; steps[] the days the path runs through, as_of + k months (k = 0 .. 12, clamped
-- to month ends), with day = their distance from as_of in days.  No such target is an NS404.
CREATE OR REPLACE FUNCTION api.forecast_target(p_user int, p_role text, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d date := api.as_of(p_as_of);
  t record;
BEGIN
  SELECT * INTO t FROM api.forecast_target_info(d);
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'NS404', MESSAGE = format('no MRR target covers %s', d);
  END IF;
  RETURN json_build_object(
    'as_of', d, 'period_start', t.period_start, 'period_end', t.period_end,
    'target_cents', t.target_cents, 'mrr_cents', t.mrr_cents, 'days_left', t.period_end - d,
    'steps', (SELECT json_agg(json_build_object('date', s.day, 'day', s.day - d) ORDER BY k)
                FROM generate_series(0, 12) k, LATERAL (SELECT (d + make_interval(months => k))::date AS day) s));
END $$;

-- Day-of-week index of a daily series over the p_weeks*7 complete days before p_as_of:
-- ratio-to-moving-average.  Each day's value is divided by the centred 7-day mean around it
-- (days d-3 .. d+3, all inside the window); the index of a weekday is the mean of its ratios,
-- scaled so the seven indices average 1.  isodow 1 = Monday.
CREATE OR REPLACE FUNCTION api.forecast_dow_index(p_metric text, p_as_of date, p_weeks int)
RETURNS TABLE (isodow int, index numeric, samples int)
LANGUAGE sql STABLE AS $$
  WITH s AS (
    SELECT f.day, f.value,
           avg(f.value) OVER (ORDER BY f.day ROWS BETWEEN 3 PRECEDING AND 3 FOLLOWING) AS ma,
           count(*) OVER (ORDER BY f.day ROWS BETWEEN 3 PRECEDING AND 3 FOLLOWING) AS w
      FROM api.forecast_daily_series(p_metric, p_as_of, p_weeks * 7) f
  ), r AS (
    SELECT extract(isodow FROM s.day)::int AS dow, avg(s.value / s.ma) AS ratio, count(*)::int AS n
      FROM s WHERE s.w = 7 AND s.ma > 0 GROUP BY 1
  )
  -- (no index when every sampled day is 0: nothing to scale to a mean of 1)
  SELECT r.dow, round(r.ratio / nullif(avg(r.ratio) OVER (), 0), 4), r.n FROM r ORDER BY r.dow
$$;

-- Month-of-year index of monthly totals of a daily series (full months before p_as_of's month,
-- at most 36): each month's mean daily value divided by the mean daily value of the 12 months
-- centred on it (2x12 moving average: months m-6 .. m+6, the two ends weighted 1/2); averaged
-- per calendar month over the years available, then scaled to mean 1 over the months present.
CREATE OR REPLACE FUNCTION api.forecast_month_index(p_metric text, p_as_of date)
RETURNS TABLE (month int, index numeric, samples int)
LANGUAGE sql STABLE AS $$
  WITH d AS (
    SELECT date_trunc('month', f.day)::date AS mo, avg(f.value) AS v, count(*) AS days
      FROM api.forecast_daily_series(p_metric, date_trunc('month', p_as_of)::date, 1100) f
     GROUP BY 1
  ), full_months AS (
    SELECT mo, v FROM d WHERE days = extract(day FROM (mo + interval '1 month' - interval '1 day'))
  ), ma AS (
    SELECT a.mo, a.v,
           (SELECT sum(b.v * CASE WHEN abs((extract(year FROM b.mo) * 12 + extract(month FROM b.mo))
                                           - (extract(year FROM a.mo) * 12 + extract(month FROM a.mo))) = 6
                                  THEN 0.5 ELSE 1 END) / 12
              FROM full_months b
             WHERE b.mo BETWEEN (a.mo - interval '6 months')::date AND (a.mo + interval '6 months')::date
            HAVING count(*) = 13) AS ma
      FROM full_months a
  ), r AS (
    SELECT extract(month FROM mo)::int AS m, avg(v / ma) AS ratio, count(*)::int AS n
      FROM ma WHERE ma > 0 GROUP BY 1
  )
  SELECT r.m, round(r.ratio / nullif(avg(r.ratio) OVER (), 0), 4), r.n FROM r ORDER BY r.m
$$;

-- GET /api/forecast/seasonality (SQL part): weekly and yearly indices of revenue and API calls.
-- A pattern is "detected" when its indices spread by more than 10 % (max - min > 0.10).
CREATE OR REPLACE FUNCTION api.forecast_seasonality(p_user int, p_role text, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d   date := api.as_of(p_as_of);
  out json;
BEGIN
  -- each index computed once per metric (one aggregate over its rows)
  SELECT json_object_agg(x.metric, json_build_object(
           'weekly', (SELECT json_build_object(
              'window_days', 84,
              'day_of_week', coalesce(json_agg(json_build_object(
                                'isodow', w.isodow, 'day', (ARRAY['Mon','Tue','Wed','Thu','Fri','Sat','Sun'])[w.isodow],
                                'index', w.index, 'samples', w.samples) ORDER BY w.isodow), '[]'),
              'amplitude', max(w.index) - min(w.index),
              'detected', coalesce(count(*) = 7 AND max(w.index) - min(w.index) > 0.10, false))
                        FROM api.forecast_dow_index(x.metric, d, 12) w),
           'yearly', (SELECT json_build_object(
              'month_of_year', coalesce(json_agg(json_build_object('month', y.month, 'index', y.index,
                                   'samples', y.samples) ORDER BY y.month), '[]'),
              'amplitude', max(y.index) - min(y.index),
              'detected', coalesce(count(*) = 12 AND max(y.index) - min(y.index) > 0.10, false))
                        FROM api.forecast_month_index(x.metric, d) y)))
    INTO out
    FROM (VALUES ('revenue'), ('api_calls')) x(metric);
  RETURN json_build_object('as_of', d, 'series', out);
END $$;

-- Churn-model features of every customer paying on p_day (windows end on p_day, inclusive),
-- and the label "no MRR on p_day + 30" when p_label.  Features (docs/api/forecast.md):
--   usage_trend         ln((events in the last 30 days + 1) / (events in the 30 days before + 1))
--   usage_30d           ln(1 + events in the last 30 days)
--   seats               ln(1 + seats paid for), seats = sum(quantity) of the paying rows
--   seat_utilisation    min(1, distinct active users in the last 30 days / seats)
--   tickets_90d         support tickets opened in the last 90 days
--   failed_payments_60d payment_failed billing events in the last 60 days
--   tenure_months       (p_day - first paid day) / 30.4375
--   plan_tier           highest plan paid for: starter 0, professional 1, business 2, enterprise 3
--   nps_detractor       1 when the latest NPS answer of the last 365 days is 0-6, else 0
--   segment_tier        customers.segment: smb 0, mid_market 1, enterprise 2
--   paid_social         1 when the customer was acquired through paid social (customers.channel)
--   tickets_30d         support tickets opened in the last 30 days
--   days_since_active   days since the customer's last day with events (customer_daily), looking
--                       back 90 days: p_day - that day, 90 when there was none
DROP FUNCTION IF EXISTS api.forecast_churn_current(int, text, date);
DROP FUNCTION IF EXISTS api.forecast_churn_training(date, int);
DROP FUNCTION IF EXISTS api.forecast_churn_features(date, boolean);
CREATE OR REPLACE FUNCTION api.forecast_churn_features(p_day date, p_label boolean)
RETURNS TABLE (customer_id int, usage_trend float8, usage_30d float8, seats float8,
               seat_utilisation float8, tickets_90d float8, failed_payments_60d float8,
               tenure_months float8, plan_tier float8, nps_detractor float8, segment_tier float8,
               paid_social float8, tickets_30d float8, days_since_active float8, churned int)
LANGUAGE sql STABLE AS $$
  WITH paying AS (
    SELECT s.customer_id, sum(s.quantity) AS seats,
           max(CASE p.code WHEN 'starter' THEN 0 WHEN 'professional' THEN 1 WHEN 'business' THEN 2 ELSE 3 END) AS tier
      FROM subscriptions s JOIN plans p ON p.id = s.plan_id
     WHERE s.in_effect @> p_day
     GROUP BY 1 HAVING sum(s.mrr_cents) > 0
  ), ev AS (
    SELECT cd.customer_id,
           sum(cd.events) FILTER (WHERE cd.day > p_day - 30) AS e30,
           sum(cd.events) FILTER (WHERE cd.day BETWEEN p_day - 59 AND p_day - 30) AS e_prev,
           max(cd.day) FILTER (WHERE cd.events > 0) AS last_day
      FROM customer_daily cd
     WHERE cd.day BETWEEN p_day - 89 AND p_day
     GROUP BY 1
  ), us AS (
    SELECT a.customer_id, count(DISTINCT a.user_id) AS users
      FROM active_users_daily a WHERE a.day BETWEEN p_day - 29 AND p_day GROUP BY 1
  ), tk AS (
    SELECT t.customer_id, count(*) AS n,
           count(*) FILTER (WHERE t.opened_at >= ns_day_start(p_day - 29)) AS n30
      FROM support_tickets t
     WHERE t.opened_at >= ns_day_start(p_day - 89) AND t.opened_at < ns_day_start(p_day + 1) GROUP BY 1
  ), fp AS (
    SELECT b.customer_id, count(*) AS n FROM billing_events b
     WHERE b.kind = 'payment_failed'
       AND b.occurred_at >= ns_day_start(p_day - 59) AND b.occurred_at < ns_day_start(p_day + 1) GROUP BY 1
  )
  SELECT p.customer_id,
         ln((coalesce(ev.e30, 0) + 1)::float8 / (coalesce(ev.e_prev, 0) + 1)),
         ln(1 + coalesce(ev.e30, 0)::float8),
         ln(1 + p.seats::float8),
         least(1.0, coalesce(us.users, 0)::float8 / p.seats),
         coalesce(tk.n, 0)::float8,
         coalesce(fp.n, 0)::float8,
         (p_day - (SELECT min(s.valid_from) FROM subscriptions s
                    WHERE s.customer_id = p.customer_id AND s.mrr_cents > 0))::float8 / 30.4375,
         p.tier::float8,
         coalesce((SELECT CASE WHEN n.score <= 6 THEN 1 ELSE 0 END FROM nps_responses n
                    WHERE n.customer_id = p.customer_id
                      AND n.answered_at >= ns_day_start(p_day - 364) AND n.answered_at < ns_day_start(p_day + 1)
                    ORDER BY n.answered_at DESC LIMIT 1), 0)::float8,
         CASE c.segment WHEN 'smb' THEN 0 WHEN 'mid_market' THEN 1 ELSE 2 END::float8,
         CASE WHEN c.channel = 'paid_social' THEN 1 ELSE 0 END::float8,
         coalesce(tk.n30, 0)::float8,
         coalesce(p_day - ev.last_day, 90)::float8,
         CASE WHEN p_label THEN
           CASE WHEN EXISTS (SELECT 1 FROM subscriptions s
                              WHERE s.customer_id = p.customer_id AND s.mrr_cents > 0
                                AND s.in_effect @> p_day + 30)
                THEN 0 ELSE 1 END
         END
    FROM paying p
    JOIN customers c ON c.id = p.customer_id
    LEFT JOIN ev ON ev.customer_id = p.customer_id
    LEFT JOIN us ON us.customer_id = p.customer_id
    LEFT JOIN tk ON tk.customer_id = p.customer_id
    LEFT JOIN fp ON fp.customer_id = p.customer_id
   ORDER BY p.customer_id
$$;

-- JIT is off for the two churn queries: compiling their many expressions costs more (about 1 s at
-- SCALE=1) than it saves.
-- Training rows of the churn model: features and label of every customer paying on the
-- snapshot days p_as_of - 30*k, k = 1 .. p_snapshots (so every label window ends by p_as_of).
-- snapshot_no = k (1 = most recent), used for the time-ordered holdout.
CREATE OR REPLACE FUNCTION api.forecast_churn_training(p_as_of date, p_snapshots int)
RETURNS TABLE (snapshot_no int, customer_id int, usage_trend float8, usage_30d float8, seats float8,
               seat_utilisation float8, tickets_90d float8, failed_payments_60d float8,
               tenure_months float8, plan_tier float8, nps_detractor float8, segment_tier float8,
               paid_social float8, tickets_30d float8, days_since_active float8, churned int)
LANGUAGE sql STABLE SET jit = off AS $$
  SELECT k, f.*
    FROM generate_series(1, p_snapshots) k
    CROSS JOIN LATERAL api.forecast_churn_features(p_as_of - 30 * k, true) f
   ORDER BY k, f.customer_id
$$;

-- Customers to score on p_as_of (a day: the service passes its model's): features plus name
-- and MRR of every paying customer.  No row scope here: the service keeps these rows with its
-- model (up to CHURN_MAX_AGE) and applies the scope on every request with
-- api.forecast_churn_scope, from the owners of that moment.
CREATE OR REPLACE FUNCTION api.forecast_churn_current(p_as_of date)
RETURNS TABLE (customer_id int, name text, mrr_cents bigint, usage_trend float8,
               usage_30d float8, seats float8, seat_utilisation float8, tickets_90d float8,
               failed_payments_60d float8, tenure_months float8, plan_tier float8, nps_detractor float8,
               segment_tier float8, paid_social float8, tickets_30d float8, days_since_active float8)
LANGUAGE sql STABLE SET jit = off AS $$
  SELECT f.customer_id, c.name,
         m.mrr_cents,
         f.usage_trend, f.usage_30d, f.seats, f.seat_utilisation, f.tickets_90d,
         f.failed_payments_60d, f.tenure_months, f.plan_tier, f.nps_detractor, f.segment_tier, f.paid_social,
         f.tickets_30d, f.days_since_active
    FROM api.forecast_churn_features(p_as_of, false) f
    JOIN customers c ON c.id = f.customer_id
    LEFT JOIN mrr_at(p_as_of) m ON m.customer_id = f.customer_id
   ORDER BY f.customer_id
$$;

-- The customers p_user may see scored, by id, now: the one row-scope rule (customer_in_scope,
-- sql/schema/045_scope.sql) on the current owners.  Read on every churn-risk request.
CREATE OR REPLACE FUNCTION api.forecast_churn_scope(p_user int, p_role text)
RETURNS TABLE (customer_id int)
LANGUAGE sql STABLE AS $$
  SELECT c.id FROM customers c
   WHERE customer_in_scope(p_user, p_role, c.id, c.cs_owner_id, c.sales_owner_id)
   ORDER BY c.id
$$;

-- GET /api/forecast/churn-risk (SQL part: the head of the answer; the service scores the rows
-- of api.forecast_churn_current that api.forecast_churn_scope lets the user see, sorts them by
-- probability and lists the first p_limit):
-- as_of, the label's horizon in days (api.forecast_churn_features) and the row scope in words.
CREATE OR REPLACE FUNCTION api.forecast_churn_risk(p_user int, p_role text, p_limit int, p_as_of date)
RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object('as_of', api.as_of(p_as_of), 'horizon_days', 30,
                           'scope', CASE WHEN p_role = 'cs' THEN 'customers you own' ELSE 'all paying customers' END)
$$;
