/* trace.c: the --trace pass: exits per operation by hardware exit reason, KVM calls by kprobe. */
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
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "proc.h"

#define TRACEFS	    "/sys/kernel/tracing"
#define KVM_EXIT    TRACEFS "/events/kvm/kvm_exit"
#define HIST	    "hist:keys=isa,exit_reason:size=2048"
#define HIST_METHOD "tracefs kvm:kvm_exit hist"
#define KPROBES	    TRACEFS "/kprobe_events"
#define PROBE_HIST  "hist:keys=common_type"
#define PERF_METHOD "perf kvm stat"

/* KVM functions whose calls a kprobe counts in the traced runs, and KVM tracepoints whose hits
 * it counts (fn NULL), each recorded as trace.KEY; a probe with args records those arguments
 * and counts only the calls whose arguments pass filter (hist trigger syntax). */
static const struct probe {
	const char *key, *fn, *event; /* event: the kprobe's group/name, or the tracepoint's */
	const char *args, *filter;
} probes[] = {
    /* KVM's reads of guest memory from its own context: under shadow paging, at each fault
     * the guest entries its walk used, re-read to see whether the guest changed them
     * (FNAME(gpte_changed), Linux 6.1), and each entry of an unsync shadow page it syncs
     * (FNAME(sync_page)) */
    {"guest_reads", "kvm_vcpu_read_guest_atomic", "pagelab/guest_read", NULL, NULL},
    /* every leaf entry KVM builds for its shadow or NPT tables: at a fault, for the pages it
     * maps ahead of it (pte prefetch, up to 8 per fault), when it syncs a shadow page */
    {"sptes_made", "make_spte", "pagelab/make_spte", NULL, NULL},
    /* of those, the ones a sync rebuilds (FNAME(sync_page) passes can_unsync false, the only
     * caller that does) and the ones a fault maps ahead (prefetch true, can_unsync true):
     * Linux 6.1's make_spte(vcpu, sp, slot, pte_access, gfn, pfn, old_spte, prefetch,
     * can_unsync, host_writable, new_spte) */
    {"sptes_synced", "make_spte", "pagelab/make_spte_sync", "can_unsync=$arg9:u8",
     "can_unsync == 0"},
    {"sptes_prefetched", "make_spte", "pagelab/make_spte_prefetch",
     "prefetch=$arg8:u8 can_unsync=$arg9:u8", "prefetch == 1 && can_unsync == 1"},
    /* each shadow page KVM syncs (an unsync one, at a CR3 load or a flush: kvm_sync_page) */
    {"pages_synced", NULL, "kvmmmu/kvm_mmu_sync_page", NULL, NULL},
    /* each leaf NPT/EPT entry the TDP MMU clears (present, bit 11, to 0: a host invalidation
     * through the MMU notifier, an unmap or a protect of the hv's memory; a leaf is one of
     * level 1 or one with the page-size bit 7); the shadow MMU has no such tracepoint */
    {"sptes_zapped", NULL, "kvmmmu/kvm_tdp_mmu_spte_changed", NULL,
     "new_spte == 0 && old_spte & 2048 && (level == 1 || old_spte & 128)"},
};
/* The kernel whose make_spte arguments the filtered probes read ("6.1." begins its release) */
#define PROBE_ARGS_KERNEL "6.1."
#define NPROBES		  (sizeof probes / sizeof probes[0])

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
static json_t *perf_count(const struct cell *c, run_once_fn run_once, long iters, int warmup,
			  double timeout_s, json_t *rec, char *err, size_t len)
{
	char *wrapper[] = {perf, "kvm", "stat", "record", "-q", "-o", perf_data, "--", NULL};
	struct cell traced = *c;
	traced.wrapper = wrapper;
	unlink(perf_data);
	if (run_once(&traced, iters, 1, warmup, timeout_s, rec) != 0)
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

static json_t *hist_count(const struct cell *c, run_once_fn run_once, long iters, int warmup,
			  double timeout_s, json_t *rec, char *err, size_t len)
{
	write_file(KVM_EXIT "/trigger", false, "!" HIST); /* a trigger left by an interrupted run */
	if (write_file(KVM_EXIT "/trigger", false, HIST) != 0) {
		snprintf(err, len, "cannot set a hist trigger on kvm:kvm_exit: %s",
			 strerror(errno));
		return NULL;
	}
	json_t *counts = run_once(c, iters, 1, warmup, timeout_s, rec) == 0 ? hist_read() : NULL;
	write_file(KVM_EXIT "/trigger", false, "!" HIST);
	return counts;
}

/* The tracefs path of file of probe p's event. */
static void probe_path(const struct probe *p, const char *file, char *buf, size_t len)
{
	snprintf(buf, len, TRACEFS "/events/%s/%s", p->event, file);
}

/* Probe p's hist trigger, "!" before it to remove it. */
static void probe_trigger(const struct probe *p, const char *prefix, char *buf, size_t len)
{
	snprintf(buf, len, "%s" PROBE_HIST "%s%s", prefix, p->filter ? " if " : "",
		 p->filter ? p->filter : "");
}

/* Removes probe p's trigger and kprobe (also those an interrupted run left). */
static void probe_disarm(const struct probe *p)
{
	char path[256], cmd[128];
	probe_path(p, "trigger", path, sizeof path);
	probe_trigger(p, "!", cmd, sizeof cmd);
	write_file(path, false, cmd);
	snprintf(cmd, sizeof cmd, "-:%s", p->event);
	if (p->fn)
		write_file(KPROBES, true, cmd);
}

/* A kprobe on p's function (none for a tracepoint) with a hist trigger that counts its hits:
 * 0, or -1 with the reason. */
static int probe_arm(const struct probe *p, char *why, size_t len)
{
	char path[256], cmd[128];
	struct utsname u;
	if (p->fn && access(KPROBES, F_OK) != 0) {
		snprintf(why, len, "this kernel has no kprobe events (no " KPROBES ")");
		return -1;
	}
	if (p->args && (uname(&u) != 0 ||
			strncmp(u.release, PROBE_ARGS_KERNEL, sizeof PROBE_ARGS_KERNEL - 1) != 0)) {
		snprintf(why, len,
			 "reads %s's arguments where Linux " PROBE_ARGS_KERNEL
			 "x has them; this kernel is %s",
			 p->fn, u.release);
		return -1;
	}
	probe_disarm(p);
	if (p->fn) {
		snprintf(cmd, sizeof cmd, "p:%s %s %s", p->event, p->fn, p->args ? p->args : "");
		if (write_file(KPROBES, true, cmd) != 0) {
			snprintf(why, len, "cannot set a kprobe on %s in " KPROBES ": %s", p->fn,
				 strerror(errno));
			return -1;
		}
	}
	probe_path(p, "trigger", path, sizeof path);
	probe_trigger(p, "", cmd, sizeof cmd);
	if (write_file(path, false, cmd) != 0) {
		snprintf(why, len, "cannot set a hist trigger on %s: %s", p->event,
			 strerror(errno));
		probe_disarm(p);
		return -1;
	}
	return 0;
}

/* Probe p's calls since it was armed ("    Hits: 123" among the histogram's totals), or NAN
 * with the reason. */
static double probe_count(const struct probe *p, char *why, size_t len)
{
	char path[128];
	probe_path(p, "hist", path, sizeof path);
	uint64_t hits = hist_hits(path);
	if (hits != HITS_NONE)
		return (double)hits;
	snprintf(why, len, "%s has no totals", path);
	return NAN;
}

/* ptefree's counts with hv --count-resident, recorded per op as NAME_per_op: the resident
 * pages its range hypercalls and destroy change (the host frees the unmapped ones and changes
 * the entries of the protected ones), of the pages a lazy fork leaves pending those in huge
 * pages, and the host mappings its range hypercalls and destroy meet. */
static const char *const resident_counts[] = {"unmapped_resident_pages", "protected_resident_pages",
					      "fork_pages_pending_huge", "host_mappings"};

/* Why each probe cannot count ("" while it can): the first failure stands for the cell. */
typedef char probe_why[BENCH_ERR_MAX / 2];

/* What one traced run of iters operations (after warmup repetitions of as many) counted. */
struct traced {
	json_t *exits;		/* by reason, the whole run (boot included) */
	double calls[NPROBES];	/* each probe's calls, the whole run; NAN when not counted */
	double marked[NPROBES]; /* per op between the hv's marks (hv --count-hits); NAN: none */
	json_t *resident;	/* ptefree: {NAME_per_op: count} of resident_counts; NULL: none */
};

/* One run of c with the counters on: the exits (NULL with the reason in err), the calls of
 * each probe's function unless why holds the reason it cannot count them, and where the mode
 * counts them (hv --count-resident, which costs host instructions: never in the timed pass)
 * the pages found resident by range hypercalls. */
static struct traced count_run(const struct cell *c, run_once_fn run_once, long iters, int warmup,
			       double timeout_s, char *err, size_t len, probe_why why[NPROBES])
{
	struct traced t = {.exits = NULL};
	bool armed[NPROBES];
	char hist[NPROBES][128], hits[NPROBES * (128 + 1)] = "";
	struct cell counted = *c;
	counted.count_resident = hv_option_applies(hv_option("count-resident"), c->mode);
	json_t *rec = json_object();
	for (size_t i = 0; i < NPROBES; i++) {
		t.calls[i] = t.marked[i] = NAN;
		armed[i] = !why[i][0] && probe_arm(&probes[i], why[i], sizeof why[i]) == 0;
		probe_path(&probes[i], "hist", hist[i], sizeof hist[i]);
		if (armed[i]) /* the hv reads each armed probe's total at its marks */
			snprintf(hits + strlen(hits), sizeof hits - strlen(hits), "%s%s",
				 hits[0] ? "," : "", hist[i]);
	}
	counted.count_hits = hits[0] ? hits : NULL;
	t.exits = perf[0] ? perf_count(&counted, run_once, iters, warmup, timeout_s, rec, err, len)
			  : hist_count(&counted, run_once, iters, warmup, timeout_s, rec, err, len);
	json_t *marked = json_object_get(rec, "hits_per_op");
	for (size_t i = 0; i < NPROBES; i++)
		if (armed[i]) {
			t.calls[i] = probe_count(&probes[i], why[i], sizeof why[i]);
			json_t *v = json_object_get(marked, hist[i]);
			t.marked[i] = json_is_number(v) ? json_number_value(v) : NAN;
			probe_disarm(&probes[i]);
		}
	json_t *paging = counted.count_resident ? json_object_get(rec, "hv_paging_per_op") : NULL;
	for (size_t i = 0; paging && i < sizeof resident_counts / sizeof *resident_counts; i++) {
		json_t *v = json_object_get(paging, resident_counts[i]);
		char key[64];
		snprintf(key, sizeof key, "%s_per_op", resident_counts[i]);
		if (!json_is_number(v))
			continue;
		if (!t.resident)
			t.resident = json_object();
		json_object_set_new(t.resident, key, json_real(json_number_value(v)));
	}
	if (!t.exits && !err[0])
		snprintf(err, len, "traced run failed: %s",
			 json_string_value(json_object_get(rec, "error")) ?: "no reason");
	json_decref(rec);
	return t;
}

/* The traced runs, of 1 and of n operations, each with a warmup repetition before it (the
 * measured state, as the timed and split passes have it) and without (the warmup alone). */
enum { COLD_1, COLD_N, WARM_1, WARM_N, NRUNS };

/* What one operation of the measured repetition counts, from the four runs' counts r. */
static double per_op(const double r[NRUNS], long n)
{
	return ((r[WARM_N] - r[COLD_N]) - (r[WARM_1] - r[COLD_1])) / (double)(n - 1);
}

/*
 * Four runs: of one and of n operations, each once alone and once after a warmup repetition.
 * The warmed run less the lone one is the measured repetition alone (KVM's shadow state left
 * by a first repetition changes what the next costs); its run of n less its run of one,
 * divided by n - 1, is the exits one operation costs, without boot and the guest's exit (but
 * with the setup and teardown work that grows with n: pagefault's one region of n pages). The
 * probes' calls per op are exact: the hv reads their totals at the marks around the measured
 * repetition of the run of n (hv --count-hits); their runs' totals are recorded beside.
 * With the tracefs histogram the counts include every VM on the machine: trace on an
 * otherwise idle host.
 */
json_t *trace_exits(const struct cell *c, run_once_fn run_once, long iters, double timeout_s)
{
	char err[BENCH_ERR_MAX] = "";
	const char *method = perf[0] ? PERF_METHOD : HIST_METHOD;
	long n = iters > 1 ? iters : 2;
	probe_why why[NPROBES] = {""};
	struct traced r[NRUNS] = {{.exits = NULL}};
	bool ok = true;
	for (int i = 0; i < NRUNS && ok; i++) {
		r[i] = count_run(c, run_once, i == COLD_1 || i == WARM_1 ? 1 : n, i >= WARM_1,
				 timeout_s, err, sizeof err, why);
		ok = r[i].exits != NULL;
	}
	if (!ok) {
		for (int i = 0; i < NRUNS; i++) {
			json_decref(r[i].exits);
			json_decref(r[i].resident);
		}
		return json_pack("{s:s, s:s}", "method", method, "error", err);
	}
	for (int i = 0; i < NRUNS; i++)
		if (i != WARM_N) /* only the measured run of n gives the hv's own counts */
			json_decref(r[i].resident);
	json_t *exits = json_object(), *v;
	const char *k;
	json_object_foreach(r[WARM_N].exits, k, v)
	{
		double x[NRUNS];
		for (int i = 0; i < NRUNS; i++)
			x[i] = json_number_value(json_object_get(r[i].exits, k));
		json_object_set_new(exits, k, json_real(per_op(x, n)));
	}
	json_t *t = json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:o}", "method", method, "iterations",
			      (json_int_t)n, "exits_per_op", exits, "run_of_1", r[WARM_1].exits,
			      "run_of_n", r[WARM_N].exits, "warmup_of_1", r[COLD_1].exits,
			      "warmup_of_n", r[COLD_N].exits);
	for (size_t i = 0; i < NPROBES; i++) {
		const char *fn = probes[i].fn ? probes[i].fn : probes[i].event;
		double x[NRUNS];
		for (int j = 0; j < NRUNS; j++)
			x[j] = r[j].calls[i];
		double marked = r[WARM_N].marked[i];
		if (!why[i][0] && isnan(marked))
			snprintf(why[i], sizeof why[i], "the hv read no total of %s at its marks",
				 probes[i].event);
		/* per op: between the marks of the measured run of n (setup and teardown, which
		 * can grow with n, are outside them) */
		json_t *calls = why[i][0] ? json_pack("{s:s, s:s}", "function", fn, "error", why[i])
					  : json_pack("{s:s, s:f, s:f, s:f, s:f, s:f}", "function",
						      fn, "run_of_1", x[WARM_1], "run_of_n",
						      x[WARM_N], "warmup_of_1", x[COLD_1],
						      "warmup_of_n", x[COLD_N], "per_op", marked);
		if (probes[i].filter)
			json_object_set_new(calls, "filter", json_string(probes[i].filter));
		json_object_set_new(t, probes[i].key, calls);
	}
	if (r[WARM_N].resident) /* the hv's own counts per op, of the measured run of n */
		json_object_update(t, r[WARM_N].resident);
	json_decref(r[WARM_N].resident);
	return t;
}
