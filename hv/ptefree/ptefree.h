/* ptefree.h: the ptefree mode's internal state, shared by ptefree.c, paging.c (hypercalls) and
 * lazy.c. */
#ifndef HV_PTEFREE_H
#define HV_PTEFREE_H

#include <pthread.h>
#include "hv.h"

struct window {
	bool live;
	uint8_t *host; /* host address of the window's first byte */
	uint64_t gpa;
	uint64_t cr3;	/* its PML4, in the hv-reserved range */
	uint8_t *pages; /* per page: 0, or PAGE_MAPPED | HC_PROT_* [| PAGE_PENDING] */
	/* per group of GROUP_PAGES pages, one bit: set when a page of it was mapped since the
	 * window went live; the pages of a clear group are all 0, and the hv's work per call
	 * skips them, so that it follows what the address space holds, not the window size */
	uint64_t *used;
	int parent; /* lazy: the window its pending pages come from, or -1 */
	uint64_t npending;
	bool stale_prot; /* destroyed while the host refused PROT_NONE: redone before reuse */
};

struct lazy;
struct ptefree {
	struct ptefree_config cfg;
	const char *policy_name;
	const uint64_t *tables; /* host view of the window tables, at tables_gpa */
	uint64_t tables_gpa;
	uint64_t kmem_base, nchunks;
	uint8_t *chunk_used;
	uint64_t chunks_held, chunks_peak;
	uint8_t *win_host; /* all windows, one host reservation */
	uint64_t npages;   /* pages per window */
	struct window *w;
	uint8_t *vec;	      /* mincore buffer, npages bytes */
	int mem_fd;	      /* /proc/self/mem, to read pages whatever their protection */
	pthread_mutex_t lock; /* hypercalls (vCPU thread) against the lazy fault handler */
	struct ptefree_counts counts;
	struct ptefree_refusal refusals[PTEFREE_MAX_REFUSALS];
	int nrefusals;
	struct lazy *lazy;
};

#define GROUP_PAGES 512 /* 2 MiB */
/* Page i if its group of window w is used, else the first page of the next used group
 * (npages when there is none). */
uint64_t used_from(const struct ptefree *pf, int w, uint64_t i);
void mark_used(struct ptefree *pf, int w, uint64_t first, uint64_t n);

int host_prot(uint8_t page);
/* A host call failed (errno) while serving the guest. ENOMEM is the guest's doing (the
 * host's mapping count limit, vm.max_map_count, that a guest with many mappings reaches):
 * it is counted by call for the run record and the guest gets -HC_ENOMEM. Any other errno
 * is a host failure (host_failure). */
int host_refused(struct ptefree *pf, const char *call);
/* Counts a host call refused with errno err, for the run record. */
void note_refusal(struct ptefree *pf, const char *call, int err);
/* Sets the host protection of pages [first, first + n) of window w; 0, or the error for the
 * guest with host and record still in agreement (a refused range is put back as the
 * record says). */
int set_host_prot(struct ptefree *pf, int w, uint64_t first, uint64_t n, int prot,
		  const char *call);

/* Calls fn for each run of mapped pages of window w with the same protection (pending or
 * not), until one returns an error, which it returns. */
int each_run(struct ptefree *pf, int w,
	     int (*fn)(struct ptefree *pf, int w, int arg, uint64_t first, uint64_t n), int arg);

/* lazy.c (called with pf->lock held, except lazy_start). Those returning int answer 0 or
 * the hypercall's error. */
int lazy_start(struct ptefree *pf, char *why, size_t len); /* -1 with why if unavailable */
/* The child's window becomes a lazy copy of the parent's; on an error the caller destroys
 * the child. */
int lazy_fork(struct ptefree *pf, int parent, int child);
/* Pages [first, first + n) of window w are about to lose their content (unmap, remap,
 * destroy): windows still waiting for them get their copy first. */
int lazy_release(struct ptefree *pf, int w, uint64_t first, uint64_t n);
/* Backs the fresh pages [first, first + n) of window w writable when w is registered for
 * missing faults (where the host's populate would wait on the fault handler): 1 when done,
 * 0 when w is not registered so, or the error. */
int lazy_populate(struct ptefree *pf, int w, uint64_t first, uint64_t n);

/* fault.c: an access the host refused in a window (EFAULT from KVM_RUN, a memory fault exit
 * with its gpa, or MMIO) becomes a #PF for the guest (the mode's on_fault hook). False when it
 * is not one. */
bool ptefree_fault(struct vcpu_state *vs, bool have_gpa, uint64_t gpa);

#endif
