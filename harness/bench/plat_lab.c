/* plat_lab.c: the "lab-npt" and "lab-shadow" platforms: the hv on real KVM inside QEMU. */
/* The VM (harness/lab/run.sh) loads kvm-amd with nested paging on or off. The bench runs
 * inside the VM once per platform (on its "host" platform) and its runs are taken over cell
 * by cell. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "proc.h"

#define LAB_BASE_TIMEOUT 300 /* boot, and the kernel download on first use */
/* Exits per round of the hypercall calibration inside: about 5 s at TCG's 50-90 us per exit. */
#define LAB_CALIBRATION_EXITS 3000
/* Cells of more vCPUs (copies, threads) are skipped in the lab: its vCPUs take turns on one
 * TCG thread (run.sh), where every exit already costs ~45 us, and the bench must stay in
 * minutes. */
#define LAB_MAX_CPUS		    2
#define LAB_TOKEN_CALIBRATION_EXITS 100 /* a later boot's calibration, which is not kept */

/* What lab times count (--lab-clock, harness/lab/run.sh --clock). Under QEMU's icount the lab
 * kernel never finished bringing up a second CPU (shift=0 with sleep off or on, with
 * tsc=reliable, no_timer_check, -rtc clock=vm; shift=auto stalled there too): a VM of several
 * CPUs runs on the emulator's wall clock, and its cells' records say so. */
static const char *lab_clock = CLOCK_INSTRUCTIONS;
static const char *calibration_clock = CLOCK_INSTRUCTIONS; /* of the boot whose one is kept */

void lab_clock_set(const char *clock)
{
	lab_clock = calibration_clock = clock;
}

static const char *boot_clock(int cpus)
{
	return cpus > 1 ? CLOCK_TCG : lab_clock;
}

/* A cell's clock; NULL: the hypercall calibration's. */
static const char *cell_clock(const struct cell *c)
{
	return c ? boot_clock(c->cpus) : calibration_clock;
}

struct lab {
	const char *name;
	int npt;
	json_t *runs;	     /* the runs array the bench inside wrote, after prepare */
	json_t *calibration; /* and its calibration array (the VM's host platform) */
	json_t *context;
	char error[BENCH_ERR_MAX]; /* why there are no runs */
};

static struct lab lab_npt = {.name = "lab-npt", .npt = 1};
static struct lab lab_shadow = {.name = "lab-shadow", .npt = 0};

/* The repository top: run.sh works from there. */
static const char *repo_root(void)
{
	static char root[PATH_MAX];
	if (!root[0]) {
		char up[PATH_MAX];
		snprintf(up, sizeof up, "%s/..", bench_bin_dir());
		if (!realpath(up, root))
			die("realpath %s", up);
	}
	return root;
}

/* argv for `cd ROOT && BUILD=BIN harness/lab/run.sh ARGS...` */
#define RUN_SH "export BUILD=\"$1\"; shift; cd \"$0\" && exec harness/lab/run.sh \"$@\""

/* Asked once for both platforms: booting nothing, it checks QEMU and the lab kernel (which
 * it fetches on first use). */
static int lab_available(char *why, size_t len)
{
	static int answer = -1;
	static char reason[BENCH_ERR_MAX];
	if (answer < 0) {
		char script[PATH_MAX + 32];
		snprintf(script, sizeof script, "%s/harness/lab/run.sh", repo_root());
		static struct proc_out o;
		char *argv[] = {
		    "/bin/sh", "-c", RUN_SH, (char *)repo_root(), (char *)bench_bin_dir(),
		    "--probe", NULL};
		if (access(script, R_OK) != 0) {
			snprintf(reason, sizeof reason, "harness/lab/run.sh is missing");
			answer = 0;
		} else if (proc_run(argv, LAB_BASE_TIMEOUT, &o) < 0) {
			snprintf(reason, sizeof reason, "cannot run harness/lab/run.sh");
			answer = 0;
		} else {
			answer = !o.timed_out && WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0;
			if (!answer) /* run.sh says "lab: unavailable: why" */
				proc_describe(&o, LAB_BASE_TIMEOUT, reason, sizeof reason);
		}
	}
	snprintf(why, len, "%s", reason);
	return answer;
}

static const char *mmu_npt(void)
{
	return "npt";
}

static const char *mmu_shadow(void)
{
	return "shadow";
}

