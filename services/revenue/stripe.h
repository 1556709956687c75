/* stripe.h — the Stripe webhook handler of the revenue service (stripe.c). */
#ifndef NS_REVENUE_STRIPE_H
#define NS_REVENUE_STRIPE_H

#include "northstar.h"

/*
 * POST /api/revenue/stripe/webhook: verify the Stripe-Signature header
 * with the secret of NS_STRIPE_WEBHOOK_SECRET_FILE, then hand the event to
 * the route's function (api.revenue_stripe_webhook).  Answers every
 * request itself (statuses in stripe.c); returns 0.
 */
int	stripe_webhook(struct ns_req *);

#endif /* NS_REVENUE_STRIPE_H */
