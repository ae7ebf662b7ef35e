/* report.c: the run's human summary on stdout and its JSON run record. */
#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "counters.h"
#include "mode.h"

/* TSC cycles of each measured repetition (empty when the guest reported none). */
static json_t *cycles_json(const struct run_report *r)
{
	const struct guest *g = &r->rs->g;
	json_t *a = json_array();
	for (uint32_t i = 0; g->have_result && i < g->result.nsamples; i++)
		json_array_append_new(a, json_integer((json_int_t)g->result.cycles[i]));
	return a;
}

/* What the run's times count: real time, or in the lab its clock (harness/lab/run.sh). */
static const char *run_clock(const struct run_report *r)
{
	return strncmp(r->host.name, "lab-", 4) ? CLOCK_REAL : clock_lab();
}

/* Latency per operation in ns (record/latency.c, as the bench computes it), or NULL. */
static json_t *latency_of(const struct run_report *r)
{
	json_t *cycles = cycles_json(r);
	json_t *l = r->rs->g.have_result
			? latency_ns((double)r->tsc_khz, (double)r->rs->g.result.iters, cycles)
			: NULL;
	json_decref(cycles);
	return l;
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

/* On PVM, KVM emulates every guest ring-0 instruction and counts each in the vCPU stat
 * insn_emulation: the guest kernel's instructions per op, exactly. Elsewhere that stat counts
 * the few instructions KVM's emulator runs (MMIO, shadow page-table writes): false there. */
static bool guest_kernel_insns(const struct run_report *r, double *per_op)
{
	const struct run_state *rs = r->rs;
	int i = stats_find(&rs->cpu[0].stats, "insn_emulation");
	if (strcmp(r->host.mmu, "pvm") || i < 0 || ops(r) == 0)
		return false;
	*per_op = (double)(rs->mark[1].vcpu_vals[i] - rs->mark[0].vcpu_vals[i]) / ops(r);
	return true;
}

/* What the running mode's report hooks see. */
static struct mode_view mode_view(const struct run_report *r)
{
	const struct run_state *rs = r->rs;
	return (struct mode_view){rs->g.mode_state, rs->mark[0].mode_counts,
				  rs->mark[1].mode_counts, ops(r)};
}

/* The running mode's words at a place of the summary. */
static void mode_print(const struct run_report *r, enum mode_report_at at, FILE *out)
{
	struct mode_view v = mode_view(r);
	if (r->rs->mode->print)
		r->rs->mode->print(&v, at, out);
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
	each_stat(r, &rs->cpu[0].stats, a->vcpu_vals, b->vcpu_vals, print_stat, out);
	double insns;
	if (guest_kernel_insns(r, &insns))
		fprintf(
		    out,
		    "\n  guest kernel instructions per op: %.1f (PVM emulates each guest ring-0 "
		    "instruction: insn_emulation)",
		    insns);
	fprintf(out, "\n  VM stats (counters per op, gauges at the end):");
	each_stat(r, &rs->vm_stats, a->vm_vals, b->vm_vals, print_stat, out);
	fprintf(out, "\n  exits to the hv per op:");
	for (int i = 0; i < HV_EXIT_REASONS; i++)
		if (b->exits[i] != a->exits[i])
			fprintf(out, " %s=%.2f",
				exit_reason_name(i) ? exit_reason_name(i) : "other",
				(double)(b->exits[i] - a->exits[i]) / n);
	mode_print(r, REPORT_PER_OP, out);
	fprintf(out, "\n  hypercalls per op:");
	for (int i = 0; i < HC_COUNT; i++)
		if (b->hc.calls[i] != a->hc.calls[i])
			fprintf(out, " %s=%.2f", hc_name(i),
				(double)(b->hc.calls[i] - a->hc.calls[i]) / n);
	smp_print_per_op(r->rs, n, out);
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
	mode_print(r, REPORT_ERRORS, out);
}

void report_print(const struct run_report *r, FILE *out)
{
	const struct run_config *c = r->cfg;
	const struct guest *g = &r->rs->g;
	fprintf(out, "%s %s: mode %s, platform %s, mmu %s", c->workload ? "workload" : "exec",
		c->workload ? c->workload : c->exec, c->mode, r->host.name, r->host.mmu);
	mode_print(r, REPORT_SETTINGS, out);
	fprintf(out, ", host THP %s, system calls by %s, vCPUs %ld, shootdown %s, frames %s\n",
		r->host.thp[0] ? r->host.thp : "unknown", c->syscall_entry, c->cpus, c->shootdown,
		c->frames);
	mode_print(r, REPORT_HEAD, out);
	if (g->have_result && g->result.start_tsc > r->boot_tsc)
		fprintf(out, "  boot to first workload instruction: %.3f ms\n",
			cycles_to_ns(r, (double)(g->result.start_tsc - r->boot_tsc)) / 1e6);
	if (g->have_result && c->budget_s)
		fprintf(out, "  iterations: %llu per repetition, chosen for a %g s budget\n",
			(unsigned long long)g->result.iters, c->budget_s);
	json_t *l = latency_of(r);
	if (l) {
		double ns[5];
		json_unpack(l, "{s:F, s:F, s:F, s:F, s:F}", "min", &ns[0], "p50", &ns[1], "p90",
			    &ns[2], "p99", &ns[3], "max", &ns[4]);
		fprintf(out,
			"  per op over %u reps of %llu: min %.0f  p50 %.0f  p90 %.0f  p99 %.0f  "
			"max %.0f %s (p50 %.0f cycles)\n",
			g->result.nsamples, (unsigned long long)g->result.iters, ns[0], ns[1],
			ns[2], ns[3], ns[4], clock_time_unit(run_clock(r)),
			ns[1] * (double)r->tsc_khz / 1e6);
		json_decref(l);
	}
	print_counts(r, out);
	fprintf(out, "  host RSS: before %llu KiB, peak %llu KiB, after %llu KiB\n",
		(unsigned long long)r->rss_before.rss_kib, (unsigned long long)r->rss_after.hwm_kib,
		(unsigned long long)r->rss_after.rss_kib);
	if (r->rs->mark[1].taken)
		fprintf(
		    out,
		    "  kernel memory the host backs: %llu pages at the start, %llu at the end\n",
		    (unsigned long long)r->rs->mark[0].ram_backed,
		    (unsigned long long)r->rs->mark[1].ram_backed);
	mode_print(r, REPORT_MEMORY, out);
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

/* The per-op counts between the marks (null without a measured section): exits to the hv by
 * KVM exit reason plus "in KVM" (the rest of KVM's exits counter, e.g. shadow page faults KVM
 * handled itself) so that they add up to every exit, hypercalls by name, KVM stats by name,
 * the hv process's host page faults, the running mode's own (its record hook), and on PVM the
 * guest kernel instructions. */
static void set_counts(const struct run_report *r, json_t *run)
{
	const struct run_state *rs = r->rs;
	const struct mark_snapshot *a = &rs->mark[0], *b = &rs->mark[1];
	double n = ops(r), to_hv = 0, insns;
	if (n == 0) {
		json_object_set_new(run, "exits_per_op", json_null());
		json_object_set_new(run, "hypercalls_per_op", json_null());
		json_object_set_new(run, "kvm_stats_per_op", json_null());
		json_object_set_new(run, "smp_per_op", json_null());
		json_object_set_new(run, "host_faults_per_op", json_null());
		json_object_set_new(run, "hits_per_op", json_null());
		return;
	}
	json_t *vcpu = json_object(), *vm = json_object(), *exits = json_object();
	json_t *hcs = json_object();
	each_stat(r, &rs->cpu[0].stats, a->vcpu_vals, b->vcpu_vals, set_stat, vcpu);
	each_stat(r, &rs->vm_stats, a->vm_vals, b->vm_vals, set_stat, vm);
	for (int i = 0; i < HV_EXIT_REASONS; i++)
		if (b->exits[i] != a->exits[i]) {
			to_hv += (double)(b->exits[i] - a->exits[i]) / n;
			json_object_set_new(exits,
					    exit_reason_name(i) ? exit_reason_name(i) : "other",
					    json_real((double)(b->exits[i] - a->exits[i]) / n));
		}
	json_t *all = json_object_get(vcpu, "exits");
	if (json_is_number(all) && json_number_value(all) > to_hv)
		json_object_set_new(exits, "in KVM", json_real(json_number_value(all) - to_hv));
	for (int i = 0; i < HC_COUNT; i++)
		if (b->hc.calls[i] != a->hc.calls[i])
			json_object_set_new(
			    hcs, hc_name(i),
			    json_real((double)(b->hc.calls[i] - a->hc.calls[i]) / n));
	json_object_set_new(run, "exits_per_op", exits);
	json_object_set_new(run, "hypercalls_per_op", hcs);
	json_object_set_new(run, "kvm_stats_per_op",
			    json_pack("{s:o, s:o}", "vcpu", vcpu, "vm", vm));
	json_object_set_new(run, "smp_per_op", smp_json(r->rs, n));
	json_object_set_new(run, "host_faults_per_op",
			    json_pack("{s:f, s:f}", "minor",
				      (double)(b->host_minflt - a->host_minflt) / n, "major",
				      (double)(b->host_majflt - a->host_majflt) / n));
	json_t *hits = json_object();
	for (int i = 0; rs->hits && i < rs->hits->n; i++) /* null: a mark found no total */
		json_object_set_new(hits, rs->hits->path[i],
				    a->hits[i] == HITS_NONE || b->hits[i] == HITS_NONE
					? json_null()
					: json_real((double)(b->hits[i] - a->hits[i]) / n));
	json_object_set_new(run, "hits_per_op", hits);
	if (guest_kernel_insns(r, &insns))
		json_object_set_new(run, "guest_kernel_insns_per_op", json_real(insns));
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

/* The hv's own fields: its host, its hypercalls and paging over the whole run, what it
 * refused and the faults it saw. */
static void set_hv_fields(const struct run_report *r, json_t *run)
{
	const struct guest *g = &r->rs->g;
	char va[24], rip[24];
	json_t *faults = json_array();
	for (uint64_t i = 0; i < g->nfaults && i < HV_MAX_FAULTS; i++) {
		snprintf(va, sizeof va, "0x%llx", (unsigned long long)g->faults[i].va);
		snprintf(rip, sizeof rip, "0x%llx", (unsigned long long)g->faults[i].rip);
		json_array_append_new(
		    faults, json_pack("{sI ss ss sI}", "pid", (json_int_t)g->faults[i].pid, "va",
				      va, "rip", rip, "error_code", (json_int_t)g->faults[i].err));
	}
	json_object_set_new(
	    run, "boot_ms",
	    json_real(g->have_result && g->result.start_tsc > r->boot_tsc
			  ? cycles_to_ns(r, (double)(g->result.start_tsc - r->boot_tsc)) / 1e6
			  : 0));
	json_object_set_new(run, "kvm_module", json_string(r->host.kvm_module));
	json_object_set_new(run, "tdp_mmu", json_string(r->host.tdp_mmu));
	json_object_set_new(run, "host_thp", json_string(r->host.thp));
	json_object_set_new(run, "kvm_caps_missing", json_string(r->rs->vm->missing_caps));
	json_object_set_new(run, "hypercalls_total", hypercalls_json(r));
	json_t *exits = json_array();
	for (int i = 0; i < r->rs->vm->ncpus; i++) {
		uint64_t sum = 0;
		for (int e = 0; e < HV_EXIT_REASONS; e++)
			sum += r->rs->cpu[i].exits[e];
		json_array_append_new(exits, json_integer((json_int_t)sum));
	}
	json_object_set_new(run, "exits_by_vcpu_total", exits);
	json_object_set_new(run, "injected_page_faults",
			    json_integer((json_int_t)r->rs->injected_faults));
	json_object_set_new(run, "proc_faults_total", json_integer((json_int_t)g->nfaults));
	json_object_set_new(run, "proc_faults", faults);
	json_object_set_new(run, "host_failure",
			    host_failure_message() ? json_string(host_failure_message())
						   : json_null());
	json_object_set_new(run, "guest_exit_status", json_integer(g->exit_status));
}

/* The run record, in the shape of harness/run-record.schema.json (the bench's runs[]). */
static json_t *run_json(const struct run_report *r)
{
	const struct run_config *c = r->cfg;
	const struct guest *g = &r->rs->g;
	char params[256] = "";
	json_t *values = json_array();
	for (int i = 0, n = 0; i < c->nparams; i++) {
		n += snprintf(params + n, sizeof params - (size_t)n, "%s%s=%s", i ? "," : "",
			      c->params[i][0], c->params[i][1]);
		if ((size_t)n >= sizeof params)
			die("the parameters of %s are longer than %zu bytes", c->workload,
			    sizeof params);
		json_array_append_new(values, json_integer(atol(c->params[i][1])));
	}
	const char *clock = run_clock(r);
	const char *note = !strcmp(r->host.mmu, "pvm") ? TIME_NOTE_PVM : clock_time_note(clock);
	json_t *latency = latency_of(r);
	json_t *run = json_object();
	json_object_set_new(run, "workload", c->workload ? json_string(c->workload) : json_null());
	json_object_set_new(run, "exec", c->exec ? json_string(c->exec) : json_null());
	json_object_set_new(run, "params", json_string(params));
	json_object_set_new(run, "param_values", values);
	json_object_set_new(run, "mode", json_string(c->mode));
	/* every mode's own fields, null but for the running mode's */
	for (const struct hv_mode *m = hv_mode_first(); m; m = hv_mode_next(m))
		for (const char *const *k = m->record_keys; k && *k; k++)
			json_object_set_new(run, *k, json_null());
	json_object_set_new(run, "syscall_entry", json_string(c->syscall_entry));
	json_object_set_new(run, "cpus", json_integer(c->cpus));
	json_object_set_new(run, "shootdown", json_string(c->shootdown));
	json_object_set_new(run, "frames", json_string(c->frames));
	json_object_set_new(run, "platform", json_string(r->host.name));
	json_object_set_new(run, "mmu", json_string(r->host.mmu));
	json_object_set_new(run, "time_note", note ? json_string(note) : json_null());
	json_object_set_new(run, "clock", json_string(clock));
	json_object_set_new(run, "time_unit", json_string(clock_time_unit(clock)));
	json_object_set_new(run, "status", json_string(r->ok ? "ok" : "failed"));
	json_object_set_new(run, "ok", json_boolean(r->ok));
	json_object_set_new(run, "error",
			    r->ok	       ? json_null()
			    : r->rs->failed    ? json_string(r->rs->failure)
			    : g->asserted      ? json_sprintf("guest assertion failed: %s:%u: %s",
							      g->assertion.file, g->assertion.line,
							      g->assertion.expr)
			    : !g->have_result  ? json_string("the guest reported no result")
			    : g->result.msg[0] ? json_string(g->result.msg)
					       : json_null());
	json_object_set_new(run, "iterations",
			    json_integer(g->have_result ? (json_int_t)g->result.iters : c->iters));
	json_object_set_new(run, "repetitions",
			    json_integer(g->have_result ? g->result.nsamples : c->reps));
	json_object_set_new(run, "warmup", json_integer(c->warmup));
	json_object_set_new(run, "iters_chosen_by",
			    c->iters_chosen_by ? json_string(c->iters_chosen_by) : json_null());
	json_object_set_new(run, "budget_s", c->budget_s ? json_real(c->budget_s) : json_null());
	json_object_set_new(run, "tsc_khz", json_integer((json_int_t)r->tsc_khz));
	json_object_set_new(run, "cycles", cycles_json(r));
	json_object_set_new(run, "latency_ns", latency ? latency : json_null());
	set_counts(r, run);
	json_object_set_new(run, "host_rss_kib",
			    json_pack("{sI sI sI}", "before", (json_int_t)r->rss_before.rss_kib,
				      "peak", (json_int_t)r->rss_after.hwm_kib, "after",
				      (json_int_t)r->rss_after.rss_kib));
	json_object_set_new(run, "ram_backed_pages",
			    r->rs->mark[1].taken
				? json_pack("{sI sI}", "begin",
					    (json_int_t)r->rs->mark[0].ram_backed, "end",
					    (json_int_t)r->rs->mark[1].ram_backed)
				: json_null());
	set_hv_fields(r, run);
	struct mode_view v = mode_view(r);
	if (r->rs->mode->record)
		r->rs->mode->record(&v, run);
	return run;
}

int report_write_json(const struct run_report *r, const char *path)
{
	char err[PATH_MAX + 128];
	json_t *run = run_json(r);
	int rc = output_write_json(path, run, err, sizeof err);
	json_decref(run);
	if (rc != RC_OK)
		fprintf(stderr, "hv: the run record is not written: %s\n", err);
	return rc;
}
