/*
 * churn.c — the churn-risk model.  Logistic regression (logreg.c) trained on
 * snapshots of the company's own customers every 30 days back from as_of:
 * features on the snapshot day, label "no MRR 30 days later".  AUC and
 * calibration are measured out of fold: customers are split into 5 folds
 * by a hash of their id (no customer on both sides) and each fold is
 * scored by a model fitted on the others; the model that scores is then
 * refitted on all rows.  Models are cached per as_of and retrained lazily
 * once older than CHURN_MAX_AGE; a thread that retrains does not block the
 * others, which keep using their reference to the older model.  With each
 * model go the scoring rows of every paying customer (features, no scope);
 * the row scope is applied on every request from the customers' current
 * owners (api.forecast_churn_scope, the one rule), so a change of owner is
 * seen by the next request on every instance, never a cache age later.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "churn.h"
#include "logreg.h"
#include "series.h"

#define CHURN_CACHE	4
#define CHURN_BINS	10

const char *const churn_feature_names[CHURN_NF] = {
	"usage_trend", "usage_30d", "seats", "seat_utilisation", "tickets_90d",
	"failed_payments_60d", "tenure_months", "plan_tier", "nps_detractor",
	"segment_tier", "paid_social", "tickets_30d", "days_since_active",
};

struct churn_model {
	int		 refs;
	char		 as_of[11];
	time_t		 trained_at;
	struct logreg	*lr;		/* fitted on all rows: scores */
	double		 intercept, coef[CHURN_NF], coef_std[CHURN_NF];
	double		 mean[CHURN_NF];	/* training means: "average customer" */
	double		 lo[CHURN_NF], hi[CHURN_NF];	/* training range of each feature */
	size_t		 rows, positives;
	int		 auc_ok;
	double		 auc, ece;
	struct logreg_bin bins[CHURN_BINS];
	double		 train_ms;
	PGresult	*scoring;	/* scoring rows, every customer: set once, under churn_lock */
	time_t		 scoring_at;	/* when they were read */
};

static pthread_mutex_t	 churn_lock = PTHREAD_MUTEX_INITIALIZER;
static struct churn_model *churn_cache[CHURN_CACHE];

static void
churn_model_free(struct churn_model *m)
{
	if (m == NULL)
		return;
	logreg_free(m->lr);
	PQclear(m->scoring);
	free(m);
}

void
churn_model_put(struct churn_model *m)
{
	int last;

	if (m == NULL)
		return;
	pthread_mutex_lock(&churn_lock);
	last = --m->refs == 0;
	pthread_mutex_unlock(&churn_lock);
	if (last)
		churn_model_free(m);
}

/* Customer id → cross-validation fold; a multiplicative hash spreads consecutive ids. */
static int
churn_fold(long id)
{
	return (int)((((unsigned long)id * 2654435761UL) >> 8) % CHURN_FOLDS);
}

