/* summary.c: the tables printed at the end of a run, grouped by workload. */
/* One row per parameter point, one column per mode x platform: median latency per op and its
 * ratio to native, exits per op, hypercalls per op in ptefree and pvmmu modes, guest kernel
 * instructions per op on PVM, the lab's instructions per op by where they ran and the rep
 * string iterations among them (--split), host RSS after the run; then the notes and the hypercall
 * calibration (calibration.c). */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "bench.h"

#define MIN_COL_WIDTH 16
#define NAME_MAX_LEN  96

/* The series of the run; a "*" marks platforms whose times are distorted (explained under
 * the tables). */
static void column_name(json_t *r, char *buf, size_t len)
{
	rec_series(r, buf, len);
	if (rec_str(r, "time_note")[0])
		snprintf(buf + strlen(buf), len - strlen(buf), "*");
}

static double rss_after_kib(json_t *r)
{
	return rec_num(json_object_get(json_object_get(r, "host_rss_kib"), "after"));
}

/* The run of workload w at params in column col, or NULL. */
static json_t *find_run(json_t *runs, const char *w, const char *params, const char *col)
{
	size_t i;
	json_t *r;
	char name[NAME_MAX_LEN];
	json_array_foreach(runs, i, r)
	{
		column_name(r, name, sizeof name);
		if (!strcmp(rec_str(r, "workload"), w) && !strcmp(rec_str(r, "params"), params) &&
		    !strcmp(name, col))
			return r;
	}
	return NULL;
}

/* What a table shows: median latency (with ratios to native where time is real), exits per
 * operation and hypercalls per operation (exact on every platform, emulated or not), host
 * RSS after the run. */
enum table { LATENCY, EXITS, HYPERCALLS, KERNEL_INSNS, SPLIT, REP_STRINGS, RSS };

static const char *const headings[] = {
    [LATENCY] = "Summary: median latency per operation (xN: ratio to native)",
    [EXITS] = "Exits per operation (to the hv and in KVM; exact on every platform)",
    [HYPERCALLS] = "Hypercalls per operation in ptefree and pvmmu modes (exact; in brackets: "
		   "ptefree, pages the hv copied per operation, at fork or on first writes; "
		   "pvmmu, page-table updates per operation)",
    [KERNEL_INSNS] = "Guest kernel instructions per operation (exact; PVM hosts only, where KVM "
		     "emulates and counts each guest ring-0 instruction: insn_emulation)",
    [SPLIT] = "Instructions per operation by where they ran, guest (its kernel + programs) / "
	      "host kernel / hv / other L1 user space (lab, --split: counted by QEMU, by code "
	      "address)",
    [REP_STRINGS] = "Rep string iterations per operation (bytes), each counted as one of the "
		    "instructions above (lab, --split)",
    [RSS] = "Host RSS after the run (the hv's process as the guest ends; on lab platforms "
	    "inside the VM)",
};

/* Whether run r has something for table t; a column shows when one of its runs has. */
static bool shows(enum table t, json_t *r)
{
	switch (t) {
	case LATENCY:
		return strcmp(rec_str(r, "status"), "skipped") != 0;
	case EXITS:
		return !isnan(rec_exits(r));
	case HYPERCALLS:
		return (!strcmp(rec_str(r, "mode"), "ptefree") ||
			!strcmp(rec_str(r, "mode"), "pvmmu")) &&
		       !isnan(rec_hypercalls(r));
	case KERNEL_INSNS:
		return !isnan(rec_kernel_insns(r));
	case SPLIT:
		return !isnan(rec_split(r, "instructions_per_op", "total"));
	case REP_STRINGS:
		return !isnan(rec_split(r, "rep_iterations_per_op", "total"));
	case RSS:
		return !isnan(rss_after_kib(r));
	}
	return false;
}

/* A count in at most 5 characters: "0.3", "812", "3.63k", "1.2M". */
static void human_count(double n, char *buf, size_t len)
{
	if (n >= 1e6)
		snprintf(buf, len, "%.3gM", n / 1e6);
	else if (n >= 1e3)
		snprintf(buf, len, "%.3gk", n / 1e3);
	else
		snprintf(buf, len, n >= 10 ? "%.0f" : "%.1f", n);
}

