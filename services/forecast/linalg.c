/* linalg.c — Cholesky solve for the forecast core (see linalg.h). */
#include <math.h>

#include "linalg.h"

int
linalg_cholesky_solve(double *a, double *b, size_t q)
{
	size_t i, j, k;
	double s;

	for (j = 0; j < q; j++) {
		s = a[j * q + j];
		for (k = 0; k < j; k++)
			s -= a[j * q + k] * a[j * q + k];
		if (!(s > 0.0))
			return -1;
		a[j * q + j] = sqrt(s);
		for (i = j + 1; i < q; i++) {
			s = a[i * q + j];
			for (k = 0; k < j; k++)
				s -= a[i * q + k] * a[j * q + k];
			a[i * q + j] = s / a[j * q + j];
		}
	}
	for (i = 0; i < q; i++) {
		s = b[i];
		for (k = 0; k < i; k++)
			s -= a[i * q + k] * b[k];
		b[i] = s / a[i * q + i];
	}
	for (i = q; i-- > 0;) {
		s = b[i];
		for (k = i + 1; k < q; k++)
			s -= a[k * q + i] * b[k];
		b[i] = s / a[i * q + i];
	}
	return 0;
}
