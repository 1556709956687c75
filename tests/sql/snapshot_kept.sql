-- snapshot_kept.sql — the aggregates kept with the customer snapshots (customer_snapshot_keep:
-- the customer list's and health list's totals, users' segment counts, revenue's LTV groups and
-- segmentation grid) on the demo data: every keeper's kept rows of today equal its rows computed
-- now, the endpoints answer the same from kept rows as computed live, the health list of a
-- snapshot day (read in index order) equals the one computed live, and a forgotten snapshot's rows
-- are not read.  Rolled back.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(9);

-- As the users job does (and so after it, or before it: its locks are taken in the same order).
SELECT users_refresh();
SELECT ok(customer_snapshot_taken(ns_today()), 'today has a customer snapshot');
SELECT is((SELECT array_agg(name ORDER BY name) FROM customer_snapshot_keepers),
          ARRAY['customer_list_totals', 'revenue_ltv', 'revenue_segments', 'users_health_company', 'users_segments'], 'the five keepers are registered');
SELECT is((SELECT count(*)::int FROM customer_snapshot_keepers k WHERE customer_snapshot_kept_rows(k.name, ns_today()) IS NOT NULL), 5,
          'each has current rows for today');

-- A keeper's rows computed now, in a fixed order, to compare as sets.
CREATE FUNCTION pg_temp.sorted(p jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT coalesce(jsonb_agg(e ORDER BY e::text), '[]') FROM jsonb_array_elements(p) e
$$;
CREATE FUNCTION pg_temp.live(p_name text, p_day date) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE j jsonb;
BEGIN
  EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(x)), ''[]'') FROM %s($1) x',
                 (SELECT compute FROM customer_snapshot_keepers WHERE name = p_name)) INTO j USING p_day;
  RETURN j;
END $$;
SELECT is_empty($$ SELECT name FROM customer_snapshot_keepers
                    WHERE pg_temp.sorted(customer_snapshot_kept_rows(name, ns_today())) <> pg_temp.sorted(pg_temp.live(name, ns_today())) $$,
                'every keeper''s kept rows of today equal its rows computed now');
SELECT ok((SELECT jsonb_array_length(customer_snapshot_kept_rows('revenue_segments', ns_today()))) = 5,
          'the segmentation grid keeps its five segments (four paying, trial users)');

CREATE TEMP TABLE fx_kept ON COMMIT DROP AS
  SELECT api.revenue_ltv(1, 'ceo', 'plan', NULL)::text AS ltv_plan, api.revenue_ltv(1, 'ceo', 'segment', NULL)::text AS ltv_segment,
         api.revenue_segments(1, 'ceo', NULL)::text AS rev_segments, api.users_segments(1, 'ceo', NULL)::text AS users_segments;
-- The health list as each role, every sort and band, two pages: from the snapshot and kept totals.
CREATE TEMP TABLE fx_health (u int, r text, k text, s text, o text, answer text) ON COMMIT DROP;
INSERT INTO fx_health
  SELECT u, r, k, s, o, api.users_health(u, r, k, s, '5', o, NULL)::text
    FROM (SELECT id, role FROM app_users WHERE role IN ('ceo', 'cs', 'sales') ORDER BY id LIMIT 5) x(u, r),
         unnest(ARRAY[NULL, 'high', 'medium', 'healthy']) k, unnest(ARRAY['mrr_at_risk', 'score', 'name']) s,
         unnest(ARRAY['0', '3']) o;
DELETE FROM customer_snapshot_kept;
SELECT ok(customer_snapshot_kept_rows('revenue_ltv', ns_today()) IS NULL, 'with the kept rows gone, the endpoints compute live');
SELECT is(row(api.revenue_ltv(1, 'ceo', 'plan', NULL)::text, api.revenue_ltv(1, 'ceo', 'segment', NULL)::text,
              api.revenue_segments(1, 'ceo', NULL)::text, api.users_segments(1, 'ceo', NULL)::text)::text,
          (SELECT row(ltv_plan, ltv_segment, rev_segments, users_segments)::text FROM fx_kept),
          'revenue/ltv (both groupings), revenue/segments and users/segments answer the same kept and live');

SELECT customer_snapshot_keep();
SELECT customer_snapshot_forget(ns_today(), ns_today());
SELECT ok(customer_snapshot_kept_rows('users_segments', ns_today()) IS NULL, 'a forgotten snapshot''s kept rows are not read');
SELECT is_empty($$ SELECT u, r, k, s, o FROM fx_health WHERE answer <> api.users_health(u, r, k, s, '5', o, NULL)::text $$,
                'the health list computed live (no snapshot) equals the one read from the snapshot, for every role, band, sort and page');

SELECT * FROM finish();
ROLLBACK;
