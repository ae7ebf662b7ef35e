/* main.c: one hv run: checks the request against the workloads and the kernel image, boots the
 * guest kernel, reports the run. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "options.h"

#define REPORT_CHUNK (2 * MIB) /* classic free page reporting: Linux's pageblock */

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

/* SYSCALL from guest ring 3 never reaches the guest kernel on a PVM host; int3 does. */
static enum syscall_entry choose_entry(int entry, const struct platform *p)
{
	if (entry == 0)
		return strcmp(p->mmu, "pvm") == 0 ? ENTRY_TRAP : ENTRY_SYSCALL;
	return (enum syscall_entry)entry;
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

/* The options that shape a workload's run mean nothing to an --exec program: refused. */
static void check_exec_options(const struct options *o)
{
	static const char *const workload_only[] = {"iters", "budget", "reps", "warmup", "param"};
	for (size_t i = 0; i < sizeof workload_only / sizeof workload_only[0]; i++)
		if (option_given(o, workload_only[i]))
			usage_error(
			    "--%s applies to --workload only (an --exec program takes its own "
			    "arguments)",
			    workload_only[i]);
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
static void setup_free_report(struct run_state *rs, struct boot_info *bi)
{
	uint64_t tables = bi->mem_size / PAGE_SIZE * 4 + bi->mem_size / REPORT_CHUNK * 64;
	uint64_t base = (bi->kernel_end + tables + MIB + REPORT_CHUNK - 1) & ~(REPORT_CHUNK - 1);
	if (base >= rs->g.mem.size)
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
	char err[200] = "a negative count";
	long n;
	if (!v || !*v)
		return 0;
	if (wl_parse_decimal(v, &n, err, sizeof err) < 0 || n < 0)
		usage_error("PAGELAB_CHECK_INVARIANTS=%s: %s (give a count of hypercalls)", v, err);
	return (uint64_t)n;
}

/* The hv-reserved top of kernel memory (off limits to the kernel image and hypercalls) and the
 * top of the image's room, checked before the VM exists. */
static void plan_memory(const struct options *o, uint64_t mem_size, uint64_t *reserved,
			uint64_t *image_top)
{
	if (o->run.mode == MODE_PTEFREE && o->pf.nwindows > PTEFREE_MAX_TOTAL / o->pf.window_size)
		usage_error(
		    "ptefree: --windows %ld of --window-mib %ld exceed the %llu GiB of window "
		    "space",
		    o->windows, o->window_mib, PTEFREE_MAX_TOTAL >> 30);
	*reserved = o->run.mode == MODE_PTEFREE ? ptefree_tables_size(&o->pf) : 0;
	if (*reserved + KERNEL_LOAD_GPA >= mem_size)
		usage_error("ptefree: the window tables need %llu KiB: try a larger --mem",
			    (unsigned long long)(*reserved >> 10));
	*image_top = mem_size - *reserved;
	if (o->run.mode == MODE_PVMMU) { /* the image goes below the page-table pool */
		uint64_t pool, pv_reserved;
		pvmmu_plan(o, mem_size, &pool, &pv_reserved);
		*reserved = mem_size - pv_reserved;
		*image_top = pool;
	}
}

static int run_guest(struct options *o, const char *cmdline, const uint8_t *image, size_t len)
{
	static struct vm vm;
	static struct run_state rs;
	struct run_report r = {.cfg = &o->run, .rs = &rs};
	uint64_t reserved, image_top;
	plan_memory(o, (uint64_t)o->mem_mib * MIB, &reserved, &image_top);
	platform_detect(&r.plat);
	vm_create(&vm, (uint64_t)o->mem_mib * MIB, (int)o->cpus, true);
	run_init(&rs, &vm);
	rs.g.mode = o->run.mode;
	rs.g.mem.size = vm.mem_size - reserved;
	struct gmem image_mem = {.host = vm.mem, .size = image_top};

	struct elf_image img;
	char err[256];
	if (elf_load(image, len, &image_mem, KERNEL_LOAD_GPA, KERNBASE, &img, err, sizeof err) <
	    0) {
		fprintf(stderr, "hv: %s: %s\n", o->kernel, err);
		return RC_USAGE; /* the image does not fit this request: nothing ran */
	}
	struct boot_info *bi = boot_setup(&vm, img.entry);
	bi->mode = o->run.mode;
	bi->syscall_entry = choose_entry(o->syscall_entry, &r.plat);
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
			setup_free_report(&rs, bi);
	}
	if (o->run.mode == MODE_PVMMU)
		setup_pvmmu(o, &vm, &rs, bi, &r.plat);

	r.tsc_khz = vm.tsc_khz;
	r.rss_before = rss_read();
	r.boot_tsc = vm_guest_tsc(&vm);
	rs.g.check_every = check_every();
	rs.g.mem.sealed = true; /* from here on the hv stores only through gmem_store */
	progress_start(o->run.workload ? o->run.workload : o->run.exec, o->run.reps, vm.tsc_khz);
	watchdog_start((double)o->timeout, vcpu_kick);
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
	/* a record that cannot be written is the outcome that matters: the caller has none */
	int written = o->run.json_path ? report_write_json(&r, o->run.json_path) : RC_OK;
	vm_destroy(&vm);
	if (written != RC_OK)
		return written;
	return r.ok ? RC_OK : rs.host_error ? RC_HOST : RC_GUEST;
}

/* The guest kernel beside the hv binary (build/hv: build/guest/kernel.elf; the lab keeps the
 * same layout), so the hv runs from any folder. */
static const char *default_kernel(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - sizeof DEFAULT_KERNEL);
	if (n < 0)
		die("readlink /proc/self/exe");
	path[n] = '\0';
	strcpy(strrchr(path, '/') + 1, DEFAULT_KERNEL);
	return path;
}

