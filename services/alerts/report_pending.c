/*
 * report_pending.c — stand-ins for the report document's builder
 * (report.h) and renderer (render.h) while those land (issue 22): weak
 * definitions, so that the real ones (report.c, render.c: strong) replace
 * them at link time without a conflict.  The builder stand-in makes the
 * older document of alert_report_data(); the renderer's draws nothing
 * (no chart, an empty PDF that notify.c leaves out).
 * XXX: delete this file once report.c and render.c are in the tree.
 */
#include <stdio.h>
#include <string.h>

#include "alerts.h"
#include "render.h"
#include "report.h"

__attribute__((weak)) void
render_buf_free(struct render_buf *b)
{
	(void)b;
}

__attribute__((weak)) int
render_pdf(const cJSON *doc, struct render_buf *out, char *err, size_t errsz)
{
	(void)doc;
	(void)err;
	(void)errsz;
	out->len = 0;
	return 0;
}

__attribute__((weak)) int
render_chart_png(const cJSON *doc, int n, int w, int h, struct render_buf *out, char *err,
    size_t errsz)
{
	(void)doc;
	(void)w;
	(void)h;
	(void)out;
	snprintf(err, errsz, "no chart %d (no renderer)", n);
	return -1;
}

__attribute__((weak)) int
render_chart_count(const cJSON *doc)
{
	(void)doc;
	return 0;
}

__attribute__((weak)) cJSON *
report_doc(PGconn *conn, const char *user, const char *role, const char *kind,
    const char *period, int *status, char *err, size_t errsz)
{
	struct ns_arg	 args[2] = { { "p_kind", strcmp(kind, "board") == 0 ? "monthly" : kind },
	    { "p_period", period } };
	PGresult	*res = db_call_conn(conn, NULL, "alert_report_data", args, 2);
	cJSON		*doc = NULL;

	(void)user;
	(void)role;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		*status = 503;
		snprintf(err, errsz, "%s", db_error_message(conn, res));
	} else if ((doc = cJSON_Parse(PQgetvalue(res, 0, 0))) == NULL) {
		*status = 503;
		snprintf(err, errsz, "the report data is not JSON");
	}
	PQclear(res);
	return doc;
}
