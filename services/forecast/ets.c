/* ets.c: additive-error exponential smoothing: fitting, model choice, forecasts, backtests. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ets.h"
#include "linalg.h"

#define ETS_PAR_LO	1e-4	/* margin keeping alpha, beta, gamma off 0 */
#define ETS_PAR_HI	0.9999	/* and off their upper bounds */
#define ETS_PHI_LO	0.8
#define ETS_PHI_HI	0.98
#define ETS_MAXSTATE	(2 + ETS_MAX_SEASON)
#define ETS_NSMOOTH	4	/* alpha, beta, gamma, phi */

#define NM_MAXEVAL	2000	/* evaluations per Nelder-Mead run */
#define NM_RESTARTS	6	/* fresh simplexes around the best point */
#define NM_FTOL		1e-10	/* relative spread of the simplex values */
#define NM_WARM_STEP	0.5	/* first simplex size around a warm start */
#define NM_WARM_RESTARTS 2	/* restarts after a warm start */
#define NM_WARM_FTOL	1e-7	/* a warm refit (backtest origin) stops sooner */

#define ETS_2PI	6.283185307179586476925
#define Z80	1.2815515655446004	/* standard normal 0.90 quantile */
#define Z95	1.9599639845400540	/* standard normal 0.975 quantile */

/* Model table, indexed by enum ets_model. */
static const struct {
	const char	*name;
	int		 trend;		/* has a trend state */
	int		 damped;	/* trend multiplied by phi */
	int		 seasonal;	/* has m seasonal states */
} ets_models[ETS_MODEL__MAX] = {
	[ETS_ANN] = { "ANN", 0, 0, 0 },
	[ETS_AAN] = { "AAN", 1, 0, 0 },
	[ETS_AADN] = { "AAdN", 1, 1, 0 },
	[ETS_ANA] = { "ANA", 0, 0, 1 },
	[ETS_AAA] = { "AAA", 1, 0, 1 },
	[ETS_AADA] = { "AAdA", 1, 1, 1 },
};

static const char *const ets_errstr[ETS_ERR__MAX] = {
	[ETS_OK] = "success",
	[ETS_EINVAL] = "invalid argument",
	[ETS_ESHORT] = "series too short (need at least 4 values, "
	    "and two full seasons for a seasonal model)",
	[ETS_ENONFINITE] = "series contains NaN or infinite values",
	[ETS_ENOMEM] = "out of memory",
	[ETS_EFIT] = "no finite model fit (values too large?)",
	[ETS_EZERO] = "MAPE undefined: an actual value is zero",
};

struct ets_smooth {
	double	alpha, beta, gamma, phi;
};

/* State vector; s is a ring: slot (t-1) % m holds s_{t-m} before step t. */
struct ets_state {
	double	l, b;
	double	s[ETS_MAX_SEASON];
};

struct ets_fit {
	enum ets_model		model;
	int			m;	/* 1 when non-seasonal */
	size_t			n;
	struct ets_smooth	sm;
	struct ets_state	x0;	/* initial state, s in time order */
	struct ets_state	xn;	/* final state, ring as after step n */
	double			sse, sigma2, aic, aicc;
	size_t			k;
	/* Smoothing parameters of every candidate fitted by ets_fit_new(),
	 * the warm starts of ets_fit_warm_new() and ets_backtest_warm(). */
	struct ets_smooth	cand[ETS_MODEL__MAX];
	unsigned char		cand_ok[ETS_MODEL__MAX];
};

/* Working memory for fitting one model to one series. */
struct ets_work {
	const double	*y;
	size_t		 n;
	enum ets_model	 model;
	int		 m;
	size_t		 q;		/* initial-state unknowns */
	size_t		 d;		/* smoothing parameters optimised */
	double		 ftol;		/* Nelder-Mead stopping spread */
	double		*z;		/* n: y - predictions from zero state */
	double		*cols;		/* q*n: predictions from unit states */
	double		 theta[ETS_MAXSTATE];
	double		 ata[ETS_MAXSTATE * ETS_MAXSTATE];
	double		 atz[ETS_MAXSTATE];
};

