/* split.c: the --split pass: a lab cell's instructions per operation by where they ran. */
/* Inside the lab VM the bench runs, after each measured cell, one more run of the hv with
 * --lab-marks: it calls marker functions as it starts and around the guest's measured
 * repetitions. Outside, the lab platform boots QEMU with harness/lab/insnsplit.so (the
 * arguments harness/lab/split.sh prints), which counts every translation block by its code
 * address (and the rep string iterations among them, with the bytes they cover) and writes the
 * counts between the marks, numbered by run; once the VM is done they go into the record of
 * the run that made them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "bench.h"
#include "proc.h"

/* Where an instruction ran, as the plugin names it (harness/lab/insnsplit.c). */
static const char *const parts[] = {"guest_kernel", "guest_user", "host_kernel",
				    "hv",	    "other",	  "total"};
#define NPARTS (sizeof parts / sizeof parts[0])

/* What the plugin counts in each part: the record's name, and the prefix of its line's keys. */
static const struct {
	const char *name, *prefix;
} kinds[] = {
    {"instructions", ""},
    {"rep_iterations", "rep_iterations."}, /* rep string executions, one per iteration */
    {"rep_bytes", "rep_bytes."},	   /* their element sizes added up */
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static long marked_runs; /* hv runs with --lab-marks so far: the plugin numbers them alike */

bool split_inside_lab(void)
{
	return getenv("PAGELAB_LAB_TCG") != NULL; /* run.sh sets it for the command it runs */
}

json_t *split_run(const struct cell *c, run_once_fn run_once, long iters, double timeout_s)
{
	struct cell marked = *c;
	marked.lab_marks = true;
	json_t *rec = json_object();
	long run = ++marked_runs;
	json_t *s =
	    json_pack("{s:I, s:I}", "run", (json_int_t)run, "iterations", (json_int_t)iters);
	if (run_once(&marked, iters, 1, 1, timeout_s, rec) != 0)
		json_object_set_new(
		    s, "error",
		    json_sprintf("the marked run failed: %s",
				 json_string_value(json_object_get(rec, "error")) ?: "no reason"));
	json_decref(rec);
	return s;
}

const char *split_plugin(const char *root, const char *out_file, char *why, size_t len)
{
	static char value[4096];
	char *argv[] = {"/bin/sh",
			"-c",
			"export BUILD=\"$1\"; cd \"$0\" && exec sh harness/lab/split.sh \"$2\"",
			(char *)root,
			(char *)bench_bin_dir(),
			(char *)out_file,
			NULL};
	static struct proc_out o;
	if (proc_run(argv, 30, &o) < 0 || o.timed_out || !WIFEXITED(o.status) ||
	    WEXITSTATUS(o.status) != 0) {
		proc_describe(&o, 30, why, len);
		return NULL;
	}
	snprintf(value, sizeof value, "%.*s", (int)strcspn(o.out, "\n"), o.out);
	return value;
}

/* The counts of the plugin's line "interval run=N total=T guest_kernel=A ...
 * rep_iterations.guest_kernel=RA ... rep_bytes.total=BT" by kind, {"instructions": {part: N},
 * "rep_iterations": ..., "rep_bytes": ...}, or NULL. */
static json_t *parse_interval(const char *line, long *run)
{
	if (sscanf(line, "interval run=%ld", run) != 1)
		return NULL;
	json_t *counts = json_object();
	for (size_t k = 0; k < NKINDS; k++) {
		json_t *of_kind = json_object();
		json_object_set_new(counts, kinds[k].name, of_kind);
		for (size_t p = 0; p < NPARTS; p++) {
			char key[64];
			unsigned long long n;
			snprintf(key, sizeof key, " %s%s=", kinds[k].prefix, parts[p]);
			const char *at = strstr(line, key);
			if (!at || sscanf(at + strlen(key), "%llu", &n) != 1) {
				json_decref(counts);
				return NULL;
			}
			json_object_set_new(of_kind, parts[p], json_integer((json_int_t)n));
		}
	}
	return counts;
}

/* Each marked run's interval from the plugin's file, by run number: {"3": {counts}}. A run
 * with two intervals maps to null (its marks ran twice: the counts could not be told apart). */
static json_t *read_intervals(const char *path)
{
	json_t *by_run = json_object();
	FILE *f = fopen(path, "r");
	char line[2048], key[32];
	long run;
	while (f && fgets(line, sizeof line, f)) {
		json_t *counts = parse_interval(line, &run);
		if (!counts)
			continue;
		snprintf(key, sizeof key, "%ld", run);
		if (json_object_get(by_run, key)) {
			json_decref(counts);
			counts = json_null();
		}
		json_object_set_new(by_run, key, counts);
	}
	if (f)
		fclose(f);
	return by_run;
}

void split_attach(json_t *runs, const char *path)
{
	json_t *by_run = read_intervals(path), *r;
	size_t i;
	json_array_foreach(runs, i, r)
	{
		json_t *s = json_object_get(r, "split");
		if (!json_is_object(s) || json_object_get(s, "error"))
			continue;
		char key[32];
		snprintf(key, sizeof key, "%lld", json_integer_value(json_object_get(s, "run")));
		json_t *counts = json_object_get(by_run, key);
		double iters = (double)json_integer_value(json_object_get(s, "iterations"));
		if (!json_is_object(counts) || iters < 1) {
			json_object_set_new(
			    s, "error",
			    json_sprintf("the lab's plugin reported %s interval for marked run %s",
					 counts ? "more than one" : "no", key));
			continue;
		}
		json_object_set(s, "instructions", json_object_get(counts, "instructions"));
		for (size_t k = 0; k < NKINDS; k++) {
			json_t *of_kind = json_object_get(counts, kinds[k].name);
			json_t *per_op = json_object();
			char field[64];
			for (size_t p = 0; p < NPARTS; p++)
				json_object_set_new(
				    per_op, parts[p],
				    json_real((double)json_integer_value(
						  json_object_get(of_kind, parts[p])) /
					      iters));
			snprintf(field, sizeof field, "%s_per_op", kinds[k].name);
			json_object_set_new(s, field, per_op);
		}
	}
	json_decref(by_run);
}
