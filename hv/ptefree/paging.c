/* paging.c: the ptefree paging hypercalls: map, unmap, protect, fork, destroy, kernel chunks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "ptefree.h"

/* The one argument check for the range operations: a live window and a non-empty,
 * page-aligned [va, va + len) inside it (overflow-safe). Returns the window or -HC_E*. */
static int checked_range(struct ptefree *pf, uint64_t asid, uint64_t va, uint64_t len,
			 uint64_t *first, uint64_t *n)
{
	if (asid >= pf->cfg.nwindows || !pf->w[asid].live)
		return -HC_EBADF;
	if (va % PAGE_SIZE || len % PAGE_SIZE || len == 0 || va > pf->cfg.window_size ||
	    len > pf->cfg.window_size - va)
		return -HC_EINVAL;
	*first = va / PAGE_SIZE;
	*n = len / PAGE_SIZE;
	return (int)asid;
}

static bool any_mapped(const struct window *w, uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n; i++)
		if (w->pages[i])
			return true;
	return false;
}

/* With count_resident, counts into *count the pages of a range the host has backed before a
 * range hypercall changes them: its host work goes by them, not by the pages it covers. mincore
 * costs host instructions of its own, so the bench asks for it in its untimed --trace pass
 * only. */
static int count_resident(struct ptefree *pf, int wi, uint64_t first, uint64_t n, uint64_t *count)
{
	if (!pf->cfg.count_resident)
		return 0;
	if (mincore(pf->w[wi].host + first * PAGE_SIZE, n * PAGE_SIZE, pf->vec) < 0)
		return host_failure("mincore of window %d pages %#llx+%#llx", wi,
				    (unsigned long long)first, (unsigned long long)n);
	for (uint64_t i = 0; i < n; i++)
		*count += pf->vec[i] & 1;
	return 0;
}

/* With count_resident, counts the host's mappings that a range hypercall or destroy meets in
 * pages [first, first + n) of window wi, before it changes them. */
static int count_mappings(struct ptefree *pf, int wi, uint64_t first, uint64_t n)
{
	return pf->cfg.count_resident ? host_mappings(pf, wi, first, n, &pf->counts.host_mappings)
				      : 0;
}

/* Gives pages [first, first + n) of w back to the host and makes them inaccessible. Counting
 * them and making them inaccessible come first, since those are the steps the host may
 * refuse, and then nothing has changed yet. */
static int discard(struct ptefree *pf, int wi, uint64_t first, uint64_t n)
{
	struct window *w = &pf->w[wi];
	int ret = count_resident(pf, wi, first, n, &pf->counts.unmapped_resident_pages);
	if (ret == 0)
		ret = set_host_prot(pf, wi, first, n, PROT_NONE, "mprotect (unmap)");
	if (ret == 0 && pf->lazy)
		ret = lazy_release(pf, wi, first, n);
	if (ret < 0)
		return ret;
	if (madvise(w->host + first * PAGE_SIZE, n * PAGE_SIZE, MADV_DONTNEED) < 0)
		return host_failure("discarding window %d pages %#llx+%#llx", wi,
				    (unsigned long long)first, (unsigned long long)n);
	memset(w->pages + first, 0, n);
	return 0;
}

/* Empties a whole window (destroy), one run of used groups at a time: the rest was never
 * accessible in this life of the window. Each run is emptied first and made inaccessible
 * last: destroy cannot fail for the guest, and a run the host kept accessible is made
 * inaccessible before the window's next use. */
static int empty_window(struct ptefree *pf, int wi)
{
	struct window *w = &pf->w[wi];
	int ret = pf->lazy ? lazy_release(pf, wi, 0, pf->npages) : 0;
	if (ret < 0)
		return ret;
	for (uint64_t i = used_from(pf, wi, 0), j; i < pf->npages; i = used_from(pf, wi, j)) {
		for (j = i + GROUP_PAGES; j < pf->npages && used_from(pf, wi, j) == j;)
			j += GROUP_PAGES;
		uint8_t *p = w->host + i * PAGE_SIZE;
		ret = count_resident(pf, wi, i, j - i, &pf->counts.unmapped_resident_pages);
		if (ret == 0)
			ret = count_mappings(pf, wi, i, j - i);
		if (ret < 0)
			return ret;
		if (madvise(p, (j - i) * PAGE_SIZE, MADV_DONTNEED) < 0)
			return host_failure("discarding window %d pages %#llx+%#llx", wi,
					    (unsigned long long)i, (unsigned long long)(j - i));
		memset(w->pages + i, 0, j - i);
		if (mprotect(p, (j - i) * PAGE_SIZE, PROT_NONE) < 0) {
			w->stale_prot = true;
			host_refused(pf, "mprotect (destroy)");
		}
	}
	memset(w->used, 0, (pf->npages / GROUP_PAGES / 64 + 1) * sizeof *w->used);
	return 0;
}

