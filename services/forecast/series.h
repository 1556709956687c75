/* series.h — fit, forecast and backtest one time series, cached per data version. */
#ifndef SERIES_H
#define SERIES_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "ets.h"

#define SERIES_MIN_N	6	/* shortest history we forecast from */

/*
 * One forecast: the ETS model chosen by AICc on y[0..n-1], h point
 * forecasts with 80 % / 95 % bounds, and a rolling-origin backtest of the
 * same method (model choice included) against the naive last value.
 */
struct series_fc {
	char			 model[8];	/* "AAdN", ... */
	struct ets_params	 par;
	int			 season;	/* season the fit used (1 = none) */
	int			 season_asked;
	size_t			 n, h;		/* points fitted, horizon */
	size_t			 window;	/* n when the fit used the last n points only, else 0 */
	double			*mean, *lo80, *hi80, *lo95, *hi95;	/* h each */
	double			 last;		/* y[n-1] */
	size_t			 bt_h, bt_k;	/* backtest horizon, origins */
	int			 bt_err;	/* ETS_OK, or why there is none */
	double			*bt_method, *bt_naive;	/* bt_h each, MAPE % */
	uint64_t		 version;	/* hash of the data and options */
	double			 fit_ms;	/* time of the (uncached) fit */
	int			 cached;	/* 1 when served from the cache */
};

/*
 * A series as forecast.sql answers it before the fit (api.forecast_series):
 * the parsed answer, whose history values are the points to fit, and the
 * fit's options for its granularity.  SQL has chosen the window, the days
 * and the units; nothing here knows a date.
 */
struct series_in {
	cJSON		*answer;	/* owned: series_in_free() */
	const char	*kind;		/* the answer's "series": "mrr", "revenue", ... */
	const char	*unit_name;	/* "months" or "days", for messages */
	int		 season;	/* season asked for: 12 monthly, 7 daily */
	size_t		 origins;	/* backtest origins: 12 monthly, 8 daily */
	size_t		 n;		/* history points */
	double		*y;		/* their values, oldest first (owned) */
};

/*
 * Parse the series answer json (len bytes) into *in.  Returns 0 (caller
 * frees with series_in_free()), or -1 when json is not a series answer
 * or memory ran out (nothing to free).
 */
int		 series_in_load(struct series_in *in, const char *json, size_t len);
/* Free what series_in_load() allocated; in may be NULL. */
void		 series_in_free(struct series_in *in);

/*
 * Forecast h steps of y[0..n-1] (kind names the series in the cache key;
 * season > 1 asks for seasonality, used when the history holds two full
 * seasons before the first backtest origin; max_origins bounds the
 * backtest's refits).  Fills *out (caller frees with series_fc_free()).
 * Returns ETS_OK, ETS_ESHORT when n < SERIES_MIN_N, or another ets_err.
 * Thread-safe: results are cached per (kind, data, season, h) under a
 * mutex, the fit itself runs outside the lock.
 */
int		 series_forecast(const char *kind, const double *y, size_t n,
		    int season, size_t h, size_t max_origins, struct series_fc *out);
void		 series_fc_free(struct series_fc *);

/*
 * Add "method", "params", "backtest" and "data_version" of fc to obj.
 * Returns 0, or -1 when out of memory.
 */
int		 series_json_add(cJSON *obj, const struct series_fc *fc);

/*
 * The path of fc (h steps) towards target: through (day 0, now) and
 * (step[k], fc's k-th forecast) for k = 1..h, linear in between for the
 * mean and for the variance (sd from the 95 % band / 1.96); step[] holds
 * h + 1 days counted from the forecast's origin, step[0] = 0.  Sets *reach
 * to the first day on the path at or above target (0 when now is; -1 when
 * not by step[h]), *pm and *pv to the mean and variance on day pend (0 when
 * pend is off the path).
 */
void		 series_path(const struct series_fc *fc, const long *step, size_t h, double now,
		    double target, long pend, long *reach, double *pm, double *pv);

/*
 * Fit a series answer: h = the length of in->answer's "forecast" array
 * (the dates SQL chose); each of its objects gets "value", "lo80",
 * "hi80", "lo95", "hi95" (below 0 shown as 0), and the answer gets
 * "bounds_note", "method", "params", "backtest" and "data_version".
 * The one rule of every series route (GET /api/forecast/mrr, revenue,
 * costs, usage) and of the board pack's forecast (services/alerts/
 * report.c).  Returns ETS_OK (in->answer filled; still the caller's), or
 * the series_forecast() error (ETS_ESHORT: too little history), with
 * in->answer unchanged; ETS_ENOMEM when memory ran out while filling.
 */
int		 series_answer_fill(struct series_in *in);

/* Add name: v rounded to 2 decimals, or null when v is not finite. */
void		 series_add_num(cJSON *obj, const char *name, double v);

/* Round to 2 decimals (half away from zero). */
double		 series_round2(double v);

#endif /* SERIES_H */
