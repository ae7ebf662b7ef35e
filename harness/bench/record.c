/* record.c: the numbers the TSV files and the summary read out of a run record. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "bench.h"

const char *rec_str(json_t *r, const char *key)
{
	const char *s = json_string_value(json_object_get(r, key));
	return s ? s : "";
}

double rec_num(json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The sum of the numbers in obj, except the one named skip; NAN when obj is no object. */
static double sum_except(json_t *obj, const char *skip)
{
	const char *k;
	json_t *v;
	double sum = 0;
	if (!json_is_object(obj))
		return NAN;
	json_object_foreach(obj, k, v) if (!skip || strcmp(k, skip)) sum += json_number_value(v);
	return sum;
}

double rec_exits(json_t *r)
{
	return sum_except(json_object_get(r, "exits_per_op"), NULL);
}

/* The measurement's own HC_MARK at the end of the timed repetitions falls inside the counted
 * interval; it is no part of an operation. */
double rec_hypercalls(json_t *r)
{
	return sum_except(json_object_get(r, "hypercalls_per_op"), "mark");
}

/* Pages the hv copied per op: at fork (copy policy) and on first writes (lazy policy). */
double rec_pages_copied(json_t *r)
{
	json_t *paging = json_object_get(r, "hv_paging_per_op");
	if (!json_is_object(paging))
		return NAN;
	return rec_num(json_object_get(paging, "fork_pages_copied")) +
	       rec_num(json_object_get(paging, "lazy_pages_copied"));
}

/* Only records of PVM hosts have it: there KVM counts every guest ring-0 instruction. */
double rec_kernel_insns(json_t *r)
{
	return rec_num(json_object_get(r, "guest_kernel_insns_per_op"));
}

/* The --split pass: what field counts per op (instructions_per_op, rep_iterations_per_op,
 * rep_bytes_per_op) in part (as in insnsplit.c's names). */
double rec_split(json_t *r, const char *field, const char *part)
{
	json_t *per_op = json_object_get(json_object_get(r, "split"), field);
	return rec_num(json_object_get(per_op, part));
}

void rec_series(json_t *r, char *buf, size_t len)
{
	series_name(rec_str(r, "mode"), rec_str(r, "fork_policy_requested"),
		    rec_str(r, "variant_requested"), rec_str(r, "platform"), buf, len);
}

double rec_pv_updates(json_t *r)
{
	json_t *pv = json_object_get(r, "pvmmu_per_op");
	return json_is_object(pv) ? rec_num(json_object_get(pv, "updates")) : NAN;
}

double rec_p50(json_t *r)
{
	return rec_num(json_object_get(json_object_get(r, "latency_ns"), "p50"));
}

/* A time of record r as its clock counts it: "142k instr" on the lab's instruction clock
 * (1 virtual ns per instruction executed), else "1.2 ms", "350 us", "80 ns". */
void rec_time_text(json_t *r, double ns, char *buf, size_t len)
{
	static const struct {
		double scale;
		const char *ns, *insns;
	} steps[] = {{1e6, " ms", "M instr"}, {1e3, " us", "k instr"}, {1, " ns", " instr"}};
	bool insns = !strcmp(rec_time_unit(r), "instructions");
	int i = 0;
	while (i < 2 && ns < steps[i].scale)
		i++;
	snprintf(buf, len, "%.3g%s", ns / steps[i].scale, insns ? steps[i].insns : steps[i].ns);
}

const char *rec_time_unit(json_t *r)
{
	const char *unit = rec_str(r, "time_unit");
	return unit[0] ? unit : "ns";
}
