/*
 * cache.h — keeping the forecast service's model caches warm.
 *
 * Ownership: the caches belong to the modules that fill and read them —
 * fitted series to series.c (series_forecast, 32 entries per process),
 * churn models and their scoring rows to churn.c (churn_model_*).  This
 * module only runs the warm-up that fills them before requests ask: the
 * periodic job of the instance that runs jobs (NS_JOBS=1), and in every
 * other instance a thread of its own, since each process has its own
 * caches.  It owns nothing that outlives a call but that thread and its
 * connection.
 */
#ifndef CACHE_H
#define CACHE_H

#include <libpq-fe.h>

#define CACHE_JOB_SECONDS	60	/* warm-up period */

/*
 * The warm-up, on the caller's connection: fetch today's series exactly
 * as the handlers do and fit the forecasts of the default and common
 * requests, then (re)train the churn model and fetch the rows of the
 * scopes it was asked for.  Returns 0, or -1 when a query failed (the
 * rest still ran).
 */
int		 cache_job(PGconn *conn);

/* Session settings of a warm-up connection (a long statement timeout). 0, or -1. */
int		 cache_job_setup(PGconn *conn);

/*
 * In an instance that does not run the periodic jobs, start (once per
 * process; later calls return at once) the thread that runs cache_job
 * every CACHE_JOB_SECONDS on a connection of its own.  Handlers call it.
 */
void		 cache_warm_start(void);

#endif /* CACHE_H */