static double
ets_logistic(double u)
{
	if (u > 40.0)
		u = 40.0;
	if (u < -40.0)
		u = -40.0;
	return 1.0 / (1.0 + exp(-u));
}

static double
ets_logit(double p)
{
	return log(p / (1.0 - p));
}

static double
ets_squeeze(double u)
{
	return ETS_PAR_LO + (ETS_PAR_HI - ETS_PAR_LO) * ets_logistic(u);
}

/*
 * Maps unconstrained optimiser coordinates u[0..d-1] to smoothing parameters
 * inside the bounds: alpha first, then beta (fraction of alpha) if trended,
 * gamma (fraction of 1-alpha) if seasonal, phi if damped.
 */
static void
ets_unpack(enum ets_model model, const double *u, struct ets_smooth *sm)
{
	size_t i = 0;

	sm->alpha = ets_squeeze(u[i++]);
	sm->beta = sm->gamma = 0.0;
	sm->phi = 1.0;
	if (ets_models[model].trend)
		sm->beta = sm->alpha * ets_squeeze(u[i++]);
	if (ets_models[model].seasonal)
		sm->gamma = (1.0 - sm->alpha) * ets_squeeze(u[i++]);
	if (ets_models[model].damped)
		sm->phi = ETS_PHI_LO +
		    (ETS_PHI_HI - ETS_PHI_LO) * ets_logistic(u[i]);
}

/* Inverse of ets_unpack() for a starting point; fractions in (0,1). */
static void
ets_pack(enum ets_model model, double alpha, double bfrac, double gfrac,
    double pfrac, double *u)
{
	size_t i = 0;
	double span = ETS_PAR_HI - ETS_PAR_LO;

	u[i++] = ets_logit((alpha - ETS_PAR_LO) / span);
	if (ets_models[model].trend)
		u[i++] = ets_logit((bfrac - ETS_PAR_LO) / span);
	if (ets_models[model].seasonal)
		u[i++] = ets_logit((gfrac - ETS_PAR_LO) / span);
	if (ets_models[model].damped)
		u[i] = ets_logit(pfrac);
}

/*
 * p clamped to [0.005, 0.995] for a warm start: a parameter at its bound
 * sits where the logistic map is flat, and a simplex started there cannot
 * see an optimum inside; from logit +-5.3 it still reaches the bound by
 * expansion steps when that is where the optimum is.
 */
static double
ets_clamp01(double p)
{
	return p < 0.005 ? 0.005 : p > 0.995 ? 0.995 : p;
}

/* Optimiser coordinates of fitted smoothing parameters (warm start). */
static void
ets_pack_smooth(enum ets_model model, const struct ets_smooth *sm, double *u)
{
	double span = ETS_PAR_HI - ETS_PAR_LO;
	double a = ETS_PAR_LO + span * ets_clamp01((sm->alpha - ETS_PAR_LO) / span);
	double bfrac = sm->beta / a, gfrac = sm->gamma / (1.0 - a);
	double pfrac = (sm->phi - ETS_PHI_LO) / (ETS_PHI_HI - ETS_PHI_LO);

	ets_pack(model, a, ETS_PAR_LO + span * ets_clamp01((bfrac - ETS_PAR_LO) / span),
	    ETS_PAR_LO + span * ets_clamp01((gfrac - ETS_PAR_LO) / span),
	    ets_clamp01(pfrac), u);
}

/*
 * Runs the error-correction recursions from state *x0 over y[0..n-1]
 * (y NULL means all zeros), writing one-step predictions to yhat[0..n-1]
 * and the final state to *xn.  Returns 0, or -1 on a non-finite value.
 */
static int
ets_filter(const struct ets_smooth *sm, int m, const struct ets_state *x0,
    const double *y, size_t n, double *yhat, struct ets_state *xn)
{
	size_t t;

	*xn = *x0;
	for (t = 0; t < n; t++) {
		size_t slot = m > 1 ? t % (size_t)m : 0;
		double pb = sm->phi * xn->b;
		double f = xn->l + pb + xn->s[slot];
		double e;

		if (!isfinite(f))
			return -1;
		e = (y != NULL ? y[t] : 0.0) - f;
		yhat[t] = f;
		xn->l += pb + sm->alpha * e;
		xn->b = pb + sm->beta * e;
		xn->s[slot] += sm->gamma * e;
	}
	return 0;
}

