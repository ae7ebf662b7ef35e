/* main.c: the hv's command line: checks the request, boots the guest kernel, reports the run. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "hv.h"
#include "workload.h"

#define DEFAULT_KERNEL		"build/guest/kernel.elf"
#define DEFAULT_MEM_MIB		256
#define DEFAULT_BUDGET_S	0.2 /* seconds per measured repetition, as the bench's default */
#define DEFAULT_CALIBRATE_EXITS 10000
#define DEFAULT_WINDOWS		16
#define DEFAULT_WINDOW_MIB	1024
#define KMEM_CHUNK		MIB
#define REPORT_CHUNK		(2 * MIB) /* classic free page reporting: Linux's pageblock */
#define DEFAULT_POPULATE	POPULATE_WRITE
#define DEFAULT_FREE_REPORT	false
#define KMEM_BOOT_MIN		(8 * MIB) /* ptefree: kernel memory the guest owns from boot, at least */
#define DEFAULT_PV_BATCH	512
#define PV_POOL_MIN		(4 * MIB) /* pvmmu: page-table frames, at least */

struct options {
	struct run_config run;
	const char *kernel;
	double timeout;
	long mem_mib;
	long kmem_boot_mib; /* 0: automatic */
	double budget_s;    /* 0: not given */
	bool list, calibrate;
	bool free_report;  /* classic */
	const char *entry; /* --syscall-entry: auto, syscall or trap */
	struct ptefree_config pf;
	long pv_batch, pv_pool_mib; /* pvmmu; pool 0: automatic */
	enum pv_apply pv_apply;
	long cpus;
	enum shootdown shootdown;
	char *kv[WL_MAX_PARAMS * 2];
	int nkv;
};

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
	    "  --kernel FILE    guest kernel image (default %s)\n"
	    "  --windows N      ptefree: address-space windows = live processes (default %d)\n"
	    "  --window-mib M   user address space per process, MiB, even, both modes (default "
	    "%d)\n"
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
	    "exit status: 0 the workload passed, 1 it failed or the guest crashed or timed out,\n"
	    "2 bad usage, 3 a host error\n",
	    DEFAULT_CALIBRATE_EXITS, DEFAULT_BUDGET_S, HC_MAX_SAMPLES, DEFAULT_MEM_MIB,
	    DEFAULT_KERNEL, DEFAULT_WINDOWS, DEFAULT_WINDOW_MIB, populate_name(DEFAULT_POPULATE),
	    DEFAULT_FREE_REPORT ? "on" : "off", (int)(KERNEL_MAX_MEM / MIB), KMEM_CHUNK >> 10,
	    KMEM_BOOT_MIN / MIB, PV_BATCH_MAX, DEFAULT_PV_BATCH, PV_POOL_MIN / MIB, MAX_CPUS);
}

__attribute__((noreturn, format(printf, 1, 2))) static void usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "hv: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(HV_EXIT_USAGE);
}

static long parse_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		usage_error("%s needs an integer in [%ld, %ld], not '%s'", opt, min, max, s);
	return v;
}

static void list_workloads(FILE *out)
{
	for (const struct workload *w = wl_first(); w; w = wl_next(w)) {
		fprintf(out, "%-10s %s%s\n", w->name, w->desc,
			w->flags & WL_GUEST_ONLY ? " (guest only)" : "");
		for (int i = 0; i < wl_nparams(w); i++) {
			const struct wl_param *p = &w->params[i];
			fprintf(out, "    %-12s default %ld, range [%ld, %ld]: %s\n", p->name,
				p->def, p->min, p->max, p->help);
		}
	}
}

static void list_names(char *buf, size_t len)
{
	buf[0] = '\0';
	for (const struct workload *w = wl_first(); w; w = wl_next(w)) {
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, "%s%s", used ? ", " : "", w->name);
	}
}

