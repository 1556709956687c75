-- users.sql — the SQL behind services/users: one function per endpoint, each returning the
-- endpoint's whole JSON answer.  Formulas: docs/metrics.md ("Customer success", "Customers");
-- answers: docs/api/users.md.  Parameters arrive validated by the route table ($1 user id,
-- $2 role, then the declared parameters, then from/to/days, then as_of, then the path id).
CREATE SCHEMA IF NOT EXISTS api;

-- Row scope: customer_in_scope() / customer_visible() (sql/schema/045_scope.sql), the one rule.
DROP FUNCTION IF EXISTS api.users_in_scope(int, text, int, int, int);

-- MRR at risk of one customer: all of it when high risk, half when medium, none when healthy.
CREATE OR REPLACE FUNCTION api.users_mrr_at_risk(p_mrr_cents bigint, p_band text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_band WHEN 'high_risk' THEN p_mrr_cents WHEN 'medium_risk' THEN p_mrr_cents / 2 ELSE 0 END
$$;

CREATE OR REPLACE FUNCTION api.users_action(p_band text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_band WHEN 'high_risk' THEN 'intervene' WHEN 'medium_risk' THEN 'schedule_check_in'
                     ELSE 'upsell' END
$$;

-- Customer (logo) and revenue churn of the calendar month ending on p_end (p_end = last day of
-- the month): churn movements ÷ paying customers at the start, (churn + contraction) ÷ MRR at
-- the start, and the net variant (minus expansion and reactivation).
CREATE OR REPLACE FUNCTION api.users_month_churn(p_end date) RETURNS json
LANGUAGE sql STABLE AS $$
  -- the month's MRR movements as the revenue views read them (stored once the month is complete);
  -- a change of exchange rate (fx) is not churn (docs/metrics.md), nor are new customers
  SELECT json_build_object(
           'month', to_char(p_end, 'YYYY-MM'),
           'customers_at_start', m.start_customers,
           'churned_customers', m.churn_n,
           'customer_churn_rate', api.pct(m.churn_n, m.start_customers),
           'mrr_at_start', api.money(m.start_cents),
           'revenue_churn_rate', api.pct(-(m.churn_cents + m.contraction_cents), m.start_cents),
           'net_revenue_churn_rate', api.pct(-(m.churn_cents + m.contraction_cents + m.expansion_cents
                                               + m.reactivation_cents), m.start_cents))
    FROM revenue_movement_pairs(ARRAY[(date_trunc('month', p_end) - interval '1 day')::date], ARRAY[p_end]) m
$$;

-- Trial-to-paid over the 30 days ending p_day (docs/metrics.md): trials started in the window
-- whose trial ended before p_day; converted = has converted_at by the end of p_day.  Average days
-- to convert: signup → converted_at of the customers converting in the window.
CREATE OR REPLACE FUNCTION api.users_trials(p_day date) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'trials_ended', t.ended, 'converted', t.conv,
    'trial_to_paid_rate', api.pct(t.conv, t.ended),
    'avg_days_to_convert', (SELECT round(avg(extract(epoch FROM c.converted_at - c.signup_at) / 86400.0), 1)
                              FROM customers c
                             WHERE c.converted_at >= ns_day_start(p_day - 29)
                               AND c.converted_at < ns_day_start(p_day + 1)))
  FROM (SELECT count(*) AS ended,
               count(*) FILTER (WHERE c.converted_at < ns_day_start(p_day + 1)) AS conv
          FROM customers c
         WHERE c.trial_started_on BETWEEN p_day - 29 AND p_day AND c.trial_ends_on < p_day) t
$$;

-- Active trials on p_day: trial running that day, not converted and not churned by its end.
CREATE OR REPLACE FUNCTION api.users_active_trials(p_day date) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT count(*) FROM customers c
   WHERE c.trial_started_on <= p_day AND c.trial_ends_on >= p_day
     AND (c.converted_at IS NULL OR c.converted_at >= ns_day_start(p_day + 1))
     AND (c.churned_at IS NULL OR c.churned_at >= ns_day_start(p_day + 1))
$$;

-- NPS over [p_from, p_to] from the daily rollup: (promoters − detractors) ÷ answers × 100.
CREATE OR REPLACE FUNCTION api.users_nps(p_from date, p_to date) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT json_build_object('from', p_from, 'to', p_to,
           'responses', coalesce(sum(nps_promoters + nps_passives + nps_detractors), 0),
           'promoters', coalesce(sum(nps_promoters), 0), 'passives', coalesce(sum(nps_passives), 0),
           'detractors', coalesce(sum(nps_detractors), 0),
           'nps', api.pct(sum(nps_promoters) - sum(nps_detractors),
                          sum(nps_promoters + nps_passives + nps_detractors)))
    FROM metrics_daily WHERE day BETWEEN p_from AND p_to
$$;

-- GET /api/users/summary — company-wide customer KPIs as of p_as_of, each with the value of the
-- previous period (point-in-time and "today" values: the day before; 30-day windows: the 30 days
-- before; WAU: 7 days before; MAU: 30 days before; churn: the month before; NPS: the 90 days before).
CREATE OR REPLACE FUNCTION api.users_summary(p_user int, p_role text, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE SET jit = off AS $$
DECLARE
  d     date := api.as_of(p_as_of);
  m_end date := (date_trunc('month', api.as_of(p_as_of)) - interval '1 day')::date;
  t     metrics_daily;
  y     metrics_daily;
  w     metrics_daily;
  mo    metrics_daily;
BEGIN
  SELECT * INTO t FROM metrics_daily WHERE day = d;
  SELECT * INTO y FROM metrics_daily WHERE day = d - 1;
  SELECT * INTO w FROM metrics_daily WHERE day = d - 7;
  SELECT * INTO mo FROM metrics_daily WHERE day = d - 30;
  RETURN json_build_object(
    'as_of', d,
    'total_customers', json_build_object('value', coalesce(t.paying_customers, 0),
                                         'previous', coalesce(y.paying_customers, 0)),
    -- customers with events on a day of d-29 .. d (previous: d-59 .. d-30), from the activity snapshot
    'active_customers_30d', (SELECT json_build_object('value', count(*) FILTER (WHERE a.active_days_30d > 0),
                                                      'previous', count(*) FILTER (WHERE a.active_days_prev_30d > 0))
                               FROM customer_activity_rows(d) a),
    'new_signups_today', json_build_object('value', coalesce(t.new_customers, 0),
                                           'previous', coalesce(y.new_customers, 0)),
    'active_trials', json_build_object('value', api.users_active_trials(d),
                                       'previous', api.users_active_trials(d - 1)),
    'churned_today', json_build_object('value', coalesce(t.churned_customers, 0),
                                       'previous', coalesce(y.churned_customers, 0)),
    'trials_30d', json_build_object('value', api.users_trials(d), 'previous', api.users_trials(d - 30)),
    'dau', json_build_object('value', coalesce(t.active_users, 0), 'previous', coalesce(y.active_users, 0)),
    'wau', json_build_object('value', coalesce(t.wau, 0), 'previous', coalesce(w.wau, 0)),
    'mau', json_build_object('value', coalesce(t.mau, 0), 'previous', coalesce(mo.mau, 0)),
    'dau_mau_pct', json_build_object('value', api.pct(t.active_users, t.mau),
                                     'previous', api.pct(y.active_users, y.mau)),
    'churn_last_month', json_build_object(
        'value', api.users_month_churn(m_end),
        'previous', api.users_month_churn((date_trunc('month', m_end) - interval '1 day')::date)),
    'nps_90d', json_build_object('value', api.users_nps(d - 89, d), 'previous', api.users_nps(d - 179, d - 90)));
END $$;

-- The health list's company-wide figures on p_day: customers, per risk band, average score, MRR and
-- MRR at risk; kept with the customer snapshot of the day (customer_snapshot_keep).
CREATE OR REPLACE FUNCTION users_health_company(p_day date)
RETURNS TABLE (customers bigint, high_risk bigint, medium_risk bigint, healthy bigint, average_score numeric,
               mrr_cents numeric, mrr_at_risk_cents numeric)
LANGUAGE sql STABLE AS $$
  SELECT count(*), count(*) FILTER (WHERE h.risk_band = 'high_risk'), count(*) FILTER (WHERE h.risk_band = 'medium_risk'),
         count(*) FILTER (WHERE h.risk_band = 'healthy'), avg(h.health_score), coalesce(sum(h.mrr_cents), 0),
         coalesce(sum(api.users_mrr_at_risk(h.mrr_cents, h.risk_band)), 0)
    FROM customer_health_rows(p_day) h
$$;
SELECT customer_snapshot_keeper_register('users_health_company', 'users_health_company');

-- The health list's sort orders, as indexes of the snapshot (a page of a snapshot day is read in
-- order and stops after its rows); the MRR-at-risk one is on api.users_mrr_at_risk itself.
CREATE INDEX IF NOT EXISTS customer_health_daily_at_risk_idx
    ON customer_health_daily (day, api.users_mrr_at_risk(mrr_cents, risk_band) DESC, mrr_cents DESC, customer_id);
CREATE INDEX IF NOT EXISTS customer_health_daily_score_idx ON customer_health_daily (day, health_score, customer_id);
CREATE INDEX IF NOT EXISTS customers_name_idx ON customers (name, id);

-- GET /api/users/health-scores — health score of every paying customer on p_as_of, filtered by
-- band, sorted, paginated.  cs sees only the customers it owns; "company" is company-wide.  As the
-- customer list: the day's snapshot when it has one (else customer_health(), live), put into one
-- statement so that the page is read in index order; company figures from the kept row.
CREATE OR REPLACE FUNCTION api.users_health(p_user int, p_role text, p_risk text, p_sort text,
                                            p_limit text, p_offset text, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d     date := api.as_of(p_as_of);
  band  text := CASE p_risk WHEN 'high' THEN 'high_risk' WHEN 'medium' THEN 'medium_risk'
                            WHEN 'healthy' THEN 'healthy' END;
  co    record;
  n     bigint;
  page  json;
  list  text := format(
    'SELECT h.*, c.name, api.users_mrr_at_risk(h.mrr_cents, h.risk_band) AS at_risk
       FROM %s h JOIN customers c ON c.id = h.customer_id
      WHERE ($2::text IS NULL OR h.risk_band = $2) AND customer_in_scope($3, $4, c.id, c.cs_owner_id, c.sales_owner_id)',
    CASE WHEN customer_snapshot_taken(d) THEN '(SELECT * FROM customer_health_daily WHERE day = $1)'
         ELSE '(SELECT $1 AS day, x.* FROM customer_health($1) x)' END);
  ord   text := CASE p_sort WHEN 'score' THEN 'h.health_score, h.customer_id'
                            WHEN 'name' THEN 'c.name, c.id'
                            ELSE 'api.users_mrr_at_risk(h.mrr_cents, h.risk_band) DESC, h.mrr_cents DESC, h.customer_id' END;
  ord_page text := CASE p_sort WHEN 'score' THEN 'p.health_score, p.customer_id' WHEN 'name' THEN 'p.name, p.customer_id'
                               ELSE 'p.at_risk DESC, p.mrr_cents DESC, p.customer_id' END;
BEGIN
  SELECT * INTO co FROM jsonb_to_recordset(customer_snapshot_rows('users_health_company', d))
      AS x(customers bigint, high_risk bigint, medium_risk bigint, healthy bigint, average_score numeric,
           mrr_cents numeric, mrr_at_risk_cents numeric);
  IF scope_is_company(p_role) THEN
    n := CASE band WHEN 'high_risk' THEN co.high_risk WHEN 'medium_risk' THEN co.medium_risk
                   WHEN 'healthy' THEN co.healthy ELSE co.customers END;
  ELSE
    EXECUTE 'SELECT count(*) FROM (' || list || ') r' INTO n USING d, band, p_user, p_role;
  END IF;
  EXECUTE 'SELECT coalesce(json_agg(json_build_object(
             ''customer_id'', p.customer_id, ''name'', p.name,
             ''health_score'', p.health_score, ''risk_band'', p.risk_band,
             ''usage'', p.usage_score, ''adoption'', p.adoption_score,
             ''support'', p.support_score, ''payment'', p.payment_score,
             ''action'', api.users_action(p.risk_band),
             ''mrr'', api.money(p.mrr_cents), ''mrr_at_risk'', api.money(p.at_risk),
             ''active_days_30d'', p.active_days_30d, ''active_users_30d'', p.active_users_30d,
             ''seats'', p.seats, ''tickets_30d'', p.tickets_30d,
             ''open_urgent_tickets'', p.open_urgent_tickets, ''low_csat_90d'', p.low_csat_90d,
             ''failed_payments_60d'', p.failed_payments_60d, ''chargebacks_90d'', p.chargebacks_90d)
             ORDER BY ' || ord_page || '), ''[]''::json)
      FROM (' || list || ' ORDER BY ' || ord || ' OFFSET $5 LIMIT $6) p'
    INTO page USING d, band, p_user, p_role, p_offset::int, p_limit::int;
  RETURN json_build_object(
    'as_of', d, 'risk', p_risk, 'sort', p_sort, 'limit', p_limit::int, 'offset', p_offset::int,
    'total', n,
    'company', json_build_object(
        'customers', co.customers, 'high_risk', co.high_risk, 'medium_risk', co.medium_risk,
        'healthy', co.healthy, 'average_score', round(co.average_score, 1),
        'mrr', api.money(co.mrr_cents), 'mrr_at_risk', api.money(co.mrr_at_risk_cents)),
    'customers', page);
