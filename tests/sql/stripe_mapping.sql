-- stripe.sql's mapping of Stripe objects onto canonical records (services/revenue/stripe.sql):
-- discounts, intervals, several items, statuses, timestamps; each figure worked by hand below.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(16);

-- Stripe timestamps: 1789041600 = 2026-09-10T12:00:00Z (date -ud @1789041600)
SELECT is(stripe_ts('1789041600'::jsonb), '2026-09-10T12:00:00Z', 'a Stripe timestamp becomes an ISO-8601 UTC instant');
SELECT is(stripe_ts('null'::jsonb), NULL, 'a null timestamp stays null');
SELECT is(stripe_id('"cus_1"'::jsonb) || stripe_id('{"id": "cus_2", "object": "customer"}'::jsonb), 'cus_1cus_2',
          'an expandable reference is its id, expanded or not');

-- Coupons known by id (coupon.created), discounts by id (customer.discount.created).
SELECT stripe_coupon_remember('{"id": "T25", "object": "coupon", "percent_off": 25, "amount_off": null, "currency": null}', '2026-01-01Z');
SELECT stripe_coupon_remember('{"id": "T5USD", "object": "coupon", "percent_off": null, "amount_off": 500, "currency": "usd"}', '2026-01-01Z');
SELECT stripe_coupon_remember('{"id": "T5EUR", "object": "coupon", "percent_off": null, "amount_off": 500, "currency": "eur"}', '2026-01-01Z');
SELECT stripe_discount_remember('{"id": "di_t1", "object": "discount", "source": {"type": "coupon", "coupon": "T25"}, "end": null}', '2026-01-01Z', false);
SELECT stripe_discount_remember('{"id": "di_t2", "object": "discount", "coupon": {"id": "T5USD", "object": "coupon", "amount_off": 500, "currency": "usd"}, "end": 1790812800}', '2026-01-01Z', false);

-- 25 % of 9900 = 2475
SELECT is(stripe_discount_off('["di_t1"]', 9900, 'USD', '2026-09-10Z'), 2475::bigint, 'a percent_off discount by id: 25 % of 9900 = 2475');
-- 25 % of 9999 = 2499.75 → 2500 (round(), half away from zero)
SELECT is(stripe_discount_off('["di_t1"]', 9999, 'USD', '2026-09-10Z'), 2500::bigint, 'percent_off rounds to the nearest minor unit: 2499.75 → 2500');
-- di_t2 (500 USD off) ends 2026-10-01: before it, 500 off; after it, nothing
SELECT is(stripe_discount_off('["di_t2"]', 9900, 'USD', '2026-09-10Z'), 500::bigint, 'an amount_off discount in the same currency: 500');
SELECT is(stripe_discount_off('["di_t2"]', 9900, 'USD', '2026-10-02Z'), 0::bigint, 'a discount past its end takes nothing off');
-- an amount_off coupon of another currency does not apply; unknown discount ids take nothing
SELECT is(stripe_discount_off('[{"id": "di_t3", "object": "discount", "source": {"coupon": "T5EUR"}}, "di_unknown"]', 9900, 'USD', '2026-09-10Z'),
          0::bigint, 'an amount_off in another currency, or an unknown discount, takes nothing off');
-- both, one after the other: 9900 − 25 % (2475) = 7425, − 500 = 6925: 2975 off in all
SELECT is(stripe_discount_off('["di_t1", "di_t2"]', 9900, 'USD', '2026-09-10Z'), 2975::bigint, 'two discounts apply one after the other: 2475 + 500');
-- never below zero: 300 − 500 → 0, so 300 off
SELECT is(stripe_discount_off('["di_t2"]', 300, 'USD', '2026-09-10Z'), 300::bigint, 'a discount never takes the amount below zero');

-- A subscription of one yearly item: kept as Stripe has it (year, unit 48000, quantity 3), 25 % off
-- 48000 × 3 = 144000 → 36000 off per year.
SELECT is(stripe_subscription_record($${"id": "sub_t1", "object": "subscription", "customer": "cus_t", "currency": "eur",
    "status": "past_due", "start_date": 1789041600, "created": 1789041600, "ended_at": null, "discounts": ["di_t1"],
    "items": {"object": "list", "data": [{"id": "si_t1", "object": "subscription_item", "quantity": 3, "discounts": [],
      "price": {"id": "price_y", "object": "price", "nickname": null, "product": "prod_t", "unit_amount": 48000,
                "recurring": {"interval": "year", "interval_count": 1, "usage_type": "licensed"}}}]}}$$,
    'customer.subscription.updated', '1790812800'),
  '{"external_id": "sub_t1", "customer_external_id": "cus_t", "plan": "price_y", "plan_name": "prod_t", "interval": "year",
    "unit_amount_cents": 48000, "quantity": 3, "discount_cents": 36000, "currency": "EUR", "status": "past_due",
    "started_at": "2026-09-10T12:00:00Z", "effective_at": "2026-10-01T00:00:00Z", "updated_at": "2026-10-01T00:00:00Z"}'::jsonb,
  'one yearly item with a discount: as Stripe has it, currency upper-cased, updated_at = the event''s created');

