/* counters.h: a counts struct's uint64_t counters by name, printed and written per operation. */
#ifndef HV_COUNTERS_H
#define HV_COUNTERS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct counter_field {
	const char *name;
	size_t offset; /* of a uint64_t in the counts struct */
};
#define COUNTER(type, member)                                                                      \
	{                                                                                          \
#member, offsetof(type, member)                                                    \
	}

uint64_t counter_value(const void *counts, const struct counter_field *f);
/* " name=x.xx" per field: (b - a) / n */
void counters_print_per_op(FILE *out, const struct counter_field *f, size_t nf, const void *a,
			   const void *b, double n);
/* name: (b - a) / n, as a real, per field into o */
void counters_json_per_op(json_t *o, const struct counter_field *f, size_t nf, const void *a,
			  const void *b, double n);

#endif
