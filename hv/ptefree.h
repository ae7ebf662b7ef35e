/* ptefree.h: the state shared by ptefree.c (windows, hypercalls) and lazy.c (lazy fork). */
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
	int parent;	/* lazy: the window its pending pages come from, or -1 */
	uint64_t npending;
};

struct lazy;
struct ptefree {
	struct ptefree_config cfg;
	const char *policy_name;
	uint8_t *kmem_host; /* host address of kernel GPA 0 */
	uint64_t kmem_base, nchunks;
	uint8_t *chunk_used;
	uint8_t *win_host; /* all windows, one host reservation */
	uint64_t npages;   /* pages per window */
	struct window *w;
	uint8_t *vec;	      /* mincore buffer, npages bytes */
	pthread_mutex_t lock; /* hypercalls (vCPU thread) against the lazy fault handler */
	struct ptefree_counts counts;
	struct lazy *lazy;
};

int host_prot(uint8_t page);
/* Copies the resident pages of parent's mapped range [first, first + n) into child. */
void copy_run(struct ptefree *pf, int parent, int child, uint64_t first, uint64_t n);

/* lazy.c (called with pf->lock held, except lazy_start) */
int lazy_start(struct ptefree *pf, char *why, size_t len); /* -1 with why if unavailable */
void lazy_fork(struct ptefree *pf, int parent, int child);
/* Pages [first, first + n) of window w are about to lose their content (unmap, remap,
 * destroy): windows still waiting for them get their copy first. */
void lazy_release(struct ptefree *pf, int w, uint64_t first, uint64_t n);

#endif
