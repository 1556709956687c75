/*
 * alerts.c — the alerts service: the alert list, acknowledge/resolve,
 * the summary for the executive header, the rules (CEO edits them),
 * the audit log (CEO reads it) and report previews (the live feed is GET /api/live, docs/live.md).  The SQL is in alerts.sql and
 * sql/schema/550_alerts.sql.  It also runs the periodic job: every 30 s
 * rollup_refresh() (only the days touched since the last run, guarded by
 * an advisory lock, so several instances are harmless), then
 * alert_evaluate() and the report schedule; notify.c delivers, and
 * common/live.c publishes the live stream (docs/live.md).
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "alerts.h"
#include "render.h"
#include "report.h"

static const char *const alerts_status_words[] =
    { "active", "open", "acknowledged", "resolved", "all", NULL };
static const char *const alerts_severity_words[] = { "critical", "warning", "info", NULL };
static const char *const alerts_kind_words[] = { "daily", "weekly", "monthly", "board", NULL };
static const char *const alerts_report_format_words[] = { "json", "pdf", NULL };

static const struct ns_param alerts_list_params[] = {
	{ "status", NS_P_ENUM, 0, 0, alerts_status_words, "active" },
	{ "severity", NS_P_ENUM, 0, 0, alerts_severity_words, NULL },
	{ "limit", NS_P_INT, 1, 500, NULL, "50" },
	{ "offset", NS_P_INT, 0, 1000000, NULL, "0" },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct ns_param alerts_report_params[] = {
	{ "kind", NS_P_ENUM, 0, 0, alerts_kind_words, "daily" },
	{ "date", NS_P_DATE, 0, 0, NULL, NULL },
	/* YYYY-MM (board, monthly); report_month() checks the form and the range (400 naming month). */
	{ "month", NS_P_WORD, 0, 7, NULL, NULL },
	{ "format", NS_P_ENUM, 0, 0, alerts_report_format_words, "json" },
	{ NULL, 0, 0, 0, NULL, NULL }
};

/*
 * The save-time target check of PUT /api/alerts/rules/{id}: every
 * "webhook_url" member of the body's object (each one: the SQL keeps the
 * last of repeated keys, cJSON finds the first) that is a string must go
 * to an allowed address (webhook_url_check).  Anything else about the
 * body is the SQL's to judge.  0, or -1 after answering 400 naming the
 * field.
 */
static int
alerts_rule_targets_ok(struct ns_req *req, const char *body, size_t len)
{
	cJSON		*o = cJSON_ParseWithLength(body, len), *m;
	char		 why[320];
	int		 rc = 0;

	for (m = cJSON_IsObject(o) ? o->child : NULL; m != NULL && rc == 0; m = m->next) {
		if (m->string == NULL || strcmp(m->string, "webhook_url") != 0 ||
		    !cJSON_IsString(m) || m->valuestring == NULL)
			continue;
		if (webhook_url_check(m->valuestring, config_webhook_allow(), why, sizeof(why)) != 0) {
			http_error(req, 400, "bad_request", "webhook_url %s", why);
			rc = -1;
		}
	}
	cJSON_Delete(o);
	return rc;
}

/*
 * PUT /api/alerts/rules/{id}: the JSON body goes to SQL as text, which
 * parses and validates it (400 naming the field); a webhook_url is first
 * checked here for where it goes (alerts_rule_targets_ok).
 */
static int
alerts_rule_put(struct ns_req *req)
{
	size_t		 len;
	char		*body = http_body_new(req, &len);
	/* p_address: the SQL writes the change's audit row in the same transaction. */
	struct ns_arg	 args[2] = { { "p_body", body }, { "p_address", req->client } };

	if (body == NULL)
		return 0;
	if (alerts_rule_targets_ok(req, body, len) != 0) {
		free(body);
		return 0;
	}
	reply_call(req, args, 2);
	free(body);
	return 0;
}

/* Answer report_doc()'s failure: its status, our message; a database failure is logged. */
static int
alerts_report_fail(struct ns_req *req, int status, const char *err)
{
	if (status == 400)
		return http_error(req, 400, "bad_request", "%s", err);
	if (status == 404)
		return http_error(req, 404, "not_found", "%s", err);
	log_msg("error", "report failed: %s", err);
	return http_error(req, 503, "db_unavailable", "the report could not be built; retry shortly");
}

/*
 * GET /api/alerts/report?kind=&date=&month=&format=: a report export,
 * audited (export.report) before it is made.  The document is
 * report_doc()'s (one read-only snapshot on a connection of its own);
 * format=json answers {subject, text, html, data} (api.alerts_report
 * with the document), format=pdf the document drawn by render_pdf() as
 * an attachment northstar-<kind>-<period>.pdf.  Statuses: 200, 400 (a
 * bad month or date; month with a kind other than board or monthly),
 * 404 (no data for the month), 500 (the PDF could not be drawn), 503
 * (the database).
 */
