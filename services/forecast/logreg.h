/* logreg.h: L2-regularised logistic regression for churn prediction, with AUC and calibration. */
#ifndef LOGREG_H
#define LOGREG_H

#include <stddef.h>

/*
 * Model: P(y=1 | x) = 1 / (1 + exp(-(b0 + sum_j w_j z_j))), where
 * z_j = (x_j - mean_j) / sd_j are the features standardised with the
 * training mean and (population) standard deviation; a constant feature
 * gets sd 1, so it is centred to 0 and contributes nothing.
 * Fitted by Newton's method (IRLS) with step halving, minimising
 *     (1/n) sum_i [log(1 + exp(eta_i)) - y_i eta_i] + (lambda/2) sum_j w_j^2
 * (the intercept is not penalised).  lambda > 0 keeps the coefficients
 * finite on separable data; with lambda = 0 they grow until the loss stops
 * changing, which is rarely what you want.
 */

enum logreg_err {
	LOGREG_OK = 0,
	LOGREG_EINVAL,		/* NULL pointer, n or p of 0, lambda < 0 */
	LOGREG_ENONFINITE,	/* NaN or infinite feature, score or lambda */
	LOGREG_ELABEL,		/* a label is not 0 or 1 */
	LOGREG_EONECLASS,	/* labels all equal: AUC undefined */
	LOGREG_ERANGE,		/* a probability outside [0, 1] */
	LOGREG_ENOMEM,
	LOGREG_ENOCONV,		/* Newton did not converge */
	LOGREG_ERR__MAX
};

#define LOGREG_MAX_FEATURES	1000

/* One calibration bin: predictions with lo <= p < hi (the last bin has hi = 1 inclusive). */
struct logreg_bin {
	double	lo, hi;
	size_t	count;		/* predictions in the bin; 0: the means are 0 */
	double	mean_pred;	/* mean predicted probability */
	double	obs_rate;	/* observed fraction of y = 1 */
};

struct logreg;

/*
 * Fits the model to n rows of p features, x row-major (x[i*p + j]), and
 * labels y[i] in {0, 1}; lambda >= 0 is the L2 penalty on standardised
 * coefficients.  x and y are only read.  Returns a model the caller frees
 * with logreg_free(), or NULL with *err set to a logreg_err code.
 */
struct logreg	*logreg_new(const double *x, const int *y, size_t n, size_t p,
		    double lambda, int *err);

/* Frees a model from logreg_new(); NULL is a no-op. */
void		 logreg_free(struct logreg *lr);

/* Number of features p the model was fitted with. */
size_t		 logreg_nfeatures(const struct logreg *lr);

/*
 * Predicts P(y=1) for n rows of x (row-major, p = logreg_nfeatures())
 * into prob[0..n-1] (caller-owned); every value is in [0, 1].
 * Returns LOGREG_OK, LOGREG_EINVAL or LOGREG_ENONFINITE (prob then partly
 * written).
 */
int		 logreg_predict(const struct logreg *lr, const double *x,
		    size_t n, double *prob);

/*
 * Coefficients on the original feature scale: *intercept and coef[0..p-1]
 * (caller-owned), so that eta = intercept + sum_j coef[j] x_j.
 * Returns LOGREG_OK or LOGREG_EINVAL.
 */
int		 logreg_coef(const struct logreg *lr, double *intercept,
		    double *coef);

/* As logreg_coef() but on the standardised scale (b0 and w_j). */
int		 logreg_coef_std(const struct logreg *lr, double *intercept,
		    double *coef);

/*
 * Area under the ROC curve of scores against labels y in {0, 1}, by the
 * Mann-Whitney rank-sum statistic with tied scores given their average
 * rank (a tie between classes counts one half).  Writes *auc in [0, 1].
 * Returns LOGREG_OK, LOGREG_EINVAL, LOGREG_ENONFINITE, LOGREG_ELABEL,
 * LOGREG_EONECLASS or LOGREG_ENOMEM.
 */
int		 logreg_auc(const double *score, const int *y, size_t n,
		    double *auc);

/*
 * Calibration summary: splits [0, 1] into nbins equal-width bins and fills
 * bins[0..nbins-1] (caller-owned) with the mean predicted probability and
 * the observed rate of y = 1 in each.  *ece (may be NULL) gets the
 * expected calibration error sum_b (count_b / n) |mean_pred_b - obs_rate_b|.
 * Returns LOGREG_OK, LOGREG_EINVAL, LOGREG_ERANGE or LOGREG_ELABEL.
 */
int		 logreg_calibration(const double *prob, const int *y, size_t n,
		    struct logreg_bin *bins, size_t nbins, double *ece);

/* Message for a logreg_err code; static string. */
const char	*logreg_strerror(int err);

#endif /* LOGREG_H */
