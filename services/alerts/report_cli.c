/*
 * report_cli.c — render a scheduled report to a file without sending it
 * (previews and tests):
 *
 *   alerts-report daily|weekly|monthly YYYY-MM-DD text|html|json OUTFILE
 *
 * The database comes from NS_DATABASE_URL, the reporting zone from NS_TZ
 * (default UTC).  The figures come from alert_report() in
 * sql/schema/550_alerts.sql, the same function the e-mails use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

static int
usage(void)
{
	fprintf(stderr, "usage: alerts-report daily|weekly|monthly YYYY-MM-DD text|html|json OUTFILE\n"
	    "(database: NS_DATABASE_URL; reporting zone: NS_TZ)\n");
	return 2;
}

int
main(int argc, char *argv[])
{
	const char	*url = getenv("NS_DATABASE_URL"), *tz = getenv("NS_TZ");
	const char	*vals[3];
	PGconn		*conn;
	PGresult	*res;
	FILE		*f;
	int		 col, rc = 1;

	if (argc != 5)
		return usage();
	if (strcmp(argv[3], "text") == 0)
		col = 1;
	else if (strcmp(argv[3], "html") == 0)
		col = 2;
	else if (strcmp(argv[3], "json") == 0)
		col = 3;
	else
		return usage();
	conn = PQconnectdb(url != NULL ? url : "dbname=northstar");
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "alerts-report: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return 1;
	}
	vals[0] = argv[1];
	vals[1] = argv[2];
	vals[2] = tz != NULL && *tz != '\0' ? tz : "UTC";
	res = PQexecParams(conn, "SELECT set_config('TimeZone', $3, false), "
	    "set_config('northstar.tz', $3, false)", 3, NULL, vals, NULL, NULL, 0);
	PQclear(res);
	res = PQexecParams(conn, "SELECT subject, text, html, data::text FROM alert_report($1, $2::date)",
	    2, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fprintf(stderr, "alerts-report: %s", PQerrorMessage(conn));
	} else if ((f = fopen(argv[4], "w")) == NULL) {
		perror(argv[4]);
	} else {
		fputs(PQgetvalue(res, 0, col), f);
		if (col != 2)
			fputc('\n', f);
		rc = fclose(f) == 0 ? 0 : 1;
		if (rc == 0)
			printf("%s → %s\n", PQgetvalue(res, 0, 0), argv[4]);
	}
	PQclear(res);
	PQfinish(conn);
	return rc;
}
