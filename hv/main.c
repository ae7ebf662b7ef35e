/* main.c: one hv run: checks the request against the workloads and the kernel image, boots the
 * guest kernel, reports the run. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mode.h"

/* --list's first section: what --workload runs, and each workload's parameters. */
static void list_workloads(FILE *out)
{
	fprintf(out, "workloads (--workload NAME [--param k=v]...):\n");
	for (const struct workload *w = wl_first(); w; w = wl_next(w)) {
		fprintf(out, "  %-10s %s%s\n", w->name, w->desc,
			w->flags & WL_GUEST_ONLY ? " (guest only)" : "");
		for (int i = 0; i < wl_nparams(w); i++) {
			const struct wl_param *p = &w->params[i];
			fprintf(out, "      %-12s default %ld, range [%ld, %ld]: %s\n", p->name,
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
static enum syscall_entry choose_entry(int entry, const struct host *p)
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
 * top of the image's room: the mode's plan, checked before the VM exists. */
static void plan_memory(const struct options *o, uint64_t mem_size, uint64_t *reserved,
			uint64_t *image_top)
{
	*reserved = 0;
	*image_top = mem_size;
	if (o->mode->plan)
		o->mode->plan(o, mem_size, reserved, image_top);
}

static int run_guest(struct options *o, const char *cmdline, const uint8_t *image, size_t len)
{
	static struct vm vm;
	static struct run_state rs;
	struct run_report r = {.cfg = &o->run, .rs = &rs};
	uint64_t reserved, image_top;
	static struct hits hits;
	hits_parse(o->run.count_hits, &hits); /* refuses a list of files it cannot read */
	plan_memory(o, (uint64_t)o->mem_mib * MIB, &reserved, &image_top);
	host_detect(&r.host);
	vm_create(&vm, (uint64_t)o->mem_mib * MIB, (int)o->cpus, true);
	run_init(&rs, &vm);
	rs.mode = o->mode;
	rs.lab_marks = o->run.lab_marks;
	rs.hits = &hits;
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
	bi->mode = o->mode->id;
	bi->syscall_entry = choose_entry(o->syscall_entry, &r.host);
	o->run.syscall_entry = bi->syscall_entry == ENTRY_TRAP ? "trap" : "syscall";
	bi->kernel_end = (img.load_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	bi->hv_reserved_gpa = rs.g.mem.size;
	bi->hv_reserved_size = reserved;
	bi->user_top = (uint64_t)o->window_mib * MIB; /* the same in every mode */
	bi->ncpus = (uint32_t)o->cpus;
	bi->shootdown = o->shootdown;
	o->run.cpus = o->cpus;
	o->run.shootdown = o->shootdown == SHOOTDOWN_SKIP ? "skip" : "on";
	bi->frames = (uint32_t)o->frames;
	o->run.frames = o->frames == FRAMES_FRESH ? "fresh" : "reused";
	bi->cmdline_len = (uint32_t)strlen(cmdline);
	memcpy(bi->cmdline, cmdline, bi->cmdline_len + 1);
	rs.g.calls = o->mode->calls;
	if (o->mode->setup)
		o->mode->setup(o, &vm, &rs, bi, &r.host);

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

/* The guest kernel image: --kernel, else the one beside the hv. NULL (after saying why) when it
 * cannot be read. */
static uint8_t *read_kernel(struct options *o, size_t *len)
{
	if (!o->kernel)
		o->kernel = default_kernel();
	uint8_t *image = read_file(o->kernel, len);
	if (!image)
		fprintf(stderr, "hv: cannot read the guest kernel %s: %s\n", o->kernel,
			strerror(errno));
	return image;
}

/* The programs the kernel image embeds; a malformed image or table is refused. */
static int kernel_programs(const char *kernel, const uint8_t *image, size_t len,
			   struct elf_program *progs)
{
	char err[256];
	int n = elf_programs(image, len, progs, ELF_MAX_PROGRAMS, err, sizeof err);
	if (n < 0)
		usage_error("%s: %s", kernel, err);
	return n;
}

/* --list's second section: what --exec runs, as the kernel image embeds it. */
static int list_programs(struct options *o, FILE *out)
{
	size_t len;
	uint8_t *image = read_kernel(o, &len);
	if (!image)
		return RC_IO;
	struct elf_program progs[ELF_MAX_PROGRAMS];
	int n = kernel_programs(o->kernel, image, len, progs);
	fprintf(out, "programs (--exec \"PROGRAM ARGS\"):\n");
	for (int i = 0; i < n; i++)
		fprintf(out, "  %-10s %s\n", progs[i].name, progs[i].desc);
	if (n == 0)
		fprintf(out, "  (none: %s has no table of programs)\n", o->kernel);
	free(image);
	return RC_OK;
}

/* The program the command line starts (its first word's last path component, as the guest's
 * exec finds it) must be one the kernel image embeds. An image with no table of programs (a
 * test guest) takes any command line. */
static void check_program(const char *kernel, const uint8_t *image, size_t len, const char *cmdline)
{
	struct elf_program progs[ELF_MAX_PROGRAMS];
	int n = kernel_programs(kernel, image, len, progs);
	if (n == 0)
		return;
	char prog[BOOT_CMDLINE_MAX], names[ELF_MAX_PROGRAMS * 32] = "";
	snprintf(prog, sizeof prog, "%.*s", (int)strcspn(cmdline, " \t"), cmdline);
	const char *name = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
	size_t used = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(progs[i].name, name) == 0)
			return;
		used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
					 progs[i].name);
		if (used >= sizeof names)
			used = sizeof names - 1; /* the list of names is cut short */
	}
	usage_error("%s has no program '%s' (valid: %s)", kernel, name, names);
}

int main(int argc, char **argv)
{
	struct options o;
	parse_args(argc, argv, &o);
	if (o.list || o.list_modes || o.describe) {
		int listed = RC_OK;
		if (o.list) {
			list_workloads(stdout);
			listed = list_programs(&o, stdout);
		}
		if (o.list_modes)
			options_list_modes(stdout);
		if (o.describe)
			options_describe(&o, stdout);
		return listed;
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
			    "(--list shows the workloads and the programs)");
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
	size_t len;
	uint8_t *image = read_kernel(&o, &len);
	if (!image)
		return RC_IO;
	check_program(o.kernel, image, len, cmdline);
	if (o.run.lab_marks)
		lab_mark_run();
	rc = run_guest(&o, cmdline, image, len);
	free(image);
	return rc;
}
