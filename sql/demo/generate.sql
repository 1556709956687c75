-- Deterministic demo data generator: psql -v ON_ERROR_STOP=1 -v scale=0.1 [-v anchor='2024-06-01 12:00Z'] -f sql/demo/generate.sql
--
-- Everything is set-based (INSERT ... SELECT over generate_series) and driven by setseed(), so two
-- runs with the same scale, anchor instant and northstar.tz produce identical rows (password salts
-- excepted). The anchor, the demo's "now", defaults to the start of today in the reporting zone, so
-- every load of one calendar day gives the same tables (tests/sql/determinism.sh); anchor='now' is
-- the moment of loading (what the tests use: their checks of the last hour need data up to it).
-- All dates are relative to the anchor (24 months of history).
-- It TRUNCATEs every Northstar table first (CASCADE), then rebuilds the rollups at the end.
\set ON_ERROR_STOP 1
\if :{?scale}
\else
\set scale 0.1
\endif
\if :{?anchor}
\else
\set anchor ''
\endif

SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
-- Bulk-load settings: the sorts and hashes of a few million rows stay in memory; index builds get room.
SET work_mem = '512MB';
SET maintenance_work_mem = '1GB';
SET TimeZone = 'UTC';
-- the full rebuild at the end replaces trigger-driven dirty-day tracking
SET northstar.rollup_skip_dirty = on;

-- Progress on stdout, one "demo:" line per step (scripts/stack.sh shows them): the step, the rows
-- it wrote, the time so far and the whole load's estimate from the share of it the steps done take
-- (measured at SCALE=1 and SCALE=10 on 2 cores; the events are most of it).
\pset tuples_only on
\pset format unaligned
CREATE TEMP TABLE demo_clock AS SELECT clock_timestamp() AS t0;
CREATE FUNCTION pg_temp.progress(step text, n bigint, share numeric) RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT format('demo: %-28s %11s rows  %7s s  (about %s s in all)', step, n, round(e, 1), round(e / share))
    FROM (SELECT extract(epoch FROM clock_timestamp() - t0)::numeric AS e FROM demo_clock) x
$$;

BEGIN;

TRUNCATE app_users, plans, campaigns, customers, subscriptions, orders, billing_events, ad_spend,
         usage_records, support_tickets, nps_responses, leads, opportunities, sales_activities,
         expenses, cash_balances, referrals, targets, events,
         metrics_daily, mrr_daily, active_users_daily, customer_daily, feature_daily, sales_rep_daily,
         rollup_dirty_days
         RESTART IDENTITY CASCADE;

-- Parameters: scale, anchor instant, "today" in the reporting zone and the special days.
CREATE TEMP TABLE gp ON COMMIT DROP AS
SELECT s.scale, s.anchor_ts, s.today,
       s.today - 730                                       AS start_day,
       ns_day_start(s.today - 730)                         AS start_ts,
       greatest(50, round(10000 * s.scale))::int           AS n_customers,
       greatest(1000, round(1000000 * s.scale))::bigint    AS n_orders,
       greatest(10000, round(10000000 * s.scale))::bigint  AS n_events,
       s.today - 9                                         AS spend_spike_day,   -- >$10K spend, little revenue
       s.today - 7                                         AS cac_from,          -- CAC spike: today-7 .. today-1
       s.today - 1                                         AS cac_to,
       s.today - 40                                        AS incident_day,      -- API incident 14:00-16:00 UTC
       (date_trunc('month', s.today) - interval '1 month')::date AS dip_month,   -- MRR dip month
       date_trunc('month', s.today)::date                  AS dip_month_end
FROM (SELECT :scale::numeric AS scale, a.anchor_ts, ns_day(a.anchor_ts) AS today
      FROM (SELECT coalesce(nullif(:'anchor', '')::timestamptz, ns_day_start(ns_today())) AS anchor_ts) a) s;

SELECT setseed(0.4242) \gset

-- Standard normal deviate (Box-Muller; random_normal() only exists from PostgreSQL 16).
CREATE FUNCTION pg_temp.rnorm() RETURNS float8 LANGUAGE sql VOLATILE AS
$$ SELECT sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) $$;

-- Uniform [0, 1) from a hash of a key: per-customer draws that do not depend on row order.
CREATE FUNCTION pg_temp.h01(k text) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT ('x' || substr(md5(k), 1, 8))::bit(32)::bigint / 4294967296.0 $$;

-- Weekly x yearly seasonality of product traffic, max about 1.12.
CREATE FUNCTION pg_temp.season(d date) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
    SELECT (CASE extract(isodow FROM d) WHEN 6 THEN 0.6 WHEN 7 THEN 0.55 ELSE 1 END)
           * (1 + 0.12 * cos(2 * pi() * (extract(doy FROM d) - 340) / 365.25))
$$;

-- Order seasonality: weekends slightly up, a strong late-November/December peak, max about 1.5.
CREATE FUNCTION pg_temp.order_season(d date) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
    SELECT (CASE extract(isodow FROM d) WHEN 6 THEN 1.1 WHEN 7 THEN 1.05 ELSE 1 END)
           * (1 + 0.35 * exp(-power((extract(doy FROM d) - 335) / 22.0, 2)))
$$;

SELECT events_create_partitions(start_day - 31, today + 62) AS partitions_created FROM gp \gset

-- 1. App users ---------------------------------------------------------------------------------
INSERT INTO app_users (email, name, role, password_hash, created_at)
SELECT u.email, u.name, u.role, crypt('northstar-demo', gen_salt('bf', 10)), gp.anchor_ts - interval '800 days'
FROM gp, (VALUES (1, 'ceo@northstar.example',    'Casey CEO',         'ceo'),
                 (2, 'cs1@northstar.example',    'Charlie Success',   'cs'),
                 (3, 'cs2@northstar.example',    'Chris Support',     'cs'),
                 (4, 'sales1@northstar.example', 'Sam Seller',        'sales'),
                 (5, 'sales2@northstar.example', 'Sasha Closer',      'sales')) u(ord, email, name, role)
ORDER BY u.ord;

-- 2. Plans (price per seat and billing interval; enterprise billed yearly) ------------------------
INSERT INTO plans (code, name, price_cents, billing_interval, seat_limit, usage_limit) VALUES
    ('starter',      'Starter',         2900, 'month',   5,     100000),
    ('professional', 'Professional',    5900, 'month',  25,    1000000),
    ('business',     'Business',        9900, 'month', 100,   10000000),
    ('enterprise',   'Enterprise',    178800, 'year',  NULL,      NULL);

-- 3. Campaigns: 10 per platform, staggered so every day has 5-8 running -----------------------
CREATE TEMP TABLE platform_params ON COMMIT DROP AS
SELECT * FROM (VALUES
    -- platform, ord, spend weight, CPM cents, CTR, CVR, revenue quality (drives ROAS)
    ('google',   0, 1.30, 2200, 0.040, 0.050, 1.45),
    ('meta',     1, 1.10,  900, 0.012, 0.025, 1.00),
    ('tiktok',   2, 0.70,  600, 0.008, 0.012, 0.45),
    ('linkedin', 3, 0.90, 3500, 0.006, 0.030, 1.20)) v(platform, ord, spend_w, cpm, ctr, cvr, quality);

INSERT INTO campaigns (platform, name, tags, budget_cents, started_on, ended_on)
SELECT p.platform,
       initcap(p.platform) || ' - ' || t.theme || ' ' || to_char(c.started_on, 'Mon YYYY'),
       ARRAY[lower(replace(t.theme, ' ', '_')), p.platform] || CASE WHEN p.quality > 1 THEN '{high_intent}'::text[] ELSE '{}' END,
       (c.dur * 60000 * p.spend_w)::bigint,
       c.started_on,
       CASE WHEN c.started_on + c.dur < gp.today THEN c.started_on + c.dur END