static void cell_text(enum table t, json_t *r, json_t *native, char *text, size_t len)
{
	char ns[32];
	double base, pages;
	switch (t) {
	case LATENCY:
		rec_time_text(r, rec_p50(r), ns, sizeof ns);
		/* a ratio of a distorted time to a real one would mean nothing */
		base = native && !rec_str(r, "time_note")[0] && !rec_str(native, "time_note")[0]
			   ? rec_p50(native)
			   : NAN;
		if (r != native && base > 0)
			snprintf(text, len, "%s x%.3g", ns, rec_p50(r) / base);
		else
			snprintf(text, len, "%s", ns);
		break;
	case EXITS:
		snprintf(text, len, "%.3g", rec_exits(r));
		break;
	case HYPERCALLS:
		pages = !isnan(rec_pv_updates(r)) ? rec_pv_updates(r) : rec_pages_copied(r);
		if (pages >= 0.005)
			snprintf(text, len, pages >= 10 ? "%.3g (%.0f)" : "%.3g (%.2g)",
				 rec_hypercalls(r), pages);
		else
			snprintf(text, len, "%.3g", rec_hypercalls(r));
		break;
	case KERNEL_INSNS:
		snprintf(text, len, rec_kernel_insns(r) >= 100 ? "%.0f" : "%.3g",
			 rec_kernel_insns(r));
		break;
	case SPLIT: {
		const char *insns = "instructions_per_op";
		char part[4][16];
		if (isnan(rec_split(r, insns, "total"))) { /* the pass failed: the notes say why */
			snprintf(text, len, "-");
			break;
		}
		human_count(rec_split(r, insns, "guest_kernel") + rec_split(r, insns, "guest_user"),
			    part[0], 16);
		human_count(rec_split(r, insns, "host_kernel"), part[1], 16);
		human_count(rec_split(r, insns, "hv"), part[2], 16);
		human_count(rec_split(r, insns, "other"), part[3], 16);
		snprintf(text, len, "%s/%s/%s/%s", part[0], part[1], part[2], part[3]);
		break;
	}
	case REP_STRINGS: {
		char iterations[16], bytes[16];
		if (isnan(rec_split(r, "rep_iterations_per_op", "total"))) {
			snprintf(text, len, "-");
			break;
		}
		human_count(rec_split(r, "rep_iterations_per_op", "total"), iterations, 16);
		human_count(rec_split(r, "rep_bytes_per_op", "total"), bytes, 16);
		snprintf(text, len, "%s (%s B)", iterations, bytes);
		break;
	}
	case RSS:
		snprintf(text, len, "%.1f MiB", rss_after_kib(r) / 1024);
		break;
	}
}

static void print_cell(FILE *f, enum table t, json_t *r, json_t *native, int width)
{
	char text[64] = "-";
	const char *status = r ? rec_str(r, "status") : "";
	if (r && !strcmp(status, "ok"))
		cell_text(t, r, native, text, sizeof text);
	else if (r)
		snprintf(text, sizeof text, "%s", !strcmp(status, "failed") ? "FAILED" : "skipped");
	fprintf(f, "%-*s", width, text);
}

/* Each column as wide as its name (and at least MIN_COL_WIDTH, or the four counts of the split
 * table) plus a gap. */
static int col_width(enum table t, json_t *col)
{
	int w = (int)json_string_length(col) + 2, min = t == SPLIT ? 26 : MIN_COL_WIDTH;
	return w > min ? w : min;
}

/* One block of a table: the rows (parameter points) and columns of workload w, the columns
 * that have something to show (a platform that skipped everything is named in the notes). */
static void print_workload(FILE *f, enum table t, json_t *runs, const char *w)
{
	json_t *cols = json_array(), *points = json_array(), *r, *col, *point;
	char name[NAME_MAX_LEN];
	size_t i, c;
	json_array_foreach(runs, i, r)
	{
		if (strcmp(rec_str(r, "workload"), w))
			continue;
		json_add_unique(points, rec_str(r, "params"));
		column_name(r, name, sizeof name);
		if (shows(t, r))
			json_add_unique(cols, name);
	}
	if (json_array_size(cols) > 0) {
		int width = 26; /* the parameter column fits the longest point */
		json_array_foreach(points, i, point) if ((int)json_string_length(point) + 2 > width)
		    width = (int)json_string_length(point) + 2;
		fprintf(f, "\n%-*s", width + 2, w);
		json_array_foreach(cols, c, col)
		    fprintf(f, "%-*s", col_width(t, col), json_string_value(col));
		fputc('\n', f);
		json_array_foreach(points, i, point)
		{
			const char *params = json_string_value(point);
			fprintf(f, "  %-*s", width, params[0] ? params : "(no parameters)");
			json_t *native = find_run(runs, w, params, "native");
			json_array_foreach(cols, c, col)
			    print_cell(f, t, find_run(runs, w, params, json_string_value(col)),
				       native, col_width(t, col));
			fputc('\n', f);
		}
	}
	json_decref(cols);
	json_decref(points);
}

/* Counts one more cell under the note key; the first cell's workload and point are kept. */
static void count_note(json_t *notes, json_t *first, const char *key, json_t *r)
{
	char cell[PARAMS_STR_MAX + 64];
	json_t *n = json_object_get(notes, key);
	json_object_set_new(notes, key, json_integer(json_integer_value(n) + 1));
	if (!n) {
		snprintf(cell, sizeof cell, "%s%s%s", rec_str(r, "workload"),
			 rec_str(r, "params")[0] ? " " : "", rec_str(r, "params"));
		json_object_set_new(first, key, json_string(cell));
	}
}

