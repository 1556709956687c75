# t-stripe.sh — POST /api/revenue/stripe/webhook (docs/ingest.md, "Stripe"): the Stripe-Signature
# check (valid, wrong secret, stale timestamp, several v1 signatures, missing header: a bad one is
# 400 and stores nothing), event-id dedupe (a replay changes nothing), out-of-order updates (an older
# subscription state is stale), and the mapping of the events in tests/data/stripe/ (written from
# the object shapes of Stripe's API reference, github.com/stripe/openapi) onto customers,
# subscription periods, MRR movements and billing events, checked against figures worked by hand.
# The events are signed here with the stack's test secret (tests/integration/run.sh writes it).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
S_DATA=$ROOT/tests/data/stripe
: "${NS_STRIPE_WEBHOOK_SECRET_FILE:?not set: tests/integration/run.sh writes the test secret}"
S_SECRET=$(cat "$NS_STRIPE_WEBHOOK_SECRET_FILE")
S_IDS="'cus_nst_1', 'cus_nst_2', 'cus_nst_3'"

# What this file stores, removed before (a run killed half-way) and after.
s_cleanup() {
  sql "DELETE FROM billing_events WHERE customer_id IN (SELECT id FROM customers WHERE external_id IN ($S_IDS));
       DELETE FROM subscriptions WHERE customer_id IN (SELECT id FROM customers WHERE external_id IN ($S_IDS));
       DELETE FROM customers WHERE external_id IN ($S_IDS);
       DELETE FROM stripe_events WHERE id LIKE 'evt\_nst\_%';
       DELETE FROM stripe_charges WHERE id LIKE 'ch\_nst\_%';
       DELETE FROM stripe_discounts WHERE id LIKE 'di\_nst\_%';
       DELETE FROM stripe_subscriptions WHERE id LIKE 'sub\_nst\_%';
       DELETE FROM stripe_coupons WHERE id = 'NSTEST10';" >/dev/null
}
s_cleanup
defer s_cleanup
defer 'rm -f "$T_TMP"/stripe-*'

# sig FILE [TIMESTAMP [SECRET]] — the Stripe-Signature of FILE's bytes: t=TIMESTAMP,v1=HMAC-SHA256
# (SECRET, "TIMESTAMP." + body) in hex, as Stripe computes it (openssl here, not the code under test).
sig() {
  local t=${2:-$(date +%s)} secret=${3:-$S_SECRET}
  local mac
  mac=$(cat <(printf '%s.' "$t") "$1" | openssl dgst -sha256 -hmac "$secret" -r)
  printf 't=%s,v1=%s' "$t" "${mac%% *}"
}
# hook FILE [HEADER] — POST FILE with that Stripe-Signature (default: a valid one of now).  A 503
# that says "retry" (a statement timeout on a busy machine: a subscription write can wait for the
# rollup refresh; the services restarting) is sent again, at most 10 times, as Stripe does: the
# event id makes the retry harmless, and a 503 stored nothing.
hook() {
  local h i
  for i in $(seq 1 10); do
    h=${2-$(sig "$1")}
    if [ -n "$h" ]; then
      api POST /api/revenue/stripe/webhook "" -H 'Content-Type: application/json' -H "Stripe-Signature: $h" --data-binary "@$1"
    else
      api POST /api/revenue/stripe/webhook "" -H 'Content-Type: application/json' --data-binary "@$1"
    fi
    [ "$STATUS" = 503 ] && [[ "$(jq -r .error.code <<<"$BODY" 2>/dev/null)" =~ ^(query_timeout|db_busy|db_unavailable|service_unavailable)$ ]] || return 0
    sleep 1
  done
}
jqb() { jq -c "$1" <<<"$BODY" 2>/dev/null; }
stored() { sql "SELECT count(*) FROM stripe_events WHERE id = '$1'"; }