/* Train a model on the rows of res (columns: snapshot_no, customer_id, CHURN_NF features, churned). */
static struct churn_model *
churn_train(PGresult *res, const char *as_of, int *status, char *msg, size_t msgsz)
{
	struct churn_model *m = NULL;
	size_t		 n = (size_t)PQntuples(res), i, j, ntr;
	double		*x = NULL, *xtr = NULL, *xho = NULL, *pho = NULL, *oof = NULL;
	int		*y = NULL, *ytr = NULL, *fold = NULL, err, f;
	struct timespec	 t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	*status = 500;
	if (PQnfields(res) != CHURN_NF + 3) {
		snprintf(msg, msgsz, "unexpected training columns");
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (x = calloc(n * CHURN_NF + 1, sizeof(double))) == NULL ||
	    (xtr = calloc(n * CHURN_NF + 1, sizeof(double))) == NULL ||
	    (xho = calloc(n * CHURN_NF + 1, sizeof(double))) == NULL ||
	    (pho = calloc(n + 1, sizeof(double))) == NULL ||
	    (oof = calloc(n + 1, sizeof(double))) == NULL ||
	    (y = calloc(n + 1, sizeof(int))) == NULL ||
	    (ytr = calloc(n + 1, sizeof(int))) == NULL ||
	    (fold = calloc(n + 1, sizeof(int))) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		goto err;
	}
	for (i = 0; i < n; i++) {
		fold[i] = churn_fold(strtol(PQgetvalue(res, (int)i, 1), NULL, 10));
		for (j = 0; j < CHURN_NF; j++)
			x[i * CHURN_NF + j] = strtod(PQgetvalue(res, (int)i, (int)j + 2), NULL);
		y[i] = PQgetvalue(res, (int)i, CHURN_NF + 2)[0] == '1';
		m->positives += (size_t)y[i];
	}
	m->rows = n;
	if (m->positives < 2 * CHURN_FOLDS || m->positives + 2 * CHURN_FOLDS > n) {
		*status = 422;
		snprintf(msg, msgsz, "not enough churn history to train the model: %zu churned of %zu "
		    "customer-snapshots (need at least %d of each class)", m->positives, n, 2 * CHURN_FOLDS);
		goto err;
	}
	/* Out-of-fold predictions: each fold's customers scored by a model fitted on the others. */
	for (f = 0; f < CHURN_FOLDS; f++) {
		struct logreg *lr;
		size_t nho = 0;

		ntr = 0;
		for (i = 0; i < n; i++) {
			if (fold[i] == f) {
				memcpy(xho + nho++ * CHURN_NF, x + i * CHURN_NF, CHURN_NF * sizeof(double));
				continue;
			}
			memcpy(xtr + ntr * CHURN_NF, x + i * CHURN_NF, CHURN_NF * sizeof(double));
			ytr[ntr++] = y[i];
		}
		if ((lr = logreg_new(xtr, ytr, ntr, CHURN_NF, CHURN_LAMBDA, &err)) == NULL ||
		    logreg_predict(lr, xho, nho, pho) != LOGREG_OK) {
			logreg_free(lr);
			*status = 422;
			snprintf(msg, msgsz, "the churn model could not be fitted: %s", logreg_strerror(err));
			goto err;
		}
		logreg_free(lr);
		for (i = 0, nho = 0; i < n; i++)
			if (fold[i] == f)
				oof[i] = pho[nho++];
	}
	m->auc_ok = logreg_auc(oof, y, n, &m->auc) == LOGREG_OK;
	if (logreg_calibration(oof, y, n, m->bins, CHURN_BINS, &m->ece) != LOGREG_OK)
		m->ece = NAN;
	/* The scoring model uses every row. */
	if ((m->lr = logreg_new(x, y, n, CHURN_NF, CHURN_LAMBDA, &err)) == NULL) {
		*status = 422;
		snprintf(msg, msgsz, "the churn model could not be fitted: %s", logreg_strerror(err));
		goto err;
	}
	logreg_coef(m->lr, &m->intercept, m->coef);
	{
		double b0;

		logreg_coef_std(m->lr, &b0, m->coef_std);
	}
	for (j = 0; j < CHURN_NF; j++)
		m->lo[j] = m->hi[j] = x[j];
	for (i = 0; i < n; i++)
		for (j = 0; j < CHURN_NF; j++) {
			double v = x[i * CHURN_NF + j];

			m->mean[j] += v / (double)n;
			if (v < m->lo[j])
				m->lo[j] = v;
			if (v > m->hi[j])
				m->hi[j] = v;
		}
	snprintf(m->as_of, sizeof(m->as_of), "%s", as_of);
	m->trained_at = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	m->train_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	free(x); free(xtr); free(xho); free(pho); free(oof); free(y); free(ytr); free(fold);
	return m;
err:
	churn_model_free(m);
	free(x); free(xtr); free(xho); free(pho); free(oof); free(y); free(ytr); free(fold);
	return NULL;
}

/* A reference to the cached model for as_of younger than max_age seconds, or NULL. */
static struct churn_model *
churn_cached(const char *as_of, time_t max_age)
{
	struct churn_model *m = NULL;
	time_t		 now = time(NULL);
	size_t		 i;

	pthread_mutex_lock(&churn_lock);
	for (i = 0; i < CHURN_CACHE; i++)
		if (churn_cache[i] != NULL && strcmp(churn_cache[i]->as_of, as_of) == 0 &&
		    now - churn_cache[i]->trained_at < max_age) {
			m = churn_cache[i];
			m->refs++;
			break;
		}
	pthread_mutex_unlock(&churn_lock);
	return m;
}

