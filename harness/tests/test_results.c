/* test_results.c: a quick native bench writes complete results, survives a failure, plots. */
/* Every required field is present and every run record is valid against the run-record
 * schema, a forced failure is recorded without stopping the run, the calibration is recorded
 * (or skipped) per KVM platform and printed by --summary, the results folder can be
 * plotted, and a cell of two threads gets its row and table. */
#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "record.h"
#include "test.h"

/* The matrix: one calibration workload, a point within the declared ranges that the workload
 * itself refuses (more pages to touch than rss_kib holds), a good point after it, and a
 * guest-only workload (skipped natively). */
#define WORKLOADS                                                                                  \
	"nullsys,forkstorm:rss_kib=4:touch_pages=16,forkstorm:rss_kib=64:touch_pages=2,kalloc"
#define BAD_POINT "rss_kib=4,touch_pages=16"
/* Cells: native, classic, ptefree and pvmmu host for each point, and for the two points of
 * forkstorm (which forks) ptefree host under both fork policies. */
#define NCELLS	   (4 * 4 + 2)
#define TSV_FIELDS 30

static const char *bench, *plot_sh, *schema_path;
static char dir[] = "/tmp/pagelab-test-results-XXXXXX";
static int bench_status;
static json_t *doc;

static json_t *get(json_t *o, const char *key)
{
	return json_object_get(o, key);
}

/* The run of workload w with params p on platform plat in mode m, under fork policy f (any
 * when NULL). */
static json_t *find_run(const char *w, const char *p, const char *plat, const char *m,
			const char *f)
{
	size_t i;
	json_t *r;
	json_array_foreach(get(doc, "runs"), i, r)
	{
		const char *asked = json_string_value(get(r, "fork_policy_requested"));
		if (!strcmp(json_string_value(get(r, "workload")), w) &&
		    !strcmp(json_string_value(get(r, "params")), p) &&
		    !strcmp(json_string_value(get(r, "platform")), plat) &&
		    !strcmp(json_string_value(get(r, "mode")), m) &&
		    (!f || (asked && !strcmp(asked, f))))
			return r;
	}
	return NULL;
}

static void test_schema(void)
{
	CHECK(doc != NULL, "results.json does not parse");
	if (!doc)
		return;
	CHECK(!strcmp(json_string_value(get(doc, "schema")) ?: "", "pagelab-results/2"), "schema");
	CHECK(json_is_true(get(doc, "complete")), "a finished run is marked complete");
	static const char *const ctx_fields[] = {"date",       "host",	     "kernel",
						 "cpu",	       "kvm_module", "mmu",
						 "git_commit", "compiler",   "cflags"};
	for (size_t i = 0; i < sizeof ctx_fields / sizeof ctx_fields[0]; i++)
		CHECK(get(get(doc, "context"), ctx_fields[i]), "context.%s missing", ctx_fields[i]);
	CHECK(json_array_size(get(doc, "runs")) == NCELLS, "%zu runs, expected %d",
	      json_array_size(get(doc, "runs")), NCELLS);

	static const char *const run_fields[] = {
	    "workload",	  "params", "param_values", "mode",   "fork_policy_requested",
	    "platform",	  "mmu",    "label",	    "status", "ok",
	    "fork_policy"};
	static const char *const measured[] = {
	    "iterations", "repetitions",      "warmup",	      "tsc_khz",	   "cycles",
	    "latency_ns", "kvm_stats_per_op", "exits_per_op", "hypercalls_per_op", "host_rss_kib",
	    "error"};
	static const char *const stats[] = {"min", "p10", "p50", "p90", "p99", "max", "mean"};
	size_t i;
	json_t *r;
	int nok = 0;
	json_array_foreach(get(doc, "runs"), i, r)
	{
		for (size_t f = 0; f < sizeof run_fields / sizeof run_fields[0]; f++)
			CHECK(get(r, run_fields[f]), "run %zu: %s missing", i, run_fields[f]);
		if (!json_is_true(get(r, "ok")))
			continue;
		nok++;
		for (size_t f = 0; f < sizeof measured / sizeof measured[0]; f++)
			CHECK(get(r, measured[f]), "run %zu: %s missing", i, measured[f]);
		for (size_t s = 0; s < sizeof stats / sizeof stats[0]; s++)
			CHECK(json_number_value(get(get(r, "latency_ns"), stats[s])) > 0,
			      "run %zu: latency_ns.%s", i, stats[s]);
		CHECK(json_array_size(get(r, "cycles")) ==
			  (size_t)json_integer_value(get(r, "repetitions")),
		      "run %zu: one cycles sample per repetition", i);
		CHECK(json_integer_value(get(r, "iterations")) >= 1, "run %zu: iterations", i);
		CHECK(get(get(r, "host_rss_kib"), "peak"), "run %zu: host_rss_kib.peak", i);
	}
	CHECK(nok >= 2, "only %d runs succeeded", nok);
}

