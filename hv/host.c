/* host.c: what the host is (its KVM, MMU and transparent huge pages), and host memory use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hv.h"

/* The first line of a sysfs file without its newline, or "" if absent. */
static void read_line(const char *path, char *buf, size_t len)
{
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* First word of a one-line sysfs file, or "" if absent. */
static void read_word(const char *path, char *buf, size_t len)
{
	read_line(path, buf, len);
	buf[strcspn(buf, " ")] = '\0';
}

/* The bracketed choice of a sysfs selector such as "always [madvise] never". */
static void read_choice(const char *path, char *buf, size_t len)
{
	char line[128];
	buf[0] = '\0';
	read_line(path, line, sizeof line);
	char *open = strchr(line, '['), *close = open ? strchr(open, ']') : NULL;
	if (close)
		snprintf(buf, len, "%.*s", (int)(close - open - 1), open + 1);
}

static bool yes(const char *v)
{
	return strcmp(v, "Y") == 0 || strcmp(v, "1") == 0;
}

void host_detect(struct host *p)
{
	char v[64];
	memset(p, 0, sizeof *p);
	snprintf(p->mmu, sizeof p->mmu, "unknown");
	if (access("/sys/module/kvm_pvm", F_OK) == 0) {
		snprintf(p->kvm_module, sizeof p->kvm_module, "kvm_pvm");
		snprintf(p->mmu, sizeof p->mmu, "pvm");
	} else if (access("/sys/module/kvm_intel", F_OK) == 0) {
		snprintf(p->kvm_module, sizeof p->kvm_module, "kvm_intel");
		read_word("/sys/module/kvm_intel/parameters/ept", v, sizeof v);
		snprintf(p->mmu, sizeof p->mmu, "%s", yes(v) ? "ept" : "shadow");
	} else if (access("/sys/module/kvm_amd", F_OK) == 0) {
		snprintf(p->kvm_module, sizeof p->kvm_module, "kvm_amd");
		read_word("/sys/module/kvm_amd/parameters/npt", v, sizeof v);
		snprintf(p->mmu, sizeof p->mmu, "%s", yes(v) ? "npt" : "shadow");
	}
	read_word("/sys/module/kvm/parameters/tdp_mmu", p->tdp_mmu, sizeof p->tdp_mmu);
	/* guest memory is host anonymous memory: huge pages change how KVM maps it */
	read_choice("/sys/kernel/mm/transparent_hugepage/enabled", p->thp, sizeof p->thp);

	/* The lab is a QEMU machine; an explicit PAGELAB_PLATFORM wins over the guess. */
	const char *env = getenv("PAGELAB_PLATFORM");
	read_word("/sys/class/dmi/id/sys_vendor", v, sizeof v);
	if (env && *env)
		snprintf(p->name, sizeof p->name, "%s", env);
	else if (strcmp(v, "QEMU") == 0)
		snprintf(p->name, sizeof p->name, "lab-%s", p->mmu);
	else
		snprintf(p->name, sizeof p->name, "host");
}

struct rss rss_read(void)
{
	struct rss r = {0, 0};
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return r;
	char line[256];
	while (fgets(line, sizeof line, f)) {
		unsigned long long kib;
		if (sscanf(line, "VmRSS: %llu", &kib) == 1)
			r.rss_kib = kib;
		else if (sscanf(line, "VmHWM: %llu", &kib) == 1)
			r.hwm_kib = kib;
	}
	fclose(f);
	return r;
}
