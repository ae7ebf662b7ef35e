/* latency.c: per-operation latency statistics over the measured repetitions of a run. */
#include <stdlib.h>
#include "record.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Percentile q (0..1) of sorted v[0..n-1], interpolated between neighbours. */
static double percentile(const double *v, size_t n, double q)
{
	double pos = q * (n - 1);
	size_t lo = (size_t)pos;
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - lo) * (v[lo + 1] - v[lo]);
}

json_t *latency_ns(double tsc_khz, double iters, json_t *cycles)
{
	size_t n = json_array_size(cycles);
	if (!(tsc_khz > 0) || !(iters > 0) || n == 0)
		return NULL;
	double *ns = calloc(n, sizeof *ns), sum = 0;
	if (!ns)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		ns[i] = json_number_value(json_array_get(cycles, i)) * 1e6 / tsc_khz / iters;
		sum += ns[i];
	}
	qsort(ns, n, sizeof *ns, cmp_double);
	json_t *s = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "min", ns[0], "p10",
			      percentile(ns, n, 0.10), "p50", percentile(ns, n, 0.50), "p90",
			      percentile(ns, n, 0.90), "p99", percentile(ns, n, 0.99), "max",
			      ns[n - 1], "mean", sum / n);
	free(ns);
	return s;
}