/* Put m (refs already counting the cache's and the caller's) in the cache. */
static void
churn_publish(struct churn_model *m)
{
	struct churn_model *old;
	size_t		 i, slot = 0;

	/* Replace the entry for as_of, else an empty or the oldest one. */
	pthread_mutex_lock(&churn_lock);
	for (i = 0; i < CHURN_CACHE; i++) {
		if (churn_cache[i] == NULL || strcmp(churn_cache[i]->as_of, m->as_of) == 0) {
			slot = i;
			break;
		}
		if (churn_cache[i]->trained_at < churn_cache[slot]->trained_at)
			slot = i;
	}
	old = churn_cache[slot];
	churn_cache[slot] = m;
	if (old != NULL && --old->refs == 0)
		churn_model_free(old);
	pthread_mutex_unlock(&churn_lock);
}

/* The training rows for as_of: CHURN_SNAPSHOTS snapshots (api.forecast_churn_training). */
static void
churn_training_args(struct ns_arg *args, const char *as_of, char *snaps, size_t snapsz)
{
	snprintf(snaps, snapsz, "%d", CHURN_SNAPSHOTS);
	args[0] = (struct ns_arg){ "p_as_of", as_of };
	args[1] = (struct ns_arg){ "p_snapshots", snaps };
}

/* Is res scoring rows (the columns of api.forecast_churn_current)? */
static int
churn_rows_ok(const PGresult *res)
{
	return PQresultStatus(res) == PGRES_TUPLES_OK && PQnfields(res) == CHURN_COL_X + CHURN_NF;
}

/* Keep rows with m unless it has some already: 1 when m took them. */
static int
churn_rows_attach(struct churn_model *m, PGresult *rows, time_t at)
{
	int	 taken = 0;

	pthread_mutex_lock(&churn_lock);
	if (m->scoring == NULL) {
		m->scoring_at = at;
		m->scoring = rows;
		taken = 1;
	}
	pthread_mutex_unlock(&churn_lock);
	return taken;
}

int
churn_model_refresh(PGconn *conn, const char *as_of)
{
	struct churn_model *m;
	struct ns_arg	 args[2];
	char		 snaps[16], msg[256];
	PGresult	*res;
	int		 status, rc = 0;

	if ((m = churn_cached(as_of, CHURN_MAX_AGE / 2)) != NULL) {
		churn_model_put(m);
		return 0;
	}
	churn_training_args(args, as_of, snaps, sizeof(snaps));
	res = db_call_conn(conn, "*", "api.forecast_churn_training", args, 2);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return -1;
	}
	/* Training runs without the lock; requests keep the older model meanwhile. */
	m = churn_train(res, as_of, &status, msg, sizeof(msg));
	PQclear(res);
	if (m == NULL)
		return status == 422 ? 0 : -1;	/* too little history is not a job failure */
	/* The scoring rows, for the new model's requests (each applies its scope). */
	args[0] = (struct ns_arg){ "p_as_of", as_of };
	res = db_call_conn(conn, "*", "api.forecast_churn_current", args, 1);
	if (!churn_rows_ok(res) || !churn_rows_attach(m, res, time(NULL))) {
		rc = churn_rows_ok(res) ? 0 : -1;
		PQclear(res);
	}
	m->refs = 1;	/* the cache's */
	churn_publish(m);
	return rc;
}

struct churn_model *
churn_model_get(struct db *db, const char *as_of, PGresult **failed, int *status, char *msg,
    size_t msgsz)
{
	struct churn_model *m;
	struct ns_arg	 args[2];
	char		 snaps[16];
	PGresult	*res;

	*failed = NULL;
	*status = 0;
	if ((m = churn_cached(as_of, CHURN_MAX_AGE)) != NULL)
		return m;
	churn_training_args(args, as_of, snaps, sizeof(snaps));
	res = db_call(db, NS_DB_READ, "*", "api.forecast_churn_training", args, 2);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		*failed = res;
		return NULL;
	}
	m = churn_train(res, as_of, status, msg, msgsz);
	PQclear(res);
	if (m == NULL)
		return NULL;

	m->refs = 2;	/* the cache's and the caller's */
	churn_publish(m);
	return m;
}

