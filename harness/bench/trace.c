/* trace.c: the --trace pass: exits per operation by hardware exit reason, KVM's guest reads. */
/* Counted from the kvm:kvm_exit tracepoint, apart from the timed pass because tracing
 * perturbs timing: by `perf kvm stat` where perf can run (the hv runs under `perf kvm stat
 * record`, which counts that hv's exits only), else by a histogram trigger in tracefs (which
 * counts every VM's). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "proc.h"

#define TRACEFS	    "/sys/kernel/tracing"
#define KVM_EXIT    TRACEFS "/events/kvm/kvm_exit"
#define HIST	    "hist:keys=isa,exit_reason:size=2048"
#define HIST_METHOD "tracefs kvm:kvm_exit hist"
/* KVM's reads of guest memory from its own context: under shadow paging, every guest page-table
 * entry it re-reads when it syncs an unsync shadow page (FNAME(sync_page), Linux 6.1). */
#define READS_FN    "kvm_vcpu_read_guest_atomic"
#define KPROBES	    TRACEFS "/kprobe_events"
#define READS_PROBE "pagelab/guest_read"
#define READS_EVENT TRACEFS "/events/" READS_PROBE
#define READS_HIST  "hist:keys=common_type"
#define PERF_METHOD "perf kvm stat"

static char perf[4096];	     /* the perf program, when it can record kvm events here */
static char perf_data[4200]; /* its recording, in the scratch folder */

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

/* Writes text to a tracefs file in one write; append where truncating would clear the file's
 * other entries (write(2) directly: stdio's append mode seeks, which kprobe_events refuses). */
