/* nnls.c: non-negative least squares for a handful of columns, by trying every support. */
/* With at most a few columns, solving the unconstrained problem on every subset of them and
 * keeping the best solution whose coefficients are all non-negative is exact and simple. */
#include <math.h>
#include <string.h>
#include "model.h"

#define MAXC 8

/* Solves the normal equations on the columns in mask; false when singular or negative. */
static bool solve_subset(const double *a, const double *b, int rows, int cols, unsigned mask,
			 double *x)
{
	int idx[MAXC], n = 0;
	for (int k = 0; k < cols; k++)
		if (mask >> k & 1)
			idx[n++] = k;
	double m[MAXC][MAXC + 1];
	for (int i = 0; i < n; i++) {
		for (int j = 0; j <= n; j++) {
			double s = 0;
			for (int r = 0; r < rows; r++)
				s += a[r * cols + idx[i]] * (j < n ? a[r * cols + idx[j]] : b[r]);
			m[i][j] = s;
		}
	}
	for (int i = 0; i < n; i++) { /* Gauss-Jordan with partial pivoting */
		int piv = i;
		for (int r = i + 1; r < n; r++)
			if (fabs(m[r][i]) > fabs(m[piv][i]))
				piv = r;
		if (fabs(m[piv][i]) < 1e-300)
			return false;
		for (int j = 0; j <= n; j++) {
			double t = m[i][j];
			m[i][j] = m[piv][j];
			m[piv][j] = t;
		}
		for (int r = 0; r < n; r++) {
			if (r == i)
				continue;
			double f = m[r][i] / m[i][i];
			for (int j = i; j <= n; j++)
				m[r][j] -= f * m[i][j];
		}
	}
	memset(x, 0, cols * sizeof *x);
	for (int i = 0; i < n; i++) {
		x[idx[i]] = m[i][n] / m[i][i];
		if (x[idx[i]] < 0)
			return false;
	}
	return true;
}

static double residual(const double *a, const double *b, int rows, int cols, const double *x)
{
	double s = 0;
	for (int r = 0; r < rows; r++) {
		double d = -b[r];
		for (int k = 0; k < cols; k++)
			d += a[r * cols + k] * x[k];
		s += d * d;
	}
	return s;
}

void nnls(const double *a, const double *b, int rows, int cols, double *x)
{
	double best = INFINITY, trial[MAXC];
	memset(x, 0, cols * sizeof *x);
	if (cols > MAXC)
		return;
	for (unsigned mask = 1; mask < 1u << cols; mask++) {
		if (!solve_subset(a, b, rows, cols, mask, trial))
			continue;
		double r = residual(a, b, rows, cols, trial);
		if (r < best) {
			best = r;
			memcpy(x, trial, cols * sizeof *x);
		}
	}
}