END $$;

-- MRR of one customer on day p_day.
CREATE OR REPLACE FUNCTION api.users_customer_mrr(p_customer int, p_day date) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(m.mrr_cents), 0)::bigint FROM mrr_rows(ARRAY[p_day]) m WHERE m.customer_id = p_customer
$$;

-- GET /api/users/customers/{id} — one customer's drill-down as of p_as_of.  404 when there is no
-- such customer or the user may not see it (the same answer for both).
CREATE OR REPLACE FUNCTION api.users_customer(p_user int, p_role text, p_as_of date, p_id int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d    date := api.as_of(p_as_of);
  c    customers;
  eod  timestamptz := ns_day_start(api.as_of(p_as_of) + 1);
  h    customer_health_daily;
BEGIN
  SELECT * INTO c FROM customers WHERE id = p_id;
  -- Another owner's customer and a missing one get the same answer, so that the answer does not
  -- tell a cs user which customer ids exist.
  IF NOT FOUND OR NOT customer_in_scope(p_user, p_role, c.id, c.cs_owner_id, c.sales_owner_id) THEN
    RAISE EXCEPTION USING ERRCODE = 'NS404', MESSAGE = format('no customer %s that you can see', p_id);
  END IF;
  SELECT * INTO h FROM customer_health_rows(d) x WHERE x.customer_id = p_id;
  RETURN json_build_object(
    'as_of', d,
    'profile', json_build_object(
       'id', c.id, 'name', c.name, 'email', c.email, 'segment', c.segment, 'country', c.country,
       'channel', c.channel, 'signup_at', c.signup_at, 'trial_started_on', c.trial_started_on,
       'trial_ends_on', c.trial_ends_on, 'converted_at', c.converted_at, 'churned_at', c.churned_at,
       'cs_owner', (SELECT json_build_object('id', u.id, 'name', u.name) FROM app_users u WHERE u.id = c.cs_owner_id),
       'sales_owner', (SELECT json_build_object('id', u.id, 'name', u.name) FROM app_users u WHERE u.id = c.sales_owner_id)),
    'plan', coalesce((SELECT json_agg(json_build_object('plan', p.code, 'name', p.name, 'quantity', s.quantity,
                                                       'mrr', api.money(mrr_value(s.mrr_cents, s.mrr_original_cents, s.currency, d)), 'since', s.valid_from,
                                                       'until', s.valid_to) ORDER BY s.valid_from, s.id)
                        FROM subscriptions s JOIN plans p ON p.id = s.plan_id
                       WHERE s.customer_id = c.id AND s.in_effect @> d), '[]'::json),
    'mrr', api.money(api.users_customer_mrr(c.id, d)),
    -- MRR on the last day of each of the 12 months before d's month, then on d
    'mrr_history', (SELECT json_agg(json_build_object('day', x.day, 'mrr', api.money(api.users_customer_mrr(c.id, x.day)))
                                    ORDER BY x.day)
                      FROM (SELECT (date_trunc('month', d) - make_interval(months => k) - interval '1 day')::date AS day
                              FROM generate_series(0, 11) k
                            UNION SELECT d) x),
    'health', CASE WHEN h.customer_id IS NULL THEN NULL ELSE json_build_object(
       'health_score', h.health_score, 'risk_band', h.risk_band, 'action', api.users_action(h.risk_band),
       'usage', h.usage_score, 'adoption', h.adoption_score, 'support', h.support_score,
       'payment', h.payment_score, 'mrr_at_risk', api.money(api.users_mrr_at_risk(h.mrr_cents, h.risk_band))) END,
    'health_history', coalesce((SELECT json_agg(json_build_object('day', x.day, 'health_score', x.health_score,
                                                                 'risk_band', x.risk_band) ORDER BY x.day)
                                  FROM customer_health_daily x
                                 WHERE x.customer_id = c.id AND x.day BETWEEN d - 365 AND d), '[]'::json),
    -- weekly usage over the 12 weeks ending on d (week i = days d-7i-6 .. d-7i)
    'usage_trend', (SELECT json_agg(json_build_object('week_end', d - 7 * k,
                                      'active_days', (SELECT count(*) FROM customer_daily x WHERE x.customer_id = c.id
                                                       AND x.day BETWEEN d - 7 * k - 6 AND d - 7 * k AND x.events > 0),
                                      'events', (SELECT coalesce(sum(x.events), 0) FROM customer_daily x
                                                  WHERE x.customer_id = c.id AND x.day BETWEEN d - 7 * k - 6 AND d - 7 * k),
                                      'sessions', (SELECT coalesce(sum(x.sessions), 0) FROM customer_daily x
                                                    WHERE x.customer_id = c.id AND x.day BETWEEN d - 7 * k - 6 AND d - 7 * k),
                                      'feature_uses', (SELECT coalesce(sum(x.feature_uses), 0) FROM customer_daily x
                                                        WHERE x.customer_id = c.id AND x.day BETWEEN d - 7 * k - 6 AND d - 7 * k))
                                    ORDER BY k DESC)
                      FROM generate_series(0, 11) k),
    -- features used in the 90 days ending on d
    'features_used', coalesce((SELECT json_agg(json_build_object('feature', f.feature, 'uses', f.n, 'last_used', f.last)
                                               ORDER BY f.n DESC, f.feature)
                                 FROM (SELECT e.feature, count(*) AS n, max(e.occurred_at) AS last FROM events e
                                        WHERE e.customer_id = c.id AND e.type = 'feature_used' AND e.feature IS NOT NULL
                                          AND e.occurred_at >= ns_day_start(d - 89) AND e.occurred_at < eod
                                        GROUP BY 1) f), '[]'::json),
    'open_tickets', coalesce((SELECT json_agg(json_build_object('id', t.id, 'opened_at', t.opened_at, 'priority', t.priority)
                                              ORDER BY t.opened_at)
                                FROM support_tickets t
                               WHERE t.customer_id = c.id AND t.opened_at < eod
                                 AND (t.resolved_at IS NULL OR t.resolved_at >= eod)), '[]'::json),
    'nps', coalesce((SELECT json_agg(json_build_object('answered_at', n.answered_at, 'score', n.score) ORDER BY n.answered_at)
                       FROM nps_responses n WHERE n.customer_id = c.id AND n.answered_at < eod), '[]'::json),
    -- billing events of the 365 days ending on d, newest first
    'payments', coalesce((SELECT json_agg(json_build_object('occurred_at', b.occurred_at, 'kind', b.kind,
                                                           'amount', api.money(b.amount_cents)) ORDER BY b.occurred_at DESC, b.id DESC)
                            FROM billing_events b
                           WHERE b.customer_id = c.id AND b.occurred_at >= ns_day_start(d - 364) AND b.occurred_at < eod), '[]'::json));
END $$;

-- GET /api/users/cohorts — retention matrix.  A cohort is the customers whose first payment
-- (converted_at) falls in one period (month or ISO week); period k is the k-th period after it.
-- logos: % of the cohort paying (MRR > 0) on the last day of period k; revenue: cohort MRR on that
-- day ÷ cohort MRR on the last day of period 0 (can exceed 100 %).  Days after p_as_of are not
-- measured; the current period is measured on p_as_of.  p_months: cohorts starting in the last
-- p_months months (including the current one).
CREATE OR REPLACE FUNCTION api.users_cohorts(p_user int, p_role text, p_period text, p_metric text,
                                             p_months text, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE SET jit = off AS $$
DECLARE
  d     date := api.as_of(p_as_of);
  step  interval := CASE p_period WHEN 'week' THEN interval '1 week' ELSE interval '1 month' END;
  first date := date_trunc(CASE p_period WHEN 'week' THEN 'week' ELSE 'month' END,
                           date_trunc('month', api.as_of(p_as_of)) - make_interval(months => p_months::int - 1))::date;
  res   json;
BEGIN
  -- The cells of the measurement days (period ends, the last one p_as_of): kept ones read from
  -- users_cohort_cells, the others computed live by the same rule (520_users.sql).
  WITH periods AS MATERIALIZED (
    SELECT (row_number() OVER (ORDER BY g))::int AS i, g::date AS start, least((g + step)::date - 1, d) AS day
      FROM generate_series(first, d, step) g
  ), kept AS MATERIALIZED (
    SELECT p.day FROM periods p JOIN users_cohort_days k ON k.kind = p_period AND k.day = p.day
  ), cells AS MATERIALIZED (
    SELECT c.cohort, c.day, c.size, c.paying, c.mrr_cents
      FROM users_cohort_cells c JOIN kept k ON c.kind = p_period AND c.day = k.day
     WHERE c.cohort >= first
    UNION ALL
    SELECT l.* FROM users_cohort_cells_live(p_period, first,
                                            ARRAY(SELECT day FROM periods EXCEPT SELECT day FROM kept)) l
  ), rows AS (  -- per cohort (its own period p0): size on p_as_of, MRR at the end of period 0, retention
    SELECT p0.i AS ci, p0.start, z.size, c0.mrr_cents AS mrr0,
           json_agg(CASE WHEN p_metric = 'revenue' THEN api.pct(c.mrr_cents, c0.mrr_cents) ELSE api.pct(c.paying, z.size) END
                    ORDER BY p.i) AS retention
      FROM periods p0
      JOIN cells z ON z.cohort = p0.start AND z.day = d
      JOIN cells c0 ON c0.cohort = p0.start AND c0.day = p0.day
      JOIN periods p ON p.i >= p0.i
      JOIN cells c ON c.cohort = p0.start AND c.day = p.day
     GROUP BY 1, 2, 3, 4
  )
  SELECT json_build_object(
    'as_of', d, 'period', p_period, 'metric', p_metric, 'months', p_months::int,
    'cohorts', coalesce(json_agg(json_build_object(
        'cohort', r.start, 'size', r.size, 'starting_mrr', api.money(r.mrr0),
        'retention', r.retention) ORDER BY r.ci), '[]'::json))
    INTO res
    FROM rows r;
  RETURN res;
END $$;

-- GET /api/users/customers — the customer list with plan, MRR and status on p_as_of, in MRR order;
-- rows limited to the caller's own customers for cs and sales; "company" totals are company-wide.
-- The day's figures come from its snapshot when it has one (customer_list_daily, in MRR order in an
-- index, so a page stops after its rows) and are computed live otherwise (customer_list_state):
-- one statement with the source put in, as a UNION ALL of the two would lose the index order.  The
-- row scope is judged on the customers' current owners; the company totals, and the total of a
-- company-wide caller, are one row of the day's totals.
CREATE OR REPLACE FUNCTION api.users_customers(p_user int, p_role text, p_status text, p_limit text,
                                               p_offset text, p_as_of date)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  d     date := api.as_of(p_as_of);
  t     record;
  n     bigint;
  page  json;
  list  text := format(
    'SELECT l.customer_id, c.name, c.segment, c.country, c.channel, l.status, l.plan, l.seats, l.mrr_cents,
            c.signup_at, c.converted_at, c.churned_at, c.cs_owner_id, c.sales_owner_id
       FROM %s l JOIN customers c ON c.id = l.customer_id
      WHERE ($4 = ''all'' OR l.status = $4) AND customer_in_scope($2, $3, c.id, c.cs_owner_id, c.sales_owner_id)',
    CASE WHEN customer_snapshot_taken(d) THEN '(SELECT * FROM customer_list_daily WHERE day = $1)'
         ELSE 'customer_list_state($1)' END);
BEGIN
  SELECT * INTO t FROM jsonb_to_recordset(customer_snapshot_rows('customer_list_totals', d))
      AS x(customers bigint, paying bigint, trial bigint, churned bigint, mrr_cents numeric);
  IF scope_is_company(p_role) THEN
    n := CASE p_status WHEN 'all' THEN t.customers WHEN 'paying' THEN t.paying WHEN 'trial' THEN t.trial
                       WHEN 'churned' THEN t.churned ELSE t.customers - t.paying - t.trial - t.churned END;
  ELSE
    EXECUTE 'SELECT count(*) FROM (' || list || ') r' INTO n USING d, p_user, p_role, p_status;
  END IF;
  EXECUTE 'SELECT coalesce(json_agg(json_build_object(
             ''customer_id'', r.customer_id, ''name'', r.name, ''segment'', r.segment, ''country'', r.country,
             ''channel'', r.channel, ''status'', r.status, ''plan'', r.plan, ''seats'', r.seats,
             ''mrr'', api.money(r.mrr_cents), ''signup_at'', r.signup_at, ''converted_at'', r.converted_at,
             ''churned_at'', r.churned_at, ''cs_owner_id'', r.cs_owner_id, ''sales_owner_id'', r.sales_owner_id)
             ORDER BY r.mrr_cents DESC, r.customer_id), ''[]''::json)
      FROM (' || list || ' ORDER BY l.mrr_cents DESC, l.customer_id OFFSET $5 LIMIT $6) r'
    INTO page USING d, p_user, p_role, p_status, p_offset::int, p_limit::int;
  RETURN json_build_object(
    'as_of', d, 'status', p_status, 'limit', p_limit::int, 'offset', p_offset::int, 'total', n,
    'company', json_build_object('customers', t.customers, 'paying', t.paying, 'trial', t.trial,
                                 'churned', t.churned, 'mrr', api.money(t.mrr_cents)),
    'customers', page);