static void parse_args(int argc, char **argv, struct options *o)
{
	enum {
		O_MODE = 256,
		O_WORKLOAD,
		O_ITERS,
		O_REPS,
		O_WARMUP,
		O_PARAM,
		O_TIMEOUT,
		O_MEM,
		O_JSON,
		O_KERNEL,
		O_EXEC,
		O_LIST,
		O_HELP,
		O_CALIBRATE,
		O_WINDOWS,
		O_WINDOW_MIB,
		O_FORK_POLICY,
		O_KMEM_BOOT_MIB,
		O_POPULATE,
		O_FREE_REPORT,
		O_SYSCALL_ENTRY,
		O_PV_BATCH,
		O_PV_POOL_MIB,
		O_PVMMU_APPLY,
		O_CPUS,
		O_SHOOTDOWN,
		O_BUDGET,
	};
	static const struct option longopts[] = {
	    {"mode", required_argument, 0, O_MODE},
	    {"workload", required_argument, 0, O_WORKLOAD},
	    {"iters", required_argument, 0, O_ITERS},
	    {"reps", required_argument, 0, O_REPS},
	    {"warmup", required_argument, 0, O_WARMUP},
	    {"param", required_argument, 0, O_PARAM},
	    {"timeout", required_argument, 0, O_TIMEOUT},
	    {"mem", required_argument, 0, O_MEM},
	    {"json", required_argument, 0, O_JSON},
	    {"kernel", required_argument, 0, O_KERNEL},
	    {"exec", required_argument, 0, O_EXEC},
	    {"list", no_argument, 0, O_LIST},
	    {"help", no_argument, 0, O_HELP},
	    {"calibrate", no_argument, 0, O_CALIBRATE},
	    {"windows", required_argument, 0, O_WINDOWS},
	    {"window-mib", required_argument, 0, O_WINDOW_MIB},
	    {"fork-policy", required_argument, 0, O_FORK_POLICY},
	    {"kmem-boot-mib", required_argument, 0, O_KMEM_BOOT_MIB},
	    {"populate", required_argument, 0, O_POPULATE},
	    {"free-report", required_argument, 0, O_FREE_REPORT},
	    {"syscall-entry", required_argument, 0, O_SYSCALL_ENTRY},
	    {"pv-batch", required_argument, 0, O_PV_BATCH},
	    {"pv-pool-mib", required_argument, 0, O_PV_POOL_MIB},
	    {"pvmmu-apply", required_argument, 0, O_PVMMU_APPLY},
	    {"cpus", required_argument, 0, O_CPUS},
	    {"shootdown", required_argument, 0, O_SHOOTDOWN},
	    {"budget", required_argument, 0, O_BUDGET},
	    {0, 0, 0, 0},
	};
	*o = (struct options){
	    .run = {.reps = 5, .warmup = 1, .mode = MODE_CLASSIC},
	    .kernel = DEFAULT_KERNEL,
	    .timeout = 30,
	    .mem_mib = DEFAULT_MEM_MIB,
	    .entry = getenv("PAGELAB_SYSCALL_ENTRY") ? getenv("PAGELAB_SYSCALL_ENTRY") : "auto",
	    .pf = {.nwindows = DEFAULT_WINDOWS,
		   .window_size = DEFAULT_WINDOW_MIB * MIB,
		   .policy = FORK_LAZY,
		   .kmem_chunk = KMEM_CHUNK,
		   .populate = DEFAULT_POPULATE},
	    .free_report = DEFAULT_FREE_REPORT,
	    .pv_batch = DEFAULT_PV_BATCH,
	    .cpus = 1,
	    .shootdown = SHOOTDOWN_ON,
	};
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_MODE:
			if (strcmp(optarg, "classic") == 0)
				o->run.mode = MODE_CLASSIC;
			else if (strcmp(optarg, "ptefree") == 0)
				o->run.mode = MODE_PTEFREE;
			else if (strcmp(optarg, "pvmmu") == 0)
				o->run.mode = MODE_PVMMU;
			else
				usage_error("unknown mode '%s' (valid: classic, ptefree, pvmmu)",
					    optarg);
			break;
		case O_WORKLOAD:
			o->run.workload = optarg;
			break;
		case O_ITERS:
			o->run.iters = parse_long("--iters", optarg, 1, 1l << 40);
			break;
		case O_BUDGET: {
			char *end;
			o->budget_s = strtod(optarg, &end);
			if (end == optarg || *end || !(o->budget_s >= 1e-3 && o->budget_s <= 3600))
				usage_error("--budget needs seconds in [0.001, 3600], not '%s'",
					    optarg);
			break;
		}
		case O_REPS:
			o->run.reps = parse_long("--reps", optarg, 1, HC_MAX_SAMPLES);
			break;
		case O_WARMUP:
			o->run.warmup = parse_long("--warmup", optarg, 0, 1l << 20);
			break;
		case O_PARAM:
			if (o->nkv == (int)(sizeof o->kv / sizeof o->kv[0]))
				usage_error("too many --param options");
			o->kv[o->nkv++] = optarg;
			break;
		case O_TIMEOUT:
			o->timeout = (double)parse_long("--timeout", optarg, 1, 86400);
			break;
		case O_MEM:
			o->mem_mib = parse_long("--mem", optarg, 16, KERNEL_MAX_MEM / MIB);
			break;
		case O_JSON:
			o->run.json_path = optarg;
			break;
		case O_KERNEL:
			o->kernel = optarg;
			break;
		case O_EXEC:
			o->run.exec = optarg;
			break;
		case O_LIST:
			o->list = true;
			break;
		case O_CALIBRATE:
			o->calibrate = true;
			break;
		case O_WINDOWS:
			o->pf.nwindows = (uint64_t)parse_long("--windows", optarg, 1, 4096);
			break;
		case O_WINDOW_MIB:
			/* the window tables map 2 MiB pages */
			o->pf.window_size =
			    (uint64_t)parse_long("--window-mib", optarg, 2, 512 * 1024) * MIB;
			if (o->pf.window_size % (2 * MIB))
				usage_error("--window-mib must be even (2 MiB pages)");
			break;
		case O_FORK_POLICY:
			if (strcmp(optarg, "copy") == 0)
				o->pf.policy = FORK_COPY;
			else if (strcmp(optarg, "lazy") == 0)
				o->pf.policy = FORK_LAZY;
			else
				usage_error("unknown fork policy '%s' (valid: copy, lazy)", optarg);
			break;
		case O_POPULATE:
			if (populate_parse(optarg, &o->pf.populate) < 0)
				usage_error("unknown populate policy '%s' (valid: none, write)",
					    optarg);
			break;
		case O_FREE_REPORT:
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				usage_error("unknown free report setting '%s' (valid: on, off)",
					    optarg);
			o->free_report = strcmp(optarg, "on") == 0;
			break;
		case O_KMEM_BOOT_MIB:
			o->kmem_boot_mib =
			    parse_long("--kmem-boot-mib", optarg, 1, KERNEL_MAX_MEM / MIB);
			break;
		case O_SYSCALL_ENTRY:
			o->entry = optarg;
			break;
		case O_PV_BATCH:
			o->pv_batch = parse_long("--pv-batch", optarg, 1, PV_BATCH_MAX);
			break;
		case O_PV_POOL_MIB:
			o->pv_pool_mib =
			    parse_long("--pv-pool-mib", optarg, 2, KERNEL_MAX_MEM / MIB);
			if (o->pv_pool_mib % 2)
				usage_error("--pv-pool-mib must be even (2 MiB pages)");
			break;
		case O_PVMMU_APPLY:
			if (strcmp(optarg, "auto") == 0)
				o->pv_apply = PV_APPLY_AUTO;
			else if (strcmp(optarg, "vcpu") == 0)
				o->pv_apply = PV_APPLY_VCPU;
			else if (strcmp(optarg, "direct") == 0)
				o->pv_apply = PV_APPLY_DIRECT;
			else
				usage_error(
				    "unknown --pvmmu-apply '%s' (valid: auto, vcpu, direct)",
				    optarg);
			break;
		case O_CPUS:
			o->cpus = parse_long("--cpus", optarg, 1, MAX_CPUS);
			break;
		case O_SHOOTDOWN:
			if (strcmp(optarg, "on") == 0)
				o->shootdown = SHOOTDOWN_ON;
			else if (strcmp(optarg, "skip") == 0)
				o->shootdown = SHOOTDOWN_SKIP;
			else
				usage_error("unknown --shootdown '%s' (valid: on, skip)", optarg);
			break;
		case O_HELP:
			usage(stdout);
			exit(HV_EXIT_OK);
		default:
			usage(stderr);
			usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->budget_s && o->run.iters)
		usage_error("--budget chooses the iterations: give --iters or --budget, not both");
	if (o->kmem_boot_mib && o->run.mode != MODE_PTEFREE)
		usage_error("--kmem-boot-mib applies to --mode ptefree only");
	if (strcmp(o->entry, "auto") && strcmp(o->entry, "syscall") && strcmp(o->entry, "trap"))
		usage_error("unknown system-call entry '%s' (valid: auto, syscall, trap)",
			    o->entry);
}