/* Every run record, whatever its platform and status, has the one shape of
 * harness/run-record.schema.json; guest kernel instructions come with mmu pvm only. */
static void test_records_valid(void)
{
	char err[1024];
	json_t *schema = schema_load(schema_path, err, sizeof err);
	CHECK(schema != NULL, "%s", err);
	if (!schema)
		return;
	size_t i;
	json_t *r;
	json_array_foreach(get(doc, "runs"), i, r)
	{
		CHECK(schema_validate(schema, r, err, sizeof err) == 0, "run %zu (%s %s %s): %s", i,
		      json_string_value(get(r, "workload")), json_string_value(get(r, "mode")),
		      json_string_value(get(r, "platform")), err);
		bool pvm = !strcmp(json_string_value(get(r, "mmu")) ?: "", "pvm");
		bool counted = json_is_object(get(r, "kvm_stats_per_op"));
		CHECK(!get(r, "guest_kernel_insns_per_op") || pvm,
		      "run %zu: guest kernel instructions on mmu %s", i,
		      json_string_value(get(r, "mmu")));
		if (pvm && counted)
			CHECK(json_number_value(get(r, "guest_kernel_insns_per_op")) ==
				  json_number_value(get(get(get(r, "kvm_stats_per_op"), "vcpu"),
							"insn_emulation")),
			      "run %zu: on PVM, guest kernel instructions are insn_emulation", i);
	}
	json_decref(schema);
}

static void test_forced_failure(void)
{
	/* Only the bad point fails (natively, and on host where /dev/kvm exists), and the
	 * exit status says that some cells failed. */
	int failed = 0;
	size_t i;
	json_t *r;
	json_array_foreach(get(doc, "runs"), i, r)
	{
		if (strcmp(json_string_value(get(r, "status")), "failed"))
			continue;
		failed++;
		CHECK(!strcmp(json_string_value(get(r, "params")), BAD_POINT),
		      "unexpected failure: %s %s: %s", json_string_value(get(r, "workload")),
		      json_string_value(get(r, "params")), json_string_value(get(r, "error")));
	}
	CHECK(failed > 0 && bench_status == RC_CELLS, "bench exit status %d, %d failed cells",
	      bench_status, failed);
	json_t *bad = find_run("forkstorm", BAD_POINT, "native", "none", NULL);
	CHECK(bad != NULL, "the failing cell was not recorded");
	if (bad) {
		CHECK(!strcmp(json_string_value(get(bad, "status")), "failed"), "status");
		CHECK(json_is_false(get(bad, "ok")), "ok must be false");
		const char *err = json_string_value(get(bad, "error"));
		CHECK(err && strstr(err, "touch_pages"), "error should name the parameter: %s",
		      err ?: "(none)");
	}
	json_t *after = find_run("forkstorm", "rss_kib=64,touch_pages=2", "native", "none", NULL);
	CHECK(after && json_is_true(get(after, "ok")), "the cell after the failure did not run");
}

static void test_skips(void)
{
	json_t *k = find_run("kalloc", "size=64,count=16", "native", "none", NULL);
	CHECK(k && !strcmp(json_string_value(get(k, "status")), "skipped") &&
		  json_string_value(get(k, "reason")),
	      "a guest-only workload must be skipped natively, with the reason");
	json_t *h = find_run("nullsys", "", "host", "classic", NULL);
	CHECK(h != NULL, "host cell missing");
	if (h && access("/dev/kvm", F_OK) != 0)
		CHECK(!strcmp(json_string_value(get(h, "status")), "skipped") &&
			  strstr(json_string_value(get(h, "reason")) ?: "", "/dev/kvm"),
		      "without /dev/kvm, host cells are skipped and say why");
}

