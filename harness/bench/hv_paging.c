/* hv_paging.c: the tables of build/hv-paging on the hv-native platform (the hv's paging per
 * call against native Linux, measured in one run) and the ptefree targets they are checked against.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "bench.h"

#define SMALL_WINDOW	       "64"
#define LARGE_WINDOW	       "1024" /* the hv's default */
#define TARGET_RSS_KIB	       64
#define TARGET_WINDOW_CHANGE   0.20
#define TARGET_COW_RATIO       2.0
#define TARGET_FAULTS_PER_PAGE 1.0

static double call_ns(json_t *hv, const char *window, const char *call)
{
	return rec_num(json_object_get(
	    json_object_get(json_object_get(hv, "calls_ns_by_window_mib"), window), call));
}

static double native_ns(json_t *hv, const char *op)
{
	return rec_num(json_object_get(json_object_get(hv, "native_ns"), op));
}

static double fork_destroy(json_t *hv, const char *window)
{
	return call_ns(hv, window, "as_fork") + call_ns(hv, window, "as_destroy");
}

static void us(char *buf, size_t len, double ns)
{
	if (isnan(ns))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", ns / 1e3);
}

static const char *verdict(bool met)
{
	return met ? "met" : "NOT met";
}

static bool header_done; /* the targets' heading is printed before the first target */

/* One line per target check, with its verdict. */
static void target_line(FILE *f, const char *what, const char *row, double value, double limit,
			const char *unit)
{
	if (!header_done)
		fprintf(f, "\nptefree targets (ratios measured in one run)\n");
	header_done = true;
	fprintf(f, "  %-54s %-46s %6.2f %s (target <= %.2f): %s\n", what, row, value, unit, limit,
		verdict(value <= limit));
}

/* A column of the hv-native tables: two heading lines, and the hv's call at a window (in us),
 * native Linux's operation (window NULL), or the change of fork + destroy from the small to
 * the large window (key "change"). */
struct column {
	const char *head[2], *window, *key;
};

static const struct column fork_columns[] = {
    {{"fork 64M", ""}, SMALL_WINDOW, "as_fork"},  {{"destr 64M", ""}, SMALL_WINDOW, "as_destroy"},
    {{"fork 1G", ""}, LARGE_WINDOW, "as_fork"},	  {{"destr 1G", ""}, LARGE_WINDOW, "as_destroy"},
    {{"window", "change"}, NULL, "change"},	  {{"native", "fork+exit"}, NULL, "fork_exit_wait"},
    {{"COW/page", ""}, LARGE_WINDOW, "cow_page"}, {{"native", "COW"}, NULL, "cow_fault"},
};

static const struct column map_columns[] = {
    {{"map", ""}, LARGE_WINDOW, "map"},
    {{"touch/pg", ""}, LARGE_WINDOW, "first_touch_page"},
    {{"protect", ""}, LARGE_WINDOW, "protect"},
    {{"unmap", ""}, LARGE_WINDOW, "unmap"},
    {{"native", "mmap+touch"}, NULL, "mmap_touch_munmap"},
    {{"native", "mprotect"}, NULL, "mprotect"},
};

static void cell_text(json_t *hv, const struct column *col, char *buf, size_t len)
{
	if (!strcmp(col->key, "change")) {
		double change = fork_destroy(hv, SMALL_WINDOW) / fork_destroy(hv, LARGE_WINDOW) - 1;
		snprintf(buf, len, isnan(change) ? "-" : "%+.0f%%", change * 100);
	} else {
		us(buf, len,
		   col->window ? call_ns(hv, col->window, col->key) : native_ns(hv, col->key));
	}
}

/* One table: the hv-native runs of workload w, a row per cell. */
static void print_table(FILE *f, json_t *runs, const char *w, const char *title,
			const struct column *cols, int ncols)
{
	size_t i;
	json_t *r;
	for (int line = 0; line < 2; line++) {
		fprintf(f, "  %-48s", line ? "" : title);
		for (int k = 0; k < ncols; k++)
			fprintf(f, " %10s", cols[k].head[line]);
		fputc('\n', f);
	}
	json_array_foreach(runs, i, r)
	{
		json_t *hv = json_object_get(r, "hv_native");
		if (!hv || strcmp(rec_str(r, "workload"), w))
			continue;
		char row[PARAMS_STR_MAX + 48], cell[16];
		snprintf(row, sizeof row, "%s %s populate=%s", rec_str(r, "params"),
			 rec_str(hv, "fork_policy"), rec_str(hv, "populate"));
		fprintf(f, "  %-48s", row);
		for (int k = 0; k < ncols; k++) {
			cell_text(hv, &cols[k], cell, sizeof cell);
			fprintf(f, " %10s", cell);
		}
		fputc('\n', f);
	}
}

static void tsv_row(FILE *f, json_t *r, const char *op, double small, double large, double native)
{
	json_t *hv = json_object_get(r, "hv_native");
	fprintf(f, "%s %s %s populate=%s %s\t%.6g\t%.6g\t%.6g\n", rec_str(r, "workload"),
		rec_str(r, "params"), rec_str(hv, "fork_policy"), rec_str(hv, "populate"), op,
		small / 1e3, large / 1e3, native / 1e3);
}