/* SYSCALL from guest ring 3 never reaches the guest kernel on a PVM host; int3 does. */
static enum syscall_entry choose_entry(const char *entry, const struct platform *p)
{
	if (strcmp(entry, "auto") == 0)
		return strcmp(p->mmu, "pvm") == 0 ? ENTRY_TRAP : ENTRY_SYSCALL;
	return strcmp(entry, "trap") == 0 ? ENTRY_TRAP : ENTRY_SYSCALL;
}

/* Checks the workload and its parameters and records their values (defaults included). */
static void check_workload(struct options *o)
{
	char names[512], err[256];
	const struct workload *w = wl_find(o->run.workload);
	if (!w) {
		list_names(names, sizeof names);
		usage_error("unknown workload '%s' (valid: %s)", o->run.workload, names);
	}
	static struct wl_ctx ctx;
	if (wl_parse_params(w, &ctx, o->nkv, o->kv, err, sizeof err) < 0)
		usage_error("%s", err);
	static char values[WL_MAX_PARAMS][24];
	for (int i = 0; i < wl_nparams(w); i++) {
		snprintf(values[i], sizeof values[i], "%ld", ctx.p[i]);
		o->run.params[o->run.nparams][0] = w->params[i].name;
		o->run.params[o->run.nparams++][1] = values[i];
	}
}

