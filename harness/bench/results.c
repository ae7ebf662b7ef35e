/* results.c: writes results.json, results.tsv, exits.tsv, trace-exits.tsv, hvnative.tsv and
 * concurrency.tsv atomically. */
/* Each file goes through record/output.c: readers never see half a file, only a regular file
 * (or nothing) is replaced, and a failure leaves no temporary file behind. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bench.h"

/* Opens dir/name for writing through a temporary file (output_open); finish() puts it in place. */
static FILE *start(const char *dir, const char *name, struct output *o)
{
	char path[4096], err[4096 + 256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (output_open(path, o, err, sizeof err) != RC_OK)
		die_io("%s", err);
	return o->f;
}

static void finish(struct output *o)
{
	char err[4096 + 256];
	if (output_commit(o, err, sizeof err) != RC_OK)
		die_io("%s", err);
}

/* A string field fit for one TSV cell: tabs and newlines become spaces, empty becomes "-". */
static void put_text(FILE *f, const char *s)
{
	if (!s || !s[0]) {
		fputs("-", f);
		return;
	}
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

static void put_num(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else
		fprintf(f, "%.6g", v);
}

/* One row per run; p1..p4 are the parameter values in declared order, for plotting. Folders
 * written before the lab clock end at note: --check takes those columns as the header's start. */
#define RUNS_TSV_COLUMNS                                                                           \
	"workload\tparams\tmode\tplatform\tmmu\tlabel\tstatus\tp1\tp2\tp3\tp4\titerations\t"       \
	"repetitions\tmin_ns\tp10_ns\tp50_ns\tp90_ns\tp99_ns\tmax_ns\texits_per_op\t"              \
	"hypercalls_per_op\thost_rss_peak_kib\thost_rss_after_kib\tfork_policy\t"                  \
	"hv_pages_copied_per_op\tguest_kernel_insns_per_op\tpv_updates_per_op\t"                   \
	"pv_ops_per_batch\tnote"
#define RUNS_TSV_HEADER RUNS_TSV_COLUMNS "\ttime_unit"

static void write_runs_tsv(FILE *f, json_t *runs)
{
	static const char *const lat[] = {"min", "p10", "p50", "p90", "p99", "max"};
	fputs(RUNS_TSV_HEADER "\n", f);
	size_t i;
	json_t *r;
	json_array_foreach(runs, i, r)
	{
		const char *cols[] = {"workload", "params", "mode",  "platform",
				      "mmu",	  "label",  "status"};
		for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
			put_text(f, rec_str(r, cols[c]));
			fputc('\t', f);
		}
		json_t *values = json_object_get(r, "param_values");
		for (size_t p = 0; p < WL_MAX_PARAMS; p++) {
			put_num(f, rec_num(json_array_get(values, p)));
			fputc('\t', f);
		}
		put_num(f, rec_num(json_object_get(r, "iterations")));
		fputc('\t', f);
		put_num(f, rec_num(json_object_get(r, "repetitions")));
		json_t *stats = json_object_get(r, "latency_ns");
		for (size_t s = 0; s < sizeof lat / sizeof lat[0]; s++) {
			fputc('\t', f);
			put_num(f, rec_num(json_object_get(stats, lat[s])));
		}
		json_t *rss = json_object_get(r, "host_rss_kib");
		double nums[] = {rec_exits(r), rec_hypercalls(r),
				 rec_num(json_object_get(rss, "peak")),
				 rec_num(json_object_get(rss, "after"))};
		for (size_t n = 0; n < sizeof nums / sizeof nums[0]; n++) {
			fputc('\t', f);
			put_num(f, nums[n]);
		}
		fputc('\t', f);
		put_text(f, rec_str(r, "fork_policy")); /* the policy that ran */
		fputc('\t', f);
		put_num(f, rec_pages_copied(r));
		fputc('\t', f);
		put_num(f, rec_kernel_insns(r));
		fputc('\t', f);
		put_num(f, rec_pv_updates(r));
		fputc('\t', f);
		put_num(f, rec_num(json_object_get(json_object_get(r, "pvmmu_per_op"),
						   "ops_per_batch")));
		fputc('\t', f);
		/* why a cell failed or was skipped */
		put_text(f, rec_str(r, "error")[0] ? rec_str(r, "error") : rec_str(r, "reason"));
		fputc('\t', f);
		put_text(f, rec_time_unit(r)); /* what the _ns columns count */
		fputc('\n', f);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The exits-by-reason object of run r: "exits_per_op", or with trace, the one of the
 * --trace pass. */
static json_t *exits_of(json_t *r, bool trace)
{
	return trace ? json_object_get(json_object_get(r, "trace"), "exits_per_op")
		     : json_object_get(r, "exits_per_op");
}

/* Exits per op by reason: one row per run that has them, one column per reason seen in any
 * run (0 where a run had none), for stacked bars. */
static void write_exits_tsv(FILE *f, json_t *runs, bool trace)
{
	json_t *seen = json_object();
	size_t i;
	json_t *r;
	const char *k;
	json_t *v;
	json_array_foreach(runs, i, r)
	{
		json_object_foreach(exits_of(r, trace), k, v) json_object_set(seen, k, json_true());
	}
	size_t n = json_object_size(seen), j = 0;
	const char **reasons = calloc(n + 1, sizeof *reasons);
	if (!reasons)
		die("calloc");
	json_object_foreach(seen, k, v) reasons[j++] = k;
	qsort(reasons, n, sizeof *reasons, cmp_str);

	fputs("workload\tparams\tlabel", f);
	for (j = 0; j < n; j++)
		fprintf(f, "\t%s", reasons[j]);
	fputc('\n', f);
	json_array_foreach(runs, i, r)
	{
		json_t *exits = exits_of(r, trace);
		if (json_object_size(exits) == 0)
			continue;
		put_text(f, rec_str(r, "workload"));
		fputc('\t', f);
		put_text(f, rec_str(r, "params"));
		fputc('\t', f);
		/* counts are exact on every platform: no time note in these labels */
		char series[128];
		rec_series(r, series, sizeof series);
		put_text(f, series);
		for (j = 0; j < n; j++) {
			fputc('\t', f);
			json_t *e = json_object_get(exits, reasons[j]);
			fprintf(f, "%.6g", e ? json_number_value(e) : 0.0);
		}
		fputc('\n', f);
	}
	free(reasons);
	json_decref(seen);
}

int results_write(const char *dir, json_t *doc)
{
	struct output o;
	FILE *f = start(dir, "results.json", &o);
	if (json_dumpf(doc, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9))) {
		output_abort(&o);
		die_io("writing %s", o.tmp);
	}
	fputc('\n', f);
	finish(&o);

	json_t *runs = json_object_get(doc, "runs");
	write_runs_tsv(start(dir, "results.tsv", &o), runs);
	finish(&o);
	write_exits_tsv(start(dir, "exits.tsv", &o), runs, false);
	finish(&o);
	write_exits_tsv(start(dir, "trace-exits.tsv", &o), runs, true);
	finish(&o);
	hv_paging_write_tsv(start(dir, "hvnative.tsv", &o), runs);
	finish(&o);
	concurrency_write_tsv(start(dir, "concurrency.tsv", &o), runs);
	finish(&o);
	return 0;
}

/* The TSV files of a results folder, each with the start of its header line. */
static const struct {
	const char *name, *header;
} tsv_files[] = {{"results.tsv", RUNS_TSV_COLUMNS},
		 {"exits.tsv", "workload\tparams\tlabel"},
		 {"trace-exits.tsv", "workload\tparams\tlabel"},
		 {"hvnative.tsv", "operation\t"},
		 {"concurrency.tsv", "workload\tparams\tlabel\t"}};

/* Checks one TSV file: its header, every row as many fields as the header; its rows counted
 * into *rows. 0, or -1 with the reason and the exit status. */
static int check_tsv(const char *dir, const char *name, const char *header, size_t *rows, char *err,
		     size_t len, int *rc)
{
	char path[4096], *line = NULL;
	size_t cap = 0, fields = 0;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, len, "cannot read %s: %s", path, strerror(errno));
		*rc = RC_IO;
		return -1;
	}
	*rows = 0;
	const char *bad = NULL;
	for (ssize_t n; !bad && (n = getline(&line, &cap, f)) >= 0;) {
		size_t tabs = 0;
		for (ssize_t i = 0; i < n; i++)
			tabs += line[i] == '\t';
		if (n == 0 || line[n - 1] != '\n')
			bad = "a line without its end (truncated)";
		else if (!fields && strncmp(line, header, strlen(header)))
			bad = "not the header this bench writes";
		else if (fields && tabs + 1 != fields)
			bad = "a row whose fields do not match the header";
		*rows += fields > 0;
		if (!fields)
			fields = tabs + 1;
	}
	if (!bad && ferror(f))
		bad = "a read error";
	else if (!bad && !fields)
		bad = "no header (the file is empty)";
	free(line);
	fclose(f);
	if (bad) {
		snprintf(err, len, "%s: %s", path, bad);
		*rc = RC_USAGE;
	}
	return bad ? -1 : 0;
}

void results_check_targets(const char *dir)
{
	struct stat st;
	char path[4096];
	for (size_t i = 0; i <= sizeof tsv_files / sizeof tsv_files[0]; i++) {
		const char *name = i ? tsv_files[i - 1].name : "results.json";
		snprintf(path, sizeof path, "%s/%s", dir, name);
		if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			errno = EEXIST;
			die_io("%s is no regular file; nothing was written", path);
		}
	}
}

int results_check_tsv(const char *dir, size_t nruns, char *err, size_t len, int *rc)
{
	for (size_t i = 0; i < sizeof tsv_files / sizeof tsv_files[0]; i++) {
		size_t rows;
		if (check_tsv(dir, tsv_files[i].name, tsv_files[i].header, &rows, err, len, rc) < 0)
			return -1;
		if (i == 0 && rows != nruns) {
			snprintf(err, len,
				 "%s/results.tsv: %zu rows for the %zu runs of results.json", dir,
				 rows, nruns);
			*rc = RC_USAGE;
			return -1;
		}
	}
	return 0;
}
