/*
 * series.c — the forecast of one series as the service answers it: ETS fit
 * (ets.c) with the season decided from the history length, h forecasts
 * with bands, a rolling-origin backtest against the naive forecast, and a
 * per-process cache keyed by a hash of the data ("data version"), since
 * the backtest refits the model at every origin and costs tens of ms.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "northstar.h"
#include "series.h"

#define SERIES_CACHE	32	/* entries kept per process */
#define SERIES_ORIGINS_M 12	/* backtest origins, monthly series */
#define SERIES_ORIGINS_D 8	/* backtest origins, daily series */
#define SERIES_PATH_MAX	24	/* longest target path, in forecast steps */
#define SERIES_MIN_FIT	6	/* shortest backtest origin */
/*
 * A seasonal series is fitted on its last SERIES_WINDOW_SEASONS seasons
 * only (daily data, season 7: the last 112 days), and each backtest origin
 * on the same length of history before it.  Sixteen seasons estimate the
 * season well and keep the cost of a fit, linear in the points fitted,
 * independent of how much history is fetched (52 weeks for daily series).
 */
#define SERIES_WINDOW_SEASONS	16

struct series_slot {
	int		 used;
	char		 kind[24];
	uint64_t	 version;
	unsigned long	 stamp;		/* last use, for LRU */
	struct series_fc fc;
};

static pthread_mutex_t	 series_lock = PTHREAD_MUTEX_INITIALIZER;
static struct series_slot series_cache[SERIES_CACHE];
static unsigned long	 series_clock;

double
series_round2(double v)
{
	return round(v * 100.0) / 100.0;
}

void
series_add_num(cJSON *obj, const char *name, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(obj, name, series_round2(v));
	else
		cJSON_AddNullToObject(obj, name);
}

int
series_in_load(struct series_in *in, const char *json, size_t len)
{
	const cJSON	*hist, *p, *v;
	const char	*gran;
	size_t		 i = 0;

	memset(in, 0, sizeof(*in));
	if ((in->answer = cJSON_ParseWithLength(json, len)) == NULL)
		return -1;
	in->kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in->answer, "series"));
	gran = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in->answer, "granularity"));
	hist = cJSON_GetObjectItemCaseSensitive(in->answer, "history");
	if (in->kind == NULL || gran == NULL || !cJSON_IsArray(hist))
		goto err;
	if (strcmp(gran, "month") == 0) {
		in->unit_name = "months";
		in->season = 12;
		in->origins = SERIES_ORIGINS_M;
	} else if (strcmp(gran, "day") == 0) {
		in->unit_name = "days";
		in->season = 7;
		in->origins = SERIES_ORIGINS_D;
	} else
		goto err;
	in->n = (size_t)cJSON_GetArraySize(hist);
	if ((in->y = calloc(in->n + 1, sizeof(double))) == NULL)
		goto err;
	cJSON_ArrayForEach(p, hist) {
		if (!cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(p, "value")))
			goto err;
		in->y[i++] = v->valuedouble;
	}
	return 0;
err:
	series_in_free(in);
	return -1;
}

void
series_in_free(struct series_in *in)
{
	if (in == NULL)
		return;
	cJSON_Delete(in->answer);
	free(in->y);
	memset(in, 0, sizeof(*in));
}

void
series_fc_free(struct series_fc *fc)
{
	if (fc == NULL)
		return;
	free(fc->mean);
	free(fc->bt_method);
	fc->mean = fc->lo80 = fc->hi80 = fc->lo95 = fc->hi95 = NULL;
	fc->bt_method = fc->bt_naive = NULL;
}

