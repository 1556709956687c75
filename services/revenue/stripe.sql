-- stripe.sql — POST /api/revenue/stripe/webhook: Stripe events mapped onto the canonical record
-- functions of ingest.sql (api.revenue_customers_ingest, _subscriptions_ingest,
-- _billing_events_ingest), never onto the tables directly, so that Stripe's data obeys exactly the
-- rules (validation, currencies, periods, stale updates) of every other source.  The signature is
-- checked before this runs (services/revenue/stripe.c).  Object shapes: Stripe's API reference as
-- published in github.com/stripe/openapi (event, customer, subscription, subscription_item, price,
-- discount, coupon, invoice, charge, dispute).  Mapping and set-up: docs/ingest.md, "Stripe".
--
-- One call is one event in one transaction.  Its id goes into stripe_events first: a replay (Stripe
-- retries, and may deliver twice) finds it there and changes nothing.  Newer state wins by the
-- objects' own clock: every record carries updated_at = the event's `created`, so an older event
-- delivered later is counted stale by the record function.  A record the function rejects (a
-- currency without a rate, say) fails the whole call with NS422: nothing is stored, not even the
-- event id, so Stripe's retries (for up to three days) deliver it again once the cause is fixed.
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS api;

-- Every event received once: a replay of the id is answered from here.  XXX: never pruned; Stripe
-- retries for three days, so rows older than that could go (a few hundred bytes an event).  outcome says what it did:
-- applied (records sent to the record functions; detail holds their answers) or ignored (a type
-- that maps onto nothing, or an object that cannot be mapped; detail.reason says why).
CREATE TABLE IF NOT EXISTS stripe_events (
    id           text PRIMARY KEY,
    type         text NOT NULL,
    created      timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    outcome      text NOT NULL DEFAULT 'applied' CHECK (outcome IN ('applied', 'ignored')),
    detail       jsonb
);

