/* reproduce.c: the published anchors, each against pagelab's count or modelled time ratio. */
/*
 * A published count is compared with the lab's count (exact: real KVM code); a published
 * time ratio with the ratio of two cells' modelled hardware times (the projection, at the low
 * costs and at the high ones), never with a time measured in the lab or on a PVM host, which
 * is emulated. Where the setups differ (a native baseline the lab has no modelled cell for, an
 * exit Xen takes that has no counterpart here), the row says "not comparable" and why. The
 * sources' own text was not read for this table: the figures are the design notes' anchors,
 * and where each stands in its paper (table or figure) is not confirmed.
 */
#include <math.h>
#include <string.h>
#include "model.h"

#define COUNT_SLACK 0.25 /* a count is reproduced within 25% */
#define RATIO_SLACK 2.0	 /* a time ratio is reproduced within a factor of 2 of the range */
#define NOT_READ    "text not read here: where it stands (table or figure) unconfirmed"
#define LAB_NPT	    "lab-npt: kvm-amd npt=1, Debian 6.1 kernel, nested in QEMU TCG"
#define LAB_SHADOW  "lab-shadow: kvm-amd npt=0, Debian 6.1 kernel, nested in QEMU TCG"
#define MODELLED    "lab instruction clock, modelled on VMX/SVM hardware (paper/hwcosts.json)"

struct anchor {
	const char *source, *setup, *figure;
	double published;
	const char *workload, *params; /* params as the projection writes them ("-": none) */
	const char *series, *plat;     /* the count's cell, or the ratio's numerator */
	int ev;			       /* a count: its event; -1: a time ratio */
	double per;		       /* the count is per this many units of the op (pages) */
	const char *series_b, *mmu_a, *mmu_b; /* a time ratio: its denominator, the two MMUs */
	const char *differs;		      /* non-NULL: not comparable, and why */
	const char *note; /* non-NULL: what stands between, when not reproduced */
};

static const struct anchor anchors[] = {
    {"KVM history", "single-level KVM, shadow paging (as the design notes state it)",
     "exits per demand fault under shadow paging: 3", 3, "mmapchurn", "kib=64", "classic",
     "lab-shadow", EV_KVM_PF, 16, NULL, NULL, NULL, NULL, NULL},
    {"KVM history", "single-level KVM, shadow paging (as the design notes state it)",
     "exits per first touch under shadow paging: 3", 3, "pagefault", "-", "classic", "lab-shadow",
     EV_KVM_PF, 1, NULL, NULL, NULL, NULL,
     "the lab host backs the guest with transparent huge pages: KVM maps several first touches "
     "with one large shadow entry (three with THP off, in a manual run)"},
    {"Adams & Agesen, ASPLOS 2006",
     "single-level, Pentium 4: VMware's hardware VMM (VT-x) with shadow page tables",
     "ptemod, traps per PTE store under shadow paging: 1", 1, "mprotect", "pages=1", "classic",
     "lab-shadow", EV_KVM_OTHER, 2, NULL, NULL, NULL, NULL, NULL},
    {"Adams & Agesen, ASPLOS 2006", "single-level, Pentium 4: hardware VMM against native",
     "syscall, hardware VMM / native: 246 / 242 cycles", 246.0 / 242, "nullsys", "-", "classic",
     NULL, -1, 1, "classic", "shadow", "npt",
     "the lab has no native cell to model; classic under NPT stands in", NULL},
    {"Adams & Agesen, ASPLOS 2006", "single-level, Pentium 4: hardware VMM against native",
     "pgfault, hardware VMM / native: 11242 / 1093 cycles", 11242.0 / 1093, "pagefault", "-",
     "classic", NULL, -1, 1, "classic", "shadow", "npt",
     "the lab has no native cell to model; classic under NPT, which exits once per first "
     "touch, stands in",
     NULL},
    {"Adams & Agesen, ASPLOS 2006", "single-level, Pentium 4: hardware VMM against native",
     "forkwait, hardware VMM / native: 106.4 / 6.02 s", 106.4 / 6.02, "forkstorm",
     "rss_kib=1024,touch_pages=0", "classic", NULL, -1, 1, "classic", "shadow", "npt",
     "the lab has no native cell to model; classic under NPT stands in", NULL},
    {"PVM, SOSP 2023", "single-level KVM on bare metal (lmbench): EPT against shadow paging",
     "fork, kvm shadow / kvm-ept: 505 / 82 us", 505.0 / 82, "forkstorm",
     "rss_kib=1024,touch_pages=0", "classic", NULL, -1, 1, "classic", "shadow", "npt", NULL, NULL},
    {"PVM, SOSP 2023", "single-level KVM on bare metal (lmbench): EPT against shadow paging",
     "page fault, kvm shadow / kvm-ept: 0.93 / 0.15 us", 0.93 / 0.15, "pagefault", "-", "classic",
     NULL, -1, 1, "classic", "shadow", "npt", NULL, NULL},
    {"Barham et al., SOSP 2003", "single-level Xen with paravirtual MMU (XenoLinux)",
     "transitions into Xen per faulted page: 2", 2, "pagefault", "-", "pvmmu", "lab-npt",
     EV_HV_EXIT, 1, NULL, NULL, NULL,
     "pagelab counts the update's hypercall; Xen's other transition, the fault's trap into "
     "Xen, has no counterpart under NPT, where the guest's #PF does not exit",
     NULL},
    {"Barham et al., SOSP 2003", "single-level Xen with paravirtual MMU against native Linux",
     "fork, Xen / native: 198 / 110 us", 198.0 / 110, "forkstorm", "rss_kib=1024,touch_pages=0",
     "pvmmu", NULL, -1, 1, "classic", "npt", "npt",
     "the lab has no native cell to model; classic under NPT stands in", NULL},
    {"Barham et al., SOSP 2003", "single-level Xen with paravirtual MMU against native Linux",
     "page fault, Xen / native: 2.73 / 1.42 us", 2.73 / 1.42, "pagefault", "-", "pvmmu", NULL, -1,
     1, "classic", "npt", "npt",
     "the lab has no native cell to model; classic under NPT, which exits once per first "
     "touch, stands in",
     NULL},
};
#define NANCHORS (int)(sizeof anchors / sizeof anchors[0])

