/*
 * product.c — the product service: how the product is used (active users,
 * sessions, features, plans, retention) and how well its API runs (usage,
 * latency percentiles, live monitor, system health, abuse), plus the
 * dashboard's own real-user monitoring (RUM).  Figures come from the SQL
 * functions in product.sql over the pre-aggregates of 540_product.sql,
 * which the periodic job below keeps current.
 *
 * Note: /api/product/health is the service's liveness probe (public, like
 * every service's); the composite system-health score of the executive
 * header is /api/product/system-health.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "northstar.h"

#define PRODUCT_RUM_MAX_BODY	4096	/* one beacon is a few hundred bytes */
#define PRODUCT_RUM_MAX_MS	600000	/* timings above 10 minutes are bogus */
#define PRODUCT_RUM_PER_MINUTE	60	/* beacons a user may send per minute */

static const char *const granularity_words[] = { "hour", "day", NULL };
static const char *const period_words[] = { "week", NULL };

static const struct ns_param api_usage_params[] = {
	{ "granularity", NS_P_ENUM, 0, 0, granularity_words, "day" },
	{ "endpoint", NS_P_WORD, 0, 64, NULL, NULL },
	NS_PARAM_END
};
static const struct ns_param retention_params[] = {
	{ "period", NS_P_ENUM, 0, 0, period_words, "week" },
	{ "weeks", NS_P_INT, 1, 52, NULL, "12" },
	NS_PARAM_END
};

static int	product_rum_post(struct ns_req *);

#define CEO_CS		(NS_ROLE_CEO | NS_ROLE_CS)

static const struct ns_route product_routes[] = {
	/* Liveness of this service (not the system-health score). */
	{ "GET", "/api/product/health", NS_PUBLIC, NULL, 0, 0, NULL, NULL, db_health },
	/* DAU/WAU/MAU, stickiness, API volume, errors, latency, sessions, power users, devices. */
	{ "GET", "/api/product/summary", NS_ROLES_ALL, NULL, NS_F_ASOF, 30,
	    "api.product_summary", NULL, NULL },
	/* Calls, errors and latency percentiles per hour or day and endpoint. */
	{ "GET", "/api/product/api-usage", CEO_CS, api_usage_params, NS_F_RANGE | NS_F_CSV, 30,
	    "api.product_api_usage",
	    "series", NULL },
	/* Adoption matrix feature × plan and adoption velocity. */
	{ "GET", "/api/product/features", NS_ROLES_ALL, NULL, NS_F_ASOF | NS_F_CSV, 60,
	    "api.product_features", "matrix", NULL },
	/* Per plan and day: active users, usage, usage per user. */
	{ "GET", "/api/product/usage-by-plan", CEO_CS, NULL, NS_F_RANGE | NS_F_CSV, 60,
	    "api.product_usage_by_plan", "rows", NULL },
	/* Weekly retention cohorts of active users. */
	{ "GET", "/api/product/retention", CEO_CS, retention_params, NS_F_ASOF | NS_F_CSV, 60,
	    "api.product_retention", "rows", NULL },
	/* Real-time operations monitor: raw events of the last hour. */
	{ "GET", "/api/product/live", CEO_CS, NULL, NS_F_CSV, 3,
	    "api.product_live", "latest", NULL },
	/* Composite system-health score, uptime and rate-limit hits per day, top limited customers. */
	{ "GET", "/api/product/system-health", CEO_CS, NULL, NS_F_RANGE | NS_F_CSV, 30,
	    "api.product_system_health", "days", NULL },
	/* Unusual activity against each customer's 28-day baseline. */
	{ "GET", "/api/product/abuse", CEO_CS, NULL, NS_F_ASOF | NS_F_CSV, 30,
	    "api.product_abuse", "findings", NULL },
	/* Page-load percentiles and client error rate of the dashboard itself (RUM). */
	{ "GET", "/api/product/frontend", CEO_CS, NULL, NS_F_RANGE | NS_F_CSV, 60,
	    "api.product_frontend", "views", NULL },
	/* The dashboard's own page-load timings (navigator.sendBeacon). */
	{ "POST", "/api/product/rum", NS_ROLES_ALL, NULL, NS_F_BODY, 0, NULL, NULL, product_rum_post },
	/* Segment-compatible event ingestion: API keys with scope ingest:events only (ingest.c). */
	{ "POST", "/api/product/events", NS_SCOPE_EVENTS, NULL, NS_F_BODY, 0,
	    "api.product_events", NULL, ingest_post },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

/*
 * A beacon member that must be an integer in [0, max] when present.
 * Returns 0 and the value as text in buf ("" when absent and optional),
 * or -1 after replying 400 naming the field.
 */
static int
product_rum_int(struct ns_req *req, const cJSON *root, const char *name, int required,
    long max, char *buf, size_t bufsz)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(root, name);
	double		 d;

	buf[0] = '\0';
	if (v == NULL || cJSON_IsNull(v)) {
		if (!required)
			return 0;
		http_error(req, 400, "bad_request", "field '%s' is required", name);
		return -1;
	}
	d = cJSON_IsNumber(v) ? v->valuedouble : -1;
	if (d < 0 || d > (double)max || d != (double)(long)d) {
		http_error(req, 400, "bad_request", "field '%s' must be an integer from 0 to %ld", name, max);
		return -1;
	}
	snprintf(buf, bufsz, "%ld", (long)d);
	return 0;
}