# ---- the signature: only a valid one of the last 5 minutes lets an event in
F=$S_DATA/customer.created.json
hook "$F" "$(sig "$F" "" whsec_not_the_endpoint_secret_0123456789)"
check_error "a signature made with another secret is 400" 400 bad_signature
check_error_names "… naming the reason" "no v1 signature matches"
check_eq "… and stores nothing" "$(stored evt_nst_cus_created):$(sql "SELECT count(*) FROM customers WHERE external_id = 'cus_nst_1'")" "0:0"
hook "$F" "$(sig "$F" $(( $(date +%s) - 600 )))"
check_error "a valid signature of 10 minutes ago is 400 (5 minutes' tolerance)" 400 bad_signature
check_error_names "… naming the stale timestamp" "more than 300 seconds"
hook "$F" "$(sig "$F" $(( $(date +%s) + 600 )))"
check_error "… and so is one 10 minutes ahead" 400 bad_signature
hook "$F" ""
check_error "no Stripe-Signature header is 400" 400 bad_signature
check_error_names "… naming the header" "Stripe-Signature header is missing"
hook "$F" "v1=$(sig "$F" | sed 's/.*v1=//')"
check_error "a header without t= is 400" 400 bad_signature
good=$(sig "$F")
tampered=$T_TMP/stripe-tampered.json
sed 's/Acme Robotics/Acme Robotics Evil/' "$F" >"$tampered"
hook "$tampered" "$good"
check_error "a valid signature over another body is 400" 400 bad_signature
check_eq "none of these stored anything" "$(stored evt_nst_cus_created)" 0
api POST /api/revenue/stripe/webhook "" -H 'Content-Type: text/plain' -H "Stripe-Signature: $good" --data-binary "@$F"
check_error "another Content-Type is 415" 415 unsupported_media_type

# Several v1 signatures (Stripe sends two while a secret is rolled): the right one among wrong ones.
t=$(date +%s)
wrong=$(sig "$F" "$t" whsec_the_old_secret_0123456789abcdef | sed 's/.*v1=//')
right=$(sig "$F" "$t" | sed 's/.*v1=//')
hook "$F" "t=$t,v1=$wrong,v1=$right,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"
check_status "several v1 signatures, one of them right: 200" 200
check_eq "the customer.created event is applied: one customer created" \
  "$(jqb '[.event, .outcome, .results.customers.accepted, .results.customers.created]')" '["evt_nst_cus_created","applied",1,1]'