/*
 * Turns least-squares unknowns theta (l0, [b0], [s_{1-m} .. s_{-1}]) into a
 * full initial state; the last seasonal state makes the season sum to 0,
 * which removes the level/season ambiguity.
 */
static void
ets_theta_state(enum ets_model model, int m, const double *theta,
    struct ets_state *x)
{
	size_t i = 0;
	int j;
	double sum = 0.0;

	memset(x, 0, sizeof(*x));
	x->l = theta[i++];
	if (ets_models[model].trend)
		x->b = theta[i++];
	if (!ets_models[model].seasonal)
		return;
	for (j = 0; j < m - 1; j++) {
		x->s[j] = theta[i++];
		sum += x->s[j];
	}
	x->s[m - 1] = -sum;
}

/*
 * Solves the q x q symmetric positive system a x = b in place by Cholesky
 * (b becomes x) after a tiny ridge for near-collinear columns.
 * Returns 0, or -1 if the matrix is not positive definite.
 */
static int
ets_cholesky_solve(double *a, double *b, size_t q)
{
	size_t i;
	double dmax = 0.0;

	for (i = 0; i < q; i++)
		if (a[i * q + i] > dmax)
			dmax = a[i * q + i];
	for (i = 0; i < q; i++)
		a[i * q + i] += 1e-13 * dmax;
	return linalg_cholesky_solve(a, b, q);
}

/*
 * Builds the regression of the one-step errors on the initial state for
 * smoothing parameters *sm: w->z gets y minus the zero-state predictions,
 * w->cols the predictions from each unit initial state (y = 0); the filter
 * is linear in (x0, y), so errors = z - cols * theta.  Returns 0 or -1.
 */
static int
ets_design(struct ets_work *w, const struct ets_smooth *sm)
{
	struct ets_state x0, xn;
	double unit[ETS_MAXSTATE];
	size_t t, k;

	memset(&x0, 0, sizeof(x0));
	if (ets_filter(sm, w->m, &x0, w->y, w->n, w->z, &xn) == -1)
		return -1;
	for (t = 0; t < w->n; t++)
		w->z[t] = w->y[t] - w->z[t];
	for (k = 0; k < w->q; k++) {
		memset(unit, 0, sizeof(unit));
		unit[k] = 1.0;
		ets_theta_state(w->model, w->m, unit, &x0);
		if (ets_filter(sm, w->m, &x0, NULL, w->n, w->cols + k * w->n,
		    &xn) == -1)
			return -1;
	}
	return 0;
}

/*
 * Profile SSE: for smoothing parameters *sm, solves for the least-squares
 * initial state (left in w->theta) and returns the resulting one-step SSE,
 * or HUGE_VAL if the fit is numerically impossible.
 */
static double
ets_profile_sse(struct ets_work *w, const struct ets_smooth *sm)
{
	size_t i, j, t, q = w->q, n = w->n;
	double s, sse = 0.0;

	if (ets_design(w, sm) == -1)
		return HUGE_VAL;
	for (i = 0; i < q; i++) {
		const double *ci = w->cols + i * n;

		for (j = 0; j <= i; j++) {
			const double *cj = w->cols + j * n;

			for (s = 0.0, t = 0; t < n; t++)
				s += ci[t] * cj[t];
			w->ata[i * q + j] = w->ata[j * q + i] = s;
		}
		for (s = 0.0, t = 0; t < n; t++)
			s += ci[t] * w->z[t];
		w->atz[i] = s;
	}
	if (ets_cholesky_solve(w->ata, w->atz, q) == -1)
		return HUGE_VAL;
	memcpy(w->theta, w->atz, q * sizeof(double));
	for (t = 0; t < n; t++) {
		double e = w->z[t];

		for (i = 0; i < q; i++)
			e -= w->cols[i * n + t] * w->theta[i];
		sse += e * e;
	}
	return isfinite(sse) ? sse : HUGE_VAL;
}

static double
ets_objective(struct ets_work *w, const double *u)
{
	struct ets_smooth sm;

	ets_unpack(w->model, u, &sm);
	return ets_profile_sse(w, &sm);
}