FROM gp
CROSS JOIN platform_params p
CROSS JOIN generate_series(0, 9) i
CROSS JOIN LATERAL (SELECT gp.start_day - 30 + i * 80 + p.ord * 11 AS started_on,
                           100 + (i * 37 + p.ord * 13) % 60 AS dur) c
CROSS JOIN LATERAL (SELECT (ARRAY['Brand', 'Retargeting', 'Prospecting', 'Webinar', 'Spring Sale',
                                  'Summer Push', 'Free Trial', 'Enterprise ABM', 'Lookalike', 'Video'])[i + 1] AS theme) t
ORDER BY i, p.ord;

-- 4. Ad spend per campaign and running day -------------------------------------------------------
INSERT INTO ad_spend (day, campaign_id, platform, spend_cents, impressions, clicks, conversions)
SELECT x.day, x.campaign_id, x.platform, x.spend, x.impressions, x.clicks,
       round(x.clicks * x.cvr * (0.7 + 0.6 * random()) * x.conv_factor)::int
FROM (
    SELECT y.*, round(y.spend / y.cpm * 1000 * (0.85 + 0.3 * random()))::bigint AS impressions,
           round(y.spend / y.cpm * 1000 * y.ctr * (0.8 + 0.4 * random()))::bigint AS clicks
    FROM (
        SELECT d.day, c.id AS campaign_id, c.platform, p.cpm, p.ctr, p.cvr,
               round(60000 * p.spend_w
                     * (0.6 + 0.4 * (d.day - gp.start_day) / 730.0)
                     * CASE WHEN extract(isodow FROM d.day) IN (6, 7) THEN 0.7 ELSE 1 END
                     * (0.75 + 0.5 * random())
                     * CASE WHEN d.day = gp.spend_spike_day THEN 4.2
                            WHEN d.day BETWEEN gp.cac_from AND gp.cac_to THEN 1.8 ELSE 1 END)::bigint AS spend,
               CASE WHEN d.day BETWEEN gp.cac_from AND gp.cac_to THEN 0.4 ELSE 1 END AS conv_factor
        FROM gp
        CROSS JOIN campaigns c
        JOIN platform_params p ON p.platform = c.platform
        CROSS JOIN LATERAL (SELECT g::date AS day
                            FROM generate_series(greatest(c.started_on, gp.start_day),
                                                 least(coalesce(c.ended_on, gp.today), gp.today), interval '1 day') g) d
        ORDER BY d.day, c.id
    ) y
) x;

-- 5. Customers --------------------------------------------------------------------------------------
-- Signups follow exponential growth (about 3x over two years) with fewer weekend signups.
CREATE TEMP TABLE c0 ON COMMIT DROP AS
SELECT g, random() AS r_t, random() AS r_wk, random() AS r_seg, random() AS r_cty, random() AS r_ch,
       random() AS r_pf, random() AS r_conv, random() AS r_delay, random() AS r_life, random() AS r_react,
       random() AS r_gap, random() AS r_plan, random() AS r_qty, random() AS r_disc, random() AS r_nseg,
       random() AS r_name1, random() AS r_name2
FROM gp, generate_series(1, gp.n_customers) g;

CREATE TEMP TABLE c1 ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY z.signup_at, z.g)::int AS id, z.*
FROM (
    SELECT y.*,
           CASE WHEN extract(isodow FROM y.raw_signup) IN (6, 7) AND y.r_wk < 0.45
                     AND y.raw_signup + (8 - extract(isodow FROM y.raw_signup)) * interval '1 day' < gp.anchor_ts
                THEN y.raw_signup + (8 - extract(isodow FROM y.raw_signup)) * interval '1 day'
                ELSE y.raw_signup END AS signup_at
    FROM gp, (
        SELECT c0.*,
               gp.start_ts + (gp.anchor_ts - gp.start_ts) * (ln(1 + c0.r_t * (exp(1.1) - 1)) / 1.1) AS raw_signup,
               CASE WHEN c0.r_seg < 0.62 THEN 'smb' WHEN c0.r_seg < 0.90 THEN 'mid_market' ELSE 'enterprise' END AS segment,
               (ARRAY['US','US','US','US','GB','GB','DE','DE','FR','CA','AU','NL','SE','ES','IN','BR','JP','IE'])
                   [1 + floor(c0.r_cty * 18)::int] AS country,
               CASE WHEN c0.r_ch < 0.30 THEN 'organic' WHEN c0.r_ch < 0.52 THEN 'paid_search'
                    WHEN c0.r_ch < 0.72 THEN 'paid_social' WHEN c0.r_ch < 0.82 THEN 'referral'
                    WHEN c0.r_ch < 0.90 THEN 'partner' ELSE 'outbound' END AS channel
        FROM gp, c0
    ) y
) z;

ALTER TABLE c1 ADD COLUMN platform text, ADD COLUMN campaign_id int, ADD COLUMN quality float8 DEFAULT 1,
               ADD COLUMN conv_ts timestamptz, ADD COLUMN converted boolean, ADD COLUMN plan0 int,
               ADD COLUMN qty0 int, ADD COLUMN disc float8;
UPDATE c1 SET platform = CASE channel WHEN 'paid_search' THEN 'google'
                                      WHEN 'paid_social' THEN CASE WHEN r_pf < 0.5 THEN 'meta'
                                                                   WHEN r_pf < 0.75 THEN 'tiktok' ELSE 'linkedin' END END;
UPDATE c1 SET campaign_id = (SELECT cp.id FROM campaigns cp
                             WHERE cp.platform = c1.platform AND cp.started_on <= ns_day(c1.signup_at)
                             ORDER BY (cp.ended_on IS NULL OR cp.ended_on >= ns_day(c1.signup_at)) DESC,
                                      cp.started_on DESC LIMIT 1),
              quality = p.quality
FROM platform_params p WHERE p.platform = c1.platform;

-- Trials last 14 days; conversion depends on segment, channel and (for the CAC spike) the week.
UPDATE c1 SET conv_ts = signup_at + (2 + r_delay * 12) * interval '1 day';
UPDATE c1 SET converted = conv_ts < gp.anchor_ts
                          AND r_conv < (CASE segment WHEN 'smb' THEN 0.50 WHEN 'mid_market' THEN 0.58 ELSE 0.66 END)
                                       * (CASE channel WHEN 'referral' THEN 1.2 WHEN 'partner' THEN 1.1
                                                       WHEN 'organic' THEN 1.05 WHEN 'outbound' THEN 0.9 ELSE 1 END)
                                       * (CASE platform WHEN 'tiktok' THEN 0.6 WHEN 'meta' THEN 0.85 ELSE 1 END)
                                       * (CASE WHEN ns_day(conv_ts) BETWEEN gp.cac_from AND gp.cac_to THEN 0.45
                                               -- MRR dip month: few new sales (outside the two CAC weeks)
                                               WHEN ns_day(conv_ts) >= gp.dip_month AND ns_day(conv_ts) < gp.dip_month_end
                                                    AND ns_day(conv_ts) < gp.cac_from - 7 THEN 0.3 ELSE 1 END),
              plan0 = CASE segment WHEN 'smb' THEN CASE WHEN r_plan < 0.7 THEN 1 ELSE 2 END
                                   WHEN 'mid_market' THEN CASE WHEN r_plan < 0.6 THEN 2 ELSE 3 END
                                   ELSE CASE WHEN r_plan < 0.4 THEN 3 ELSE 4 END END,
              disc = CASE WHEN r_disc < 0.6 THEN 0 WHEN r_disc < 0.85 THEN 0.10 ELSE 0.20 END
FROM gp;
UPDATE c1 SET qty0 = CASE plan0 WHEN 1 THEN 1 + floor(r_qty * 5) WHEN 2 THEN 3 + floor(r_qty * 20)
                                WHEN 3 THEN 5 + floor(r_qty * 30) ELSE 10 + floor(r_qty * 60) END;

