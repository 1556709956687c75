-- 570_live.sql — the live stream's data side (docs/live.md): an outbox that the writers of
-- business data fill in their own transaction, the data version, and live_compose(), which turns
-- what the outbox holds into the messages of each channel.  common/live.c (the publisher, run by
-- the alerts service) calls live_compose() in a transaction, POSTs each message to nchan, and
-- commits only when every message was accepted: a message is published at least once, and an
-- acknowledged change is never lost by the stream (a failed publish leaves it in the outbox).
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS api;

-- What changed, one row per changed entity (per statement for API calls).  Emptied by
-- live_compose(); a row waits here only while no publisher runs.
CREATE TABLE IF NOT EXISTS live_outbox (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL,   -- see live_outbox_kind below
    customer_id   int,
    ref           bigint,          -- alert_events.id for 'alert'
    amount_cents  bigint,          -- 'payment', 'order': in the reporting currency
    data          jsonb,           -- 'api_calls': {"count", "calls": [...]}
    at            timestamptz NOT NULL DEFAULT now()
);

-- kick: a user's sessions were revoked (token_version moved) or the user disabled: the
-- publisher deletes the user's channel, which ends its streams; their reconnections are refused.
ALTER TABLE live_outbox DROP CONSTRAINT IF EXISTS live_outbox_kind_check;
ALTER TABLE live_outbox DROP CONSTRAINT IF EXISTS live_outbox_kind;
ALTER TABLE live_outbox ADD CONSTRAINT live_outbox_kind
    CHECK (kind IN ('signup', 'subscription', 'trial_converted', 'payment', 'order', 'alert', 'api_calls',
                    'data_version', 'kick'));

-- data_version grows whenever figures may have changed (a rollup refresh recomputed dirty days, or
-- a follower recomputed from them); mrr_seeded_at / mrr_day say when live_customer_mrr was taken.
CREATE TABLE IF NOT EXISTS live_state (
    one              boolean PRIMARY KEY DEFAULT true CHECK (one),
    data_version     bigint NOT NULL DEFAULT 1,
    data_changed_at  timestamptz,      -- the last refresh of the rollups that recomputed dirty days
    mrr_day          date,
    mrr_seeded_at    timestamptz
);
ALTER TABLE live_state ADD COLUMN IF NOT EXISTS version_sent_at timestamptz;   -- the last data_version message
INSERT INTO live_state DEFAULT VALUES ON CONFLICT DO NOTHING;

-- Each paying customer's MRR today (mrr_at, the one MRR rule) as the stream last told it: the
-- "before" of the next change, from which its movement is classified.
CREATE TABLE IF NOT EXISTS live_customer_mrr (
    customer_id  int PRIMARY KEY,
    mrr_cents    bigint NOT NULL,
    plan         text
);

-- NS_CHANNEL_LIVE (common/northstar.h): the publisher's wake-up
CREATE OR REPLACE TRIGGER live_outbox_notify AFTER INSERT ON live_outbox
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_inserted('northstar_live');

