/* context.c: the "context" of a results file: machine, kernel, KVM flavour, build. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

#ifndef BENCH_CFLAGS
#define BENCH_CFLAGS "unknown"
#endif

/* First line of a file, without its newline, or "" when it cannot be read. */
static const char *read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	buf[0] = '\0';
	if (f) {
		if (fgets(buf, len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	return buf;
}

static int module_loaded(const char *name)
{
	char path[128];
	snprintf(path, sizeof path, "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

static const char *kvm_module(void)
{
	if (module_loaded("kvm_pvm"))
		return "kvm_pvm";
	if (module_loaded("kvm_intel"))
		return "kvm_intel";
	if (module_loaded("kvm_amd"))
		return "kvm_amd";
	return "none";
}

/* What KVM's MMU does for a guest's own page tables here (DESIGN.md "Platforms"). */
const char *mmu_detect(void)
{
	char v[16];
	if (module_loaded("kvm_pvm"))
		return "pvm";
	if (module_loaded("kvm_intel"))
		return strchr("Yy1",
			      read_line("/sys/module/kvm_intel/parameters/ept", v, sizeof v)[0]
				  ?: '-')
			   ? "ept"
			   : "shadow";
	if (module_loaded("kvm_amd"))
		return strchr("Yy1", read_line("/sys/module/kvm_amd/parameters/npt", v, sizeof v)[0]
					 ?: '-')
			   ? "npt"
			   : "shadow";
	return "none";
}

static json_t *cpu_model(void)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");
	json_t *model = NULL;
	while (f && !model && fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon) {
			line[strcspn(line, "\n")] = '\0';
			model = json_string(colon + 2);
		}
	}
	if (f)
		fclose(f);
	return model ? model : json_string("unknown");
}

/* The first line a shell command prints, or null when it fails (e.g. no git here). */
static json_t *command_line_output(const char *fmt, const char *arg)
{
	char buf[256] = "", cmd[4096 + 256];
	snprintf(cmd, sizeof cmd, fmt, arg);
	FILE *p = popen(cmd, "r");
	if (!p)
		return json_null();
	int got = fgets(buf, sizeof buf, p) != NULL;
	int rc = pclose(p);
	buf[strcspn(buf, "\n")] = '\0';
	return got && rc == 0 ? json_string(buf) : json_null();
}

json_t *context_collect(int argc, char **argv, const struct budget *b)
{
	struct utsname u;
	uname(&u);
	char date[32], line[64];
	time_t now = time(NULL);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_t *args = json_array();
	for (int i = 0; i < argc; i++)
		json_array_append_new(args, json_string(argv[i]));
	json_t *ctx = json_pack(
	    "{s:s, s:s, s:s++, s:o, s:I, s:s, s:s, s:s, s:b, s:o, s:o, s:s, s:s, s:o}", "date",
	    date, "host", u.nodename, "kernel", u.release, " ", u.version, "cpu", cpu_model(),
	    "num_cpus", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "kvm_module", kvm_module(),
	    "mmu", mmu_detect(), "tdp_mmu",
	    read_line("/sys/module/kvm/parameters/tdp_mmu", line, sizeof line), "kvm_device",
	    access("/dev/kvm", R_OK | W_OK) == 0, "git_commit",
	    command_line_output("git -C '%s/..' rev-parse HEAD 2>/dev/null", bench_bin_dir()),
	    "git_dirty",
	    command_line_output("s=$(git -C '%s/..' status --porcelain 2>/dev/null) && "
				"if [ -n \"$s\" ]; then echo yes; else echo no; fi",
				bench_bin_dir()),
	    "compiler", __VERSION__, "cflags", BENCH_CFLAGS, "command", args);
	json_object_set_new(ctx, "budget",
			    json_pack("{s:f, s:i, s:i, s:f, s:I}", "rep_s", b->rep_s, "reps",
				      b->reps, "warmup", b->warmup, "timeout_s", b->timeout_s,
				      "calibration_exits", (json_int_t)b->calibration_exits));
	return ctx;
}