/* mmap + first touch of every page + munmap, as mmapchurn does it */
static double map_touch_unmap(json_t *hv, const char *window)
{
	double pages = rec_num(json_object_get(hv, "region_kib")) / 4;
	return call_ns(hv, window, "map") + pages * call_ns(hv, window, "first_touch_page") +
	       call_ns(hv, window, "unmap");
}

/* hvnative.tsv: a row per hv-native cell and operation: the hv at each window and native
 * Linux, us. */
void hv_paging_write_tsv(FILE *f, json_t *runs)
{
	size_t i;
	json_t *r;
	fprintf(f, "operation\thv_64_mib_us\thv_1024_mib_us\tnative_us\n");
	json_array_foreach(runs, i, r)
	{
		json_t *hv = json_object_get(r, "hv_native");
		if (hv && !strcmp(rec_str(r, "workload"), "forkstorm")) {
			tsv_row(f, r, "fork+destroy", fork_destroy(hv, SMALL_WINDOW),
				fork_destroy(hv, LARGE_WINDOW), native_ns(hv, "fork_exit_wait"));
			if (!strcmp(rec_str(hv, "fork_policy"), "lazy"))
				tsv_row(f, r, "COW/page", call_ns(hv, SMALL_WINDOW, "cow_page"),
					call_ns(hv, LARGE_WINDOW, "cow_page"),
					native_ns(hv, "cow_fault"));
		} else if (hv) {
			tsv_row(f, r, "map+touch+unmap", map_touch_unmap(hv, SMALL_WINDOW),
				map_touch_unmap(hv, LARGE_WINDOW),
				native_ns(hv, "mmap_touch_munmap"));
			tsv_row(f, r, "protect", call_ns(hv, SMALL_WINDOW, "protect"),
				call_ns(hv, LARGE_WINDOW, "protect"), native_ns(hv, "mprotect"));
		}
	}
}

/* In-KVM faults per page of ptefree mmapchurn with populate=write, on each KVM platform. */
static void fault_targets(FILE *f, json_t *runs)
{
	size_t i;
	json_t *r;
	json_array_foreach(runs, i, r)
	{
		json_t *vcpu = json_object_get(json_object_get(r, "kvm_stats_per_op"), "vcpu");
		json_t *values = json_object_get(r, "param_values");
		if (strcmp(rec_str(r, "workload"), "mmapchurn") ||
		    strcmp(rec_str(r, "mode"), "ptefree") ||
		    strcmp(rec_str(r, "populate"), "write") || !vcpu || !json_array_size(values))
			continue;
		double pages = rec_num(json_array_get(values, 0)) / 4;
		char row[PARAMS_STR_MAX + 32];
		snprintf(row, sizeof row, "%s %s", rec_str(r, "params"), rec_str(r, "platform"));
		target_line(f, "ptefree mmapchurn, populate=write: in-KVM faults per page", row,
			    rec_num(json_object_get(vcpu, "pf_taken")) / pages,
			    TARGET_FAULTS_PER_PAGE, "");
	}
}

void hv_paging_print(json_t *runs, FILE *f)
{
	size_t i;
	json_t *r;
	bool any = false;
	json_array_foreach(runs, i, r) any |= json_object_get(r, "hv_native") != NULL;
	if (any) {
		fprintf(f,
			"\nhv paging per call, us (hv-native: the hv's own code on host memory, no "
			"KVM; native Linux in the same process run)\n");
		print_table(f, runs, "forkstorm", "forkstorm", fork_columns,
			    sizeof fork_columns / sizeof fork_columns[0]);
		print_table(f, runs, "mmapchurn", "mmapchurn (1G window)", map_columns,
			    sizeof map_columns / sizeof map_columns[0]);
	}
	header_done = false;
	json_array_foreach(runs, i, r)
	{
		json_t *hv = json_object_get(r, "hv_native");
		json_t *values = json_object_get(r, "param_values");
		if (!hv || strcmp(rec_str(r, "workload"), "forkstorm") ||
		    rec_num(json_array_get(values, 0)) != TARGET_RSS_KIB)
			continue;
		char row[PARAMS_STR_MAX + 32];
		snprintf(row, sizeof row, "%s %s populate=%s", rec_str(r, "params"),
			 rec_str(hv, "fork_policy"), rec_str(hv, "populate"));
		target_line(f, "hv as_fork + as_destroy / native fork+exit+wait (1G)", row,
			    fork_destroy(hv, LARGE_WINDOW) / native_ns(hv, "fork_exit_wait"), 1.0,
			    "x");
		target_line(
		    f, "hv as_fork + as_destroy, window 64M vs 1G: change", row,
		    fabs(fork_destroy(hv, SMALL_WINDOW) / fork_destroy(hv, LARGE_WINDOW) - 1),
		    TARGET_WINDOW_CHANGE, "");
		if (!strcmp(rec_str(hv, "fork_policy"), "lazy"))
			target_line(f, "lazy COW service per page / native COW fault", row,
				    call_ns(hv, LARGE_WINDOW, "cow_page") /
					native_ns(hv, "cow_fault"),
				    TARGET_COW_RATIO, "x");
	}
	fault_targets(f, runs);
}