-- Two items, one every 3 months: summed as a monthly amount.
--   item 1: 3000 a month × 2 = 6000 a month
--   item 2: 9000 every 3 months × 1 = 3000 a month
--   item 3: metered, left out
--   6000 + 3000 = 9000 a month, quantity 1; a 500 USD discount on the subscription
SELECT is(stripe_subscription_record($${"id": "sub_t2", "customer": {"id": "cus_t", "object": "customer"}, "currency": "usd",
    "status": "unpaid", "start_date": 1789041600, "discounts": ["di_t2"],
    "items": {"data": [
      {"quantity": 2, "price": {"id": "price_m", "nickname": "Seats", "unit_amount": 3000, "recurring": {"interval": "month", "interval_count": 1}}},
      {"quantity": 1, "price": {"id": "price_q", "unit_amount_decimal": "9000", "unit_amount": null, "recurring": {"interval": "month", "interval_count": 3}}},
      {"quantity": 1, "price": {"id": "price_meter", "unit_amount": 10, "recurring": {"interval": "month", "usage_type": "metered"}}}]}}$$,
    'customer.subscription.created', '1789041600') - 'updated_at',
  '{"external_id": "sub_t2", "customer_external_id": "cus_t", "plan": "price_m", "plan_name": "Seats", "interval": "month",
    "unit_amount_cents": 9000, "quantity": 1, "discount_cents": 500, "currency": "USD", "status": "past_due",
    "started_at": "2026-09-10T12:00:00Z", "effective_at": "2026-09-10T12:00:00Z"}'::jsonb,
  'several items and a 3-month interval: one monthly amount; unpaid is past_due; metered items left out');

SELECT is(stripe_subscription_record($${"id": "sub_t3", "customer": "cus_t", "currency": "usd", "status": "canceled",
    "start_date": 1789041600, "ended_at": 1795161600, "discounts": [],
    "items": {"data": [{"quantity": 1, "price": {"id": "price_m", "unit_amount": 3000, "recurring": {"interval": "month"}}}]}}$$,
    'customer.subscription.deleted', '1795161700') ->> 'ended_at' || ' ' ||
  (stripe_subscription_record($${"id": "sub_t3", "customer": "cus_t", "currency": "usd", "status": "canceled",
    "start_date": 1789041600, "ended_at": 1795161600, "discounts": [],
    "items": {"data": [{"quantity": 1, "price": {"id": "price_m", "unit_amount": 3000, "recurring": {"interval": "month"}}}]}}$$,
    'customer.subscription.deleted', '1795161700') ->> 'effective_at'),
  '2026-11-20T08:00:00Z 2026-11-20T08:00:00Z', 'a deleted subscription ends, and its change takes effect, at its ended_at');

-- The single discount of API versions before 2025 (discount.coupon embedded), discounts null:
-- 10 % of 4900 = 490.
SELECT is((stripe_subscription_record($${"id": "sub_t6", "customer": "cus_t", "currency": "usd", "status": "active",
    "start_date": 1789041600, "discounts": null,
    "discount": {"id": "di_t6", "object": "discount", "end": null, "coupon": {"id": "T10", "object": "coupon", "percent_off": 10}},
    "items": {"data": [{"quantity": 1, "price": {"id": "price_m", "unit_amount": 4900, "recurring": {"interval": "month"}}}]}}$$,
    'customer.subscription.created', '1789041600') ->> 'discount_cents')::int, 490,
  'the older single discount with its coupon embedded: 10 % of 4900 = 490');

SELECT ok(stripe_subscription_record('{"id": "sub_t4", "status": "incomplete", "currency": "usd",
    "items": {"data": [{"quantity": 1, "price": {"id": "p", "unit_amount": 1, "recurring": {"interval": "month"}}}]}}',
    'customer.subscription.created', '1789041600') ->> 'reason' LIKE 'status incomplete is not mapped%',
  'an incomplete subscription is not mapped, saying why');
SELECT ok(stripe_subscription_record('{"id": "sub_t5", "status": "active", "currency": "usd",
    "items": {"data": [{"quantity": 1, "price": {"id": "p_tiered", "billing_scheme": "tiered", "unit_amount": null, "recurring": {"interval": "month"}}}]}}',
    'customer.subscription.created', '1789041600') ->> 'reason' LIKE 'price p_tiered has no unit amount%',
  'a tiered price is not mapped, saying why');

SELECT * FROM finish();
ROLLBACK;
