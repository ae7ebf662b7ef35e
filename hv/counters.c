/* counters.c: a counts struct's uint64_t counters by name, printed and written per operation. */
#include <string.h>
#include "counters.h"

uint64_t counter_value(const void *counts, const struct counter_field *f)
{
	uint64_t v;
	memcpy(&v, (const char *)counts + f->offset, sizeof v);
	return v;
}

static double delta(const struct counter_field *f, const void *a, const void *b, double n)
{
	return (double)(counter_value(b, f) - counter_value(a, f)) / n;
}

void counters_print_per_op(FILE *out, const struct counter_field *f, size_t nf, const void *a,
			   const void *b, double n)
{
	for (size_t i = 0; i < nf; i++)
		fprintf(out, " %s=%.2f", f[i].name, delta(&f[i], a, b, n));
}

void counters_json_per_op(json_t *o, const struct counter_field *f, size_t nf, const void *a,
			  const void *b, double n)
{
	for (size_t i = 0; i < nf; i++)
		json_object_set_new(o, f[i].name, json_real(delta(&f[i], a, b, n)));
}
