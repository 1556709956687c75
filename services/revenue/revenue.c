/*
 * revenue.c — the revenue service: MRR and its movements, revenue,
 * refunds, lifetime value, segments, financial health and the sales
 * pipeline.  Every figure is computed by the SQL functions in revenue.sql;
 * this file declares who may call what with which parameters.  Access
 * decisions per route are written down in docs/api/revenue.md.
 */
#include <stdlib.h>
#include <string.h>

#include "northstar.h"
#include "stripe.h"

/* Company revenue totals and trends: the CEO and sales (not cs: company financials). */
#define REV_TOTALS	(NS_ROLE_CEO | NS_ROLE_SALES)

static const char *const granularity_words[] = { "day", "week", "month", NULL };
static const char *const ltv_by_words[] = { "plan", "segment", NULL };

static const struct ns_param mrr_params[] = {
	{ "months", NS_P_INT, 1, 36, NULL, "12" },
	NS_PARAM_END
};
static const struct ns_param trend_params[] = {
	{ "granularity", NS_P_ENUM, 0, 0, granularity_words, "day" },
	NS_PARAM_END
};
static const struct ns_param ltv_params[] = {
	{ "by", NS_P_ENUM, 0, 0, ltv_by_words, "plan" },
	NS_PARAM_END
};
static const struct ns_param financial_params[] = {
	{ "months", NS_P_INT, 1, 36, NULL, "12" },
	NS_PARAM_END
};

static const char *const movement_kind_words[] =
    { "new", "expansion", "contraction", "churn", "reactivation", NULL };

static const struct ns_param annotations_params[] = {
	{ "months", NS_P_INT, 1, 36, NULL, "12" },
	NS_PARAM_END
};
static const struct ns_param movements_params[] = {
	/* YYYY-MM; the SQL checks the form and the range (400 naming month). */
	{ "month", NS_P_WORD, 0, 7, NULL, NULL },
	{ "kind", NS_P_ENUM, 0, 0, movement_kind_words, NULL },
	NS_PARAM_END
};

/*
 * The CEO's changes of annotations and targets (annotations.sql), done as
 * PUT /api/alerts/rules/{id} is: the JSON body goes to SQL as text, which
 * checks it (400 naming the field), and p_address lets the SQL write the
 * change's audit row in the same transaction.  DELETE has no body.
 */
static int
revenue_ceo_write(struct ns_req *req)
{
	size_t		 len = 0;
	char		*body = NULL;
	struct ns_arg	 args[2] = { { "p_address", req->client }, { "p_body", NULL } };
	size_t		 n = 1;

	if (strcmp(req->method, "DELETE") != 0) {
		if ((body = http_body_new(req, &len)) == NULL)
			return 0;
		args[1].text = body;
		n = 2;
	}
	reply_call(req, args, n);
	free(body);
	return 0;
}

