/* ets.h: additive-error exponential smoothing (ETS) forecasting for business series. */
#ifndef ETS_H
#define ETS_H

#include <stddef.h>

/*
 * Models follow Hyndman, Koehler, Ord & Snyder, "Forecasting with Exponential
 * Smoothing: the State Space Approach" (2008), additive-error forms only:
 *
 *   yhat_t = l + phi*b + s_{t-m}          e_t = y_t - yhat_t
 *   l_t    = l + phi*b + alpha*e_t
 *   b_t    =     phi*b + beta*e_t
 *   s_t    = s_{t-m}   + gamma*e_t
 *
 * Smoothing parameters are fitted by minimising the in-sample one-step SSE
 * (equivalently the Gaussian likelihood) with Nelder-Mead plus restarts over
 * 0<alpha<1, 0<beta<alpha, 0<gamma<1-alpha, 0.8<=phi<=0.98.  For each set of
 * smoothing parameters the initial states (l0, b0, m-1 free seasonal states,
 * the last one making them sum to zero) are solved exactly by linear least
 * squares, because one-step errors are linear in the initial state.
 * The model is chosen by AICc.
 *
 * Prediction intervals are ANALYTIC for every model (class 1 formulas,
 * Hyndman et al. 2008 ch. 6):  var_h = sigma2 * (1 + sum_{j=1}^{h-1} c_j^2),
 * c_j = alpha + beta*(phi + ... + phi^j) + gamma*[j mod m == 0],
 * with sigma2 = SSE / (n - k) (k = number of estimated parameters, as R's
 * forecast::ets), and normal quantiles 1.2816 (80 %) and 1.9600 (95 %).
 */

enum ets_err {
	ETS_OK = 0,
	ETS_EINVAL,	/* NULL pointer or argument out of range */
	ETS_ESHORT,	/* series too short (n < 4, or n < 2*season) */
	ETS_ENONFINITE,	/* NaN or infinite value in the series */
	ETS_ENOMEM,	/* out of memory */
	ETS_EFIT,	/* no finite fit found (e.g. values overflow) */
	ETS_EZERO,	/* MAPE undefined: an actual value is zero */
	ETS_ERR__MAX
};

enum ets_model {
	ETS_ANN,	/* level only (simple exponential smoothing) */
	ETS_AAN,	/* level + trend (Holt) */
	ETS_AADN,	/* level + damped trend */
	ETS_ANA,	/* level + additive season */
	ETS_AAA,	/* level + trend + additive season (Holt-Winters) */
	ETS_AADA,	/* level + damped trend + additive season */
	ETS_MODEL__MAX
};

#define ETS_MIN_N	4	/* shortest series accepted */
#define ETS_MAX_SEASON	52	/* longest season (weekly data, yearly cycle) */

/* Fitted parameters and fit statistics; unused terms are 0 (phi is 1). */
struct ets_params {
	double	alpha;
	double	beta;
	double	gamma;
	double	phi;
	double	level0;			/* initial level l_0 */
	double	trend0;			/* initial trend b_0 */
	double	season0[ETS_MAX_SEASON];	/* s_{1-m} .. s_0, sum 0 */
	int	season;			/* m used by the model (1 = none) */
	double	level;			/* final level l_n */
	double	trend;			/* final trend b_n */
	double	sse;			/* in-sample one-step SSE */
	double	sigma2;			/* SSE / (n - k) */
	double	aic;
	double	aicc;			/* AIC when n is too small for AICc */
	size_t	nparams;		/* k: smoothing + initial states + sigma2 */
	size_t	n;			/* observations fitted */
};

struct ets_fit;

/*
 * Fits every candidate model (ANN, AAN, AAdN; with season > 1 also ANA,
 * AAA, AAdA) to y[0..n-1] and keeps the one with the lowest AICc.
 * season <= 1 means no seasonality; season > 1 needs n >= 2*season.
 * y is copied from, not kept.  Returns a fit the caller frees with
 * ets_fit_free(), or NULL with *err set (ETS_ESHORT, ETS_ENONFINITE, ...).
 */
struct ets_fit	*ets_fit_new(const double *y, size_t n, int season, int *err);

/*
 * As ets_fit_new(), but each candidate model that warm (a fit from
 * ets_fit_new() or ets_fit_warm_new(), typically of a longer or later
 * stretch of the same series; may be NULL) also fitted starts its
 * optimisation from warm's smoothing parameters, with one Nelder-Mead run
 * and at most two restarts instead of three cold starts and up to six.
 * The optimum found is this series' own; warm only saves iterations.
 */
struct ets_fit	*ets_fit_warm_new(const double *y, size_t n, int season,
		    const struct ets_fit *warm, int *err);

/*
 * As ets_fit_new() but fits only the given model.  A seasonal model needs
 * season > 1 (else ETS_EINVAL) and n >= 2*season; a non-seasonal model
 * ignores season.  Caller frees with ets_fit_free().
 */
struct ets_fit	*ets_fit_model_new(const double *y, size_t n, int season,
		    enum ets_model model, int *err);

/* Frees a fit from ets_fit_new()/ets_fit_model_new(); NULL is a no-op. */
void		 ets_fit_free(struct ets_fit *fit);

/*
 * Writes h >= 1 point forecasts to mean[0..h-1] and the 80 % / 95 %
 * prediction bounds to lo80..hi95 (each may be NULL if not wanted).
 * All arrays are caller-owned, length h.  Returns ETS_OK or ETS_EINVAL.
 */
int		 ets_forecast(const struct ets_fit *fit, size_t h, double *mean,
		    double *lo80, double *hi80, double *lo95, double *hi95);

/* Fills *out with the fitted parameters.  Returns ETS_OK or ETS_EINVAL. */
int		 ets_params_get(const struct ets_fit *fit, struct ets_params *out);

/* Model of a fit. */
enum ets_model	 ets_model_get(const struct ets_fit *fit);

/* Short name of a fit's model ("ANN", "AAdA", ...); static string. */
const char	*ets_method_name(const struct ets_fit *fit);

/* Short name of a model enum; static string, "?" if out of range. */
const char	*ets_model_name(enum ets_model model);

/*
 * Rolling-origin backtest.  For each of the last `origins` origins
 * o = n-horizon-origins+1 .. n-horizon, refits ets_fit_new(y, o, season)
 * and forecasts `horizon` steps; mape_method[h-1] and mape_naive[h-1]
 * (caller-owned, length horizon) get the MAPE in percent at horizon h of
 * the method and of the naive last-value forecast.
 * Returns ETS_OK, or ETS_EINVAL, ETS_ESHORT (first origin too short for a
 * fit), ETS_ENONFINITE, ETS_EZERO (an actual is 0), ETS_ENOMEM, ETS_EFIT.
 */
int		 ets_backtest(const double *y, size_t n, int season,
		    size_t horizon, size_t origins, double *mape_method,
		    double *mape_naive);

/*
 * As ets_backtest(), with two economies for long series: window > 0 fits
 * each origin o on its last `window` points y[o-window .. o-1] only (a
 * rolling window, as the forecast that is being measured fits the last
 * `window` points of the series), and warm (may be NULL) warm-starts the
 * refit at every origin, see ets_fit_warm_new().  window 0 and warm NULL
 * is exactly ets_backtest().
 */
int		 ets_backtest_warm(const double *y, size_t n, int season,
		    size_t horizon, size_t origins, size_t window,
		    const struct ets_fit *warm, double *mape_method,
		    double *mape_naive);

/* Message for an ets_err code; static string. */
const char	*ets_strerror(int err);

#endif /* ETS_H */
