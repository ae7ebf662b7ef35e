/* summary.c: the table printed at the end of a run: per workload, one row per parameter
 * point, one column per mode x platform, median latency per op and its ratio to native. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "bench.h"

#define COL_WIDTH 20

static const char *str(json_t *r, const char *key)
{
	const char *s = json_string_value(json_object_get(r, key));
	return s ? s : "";
}

static void column_name(json_t *r, char *buf, size_t len)
{
	if (strcmp(str(r, "mode"), "none") == 0)
		snprintf(buf, len, "%s", str(r, "platform"));
	else
		snprintf(buf, len, "%s %s", str(r, "mode"), str(r, "platform"));
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

static void print_cell(FILE *f, json_t *r, json_t *native)
{
	char text[64] = "-", t[32];
	const char *status = r ? str(r, "status") : "";
	if (r && !strcmp(status, "ok")) {
		human_ns(p50(r), t, sizeof t);
		double base = native ? p50(native) : NAN;
		if (r != native && base > 0)
			snprintf(text, sizeof text, "%s x%.3g", t, p50(r) / base);
		else
			snprintf(text, sizeof text, "%s", t);
	} else if (r) {
		snprintf(text, sizeof text, "%s", !strcmp(status, "failed") ? "FAILED" : "skipped");
	}
	fprintf(f, "%-*s", COL_WIDTH, text);
}

/* Appends name to the string array list unless it is there already. */
static void add_unique(json_t *list, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) if (!strcmp(json_string_value(v), name)) return;
	json_array_append_new(list, json_string(name));
}

static void print_workload(FILE *f, json_t *runs, const char *w)
{
	json_t *cols = json_array(), *points = json_array(), *r, *col, *point;
	char name[64];
	size_t i, c;
	json_array_foreach(runs, i, r)
	{
		if (strcmp(str(r, "workload"), w))
			continue;
		column_name(r, name, sizeof name);
		add_unique(cols, name);
		add_unique(points, str(r, "params"));
	}
	int width = 26; /* the parameter column fits the longest point */
	json_array_foreach(points, i, point) if ((int)json_string_length(point) + 2 > width) width =
	    (int)json_string_length(point) + 2;
	fprintf(f, "\n%-*s", width + 2, w);
	json_array_foreach(cols, c, col) fprintf(f, "%-*s", COL_WIDTH, json_string_value(col));
	fputc('\n', f);
	json_array_foreach(points, i, point)
	{
		const char *params = json_string_value(point);
		fprintf(f, "  %-*s", width, params[0] ? params : "(no parameters)");
		json_t *native = find_run(runs, w, params, "native");
		json_array_foreach(cols, c, col)
		    print_cell(f, find_run(runs, w, params, json_string_value(col)), native);
		fputc('\n', f);
	}
	json_decref(cols);
	json_decref(points);
}

/* Notes under the table: every distinct skip reason and every failure with its error. */
static void print_notes(FILE *f, json_t *runs)
{
	json_t *reasons = json_object();
	size_t i;
	json_t *r;
	char name[64];
	json_array_foreach(runs, i, r)
	{
		column_name(r, name, sizeof name);
		if (!strcmp(str(r, "status"), "failed"))
			fprintf(f, "FAILED %s%s%s %s: %s\n", str(r, "workload"),
				str(r, "params")[0] ? " " : "", str(r, "params"), name,
				str(r, "error"));
		if (!strcmp(str(r, "status"), "skipped")) {
			char key[512];
			snprintf(key, sizeof key, "%s: %s", str(r, "platform"), str(r, "reason"));
			json_t *n = json_object_get(reasons, key);
			json_object_set_new(reasons, key, json_integer(json_integer_value(n) + 1));
		}
		const char *note = str(r, "time_note");
		if (note[0]) {
			snprintf(name, sizeof name, "time on %s: %s", str(r, "platform"), note);
			json_object_set_new(reasons, name, json_null());
		}
	}
	const char *k;
	json_t *v;
	json_object_foreach(reasons, k, v)
	{
		if (json_is_null(v))
			fprintf(f, "%s\n", k);
		else
			fprintf(f, "skipped %s (%lld cells)\n", k,
				(long long)json_integer_value(v));
	}
	json_decref(reasons);
}

void summary_print(json_t *runs, FILE *f)
{
	fprintf(f, "\nSummary: median latency per operation (xN = ratio to native)\n");
	json_t *workloads = json_array(), *w;
	size_t i;
	json_t *r;
	json_array_foreach(runs, i, r) add_unique(workloads, str(r, "workload"));
	json_array_foreach(workloads, i, w) print_workload(f, runs, json_string_value(w));
	json_decref(workloads);
	fputc('\n', f);
	print_notes(f, runs);
}
