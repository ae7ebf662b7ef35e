/* main.c: build/bench, the benchmark driver: options, the matrix, results and summary. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "matrix.h"
#include "proc.h"
#include "runner.h"

#define DAY_S 86400.0 /* the bound of every time option */

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: bench [options]\n"
	    "Runs the matrix workloads x modes x platforms x parameter sweeps and writes\n"
	    "results.json, results.tsv and exits.tsv into a results folder.\n\n"
	    "  --platforms LIST  comma-separated platforms (default: all; see --list)\n"
	    "  --modes LIST      the hv's modes (build/hv --list-modes; default: all)\n"
	    "  --vary OPTION=V1,V2,...  cells of each mode that takes the hv option OPTION\n"
	    "                    (build/hv --describe; without its dashes) run under each\n"
	    "                    value, e.g. pv-batch=1,512 or populate=none,write; several\n"
	    "                    --vary: every combination a mode takes (at most %d axes)\n"
	    "                    (default: the hv's defaults); fork-policy=... is\n"
	    "                    --fork-policies\n"
	    "  --fork-policies LIST  the hv's fork policies for the cells of the modes that\n"
	    "                    take --fork-policy (default: the hv's default first, then the\n"
	    "                    others); workloads that fork run under each, the others\n"
	    "                    under the first\n"
	    "  --populate LIST   the same as --vary populate=LIST\n"
	    "  --free-report LIST  the same as --vary free-report=LIST\n"
	    "  --workloads LIST  workload specs: NAME runs its default sweep,\n"
	    "                    NAME:k=v:k=v one point, NAME: the point of the defaults\n"
	    "                    (default: every workload)\n"
	    "  --reps N          measured repetitions per cell (default 5, quick 3)\n"
	    "  --budget S        target seconds per measured repetition (default 0.2,\n"
	    "                    quick 0.02; a quarter of that on a PVM host, whose times\n"
	    "                    are emulation); iterations are derived from it\n"
	    "  --timeout S       limit per process run (default 120 s)\n"
	    "  --max-op S        trim (record as skipped, with the time) a cell whose one\n"
	    "                    operation takes longer than S seconds (default 5, quick\n"
	    "                    1): keeps a run on a slow platform, such as a PVM host\n"
	    "                    that emulates the guest kernel, within minutes\n"
	    "  --out DIR         write the results into DIR, a folder without an earlier\n"
	    "                    run's results.json (default: results/<UTC stamp>-<host>;\n"
	    "                    results/latest points to it once the run is complete)\n"
	    "  --quick           small budgets and a reduced sweep\n"
	    "  --trace           after each measured cell, an untimed pass counting exits by\n"
	    "                    hardware exit reason (kvm:kvm_exit tracepoint, root) and\n"
	    "                    KVM's re-reads of guest page-table entries (a kprobe)\n"
	    "  --trace-method M  auto (perf kvm stat where perf can run, else the tracefs\n"
	    "                    histogram; the default), perf or tracefs\n"
	    "  --lab-clock C     what lab times count: instructions (the default: QEMU's\n"
	    "                    icount, 1 virtual ns per instruction executed, the same\n"
	    "                    loaded or not) or tcg (the emulator's wall time, which\n"
	    "                    moves with this machine's load: never a result)\n"
	    "  --split           lab platforms: after each measured cell, a marked pass whose\n"
	    "                    instructions per operation a QEMU plugin splits into guest,\n"
	    "                    host kernel, hv and other (harness/lab/insnsplit.c)\n"
	    "  --calibration-exits N  exits per round of the hypercall calibration that\n"
	    "                    follows the cells on each KVM platform (default: the hv's)\n"
	    "  --summary DIR     print the tables of an earlier results folder\n"
	    "  --check DIR       check that DIR holds a complete results folder that this\n"
	    "                    bench wrote (schema, complete flag, fields, TSV headers)\n"
	    "  --list            list platforms (and whether they can run here), modes,\n"
	    "                    workloads with their parameters, and the default sweeps\n"
	    "  --help            this text\n"
	    "Exit status (harness/README.md): 0 every cell ran (ok or skipped), 2 bad usage\n"
	    "(refused before any cell), 3 a host failure, 4 an input unreadable or an output\n"
	    "unwritable, 5 some cells failed, 6 interrupted (SIGINT, SIGTERM: the partial\n"
	    "results are kept, marked incomplete).\n",
	    VARY_MAX);
}

