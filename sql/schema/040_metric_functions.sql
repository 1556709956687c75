-- SQL functions behind docs/metrics.md: MRR at a date, MRR movements, distinct active users, health score.
SET client_min_messages = warning;

-- What one subscription row is worth on p_day in reporting-currency cents (docs/metrics.md,
-- "Currencies"): a row in the reporting currency (no original amount, or currency =
-- ns_currency()) is exactly its mrr_cents, with no rate lookup; a row in another currency is its
-- original amount at that day's rate, round(mrr_original_cents × fx_factor(currency, p_day)), and on
-- a day without a rate (none that day nor in the fx_lookback_days() before it) its mrr_cents, the
-- amount converted when the row was stored — never 0 or 1.  Inlined by the planner.
CREATE OR REPLACE FUNCTION mrr_value(p_mrr_cents bigint, p_original_cents bigint, p_currency text, p_day date)
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_original_cents IS NULL OR p_currency = ns_currency() THEN p_mrr_cents
                ELSE coalesce(round(p_original_cents * fx_factor(p_currency, p_day))::bigint, p_mrr_cents) END
$$;

-- The one MRR rule (docs/metrics.md, "MRR on a day d"): the subscription rows that make up MRR on
-- each day of p_days — in effect that day, with an amount (mrr_cents > 0; a customer with a row is
-- paying that day), mrr_cents valued on that day by mrr_value().  Every MRR figure is a sum of
-- these rows: mrr_at() below, the metrics_daily and mrr_daily rollups, the MRR movements, the
-- endpoints.  The row's own columns come along (stored_cents, currency, original_cents: NULL in
-- the reporting currency) so that a caller can value the same row on another day (the fx
-- movement).  Inlined by the planner (GiST on in_effect).
DO $$
BEGIN
    -- the result gained columns: a replaced function cannot change its result type
    IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'mrr_rows' AND 'original_cents' = ANY (proargnames)) THEN
        DROP FUNCTION IF EXISTS mrr_rows(date[]);
    END IF;
END
$$;
CREATE OR REPLACE FUNCTION mrr_rows(p_days date[])
RETURNS TABLE (day date, customer_id int, plan_id int, mrr_cents bigint,
               stored_cents bigint, currency text, original_cents bigint)
LANGUAGE sql STABLE AS $$
    SELECT d.day, s.customer_id, s.plan_id,
           mrr_value(s.mrr_cents, s.mrr_original_cents, s.currency, d.day),
           s.mrr_cents, s.currency::text, s.mrr_original_cents
    FROM (SELECT DISTINCT x AS day FROM unnest(p_days) x) d
    JOIN subscriptions s ON s.in_effect @> d.day
    WHERE s.mrr_cents > 0
$$;

