-- api.revenue_subscriptions_ingest (services/revenue/ingest.sql): the periods a sequence of
-- versions leaves behind, worked out by hand from the rules in docs/ingest.md — a first-seen
-- canceled subscription, a reactivation, an upgrade, a cancellation dated before the last change
-- (which removes the later period), a move to another customer, a same-day cancellation, stale
-- versions — and the customers' converted_at / churned_at derived from them.  Called as the
-- services' role, as the route does.  Everything is rolled back.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(15);
SET LOCAL northstar.tz = 'UTC';

SET LOCAL ROLE northstar_app;
CREATE TEMP TABLE answer (n int PRIMARY KEY, a jsonb);
CREATE FUNCTION pg_temp.sub(n int, rec text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO answer SELECT n, api.revenue_subscriptions_ingest(p_user => 0, p_role => NULL, p_body => rec::jsonb,
                                                                   p_key => 'pgtap')::jsonb
$$;
SELECT api.revenue_customers_ingest(p_user => 0, p_role => NULL, p_body => '[
  {"external_id": "tap-c1", "name": "One", "signup_at": "2001-01-01T00:00:00Z"},
  {"external_id": "tap-c2", "name": "Two", "signup_at": "2001-01-01T00:00:00Z"}]');

-- 1. first seen already canceled: one paid period from started_at to ended_at (1,000 ¢ a month)
SELECT pg_temp.sub(1, '{"external_id": "tap-s1", "customer_external_id": "tap-c1", "plan": "tap-p", "interval": "month",
  "unit_amount_cents": 1000, "status": "canceled", "started_at": "2001-02-01T08:00:00Z", "ended_at": "2001-04-01T08:00:00Z",
  "updated_at": "2001-04-01T08:00:00Z"}');
-- 2. active again from June: a new period (reactivation), the gap unpaid
SELECT pg_temp.sub(2, '{"external_id": "tap-s1", "customer_external_id": "tap-c1", "plan": "tap-p", "interval": "month",
  "unit_amount_cents": 1000, "started_at": "2001-02-01T08:00:00Z", "effective_at": "2001-06-01T00:00:00Z",
  "updated_at": "2001-06-01T00:00:01Z"}');
-- 3. upgrade from July (2,000 ¢), 4. again from August (3,000 ¢)
SELECT pg_temp.sub(3, '{"external_id": "tap-s1", "customer_external_id": "tap-c1", "plan": "tap-p", "interval": "month",
  "unit_amount_cents": 2000, "started_at": "2001-02-01T08:00:00Z", "effective_at": "2001-07-01T00:00:00Z",
  "updated_at": "2001-07-01T00:00:01Z"}');
SELECT pg_temp.sub(4, '{"external_id": "tap-s1", "customer_external_id": "tap-c1", "plan": "tap-p", "interval": "month",
  "unit_amount_cents": 3000, "started_at": "2001-02-01T08:00:00Z", "effective_at": "2001-08-01T00:00:00Z",
  "updated_at": "2001-08-01T00:00:01Z"}');
-- 5. a version older than the newest stored: stale
SELECT pg_temp.sub(5, '{"external_id": "tap-s1", "customer_external_id": "tap-c1", "plan": "tap-p", "interval": "month",
  "unit_amount_cents": 9999, "started_at": "2001-02-01T08:00:00Z", "effective_at": "2001-07-15T00:00:00Z",
  "updated_at": "2001-07-15T00:00:00Z"}');
-- 6. canceled with an end (10 July) before the August change: the August period goes, July ends on the 10th
SELECT pg_temp.sub(6, '{"external_id": "tap-s1", "customer_external_id": "tap-c1", "plan": "tap-p", "interval": "month",
  "unit_amount_cents": 3000, "status": "canceled", "started_at": "2001-02-01T08:00:00Z", "ended_at": "2001-07-10T12:00:00Z",
  "updated_at": "2001-08-02T00:00:00Z"}');
-- 7. the same cancellation again: unchanged
SELECT pg_temp.sub(7, '{"external_id": "tap-s1", "customer_external_id": "tap-c1", "plan": "tap-p", "interval": "month",
  "unit_amount_cents": 3000, "status": "canceled", "started_at": "2001-02-01T08:00:00Z", "ended_at": "2001-07-10T12:00:00Z",
  "updated_at": "2001-08-02T00:00:00Z"}');
-- 8. from September the subscription belongs to the other customer (a new period, open)
SELECT pg_temp.sub(8, '{"external_id": "tap-s1", "customer_external_id": "tap-c2", "plan": "tap-p", "interval": "month",
  "unit_amount_cents": 3000, "started_at": "2001-02-01T08:00:00Z", "effective_at": "2001-09-01T00:00:00Z",
  "updated_at": "2001-09-01T00:00:01Z"}');
-- 9. created and canceled within one day: one day of it (its first period lasts at least a day)
SELECT pg_temp.sub(9, '{"external_id": "tap-s2", "customer_external_id": "tap-c2", "plan": "tap-p", "interval": "month",
  "unit_amount_cents": 500, "status": "canceled", "started_at": "2001-05-05T10:00:00Z", "ended_at": "2001-05-05T11:00:00Z"}');
-- 10. a yearly version on the period's own first day: in place (12 × 250 = 3,000 ¢ a year → 250 ¢), trialing → 0
SELECT pg_temp.sub(10, '[{"external_id": "tap-s3", "customer_external_id": "tap-c2", "plan": "tap-y", "interval": "year",
  "unit_amount_cents": 3000, "status": "trialing", "started_at": "2001-03-01T00:00:00Z"},
  {"external_id": "tap-s4", "customer_external_id": "tap-c2", "plan": "tap-y", "interval": "year",
  "unit_amount_cents": 3000, "started_at": "2001-03-01T00:00:00Z"}]');
