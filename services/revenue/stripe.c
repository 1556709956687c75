/*
 * stripe.c — POST /api/revenue/stripe/webhook: Stripe's events, signed
 * with the endpoint's secret (docs/ingest.md, "Stripe").  The route needs
 * no session or key: the Stripe-Signature header is its authentication,
 * checked here (common/webhook.c) before the body goes anywhere; the
 * mapping onto customers, subscriptions and billing events is
 * api.revenue_stripe_webhook (stripe.sql), one transaction per event.
 */
#include <stdlib.h>
#include <time.h>

#include "northstar.h"
#include "stripe.h"

/*
 * Statuses: 200 (applied, ignored or a replay: the SQL's answer), 400 (a
 * bad, missing or stale signature, or a body that is not an event: nothing
 * stored), 413, 415, 422 (a record the mapping rejects: nothing stored, so
 * Stripe's retry delivers it again), 503 (not configured, or the database
 * is unavailable).
 */
int
stripe_webhook(struct ns_req *req)
{
	static const char *const types[] = { "application/json", NULL };
	const unsigned char	*secret;
	size_t			 slen, len = 0;
	char			*body;
	enum ns_webhook_err	 e;
	PGresult		*res;

	if ((secret = config_stripe_secret(&slen)) == NULL)
		return http_error(req, 503, "not_configured",
		    "Stripe webhooks are not configured: set NS_STRIPE_WEBHOOK_SECRET_FILE");
	if ((body = http_body_new_max(req, NS_INGEST_MAX_BODY, types, &len)) == NULL)
		return 0;
	e = webhook_stripe_verify(http_header(req, "HTTP_STRIPE_SIGNATURE"),
	    (const unsigned char *)body, len, secret, slen, time(NULL), NS_WEBHOOK_TOLERANCE);
	if (e != NS_WEBHOOK_OK) {
		free(body);
		return http_error(req, 400, "bad_signature", "%s; nothing was stored",
		    webhook_strerror(e));
	}
	{
		const struct ns_arg args[] = {
			{ "p_user", "0" }, { "p_role", NULL }, { "p_body", body },
			{ "p_key", "stripe" },
		};

		res = db_call(req->db, NS_DB_WRITE, NULL, req->route->fn, args,
		    sizeof(args) / sizeof(args[0]));
	}
	free(body);
	return reply_result(req, res);
}