static void list_everything(void)
{
	printf("platforms:\n");
	for (int i = 0; platform_at(i); i++) {
		char why[BENCH_ERR_MAX] = "";
		int ok = platform_at(i)->available(why, sizeof why);
		printf("  %-10s %s%s\n", platform_at(i)->name,
		       ok ? "available" : "unavailable: ", ok ? "" : why);
	}
	printf("modes (the hv's; build/hv --describe lists their options, for --vary):\n");
	hv_modes_print(stdout);
	printf("workloads:\n");
	for (const struct workload *w = wl_first(); w; w = wl_next(w)) {
		printf("  %-10s %s%s\n", w->name, w->desc,
		       w->flags & WL_GUEST_ONLY ? " [guest only]" : "");
		for (int i = 0; i < wl_nparams(w); i++)
			printf("             %s=%ld (%ld..%ld) %s\n", w->params[i].name,
			       w->params[i].def, w->params[i].min, w->params[i].max,
			       w->params[i].help);
	}
	printf("default sweeps:\n");
	matrix_print_sweeps(stdout);
}

/* A finite number above 0 and at most max; integer: a whole one (in decimal). */
static double positive(const char *opt, const char *s, double max, bool integer)
{
	char *end;
	double v = strtod(s, &end);
	bool digits = strspn(s, "0123456789") == strlen(s);
	if (!s[0] || *end || !(v > 0) || !(v <= max) || (integer && !digits)) {
		fprintf(stderr, "bench: %s needs a%s number above 0 and at most %g, not '%s'\n",
			opt, integer ? " whole" : "", max, s);
		exit(RC_USAGE);
	}
	return v;
}

/* results/<UTC stamp>-<host>, created; results/latest points at it once it is complete. */
static void default_out_dir(char *dir, size_t len)
{
	struct utsname u;
	char stamp[32], name[160];
	time_t now = time(NULL);
	uname(&u);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
	snprintf(name, sizeof name, "%s-%s", stamp, u.nodename);
	if (mkdir("results", 0755) < 0 && errno != EEXIST)
		die_io("mkdir results");
	snprintf(dir, len, "results/%s", name);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		die_io("mkdir %s", dir);
}

/* results/latest -> dir (a folder of results/), through a new symlink (symlink() never
 * follows or replaces one planted under its name) renamed over it. */
static void point_latest(const char *dir)
{
	char tmp[64];
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int tries = 0; tries < 100; tries++) {
		snprintf(tmp, sizeof tmp, "results/.latest.%08lx", random());
		if (symlink(dir + strlen("results/"), tmp) == 0) {
			if (rename(tmp, "results/latest") == 0)
				return;
			unlink(tmp);
			break;
		}
		if (errno != EEXIST)
			break;
	}
	die_io("cannot point results/latest at %s", dir);
}

/* --out DIR: a folder (made if missing, not its parents) that holds no earlier run's
 * results.json (which the first write would replace); refused before anything runs. */
