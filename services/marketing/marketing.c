/*
 * marketing.c — the marketing service: where the money for growth goes
 * and what it brings back (ad spend, ROAS, CAC, campaigns, the shop
 * funnel, traffic sources and leads).  Every figure is computed by the SQL
 * functions in marketing.sql; this file declares who may call what with
 * which parameters.  Only the CEO sees spend; sales also sees leads.  An
 * API key with ingest:marketing sends campaigns, spend and leads (POST).
 */
#include "northstar.h"

#define CEO_SALES	(NS_ROLE_CEO | NS_ROLE_SALES)

static const char *const spend_gran_words[] = { "day", "week", "month", NULL };
static const char *const cac_gran_words[] = { "week", "month", NULL };
static const char *const platform_words[] = { "meta", "tiktok", "google", "linkedin", NULL };
static const char *const campaign_sort_words[] = { "spend", "roas", "roi", NULL };

static const struct ns_param spend_params[] = {
	{ "granularity", NS_P_ENUM, 0, 0, spend_gran_words, "day" },
	NS_PARAM_END
};

static const struct ns_param campaign_params[] = {
	{ "platform", NS_P_ENUM, 0, 0, platform_words, NULL },
	{ "tag", NS_P_WORD, 0, 64, NULL, NULL },
	{ "sort", NS_P_ENUM, 0, 0, campaign_sort_words, "spend" },
	NS_PARAMS_PAGE,
	NS_PARAM_END
};

static const struct ns_param cac_params[] = {
	{ "granularity", NS_P_ENUM, 0, 0, cac_gran_words, "week" },
	NS_PARAM_END
};

static const struct ns_route marketing_routes[] = {
	{ "GET", "/api/marketing/health", NS_PUBLIC, NULL, 0, 0, NULL, NULL, db_health },
	/* Spend, ROAS, CAC, CPC, CPA, CTR, cost per MQL, LTV:CAC, payback; with the previous period. */
	{ "GET", "/api/marketing/summary", NS_ROLE_CEO, NULL, NS_F_RANGE, 60,
	    "api.marketing_summary", NULL, NULL },
	/* Spend, impressions, clicks, conversions per platform and day/week/month. */
	{ "GET", "/api/marketing/spend", NS_ROLE_CEO, spend_params, NS_F_RANGE | NS_F_CSV, 60,
	    "api.marketing_spend", "rows", NULL },
	/* Per campaign: spend, attributed revenue, ROAS, ROI, CTR, CPC, CPA, budget used. */
	{ "GET", "/api/marketing/campaigns", NS_ROLE_CEO, campaign_params, NS_F_RANGE | NS_F_CSV, 60,
	    "api.marketing_campaigns", "campaigns", NULL },
	/* CAC per week/month with the change against the bucket before (the CAC spike alert). */
	{ "GET", "/api/marketing/cac", NS_ROLE_CEO, cac_params, NS_F_RANGE | NS_F_CSV, 60,
	    "api.marketing_cac", "buckets", NULL },
	/* Sessions → add to cart → checkout → order. */
	{ "GET", "/api/marketing/funnel", NS_ROLE_CEO, NULL, NS_F_RANGE | NS_F_CSV, 60,
	    "api.marketing_funnel", "steps", NULL },
	/* Sessions by traffic source, bounce rate, website conversion rate. */
	{ "GET", "/api/marketing/traffic", NS_ROLE_CEO, NULL, NS_F_RANGE | NS_F_CSV, 60,
	    "api.marketing_traffic", "sources", NULL },
	/* Leads, MQLs, SQLs and lead-to-customer conversion by channel and campaign. */
	{ "GET", "/api/marketing/leads", CEO_SALES, NULL, NS_F_RANGE | NS_F_CSV, 60,
	    "api.marketing_leads", "rows", NULL },
	/* Ingestion (docs/ingest.md): campaigns, daily spend per campaign, leads; API keys only. */
	{ "POST", "/api/marketing/campaigns", NS_SCOPE_MARKETING, NULL, NS_F_BODY, 0,
	    "api.marketing_campaigns_ingest", NULL, ingest_post },
	{ "POST", "/api/marketing/spend", NS_SCOPE_MARKETING, NULL, NS_F_BODY, 0,
	    "api.marketing_spend_ingest", NULL, ingest_post },
	{ "POST", "/api/marketing/leads", NS_SCOPE_MARKETING, NULL, NS_F_BODY, 0,
	    "api.marketing_leads_ingest", NULL, ingest_post },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

/*
 * Keep the marketing pre-aggregates (traffic by source, revenue by
 * campaign) in step with metrics_daily: marketing_refresh() recomputes the
 * days rollup_refresh() recomputed since the last run, under an advisory
 * lock, so several instances are harmless.
 */
static int
marketing_job(PGconn *conn)
{
	PGresult	*res = PQexec(conn, "SELECT marketing_refresh()");
	int		 ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	PQclear(res);
	return ok ? 0 : -1;
}

static const struct ns_service marketing_service = {
	.name = "marketing", .routes = marketing_routes, .job = marketing_job, .job_seconds = 30,
	.job_listen = NS_CHANNEL_ROLLUPS,
};

int
main(int argc, char *argv[])
{
	return app_main(&marketing_service, argc, argv);
}