-- The statement that puts the recent API calls among the rows of p_rows (a relation of events'
-- row type: the transition table, or a sharded events' capture, 021_events_shards.sql) in the
-- outbox as one 'api_calls' message: their count and the latest 100.  A statement for the
-- trigger function to EXECUTE, because a transition table is visible to that function only.
CREATE OR REPLACE FUNCTION live_api_calls_statement(p_rows text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format($f$
        INSERT INTO live_outbox (kind, data, at)
        SELECT 'api_calls', jsonb_build_object('count', count(*), 'calls',
                   (SELECT jsonb_agg(c ORDER BY c->>'time' DESC) FROM (
                        SELECT jsonb_build_object('time', n.occurred_at, 'customer_id', n.customer_id,
                                                  'endpoint', n.endpoint, 'status', n.status,
                                                  'latency_ms', n.latency_ms) AS c
                        FROM %1$s n WHERE n.type = 'api_call' AND n.occurred_at > now() - interval '1 hour'
                        ORDER BY n.occurred_at DESC LIMIT 100) x)),
               max(occurred_at)
        FROM %1$s WHERE type = 'api_call' AND occurred_at > now() - interval '1 hour'
        HAVING count(*) > 0 $f$, p_rows)
$$;

-- The statement trigger of every source table (derived_triggers, 030_rollups.sql): what a live
-- view shows as it happens.  Only recent activity is news: history arriving through an importer
-- (signups, payments older than a day, API calls older than an hour) is not pushed, it shows at
-- the next data_version.  Bulk loaders that SET northstar.rollup_skip_dirty = on are skipped too.
CREATE OR REPLACE FUNCTION live_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    recent timestamptz := now() - interval '1 day';
BEGIN
    IF current_setting('northstar.rollup_skip_dirty', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'subscriptions' THEN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO live_outbox (kind, customer_id) SELECT DISTINCT 'subscription', customer_id FROM new_rows;
        ELSIF TG_OP = 'UPDATE' THEN
            INSERT INTO live_outbox (kind, customer_id)
            SELECT DISTINCT 'subscription', customer_id FROM (SELECT customer_id FROM new_rows
                                                               UNION SELECT customer_id FROM old_rows) s;
        ELSE
            INSERT INTO live_outbox (kind, customer_id) SELECT DISTINCT 'subscription', customer_id FROM old_rows;
        END IF;
    ELSIF TG_TABLE_NAME = 'customers' AND TG_OP = 'INSERT' THEN
        INSERT INTO live_outbox (kind, customer_id, at)
        SELECT 'signup', n.id, n.signup_at FROM new_rows n WHERE n.signup_at > recent ORDER BY n.id;
    ELSIF TG_TABLE_NAME = 'customers' AND TG_OP = 'UPDATE' THEN
        INSERT INTO live_outbox (kind, customer_id, at)
        SELECT 'trial_converted', n.id, n.converted_at
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o.converted_at IS NULL AND n.converted_at > recent ORDER BY n.id;
    ELSIF TG_TABLE_NAME = 'billing_events' AND TG_OP = 'INSERT' THEN
        INSERT INTO live_outbox (kind, customer_id, amount_cents, at)
        SELECT 'payment', n.customer_id, n.amount_cents, n.occurred_at
        FROM new_rows n WHERE n.kind = 'payment_success' AND n.occurred_at > recent ORDER BY n.id;
    ELSIF TG_TABLE_NAME = 'orders' AND TG_OP = 'INSERT' THEN
        INSERT INTO live_outbox (kind, customer_id, amount_cents, at)
        SELECT 'order', n.customer_id, n.total_cents, n.ordered_at
        FROM new_rows n WHERE n.ordered_at > recent ORDER BY n.id;
    ELSIF TG_TABLE_NAME = 'app_users' AND TG_OP = 'UPDATE' THEN
        INSERT INTO live_outbox (kind, ref)
        SELECT 'kick', n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.token_version IS DISTINCT FROM o.token_version OR (n.disabled AND NOT o.disabled) ORDER BY n.id;
    ELSIF TG_TABLE_NAME = 'alert_events' AND TG_OP = 'INSERT' THEN
        INSERT INTO live_outbox (kind, ref, at) SELECT 'alert', n.id, n.at FROM new_rows n ORDER BY n.id;
    ELSIF TG_TABLE_NAME = 'events' AND TG_OP = 'INSERT' THEN
        EXECUTE live_api_calls_statement('new_rows');
    END IF;
    RETURN NULL;
END
$$;

DO $$
BEGIN
    PERFORM derived_triggers('subscriptions', 'live', 'live_mark', false);
    PERFORM derived_triggers('customers', 'live', 'live_mark', false);
    PERFORM derived_triggers('billing_events', 'live', 'live_mark', false);
    PERFORM derived_triggers('orders', 'live', 'live_mark', false);
    PERFORM derived_triggers('alert_events', 'live', 'live_mark', false);
    PERFORM derived_triggers('events', 'live', 'live_mark', false);
    PERFORM derived_triggers('app_users', 'live', 'live_mark', false);
END
$$;

-- Figures may have changed: a new data version, and a data_version message.  Called by
-- rollup_refresh() when it recomputed dirty days (p_rollups: data_changed_at moves, which is what
-- the followers compare with) and by rollup_follow() when a follower recomputed after such a
-- change, each at its end (the one-row update is held to the commit).
DROP FUNCTION IF EXISTS live_data_changed();
CREATE OR REPLACE FUNCTION live_data_changed(p_rollups boolean DEFAULT true) RETURNS void
LANGUAGE sql AS $$
    UPDATE live_state SET data_version = data_version + 1,
                          data_changed_at = CASE WHEN p_rollups THEN now() ELSE data_changed_at END;
    INSERT INTO live_outbox (kind) VALUES ('data_version');
$$;

-- The data version the app sends as X-Data-Version (GET /api/auth/me's data_version).
CREATE OR REPLACE FUNCTION api.live_version() RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT data_version FROM live_state $$;

-- A customer as a live message names it: id, name and the plan of its largest subscription today.
CREATE OR REPLACE FUNCTION live_customer_json(p_customer int) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', c.id, 'name', c.name,
                              'plan', (SELECT p.name FROM subscriptions s JOIN plans p ON p.id = s.plan_id
                                       WHERE s.customer_id = c.id AND s.in_effect @> ns_today()
                                       ORDER BY s.mrr_cents DESC, s.id LIMIT 1))
    FROM customers c WHERE c.id = p_customer
$$;

-- Channels are per user ("user:<id>", GET /api/auth/live): each subscriber hears exactly one, so
-- no message reaches it twice, and nginx needs no multiplexed subscriptions (nchan 1.3.6 loses
-- some: slact/nchan#715).  A message for a role goes to each enabled user of the role.
CREATE OR REPLACE FUNCTION live_users_channels(p_roles text[]) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT 'user:' || u.id FROM app_users u WHERE u.role = ANY (p_roles) AND NOT u.disabled
$$;

-- The channels of a customer-level message: every CEO's, and the customer's cs owner's
-- (docs/live.md: a cs user hears only the customers it owns, as the API shows them).
CREATE OR REPLACE FUNCTION live_customer_channels(p_customer int) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT live_users_channels(ARRAY['ceo'])
    UNION
    SELECT 'user:' || u.id FROM customers c JOIN app_users u ON u.id = c.cs_owner_id AND u.role = 'cs'
    WHERE c.id = p_customer AND NOT u.disabled
$$;

-- The roles whose users hear company-wide figures: the roles of the route that shows the same
-- figure (docs/access.md; tests/integration/t-live.sh checks each list against it).
CREATE OR REPLACE FUNCTION live_route_roles(p_route text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_route
        WHEN '/api/revenue/mrr' THEN ARRAY['ceo', 'cs', 'sales']
        WHEN '/api/product/live' THEN ARRAY['ceo', 'cs']
        ELSE ARRAY['ceo', 'cs', 'sales'] END   -- data_version: everyone signed in
$$;
DROP FUNCTION IF EXISTS live_route_channels(text);
CREATE OR REPLACE FUNCTION live_route_channels(p_route text) RETURNS SETOF text
LANGUAGE sql STABLE AS $$ SELECT live_users_channels(live_route_roles(p_route)) $$;

-- The channels of an alert event: the users alert_visible() (550_alerts.sql, the one rule of
-- GET /api/alerts) lets see it.
DROP FUNCTION IF EXISTS live_alert_channels(text[], int);
CREATE OR REPLACE FUNCTION live_alert_channels(p_audience text[], p_customer int) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT 'user:' || u.id FROM app_users u
    WHERE NOT u.disabled AND alert_visible(u.id, u.role, p_audience, p_customer)
$$;

-- The first n elements of a json array (the arrays of a message; count says how many there were).
CREATE OR REPLACE FUNCTION live_first(p_items jsonb, p_n int) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_agg(e ORDER BY i), '[]') FROM jsonb_array_elements(p_items) WITH ORDINALITY a(e, i) WHERE i <= p_n
$$;

-- (Re)take live_customer_mrr when it is not of today or a rebuild replaced the data since it was
-- taken; the customers p_keep (this round's changes) keep their rows, the "before" of their change.
CREATE OR REPLACE FUNCTION live_seed(p_keep int[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    s live_state;
BEGIN
    SELECT * INTO s FROM live_state;
    IF s.mrr_day IS NOT DISTINCT FROM ns_today()
       AND s.mrr_seeded_at >= coalesce((SELECT last_rebuild_at FROM rollup_state), '-infinity') THEN
        RETURN;
    END IF;
    DELETE FROM live_customer_mrr WHERE customer_id <> ALL (p_keep);
    INSERT INTO live_customer_mrr (customer_id, mrr_cents, plan)
    SELECT m.customer_id, m.mrr_cents, (live_customer_json(m.customer_id))->>'plan'
    FROM mrr_at(ns_today()) m WHERE m.mrr_cents > 0 AND m.customer_id <> ALL (p_keep)
    ON CONFLICT (customer_id) DO NOTHING;
    UPDATE live_state SET mrr_day = ns_today(), mrr_seeded_at = now();
END
$$;

-- Turn up to p_limit outbox rows (of ids up to p_upto, when given) into the messages of each channel (docs/live.md, "Messages"),
-- deleting the rows (a NULL message: delete that channel, ending its streams): the caller publishes
-- the messages and commits, or rolls back and the rows
-- come again.  One message per type and channel per call; arrays hold the first 20 items (100 API
-- calls) and count says how many there were.  Figures come from the same functions as the API's
-- (the caller refreshes the rollups first): a message and a refetch agree.
DROP FUNCTION IF EXISTS live_compose(int);
CREATE OR REPLACE FUNCTION live_compose(p_limit int DEFAULT 5000, p_upto bigint DEFAULT NULL)
RETURNS TABLE (channel text, message text)
LANGUAGE plpgsql
SET jit = off
AS $$
DECLARE
    today  date := ns_today();
    ver    bigint;
    md     metrics_daily;
    trials bigint;
    touched int[];
    mrr    bigint;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS live_batch (LIKE live_outbox) ON COMMIT DROP;
    CREATE TEMP TABLE IF NOT EXISTS live_moves (customer_id int, kind text, delta_cents bigint,
                                                plan text, previous_plan text) ON COMMIT DROP;
    CREATE TEMP TABLE IF NOT EXISTS live_out (ord int, channel text, message jsonb) ON COMMIT DROP;
    TRUNCATE live_batch, live_moves, live_out;
    WITH d AS (DELETE FROM live_outbox WHERE id IN (SELECT id FROM live_outbox WHERE id <= coalesce(p_upto, id)
                                                    ORDER BY id LIMIT p_limit FOR UPDATE SKIP LOCKED)
               RETURNING *)
    INSERT INTO live_batch SELECT * FROM d;
    IF NOT EXISTS (SELECT 1 FROM live_batch) THEN
        RETURN;
    END IF;
    SELECT data_version INTO ver FROM live_state;
    SELECT * INTO md FROM metrics_daily WHERE day = today;
    trials := api.users_active_trials(today);

    -- MRR movements of the customers whose subscriptions changed: today's MRR before (as last
    -- told) and after, classified by mrr_movement_kind (the rule of mrr_movements).
    SELECT coalesce(array_agg(DISTINCT b.customer_id), '{}') INTO touched
    FROM live_batch b WHERE b.kind = 'subscription';
    PERFORM live_seed(touched);
    IF cardinality(touched) > 0 THEN
        INSERT INTO live_moves
        SELECT t.c, mrr_movement_kind(coalesce(o.mrr_cents, 0), coalesce(o.mrr_cents, 0), coalesce(n.mrr_cents, 0),
                                      -- paid before: a paid period that ended by today (for a customer at 0
                                      -- before the change, what mrr_movements' "paid before p_from" means)
                                      EXISTS (SELECT 1 FROM subscriptions s WHERE s.customer_id = t.c
                                                 AND s.mrr_cents > 0 AND s.valid_to <= today)),
               coalesce(n.mrr_cents, 0) - coalesce(o.mrr_cents, 0),
               live_customer_json(t.c)->>'plan', o.plan
        FROM unnest(touched) t(c)
        LEFT JOIN live_customer_mrr o ON o.customer_id = t.c
        LEFT JOIN (SELECT m.customer_id, m.mrr_cents FROM mrr_at(today) m WHERE m.customer_id = ANY (touched)) n
               ON n.customer_id = t.c
        WHERE coalesce(n.mrr_cents, 0) <> coalesce(o.mrr_cents, 0);
        DELETE FROM live_customer_mrr WHERE customer_id = ANY (touched);
        INSERT INTO live_customer_mrr (customer_id, mrr_cents, plan)
        SELECT m.customer_id, m.mrr_cents, live_customer_json(m.customer_id)->>'plan'
        FROM mrr_at(today) m WHERE m.customer_id = ANY (touched) AND m.mrr_cents > 0;
    END IF;

    -- kick (first: nothing more for a revoked session): a NULL message means "delete the channel"
    INSERT INTO live_out SELECT DISTINCT 0, 'user:' || b.ref, NULL::jsonb FROM live_batch b WHERE b.kind = 'kick';

    -- new_signup
    INSERT INTO live_out
    SELECT 1, ch, jsonb_build_object('type', 'new_signup', 'at', max(b.at), 'data_version', ver,
               'customers', live_first(jsonb_agg(live_customer_json(b.customer_id) ORDER BY b.id), 20),
               'count', count(*), 'signups_today', coalesce(md.new_customers, 0), 'active_trials', trials)
    FROM live_batch b CROSS JOIN LATERAL live_customer_channels(b.customer_id) ch
    WHERE b.kind = 'signup' GROUP BY ch;

    -- subscription_changed: the movements and trials converted (and started, with the signup)
    INSERT INTO live_out
    SELECT 2, ch, jsonb_build_object('type', 'subscription_changed', 'at', now(), 'data_version', ver,
               'changes', live_first(jsonb_agg(x.change ORDER BY x.customer_id), 20),
               'count', count(*), 'active_trials', trials, 'churned_today', coalesce(md.churned_customers, 0))
    FROM (
        SELECT m.customer_id, jsonb_build_object(
                   'customer', live_customer_json(m.customer_id),
                   'change', CASE m.kind WHEN 'expansion' THEN 'upgrade' WHEN 'contraction' THEN 'downgrade'
                                         WHEN 'churn' THEN 'cancel' ELSE m.kind END,
                   'plan', m.plan, 'previous_plan', m.previous_plan, 'mrr_delta_cents', m.delta_cents) AS change
        FROM live_moves m
        UNION ALL
        SELECT b.customer_id, jsonb_build_object('customer', live_customer_json(b.customer_id),
                   'change', 'trial_converted', 'plan', live_customer_json(b.customer_id)->>'plan',
                   'previous_plan', NULL, 'mrr_delta_cents', 0)
        FROM live_batch b WHERE b.kind = 'trial_converted'
        UNION ALL
        SELECT b.customer_id, jsonb_build_object('customer', live_customer_json(b.customer_id),
                   'change', 'trial_started', 'plan', live_customer_json(b.customer_id)->>'plan',
                   'previous_plan', NULL, 'mrr_delta_cents', 0)
        FROM live_batch b JOIN customers c ON c.id = b.customer_id
        WHERE b.kind = 'signup' AND c.trial_started_on IS NOT NULL
    ) x CROSS JOIN LATERAL live_customer_channels(x.customer_id) ch
    GROUP BY ch;

    -- churn_alert: the customers whose MRR went to zero
    INSERT INTO live_out
    SELECT 3, ch, jsonb_build_object('type', 'churn_alert', 'at', now(), 'data_version', ver,
               'customers', live_first(jsonb_agg(jsonb_build_object('customer', live_customer_json(m.customer_id),
                                                                    'mrr_lost_cents', -m.delta_cents)
                                                 ORDER BY m.customer_id), 20),
               'count', count(*), 'churned_today', coalesce(md.churned_customers, 0))
    FROM live_moves m CROSS JOIN LATERAL live_customer_channels(m.customer_id) ch
    WHERE m.kind = 'churn' GROUP BY ch;

    -- mrr_updated: company-wide, to the roles of GET /api/revenue/mrr
    IF EXISTS (SELECT 1 FROM live_moves) THEN
        SELECT p.mrr_cents INTO mrr FROM api.revenue_mrr_point(today) p;
        INSERT INTO live_out
        SELECT 4, ch, jsonb_build_object('type', 'mrr_updated', 'at', now(), 'data_version', ver,
                   'mrr_cents', mrr, 'previous_mrr_cents', mrr - (SELECT sum(delta_cents) FROM live_moves),
                   'arr_cents', mrr * 12, 'currency', ns_currency(),
                   'movement', (SELECT jsonb_object_agg(k, coalesce((SELECT sum(delta_cents) FROM live_moves m
                                                                      WHERE m.kind = k), 0))
                                FROM unnest(ARRAY['new', 'expansion', 'contraction', 'churn', 'reactivation']) k))
        FROM live_route_channels('/api/revenue/mrr') ch;
    END IF;

    -- payment_received
    INSERT INTO live_out
    SELECT 5, ch, jsonb_build_object('type', 'payment_received', 'at', max(b.at), 'data_version', ver,
               'payments', live_first(jsonb_agg(jsonb_build_object('customer', live_customer_json(b.customer_id),
                                                                   'amount_cents', b.amount_cents, 'kind', b.kind)
                                                ORDER BY b.id), 20),
               'count', count(*), 'amount_cents', sum(b.amount_cents),
               'revenue_today_cents', coalesce(md.revenue_cents, 0),
               'payments_today_cents', coalesce(md.payments_cents, 0), 'currency', ns_currency())
    FROM live_batch b CROSS JOIN LATERAL live_customer_channels(b.customer_id) ch
    WHERE b.kind IN ('payment', 'order') GROUP BY ch;

    -- alert: one message per alert event, where GET /api/alerts shows it
    INSERT INTO live_out
    SELECT 6, ch, jsonb_build_object('type', 'alert', 'at', e.at, 'data_version', ver, 'id', e.id,
               'kind', e.kind, 'alert', api.alerts_json(a, r))
    FROM live_batch b JOIN alert_events e ON e.id = b.ref
    JOIN alerts a ON a.id = e.alert_id JOIN alert_rules r ON r.id = a.rule_id
    CROSS JOIN LATERAL live_alert_channels(r.audience, a.customer_id) ch
    WHERE b.kind = 'alert'
    ORDER BY e.id;

    -- api_calls: to the roles of GET /api/product/live, with its figures; names for the CEO only
    IF EXISTS (SELECT 1 FROM live_batch WHERE kind = 'api_calls') THEN
        INSERT INTO live_out
        SELECT 7, ch, jsonb_build_object('type', 'api_calls', 'at', (SELECT max(at) FROM live_batch WHERE kind = 'api_calls'),
                   'data_version', ver,
                   'count', (SELECT sum((data->>'count')::bigint) FROM live_batch WHERE kind = 'api_calls'),
                   'calls', (SELECT jsonb_agg(CASE WHEN ch IN (SELECT live_users_channels(ARRAY['ceo']))
                                                   THEN c || jsonb_build_object('customer', cu.name)
                                                   ELSE c || '{"customer_id": null, "customer": null}' END
                                              ORDER BY c->>'time' DESC)
                             FROM (SELECT c FROM live_batch b, jsonb_array_elements(b.data->'calls') c
                                   WHERE b.kind = 'api_calls' ORDER BY c->>'time' DESC LIMIT 100) l
                             LEFT JOIN customers cu ON cu.id = (c->>'customer_id')::int))
               || (SELECT jsonb_build_object('requests_last_minute', j->'requests_last_minute',
                                             'users_active_5m', j->'users_active_5m',
                                             'error_rate_1h_pct', j->'error_rate_1h_pct')
                   FROM (SELECT api.product_live_at(NULL, 'ceo', now())::jsonb AS j) f)
        FROM live_route_channels('/api/product/live') ch;
    END IF;

    -- data_version: everyone, at most one a second (a refresh and its followers land within
    -- moments of each other): a tick due sooner waits in the outbox for the next call
    IF EXISTS (SELECT 1 FROM live_batch WHERE kind = 'data_version') THEN
        IF (SELECT coalesce(version_sent_at < now() - interval '1 second', true) FROM live_state) THEN
            INSERT INTO live_out
            SELECT 8, ch, jsonb_build_object('type', 'data_version', 'at', now(), 'data_version', ver)
            FROM live_route_channels('*') ch;
            UPDATE live_state SET version_sent_at = now();
        ELSE
            INSERT INTO live_outbox (kind) VALUES ('data_version');
        END IF;
    END IF;

    RETURN QUERY SELECT o.channel, o.message::text FROM live_out o ORDER BY o.ord, o.channel;
END
$$;