/* Notes under the tables: failures grouped by column and error, skip reasons with their
 * counts, fork policies the hv could not run, and which platforms' times are distorted. */
static void print_notes(FILE *f, json_t *runs)
{
	json_t *notes = json_object(), *first = json_object();
	size_t i;
	json_t *r;
	char name[NAME_MAX_LEN], key[1024];
	json_array_foreach(runs, i, r)
	{
		column_name(r, name, sizeof name);
		const char *status = rec_str(r, "status"), *note = rec_str(r, "time_note");
		const char *asked = rec_str(r, "fork_policy_requested");
		const char *ran = rec_str(r, "fork_policy");
		if (note[0]) { /* explains the "*" of the column, whatever its cells did */
			const char *platform = rec_str(r, "platform");
			snprintf(
			    key, sizeof key, "* %s: %s; %s", platform, note,
			    !strcmp(platform, "native")
				? "its times are no bare-metal baseline, so no ratios"
			    : !strcmp(platform, "hv-native")
				? "its times are real here, as native's, and compare to native's "
				  "of the same run only"
			    : !strcmp(rec_str(r, "clock"), CLOCK_INSTRUCTIONS)
				? "its times count the instructions executed, the same from run to "
				  "run: compare them between lab cells, never with real time"
				: "compare its counts, not its times");
			json_object_set_new(notes, key, json_null());
		}
		if (asked[0] && ran[0] && strcmp(asked, ran)) {
			snprintf(key, sizeof key, "%s: the hv ran fork policy %s (see its stderr)",
				 name, ran);
			count_note(notes, first, key, r);
		}
		const char *split_error = rec_str(json_object_get(r, "split"), "error");
		if (split_error[0]) {
			snprintf(key, sizeof key, "no instruction split on %s: %s", name,
				 split_error);
			count_note(notes, first, key, r);
		}
		if (!strcmp(status, "failed")) {
			snprintf(key, sizeof key, "FAILED on %s: %s", name, rec_str(r, "error"));
			count_note(notes, first, key, r);
		} else if (!strcmp(status, "skipped")) {
			snprintf(key, sizeof key, "skipped on %s: %s", rec_str(r, "platform"),
				 rec_str(r, "reason"));
			count_note(notes, first, key, r);
		}
	}
	const char *k;
	json_t *v;
	json_object_foreach(notes, k, v)
	{
		if (json_is_null(v))
			fprintf(f, "%s\n", k);
		else
			fprintf(f, "%s (%lld cells, first: %s)\n", k,
				(long long)json_integer_value(v), rec_str(first, k));
	}
	json_decref(notes);
	json_decref(first);
}

/* How far the repetitions of one lab cell on the instruction clock are apart: the largest
 * (max - min) / median over the cells, which says how deterministic the clock was. */
static void print_clock_spread(FILE *f, json_t *runs)
{
	size_t i, n = 0;
	json_t *r, *worst = NULL;
	double most = -1;
	json_array_foreach(runs, i, r)
	{
		json_t *lat = json_object_get(r, "latency_ns");
		double p50 = rec_p50(r), spread = (rec_num(json_object_get(lat, "max")) -
						   rec_num(json_object_get(lat, "min"))) /
						  p50;
		if (strcmp(rec_str(r, "clock"), CLOCK_INSTRUCTIONS) ||
		    strcmp(rec_str(r, "status"), "ok") || !(p50 > 0) || isnan(spread))
			continue;
		n++;
		if (spread > most) {
			most = spread;
			worst = r;
		}
	}
	if (!n)
		return;
	char name[NAME_MAX_LEN];
	column_name(worst, name, sizeof name);
	fprintf(
	    f,
	    "instruction clock: the repetitions of each of its %zu lab cells agree within %.3g%% "
	    "(largest (max - min) / median: %s %s %s)\n",
	    n, 100 * most, rec_str(worst, "workload"), rec_str(worst, "params"), name);
}

void summary_print(json_t *doc, FILE *f)
{
	json_t *runs = json_object_get(doc, "runs");
	json_t *workloads = json_array(), *w;
	size_t i;
	json_t *r;
	bool any[RSS + 1] = {false};
	json_array_foreach(runs, i, r)
	{
		json_add_unique(workloads, rec_str(r, "workload"));
		for (enum table t = LATENCY; t <= RSS; t++)
			any[t] |= shows(t, r);
	}
	for (enum table t = LATENCY; t <= RSS; t++) {
		if (!any[t])
			continue;
		fprintf(f, "\n%s\n", headings[t]);
		json_array_foreach(workloads, i, w)
		    print_workload(f, t, runs, json_string_value(w));
	}
	json_decref(workloads);
	hv_paging_print(runs, f);
	concurrency_print(runs, f);
	fputc('\n', f);
	print_notes(f, runs);
	print_clock_spread(f, runs);
	calibration_print(json_object_get(doc, "calibration"), f);
}
