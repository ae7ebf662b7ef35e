/* ptefree.h: the ptefree mode's hv side: what the mode, its tests and hv-paging call, then its
 * internal state, shared by ptefree.c, paging.c (hypercalls) and lazy.c. */
#ifndef HV_PTEFREE_H
#define HV_PTEFREE_H

#include <pthread.h>
#include "hv.h"

/* ptefree/ (ptefree.c, paging.c, lazy.c): the hv does all paging: one guest-physical window per
 * address space behind an immutable GVA->GPA table, host mprotect/madvise for map/unmap/protect,
 * kernel memory chunks. */
enum fork_policy {
	FORK_COPY, /* copy the parent's resident pages at fork */
	FORK_LAZY, /* copy-on-write by the hv through userfaultfd */
};
enum populate_policy {
	POPULATE_NONE,	/* map reserves; each page is backed at its first touch */
	POPULATE_WRITE, /* map backs writable pages at once: a first touch costs one fault */
};
struct ptefree_config {
	uint64_t nwindows;
	uint64_t window_size; /* bytes; user addresses are [0, window_size) */
	enum fork_policy policy;
	uint64_t kmem_chunk;
	enum populate_policy populate;
	bool count_resident; /* count the resident pages and host mappings hypercalls meet */
};
/* "none" / "write" and back; populate_parse answers -1 for an unknown name. */
const char *populate_name(enum populate_policy p);
int populate_parse(const char *name, enum populate_policy *out);
#define PTEFREE_WINDOWS_GPA (4ull << 30)   /* above kernel memory, 2 MiB aligned */
#define PTEFREE_MAX_TOTAL   (256ull << 30) /* windows stay well below a 40-bit physical space */
/* Bytes of hv-reserved kernel memory the tables of c need. */
uint64_t ptefree_tables_size(const struct ptefree_config *c);
/* Reserves the windows (host PROT_NONE) and builds their tables at tables_gpa; kernel memory
 * [kmem_base, kmem_top) is handed out in chunks. Returns NULL with a reason in err. */
struct ptefree *ptefree_create(const struct ptefree_config *c, const struct gmem *kmem,
			       uint64_t kmem_base, uint64_t kmem_top, uint64_t tables_gpa,
			       char *err, size_t errlen);
/* Makes the guest memory view m refuse hv stores into the window and boot tables. */
void ptefree_guard(const struct ptefree *pf, struct gmem *m);
/* Whether every window table is as built (nothing writes them once built): 0, or -1 with the
 * first difference in err. */
int ptefree_check(const struct ptefree *pf, char *err, size_t errlen);
void ptefree_windows(const struct ptefree *pf, uint64_t *gpa, void **host, uint64_t *size);
const char *ptefree_policy_name(const struct ptefree *pf);   /* the policy that runs */
const char *ptefree_populate_name(const struct ptefree *pf); /* the populate policy that runs */
/* The window and page offset of guest-physical gpa, or -1 when gpa is in no live window. */
int ptefree_window_of_gpa(const struct ptefree *pf, uint64_t gpa, uint64_t *offset);
int ptefree_window_of_cr3(const struct ptefree *pf, uint64_t cr3);
/* The hv's record of page va of window w: 0 when unmapped, else PAGE_MAPPED | HC_PROT_*. */
#define PAGE_MAPPED  0x80
#define PAGE_PENDING 0x40 /* lazy fork: content still to come from the parent window */
uint8_t ptefree_page(const struct ptefree *pf, int w, uint64_t va);
void *ptefree_host(const struct ptefree *pf, int w, uint64_t va); /* NULL if va >= size */
uint64_t ptefree_window_size(const struct ptefree *pf);
struct ptefree_counts {
	uint64_t forks, fork_pages_copied, lazy_pages_copied, lazy_zero_pages, lazy_wp_faults;
	uint64_t lazy_missing_faults;  /* missing faults the handler thread served */
	uint64_t fork_pages_pending;   /* lazy fork: pages whose content the child shares */
	uint64_t range_pages;	       /* pages map, unmap and protect hypercalls covered */
	uint64_t populated_pages;      /* pages populate=write had the host back at map */
	uint64_t uffd_populated_pages; /* of them, through userfaultfd (a lazy child's window) */
	/* with count_resident only, the pages found resident by unmap, a map over a mapping and
	 * destroy (the host frees them) and by protect (the host changes their entries) */
	uint64_t unmapped_resident_pages, protected_resident_pages;
	/* with count_resident only: of the pending pages, those the host backed with
	 * transparent huge pages (it write-protects one such page for 512 base pages) */
	uint64_t fork_pages_pending_huge;
	/* with count_resident only: the host's mappings (VMAs) that the ranges of map, unmap,
	 * protect and destroy overlapped before they changed them (the host splits, merges and
	 * walks each) */
	uint64_t host_mappings;
};
void ptefree_counts_get(struct ptefree *pf, struct ptefree_counts *out);
struct ptefree_kmem {
	uint64_t chunk_size, boot_end; /* chunks start at boot_end (a GPA) */
	uint64_t chunks, held, held_peak;
};
void ptefree_kmem_get(struct ptefree *pf, struct ptefree_kmem *out);
/* Host calls refused for a reason the guest caused (the guest got -HC_ENOMEM), by call. */
#define PTEFREE_MAX_REFUSALS 8
struct ptefree_refusal {
	const char *call; /* e.g. "mprotect (map)" */
	int err;	  /* errno */
	uint64_t count;
};
int ptefree_refusals_get(struct ptefree *pf, struct ptefree_refusal *out); /* how many */
/* The hypercalls [HC_AS_CREATE, HC_KMEM_FREE] and the window tables' check. */
extern const struct mode_calls ptefree_calls;
/* Makes pf the guest's mode state, with ptefree_calls. */
void ptefree_attach(struct guest *g, struct ptefree *pf);
/* The guest's ptefree state, or NULL in another mode. */
struct ptefree *ptefree_of(const struct guest *g);

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
/* Adds to *count the pages of window w the host backs with transparent huge pages
 * (AnonHugePages of its mappings in /proc/self/smaps; costly: with count_resident only). */
int huge_pages(struct ptefree *pf, int w, uint64_t *count);
/* Adds to *count the host's mappings (VMAs, /proc/self/maps) that overlap pages
 * [first, first + n) of window w (costly: with count_resident only). */
int host_mappings(struct ptefree *pf, int w, uint64_t first, uint64_t n, uint64_t *count);

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