check_eq "the customer has Stripe's name, e-mail, upper-case country, metadata segment and created instant" \
  "$(sql "SELECT concat_ws('|', name, email, country, segment, to_char(signup_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'))
          FROM customers WHERE external_id = 'cus_nst_1'")" \
  "Acme Robotics|billing@acme.example|DE|mid_market|2026-09-01 10:00"

# ---- replay: the same event id again changes nothing
before=$(sql "SELECT count(*) || '/' || (SELECT count(*) FROM stripe_events) FROM customers")
hook "$F"
check_status "the same event again (a Stripe retry) is 200" 200
check_eq "… answered as a duplicate" "$(jqb '[.event, .outcome]')" '["evt_nst_cus_created","duplicate"]'
check_eq "… and changes nothing" "$(sql "SELECT count(*) || '/' || (SELECT count(*) FROM stripe_events) FROM customers")" "$before"

# A signed body that is not an event: 400, nothing stored.
printf '{"object":"list","data":[]}' >"$T_TMP/stripe-notevent.json"
hook "$T_TMP/stripe-notevent.json"
check_error "a validly signed body that is not an event is 400" 400 bad_request
hook "$S_DATA/payout.paid.json"
check_eq "an event type that maps onto nothing is 200, recorded as ignored" \
  "$(jqb '[.outcome]')|$STATUS|$(sql "SELECT outcome FROM stripe_events WHERE id = 'evt_nst_payout'")" '["ignored"]|200|ignored'

# ---- the mapping.  MRR movements before and after (the demo company moves too: only the
# difference is this file's).  Hand-worked, in cents (docs/metrics.md: MRR = monthly amount after
# discounts; a yearly price counts 1/12 a month):
#   sub_nst_1 (cus_nst_1): Pro 4900 × 2 seats = 9800, coupon NSTEST10 10 % off: 9800 − 980 = 8820
#     from 2026-09-10; upgraded to Business 9900 × 2 = 19800 − 1980 = 17820 on 2026-10-15;
#     canceled 2026-11-20.
#   sub_nst_2 (cus_nst_2, not known before its subscription): Pro yearly 48000 / 12 = 4000 from
#     2026-09-05, still running.
#   September: new 8820 + 4000 = 12820 (2 new customers); ending MRR +12820
#   October:   expansion 17820 − 8820 = 9000;                ending MRR +12820 + 9000 = +21820
#   November:  churn −17820;                                 ending MRR +21820 − 17820 = +4000
MRR_Q='/api/revenue/mrr?months=3&as_of=2026-11-30'
CEO=$(login ceo@northstar.example)
api GET "$MRR_Q" "$CEO"; mrr0=$BODY
check_status "MRR movements before: 200" 200

# The discount arrives after the subscription that names it (Stripe does not order its
# deliveries): the subscription counts it from its start all the same.
hook "$S_DATA/coupon.created.json"
hook "$S_DATA/subscription.created.json"
check_eq "subscription.created naming a discount not seen yet: 4900 × 2 = 9800 for now" \
  "$(sql "SELECT string_agg(mrr_cents::text, ' ') FROM subscriptions WHERE external_id = 'sub_nst_1'")" 9800
hook "$S_DATA/customer.discount.created.json"
check_eq "customer.discount.created, later, maps the subscription again: one period of 9800 − 980 = 8820" \
  "$(jqb '.results.subscriptions.updated')|$(sql "SELECT string_agg(valid_from || ':' || mrr_cents, ' ') FROM subscriptions WHERE external_id = 'sub_nst_1'")" \
  "1|2026-09-10:8820"
for f in subscription.updated subscription.updated-older subscription.created-unknown-customer customer.created-late; do
  hook "$S_DATA/$f.json"
  check_status "$f is 200" 200
  case $f in
    subscription.updated-older) older=$BODY ;;
    subscription.created-unknown-customer) unknown=$BODY ;;
  esac
done
check_eq "an older subscription.updated arriving after a newer one is stale: nothing changes" \
  "$(jq -c '[.outcome, .results.subscriptions.stale, .results.subscriptions.updated]' <<<"$older")" '["applied",1,0]'
check_eq "a subscription of a customer not seen yet creates the customer first" \
  "$(jq -c '[.results.customer_created.created, .results.subscriptions.accepted]' <<<"$unknown")" '[1,1]'
check_eq "… and customer.created, arriving later, fills it in" \
  "$(sql "SELECT concat_ws('|', name, email, country) FROM customers WHERE external_id = 'cus_nst_2'")" \
  "Globex Ltd|finance@globex.example|GB"
check_eq "sub_nst_1 has two periods: Pro with the discount, then Business" \
  "$(sql "SELECT string_agg(concat_ws(',', valid_from, coalesce(valid_to::text, 'open'), mrr_cents, quantity), ' ' ORDER BY valid_from)
          FROM subscriptions WHERE external_id = 'sub_nst_1'")" \
  "2026-09-10,2026-10-15,8820,2 2026-10-15,open,17820,2"
hook "$S_DATA/subscription.deleted.json"
check_status "customer.subscription.deleted is 200" 200
check_eq "the deletion closes the last period on 2026-11-20" \
  "$(sql "SELECT string_agg(concat_ws(',', valid_from, coalesce(valid_to::text, 'open'), mrr_cents), ' ' ORDER BY valid_from)
          FROM subscriptions WHERE external_id = 'sub_nst_1'")" \
  "2026-09-10,2026-10-15,8820 2026-10-15,2026-11-20,17820"
