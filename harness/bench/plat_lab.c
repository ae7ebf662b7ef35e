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
/* On the instruction clock a lab second is 10^9 instructions, which this emulator runs in
 * about 3.5 s here (250-350 million a second): the repetitions' budget is scaled so that a
 * cell takes about the wall time it is given. The clock is the same from run to run, so the
 * smaller sample loses no precision. */
#define LAB_INSNS_BUDGET 0.25

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

/* One boot of the lab VM, from its start to its end: its command line and its files. */
struct boot {
	int cpus;
	const char *plugin; /* the split plugin's -plugin value, or NULL */
	pid_t pid;	    /* running beside the others (its console in log), else 0 */
	int status;	    /* the wait status of run.sh once it ended (-1: unknown) */
	char name[64], npt[8], timeout[32], smp[16], clock[16];
	char cmd[16384], out[PATH_MAX], inner[PATH_MAX + 64], split_file[PATH_MAX + 80];
	char log[PATH_MAX + 80];
};

struct lab {
	const char *name;
	int npt;
	json_t *runs;	     /* the runs array the bench inside wrote, after prepare */
	json_t *calibration; /* and its calibration array (the VM's host platform) */
	json_t *context;
	char error[BENCH_ERR_MAX]; /* why there are no runs */
	struct cell **cells;	   /* the cells prepare was given */
	int ncells, next_cpus;	   /* how many; the vCPU count of the next boot */
	struct boot boot;	   /* the boot running or last run */
};

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
 * workloads that never fork), on the VM's "host" platform, with the same budget (scaled on the
 * instruction clock). */
static void inner_command(struct cell *const cells[], int n, const struct budget *b,
			  const char *name, const char *clock, long calibration_exits, bool split,
			  char *cmd, size_t len)
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
	double rep_s = b->rep_s * (strcmp(clock, CLOCK_INSTRUCTIONS) ? 1 : LAB_INSNS_BUDGET);
	append(cmd, len, &used, "build/bench --platforms host --out out/%s --reps %d --budget %g",
	       name, b->reps, rep_s);
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

/* Starts a boot of the lab VM with cpus CPUs for the n cells (the bench inside writes its
 * results into out/NAME). A boot on the instruction clock runs beside the other lab
 * platform's (its times do not depend on the load) with its console in a log; any other
 * runs in the foreground, its console shown, and has ended on return. Only the first boot's
 * hypercall calibration is kept; a later one runs a token round. */
