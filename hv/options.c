/* options.c: the hv's command line as a table: each option's value, range and the runs it applies
 * to; each mode's own options come from its registration (mode.h). */
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "mode.h"

static const struct choice entries[] = {
    {"auto", 0}, {"syscall", ENTRY_SYSCALL}, {"trap", ENTRY_TRAP}, {0}};
static const struct choice shootdowns[] = {{"on", SHOOTDOWN_ON}, {"skip", SHOOTDOWN_SKIP}, {0}};
static const struct choice frame_orders[] = {
    {"reused", FRAMES_REUSED}, {"fresh", FRAMES_FRESH}, {0}};

#define F(member)      offsetof(struct options, member)
#define WINDOW_MIB_MAX (512 * 1024) /* the largest user address space a mode maps */
#define MEM_MAX	       ((long)(KERNEL_MAX_MEM / MIB))
/* The hv's own options; --mode's values are the registered modes. */
static const struct hv_option table[] = {
    OPTION_TEXT("mode", F(mode_name), RUN_GUEST),
    OPTION_TEXT("workload", F(run.workload), RUN_GUEST),
    OPTION_TEXT("exec", F(run.exec), RUN_GUEST),
    {"iters", OPT_NUMBER, F(run.iters), RUN_GUEST | RUN_CALIBRATE, 1, 1l << 40, false, NULL, 0, 0},
    {"budget", OPT_SECONDS, F(budget_s), RUN_GUEST, 0, 3600, false, NULL, 0, 0},
    OPTION_NUMBER("reps", F(run.reps), 1, HC_MAX_SAMPLES, 0, 0),
    OPTION_NUMBER("warmup", F(run.warmup), 0, 1l << 20, 0, 0),
    {"param", OPT_PARAM, 0, RUN_GUEST, 0, 0, false, NULL, 0, 0},
    OPTION_NUMBER("timeout", F(timeout), 1, 86400, 0, 0),
    OPTION_NUMBER("mem", F(mem_mib), 16, MEM_MAX, 0, 0),
    OPTION_TEXT("json", F(run.json_path), RUN_GUEST | RUN_CALIBRATE),
    OPTION_TEXT("kernel", F(kernel), RUN_GUEST | RUN_LIST),
    OPTION_FLAG("list", F(list), RUN_LIST),
    OPTION_FLAG("list-modes", F(list_modes), RUN_LIST),
    OPTION_FLAG("describe", F(describe), RUN_LIST),
    OPTION_FLAG("help", F(help), RUN_ANY),
    OPTION_FLAG("calibrate", F(calibrate), RUN_CALIBRATE),
    /* the guest kernel refuses a user address space below USER_TOP_MIN */
    OPTION_EVEN_MIB("window-mib", F(window_mib), (long)(USER_TOP_MIN / MIB), WINDOW_MIB_MAX, 0, 0),
    OPTION_CHOICE("syscall-entry", F(syscall_entry), entries, 0, 0),
    OPTION_NUMBER("cpus", F(cpus), 1, MAX_CPUS, 0, 0),
    OPTION_CHOICE("shootdown", F(shootdown), shootdowns, 0, 0),
    OPTION_CHOICE("frames", F(frames), frame_orders, 0, 0),
    OPTION_FLAG("lab-marks", F(run.lab_marks), RUN_GUEST),
    OPTION_TEXT("count-hits", F(run.count_hits), RUN_GUEST),
};
#define NOPTIONS (sizeof table / sizeof table[0])

/* Every option of the command line: the hv's own, then each mode's (mode NULL: the hv's). */
#define MAX_ENTRIES 64 /* struct options' given has a bit per entry */
static struct entry {
	const struct hv_option *opt;
	const struct hv_mode *mode;
} entries_all[MAX_ENTRIES];
static size_t nentries;

static void collect_entries(void)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		entries_all[nentries++] = (struct entry){&table[i], NULL};
	for (const struct hv_mode *m = hv_mode_first(); m; m = hv_mode_next(m))
		for (const struct hv_option *opt = m->options; opt && opt->name; opt++) {
			if (nentries == MAX_ENTRIES)
				die("more than %d options", MAX_ENTRIES);
			entries_all[nentries++] = (struct entry){opt, m};
		}
}

