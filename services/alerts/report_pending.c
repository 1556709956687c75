/*
 * report_pending.c — a stand-in for the report document's builder
 * (report.h) while it lands (issue 22): a weak definition, so that the
 * real one (report.c: strong) replaces it at link time without a
 * conflict.  It makes the older document of alert_report_data().
 * XXX: delete this file once report.c is in the tree.
 */
#include <stdio.h>
#include <string.h>

#include "alerts.h"
#include "report.h"

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