END $$;

DROP FUNCTION IF EXISTS api.users_lifecycle(date);   -- now users_lifecycle (520_users.sql)

-- GET /api/users/segments — lifecycle stages and RFM segments, counts and MRR, company-wide
-- (users_segment_rows: kept for the snapshot days, else computed live; rules in 520_users.sql).
CREATE OR REPLACE FUNCTION api.users_segments(p_user int, p_role text, p_as_of date)
RETURNS json LANGUAGE sql STABLE SET jit = off AS $$
  WITH d AS (SELECT api.as_of(p_as_of) AS d),
  g AS MATERIALIZED (SELECT x.* FROM d, users_segment_rows(d.d) x)
  SELECT json_build_object(
    'as_of', (SELECT d FROM d),
    'lifecycle', (SELECT json_agg(json_build_object('stage', s.stage, 'customers', coalesce(g.customers, 0),
                                                    'mrr', api.money(coalesce(g.mrr_cents, 0)))
                                  ORDER BY s.o)
                    FROM unnest(ARRAY['activation', 'growth', 'mature', 'at_risk', 'churned']) WITH ORDINALITY s(stage, o)
                    LEFT JOIN g ON g.part = 'lifecycle' AND g.key = s.stage),
    'rfm', (SELECT json_agg(json_build_object('segment', s.segment, 'customers', coalesce(g.customers, 0),
                                              'mrr', api.money(coalesce(g.mrr_cents, 0)))
                            ORDER BY s.o)
              FROM unnest(ARRAY['champions', 'loyal', 'promising', 'at_risk', 'hibernating']) WITH ORDINALITY s(segment, o)
              LEFT JOIN g ON g.part = 'rfm' AND g.key = s.segment),
    'rfm_grid', (SELECT coalesce(json_agg(json_build_object('r', g.r, 'f', g.f, 'm', g.m, 'customers', g.customers,
                                                           'mrr', api.money(g.mrr_cents)) ORDER BY g.r DESC, g.f DESC, g.m DESC), '[]'::json)
                   FROM g WHERE g.part = 'grid'))
