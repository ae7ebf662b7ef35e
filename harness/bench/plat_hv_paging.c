/* plat_hv_paging.c: the "hv-native" platform: build/hv-paging, the hv's ptefree paging on host
 * memory, no KVM. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "bench.h"
#include "proc.h"

static const char *hv_paging_path(void)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/hv-paging", bench_bin_dir());
	return path;
}

static int hv_paging_available(char *why, size_t len)
{
	if (access(hv_paging_path(), X_OK) == 0)
		return 1;
	snprintf(why, len, "%s is missing (make build/hv-paging)", hv_paging_path());
	return 0;
}

static const char *hv_paging_mmu(void)
{
	return "none";
}

/* The workloads whose operations are the hv's paging calls: fork + child writes + destroy,
 * and map + first touches + unmap. */
static int hv_paging_supports(const struct workload *w, char *why, size_t len)
{
	if (!strcmp(w->name, "forkstorm") || !strcmp(w->name, "mmapchurn"))
		return 1;
	snprintf(why, len, "%s is not made of the hv's paging calls (forkstorm and mmapchurn are)",
		 w->name);
	return 0;
}

static int hv_paging_run_once(const struct cell *c, long iters, int reps, int warmup,
			      double timeout_s, json_t *rec)
{
	char a_iters[32], a_reps[32], a_warmup[32], a_policy[32], a_json[4200], a_var[VARY_MAX][64];
	snprintf(a_iters, sizeof a_iters, "iters=%ld", iters);
	snprintf(a_reps, sizeof a_reps, "reps=%d", reps);
	snprintf(a_warmup, sizeof a_warmup, "warmup=%d", warmup);
	snprintf(a_policy, sizeof a_policy, "policy=%s", c->fork_policy ? c->fork_policy : "lazy");
	char path[4096];
	snprintf(a_json, sizeof a_json, "json=%s",
		 scratch_path("hv-paging.json", path, sizeof path));
	char *argv[10 + WL_MAX_PARAMS + VARY_MAX] = {
	    (char *)hv_paging_path(), (char *)c->wl->name, a_iters, a_reps, a_warmup, a_policy};
	int argc = 6;
	if (reps > 1) /* the measured run, not the calibration runs: the per-call probes */
		argv[argc++] = a_json;
	char var_buf[256];
	const char *var_names[VARY_MAX], *var_values[VARY_MAX];
	int nvar =
	    variant_pairs(c->variant, var_buf, sizeof var_buf, var_names, var_values, VARY_MAX);
	for (int i = 0; i < nvar; i++) {
		snprintf(a_var[i], sizeof a_var[i], "%s=%s", var_names[i], var_values[i]);
		argv[argc++] = a_var[i];
	}
	char kv[WL_MAX_PARAMS][48]; /* every parameter, defaults included */
	for (int i = 0; i < wl_nparams(c->wl); i++) {
		if (param_is_concurrency(c->wl->params[i].name))
			continue; /* one process: hv_paging_run_cell skips the others */
		snprintf(kv[i], sizeof kv[i], "%s=%ld", c->wl->params[i].name, c->p[i]);
		argv[argc++] = kv[i];
	}

	static struct proc_out o; /* large buffers; cells run one at a time */
	const char *json_path = a_json + 5;
	unlink(json_path);
	if (proc_run(argv, timeout_s, &o) < 0) {
		json_object_set_new(rec, "ok", json_false());
		json_object_set_new(rec, "error", json_sprintf("cannot run %s", argv[0]));
		return -1;
	}
	json_object_set_new(rec, "repetitions", json_integer(reps));
	json_object_set_new(rec, "warmup", json_integer(warmup));
	json_object_set_new(rec, "wall_s", json_real(o.wall_s));
	json_object_set_new(rec, "kvm_stats_per_op", json_null());
	json_object_set_new(rec, "exits_per_op", json_null());
	json_object_set_new(rec, "hypercalls_per_op", json_null());
	/* the hv's time per call at each window size, native Linux's for the same operations */
	json_t *extra = json_load_file(json_path, 0, NULL);
	unlink(json_path);
	if (json_is_object(extra)) {
		json_t *hv = json_object_get(extra, "hv_native");
		json_object_set(rec, "fork_policy", json_object_get(hv, "fork_policy"));
		json_object_set(rec, "populate", json_object_get(hv, "populate"));
		json_object_set(rec, "hv_native", hv);
	}
	json_decref(extra);
	int parsed = parse_result_line(o.out, rec);
	return cell_verdict(rec, parsed, &o, timeout_s, "hv-paging");
}

static int hv_paging_run_cell(const struct cell *c, const struct budget *b, json_t *rec)
{
	if (strcmp(c->mode, "ptefree")) {
		json_object_set_new(
		    rec, "reason",
		    json_sprintf("the hv pages in ptefree mode only; %s's paging is "
				 "the guest's",
				 c->mode));
		return 1;
	}
	if (c->cpus > 1) {
		json_object_set_new(rec, "reason",
				    json_string("hv-native times one process's paging calls; "
						"concurrent copies are measured under KVM only"));
		return 1;
	}
	return measure_cell(c, b, hv_paging_run_once, rec);
}

const struct platform platform_hv_paging = {
    .name = "hv-native",
    .has_modes = true,
    .available = hv_paging_available,
    .mmu = hv_paging_mmu,
    .supports = hv_paging_supports,
    .time_note = native_time_note,
    .run_cell = hv_paging_run_cell,
};