/* checked_range for the calls that also take a protection (a3): HC_PROT_* bits only. */
static int checked_prot_range(struct ptefree *pf, const struct hc_args *a, uint64_t *first,
			      uint64_t *n)
{
	if (a->a3 & ~(uint64_t)(HC_PROT_READ | HC_PROT_WRITE | HC_PROT_EXEC))
		return -HC_EINVAL;
	return checked_range(pf, a->a0, a->a1, a->a2, first, n);
}

/* populate=write: the host backs the new writable pages at once, so that the guest's first
 * touch of each costs one fault in KVM (a present, writable page to map) instead of the
 * read fault to the host's zero page, the copy-on-write and the retry that a read before
 * the first write costs otherwise. A refusal (host memory short) leaves the pages to be
 * backed at first touch, as without populate, and is counted. */
static void populate(struct ptefree *pf, int wi, uint64_t first, uint64_t n)
{
	int done = pf->lazy ? lazy_populate(pf, wi, first, n) : 0;
	pf->counts.populated_pages += n;
	if (done == 0 &&
	    madvise(pf->w[wi].host + first * PAGE_SIZE, n * PAGE_SIZE, MADV_POPULATE_WRITE) < 0)
		note_refusal(pf, "madvise populate (map)", errno);
}

static int64_t do_map(struct ptefree *pf, const struct hc_args *a)
{
	uint64_t first, n;
	int wi = checked_prot_range(pf, a, &first, &n);
	if (wi < 0)
		return wi;
	pf->counts.range_pages += n;
	struct window *w = &pf->w[wi];
	int ret = count_mappings(pf, wi, first, n);
	if (ret == 0 && any_mapped(w, first, n))
		ret = discard(pf, wi, first, n); /* else it starts zeroed */
	uint8_t page = PAGE_MAPPED | (uint8_t)a->a3;
	mark_used(pf, wi, first, n); /* before the host may make any of it accessible */
	if (ret == 0)
		ret = set_host_prot(pf, wi, first, n, host_prot(page), "mprotect (map)");
	if (ret == 0) {
		memset(w->pages + first, page, n);
		if (pf->cfg.populate == POPULATE_WRITE && (page & HC_PROT_WRITE))
			populate(pf, wi, first, n);
	}
	return ret;
}

static int64_t do_unmap(struct ptefree *pf, const struct hc_args *a)
{
	uint64_t first, n;
	int wi = checked_range(pf, a->a0, a->a1, a->a2, &first, &n);
	if (wi < 0)
		return wi;
	pf->counts.range_pages += n;
	int ret = count_mappings(pf, wi, first, n);
	return ret == 0 && any_mapped(&pf->w[wi], first, n) ? discard(pf, wi, first, n) : ret;
}

static int64_t do_protect(struct ptefree *pf, const struct hc_args *a)
{
	uint64_t first, n;
	int wi = checked_prot_range(pf, a, &first, &n);
	if (wi < 0)
		return wi;
	pf->counts.range_pages += n;
	struct window *w = &pf->w[wi];
	for (uint64_t i = first; i < first + n; i++)
		if (!(w->pages[i] & PAGE_MAPPED))
			return -HC_EINVAL; /* like mprotect on a hole: the guest checks its VMAs */
	uint8_t page = PAGE_MAPPED | (uint8_t)a->a3;
	int ret = count_resident(pf, wi, first, n, &pf->counts.protected_resident_pages);
	if (ret == 0)
		ret = count_mappings(pf, wi, first, n);
	if (ret == 0)
		ret = set_host_prot(pf, wi, first, n, host_prot(page), "mprotect (protect)");
	if (ret < 0)
		return ret;
	for (uint64_t i = first; i < first + n; i++)
		w->pages[i] = page | (w->pages[i] & PAGE_PENDING);
	return 0;
}