/*
 * One Nelder-Mead run in d <= 4 dimensions from x[0..d-1] with initial
 * step `step`; x gets the best point found.  Returns its objective value.
 */
static double
ets_nelder_mead(struct ets_work *w, double *x, size_t d, double step)
{
	double p[ETS_NSMOOTH + 1][ETS_NSMOOTH], fv[ETS_NSMOOTH + 1];
	double c[ETS_NSMOOTH], r[ETS_NSMOOTH], xe[ETS_NSMOOTH], fe;
	size_t i, j, lo, evals = 0;

	for (i = 0; i <= d; i++) {
		memcpy(p[i], x, d * sizeof(double));
		if (i > 0)
			p[i][i - 1] += step;
		fv[i] = ets_objective(w, p[i]);
		evals++;
	}
	while (evals < NM_MAXEVAL) {
		size_t hi = 0, nh;
		double fr;

		lo = 0;
		for (i = 1; i <= d; i++) {
			if (fv[i] < fv[lo])
				lo = i;
			if (fv[i] > fv[hi])
				hi = i;
		}
		nh = lo == 0 ? 1 : 0;
		for (i = 0; i <= d; i++)
			if (i != hi && fv[i] > fv[nh])
				nh = i;
		if (fv[hi] - fv[lo] <= w->ftol * fabs(fv[lo]) + 1e-300)
			break;
		for (j = 0; j < d; j++) {
			for (c[j] = 0.0, i = 0; i <= d; i++)
				if (i != hi)
					c[j] += p[i][j];
			c[j] /= (double)d;
			r[j] = 2.0 * c[j] - p[hi][j];
		}
		fr = ets_objective(w, r);
		evals++;
		if (fr < fv[lo]) {
			for (j = 0; j < d; j++)
				xe[j] = 3.0 * c[j] - 2.0 * p[hi][j];
			fe = ets_objective(w, xe);
			evals++;
			if (fe < fr) {
				memcpy(p[hi], xe, d * sizeof(double));
				fv[hi] = fe;
			} else {
				memcpy(p[hi], r, d * sizeof(double));
				fv[hi] = fr;
			}
			continue;
		}
		if (fr < fv[nh]) {
			memcpy(p[hi], r, d * sizeof(double));
			fv[hi] = fr;
			continue;
		}
		/* Contract: outside if the reflection helped, else inside. */
		for (j = 0; j < d; j++)
			xe[j] = fr < fv[hi] ? 0.5 * (c[j] + r[j]) :
			    0.5 * (c[j] + p[hi][j]);
		fe = ets_objective(w, xe);
		evals++;
		if (fe < fmin(fr, fv[hi])) {
			memcpy(p[hi], xe, d * sizeof(double));
			fv[hi] = fe;
			continue;
		}
		for (i = 0; i <= d; i++) {
			if (i == lo)
				continue;
			for (j = 0; j < d; j++)
				p[i][j] = 0.5 * (p[i][j] + p[lo][j]);
			fv[i] = ets_objective(w, p[i]);
			evals++;
		}
	}
	for (lo = 0, i = 1; i <= d; i++)
		if (fv[i] < fv[lo])
			lo = i;
	memcpy(x, p[lo], d * sizeof(double));
	return fv[lo];
}

/*
 * Minimises the profile SSE over the smoothing parameters: Nelder-Mead from
 * several starting points, then restarts with fresh simplexes around the
 * best point until they stop improving.  u[0..w->d-1] gets the optimum.
 * Returns the SSE there (HUGE_VAL if no finite point was found).
 */