const PGresult *
churn_model_rows(struct churn_model *m, struct db *db, time_t *at, PGresult **res)
{
	const struct ns_arg args[] = { { "p_as_of", m->as_of } };
	const PGresult	*rows;

	*res = NULL;
	pthread_mutex_lock(&churn_lock);
	rows = m->scoring;
	*at = m->scoring_at;
	pthread_mutex_unlock(&churn_lock);
	/* Once set, m->scoring never changes while m lives. */
	if (rows != NULL)
		return rows;
	*res = db_call(db, NS_DB_READ, "*", "api.forecast_churn_current", args, 1);
	if (*res == NULL || PQresultStatus(*res) != PGRES_TUPLES_OK)
		return NULL;
	if (!churn_rows_ok(*res)) {
		log_msg("error", "api.forecast_churn_current answered %d columns, expected %d",
		    PQnfields(*res), CHURN_COL_X + CHURN_NF);
		PQclear(*res);
		*res = PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
		return NULL;
	}
	rows = *res;
	*at = time(NULL);
	if (churn_rows_attach(m, *res, *at))
		*res = NULL;
	return rows;
}

PGresult *
churn_scope_ids(struct db *db, const char *user, const char *role)
{
	const struct ns_arg args[] = { { "p_user", user }, { "p_role", role } };
	PGresult	*res = db_call(db, NS_DB_READ, "customer_id", "api.forecast_churn_scope",
			    args, sizeof(args) / sizeof(args[0]));

	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQnfields(res) != 1) {
		log_msg("error", "api.forecast_churn_scope answered %d columns, expected 1",
		    PQnfields(res));
		PQclear(res);
		res = PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
	}
	return res;
}

/*
 * The model's probability for features x, calibrated to what the training
 * data can support: each feature is first kept inside its training range
 * (the line is not extrapolated beyond the customers it was fitted on: a
 * customer idle for longer than any training row scores as the most idle
 * one did), and the probability is kept inside [1/(n+2), 1 - 1/(n+2)] for
 * n training rows (Laplace's rule of succession), so no customer is ever
 * given as certain to churn, or to stay.  docs/api/forecast.md.
 */
double
churn_score(const struct churn_model *m, const double *x)
{
	double p = 0, xc[CHURN_NF], edge;
	size_t j;

	for (j = 0; j < CHURN_NF; j++)
		xc[j] = x[j] < m->lo[j] ? m->lo[j] : x[j] > m->hi[j] ? m->hi[j] : x[j];
	if (logreg_predict(m->lr, xc, 1, &p) != LOGREG_OK || !isfinite(p))
		return 0;
	edge = 1.0 / ((double)m->rows + 2.0);
	return p < edge ? edge : p > 1 - edge ? 1 - edge : p;
}

double
churn_max_probability(const struct churn_model *m)
{
	return 1 - 1.0 / ((double)m->rows + 2.0);
}

/* A scored row: its probability and its index in the scoring rows. */
struct churn_scored {
	double	 p;
	int	 row;
};

/* Highest probability first; ties in row order. */
static int
churn_scored_cmp(const void *a, const void *b)
{
	const struct churn_scored *x = a, *y = b;

	return x->p < y->p ? 1 : x->p > y->p ? -1 : x->row - y->row;
}

/* The CHURN_NF features of row r of the scoring rows into x. */
static void
churn_row_features(const PGresult *rows, int r, double *x)
{
	int j;

	for (j = 0; j < CHURN_NF; j++)
		x[j] = strtod(PQgetvalue(rows, r, CHURN_COL_X + j), NULL);
}

/* Add name: the UTC time t, ISO 8601. */
static void
churn_add_time(cJSON *o, const char *name, time_t t)
{
	char		 when[32];
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(o, name, when);
}

