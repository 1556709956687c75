/*
 * linalg.h — the one dense linear solver of the forecast core (ETS
 * initial states, logistic regression's Newton steps).
 */
#ifndef NS_LINALG_H
#define NS_LINALG_H

#include <stddef.h>

/*
 * Solve the symmetric positive definite q x q system a x = b by Cholesky,
 * in place: a (row-major) is overwritten by its factor, b becomes x.
 * Returns 0, or -1 (a and b then undefined) if a is not positive definite.
 */
int	linalg_cholesky_solve(double *a, double *b, size_t q);

#endif /* NS_LINALG_H */