-- mrr_rows_foreign(days): the rows of mrr_rows() in another currency than the reporting one, for
-- the callers that value them on another day too (the fx movement).  They are few, so they have
-- their own small index; the reporting currency is fixed per database (sql/currency.sql refuses a
-- change once money is stored, and the schema is applied again after it), so it is written into the
-- index's predicate and the function's body as a constant the planner can match — and tested
-- against ns_currency() as well.  (A session that overrides northstar.currency itself would miss,
-- in the fx split only, the rows in the database's currency.)  Rebuilt when the currency changed.
DROP INDEX IF EXISTS subscriptions_foreign_idx;
DO $do$
DECLARE
    cur  text := ns_currency();
    tag  text := 'rows not in ' || ns_currency();
BEGIN
    IF obj_description(to_regclass('subscriptions_foreign_in_effect_idx'), 'pg_class') IS DISTINCT FROM tag THEN
        DROP INDEX IF EXISTS subscriptions_foreign_in_effect_idx;
        EXECUTE format('CREATE INDEX subscriptions_foreign_in_effect_idx ON subscriptions USING gist (in_effect)
                        WHERE mrr_original_cents IS NOT NULL AND currency::text <> %L', cur);
        EXECUTE format('COMMENT ON INDEX subscriptions_foreign_in_effect_idx IS %L', tag);
    END IF;
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION mrr_rows_foreign(p_days date[])
        RETURNS TABLE (day date, customer_id int, mrr_cents bigint, stored_cents bigint, currency text, original_cents bigint)
        LANGUAGE sql STABLE AS $b$
            SELECT r.day, r.customer_id, r.mrr_cents, r.stored_cents, r.currency, r.original_cents
            FROM mrr_rows(p_days) r
            WHERE r.original_cents IS NOT NULL AND r.currency <> %L AND r.currency <> ns_currency()
        $b$$f$, cur);
END
$do$;

-- MRR per paying customer on day p_day.
CREATE OR REPLACE FUNCTION mrr_at(p_day date)
RETURNS TABLE (customer_id int, mrr_cents bigint)
LANGUAGE sql STABLE AS $$
    SELECT m.customer_id, sum(m.mrr_cents)::bigint FROM mrr_rows(ARRAY[p_day]) m GROUP BY m.customer_id
$$;

-- MRR movements between the MRR on p_from (m0) and the MRR on p_to (m1), per customer that moved.
-- m0t is the customer's p_from rows valued at p_to's rates (= m0 for reporting-currency rows):
--   fx           m0t - m0: the change of exchange rates alone (docs/metrics.md, "Currencies")
-- and the rest, m1 - m0t, as one of
--   new          0 -> >0, never paid before p_from
--   reactivation 0 -> >0, paid at some time before p_from
--   expansion    >0 -> more;  contraction >0 -> less (but > 0)
--   churn        >0 -> 0 (delta = -m0t: -MRR on p_from at p_to's rates)
-- so a customer has up to two rows (fx and one other).  sum(delta_cents) = total MRR(p_to) - total
-- MRR(p_from) exactly.  A customer who starts and stops paying strictly between the two dates has
-- no row.
-- The one classification of a customer's MRR change m0 -> m1 (m0t: m0 at m1's exchange rates;
-- p_paid_before: paid at some time before, asked only when m0 = 0), for mrr_movements below and
-- the live stream's mrr_updated (570_live.sql).
CREATE OR REPLACE FUNCTION mrr_movement_kind(p_m0 numeric, p_m0t numeric, p_m1 numeric, p_paid_before boolean)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_m0 = 0 AND p_paid_before THEN 'reactivation'
                WHEN p_m0 = 0 THEN 'new'
                WHEN p_m1 = 0 THEN 'churn'
                WHEN p_m1 > p_m0t THEN 'expansion'
                ELSE 'contraction' END
$$;

CREATE OR REPLACE FUNCTION mrr_movements(p_from date, p_to date)
RETURNS TABLE (customer_id int, kind text, delta_cents bigint)
LANGUAGE sql STABLE AS $$
    WITH m AS (
        SELECT r.customer_id,
               coalesce(sum(r.mrr_cents) FILTER (WHERE r.day = p_from), 0) AS m0,
               coalesce(sum(r.mrr_cents) FILTER (WHERE r.day = p_to), 0) AS m1
        FROM mrr_rows(ARRAY[p_from, p_to]) r
        GROUP BY 1
    ), fx AS (
        -- rows in another currency (few; their own index): their value at p_to's rates
        SELECT r.customer_id, sum(mrr_value(r.stored_cents, r.original_cents, r.currency, p_to) - r.mrr_cents) AS adj
        FROM mrr_rows_foreign(ARRAY[p_from]) r
        GROUP BY 1
    ), x AS (
        SELECT m.customer_id, m.m0, m.m0 + coalesce(fx.adj, 0) AS m0t, m.m1
        FROM m LEFT JOIN fx ON fx.customer_id = m.customer_id
    )
    SELECT x.customer_id, 'fx', x.m0t - x.m0 FROM x WHERE x.m0t <> x.m0
    UNION ALL
    SELECT x.customer_id,
           mrr_movement_kind(x.m0, x.m0t, x.m1,
                             x.m0 = 0 AND EXISTS (SELECT 1 FROM subscriptions s
                                                  WHERE s.customer_id = x.customer_id AND s.mrr_cents > 0
                                                    AND s.valid_from < p_from)),
           x.m1 - x.m0t
    FROM x
    WHERE x.m1 <> x.m0t
    ORDER BY 1, 2
$$;

-- Exact number of distinct users active on any day in [p_from, p_to] (reporting-zone days).
CREATE OR REPLACE FUNCTION active_users(p_from date, p_to date) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM (SELECT DISTINCT customer_id, user_id FROM active_users_daily
                          WHERE day BETWEEN p_from AND p_to) u
$$;

-- Health score (0-100) of every customer paying on p_as_of; components and bands in docs/metrics.md.
-- SECURITY DEFINER so the read-only BI role can use it through bi_customer_success without table grants.
CREATE OR REPLACE FUNCTION customer_health(p_as_of date)
RETURNS TABLE (customer_id int, mrr_cents bigint, seats int, active_days_30d int, active_users_30d int,
               tickets_30d int, open_urgent_tickets int, low_csat_90d int, failed_payments_60d int,
               chargebacks_90d int, usage_score int, adoption_score int, support_score int,
               payment_score int, health_score int, risk_band text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH paying AS (
        SELECT s.customer_id, sum(mrr_value(s.mrr_cents, s.mrr_original_cents, s.currency, p_as_of))::bigint AS mrr_cents,
               sum(s.quantity)::int AS seats
        FROM subscriptions s
        WHERE s.in_effect @> p_as_of
        GROUP BY 1 HAVING sum(s.mrr_cents) > 0
    ), act AS (
        SELECT d.customer_id, count(*) FILTER (WHERE d.events > 0)::int AS active_days
        FROM customer_daily d WHERE d.day BETWEEN p_as_of - 29 AND p_as_of GROUP BY 1
    ), usr AS (
        SELECT a.customer_id, count(DISTINCT a.user_id)::int AS users
        FROM active_users_daily a WHERE a.day BETWEEN p_as_of - 29 AND p_as_of GROUP BY 1
    ), tk AS (
        SELECT t.customer_id,
               count(*) FILTER (WHERE t.opened_at >= ns_day_start(p_as_of - 29))::int AS tickets,
               count(*) FILTER (WHERE t.priority IN ('high', 'urgent')
                                  AND (t.resolved_at IS NULL OR t.resolved_at >= ns_day_start(p_as_of + 1)))::int AS open_urgent,
               count(*) FILTER (WHERE t.csat <= 2 AND t.opened_at >= ns_day_start(p_as_of - 89))::int AS low_csat
        FROM support_tickets t
        WHERE t.opened_at < ns_day_start(p_as_of + 1)
          AND (t.opened_at >= ns_day_start(p_as_of - 89) OR t.resolved_at IS NULL
               OR t.resolved_at >= ns_day_start(p_as_of + 1))
        GROUP BY 1
    ), bl AS (
        SELECT b.customer_id,
               count(*) FILTER (WHERE b.kind = 'payment_failed' AND b.occurred_at >= ns_day_start(p_as_of - 59))::int AS failed,
               count(*) FILTER (WHERE b.kind = 'chargeback')::int AS chargebacks
        FROM billing_events b
        WHERE b.occurred_at >= ns_day_start(p_as_of - 89) AND b.occurred_at < ns_day_start(p_as_of + 1)
          AND b.kind IN ('payment_failed', 'chargeback')
        GROUP BY 1
    ), f AS (
        SELECT p.*, coalesce(act.active_days, 0) AS active_days, coalesce(usr.users, 0) AS users,
               coalesce(tk.tickets, 0) AS tickets, coalesce(tk.open_urgent, 0) AS open_urgent,
               coalesce(tk.low_csat, 0) AS low_csat, coalesce(bl.failed, 0) AS failed,
               coalesce(bl.chargebacks, 0) AS chargebacks
        FROM paying p
        LEFT JOIN act USING (customer_id)
        LEFT JOIN usr USING (customer_id)
        LEFT JOIN tk USING (customer_id)
        LEFT JOIN bl USING (customer_id)
    ), sc AS (
        SELECT f.*,
               round(30 * least(f.active_days, 20) / 20.0)::int AS usage_score,
               round(25 * least(1.0, f.users::numeric / greatest(f.seats, 1)))::int AS adoption_score,
               greatest(0, 20 - 4 * f.tickets - 4 * f.open_urgent - 5 * f.low_csat) AS support_score,
               greatest(0, 25 - 10 * f.failed - 15 * f.chargebacks) AS payment_score
        FROM f
    )
    SELECT customer_id, mrr_cents, seats, active_days, users, tickets, open_urgent, low_csat, failed, chargebacks,
           usage_score, adoption_score, support_score, payment_score,
           usage_score + adoption_score + support_score + payment_score,
           CASE WHEN usage_score + adoption_score + support_score + payment_score < 30 THEN 'high_risk'
                WHEN usage_score + adoption_score + support_score + payment_score <= 60 THEN 'medium_risk'
                ELSE 'healthy' END
    FROM sc
    ORDER BY customer_id
$$;

-- ---------------------------------------------------------------- per-day customer snapshots

-- customer_health(d) is ~1 s at SCALE=1, too slow for a dashboard call: for the days of
-- rollup_snapshot_days() the health of every paying customer (exactly the columns of
-- customer_health(day)), the activity and the usage of every customer are kept here.  Readers use
-- customer_health_rows(d), customer_activity_rows(d), customer_usage_rows(d): the snapshot when the
-- day has one (customer_snapshot_days), else computed live.
CREATE TABLE IF NOT EXISTS customer_health_daily (
    day                   date NOT NULL,
    customer_id           int NOT NULL,
    mrr_cents             bigint NOT NULL,
    seats                 int NOT NULL,
    active_days_30d       int NOT NULL,
    active_users_30d      int NOT NULL,
    tickets_30d           int NOT NULL,
    open_urgent_tickets   int NOT NULL,
    low_csat_90d          int NOT NULL,
    failed_payments_60d   int NOT NULL,
    chargebacks_90d       int NOT NULL,
    usage_score           int NOT NULL,
    adoption_score        int NOT NULL,
    support_score         int NOT NULL,
    payment_score         int NOT NULL,
    health_score          int NOT NULL,
    risk_band             text NOT NULL,
    PRIMARY KEY (day, customer_id)
);
CREATE INDEX IF NOT EXISTS customer_health_daily_customer_idx ON customer_health_daily (customer_id, day);

-- Activity of every customer active (customer_daily.events > 0) in the 90 days ending on day: last
-- active day and active days in the 90 / last 30 / previous 30 (day-59 .. day-30) days.
CREATE TABLE IF NOT EXISTS customer_activity_daily (
    day                  date NOT NULL,
    customer_id          int NOT NULL,
    last_active_day      date NOT NULL,
    active_days_90d      int NOT NULL,
    active_days_30d      int NOT NULL,
    active_days_prev_30d int NOT NULL,
    PRIMARY KEY (day, customer_id)
);

-- Usage units per customer over the 30 days ending on day (usage_records).
CREATE TABLE IF NOT EXISTS customer_usage_daily (
    day          date NOT NULL,
    customer_id  int NOT NULL,
    units_30d    numeric NOT NULL,
    PRIMARY KEY (day, customer_id)
);

-- The customer list's per-customer figures on day (customer_list_state below), so that a page of
-- the list (services/users, api.users_customers) reads the rows of that page in MRR order from an
-- index, whatever the number of customers (the list reads the table itself when
-- customer_snapshot_taken(day), else customer_list_state); their company totals are kept with the
-- snapshot as a keeper's row (customer_list_totals, below).
-- The owners are not kept: the row scope is always judged on the customers' current owners.
CREATE TABLE IF NOT EXISTS customer_list_daily (
    day          date NOT NULL,
    customer_id  int NOT NULL,
    status       text NOT NULL,
    mrr_cents    bigint NOT NULL,
    seats        bigint,
    plan         text,
    PRIMARY KEY (day, customer_id)
);
CREATE INDEX IF NOT EXISTS customer_list_daily_mrr_idx ON customer_list_daily (day, mrr_cents DESC, customer_id);
CREATE INDEX IF NOT EXISTS customer_list_daily_status_idx ON customer_list_daily (day, status, mrr_cents DESC, customer_id);
-- The days whose snapshot (all its tables) is complete and current.
CREATE TABLE IF NOT EXISTS customer_snapshot_days (
    day          date PRIMARY KEY,
    computed_at  timestamptz NOT NULL DEFAULT now()
);

-- Activity per customer over the 90 days ending on p_day (the columns of customer_activity_daily).
CREATE OR REPLACE FUNCTION customer_activity(p_day date)
RETURNS TABLE (customer_id int, last_active_day date, active_days_90d int, active_days_30d int,
               active_days_prev_30d int)
LANGUAGE sql STABLE AS $$
    SELECT x.customer_id, max(x.day), count(*)::int,
           (count(*) FILTER (WHERE x.day >= p_day - 29))::int,
           (count(*) FILTER (WHERE x.day BETWEEN p_day - 59 AND p_day - 30))::int
    FROM customer_daily x
    WHERE x.day BETWEEN p_day - 89 AND p_day AND x.events > 0
    GROUP BY x.customer_id
$$;

-- Usage units per customer over the 30 days ending on p_day (the columns of customer_usage_daily).
CREATE OR REPLACE FUNCTION customer_usage(p_day date)
RETURNS TABLE (customer_id int, units_30d numeric)
LANGUAGE sql STABLE AS $$
    SELECT x.customer_id, sum(x.units) FROM usage_records x
    WHERE x.day BETWEEN p_day - 29 AND p_day GROUP BY x.customer_id
$$;

-- Every customer signed up by p_day with its MRR, seats and main plan (the highest MRR of its
-- subscriptions in effect) and its status: paying (MRR > 0), else churned (churned by then), else
-- trial (in its trial on the day), else inactive (docs/metrics.md "Customer status").
CREATE OR REPLACE FUNCTION customer_list_state(p_day date)
RETURNS TABLE (customer_id int, status text, mrr_cents bigint, seats bigint, plan text)
LANGUAGE sql STABLE AS $$
  WITH m AS (SELECT s.customer_id, sum(mrr_value(s.mrr_cents, s.mrr_original_cents, s.currency, p_day)) AS mrr,
                    sum(s.quantity) AS seats, (array_agg(p.code ORDER BY s.mrr_cents DESC, s.id))[1] AS plan
               FROM subscriptions s JOIN plans p ON p.id = s.plan_id
              WHERE s.in_effect @> p_day
              GROUP BY 1)
  SELECT c.id,
         CASE WHEN coalesce(m.mrr, 0) > 0 THEN 'paying'
              WHEN c.churned_at < ns_day_start(p_day + 1) THEN 'churned'
              WHEN c.trial_ends_on >= p_day AND c.trial_started_on <= p_day THEN 'trial'
              ELSE 'inactive' END,
         coalesce(m.mrr, 0)::bigint, m.seats, m.plan
    FROM customers c LEFT JOIN m ON m.customer_id = c.id
   WHERE c.signup_at < ns_day_start(p_day + 1)
$$;

-- The company totals of customer_list_state(p_day) (a keeper: customer_snapshot_keep).
CREATE OR REPLACE FUNCTION customer_list_totals(p_day date)
RETURNS TABLE (customers bigint, paying bigint, trial bigint, churned bigint, mrr_cents numeric)
LANGUAGE sql STABLE AS $$
  SELECT count(*), count(*) FILTER (WHERE l.status = 'paying'), count(*) FILTER (WHERE l.status = 'trial'),
         count(*) FILTER (WHERE l.status = 'churned'), coalesce(sum(l.mrr_cents), 0)
    FROM customer_list_state(p_day) l
$$;

-- The days snapshots are kept for: today, yesterday and the last 12 month-ends.
CREATE OR REPLACE FUNCTION rollup_snapshot_days() RETURNS SETOF date
LANGUAGE sql STABLE AS $$
    SELECT ns_today()
    UNION SELECT ns_today() - 1
    UNION SELECT (date_trunc('month', ns_today()) - make_interval(months => k) - interval '1 day')::date
          FROM generate_series(0, 11) k
    ORDER BY 1 DESC
$$;

CREATE OR REPLACE FUNCTION customer_snapshot_taken(p_day date) RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT EXISTS (SELECT 1 FROM customer_snapshot_days WHERE day = p_day) $$;

CREATE OR REPLACE FUNCTION customer_health_rows(p_day date) RETURNS SETOF customer_health_daily
LANGUAGE sql STABLE AS $$
    SELECT * FROM customer_health_daily WHERE day = p_day AND customer_snapshot_taken(p_day)
    UNION ALL SELECT p_day, h.* FROM customer_health(p_day) h WHERE NOT customer_snapshot_taken(p_day)
$$;

CREATE OR REPLACE FUNCTION customer_activity_rows(p_day date) RETURNS SETOF customer_activity_daily
LANGUAGE sql STABLE AS $$
    SELECT * FROM customer_activity_daily WHERE day = p_day AND customer_snapshot_taken(p_day)
    UNION ALL SELECT p_day, a.* FROM customer_activity(p_day) a WHERE NOT customer_snapshot_taken(p_day)
$$;

CREATE OR REPLACE FUNCTION customer_usage_rows(p_day date) RETURNS SETOF customer_usage_daily
LANGUAGE sql STABLE AS $$
    SELECT * FROM customer_usage_daily WHERE day = p_day AND customer_snapshot_taken(p_day)
    UNION ALL SELECT p_day, u.* FROM customer_usage(p_day) u WHERE NOT customer_snapshot_taken(p_day)
$$;

DROP FUNCTION IF EXISTS customer_list_totals_rows(date);   -- now the keeper customer_list_totals
DROP TABLE IF EXISTS customer_list_totals_daily;

-- (Re)take the snapshot of day p_day.
CREATE OR REPLACE FUNCTION customer_snapshot(p_day date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM customer_health_daily WHERE day = p_day;
    INSERT INTO customer_health_daily SELECT p_day, h.* FROM customer_health(p_day) h;
    DELETE FROM customer_activity_daily WHERE day = p_day;
    INSERT INTO customer_activity_daily SELECT p_day, a.* FROM customer_activity(p_day) a;
    DELETE FROM customer_usage_daily WHERE day = p_day;
    INSERT INTO customer_usage_daily SELECT p_day, u.* FROM customer_usage(p_day) u;
    DELETE FROM customer_list_daily WHERE day = p_day;
    INSERT INTO customer_list_daily SELECT p_day, l.* FROM customer_list_state(p_day) l ORDER BY l.customer_id;
    INSERT INTO customer_snapshot_days (day, computed_at) VALUES (p_day, now())
    ON CONFLICT (day) DO UPDATE SET computed_at = EXCLUDED.computed_at;
END
$$;

-- Follower compute (035_rollup_follow.sql): a snapshot looks back 90 days, so every snapshot on or
-- after a recomputed day is out of date (late rows); forgotten, it is read live until retaken.
-- Today's too: rollup_refresh() recomputes today only when something of today (or before) moved.
CREATE OR REPLACE FUNCTION customer_snapshot_forget(p_lo date, p_hi date) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM customer_snapshot_days WHERE day >= p_lo
$$;
SELECT rollup_follower_register('customer_snapshot', 'customer_snapshot_forget', 'customer_health_daily',
                                'customer_activity_daily', 'customer_usage_daily', 'customer_list_daily',
                                'customer_snapshot_days');

-- The snapshots of rollup_snapshot_days() that are missing (today's after a new day or a refresh
-- that recomputed it).  Run by the users service's job (users_refresh()).  Returns the number of
-- snapshots taken: 0 when nothing moved.
CREATE OR REPLACE FUNCTION customer_snapshot_refresh() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    d  date;
    n  integer := 0;
BEGIN
    PERFORM rollup_follow('customer_snapshot');
    FOR d IN SELECT x FROM rollup_snapshot_days() x WHERE NOT customer_snapshot_taken(x)
    LOOP
        PERFORM customer_snapshot(d);
        n := n + 1;
    END LOOP;
    RETURN n + customer_snapshot_keep();
END
$$;

-- ---------------------------------------------------------------- aggregates kept with the snapshots

-- Company-wide aggregates computed from a snapshot day's figures (segment counts, LTV groups …),
-- kept by name for the snapshot days so that their endpoint reads a few rows.  A keeper is a
-- function f(p_day date) returning the rows (registered once, customer_snapshot_keeper_register);
-- its rows of a day are current while not older than the day's snapshot (customer_snapshot_days):
-- a forgotten or retaken snapshot makes them stale, and the reader computes them live until
-- customer_snapshot_keep() runs (at the end of every customer_snapshot_refresh()).
CREATE TABLE IF NOT EXISTS customer_snapshot_keepers (
    name     text PRIMARY KEY,
    compute  text NOT NULL
);
CREATE TABLE IF NOT EXISTS customer_snapshot_kept (
    name         text NOT NULL REFERENCES customer_snapshot_keepers (name) ON DELETE CASCADE,
    day          date NOT NULL,
    computed_at  timestamptz NOT NULL,
    rows         jsonb NOT NULL,
    PRIMARY KEY (name, day)
);

CREATE OR REPLACE FUNCTION customer_snapshot_keeper_register(p_name text, p_compute regproc) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO customer_snapshot_keepers (name, compute) VALUES (p_name, p_compute::text)
    ON CONFLICT (name) DO UPDATE SET compute = EXCLUDED.compute;
    DELETE FROM customer_snapshot_kept WHERE name = p_name;   -- a changed rule: computed again
$$;

-- The kept rows of keeper p_name on p_day (a JSON array of its rows), or NULL when none are current.
CREATE OR REPLACE FUNCTION customer_snapshot_kept_rows(p_name text, p_day date) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT k.rows FROM customer_snapshot_kept k JOIN customer_snapshot_days c ON c.day = k.day
     WHERE k.name = p_name AND k.day = p_day AND k.computed_at >= c.computed_at
$$;

-- The rows of the keeper function p_compute on p_day computed now, as a JSON array (what is kept).
CREATE OR REPLACE FUNCTION customer_snapshot_compute_rows(p_compute text, p_day date) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    j  jsonb;
BEGIN
    EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(x)), ''[]'') FROM %s($1) x', p_compute) INTO j USING p_day;
    RETURN j;
END
$$;

-- The rows of keeper p_name on p_day, kept when current, else computed now by the same function:
-- the one reader.  Readers take them as SELECT … FROM jsonb_to_recordset(customer_snapshot_rows(name,
-- day)) AS x(the keeper's columns).
CREATE OR REPLACE FUNCTION customer_snapshot_rows(p_name text, p_day date) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(customer_snapshot_kept_rows(p_name, p_day),
                    customer_snapshot_compute_rows((SELECT compute FROM customer_snapshot_keepers WHERE name = p_name), p_day))
$$;

-- Compute every keeper's rows of every snapshot day that has none current; drop those of days
-- without a snapshot.  Returns the number of (keeper, day) computed.
CREATE OR REPLACE FUNCTION customer_snapshot_keep() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    r  record;
    n  integer := 0;
BEGIN
    DELETE FROM customer_snapshot_kept k WHERE NOT EXISTS (SELECT 1 FROM customer_snapshot_days c WHERE c.day = k.day);
    FOR r IN SELECT kp.name, kp.compute, c.day FROM customer_snapshot_keepers kp CROSS JOIN customer_snapshot_days c
              WHERE customer_snapshot_kept_rows(kp.name, c.day) IS NULL ORDER BY 1, 3
    LOOP
        INSERT INTO customer_snapshot_kept (name, day, computed_at, rows)
        VALUES (r.name, r.day, now(), customer_snapshot_compute_rows(r.compute, r.day))
        ON CONFLICT (name, day) DO UPDATE SET computed_at = EXCLUDED.computed_at, rows = EXCLUDED.rows;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

SELECT customer_snapshot_keeper_register('customer_list_totals', 'customer_list_totals');
