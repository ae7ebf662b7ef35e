/* trace.c: the --trace pass: exits per operation by hardware exit reason. */
/* Counted by a histogram trigger on the kvm:kvm_exit tracepoint (tracefs), apart from the
 * timed pass because tracing perturbs timing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include "bench.h"

#define TRACEFS	 "/sys/kernel/tracing"
#define KVM_EXIT TRACEFS "/events/kvm/kvm_exit"
#define HIST	 "hist:keys=isa,exit_reason:size=2048"

enum { KVM_ISA_VMX = 1, KVM_ISA_SVM = 2 }; /* the tracepoint's isa field */

struct exit_name {
	unsigned code;
	const char *name;
};

/* The exit codes a pagelab guest produces, named as the tracepoint prints them (lower case);
 * others are reported by number. */
static const struct exit_name svm_exits[] = {
    {0x010, "write_cr0"}, {0x013, "write_cr3"}, {0x014, "write_cr4"}, {0x041, "db_excp"},
    {0x046, "ud_excp"},	  {0x04e, "pf_excp"},	{0x060, "interrupt"}, {0x061, "nmi"},
    {0x064, "vintr"},	  {0x072, "cpuid"},	{0x077, "pause"},     {0x078, "hlt"},
    {0x079, "invlpg"},	  {0x07b, "io"},	{0x07c, "msr"},	      {0x07f, "shutdown"},
    {0x081, "hypercall"}, {0x08d, "xsetbv"},	{0x400, "npf"},
};
static const struct exit_name vmx_exits[] = {
    {0, "exception_nmi"},
    {1, "external_interrupt"},
    {7, "interrupt_window"},
    {10, "cpuid"},
    {12, "hlt"},
    {14, "invlpg"},
    {18, "vmcall"},
    {28, "cr_access"},
    {30, "io_instruction"},
    {31, "msr_read"},
    {32, "msr_write"},
    {40, "pause_instruction"},
    {48, "ept_violation"},
    {49, "ept_misconfig"},
};

static void exit_name(unsigned isa, unsigned code, char *buf, size_t len)
{
	const struct exit_name *t = isa == KVM_ISA_SVM ? svm_exits : vmx_exits;
	size_t n = isa == KVM_ISA_SVM ? sizeof svm_exits / sizeof svm_exits[0]
				      : sizeof vmx_exits / sizeof vmx_exits[0];
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code) {
			snprintf(buf, len, "%s", t[i].name);
			return;
		}
	snprintf(buf, len, "%s_0x%x", isa == KVM_ISA_SVM ? "svm" : "vmx", code);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

int trace_available(char *why, size_t len)
{
	if (access(KVM_EXIT "/trigger", W_OK) != 0 && access(TRACEFS "/events", F_OK) != 0)
		mount("nodev", TRACEFS, "tracefs", 0, NULL); /* not mounted (e.g. in the lab) */
	if (access(KVM_EXIT "/trigger", W_OK) == 0)
		return 1;
	if (access(TRACEFS "/events", F_OK) != 0)
		snprintf(why, len, "tracefs is not available at " TRACEFS " (%s)", strerror(errno));
	else if (access(TRACEFS "/events/kvm", F_OK) != 0)
		snprintf(why, len, "no kvm tracepoints (the kvm module is not loaded)");
	else
		snprintf(why, len, KVM_EXIT "/trigger: %s (needs root)", strerror(errno));
	return 0;
}

/* Lines "{ isa: 2, exit_reason: 123 } hitcount: 45" into {name: count}. */
static json_t *hist_read(void)
{
	FILE *f = fopen(KVM_EXIT "/hist", "r");
	json_t *counts = json_object();
	char line[256], name[48];
	unsigned isa, code;
	unsigned long long hits;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "{ isa: %u , exit_reason: %u } hitcount: %llu", &isa, &code,
			   &hits) == 3) {
			exit_name(isa, code, name, sizeof name);
			json_t *old = json_object_get(counts, name);
			json_object_set_new(counts, name,
					    json_integer(json_integer_value(old) + hits));
		}
	if (f)
		fclose(f);
	return counts;
}

/* Exits by reason during one run of iters operations (whole run, boot included). */
static json_t *count_run(const struct cell *c, run_once_fn run_once, long iters, double timeout_s,
			 char *err, size_t len)
{
	write_file(KVM_EXIT "/trigger", "!" HIST); /* a trigger left by an interrupted run */
	if (write_file(KVM_EXIT "/trigger", HIST) != 0) {
		snprintf(err, len, "cannot set a hist trigger on kvm:kvm_exit: %s",
			 strerror(errno));
		return NULL;
	}
	json_t *rec = json_object(), *counts = NULL;
	if (run_once(c, iters, 1, 0, timeout_s, rec) == 0)
		counts = hist_read();
	else
		snprintf(err, len, "traced run failed: %s",
			 json_string_value(json_object_get(rec, "error")) ?: "no reason");
	write_file(KVM_EXIT "/trigger", "!" HIST);
	json_decref(rec);
	return counts;
}

/*
 * Two runs, of one and of n operations: the difference divided by n - 1 is what one
 * operation costs, without boot, setup and the guest's exit. The counts include every VM
 * on the machine: trace on an otherwise idle host.
 */
json_t *trace_exits(const struct cell *c, run_once_fn run_once, long iters, double timeout_s)
{
	char err[BENCH_ERR_MAX] = "";
	long n = iters > 1 ? iters : 2;
	json_t *one = count_run(c, run_once, 1, timeout_s, err, sizeof err);
	json_t *many = one ? count_run(c, run_once, n, timeout_s, err, sizeof err) : NULL;
	if (!many) {
		json_decref(one);
		return json_pack("{s:s, s:s}", "method", "tracefs kvm:kvm_exit hist", "error", err);
	}
	json_t *per_op = json_object(), *v;
	const char *k;
	json_object_foreach(many, k, v)
	{
		double d = json_number_value(v) - json_number_value(json_object_get(one, k));
		json_object_set_new(per_op, k, json_real(d / (n - 1)));
	}
	json_t *t = json_pack("{s:s, s:I, s:o, s:o, s:o}", "method", "tracefs kvm:kvm_exit hist",
			      "iterations", (json_int_t)n, "exits_per_op", per_op, "run_of_1", one,
			      "run_of_n", many);
	return t;
}
