/* calibration.c: the hypercall calibration (hv --calibrate) of each KVM platform, its table. */
/* The target: the hv's cost per hypercall against a bare KVM_RUN loop doing the same port
 * exit, measured side by side in one run: the hv does both loops, the bench records it once per
 * platform in the "calibration" array of results.json and prints it after the other tables. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "proc.h"

#define CALIBRATION_TARGET 1.10 /* the hv path at most 1.10x the bare loop */

json_t *calibration_run_hv(const struct platform *p, const struct budget *b)
{
	(void)p;
	char hv[4096], json_path[4200], iters[32];
	snprintf(hv, sizeof hv, "%s/hv", bench_bin_dir());
	scratch_path("calibration.json", json_path, sizeof json_path);
	snprintf(iters, sizeof iters, "%ld", b->calibration_exits);
	char *argv[] = {hv, "--calibrate", "--json", json_path, "--iters", iters, NULL};
	if (b->calibration_exits <= 0)
		argv[4] = NULL; /* the hv's default */

	static struct proc_out o; /* large buffers */
	unlink(json_path);
	if (proc_run(argv, b->timeout_s, &o) < 0)
		return json_pack("{s:s, s:s+}", "status", "failed", "error", "cannot run ", hv);
	json_t *hv_rec = json_load_file(json_path, 0, NULL);
	unlink(json_path);
	if (o.timed_out || !WIFEXITED(o.status) || WEXITSTATUS(o.status) != 0 ||
	    !json_is_object(hv_rec)) {
		char why[BENCH_ERR_MAX];
		proc_describe(&o, b->timeout_s, why, sizeof why);
		json_decref(hv_rec);
		return json_pack("{s:s, s:s+}", "status", "failed", "error", "hv --calibrate ",
				 why);
	}
	/* "platform" is the bench's name for where it ran; the hv's own is kept beside it */
	json_object_set(hv_rec, "hv_platform", json_object_get(hv_rec, "platform"));
	json_object_del(hv_rec, "platform");
	json_object_set_new(hv_rec, "status", json_string("ok"));
	return hv_rec;
}

json_t *calibration_measure(const struct platform *p, bool available, const char *why,
			    const struct budget *b)
{
	printf("calibration %s: ", p->name);
	fflush(stdout);
	json_t *got = available ? p->calibrate(p, b)
				: json_pack("{s:s, s:s}", "status", "skipped", "reason", why);
	/* identity first, for a readable record */
	json_t *rec = json_pack("{s:s}", "platform", p->name);
	json_object_set(rec, "status", json_object_get(got, "status"));
	json_object_update_missing(rec, got);
	json_decref(got);
	const char *note = platform_time_note(p, NULL), *clock = platform_clock(p, NULL);
	json_object_set_new(rec, "time_note", note ? json_string(note) : json_null());
	json_object_set_new(rec, "clock", json_string(clock));
	json_object_set_new(rec, "time_unit", json_string(clock_time_unit(clock)));
	json_object_set_new(rec, "target_ratio", json_real(CALIBRATION_TARGET));

	const char *status = rec_str(rec, "status");
	double ratio = rec_num(json_object_get(rec, "ratio"));
	bool ok = !strcmp(status, "ok") && !isnan(ratio);
	json_object_set_new(rec, "target_met",
			    ok ? json_boolean(ratio <= CALIBRATION_TARGET) : json_null());
	if (ok)
		printf("bare KVM_RUN %.1f ns/exit, hv %.1f ns/exit, ratio %.3f%s\n",
		       rec_num(json_object_get(rec, "bare_kvm_run_ns")),
		       rec_num(json_object_get(rec, "hv_hypercall_ns")), ratio,
		       note ? " (emulated time)" : "");
	else if (!strcmp(status, "skipped"))
		printf("skipped: %s\n", rec_str(rec, "reason"));
	else
		printf("FAILED: %s\n", rec_str(rec, "error"));
	fflush(stdout);
	return rec;
}

/* A time in ns with one decimal, or "-" when the record has none (e.g. in-KVM on PVM). */
static void ns_text(json_t *v, char *buf, size_t len)
{
	double ns = rec_num(v);
	if (isnan(ns))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", ns);
}

void calibration_print(json_t *calibration, FILE *f)
{
	if (json_array_size(calibration) == 0)
		return;
	fprintf(f,
		"\nHypercall calibration: ns per port exit, a bare KVM_RUN loop against the hv's "
		"hypercall path\nin one run (medians over rounds; target ratio hv/bare <= "
		"%.2f)\n",
		CALIBRATION_TARGET);
	fprintf(f, "%-14s%-22s%-18s%-9s%-12s%s\n", "platform", "bare KVM_RUN ns/exit",
		"hv path ns/exit", "ratio", "target met", "in-KVM exit ns");
	json_t *notes = json_object();
	size_t i;
	json_t *r;
	json_array_foreach(calibration, i, r)
	{
		char name[64], bare[32], hv[32], in_kvm[32];
		const char *status = rec_str(r, "status"), *note = rec_str(r, "time_note");
		snprintf(name, sizeof name, "%s%s", rec_str(r, "platform"), note[0] ? "*" : "");
		if (note[0]) {
			char key[256];
			snprintf(key, sizeof key,
				 "* %s: %s; so is the ratio (both paths run emulated)",
				 rec_str(r, "platform"), note);
			json_object_set_new(notes, key, json_null());
		}
		if (strcmp(status, "ok")) {
			fprintf(f, "%-14s%s: %s\n", name,
				strcmp(status, "skipped") ? "FAILED" : "skipped",
				rec_str(r, strcmp(status, "skipped") ? "error" : "reason"));
			continue;
		}
		ns_text(json_object_get(r, "bare_kvm_run_ns"), bare, sizeof bare);
		ns_text(json_object_get(r, "hv_hypercall_ns"), hv, sizeof hv);
		ns_text(json_object_get(r, "in_kvm_exit_ns"), in_kvm, sizeof in_kvm);
		fprintf(f, "%-14s%-22s%-18s%-9.3f%-12s%s\n", name, bare, hv,
			rec_num(json_object_get(r, "ratio")),
			json_is_true(json_object_get(r, "target_met")) ? "yes" : "no", in_kvm);
	}
	const char *k;
	json_t *v;
	json_object_foreach(notes, k, v) fprintf(f, "%s\n", k);
	json_decref(notes);
}
