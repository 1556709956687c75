/*
 * alerts.c — the alerts service: the alert list, acknowledge/resolve,
 * the summary for the executive header, the rules (CEO edits them),
 * the audit log (CEO reads it) and report previews (the live feed is GET /api/live, docs/live.md).  The SQL is in alerts.sql and
 * sql/schema/550_alerts.sql.  It also runs the periodic job: every 30 s
 * rollup_refresh() (only the days touched since the last run, guarded by
 * an advisory lock, so several instances are harmless), then
 * alert_evaluate(), the report schedule (alert_schedule_reports queues
 * the due runs) and the preparation of queued runs (alerts_report_prepare:
 * the document, its charts and PDF, frozen with the run's deliveries);
 * notify.c delivers, and common/live.c publishes the live stream
 * (docs/live.md).  docs/operations.md "Reports".
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

/* GET /api/alerts/deliveries: the delivery log's filters. */
static const char *const alerts_delivery_kind_words[] =
    { "daily", "weekly", "monthly", "board", "alert", NULL };
static const char *const alerts_delivery_status_words[] = { "pending", "sent", "failed", NULL };

static const struct ns_param alerts_deliveries_params[] = {
	{ "kind", NS_P_ENUM, 0, 0, alerts_delivery_kind_words, NULL },
	{ "status", NS_P_ENUM, 0, 0, alerts_delivery_status_words, NULL },
	NS_PARAM_LIMIT(500, "50"),
	NS_PARAM_END
};

/*
 * PUT /api/alerts/rules/{id} and PUT /api/alerts/schedules/{id}: the JSON
 * body goes to SQL as text, which parses and validates it (400 naming the
 * field; the audit row in the same transaction); a webhook_url is first
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
 * report_doc()'s (one read-only snapshot on the worker's connection);
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
	/* The worker's own connection: one more per request would be a login per report. */
	if ((conn = db_primary(req->db)) == NULL)
		return http_error(req, 503, "db_unavailable", "the database is unavailable; retry shortly");
	snprintf(uid, sizeof(uid), "%ld", req->user.id);
	doc = report_doc(conn, uid, role_name(req->user.role), kind,
	    month != NULL ? month : param_get(req, "date"), &status, err, sizeof(err));
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
	/* The delivery log: notifications and scheduled reports, newest first. */
	{ "GET", "/api/alerts/deliveries", NS_ROLE_CEO, alerts_deliveries_params, NS_F_CSV, 0,
	    "api.alerts_deliveries", "deliveries", NULL },
	/* The report schedules (docs/operations.md "Reports"). */
	{ "GET", "/api/alerts/schedules", NS_ROLE_CEO, NULL, 0, 0,
	    "api.alerts_schedules", NULL, NULL },
	{ "PUT", "/api/alerts/schedules/{id}", NS_ROLE_CEO, NULL, NS_F_BODY, 0,
	    "api.alerts_schedule_update", NULL, alerts_rule_put },
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

/* The scheduled reports' preparation (docs/operations.md "Reports"). */
#define ALERTS_PREP_LEASE_S	"300"	/* a run being prepared is not taken again before */
#define ALERTS_PREP_MAX		5	/* runs prepared per job period */
#define ALERTS_REPORT_TIMEOUT	"60s"	/* per statement of a document (a request's is 5 s) */
#define ALERTS_CHART_W		560	/* the e-mails' inline charts, in CSS pixels */
#define ALERTS_CHART_H		220
/* The reports' principal (docs/operations.md "Reports"): the CEO's view, as no user, in a
 * session of the read-only database role northstar_reports (sql/lockdown.sql). */
#define ALERTS_REPORTS_USER	"0"
#define ALERTS_REPORTS_ROLE	"ceo"
#define ALERTS_REPORTS_DBROLE	"northstar_reports"

