/* values.c: the model's leaf helpers: a record's numbers, a run's concurrency, times, counts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

double rec_number(json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

long run_concurrency(json_t *r)
{
	const char *params = json_string_value(json_object_get(r, "params"));
	if (!params)
		return 1;
	static const char *const keys[] = {"copies=", "threads="};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *at = strstr(params, keys[i]);
		if (at && (at == params || at[-1] == ','))
			return atol(at + strlen(keys[i]));
	}
	return 1;
}

/* v with 3 significant digits and the largest of four units (each 1000 times the last) that
 * keeps it under 1000; "-" for NAN. */
static const char *fmt_scaled(double v, const char *const unit[4], char *buf, size_t len)
{
	int u = 0;
	if (isnan(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	while (fabs(v) >= 1000 && u < 3)
		v /= 1000, u++;
	snprintf(buf, len, "%.*f%s", fabs(v) >= 100 ? 0 : fabs(v) >= 10 ? 1 : 2, v, unit[u]);
	return buf;
}

const char *fmt_ns(double ns, char *buf, size_t len)
{
	static const char *const unit[] = {" ns", " us", " ms", " s"};
	return fmt_scaled(ns, unit, buf, len);
}

const char *fmt_count(double v, char *buf, size_t len)
{
	static const char *const unit[] = {"", "k", "M", "G"};
	return fmt_scaled(v, unit, buf, len);
}
