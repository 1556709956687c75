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

extern const char *const churn_feature_names[CHURN_NF];

struct churn_model;

/*
 * The model for reference day as_of (YYYY-MM-DD): from the cache when one
 * trained for that day is younger than CHURN_MAX_AGE, else trained now on
 * api.forecast_churn_training(as_of, CHURN_SNAPSHOTS) through db.  Returns
 * a reference the caller releases with churn_model_put(), or NULL with
 * *status (422 not enough history, 503 database down, 500) and msg set.
 */
struct churn_model *churn_model_get(struct db *db, const char *as_of,
		    int *status, char *msg, size_t msgsz);
void		 churn_model_put(struct churn_model *);

/*
 * For the periodic job: (re)train the model for as_of on conn unless the
 * cache holds one younger than CHURN_MAX_AGE / 2, so that requests, which
 * retrain at CHURN_MAX_AGE, normally find a trained model.  Training runs
 * outside the cache lock.  Returns 0 (also when there is too little
 * history to train), -1 when the training query failed.
 */
int		 churn_model_refresh(PGconn *conn, const char *as_of);

/*
 * The scoring rows (api.forecast_churn_current of every customer, columns
 * as that function's) that the job fetched with the model, when younger
 * than CHURN_MAX_AGE, with their time in *at; else NULL.  Valid while the
 * caller holds its reference to m; read only.
 */
const PGresult	*churn_model_rows(const struct churn_model *m, time_t *at);

/*
 * Give m the scoring rows a request fetched (same columns, every
 * customer) when it has none yet, so later requests reuse them.  Returns
 * 1 when m took rows (then m frees them), 0 when the caller keeps them.
 */
int		 churn_model_attach_rows(struct churn_model *m, PGresult *rows);

/* P(churn in 30 days) of one row of CHURN_NF features, in [0, 1]. */
double		 churn_score(const struct churn_model *, const double *x);

/* Add "method", "params" (coefficients) and "backtest" (out-of-fold AUC, calibration) to obj. */
void		 churn_json_model(cJSON *obj, const struct churn_model *);

/* Add "top_factors" to row: up to 3 features raising x's score above the average customer's. */
void		 churn_json_factors(cJSON *row, const struct churn_model *, const double *x);

#endif /* CHURN_H */