/* Run sql on conn; 0 when it is PGRES_COMMAND_OK, else -1 with the reason in err. */
static int
alerts_exec(PGconn *conn, const char *sql, char *err, size_t errsz)
{
	PGresult	*res = PQexec(conn, sql);
	int		 ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		snprintf(err, errsz, "%s: %s", sql, db_error_message(conn, res));
	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * The document of report kind for period, as the reports' principal, in
 * zone tz: on a connection of its own (so nothing it leaves behind
 * reaches the job's session) whose session is the read-only role
 * northstar_reports, with a statement timeout of ALERTS_REPORT_TIMEOUT.  Returns the document (caller cJSON_Delete()s), or
 * NULL with the reason in err.
 */
static cJSON *
alerts_report_doc(const char *kind, const char *period, const char *tz, char *err, size_t errsz)
{
	PGconn		*conn = db_connect();
	struct ns_arg	 zone = { "p_tz", tz };
	PGresult	*res;
	cJSON		*doc = NULL;
	int		 status = 0;

	if (conn == NULL) {
		snprintf(err, errsz, "no database connection for the report");
		return NULL;
	}
	res = db_call_conn(conn, NULL, "alert_session_zone", &zone, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		snprintf(err, errsz, "the zone %s: %s", tz, db_error_message(conn, res));
	else if (alerts_exec(conn, "SET statement_timeout = '" ALERTS_REPORT_TIMEOUT "'", err, errsz) == 0 &&
	    alerts_exec(conn, "SET ROLE " ALERTS_REPORTS_DBROLE, err, errsz) == 0)
		doc = report_doc(conn, ALERTS_REPORTS_USER, ALERTS_REPORTS_ROLE, kind, period,
		    &status, err, errsz);
	PQclear(res);
	PQfinish(conn);
	return doc;
}

/*
 * Append to parts (a JSON array) one attachment: len bytes of data as
 * base64, its number n, type, file name and Content-ID (NULL: none).
 * 0, or -1 when out of memory.
 */
static int
alerts_part_add(cJSON *parts, int n, const char *ctype, const char *fname, const char *cid,
    const struct render_buf *b)
{
	cJSON	*o = cJSON_CreateObject();
	size_t	 sz = (b->len + 2) / 3 * 4 + 1;
	char	*data = malloc(sz);

	if (o == NULL || data == NULL || notify_base64(data, sz, b->data, b->len) != 0 ||
	    cJSON_AddNumberToObject(o, "n", n) == NULL ||
	    cJSON_AddStringToObject(o, "content_type", ctype) == NULL ||
	    cJSON_AddStringToObject(o, "filename", fname) == NULL ||
	    (cid != NULL ? cJSON_AddStringToObject(o, "content_id", cid) :
	    cJSON_AddNullToObject(o, "content_id")) == NULL ||
	    cJSON_AddStringToObject(o, "data", data) == NULL) {
		free(data);
		cJSON_Delete(o);
		return -1;
	}
	free(data);
	cJSON_AddItemToArray(parts, o);
	return 0;
}

/*
 * The rendered attachments of doc into parts: every chart as a PNG
 * (Content-ID chart-N@northstar, as the HTML refers to it) and, for the
 * weekly review and the board pack, the PDF northstar-<kind>-<label>.pdf.
 * 0, or -1 with the reason in err.
 */
static int
alerts_report_parts(const cJSON *doc, const char *kind, const char *label, cJSON *parts,
    char *err, size_t errsz)
{
	struct render_buf	 b = { NULL, 0, 0 };
	char			 fname[96], cid[64];
	int			 i, n = render_chart_count(doc), rc = 0;

	for (i = 1; i <= n && rc == 0; i++) {
		snprintf(fname, sizeof(fname), "chart-%d.png", i);
		snprintf(cid, sizeof(cid), "chart-%d@northstar", i);
		if (render_chart_png(doc, i, ALERTS_CHART_W, ALERTS_CHART_H, &b, err, errsz) != 0)
			rc = -1;
		else if (alerts_part_add(parts, i, "image/png", fname, cid, &b) != 0) {
			snprintf(err, errsz, "out of memory");
			rc = -1;
		}
		render_buf_free(&b);
	}
	if (rc == 0 && (strcmp(kind, "weekly") == 0 || strcmp(kind, "board") == 0)) {
		snprintf(fname, sizeof(fname), "northstar-%s-%s.pdf", kind, label);
		if (render_pdf(doc, &b, err, errsz) != 0)
			rc = -1;
		else if (b.len > 0 && alerts_part_add(parts, n + 1, "application/pdf", fname, NULL, &b) != 0) {
			snprintf(err, errsz, "out of memory");
			rc = -1;
		}
		render_buf_free(&b);
	}
	return rc;
}

/*
 * Prepare one queued run, if one is due: claim it (report_run_claim: a
 * lease, SKIP LOCKED), build its document (alerts_report_doc), render
 * its charts and PDF, and freeze all of it with its deliveries
 * (report_run_store, one transaction; nothing when another instance
 * prepared it meanwhile).  A failure is recorded (report_run_failed:
 * retried with back-off, failed and alerted after the maximum).  Returns
 * 1 when a run was claimed, 0 when none was due, -1 when the database
 * failed.
 */
static int
alerts_report_prepare(PGconn *conn)
{
	struct ns_arg	 lease = { "p_lease_s", ALERTS_PREP_LEASE_S }, args[5];
	PGresult	*res = db_call_conn(conn, "id, attempt, kind, period, period_label, tz",
	    "report_run_claim", &lease, 1), *st = NULL;
	const char	*id, *attempt, *kind, *label;
	cJSON		*doc = NULL, *parts = NULL;
	char		 err[512], *doctext = NULL, *partstext = NULL;
	int		 rc = 1;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg("warning", "report_run_claim failed: %s", db_error_message(conn, res));
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		return 0;
	}
	id = PQgetvalue(res, 0, PQfnumber(res, "id"));
	attempt = PQgetvalue(res, 0, PQfnumber(res, "attempt"));
	kind = PQgetvalue(res, 0, PQfnumber(res, "kind"));
	label = PQgetvalue(res, 0, PQfnumber(res, "period_label"));
	err[0] = '\0';
	doc = alerts_report_doc(kind, PQgetvalue(res, 0, PQfnumber(res, "period")),
	    PQgetvalue(res, 0, PQfnumber(res, "tz")), err, sizeof(err));
	if (doc == NULL)
		goto failed;
	if ((parts = cJSON_CreateArray()) == NULL ||
	    alerts_report_parts(doc, kind, label, parts, err, sizeof(err)) != 0)
		goto failed;
	if ((doctext = cJSON_PrintUnformatted(doc)) == NULL ||
	    (partstext = cJSON_PrintUnformatted(parts)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto failed;
	}
	args[0] = (struct ns_arg){ "p_run", id };
	args[1] = (struct ns_arg){ "p_attempt", attempt };
	args[2] = (struct ns_arg){ "p_doc", doctext };
	args[3] = (struct ns_arg){ "p_parts", partstext };
	args[4] = (struct ns_arg){ "p_app_url", config_str("NS_PUBLIC_ORIGIN", NULL) };
	st = db_call_conn(conn, NULL, "report_run_store", args, 5);
	if (PQresultStatus(st) != PGRES_TUPLES_OK || PQntuples(st) != 1) {
		snprintf(err, sizeof(err), "storing it failed: %s", db_error_message(conn, st));
		goto failed;
	}
	if (PQgetisnull(st, 0, 0))
		log_msg("info", "report run %s (%s %s): prepared by another instance meanwhile", id,
		    kind, label);
	else
		log_msg("info", "report run %s (%s %s) prepared: %s deliveries queued", id, kind, label,
		    PQgetvalue(st, 0, 0));
	goto out;
failed:
	PQclear(st);
	args[0] = (struct ns_arg){ "p_run", id };
	args[1] = (struct ns_arg){ "p_attempt", attempt };
	args[2] = (struct ns_arg){ "p_error", err };
	st = db_call_conn(conn, NULL, "report_run_failed", args, 3);
	if (PQresultStatus(st) != PGRES_TUPLES_OK || PQntuples(st) != 1)
		log_msg("warning", "report run %s: recording its failure failed: %s", id,
		    db_error_message(conn, st));
	else if (!PQgetisnull(st, 0, 0) && strcmp(PQgetvalue(st, 0, 0), "failed") == 0)
		log_msg("error", "report run %s (%s %s) could not be prepared after %s attempts: %s; "
		    "the report_delivery alert is open; fix the cause, then re-send with "
		    "SELECT report_delivery_resend(p_run => %s) (docs/operations.md \"Reports\")",
		    id, kind, label, attempt, err, id);
	else
		log_msg("warning", "report run %s (%s %s) attempt %s could not be prepared: %s; "
		    "will retry", id, kind, label, attempt, err);
out:
	PQclear(st);
	cJSON_free(doctext);
	cJSON_free(partstext);
	cJSON_Delete(parts);
	cJSON_Delete(doc);
	PQclear(res);
	return rc;
}

/*
 * The periodic job: refresh the rollups, then evaluate the alert rules
 * on the fresh figures, queue the scheduled reports and prepare the
 * queued ones (a few per period: each builds a document).  Each call
 * commits on its own, so a failing rule evaluation never holds back the
 * rollups; deliveries happen in notify.c's thread, so a slow receiver
 * never holds back evaluation.  The connection has had
 * notify_session_setup (job_setup, after every reconnect).
 */
static int
alerts_job(PGconn *conn)
{
	int	 rc = 0, i, n = 0;

	notify_start();
	live_start();
	if (alerts_job_call(conn, "rollup_refresh") != 0)
		rc = -1;
	if (alerts_job_call(conn, "alert_evaluate") != 0)
		rc = -1;
	if (alerts_job_call(conn, "alert_schedule_reports") != 0)
		rc = -1;
	for (i = 0; i < ALERTS_PREP_MAX && (n = alerts_report_prepare(conn)) == 1; i++)
		;
	if (n < 0)
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
	if (config_str("NS_ALERTS_REPORT_HOUR", NULL) != NULL)
		log_msg("warning", "NS_ALERTS_REPORT_HOUR is retired and ignored: each report schedule "
		    "has its own hour (PUT /api/alerts/schedules/{id}, docs/operations.md \"Reports\")");
	return app_main(&alerts_service, argc, argv);
}
