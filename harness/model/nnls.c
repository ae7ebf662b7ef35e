/* nnls.c: non-negative least squares (Lawson and Hanson's active-set method), few columns. */
/* Lawson and Hanson, Solving Least Squares Problems (1974), chapter 23: columns enter the
 * passive set by the largest gradient; when the unconstrained solution on the passive set
 * turns a coefficient negative, the step is cut back and that column leaves. The normal
 * equations are small (at most NEV columns), solved by Gauss-Jordan. */
#include <math.h>
#include <string.h>
#include "model.h"

/* The least-squares solution on the columns in set (others 0) into z; false when singular. */
static bool solve_set(const double *a, const double *b, int rows, int cols, const bool *set,
		      double *z)
{
	int idx[NEV], n = 0;
	for (int k = 0; k < cols; k++)
		if (set[k])
			idx[n++] = k;
	double m[NEV][NEV + 1];
	for (int i = 0; i < n; i++)
		for (int j = 0; j <= n; j++) {
			double s = 0;
			for (int r = 0; r < rows; r++)
				s += a[r * cols + idx[i]] * (j < n ? a[r * cols + idx[j]] : b[r]);
			m[i][j] = s;
		}
	double norm[NEV]; /* each column's squared norm: a pivot far below it is dependence */
	for (int i = 0; i < n; i++)
		norm[i] = m[i][i];
	for (int i = 0; i < n; i++) { /* Gauss-Jordan with partial pivoting */
		int piv = i;
		for (int r = i + 1; r < n; r++)
			if (fabs(m[r][i]) > fabs(m[piv][i]))
				piv = r;
		if (!(fabs(m[piv][i]) > 1e-10 * norm[i]))
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
	memset(z, 0, cols * sizeof *z);
	for (int i = 0; i < n; i++)
		z[idx[i]] = m[i][n] / m[i][i];
	return true;
}

/* The gradient A^T (b - A x). */
static void gradient(const double *a, const double *b, int rows, int cols, const double *x,
		     double *w)
{
	memset(w, 0, cols * sizeof *w);
	for (int r = 0; r < rows; r++) {
		double res = b[r];
		for (int k = 0; k < cols; k++)
			res -= a[r * cols + k] * x[k];
		for (int k = 0; k < cols; k++)
			w[k] += a[r * cols + k] * res;
	}
}

void nnls(const double *a, const double *b, int rows, int cols, double *x)
{
	bool set[NEV] = {false}, tried[NEV] = {false};
	double w[NEV], z[NEV];
	memset(x, 0, cols * sizeof *x);
	for (int iter = 0; iter < 3 * NEV && cols <= NEV; iter++) {
		gradient(a, b, rows, cols, x, w);
		int j = -1;
		for (int k = 0; k < cols; k++)
			if (!set[k] && !tried[k] && w[k] > 1e-12 && (j < 0 || w[k] > w[j]))
				j = k;
		if (j < 0)
			return;
		set[j] = true;
		for (;;) {
			if (!solve_set(a, b, rows, cols, set, z)) {
				set[j] = false; /* dependent on the set: never again */
				tried[j] = true;
				break;
			}
			double alpha = 2;
			for (int k = 0; k < cols; k++)
				if (set[k] && z[k] <= 0)
					alpha = fmin(alpha, x[k] / (x[k] - z[k]));
			if (alpha > 1) {
				memcpy(x, z, cols * sizeof *x);
				break;
			}
			for (int k = 0; k < cols; k++) {
				x[k] += alpha * (z[k] - x[k]);
				if (set[k] && x[k] <= 1e-15 * (1 + fabs(z[k])))
					set[k] = false, x[k] = 0;
			}
		}
	}
}
