/* logreg.c: L2-regularised logistic regression (Newton/IRLS), AUC and calibration. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg.h"
#include "logreg.h"

#define LOGREG_MAXITER	100
#define LOGREG_TOL	1e-12	/* relative change of the objective */
#define LOGREG_HALVINGS	50	/* step halvings before giving up */

struct logreg {
	size_t	 p;
	double	*mean;		/* p: training feature means */
	double	*sd;		/* p: training feature sds (1 if constant) */
	double	*w;		/* p + 1: b0 then standardised coefficients */
};

/* Working memory of a fit. */
struct logreg_work {
	size_t	 n, p;
	const int *y;
	double	 lambda;
	double	*z;		/* n * (p + 1): 1 then standardised features */
	double	*eta;		/* n */
	double	*grad;		/* p + 1 */
	double	*hess;		/* (p + 1)^2 */
	double	*step;		/* p + 1 */
	double	*trial;		/* p + 1 */
};

static const char *const logreg_errstr[LOGREG_ERR__MAX] = {
	[LOGREG_OK] = "success",
	[LOGREG_EINVAL] = "invalid argument",
	[LOGREG_ENONFINITE] = "NaN or infinite value",
	[LOGREG_ELABEL] = "label is not 0 or 1",
	[LOGREG_EONECLASS] = "labels are all of one class",
	[LOGREG_ERANGE] = "probability outside [0, 1]",
	[LOGREG_ENOMEM] = "out of memory",
	[LOGREG_ENOCONV] = "Newton iterations did not converge",
};

/* 1 / (1 + exp(-eta)) without overflow; always in [0, 1]. */
static double
logreg_sigmoid(double eta)
{
	double e;

	if (eta >= 0.0)
		return 1.0 / (1.0 + exp(-eta));
	e = exp(eta);
	return e / (1.0 + e);
}

/* log(1 + exp(eta)) without overflow. */
static double
logreg_softplus(double eta)
{
	if (eta > 0.0)
		return eta + log1p(exp(-eta));
	return log1p(exp(eta));
}

/* Checks x (n*p), y (n) and lambda; returns a logreg_err code. */
static int
logreg_check(const double *x, const int *y, size_t n, size_t p, double lambda)
{
	size_t i;

	if (x == NULL || y == NULL || n == 0 || p == 0 ||
	    p > LOGREG_MAX_FEATURES || n > (size_t)-1 / (p + 1) / sizeof(double))
		return LOGREG_EINVAL;
	if (!isfinite(lambda))
		return LOGREG_ENONFINITE;
	if (lambda < 0.0)
		return LOGREG_EINVAL;
	for (i = 0; i < n * p; i++)
		if (!isfinite(x[i]))
			return LOGREG_ENONFINITE;
	for (i = 0; i < n; i++)
		if (y[i] != 0 && y[i] != 1)
			return LOGREG_ELABEL;
	return LOGREG_OK;
}

/* Computes lr->mean and lr->sd from x and fills the design matrix w->z. */
static void
logreg_standardise(struct logreg *lr, struct logreg_work *w, const double *x)
{
	size_t i, j, n = w->n, p = w->p;

	for (j = 0; j < p; j++) {
		double m = 0.0, v = 0.0;

		for (i = 0; i < n; i++)
			m += x[i * p + j];
		m /= (double)n;
		for (i = 0; i < n; i++)
			v += (x[i * p + j] - m) * (x[i * p + j] - m);
		v = sqrt(v / (double)n);
		lr->mean[j] = m;
		lr->sd[j] = v > 0.0 ? v : 1.0;
	}
	for (i = 0; i < n; i++) {
		w->z[i * (p + 1)] = 1.0;
		for (j = 0; j < p; j++)
			w->z[i * (p + 1) + j + 1] =
			    (x[i * p + j] - lr->mean[j]) / lr->sd[j];
	}
}

/* Penalised mean negative log-likelihood at coefficients b; fills w->eta. */
static double
logreg_objective(struct logreg_work *w, const double *b)
{
	size_t i, j, q = w->p + 1;
	double loss = 0.0, pen = 0.0;

	for (i = 0; i < w->n; i++) {
		double eta = 0.0;

		for (j = 0; j < q; j++)
			eta += w->z[i * q + j] * b[j];
		w->eta[i] = eta;
		loss += logreg_softplus(eta) - (double)w->y[i] * eta;
	}
	for (j = 1; j < q; j++)
		pen += b[j] * b[j];
	return loss / (double)w->n + 0.5 * w->lambda * pen;
}

