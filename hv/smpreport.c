/* smpreport.c: the multi-vCPU counts per op in the hv's summary and JSON record. */
#include <jansson.h>
#include <stddef.h>
#include "counters.h"
#include "hv.h"

/* The multi-vCPU counts between the marks: exits to the hv by vCPU, KVM's remote TLB flushes
 * (VM stats, named as KVM names them), the hv lock's contention and the guest kernel's own
 * counts (HC_MARK's struct hc_kcounts), each per op. */
static const char *const remote_stats[] = {"remote_tlb_flush", "remote_tlb_flush_requests"};
static const struct counter_field kc_fields[] = {
    COUNTER(struct hc_kcounts, ipis_sent),
    COUNTER(struct hc_kcounts, ipis_recv),
    COUNTER(struct hc_kcounts, shootdowns),
    COUNTER(struct hc_kcounts, lock_spins),
};
#define NKC_FIELDS (sizeof kc_fields / sizeof kc_fields[0])
struct smp_counts {
	uint64_t hv_lock_waits, hv_lock_wait_ns;
};
static const struct counter_field lock_fields[] = {
    COUNTER(struct smp_counts, hv_lock_waits),
    COUNTER(struct smp_counts, hv_lock_wait_ns),
};

/* A VM stat's delta between the marks per op, or -1 if KVM lacks it. */
static double vm_stat_per_op(const struct run_state *rs, const char *name, double n)
{
	int i = stats_find(&rs->vm_stats, name);
	if (i < 0)
		return -1;
	return (double)(rs->mark[1].vm_vals[i] - rs->mark[0].vm_vals[i]) / n;
}

void smp_print_per_op(const struct run_state *rs, double n, FILE *out)
{
	const struct mark_snapshot *a = &rs->mark[0], *b = &rs->mark[1];
	struct smp_counts la = {a->lock_waits, a->lock_wait_ns},
			  lb = {b->lock_waits, b->lock_wait_ns};
	fprintf(out, "\n  vCPUs per op: exits to the hv by vCPU");
	for (int i = 0; i < rs->vm->ncpus; i++)
		fprintf(out, "%s%.2f", i ? ", " : " ",
			(double)(b->cpu_exits[i] - a->cpu_exits[i]) / n);
	for (size_t i = 0; i < sizeof remote_stats / sizeof remote_stats[0]; i++)
		if (vm_stat_per_op(rs, remote_stats[i], n) >= 0)
			fprintf(out, " %s=%.2f", remote_stats[i],
				vm_stat_per_op(rs, remote_stats[i], n));
	counters_print_per_op(out, lock_fields, 2, &la, &lb, n);
	if (a->have_kcounts && b->have_kcounts) {
		fprintf(out, "\n  guest kernel per op:");
		counters_print_per_op(out, kc_fields, NKC_FIELDS, &a->kc, &b->kc, n);
	}
}

json_t *smp_json(const struct run_state *rs, double n)
{
	const struct mark_snapshot *a = &rs->mark[0], *b = &rs->mark[1];
	struct smp_counts la = {a->lock_waits, a->lock_wait_ns},
			  lb = {b->lock_waits, b->lock_wait_ns};
	json_t *o = json_object(), *exits = json_array(), *kc = json_null();
	for (int i = 0; i < rs->vm->ncpus; i++)
		json_array_append_new(exits,
				      json_real((double)(b->cpu_exits[i] - a->cpu_exits[i]) / n));
	json_object_set_new(o, "exits_by_vcpu", exits);
	for (size_t i = 0; i < sizeof remote_stats / sizeof remote_stats[0]; i++) {
		double v = vm_stat_per_op(rs, remote_stats[i], n);
		json_object_set_new(o, remote_stats[i], v >= 0 ? json_real(v) : json_null());
	}
	counters_json_per_op(o, lock_fields, 2, &la, &lb, n);
	if (a->have_kcounts && b->have_kcounts) {
		kc = json_object();
		counters_json_per_op(kc, kc_fields, NKC_FIELDS, &a->kc, &b->kc, n);
	}
	json_object_set_new(o, "guest_kcounts", kc);
	return o;
}