/* Appends to the command line in cmd (len bytes, used so far in *used). */
__attribute__((format(printf, 4, 5))) static void append(char *cmd, size_t len, size_t *used,
							 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *used) {
		errno = E2BIG;
		die("the lab's bench command line is longer than %zu bytes", len);
	}
	*used += n;
}

/* Appends " OPTION A,B,C" for a non-empty list of strings. */
static void append_list(char *cmd, size_t len, size_t *used, const char *option, json_t *list)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	    append(cmd, len, used, "%s%s", i ? "," : option, json_string_value(v));
}

/* The bench command run inside: every point of these cells as an explicit spec, in every
 * mode and fork policy they use (in the order they come: the first policy is the one of
 * workloads that never fork), on the VM's "host" platform, with the same budget. */
static void inner_command(struct cell *const cells[], int n, const struct budget *b,
			  const char *name, long calibration_exits, bool split, char *cmd,
			  size_t len)
{
	json_t *specs = json_array(), *modes = json_array(), *policies = json_array();
	json_t *vary = json_object(); /* each variant option: its values, in the cells' order */
	for (int i = 0; i < n; i++) {
		char spec[256];
		size_t used = 0;
		append(spec, sizeof spec, &used, "%s:", cells[i]->wl->name);
		for (int k = 0; k < cells[i]->nkv; k++)
			append(spec, sizeof spec, &used, "%s%s", k ? ":" : "", cells[i]->kv[k]);
		json_add_unique(specs, spec);
		json_add_unique(modes, cells[i]->mode);
		if (cells[i]->fork_policy)
			json_add_unique(policies, cells[i]->fork_policy);
		char buf[256];
		const char *names[VARY_MAX], *values[VARY_MAX];
		int nvar =
		    variant_pairs(cells[i]->variant, buf, sizeof buf, names, values, VARY_MAX);
		for (int k = 0; k < nvar; k++) {
			if (!json_object_get(vary, names[k]))
				json_object_set_new(vary, names[k], json_array());
			json_add_unique(json_object_get(vary, names[k]), values[k]);
		}
	}
	size_t used = 0;
	append(cmd, len, &used, "build/bench --platforms host --out out/%s --reps %d --budget %g",
	       name, b->reps, b->rep_s);
	append(cmd, len, &used, " --timeout %g --max-op %g", b->timeout_s, b->max_op_s);
	if (b->trace)
		append(cmd, len, &used, " --trace --trace-method %s", b->trace_method);
	if (split)
		append(cmd, len, &used, " --split");
	append(cmd, len, &used, " --calibration-exits %ld", calibration_exits);
	append_list(cmd, len, &used, " --modes ", modes);
	append_list(cmd, len, &used, " --fork-policies ", policies);
	const char *option;
	json_t *values;
	json_object_foreach(vary, option, values)
	{
		char prefix[64];
		snprintf(prefix, sizeof prefix, " --vary %s=", option);
		append_list(cmd, len, &used, prefix, values);
	}
	append_list(cmd, len, &used, " --workloads ", specs);
	json_decref(specs);
	json_decref(modes);
	json_decref(policies);
	json_decref(vary);
}

/* Whether run.sh gives the VM several CPUs (it takes --smp N). */
static bool lab_has_smp(void)
{
	char script[PATH_MAX + 32], text[8192] = "";
	snprintf(script, sizeof script, "%s/harness/lab/run.sh", repo_root());
	FILE *f = fopen(script, "r");
	size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
	text[n] = '\0';
	if (f)
		fclose(f);
	return strstr(text, "--smp") != NULL;
}

/* Why a cell of several vCPUs does not run in the lab, or NULL when it does. */
static const char *lab_cpus_refused(const struct cell *c)
{
	if (c->cpus > LAB_MAX_CPUS)
		return "the lab runs cells of at most 2 vCPUs (copies, threads): its vCPUs take "
		       "turns on one TCG thread";
	if (c->cpus > 1 && !lab_has_smp())
		return "harness/lab/run.sh gives the VM one CPU (no --smp)";
	return NULL;
}

/* One boot of the lab VM with cpus CPUs for the n cells (the bench inside writes its results
 * into out/NAME): the results document, or NULL with why in lab->error. Only the first boot's
 * hypercall calibration is kept; a later one runs a token round. */
