/*
 * users.c — the users service: customers and their behaviour (customer
 * success), and sign-in.  Every figure is computed by the SQL functions in
 * users.sql; this file declares who may call what with which parameters.
 * An API key with ingest:support sends tickets and NPS answers (POST).
 *
 * XXX: the customer health list lives at /api/users/health-scores because
 * /api/users/health is the service's public liveness check (nginx and
 * scripts/stack.sh probe it).
 */
#include "northstar.h"

#define CEO_CS		(NS_ROLE_CEO | NS_ROLE_CS)

static const char *const risk_words[] = { "high", "medium", "healthy", NULL };
static const char *const health_sort_words[] = { "mrr_at_risk", "score", "name", NULL };
static const char *const status_words[] = { "all", "paying", "trial", "churned", "inactive", NULL };
static const char *const period_words[] = { "month", "week", NULL };
static const char *const metric_words[] = { "logos", "revenue", NULL };

static const struct ns_param health_params[] = {
	{ "risk", NS_P_ENUM, 0, 0, risk_words, NULL },
	{ "sort", NS_P_ENUM, 0, 0, health_sort_words, "mrr_at_risk" },
	NS_PARAMS_PAGE,
	NS_PARAM_END
};

static const struct ns_param customers_params[] = {
	{ "status", NS_P_ENUM, 0, 0, status_words, "all" },
	NS_PARAMS_PAGE,
	NS_PARAM_END
};

static const struct ns_param cohort_params[] = {
	{ "period", NS_P_ENUM, 0, 0, period_words, "month" },
	{ "metric", NS_P_ENUM, 0, 0, metric_words, "logos" },
	{ "months", NS_P_INT, 1, 24, NULL, "12" },
	NS_PARAM_END
};

static const struct ns_param journey_params[] = {
	NS_PARAM_LIMIT(100, "20"),
	NS_PARAM_END
};

static const struct ns_route users_routes[] = {
	{ "GET", "/api/users/health", NS_PUBLIC, NULL, 0, 0, NULL, NULL, db_health },
	{ "POST", "/api/auth/login", NS_PUBLIC, NULL, NS_F_BODY, 0, NULL, NULL, auth_login },
	{ "POST", "/api/auth/logout", NS_ROLES_ALL, NULL, 0, 0, NULL, NULL, auth_logout },
	{ "GET", "/api/auth/me", NS_ROLES_ALL, NULL, 0, 0, NULL, NULL, auth_me },
	/* nginx's auth_request for GET /api/live (internal; docs/live.md). */
	{ "GET", "/api/auth/live", NS_ROLES_ALL, NULL, 0, 0, NULL, NULL, auth_live },
	/* Company-wide customer KPIs, each with the previous period's value. */
	{ "GET", "/api/users/summary", NS_ROLES_ALL, NULL, NS_F_ASOF, 30,
	    "api.users_summary", NULL, NULL },
	/* Health score per paying customer; cs sees its own customers. */
	{ "GET", "/api/users/health-scores", CEO_CS, health_params, NS_F_ASOF | NS_F_CSV, 30,
	    "api.users_health", "customers", NULL },
	/* Customer list; cs and sales see their own customers. */
	{ "GET", "/api/users/customers", NS_ROLES_ALL, customers_params, NS_F_ASOF | NS_F_CSV, 30,
	    "api.users_customers", "customers", NULL },
	/* One customer's drill-down: 403 for a cs user who does not own it. */
	{ "GET", "/api/users/customers/{id}", CEO_CS, NULL, NS_F_ASOF, 30,
	    "api.users_customer", NULL, NULL },
	/* Retention matrix by first-payment cohort. */
	{ "GET", "/api/users/cohorts", CEO_CS, cohort_params, NS_F_ASOF | NS_F_CSV, 60,
	    "api.users_cohorts", "cohorts", NULL },
	/* Lifecycle stages and RFM segments (company-wide counts and MRR). */
	{ "GET", "/api/users/segments", CEO_CS, NULL, NS_F_ASOF | NS_F_CSV, 60,
	    "api.users_segments", "lifecycle", NULL },
	/* Upsell opportunities; cs sees its own customers. */
	{ "GET", "/api/users/expansion", CEO_CS, NULL, NS_F_ASOF | NS_F_CSV, 60,
	    "api.users_expansion", "opportunities", NULL },
	/* Support per week, and the tickets of high-risk customers (own for cs). */
	{ "GET", "/api/users/support", CEO_CS, NULL, NS_F_RANGE | NS_F_CSV, 60,
	    "api.users_support", "weeks", NULL },
	/* Active users by country, and by device, browser and OS. */
	{ "GET", "/api/users/geo", CEO_CS, NULL, NS_F_RANGE | NS_F_CSV, 60,
	    "api.users_geo", "countries", NULL },
	{ "GET", "/api/users/devices", CEO_CS, NULL, NS_F_RANGE | NS_F_CSV, 60,
	    "api.users_devices", "breakdown", NULL },
	/* Invitations, acceptance and the viral coefficient per month. */
	{ "GET", "/api/users/viral", CEO_CS, NULL, NS_F_RANGE | NS_F_CSV, 60,
	    "api.users_viral", "months", NULL },
	/* Feature-to-feature transitions (Sankey) and the signup → key action → paid funnel. */
	{ "GET", "/api/users/journeys", CEO_CS, journey_params, NS_F_RANGE | NS_F_CSV, 60,
	    "api.users_journeys", "transitions", NULL },
	/* Ingestion (docs/ingest.md): support tickets and NPS answers; API keys only. */
	{ "POST", "/api/users/tickets", NS_SCOPE_SUPPORT, NULL, NS_F_BODY, 0,
	    "api.users_tickets_ingest", NULL, ingest_post },
	{ "POST", "/api/users/nps", NS_SCOPE_SUPPORT, NULL, NS_F_BODY, 0,
	    "api.users_nps_ingest", NULL, ingest_post },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

/*
 * Keep the health snapshots and feature transitions fresh (users_refresh()).
 * The first run builds the transitions of all history, which can outlast
 * the request statement timeout, so the job lifts it for its own session.
 */
static int
users_job(PGconn *conn)
{
	PGresult	*res = PQexec(conn, "SET statement_timeout = '10min'; SELECT users_refresh()");
	int		 ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	PQclear(res);
	return ok ? 0 : -1;
}

static const struct ns_service users_service = {
	.name = "users", .routes = users_routes, .job = users_job, .job_seconds = 60,
	.job_listen = NS_CHANNEL_ROLLUPS,
};

int
main(int argc, char *argv[])
{
	return app_main(&users_service, argc, argv);
}
