/*
 * report.h — the reports' documents: what a report says for one period,
 * built in one read-only snapshot from the same SQL functions the API's
 * routes answer from (so each figure equals the API's for that period).
 * render.h draws them; notify.c sends them.
 */
#ifndef REPORT_H
#define REPORT_H

#include <libpq-fe.h>
#include <cJSON.h>

/*
 * The document (render.h's shape) of report kind ("daily", "weekly",
 * "monthly", "board") for period (YYYY-MM-DD: the day, any day of the
 * week, any day of the month; for "board" also YYYY-MM; NULL: yesterday,
 * the last full week, the last full month) as the principal (user id,
 * NULL for none; role name) on conn, which must be idle (no transaction
 * open: the document is built in a read-only REPEATABLE READ one of its
 * own, ended before return).  A document gets "app_url" from
 * NS_PUBLIC_ORIGIN when that is set.
 * The board pack's forecast is fitted here with the forecast service's
 * own code (services/forecast/series.c), so it equals GET
 * /api/forecast/mrr for the month's last day.  Returns the document
 * (caller frees with cJSON_Delete), or NULL with *status set (400 for
 * a bad kind or period, 404 when there is no data for it, 503 when the
 * database failed) and the reason in err.
 */
cJSON	*report_doc(PGconn *conn, const char *user, const char *role, const char *kind,
	    const char *period, int *status, char *err, size_t errsz);

#endif /* REPORT_H */