/* A free window, made inaccessible again if its last destroy could not; -HC_ENOSPC when
 * all are live. */
static int new_window(struct ptefree *pf)
{
	int ret = -HC_ENOSPC;
	for (uint64_t i = 0; i < pf->cfg.nwindows; i++) {
		struct window *w = &pf->w[i];
		if (w->live)
			continue;
		if (w->stale_prot) {
			if (mprotect(w->host, pf->cfg.window_size, PROT_NONE) < 0) {
				ret = host_refused(pf, "mprotect (reuse)");
				continue;
			}
			w->stale_prot = false;
		}
		w->live = true;
		w->parent = -1;
		w->npending = 0;
		return (int)i;
	}
	return ret;
}

static bool is_zero(const uint8_t *page)
{
	static const uint8_t zeros[PAGE_SIZE];
	return !memcmp(page, zeros, PAGE_SIZE);
}

/* Copies the resident pages of the parent's run [first, first + n) into the fresh child:
 * readable ones directly (none that holds only zeros), the others through /proc/self/mem (the
 * parent's protection is never touched). */
static int copy_run(struct ptefree *pf, int parent, int child, uint64_t first, uint64_t n)
{
	struct window *pw = &pf->w[parent], *cw = &pf->w[child];
	uint8_t page = pw->pages[first] & ~PAGE_PENDING;
	uint8_t *src = pw->host + first * PAGE_SIZE, *dst = cw->host + first * PAGE_SIZE;
	bool readable = host_prot(page) & PROT_READ;
	mark_used(pf, child, first, n);
	int ret = set_host_prot(pf, child, first, n, PROT_READ | PROT_WRITE, "mprotect (fork)");
	if (ret < 0)
		return ret;
	if (mincore(src, n * PAGE_SIZE, pf->vec) < 0)
		return host_failure("fork: mincore of window %d pages %#llx+%#llx", parent,
				    (unsigned long long)first, (unsigned long long)n);
	for (uint64_t i = 0; i < n; i++) {
		if (!(pf->vec[i] & 1))
			continue;
		uint8_t *from = src + i * PAGE_SIZE, *to = dst + i * PAGE_SIZE;
		if (readable && is_zero(from))
			continue; /* e.g. populated at map and never written: the child's reads zero
				   */
		if (readable)
			memcpy(to, from, PAGE_SIZE);
		else if (pread(pf->mem_fd, to, PAGE_SIZE, (off_t)(uintptr_t)from) != PAGE_SIZE)
			return host_failure("fork: reading window %d page %#llx", parent,
					    (unsigned long long)(first + i));
		pf->counts.fork_pages_copied++;
	}
	if (host_prot(page) != (PROT_READ | PROT_WRITE))
		ret = set_host_prot(pf, child, first, n, host_prot(page), "mprotect (fork)");
	if (ret == 0)
		memset(cw->pages + first, page, n);
	return ret;
}

static int destroy(struct ptefree *pf, int wi)
{
	int ret = empty_window(pf, wi);
	pf->w[wi].live = false;
	return ret;
}

static int64_t do_fork(struct ptefree *pf, const struct hc_args *a)
{
	if (a->a0 >= pf->cfg.nwindows || !pf->w[a->a0].live)
		return -HC_EBADF;
	int child = new_window(pf);
	if (child < 0)
		return child;
	int ret =
	    pf->lazy ? lazy_fork(pf, (int)a->a0, child) : each_run(pf, (int)a->a0, copy_run, child);
	if (ret < 0) {
		destroy(pf, child); /* the child's refused state goes with it */
		return ret;
	}
	pf->counts.forks++;
	return child;
}

static int64_t do_destroy(struct ptefree *pf, const struct hc_args *a)
{
	if (a->a0 >= pf->cfg.nwindows || !pf->w[a->a0].live)
		return -HC_EBADF;
	return destroy(pf, (int)a->a0);
}