static double
ets_optimise(struct ets_work *w, const struct ets_smooth *warm, double *u)
{
	static const double alphas[] = { 0.1, 0.3, 0.7 };
	double x[ETS_NSMOOTH], f, best = HUGE_VAL;
	size_t i, restarts = NM_RESTARTS;

	if (warm != NULL) {
		/*
		 * A run from the warm start and one from the first cold
		 * start (the profile SSE can have two basins, e.g. a tiny
		 * alpha without trend against a larger one with it), the
		 * better kept, then a few restarts.
		 */
		ets_pack_smooth(w->model, warm, x);
		best = ets_nelder_mead(w, x, w->d, NM_WARM_STEP);
		memcpy(u, x, w->d * sizeof(double));
		ets_pack(w->model, alphas[0], 0.1, 0.1, 0.5, x);
		if ((f = ets_nelder_mead(w, x, w->d, 1.0)) < best) {
			best = f;
			memcpy(u, x, w->d * sizeof(double));
		}
		restarts = NM_WARM_RESTARTS;
	} else
		for (i = 0; i < sizeof(alphas) / sizeof(alphas[0]); i++) {
			ets_pack(w->model, alphas[i], 0.1, 0.1, 0.5, x);
			f = ets_nelder_mead(w, x, w->d, 1.0);
			if (f < best) {
				best = f;
				memcpy(u, x, w->d * sizeof(double));
			}
		}
	for (i = 0; i < restarts && isfinite(best); i++) {
		memcpy(x, u, w->d * sizeof(double));
		f = ets_nelder_mead(w, x, w->d, 0.5);
		if (!(f < best))
			break;
		memcpy(u, x, w->d * sizeof(double));
		if (best - f <= 1e-9 * best) {
			best = f;
			break;
		}
		best = f;
	}
	return best;
}

/* Number of least-squares initial-state unknowns of a model. */
static size_t
ets_nstates(enum ets_model model, int m)
{
	return 1 + (size_t)ets_models[model].trend +
	    (ets_models[model].seasonal ? (size_t)m - 1 : 0);
}

/* Number of smoothing parameters a model estimates. */
static size_t
ets_nsmooth(enum ets_model model)
{
	return 1 + (size_t)ets_models[model].trend +
	    (size_t)ets_models[model].seasonal +
	    (size_t)ets_models[model].damped;
}

/*
 * Fills the fit statistics of *f from its SSE: Gaussian AIC with
 * k = smoothing + initial states + sigma2, AICc, and sigma2 = SSE/(n-k).
 * The SSE is floored at a relative 1e-10 error so an exact fit (a straight
 * line) still has a finite AIC that beats every inexact model.
 */
static void
ets_stats(struct ets_fit *f, double scale)
{
	double n = (double)f->n, k = (double)f->k, floor, sse;

	floor = n * (1e-10 * scale) * (1e-10 * scale);
	if (floor < 1e-300)
		floor = 1e-300;
	sse = f->sse > floor ? f->sse : floor;
	f->aic = n * (log(ETS_2PI * sse / n) + 1.0) + 2.0 * k;
	f->aicc = f->aic;
	if (n - k - 1.0 > 0.0)
		f->aicc += 2.0 * k * (k + 1.0) / (n - k - 1.0);
	f->sigma2 = f->sse / (n - k > 1.0 ? n - k : 1.0);
}

/*
 * Finishes a fit from the optimised smoothing parameters: least-squares
 * initial state, a final pass for residual SSE and the end state, stats.
 */
static int
ets_finish(struct ets_work *w, const double *u, double *yhat,
    struct ets_fit *f, double scale)
{
	size_t t;

	ets_unpack(w->model, u, &f->sm);
	if (!isfinite(ets_profile_sse(w, &f->sm)))
		return ETS_EFIT;
	ets_theta_state(w->model, w->m, w->theta, &f->x0);
	if (ets_filter(&f->sm, w->m, &f->x0, w->y, w->n, yhat, &f->xn) == -1)
		return ETS_EFIT;
	for (f->sse = 0.0, t = 0; t < w->n; t++)
		f->sse += (w->y[t] - yhat[t]) * (w->y[t] - yhat[t]);
	if (!isfinite(f->sse))
		return ETS_EFIT;
	ets_stats(f, scale);
	return ETS_OK;
}

/* Largest absolute value of y[0..n-1], at least 1 (scale for floors). */
static double
ets_scale(const double *y, size_t n)
{
	double s = 1.0;
	size_t t;

	for (t = 0; t < n; t++)
		if (fabs(y[t]) > s)
			s = fabs(y[t]);
	return s;
}

/*
 * Fits one model to y[0..n-1] (already validated) into *f.
 * Returns ETS_OK, ETS_ENOMEM or ETS_EFIT.
 */
