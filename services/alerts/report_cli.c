/*
 * report_cli.c — write a report to a file without sending it (the board
 * pack for a month, previews, tests):
 *
 *   alerts-report board [--month YYYY-MM] [--format pdf|json] -o FILE
 *   alerts-report daily|weekly|monthly [--date YYYY-MM-DD | --month YYYY-MM]
 *                 [--format pdf|json|text|html] -o FILE
 *   alerts-report daily|weekly|monthly YYYY-MM-DD text|html|json OUTFILE   (the older form)
 *
 * --month defaults to the last full month, --date to yesterday (daily),
 * the last full week (weekly) or month (monthly); --format to pdf for
 * the board pack and text otherwise.  The document is report_doc()'s
 * (report.c: the same SQL functions the API's routes answer from, in one
 * read-only snapshot), drawn by render_pdf() or rendered to text/HTML by
 * alert_report_render(), exactly as GET /api/alerts/report answers it.
 *
 * Principal: the figures are the company's as the CEO role sees them
 * (role "ceo", no app user: nothing is row-scoped); the audit row
 * (export.report, written before the file) names the OS user running
 * the tool (actor type "cli").  The database comes from NS_DATABASE_URL
 * (with PGPASSFILE or NS_DATABASE_PASSWORD_FILE as psql takes them), the
 * reporting zone from NS_TZ (default UTC): the session runs in that
 * zone, as the services' do; the app's address for links from
 * NS_PUBLIC_ORIGIN.  Progress and errors go to stderr, the one line
 * "subject → FILE" to stdout.  Exit status 0; 1 on any error (said on
 * stderr, with what to do; no file is written); 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "northstar.h"
#include "render.h"
#include "report.h"

static int
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "alerts-report: %s\n", why);
	fprintf(stderr, "usage: alerts-report board [--month YYYY-MM] [--format pdf|json] -o FILE\n"
	    "       alerts-report daily|weekly|monthly [--date YYYY-MM-DD | --month YYYY-MM]\n"
	    "                     [--format pdf|json|text|html] -o FILE\n"
	    "       alerts-report daily|weekly|monthly YYYY-MM-DD text|html|json OUTFILE\n"
	    "(database: NS_DATABASE_URL; reporting zone: NS_TZ; see docs/reports.md)\n");
	return 2;
}

/* What to make, from the command line. */
struct cli {
	const char	*kind, *period, *format, *file;
	int		 quiet;		/* the older form: nothing on stderr unless it fails */
};

/* Parse argv into *c; 0, or usage()'s 2 (said). */
static int
cli_parse(int argc, char *argv[], struct cli *c)
{
	static const char *const kinds[] = { "daily", "weekly", "monthly", "board", NULL };
	static const char *const formats[] = { "pdf", "json", "text", "html", NULL };
	const char	*date = NULL, *month = NULL;
	int		 k;

	memset(c, 0, sizeof(*c));
	if (argc < 2)
		return usage(NULL);
	for (k = 0; kinds[k] != NULL && strcmp(argv[1], kinds[k]) != 0; k++)
		;
	if (kinds[k] == NULL) {
		fprintf(stderr, "alerts-report: unknown report kind '%s': use board, daily, weekly or monthly\n",
		    argv[1]);
		return 1;
	}
	c->kind = kinds[k];
	if (argc == 5 && argv[2][0] != '-' && strcmp(c->kind, "board") != 0) {
		/* The older positional form. */
		c->period = argv[2];
		c->format = argv[3];
		c->file = argv[4];
		c->quiet = 1;
		if (strcmp(c->format, "pdf") == 0)
			return usage("the positional form writes text, html or json; use --format pdf -o FILE");
	} else {
		for (int i = 2; i < argc; i++) {
			const char **dst = strcmp(argv[i], "--month") == 0 ? &month :
			    strcmp(argv[i], "--date") == 0 ? &date :
			    strcmp(argv[i], "--format") == 0 ? &c->format :
			    strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0 ? &c->file : NULL;

			if (dst == NULL || i + 1 >= argc) {
				fprintf(stderr, "alerts-report: %s %s\n", argv[i], dst == NULL ?
				    "is not an option" : "needs a value");
				return usage(NULL);
			}
			*dst = argv[++i];
		}
		if (c->file == NULL)
			return usage("say where to write the report: -o FILE");
		if (date != NULL && month != NULL)
			return usage("give --date or --month, not both");
		if (date != NULL && strcmp(c->kind, "board") == 0)
			return usage("the board pack is for a month: --month YYYY-MM");
		if (month != NULL && strcmp(c->kind, "board") != 0 && strcmp(c->kind, "monthly") != 0)
			return usage("--month is for board and monthly; daily and weekly take --date YYYY-MM-DD");
		c->period = month != NULL ? month : date;
		if (c->format == NULL)
			c->format = strcmp(c->kind, "board") == 0 ? "pdf" : "text";
	}
	for (k = 0; formats[k] != NULL && strcmp(c->format, formats[k]) != 0; k++)
		;
	if (formats[k] == NULL)
		return usage("--format must be pdf, json, text or html");
	if (strcmp(c->kind, "board") == 0 && (strcmp(c->format, "text") == 0 ||
	    strcmp(c->format, "html") == 0))
		return usage("the board pack is written as pdf or json");
	return 0;
}

/*
 * The export's audit row (export.report, actor the OS user), before the
 * file is written: no audit row, no file.  0, or -1 (said).
 */