SELECT pg_temp.sub(11, '{"external_id": "tap-s4", "customer_external_id": "tap-c2", "plan": "tap-y", "interval": "year",
  "unit_amount_cents": 3000, "quantity": 2, "discount_cents": 6, "started_at": "2001-03-01T00:00:00Z",
  "effective_at": "2001-03-01T15:00:00Z"}');
RESET ROLE;

SELECT is((SELECT string_agg(n || ':' || (a->>'created') || (a->>'updated') || (a->>'unchanged') || (a->>'stale')
                             || jsonb_array_length(a->'rejected'), ' ' ORDER BY n) FROM answer),
          '1:10000 2:01000 3:01000 4:01000 5:00010 6:01000 7:00100 8:01000 9:10000 10:20000 11:01000',
          'the answers: created / updated / unchanged / stale / rejected of each call');
SELECT results_eq(
    $$SELECT c.external_id, s.valid_from, s.valid_to, s.mrr_cents, s.status FROM subscriptions s
      JOIN customers c ON c.id = s.customer_id WHERE s.external_id = 'tap-s1' ORDER BY s.valid_from$$,
    $$VALUES ('tap-c1', '2001-02-01'::date, '2001-04-01'::date, 1000::bigint, 'canceled'),
             ('tap-c1', '2001-06-01', '2001-07-01', 1000, 'active'),
             ('tap-c1', '2001-07-01', '2001-07-10', 2000, 'canceled'),
             ('tap-c2', '2001-09-01', NULL, 3000, 'active')$$,
    'tap-s1: canceled Feb–Apr, reactivated in June, upgraded in July, canceled on 10 July (August gone), moved in September');
SELECT is((SELECT count(*)::int FROM subscriptions WHERE external_id = 'tap-s1' AND mrr_cents = 9999), 0,
          'the stale version left no trace');
SELECT results_eq(
    $$SELECT valid_from, valid_to, mrr_cents FROM subscriptions WHERE external_id = 'tap-s2'$$,
    $$VALUES ('2001-05-05'::date, '2001-05-06'::date, 500::bigint)$$,
    'tap-s2: created and canceled on 5 May holds that one day');