/* view: [a-z0-9_-]{1,40}, the dashboard's route name. */
static int
product_rum_view_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= 40 || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return i > 0;
}

/*
 * POST /api/product/rum — store one page load of the dashboard:
 *   {"view":"overview","load_ms":812,"ttfb_ms":90,"fcp_ms":300,"tti_ms":650,
 *    "errors":0,"error":"TypeError: …"}
 * Only view and load_ms are required; unknown members are refused.  At most
 * PRODUCT_RUM_PER_MINUTE beacons per user and minute (429 beyond).  Replies
 * 200 {"stored":true}.
 */
static int
product_rum_post(struct ns_req *req)
{
	static const char *const known[] = { "view", "load_ms", "ttfb_ms", "fcp_ms", "tti_ms",
	    "errors", "error", NULL };
	const char	*cl = http_header(req, "CONTENT_LENGTH");
	char		 uid[24], load[16], ttfb[16], fcp[16], tti[16], errs[16], limit[16];
	char		*body = NULL;
	size_t		 len = 0;
	long		 n;
	cJSON		*root = NULL;
	const cJSON	*it, *view, *msg;
	int		 i;

	/* Cap far below NS_MAX_BODY before reading anything. */
	if (cl != NULL && sscanf(cl, "%ld", &n) == 1 && n > PRODUCT_RUM_MAX_BODY) {
		http_error(req, 413, "payload_too_large", "a RUM beacon is at most %d bytes",
		    PRODUCT_RUM_MAX_BODY);
		return 0;
	}
	if ((body = http_body_new(req, &len)) == NULL)
		return 0;
	if (len > PRODUCT_RUM_MAX_BODY) {
		http_error(req, 413, "payload_too_large", "a RUM beacon is at most %d bytes",
		    PRODUCT_RUM_MAX_BODY);
		goto out;
	}
	if ((root = cJSON_ParseWithLength(body, len)) == NULL || !cJSON_IsObject(root)) {
		http_error(req, 400, "bad_request", "the body must be a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(it, root) {
		for (i = 0; known[i] != NULL; i++)
			if (it->string != NULL && strcmp(it->string, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			http_error(req, 400, "bad_request", "unknown field '%.40s'",
			    it->string != NULL ? it->string : "");
			goto out;
		}
	}
	view = cJSON_GetObjectItemCaseSensitive(root, "view");
	if (!cJSON_IsString(view) || !product_rum_view_ok(view->valuestring)) {
		http_error(req, 400, "bad_request",
		    "field 'view' must be 1 to 40 characters of a-z, 0-9, '_' or '-'");
		goto out;
	}
	if (product_rum_int(req, root, "load_ms", 1, PRODUCT_RUM_MAX_MS, load, sizeof(load)) != 0 ||
	    product_rum_int(req, root, "ttfb_ms", 0, PRODUCT_RUM_MAX_MS, ttfb, sizeof(ttfb)) != 0 ||
	    product_rum_int(req, root, "fcp_ms", 0, PRODUCT_RUM_MAX_MS, fcp, sizeof(fcp)) != 0 ||
	    product_rum_int(req, root, "tti_ms", 0, PRODUCT_RUM_MAX_MS, tti, sizeof(tti)) != 0 ||
	    product_rum_int(req, root, "errors", 0, 1000, errs, sizeof(errs)) != 0)
		goto out;
	msg = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (msg != NULL && !cJSON_IsNull(msg) &&
	    (!cJSON_IsString(msg) || strlen(msg->valuestring) > 300)) {
		http_error(req, 400, "bad_request", "field 'error' must be a string of at most 300 bytes");
		goto out;
	}
	snprintf(uid, sizeof(uid), "%ld", req->user.id);
	snprintf(limit, sizeof(limit), "%d", PRODUCT_RUM_PER_MINUTE);
	{
		const struct ns_arg args[] = {
			{ "p_user", uid }, { "p_view", view->valuestring }, { "p_load_ms", load },
			{ "p_ttfb_ms", ttfb[0] != '\0' ? ttfb : NULL },
			{ "p_fcp_ms", fcp[0] != '\0' ? fcp : NULL },
			{ "p_tti_ms", tti[0] != '\0' ? tti : NULL },
			{ "p_errors", errs[0] != '\0' ? errs : NULL },
			{ "p_error", cJSON_IsString(msg) ? msg->valuestring : NULL },
			{ "p_limit", limit },
		};

		reply_result(req, db_call(req->db, NS_DB_WRITE, NULL, "api.product_rum_store",
		    args, sizeof(args) / sizeof(args[0])));
	}
out:
	cJSON_Delete(root);
	free(body);
	return 0;
}

/* Keep the product pre-aggregates current (after the data layer's rollups). */
static int
product_job(PGconn *conn)
{
	PGresult	*res = PQexec(conn, "SELECT product_rollup_refresh(), product_ops_refresh()");
	int		 rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : -1;

	PQclear(res);
	return rc;
}

static const struct ns_service product_service = {
	.name = "product", .routes = product_routes, .job = product_job, .job_seconds = 15,
	.job_listen = NS_CHANNEL_ROLLUPS,
};

int
main(int argc, char *argv[])
{
	return app_main(&product_service, argc, argv);
}
