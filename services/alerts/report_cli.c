/*
 * report_cli.c — render a scheduled report to a file without sending it
 * (previews and tests):
 *
 *   alerts-report daily|weekly|monthly YYYY-MM-DD text|html|json OUTFILE
 *
 * The database comes from NS_DATABASE_URL, the reporting zone from NS_TZ
 * (default UTC): the session runs in that zone, as the services' do.  The
 * figures come from alert_report() in sql/schema/550_alerts.sql, the same
 * function the e-mails use.  Each export is audited (export.report, by
 * the OS user) before the file is written.  Exit status 0, 1 on any error
 * (said on stderr; no file is written), 2 on bad usage.
 */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "northstar.h"

static int
usage(void)
{
	fprintf(stderr, "usage: alerts-report daily|weekly|monthly YYYY-MM-DD text|html|json OUTFILE\n"
	    "(database: NS_DATABASE_URL; reporting zone: NS_TZ)\n");
	return 2;
}

/* Call fn with args; the result when it is PGRES_TUPLES_OK with one row, else NULL (said). */
static PGresult *
report_call(PGconn *conn, const char *cols, const char *fn, const struct ns_arg *args, size_t n)
{
	PGresult	*res = db_call_conn(conn, cols, fn, args, n);

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		return res;
	fprintf(stderr, "alerts-report: %s\n", PQresultStatus(res) == PGRES_TUPLES_OK ?
	    "no report" : db_error_message(conn, res));
	PQclear(res);
	return NULL;
}

/*
 * The export's audit row (export.report, actor the OS user), before the
 * file is written: no audit row, no file.  0, or -1 (said).
 */
static int
report_audit(PGconn *conn, char *argv[])
{
	cJSON	*detail = cJSON_CreateObject();
	char	 why[256];
	int	 rc;

	cJSON_AddStringToObject(detail, "kind", argv[1]);
	cJSON_AddStringToObject(detail, "date", argv[2]);
	cJSON_AddStringToObject(detail, "format", argv[3]);
	cJSON_AddStringToObject(detail, "file", argv[4]);
	rc = audit_record_conn(conn, "export.report", "alerts-report", detail, why, sizeof(why));
	if (rc != 0)
		fprintf(stderr, "alerts-report: refused, the export could not be audited: %s\n", why);
	cJSON_Delete(detail);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const char *const cols[] = { "text", "html", "json" };
	const char	*tz = config_str("NS_TZ", "UTC");
	struct ns_arg	 zone = { "p_tz", tz }, args[2];
	PGconn		*conn;
	PGresult	*res = NULL;
	FILE		*f;
	size_t		 col;
	int		 rc = 1;

	if (argc != 5)
		return usage();
	for (col = 0; col < sizeof(cols) / sizeof(cols[0]); col++)
		if (strcmp(argv[3], cols[col]) == 0)
			break;
	if (col == sizeof(cols) / sizeof(cols[0]))
		return usage();
	conn = PQconnectdb(config_str("NS_DATABASE_URL", "dbname=northstar"));
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "alerts-report: %s\n", db_error_message(conn, NULL));
		goto out;
	}
	/* The session's zone first: "today", day boundaries and times follow it. */
	if ((res = report_call(conn, NULL, "alert_session_zone", &zone, 1)) == NULL)
		goto out;
	PQclear(res);
	args[0] = (struct ns_arg){ "p_kind", argv[1] };
	args[1] = (struct ns_arg){ "p_period", argv[2] };
	if ((res = report_call(conn, "subject, text, html, data::text AS json", "alert_report",
	    args, 2)) == NULL)
		goto out;
	if (report_audit(conn, argv) != 0)
		goto out;
	if ((f = fopen(argv[4], "w")) == NULL) {
		perror(argv[4]);
		goto out;
	}
	fputs(PQgetvalue(res, 0, PQfnumber(res, cols[col])), f);
	if (strcmp(cols[col], "html") != 0)
		fputc('\n', f);
	if (fclose(f) != 0) {
		perror(argv[4]);
		goto out;
	}
	printf("%s → %s\n", PQgetvalue(res, 0, PQfnumber(res, "subject")), argv[4]);
	rc = 0;
out:
	PQclear(res);
	PQfinish(conn);
	return rc;
}