/* The modes' names: "a|b|c" (sep "|") or "a, b, c" (sep ", "). */
static const char *mode_names(const char *sep, char *buf, size_t len)
{
	int n = 0;
	buf[0] = '\0';
	for (const struct hv_mode *m = hv_mode_first(); m && (size_t)n < len; m = hv_mode_next(m))
		n += snprintf(buf + n, len - (size_t)n, "%s%s", n ? sep : "", m->name);
	return buf;
}

/* The mode that runs without --mode: the one registered as the default. */
static const struct hv_mode *default_mode(void)
{
	for (const struct hv_mode *m = hv_mode_first(); m; m = hv_mode_next(m))
		if (m->is_default)
			return m;
	die("no mode is registered as the default");
}

static void usage(FILE *out)
{
	char names[128];
	fprintf(
	    out,
	    "usage: hv --mode %s --workload NAME [--iters N | --budget S]\n"
	    "          [--reps R] [--warmup W] [--param k=v]... [--timeout S] [--mem MiB]\n"
	    "          [--json FILE] [--kernel FILE] [--exec \"PROGRAM ARGS\"] [--window-mib M]\n"
	    "          [--syscall-entry auto|syscall|trap] [--cpus N] [--shootdown on|skip]\n"
	    "          [--frames reused|fresh] [--lab-marks] [--count-hits FILE,...]\n"
	    "          [a mode's own options, below]\n"
	    "       hv --list | --list-modes | --describe | --calibrate [--iters N] | --help\n"
	    "  --mode M         the paging mode (default %s):\n",
	    mode_names("|", names, sizeof names), default_mode()->name);
	for (const struct hv_mode *m = hv_mode_first(); m; m = hv_mode_next(m))
		fprintf(out, "                   %-8s %s\n", m->name, m->desc);
	fprintf(
	    out,
	    "  --workload NAME  run the workload NAME (see --list) in the guest\n"
	    "  --exec CMD       run a program the guest kernel embeds (see --list) instead of\n"
	    "                   a workload\n"
	    "  --iters N        operations per repetition (default: chosen by --budget;\n"
	    "                   --calibrate: exits per round, default %d)\n"
	    "  --budget S       without --iters: the guest times a few operations and does as\n"
	    "                   many per repetition as take about S seconds (default %g)\n"
	    "  --reps R         measured repetitions, 1..%d (default 5)\n"
	    "  --warmup W       unmeasured repetitions first (default 1)\n"
	    "  --param k=v      a workload parameter (see --list)\n"
	    "  --timeout S      stop the guest after S seconds (default 30)\n"
	    "  --mem MiB        guest kernel memory, 16..1024 (default %d)\n"
	    "  --json FILE      write the run record as JSON (harness/run-record.schema.json)\n"
	    "  --kernel FILE    guest kernel image, for a run or --list (default %s\n"
	    "                   beside the hv binary)\n"
	    "  --window-mib M   user address space per process, MiB, even, %llu..%d, every\n"
	    "                   mode (default %d)\n"
	    "  --syscall-entry E how guest programs enter the kernel: syscall (the SYSCALL\n"
	    "                   instruction), trap (int3 through a DPL-3 gate: what a PVM host\n"
	    "                   delivers) or auto (trap on PVM, else syscall; the default, or\n"
	    "                   $PAGELAB_SYSCALL_ENTRY when set)\n"
	    "  --cpus N         vCPUs, 1..%d (default 1); the guest kernel starts vCPU 1..N-1\n"
	    "  --shootdown S    on (default): the guest invalidates other vCPUs' TLBs after it\n"
	    "                   changes a shared address space; skip (a test knob): it does not\n"
	    "  --frames F       which free frames the guest kernel hands out first: reused (the\n"
	    "                   most recently freed: warm, their nested or shadow entry and host\n"
	    "                   page exist; the default) or fresh (never used since boot while\n"
	    "                   any are left: cold); process memory that a mode keeps in\n"
	    "                   the hv and gives back to the host at munmap is fresh either way\n"
	    "  --lab-marks      call the hv's marker functions the lab's instruction split\n"
	    "                   watches (bench --split, harness/lab/insnsplit.c)\n"
	    "  --count-hits F,...  files with a \"Hits: N\" total (tracefs hist files, at most\n"
	    "                   %d) read at the start and end of the measured repetitions:\n"
	    "                   the record's hits_per_op (bench --trace's probes)\n",
	    DEFAULT_CALIBRATE_EXITS, DEFAULT_BUDGET_S, HC_MAX_SAMPLES, DEFAULT_MEM_MIB,
	    DEFAULT_KERNEL, USER_TOP_MIN / MIB, WINDOW_MIB_MAX, DEFAULT_WINDOW_MIB, MAX_CPUS,
	    HITS_MAX);
	for (const struct hv_mode *m = hv_mode_first(); m; m = hv_mode_next(m))
		for (const struct hv_option *opt = m->options; opt && opt->name; opt++) {
			char head[48];
			snprintf(head, sizeof head, "--%s %s", opt->name, opt->arg);
			fprintf(out, "  %-16s %s: %s\n", head, m->name, opt->help);
		}
	fprintf(
	    out,
	    "  --list           the workloads and their parameters, then the programs that\n"
	    "                   --exec runs (those the guest kernel embeds), one a line: name,\n"
	    "                   then what it does\n"
	    "  --list-modes     the modes, one a line: name, then what it is\n"
	    "  --describe       the modes and every option of a guest run, as JSON\n"
	    "  --calibrate      time hypercalls through the hv against a bare KVM_RUN loop\n"
	    "numbers are decimal; an option of another mode is refused, not ignored\n"
	    "exit status (the same for every pagelab tool): 0 ok, 1 the guest failed (the\n"
	    "workload failed, or the guest crashed or timed out), 2 bad usage (refused before\n"
	    "anything started), 3 a host failure, 4 I/O (an input unreadable or an output\n"
	    "unwritable)\n");
}

