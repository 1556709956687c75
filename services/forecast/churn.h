/* churn.h — the churn-risk model: training on the company's history, cache, scoring. */
#ifndef CHURN_H
#define CHURN_H

#include <stddef.h>
#include <time.h>

#include <cJSON.h>

#include "northstar.h"

#define CHURN_NF		13	/* features, in the order of api.forecast_churn_features */
#define CHURN_SNAPSHOTS		18	/* training snapshots, 30 days apart */
#define CHURN_MAX_AGE		600	/* seconds before a model is retrained */
#define CHURN_FOLDS		5	/* cross-validation folds (by customer id hash) */
#define CHURN_LAMBDA		0.1	/* L2 penalty on standardised coefficients */

/* Columns of the scoring rows (api.forecast_churn_current). */
enum churn_col {
	CHURN_COL_ID,		/* customer_id */
	CHURN_COL_NAME,		/* name */
	CHURN_COL_MRR,		/* mrr_cents */
	CHURN_COL_X,		/* the first of the CHURN_NF features */
};

extern const char *const churn_feature_names[CHURN_NF];

struct churn_model;

/*
 * The model for reference day as_of (YYYY-MM-DD): from the cache when one
 * trained for that day is younger than CHURN_MAX_AGE, else trained now on
 * api.forecast_churn_training(as_of, CHURN_SNAPSHOTS) through db.  Returns
 * a reference the caller releases with churn_model_put(), or NULL: with
 * *status 0 and *failed the failed training query, for reply_result()
 * (NULL when the database is unreachable), or with *status 422 (not
 * enough history) or 500 and a message in msg.
 */
struct churn_model *churn_model_get(struct db *db, const char *as_of, PGresult **failed,
		    int *status, char *msg, size_t msgsz);
/* Release a reference; m may be NULL. */
void		 churn_model_put(struct churn_model *m);

/*
 * For the periodic job: (re)train the model for as_of on conn unless the
 * cache holds one younger than CHURN_MAX_AGE / 2, so that requests, which
 * retrain at CHURN_MAX_AGE, normally find a trained model; then fetch with
 * it the scoring rows (churn_model_rows).  Training runs outside the cache
 * lock.  Returns 0 (also when there is too little history to train), -1
 * when a query failed.
 */
int		 churn_model_refresh(PGconn *conn, const char *as_of);

/*
 * The scoring rows of api.forecast_churn_current(p_as_of => m's day):
 * every paying customer's, with no row scope (churn_scope_ids gives it):
 * the rows m keeps (fetched by the job or an earlier request), else
 * fetched now through db and kept with m.  Columns as that function's,
 * ascending by customer id.  Returns them, read only and valid while the
 * caller holds m, with their time in *at; *res is then NULL, or rows m
 * could not keep, which the caller PQclear()s after use.  On failure
 * returns NULL with *res the failed result, for reply_result() (NULL when
 * the database is unreachable).
 */
const PGresult	*churn_model_rows(struct churn_model *m, struct db *db, time_t *at,
		    PGresult **res);

/*
 * The ids of the customers user (id as text) with role may see, from
 * their owners now (api.forecast_churn_scope: the one row-scope rule),
 * ascending; never cached, so a change of owner counts at the next
 * request.  Returns the result (caller PQclear()s; PGRES_TUPLES_OK with
 * one column, else a failure for reply_result()), or NULL when the
 * database is unreachable.
 */
PGresult	*churn_scope_ids(struct db *db, const char *user, const char *role);

/* P(churn in 30 days) of one row of CHURN_NF features, in [0, 1]. */
double		 churn_score(const struct churn_model *, const double *x);
/* The largest probability churn_score() gives: 1 - 1/(training rows + 2). */
double		 churn_max_probability(const struct churn_model *);

/*
 * Score with m the scoring rows whose customer is in ids (churn_scope_ids;
 * both ascending by id) and add to obj "scored", "expected_churners"
 * (sum of the probabilities), "customers" (the first limit by probability,
 * highest first, each with its features and top_factors), "count" and
 * "features_at" (at, when the rows were read).  Returns 0, or -1 when out
 * of memory.
 */
int		 churn_json_rows(cJSON *obj, const struct churn_model *m, const PGresult *rows,
		    const PGresult *ids, time_t at, int limit);

/* Add "method", "params" (coefficients) and "backtest" (out-of-fold AUC, calibration) to obj. */
void		 churn_json_model(cJSON *obj, const struct churn_model *);

/* Add "top_factors" to row: up to 3 features raising x's score above the average customer's. */
void		 churn_json_factors(cJSON *row, const struct churn_model *, const double *x);

#endif /* CHURN_H */
