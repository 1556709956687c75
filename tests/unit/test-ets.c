/* test-ets.c: unit tests for services/forecast/ets.c on synthetic series with known answers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../services/forecast/ets.h"

#define TWO_PI	6.283185307179586

/* xorshift64* generator: the tests own their randomness, seeded per case. */
struct rng {
	uint64_t	s;
};

static void
rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed * 0x9E3779B97F4A7C15ULL + 1;
}

static double
rng_uniform(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return ((double)((r->s * 0x2545F4914F6CDD1DULL) >> 11) + 0.5) /
	    9007199254740992.0;
}

/* Standard normal by Box-Muller (one of the pair is enough here). */
static double
rng_normal(struct rng *r)
{
	double u1 = rng_uniform(r), u2 = rng_uniform(r);

	return sqrt(-2.0 * log(u1)) * cos(TWO_PI * u2);
}

/* Fills y with the ANN process y_t = l_{t-1} + e_t, l_t = l_{t-1} + alpha e_t. */
static void
sim_local_level(struct rng *r, double *y, size_t n, double l, double alpha,
    double sigma)
{
	size_t t;

	for (t = 0; t < n; t++) {
		double e = sigma * rng_normal(r);

		y[t] = l + e;
		l += alpha * e;
	}
}

static struct ets_fit *
fit_or_fail(const double *y, size_t n, int season)
{
	struct ets_fit *fit;
	int err = -1;

	fit = ets_fit_new(y, n, season, &err);
	if (fit == NULL)
		fail_msg("ets_fit_new failed: %s", ets_strerror(err));
	assert_int_equal(err, ETS_OK);
	return fit;
}

static void
assert_close(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: expected %.10g +- %g, got %.10g", what, want,
		    tol, got);
}

static void
linear_series_is_forecast_exactly(void **state)
{
	double y[30], mean[10], lo95[10], hi95[10];
	struct ets_fit *fit;
	size_t t, h;

	(void)state;
	for (t = 0; t < 30; t++)
		y[t] = 3.0 + 2.5 * (double)t;
	fit = fit_or_fail(y, 30, 1);
	assert_string_equal(ets_method_name(fit), "AAN");
	assert_int_equal(ets_forecast(fit, 10, mean, NULL, NULL, lo95, hi95),
	    ETS_OK);
	for (h = 0; h < 10; h++) {
		assert_close(mean[h], 3.0 + 2.5 * (double)(30 + h), 1e-8,
		    "linear forecast");
		assert_close(hi95[h] - lo95[h], 0.0, 1e-6, "interval width");
	}
	ets_fit_free(fit);
}

static void
constant_series_has_zero_width_bands(void **state)
{
	double y[20], m[5], l80[5], h80[5], l95[5], h95[5];
	struct ets_fit *fit;
	size_t t;

	(void)state;
	for (t = 0; t < 20; t++)
		y[t] = 42.0;
	fit = fit_or_fail(y, 20, 4);
	assert_int_equal(ets_forecast(fit, 5, m, l80, h80, l95, h95), ETS_OK);
	for (t = 0; t < 5; t++) {
		assert_true(m[t] == 42.0);
		assert_true(l80[t] == 42.0 && h80[t] == 42.0);
		assert_true(l95[t] == 42.0 && h95[t] == 42.0);
	}
	ets_fit_free(fit);
}

static void
too_short_series_is_rejected_with_its_own_error(void **state)
{
	double y[20] = { 1, 2, 3 };
	int err = -1;

	(void)state;
	assert_null(ets_fit_new(y, 3, 1, &err));
	assert_int_equal(err, ETS_ESHORT);
	/* 20 points are fewer than two seasons of 12. */
	assert_null(ets_fit_new(y, 20, 12, &err));
	assert_int_equal(err, ETS_ESHORT);
	assert_string_not_equal(ets_strerror(ETS_ESHORT),
	    ets_strerror(ETS_EINVAL));
}