static int
ets_fit_one(const double *y, size_t n, int m, enum ets_model model,
    const struct ets_smooth *warm, struct ets_fit *f)
{
	struct ets_work *w;
	double u[ETS_NSMOOTH], *yhat = NULL;
	int rc = ETS_ENOMEM;

	memset(f, 0, sizeof(*f));
	f->model = model;
	f->m = ets_models[model].seasonal ? m : 1;
	f->n = n;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return ETS_ENOMEM;
	w->y = y;
	w->n = n;
	w->model = model;
	w->m = f->m;
	w->q = ets_nstates(model, f->m);
	w->d = ets_nsmooth(model);
	w->ftol = warm != NULL ? NM_WARM_FTOL : NM_FTOL;
	f->k = w->q + w->d + 1;
	if ((w->z = calloc(n, sizeof(double))) == NULL ||
	    (w->cols = calloc(n * w->q, sizeof(double))) == NULL ||
	    (yhat = calloc(n, sizeof(double))) == NULL)
		goto err;
	rc = ETS_EFIT;
	if (!isfinite(ets_optimise(w, warm, u)))
		goto err;
	rc = ets_finish(w, u, yhat, f, ets_scale(y, n));
err:
	free(yhat);
	free(w->cols);
	free(w->z);
	free(w);
	return rc;
}

/*
 * A constant series is fitted exactly by ANN with l0 = y[0]; every alpha
 * gives SSE 0, so alpha is arbitrary (0.5).  Done by hand so the
 * intervals are exactly zero-width rather than round-off wide.
 */
static void
ets_fit_constant(const double *y, size_t n, struct ets_fit *f)
{
	memset(f, 0, sizeof(*f));
	f->model = ETS_ANN;
	f->m = 1;
	f->n = n;
	f->sm.alpha = 0.5;
	f->sm.phi = 1.0;
	f->x0.l = f->xn.l = y[0];
	f->k = 3;
	ets_stats(f, ets_scale(y, n));
}

/* Checks arguments shared by the fitting entry points; returns ets_err. */
static int
ets_check(const double *y, size_t n, int season)
{
	size_t t;

	if (y == NULL || season > ETS_MAX_SEASON)
		return ETS_EINVAL;
	for (t = 0; t < n; t++)
		if (!isfinite(y[t]))
			return ETS_ENONFINITE;
	if (n < ETS_MIN_N || (season > 1 && n < 2 * (size_t)season))
		return ETS_ESHORT;
	return ETS_OK;
}

static int
ets_is_constant(const double *y, size_t n)
{
	size_t t;

	for (t = 1; t < n; t++)
		if (y[t] != y[0])
			return 0;
	return 1;
}

/* Whether AICc is defined for a model with k parameters on n points. */
static int
ets_aicc_ok(const struct ets_fit *f)
{
	return f->n > f->k + 1;
}

struct ets_fit *
ets_fit_model_new(const double *y, size_t n, int season,
    enum ets_model model, int *err)
{
	struct ets_fit *f = NULL;
	int rc;

	if ((unsigned)model >= ETS_MODEL__MAX ||
	    (ets_models[model].seasonal && season <= 1)) {
		rc = ETS_EINVAL;
		goto err;
	}
	/* A non-seasonal model ignores season, so no two-season minimum. */
	if ((rc = ets_check(y, n, ets_models[model].seasonal ? season : 1)) !=
	    ETS_OK)
		goto err;
	rc = ETS_ENOMEM;
	if ((f = malloc(sizeof(*f))) == NULL)
		goto err;
	rc = ets_fit_one(y, n, season, model, NULL, f);
err:
	if (rc != ETS_OK) {
		free(f);
		f = NULL;
	}
	if (err != NULL)
		*err = rc;
	return f;
}

/*
 * Fits every candidate (see ets_fit_new()); warm, if not NULL, gives each
 * candidate it fitted a starting point for the optimiser.
 */