/* Gradient and Hessian of the objective at b (w->eta must be current). */
static void
logreg_derivs(struct logreg_work *w, const double *b)
{
	size_t i, j, k, q = w->p + 1;
	double inv = 1.0 / (double)w->n;

	memset(w->grad, 0, q * sizeof(double));
	memset(w->hess, 0, q * q * sizeof(double));
	for (i = 0; i < w->n; i++) {
		const double *zi = w->z + i * q;
		double mu = logreg_sigmoid(w->eta[i]);
		double r = (mu - (double)w->y[i]) * inv;
		double v = mu * (1.0 - mu) * inv;

		for (j = 0; j < q; j++) {
			w->grad[j] += r * zi[j];
			for (k = 0; k <= j; k++)
				w->hess[j * q + k] += v * zi[j] * zi[k];
		}
	}
	for (j = 0; j < q; j++) {
		for (k = 0; k < j; k++)
			w->hess[k * q + j] = w->hess[j * q + k];
		/* Tiny ridge keeps the system solvable once mu saturates. */
		w->hess[j * q + j] += 1e-12;
		if (j > 0) {
			w->grad[j] += w->lambda * b[j];
			w->hess[j * q + j] += w->lambda;
		}
	}
}

/*
 * Newton iterations from b = 0, halving each step until the objective does
 * not increase.  b (p + 1) gets the optimum.  Returns a logreg_err code.
 */
static int
logreg_newton(struct logreg_work *w, double *b)
{
	size_t it, h, j, q = w->p + 1;
	double f, ft = 0.0, t;

	memset(b, 0, q * sizeof(double));
	f = logreg_objective(w, b);
	for (it = 0; it < LOGREG_MAXITER; it++) {
		logreg_derivs(w, b);
		memcpy(w->step, w->grad, q * sizeof(double));
		if (linalg_cholesky_solve(w->hess, w->step, q) == -1)
			return LOGREG_ENOCONV;
		for (t = 1.0, h = 0; h < LOGREG_HALVINGS; h++, t *= 0.5) {
			for (j = 0; j < q; j++)
				w->trial[j] = b[j] - t * w->step[j];
			ft = logreg_objective(w, w->trial);
			if (ft <= f)
				break;
		}
		if (h == LOGREG_HALVINGS || !isfinite(ft))
			return LOGREG_ENOCONV;
		memcpy(b, w->trial, q * sizeof(double));
		if (f - ft <= LOGREG_TOL * (1.0 + fabs(f)))
			return LOGREG_OK;
		f = ft;
	}
	return LOGREG_ENOCONV;
}

static void
logreg_work_free(struct logreg_work *w)
{
	free(w->z);
	free(w->eta);
	free(w->grad);
	free(w->hess);
	free(w->step);
	free(w->trial);
}

/* Allocates the arrays of *w for n rows and p features; returns 0 or -1. */
static int
logreg_work_alloc(struct logreg_work *w)
{
	size_t q = w->p + 1;

	w->z = calloc(w->n * q, sizeof(double));
	w->eta = calloc(w->n, sizeof(double));
	w->grad = calloc(q, sizeof(double));
	w->hess = calloc(q * q, sizeof(double));
	w->step = calloc(q, sizeof(double));
	w->trial = calloc(q, sizeof(double));
	if (w->z == NULL || w->eta == NULL || w->grad == NULL ||
	    w->hess == NULL || w->step == NULL || w->trial == NULL)
		return -1;
	return 0;
}

void
logreg_free(struct logreg *lr)
{
	if (lr == NULL)
		return;
	free(lr->mean);
	free(lr->sd);
	free(lr->w);
	free(lr);
}

struct logreg *
logreg_new(const double *x, const int *y, size_t n, size_t p, double lambda,
    int *err)
{
	struct logreg *lr = NULL;
	struct logreg_work w;
	int rc;

	memset(&w, 0, sizeof(w));
	if ((rc = logreg_check(x, y, n, p, lambda)) != LOGREG_OK)
		goto err;
	rc = LOGREG_ENOMEM;
	if ((lr = calloc(1, sizeof(*lr))) == NULL)
		goto err;
	lr->p = p;
	w.n = n;
	w.p = p;
	w.y = y;
	w.lambda = lambda;
	if ((lr->mean = calloc(p, sizeof(double))) == NULL ||
	    (lr->sd = calloc(p, sizeof(double))) == NULL ||
	    (lr->w = calloc(p + 1, sizeof(double))) == NULL ||
	    logreg_work_alloc(&w) == -1)
		goto err;
	logreg_standardise(lr, &w, x);
	rc = logreg_newton(&w, lr->w);
err:
	logreg_work_free(&w);
	if (rc != LOGREG_OK) {
		logreg_free(lr);
		lr = NULL;
	}
	if (err != NULL)
		*err = rc;
	return lr;
}

size_t
logreg_nfeatures(const struct logreg *lr)
{
	return lr != NULL ? lr->p : 0;
}

int
logreg_predict(const struct logreg *lr, const double *x, size_t n,
    double *prob)
{
	size_t i, j, p;

	if (lr == NULL || x == NULL || prob == NULL)
		return LOGREG_EINVAL;
	p = lr->p;
	for (i = 0; i < n; i++) {
		double eta = lr->w[0];

		for (j = 0; j < p; j++) {
			if (!isfinite(x[i * p + j]))
				return LOGREG_ENONFINITE;
			eta += lr->w[j + 1] * (x[i * p + j] - lr->mean[j]) /
			    lr->sd[j];
		}
		prob[i] = logreg_sigmoid(eta);
	}
	return LOGREG_OK;
}