static void check_out_dir(const char *dir)
{
	struct stat st;
	char json[4200];
	snprintf(json, sizeof json, "%s/results.json", dir);
	if (!dir[0] || (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "bench: --out '%s' is no folder\n", dir);
		exit(RC_USAGE);
	}
	if (lstat(json, &st) == 0) {
		fprintf(stderr,
			"bench: --out '%s' holds the results of an earlier run; give a new "
			"folder, or remove it first\n",
			dir);
		exit(RC_USAGE);
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		die_io("mkdir %s", dir);
}

/* --summary and --check: the results folder dir as results_load accepts it (complete, of this
 * schema version, with the fields the tables read); --check (print false) also wants its TSV
 * files as this bench writes them (the plots read them), --summary prints its tables. The
 * exit status. */
static int saved_results(const char *dir, bool print)
{
	char err[1024];
	int rc;
	json_t *doc = results_load(dir, 0, err, sizeof err, &rc);
	if (doc && !print &&
	    results_check_tsv(dir, json_array_size(json_object_get(doc, "runs")), err, sizeof err,
			      &rc) < 0) {
		json_decref(doc);
		doc = NULL;
	}
	if (!doc) {
		fprintf(stderr, "bench: %s\n", err);
		return rc;
	}
	if (print)
		summary_print(doc, stdout);
	else
		printf("bench: %s holds complete results (%zu runs)\n", dir,
		       json_array_size(json_object_get(doc, "runs")));
	json_decref(doc);
	return fflush(stdout) || ferror(stdout) ? RC_IO : RC_OK;
}

int main(int argc, char **argv)
{
	static const char *const trace_methods[] = {"auto", "perf", "tracefs", NULL};
	static const struct option opts[] = {{"platforms", required_argument, 0, 'p'},
					     {"modes", required_argument, 0, 'm'},
					     {"fork-policies", required_argument, 0, 'f'},
					     {"populate", required_argument, 0, 'P'},
					     {"free-report", required_argument, 0, 'R'},
					     {"vary", required_argument, 0, 'V'},
					     {"workloads", required_argument, 0, 'w'},
					     {"reps", required_argument, 0, 'r'},
					     {"budget", required_argument, 0, 'b'},
					     {"timeout", required_argument, 0, 't'},
					     {"max-op", required_argument, 0, 'X'},
					     {"out", required_argument, 0, 'o'},
					     {"quick", no_argument, 0, 'q'},
					     {"list", no_argument, 0, 'l'},
					     {"help", no_argument, 0, 'h'},
					     {"trace", no_argument, 0, 'T'},
					     {"trace-method", required_argument, 0, 'M'},
					     {"split", no_argument, 0, 'Y'},
					     {"summary", required_argument, 0, 'S'},
					     {"check", required_argument, 0, 'K'},
					     {"calibration-exits", required_argument, 0, 'C'},
					     {"lab-clock", required_argument, 0, 'L'},
					     {0, 0, 0, 0}};
	struct matrix m = {0};
	struct budget b = {
	    .rep_s = 0, .reps = 0, .warmup = 1, .timeout_s = 120, .trace_method = "auto"};
	char *workloads = NULL, *out = NULL;
	bool quick = false;
	int o;
	/* The lists in the options are split in place: the context keeps the command as given. */
	char **command = calloc(argc + 1, sizeof *command);
	if (!command)
		die("calloc");
	for (int i = 0; i < argc; i++)
		if (!(command[i] = strdup(argv[i])))
			die("strdup");
	proc_stop_on_signals(); /* from here on, a signal stops the run in order */
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			select_platforms(&m, optarg);
			break;
		case 'm':
			select_modes(&m, optarg);
			break;
		case 'f':
			select_fork_policies(&m, optarg);
			break;
		case 'w':
			workloads = optarg;
			break;
		case 'P':
			add_vary(&m, "--populate", "populate", optarg);
			break;
		case 'R':
			add_vary(&m, "--free-report", "free-report", optarg);
			break;
		case 'V': {
			char *eq = strchr(optarg, '=');
			if (!eq) {
				fprintf(stderr,
					"bench: --vary takes OPTION=V1,V2,... (an hv option "
					"without its dashes), not '%s'\n",
					optarg);
				return RC_USAGE;
			}
			*eq = '\0';
			add_vary(&m, "--vary", optarg, eq + 1);
			break;
		}
		case 'r':
			b.reps = (int)positive("--reps", optarg, HC_MAX_SAMPLES, true);
			break;
		case 'b':
			b.rep_s = positive("--budget", optarg, DAY_S, false);
			break;
		case 't':
			b.timeout_s = positive("--timeout", optarg, DAY_S, false);
			break;
		case 'X':
			b.max_op_s = positive("--max-op", optarg, DAY_S, false);
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			quick = true;
			break;
		case 'T':
			b.trace = true;
			break;
		case 'M':
			b.trace_method = choose_one("--trace-method", optarg, trace_methods);
			break;
		case 'L':
			lab_clock_set(choose_one("--lab-clock", optarg, lab_clocks));
			break;
		case 'Y':
			b.split = true;
			break;
		case 'C':
			b.calibration_exits =
			    (long)positive("--calibration-exits", optarg, 1e9, true);
			break;
		case 'S':
			return saved_results(optarg, true);
		case 'K':
			return saved_results(optarg, false);
		case 'l':
			list_everything();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return RC_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bench: unexpected argument '%s'\n", argv[optind]);
		return RC_USAGE;
	}
	b.reps = b.reps ? b.reps : quick ? 3 : 5;
	/* a PVM host's times are emulation and its counts exact at any length: by default it gets
	 * a quarter of the budget (an explicit --budget holds everywhere) */
	b.emulated_rep_s = b.rep_s > 0 ? b.rep_s : quick ? 0.005 : 0.05;
	b.rep_s = b.rep_s > 0 ? b.rep_s : quick ? 0.02 : 0.2;
	b.max_op_s = b.max_op_s > 0 ? b.max_op_s : quick ? 1 : 5;
	if (!m.nplats)
		for (int i = 0; platform_at(i); i++)
			m.plats[m.nplats++] = platform_at(i);
	bool modes = false;
	for (int i = 0; i < m.nplats; i++)
		modes |= m.plats[i]->has_modes;
	if (modes && !m.nmodes) /* every mode of the hv */
		m.nmodes = hv_modes(m.modes, sizeof m.modes / sizeof m.modes[0]);
	if (modes && !m.nfork_policies) /* the hv's default first: that of workloads that never
					   fork */
		m.nfork_policies = fork_policy_names(m.fork_policies);
	if (workloads) {
		char *save = NULL, valid[1024];
		matrix_workload_names(valid, sizeof valid);
		check_list("--workloads", workloads, valid);
		for (char *t = strtok_r(workloads, ",", &save); t; t = strtok_r(NULL, ",", &save))
			matrix_add_spec(&m, t, quick);
	} else {
		for (const struct workload *w = wl_first(); w; w = wl_next(w))
			matrix_add_spec(&m, w->name, quick);
	}

	char dir[4096];
	if (out) {
		check_out_dir(out);
		snprintf(dir, sizeof dir, "%s", out);
	} else {
		default_out_dir(dir, sizeof dir);
	}
	/* marked incomplete until the last cell: a run cut short never passes for a whole one */
	json_t *doc = json_pack("{s:s, s:b, s:o, s:[]}", "schema", RESULTS_SCHEMA, "complete", 0,
				"context", context_collect(argc, command, &b), "runs");
	results_check_targets(dir);
	scratch_init(dir);
	results_write(dir, doc);
	printf("bench: %d cells, results in %s\n", m.n, dir);
	int failed = runner_run(&m, &b, doc, dir);
	summary_print(doc, stdout);
	/* a signal after the last cell and the calibration no longer counts */
	int sig = json_is_true(json_object_get(doc, "complete")) ? 0 : proc_interrupted();
	if (sig) {
		printf(
		    "\nbench: interrupted by %s after %zu of %d cells; %s/results.json keeps them, "
		    "marked incomplete%s\n",
		    strsignal(sig), json_array_size(json_object_get(doc, "runs")), m.n, dir,
		    out ? "" : " (results/latest is unchanged)");
	} else {
		if (!out)
			point_latest(dir);
		printf("\nresults: %s/results.json (%d failed cells)\n", dir, failed);
	}
	json_decref(doc);
	return sig ? RC_INTERRUPTED : failed ? RC_CELLS : RC_OK;
}