static void boot_start(struct lab *lab, struct boot *bt, struct cell *const cells[], int n,
		       int cpus, bool first, const struct budget *b)
{
	*bt = (struct boot){.cpus = cpus, .status = -1};
	snprintf(bt->name, sizeof bt->name, cpus == 1 ? "%s" : "%s-smp%d", lab->name, cpus);
	long exits = !first			? LAB_TOKEN_CALIBRATION_EXITS
		     : b->calibration_exits > 0 ? b->calibration_exits
						: LAB_CALIBRATION_EXITS;
	snprintf(bt->out, sizeof bt->out, "%s/lab/bench-out", bench_bin_dir());
	char lab_dir[PATH_MAX];
	snprintf(lab_dir, sizeof lab_dir, "%s/lab", bench_bin_dir());
	if ((mkdir(lab_dir, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(bt->out, 0755) < 0 && errno != EEXIST))
		die_io("mkdir %s", bt->out);
	/* --split: the VM's QEMU runs the instruction-split plugin, writing split_file */
	char why[BENCH_ERR_MAX / 2];
	snprintf(bt->split_file, sizeof bt->split_file, "%s/%s-split.txt", bt->out, bt->name);
	unlink(bt->split_file);
	bt->plugin = b->split ? split_plugin(repo_root(), bt->split_file, why, sizeof why) : NULL;
	if (b->split && !bt->plugin)
		printf("%s: no instruction split (%s)\n", lab->name, why);
	snprintf(bt->clock, sizeof bt->clock, "%s", boot_clock(cpus));
	inner_command(cells, n, b, bt->name, bt->clock, exits, bt->plugin != NULL, bt->cmd,
		      sizeof bt->cmd);
	snprintf(bt->smp, sizeof bt->smp, "%d", cpus);
	snprintf(bt->inner, sizeof bt->inner, "%s/%s", bt->out, bt->name);
	snprintf(bt->npt, sizeof bt->npt, "%d", lab->npt);
	snprintf(bt->log, sizeof bt->log, "%s/%s.console", bt->out, bt->name);
	/* A bound, not an estimate: each cell takes a few guest boots at most, and so does the
	 * calibration after them. */
	snprintf(bt->timeout, sizeof bt->timeout, "%.0f",
		 LAB_BASE_TIMEOUT + (n + 1) * (b->timeout_s < 60 ? b->timeout_s : 60));
	char results[PATH_MAX + 128];
	snprintf(results, sizeof results, "%s/results.json", bt->inner);
	unlink(results);
	char *argv[] = {"/bin/sh",
			"-c",
			RUN_SH,
			(char *)repo_root(),
			(char *)bench_bin_dir(),
			"--npt",
			bt->npt,
			"--out",
			bt->out,
			"--timeout",
			bt->timeout,
			"--clock",
			bt->clock,
			"--smp",
			bt->smp, /* dropped below for one CPU: run.sh's default */
			"--",
			bt->cmd,
			NULL};
	if (cpus == 1)
		memmove(&argv[13], &argv[15], 3 * sizeof argv[0]);
	/* the bench inside counts exits with perf kvm stat when it has perf (see trace.c) */
	const char *perf =
	    b->trace && strcmp(b->trace_method, "tracefs") ? trace_perf_find() : NULL;
	if (perf)
		setenv("LAB_PERF", perf, 1);
	if (bt->plugin)
		setenv("LAB_QEMU_PLUGIN", bt->plugin, 1);
	bool beside = !strcmp(bt->clock, CLOCK_INSTRUCTIONS);
	printf("%s: running %d cells in the lab VM (kvm-amd npt=%d, %d CPUs, clock %s: %s); "
	       "inside, they are the VM's \"host\" platform%s%s\n",
	       lab->name, n, lab->npt, cpus, bt->clock, clock_time_note(bt->clock),
	       beside ? "; beside any other lab VM, its console in " : "", beside ? bt->log : "");
	if (beside) {
		bt->pid = proc_start_logged(argv, bt->log);
		if (bt->pid < 0)
			bt->pid = 0;
	} else {
		bt->status = proc_run_visible(argv);
	}
	unsetenv("LAB_QEMU_PLUGIN");
}

static struct lab lab_npt = {.name = "lab-npt", .npt = 1};
static struct lab lab_shadow = {.name = "lab-shadow", .npt = 0};

/* The cells each running lab VM has begun, from the "[K/N]" lines of its console. */
static void boots_progress(void)
{
	char line[512];
	struct lab *labs[] = {&lab_npt, &lab_shadow};
	printf("lab:");
	for (int i = 0; i < 2; i++) {
		struct boot *bt = &labs[i]->boot;
		FILE *f = bt->pid > 0 ? fopen(bt->log, "r") : NULL;
		int k = 0, n = 0;
		while (f && fgets(line, sizeof line, f))
			sscanf(line, "[%d/%d", &k, &n);
		if (f)
			fclose(f);
		if (bt->pid > 0)
			printf(" %s at cell %d of %d;", labs[i]->name, k, n);
	}
	printf(" running\n");
	fflush(stdout);
}

/* Waits for the boot to end: the results document the bench inside wrote (a run cut short,
 * e.g. by a timeout, still gives the cells it finished), or NULL with why in lab->error. */
static json_t *boot_end(struct lab *lab, struct boot *bt)
{
	if (bt->pid > 0) {
		bt->status = proc_wait_ticking(bt->pid, boots_progress, 30);
		bt->pid = 0;
	}
	char why[BENCH_ERR_MAX / 2];
	int rc;
	json_t *doc = results_load(bt->inner, 1, why, sizeof why, &rc);
	if (doc && bt->plugin)
		split_attach(json_object_get(doc, "runs"), bt->split_file);
	if (doc)
		return doc;
	char lines[BENCH_ERR_MAX / 2];
	snprintf(lines, sizeof lines, "see %.200s",
		 !strcmp(bt->clock, CLOCK_INSTRUCTIONS) ? bt->log : "the lab lines above");
	int code = bt->status >= 0 && WIFEXITED(bt->status) ? WEXITSTATUS(bt->status) : -1;
	snprintf(lab->error, sizeof lab->error,
		 "the lab run of %d CPUs brought back no results (%s)", bt->cpus,
		 code == 124   ? "timed out after its --timeout"
		 : code == 125 ? "the VM stopped early"
		 : code == 126 ? "the lab cannot run here"
		 : rc == RC_IO ? lines
			       : why);
	return NULL;
}

/* Takes over a boot's runs (and the first boot's calibration). */
static void boot_collect(struct lab *lab, struct boot *bt)
{
	json_t *doc = boot_end(lab, bt);
	json_array_extend(lab->runs, json_object_get(doc, "runs"));
	if (doc && !lab->calibration) {
		calibration_clock = bt->clock[0] == 'i' ? CLOCK_INSTRUCTIONS : CLOCK_TCG;
		lab->calibration = json_incref(json_object_get(doc, "calibration"));
		lab->context = json_incref(json_object_get(doc, "context"));
	}
	json_decref(doc);
}

/* The cells of cpus vCPUs that the lab can run: how many, into out. */
static int cells_of(struct lab *lab, int cpus, struct cell **out)
{
	int n = 0;
	for (int i = 0; i < lab->ncells; i++)
		if (lab->cells[i]->cpus == cpus && !lab_cpus_refused(lab->cells[i]))
			out[n++] = lab->cells[i];
	return n;
}

/* One boot per count of vCPUs the cells ask for, each VM with as many CPUs: the cells of one
 * vCPU run as they always did, apart from those of several. The first boot starts here and,
 * on the instruction clock, runs on beside the other lab platform's until lab_finish. */
static void lab_prepare(struct cell *const all[], int nall, const struct budget *b)
{
	if (nall == 0) /* the options refuse an empty matrix; nothing to boot for */
		return;
	struct lab *lab = all[0]->plat->priv;
	lab->runs = json_array();
	lab->cells = malloc(nall * sizeof lab->cells[0]);
	if (!lab->cells)
		die("malloc");
	memcpy(lab->cells, all, nall * sizeof lab->cells[0]);
	lab->ncells = nall;
	struct cell *cells[nall];
	for (lab->next_cpus = 1; lab->next_cpus <= LAB_MAX_CPUS; lab->next_cpus++) {
		int n = cells_of(lab, lab->next_cpus, cells);
		if (n) {
			boot_start(lab, &lab->boot, cells, n, lab->next_cpus++, true, b);
			return;
		}
	}
}

/* The first boot's end, then the boots of more vCPUs, one after the other. */
static void lab_finish(const struct platform *p, const struct budget *b)
{
	struct lab *lab = p->priv;
	if (!lab->ncells)
		return;
	boot_collect(lab, &lab->boot);
	struct cell *cells[lab->ncells];
	for (; lab->next_cpus <= LAB_MAX_CPUS && !proc_interrupted(); lab->next_cpus++) {
		int n = cells_of(lab, lab->next_cpus, cells);
		if (n == 0)
			continue;
		boot_start(lab, &lab->boot, cells, n, lab->next_cpus, !lab->calibration, b);
		boot_collect(lab, &lab->boot);
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
    .finish = lab_finish,
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
    .finish = lab_finish,
    .run_cell = lab_run_cell,
    .traces_inside = true,
    .calibrate = lab_calibrate,
    .priv = &lab_shadow,
};