-- Paying spans: first span from conversion for a geometric number of months (monthly logo churn
-- 1.5-8 % by segment/channel); 12 % of churned customers come back 2-7 months later.
CREATE TEMP TABLE spans ON COMMIT DROP AS
WITH s1 AS (
    SELECT c1.id AS customer_id, ns_day(c1.conv_ts) AS lo,
           ns_day(c1.conv_ts) + (floor(ln(1 - c1.r_life)
               / ln(1 - (CASE c1.segment WHEN 'smb' THEN 0.05 WHEN 'mid_market' THEN 0.03 ELSE 0.015 END)
                        * (CASE WHEN c1.platform = 'tiktok' THEN 1.6 ELSE 1 END))) + 1)::int * interval '1 month' AS hi,
           c1.r_react, c1.r_gap
    FROM c1 WHERE c1.converted
)
SELECT customer_id, 1 AS span_no, lo, CASE WHEN hi::date <= gp.today THEN hi::date END AS hi
FROM s1, gp
UNION ALL
SELECT customer_id, 2, (hi + (2 + floor(r_gap * 6))::int * interval '1 month')::date, NULL::date
FROM s1, gp
WHERE hi::date <= gp.today AND r_react < 0.12
  AND (hi + (2 + floor(r_gap * 6))::int * interval '1 month')::date <= gp.today;

-- Subscription rows: each span is cut into 1-4 periods with upgrades/downgrades as a random walk.
CREATE TEMP TABLE s0 ON COMMIT DROP AS
WITH seg AS (
    SELECT sp.customer_id, sp.span_no, sp.lo, sp.hi, j, n.nseg, c1.plan0, c1.qty0, c1.disc,
           coalesce(sp.hi, gp.today + 1) - sp.lo AS len,
           random() AS r_kind, random() AS r_mag
    FROM spans sp
    JOIN c1 ON c1.id = sp.customer_id
    CROSS JOIN gp
    CROSS JOIN LATERAL (SELECT 1 + floor(c1.r_nseg * least(4.99, (coalesce(sp.hi, gp.today + 1) - sp.lo) / 75.0))::int AS nseg) n
    CROSS JOIN LATERAL generate_series(0, n.nseg - 1) j
    ORDER BY sp.customer_id, sp.span_no, j
), walk AS (
    SELECT seg.*,
           sum(CASE WHEN j = 0 THEN 0 WHEN r_kind < 0.2 THEN 1 WHEN r_kind > 0.88 THEN -1 ELSE 0 END)
               OVER w AS plan_shift,
           sum(ln(CASE WHEN j = 0 THEN 1 WHEN r_kind >= 0.2 AND r_kind < 0.62 THEN 1.25 + r_mag * 0.6
                       WHEN r_kind >= 0.62 AND r_kind <= 0.88 THEN 0.55 + r_mag * 0.3 ELSE 1 END))
               OVER w AS qty_log
    FROM seg
    WINDOW w AS (PARTITION BY customer_id, span_no ORDER BY j)
)
SELECT w.customer_id, w.span_no, pl.id AS plan_id, q.qty AS quantity,
       round(CASE pl.billing_interval WHEN 'year' THEN pl.price_cents / 12.0 ELSE pl.price_cents END
             * q.qty * (1 - w.disc))::bigint AS mrr_cents,
       w.lo + (w.len * w.j / w.nseg) AS valid_from,
       CASE WHEN w.j = w.nseg - 1 THEN w.hi ELSE w.lo + (w.len * (w.j + 1) / w.nseg) END AS valid_to
FROM walk w
CROSS JOIN LATERAL (SELECT least(4, greatest(1, w.plan0 + w.plan_shift - CASE WHEN w.span_no = 2 THEN 1 ELSE 0 END))::int AS plan_no) pn
JOIN plans pl ON pl.id = pn.plan_no
CROSS JOIN LATERAL (SELECT greatest(1, round(w.qty0 * exp(w.qty_log)))::int AS qty) q;
DELETE FROM s0 WHERE valid_to IS NOT NULL AND valid_to <= valid_from;

-- MRR dip: after everything else is generated, measure MRR at the end of the month before the
-- last full month (m0) and at the end of the last full month (m1), then churn enough customers
-- during the last full month (bigger accounts first, in a deterministic shuffle) that MRR at its
-- end is about 10 % below m0 whatever new sales and expansion did (at least 3 % of m1 churns).
CREATE TEMP TABLE dip ON COMMIT DROP AS
WITH tot AS (
    SELECT sum(s0.mrr_cents) FILTER (WHERE s0.valid_from <= gp.dip_month - 1
                                       AND (s0.valid_to IS NULL OR s0.valid_to > gp.dip_month - 1)) AS m0,
           sum(s0.mrr_cents) FILTER (WHERE s0.valid_from <= gp.dip_month_end - 1
                                       AND (s0.valid_to IS NULL OR s0.valid_to > gp.dip_month_end - 1)) AS m1
    FROM s0, gp
), m AS (
    SELECT s0.customer_id, sum(s0.mrr_cents) AS mrr
    FROM s0, gp
    WHERE s0.valid_from <= gp.dip_month_end - 1
      AND (s0.valid_to IS NULL OR s0.valid_to > gp.dip_month_end - 1)
      AND s0.valid_from < gp.dip_month
      AND NOT EXISTS (SELECT 1 FROM spans sp WHERE sp.customer_id = s0.customer_id AND sp.span_no = 2)
    GROUP BY 1
), ranked AS (
    SELECT m.*, sum(mrr) OVER (ORDER BY mrr * (0.25 + pg_temp.h01(customer_id || 'dip')) DESC, customer_id) AS running
    FROM m WHERE mrr >= 5000
)
SELECT customer_id, gp.dip_month + (('x' || substr(md5(customer_id::text), 1, 6))::bit(24)::int % 25) AS churn_day
FROM ranked, gp, tot
WHERE running - mrr < greatest(tot.m1 - 0.90 * tot.m0, 0.03 * tot.m1);
DELETE FROM s0 USING dip WHERE s0.customer_id = dip.customer_id AND s0.valid_from >= dip.churn_day;
UPDATE s0 SET valid_to = dip.churn_day FROM dip
WHERE s0.customer_id = dip.customer_id AND (s0.valid_to IS NULL OR s0.valid_to > dip.churn_day);

-- At-risk accounts: long-time payers still active today; they go silent for 30 days, fail payments
-- and open angry tickets.
CREATE TEMP TABLE at_risk ON COMMIT DROP AS
SELECT s0.customer_id
FROM s0, gp
WHERE s0.valid_to IS NULL AND s0.valid_from <= gp.today - 120
  AND s0.customer_id NOT IN (SELECT customer_id FROM dip)
GROUP BY 1
ORDER BY md5(s0.customer_id::text || 'risk')
LIMIT (SELECT greatest(6, round(n_customers * 0.006))::int FROM gp);

INSERT INTO customers (id, name, email, segment, country, channel, campaign_id, signup_at, trial_started_on,
                       trial_ends_on, converted_at, churned_at, cs_owner_id, sales_owner_id)
SELECT c1.id,
       nm.name,
       'billing@' || lower(regexp_replace(nm.name, '[^A-Za-z0-9]+', '-', 'g')) || '-' || c1.id || '.example',
       c1.segment, c1.country, c1.channel, c1.campaign_id, c1.signup_at,
       ns_day(c1.signup_at), ns_day(c1.signup_at) + 14,
       CASE WHEN f.first_from IS NOT NULL THEN c1.conv_ts END,
       CASE WHEN f.first_from IS NOT NULL AND NOT f.open THEN ns_day_start(f.last_to) + interval '10 hours' END,
       (SELECT id FROM app_users WHERE email = CASE c1.id % 2 WHEN 0 THEN 'cs1@northstar.example' ELSE 'cs2@northstar.example' END),
       (SELECT id FROM app_users WHERE email = CASE (c1.id / 2) % 2 WHEN 0 THEN 'sales1@northstar.example' ELSE 'sales2@northstar.example' END)