check_eq "sub_nst_2 is one open period of 4000 a month" \
  "$(sql "SELECT string_agg(concat_ws(',', valid_from, coalesce(valid_to::text, 'open'), mrr_cents), ' ') FROM subscriptions WHERE external_id = 'sub_nst_2'")" \
  "2026-09-05,open,4000"

# A trial (no MRR while trialing: sub_nst_3 changes no figure above) puts its days on the customer,
# and a customer.updated (a whole customer record) keeps them.
hook "$S_DATA/subscription.created-trial.json"
check_eq "a trialing subscription of a new customer: the customer, its trial days, the subscription" \
  "$(jqb '[.results.customer_created.created, .results.customer_trial.updated, .results.subscriptions.created]')" '[1,1,1]'
hook "$S_DATA/customer.updated-trial.json"
check_eq "customer.updated fills the customer in and keeps the trial days 2026-11-01 .. 2026-11-15" \
  "$(sql "SELECT concat_ws('|', name, country, trial_started_on, trial_ends_on) FROM customers WHERE external_id = 'cus_nst_3'")" \
  "Initech|US|2026-11-01|2026-11-15"
check_eq "the trialing period counts no MRR" \
  "$(sql "SELECT concat_ws(',', valid_from, coalesce(valid_to::text, 'open'), mrr_cents, status) FROM subscriptions WHERE external_id = 'sub_nst_3'")" \
  "2026-11-01,open,0,trialing"

api GET "$MRR_Q" "$CEO"; mrr1=$BODY
# delta KEY MONTH-INDEX [FACTOR] — after minus before (money × 100: in cents)
delta() { jq -n --argjson a "$mrr0" --argjson b "$mrr1" "(\$b.months[$2].$1 - \$a.months[$2].$1) * ${3:-100} | round"; }
check_eq "September: new MRR +12820 cents, 2 new customers, ending MRR +12820" \
  "$(delta new 0) $(delta new_customers 0 1) $(delta ending_mrr 0)" "12820 2 12820"
check_eq "October: expansion +9000, ending MRR +21820" "$(delta expansion 1) $(delta ending_mrr 1)" "9000 21820"
check_eq "November: churn −17820, ending MRR +4000" "$(delta churn 2) $(delta ending_mrr 2)" "-17820 4000"

# ---- billing events: payments, a failed payment, refunds (cumulative in Stripe), a dispute.
#   invoice.paid 8820 → payment_success 8820; invoice.payment_failed (amount_due 9000) → payment_failed 9000;
#   charge.refunded amount_refunded 1000 then 1500 → refunds of 1000 and 1500 − 1000 = 500;
#   the first refund delivered again under its own id is a duplicate (no third refund);
#   charge.dispute.created 7320 on ch_nst_1 (a charge of cus_nst_1, known from charge.succeeded) → chargeback 7320.
for f in invoice.paid invoice.payment_failed charge.succeeded charge.refunded-1 charge.refunded-2 charge.refunded-1 charge.dispute.created; do
  hook "$S_DATA/$f.json"
  check_status "$f is 200" 200
done
check_eq "cus_nst_1's billing events: payment 8820, failed 9000, refunds 1000 and 500, chargeback 7320" \
  "$(sql "SELECT string_agg(kind || ':' || amount_cents, ' ' ORDER BY occurred_at) FROM billing_events
          WHERE customer_id = (SELECT id FROM customers WHERE external_id = 'cus_nst_1')")" \
  "payment_success:8820 payment_failed:9000 refund:1000 refund:500 chargeback:7320"
check_eq "the payment is dated when the invoice was paid" \
  "$(sql "SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM billing_events WHERE external_id = 'evt_nst_inv_paid'")" \
  "2026-09-10 12:01:00"
check_eq "every event of this file is recorded once" \
  "$(sql "SELECT count(*) || '/' || count(DISTINCT id) FROM stripe_events WHERE id LIKE 'evt\_nst\_%'")" "18/18"

