/* report.c: pvmmu's counters in the hv's summary and JSON record. */
#include <jansson.h>
#include <stddef.h>
#include <string.h>
#include "counters.h"
#include "pvmmu.h"

static const struct counter_field fields[] = {
    COUNTER(struct pvmmu_counts, batches),    COUNTER(struct pvmmu_counts, ops),
    COUNTER(struct pvmmu_counts, updates),    COUNTER(struct pvmmu_counts, pins),
    COUNTER(struct pvmmu_counts, unpins),     COUNTER(struct pvmmu_counts, invlpgs),
    COUNTER(struct pvmmu_counts, flush_alls), COUNTER(struct pvmmu_counts, refused),
    COUNTER(struct pvmmu_counts, stores),     COUNTER(struct pvmmu_counts, syncs),
    COUNTER(struct pvmmu_counts, new_bases),  COUNTER(struct pvmmu_counts, remote_flushes),
    COUNTER(struct pvmmu_counts, kicks),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

/* Operations per batch between a and b, or -1 without a batch. */
static double ops_per_batch(const struct pvmmu_counts *a, const struct pvmmu_counts *b)
{
	uint64_t batches = b->batches - a->batches;
	return batches ? (double)(b->ops - a->ops) / (double)batches : -1;
}

void pvmmu_print_per_op(const struct pvmmu_counts *a, const struct pvmmu_counts *b, double n,
			FILE *out)
{
	fprintf(out, "\n  pvmmu per op:");
	counters_print_per_op(out, fields, NFIELDS, a, b, n);
	if (ops_per_batch(a, b) >= 0)
		fprintf(out, " ops_per_batch=%.1f", ops_per_batch(a, b));
}

/* Per op (a, b: counters at the marks, n ops), or the whole run's totals (a NULL, n 1). */
json_t *pvmmu_json(const struct pvmmu_counts *a, const struct pvmmu_counts *b, double n)
{
	static const struct pvmmu_counts zero;
	if (!a)
		a = &zero;
	json_t *o = json_object(), *hist = json_array();
	counters_json_per_op(o, fields, NFIELDS, a, b, n);
	json_object_set_new(o, "ops_per_batch",
			    ops_per_batch(a, b) >= 0 ? json_real(ops_per_batch(a, b))
						     : json_null());
	for (int i = 0; i < PV_BATCH_HIST; i++)
		json_array_append_new(
		    hist, json_integer((json_int_t)(b->batch_hist[i] - a->batch_hist[i])));
	json_object_set_new(o, "batch_size_log2_hist", hist);
	return o;
}