FROM c1
CROSS JOIN LATERAL (
    SELECT (ARRAY['Blue', 'North', 'Bright', 'Silver', 'Rapid', 'Green', 'Iron', 'Clear', 'Swift', 'Lunar',
                  'Cedar', 'Harbor', 'Summit', 'Pixel', 'Atlas', 'Nova'])[1 + floor(c1.r_name1 * 16)::int]
           || (ARRAY['wave', 'field', 'stone', 'leaf', 'path', 'peak', 'forge', 'line', 'bridge', 'spark'])[1 + floor(c1.r_name2 * 10)::int]
           || ' ' || (ARRAY['Labs', 'Analytics', 'Retail', 'Systems', 'Commerce', 'Health', 'Logistics', 'Studio'])[1 + (c1.id % 8)]
           AS name) nm
-- (one pass over s0, grouped: a lateral per customer scanned all of s0 for each, quadratic in SCALE)
LEFT JOIN (
    SELECT s0.customer_id, min(s0.valid_from) AS first_from, max(s0.valid_to) AS last_to,
           bool_or(s0.valid_to IS NULL) AS open
    FROM s0 GROUP BY s0.customer_id
) f ON f.customer_id = c1.id
ORDER BY c1.id;
SELECT setval('customers_id_seq', (SELECT max(id) FROM customers)) AS customers_seq \gset

INSERT INTO subscriptions (customer_id, plan_id, quantity, mrr_cents, valid_from, valid_to)
SELECT customer_id, plan_id, quantity, mrr_cents, valid_from, valid_to
FROM s0 ORDER BY customer_id, valid_from;

-- Activity windows and weights per customer (trial users: trial + 2 days; payers: until churn).
CREATE TEMP TABLE act ON COMMIT DROP AS
SELECT c.id AS customer_id, c.country, c.signup_at AS lo,
       CASE WHEN c.converted_at IS NOT NULL THEN coalesce(c.churned_at, gp.anchor_ts)
            ELSE least(ns_day_start(c.trial_ends_on + 2), gp.anchor_ts) END AS hi,
       (CASE c.segment WHEN 'smb' THEN 1 WHEN 'mid_market' THEN 2.2 ELSE 4.5 END)
           * CASE WHEN c.converted_at IS NULL THEN 0.6 ELSE 1 END AS w,
       CASE c.segment WHEN 'smb' THEN 3 WHEN 'mid_market' THEN 8 ELSE 25 END AS users,
       c.id IN (SELECT customer_id FROM at_risk) AS risky,
       c1.quality, c.converted_at IS NOT NULL AS payer
FROM customers c JOIN c1 ON c1.id = c.id, gp;
DELETE FROM act WHERE hi <= lo;

-- Churn points and their warning signs: a customer's usage tapers off over the 90 days before it
-- stops paying (to ~8 % of normal), and most churners also open extra tickets with poor CSAT, fail
-- payments and answer NPS as detractors in the weeks before (each sign with its own probability;
-- 15 % churn without warning). Reactivated customers are nearly silent between their two spans.
-- Customers who keep paying grow their usage slowly with tenure. Draws are hashes of the id.
CREATE TEMP TABLE cpt ON COMMIT DROP AS
SELECT x.customer_id, x.churn_ts, x.back_ts,
       CASE WHEN pg_temp.h01(x.customer_id || 'silent') < 0.15 THEN 1.0 ELSE 0.08 END AS floor_u,
       pg_temp.h01(x.customer_id || 'silent') < 0.15 AS silent
FROM (
    SELECT c.id AS customer_id, c.churned_at AS churn_ts, NULL::timestamptz AS back_ts
    FROM customers c WHERE c.churned_at IS NOT NULL
    UNION ALL
    SELECT sp.customer_id, ns_day_start(sp.hi) + interval '10 hours', ns_day_start(s2.lo)
    FROM spans sp JOIN spans s2 ON s2.customer_id = sp.customer_id AND s2.span_no = 2
    WHERE sp.span_no = 1
) x;
CREATE UNIQUE INDEX ON cpt (customer_id);
ANALYZE cpt;
ALTER TABLE act ADD COLUMN churn_ts timestamptz, ADD COLUMN back_ts timestamptz, ADD COLUMN floor_u float8,
                ADD COLUMN conv_ts timestamptz;
UPDATE act SET churn_ts = cpt.churn_ts, back_ts = cpt.back_ts, floor_u = cpt.floor_u
FROM cpt WHERE cpt.customer_id = act.customer_id;
UPDATE act SET conv_ts = c.converted_at FROM customers c WHERE c.id = act.customer_id;