static struct ets_fit *
ets_fit_all(const double *y, size_t n, int season, const struct ets_fit *warm,
    int *err)
{
	struct ets_fit *best = NULL, *cand = NULL;
	struct ets_smooth sm[ETS_MODEL__MAX];
	unsigned char ok[ETS_MODEL__MAX] = { 0 };
	enum ets_model mo, last;
	int rc;

	if ((rc = ets_check(y, n, season)) != ETS_OK)
		goto err;
	rc = ETS_ENOMEM;
	if ((best = malloc(sizeof(*best))) == NULL ||
	    (cand = malloc(sizeof(*cand))) == NULL)
		goto err;
	if (ets_is_constant(y, n)) {
		ets_fit_constant(y, n, best);
		rc = ETS_OK;
		goto err;
	}
	/* ANN is always fitted; it is the fallback when AICc is undefined. */
	if ((rc = ets_fit_one(y, n, season, ETS_ANN, warm != NULL &&
	    warm->cand_ok[ETS_ANN] ? &warm->cand[ETS_ANN] : NULL, best)) != ETS_OK)
		goto err;
	sm[ETS_ANN] = best->sm;
	ok[ETS_ANN] = 1;
	last = season > 1 ? ETS_AADA : ETS_AADN;
	for (mo = ETS_AAN; mo <= last; mo++) {
		rc = ets_fit_one(y, n, season, mo, warm != NULL && warm->cand_ok[mo] ?
		    &warm->cand[mo] : NULL, cand);
		if (rc == ETS_ENOMEM)
			goto err;
		if (rc != ETS_OK)
			continue;
		sm[mo] = cand->sm;
		ok[mo] = 1;
		if (!ets_aicc_ok(cand))
			continue;
		if (cand->aicc < best->aicc || !ets_aicc_ok(best))
			memcpy(best, cand, sizeof(*best));
	}
	memcpy(best->cand, sm, sizeof(sm));
	memcpy(best->cand_ok, ok, sizeof(ok));
	rc = ETS_OK;
err:
	free(cand);
	if (rc != ETS_OK) {
		free(best);
		best = NULL;
	}
	if (err != NULL)
		*err = rc;
	return best;
}

struct ets_fit *
ets_fit_new(const double *y, size_t n, int season, int *err)
{
	return ets_fit_all(y, n, season, NULL, err);
}

struct ets_fit *
ets_fit_warm_new(const double *y, size_t n, int season,
    const struct ets_fit *warm, int *err)
{
	return ets_fit_all(y, n, season, warm, err);
}

void
ets_fit_free(struct ets_fit *fit)
{
	free(fit);
}

int
ets_forecast(const struct ets_fit *fit, size_t h, double *mean,
    double *lo80, double *hi80, double *lo95, double *hi95)
{
	const struct ets_smooth *sm;
	size_t i;
	double var = 0.0, pj = 0.0, pw = 1.0;

	if (fit == NULL || mean == NULL || h == 0)
		return ETS_EINVAL;
	sm = &fit->sm;
	for (i = 1; i <= h; i++) {
		/* Season for n+i: the latest s with the same phase, s_{n+i-m*ceil(i/m)}. */
		size_t slot = fit->m > 1 ? (fit->n + i - 1) % (size_t)fit->m : 0;
		double seas = fit->m > 1 ? fit->xn.s[slot] : 0.0;
		double c, sd;

		pw *= sm->phi;
		pj += pw;
		mean[i - 1] = fit->xn.l + pj * fit->xn.b + seas;
		/* var_i = sigma2 (1 + sum_{j<i} c_j^2); c_{i} added after use. */
		sd = sqrt(fit->sigma2 * (1.0 + var));
		c = sm->alpha + sm->beta * pj +
		    (fit->m > 1 && i % (size_t)fit->m == 0 ? sm->gamma : 0.0);
		var += c * c;
		if (lo80 != NULL)
			lo80[i - 1] = mean[i - 1] - Z80 * sd;
		if (hi80 != NULL)
			hi80[i - 1] = mean[i - 1] + Z80 * sd;
		if (lo95 != NULL)
			lo95[i - 1] = mean[i - 1] - Z95 * sd;
		if (hi95 != NULL)
			hi95[i - 1] = mean[i - 1] + Z95 * sd;
	}
	return ETS_OK;
}

