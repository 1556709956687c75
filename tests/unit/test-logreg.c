/* test-logreg.c: unit tests for services/forecast/logreg.c on synthetic churn data and hand-worked AUCs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../services/forecast/logreg.h"

#define NSIM	4000

/* xorshift64* generator owned by the tests. */
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

static double
rng_normal(struct rng *r)
{
	double u1 = rng_uniform(r), u2 = rng_uniform(r);

	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/*
 * Simulated churn data: x1 ~ N(2, 1) (e.g. support tickets), x2 ~ N(0, 3)
 * (e.g. change in usage), x3 ~ N(5, 1) pure noise;
 * P(churn) = sigmoid(-0.5 + 1.5 (x1 - 2) - 0.4 x2).
 */
static void
sim_churn(struct rng *r, double *x, int *y, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double eta;

		x[i * 3] = 2.0 + rng_normal(r);
		x[i * 3 + 1] = 3.0 * rng_normal(r);
		x[i * 3 + 2] = 5.0 + rng_normal(r);
		eta = -0.5 + 1.5 * (x[i * 3] - 2.0) - 0.4 * x[i * 3 + 1];
		y[i] = rng_uniform(r) < 1.0 / (1.0 + exp(-eta));
	}
}

static void
assert_close(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: expected %.10g +- %g, got %.10g", what, want,
		    tol, got);
}

static struct logreg *
fit_or_fail(const double *x, const int *y, size_t n, size_t p, double lambda)
{
	struct logreg *lr;
	int err = -1;

	lr = logreg_new(x, y, n, p, lambda, &err);
	if (lr == NULL)
		fail_msg("logreg_new failed: %s", logreg_strerror(err));
	return lr;
}

static void
known_coefficients_are_recovered_in_sign_and_size(void **state)
{
	static double x[NSIM * 3];
	static int y[NSIM];
	double b0, c[3];
	struct logreg *lr;
	struct rng r;

	(void)state;
	rng_seed(&r, 1);
	sim_churn(&r, x, y, NSIM);
	lr = fit_or_fail(x, y, NSIM, 3, 1e-4);
	assert_int_equal(logreg_coef(lr, &b0, c), LOGREG_OK);
	/* True raw-scale intercept: -0.5 - 1.5 * 2 = -3.5. */
	assert_close(c[0], 1.5, 0.2, "coefficient of x1");
	assert_close(c[1], -0.4, 0.06, "coefficient of x2");
	assert_close(c[2], 0.0, 0.1, "coefficient of noise x3");
	assert_close(b0, -3.5, 0.8, "intercept");
	logreg_free(lr);
}

static void
separable_data_gives_right_sign_and_finite_fit(void **state)
{
	double x[20], p[2], probe[2] = { -5.0, 5.0 }, b0, c;
	int y[20];
	struct logreg *lr;
	size_t i;

	(void)state;
	for (i = 0; i < 20; i++) {
		x[i] = (double)i - 9.5;
		y[i] = x[i] > 0.0;
	}
	lr = fit_or_fail(x, y, 20, 1, 0.01);
	assert_int_equal(logreg_coef(lr, &b0, &c), LOGREG_OK);
	assert_true(isfinite(c) && c > 0.0);
	assert_int_equal(logreg_predict(lr, probe, 2, p), LOGREG_OK);
	assert_true(p[0] < 0.1 && p[1] > 0.9);
	logreg_free(lr);
}

static void
probabilities_stay_within_unit_interval(void **state)
{
	static double x[NSIM * 3];
	static int y[NSIM];
	double extreme[6] = { 1e6, -1e6, 0, -1e6, 1e6, 0 }, p[2];
	static double prob[NSIM];
	struct logreg *lr;
	struct rng r;
	size_t i;

	(void)state;
	rng_seed(&r, 2);
	sim_churn(&r, x, y, NSIM);
	lr = fit_or_fail(x, y, NSIM, 3, 1e-3);
	assert_int_equal(logreg_predict(lr, x, NSIM, prob), LOGREG_OK);
	for (i = 0; i < NSIM; i++)
		assert_true(prob[i] >= 0.0 && prob[i] <= 1.0);
	assert_int_equal(logreg_predict(lr, extreme, 2, p), LOGREG_OK);
	assert_true(p[0] >= 0.0 && p[0] <= 1.0 && p[1] >= 0.0 && p[1] <= 1.0);
	assert_true(p[0] > 0.99 && p[1] < 0.01);
	extreme[0] = NAN;
	assert_int_equal(logreg_predict(lr, extreme, 1, p),
	    LOGREG_ENONFINITE);
	logreg_free(lr);
}

/*
 * Positives score 0.35 and 0.8, negatives 0.1 and 0.4: of the four
 * positive-negative pairs, three are ordered right, so AUC = 3/4.
 */