static void test_fork_policies(void)
{
	const char *fork64 = "rss_kib=64,touch_pages=2";
	json_t *lazy = find_run("forkstorm", fork64, "host", "ptefree", "lazy");
	json_t *copy = find_run("forkstorm", fork64, "host", "ptefree", "copy");
	CHECK(lazy && copy, "forkstorm in ptefree mode runs under both fork policies");
	if (copy)
		CHECK(strstr(json_string_value(get(copy, "label")), "ptefree/copy host"),
		      "the label names the policy: %s", json_string_value(get(copy, "label")));
	json_t *n = find_run("nullsys", "", "host", "ptefree", NULL);
	CHECK(n && !strcmp(json_string_value(get(n, "fork_policy_requested")) ?: "", "lazy"),
	      "a workload that never forks runs under the first policy only");
	json_t *classic = find_run("nullsys", "", "host", "classic", NULL);
	CHECK(classic && json_is_null(get(classic, "fork_policy_requested")),
	      "classic cells ask for no fork policy");
	json_t *pv = find_run("forkstorm", fork64, "host", "pvmmu", NULL);
	CHECK(pv && json_is_null(get(pv, "fork_policy_requested")), "pvmmu cells, no fork policy");
	if (pv && json_is_true(get(pv, "ok")))
		CHECK(json_is_object(get(pv, "pvmmu_per_op")) &&
			  json_is_string(get(pv, "pv_apply")),
		      "a pvmmu run records its page-table updates per op and how they applied");
	/* Where the hv ran, the record says which policy it used. */
	if (copy && json_is_true(get(copy, "ok")))
		CHECK(!strcmp(json_string_value(get(copy, "fork_policy")) ?: "", "copy") &&
			  json_is_object(get(copy, "hv_paging_per_op")),
		      "a ptefree run records the policy that ran and the hv's paging counts");
}

/* The hypercall calibration: absent when no platform has KVM (native alone), else one entry
 * per KVM platform, skipped with the reason where it cannot run. */
static void test_calibration(void)
{
	json_t *cal = get(doc, "calibration");
	if (!cal)
		return;
	CHECK(json_is_array(cal), "calibration is an array");
	size_t i;
	json_t *c;
	json_array_foreach(cal, i, c)
	{
		const char *status = json_string_value(get(c, "status")) ?: "";
		CHECK(json_string_value(get(c, "platform")), "calibration %zu: platform", i);
		CHECK(json_number_value(get(c, "target_ratio")) == 1.10,
		      "calibration %zu: target_ratio", i);
		if (!strcmp(status, "ok")) {
			CHECK(json_number_value(get(c, "bare_kvm_run_ns")) > 0 &&
				  json_number_value(get(c, "hv_hypercall_ns")) > 0 &&
				  json_number_value(get(c, "ratio")) > 0 &&
				  json_is_boolean(get(c, "target_met")),
			      "calibration %zu: times, ratio and verdict", i);
		} else {
			CHECK(!strcmp(status, "skipped")
				  ? json_string_value(get(c, "reason")) != NULL
				  : json_string_value(get(c, "error")) != NULL,
			      "calibration %zu: %s without its reason", i, status);
		}
		if (!strcmp(json_string_value(get(c, "platform")) ?: "", "host") &&
		    access("/dev/kvm", F_OK) != 0)
			CHECK(!strcmp(status, "skipped") &&
				  strstr(json_string_value(get(c, "reason")) ?: "", "/dev/kvm"),
			      "without /dev/kvm, the host calibration is skipped and says why");
	}
}

/* Runs bench --summary on a results folder holding only the made-up document fake (taken);
 * its output comes through the returned pipe, NULL on failure. */
