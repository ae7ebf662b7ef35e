/* plat_native.c: the "native" platform: workloads compiled for Linux, run as plain processes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "bench.h"
#include "proc.h"

static int native_available(char *why, size_t len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/native/wl", bench_bin_dir());
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(why, len, "%s is missing (make %s)", path, "build/native/wl");
		return 0;
	}
	fclose(f);
	return 1;
}

static const char *native_mmu(void)
{
	return "none";
}

/* A native run on a virtual machine pays that machine's own virtualization (its page faults
 * and forks go through the outer hypervisor): not the bare-metal baseline. */
const char *native_time_note(void)
{
	static int virtual_machine = -1;
	if (virtual_machine < 0) {
		char line[4096];
		FILE *f = fopen("/proc/cpuinfo", "r");
		virtual_machine = 0;
		while (f && fgets(line, sizeof line, f))
			if (strncmp(line, "flags", 5) == 0) {
				virtual_machine = strstr(line, " hypervisor") != NULL;
				break;
			}
		if (f)
			fclose(f);
	}
	return virtual_machine ? "this machine is itself a virtual machine" : NULL;
}

static int native_supports(const struct workload *w, char *why, size_t len)
{
	if (!(w->flags & WL_GUEST_ONLY))
		return 1;
	snprintf(why, len, "%s needs a pagelab kernel service; it has no native equivalent",
		 w->name);
	return 0;
}

/* Parses "RESULT ok=1 iters=N tsc_khz=K cycles=c1,c2,... msg=..." into rec. */
int parse_result_line(const char *out, json_t *rec)
{
	const char *line = strstr(out, "RESULT ");
	unsigned long ok, iters, khz;
	int used = 0;
	if (!line ||
	    sscanf(line, "RESULT ok=%lu iters=%lu tsc_khz=%lu cycles=%n", &ok, &iters, &khz,
		   &used) != 3 ||
	    !used)
		return -1;
	json_t *cycles = json_array();
	const char *p = line + used;
	while (*p >= '0' && *p <= '9') {
		char *end;
		json_array_append_new(cycles, json_integer(strtoll(p, &end, 10)));
		p = *end == ',' ? end + 1 : end;
	}
	const char *msg = strstr(p, "msg=");
	char text[HC_MSG_MAX + 1] = "";
	if (msg)
		sscanf(msg + 4, "%160[^\n]", text);
	json_object_set_new(rec, "ok", json_boolean(ok == 1));
	json_object_set_new(rec, "iterations", json_integer(iters));
	json_object_set_new(rec, "tsc_khz", json_integer(khz));
	json_object_set_new(rec, "cycles", cycles);
	if (ok != 1)
		json_object_set_new(rec, "error", json_string(text[0] ? text : "failed"));
	return 0;
}

static int native_run_once(const struct cell *c, long iters, int reps, int warmup, double timeout_s,
			   json_t *rec)
{
	char path[4096], a_iters[32], a_reps[32], a_warmup[32];
	snprintf(path, sizeof path, "%s/native/wl", bench_bin_dir());
	snprintf(a_iters, sizeof a_iters, "iters=%ld", iters);
	snprintf(a_reps, sizeof a_reps, "reps=%d", reps);
	snprintf(a_warmup, sizeof a_warmup, "warmup=%d", warmup);
	char *argv[6 + WL_MAX_PARAMS] = {path, (char *)c->wl->name, a_iters, a_reps, a_warmup};
	for (int i = 0; i < c->nkv; i++)
		argv[5 + i] = c->kv[i];

	static struct proc_out o; /* large buffers; cells run one at a time */
	if (proc_run(argv, timeout_s, &o) < 0) {
		json_object_set_new(rec, "ok", json_false());
		json_object_set_new(rec, "error", json_sprintf("cannot run %s", path));
		return -1;
	}
	json_object_set_new(rec, "repetitions", json_integer(reps));
	json_object_set_new(rec, "warmup", json_integer(warmup));
	json_object_set_new(rec, "wall_s", json_real(o.wall_s));
	/* Natively the process's peak RSS is all there is; before/after have no meaning. */
	json_object_set_new(
	    rec, "host_rss_kib",
	    json_pack("{s:n, s:I, s:n}", "before", "peak", (json_int_t)o.maxrss_kib, "after"));
	/* No hypervisor: no exits, hypercalls or KVM counters to report. */
	json_object_set_new(rec, "kvm_stats_per_op", json_null());
	json_object_set_new(rec, "exits_per_op", json_null());
	json_object_set_new(rec, "hypercalls_per_op", json_null());
	int parsed = parse_result_line(o.out, rec);
	return cell_verdict(rec, parsed, &o, timeout_s, "wl");
}

static int native_run_cell(const struct cell *c, const struct budget *b, json_t *rec)
{
	return measure_cell(c, b, native_run_once, rec);
}

const struct platform platform_native = {
    .name = "native",
    .has_modes = false,
    .available = native_available,
    .mmu = native_mmu,
    .supports = native_supports,
    .time_note = native_time_note,
    .run_cell = native_run_cell,
};