/*
 * Is the customer of scoring row r in the scope ids (both ascending by id)?
 * *k is the position in ids the search resumes from, so that a pass over
 * the rows in order walks ids once.
 */
static int
churn_in_scope(const PGresult *rows, int r, const PGresult *ids, int *k)
{
	long	 id = strtol(PQgetvalue(rows, r, CHURN_COL_ID), NULL, 10);
	int	 nids = PQntuples(ids);

	while (*k < nids && strtol(PQgetvalue(ids, *k, 0), NULL, 10) < id)
		(*k)++;
	return *k < nids && strtol(PQgetvalue(ids, *k, 0), NULL, 10) == id;
}

int
churn_json_rows(cJSON *obj, const struct churn_model *m, const PGresult *rows,
    const PGresult *ids, time_t at, int limit)
{
	struct churn_scored *sc;
	double		 x[CHURN_NF], sum = 0;
	int		 nrows = PQntuples(rows), n = 0, i, j, k = 0;
	cJSON		*arr;

	if ((sc = calloc((size_t)nrows + 1, sizeof(*sc))) == NULL)
		return -1;
	for (i = 0; i < nrows; i++) {
		if (!churn_in_scope(rows, i, ids, &k))
			continue;
		churn_row_features(rows, i, x);
		sc[n].p = churn_score(m, x);
		sc[n].row = i;
		sum += sc[n++].p;
	}
	qsort(sc, (size_t)n, sizeof(*sc), churn_scored_cmp);

	cJSON_AddNumberToObject(obj, "scored", n);
	if (n > 0)
		cJSON_AddNumberToObject(obj, "expected_churners", round(sum * 100) / 100);
	else
		cJSON_AddNullToObject(obj, "expected_churners");
	arr = cJSON_AddArrayToObject(obj, "customers");
	for (i = 0; i < n && i < limit; i++) {
		int r = sc[i].row;
		cJSON *row = cJSON_CreateObject();

		cJSON_AddNumberToObject(row, "customer_id", strtol(PQgetvalue(rows, r, CHURN_COL_ID), NULL, 10));
		cJSON_AddStringToObject(row, "name", PQgetvalue(rows, r, CHURN_COL_NAME));
		series_add_num(row, "mrr", strtod(PQgetvalue(rows, r, CHURN_COL_MRR), NULL) / 100.0);
		cJSON_AddNumberToObject(row, "churn_probability", round(sc[i].p * 1e4) / 1e4);
		churn_row_features(rows, r, x);
		for (j = 0; j < CHURN_NF; j++)
			cJSON_AddNumberToObject(row, churn_feature_names[j], round(x[j] * 1e4) / 1e4);
		churn_json_factors(row, m, x);
		cJSON_AddItemToArray(arr, row);
	}
	cJSON_AddNumberToObject(obj, "count", cJSON_GetArraySize(arr));
	churn_add_time(obj, "features_at", at);
	free(sc);
	return 0;
}

static void
churn_add(cJSON *o, const char *name, double v, double scale)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, name, round(v * scale) / scale);
	else
		cJSON_AddNullToObject(o, name);
}

