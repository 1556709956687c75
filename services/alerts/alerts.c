/*
 * alerts.c — the alerts service.  It also runs the periodic job that
 * keeps the rollups fresh (every 30 s; rollup_refresh() recomputes only
 * the days touched since the last run and is guarded by an advisory lock,
 * so several instances are harmless).
 */
#include "northstar.h"

static const struct ns_route alerts_routes[] = {
	{ "GET", "/api/alerts/health", NS_PUBLIC, NULL, 0, 0, NULL, NULL, db_health },
	{ NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

/* Refresh the rollups for the days touched since the last refresh. */
static int
alerts_job(PGconn *conn)
{
	PGresult	*res = PQexec(conn, "SELECT rollup_refresh()");
	int		 ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	PQclear(res);
	return ok ? 0 : -1;
}

static const struct ns_service alerts_service = { "alerts", alerts_routes, alerts_job, 30 };

int
main(int argc, char *argv[])
{
	return app_main(&alerts_service, argc, argv);
}