-- What later events refer to by id only (webhook objects do not expand their references): coupons
-- (coupon.created/updated, or seen embedded), discounts (customer.discount.*), and charges with their
-- customer and cumulative refunded amount (charge.succeeded, charge.refunded; a dispute names only
-- its charge).
CREATE TABLE IF NOT EXISTS stripe_coupons (
    id           text PRIMARY KEY,
    percent_off  numeric CHECK (percent_off BETWEEN 0 AND 100),
    amount_off   bigint CHECK (amount_off >= 0),
    currency     char(3),
    updated_at   timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS stripe_discounts (
    id           text PRIMARY KEY,
    coupon_id    text NOT NULL,
    ends_at      timestamptz,
    deleted      boolean NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL
);
ALTER TABLE stripe_discounts ADD COLUMN IF NOT EXISTS subscription_id text;
-- The newest subscription object seen per subscription, with its event: when a discount or coupon
-- it names arrives after it, the subscription is mapped again as of that event.
CREATE TABLE IF NOT EXISTS stripe_subscriptions (
    id          text PRIMARY KEY,
    event_type  text NOT NULL,
    created     bigint NOT NULL,
    object      jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS stripe_charges (
    id               text PRIMARY KEY,
    customer_id      text,
    currency         char(3),
    amount_refunded  bigint NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL
);

-- A Stripe timestamp (seconds since 1970) as the ISO-8601 instant the record functions take; NULL
-- stays NULL.
CREATE OR REPLACE FUNCTION stripe_ts(p jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(p) = 'number'
                THEN to_char(to_timestamp((p #>> '{}')::numeric) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END
$$;

-- The id of an expandable reference: the string itself, or the expanded object's id.
CREATE OR REPLACE FUNCTION stripe_id(p jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE jsonb_typeof(p) WHEN 'string' THEN p #>> '{}' WHEN 'object' THEN p ->> 'id' END
$$;

-- Remember a coupon object (no-op for an id or null); an older copy never overwrites a newer one.
CREATE OR REPLACE FUNCTION stripe_coupon_remember(p_coupon jsonb, p_at timestamptz) RETURNS void
LANGUAGE sql VOLATILE AS $$
    INSERT INTO stripe_coupons AS c (id, percent_off, amount_off, currency, updated_at)
    SELECT p_coupon ->> 'id',
           CASE WHEN jsonb_typeof(p_coupon -> 'percent_off') = 'number' THEN (p_coupon ->> 'percent_off')::numeric END,
           CASE WHEN jsonb_typeof(p_coupon -> 'amount_off') = 'number' THEN (p_coupon ->> 'amount_off')::numeric::bigint END,
           upper(p_coupon ->> 'currency'), p_at
    WHERE jsonb_typeof(p_coupon) = 'object' AND p_coupon ->> 'id' IS NOT NULL
    ON CONFLICT (id) DO UPDATE SET percent_off = EXCLUDED.percent_off, amount_off = EXCLUDED.amount_off,
                                   currency = EXCLUDED.currency, updated_at = EXCLUDED.updated_at
        WHERE c.updated_at <= EXCLUDED.updated_at
$$;

-- The coupon of a discount object: `source.coupon` (API versions from 2025) or `coupon` (before),
-- an object or an id.
CREATE OR REPLACE FUNCTION stripe_discount_coupon(p_discount jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(nullif(p_discount -> 'source' -> 'coupon', 'null'::jsonb), nullif(p_discount -> 'coupon', 'null'::jsonb))
$$;

-- Remember a discount object (customer.discount.*, or embedded) and its coupon.
CREATE OR REPLACE FUNCTION stripe_discount_remember(p_discount jsonb, p_at timestamptz, p_deleted boolean)
RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    coupon jsonb := stripe_discount_coupon(p_discount);
BEGIN
    IF jsonb_typeof(p_discount) <> 'object' OR p_discount ->> 'id' IS NULL OR stripe_id(coupon) IS NULL THEN
        RETURN;
    END IF;
    PERFORM stripe_coupon_remember(coupon, p_at);
    INSERT INTO stripe_discounts AS d (id, coupon_id, ends_at, deleted, updated_at, subscription_id)
    VALUES (p_discount ->> 'id', stripe_id(coupon),
            CASE WHEN jsonb_typeof(p_discount -> 'end') = 'number' THEN to_timestamp((p_discount ->> 'end')::numeric) END,
            p_deleted, p_at, stripe_id(p_discount -> 'subscription'))
    ON CONFLICT (id) DO UPDATE SET coupon_id = EXCLUDED.coupon_id, ends_at = EXCLUDED.ends_at,
                                   deleted = EXCLUDED.deleted, updated_at = EXCLUDED.updated_at,
                                   subscription_id = coalesce(EXCLUDED.subscription_id, d.subscription_id)
        WHERE d.updated_at <= EXCLUDED.updated_at;
END $$;

-- The amount (minor units of p_currency) that the discounts p_discounts (a JSON array of discount
-- objects or ids, or one discount object) take off p_gross on p_at: a percent_off coupon its share
-- (rounded half away from zero), an amount_off coupon in the same currency its amount, applied
-- one after the other and never below zero.  A discount that has ended, was deleted, or whose
-- coupon is unknown takes nothing off.
CREATE OR REPLACE FUNCTION stripe_discount_off(p_discounts jsonb, p_gross bigint, p_currency text, p_at timestamptz)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    d       jsonb;
    coupon  jsonb;
    cid     text;
    c       stripe_coupons;
    left_   bigint := p_gross;
BEGIN
    FOR d IN SELECT x FROM jsonb_array_elements(CASE jsonb_typeof(p_discounts) WHEN 'array' THEN p_discounts
                                                     WHEN 'object' THEN jsonb_build_array(p_discounts)
                                                     ELSE '[]'::jsonb END) x
    LOOP
        IF jsonb_typeof(d) = 'object' THEN
            coupon := stripe_discount_coupon(d);
            PERFORM stripe_discount_remember(d, p_at, false);
            IF jsonb_typeof(d -> 'end') = 'number' AND to_timestamp((d ->> 'end')::numeric) <= p_at THEN
                CONTINUE;
            END IF;
            cid := stripe_id(coupon);
        ELSE
            SELECT s.coupon_id INTO cid FROM stripe_discounts s
             WHERE s.id = d #>> '{}' AND NOT s.deleted AND (s.ends_at IS NULL OR s.ends_at > p_at);
        END IF;
        SELECT * INTO c FROM stripe_coupons WHERE id = cid;
        IF NOT FOUND THEN
            CONTINUE;
        END IF;
        IF c.percent_off IS NOT NULL THEN
            left_ := left_ - round(left_ * c.percent_off / 100)::bigint;
        ELSIF c.amount_off IS NOT NULL AND (c.currency IS NULL OR c.currency = p_currency) THEN
            left_ := greatest(left_ - c.amount_off, 0);
        END IF;
    END LOOP;
    RETURN p_gross - left_;
END $$;

-- Months per billing interval of a Stripe price (recurring.interval × interval_count): 1 for a
-- month, 12 for a year, 12/52 for a week, 12/365 for a day.
CREATE OR REPLACE FUNCTION stripe_interval_months(p_interval text, p_count int) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(p_count, 1) * CASE p_interval WHEN 'month' THEN 1::numeric WHEN 'year' THEN 12::numeric
                                                  WHEN 'week' THEN 12::numeric / 52 WHEN 'day' THEN 12::numeric / 365 END
$$;

-- The canonical subscription record (docs/ingest.md, POST /api/revenue/subscriptions) of a Stripe
-- subscription object as of event p_ev (its `created` in p_created), or {"reason": …} when it
-- cannot be mapped.  One item: its price (plan = the price id), quantity and interval.  Several
-- items, or an interval other than one month or one year: their amounts summed as a monthly amount
-- (quantity 1, interval month).  Metered items carry no fixed amount and are left out.  Discounts:
-- the items' own, then the subscription's (discounts, or the older single discount).
CREATE OR REPLACE FUNCTION stripe_subscription_record(p_sub jsonb, p_type text, p_created jsonb)
RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    at_       timestamptz := to_timestamp((p_created #>> '{}')::numeric);
    cur       text := upper(p_sub ->> 'currency');
    items     jsonb := p_sub -> 'items' -> 'data';
    it        jsonb;
    price     jsonb;
    first_    jsonb;
    n         int := 0;
    unit      bigint;
    months    numeric;
    gross     numeric := 0;     -- per month, after the items' own discounts
    one_gross bigint;
    status    text;
    interval_ text;
    qty       int;
    unit_out  bigint;
    disc      bigint;
    effective jsonb;
BEGIN
    IF jsonb_typeof(items) <> 'array' OR jsonb_array_length(items) = 0 THEN
        RETURN jsonb_build_object('reason', 'the subscription has no items');
    END IF;
    status := CASE p_sub ->> 'status'
        WHEN 'active' THEN 'active' WHEN 'trialing' THEN 'trialing'
        WHEN 'past_due' THEN 'past_due' WHEN 'unpaid' THEN 'past_due'
        WHEN 'canceled' THEN 'canceled' WHEN 'incomplete_expired' THEN 'canceled'
        WHEN 'paused' THEN 'canceled' END;
    IF status IS NULL THEN
        RETURN jsonb_build_object('reason', format('status %s is not mapped (an incomplete subscription has not been paid '
                                                   'yet; its update to active or trialing maps it)', p_sub ->> 'status'));
    END IF;
    FOR it IN SELECT x FROM jsonb_array_elements(items) x LOOP
        price := coalesce(nullif(it -> 'price', 'null'::jsonb), it -> 'plan');
        CONTINUE WHEN price -> 'recurring' ->> 'usage_type' = 'metered' OR price ->> 'usage_type' = 'metered';
        unit := CASE WHEN jsonb_typeof(price -> 'unit_amount') = 'number' THEN (price ->> 'unit_amount')::numeric::bigint
                     WHEN jsonb_typeof(price -> 'unit_amount_decimal') = 'string' THEN round((price ->> 'unit_amount_decimal')::numeric)::bigint
                     WHEN jsonb_typeof(price -> 'amount') = 'number' THEN (price ->> 'amount')::numeric::bigint END;
        IF unit IS NULL THEN
            RETURN jsonb_build_object('reason', format('price %s has no unit amount (tiered prices are not mapped)', price ->> 'id'));
        END IF;
        months := stripe_interval_months(coalesce(price -> 'recurring' ->> 'interval', price ->> 'interval'),
                                         coalesce((price -> 'recurring' ->> 'interval_count')::int, (price ->> 'interval_count')::int));
        IF months IS NULL THEN
            RETURN jsonb_build_object('reason', format('price %s has no recurring interval', price ->> 'id'));
        END IF;
        n := n + 1;
        IF n = 1 THEN first_ := it; END IF;
        one_gross := unit * coalesce((it ->> 'quantity')::int, 1);
        gross := gross + (one_gross - stripe_discount_off(it -> 'discounts', one_gross, cur, at_)) / months;
    END LOOP;
    IF n = 0 THEN
        RETURN jsonb_build_object('reason', 'every item is metered: no fixed amount to map');
    END IF;
    price := coalesce(nullif(first_ -> 'price', 'null'::jsonb), first_ -> 'plan');
    months := stripe_interval_months(coalesce(price -> 'recurring' ->> 'interval', price ->> 'interval'),
                                     coalesce((price -> 'recurring' ->> 'interval_count')::int, (price ->> 'interval_count')::int));
    IF n = 1 AND months IN (1, 12) AND stripe_discount_off(first_ -> 'discounts', 1000000, cur, at_) = 0 THEN
        -- the common case, kept as Stripe has it
        interval_ := CASE months WHEN 1 THEN 'month' ELSE 'year' END;
        qty := coalesce((first_ ->> 'quantity')::int, 1);
        unit_out := CASE WHEN jsonb_typeof(price -> 'unit_amount') = 'number' THEN (price ->> 'unit_amount')::numeric::bigint
                         WHEN jsonb_typeof(price -> 'unit_amount_decimal') = 'string' THEN round((price ->> 'unit_amount_decimal')::numeric)::bigint
                         ELSE (price ->> 'amount')::numeric::bigint END;
        one_gross := unit_out * qty;
    ELSE
        interval_ := 'month';
        qty := 1;
        unit_out := round(gross)::bigint;
        one_gross := unit_out;
        months := 1;
    END IF;
    disc := stripe_discount_off(CASE WHEN jsonb_typeof(p_sub -> 'discounts') = 'array' AND jsonb_array_length(p_sub -> 'discounts') > 0
                                     THEN p_sub -> 'discounts' ELSE p_sub -> 'discount' END,
                                one_gross, cur, at_);
    effective := CASE p_type
        WHEN 'customer.subscription.created' THEN coalesce(p_sub -> 'start_date', p_sub -> 'created')
        WHEN 'customer.subscription.deleted' THEN coalesce(nullif(p_sub -> 'ended_at', 'null'::jsonb), p_created)
        ELSE p_created END;
    RETURN jsonb_strip_nulls(jsonb_build_object(
        'external_id', p_sub ->> 'id',
        'customer_external_id', stripe_id(p_sub -> 'customer'),
        'plan', price ->> 'id',
        'plan_name', coalesce(nullif(price ->> 'nickname', ''),
                              CASE WHEN jsonb_typeof(price -> 'product') = 'object' THEN price -> 'product' ->> 'name' END,
                              stripe_id(price -> 'product'), price ->> 'id'),
        'interval', interval_,
        'unit_amount_cents', unit_out,
        'quantity', qty,
        'discount_cents', disc,
        'currency', cur,
        'status', status,
        'started_at', stripe_ts(coalesce(p_sub -> 'start_date', p_sub -> 'created')),
        'ended_at', CASE WHEN status = 'canceled'
                         THEN coalesce(stripe_ts(nullif(p_sub -> 'ended_at', 'null'::jsonb)), stripe_ts(effective)) END,
        'effective_at', stripe_ts(effective),
        'updated_at', stripe_ts(p_created)));
END $$;

-- The canonical customer record of a Stripe customer object.  Stripe has no segment or channel:
-- metadata.segment and metadata.channel are passed when set.  A Stripe customer has no trial
-- either (its subscriptions do): the trial days stored from them are sent again, so that a
-- customer.updated (a whole record, as every record is) keeps them.
CREATE OR REPLACE FUNCTION stripe_customer_record(p_cus jsonb, p_created jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'external_id', p_cus ->> 'id',
        'name', coalesce(nullif(p_cus ->> 'name', ''), nullif(p_cus ->> 'email', ''), p_cus ->> 'id'),
        'email', nullif(p_cus ->> 'email', ''),
        'signup_at', stripe_ts(p_cus -> 'created'),
        'country', CASE WHEN p_cus -> 'address' ->> 'country' ~ '^[A-Za-z]{2}$' THEN upper(p_cus -> 'address' ->> 'country') END,
        'segment', p_cus -> 'metadata' ->> 'segment',
        'channel', p_cus -> 'metadata' ->> 'channel',
        'trial_started_on', (SELECT c.trial_started_on::text FROM customers c WHERE c.external_id = p_cus ->> 'id'),
        'trial_ends_on', (SELECT c.trial_ends_on::text FROM customers c WHERE c.external_id = p_cus ->> 'id'),
        'updated_at', stripe_ts(p_created)))
$$;

-- The trial of a subscription (trial_start .. trial_end, reporting-zone days) onto its customer:
-- the stored customer sent again with those days, without updated_at (so that it is never stale
-- and never makes a later customer.updated stale).  NULL when the subscription has no trial or
-- the customer has these days already.
CREATE OR REPLACE FUNCTION stripe_customer_trial(p_sub jsonb, p_key text, p_event text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    c      customers;
    t_from date;
    t_to   date;
BEGIN
    IF jsonb_typeof(p_sub -> 'trial_start') <> 'number' OR jsonb_typeof(p_sub -> 'trial_end') <> 'number' THEN
        RETURN NULL;
    END IF;
    t_from := ns_day(to_timestamp((p_sub ->> 'trial_start')::numeric));
    t_to := ns_day(to_timestamp((p_sub ->> 'trial_end')::numeric));
    SELECT * INTO c FROM customers WHERE external_id = stripe_id(p_sub -> 'customer');
    IF NOT FOUND OR (c.trial_started_on, c.trial_ends_on) IS NOT DISTINCT FROM (t_from, t_to) THEN
        RETURN NULL;
    END IF;
    RETURN stripe_checked(api.revenue_customers_ingest(p_user => 0, p_role => NULL,
        p_body => jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
            'external_id', c.external_id, 'name', c.name, 'email', nullif(c.email, ''),
            'signup_at', to_char(c.signup_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            'segment', c.segment, 'country', c.country, 'channel', c.channel,
            'trial_started_on', t_from::text, 'trial_ends_on', t_to::text))),
        p_key => p_key, p_max_records => 1), 'customer', p_event);
END $$;

-- Fail the event (NS422: nothing stored, Stripe retries) when the record function rejected its
-- record; else its answer.
CREATE OR REPLACE FUNCTION stripe_checked(p_answer json, p_what text, p_event text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r jsonb := p_answer::jsonb -> 'rejected' -> 0;
BEGIN
    IF r IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NS422',
            MESSAGE = format('Stripe event %s: its %s record was rejected (%s: %s); nothing was stored, '
                             'and Stripe will deliver it again', p_event, p_what, r ->> 'field', r ->> 'message');
    END IF;
    RETURN p_answer::jsonb;
END $$;

-- Make sure the customer with Stripe id p_cus exists before a record refers to it: an event about
-- a customer not seen yet (subscriptions and invoices may arrive before customer.created) creates
-- it from the id (name = the id), without updated_at, so that customer.created fills it in
-- whenever it comes.  NULL when it existed.
CREATE OR REPLACE FUNCTION stripe_customer_ensure(p_cus text, p_created jsonb, p_key text, p_event text)
RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF p_cus IS NULL OR EXISTS (SELECT 1 FROM customers WHERE external_id = p_cus) THEN
        RETURN NULL;
    END IF;
    RETURN stripe_checked(api.revenue_customers_ingest(p_user => 0, p_role => NULL,
        p_body => jsonb_build_array(jsonb_build_object('external_id', p_cus, 'name', p_cus,
                                                       'signup_at', stripe_ts(p_created))),
        p_key => p_key, p_max_records => 1), 'customer', p_event);
END $$;

-- Map the stored subscriptions p_ids again, each as of the event it was last seen in (so its
-- updated_at and effective_at are that event's, and only what the discounts now resolve to can
-- change): a discount or coupon that arrived after the subscription event naming it.  The record
-- function's answer, or NULL when none of them is stored.
CREATE OR REPLACE FUNCTION stripe_subscriptions_remap(p_ids text[], p_key text, p_event text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    recs jsonb;
BEGIN
    SELECT jsonb_agg(r.rec ORDER BY r.id) INTO recs
    FROM (SELECT x.id, stripe_subscription_record(x.object, x.event_type, to_jsonb(x.created)) AS rec
          FROM stripe_subscriptions x WHERE x.id = ANY (p_ids)) r
    WHERE r.rec ->> 'reason' IS NULL;
    IF recs IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN stripe_checked(api.revenue_subscriptions_ingest(p_user => 0, p_role => NULL, p_body => recs,
        p_key => p_key, p_max_records => jsonb_array_length(recs)), 'subscription', p_event);
END $$;

-- POST /api/revenue/stripe/webhook (after the signature check): one Stripe event.  Answers
-- {"event", "type", "outcome": "applied"|"ignored"|"duplicate", "results" | "reason"}; a body that
-- is not an event is 22023 (400), a rejected record NS422 (422, nothing stored).
CREATE OR REPLACE FUNCTION api.revenue_stripe_webhook(p_user int, p_role text, p_body jsonb,
                                                      p_key text DEFAULT NULL, p_max_records int DEFAULT 1)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    ev_id    text := p_body ->> 'id';
    ev_type  text := p_body ->> 'type';
    v_created jsonb := p_body -> 'created';
    at_      timestamptz;
    obj      jsonb := p_body -> 'data' -> 'object';
    v_key    text := coalesce(p_key, 'stripe');
    results  jsonb := '{}'::jsonb;
    reason   text;
    rec      jsonb;
    cus      text;
    ch       stripe_charges;
    amount   bigint;
    prior    bigint;
    answer   jsonb;
    made     jsonb;
    trial    jsonb;
BEGIN
    IF jsonb_typeof(p_body) IS DISTINCT FROM 'object' OR p_body ->> 'object' IS DISTINCT FROM 'event'
       OR jsonb_typeof(p_body -> 'id') IS DISTINCT FROM 'string' OR length(ev_id) NOT BETWEEN 1 AND 255
       OR jsonb_typeof(p_body -> 'type') IS DISTINCT FROM 'string'
       OR jsonb_typeof(v_created) IS DISTINCT FROM 'number' OR jsonb_typeof(obj) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'the body is not a Stripe event: expected {"object": "event", "id": "evt_…", "type": …, '
                      '"created": seconds, "data": {"object": {…}}}';
    END IF;
    at_ := to_timestamp((v_created #>> '{}')::numeric);

    INSERT INTO stripe_events (id, type, created) VALUES (ev_id, ev_type, at_) ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN
        SELECT json_build_object('event', ev_id, 'type', ev_type, 'outcome', 'duplicate',
                                 'message', format('event %s was received at %s; a replay changes nothing', ev_id,
                                                   to_char(e.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))
          INTO answer FROM stripe_events e WHERE e.id = ev_id;
        RETURN answer;
    END IF;

    CASE
    WHEN ev_type IN ('customer.created', 'customer.updated') THEN
        results := jsonb_build_object('customers', stripe_checked(api.revenue_customers_ingest(
            p_user => 0, p_role => NULL, p_body => jsonb_build_array(stripe_customer_record(obj, v_created)),
            p_key => v_key, p_max_records => 1), 'customer', ev_id));

    WHEN ev_type IN ('customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted',
                     'customer.subscription.paused', 'customer.subscription.resumed') THEN
        INSERT INTO stripe_subscriptions AS x (id, event_type, created, object)
        VALUES (obj ->> 'id', ev_type, (v_created #>> '{}')::numeric::bigint, obj)
        ON CONFLICT (id) DO UPDATE SET event_type = EXCLUDED.event_type, created = EXCLUDED.created, object = EXCLUDED.object
            WHERE x.created <= EXCLUDED.created;
        rec := stripe_subscription_record(obj, ev_type, v_created);
        reason := rec ->> 'reason';
        IF reason IS NULL THEN
            -- in this order: the customer, its trial, then the subscription that names it
            made := stripe_customer_ensure(rec ->> 'customer_external_id', obj -> 'created', v_key, ev_id);
            trial := stripe_customer_trial(obj, v_key, ev_id);
            results := jsonb_strip_nulls(jsonb_build_object(
                'customer_created', made, 'customer_trial', trial,
                'subscriptions', stripe_checked(api.revenue_subscriptions_ingest(p_user => 0, p_role => NULL,
                    p_body => jsonb_build_array(rec), p_key => v_key, p_max_records => 1), 'subscription', ev_id)));
        END IF;

    WHEN ev_type IN ('invoice.paid', 'invoice.payment_failed') THEN
        cus := stripe_id(obj -> 'customer');
        amount := CASE ev_type WHEN 'invoice.paid' THEN (obj ->> 'amount_paid')::numeric
                               ELSE coalesce((obj ->> 'amount_remaining')::numeric, (obj ->> 'amount_due')::numeric) END;
        IF cus IS NULL THEN
            reason := 'the invoice has no customer';
        ELSIF coalesce(amount, 0) <= 0 THEN
            reason := 'the invoice is for nothing (amount 0): no payment to record';
        ELSE
            made := stripe_customer_ensure(cus, v_created, v_key, ev_id);   -- before the record that names it
            results := jsonb_strip_nulls(jsonb_build_object(
                'customer_created', made,
                'billing_events', stripe_checked(api.revenue_billing_events_ingest(p_user => 0, p_role => NULL,
                    p_body => jsonb_build_array(jsonb_build_object(
                        'external_id', ev_id, 'customer_external_id', cus,
                        'occurred_at', coalesce(stripe_ts(obj -> 'status_transitions' -> 'paid_at'), stripe_ts(v_created)),
                        'kind', CASE ev_type WHEN 'invoice.paid' THEN 'payment_success' ELSE 'payment_failed' END,
                        'amount_cents', amount, 'currency', upper(obj ->> 'currency'))),
                    p_key => v_key, p_max_records => 1), 'billing event', ev_id)));
        END IF;

    WHEN ev_type IN ('charge.succeeded', 'charge.refunded') THEN
        cus := stripe_id(obj -> 'customer');
        SELECT * INTO ch FROM stripe_charges WHERE id = obj ->> 'id';
        prior := coalesce(ch.amount_refunded, 0);
        amount := coalesce((obj ->> 'amount_refunded')::numeric::bigint, 0);
        INSERT INTO stripe_charges AS c (id, customer_id, currency, amount_refunded, updated_at)
        VALUES (obj ->> 'id', cus, upper(obj ->> 'currency'), amount, at_)
        ON CONFLICT (id) DO UPDATE SET customer_id = coalesce(EXCLUDED.customer_id, c.customer_id),
                                       amount_refunded = greatest(c.amount_refunded, EXCLUDED.amount_refunded),
                                       updated_at = greatest(c.updated_at, EXCLUDED.updated_at);
        IF ev_type = 'charge.succeeded' THEN
            reason := 'recorded the charge''s customer (for its refunds and disputes); the payment itself is '
                      'recorded by invoice.paid';
        ELSIF cus IS NULL THEN
            reason := 'the charge has no customer';
        ELSIF amount <= prior THEN
            -- an older or repeated view of the refunds: amount_refunded is cumulative
            reason := format('no refund beyond the %s already recorded for charge %s', prior, obj ->> 'id');
        ELSE
            made := stripe_customer_ensure(cus, v_created, v_key, ev_id);   -- before the record that names it
            results := jsonb_strip_nulls(jsonb_build_object(
                'customer_created', made,
                'billing_events', stripe_checked(api.revenue_billing_events_ingest(p_user => 0, p_role => NULL,
                    p_body => jsonb_build_array(jsonb_build_object(
                        'external_id', ev_id, 'customer_external_id', cus, 'occurred_at', stripe_ts(v_created),
                        'kind', 'refund', 'amount_cents', amount - prior, 'currency', upper(obj ->> 'currency'))),
                    p_key => v_key, p_max_records => 1), 'billing event', ev_id)));
        END IF;

    WHEN ev_type = 'charge.dispute.created' THEN
        cus := CASE WHEN jsonb_typeof(obj -> 'charge') = 'object' THEN stripe_id(obj -> 'charge' -> 'customer')
                    ELSE (SELECT c.customer_id FROM stripe_charges c WHERE c.id = stripe_id(obj -> 'charge')) END;
        IF cus IS NULL THEN
            reason := format('the disputed charge %s is not known: enable charge.succeeded so that its customer is',
                             stripe_id(obj -> 'charge'));
        ELSE
            made := stripe_customer_ensure(cus, v_created, v_key, ev_id);   -- before the record that names it
            results := jsonb_strip_nulls(jsonb_build_object(
                'customer_created', made,
                'billing_events', stripe_checked(api.revenue_billing_events_ingest(p_user => 0, p_role => NULL,
                    p_body => jsonb_build_array(jsonb_build_object(
                        'external_id', ev_id, 'customer_external_id', cus,
                        'occurred_at', coalesce(stripe_ts(obj -> 'created'), stripe_ts(v_created)),
                        'kind', 'chargeback', 'amount_cents', (obj ->> 'amount')::numeric::bigint,
                        'currency', upper(obj ->> 'currency'))),
                    p_key => v_key, p_max_records => 1), 'billing event', ev_id)));
        END IF;

    WHEN ev_type IN ('coupon.created', 'coupon.updated') THEN
        PERFORM stripe_coupon_remember(obj, at_);
        answer := stripe_subscriptions_remap(ARRAY(SELECT d.subscription_id FROM stripe_discounts d
                                                   WHERE d.coupon_id = obj ->> 'id' AND d.subscription_id IS NOT NULL),
                                             v_key, ev_id);
        IF answer IS NULL THEN
            reason := 'recorded the coupon for the discounts that name it';
        ELSE
            results := jsonb_build_object('subscriptions', answer);
        END IF;
    WHEN ev_type IN ('customer.discount.created', 'customer.discount.updated', 'customer.discount.deleted') THEN
        PERFORM stripe_discount_remember(obj, at_, ev_type = 'customer.discount.deleted');
        answer := stripe_subscriptions_remap(ARRAY[stripe_id(obj -> 'subscription')], v_key, ev_id);
        IF answer IS NULL THEN
            reason := 'recorded the discount for the subscriptions that name it';
        ELSE
            results := jsonb_build_object('subscriptions', answer);
        END IF;
    ELSE
        reason := format('event type %s maps onto nothing here', ev_type);
    END CASE;

    IF reason IS NOT NULL THEN
        UPDATE stripe_events SET outcome = 'ignored', detail = jsonb_build_object('reason', reason) WHERE id = ev_id;
        RETURN json_build_object('event', ev_id, 'type', ev_type, 'outcome', 'ignored', 'reason', reason);
    END IF;
    UPDATE stripe_events SET detail = results WHERE id = ev_id;
    RETURN json_build_object('event', ev_id, 'type', ev_type, 'outcome', 'applied', 'results', results);
END $$;

-- The write path of 990_roles.sql: the function runs as northstar_ingest, which may write these
-- tables (and, through the record functions it owns, the business tables); the app may only call it.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON stripe_events, stripe_coupons, stripe_discounts, stripe_charges, stripe_subscriptions FROM northstar_app;
GRANT SELECT ON stripe_events, stripe_coupons, stripe_discounts, stripe_charges, stripe_subscriptions TO northstar_app;
GRANT SELECT, INSERT, UPDATE ON stripe_events, stripe_coupons, stripe_discounts, stripe_charges, stripe_subscriptions TO northstar_ingest;
ALTER FUNCTION api.revenue_stripe_webhook(int, text, jsonb, text, int) OWNER TO northstar_ingest;
REVOKE EXECUTE ON FUNCTION api.revenue_stripe_webhook(int, text, jsonb, text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.revenue_stripe_webhook(int, text, jsonb, text, int) TO northstar_app;