int
logreg_coef_std(const struct logreg *lr, double *intercept, double *coef)
{
	if (lr == NULL || intercept == NULL || coef == NULL)
		return LOGREG_EINVAL;
	*intercept = lr->w[0];
	memcpy(coef, lr->w + 1, lr->p * sizeof(double));
	return LOGREG_OK;
}

int
logreg_coef(const struct logreg *lr, double *intercept, double *coef)
{
	size_t j;

	if (lr == NULL || intercept == NULL || coef == NULL)
		return LOGREG_EINVAL;
	*intercept = lr->w[0];
	for (j = 0; j < lr->p; j++) {
		coef[j] = lr->w[j + 1] / lr->sd[j];
		*intercept -= coef[j] * lr->mean[j];
	}
	return LOGREG_OK;
}

struct logreg_pair {
	double	score;
	int	y;
};

static int
logreg_pair_cmp(const void *a, const void *b)
{
	double x = ((const struct logreg_pair *)a)->score;
	double y = ((const struct logreg_pair *)b)->score;

	return (x > y) - (x < y);
}

/*
 * Sum of the (1-based, tie-averaged) ranks of the positives in pairs
 * sorted by score.
 */
static double
logreg_rank_sum(const struct logreg_pair *pr, size_t n)
{
	size_t i = 0, j, k, pos;
	double sum = 0.0;

	while (i < n) {
		for (j = i, pos = 0; j < n && pr[j].score == pr[i].score; j++)
			;
		for (k = i; k < j; k++)
			pos += (size_t)pr[k].y;
		/* Ranks i+1 .. j share their mean (i + 1 + j) / 2. */
		sum += (double)pos * (double)(i + 1 + j) / 2.0;
		i = j;
	}
	return sum;
}

int
logreg_auc(const double *score, const int *y, size_t n, double *auc)
{
	struct logreg_pair *pr = NULL;
	size_t i, npos = 0;
	int rc = LOGREG_EINVAL;

	if (score == NULL || y == NULL || auc == NULL || n == 0)
		goto err;
	for (i = 0; i < n; i++) {
		if (!isfinite(score[i])) {
			rc = LOGREG_ENONFINITE;
			goto err;
		}
		if (y[i] != 0 && y[i] != 1) {
			rc = LOGREG_ELABEL;
			goto err;
		}
		npos += (size_t)y[i];
	}
	rc = LOGREG_EONECLASS;
	if (npos == 0 || npos == n)
		goto err;
	rc = LOGREG_ENOMEM;
	if ((pr = calloc(n, sizeof(*pr))) == NULL)
		goto err;
	for (i = 0; i < n; i++) {
		pr[i].score = score[i];
		pr[i].y = y[i];
	}
	qsort(pr, n, sizeof(*pr), logreg_pair_cmp);
	*auc = (logreg_rank_sum(pr, n) -
	    (double)npos * (double)(npos + 1) / 2.0) /
	    ((double)npos * (double)(n - npos));
	rc = LOGREG_OK;
err:
	free(pr);
	return rc;
}

int
logreg_calibration(const double *prob, const int *y, size_t n,
    struct logreg_bin *bins, size_t nbins, double *ece)
{
	size_t i, b;
	double e = 0.0;

	if (prob == NULL || y == NULL || bins == NULL || n == 0 || nbins == 0)
		return LOGREG_EINVAL;
	for (i = 0; i < n; i++) {
		if (!(prob[i] >= 0.0 && prob[i] <= 1.0))
			return LOGREG_ERANGE;
		if (y[i] != 0 && y[i] != 1)
			return LOGREG_ELABEL;
	}
	for (b = 0; b < nbins; b++) {
		bins[b].lo = (double)b / (double)nbins;
		bins[b].hi = (double)(b + 1) / (double)nbins;
		bins[b].count = 0;
		bins[b].mean_pred = bins[b].obs_rate = 0.0;
	}
	for (i = 0; i < n; i++) {
		b = (size_t)(prob[i] * (double)nbins);
		if (b >= nbins)
			b = nbins - 1;
		bins[b].count++;
		bins[b].mean_pred += prob[i];
		bins[b].obs_rate += (double)y[i];
	}
	for (b = 0; b < nbins; b++) {
		if (bins[b].count == 0)
			continue;
		bins[b].mean_pred /= (double)bins[b].count;
		bins[b].obs_rate /= (double)bins[b].count;
		e += (double)bins[b].count / (double)n *
		    fabs(bins[b].mean_pred - bins[b].obs_rate);
	}
	if (ece != NULL)
		*ece = e;
	return LOGREG_OK;
}

const char *
logreg_strerror(int err)
{
	if (err < 0 || err >= LOGREG_ERR__MAX)
		return "unknown error";
	return logreg_errstr[err];
}