static json_t *lab_boot(struct lab *lab, struct cell *const cells[], int n, int cpus, bool first,
			const struct budget *b)
{
	char cmd[16384], out[PATH_MAX], npt[8], timeout[32], smp[16], clock[16];
	char inner[PATH_MAX + 64], results[PATH_MAX + 128];
	char name[64];
	snprintf(name, sizeof name, cpus == 1 ? "%s" : "%s-smp%d", lab->name, cpus);
	long exits = !first			? LAB_TOKEN_CALIBRATION_EXITS
		     : b->calibration_exits > 0 ? b->calibration_exits
						: LAB_CALIBRATION_EXITS;
	snprintf(out, sizeof out, "%s/lab/bench-out", bench_bin_dir());
	/* --split: the VM's QEMU runs the instruction-split plugin, writing split_file */
	char split_file[PATH_MAX + 80], why[BENCH_ERR_MAX / 2];
	snprintf(split_file, sizeof split_file, "%s/%s-split.txt", out, name);
	unlink(split_file);
	char lab_dir[PATH_MAX];
	snprintf(lab_dir, sizeof lab_dir, "%s/lab", bench_bin_dir());
	if (b->split && ((mkdir(lab_dir, 0755) < 0 && errno != EEXIST) ||
			 (mkdir(out, 0755) < 0 && errno != EEXIST)))
		die_io("mkdir %s", out);
	const char *plugin =
	    b->split ? split_plugin(repo_root(), split_file, why, sizeof why) : NULL;
	if (b->split && !plugin)
		printf("%s: no instruction split (%s)\n", lab->name, why);
	if (plugin)
		setenv("LAB_QEMU_PLUGIN", plugin, 1);
	inner_command(cells, n, b, name, exits, plugin != NULL, cmd, sizeof cmd);
	snprintf(smp, sizeof smp, "%d", cpus);
	snprintf(clock, sizeof clock, "%s", boot_clock(cpus));
	snprintf(inner, sizeof inner, "%s/%s", out, name);
	snprintf(results, sizeof results, "%s/results.json", inner);
	snprintf(npt, sizeof npt, "%d", lab->npt);
	/* A bound, not an estimate: each cell takes a few guest boots at most, and so does the
	 * calibration after them. */
	snprintf(timeout, sizeof timeout, "%.0f",
		 LAB_BASE_TIMEOUT + (n + 1) * (b->timeout_s < 60 ? b->timeout_s : 60));
	unlink(results);
	char *argv[] = {"/bin/sh",
			"-c",
			RUN_SH,
			(char *)repo_root(),
			(char *)bench_bin_dir(),
			"--npt",
			npt,
			"--out",
			out,
			"--timeout",
			timeout,
			"--clock",
			clock,
			"--smp",
			smp, /* dropped below for one CPU: run.sh's default */
			"--",
			cmd,
			NULL};
	if (cpus == 1)
		memmove(&argv[13], &argv[15], 3 * sizeof argv[0]);
	/* the bench inside counts exits with perf kvm stat when it has perf (see trace.c) */
	const char *perf =
	    b->trace && strcmp(b->trace_method, "tracefs") ? trace_perf_find() : NULL;
	if (perf)
		setenv("LAB_PERF", perf, 1);
	printf("%s: running %d cells in the lab VM (kvm-amd npt=%d, %d CPUs, clock %s: %s); "
	       "inside, they are the VM's \"host\" platform\n",
	       lab->name, n, lab->npt, cpus, clock, clock_time_note(clock));
	int status = proc_run_visible(argv);
	unsetenv("LAB_QEMU_PLUGIN");
	/* an inner run cut short (a timeout) still gives the cells it finished */
	int rc;
	json_t *doc = results_load(inner, 1, why, sizeof why, &rc);
	if (doc && plugin)
		split_attach(json_object_get(doc, "runs"), split_file);
	if (doc)
		return doc;
	int code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	snprintf(lab->error, sizeof lab->error,
		 "the lab run of %d CPUs brought back no results (%s)", cpus,
		 code == 124   ? "timed out after its --timeout"
		 : code == 125 ? "the VM stopped early; see the lab lines above"
		 : code == 126 ? "the lab cannot run here"
		 : rc == RC_IO ? "see the lab lines above"
			       : why);
	return NULL;
}

/* One boot per count of vCPUs the cells ask for, each VM with as many CPUs: the cells of one
 * vCPU run as they always did, apart from those of several. */
