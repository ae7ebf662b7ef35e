/* options.c: the hv's command line as a table: each option's value, range and the runs it applies
 * to. */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"

/* The runs an option applies to: a guest run in a mode (bit = the mode), or a tool run. */
#define RUN_CLASSIC   (1u << MODE_CLASSIC)
#define RUN_PTEFREE   (1u << MODE_PTEFREE)
#define RUN_PVMMU     (1u << MODE_PVMMU)
#define RUN_GUEST     (RUN_CLASSIC | RUN_PTEFREE | RUN_PVMMU)
#define RUN_CALIBRATE (1u << 4)
#define RUN_LIST      (1u << 5)
#define RUN_ANY	      (RUN_GUEST | RUN_CALIBRATE | RUN_LIST)

enum opt_kind {
	OPT_FLAG,    /* no value: sets a bool */
	OPT_NUMBER,  /* a decimal long in [min, max] (even when even is set) */
	OPT_CHOICE,  /* one of choices: sets an int */
	OPT_TEXT,    /* any text: sets a const char * */
	OPT_SECONDS, /* a decimal number of seconds in [0.001, max]: sets a double */
	OPT_PARAM,   /* a workload parameter k=v, checked against the workload's table later */
};

struct choice {
	const char *name;
	int value;
};

struct hv_option {
	const char *name;
	enum opt_kind kind;
	size_t field; /* offsetof(struct options, ...) */
	unsigned runs;
	long min, max;
	bool even; /* MiB in 2 MiB pages */
	const struct choice *choices;
};

static const struct choice modes[] = {
    {"classic", MODE_CLASSIC}, {"ptefree", MODE_PTEFREE}, {"pvmmu", MODE_PVMMU}, {0}};
static const struct choice fork_policies[] = {{"copy", FORK_COPY}, {"lazy", FORK_LAZY}, {0}};
static const struct choice populates[] = {{"none", POPULATE_NONE}, {"write", POPULATE_WRITE}, {0}};
static const struct choice on_off[] = {{"on", 1}, {"off", 0}, {0}};
static const struct choice entries[] = {
    {"auto", 0}, {"syscall", ENTRY_SYSCALL}, {"trap", ENTRY_TRAP}, {0}};
static const struct choice applies[] = {
    {"auto", PV_APPLY_AUTO}, {"vcpu", PV_APPLY_VCPU}, {"direct", PV_APPLY_DIRECT}, {0}};
static const struct choice shootdowns[] = {{"on", SHOOTDOWN_ON}, {"skip", SHOOTDOWN_SKIP}, {0}};

/* kvmtool-style entries: name, the field it sets, the runs it applies to, then its range or
 * choices */
#define F(member) offsetof(struct options, member)
#define FLAG(name, f, runs)                                                                        \
	{                                                                                          \
		name, OPT_FLAG, F(f), runs, 0, 0, false, NULL                                      \
	}
#define TEXT(name, f, runs)                                                                        \
	{                                                                                          \
		name, OPT_TEXT, F(f), runs, 0, 0, false, NULL                                      \
	}
#define NUMBER(name, f, runs, lo, hi)                                                              \
	{                                                                                          \
		name, OPT_NUMBER, F(f), runs, lo, hi, false, NULL                                  \
	}
#define EVEN_MIB(name, f, runs, lo, hi)                                                            \
	{                                                                                          \
		name, OPT_NUMBER, F(f), runs, lo, hi, true, NULL                                   \
	}
#define SECONDS(name, f, runs, hi)                                                                 \
	{                                                                                          \
		name, OPT_SECONDS, F(f), runs, 0, hi, false, NULL                                  \
	}
#define CHOICE(name, f, runs, c)                                                                   \
	{                                                                                          \
		name, OPT_CHOICE, F(f), runs, 0, 0, false, c                                       \
	}