$$;

-- GET /api/users/support — per ISO week of the range: tickets opened and resolved, resolution
-- rate (resolved ÷ opened), average resolution hours (tickets resolved that week), CSAT; and the
-- tickets of the high-risk customers on the range's last day (cs: own customers only).
CREATE OR REPLACE FUNCTION api.users_support(p_user int, p_role text, p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE SET jit = off AS $$
DECLARE
  r   record;
  res json;
BEGIN
  SELECT * INTO r FROM api.range(p_from, p_to, p_days, 84);
  SELECT json_build_object(
    'from', r.d_from, 'to', r.d_to,
    'weeks', coalesce((
      SELECT json_agg(json_build_object(
               'week', w.wk, 'opened', w.opened, 'resolved', w.resolved,
               'resolution_rate', api.pct(w.resolved, w.opened),
               'avg_resolution_hours', (SELECT round(avg(extract(epoch FROM t.resolved_at - t.opened_at) / 3600.0), 1)
                                          FROM support_tickets t
                                         WHERE t.resolved_at >= ns_day_start(greatest(w.wk, r.d_from))
                                           AND t.resolved_at < ns_day_start(least(w.wk + 6, r.d_to) + 1)),
               'csat', api.ratio(w.csat_sum, w.csat_n)) ORDER BY w.wk)
        FROM (SELECT date_trunc('week', day)::date AS wk, sum(tickets_opened) AS opened,
                     sum(tickets_resolved) AS resolved, sum(csat_sum) AS csat_sum, sum(csat_responses) AS csat_n
                FROM metrics_daily WHERE day BETWEEN r.d_from AND r.d_to GROUP BY 1) w), '[]'::json),
    'at_risk', coalesce((
      SELECT json_agg(json_build_object('customer_id', c.id, 'name', c.name, 'health_score', h.health_score,
                                        'mrr', api.money(h.mrr_cents), 'tickets_30d', h.tickets_30d,
                                        'tickets_90d', (SELECT count(*) FROM support_tickets t WHERE t.customer_id = c.id
                                                          AND t.opened_at >= ns_day_start(r.d_to - 89)
                                                          AND t.opened_at < ns_day_start(r.d_to + 1)),
                                        'open_tickets', (SELECT count(*) FROM support_tickets t WHERE t.customer_id = c.id
                                                           AND t.opened_at < ns_day_start(r.d_to + 1)
                                                           AND (t.resolved_at IS NULL OR t.resolved_at >= ns_day_start(r.d_to + 1))))
                      ORDER BY h.mrr_cents DESC, c.id)
        FROM customer_health_rows(r.d_to) h JOIN customers c ON c.id = h.customer_id
       WHERE h.risk_band = 'high_risk'
         AND (p_role = 'ceo' OR customer_in_scope(p_user, p_role, c.id, c.cs_owner_id, c.sales_owner_id))), '[]'::json))
    INTO res;
  RETURN res;
END $$;

-- GET /api/users/geo and /api/users/devices — sessions and average daily active users over the
-- range per value of the dimensions p_dims (users_dimension_daily): a user counts once per day
-- and value, so users are summed as user-days; share = user-days ÷ those of the dimension.
CREATE OR REPLACE FUNCTION api.users_dimension_rows(p_dims text[], p_from date, p_to date)
RETURNS TABLE (dimension text, value text, sessions bigint, user_days bigint,
               avg_daily_active_users numeric, share_pct numeric)
LANGUAGE sql STABLE AS $$
  SELECT dimension, value, sum(sessions), sum(users), round(sum(users)::numeric / (p_to - p_from + 1), 1),
         api.pct(sum(users), sum(sum(users)) OVER (PARTITION BY dimension))
    FROM users_dimension_daily
   WHERE dimension = ANY (p_dims) AND day BETWEEN p_from AND p_to
   GROUP BY 1, 2
$$;

CREATE OR REPLACE FUNCTION api.users_geo(p_user int, p_role text, p_from date, p_to date, p_days int)
RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object('from', r.d_from, 'to', r.d_to,
    'countries', coalesce((SELECT json_agg(json_build_object('country', g.value, 'sessions', g.sessions,
                                             'user_days', g.user_days, 'avg_daily_active_users', g.avg_daily_active_users,
                                             'share_pct', g.share_pct) ORDER BY g.user_days DESC, g.value)
                             FROM api.users_dimension_rows(ARRAY['country'], r.d_from, r.d_to) g), '[]'::json))
    FROM api.range(p_from, p_to, p_days, 30) r
$$;

CREATE OR REPLACE FUNCTION api.users_devices(p_user int, p_role text, p_from date, p_to date, p_days int)
RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object('from', r.d_from, 'to', r.d_to,
    'breakdown', coalesce((SELECT json_agg(json_build_object('dimension', z.dimension, 'value', z.value,
                                             'sessions', z.sessions, 'user_days', z.user_days,
                                             'avg_daily_active_users', z.avg_daily_active_users, 'share_pct', z.share_pct)
                                           ORDER BY z.dimension, z.user_days DESC, z.value)
                             FROM api.users_dimension_rows(ARRAY['device', 'browser', 'os'], r.d_from, r.d_to) z), '[]'::json))
    FROM api.range(p_from, p_to, p_days, 30) r
$$;

-- GET /api/users/viral — per calendar month of the range: invitations sent, of those accepted
-- (by the range's end), acceptance rate, inviting customers, invites per inviting customer,
-- invites per paying customer (at the month's last day, capped at the range's end), viral
-- coefficient = invites per paying customer × acceptance rate, referral share of signups.
CREATE OR REPLACE FUNCTION api.users_viral(p_user int, p_role text, p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  r   record;
  res json;
BEGIN
  SELECT * INTO r FROM api.range(p_from, p_to, p_days, 365);
  WITH months AS (
    SELECT greatest(g::date, r.d_from) AS lo, least((g + interval '1 month')::date - 1, r.d_to) AS hi, g::date AS m
      FROM generate_series(date_trunc('month', r.d_from), r.d_to, interval '1 month') g
  ), x AS (
    SELECT mo.m, mo.hi,
           count(f.id) AS sent,
           count(f.id) FILTER (WHERE f.accepted_at < ns_day_start(r.d_to + 1)) AS accepted,
           count(DISTINCT f.inviter_customer_id) AS inviters
      FROM months mo LEFT JOIN referrals f
        ON f.sent_at >= ns_day_start(mo.lo) AND f.sent_at < ns_day_start(mo.hi + 1)
     GROUP BY 1, 2
  ), y AS (
    SELECT x.*, (SELECT paying_customers FROM metrics_daily WHERE day = x.hi) AS paying,
           (SELECT count(*) FROM customers c WHERE c.signup_at >= ns_day_start(greatest(x.m, r.d_from))
               AND c.signup_at < ns_day_start(x.hi + 1)) AS signups,
           (SELECT count(*) FROM customers c WHERE c.signup_at >= ns_day_start(greatest(x.m, r.d_from))
               AND c.signup_at < ns_day_start(x.hi + 1) AND c.channel = 'referral') AS referred
      FROM x
  )
  SELECT json_build_object('from', r.d_from, 'to', r.d_to, 'target_viral_coefficient', 1.0,
    'months', json_agg(json_build_object(
        'month', to_char(y.m, 'YYYY-MM'), 'invites_sent', y.sent, 'invites_accepted', y.accepted,
        'acceptance_rate', api.pct(y.accepted, y.sent), 'inviting_customers', y.inviters,
        'invites_per_inviter', api.ratio(y.sent, y.inviters), 'paying_customers', y.paying,
        'invites_per_customer', api.ratio(y.sent, y.paying, 4),
        'viral_coefficient', CASE WHEN y.sent > 0 AND y.paying > 0
                                  THEN round(y.sent::numeric / y.paying * y.accepted / y.sent, 4) END,
        'new_customers', y.signups, 'referred_customers', y.referred,
        'referral_share_pct', api.pct(y.referred, y.signups)) ORDER BY y.m))
    INTO res FROM y;
  RETURN res;
END $$;

-- GET /api/users/journeys — the top feature-to-feature transitions inside sessions over the
-- range (users_transitions_daily), and the funnel of the customers who signed up in the range:
-- signup → first key action (a feature_used event by the range's end) → paid (converted_at by then).
CREATE OR REPLACE FUNCTION api.users_journeys(p_user int, p_role text, p_limit text, p_from date, p_to date, p_days int)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  r   record;
  res json;
BEGIN
  SELECT * INTO r FROM api.range(p_from, p_to, p_days, 30);
  WITH t AS (SELECT from_feature, to_feature, sum(n) AS n FROM users_transitions_daily
              WHERE day BETWEEN r.d_from AND r.d_to GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT p_limit::int),
  f AS (SELECT c.id, c.converted_at,
               EXISTS (SELECT 1 FROM customer_daily x WHERE x.customer_id = c.id AND x.feature_uses > 0
                          AND x.day >= ns_day(c.signup_at) AND x.day <= r.d_to) AS acted
          FROM customers c
         WHERE c.signup_at >= ns_day_start(r.d_from) AND c.signup_at < ns_day_start(r.d_to + 1))
  SELECT json_build_object('from', r.d_from, 'to', r.d_to,
    'transitions', coalesce((SELECT json_agg(json_build_object('from', from_feature, 'to', to_feature, 'count', n)
                                             ORDER BY n DESC, from_feature, to_feature) FROM t), '[]'::json),
    'funnel', (SELECT json_build_array(
                 json_build_object('step', 'signup', 'customers', count(*), 'pct', api.pct(count(*), count(*))),
                 json_build_object('step', 'first_key_action', 'customers', count(*) FILTER (WHERE acted),
                                   'pct', api.pct(count(*) FILTER (WHERE acted), count(*))),
                 json_build_object('step', 'paid', 'customers', count(*) FILTER (WHERE converted_at < ns_day_start(r.d_to + 1)),
                                   'pct', api.pct(count(*) FILTER (WHERE converted_at < ns_day_start(r.d_to + 1)), count(*))))
                 FROM f))
    INTO res;
  RETURN res;
END $$;

-- GET /api/users/expansion — upsell opportunities among the customers paying on p_as_of (cs: own
-- customers): seats ≥ 80 % of the plan's seat limit, usage of the last 30 days ≥ 80 % of the plan's
-- usage limit, more than one active user on a one-seat subscription, power users on Starter
-- (≥ 20 active days in 30).  Suggested plan: the next plan up by price (enterprise stays).
CREATE OR REPLACE FUNCTION api.users_expansion(p_user int, p_role text, p_as_of date)
RETURNS json LANGUAGE sql STABLE SET jit = off AS $$
  WITH d AS (SELECT api.as_of(p_as_of) AS d),
  sub AS (  -- the main (largest) subscription of every paying customer
    SELECT DISTINCT ON (s.customer_id) s.customer_id, s.plan_id, s.quantity
      FROM d, subscriptions s
     WHERE s.in_effect @> d.d AND s.mrr_cents > 0
     ORDER BY s.customer_id, s.mrr_cents DESC, s.id),
  nxt AS MATERIALIZED (  -- the next plan up by annual price, per plan (once, not per customer)
    SELECT p.id, (SELECT q.code FROM plans q WHERE q.price_cents * CASE q.billing_interval WHEN 'year' THEN 1 ELSE 12 END
                                             > p.price_cents * CASE p.billing_interval WHEN 'year' THEN 1 ELSE 12 END
                   ORDER BY q.price_cents * CASE q.billing_interval WHEN 'year' THEN 1 ELSE 12 END LIMIT 1) AS next_plan
      FROM plans p),
  -- the health and 30-day usage of every paying customer, joined on their own (the planner sees
  -- their real sizes there: joined after the scope test, which it expects to keep one customer,
  -- the usage became a nested loop over every usage row, 1.9 s at SCALE=1)
  hu AS MATERIALIZED (
    SELECT h.*, u.units_30d AS units
      FROM d CROSS JOIN customer_health_rows(d.d) h
      LEFT JOIN customer_usage_rows(d.d) u ON u.customer_id = h.customer_id),
  cand AS (
    SELECT h.customer_id, c.name, h.mrr_cents, p.code AS plan, sub.quantity AS seats, p.seat_limit,
           coalesce(h.units, 0) AS units_30d, p.usage_limit, h.active_users_30d, h.active_days_30d,
           nxt.next_plan,
           array_remove(ARRAY[
             CASE WHEN p.seat_limit IS NOT NULL AND sub.quantity * 10 >= p.seat_limit * 8 THEN 'seat_limit' END,
             CASE WHEN p.usage_limit IS NOT NULL AND coalesce(h.units, 0) * 10 >= p.usage_limit * 8 THEN 'usage_limit' END,
             CASE WHEN sub.quantity = 1 AND h.active_users_30d > 1 THEN 'team_on_single_seat' END,
             CASE WHEN p.code = 'starter' AND h.active_days_30d >= 20 THEN 'power_user_on_starter' END], NULL) AS reasons
      FROM hu h
      JOIN customers c ON c.id = h.customer_id
      JOIN sub ON sub.customer_id = h.customer_id
      JOIN plans p ON p.id = sub.plan_id
      JOIN nxt ON nxt.id = p.id
     WHERE customer_in_scope(p_user, p_role, c.id, c.cs_owner_id, c.sales_owner_id))
  SELECT json_build_object('as_of', (SELECT d FROM d),
    'total', (SELECT count(*) FROM cand WHERE cardinality(reasons) > 0),
    'mrr', api.money((SELECT coalesce(sum(mrr_cents), 0) FROM cand WHERE cardinality(reasons) > 0)),
    'opportunities', coalesce((SELECT json_agg(json_build_object(
        'customer_id', customer_id, 'name', name, 'plan', plan, 'mrr', api.money(mrr_cents),
        'seats', seats, 'seat_limit', seat_limit, 'units_30d', units_30d, 'usage_limit', usage_limit,
        'active_users_30d', active_users_30d, 'active_days_30d', active_days_30d,
        'reasons', array_to_string(reasons, ' '),
        'suggested_plan', CASE WHEN reasons = ARRAY['team_on_single_seat'] THEN plan ELSE coalesce(next_plan, plan) END)
        ORDER BY mrr_cents DESC, customer_id) FROM cand WHERE cardinality(reasons) > 0), '[]'::json))
$$;