static void
auc_of_a_hand_ranked_example_is_three_quarters(void **state)
{
	double s[4] = { 0.1, 0.4, 0.35, 0.8 }, auc = -1.0;
	int y[4] = { 0, 0, 1, 1 };

	(void)state;
	assert_int_equal(logreg_auc(s, y, 4, &auc), LOGREG_OK);
	assert_close(auc, 0.75, 1e-12, "AUC");
}

/* Pairs: (0.5 vs 0.5) tie = 1/2, (0.5 vs 0.2) = 1, (0.9 vs both) = 2: 3.5/4. */
static void
tied_scores_count_one_half(void **state)
{
	double s[4] = { 0.5, 0.5, 0.2, 0.9 }, auc = -1.0;
	int y[4] = { 1, 0, 0, 1 };

	(void)state;
	assert_int_equal(logreg_auc(s, y, 4, &auc), LOGREG_OK);
	assert_close(auc, 0.875, 1e-12, "AUC with a tie");
}

static void
perfect_and_reversed_rankings_give_one_and_zero(void **state)
{
	double s[6] = { 1, 2, 3, 4, 5, 6 }, auc = -1.0;
	int up[6] = { 0, 0, 0, 1, 1, 1 }, down[6] = { 1, 1, 1, 0, 0, 0 };

	(void)state;
	assert_int_equal(logreg_auc(s, up, 6, &auc), LOGREG_OK);
	assert_close(auc, 1.0, 1e-12, "perfect AUC");
	assert_int_equal(logreg_auc(s, down, 6, &auc), LOGREG_OK);
	assert_close(auc, 0.0, 1e-12, "reversed AUC");
}

static void
auc_beats_one_half_on_informative_data(void **state)
{
	static double x[NSIM * 3], prob[NSIM], noise[NSIM];
	static int y[NSIM];
	double auc = 0.0, auc_noise = 0.0;
	struct logreg *lr;
	struct rng r;
	size_t i;

	(void)state;
	rng_seed(&r, 3);
	sim_churn(&r, x, y, NSIM);
	lr = fit_or_fail(x, y, NSIM, 3, 1e-3);
	assert_int_equal(logreg_predict(lr, x, NSIM, prob), LOGREG_OK);
	assert_int_equal(logreg_auc(prob, y, NSIM, &auc), LOGREG_OK);
	for (i = 0; i < NSIM; i++)
		noise[i] = rng_uniform(&r);
	assert_int_equal(logreg_auc(noise, y, NSIM, &auc_noise), LOGREG_OK);
	print_message("# AUC informative %.3f, random scores %.3f\n", auc,
	    auc_noise);
	assert_true(auc > 0.75);
	assert_close(auc_noise, 0.5, 0.05, "AUC of random scores");
	logreg_free(lr);
}

static void
auc_of_one_class_is_an_error(void **state)
{
	double s[3] = { 0.1, 0.2, 0.3 }, auc = -1.0;
	int y[3] = { 1, 1, 1 }, bad[3] = { 0, 2, 1 };

	(void)state;
	assert_int_equal(logreg_auc(s, y, 3, &auc), LOGREG_EONECLASS);
	assert_int_equal(logreg_auc(s, bad, 3, &auc), LOGREG_ELABEL);
	s[1] = NAN;
	assert_int_equal(logreg_auc(s, y, 3, &auc), LOGREG_ENONFINITE);
}

/*
 * Bins of width 0.1: bin 0 {0.05 -> 0}, bin 1 {0.15 -> 1, 0.15 -> 0},
 * bin 9 {0.95 -> 1}.  ECE = 1/4 * 0.05 + 2/4 * 0.35 + 1/4 * 0.05 = 0.2.
 */
static void
calibration_bins_match_hand_computation(void **state)
{
	double p[4] = { 0.05, 0.15, 0.15, 0.95 }, ece = -1.0;
	int y[4] = { 0, 1, 0, 1 };
	struct logreg_bin b[10];

	(void)state;
	assert_int_equal(logreg_calibration(p, y, 4, b, 10, &ece), LOGREG_OK);
	assert_int_equal(b[0].count, 1);
	assert_int_equal(b[1].count, 2);
	assert_int_equal(b[5].count, 0);
	assert_int_equal(b[9].count, 1);
	assert_close(b[1].mean_pred, 0.15, 1e-12, "bin 1 mean prediction");
	assert_close(b[1].obs_rate, 0.5, 1e-12, "bin 1 observed rate");
	assert_close(b[9].lo, 0.9, 1e-12, "bin 9 lower edge");
	assert_close(ece, 0.2, 1e-12, "ECE");
	p[2] = 1.5;
	assert_int_equal(logreg_calibration(p, y, 4, b, 10, &ece),
	    LOGREG_ERANGE);
}