void
churn_json_model(cJSON *obj, const struct churn_model *m)
{
	cJSON	*me, *p, *f, *b, *bins, *row;
	size_t	 i;

	me = cJSON_AddObjectToObject(obj, "method");
	cJSON_AddStringToObject(me, "name", "logistic regression (L2-regularised, Newton/IRLS)");
	cJSON_AddStringToObject(me, "target", "customer paying on the day has no MRR 30 days later");
	cJSON_AddStringToObject(me, "training",
	    "customers paying on each of the snapshot days as_of - 30*k, k = 1..18");
	cJSON_AddNumberToObject(me, "snapshots", CHURN_SNAPSHOTS);
	cJSON_AddNumberToObject(me, "lambda", CHURN_LAMBDA);
	churn_add_time(me, "trained_at", m->trained_at);
	cJSON_AddNumberToObject(me, "retrain_after_seconds", CHURN_MAX_AGE);
	churn_add(me, "train_ms", m->train_ms, 10);
	cJSON_AddNumberToObject(me, "rows", (double)m->rows);
	cJSON_AddNumberToObject(me, "churned", (double)m->positives);
	churn_add(me, "base_rate", m->rows > 0 ? (double)m->positives / (double)m->rows : NAN, 1e4);
	cJSON_AddStringToObject(me, "calibration",
	    "probabilities as fitted (checked out of fold: backtest.calibration, ece); each feature kept "
	    "inside its training range when scoring; probabilities kept within [1/(rows+2), 1 - 1/(rows+2)] "
	    "(rule of succession): never 0 or 1");
	churn_add(me, "max_probability", m->rows > 0 ? churn_max_probability(m) : NAN, 1e4);

	p = cJSON_AddObjectToObject(obj, "params");
	churn_add(p, "intercept", m->intercept, 1e4);
	f = cJSON_AddArrayToObject(p, "features");
	for (i = 0; i < CHURN_NF; i++) {
		row = cJSON_CreateObject();
		cJSON_AddStringToObject(row, "name", churn_feature_names[i]);
		churn_add(row, "coef", m->coef[i], 1e4);
		churn_add(row, "coef_std", m->coef_std[i], 1e4);
		churn_add(row, "mean", m->mean[i], 1e4);
		cJSON_AddItemToArray(f, row);
	}

	b = cJSON_AddObjectToObject(obj, "backtest");
	cJSON_AddStringToObject(b, "kind", "5-fold cross-validation grouped by customer: "
	    "every row scored by a model fitted without that customer (out-of-fold)");
	cJSON_AddNumberToObject(b, "rows", (double)m->rows);
	cJSON_AddNumberToObject(b, "churned", (double)m->positives);
	churn_add(b, "auc", m->auc_ok ? m->auc : NAN, 1e4);
	cJSON_AddNumberToObject(b, "baseline_auc", 0.5);
	cJSON_AddStringToObject(b, "baseline", "constant score (every customer the same probability)");
	if (m->auc_ok)
		cJSON_AddBoolToObject(b, "beats_baseline", m->auc > 0.5);
	else
		cJSON_AddNullToObject(b, "beats_baseline");
	churn_add(b, "ece", m->auc_ok ? m->ece : NAN, 1e4);
	bins = cJSON_AddArrayToObject(b, "calibration");
	for (i = 0; m->auc_ok && i < CHURN_BINS; i++) {
		if (m->bins[i].count == 0)
			continue;
		row = cJSON_CreateObject();
		churn_add(row, "lo", m->bins[i].lo, 100);
		churn_add(row, "hi", m->bins[i].hi, 100);
		cJSON_AddNumberToObject(row, "count", (double)m->bins[i].count);
		churn_add(row, "mean_predicted", m->bins[i].mean_pred, 1e4);
		churn_add(row, "observed_rate", m->bins[i].obs_rate, 1e4);
		cJSON_AddItemToArray(bins, row);
	}
}

void
churn_json_factors(cJSON *row, const struct churn_model *m, const double *x)
{
	cJSON	*arr = cJSON_AddArrayToObject(row, "top_factors");
	double	 c[CHURN_NF];
	int	 used[CHURN_NF] = { 0 };
	size_t	 i, k;

	/* Contribution to the log-odds against the average customer, of the value as scored
	 * (kept inside the training range: churn_score). */
	for (i = 0; i < CHURN_NF; i++)
		c[i] = m->coef[i] * ((x[i] < m->lo[i] ? m->lo[i] : x[i] > m->hi[i] ? m->hi[i] : x[i]) - m->mean[i]);
	for (k = 0; k < 3; k++) {
		size_t best = CHURN_NF;
		cJSON *f;

		for (i = 0; i < CHURN_NF; i++)
			if (!used[i] && c[i] > 0 && isfinite(c[i]) && (best == CHURN_NF || c[i] > c[best]))
				best = i;
		if (best == CHURN_NF)
			break;
		used[best] = 1;
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "feature", churn_feature_names[best]);
		churn_add(f, "value", x[best], 1e4);
		churn_add(f, "log_odds", c[best], 1e4);
		cJSON_AddItemToArray(arr, f);
	}
}