/* The first process's command line: the runner protocol for workloads, or --exec as is. */
static void make_cmdline(const struct options *o, char *buf, size_t len)
{
	if (o->run.exec) {
		snprintf(buf, len, "%s", o->run.exec);
	} else {
		int n = snprintf(buf, len, "wl %s %s=%ld reps=%ld warmup=%ld", o->run.workload,
				 o->run.iters ? "iters" : "budget_us",
				 o->run.iters ? o->run.iters : (long)(o->run.budget_s * 1e6),
				 o->run.reps, o->run.warmup);
		for (int i = 0; i < o->run.nparams && n > 0 && (size_t)n < len; i++)
			n += snprintf(buf + n, len - n, " %s=%s", o->run.params[i][0],
				      o->run.params[i][1]);
	}
	if (strlen(buf) >= BOOT_CMDLINE_MAX - 1)
		usage_error("the guest command line is longer than %d bytes", BOOT_CMDLINE_MAX - 1);
}

/* Ptefree: the window tables go to the top of kernel memory, the kernel keeps a boot share,
 * the rest comes and goes in chunks; the windows get memslot 1. */
static void setup_ptefree(const struct options *o, struct vm *vm, struct run_state *rs,
			  struct boot_info *bi)
{
	uint64_t boot_share = vm->mem_size / 16 > KMEM_BOOT_MIN ? vm->mem_size / 16 : KMEM_BOOT_MIN;
	if (o->kmem_boot_mib)
		boot_share = (uint64_t)o->kmem_boot_mib * MIB;
	uint64_t kmem_base = (bi->kernel_end + boot_share + KMEM_CHUNK - 1) & ~(KMEM_CHUNK - 1);
	char err[200];
	struct gmem all = {.host = vm->mem, .size = vm->mem_size};
	struct ptefree *pf = ptefree_create(&o->pf, &all, kmem_base, bi->hv_reserved_gpa,
					    bi->hv_reserved_gpa, err, sizeof err);
	if (!pf || kmem_base >= bi->hv_reserved_gpa)
		usage_error("ptefree: %s (try a larger --mem or fewer --windows)",
			    pf ? "no kernel memory left for chunks" : err);
	uint64_t gpa, size;
	void *host;
	ptefree_windows(pf, &gpa, &host, &size);
	vm_add_memslot(vm, 1, gpa, host, size);
	bi->kmem_chunk = KMEM_CHUNK;
	bi->kmem_boot_end = kmem_base;
	ptefree_guard(pf, &rs->g.mem);
	rs->g.pf = pf;
}

/* Classic free page reporting: above the allocator's own tables (4 bytes per page and a few
 * per block: boot memory it never frees), the guest's memory is cut into blocks it reports
 * when they are wholly free, as Linux reports any free block of a pageblock or more. */
static void setup_free_report(const struct options *o, struct run_state *rs, struct boot_info *bi)
{
	uint64_t tables = bi->mem_size / PAGE_SIZE * 4 + bi->mem_size / REPORT_CHUNK * 64;
	uint64_t base = (bi->kernel_end + tables + MIB + REPORT_CHUNK - 1) & ~(REPORT_CHUNK - 1);
	if (o->kmem_boot_mib || base >= rs->g.mem.size)
		usage_error("--free-report on needs --mem above %llu MiB",
			    (unsigned long long)(base / MIB));
	rs->g.report_chunk = REPORT_CHUNK;
	rs->g.report_base = base;
	rs->g.report_top = rs->g.mem.size;
	bi->kmem_boot_end = base;
	bi->free_report_chunk = REPORT_CHUNK;
}