static int
alerts_report_get(struct ns_req *req)
{
	const char	*kind = param_get(req, "kind"), *month = param_get(req, "month");
	const char	*fmt = param_get(req, "format");
	struct render_buf pdf = { NULL, 0, 0 };
	char		 uid[24], err[512];
	PGconn		*conn;
	cJSON		*doc;
	int		 status;

	if (audit_export(req, "export.report", -1) != 0)
		return audit_refuse(req);
	if (month != NULL && strcmp(kind, "board") != 0 && strcmp(kind, "monthly") != 0)
		return http_error(req, 400, "bad_request", "parameter 'month' is for kind=board or "
		    "kind=monthly; kind=%s takes date=YYYY-MM-DD", kind);
	if ((conn = db_connect()) == NULL)
		return http_error(req, 503, "db_unavailable", "the database is unavailable; retry shortly");
	snprintf(uid, sizeof(uid), "%ld", req->user.id);
	doc = report_doc(conn, uid, role_name(req->user.role), kind,
	    month != NULL ? month : param_get(req, "date"), &status, err, sizeof(err));
	PQfinish(conn);
	if (doc == NULL)
		return alerts_report_fail(req, status, err);
	if (strcmp(fmt, "pdf") == 0) {
		const char *period = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "period"));
		int monthly = strcmp(kind, "board") == 0 || strcmp(kind, "monthly") == 0;
		char name[64];

		snprintf(name, sizeof(name), "northstar-%s-%.*s.pdf", kind, monthly ? 7 : 10,
		    period != NULL ? period : "report");
		if (render_pdf(doc, &pdf, err, sizeof(err)) != 0) {
			log_msg("error", "report PDF failed: %s", err);
			http_error(req, 500, "internal", "the PDF could not be drawn; it has been logged");
		} else
			http_bytes(req, 200, "application/pdf", pdf.data, pdf.len, name);
		render_buf_free(&pdf);
	} else {
		char *text = cJSON_PrintUnformatted(doc);

		if (text == NULL)
			http_error(req, 500, "internal", "out of memory");
		else {
			struct ns_arg extra[2] = { { "p_doc", text },
			    { "p_app_url", config_str("NS_PUBLIC_ORIGIN", NULL) } };

			reply_call(req, extra, 2);
		}
		cJSON_free(text);
	}
	cJSON_Delete(doc);
	return 0;
}

static const struct ns_route alerts_routes[] = {
	{ "GET", "/api/alerts/health", NS_PUBLIC, NULL, 0, 0, NULL, NULL, db_health },
	/* The alerts the caller may see, newest first. */
	{ "GET", "/api/alerts", NS_ROLES_ALL, alerts_list_params, NS_F_CSV, 0,
	    "api.alerts_list",
	    "alerts", NULL },
	/* Active alerts by severity, for the executive header. */
	{ "GET", "/api/alerts/summary", NS_ROLES_ALL, NULL, 0, 0,
	    "api.alerts_summary", NULL, NULL },
	{ "GET", "/api/alerts/rules", NS_ROLES_ALL, NULL, NS_F_CSV, 0,
	    "api.alerts_rules", "rules", NULL },
	{ "PUT", "/api/alerts/rules/{id}", NS_ROLE_CEO, NULL, NS_F_BODY, 0,
	    "api.alerts_rule_update", NULL, alerts_rule_put },
	/* A report: its document and e-mail parts (JSON), or its PDF; never cached (0). */
	{ "GET", "/api/alerts/report", NS_ROLE_CEO, alerts_report_params, 0, 0,
	    "api.alerts_report", NULL, alerts_report_get },
	/* The audit log (common/audit.c, audit_params), newest first. */
	{ "GET", "/api/alerts/audit", NS_ROLE_CEO, audit_params, NS_F_CSV, 0,
	    "api.alerts_audit", "entries", NULL },
	{ "GET", "/api/alerts/{id}", NS_ROLES_ALL, NULL, 0, 0,
	    "api.alerts_get", NULL, NULL },
	{ "POST", "/api/alerts/{id}/ack", NS_ROLES_ALL, NULL, 0, 0,
	    "api.alerts_ack", NULL, NULL },
	{ "POST", "/api/alerts/{id}/resolve", NS_ROLES_ALL, NULL, 0, 0,
	    "api.alerts_resolve", NULL, NULL },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

/* Call one function of the job (no arguments); 0 when it succeeded. */
static int
alerts_job_call(PGconn *conn, const char *fn)
{
	PGresult	*res = db_call_conn(conn, NULL, fn, NULL, 0);
	int		 ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		log_msg("warning", "%s failed: %s", fn, db_error_message(conn, res));
	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * The periodic job: refresh the rollups, then evaluate the alert rules
 * on the fresh figures and queue the scheduled reports.  Each call
 * commits on its own, so a failing rule evaluation never holds back the
 * rollups; deliveries happen in notify.c's thread, so a slow receiver
 * never holds back evaluation.  The connection has had
 * notify_session_setup (job_setup, after every reconnect).
 */
static int
alerts_job(PGconn *conn)
{
	int	 rc = 0;

	notify_start();
	live_start();
	if (alerts_job_call(conn, "rollup_refresh") != 0)
		rc = -1;
	if (alerts_job_call(conn, "alert_evaluate") != 0)
		rc = -1;
	if (alerts_job_call(conn, "alert_schedule_reports") != 0)
		rc = -1;
	return rc;
}

static struct ns_service alerts_service = {
	.name = "alerts", .routes = alerts_routes, .job = alerts_job, .job_seconds = 30,
	.job_setup = notify_session_setup,
	.job_listen = NS_CHANNEL_DIRTY,
};

int
main(int argc, char *argv[])
{
	/* NS_ALERTS_JOB_SECONDS: how often the job runs (tests shorten it). */
	if ((alerts_service.job_seconds = config_int("NS_ALERTS_JOB_SECONDS", 30, 1, 3600)) < 0)
		return 1;
	return app_main(&alerts_service, argc, argv);
}