/* A count: the lab cell's events per unit against the published count. */
static void count_row(const struct model *m, const struct anchor *a, FILE *f)
{
	char series[64], *policy;
	snprintf(series, sizeof series, "%s", a->series);
	policy = strchr(series, '/');
	if (policy)
		*policy++ = 0;
	int i = cell_find(m, a->workload, strcmp(a->params, "-") ? a->params : "", series, policy,
			  a->plat);
	double v = i < 0 ? NAN : m->cells[i].n[a->ev] / a->per;
	bool ok = fabs(v - a->published) <= COUNT_SLACK * a->published;
	char num[32];
	snprintf(num, sizeof num, isnan(v) ? "-" : "%.2f", v);
	fprintf(f, "| %s (%s %s %s; %s, counts exact) | %s%s |\n", num, a->workload, a->params,
		a->series, !strcmp(a->plat, "lab-npt") ? LAB_NPT : LAB_SHADOW,
		isnan(v)     ? "not measured"
		: a->differs ? "not comparable: "
		: ok	     ? "yes (count, within 25%)"
		: a->note    ? "no (count, beyond 25%): "
			     : "no (count, beyond 25%)",
		isnan(v)	 ? ""
		: a->differs	 ? a->differs
		: !ok && a->note ? a->note
				 : "");
}

/* A time ratio: the two cells' modelled hardware times at the low and at the high costs. */
static void ratio_row(const char *out_dir, const struct anchor *a, FILE *f)
{
	double alo, ahi, blo, bhi;
	bool have = projected(out_dir, a->workload, a->params, a->series, a->mmu_a, &alo, &ahi) &&
		    projected(out_dir, a->workload, a->params, a->series_b, a->mmu_b, &blo, &bhi);
	fprintf(f, "| ");
	if (have)
		fprintf(f, "%.2f - %.2f", fmin(alo / blo, ahi / bhi), fmax(alo / blo, ahi / bhi));
	else
		fprintf(f, "-");
	fprintf(f, " (%s %s / %s %s, %s %s; %s) | ", a->series, a->mmu_a, a->series_b, a->mmu_b,
		a->workload, a->params, MODELLED);
	if (a->differs)
		fprintf(f, "not comparable: %s |\n", a->differs);
	else if (!have)
		fprintf(f, "not measured: %s |\n", NO_ICOUNT);
	else {
		double lo = fmin(alo / blo, ahi / bhi), hi = fmax(alo / blo, ahi / bhi);
		bool ok = a->published <= hi * RATIO_SLACK && a->published >= lo / RATIO_SLACK;
		fprintf(f, "%s |\n",
			ok ? "yes (modelled time ratio, within 2x)"
			   : "no (modelled time ratio, beyond 2x)");
	}
}

void write_reproduce(const struct model *m, const char *out_dir, FILE *f)
{
	fprintf(f, "| source | its setup | published (where in the source) | pagelab (setup) | "
		   "reproduced |\n|---|---|---|---|---|\n");
	for (int i = 0; i < NANCHORS; i++) {
		const struct anchor *a = &anchors[i];
		fprintf(f, "| %s | %s | %s (%s) ", a->source, a->setup, a->figure, NOT_READ);
		if (a->ev >= 0)
			count_row(m, a, f);
		else
			ratio_row(out_dir, a, f);
	}
	write_concurrent_fork_anchor(m, f);
}