static int write_file(const char *path, bool append, const char *text)
{
	int fd = open(path, O_WRONLY | (append ? O_APPEND : O_TRUNC));
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

const char *trace_perf_find(void)
{
	static char found[4096];
	const char *path = getenv("PATH");
	char dirs[4096];
	snprintf(dirs, sizeof dirs, "%s:/usr/bin", path ? path : "");
	for (char *save, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(found, sizeof found, "%s/perf", d);
		if (access(found, X_OK) == 0)
			return found;
	}
	return NULL;
}

/* Whether perf records the kvm events here (it needs the kvm module and root). */
static bool perf_usable(void)
{
	const char *found = trace_perf_find();
	if (!found)
		return false;
	snprintf(perf, sizeof perf, "%s", found);
	scratch_path("trace.data", perf_data, sizeof perf_data);
	char *argv[] = {perf, "kvm",	 "stat", "record",    "-q",
			"-o", perf_data, "--",	 "/bin/true", NULL};
	static struct proc_out o;
	bool ok = proc_run(argv, 60, &o) == 0 && !o.timed_out && WIFEXITED(o.status) &&
		  WEXITSTATUS(o.status) == 0;
	unlink(perf_data);
	if (!ok)
		perf[0] = '\0';
	return ok;
}

static bool hist_usable(char *why, size_t len)
{
	if (access(KVM_EXIT "/trigger", W_OK) != 0 && access(TRACEFS "/events", F_OK) != 0)
		mount("nodev", TRACEFS, "tracefs", 0, NULL); /* not mounted (e.g. in the lab) */
	if (access(KVM_EXIT "/trigger", W_OK) == 0)
		return true;
	if (access(TRACEFS "/events", F_OK) != 0)
		snprintf(why, len, "tracefs is not available at " TRACEFS " (%s)", strerror(errno));
	else if (access(TRACEFS "/events/kvm", F_OK) != 0)
		snprintf(why, len, "no kvm tracepoints (the kvm module is not loaded)");
	else
		snprintf(why, len, KVM_EXIT "/trigger: %s (needs root)", strerror(errno));
	return false;
}

const char *trace_available(const char *wanted, char *why, size_t len)
{
	bool hist = hist_usable(why, len); /* mounts tracefs, which perf reads too */
	if (strcmp(wanted, "tracefs") != 0 && perf_usable())
		return PERF_METHOD;
	if (!strcmp(wanted, "perf")) {
		snprintf(why, len, "%s",
			 trace_perf_find() ? "perf kvm stat record fails here (no kvm module, or "
					     "not root)"
					   : "no perf in PATH or /usr/bin (Debian: linux-perf)");
		return NULL;
	}
	return hist ? HIST_METHOD : NULL;
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

static bool all_digits(const char *w)
{
	return *w && strspn(w, "0123456789") == strlen(w);
}

/* The table of `perf kvm stat report --event=vmexit`, lines "   PF excp   1009  74.52% ...",
 * into {"pf_excp": 1009}: the words before the first count that a percentage follows name
 * the reason (as the tracepoint prints it; here lower case, joined by '_'). */
static json_t *perf_report_parse(const char *out)
{
	json_t *counts = json_object();
	const char *table = strstr(out, "VM-EXIT");
	for (const char *line = table ? strchr(table, '\n') : NULL; line;
	     line = strchr(line, '\n')) {
		char copy[256], *w[16], *save;
		int n = 0;
		size_t end = strcspn(++line, "\n");
		snprintf(copy, sizeof copy, "%.*s", (int)(end < sizeof copy ? end : 0), line);
		for (char *t = strtok_r(copy, " \t", &save); t && n < 16;
		     t = strtok_r(NULL, " \t", &save))
			w[n++] = t;
		int k = 0;
		while (k + 1 < n && !(all_digits(w[k]) && w[k + 1][strlen(w[k + 1]) - 1] == '%'))
			k++;
		if (k == 0 || k + 1 >= n)
			continue;
		char name[64] = "";
		for (int i = 0, used = 0; i < k && used < (int)sizeof name; i++)
			used +=
			    snprintf(name + used, sizeof name - used, "%s%s", i ? "_" : "", w[i]);
		for (char *c = name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		json_object_set_new(counts, name, json_integer(strtoll(w[k], NULL, 10)));
	}
	return counts;
}

/* Runs the cell under `perf kvm stat record`, then reads the exits back with its report. */
static json_t *perf_count(const struct cell *c, run_once_fn run_once, long iters, double timeout_s,
			  json_t *rec, char *err, size_t len)
{
	char *wrapper[] = {perf, "kvm", "stat", "record", "-q", "-o", perf_data, "--", NULL};
	struct cell traced = *c;
	traced.wrapper = wrapper;
	unlink(perf_data);
	if (run_once(&traced, iters, 1, 0, timeout_s, rec) != 0)
		return NULL;
	char *argv[] = {perf, "kvm", "-i", perf_data, "stat", "report", "--event=vmexit", NULL};
	static struct proc_out o;
	json_t *counts = NULL;
	char how[BENCH_ERR_MAX / 2] = "could not start";
	if (proc_run(argv, timeout_s, &o) == 0) {
		/* perf 6.1 prints the table on stderr */
		const char *text = strstr(o.out, "VM-EXIT") ? o.out : o.err;
		if (!o.timed_out && WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0 &&
		    strstr(text, "VM-EXIT"))
			counts = perf_report_parse(text);
		proc_describe(&o, timeout_s, how, sizeof how);
	}
	if (!counts)
		snprintf(err, len, "perf kvm stat report gave no table (%s)", how);
	unlink(perf_data);
	return counts;
}

static json_t *hist_count(const struct cell *c, run_once_fn run_once, long iters, double timeout_s,
			  json_t *rec, char *err, size_t len)
{
	write_file(KVM_EXIT "/trigger", false, "!" HIST); /* a trigger left by an interrupted run */
	if (write_file(KVM_EXIT "/trigger", false, HIST) != 0) {
		snprintf(err, len, "cannot set a hist trigger on kvm:kvm_exit: %s",
			 strerror(errno));
		return NULL;
	}
	json_t *counts = run_once(c, iters, 1, 0, timeout_s, rec) == 0 ? hist_read() : NULL;
	write_file(KVM_EXIT "/trigger", false, "!" HIST);
	return counts;
}

/* Removes the guest-read probe and its trigger (also those an interrupted run left). */
static void reads_disarm(void)
{
	write_file(READS_EVENT "/trigger", false, "!" READS_HIST);
	write_file(KPROBES, true, "-:" READS_PROBE);
}

/* A kprobe on READS_FN with a hist trigger that counts its calls: 0, or -1 with the reason. */
static int reads_arm(char *why, size_t len)
{
	if (access(KPROBES, F_OK) != 0) {
		snprintf(why, len, "this kernel has no kprobe events (no " KPROBES ")");
		return -1;
	}
	reads_disarm();
	if (write_file(KPROBES, true, "p:" READS_PROBE " " READS_FN) != 0) {
		snprintf(why, len, "cannot set a kprobe on " READS_FN " in " KPROBES ": %s",
			 strerror(errno));
		return -1;
	}
	if (write_file(READS_EVENT "/trigger", false, READS_HIST) != 0) {
		snprintf(why, len, "cannot set a hist trigger on " READS_PROBE ": %s",
			 strerror(errno));
		reads_disarm();
		return -1;
	}
	return 0;
}

/* The probe's calls since it was armed ("    Hits: 123" among the histogram's totals), or
 * NAN with the reason. */
static double reads_count(char *why, size_t len)
{
	FILE *f = fopen(READS_EVENT "/hist", "r");
	char line[256];
	unsigned long long hits;
	double n = NAN;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, " Hits: %llu", &hits) == 1)
			n = (double)hits;
	if (f)
		fclose(f);
	if (isnan(n))
		snprintf(why, len, READS_EVENT "/hist has no totals");
	return n;
}

/* What one traced run of iters operations counted. */
struct traced {
	json_t *exits;	 /* by reason, the whole run (boot included) */
	double reads;	 /* KVM's calls of READS_FN, the whole run; NAN when not counted */
	double resident; /* ptefree: the resident pages its range hypercalls changed, per op */
};

/* One run of c with the counters on: the exits (NULL with the reason in err), KVM's guest
 * reads unless reads_why holds why they cannot be counted, and where the mode counts them
 * (hv --count-resident, which costs host instructions: never in the timed pass) the pages
 * found resident by range hypercalls. */
static struct traced count_run(const struct cell *c, run_once_fn run_once, long iters,
			       double timeout_s, char *err, size_t len, char *reads_why,
			       size_t why_len)
{
	struct traced t = {NULL, NAN, NAN};
	struct cell counted = *c;
	counted.count_resident = hv_option_applies(hv_option("count-resident"), c->mode);
	json_t *rec = json_object();
	bool armed = !reads_why[0] && reads_arm(reads_why, why_len) == 0;
	t.exits = perf[0] ? perf_count(&counted, run_once, iters, timeout_s, rec, err, len)
			  : hist_count(&counted, run_once, iters, timeout_s, rec, err, len);
	if (armed) {
		t.reads = reads_count(reads_why, why_len);
		reads_disarm();
	}
	json_t *resident =
	    json_object_get(json_object_get(rec, "hv_paging_per_op"), "range_resident_pages");
	if (counted.count_resident && json_is_number(resident))
		t.resident = json_number_value(resident);
	if (!t.exits && !err[0])
		snprintf(err, len, "traced run failed: %s",
			 json_string_value(json_object_get(rec, "error")) ?: "no reason");
	json_decref(rec);
	return t;
}

/*
 * Two runs, of one and of n operations: the difference divided by n - 1 is what one
 * operation costs, without boot, setup and the guest's exit. With the tracefs histogram the
 * counts include every VM on the machine: trace on an otherwise idle host.
 */
json_t *trace_exits(const struct cell *c, run_once_fn run_once, long iters, double timeout_s)
{
	char err[BENCH_ERR_MAX] = "";
	const char *method = perf[0] ? PERF_METHOD : HIST_METHOD;
	long n = iters > 1 ? iters : 2;
	char why[BENCH_ERR_MAX] = "";
	struct traced one = count_run(c, run_once, 1, timeout_s, err, sizeof err, why, sizeof why);
	struct traced many = {NULL, NAN, NAN};
	if (one.exits)
		many = count_run(c, run_once, n, timeout_s, err, sizeof err, why, sizeof why);
	if (!many.exits) {
		json_decref(one.exits);
		return json_pack("{s:s, s:s}", "method", method, "error", err);
	}
	json_t *per_op = json_object(), *v;
	const char *k;
	json_object_foreach(many.exits, k, v)
	{
		double d = json_number_value(v) - json_number_value(json_object_get(one.exits, k));
		json_object_set_new(per_op, k, json_real(d / (n - 1)));
	}
	json_t *reads = why[0] ? json_pack("{s:s, s:s}", "function", READS_FN, "error", why)
			       : json_pack("{s:s, s:f, s:f, s:f}", "function", READS_FN, "run_of_1",
					   one.reads, "run_of_n", many.reads, "per_op",
					   (many.reads - one.reads) / (n - 1));
	json_t *t = json_pack("{s:s, s:I, s:o, s:o, s:o, s:o}", "method", method, "iterations",
			      (json_int_t)n, "exits_per_op", per_op, "run_of_1", one.exits,
			      "run_of_n", many.exits, "guest_reads", reads);
	if (!isnan(many.resident)) /* the hv's own count per op, of the run of n */
		json_object_set_new(t, "range_resident_pages_per_op", json_real(many.resident));
	return t;
}
