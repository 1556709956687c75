/*
 * report.c — the reports' documents (report.h): the period resolved by
 * report_period(), then for the board pack the MRR forecast fitted with
 * the forecast service's own code (series.c, as GET /api/forecast/mrr
 * answers it) and report_board() (report.sql); for the daily, weekly and
 * monthly reports alert_report_data() (sql/schema/550_alerts.sql).  All
 * of it in one read-only REPEATABLE READ transaction: one snapshot, so
 * the figures of one document agree with each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "northstar.h"
#include "report.h"
#include "series.h"

/*
 * Set *status and err from a failed result: class 22 → 400, NS4xx → that
 * status (the project's own messages pass through), anything else → 503
 * with the database's message (said to the operator, not to a client:
 * the route logs it and answers a sentence of its own).
 */
static void
report_fail(PGconn *conn, const PGresult *res, int *status, char *err, size_t errsz)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	*status = 503;
	if (state != NULL && strncmp(state, "22", 2) == 0)
		*status = 400;
	else if (state != NULL && strncmp(state, "NS4", 3) == 0 && strlen(state) == 5)
		*status = atoi(state + 2);
	snprintf(err, errsz, "%s", db_error_message(conn, res));
}

/* Run a command without a result (BEGIN, SAVEPOINT...); 0, or -1 with *status and err set. */
static int
report_cmd(PGconn *conn, const char *sql, int *status, char *err, size_t errsz)
{
	PGresult	*res = PQexec(conn, sql);
	int		 rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		report_fail(conn, res, status, err, errsz);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/*
 * The board pack's forecast: GET /api/forecast/mrr?months=6&as_of=as_of
 * as the forecast service answers it (api.forecast_mrr, then
 * series_answer_fill).  Returns the answer as text (caller frees with
 * cJSON_free), or, when there is no forecast for the month (too little
 * history, no snapshot: the route's 422), {"error": reason}; NULL with
 * *status and err set when the database failed otherwise.  Runs inside
 * a savepoint, so a refused forecast leaves the transaction usable.
 */
static char *
report_forecast(PGconn *conn, const char *user, const char *role, const char *as_of,
    int *status, char *err, size_t errsz)
{
	const struct ns_arg	 args[] = { { "p_user", user }, { "p_role", role },
	    { "p_months", "6" }, { "p_as_of", as_of } };
	struct series_in	 in;
	PGresult		*res;
	cJSON			*o = NULL;
	char			*text = NULL, why[300];
	int			 fit;

	if (report_cmd(conn, "SAVEPOINT report_forecast", status, err, errsz) != 0)
		return NULL;
	res = db_call_conn(conn, NULL, "api.forecast_mrr", args, sizeof(args) / sizeof(args[0]));
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (state == NULL || strcmp(state, "NS422") != 0) {
			report_fail(conn, res, status, err, errsz);
			PQclear(res);
			return NULL;
		}
		snprintf(why, sizeof(why), "%s", db_error_message(conn, res));
		PQclear(res);
		if (report_cmd(conn, "ROLLBACK TO SAVEPOINT report_forecast", status, err, errsz) != 0)
			return NULL;
		goto refused;
	}
	if (series_in_load(&in, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0)) != 0) {
		PQclear(res);
		*status = 503;
		snprintf(err, errsz, "bad series answer from the database");
		return NULL;
	}
	PQclear(res);
	if ((fit = series_answer_fill(&in)) != ETS_OK) {
		if (fit == ETS_ESHORT)
			snprintf(why, sizeof(why), "too little history to forecast mrr: %zu months with data, "
			    "at least %d needed", in.n, SERIES_MIN_N);
		else
			snprintf(why, sizeof(why), "cannot forecast mrr: %s", ets_strerror(fit));
		series_in_free(&in);
		goto refused;
	}
	text = cJSON_PrintUnformatted(in.answer);
	series_in_free(&in);
	if (text == NULL) {
		*status = 503;
		snprintf(err, errsz, "out of memory");
	}
	return text;
refused:
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", why);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text == NULL) {
		*status = 503;
		snprintf(err, errsz, "out of memory");
	}
	return text;
}

/* The single json value of a successful one-row result, parsed; NULL (with *status, err) otherwise. */
static cJSON *
report_parse(PGconn *conn, PGresult *res, int *status, char *err, size_t errsz)
{
	cJSON *doc = NULL;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		report_fail(conn, res, status, err, errsz);
	else if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		*status = 404;
		snprintf(err, errsz, "no report for this period");
	} else if ((doc = cJSON_ParseWithLength(PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0))) == NULL) {
		*status = 503;
		snprintf(err, errsz, "bad report document from the database");
	}
	PQclear(res);
	return doc;
}

cJSON *
report_doc(PGconn *conn, const char *user, const char *role, const char *kind,
    const char *period, int *status, char *err, size_t errsz)
{
	const struct ns_arg	 pargs[] = { { "p_kind", kind }, { "p_period", period } };
	const char		*app_url = config_str("NS_PUBLIC_ORIGIN", NULL);
	PGresult		*res;
	cJSON			*doc = NULL;
	char			 from[16], as_of[16], *fc = NULL;

	*status = 0;
	err[0] = '\0';
	if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
		/* Its COMMIT would end the caller's transaction: refuse rather than guess. */
		*status = 503;
		snprintf(err, errsz, "report_doc: the connection is not idle (a transaction is open)");
		return NULL;
	}
	if (report_cmd(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", status, err, errsz) != 0)
		return NULL;
	res = db_call_conn(conn, "period, as_of", "report_period", pargs, 2);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		report_fail(conn, res, status, err, errsz);
		PQclear(res);
		goto out;
	}
	snprintf(from, sizeof(from), "%s", PQgetvalue(res, 0, PQfnumber(res, "period")));
	snprintf(as_of, sizeof(as_of), "%s", PQgetvalue(res, 0, PQfnumber(res, "as_of")));
	PQclear(res);
	if (strcmp(kind, "board") == 0) {
		const struct ns_arg bargs[] = { { "p_user", user }, { "p_role", role },
		    { "p_month", from }, { "p_forecast", NULL }, { "p_app_url", app_url } };
		struct ns_arg a[5];

		if ((fc = report_forecast(conn, user, role, as_of, status, err, errsz)) == NULL)
			goto out;
		memcpy(a, bargs, sizeof(a));
		a[3].text = fc;
		doc = report_parse(conn, db_call_conn(conn, NULL, "report_board", a, 5), status, err, errsz);
	} else {
		const struct ns_arg dargs[] = { { "p_kind", kind }, { "p_period", from } };

		doc = report_parse(conn, db_call_conn(conn, NULL, "alert_report_data", dargs, 2),
		    status, err, errsz);
		if (doc != NULL && app_url != NULL && !cJSON_HasObjectItem(doc, "app_url"))
			cJSON_AddStringToObject(doc, "app_url", app_url);
	}
out:
	cJSON_free(fc);
	/* Read-only: ending it either way loses nothing; COMMIT also ends an aborted one. */
	res = PQexec(conn, doc != NULL ? "COMMIT" : "ROLLBACK");
	if (doc != NULL && PQresultStatus(res) != PGRES_COMMAND_OK) {
		report_fail(conn, res, status, err, errsz);
		cJSON_Delete(doc);
		doc = NULL;
	}
	PQclear(res);
	if (doc == NULL && *status == 0) {
		*status = 503;
		snprintf(err, errsz, "the report could not be built");
	}
	return doc;
}
