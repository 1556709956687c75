/*
 * cache.c — the forecast service's warm-up: fits today's common forecasts
 * and the churn model into the per-process caches (series.c, churn.c)
 * before requests ask for them; see cache.h for who owns what.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "northstar.h"
#include "cache.h"
#include "churn.h"
#include "series.h"

/* The requests warmed: each series with the horizons its routes ask most. */
static const struct {
	const char	*series;
	const char	*horizon;	/* the one the history is fetched with */
	size_t		 h[3];		/* horizons fitted; 0 ends the list */
} cache_warm[] = {
	{ "revenue",	 "30", { 7, 30, 90 } },	/* revenue; seasonality's weekly model (7) */
	{ "api_calls",	 "30", { 7, 30, 90 } },	/* usage; seasonality's weekly model (7) */
	{ "usage_units", "30", { 7, 30, 90 } },	/* usage */
	{ "mrr",	 "6",  { 6, 12, 0 } },	/* mrr (6); target and runway (12) */
	{ "costs",	 "6",  { 6, 0, 0 } },	/* costs */
};

/*
 * Fetch one series as its handler does and fit it for each horizon.
 * series_forecast() fits outside the cache mutex and returns at once when
 * the data version is cached, so a quiet period costs a few small queries.
 * Returns 0 (also when the handler would answer 422), -1 on a failed query.
 */
static int
cache_series(PGconn *conn, size_t w, const char *as_of)
{
	const struct ns_arg	 args[] = { { "p_series", cache_warm[w].series },
	    { "p_horizon", cache_warm[w].horizon }, { "p_as_of", as_of } };
	struct series_in	 in;
	struct series_fc	 fc;
	PGresult		*res;
	const char		*state;
	size_t			 i;
	int			 rc = 0;

	res = db_call_conn(conn, NULL, "api.forecast_series", args, sizeof(args) / sizeof(args[0]));
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		/* NS422: the history stops short; the handler answers 422. */
		rc = state != NULL && strcmp(state, "NS422") == 0 ? 0 : -1;
	} else if (PQntuples(res) != 1 || series_in_load(&in, PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0)) != 0)
		rc = -1;
	else {
		for (i = 0; i < 3 && cache_warm[w].h[i] > 0; i++)
			if (series_forecast(in.kind, in.y, in.n, in.season, cache_warm[w].h[i],
			    in.origins, &fc) == ETS_OK)
				series_fc_free(&fc);
		series_in_free(&in);
	}
	PQclear(res);
	return rc;
}

int
cache_job(PGconn *conn)
{
	const struct ns_arg	 today = { "p_as_of", NULL };
	char			 as_of[16];
	PGresult		*res;
	size_t			 w;
	int			 rc = 0;

	/* One day for the whole run, even across midnight. */
	res = db_call_conn(conn, NULL, "api.as_of", &today, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		PQclear(res);
		return -1;
	}
	snprintf(as_of, sizeof(as_of), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	for (w = 0; w < sizeof(cache_warm) / sizeof(cache_warm[0]); w++)
		if (cache_series(conn, w, as_of) != 0)
			rc = -1;
	if (churn_model_refresh(conn, as_of) != 0)
		rc = -1;
	return rc;
}

int
cache_job_setup(PGconn *conn)
{
	/* Training the churn model reads 18 snapshots: longer than a request may take. */
	PGresult	*res = PQexec(conn, "SET statement_timeout = '5min'");
	int		 rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;

	PQclear(res);
	return rc;
}

/* The periodic job's loop, for an instance that does not run jobs. */
static void *
cache_warm_main(void *arg)
{
	PGconn *conn = NULL;

	(void)arg;
	for (;;) {
		if (conn != NULL && PQstatus(conn) != CONNECTION_OK) {
			PQfinish(conn);
			conn = NULL;
		}
		if (conn == NULL && (conn = db_connect()) != NULL && cache_job_setup(conn) != 0) {
			PQfinish(conn);
			conn = NULL;
		}
		if (conn != NULL && cache_job(conn) != 0)
			log_msg("warning", "forecast warm-up failed; retrying in %d s", CACHE_JOB_SECONDS);
		sleep(CACHE_JOB_SECONDS);
	}
	return NULL;
}

static pthread_once_t cache_warm_once = PTHREAD_ONCE_INIT;

static void
cache_warm_begin(void)
{
	pthread_t t;

	if (config_jobs())
		return;		/* the periodic job warms this process */
	if (pthread_create(&t, NULL, cache_warm_main, NULL) == 0)
		pthread_detach(t);
	else
		log_msg("warning", "cannot start the forecast warm-up thread");
}

void
cache_warm_start(void)
{
	pthread_once(&cache_warm_once, cache_warm_begin);
}