/* "a, b, c": the names of a choice list. */
static const char *choice_names(const struct choice *c, char *buf, size_t len)
{
	int n = 0;
	buf[0] = '\0';
	for (int i = 0; c[i].name && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s%s", i ? ", " : "", c[i].name);
	return buf;
}

/* "--mode, --workload, ...": the options' names. */
static const char *option_names(char *buf, size_t len)
{
	int n = 0;
	for (size_t i = 0; i < nentries && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s--%s", i ? ", " : "",
			      entries_all[i].opt->name);
	return buf;
}

static void set_number(const struct hv_option *opt, const char *arg, long *out)
{
	char why[160];
	long v;
	if (wl_parse_decimal(arg, &v, why, sizeof why) < 0)
		usage_error("--%s needs a decimal integer in [%ld, %ld]: %s", opt->name, opt->min,
			    opt->max, why);
	if (v < opt->min || v > opt->max)
		usage_error("--%s %ld is out of range [%ld, %ld]", opt->name, v, opt->min,
			    opt->max);
	if (opt->even && v % 2)
		usage_error("--%s %ld must be even (2 MiB pages)", opt->name, v);
	*out = v;
}

int option_choice(const char *what, const struct choice *c, const char *arg)
{
	char valid[128];
	for (int i = 0; c[i].name; i++)
		if (strcmp(c[i].name, arg) == 0)
			return c[i].value;
	usage_error("unknown %s '%s' (valid: %s)", what, arg, choice_names(c, valid, sizeof valid));
}

static void set_seconds(const struct hv_option *opt, const char *arg, double *out)
{
	char *end;
	double v = strtod(arg, &end);
	/* digits and one decimal point only: no sign, blank, exponent, hex, inf or nan */
	if (arg[0] < '0' || arg[0] > '9' || strspn(arg, "0123456789.") != strlen(arg) ||
	    strchr(arg, '.') != strrchr(arg, '.') || *end || !(v >= 1e-3 && v <= opt->max))
		usage_error("--%s needs decimal seconds in [0.001, %ld], not '%s'", opt->name,
			    opt->max, arg);
	*out = v;
}

static void set_option(struct options *o, const struct entry *e, const char *arg)
{
	const struct hv_option *opt = e->opt;
	void *field = (char *)(e->mode ? e->mode->config : o) + opt->field;
	char what[32];
	switch (opt->kind) {
	case OPT_FLAG:
		*(bool *)field = true;
		break;
	case OPT_NUMBER:
		set_number(opt, arg, field);
		break;
	case OPT_CHOICE:
		snprintf(what, sizeof what, "--%s", opt->name);
		*(int *)field = option_choice(what, opt->choices, arg);
		break;
	case OPT_TEXT:
		*(const char **)field = arg;
		break;
	case OPT_SECONDS:
		set_seconds(opt, arg, field);
		break;
	case OPT_PARAM:
		if (o->nkv == (int)(sizeof o->kv / sizeof o->kv[0]))
			usage_error("too many --param options");
		o->kv[o->nkv++] = (char *)arg;
		break;
	}
}

/* "--mode NAME", "guest runs or --calibrate", ...: where an option applies, or the run. */
static const char *runs_of(unsigned mask, const struct hv_mode *m, char *buf, size_t len)
{
	int n = 0;
	if (m)
		n = snprintf(buf, len, "--mode %s", m->name);
	else if (mask & RUN_GUEST)
		n = snprintf(buf, len, "guest runs");
	if (mask & RUN_CALIBRATE)
		n += snprintf(buf + n, len - (size_t)n, "%s--calibrate", n ? " or " : "");
	if (mask & RUN_LIST)
		n += snprintf(buf + n, len - (size_t)n, "%s--list", n ? " or " : "");
	return buf;
}

bool option_given(const struct options *o, const char *name)
{
	for (size_t i = 0; i < nentries; i++)
		if (strcmp(entries_all[i].opt->name, name) == 0)
			return o->given & (1ull << i);
	return false;
}

/* Every option given must apply to the run: another mode's option is refused, not ignored. */
static void check_applies(const struct options *o)
{
	bool listing = o->list || o->list_modes || o->describe;
	unsigned run = listing ? RUN_LIST : o->calibrate ? RUN_CALIBRATE : RUN_GUEST;
	const struct hv_mode *here_mode = run == RUN_GUEST ? o->mode : NULL;
	char here[64], there[96];
	for (size_t i = 0; i < nentries; i++) {
		const struct entry *e = &entries_all[i];
		if (!(o->given & (1ull << i)))
			continue;
		if (e->mode ? e->mode != here_mode : !(e->opt->runs & run))
			usage_error("--%s applies to %s only, not to %s", e->opt->name,
				    runs_of(e->opt->runs, e->mode, there, sizeof there),
				    runs_of(run, here_mode, here, sizeof here));
	}
}

void parse_args(int argc, char **argv, struct options *o)
{
	static struct option longopts[MAX_ENTRIES + 1];
	collect_entries();
	for (size_t i = 0; i < nentries; i++)
		longopts[i] = (struct option){
		    entries_all[i].opt->name,
		    entries_all[i].opt->kind == OPT_FLAG ? no_argument : required_argument, NULL,
		    (int)i + 1};
	*o = (struct options){
	    .run = {.reps = 5, .warmup = 1},
	    .mode_name = default_mode()->name,
	    .timeout = 30,
	    .mem_mib = DEFAULT_MEM_MIB,
	    .window_mib = DEFAULT_WINDOW_MIB,
	    .cpus = 1,
	    .shootdown = SHOOTDOWN_ON,
	    .frames = FRAMES_REUSED,
	};
	opterr = 0;
	int c;
	char valid[1024];
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == '?' && optopt > 0 && optopt <= (int)nentries)
			usage_error("--%s %s", entries_all[optopt - 1].opt->name,
				    entries_all[optopt - 1].opt->kind == OPT_FLAG
					? "takes no value"
					: "needs a value");
		if (c == '?')
			usage_error("unknown or ambiguous option '%s' (valid: %s; --help explains "
				    "them)",
				    argv[optind - 1], option_names(valid, sizeof valid));
		o->given |= 1ull << (c - 1);
		set_option(o, &entries_all[c - 1], optarg);
		if (o->help) {
			usage(stdout);
			exit(RC_OK);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	o->mode = hv_mode_find(o->mode_name);
	if (!o->mode)
		usage_error("unknown --mode '%s' (valid: %s)", o->mode_name,
			    mode_names(", ", valid, sizeof valid));
	check_applies(o);
	o->run.mode = o->mode->name;
	const char *entry = getenv("PAGELAB_SYSCALL_ENTRY");
	if (!option_given(o, "syscall-entry") && entry && *entry)
		o->syscall_entry = option_choice("PAGELAB_SYSCALL_ENTRY", entries, entry);
}

/* The value the option has in base (its default before any is given): JSON, null if none. */
static json_t *value_json(const struct hv_option *opt, const void *base)
{
	const void *field = (const char *)base + opt->field;
	switch (opt->kind) {
	case OPT_NUMBER:
		return json_integer(*(const long *)field);
	case OPT_CHOICE:
		for (int i = 0; opt->choices[i].name; i++)
			if (opt->choices[i].value == *(const int *)field)
				return json_string(opt->choices[i].name);
		return json_null();
	case OPT_TEXT:
		return *(const char *const *)field ? json_string(*(const char *const *)field)
						   : json_null();
	case OPT_SECONDS:
		return *(const double *)field ? json_real(*(const double *)field) : json_null();
	default:
		return json_null();
	}
}

static json_t *option_json(const struct hv_option *opt, const void *base, json_t *modes)
{
	static const char *const kinds[] = {
	    [OPT_FLAG] = "flag", [OPT_NUMBER] = "number",   [OPT_CHOICE] = "choice",
	    [OPT_TEXT] = "text", [OPT_SECONDS] = "seconds", [OPT_PARAM] = "param"};
	json_t *o = json_pack("{ss ss so so}", "name", opt->name, "kind", kinds[opt->kind], "modes",
			      modes, "default", value_json(opt, base));
	if (opt->kind == OPT_NUMBER)
		json_object_update_new(o,
				       json_pack("{sI sI sb}", "min", (json_int_t)opt->min, "max",
						 (json_int_t)opt->max, "even", opt->even));
	if (opt->kind == OPT_CHOICE) {
		json_t *c = json_array();
		for (int i = 0; opt->choices[i].name; i++)
			json_array_append_new(c, json_string(opt->choices[i].name));
		json_object_set_new(o, "choices", c);
	}
	return o;
}

void options_describe(const struct options *o, FILE *out)
{
	json_t *modes = json_array(), *all = json_array(), *options = json_array();
	for (const struct hv_mode *m = hv_mode_first(); m; m = hv_mode_next(m)) {
		json_array_append_new(modes, json_pack("{ss ss sb}", "name", m->name, "description",
						       m->desc, "invariants",
						       m->calls && m->calls->check));
		json_array_append_new(all, json_string(m->name));
	}
	for (size_t i = 0; i < NOPTIONS; i++)
		if (table[i].runs & RUN_GUEST && table[i].kind != OPT_FLAG)
			json_array_append_new(options, option_json(&table[i], o, json_copy(all)));
	for (const struct hv_mode *m = hv_mode_first(); m; m = hv_mode_next(m))
		for (const struct hv_option *opt = m->options; opt && opt->name; opt++)
			json_array_append_new(
			    options, option_json(opt, m->config, json_pack("[s]", m->name)));
	json_t *doc = json_pack("{so so}", "modes", modes, "options", options);
	json_decref(all);
	json_dumpf(doc, out, JSON_INDENT(1));
	fputc('\n', out);
	json_decref(doc);
}

void options_list_modes(FILE *out)
{
	for (const struct hv_mode *m = hv_mode_first(); m; m = hv_mode_next(m))
		fprintf(out, "%-10s %s\n", m->name, m->desc);
}
