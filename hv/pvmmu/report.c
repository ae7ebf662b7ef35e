/* report.c: pvmmu's counters in the hv's summary and JSON record. */
#include <jansson.h>
#include <stddef.h>
#include <string.h>
#include "pvmmu.h"

static const struct {
	const char *name;
	size_t offset;
} fields[] = {
    {"batches", offsetof(struct pvmmu_counts, batches)},
    {"ops", offsetof(struct pvmmu_counts, ops)},
    {"updates", offsetof(struct pvmmu_counts, updates)},
    {"pins", offsetof(struct pvmmu_counts, pins)},
    {"unpins", offsetof(struct pvmmu_counts, unpins)},
    {"invlpgs", offsetof(struct pvmmu_counts, invlpgs)},
    {"flush_alls", offsetof(struct pvmmu_counts, flush_alls)},
    {"refused", offsetof(struct pvmmu_counts, refused)},
    {"stores", offsetof(struct pvmmu_counts, stores)},
    {"syncs", offsetof(struct pvmmu_counts, syncs)},
    {"new_bases", offsetof(struct pvmmu_counts, new_bases)},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static double field(const struct pvmmu_counts *c, size_t i)
{
	uint64_t v;
	memcpy(&v, (const char *)c + fields[i].offset, sizeof v);
	return (double)v;
}

void pvmmu_print_per_op(const struct pvmmu_counts *a, const struct pvmmu_counts *b, double n,
			FILE *out)
{
	fprintf(out, "\n  pvmmu per op:");
	for (size_t i = 0; i < NFIELDS; i++)
		fprintf(out, " %s=%.2f", fields[i].name, (field(b, i) - field(a, i)) / n);
	double batches = field(b, 0) - field(a, 0);
	if (batches > 0)
		fprintf(out, " ops_per_batch=%.1f", (field(b, 1) - field(a, 1)) / batches);
}

/* Per op (a, b: counters at the marks, n ops), or the whole run's totals (a NULL, n 1). */
json_t *pvmmu_json(const struct pvmmu_counts *a, const struct pvmmu_counts *b, double n)
{
	static const struct pvmmu_counts zero;
	if (!a)
		a = &zero;
	json_t *o = json_object(), *hist = json_array();
	for (size_t i = 0; i < NFIELDS; i++)
		json_object_set_new(o, fields[i].name, json_real((field(b, i) - field(a, i)) / n));
	double batches = field(b, 0) - field(a, 0);
	json_object_set_new(o, "ops_per_batch",
			    batches > 0 ? json_real((field(b, 1) - field(a, 1)) / batches)
					: json_null());
	for (int i = 0; i < PV_BATCH_HIST; i++)
		json_array_append_new(
		    hist, json_integer((json_int_t)(b->batch_hist[i] - a->batch_hist[i])));
	json_object_set_new(o, "batch_size_log2_hist", hist);
	return o;
}