# A record the mapping rejects fails the whole event: 422, nothing stored, not even the event id, so
# that Stripe's retry delivers it again once the cause is fixed.  XTS (ISO 4217's code for testing)
# never has an exchange rate.
jq '.id = "evt_nst_sub4_xts" | .data.object.id = "sub_nst_4" | .data.object.currency = "xts"
    | .data.object.items.data[0].price.currency = "xts"' "$S_DATA/subscription.created.json" >"$T_TMP/stripe-xts.json"
hook "$T_TMP/stripe-xts.json"
check_error "a subscription in a currency without an exchange rate is 422" 422 unprocessable
check_error_names "… naming the field and saying Stripe will retry" "(currency: no exchange rate from XTS"
check_eq "… and nothing of it is stored, not even the event id" \
  "$(stored evt_nst_sub4_xts):$(sql "SELECT count(*) FROM subscriptions WHERE external_id = 'sub_nst_4'")" "0:0"

# ---- the write path: the webhook's tables are the ingest role's, never the app's
check_eq "northstar_app may not write stripe_events (only the SECURITY DEFINER function does)" \
  "$(sql "SELECT has_table_privilege('northstar_app', 'stripe_events', 'INSERT') OR has_table_privilege('northstar_app', 'stripe_events', 'UPDATE')")" f
check_eq "the webhook function runs as northstar_ingest and only northstar_app may call it" \
  "$(sql "SELECT pg_get_userbyid(proowner) || '|' || prosecdef || '|' || has_function_privilege('northstar_app', oid, 'EXECUTE') || '|' ||
                 has_function_privilege('public', oid, 'EXECUTE')
          FROM pg_proc WHERE oid = 'api.revenue_stripe_webhook'::regproc")" "northstar_ingest|true|true|false"

# ---- configuration: a file that holds no signing secret refuses the start, naming the variable;
# without the variable the route answers 503 and says what to set.
printf 'sk_test_this_is_an_api_key_not_a_secret\n' >"$T_TMP/stripe-bad.secret"
NS_STRIPE_WEBHOOK_SECRET_FILE=$T_TMP/stripe-bad.secret NS_SOCKET=$T_TMP/stripe-seam.sock NS_JOBS=0 NS_WORKERS=1 \
  NS_JWT_SECRET_FILE=$T_DIR/jwt.secret NS_DATABASE_URL="postgresql:///northstar?host=$T_RUN&port=$T_PGPORT&user=northstar_app" \
  timeout 20 "${NS_BUILD:-$ROOT/build}/revenue" >"$T_TMP/stripe-seam.log" 2>&1
rc=$?
check_eq "a secret file without whsec_… refuses the start (exit 1), naming the variable" \
  "$rc:$(grep -c 'NS_STRIPE_WEBHOOK_SECRET_FILE .* does not hold a Stripe signing secret' "$T_TMP/stripe-seam.log")" "1:1"

# the services as the stack started them (with the secret), also when this file stops early
S_UNCONFIGURED=0
defer '[ "$S_UNCONFIGURED" = 1 ] && "$ROOT/scripts/stack.sh" services-restart "$T_DIR"'
S_UNCONFIGURED=1
env -u NS_STRIPE_WEBHOOK_SECRET_FILE "$ROOT/scripts/stack.sh" services-restart "$T_DIR" >/dev/null 2>&1
hook "$S_DATA/payout.paid.json"
check_error "without NS_STRIPE_WEBHOOK_SECRET_FILE the webhook is 503" 503 not_configured
check_error_names "… saying what to set" "set NS_STRIPE_WEBHOOK_SECRET_FILE"
"$ROOT/scripts/stack.sh" services-restart "$T_DIR" >/dev/null 2>&1 && S_UNCONFIGURED=0
hook "$S_DATA/payout.paid.json"
check_eq "with the secret back, the webhook answers again (a replay here)" "$STATUS:$(jqb .outcome)" '200:"duplicate"'

done_testing