static int64_t do_kmem_alloc(struct ptefree *pf)
{
	for (uint64_t i = 0; i < pf->nchunks; i++)
		if (!pf->chunk_used[i]) {
			pf->chunk_used[i] = 1;
			if (++pf->chunks_held > pf->chunks_peak)
				pf->chunks_peak = pf->chunks_held;
			return (int64_t)(pf->kmem_base + i * pf->cfg.kmem_chunk);
		}
	return -HC_ENOMEM;
}

static int64_t do_kmem_free(struct ptefree *pf, const struct gmem *m, uint64_t gpa)
{
	uint64_t i = (gpa - pf->kmem_base) / pf->cfg.kmem_chunk;
	if (gpa < pf->kmem_base || (gpa - pf->kmem_base) % pf->cfg.kmem_chunk)
		return -HC_EINVAL;
	if (i >= pf->nchunks || !pf->chunk_used[i])
		return -HC_EBADF;
	/* back to the host at once; the next HC_KMEM_ALLOC of it reads zeros */
	int64_t r = gmem_discard(m, gpa, pf->cfg.kmem_chunk);
	if (r < 0)
		return r;
	pf->chunk_used[i] = 0;
	pf->chunks_held--;
	return 0;
}

/* The hypercall entry points: each takes the lock the lazy fault handler also takes. */
#define LOCKED(expr)                                                                               \
	do {                                                                                       \
		struct ptefree *pf = g->mode_state;                                                \
		pthread_mutex_lock(&pf->lock);                                                     \
		int64_t ret_ = (expr);                                                             \
		pthread_mutex_unlock(&pf->lock);                                                   \
		return ret_;                                                                       \
	} while (0)

static int64_t hc_as_create(struct guest *g, const struct hc_args *a)
{
	(void)a;
	LOCKED(new_window(pf));
}

static int64_t hc_as_destroy(struct guest *g, const struct hc_args *a)
{
	LOCKED(do_destroy(pf, a));
}

static int64_t hc_as_fork(struct guest *g, const struct hc_args *a)
{
	LOCKED(do_fork(pf, a));
}

static int64_t hc_as_switch(struct guest *g, const struct hc_args *a)
{
	LOCKED(a->a0 < pf->cfg.nwindows && pf->w[a->a0].live ? (int64_t)pf->w[a->a0].cr3
							     : -HC_EBADF);
}

static int64_t hc_map(struct guest *g, const struct hc_args *a)
{
	LOCKED(do_map(pf, a));
}

static int64_t hc_unmap(struct guest *g, const struct hc_args *a)
{
	LOCKED(do_unmap(pf, a));
}

static int64_t hc_protect(struct guest *g, const struct hc_args *a)
{
	LOCKED(do_protect(pf, a));
}

static int64_t hc_kmem_alloc(struct guest *g, const struct hc_args *a)
{
	(void)a;
	LOCKED(do_kmem_alloc(pf));
}

static int64_t hc_kmem_free(struct guest *g, const struct hc_args *a)
{
	LOCKED(do_kmem_free(pf, &g->mem, a->a0));
}

static int check(const void *state, char *err, size_t errlen)
{
	return ptefree_check(state, err, errlen);
}

static const hc_handler handlers[] = {
    [HC_AS_CREATE - HC_AS_CREATE] = hc_as_create,
    [HC_AS_DESTROY - HC_AS_CREATE] = hc_as_destroy,
    [HC_AS_FORK - HC_AS_CREATE] = hc_as_fork,
    [HC_AS_SWITCH - HC_AS_CREATE] = hc_as_switch,
    [HC_MAP - HC_AS_CREATE] = hc_map,
    [HC_UNMAP - HC_AS_CREATE] = hc_unmap,
    [HC_PROTECT - HC_AS_CREATE] = hc_protect,
    [HC_KMEM_ALLOC - HC_AS_CREATE] = hc_kmem_alloc,
    [HC_KMEM_FREE - HC_AS_CREATE] = hc_kmem_free,
};

const struct mode_calls ptefree_calls = {HC_AS_CREATE, sizeof handlers / sizeof handlers[0],
					 handlers, check};

void ptefree_attach(struct guest *g, struct ptefree *pf)
{
	g->calls = &ptefree_calls;
	g->mode_state = pf;
}

struct ptefree *ptefree_of(const struct guest *g)
{
	return g->calls == &ptefree_calls ? g->mode_state : NULL;
}