static void lab_prepare(struct cell *const all[], int nall, const struct budget *b)
{
	if (nall == 0) /* the options refuse an empty matrix; nothing to boot for */
		return;
	struct lab *lab = all[0]->plat->priv;
	struct cell *cells[nall];
	lab->runs = json_array();
	for (int cpus = 1; cpus <= LAB_MAX_CPUS; cpus++) {
		int n = 0;
		for (int i = 0; i < nall; i++)
			if (all[i]->cpus == cpus && !lab_cpus_refused(all[i]))
				cells[n++] = all[i];
		if (n == 0)
			continue;
		json_t *doc = lab_boot(lab, cells, n, cpus, !lab->calibration, b);
		json_array_extend(lab->runs, json_object_get(doc, "runs"));
		if (doc && !lab->calibration) {
			calibration_clock = boot_clock(cpus);
			lab->calibration = json_incref(json_object_get(doc, "calibration"));
			lab->context = json_incref(json_object_get(doc, "context"));
		}
		json_decref(doc);
	}
}

static int lab_run_cell(const struct cell *c, const struct budget *b, json_t *rec)
{
	(void)b;
	struct lab *lab = c->plat->priv;
	size_t i;
	json_t *r;
	if (lab_cpus_refused(c)) {
		json_object_set_new(rec, "reason", json_string(lab_cpus_refused(c)));
		return 1;
	}
	json_array_foreach(lab->runs, i, r)
	{
		const char *w = json_string_value(json_object_get(r, "workload"));
		const char *p = json_string_value(json_object_get(r, "params"));
		const char *m = json_string_value(json_object_get(r, "mode"));
		const char *f = json_string_value(json_object_get(r, "fork_policy_requested"));
		const char *v = json_string_value(json_object_get(r, "variant_requested"));
		if (!w || !p || !m || strcmp(w, c->wl->name) || strcmp(p, c->params) ||
		    strcmp(m, c->mode) || strcmp(f ?: "", c->fork_policy ?: "") ||
		    strcmp(v ?: "", c->variant ?: ""))
			continue;
		json_object_update(rec, r);
		json_object_set_new(rec, "lab_kernel",
				    json_deep_copy(json_object_get(lab->context, "kernel")));
		const char *status = json_string_value(json_object_get(r, "status"));
		if (status && !strcmp(status, "ok"))
			return 0;
		if (status && !strcmp(status, "skipped")) {
			const char *why = json_string_value(json_object_get(r, "reason"));
			json_object_set_new(rec, "reason", json_sprintf("in the lab VM: %s", why));
			return 1;
		}
		return -1;
	}
	json_object_set_new(rec, "ok", json_false());
	json_object_set_new(
	    rec, "error",
	    json_string(lab->error[0] ? lab->error : "missing from the lab's results"));
	return -1;
}

/* The calibration the bench inside ran on the VM's host platform, taken over like a cell. */
static json_t *lab_calibrate(const struct platform *p, const struct budget *b)
{
	(void)b;
	struct lab *lab = p->priv;
	json_t *inner = json_array_get(lab->calibration, 0);
	if (!inner)
		return json_pack("{s:s, s:s}", "status", "failed", "error",
				 lab->error[0] ? lab->error : "missing from the lab's results");
	json_t *rec = json_deep_copy(inner);
	json_object_set_new(rec, "lab_kernel",
			    json_deep_copy(json_object_get(lab->context, "kernel")));
	if (!strcmp(rec_str(rec, "status"), "skipped"))
		json_object_set_new(rec, "reason",
				    json_sprintf("in the lab VM: %s", rec_str(rec, "reason")));
	return rec;
}

const struct platform platform_lab_npt = {
    .name = "lab-npt",
    .clock = cell_clock,
    .has_modes = true,
    .available = lab_available,
    .mmu = mmu_npt,
    .prepare = lab_prepare,
    .run_cell = lab_run_cell,
    .traces_inside = true,
    .calibrate = lab_calibrate,
    .priv = &lab_npt,
};

const struct platform platform_lab_shadow = {
    .name = "lab-shadow",
    .clock = cell_clock,
    .has_modes = true,
    .available = lab_available,
    .mmu = mmu_shadow,
    .prepare = lab_prepare,
    .run_cell = lab_run_cell,
    .traces_inside = true,
    .calibrate = lab_calibrate,
    .priv = &lab_shadow,
};