static void
nan_or_infinite_input_is_rejected(void **state)
{
	double y[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	int err = -1;

	(void)state;
	y[4] = NAN;
	assert_null(ets_fit_new(y, 10, 1, &err));
	assert_int_equal(err, ETS_ENONFINITE);
	y[4] = INFINITY;
	assert_null(ets_fit_new(y, 10, 1, &err));
	assert_int_equal(err, ETS_ENONFINITE);
	assert_null(ets_fit_new(NULL, 10, 1, &err));
	assert_int_equal(err, ETS_EINVAL);
}

static void
bad_forecast_arguments_are_rejected(void **state)
{
	double y[10] = { 1, 3, 2, 4, 3, 5, 4, 6, 5, 7 }, m[1];
	struct ets_fit *fit = fit_or_fail(y, 10, 1);

	(void)state;
	assert_int_equal(ets_forecast(fit, 0, m, NULL, NULL, NULL, NULL),
	    ETS_EINVAL);
	assert_int_equal(ets_forecast(fit, 1, NULL, NULL, NULL, NULL, NULL),
	    ETS_EINVAL);
	assert_int_equal(ets_forecast(NULL, 1, m, NULL, NULL, NULL, NULL),
	    ETS_EINVAL);
	ets_fit_free(fit);
}

static void
level_trend_and_noise_are_recovered(void **state)
{
	double y[120], m[1];
	struct ets_params p;
	struct ets_fit *fit;
	struct rng r;
	size_t t;

	(void)state;
	rng_seed(&r, 7);
	for (t = 0; t < 120; t++)
		y[t] = 100.0 + 2.0 * (double)t + rng_normal(&r);
	fit = fit_or_fail(y, 120, 1);
	assert_int_equal(ets_params_get(fit, &p), ETS_OK);
	assert_int_equal(ets_forecast(fit, 1, m, NULL, NULL, NULL, NULL),
	    ETS_OK);
	assert_close(p.trend, 2.0, 0.2, "final trend");
	assert_close(m[0], 100.0 + 2.0 * 120.0, 1.5, "one-step forecast");
	assert_close(sqrt(p.sigma2), 1.0, 0.25, "noise sd");
	ets_fit_free(fit);
}

static void
level_and_noise_are_recovered(void **state)
{
	double y[150], m[1];
	struct ets_params p;
	struct ets_fit *fit;
	struct rng r;
	size_t t;

	(void)state;
	rng_seed(&r, 11);
	for (t = 0; t < 150; t++)
		y[t] = 50.0 + 2.0 * rng_normal(&r);
	fit = fit_or_fail(y, 150, 1);
	assert_int_equal(ets_params_get(fit, &p), ETS_OK);
	assert_int_equal(ets_forecast(fit, 1, m, NULL, NULL, NULL, NULL),
	    ETS_OK);
	assert_close(m[0], 50.0, 1.0, "level forecast");
	assert_close(sqrt(p.sigma2), 2.0, 0.4, "noise sd");
	ets_fit_free(fit);
}

static void
smoothing_parameter_of_a_local_level_is_recovered(void **state)
{
	double y[600];
	struct ets_params p;
	struct ets_fit *fit;
	struct rng r;
	int err = -1;

	(void)state;
	rng_seed(&r, 3);
	sim_local_level(&r, y, 600, 100.0, 0.3, 1.0);
	fit = ets_fit_model_new(y, 600, 1, ETS_ANN, &err);
	assert_non_null(fit);
	assert_int_equal(ets_params_get(fit, &p), ETS_OK);
	assert_close(p.alpha, 0.3, 0.08, "alpha");
	assert_close(sqrt(p.sigma2), 1.0, 0.1, "sigma");
	ets_fit_free(fit);
}

static void
seasonal_pattern_is_recovered(void **state)
{
	double y[96], m[12];
	struct ets_fit *fit;
	struct rng r;
	size_t t;
	enum ets_model mo;

	(void)state;
	rng_seed(&r, 5);
	for (t = 0; t < 96; t++)
		y[t] = 200.0 + 10.0 * sin(TWO_PI * (double)t / 12.0) +
		    rng_normal(&r);
	fit = fit_or_fail(y, 96, 12);
	mo = ets_model_get(fit);
	assert_true(mo == ETS_ANA || mo == ETS_AAA || mo == ETS_AADA);
	assert_int_equal(ets_forecast(fit, 12, m, NULL, NULL, NULL, NULL),
	    ETS_OK);
	for (t = 0; t < 12; t++)
		assert_close(m[t], 200.0 + 10.0 *
		    sin(TWO_PI * (double)(96 + t) / 12.0), 2.5,
		    "seasonal forecast");
	ets_fit_free(fit);
}

static void
smoothing_parameters_stay_within_bounds(void **state)
{
	double y[60];
	struct ets_params p;
	struct ets_fit *fit;
	struct rng r;
	size_t t;
	int err = -1;

	(void)state;
	rng_seed(&r, 9);
	for (t = 0; t < 60; t++)
		y[t] = 10.0 + 3.0 * sin((double)t) + 5.0 * rng_normal(&r);
	fit = ets_fit_model_new(y, 60, 6, ETS_AADA, &err);
	assert_non_null(fit);
	assert_int_equal(ets_params_get(fit, &p), ETS_OK);
	assert_true(p.alpha > 0.0 && p.alpha < 1.0);
	assert_true(p.beta > 0.0 && p.beta < p.alpha);
	assert_true(p.gamma > 0.0 && p.gamma < 1.0 - p.alpha);
	assert_true(p.phi >= 0.8 && p.phi <= 0.98);
	ets_fit_free(fit);
}

/*
 * The interval half-width must equal z * sqrt(sigma2 (1 + sum c_j^2)),
 * c_j = alpha + beta (phi + .. + phi^j) + gamma [j mod m == 0], computed
 * here from the reported parameters rather than by the library.
 */
static void
interval_width_follows_the_class1_variance(void **state)
{
	double y[72], m[15], lo[15], hi[15], var = 0.0, pj = 0.0, pw = 1.0;
	struct ets_params p;
	struct ets_fit *fit;
	struct rng r;
	size_t t;
	int err = -1;

	(void)state;
	rng_seed(&r, 13);
	for (t = 0; t < 72; t++)
		y[t] = 50.0 + 0.5 * (double)t +
		    8.0 * cos(TWO_PI * (double)t / 6.0) + 2.0 * rng_normal(&r);
	fit = ets_fit_model_new(y, 72, 6, ETS_AADA, &err);
	assert_non_null(fit);
	assert_int_equal(ets_params_get(fit, &p), ETS_OK);
	assert_int_equal(ets_forecast(fit, 15, m, NULL, NULL, lo, hi), ETS_OK);
	for (t = 1; t <= 15; t++) {
		double c;

		assert_close(hi[t - 1] - m[t - 1],
		    1.959963984540054 * sqrt(p.sigma2 * (1.0 + var)), 1e-9,
		    "95% half-width");
		assert_close(m[t - 1] - lo[t - 1], hi[t - 1] - m[t - 1], 1e-9,
		    "symmetric interval");
		pw *= p.phi;
		pj += pw;
		c = p.alpha + p.beta * pj + (t % 6 == 0 ? p.gamma : 0.0);
		var += c * c;
	}
	ets_fit_free(fit);
}

/* Replays the ANN recursions by hand from the reported alpha and l0. */
static void
level_forecast_replays_the_recursion(void **state)
{
	double y[8] = { 10, 12, 11, 13, 12, 14, 13, 15 }, m[3], l;
	struct ets_params p;
	struct ets_fit *fit;
	size_t t;
	int err = -1;

	(void)state;
	fit = ets_fit_model_new(y, 8, 1, ETS_ANN, &err);
	assert_non_null(fit);
	assert_int_equal(ets_params_get(fit, &p), ETS_OK);
	for (l = p.level0, t = 0; t < 8; t++)
		l += p.alpha * (y[t] - l);
	assert_int_equal(ets_forecast(fit, 3, m, NULL, NULL, NULL, NULL),
	    ETS_OK);
	for (t = 0; t < 3; t++)
		assert_close(m[t], l, 1e-9, "ANN forecast = final level");
	ets_fit_free(fit);
}

/*
 * Coverage over 200 seeds of 8 held-out points of a local-level process
 * (alpha 0.3) and of a noisy trend: the 95 % band should hold about 95 %
 * of them.  Parameter and model-choice uncertainty is ignored by the
 * analytic formula, hence the allowance down to 0.90.
 */
static void
ninety_five_percent_band_covers_about_95_percent(void **state)
{
	double y[88], m[8], lo80[8], hi80[8], lo95[8], hi95[8];
	size_t seed, t, in80 = 0, in95 = 0, total = 0;
	struct rng r;

	(void)state;
	for (seed = 1; seed <= 200; seed++) {
		struct ets_fit *fit;

		rng_seed(&r, 1000 + seed);
		if (seed % 2)
			sim_local_level(&r, y, 88, 100.0, 0.3, 1.0);
		else
			for (t = 0; t < 88; t++)
				y[t] = 20.0 + 0.3 * (double)t +
				    2.0 * rng_normal(&r);
		fit = fit_or_fail(y, 80, 1);
		assert_int_equal(ets_forecast(fit, 8, m, lo80, hi80, lo95,
		    hi95), ETS_OK);
		for (t = 0; t < 8; t++) {
			in80 += y[80 + t] >= lo80[t] && y[80 + t] <= hi80[t];
			in95 += y[80 + t] >= lo95[t] && y[80 + t] <= hi95[t];
			total++;
		}
		ets_fit_free(fit);
	}
	print_message("# coverage: 80%% band %.3f, 95%% band %.3f over %zu "
	    "points\n", (double)in80 / (double)total,
	    (double)in95 / (double)total, total);
	assert_close((double)in95 / (double)total, 0.945, 0.045,
	    "95% coverage");
	assert_close((double)in80 / (double)total, 0.80, 0.08,
	    "80% coverage");
}

static void
backtest_beats_naive_on_a_seasonal_series(void **state)
{
	double y[84], mm[6], mn[6];
	struct rng r;
	size_t t;

	(void)state;
	rng_seed(&r, 17);
	for (t = 0; t < 84; t++)
		y[t] = 100.0 + 15.0 * sin(TWO_PI * (double)t / 12.0) +
		    rng_normal(&r);
	assert_int_equal(ets_backtest(y, 84, 12, 6, 5, mm, mn), ETS_OK);
	for (t = 0; t < 6; t++) {
		assert_true(mm[t] >= 0.0 && mn[t] >= 0.0);
		if (!(mm[t] < mn[t]))
			fail_msg("horizon %zu: MAPE %.3f not below naive %.3f",
			    t + 1, mm[t], mn[t]);
	}
}

static void
backtest_with_zero_actual_reports_undefined_mape(void **state)
{
	double y[30], mm[2], mn[2];
	size_t t;

	(void)state;
	for (t = 0; t < 30; t++)
		y[t] = 5.0 + (double)(t % 3);
	y[29] = 0.0;
	assert_int_equal(ets_backtest(y, 30, 1, 2, 3, mm, mn), ETS_EZERO);
	assert_int_equal(ets_backtest(y, 5, 1, 2, 3, mm, mn), ETS_ESHORT);
}

/* Naive MAPE worked out by hand: origins 4 and 5, horizon 1. */
static void
backtest_naive_mape_matches_hand_computation(void **state)
{
	double y[6] = { 10, 10, 10, 10, 8, 16 }, mm[1], mn[1];

	(void)state;
	assert_int_equal(ets_backtest(y, 6, 1, 1, 2, mm, mn), ETS_OK);
	/* origin 4: |8-10|/8 = 0.25; origin 5: |16-8|/16 = 0.5 -> 37.5 %. */
	assert_close(mn[0], 37.5, 1e-9, "naive MAPE");
}

/*
 * A daily series with a weekly pattern, trend and noise: the warm-started
 * fit (from a fit of a later, overlapping stretch, as the service's
 * backtest does) must reach the same optimum as a cold fit of the same
 * points: same model, SSE within 0.1 %.
 */
static void
warm_start_reaches_the_cold_optimum(void **state)
{
	static const double dow[7] = { 1.1, 1.15, 1.1, 1.05, 1.0, 0.8, 0.8 };
	double y[200];
	struct rng r;
	struct ets_fit *full, *cold, *warm;
	struct ets_params pc, pw;
	size_t t, o;
	int err;

	(void)state;
	for (o = 0; o < 5; o++) {
		rng_seed(&r, 100 + o);
		for (t = 0; t < 200; t++)
			y[t] = (3000.0 + 4.0 * (double)t) * dow[t % 7] +
			    60.0 * rng_normal(&r);
		full = ets_fit_new(y + 88, 112, 7, &err);
		assert_non_null(full);
		cold = ets_fit_new(y + 60, 112, 7, &err);
		assert_non_null(cold);
		warm = ets_fit_warm_new(y + 60, 112, 7, full, &err);
		assert_non_null(warm);
		assert_int_equal(ets_model_get(warm), ets_model_get(cold));
		ets_params_get(cold, &pc);
		ets_params_get(warm, &pw);
		if (!(pw.sse <= pc.sse * 1.001))
			fail_msg("seed %zu: warm SSE %.6g above cold SSE %.6g",
			    o, pw.sse, pc.sse);
		ets_fit_free(full);
		ets_fit_free(cold);
		ets_fit_free(warm);
	}
	/* NULL warm is a cold fit. */
	cold = ets_fit_warm_new(y, 112, 7, NULL, &err);
	assert_non_null(cold);
	ets_fit_free(cold);
}

/*
 * ets_backtest_warm() with window 0 and no warm start is ets_backtest();
 * with a window it is the MAPE of cold fits on the window before each
 * origin, recomputed here by hand from ets_fit_new() and ets_forecast()
 * (warm starts may move it only by optimiser tolerance).
 */
static void
windowed_backtest_matches_refits_by_hand(void **state)
{
	enum { N = 150, W = 56, H = 7, K = 4 };
	double y[N], mm[H], mn[H], am[H], an[H], want_m[H] = { 0 }, want_n[H] = { 0 };
	double fc[H];
	struct rng r;
	struct ets_fit *full, *f;
	size_t t, k, o;
	int err;

	(void)state;
	rng_seed(&r, 7);
	for (t = 0; t < N; t++)
		y[t] = 200.0 + 0.5 * (double)t + 20.0 * sin(TWO_PI * (double)t / 7.0) +
		    3.0 * rng_normal(&r);
	assert_int_equal(ets_backtest(y, N, 7, H, K, mm, mn), ETS_OK);
	assert_int_equal(ets_backtest_warm(y, N, 7, H, K, 0, NULL, am, an), ETS_OK);
	for (t = 0; t < H; t++) {
		assert_close(am[t], mm[t], 1e-12, "window 0 method MAPE");
		assert_close(an[t], mn[t], 1e-12, "window 0 naive MAPE");
	}
	for (k = 0; k < K; k++) {
		o = N - H - K + 1 + k;
		f = ets_fit_new(y + o - W, W, 7, &err);
		assert_non_null(f);
		assert_int_equal(ets_forecast(f, H, fc, NULL, NULL, NULL, NULL), ETS_OK);
		ets_fit_free(f);
		for (t = 0; t < H; t++) {
			want_m[t] += 100.0 / K * fabs((y[o + t] - fc[t]) / y[o + t]);
			want_n[t] += 100.0 / K * fabs((y[o + t] - y[o - 1]) / y[o + t]);
		}
	}
	full = ets_fit_new(y + N - W, W, 7, &err);
	assert_non_null(full);
	assert_int_equal(ets_backtest_warm(y, N, 7, H, K, W, full, am, an), ETS_OK);
	assert_int_equal(ets_backtest_warm(y, N, 7, H, K, W, NULL, mm, mn), ETS_OK);
	ets_fit_free(full);
	for (t = 0; t < H; t++) {
		assert_close(mm[t], want_m[t], 1e-9, "cold windowed MAPE");
		assert_close(an[t], want_n[t], 1e-9, "naive MAPE");
		assert_close(am[t], want_m[t], 0.02 * want_m[t] + 1e-6, "warm windowed MAPE");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(linear_series_is_forecast_exactly),
		cmocka_unit_test(constant_series_has_zero_width_bands),
		cmocka_unit_test(too_short_series_is_rejected_with_its_own_error),
		cmocka_unit_test(nan_or_infinite_input_is_rejected),
		cmocka_unit_test(bad_forecast_arguments_are_rejected),
		cmocka_unit_test(level_trend_and_noise_are_recovered),
		cmocka_unit_test(level_and_noise_are_recovered),
		cmocka_unit_test(smoothing_parameter_of_a_local_level_is_recovered),
		cmocka_unit_test(seasonal_pattern_is_recovered),
		cmocka_unit_test(smoothing_parameters_stay_within_bounds),
		cmocka_unit_test(interval_width_follows_the_class1_variance),
		cmocka_unit_test(level_forecast_replays_the_recursion),
		cmocka_unit_test(ninety_five_percent_band_covers_about_95_percent),
		cmocka_unit_test(backtest_beats_naive_on_a_seasonal_series),
		cmocka_unit_test(backtest_with_zero_actual_reports_undefined_mape),
		cmocka_unit_test(backtest_naive_mape_matches_hand_computation),
		cmocka_unit_test(warm_start_reaches_the_cold_optimum),
		cmocka_unit_test(windowed_backtest_matches_refits_by_hand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