/* Pvmmu: [pool, reserved) holds the page-table frames, [reserved, mem_size) the hv's pages. */
static void pvmmu_plan(const struct options *o, uint64_t mem_size, uint64_t *pool,
		       uint64_t *reserved)
{
	*reserved = (mem_size & ~(2 * MIB - 1)) - PV_RESERVED_MIN;
	uint64_t size = (mem_size / 8) & ~(2 * MIB - 1);
	if (o->pv_pool_mib)
		size = (uint64_t)o->pv_pool_mib * MIB;
	else if (size < PV_POOL_MIN)
		size = PV_POOL_MIN;
	if (size + KERNEL_LOAD_GPA + 8 * MIB > *reserved)
		usage_error("pvmmu: a %llu MiB page-table pool leaves no kernel memory: try a "
			    "larger --mem or a smaller --pv-pool-mib",
			    (unsigned long long)(size / MIB));
	*pool = *reserved - size;
}

/* Pvmmu: the hv's tables and store routine, and how updates reach the vCPU on this MMU. */
static void setup_pvmmu(struct options *o, struct vm *vm, struct run_state *rs,
			struct boot_info *bi, const struct platform *plat)
{
	uint64_t pool, reserved;
	pvmmu_plan(o, vm->mem_size, &pool, &reserved);
	struct pvmmu_config c = {vm->mem_size, pool, reserved, bi->user_top, (unsigned)vm->ncpus};
	char err[200];
	struct pvmmu *pv = pvmmu_create(&c, vm->mem, err, sizeof err);
	if (!pv)
		usage_error("%s", err);
	enum pv_apply a = o->pv_apply;
	if (a == PV_APPLY_AUTO)
		a = !strcmp(plat->mmu, "ept") || !strcmp(plat->mmu, "npt") ? PV_APPLY_DIRECT
									   : PV_APPLY_VCPU;
	pvmmu_guard(pv, &rs->g.mem);
	pvmmu_set_sync(pv, a == PV_APPLY_VCPU ? pv_sync_vcpu : pv_sync_direct, pv_remote_flush, rs);
	bi->pv_pool_gpa = pool;
	bi->pv_pool_size = reserved - pool;
	bi->pv_batch = (uint32_t)o->pv_batch;
	rs->g.pv = pv;
	o->run.pv_apply = pv_apply_name(a);
	o->run.pv_batch = o->pv_batch;
}

/* PAGELAB_CHECK_INVARIANTS=N (a test knob): the mode's invariants after every Nth hypercall. */
static uint64_t check_every(void)
{
	const char *v = getenv("PAGELAB_CHECK_INVARIANTS");
	char *end;
	if (!v || !*v)
		return 0;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (*end || errno || v[0] < '0' || v[0] > '9' || (v[0] == '0' && v[1]))
		usage_error("PAGELAB_CHECK_INVARIANTS=%s: give a decimal count of hypercalls", v);
	return n;
}

