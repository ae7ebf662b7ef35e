/* report.c: the run's human summary on stdout and its JSON run record. */
#include <errno.h>
#include <stddef.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hv.h"

struct latency {
	double min, p50, p90, p99, max; /* cycles per operation */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentiles over the repetitions; false when there are none. */
static bool latency_of(const struct hc_result *res, struct latency *l)
{
	double v[HC_MAX_SAMPLES];
	uint32_t n = res->nsamples;
	if (n == 0 || res->iters == 0)
		return false;
	for (uint32_t i = 0; i < n; i++)
		v[i] = (double)res->cycles[i] / (double)res->iters;
	qsort(v, n, sizeof v[0], cmp_double);
#define RANK(p) v[(uint32_t)((p) / 100.0 * n + 0.999999) - 1]
	*l = (struct latency){v[0], RANK(50), RANK(90), RANK(99), v[n - 1]};
#undef RANK
	return true;
}

/* Operations in the marked section, or 0 when the guest reported no marked section. */
static double ops(const struct run_report *r)
{
	const struct run_state *rs = r->rs;
	if (!rs->mark[0].taken || !rs->mark[1].taken || !rs->g.have_result)
		return 0;
	return (double)rs->g.result.iters * (double)rs->g.result.nsamples;
}

static double cycles_to_ns(const struct run_report *r, double cycles)
{
	return r->tsc_khz ? cycles * 1e6 / (double)r->tsc_khz : 0;
}

/* Calls fn for each KVM stat with its per-op delta (counters) or final value (gauges). */
typedef void (*stat_fn)(const char *name, double value, void *arg);
static void each_stat(const struct run_report *r, const struct kvm_stats *s, const uint64_t *a,
		      const uint64_t *b, stat_fn fn, void *arg)
{
	double n = ops(r);
	for (uint32_t i = 0; i < s->n; i++) {
		if (s->desc[i].cumulative)
			fn(s->desc[i].name, (double)(b[i] - a[i]) / n, arg);
		else
			fn(s->desc[i].name, (double)b[i], arg);
	}
}

/* The hv's own paging counters (ptefree), by name. */
static const struct {
	const char *name;
	size_t offset;
} pf_fields[] = {
    {"forks", offsetof(struct ptefree_counts, forks)},
    {"fork_pages_copied", offsetof(struct ptefree_counts, fork_pages_copied)},
    {"lazy_pages_copied", offsetof(struct ptefree_counts, lazy_pages_copied)},
    {"lazy_zero_pages", offsetof(struct ptefree_counts, lazy_zero_pages)},
    {"lazy_wp_faults", offsetof(struct ptefree_counts, lazy_wp_faults)},
};

static uint64_t pf_field(const struct ptefree_counts *c, int i)
{
	uint64_t v;
	memcpy(&v, (const char *)c + pf_fields[i].offset, sizeof v);
	return v;
}

static void print_stat(const char *name, double v, void *arg)
{
	if (v != 0)
		fprintf(arg, " %s=%.2f", name, v);
}

static void print_counts(const struct run_report *r, FILE *out)
{
	const struct run_state *rs = r->rs;
	const struct mark_snapshot *a = &rs->mark[0], *b = &rs->mark[1];
	double n = ops(r);
	if (n == 0) {
		fprintf(out, "  per-op counts: none (the guest marked no measured section)\n");
		return;
	}
	fprintf(out, "  vCPU stats per op:");
	each_stat(r, &rs->vcpu_stats, a->vcpu_vals, b->vcpu_vals, print_stat, out);
	fprintf(out, "\n  VM stats (counters per op, gauges at the end):");
	each_stat(r, &rs->vm_stats, a->vm_vals, b->vm_vals, print_stat, out);
	fprintf(out, "\n  exits to the hv per op:");
	for (int i = 0; i < HV_EXIT_REASONS; i++)
		if (b->exits[i] != a->exits[i])
			fprintf(out, " %s=%.2f",
				exit_reason_name(i) ? exit_reason_name(i) : "other",
				(double)(b->exits[i] - a->exits[i]) / n);
	if (rs->g.pv)
		pvmmu_print_per_op(&a->pvc, &b->pvc, n, out);
	if (rs->g.pf) {
		fprintf(out, "\n  hv paging per op:");
		for (size_t i = 0; i < sizeof pf_fields / sizeof pf_fields[0]; i++)
			fprintf(out, " %s=%.2f", pf_fields[i].name,
				(double)(pf_field(&b->pfc, (int)i) - pf_field(&a->pfc, (int)i)) /
				    n);
	}
	fprintf(out, "\n  hypercalls per op:");
	for (int i = 0; i < HC_COUNT; i++)
		if (b->hc.calls[i] != a->hc.calls[i])
			fprintf(out, " %s=%.2f", hc_name(i),
				(double)(b->hc.calls[i] - a->hc.calls[i]) / n);
	fprintf(out, "\n");
}

/* Hypercalls answered with errors, and the host calls refused for the guest behind them. */
static void print_errors(const struct run_report *r, FILE *out)
{
	const struct hc_counts *h = &r->rs->g.hc;
	bool any = false;
	for (int i = 0; i < HC_COUNT; i++) {
		if (!h->errors[i])
			continue;
		fprintf(out, "%s %s %llu (",
			any ? ";" : "  hypercalls answered with an error:", hc_name(i),
			(unsigned long long)h->errors[i]);
		const char *sep = "";
		for (int c = 0; c < HC_ERROR_CODES; c++)
			if (h->error_codes[i][c]) {
				fprintf(out, "%s%s %llu", sep, hc_error_name(c),
					(unsigned long long)h->error_codes[i][c]);
				sep = ", ";
			}
		fprintf(out, ")");
		any = true;
	}
	if (any)
		fprintf(out, "\n");
	struct ptefree_refusal ref[PTEFREE_MAX_REFUSALS];
	int n = r->rs->g.pf ? ptefree_refusals_get(r->rs->g.pf, ref) : 0;
	for (int i = 0; i < n; i++)
		fprintf(out, "%s %s: %s x %llu",
			i ? ";" : "  host calls refused for the guest:", ref[i].call,
			strerror(ref[i].err), (unsigned long long)ref[i].count);
	if (n)
		fprintf(out, "\n");
}

static const char *mode_name(enum mmu_mode m)
{
	return m == MODE_PTEFREE ? "ptefree" : m == MODE_PVMMU ? "pvmmu" : "classic";
}

void report_print(const struct run_report *r, FILE *out)
{
	const struct run_config *c = r->cfg;
	const struct guest *g = &r->rs->g;
	fprintf(out, "%s %s: mode %s, platform %s, mmu %s%s%s, host THP %s, system calls by %s\n",
		c->workload ? "workload" : "exec", c->workload ? c->workload : c->exec,
		mode_name(c->mode), r->plat.name, r->plat.mmu,
		c->fork_policy ? ", fork policy " : "", c->fork_policy ? c->fork_policy : "",
		r->plat.thp[0] ? r->plat.thp : "unknown", c->syscall_entry);
	if (g->pv)
		fprintf(out, "  pvmmu: %ld ops per batch at most, updates applied by %s\n",
			c->pv_batch, c->pv_apply);
	if (g->have_result && g->result.start_tsc > r->boot_tsc)
		fprintf(out, "  boot to first workload instruction: %.3f ms\n",
			cycles_to_ns(r, (double)(g->result.start_tsc - r->boot_tsc)) / 1e6);
	struct latency l;
	if (g->have_result && latency_of(&g->result, &l))
		fprintf(out,
			"  per op over %u reps of %llu: min %.0f  p50 %.0f  p90 %.0f  p99 %.0f  "
			"max %.0f ns (p50 %.0f cycles)\n",
			g->result.nsamples, (unsigned long long)g->result.iters,
			cycles_to_ns(r, l.min), cycles_to_ns(r, l.p50), cycles_to_ns(r, l.p90),
			cycles_to_ns(r, l.p99), cycles_to_ns(r, l.max), l.p50);
	print_counts(r, out);
	fprintf(out, "  host RSS: before %llu KiB, peak %llu KiB, after %llu KiB\n",
		(unsigned long long)r->rss_before.rss_kib, (unsigned long long)r->rss_after.hwm_kib,
		(unsigned long long)r->rss_after.rss_kib);
	if (r->rs->g.pf) {
		struct ptefree_kmem k;
		ptefree_kmem_get(r->rs->g.pf, &k);
		fprintf(out,
			"  kernel memory chunks of %llu KiB above %llu KiB: %llu held at the end, "
			"peak %llu of %llu\n",
			(unsigned long long)(k.chunk_size >> 10),
			(unsigned long long)(k.boot_end >> 10), (unsigned long long)k.held,
			(unsigned long long)k.held_peak, (unsigned long long)k.chunks);
	}
	print_errors(r, out);
	if (g->nfaults || r->rs->injected_faults)
		fprintf(
		    out,
		    "  processes killed for invalid accesses: %llu (page faults injected by the "
		    "hv: %llu)\n",
		    (unsigned long long)g->nfaults, (unsigned long long)r->rs->injected_faults);
	if (r->ok)
		fprintf(out, "  result: ok\n");
	else
		fprintf(out, "  result: FAILED: %s\n",
			r->rs->failed	 ? r->rs->failure
			: g->asserted	 ? "guest assertion failed"
			: g->have_result ? g->result.msg
					 : "the guest reported no result");
}

static void set_stat(const char *name, double v, void *arg)
{
	json_object_set_new(arg, name, json_real(v));
}

static json_t *counts_json(const struct run_report *r)
{
	const struct run_state *rs = r->rs;
	const struct mark_snapshot *a = &rs->mark[0], *b = &rs->mark[1];
	json_t *o = json_object(), *vcpu = json_object(), *vm = json_object();
	json_t *exits = json_object(), *hcs = json_object();
	if (ops(r) > 0) {
		each_stat(r, &rs->vcpu_stats, a->vcpu_vals, b->vcpu_vals, set_stat, vcpu);
		each_stat(r, &rs->vm_stats, a->vm_vals, b->vm_vals, set_stat, vm);
		for (int i = 0; i < HV_EXIT_REASONS; i++)
			if (b->exits[i] != a->exits[i])
				json_object_set_new(
				    exits, exit_reason_name(i) ? exit_reason_name(i) : "other",
				    json_real((double)(b->exits[i] - a->exits[i]) / ops(r)));
		for (int i = 0; i < HC_COUNT; i++)
			if (b->hc.calls[i] != a->hc.calls[i])
				json_object_set_new(
				    hcs, hc_name(i),
				    json_real((double)(b->hc.calls[i] - a->hc.calls[i]) / ops(r)));
	}
	if (rs->g.pf && ops(r) > 0) {
		json_t *pf = json_object();
		for (size_t i = 0; i < sizeof pf_fields / sizeof pf_fields[0]; i++)
			json_object_set_new(pf, pf_fields[i].name,
					    json_real((double)(pf_field(&b->pfc, (int)i) -
							       pf_field(&a->pfc, (int)i)) /
						      ops(r)));
		json_object_set_new(o, "hv_paging", pf);
	}
	if (rs->g.pv && ops(r) > 0)
		json_object_set_new(o, "pvmmu", pvmmu_json(&a->pvc, &b->pvc, ops(r)));
	json_object_set_new(o, "kvm_vcpu", vcpu);
	json_object_set_new(o, "kvm_vm", vm);
	json_object_set_new(o, "user_exits", exits);
	json_object_set_new(o, "hypercalls", hcs);
	return o;
}

/* Whole-run hypercall totals: calls, errors and host time in each handler. */
static json_t *hypercalls_json(const struct run_report *r)
{
	const struct hc_counts *h = &r->rs->g.hc;
	json_t *o = json_object();
	for (int i = 0; i < HC_COUNT; i++) {
		if (!h->calls[i])
			continue;
		json_t *codes = json_object();
		for (int c = 0; c < HC_ERROR_CODES; c++)
			if (h->error_codes[i][c])
				json_object_set_new(codes, hc_error_name(c),
						    json_integer((json_int_t)h->error_codes[i][c]));
		json_object_set_new(o, hc_name(i),
				    json_pack("{sI sI so sf}", "calls", (json_int_t)h->calls[i],
					      "errors", (json_int_t)h->errors[i], "errors_by_code",
					      codes, "host_ns",
					      cycles_to_ns(r, (double)h->cycles[i])));
	}
	json_object_set_new(o, "unknown", json_integer((json_int_t)h->unknown));
	return o;
}

static json_t *latency_json(const struct run_report *r)
{
	const struct hc_result *res = &r->rs->g.result;
	struct latency l;
	if (!r->rs->g.have_result || !latency_of(res, &l))
		return json_null();
	json_t *samples = json_array();
	for (uint32_t i = 0; i < res->nsamples; i++)
		json_array_append_new(samples, json_integer((json_int_t)res->cycles[i]));
	return json_pack("{sf sf sf sf sf s{sf sf sf sf sf} so}", "min_ns", cycles_to_ns(r, l.min),
			 "p50_ns", cycles_to_ns(r, l.p50), "p90_ns", cycles_to_ns(r, l.p90),
			 "p99_ns", cycles_to_ns(r, l.p99), "max_ns", cycles_to_ns(r, l.max),
			 "cycles", "min", l.min, "p50", l.p50, "p90", l.p90, "p99", l.p99, "max",
			 l.max, "samples_cycles", samples);
}

static json_t *run_json(const struct run_report *r)
{
	const struct run_config *c = r->cfg;
	const struct guest *g = &r->rs->g;
	json_t *params = json_object(), *faults = json_array();
	for (int i = 0; i < c->nparams; i++)
		json_object_set_new(params, c->params[i][0], json_integer(atol(c->params[i][1])));
	for (uint64_t i = 0; i < g->nfaults && i < HV_MAX_FAULTS; i++)
		json_array_append_new(faults, json_pack("{sI sI sI sI}", "pid",
							(json_int_t)g->faults[i].pid, "va",
							(json_int_t)g->faults[i].va, "rip",
							(json_int_t)g->faults[i].rip, "error_code",
							(json_int_t)g->faults[i].err));
	double boot_ms = g->have_result && g->result.start_tsc > r->boot_tsc
			     ? cycles_to_ns(r, (double)(g->result.start_tsc - r->boot_tsc)) / 1e6
			     : 0;
	json_t *run = json_object();
	json_object_set_new(run, "workload", c->workload ? json_string(c->workload) : json_null());
	json_object_set_new(run, "exec", c->exec ? json_string(c->exec) : json_null());
	json_object_set_new(run, "params", params);
	json_object_set_new(run, "mode", json_string(mode_name(c->mode)));
	json_object_set_new(run, "pv_apply", c->pv_apply ? json_string(c->pv_apply) : json_null());
	json_object_set_new(run, "pv_batch", c->pv_apply ? json_integer(c->pv_batch) : json_null());
	json_object_set_new(run, "fork_policy",
			    c->fork_policy ? json_string(c->fork_policy) : json_null());
	json_object_set_new(run, "syscall_entry", json_string(c->syscall_entry));
	json_object_set_new(run, "platform", json_string(r->plat.name));
	json_object_set_new(run, "mmu", json_string(r->plat.mmu));
	json_object_set_new(run, "kvm_module", json_string(r->plat.kvm_module));
	json_object_set_new(run, "tdp_mmu", json_string(r->plat.tdp_mmu));
	json_object_set_new(run, "host_thp", json_string(r->plat.thp));
	json_object_set_new(run, "kvm_caps_missing", json_string(r->rs->vm->missing_caps));
	json_object_set_new(run, "iterations",
			    json_integer(g->have_result ? (json_int_t)g->result.iters : c->iters));
	json_object_set_new(run, "repetitions",
			    json_integer(g->have_result ? g->result.nsamples : c->reps));
	json_object_set_new(run, "warmup", json_integer(c->warmup));
	json_object_set_new(run, "tsc_khz", json_integer((json_int_t)r->tsc_khz));
	json_object_set_new(run, "boot_ms", json_real(boot_ms));
	json_object_set_new(run, "latency", latency_json(r));
	json_object_set_new(run, "per_op", counts_json(r));
	json_object_set_new(run, "hypercalls_total", hypercalls_json(r));
	json_object_set_new(run, "host_rss_kib",
			    json_pack("{sI sI sI}", "before", (json_int_t)r->rss_before.rss_kib,
				      "peak", (json_int_t)r->rss_after.hwm_kib, "after",
				      (json_int_t)r->rss_after.rss_kib));
	if (r->rs->g.pf) {
		struct ptefree_counts c;
		ptefree_counts_get(r->rs->g.pf, &c);
		json_t *pf = json_object();
		for (size_t i = 0; i < sizeof pf_fields / sizeof pf_fields[0]; i++)
			json_object_set_new(pf, pf_fields[i].name,
					    json_integer((json_int_t)pf_field(&c, (int)i)));
		json_object_set_new(run, "hv_paging_total", pf);
		struct ptefree_refusal ref[PTEFREE_MAX_REFUSALS];
		int n = ptefree_refusals_get(r->rs->g.pf, ref);
		json_t *refusals = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(refusals,
					      json_pack("{ss ss sI}", "call", ref[i].call, "error",
							strerror(ref[i].err), "count",
							(json_int_t)ref[i].count));
		json_object_set_new(run, "host_refusals", refusals);
		struct ptefree_kmem k;
		ptefree_kmem_get(r->rs->g.pf, &k);
		json_object_set_new(run, "kmem_chunks",
				    json_pack("{sI sI sI sI sI}", "chunk_kib",
					      (json_int_t)(k.chunk_size >> 10), "boot_end_kib",
					      (json_int_t)(k.boot_end >> 10), "available",
					      (json_int_t)k.chunks, "held_end", (json_int_t)k.held,
					      "held_peak", (json_int_t)k.held_peak));
	}
	if (g->pv) {
		struct pvmmu_counts pvc;
		pvmmu_counts_get(g->pv, &pvc);
		json_object_set_new(run, "pvmmu_total", pvmmu_json(NULL, &pvc, 1));
	}
	json_object_set_new(run, "injected_page_faults",
			    json_integer((json_int_t)r->rs->injected_faults));
	json_object_set_new(run, "proc_faults_total", json_integer((json_int_t)g->nfaults));
	json_object_set_new(run, "proc_faults", faults);
	json_object_set_new(run, "ok", json_boolean(r->ok));
	json_object_set_new(run, "host_failure",
			    host_failure_message() ? json_string(host_failure_message())
						   : json_null());
	json_object_set_new(run, "guest_exit_status", json_integer(g->exit_status));
	json_object_set_new(run, "error",
			    r->rs->failed      ? json_string(r->rs->failure)
			    : g->asserted      ? json_sprintf("guest assertion failed: %s:%u: %s",
							      g->assertion.file, g->assertion.line,
							      g->assertion.expr)
			    : !g->have_result  ? json_string("the guest reported no result")
			    : g->result.msg[0] ? json_string(g->result.msg)
					       : json_null());
	return run;
}

void report_write_json(const struct run_report *r, const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
	json_t *run = run_json(r);
	if (json_dump_file(run, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) < 0) {
		errno = errno ? errno : EIO;
		die("writing %s", tmp);
	}
	json_decref(run);
	if (rename(tmp, path) < 0)
		die("rename %s to %s", tmp, path);
}