static int
report_audit(PGconn *conn, const struct cli *c, const char *period)
{
	cJSON	*detail = cJSON_CreateObject();
	char	 why[256];
	int	 rc;

	cJSON_AddStringToObject(detail, "kind", c->kind);
	cJSON_AddStringToObject(detail, "date", period);
	cJSON_AddStringToObject(detail, "format", c->format);
	cJSON_AddStringToObject(detail, "file", c->file);
	rc = audit_record_conn(conn, "export.report", "alerts-report", detail, why, sizeof(why));
	if (rc != 0)
		fprintf(stderr, "alerts-report: refused, the export could not be audited: %s\n"
		    "(the audit log must take the row first: check the database and its grants)\n", why);
	cJSON_Delete(detail);
	return rc;
}

/* The e-mail parts of doc (alert_report_render); the result, or NULL (said).  Caller PQclear()s. */
static PGresult *
report_render_sql(PGconn *conn, const cJSON *doc)
{
	char		*text = cJSON_PrintUnformatted(doc);
	struct ns_arg	 args[2] = { { "p_doc", text }, { "p_app_url", config_str("NS_PUBLIC_ORIGIN", NULL) } };
	PGresult	*res = db_call_conn(conn, "subject, text, html", "alert_report_render", args, 2);

	cJSON_free(text);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		return res;
	fprintf(stderr, "alerts-report: the report could not be rendered: %s\n", db_error_message(conn, res));
	PQclear(res);
	return NULL;
}

/* Write len bytes of data to path through path.tmp (no half-written file); 0, or -1 (said). */
static int
report_write(const char *path, const void *data, size_t len, int newline)
{
	char	 tmp[4096];
	FILE	*f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		fprintf(stderr, "alerts-report: %s: the path is too long\n", path);
		return -1;
	}
	if ((f = fopen(tmp, "wb")) == NULL) {
		perror(tmp);
		fprintf(stderr, "alerts-report: cannot write there: choose another -o FILE\n");
		return -1;
	}
	if (fwrite(data, 1, len, f) != len || (newline && fputc('\n', f) == EOF)) {
		perror(tmp);
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		perror(path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	const char	*tz = config_str("NS_TZ", "UTC");
	struct ns_arg	 zone = { "p_tz", tz };
	struct render_buf pdf = { NULL, 0, 0 };
	struct cli	 c;
	PGconn		*conn;
	PGresult	*res = NULL;
	cJSON		*doc = NULL;
	const char	*period, *title;
	char		 err[512], *json = NULL;
	int		 rc = 1, status;

	if ((rc = cli_parse(argc, argv, &c)) != 0)
		return rc;
	rc = 1;
	conn = PQconnectdb(config_str("NS_DATABASE_URL", "dbname=northstar"));
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "alerts-report: cannot connect to the database: %s"
		    "(set NS_DATABASE_URL to its connection string)\n", db_error_message(conn, NULL));
		goto out;
	}
	/* The session's zone first: "today", day boundaries and times follow it. */
	res = db_call_conn(conn, NULL, "alert_session_zone", &zone, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "alerts-report: %s (set NS_TZ to a zone name such as Europe/Berlin)\n",
		    db_error_message(conn, res));
		goto out;
	}
	PQclear(res);
	res = NULL;
	if (!c.quiet)
		fprintf(stderr, "alerts-report: building the %s report%s%s …\n", c.kind,
		    c.period != NULL ? " for " : "", c.period != NULL ? c.period : "");
	if ((doc = report_doc(conn, NULL, "ceo", c.kind, c.period, &status, err, sizeof(err))) == NULL) {
		fprintf(stderr, "alerts-report: %s%s\n", err, status == 404 ?
		    " (choose a month with figures: --month YYYY-MM)" : "");
		goto out;
	}
	period = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "period"));
	title = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "title"));
	if (strcmp(c.format, "pdf") == 0) {
		if (!c.quiet)
			fprintf(stderr, "alerts-report: drawing the PDF …\n");
		if (render_pdf(doc, &pdf, err, sizeof(err)) != 0) {
			fprintf(stderr, "alerts-report: the PDF could not be drawn: %s\n", err);
			goto out;
		}
	} else if (strcmp(c.format, "json") == 0) {
		if ((json = cJSON_Print(doc)) == NULL) {
			fprintf(stderr, "alerts-report: out of memory\n");
			goto out;
		}
	} else if ((res = report_render_sql(conn, doc)) == NULL)
		goto out;
	if (report_audit(conn, &c, period != NULL ? period : "") != 0)
		goto out;
	if (pdf.data != NULL)
		rc = report_write(c.file, pdf.data, pdf.len, 0);
	else if (json != NULL)
		rc = report_write(c.file, json, strlen(json), 1);
	else {
		const char *v = PQgetvalue(res, 0, PQfnumber(res, c.format));

		rc = report_write(c.file, v, strlen(v), strcmp(c.format, "html") != 0);
		title = PQgetvalue(res, 0, PQfnumber(res, "subject"));
	}
	if (rc == 0) {
		if (!c.quiet)
			fprintf(stderr, "alerts-report: wrote %s\n", c.file);
		printf("%s → %s\n", title != NULL ? title : c.kind, c.file);
	}
out:
	render_buf_free(&pdf);
	cJSON_free(json);
	cJSON_Delete(doc);
	PQclear(res);
	PQfinish(conn);
	return rc;
}
