/* plat_host.c: the "host" platform: the hv on this machine's /dev/kvm, one guest per run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "proc.h"

static int host_available(char *why, size_t len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/hv", bench_bin_dir());
	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		if (errno == ENOENT)
			snprintf(why, len, "no /dev/kvm on this machine");
		else
			snprintf(why, len, "/dev/kvm: %s", strerror(errno));
		return 0;
	}
	if (access(path, X_OK) != 0) {
		snprintf(why, len, "%s is missing (make build/hv)", path);
		return 0;
	}
	return 1;
}

/* On a PVM host, KVM emulates guest ring-0 code one instruction at a time: kernel-side time
 * is far too slow, while ring-3 code runs at full speed (DESIGN.md "Platforms"). A loaded
 * kvm_pvm module that gave no /dev/kvm (e.g. on a PVM guest) measures nothing: no note. */
static bool on_pvm(void)
{
	return access("/dev/kvm", F_OK) == 0 && strcmp(mmu_detect(), "pvm") == 0;
}

static const char *host_time_note(void)
{
	return on_pvm() ? TIME_NOTE_PVM : NULL;
}

/* Inside the lab VM (the bench a lab platform runs there), its clock (harness/lab/run.sh). */
static const char *host_clock(const struct cell *c)
{
	(void)c;
	return getenv("PAGELAB_LAB_CLOCK") ? clock_lab() : CLOCK_REAL;
}

/* Takes the hv's run record from path into rec. It has the shape of every run record
 * (harness/run-record.schema.json), so it is embedded as it is; the runner then names the
 * cell (platform, label, time note) and gives its status. */
static int load_record(const char *path, json_t *rec, char *err, size_t len)
{
	json_error_t jerr;
	json_t *hv = json_load_file(path, 0, &jerr);
	if (!json_is_object(hv)) {
		snprintf(err, len, "no run record from the hv (%s)", jerr.text);
		json_decref(hv);
		return -1;
	}
	json_object_update(rec, hv);
	json_decref(hv);
	return 0;
}

/* Whether this hv runs several vCPUs (its --help names --cpus); asked once. */
static bool hv_has_cpus(const char *hv)
{
	static int answer = -1;
	if (answer < 0) {
		static struct proc_out o;
		char *argv[] = {(char *)hv, "--help", NULL};
		answer = proc_run(argv, 10, &o) == 0 &&
			 (strstr(o.out, "--cpus") || strstr(o.err, "--cpus"));
	}
	return answer;
}

static int host_run_once(const struct cell *c, long iters, int reps, int warmup, double timeout_s,
			 json_t *rec)
{
	char hv[4096], json_path[4200], a_iters[32], a_reps[32], a_warmup[32], a_timeout[32];
	char a_cpus[16];
	snprintf(hv, sizeof hv, "%s/hv", bench_bin_dir());
	scratch_path("hv.json", json_path, sizeof json_path);
	snprintf(a_iters, sizeof a_iters, "%ld", iters);
	snprintf(a_reps, sizeof a_reps, "%d", reps);
	snprintf(a_warmup, sizeof a_warmup, "%d", warmup);
	/* The hv's watchdog fires first so that it can report where the guest was. */
	snprintf(a_timeout, sizeof a_timeout, "%.0f", timeout_s > 2 ? timeout_s - 1 : 1);
	/* NULL-terminated after the last argument */
	char *argv[WRAPPER_MAX + 32 + 2 * WL_MAX_PARAMS + 2 * VARY_MAX] = {0};
	int argc = 0;
	for (char *const *w = c->wrapper; w && *w; w++) {
		if (argc == WRAPPER_MAX) {
			errno = E2BIG;
			die("a wrapper command of more than %d words", WRAPPER_MAX);
		}
		argv[argc++] = *w;
	}
	char *args[] = {hv,	   "--mode",	(char *)c->mode, "--workload", (char *)c->wl->name,
			"--iters", a_iters,	"--reps",	 a_reps,       "--warmup",
			a_warmup,  "--timeout", a_timeout,	 "--json",     json_path};
	for (size_t i = 0; i < sizeof args / sizeof args[0]; i++)
		argv[argc++] = args[i];
	if (c->fork_policy) {
		argv[argc++] = "--fork-policy";
		argv[argc++] = (char *)c->fork_policy;
	}
	char var_buf[256], var_opts[VARY_MAX][48];
	const char *var_names[VARY_MAX], *var_values[VARY_MAX];
	int nvar =
	    variant_pairs(c->variant, var_buf, sizeof var_buf, var_names, var_values, VARY_MAX);
	for (int i = 0; i < nvar; i++) {
		snprintf(var_opts[i], sizeof var_opts[i], "--%s", var_names[i]);
		argv[argc++] = var_opts[i];
		argv[argc++] = (char *)var_values[i];
	}
	for (int i = 0; i < c->nkv; i++) {
		argv[argc++] = "--param";
		argv[argc++] = c->kv[i];
	}
	if (c->lab_marks)
		argv[argc++] = "--lab-marks";
	if (c->count_resident) {
		argv[argc++] = "--count-resident";
		argv[argc++] = "on";
	}
	if (c->count_hits) {
		argv[argc++] = "--count-hits";
		argv[argc++] = (char *)c->count_hits;
	}
	if (c->cpus > 1) { /* one vCPU per copy or thread of the workload */
		snprintf(a_cpus, sizeof a_cpus, "%d", c->cpus);
		argv[argc++] = "--cpus";
		argv[argc++] = a_cpus;
	}

	static struct proc_out o; /* large buffers; cells run one at a time */
	unlink(json_path);
	if (proc_run(argv, timeout_s, &o) < 0) {
		json_object_set_new(rec, "ok", json_false());
		json_object_set_new(rec, "error", json_sprintf("cannot run %s", hv));
		return -1;
	}
	char err[BENCH_ERR_MAX] = "";
	int loaded = load_record(json_path, rec, err, sizeof err);
	unlink(json_path);
	if (!json_object_get(rec, "repetitions")) /* the hv says how many it completed */
		json_object_set_new(rec, "repetitions", json_integer(reps));
	json_object_set_new(rec, "warmup", json_integer(warmup));
	json_object_set_new(rec, "wall_s", json_real(o.wall_s));
	return cell_verdict(rec, loaded, &o, timeout_s, "hv");
}

static int host_run_cell(const struct cell *c, const struct budget *b, json_t *rec)
{
	char hv[4096];
	snprintf(hv, sizeof hv, "%s/hv", bench_bin_dir());
	if (c->cpus > 1 && !hv_has_cpus(hv)) {
		json_object_set_new(
		    rec, "reason",
		    json_sprintf("needs %d vCPUs and this hv runs one (no --cpus)", c->cpus));
		return 1;
	}
	struct budget own = *b;
	if (on_pvm()) /* its times are emulation, its counts exact at any length */
		own.rep_s = b->emulated_rep_s;
	return measure_cell(c, &own, host_run_once, rec);
}

const struct platform platform_host = {
    .name = "host",
    .has_modes = true,
    .available = host_available,
    .mmu = mmu_detect,
    .time_note = host_time_note,
    .times_emulated = on_pvm,
    .clock = host_clock,
    .run_cell = host_run_cell,
    .run_once = host_run_once,
    .calibrate = calibration_run_hv,
};