int
ets_params_get(const struct ets_fit *fit, struct ets_params *out)
{
	if (fit == NULL || out == NULL)
		return ETS_EINVAL;
	memset(out, 0, sizeof(*out));
	out->alpha = fit->sm.alpha;
	out->beta = fit->sm.beta;
	out->gamma = fit->sm.gamma;
	out->phi = fit->sm.phi;
	out->level0 = fit->x0.l;
	out->trend0 = fit->x0.b;
	out->season = fit->m;
	if (fit->m > 1)
		memcpy(out->season0, fit->x0.s, (size_t)fit->m * sizeof(double));
	out->level = fit->xn.l;
	out->trend = fit->xn.b;
	out->sse = fit->sse;
	out->sigma2 = fit->sigma2;
	out->aic = fit->aic;
	out->aicc = fit->aicc;
	out->nparams = fit->k;
	out->n = fit->n;
	return ETS_OK;
}

enum ets_model
ets_model_get(const struct ets_fit *fit)
{
	return fit != NULL ? fit->model : ETS_ANN;
}

const char *
ets_model_name(enum ets_model model)
{
	if ((unsigned)model >= ETS_MODEL__MAX)
		return "?";
	return ets_models[model].name;
}

const char *
ets_method_name(const struct ets_fit *fit)
{
	return fit != NULL ? ets_models[fit->model].name : "?";
}

/*
 * Adds the absolute percentage errors of origin o (train y[0..o-1]) to
 * sum_method/sum_naive[0..h-1].  Returns an ets_err code.
 */
static int
ets_backtest_origin(const double *y, size_t o, int season, size_t h,
    size_t window, const struct ets_fit *warm, double *fc, double *sum_method,
    double *sum_naive)
{
	struct ets_fit *fit;
	size_t i, start = window > 0 && o > window ? o - window : 0;
	int rc;

	if ((fit = ets_fit_all(y + start, o - start, season, warm, &rc)) == NULL)
		return rc;
	rc = ets_forecast(fit, h, fc, NULL, NULL, NULL, NULL);
	ets_fit_free(fit);
	if (rc != ETS_OK)
		return rc;
	for (i = 0; i < h; i++) {
		if (y[o + i] == 0.0)
			return ETS_EZERO;
		sum_method[i] += fabs((y[o + i] - fc[i]) / y[o + i]);
		sum_naive[i] += fabs((y[o + i] - y[o - 1]) / y[o + i]);
	}
	return ETS_OK;
}

int
ets_backtest(const double *y, size_t n, int season, size_t horizon,
    size_t origins, double *mape_method, double *mape_naive)
{
	return ets_backtest_warm(y, n, season, horizon, origins, 0, NULL,
	    mape_method, mape_naive);
}

int
ets_backtest_warm(const double *y, size_t n, int season, size_t horizon,
    size_t origins, size_t window, const struct ets_fit *warm,
    double *mape_method, double *mape_naive)
{
	double *fc = NULL;
	size_t i, k;
	int rc = ETS_EINVAL;

	if (y == NULL || mape_method == NULL || mape_naive == NULL ||
	    horizon == 0 || origins == 0)
		goto err;
	rc = ETS_ENONFINITE;
	for (i = 0; i < n; i++)
		if (!isfinite(y[i]))
			goto err;
	rc = ETS_ESHORT;
	if (n < horizon + origins || n - horizon - origins + 1 < ETS_MIN_N)
		goto err;
	rc = ETS_ENOMEM;
	if ((fc = calloc(horizon, sizeof(double))) == NULL)
		goto err;
	for (i = 0; i < horizon; i++)
		mape_method[i] = mape_naive[i] = 0.0;
	for (k = 0; k < origins; k++) {
		rc = ets_backtest_origin(y, n - horizon - origins + 1 + k,
		    season, horizon, window, warm, fc, mape_method, mape_naive);
		if (rc != ETS_OK)
			goto err;
	}
	for (i = 0; i < horizon; i++) {
		mape_method[i] *= 100.0 / (double)origins;
		mape_naive[i] *= 100.0 / (double)origins;
	}
	rc = ETS_OK;
err:
	free(fc);
	return rc;
}

const char *
ets_strerror(int err)
{
	if (err < 0 || err >= ETS_ERR__MAX)
		return "unknown error";
	return ets_errstr[err];
}