/* The program the command line starts (its first word's last path component, as the guest's
 * exec finds it) must be one the kernel image embeds. An image with no table of programs (a
 * test guest) takes any command line. */
static void check_program(const char *kernel, const uint8_t *image, size_t len, const char *cmdline)
{
	char names[1024], err[256], prog[BOOT_CMDLINE_MAX];
	int n = elf_program_names(image, len, names, sizeof names, err, sizeof err);
	if (n < 0)
		usage_error("%s: %s", kernel, err);
	if (n == 0)
		return;
	snprintf(prog, sizeof prog, "%.*s", (int)strcspn(cmdline, " \t"), cmdline);
	const char *name = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
	char list[sizeof names + 4], key[sizeof prog + 4];
	snprintf(list, sizeof list, ", %s,", names);
	snprintf(key, sizeof key, ", %s,", name);
	if (*name && strstr(list, key))
		return;
	usage_error("%s has no program '%s' (valid: %s)", kernel, name, names);
}

int main(int argc, char **argv)
{
	struct options o;
	parse_args(argc, argv, &o);
	if (o.list) {
		list_workloads(stdout);
		return RC_OK;
	}
	char err[PATH_MAX + 128];
	int rc = o.run.json_path ? output_check(o.run.json_path, err, sizeof err) : RC_OK;
	if (rc != RC_OK) {
		fprintf(stderr, "hv: --json %s\n", err);
		return rc;
	}
	if (o.calibrate)
		return calibrate(o.run.iters ? o.run.iters : DEFAULT_CALIBRATE_EXITS,
				 o.run.json_path);
	if (!o.run.workload == !o.run.exec)
		usage_error("give exactly one of --workload NAME and --exec \"PROGRAM ARGS\" "
			    "(--list shows the workloads)");
	if (o.run.iters && o.budget_s)
		usage_error("--budget chooses the iterations: give --iters or --budget, not both");
	if (o.run.workload) { /* the time budget applies when --iters does not */
		o.run.iters_chosen_by = o.run.iters ? "user" : "budget";
		o.run.budget_s = o.run.iters ? 0 : o.budget_s ? o.budget_s : DEFAULT_BUDGET_S;
		check_workload(&o);
	}
	if (o.run.exec)
		check_exec_options(&o);
	char cmdline[BOOT_CMDLINE_MAX];
	make_cmdline(&o, cmdline, sizeof cmdline);
	if (!o.kernel)
		o.kernel = default_kernel();
	size_t len;
	uint8_t *image = read_file(o.kernel, &len);
	if (!image) {
		fprintf(stderr, "hv: cannot read the guest kernel %s: %s\n", o.kernel,
			strerror(errno));
		return RC_IO;
	}
	check_program(o.kernel, image, len, cmdline);
	rc = run_guest(&o, cmdline, image, len);
	free(image);
	return rc;
}
