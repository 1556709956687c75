/*
 * revenue.c — the revenue service: MRR and its movements, revenue,
 * financial health and the sales pipeline.  Every figure is computed by
 * the SQL functions in revenue.sql; this file declares who may call what
 * with which parameters.
 */
#include "northstar.h"

static const struct ns_route revenue_routes[] = {
	{ "GET", "/api/revenue/health", NS_PUBLIC, NULL, 0, 0, NULL, NULL, db_health },
	/* MRR, ARR and month-over-month growth, as of a day (default today). */
	{ "GET", "/api/revenue/summary", NS_ROLES_ALL, NULL, NS_F_ASOF, 30,
	    "SELECT api.revenue_summary($1::int, $2::text, $3::date)", NULL, NULL },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static const struct ns_service revenue_service = { "revenue", revenue_routes, NULL, 0 };

int
main(int argc, char *argv[])
{
	return app_main(&revenue_service, argc, argv);
}