/* Arrays live in two blocks: 5*h forecast values, 2*bt_h backtest values. */
static int
series_fc_alloc(struct series_fc *fc)
{
	fc->mean = calloc(5 * fc->h, sizeof(double));
	fc->bt_method = calloc(2 * (fc->bt_h > 0 ? fc->bt_h : 1), sizeof(double));
	if (fc->mean == NULL || fc->bt_method == NULL) {
		series_fc_free(fc);
		return -1;
	}
	fc->lo80 = fc->mean + fc->h;
	fc->hi80 = fc->mean + 2 * fc->h;
	fc->lo95 = fc->mean + 3 * fc->h;
	fc->hi95 = fc->mean + 4 * fc->h;
	fc->bt_naive = fc->bt_method + (fc->bt_h > 0 ? fc->bt_h : 1);
	return 0;
}

static int
series_fc_copy(struct series_fc *dst, const struct series_fc *src)
{
	*dst = *src;
	dst->mean = dst->bt_method = NULL;
	if (series_fc_alloc(dst) != 0)
		return -1;
	memcpy(dst->mean, src->mean, 5 * src->h * sizeof(double));
	memcpy(dst->bt_method, src->bt_method, 2 * (src->bt_h > 0 ? src->bt_h : 1) * sizeof(double));
	return 0;
}

/* The uncached work: season choice, fit, forecast, backtest. */
static int
series_compute(const double *y, size_t n, int season, size_t h,
    size_t max_origins, struct series_fc *fc)
{
	struct ets_fit	*fit;
	struct timespec	 t0, t1;
	size_t		 hb, k, w = 0;
	int		 err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(fc, 0, sizeof(*fc));
	fc->h = h;
	fc->season_asked = season;
	fc->last = y[n - 1];
	/*
	 * Backtest: horizons 1..hb from the last k origins; the first
	 * origin keeps SERIES_MIN_FIT points.  The season is used only if
	 * that first origin still holds two full seasons, so the backtest
	 * measures the very method that forecasts.
	 */
	hb = n - SERIES_MIN_FIT < h ? n - SERIES_MIN_FIT : h;
	k = n - hb - SERIES_MIN_FIT + 1;
	if (k > max_origins)
		k = max_origins;
	fc->season = season > 1 && n - hb - k + 1 >= 2 * (size_t)season ? season : 1;
	fc->bt_h = hb;
	fc->bt_k = k;
	if (fc->season > 1 && n > SERIES_WINDOW_SEASONS * (size_t)fc->season)
		w = SERIES_WINDOW_SEASONS * (size_t)fc->season;
	fc->window = w;
	fc->n = w > 0 ? w : n;
	if (series_fc_alloc(fc) != 0)
		return ETS_ENOMEM;
	/* The forecast: a cold fit (three starts, restarts) on the window. */
	if ((fit = ets_fit_new(y + (n - fc->n), fc->n, fc->season, &err)) == NULL) {
		series_fc_free(fc);
		return err;
	}
	snprintf(fc->model, sizeof(fc->model), "%s", ets_method_name(fit));
	ets_params_get(fit, &fc->par);
	err = ets_forecast(fit, h, fc->mean, fc->lo80, fc->hi80, fc->lo95, fc->hi95);
	if (err != ETS_OK) {
		ets_fit_free(fit);
		series_fc_free(fc);
		return err;
	}
	/*
	 * The backtest refits the whole method (model choice included) at
	 * each origin on the same window length, each candidate model's
	 * optimiser started from its parameters of the fit above.
	 */
	fc->bt_err = ets_backtest_warm(y, n, fc->season, hb, k, w, fit,
	    fc->bt_method, fc->bt_naive);
	ets_fit_free(fit);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fc->fit_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	return ETS_OK;
}