static const struct ns_route revenue_routes[] = {
	{ "GET", "/api/revenue/health", NS_PUBLIC, NULL, 0, 0, NULL, NULL, db_health },
	/* MRR, ARR, growth, ARPU, retention, quick ratio, target progress; and a month before. */
	{ "GET", "/api/revenue/summary", REV_TOTALS, NULL, NS_F_ASOF, 30,
	    "api.revenue_summary", NULL, NULL },
	/* MRR movements per month; cs too (MRR movements are customer-level revenue). */
	{ "GET", "/api/revenue/mrr", NS_ROLES_ALL, mrr_params, NS_F_ASOF | NS_F_CSV, 60,
	    "api.revenue_mrr", "months", NULL },
	/* Order revenue, orders, AOV, refunds, chargebacks per bucket. */
	{ "GET", "/api/revenue/trend", REV_TOTALS, trend_params, NS_F_RANGE | NS_F_CSV, 60,
	    "api.revenue_trend",
	    "buckets", NULL },
	/* Revenue and orders per source with shares. */
	{ "GET", "/api/revenue/by-source", REV_TOTALS, NULL, NS_F_RANGE | NS_F_CSV, 60,
	    "api.revenue_by_source",
	    "sources", NULL },
	/* Refund and chargeback counts, amounts and rates per bucket. */
	{ "GET", "/api/revenue/refunds", REV_TOTALS, trend_params, NS_F_RANGE | NS_F_CSV, 60,
	    "api.revenue_refunds",
	    "buckets", NULL },
	/* Realised and formula LTV per plan or segment; cs too (customer value, churn). */
	{ "GET", "/api/revenue/ltv", NS_ROLES_ALL, ltv_params, NS_F_ASOF | NS_F_CSV, 300,
	    "api.revenue_ltv", "groups", NULL },
	/* Segmentation grid with churn risk and actions; cs too (customers, health). */
	{ "GET", "/api/revenue/segments", NS_ROLES_ALL, NULL, NS_F_ASOF | NS_F_CSV, 300,
	    "api.revenue_segments", "segments", NULL },
	/* Margin, opex, burn, cash, runway, break-even: company financials, CEO only. */
	{ "GET", "/api/revenue/financial", NS_ROLE_CEO, financial_params, NS_F_ASOF | NS_F_CSV, 300,
	    "api.revenue_financial", "months", NULL },
	/* Sales pipeline; the deal list is row-scoped to the rep for sales. */
	{ "GET", "/api/revenue/pipeline", NS_ROLE_CEO | NS_ROLE_SALES, NULL, NS_F_ASOF | NS_F_CSV, 60,
	    "api.revenue_pipeline", "deals", NULL },
	/* Notes on the MRR chart and campaign starts; every role sees them, only the CEO changes them. */
	{ "GET", "/api/revenue/annotations", NS_ROLES_ALL, annotations_params, NS_F_ASOF, 0,
	    "api.revenue_annotations", NULL, NULL },
	{ "POST", "/api/revenue/annotations", NS_ROLE_CEO, NULL, NS_F_BODY, 0,
	    "api.revenue_annotation_create", NULL, revenue_ceo_write },
	{ "PUT", "/api/revenue/annotations/{id}", NS_ROLE_CEO, NULL, NS_F_BODY, 0,
	    "api.revenue_annotation_update", NULL, revenue_ceo_write },
	{ "DELETE", "/api/revenue/annotations/{id}", NS_ROLE_CEO, NULL, 0, 0,
	    "api.revenue_annotation_delete", NULL, revenue_ceo_write },
	/* Targets (MRR, ARPU band, NPS, runway, margin) with progress: the CEO's (runway, margin: CEO only). */
	{ "GET", "/api/revenue/targets", NS_ROLE_CEO, NULL, NS_F_ASOF, 0,
	    "api.revenue_targets", NULL, NULL },
	{ "PUT", "/api/revenue/targets", NS_ROLE_CEO, NULL, NS_F_BODY, 0,
	    "api.revenue_target_update", NULL, revenue_ceo_write },
	/* One month's MRR movements per customer (the drill-down); rows scoped to the rep for sales. */
	{ "GET", "/api/revenue/movements", NS_ROLE_CEO | NS_ROLE_SALES, movements_params, NS_F_ASOF | NS_F_CSV, 60,
	    "api.revenue_movements", "customers", NULL },
	/* Record ingestion (docs/ingest.md, "Record endpoints"): API keys of the scope only. */
	{ "POST", "/api/revenue/customers", NS_SCOPE_BILLING, NULL, NS_F_BODY, 0,
	    "api.revenue_customers_ingest", NULL, ingest_post },
	{ "POST", "/api/revenue/subscriptions", NS_SCOPE_BILLING, NULL, NS_F_BODY, 0,
	    "api.revenue_subscriptions_ingest", NULL, ingest_post },
	{ "POST", "/api/revenue/orders", NS_SCOPE_BILLING, NULL, NS_F_BODY, 0,
	    "api.revenue_orders_ingest", NULL, ingest_post },
	{ "POST", "/api/revenue/billing-events", NS_SCOPE_BILLING, NULL, NS_F_BODY, 0,
	    "api.revenue_billing_events_ingest", NULL, ingest_post },
	{ "POST", "/api/revenue/opportunities", NS_SCOPE_SALES, NULL, NS_F_BODY, 0,
	    "api.revenue_opportunities_ingest", NULL, ingest_post },
	{ "POST", "/api/revenue/activities", NS_SCOPE_SALES, NULL, NS_F_BODY, 0,
	    "api.revenue_activities_ingest", NULL, ingest_post },
	/* Daily exchange rates per EUR (services/revenue/fx.sql, docs/ingest.md). */
	{ "POST", "/api/revenue/fx-rates", NS_SCOPE_BILLING, NULL, NS_F_BODY, 0,
	    "api.fx_rates_ingest", NULL, ingest_post },
	/* Stripe's events (docs/ingest.md): no session or key, the Stripe-Signature is the credential. */
	{ "POST", "/api/revenue/stripe/webhook", NS_PUBLIC, NULL, NS_F_BODY, 0,
	    "api.revenue_stripe_webhook", NULL, stripe_webhook },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

/*
 * Bring revenue's followers of metrics_daily (revenue_source_daily: trend,
 * by-source, refunds) up to date: only the days the rollups recomputed
 * since, a full rebuild after a zone change.  Every 15 s, so those answers
 * trail the rollups by at most that.
 */
static int
revenue_job(PGconn *conn)
{
	PGresult	*res = PQexec(conn, "SELECT revenue_rollup_check()");
	int		 ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	PQclear(res);
	return ok ? 0 : -1;
}

static const struct ns_service revenue_service = {
	.name = "revenue", .routes = revenue_routes, .job = revenue_job, .job_seconds = 15,
	.job_listen = NS_CHANNEL_ROLLUPS,
};

int
main(int argc, char *argv[])
{
	return app_main(&revenue_service, argc, argv);
}
