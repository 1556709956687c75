/*
 * revenue.c — the revenue service: MRR and its movements, revenue,
 * refunds, lifetime value, segments, financial health and the sales
 * pipeline.  Every figure is computed by the SQL functions in revenue.sql;
 * this file declares who may call what with which parameters.  Access
 * decisions per route are written down in docs/api/revenue.md.
 */
#include "northstar.h"

/* Company revenue totals and trends: the CEO and sales (not cs: company financials). */
#define REV_TOTALS	(NS_ROLE_CEO | NS_ROLE_SALES)

static const char *const granularity_words[] = { "day", "week", "month", NULL };
static const char *const ltv_by_words[] = { "plan", "segment", NULL };

static const struct ns_param mrr_params[] = {
	{ "months", NS_P_INT, 1, 36, NULL, "12" },
	{ NULL, 0, 0, 0, NULL, NULL }
};
static const struct ns_param trend_params[] = {
	{ "granularity", NS_P_ENUM, 0, 0, granularity_words, "day" },
	{ NULL, 0, 0, 0, NULL, NULL }
};
static const struct ns_param ltv_params[] = {
	{ "by", NS_P_ENUM, 0, 0, ltv_by_words, "plan" },
	{ NULL, 0, 0, 0, NULL, NULL }
};
static const struct ns_param financial_params[] = {
	{ "months", NS_P_INT, 1, 36, NULL, "12" },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct ns_route revenue_routes[] = {
	{ "GET", "/api/revenue/health", NS_PUBLIC, NULL, 0, 0, NULL, NULL, db_health },
	/* MRR, ARR, growth, ARPU, retention, quick ratio, target progress; and a month before. */
	{ "GET", "/api/revenue/summary", REV_TOTALS, NULL, NS_F_ASOF, 30,
	    "SELECT api.revenue_summary($1::int, $2::text, $3::date)", NULL, NULL },
	/* MRR movements per month; cs too (MRR movements are customer-level revenue). */
	{ "GET", "/api/revenue/mrr", NS_ROLES_ALL, mrr_params, NS_F_ASOF | NS_F_CSV, 60,
	    "SELECT api.revenue_mrr($1::int, $2::text, $3::int, $4::date)", "months", NULL },
	/* Order revenue, orders, AOV, refunds, chargebacks per bucket. */
	{ "GET", "/api/revenue/trend", REV_TOTALS, trend_params, NS_F_RANGE | NS_F_CSV, 60,
	    "SELECT api.revenue_trend($1::int, $2::text, $3::text, $4::date, $5::date, $6::int)",
	    "buckets", NULL },
	/* Revenue and orders per source with shares. */
	{ "GET", "/api/revenue/by-source", REV_TOTALS, NULL, NS_F_RANGE | NS_F_CSV, 60,
	    "SELECT api.revenue_by_source($1::int, $2::text, $3::date, $4::date, $5::int)",
	    "sources", NULL },
	/* Refund and chargeback counts, amounts and rates per bucket. */
	{ "GET", "/api/revenue/refunds", REV_TOTALS, trend_params, NS_F_RANGE | NS_F_CSV, 60,
	    "SELECT api.revenue_refunds($1::int, $2::text, $3::text, $4::date, $5::date, $6::int)",
	    "buckets", NULL },
	/* Realised and formula LTV per plan or segment; cs too (customer value, churn). */
	{ "GET", "/api/revenue/ltv", NS_ROLES_ALL, ltv_params, NS_F_ASOF | NS_F_CSV, 300,
	    "SELECT api.revenue_ltv($1::int, $2::text, $3::text, $4::date)", "groups", NULL },
	/* Segmentation grid with churn risk and actions; cs too (customers, health). */
	{ "GET", "/api/revenue/segments", NS_ROLES_ALL, NULL, NS_F_ASOF | NS_F_CSV, 300,
	    "SELECT api.revenue_segments($1::int, $2::text, $3::date)", "segments", NULL },
	/* Margin, opex, burn, cash, runway, break-even: company financials, CEO only. */
	{ "GET", "/api/revenue/financial", NS_ROLE_CEO, financial_params, NS_F_ASOF | NS_F_CSV, 300,
	    "SELECT api.revenue_financial($1::int, $2::text, $3::int, $4::date)", "months", NULL },
	/* Sales pipeline; the deal list is row-scoped to the rep for sales. */
	{ "GET", "/api/revenue/pipeline", NS_ROLE_CEO | NS_ROLE_SALES, NULL, NS_F_ASOF | NS_F_CSV, 60,
	    "SELECT api.revenue_pipeline($1::int, $2::text, $3::date)", "deals", NULL },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

/*
 * Keep revenue_source_daily in the service's reporting zone: a no-op
 * unless northstar.tz changed since it was built (then a full rebuild).
 */
static int
revenue_job(PGconn *conn)
{
	PGresult	*res = PQexec(conn, "SELECT revenue_rollup_check()");
	int		 ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	PQclear(res);
	return ok ? 0 : -1;
}

static const struct ns_service revenue_service = { "revenue", revenue_routes, revenue_job, 60 };

int
main(int argc, char *argv[])
{
	return app_main(&revenue_service, argc, argv);
}