-- Usage intensity of a customer at ts (<= 1; used to thin the event candidates).  STABLE, as its
-- body is (timestamptz - interval): declared IMMUTABLE it was not inlined, and ran as a function
-- call per candidate (8x slower: most of the events' load time).
CREATE FUNCTION pg_temp.usage_mult(ts timestamptz, lo timestamptz, conv_ts timestamptz, churn_ts timestamptz,
                                   back_ts timestamptz, floor_u float8) RETURNS float8
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN churn_ts IS NOT NULL AND ts >= churn_ts AND ts < coalesce(back_ts, 'infinity') THEN 0.03
                WHEN churn_ts IS NOT NULL AND ts < churn_ts AND ts >= churn_ts - interval '90 days'
                THEN floor_u + (1 - floor_u) * power(extract(epoch FROM churn_ts - ts) / 7776000.0, 1.3)
                ELSE 1 END
           * (0.8 + 0.2 * least(1, greatest(0, extract(epoch FROM ts - coalesce(conv_ts, lo)) / 31557600.0)))
$$;

-- The bulk inserts of events and orders run without triggers (session_replication_role = replica):
-- the dirty-day and live triggers would return at once (rollup_skip_dirty), but their transition
-- tables would still hold every inserted row, and the orders' foreign key would be checked row by
-- row; the rows are consistent by construction.  The events' indexes are built once after the load
-- instead of row by row; their definitions are read from the catalogue (the schema stays their one
-- place).  Both are restored after the orders.
CREATE TEMP TABLE events_indexes ON COMMIT DROP AS
SELECT c.relname AS name, replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ') AS def
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'events'::regclass;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT name FROM events_indexes LOOP EXECUTE format('DROP INDEX %I', r.name); END LOOP;
END $$;
SET session_replication_role = replica;

SELECT pg_temp.progress('customers, subscriptions', (SELECT count(*) FROM customers) + (SELECT count(*) FROM subscriptions), 0.04);

-- 6. Events: per-customer candidates thinned by seasonality (rejection sampling) --------------------
CREATE TEMP TABLE ev_rate ON COMMIT DROP AS
SELECT gp.n_events / sum(act.w * extract(epoch FROM act.hi - act.lo) / 86400.0) / 0.82 AS per_weight_day
FROM act, gp GROUP BY gp.n_events;
UPDATE ev_rate SET per_weight_day = per_weight_day / 0.9;   -- usage_mult keeps about 90 % on average

INSERT INTO events (occurred_at, customer_id, user_id, session_id, type, feature, endpoint, status, latency_ms,
                    device, browser, os, country, source, client_ip, rate_limited)
SELECT e.ts, e.customer_id, e.user_id, e.user_id * 10000 + (e.ts::date - DATE '2000-01-01'), e.type,
       CASE WHEN e.type = 'feature_used'
            THEN (ARRAY['dashboards', 'reports', 'alerts', 'exports', 'integrations', 'segments', 'forecasts', 'api_keys'])
                 [1 + floor(power(e.r2, 1.6) * 8)::int] END,
       CASE WHEN e.type = 'api_call'
            THEN (ARRAY['/v1/orders', '/v1/customers', '/v1/metrics', '/v1/events', '/v1/reports', '/v1/webhooks'])
                 [1 + floor(power(e.r2, 1.4) * 6)::int] END,
       e.status,
       CASE WHEN e.type = 'api_call'
            THEN round(exp(ln(110) + 0.55 * pg_temp.rnorm()) * CASE WHEN e.incident THEN 6 ELSE 1 END)::int END,
       e.device,
       CASE WHEN e.device = 'mobile' THEN CASE WHEN e.r3 < 0.55 THEN 'Safari' ELSE 'Chrome' END
            ELSE (ARRAY['Chrome', 'Chrome', 'Chrome', 'Edge', 'Firefox', 'Safari'])[1 + floor(e.r3 * 6)::int] END,
       CASE WHEN e.device = 'mobile' THEN CASE WHEN e.r3 < 0.55 THEN 'iOS' ELSE 'Android' END
            ELSE (ARRAY['Windows', 'Windows', 'Windows', 'Windows', 'macOS', 'Linux'])[1 + floor(e.r3 * 6)::int] END,
       e.country,
       CASE WHEN e.type IN ('session_start', 'page_view')
            THEN (ARRAY['direct', 'direct', 'google', 'google', 'meta', 'tiktok', 'linkedin', 'email', 'referral'])
                 [1 + floor(e.r2 * 9)::int] END,
       '100.64.0.0'::inet + ((e.customer_id * 97 + e.user_id % 1000) % 4000000),
       coalesce(e.status = 429, false)
FROM (
    SELECT t.*,
           CASE WHEN t.type <> 'api_call' THEN NULL
                WHEN t.incident AND t.r4 < 0.22 THEN (ARRAY[500, 502, 503, 504])[1 + floor(t.r5 * 4)::int]
                WHEN t.r4 < 0.003 THEN (ARRAY[500, 502, 503])[1 + floor(t.r5 * 3)::int]
                WHEN t.r4 < 0.018 THEN 429
                WHEN t.r4 < 0.045 THEN (ARRAY[400, 401, 404, 422])[1 + floor(t.r5 * 4)::int]
                ELSE 200 END::smallint AS status
    FROM (
        SELECT k.*,
               CASE WHEN k.rt < 0.08 THEN 'session_start' WHEN k.rt < 0.50 THEN 'page_view'
                    WHEN k.rt < 0.56 THEN 'add_to_cart' WHEN k.rt < 0.59 THEN 'checkout'
                    WHEN k.rt < 0.61 THEN 'order' WHEN k.rt < 0.89 THEN 'api_call'
                    WHEN k.rt < 0.96 THEN 'feature_used' WHEN k.rt < 0.99 THEN 'login'
                    ELSE 'client_error' END AS type,
               k.customer_id::bigint * 1000 + 1 + floor(power(k.ru, 2) * k.users)::bigint AS user_id,
               CASE WHEN k.rd < 0.35 THEN 'mobile' ELSE 'desktop' END AS device,
               (k.ts AT TIME ZONE 'UTC')::date = gp.incident_day AND extract(hour FROM k.ts AT TIME ZONE 'UTC') IN (14, 15) AS incident
        FROM gp, (
            SELECT a.customer_id, a.country, a.users,
                   date_trunc('day', a.lo + (a.hi - a.lo) * random())
                       + mod((14 + 4.5 * pg_temp.rnorm() + 48)::numeric, 24) * interval '1 hour' AS ts,
                   random() AS r_keep, random() AS rt, random() AS ru, random() AS rd,
                   random() AS r2, random() AS r3, random() AS r4, random() AS r5, a.lo, a.hi, a.risky,
                   a.conv_ts, a.churn_ts, a.back_ts, a.floor_u
            FROM act a, ev_rate r,
                 generate_series(1, round(a.w * extract(epoch FROM a.hi - a.lo) / 86400.0 * r.per_weight_day)::int) n
        ) k
        WHERE k.ts >= k.lo AND k.ts < k.hi
          AND k.r_keep < pg_temp.season((k.ts AT TIME ZONE 'UTC')::date) / 1.12
                         * pg_temp.usage_mult(k.ts, k.lo, k.conv_ts, k.churn_ts, k.back_ts, k.floor_u)
          AND NOT (k.risky AND k.ts > gp.anchor_ts - interval '30 days')
    ) t
) e
ORDER BY e.ts;
\set events_rows :ROW_COUNT

-- API error burst in the hour before the anchor: extra api_call traffic with ~6 % 5xx.
INSERT INTO events (occurred_at, customer_id, user_id, session_id, type, endpoint, status, latency_ms,
                    device, browser, os, country, client_ip, rate_limited)
SELECT b.ts, b.customer_id, b.customer_id::bigint * 1000 + 1, b.customer_id::bigint * 1000 + 1,
       'api_call', '/v1/metrics', b.status, b.latency, 'desktop', 'Chrome', 'Linux', b.country,
       '100.64.0.0'::inet + (b.customer_id * 97 % 4000000), false
FROM (
    SELECT gp.anchor_ts - interval '59 minutes' * random() - interval '1 second' AS ts,
           a.customer_id, a.country,
           CASE WHEN random() < 0.06 THEN 503 ELSE 200 END::smallint AS status,
           round(200 + 900 * random())::int AS latency
    FROM gp, generate_series(1, greatest(120, round(2000 * gp.scale))::int) n
    JOIN (SELECT act.customer_id, act.country, row_number() OVER (ORDER BY act.customer_id) AS rn,
                 count(*) OVER () AS cnt
          FROM act, gp WHERE act.payer AND act.hi >= gp.anchor_ts AND NOT act.risky) a
      ON a.rn = 1 + (n * 7919) % a.cnt
) b
ORDER BY b.ts;

SELECT pg_temp.progress('events', :events_rows, 0.45);

-- 7. Orders: merchants' orders, seasonal with a Black-Friday peak, near-zero on the spend-spike day --
CREATE TEMP TABLE ord_rate ON COMMIT DROP AS
SELECT gp.n_orders / sum(a.w * a.quality * extract(epoch FROM a.hi - greatest(a.lo, c.converted_at)) / 86400.0) / 0.75 AS per_weight_day
FROM act a JOIN customers c ON c.id = a.customer_id, gp
WHERE a.payer AND a.hi > c.converted_at
GROUP BY gp.n_orders;

INSERT INTO orders (customer_id, ordered_at, source, total_cents, cogs_cents, status, refunded_cents, chargeback_cents)
SELECT o.customer_id, o.ts,
       CASE WHEN o.r_src < 0.45 THEN 'shopify' WHEN o.r_src < 0.75 THEN 'api'
            WHEN o.r_src < 0.92 THEN 'marketplace' ELSE 'partnerships' END,
       o.total, round(o.total * (0.30 + 0.15 * o.r_cogs))::bigint,
       CASE WHEN o.r_st < 0.93 THEN 'paid' WHEN o.r_st < 0.97 THEN 'refunded'
            WHEN o.r_st < 0.99 THEN 'partially_refunded' ELSE 'chargeback' END,
       CASE WHEN o.r_st < 0.93 THEN 0 WHEN o.r_st < 0.97 THEN o.total
            WHEN o.r_st < 0.99 THEN round(o.total * (0.2 + 0.4 * o.r_cogs))::bigint ELSE 0 END,
       CASE WHEN o.r_st >= 0.99 THEN o.total ELSE 0 END
FROM (
    SELECT k.*, greatest(500, round(exp(ln(7500) + 0.6 * pg_temp.rnorm())))::bigint AS total,
           random() AS r_src, random() AS r_cogs, random() AS r_st
    FROM gp, (
        SELECT a.customer_id,
               date_trunc('day', lo2 + (a.hi - lo2) * random())
                   + mod((15 + 5 * pg_temp.rnorm() + 48)::numeric, 24) * interval '1 hour' AS ts,
               random() AS r_keep, lo2, a.hi
        FROM act a
        JOIN customers c ON c.id = a.customer_id
        CROSS JOIN LATERAL (SELECT greatest(a.lo, c.converted_at) AS lo2) l
        CROSS JOIN ord_rate r
        CROSS JOIN LATERAL generate_series(1, round(a.w * a.quality * extract(epoch FROM a.hi - lo2) / 86400.0
                                                    * r.per_weight_day)::int) n
        WHERE a.payer AND a.hi > lo2
    ) k
    WHERE k.ts >= k.lo2 AND k.ts < k.hi
      AND k.r_keep < pg_temp.order_season((k.ts AT TIME ZONE 'UTC')::date) / 1.5
                     * CASE WHEN ns_day(k.ts) = gp.spend_spike_day THEN 0.04 ELSE 1 END
) o
ORDER BY o.ts;
\set orders_rows :ROW_COUNT

SET session_replication_role = origin;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT def FROM events_indexes ORDER BY name LOOP EXECUTE r.def; END LOOP;
END $$;
ANALYZE events;
SELECT pg_temp.progress('orders, events indexed', :orders_rows, 0.55);

-- 8. Billing events: subscription charges (monthly, or yearly up front), failures, refunds ---------
INSERT INTO billing_events (customer_id, occurred_at, kind, amount_cents)
SELECT x.customer_id, x.ts, x.kind, x.amount
FROM (
    SELECT s.customer_id, ns_day_start(g::date) + interval '6 hours' + floor(random() * 10) * interval '1 hour' AS ts,
           s.mrr_cents * CASE pl.billing_interval WHEN 'year' THEN 12 ELSE 1 END AS amount,
           random() < 0.03 AS failed
    FROM subscriptions s
    JOIN plans pl ON pl.id = s.plan_id
    CROSS JOIN gp
    CROSS JOIN LATERAL generate_series(s.valid_from, least(coalesce(s.valid_to - 1, gp.today), gp.today - 1),
                                       CASE pl.billing_interval WHEN 'year' THEN interval '1 year' ELSE interval '1 month' END) g
    WHERE s.mrr_cents > 0
) y
CROSS JOIN LATERAL (
    SELECT y.customer_id, y.ts, 'payment_failed' AS kind, y.amount WHERE y.failed
    UNION ALL
    SELECT y.customer_id, y.ts + CASE WHEN y.failed THEN interval '3 days' ELSE interval '0' END,
           'payment_success', y.amount
) x
CROSS JOIN gp
WHERE x.ts < gp.anchor_ts
ORDER BY x.ts, x.customer_id, x.kind;

-- at-risk accounts: two failed charges in the last 5 weeks, no success after them
INSERT INTO billing_events (customer_id, occurred_at, kind, amount_cents)
SELECT r.customer_id, gp.anchor_ts - k * interval '11 days' - interval '3 hours', 'payment_failed', s.mrr_cents
FROM at_risk r
JOIN subscriptions s ON s.customer_id = r.customer_id AND s.valid_to IS NULL
CROSS JOIN gp
CROSS JOIN generate_series(1, 2) k
ORDER BY 2, 1;
DELETE FROM billing_events b USING at_risk r, gp
WHERE b.customer_id = r.customer_id AND b.kind = 'payment_success' AND b.occurred_at > gp.anchor_ts - interval '23 days';

-- churn warning: 55 % of churners fail one or two charges 15-55 days before they stop paying
INSERT INTO billing_events (customer_id, occurred_at, kind, amount_cents)
SELECT x.customer_id, x.ts, 'payment_failed', x.amount
FROM (
    SELECT p.customer_id, p.churn_ts - (15 + 40 * pg_temp.h01(p.customer_id || 'fp' || k)) * interval '1 day' AS ts,
           (SELECT s.mrr_cents FROM subscriptions s WHERE s.customer_id = p.customer_id AND s.valid_from < p.churn_ts::date
            ORDER BY s.valid_from DESC LIMIT 1) AS amount,
           c.converted_at
    FROM cpt p
    JOIN customers c ON c.id = p.customer_id
    CROSS JOIN LATERAL generate_series(1, 1 + floor(2 * pg_temp.h01(p.customer_id || 'fpn'))::int) k
    WHERE NOT p.silent AND pg_temp.h01(p.customer_id || 'fp') < 0.55
) x, gp
WHERE x.ts > x.converted_at AND x.ts < gp.anchor_ts AND x.amount > 0
ORDER BY 2, 1;

INSERT INTO billing_events (customer_id, occurred_at, kind, amount_cents)
SELECT o.customer_id, least(o.ordered_at + (2 + random() * 8) * interval '1 day', gp.anchor_ts - interval '1 minute'),
       'refund', o.refunded_cents
FROM orders o, gp WHERE o.refunded_cents > 0
UNION ALL
SELECT o.customer_id, least(o.ordered_at + (20 + random() * 20) * interval '1 day', gp.anchor_ts - interval '1 minute'),
       'chargeback', o.chargeback_cents
FROM orders o, gp WHERE o.chargeback_cents > 0
ORDER BY 2, 1;

-- 9. Usage metering derived from the event log (units per customer and reporting day) ---------------
-- (ns_day() written out with the zone read once: per row it costs a settings lookup, 9 M times at SCALE=1)
INSERT INTO usage_records (customer_id, day, units)
SELECT customer_id, (occurred_at AT TIME ZONE z.tz)::date,
       sum(CASE type WHEN 'api_call' THEN 25 WHEN 'feature_used' THEN 5 ELSE 1 END)
FROM events, (SELECT ns_tz() AS tz) z
WHERE customer_id IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2;

SELECT pg_temp.progress('billing events, usage', (SELECT count(*) FROM billing_events) + (SELECT count(*) FROM usage_records), 0.62);

-- 10. Support tickets and NPS ------------------------------------------------------------------------
INSERT INTO support_tickets (customer_id, opened_at, resolved_at, priority, csat)
SELECT t.customer_id, t.opened_at,
       CASE WHEN t.opened_at + t.ttr < gp.anchor_ts AND NOT (t.opened_at > gp.anchor_ts - interval '3 days' AND t.r_open < 0.5)
            THEN t.opened_at + t.ttr END,
       CASE WHEN t.r_pri < 0.30 THEN 'low' WHEN t.r_pri < 0.75 THEN 'normal' WHEN t.r_pri < 0.93 THEN 'high' ELSE 'urgent' END,
       CASE WHEN t.opened_at + t.ttr >= gp.anchor_ts OR t.r_csat >= 0.6 THEN NULL
            WHEN t.r_csat < 0.27 THEN 5 WHEN t.r_csat < 0.45 THEN 4 WHEN t.r_csat < 0.52 THEN 3
            WHEN t.r_csat < 0.57 THEN 2 ELSE 1 END
FROM gp, (
    SELECT a.customer_id, a.lo + (a.hi - a.lo) * random() AS opened_at,
           (1 + 110 * power(random(), 2)) * interval '1 hour' AS ttr,
           random() AS r_pri, random() AS r_csat, random() AS r_open
    FROM act a
    CROSS JOIN LATERAL generate_series(1, floor(extract(epoch FROM a.hi - a.lo) / 86400.0 / 30 * 0.3 * a.w
                                                * (0.5 + random()))::int) n
    WHERE a.payer
) t
ORDER BY t.opened_at;

INSERT INTO support_tickets (customer_id, opened_at, resolved_at, priority, csat)
SELECT r.customer_id, gp.anchor_ts - k * interval '6 days' - interval '5 hours',
       CASE WHEN k = 3 THEN gp.anchor_ts - k * interval '6 days' + interval '2 days' END,
       CASE WHEN k = 1 THEN 'urgent' ELSE 'high' END,
       CASE WHEN k = 3 THEN 1 END
FROM at_risk r, gp, generate_series(1, 3) k
ORDER BY 2, 1;

-- churn warning: 65 % of churners open 1-3 extra tickets in the 60 days before, mostly rated badly
INSERT INTO support_tickets (customer_id, opened_at, resolved_at, priority, csat)
SELECT x.customer_id, x.ts, x.ts + x.ttr,
       CASE WHEN x.r_pri < 0.25 THEN 'normal' WHEN x.r_pri < 0.8 THEN 'high' ELSE 'urgent' END,
       CASE WHEN x.r_csat < 0.5 THEN 1 WHEN x.r_csat < 0.75 THEN 2 WHEN x.r_csat < 0.85 THEN 3 END
FROM (
    SELECT p.customer_id, p.churn_ts - (3 + 57 * pg_temp.h01(p.customer_id || 'tk' || k)) * interval '1 day' AS ts,
           (4 + 60 * pg_temp.h01(p.customer_id || 'ttr' || k)) * interval '1 hour' AS ttr,
           pg_temp.h01(p.customer_id || 'pri' || k) AS r_pri, pg_temp.h01(p.customer_id || 'csat' || k) AS r_csat,
           c.converted_at
    FROM cpt p
    JOIN customers c ON c.id = p.customer_id
    CROSS JOIN LATERAL generate_series(1, 1 + floor(3 * pg_temp.h01(p.customer_id || 'tkn'))::int) k
    WHERE NOT p.silent AND pg_temp.h01(p.customer_id || 'tk') < 0.65
) x, gp
WHERE x.ts > x.converted_at AND x.ts + x.ttr < gp.anchor_ts
ORDER BY 2, 1;

INSERT INTO nps_responses (customer_id, answered_at, score)
SELECT x.customer_id, x.ts,
       CASE WHEN x.r < 0.45 THEN 9 + floor(x.r2 * 2) WHEN x.r < 0.75 THEN 7 + floor(x.r2 * 2) ELSE floor(x.r2 * 7) END
FROM gp, (
    SELECT a.customer_id, c.converted_at + g * interval '1 day' + random() * interval '5 days' AS ts,
           random() AS r, random() AS r2, random() AS r_resp, a.hi
    FROM act a
    JOIN customers c ON c.id = a.customer_id
    CROSS JOIN LATERAL generate_series(30, greatest(30, extract(day FROM a.hi - c.converted_at)::int), 120) g
    WHERE a.payer AND NOT a.risky
) x
WHERE x.r_resp < 0.35 AND x.ts < x.hi
ORDER BY x.ts, x.customer_id;

INSERT INTO nps_responses (customer_id, answered_at, score)
SELECT r.customer_id, gp.anchor_ts - interval '12 days', 2 FROM at_risk r, gp ORDER BY 1;

-- churn warning: half of the churners answer NPS as detractors 10-60 days before they leave
INSERT INTO nps_responses (customer_id, answered_at, score)
SELECT x.customer_id, x.ts, x.score
FROM (
    SELECT p.customer_id, p.churn_ts - (10 + 50 * pg_temp.h01(p.customer_id || 'npsd')) * interval '1 day' AS ts,
           floor(6 * pg_temp.h01(p.customer_id || 'npss'))::int AS score, c.converted_at
    FROM cpt p JOIN customers c ON c.id = p.customer_id
    WHERE NOT p.silent AND pg_temp.h01(p.customer_id || 'nps') < 0.5
) x, gp
WHERE x.ts > x.converted_at AND x.ts < gp.anchor_ts
ORDER BY 2, 1;

-- 11. Leads (every customer came from one, plus twice as many that never signed up) -----------------
INSERT INTO leads (created_at, channel, campaign_id, mql_at, sql_at, customer_id)
SELECT l.created_at, l.channel, l.campaign_id, l.mql_at, l.sql_at, l.customer_id
FROM (
    SELECT c.signup_at - (1 + 20 * random()) * interval '1 day' AS created_at, c.channel, c.campaign_id,
           c.signup_at - interval '12 hours' AS mql_at,
           CASE WHEN c.segment <> 'smb' THEN c.signup_at - interval '2 hours' END AS sql_at,
           c.id AS customer_id
    FROM customers c
    UNION ALL
    SELECT y.created_at, y.channel,
           (SELECT cp.id FROM campaigns cp
            WHERE cp.platform = CASE y.channel WHEN 'paid_search' THEN 'google' ELSE y.platform END
              AND y.channel IN ('paid_search', 'paid_social') AND cp.started_on <= y.created_at::date
            ORDER BY cp.started_on DESC LIMIT 1),
           CASE WHEN y.r_mql < 0.35 THEN y.created_at + (1 + 4 * y.r_d) * interval '1 day' END,
           CASE WHEN y.r_mql < 0.10 THEN y.created_at + (3 + 9 * y.r_d) * interval '1 day' END,
           NULL
    FROM (
        SELECT gp.start_ts + (gp.anchor_ts - gp.start_ts) * (ln(1 + random() * (exp(1.1) - 1)) / 1.1) AS created_at,
               (ARRAY['organic', 'paid_search', 'paid_social', 'paid_social', 'referral', 'partner', 'outbound'])
                   [1 + floor(random() * 7)::int] AS channel,
               (ARRAY['meta', 'tiktok', 'linkedin'])[1 + floor(random() * 3)::int] AS platform,
               random() AS r_mql, random() AS r_d
        FROM gp, generate_series(1, gp.n_customers * 2) n
    ) y
) l, gp
WHERE (l.mql_at IS NULL OR l.mql_at < gp.anchor_ts) AND (l.sql_at IS NULL OR l.sql_at < gp.anchor_ts)
ORDER BY l.created_at;

-- 12. Opportunities: one per mid-market/enterprise signup, plus pipeline from sales-qualified leads --
INSERT INTO opportunities (customer_id, owner_id, stage, amount_cents, created_at, expected_close_on, closed_at, won)
SELECT o.customer_id, o.owner_id,
       CASE WHEN o.won THEN 'closed_won' WHEN o.won = false THEN 'closed_lost'
            ELSE (ARRAY['prospecting', 'qualification', 'proposal', 'negotiation'])[1 + floor(o.r_st * 4)::int] END,
       o.amount, o.created_at, o.expected_close_on, o.closed_at, o.won
FROM (
    SELECT c.id AS customer_id, c.sales_owner_id AS owner_id, c.signup_at AS created_at, c.trial_ends_on AS expected_close_on,
           12 * round(CASE pl.billing_interval WHEN 'year' THEN pl.price_cents / 12.0 ELSE pl.price_cents END * c1.qty0)::bigint AS amount,
           CASE WHEN c.converted_at IS NOT NULL THEN true
                WHEN ns_day_start(c.trial_ends_on) < gp.anchor_ts THEN false END AS won,
           CASE WHEN c.converted_at IS NOT NULL THEN c.converted_at
                WHEN ns_day_start(c.trial_ends_on) < gp.anchor_ts
                THEN greatest(ns_day_start(c.trial_ends_on) + interval '17 hours', c.signup_at) END AS closed_at,
           random() AS r_st
    FROM customers c JOIN c1 ON c1.id = c.id JOIN plans pl ON pl.id = c1.plan0, gp
    WHERE c.segment <> 'smb'
    UNION ALL
    SELECT NULL, (SELECT id FROM app_users WHERE email = CASE l.id % 2 WHEN 0 THEN 'sales1@northstar.example'
                                                                   ELSE 'sales2@northstar.example' END),
           l.sql_at, (l.sql_at + interval '45 days')::date,
           greatest(100000, round(exp(ln(1500000) + 0.8 * pg_temp.rnorm())))::bigint,
           CASE WHEN l.sql_at < gp.anchor_ts - interval '120 days' THEN l.r_w < 0.2 END,
           CASE WHEN l.sql_at < gp.anchor_ts - interval '120 days' THEN l.sql_at + (20 + 70 * l.r_w) * interval '1 day' END,
           random()
    FROM (SELECT leads.*, random() AS r_w FROM leads WHERE customer_id IS NULL AND sql_at IS NOT NULL) l, gp
) o
ORDER BY o.created_at;

-- 13. Sales activities: touches on each opportunity plus daily prospecting without one ---------------
INSERT INTO sales_activities (rep_id, kind, occurred_at, opportunity_id)
SELECT a.rep_id, CASE WHEN a.r < 0.40 THEN 'call' WHEN a.r < 0.85 THEN 'email' ELSE 'meeting' END, a.ts, a.opp_id
FROM (
    SELECT o.owner_id AS rep_id, o.id AS opp_id,
           o.created_at + (coalesce(o.closed_at, gp.anchor_ts) - o.created_at) * random() AS ts, random() AS r
    FROM opportunities o, gp, generate_series(1, 2 + floor(random() * 10 + 0 * o.id)::int) n
    UNION ALL
    SELECT u.id, NULL, ns_day_start(d::date) + (8 + 9 * random()) * interval '1 hour', random()
    FROM app_users u, gp,
         generate_series(gp.start_day, gp.today - 1, interval '1 day') d,
         generate_series(1, 2 + floor(random() * 5 + 0 * u.id + 0 * extract(day FROM d))::int) n
    WHERE u.role = 'sales' AND extract(isodow FROM d) < 6
) a, gp
WHERE a.ts < gp.anchor_ts
ORDER BY a.ts, a.rep_id;

-- 14. Referrals: every referral-channel customer was invited by an earlier one, plus unanswered invites
INSERT INTO referrals (inviter_customer_id, invitee_email, sent_at, accepted_at, resulting_customer_id)
SELECT r.inviter, r.email, r.sent_at, r.accepted_at, r.resulting
FROM (
    SELECT 1 + floor(random() * (c.id - 1))::int AS inviter, c.email,
           c.signup_at - (1 + 9 * random()) * interval '1 day' AS sent_at, c.signup_at AS accepted_at, c.id AS resulting
    FROM customers c WHERE c.channel = 'referral' AND c.id > 1
    UNION ALL
    SELECT a.customer_id, 'friend' || n || '.' || a.customer_id || '@example.net',
           a.lo + (a.hi - a.lo) * random(), NULL, NULL
    FROM act a, generate_series(1, 3) n
    WHERE a.payer AND random() < 0.15
) r
WHERE r.sent_at IS NOT NULL
ORDER BY r.sent_at, r.inviter;
-- invitations must be sent after the inviter signed up
UPDATE referrals f SET sent_at = greatest(f.sent_at, c.signup_at),
                       accepted_at = CASE WHEN f.accepted_at IS NOT NULL THEN greatest(f.accepted_at, c.signup_at) END
FROM customers c WHERE c.id = f.inviter_customer_id AND f.sent_at < c.signup_at;

-- 15. Expenses (monthly, month-to-date for the current month) and daily cash balance -----------------
CREATE TEMP TABLE month_fin ON COMMIT DROP AS
SELECT m::date AS month,
       coalesce((SELECT sum(total_cents - refunded_cents - chargeback_cents) FROM orders
                 WHERE ordered_at >= ns_day_start(m::date) AND ordered_at < ns_day_start((m + interval '1 month')::date)), 0) AS order_net,
       coalesce((SELECT sum(cogs_cents) FROM orders
                 WHERE ordered_at >= ns_day_start(m::date) AND ordered_at < ns_day_start((m + interval '1 month')::date)), 0) AS order_cogs,
       coalesce((SELECT sum(amount_cents) FROM billing_events WHERE kind = 'payment_success'
                 AND occurred_at >= ns_day_start(m::date) AND occurred_at < ns_day_start((m + interval '1 month')::date)), 0) AS subs,
       coalesce((SELECT sum(spend_cents) FROM ad_spend
                 WHERE day >= m::date AND day < (m + interval '1 month')::date), 0) AS ads
FROM gp, generate_series(date_trunc('month', gp.start_day), date_trunc('month', gp.today), interval '1 month') m;

INSERT INTO expenses (month, category, amount_cents)
SELECT f.month, x.category, x.amount
FROM month_fin f, gp
CROSS JOIN LATERAL (VALUES
    ('cogs',           f.order_cogs + round(0.10 * f.subs)),
    ('payroll',        round(0.62 * (f.order_net + f.subs) + 1500000 * gp.scale / 0.1)),
    ('marketing',      round(1.12 * f.ads + 150000)),
    ('infrastructure', round(0.12 * (f.order_net + f.subs) + 300000 * gp.scale / 0.1)),
    ('other',          round(0.08 * (f.order_net + f.subs) + 200000 * gp.scale / 0.1))) x(category, amount)
ORDER BY 1, 2;

INSERT INTO cash_balances (day, balance_cents)
WITH daily AS (
    SELECT d::date AS day,
           coalesce((SELECT sum(total_cents - refunded_cents - chargeback_cents) FROM orders o
                     WHERE o.ordered_at >= ns_day_start(d::date) AND o.ordered_at < ns_day_start(d::date + 1)), 0)
         + coalesce((SELECT sum(amount_cents) FROM billing_events b WHERE b.kind = 'payment_success'
                     AND b.occurred_at >= ns_day_start(d::date) AND b.occurred_at < ns_day_start(d::date + 1)), 0)
         - (SELECT sum(amount_cents) FROM expenses e WHERE e.month = date_trunc('month', d)::date)
           / CASE WHEN date_trunc('month', d)::date = date_trunc('month', gp.today)::date
                  THEN extract(day FROM gp.today)
                  ELSE extract(day FROM date_trunc('month', d) + interval '1 month' - interval '1 day') END AS net
    FROM gp, generate_series(gp.start_day, gp.today, interval '1 day') d
)
SELECT day, round(greatest(0, -1.75 * (SELECT sum(net) FROM daily)) + 50000000 * (SELECT scale FROM gp) / 0.1
                  + sum(net) OVER (ORDER BY day))::bigint
FROM daily
ORDER BY day;

-- 16. Targets: MRR target per month (current month a bit above today's MRR), new payers per month ------
INSERT INTO targets (metric, period_start, period_end, value)
SELECT 'mrr_cents', m::date, (m + interval '1 month' - interval '1 day')::date,
       round(1.05 * coalesce((SELECT sum(mrr_cents) FROM subscriptions s
                              WHERE s.valid_from <= least((m + interval '1 month' - interval '1 day')::date, gp.today)
                                AND (s.valid_to IS NULL
                                     OR s.valid_to > least((m + interval '1 month' - interval '1 day')::date, gp.today))), 0))
FROM gp, generate_series(date_trunc('month', gp.start_day), date_trunc('month', gp.today), interval '1 month') m
UNION ALL
SELECT 'new_paying_customers', m::date, (m + interval '1 month' - interval '1 day')::date,
       ceil(1.1 * (SELECT count(*) FROM customers c
                   WHERE c.converted_at >= ns_day_start((m - interval '1 month')::date)
                     AND c.converted_at < ns_day_start(m::date)))
FROM gp, generate_series(date_trunc('month', gp.start_day) + interval '1 month', date_trunc('month', gp.today), interval '1 month') m
ORDER BY 1, 2;

SELECT pg_temp.progress('tickets, NPS, sales, finance',
                        (SELECT count(*) FROM support_tickets) + (SELECT count(*) FROM nps_responses)
                        + (SELECT count(*) FROM leads) + (SELECT count(*) FROM opportunities)
                        + (SELECT count(*) FROM sales_activities) + (SELECT count(*) FROM referrals), 0.64);

-- 17. Rollups -----------------------------------------------------------------------------------------
SELECT rollup_rebuild() AS rollup_days \gset
COMMIT;
SELECT pg_temp.progress('rollups', (SELECT count(*) FROM metrics_daily), 0.80);

RESET northstar.rollup_skip_dirty;
-- (VACUUM ANALYZE at the very end, after the services' pre-aggregates)

-- The services' own pre-aggregates (health snapshots, feature transitions,
-- API histograms …) are built now so the first request finds them; their
-- periodic jobs keep them fresh afterwards.
SELECT users_refresh() AS users_days \gset
SELECT product_rollup_refresh() AS product_days \gset
SELECT product_ops_refresh() AS product_ops_days \gset
SELECT marketing_refresh() AS marketing_days \gset
SELECT revenue_rollup_check() AS revenue_days \gset
SELECT pg_temp.progress('pre-aggregates of the services', (SELECT count(*) FROM customer_health_daily), 0.93);
VACUUM ANALYZE;
SELECT pg_temp.progress('done (vacuumed, analyzed)', :events_rows + :orders_rows, 1);