static int run_guest(struct options *o, const char *cmdline)
{
	static struct vm vm;
	static struct run_state rs;
	struct run_report r = {.cfg = &o->run, .rs = &rs};
	platform_detect(&r.plat);

	size_t len;
	uint8_t *image = read_file(o->kernel, &len);
	if (!image)
		die("reading the guest kernel %s", o->kernel);
	vm_create(&vm, (uint64_t)o->mem_mib * MIB, (int)o->cpus, true);
	run_init(&rs, &vm);
	rs.g.mode = o->run.mode;
	/* the hv-reserved top of kernel memory is off limits to the kernel image and hypercalls */
	uint64_t reserved = o->run.mode == MODE_PTEFREE ? ptefree_tables_size(&o->pf) : 0;
	if (reserved + KERNEL_LOAD_GPA >= vm.mem_size)
		usage_error("ptefree: the window tables need %llu KiB: try a larger --mem",
			    (unsigned long long)(reserved >> 10));
	struct gmem image_mem = {.host = vm.mem, .size = vm.mem_size - reserved};
	if (o->run.mode == MODE_PVMMU) { /* the image goes below the page-table pool */
		uint64_t pool, pv_reserved;
		pvmmu_plan(o, vm.mem_size, &pool, &pv_reserved);
		reserved = vm.mem_size - pv_reserved;
		image_mem.size = pool;
	}
	rs.g.mem.size = vm.mem_size - reserved;

	struct elf_image img;
	char err[256];
	if (elf_load(image, len, &image_mem, KERNEL_LOAD_GPA, KERNBASE, &img, err, sizeof err) <
	    0) {
		fprintf(stderr, "hv: %s: %s\n", o->kernel, err);
		return HV_EXIT_GUEST_FAILED;
	}
	free(image);
	struct boot_info *bi = boot_setup(&vm, img.entry);
	bi->mode = o->run.mode;
	bi->syscall_entry = choose_entry(o->entry, &r.plat);
	bi->ncpus = 1;
	bi->shootdown = SHOOTDOWN_ON;
	o->run.syscall_entry = bi->syscall_entry == ENTRY_TRAP ? "trap" : "syscall";
	bi->kernel_end = (img.load_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	bi->hv_reserved_gpa = rs.g.mem.size;
	bi->hv_reserved_size = reserved;
	bi->user_top = o->pf.window_size; /* the same user address space in both modes */
	bi->ncpus = (uint32_t)o->cpus;
	bi->shootdown = o->shootdown;
	o->run.cpus = o->cpus;
	o->run.shootdown = o->shootdown == SHOOTDOWN_SKIP ? "skip" : "on";
	bi->cmdline_len = (uint32_t)strlen(cmdline);
	memcpy(bi->cmdline, cmdline, bi->cmdline_len + 1);
	if (o->run.mode == MODE_PTEFREE) {
		setup_ptefree(o, &vm, &rs, bi);
		o->run.fork_policy = ptefree_policy_name(rs.g.pf);
		o->run.populate = ptefree_populate_name(rs.g.pf);
	} else if (o->run.mode == MODE_CLASSIC) {
		o->run.free_report = o->free_report ? "on" : "off";
		if (o->free_report)
			setup_free_report(o, &rs, bi);
	}
	if (o->run.mode == MODE_PVMMU)
		setup_pvmmu(o, &vm, &rs, bi, &r.plat);

	r.tsc_khz = vm.tsc_khz;
	r.rss_before = rss_read();
	r.boot_tsc = vm_guest_tsc(&vm);
	rs.g.check_every = check_every();
	rs.g.mem.sealed = true; /* from here on the hv stores only through gmem_store */
	watchdog_start(o->timeout);
	progress_start(o->run.workload ? o->run.workload : o->run.exec, o->run.reps, vm.tsc_khz);
	run_loop(&rs);
	watchdog_stop();
	r.rss_after = rss_read();
	if (!guest_invariants_hold(&rs.g) || rs.g.violation[0]) {
		fprintf(stderr, "hv: %s\n", rs.g.violation);
		snprintf(rs.failure, sizeof rs.failure, "%s", rs.g.violation);
		rs.failed = true;
	} else if (rs.g.check_every && rs.g.checks) {
		printf("hv: the mode's invariants held at all %llu checks\n",
		       (unsigned long long)rs.g.checks);
	}

	const struct guest *g = &rs.g;
	if (o->run.exec)
		r.ok = !rs.failed && !g->asserted && g->done && g->exit_status == 0;
	else
		r.ok = !rs.failed && !g->asserted && g->have_result && g->result.ok;
	report_print(&r, stdout);
	if (o->run.json_path)
		report_write_json(&r, o->run.json_path);
	vm_destroy(&vm);
	return r.ok ? HV_EXIT_OK : rs.host_error ? HV_EXIT_HOST_ERROR : HV_EXIT_GUEST_FAILED;
}

int main(int argc, char **argv)
{
	struct options o;
	parse_args(argc, argv, &o);
	if (o.list) {
		list_workloads(stdout);
		return HV_EXIT_OK;
	}
	if (o.calibrate)
		return calibrate(o.run.iters ? o.run.iters : DEFAULT_CALIBRATE_EXITS,
				 o.run.json_path);
	if (!o.run.workload == !o.run.exec)
		usage_error("give exactly one of --workload NAME and --exec \"PROGRAM ARGS\" "
			    "(--list shows the workloads)");
	if (o.run.workload) { /* the time budget applies when --iters does not */
		o.run.iters_chosen_by = o.run.iters ? "user" : "budget";
		o.run.budget_s = o.run.iters ? 0 : o.budget_s ? o.budget_s : DEFAULT_BUDGET_S;
	} else if (o.budget_s) {
		usage_error("--budget applies to --workload only");
	}
	if (o.run.workload)
		check_workload(&o);
	else if (o.nkv)
		usage_error("--param applies to --workload only");
	char cmdline[BOOT_CMDLINE_MAX];
	make_cmdline(&o, cmdline, sizeof cmdline);
	return run_guest(&o, cmdline);
}
