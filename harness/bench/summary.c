/* summary.c: the table printed at the end of a run: per workload, one row per parameter
 * point, one column per mode x platform, median latency per op and its ratio to native. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "bench.h"

#define COL_WIDTH 20

static const char *str(json_t *r, const char *key)
{
	const char *s = json_string_value(json_object_get(r, key));
	return s ? s : "";
}

/* "mode platform", or the platform alone where modes do not apply; a "*" marks platforms
 * whose times are distorted (explained under the table). */
static void column_name(json_t *r, char *buf, size_t len)
{
	const char *mark = str(r, "time_note")[0] ? "*" : "";
	if (strcmp(str(r, "mode"), "none") == 0)
		snprintf(buf, len, "%s%s", str(r, "platform"), mark);
	else
		snprintf(buf, len, "%s %s%s", str(r, "mode"), str(r, "platform"), mark);
}

static void human_ns(double ns, char *buf, size_t len)
{
	if (ns >= 1e6)
		snprintf(buf, len, "%.3g ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.3g us", ns / 1e3);
	else
		snprintf(buf, len, "%.3g ns", ns);
}

static double p50(json_t *r)
{
	json_t *v = json_object_get(json_object_get(r, "latency_ns"), "p50");
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The run of workload w at params in column col, or NULL. */
static json_t *find_run(json_t *runs, const char *w, const char *params, const char *col)
{
	size_t i;
	json_t *r;
	char name[64];
	json_array_foreach(runs, i, r)
	{
		column_name(r, name, sizeof name);
		if (!strcmp(str(r, "workload"), w) && !strcmp(str(r, "params"), params) &&
		    !strcmp(name, col))
			return r;
	}
	return NULL;
}

/* What a table shows: median latency (with ratios to native where time is real), or exits
 * per operation (exact on every platform, emulated or not). */
enum table { LATENCY, EXITS };

/* Exits per op of r in all (to the hv and in KVM), NAN when r has no exit counts. */
static double exits(json_t *r)
{
	json_t *by_reason = json_object_get(r, "exits_per_op"), *v;
	const char *k;
	double sum = 0;
	if (!json_is_object(by_reason))
		return NAN;
	json_object_foreach(by_reason, k, v) sum += json_number_value(v);
	return sum;
}

static void print_cell(FILE *f, enum table t, json_t *r, json_t *native)
{
	char text[64] = "-", ns[32];
	const char *status = r ? str(r, "status") : "";
	if (r && !strcmp(status, "ok") && t == EXITS) {
		snprintf(text, sizeof text, "%.3g", exits(r));
	} else if (r && !strcmp(status, "ok")) {
		human_ns(p50(r), ns, sizeof ns);
		/* a ratio of a distorted time to a real one would mean nothing */
		double base = native && !str(r, "time_note")[0] ? p50(native) : NAN;
		if (r != native && base > 0)
			snprintf(text, sizeof text, "%s x%.3g", ns, p50(r) / base);
		else
			snprintf(text, sizeof text, "%s", ns);
	} else if (r) {
		snprintf(text, sizeof text, "%s", !strcmp(status, "failed") ? "FAILED" : "skipped");
	}
	fprintf(f, "%-*s", COL_WIDTH, text);
}

/* One block of a table: the rows (parameter points) and columns of workload w. The exits
 * table has only the columns that counted exits. */
static void print_workload(FILE *f, enum table t, json_t *runs, const char *w)
{
	json_t *cols = json_array(), *points = json_array(), *r, *col, *point;
	char name[64];
	size_t i, c;
	json_array_foreach(runs, i, r)
	{
		if (strcmp(str(r, "workload"), w))
			continue;
		json_add_unique(points, str(r, "params"));
		column_name(r, name, sizeof name);
		if (t == LATENCY || !isnan(exits(r)))
			json_add_unique(cols, name);
	}
	if (json_array_size(cols) > 0) {
		int width = 26; /* the parameter column fits the longest point */
		json_array_foreach(points, i, point) if ((int)json_string_length(point) + 2 > width)
		    width = (int)json_string_length(point) + 2;
		fprintf(f, "\n%-*s", width + 2, w);
		json_array_foreach(cols, c, col)
		    fprintf(f, "%-*s", COL_WIDTH, json_string_value(col));
		fputc('\n', f);
		json_array_foreach(points, i, point)
		{
			const char *params = json_string_value(point);
			fprintf(f, "  %-*s", width, params[0] ? params : "(no parameters)");
			json_t *native = find_run(runs, w, params, "native");
			json_array_foreach(cols, c, col) print_cell(
			    f, t, find_run(runs, w, params, json_string_value(col)), native);
			fputc('\n', f);
		}
	}
	json_decref(cols);
	json_decref(points);
}

/* Notes under the table: failures grouped by column and error, skip reasons with their
 * counts, and which platforms' times are distorted. */
static void print_notes(FILE *f, json_t *runs)
{
	json_t *notes = json_object(), *first = json_object();
	size_t i;
	json_t *r;
	char name[64], key[1024], cell[PARAMS_STR_MAX + 64];
	json_array_foreach(runs, i, r)
	{
		column_name(r, name, sizeof name);
		const char *status = str(r, "status"), *note = str(r, "time_note");
		if (note[0]) { /* explains the "*" of the column, whatever its cells did */
			snprintf(key, sizeof key, "* %s: %s; compare its counts, not its times",
				 str(r, "platform"), note);
			json_object_set_new(notes, key, json_null());
		}
		if (!strcmp(status, "failed"))
			snprintf(key, sizeof key, "FAILED on %s: %s", name, str(r, "error"));
		else if (!strcmp(status, "skipped"))
			snprintf(key, sizeof key, "skipped on %s: %s", str(r, "platform"),
				 str(r, "reason"));
		else
			continue;
		json_t *n = json_object_get(notes, key);
		json_object_set_new(notes, key, json_integer(json_integer_value(n) + 1));
		if (!n) {
			snprintf(cell, sizeof cell, "%s%s%s", str(r, "workload"),
				 str(r, "params")[0] ? " " : "", str(r, "params"));
			json_object_set_new(first, key, json_string(cell));
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
				(long long)json_integer_value(v), str(first, k));
	}
	json_decref(notes);
	json_decref(first);
}

void summary_print(json_t *runs, FILE *f)
{
	json_t *workloads = json_array(), *w;
	size_t i;
	json_t *r;
	bool any_exits = false;
	json_array_foreach(runs, i, r)
	{
		json_add_unique(workloads, str(r, "workload"));
		any_exits |= !isnan(exits(r));
	}
	fprintf(f, "\nSummary: median latency per operation (xN: ratio to native)\n");
	json_array_foreach(workloads, i, w) print_workload(f, LATENCY, runs, json_string_value(w));
	if (any_exits) {
		fprintf(f,
			"\nExits per operation (to the hv and in KVM; exact on every platform)\n");
		json_array_foreach(workloads, i, w)
		    print_workload(f, EXITS, runs, json_string_value(w));
	}
	json_decref(workloads);
	fputc('\n', f);
	print_notes(f, runs);
}