#define WINDOW_MIB_MAX (512 * 1024) /* ptefree's largest window */
#define MEM_MAX	       ((long)(KERNEL_MAX_MEM / MIB))
static const struct hv_option table[] = {
    CHOICE("mode", mode, RUN_GUEST, modes),
    TEXT("workload", run.workload, RUN_GUEST),
    TEXT("exec", run.exec, RUN_GUEST),
    NUMBER("iters", run.iters, RUN_GUEST | RUN_CALIBRATE, 1, 1l << 40),
    SECONDS("budget", budget_s, RUN_GUEST, 3600),
    NUMBER("reps", run.reps, RUN_GUEST, 1, HC_MAX_SAMPLES),
    NUMBER("warmup", run.warmup, RUN_GUEST, 0, 1l << 20),
    {"param", OPT_PARAM, 0, RUN_GUEST, 0, 0, false, NULL},
    NUMBER("timeout", timeout, RUN_GUEST, 1, 86400),
    NUMBER("mem", mem_mib, RUN_GUEST, 16, MEM_MAX),
    TEXT("json", run.json_path, RUN_GUEST | RUN_CALIBRATE),
    TEXT("kernel", kernel, RUN_GUEST),
    FLAG("list", list, RUN_LIST),
    FLAG("help", help, RUN_ANY),
    FLAG("calibrate", calibrate, RUN_CALIBRATE),
    NUMBER("windows", windows, RUN_PTEFREE, 1, 4096),
    /* the guest kernel refuses a user address space below USER_TOP_MIN */
    EVEN_MIB("window-mib", window_mib, RUN_GUEST, (long)(USER_TOP_MIN / MIB), WINDOW_MIB_MAX),
    CHOICE("fork-policy", fork_policy, RUN_PTEFREE, fork_policies),
    NUMBER("kmem-boot-mib", kmem_boot_mib, RUN_PTEFREE, 1, MEM_MAX),
    CHOICE("populate", populate, RUN_PTEFREE, populates),
    CHOICE("free-report", free_report, RUN_CLASSIC, on_off),
    CHOICE("syscall-entry", syscall_entry, RUN_GUEST, entries),
    NUMBER("pv-batch", pv_batch, RUN_PVMMU, 1, PV_BATCH_MAX),
    EVEN_MIB("pv-pool-mib", pv_pool_mib, RUN_PVMMU, 2, MEM_MAX),
    CHOICE("pvmmu-apply", pv_apply, RUN_PVMMU, applies),
    NUMBER("cpus", cpus, RUN_GUEST, 1, MAX_CPUS),
    CHOICE("shootdown", shootdown, RUN_GUEST, shootdowns),
};
#define NOPTIONS (sizeof table / sizeof table[0])
_Static_assert(NOPTIONS <= 64, "struct options' given has a bit per option");

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: hv --mode classic|ptefree|pvmmu --workload NAME [--iters N | --budget S]\n"
	    "          [--reps R] [--warmup W] [--param k=v]... [--timeout S] [--mem MiB]\n"
	    "          [--json FILE] [--kernel FILE] [--exec \"PROGRAM ARGS\"]\n"
	    "          [--windows N] [--window-mib M] [--fork-policy copy|lazy]\n"
	    "          [--populate none|write] [--free-report on|off]\n"
	    "          [--kmem-boot-mib K] [--syscall-entry auto|syscall|trap]\n"
	    "          [--pv-batch N] [--pv-pool-mib P] [--pvmmu-apply auto|vcpu|direct]\n"
	    "          [--cpus N] [--shootdown on|skip]\n"
	    "       hv --list | --calibrate [--iters N] | --help\n"
	    "  --mode M         classic (the guest pages), ptefree (the hv pages) or pvmmu\n"
	    "                   (the guest's page tables, changed by validated hypercalls)\n"
	    "  --workload NAME  run the workload NAME (see --list) in the guest\n"
	    "  --exec CMD       run an embedded guest program instead of a workload\n"
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
	    "  --kernel FILE    guest kernel image (default %s beside the hv binary)\n"
	    "  --windows N      ptefree: address-space windows = live processes (default %d)\n"
	    "  --window-mib M   user address space per process, MiB, even, %llu..%d, every\n"
	    "                   mode (default %d)\n"
	    "  --fork-policy P  ptefree: copy (resident pages at fork) or lazy (default, COW)\n"
	    "  --populate P     ptefree: none (pages backed at first touch) or write (map backs\n"
	    "                   writable pages at once; default %s)\n"
	    "  --free-report R  classic: on (the guest reports free 2 MiB blocks, the hv gives\n"
	    "                   them back to the host) or off (default %s)\n"
	    "  --kmem-boot-mib K ptefree: kernel memory the guest owns from boot above its\n"
	    "                   image, 1..%d MiB; the rest comes and goes in %llu KiB chunks\n"
	    "                   (default: 1/16 of --mem, at least %llu MiB)\n"
	    "  --syscall-entry E how guest programs enter the kernel: syscall (the SYSCALL\n"
	    "                   instruction), trap (int3 through a DPL-3 gate: what a PVM host\n"
	    "                   delivers) or auto (trap on PVM, else syscall; the default, or\n"
	    "                   $PAGELAB_SYSCALL_ENTRY when set)\n"
	    "  --pv-batch N     pvmmu: page-table operations per hypercall, 1..%d (default %d)\n"
	    "  --pv-pool-mib P  pvmmu: page-table frames, even, MiB (default: 1/8 of --mem,\n"
	    "                   at least %llu)\n"
	    "  --pvmmu-apply A  pvmmu: how the vCPU comes to see an update: vcpu (the vCPU\n"
	    "                   stores it again), direct (the hv's store and a TLB flush) or\n"
	    "                   auto (default: direct under EPT/NPT, vcpu otherwise)\n"
	    "  --cpus N         vCPUs, 1..%d (default 1); the guest kernel starts vCPU 1..N-1\n"
	    "  --shootdown S    on (default): the guest invalidates other vCPUs' TLBs after it\n"
	    "                   changes a shared address space; skip (a test knob): it does not\n"
	    "  --calibrate      time hypercalls through the hv against a bare KVM_RUN loop\n"
	    "numbers are decimal; an option of another mode is refused, not ignored\n"
	    "exit status (the same for every pagelab tool): 0 ok, 1 the guest failed (the\n"
	    "workload failed, or the guest crashed or timed out), 2 bad usage (refused before\n"
	    "anything started), 3 a host failure, 4 I/O (an input unreadable or an output\n"
	    "unwritable)\n",
	    DEFAULT_CALIBRATE_EXITS, DEFAULT_BUDGET_S, HC_MAX_SAMPLES, DEFAULT_MEM_MIB,
	    DEFAULT_KERNEL, DEFAULT_WINDOWS, USER_TOP_MIN / MIB, WINDOW_MIB_MAX, DEFAULT_WINDOW_MIB,
	    populate_name(DEFAULT_POPULATE), "off", (int)(KERNEL_MAX_MEM / MIB), KMEM_CHUNK >> 10,
	    KMEM_BOOT_MIN / MIB, PV_BATCH_MAX, DEFAULT_PV_BATCH, PV_POOL_MIN / MIB, MAX_CPUS);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "hv: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(RC_USAGE);
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
	for (size_t i = 0; i < NOPTIONS && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s--%s", i ? ", " : "", table[i].name);
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

static int choice_value(const char *what, const struct choice *c, const char *arg)
{
	char valid[128];
	for (int i = 0; c[i].name; i++)
		if (strcmp(c[i].name, arg) == 0)
			return c[i].value;
	usage_error("unknown %s '%s' (valid: %s)", what, arg, choice_names(c, valid, sizeof valid));
}

static void set_option(struct options *o, const struct hv_option *opt, const char *arg)
{
	void *field = (char *)o + opt->field;
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
		*(int *)field = choice_value(what, opt->choices, arg);
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

/* "--mode ptefree", "guest runs or --calibrate", ...: where the runs in mask are. */
static const char *runs_of(unsigned mask, char *buf, size_t len)
{
	int n = 0;
	if ((mask & RUN_GUEST) == RUN_GUEST)
		n = snprintf(buf, len, "guest runs");
	else if (mask & RUN_GUEST)
		for (int i = 0; modes[i].name; i++)
			if (mask & (1u << modes[i].value))
				n += snprintf(buf + n, len - (size_t)n, "%s%s",
					      n ? ", " : "--mode ", modes[i].name);
	if (mask & RUN_CALIBRATE)
		n += snprintf(buf + n, len - (size_t)n, "%s--calibrate", n ? " or " : "");
	if (mask & RUN_LIST)
		n += snprintf(buf + n, len - (size_t)n, "%s--list", n ? " or " : "");
	return buf;
}

bool option_given(const struct options *o, const char *name)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (strcmp(table[i].name, name) == 0)
			return o->given & (1ull << i);
	return false;
}

/* Every option given must apply to the run: another mode's option is refused, not ignored. */
static void check_applies(const struct options *o)
{
	unsigned run = o->list ? RUN_LIST : o->calibrate ? RUN_CALIBRATE : 1u << o->mode;
	char here[64], there[96];
	for (size_t i = 0; i < NOPTIONS; i++)
		if ((o->given & (1ull << i)) && !(table[i].runs & run))
			usage_error("--%s applies to %s only, not to %s", table[i].name,
				    runs_of(table[i].runs, there, sizeof there),
				    runs_of(run, here, sizeof here));
}

void parse_args(int argc, char **argv, struct options *o)
{
	static struct option longopts[NOPTIONS + 1];
	for (size_t i = 0; i < NOPTIONS; i++)
		longopts[i] = (struct option){
		    table[i].name, table[i].kind == OPT_FLAG ? no_argument : required_argument,
		    NULL, (int)i + 1};
	*o = (struct options){
	    .run = {.reps = 5, .warmup = 1},
	    .mode = MODE_CLASSIC,
	    .timeout = 30,
	    .mem_mib = DEFAULT_MEM_MIB,
	    .windows = DEFAULT_WINDOWS,
	    .window_mib = DEFAULT_WINDOW_MIB,
	    .fork_policy = FORK_LAZY,
	    .populate = DEFAULT_POPULATE,
	    .pv_batch = DEFAULT_PV_BATCH,
	    .cpus = 1,
	    .shootdown = SHOOTDOWN_ON,
	};
	opterr = 0;
	int c;
	char valid[512];
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == '?' && optopt > 0 && optopt <= (int)NOPTIONS)
			usage_error("--%s %s", table[optopt - 1].name,
				    table[optopt - 1].kind == OPT_FLAG ? "takes no value"
								       : "needs a value");
		if (c == '?')
			usage_error("unknown or ambiguous option '%s' (valid: %s; --help explains "
				    "them)",
				    argv[optind - 1], option_names(valid, sizeof valid));
		o->given |= 1ull << (c - 1);
		set_option(o, &table[c - 1], optarg);
		if (o->help) {
			usage(stdout);
			exit(RC_OK);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	check_applies(o);
	o->run.mode = (enum mmu_mode)o->mode;
	const char *entry = getenv("PAGELAB_SYSCALL_ENTRY");
	if (!option_given(o, "syscall-entry") && entry && *entry)
		o->syscall_entry = choice_value("PAGELAB_SYSCALL_ENTRY", entries, entry);
	o->pf = (struct ptefree_config){.nwindows = (uint64_t)o->windows,
					.window_size = (uint64_t)o->window_mib * MIB,
					.policy = (enum fork_policy)o->fork_policy,
					.kmem_chunk = KMEM_CHUNK,
					.populate = (enum populate_policy)o->populate};
}