int
series_forecast(const char *kind, const double *y, size_t n, int season,
    size_t h, size_t max_origins, struct series_fc *out)
{
	uint64_t	 v = NS_HASH_INIT;
	uint64_t	 opts[3] = { (uint64_t)season, (uint64_t)h, (uint64_t)max_origins };
	struct series_slot *slot = NULL;
	size_t		 i;
	int		 err, rc = -1;

	memset(out, 0, sizeof(*out));
	if (y == NULL || h == 0 || n < SERIES_MIN_N)
		return ETS_ESHORT;
	for (i = 0; i < n; i++)
		if (!isfinite(y[i]))
			return ETS_ENONFINITE;
	v = hash_fnv1a(v, kind, strlen(kind));
	v = hash_fnv1a(v, opts, sizeof(opts));
	v = hash_fnv1a(v, y, n * sizeof(double));

	pthread_mutex_lock(&series_lock);
	for (i = 0; i < SERIES_CACHE; i++) {
		slot = &series_cache[i];
		if (slot->used && slot->version == v && strcmp(slot->kind, kind) == 0) {
			slot->stamp = ++series_clock;
			rc = series_fc_copy(out, &slot->fc);
			break;
		}
	}
	pthread_mutex_unlock(&series_lock);
	if (rc == 0) {
		out->cached = 1;
		return ETS_OK;
	}

	if ((err = series_compute(y, n, season, h, max_origins, out)) != ETS_OK)
		return err;
	out->version = v;

	/* Publish: a free slot, else the least recently used one. */
	pthread_mutex_lock(&series_lock);
	slot = &series_cache[0];
	for (i = 0; i < SERIES_CACHE; i++) {
		if (!series_cache[i].used) {
			slot = &series_cache[i];
			break;
		}
		if (series_cache[i].stamp < slot->stamp)
			slot = &series_cache[i];
	}
	series_fc_free(&slot->fc);
	slot->used = 0;
	if (series_fc_copy(&slot->fc, out) == 0) {
		slot->used = 1;
		slot->version = v;
		slot->stamp = ++series_clock;
		snprintf(slot->kind, sizeof(slot->kind), "%s", kind);
	}
	pthread_mutex_unlock(&series_lock);
	return ETS_OK;
}

void
series_path(const struct series_fc *fc, const long *step, size_t h, double now, double target,
    long pend, long *reach, double *pm, double *pv)
{
	double	 mean[SERIES_PATH_MAX + 1], var[SERIES_PATH_MAX + 1];
	long	 t;
	size_t	 k;

	*reach = -1;
	*pm = *pv = 0;
	if (h > SERIES_PATH_MAX || h > fc->h)
		return;
	mean[0] = now;
	var[0] = 0;
	for (k = 1; k <= h; k++) {
		double sd = (fc->hi95[k - 1] - fc->mean[k - 1]) / 1.96;

		mean[k] = fc->mean[k - 1];
		var[k] = sd * sd;
	}
	for (k = 0; k < h && *reach < 0; k++)
		for (t = step[k]; t < step[k + 1] && *reach < 0; t++) {
			double a = (double)(t - step[k]) / (double)(step[k + 1] - step[k]);

			if (mean[k] + a * (mean[k + 1] - mean[k]) >= target)
				*reach = t;
		}
	if (*reach < 0 && mean[h] >= target)
		*reach = step[h];
	for (k = 0; k < h; k++)
		if (pend >= step[k] && pend <= step[k + 1]) {
			double a = (double)(pend - step[k]) / (double)(step[k + 1] - step[k]);

			*pm = mean[k] + a * (mean[k + 1] - mean[k]);
			*pv = var[k] + a * (var[k + 1] - var[k]);
			break;
		}
}

static int
series_dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Median of v[0..n-1] (n > 0), v left as it was.  The backtest summary
 * beside the mean: one anomalous day (an outage with next to no revenue)
 * makes the percentage error of every horizon that lands on it huge, and
 * the mean over horizons follows it; the median does not.
 */
static double
series_median(const double *v, size_t n)
{
	double *c, m;

	if ((c = malloc(n * sizeof(*c))) == NULL)
		return NAN;
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), series_dbl_cmp);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