static FILE *summary_of(json_t *fake, char *sdir)
{
	char path[128], cmd[512];
	CHECK(mkdtemp(sdir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/results.json", sdir);
	CHECK(fake && json_dump_file(fake, path, 0) == 0, "writing %s", path);
	json_decref(fake);
	snprintf(cmd, sizeof cmd, "%s --summary %s", bench, sdir);
	FILE *p = popen(cmd, "r");
	CHECK(p != NULL, "%s", cmd);
	return p;
}

/* The summary's exit status, and the folder removed. */
static void summary_done(FILE *p, const char *sdir)
{
	char cmd[512];
	CHECK(pclose(p) == 0, "bench --summary %s failed", sdir);
	snprintf(cmd, sizeof cmd, "rm -rf %s", sdir);
	system(cmd);
}

/* bench --summary prints the calibration table of a results file (made up here). */
static void test_calibration_summary(void)
{
	char sdir[] = "/tmp/pagelab-test-summary-XXXXXX", line[512];
	FILE *p = summary_of(
	    json_pack("{s:s, s:b, s:{}, s:[], s:[{s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:b, s:n}, "
		      "{s:s, s:s, s:n, s:f, s:f, s:f, s:f, s:b, s:f}, {s:s, s:s, s:s}]}",
		      "schema", "pagelab-results/2", "complete", 1, "context", "runs",
		      "calibration", "platform", "lab-npt", "status", "ok", "time_note",
		      "emulated time", "bare_kvm_run_ns", 61234.5, "hv_hypercall_ns", 64296.2,
		      "ratio", 1.05, "target_ratio", 1.10, "target_met", 1, "in_kvm_exit_ns",
		      "platform", "host", "status", "ok", "time_note", "bare_kvm_run_ns", 1000.0,
		      "hv_hypercall_ns", 1250.0, "ratio", 1.25, "target_ratio", 1.10, "target_met",
		      0, "in_kvm_exit_ns", 310.0, "platform", "lab-shadow", "status", "skipped",
		      "reason", "no /dev/kvm in the VM"),
	    sdir);
	if (!p)
		return;
	bool heading = false, npt = false, host = false, shadow = false, note = false;
	while (fgets(line, sizeof line, p)) {
		heading |= strstr(line, "Hypercall calibration") != NULL;
		npt |= !strncmp(line, "lab-npt*", 8) && strstr(line, "61234.5") &&
		       strstr(line, "64296.2") && strstr(line, "1.050") && strstr(line, "yes") &&
		       strstr(line, " -");
		host |= !strncmp(line, "host ", 5) && strstr(line, "1.250") && strstr(line, "no") &&
			strstr(line, "310.0");
		shadow |= !strncmp(line, "lab-shadow", 10) &&
			  strstr(line, "skipped: no /dev/kvm in the VM");
		note |= !strncmp(line, "* lab-npt: emulated time", 24);
	}
	summary_done(p, sdir);
	CHECK(heading, "no calibration heading");
	CHECK(npt, "the lab-npt row (marked emulated, in-KVM unknown)");
	CHECK(host, "the host row (target missed)");
	CHECK(shadow, "the skipped row with its reason");
	CHECK(note, "the note on emulated time");
}

/* bench --summary prints guest kernel instructions per op for runs that have them (PVM), in
 * their series' column, and no such table for runs without (made-up results). */
static void test_kernel_insns_summary(void)
{
	char sdir[] = "/tmp/pagelab-test-insns-XXXXXX", path[128], cmd[512], line[512];
	CHECK(mkdtemp(sdir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/results.json", sdir);
	json_t *fake =
	    json_pack("{s:s, s:b, s:{}, s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:{s:f}}, "
		      "{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:f}}]}",
		      "schema", "pagelab-results/2", "complete", 1, "context", "runs", "workload",
		      "nullsys", "params", "", "mode", "classic", "platform", "host", "mmu", "pvm",
		      "status", "ok", "guest_kernel_insns_per_op", 1234.5, "latency_ns", "p50",
		      5000.0, "workload", "nullsys", "params", "", "mode", "ptefree", "platform",
		      "lab-npt", "mmu", "npt", "status", "ok", "latency_ns", "p50", 7000.0);
	CHECK(fake && json_dump_file(fake, path, 0) == 0, "writing %s", path);
	json_decref(fake);
	snprintf(cmd, sizeof cmd, "%s --summary %s", bench, sdir);
	FILE *p = popen(cmd, "r");
	CHECK(p != NULL, "%s", cmd);
	if (!p)
		return;
	bool heading = false, in_table = false, row = false, lab_column = false;
	while (fgets(line, sizeof line, p)) {
		if (isupper(
			(unsigned char)line[0])) /* a table's heading; workloads are lower case */
			in_table = strstr(line, "Guest kernel instructions per operation") != NULL;
		heading |= in_table;
		row |= in_table && !strncmp(line, "  (no parameters)", 17) && strstr(line, "1234");
		lab_column |= in_table && strstr(line, "lab-npt");
	}
	summary_done(p, sdir);
	CHECK(heading, "no guest kernel instructions table");
	CHECK(row, "the classic host (PVM) run's 1234.5 instructions per op");
	CHECK(!lab_column, "a column for a platform without guest kernel instruction counts");
}

static void test_tsv(void)
{
	char path[128], line[4096];
	snprintf(path, sizeof path, "%s/results.tsv", dir);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL, "%s", path);
	if (!f)
		return;
	int rows = 0, bad = 0;
	while (fgets(line, sizeof line, f)) {
		int tabs = 0;
		for (char *p = line; *p; p++)
			tabs += *p == '\t';
		bad += tabs != TSV_FIELDS - 1;
		rows++;
	}
	fclose(f);
	CHECK(rows == 1 + NCELLS, "%d rows", rows);
	CHECK(bad == 0, "%d rows without %d columns", bad, TSV_FIELDS);
}

static bool nonempty(const char *name)
{
	char path[256];
	struct stat st;
	snprintf(path, sizeof path, "%s/plots/%s", dir, name);
	return stat(path, &st) == 0 && st.st_size > 0;
}

static void test_plots(void)
{
	REQUIRE(system("command -v gnuplot >/dev/null 2>&1") == 0, "gnuplot is not installed");
	char cmd[512];
	snprintf(cmd, sizeof cmd, "sh %s %s %s/plots >%s/plot.log 2>&1", plot_sh, dir, dir, dir);
	CHECK(system(cmd) == 0, "%s", cmd);
	static const char *const figures[] = {"latency-nullsys.png", "latency-nullsys.svg",
					      "latency-forkstorm.png", "kernel-insns.png",
					      "kernel-insns.svg"};
	for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
		CHECK(nonempty(figures[i]), "%s/plots/%s missing or empty", dir, figures[i]);
	/* exits per workload where a KVM platform ran here, else one placeholder figure */
	CHECK(nonempty("exits-nullsys.png") || nonempty("exits.png"),
	      "%s/plots: neither exits-nullsys.png nor exits.png", dir);
}

/* Bad names in any option: exit status 2, and a message that lists the valid ones. */
/* A cell of two threads: natively with two threads, on the host with two vCPUs (or skipped,
 * saying why, by an hv of one vCPU); its row in concurrency.tsv and the concurrency table. */
static void test_concurrency(void)
{
	char cdir[] = "/tmp/pagelab-test-conc-XXXXXX", cmd[512], path[160], line[1024];
	CHECK(mkdtemp(cdir) != NULL, "mkdtemp");
	snprintf(cmd, sizeof cmd,
		 "%s --quick --reps 2 --platforms native,host --modes classic --workloads "
		 "shootdown:threads=2 --out %s >%s/log 2>&1",
		 bench, cdir, cdir);
	CHECK(system(cmd) == 0, "%s", cmd);
	snprintf(path, sizeof path, "%s/results.json", cdir);
	json_t *d = json_load_file(path, 0, NULL), *r;
	size_t i;
	bool native_ok = false, host_seen = false;
	json_array_foreach(get(d, "runs"), i, r)
	{
		const char *plat = json_string_value(get(r, "platform"));
		const char *status = json_string_value(get(r, "status"));
		if (!strcmp(plat, "native"))
			native_ok = !strcmp(status, "ok");
		if (strcmp(plat, "host"))
			continue;
		host_seen = true;
		const char *why = json_string_value(get(r, "reason")) ?: "";
		if (!strcmp(status, "skipped"))
			CHECK(strstr(why, "/dev/kvm") || strstr(why, "--cpus"),
			      "the host cell is skipped without its reason: %s", why);
		else
			CHECK(!strcmp(status, "ok") &&
				  json_array_size(get(get(r, "smp_per_op"), "exits_by_vcpu")) == 2,
			      "the host cell of two threads: %s, exits of %zu vCPUs", status,
			      json_array_size(get(get(r, "smp_per_op"), "exits_by_vcpu")));
	}
	CHECK(native_ok && host_seen, "native ok %d, host cell %d", native_ok, host_seen);
	json_decref(d);
	snprintf(path, sizeof path, "%s/concurrency.tsv", cdir);
	FILE *f = fopen(path, "r");
	bool row = false;
	while (f && fgets(line, sizeof line, f))
		row |= !strncmp(line, "shootdown\tthreads=2,pages=1,mprotect=0\tnative", 45) &&
		       strstr(line, "\tthreads\t2\t");
	if (f)
		fclose(f);
	CHECK(row, "no native row of two threads in %s", path);
	snprintf(cmd, sizeof cmd, "%s --summary %s | grep -q '^Concurrency: per operation'", bench,
		 cdir);
	CHECK(system(cmd) == 0, "no concurrency table in the summary of %s", cdir);
	if (!test_failures) {
		snprintf(cmd, sizeof cmd, "rm -rf %s", cdir);
		system(cmd);
	}
}

static void test_usage_errors(void)
{
	static const struct {
		const char *args, *says;
	} bad[] = {
	    {"--platforms nosuch", "native"},
	    {"--modes nosuch", "classic, ptefree, pvmmu"},
	    {"--fork-policies nosuch", "copy, lazy"},
	    {"--workloads nosuch", "forkstorm"},
	    {"--workloads forkstorm:bogus=1", "rss_kib"},
	    {"--trace-method nosuch", "auto, perf, tracefs"},
	    {"--trace-method perf,tracefs", "one of auto, perf, tracefs"},
	    {"--reps x", "--reps"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char cmd[1024], err[2048] = "";
		snprintf(cmd, sizeof cmd, "%s %s --out %s/usage >/dev/null 2>%s/usage.err", bench,
			 bad[i].args, dir, dir);
		int st = system(cmd);
		snprintf(cmd, sizeof cmd, "%s/usage.err", dir);
		FILE *f = fopen(cmd, "r");
		size_t n = f ? fread(err, 1, sizeof err - 1, f) : 0;
		err[n] = '\0';
		if (f)
			fclose(f);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 2, "bench %s: status %d, expected 2",
		      bad[i].args, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		CHECK(strstr(err, bad[i].says), "bench %s: says '%s', not '%s'", bad[i].args, err,
		      bad[i].says);
	}
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: test_results BENCH PLOT_SH RUN_RECORD_SCHEMA\n");
		return 2;
	}
	bench = argv[1], plot_sh = argv[2], schema_path = argv[3];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "%s --quick --reps 2 --platforms native,host --workloads %s --out %s >%s/log",
		 bench, WORKLOADS, dir, dir);
	int st = system(cmd);
	bench_status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	char path[128];
	snprintf(path, sizeof path, "%s/results.json", dir);
	doc = json_load_file(path, 0, NULL);

	RUN_TEST(test_schema);
	if (doc) {
		RUN_TEST(test_records_valid);
		RUN_TEST(test_forced_failure);
		RUN_TEST(test_skips);
		RUN_TEST(test_fork_policies);
		RUN_TEST(test_calibration);
		RUN_TEST(test_tsv);
	}
	RUN_TEST(test_calibration_summary);
	RUN_TEST(test_kernel_insns_summary);
	RUN_TEST(test_usage_errors);
	RUN_TEST(test_concurrency);
	RUN_TEST(test_plots);
	json_decref(doc);
	if (!test_failures) {
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		system(cmd);
	} else {
		printf("(bench output and results kept in %s)\n", dir);
	}
	TEST_EXIT();
}