static void
well_specified_model_is_well_calibrated(void **state)
{
	static double x[NSIM * 3], prob[NSIM];
	static int y[NSIM];
	struct logreg_bin b[10];
	double ece = 1.0;
	size_t i, total = 0;
	struct logreg *lr;
	struct rng r;

	(void)state;
	rng_seed(&r, 4);
	sim_churn(&r, x, y, NSIM);
	lr = fit_or_fail(x, y, NSIM, 3, 1e-4);
	assert_int_equal(logreg_predict(lr, x, NSIM, prob), LOGREG_OK);
	assert_int_equal(logreg_calibration(prob, y, NSIM, b, 10, &ece),
	    LOGREG_OK);
	for (i = 0; i < 10; i++) {
		total += b[i].count;
		if (b[i].count >= 200)
			assert_close(b[i].obs_rate, b[i].mean_pred, 0.07,
			    "bin observed rate");
	}
	assert_int_equal(total, NSIM);
	print_message("# ECE %.4f\n", ece);
	assert_true(ece < 0.03);
	logreg_free(lr);
}

static void
strong_penalty_shrinks_towards_the_base_rate(void **state)
{
	static double x[NSIM * 3], prob[NSIM];
	static int y[NSIM];
	double b0, c[3], rate = 0.0;
	struct logreg *lr;
	struct rng r;
	size_t i;

	(void)state;
	rng_seed(&r, 5);
	sim_churn(&r, x, y, NSIM);
	lr = fit_or_fail(x, y, NSIM, 3, 1e4);
	assert_int_equal(logreg_coef_std(lr, &b0, c), LOGREG_OK);
	for (i = 0; i < 3; i++)
		assert_close(c[i], 0.0, 1e-3, "shrunk coefficient");
	assert_int_equal(logreg_predict(lr, x, NSIM, prob), LOGREG_OK);
	for (i = 0; i < NSIM; i++)
		rate += y[i];
	rate /= NSIM;
	assert_close(prob[0], rate, 0.01, "prediction ~ base rate");
	logreg_free(lr);
}

static void
constant_feature_gets_zero_weight(void **state)
{
	double x[40], b0, c[2];
	int y[20];
	struct logreg *lr;
	size_t i;

	(void)state;
	for (i = 0; i < 20; i++) {
		x[i * 2] = 7.0;
		x[i * 2 + 1] = (double)(i % 5);
		y[i] = (i % 5) >= 2 ? (int)(i % 2) : 0;
	}
	lr = fit_or_fail(x, y, 20, 2, 0.1);
	assert_int_equal(logreg_coef_std(lr, &b0, c), LOGREG_OK);
	assert_close(c[0], 0.0, 1e-9, "constant feature weight");
	logreg_free(lr);
}

static void
bad_inputs_are_rejected(void **state)
{
	double x[4] = { 1, 2, 3, 4 };
	int y[4] = { 0, 1, 0, 1 }, err = -1;

	(void)state;
	y[2] = 3;
	assert_null(logreg_new(x, y, 4, 1, 0.1, &err));
	assert_int_equal(err, LOGREG_ELABEL);
	y[2] = 0;
	x[1] = INFINITY;
	assert_null(logreg_new(x, y, 4, 1, 0.1, &err));
	assert_int_equal(err, LOGREG_ENONFINITE);
	x[1] = 2;
	assert_null(logreg_new(x, y, 4, 1, -1.0, &err));
	assert_int_equal(err, LOGREG_EINVAL);
	assert_null(logreg_new(x, y, 0, 1, 0.1, &err));
	assert_int_equal(err, LOGREG_EINVAL);
	assert_null(logreg_new(NULL, y, 4, 1, 0.1, &err));
	assert_int_equal(err, LOGREG_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_coefficients_are_recovered_in_sign_and_size),
		cmocka_unit_test(separable_data_gives_right_sign_and_finite_fit),
		cmocka_unit_test(probabilities_stay_within_unit_interval),
		cmocka_unit_test(auc_of_a_hand_ranked_example_is_three_quarters),
		cmocka_unit_test(tied_scores_count_one_half),
		cmocka_unit_test(perfect_and_reversed_rankings_give_one_and_zero),
		cmocka_unit_test(auc_beats_one_half_on_informative_data),
		cmocka_unit_test(auc_of_one_class_is_an_error),
		cmocka_unit_test(calibration_bins_match_hand_computation),
		cmocka_unit_test(well_specified_model_is_well_calibrated),
		cmocka_unit_test(strong_penalty_shrinks_towards_the_base_rate),
		cmocka_unit_test(constant_feature_gets_zero_weight),
		cmocka_unit_test(bad_inputs_are_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