static const char *
series_model_text(const char *model)
{
	static const struct { const char *m, *text; } t[] = {
		{ "ANN", "level only (simple exponential smoothing)" },
		{ "AAN", "level + linear trend (Holt)" },
		{ "AAdN", "level + damped trend" },
		{ "ANA", "level + additive season" },
		{ "AAA", "level + trend + additive season (Holt-Winters)" },
		{ "AAdA", "level + damped trend + additive season" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].m, model) == 0)
			return t[i].text;
	return "?";
}

int
series_json_add(cJSON *obj, const struct series_fc *fc)
{
	cJSON	*m, *p, *b;
	char	 ver[17];
	int	 trend = fc->model[1] == 'A';
	int	 damped = strstr(fc->model, "Ad") != NULL;
	int	 seasonal = fc->season > 1 && fc->model[strlen(fc->model) - 1] == 'A';
	size_t	 i;

	if ((m = cJSON_AddObjectToObject(obj, "method")) == NULL)
		return -1;
	cJSON_AddStringToObject(m, "name", "exponential smoothing (ETS, additive errors)");
	cJSON_AddStringToObject(m, "model", fc->model);
	cJSON_AddStringToObject(m, "description", series_model_text(fc->model));
	cJSON_AddStringToObject(m, "selection", fc->season > 1 ?
	    "lowest AICc of ANN, AAN, AAdN, ANA, AAA, AAdA" : "lowest AICc of ANN, AAN, AAdN");
	cJSON_AddStringToObject(m, "estimation",
	    "smoothing parameters by Nelder-Mead on the one-step SSE, initial states by least squares");
	cJSON_AddStringToObject(m, "intervals",
	    "analytic (Hyndman et al. 2008, class 1): sigma2 * (1 + sum c_j^2), normal quantiles 1.2816 / 1.96");
	if (fc->season > 1)
		cJSON_AddNumberToObject(m, "season_considered", fc->season);
	else
		cJSON_AddNullToObject(m, "season_considered");
	cJSON_AddBoolToObject(m, "seasonal", seasonal);
	if (fc->season_asked > 1 && fc->season <= 1)
		cJSON_AddStringToObject(m, "season_note",
		    "not enough history for seasonality (needs two full seasons before the first backtest origin)");
	cJSON_AddNumberToObject(m, "points_fitted", (double)fc->n);
	if (fc->window > 0)
		cJSON_AddStringToObject(m, "window_note", "fitted on the last 16 seasons of the history only "
		    "(points_fitted), as is every backtest origin");
	cJSON_AddNumberToObject(m, "fit_ms", round(fc->fit_ms * 10) / 10);
	cJSON_AddBoolToObject(m, "cached", fc->cached);

	if ((p = cJSON_AddObjectToObject(obj, "params")) == NULL)
		return -1;
	cJSON_AddNumberToObject(p, "alpha", round(fc->par.alpha * 1e4) / 1e4);
	if (trend)
		cJSON_AddNumberToObject(p, "beta", round(fc->par.beta * 1e4) / 1e4);
	if (damped)
		cJSON_AddNumberToObject(p, "phi", round(fc->par.phi * 1e4) / 1e4);
	if (seasonal) {
		cJSON_AddNumberToObject(p, "gamma", round(fc->par.gamma * 1e4) / 1e4);
		cJSON *s;

		if ((s = cJSON_AddArrayToObject(p, "initial_seasonal")) == NULL)
			return -1;
		for (i = 0; i < (size_t)fc->season && i < ETS_MAX_SEASON; i++)
			cJSON_AddItemToArray(s, cJSON_CreateNumber(series_round2(fc->par.season0[i])));
	}
	series_add_num(p, "initial_level", fc->par.level0);
	if (trend)
		series_add_num(p, "initial_trend", fc->par.trend0);
	series_add_num(p, "level", fc->par.level);
	if (trend)
		series_add_num(p, "trend", fc->par.trend);
	series_add_num(p, "sigma", sqrt(fc->par.sigma2));
	series_add_num(p, "aicc", fc->par.aicc);
	cJSON_AddNumberToObject(p, "nparams", (double)fc->par.nparams);

	if ((b = cJSON_AddObjectToObject(obj, "backtest")) == NULL)
		return -1;
	cJSON_AddStringToObject(b, "kind", fc->window > 0 ?
	    "rolling origin: refit (model choice included) at each origin on the points_fitted points before it" :
	    "rolling origin: refit (model choice included) at each origin");
	cJSON_AddStringToObject(b, "naive", "last observed value");
	cJSON_AddNumberToObject(b, "origins", (double)fc->bt_k);
	cJSON_AddNumberToObject(b, "horizon", (double)fc->bt_h);
	if (fc->bt_err != ETS_OK) {
		cJSON_AddNullToObject(b, "mape_pct");
		cJSON_AddNullToObject(b, "naive_mape_pct");
		cJSON_AddNullToObject(b, "beats_naive");
		cJSON_AddStringToObject(b, "note", ets_strerror(fc->bt_err));
	} else {
		cJSON *arr;
		double sm = 0, sn = 0;

		if ((arr = cJSON_AddArrayToObject(b, "by_horizon")) == NULL)
			return -1;
		for (i = 0; i < fc->bt_h; i++) {
			cJSON *row = cJSON_CreateObject();

			cJSON_AddNumberToObject(row, "h", (double)(i + 1));
			series_add_num(row, "mape_pct", fc->bt_method[i]);
			series_add_num(row, "naive_mape_pct", fc->bt_naive[i]);
			cJSON_AddItemToArray(arr, row);
			sm += fc->bt_method[i];
			sn += fc->bt_naive[i];
		}
		series_add_num(b, "mape_pct", sm / (double)fc->bt_h);
		series_add_num(b, "naive_mape_pct", sn / (double)fc->bt_h);
		cJSON_AddBoolToObject(b, "beats_naive", sm < sn);
		if (fc->bt_h > 0) {
			size_t wins = 0;

			series_add_num(b, "median_mape_pct", series_median(fc->bt_method, fc->bt_h));
			series_add_num(b, "naive_median_mape_pct", series_median(fc->bt_naive, fc->bt_h));
			for (i = 0; i < fc->bt_h; i++)
				if (fc->bt_method[i] < fc->bt_naive[i])
					wins++;
			cJSON_AddNumberToObject(b, "horizons_beating_naive", (double)wins);
		}
	}
	if (fc->bt_h < fc->h)
		cJSON_AddStringToObject(b, "horizon_note",
		    "history too short to backtest every requested horizon");
	snprintf(ver, sizeof(ver), "%016llx", (unsigned long long)fc->version);
	cJSON_AddStringToObject(obj, "data_version", ver);
	return 0;
}

int
series_answer_fill(struct series_in *in)
{
	struct series_fc fc;
	cJSON		*f = cJSON_GetObjectItemCaseSensitive(in->answer, "forecast"), *r;
	size_t		 i = 0;
	int		 err;

	if (!cJSON_IsArray(f))
		return ETS_ESHORT;
	err = series_forecast(in->kind, in->y, in->n, in->season, (size_t)cJSON_GetArraySize(f),
	    in->origins, &fc);
	if (err != ETS_OK)
		return err;
	cJSON_ArrayForEach(r, f) {
		series_add_num(r, "value", fmax(fc.mean[i], 0));
		series_add_num(r, "lo80", fmax(fc.lo80[i], 0));
		series_add_num(r, "hi80", fmax(fc.hi80[i], 0));
		series_add_num(r, "lo95", fmax(fc.lo95[i], 0));
		series_add_num(r, "hi95", fmax(fc.hi95[i], 0));
		i++;
	}
	cJSON_AddStringToObject(in->answer, "bounds_note", "values and bounds below 0 are shown as 0");
	if (series_json_add(in->answer, &fc) != 0)
		err = ETS_ENOMEM;
	series_fc_free(&fc);
	return err;
}