SELECT is((SELECT mrr_cents FROM subscriptions WHERE external_id = 'tap-s3'), 0::bigint, 'a trialing version carries MRR 0');
-- (3,000 × 2 − 6) ÷ 12 = 5,994 ÷ 12 = 499.5 → 500 (half away from zero)
SELECT results_eq(
    $$SELECT count(*)::int, max(quantity), max(mrr_cents), max(mrr_original_cents) FROM subscriptions WHERE external_id = 'tap-s4'$$,
    $$VALUES (1, 2, 500::bigint, 500::bigint)$$,
    'tap-s4: a change on the period''s own first day is in place; (3,000 × 2 − 6) / 12 = 499.5 → 500');
SELECT is((SELECT converted_at FROM customers WHERE external_id = 'tap-c1'), '2001-02-01 00:00Z'::timestamptz,
          'tap-c1 converted at the start of its first paid period');
SELECT is((SELECT churned_at FROM customers WHERE external_id = 'tap-c1'), '2001-07-10 00:00Z'::timestamptz,
          'tap-c1 churned at the end of its last paid period (it has no open one)');
SELECT is((SELECT converted_at FROM customers WHERE external_id = 'tap-c2'), '2001-03-01 00:00Z'::timestamptz,
          'tap-c2 converted with tap-s4 on 1 March (tap-s3 is a trial)');
SELECT is((SELECT churned_at FROM customers WHERE external_id = 'tap-c2'), NULL,
          'tap-c2 has open paid periods: no churned_at');
-- MRR movements of July 2001 (30 June → 31 July): tap-c1 paid 1,000 on 30 June and nothing on 31 July
SELECT results_eq(
    $$SELECT kind, delta_cents FROM mrr_movements('2001-06-30', '2001-07-31')
      WHERE customer_id = (SELECT id FROM customers WHERE external_id = 'tap-c1')$$,
    $$VALUES ('churn', -1000::bigint)$$,
    'July: tap-c1 churns its 1,000 ¢ (the upgrade inside the month is no movement of its own)');
-- June (31 May → 30 June): 0 → 1,000 after paying in Feb–Mar: reactivation
SELECT results_eq(
    $$SELECT kind, delta_cents FROM mrr_movements('2001-05-31', '2001-06-30')
      WHERE customer_id = (SELECT id FROM customers WHERE external_id = 'tap-c1')$$,
    $$VALUES ('reactivation', 1000::bigint)$$,
    'June: tap-c1 is a reactivation of 1,000 ¢');
SELECT throws_ok($$SELECT api.revenue_subscriptions_ingest(p_user => 0, p_role => NULL,
                     p_body => (SELECT jsonb_agg(jsonb_build_object('external_id', g)) FROM generate_series(1, 3) g),
                     p_max_records => 2)$$,
                 'NS413', 'a batch holds at most 2 records; this one has 3: split it', 'more than p_max_records is NS413');

SET LOCAL ROLE northstar_app;
SELECT pg_temp.sub(12, '[{"external_id": "tap-big", "customer_external_id": "tap-c2", "plan": "tap-p", "interval": "month",
  "unit_amount_cents": 9999999999999, "quantity": 9999999, "started_at": "2001-03-01T00:00:00Z"},
  {"external_id": "tap-big2", "customer_external_id": "tap-c2", "plan": "tap-p", "interval": "month",
  "unit_amount_cents": 9999999999999999, "started_at": "2001-03-01T00:00:00Z"}]');
RESET ROLE;
SELECT is((SELECT a->'rejected' FROM answer WHERE n = 12),
          '[{"index": 0, "field": "quantity", "message": "unit_amount_cents × quantity must be below 10^15 minor units"},
            {"index": 1, "field": "unit_amount_cents", "message": "required: the price per unit per interval, a whole number of minor units (cents), 0 or more"}]'::jsonb,
          'amounts that would overflow are rejected on their field, not the batch');
SELECT is((SELECT count(*)::int FROM subscriptions WHERE external_id LIKE 'tap-big%'), 0, '... and stored nothing');

SELECT * FROM finish();
ROLLBACK;
