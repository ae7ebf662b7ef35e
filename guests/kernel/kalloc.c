/* kalloc.c: the page allocator: 4 KiB pages of boot memory, plus hv kmem chunks in ptefree mode. */
#include "mm.h"

#define JUNK_BYTE 0x01	      /* freed pages are filled with it to catch dangling references */
#define META_FREE 0xfee1deadu /* page_meta of a free page: catches double frees */

struct free_page {
	struct free_page *next;
};

/* A kmem chunk (ptefree). Each has its own free list so that a chunk whose pages are all free
 * can leave at once; pages never handed out are not touched, so the host backs only the pages
 * the kernel really used. */
struct kchunk {
	uint64_t gpa; /* 0: this slot is not held from the hv */
	struct free_page *free;
	uint32_t nfree;		    /* pages on free + pages never handed out */
	uint32_t carved;	    /* pages handed out at least once: [gpa, gpa + carved * 4K) */
	int kind;		    /* KIND_*: which pages it holds */
	struct kchunk *prev, *next; /* on the list of held chunks with free pages */
};

/* Pages are grouped by lifetime, as Linux groups pageblocks by mobility: user pages, freed
 * when a process unmaps them, never share a chunk with kernel pages (page tables, objects),
 * which would keep a chunk of freed user pages from ever being wholly free. */
enum { KIND_KERNEL, KIND_USER, NKINDS };

static struct {
	uint64_t boot_start;	      /* boot memory: [boot_start, boot_end) */
	uint64_t boot_next, boot_end; /* boot pages never handed out: [boot_next, boot_end) */
	struct free_page *free;	      /* freed boot pages */
	uint64_t nfree;		      /* all free pages, boot and chunk */
	uint32_t *meta;		      /* page_meta words, one per page frame below mem_size */
	uint64_t npfn;
	/* ptefree: chunk slot i covers [chunk_base + i * chunk_size, + chunk_size) */
	uint64_t chunk_base, chunk_size, chunk_pages, nchunks;
	int fresh;  /* FRAMES_FRESH: pages never handed out go first, then freed ones */
	int report; /* classic free page reporting: the slots are the guest's, and a wholly
			free chunk is reported (HC_FREE_REPORT) rather than given back */
	struct kchunk *chunks;
	struct kchunk *partial[NKINDS]; /* held chunks with free pages, by kind */
} km;
static struct spinlock lock; /* all of km but the page_meta words, which their owners guard */

/* Carves boot memory that is never freed (the allocator's own tables). */
static void *boot_carve(uint64_t bytes)
{
	uint64_t pages = PAGE_ROUND_UP(bytes) / PAGE_SIZE;
	if (pages > (km.boot_end - km.boot_next) / PAGE_SIZE)
		panic("kalloc: boot memory [%lx, %lx) too small for %lu bytes of tables",
		      km.boot_start, km.boot_end, bytes);
	void *p = P2V(km.boot_next);
	km.boot_next += pages * PAGE_SIZE;
	km.nfree -= pages;
	memset(p, 0, pages * PAGE_SIZE);
	return p;
}

void kalloc_init(void)
{
	struct boot_info *bi = boot_info;
	uint64_t top = bi->hv_reserved_size ? bi->hv_reserved_gpa : bi->mem_size;
	if (bi->pv_pool_size) /* a page-table pool above is the backend's (pvmmu) */
		top = bi->pv_pool_gpa < top ? bi->pv_pool_gpa : top;
	if (bi->mem_size > KERNEL_MAX_MEM || top > bi->mem_size) /* kmalloc links are 32-bit */
		panic("kalloc: mem_size %lx or hv_reserved_gpa %lx out of range", bi->mem_size,
		      top);
	memset(&km, 0, sizeof(km));
	km.fresh = bi->frames == FRAMES_FRESH;
	km.boot_start = PAGE_ROUND_UP(bi->kernel_end);
	km.boot_end = PAGE_ROUND_DOWN(top);
	/* chunks the hv hands out (kmem_chunk: ptefree), or blocks the kernel reports free */
	if (bi->kmem_chunk || bi->free_report_chunk) {
		km.report = !bi->kmem_chunk;
		km.chunk_base = PAGE_ROUND_UP(bi->kmem_boot_end);
		km.chunk_size = km.report ? bi->free_report_chunk : bi->kmem_chunk;
		if (km.chunk_size < PAGE_SIZE || km.chunk_size % PAGE_SIZE || km.chunk_base > top)
			panic("kalloc: bad kmem_chunk %lx or kmem_boot_end %lx", km.chunk_size,
			      km.chunk_base);
		km.chunk_pages = km.chunk_size / PAGE_SIZE;
		km.nchunks = (PAGE_ROUND_DOWN(top) - km.chunk_base) / km.chunk_size;
		km.boot_end = km.chunk_base;
	}
	if (km.boot_start >= km.boot_end)
		panic("kalloc: no boot memory above the kernel (%lx .. %lx)", km.boot_start,
		      km.boot_end);
	km.boot_next = km.boot_start;
	km.nfree = (km.boot_end - km.boot_start) / PAGE_SIZE;
	km.npfn = bi->mem_size / PAGE_SIZE;
	km.meta = boot_carve(km.npfn * sizeof(*km.meta));
	if (km.nchunks)
		km.chunks = boot_carve(km.nchunks * sizeof(*km.chunks));
}

uint32_t *page_meta(uint64_t pa)
{
	KASSERT(pa / PAGE_SIZE < km.npfn);
	return &km.meta[pa / PAGE_SIZE];
}

static void partial_add(struct kchunk *c)
{
	c->prev = NULL;
	c->next = km.partial[c->kind];
	if (c->next)
		c->next->prev = c;
	km.partial[c->kind] = c;
}

static void partial_del(struct kchunk *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		km.partial[c->kind] = c->next;
	if (c->next)
		c->next->prev = c->prev;
}

/* One more chunk: the first free slot when reporting, else the hv's; NULL when none. */
static int64_t chunk_slot(void)
{
	if (!km.report)
		return hypercall(HC_KMEM_ALLOC, 0, 0, 0, 0);
	for (uint64_t i = 0; i < km.nchunks; i++)
		if (!km.chunks[i].gpa)
			return (int64_t)(km.chunk_base + i * km.chunk_size);
	return -HC_ENOMEM;
}

static struct kchunk *chunk_get(int kind)
{
	int64_t gpa = chunk_slot();
	if (gpa < 0)
		return NULL;
	uint64_t off = (uint64_t)gpa - km.chunk_base;
	if ((uint64_t)gpa < km.chunk_base || off % km.chunk_size ||
	    off / km.chunk_size >= km.nchunks)
		panic("kalloc: HC_KMEM_ALLOC returned %lx, not a chunk slot", (uint64_t)gpa);
	struct kchunk *c = &km.chunks[off / km.chunk_size];
	if (c->gpa)
		panic("kalloc: HC_KMEM_ALLOC returned chunk %lx that is already held", c->gpa);
	c->gpa = (uint64_t)gpa;
	c->free = NULL;
	c->nfree = km.chunk_pages;
	c->carved = 0;
	c->kind = kind;
	km.nfree += km.chunk_pages;
	partial_add(c);
	return c;
}

static uint64_t chunk_take(struct kchunk *c)
{
	uint64_t pa;
	if (c->free && !(km.fresh && c->carved < km.chunk_pages)) {
		pa = V2P(c->free);
		c->free = c->free->next;
	} else {
		pa = c->gpa + (uint64_t)c->carved++ * PAGE_SIZE;
	}
	if (--c->nfree == 0)
		partial_del(c);
	return pa;
}

/* Kernel pages come from boot memory first; user pages from chunks of their own first,
 * so that their chunks can be reported when they are freed. Within boot memory and within a
 * chunk, the most recently freed page goes first (its nested entry and host page exist), or,
 * with FRAMES_FRESH, a page never handed out while there is one. */
static void *alloc_page(int kind)
{
	uint64_t pa;
	int untouched = km.boot_next < km.boot_end;
	if (kind == KIND_USER && (km.partial[kind] || (km.nchunks && chunk_get(kind)))) {
		pa = chunk_take(km.partial[kind]);
	} else if (km.free && !(km.fresh && untouched)) {
		pa = V2P(km.free);
		km.free = km.free->next;
	} else if (untouched) {
		pa = km.boot_next;
		km.boot_next += PAGE_SIZE;
	} else if (km.partial[KIND_KERNEL] || (km.nchunks && chunk_get(KIND_KERNEL))) {
		pa = chunk_take(km.partial[KIND_KERNEL]);
	} else {
		return NULL;
	}
	km.nfree--;
	*page_meta(pa) = 0;
	return P2V(pa);
}

static void *alloc_locked(int kind)
{
	spin_lock(&lock);
	void *page = alloc_page(kind);
	spin_unlock(&lock);
	if (page) /* outside the lock: the other CPUs need not wait for it */
		memset(page, 0, PAGE_SIZE);
	return page;
}

void *kalloc_page(void)
{
	return alloc_locked(KIND_KERNEL);
}

void *kalloc_user_page(void)
{
	return alloc_locked(KIND_USER);
}

static void chunk_put(struct kchunk *c, struct free_page *fp)
{
	if (++c->nfree == km.chunk_pages) { /* wholly free: back to the host now */
		if (km.chunk_pages > 1)
			partial_del(c);
		int64_t r = km.report ? hypercall(HC_FREE_REPORT, c->gpa, km.chunk_size, 0, 0)
				      : hypercall(HC_KMEM_FREE, c->gpa, 0, 0, 0);
		if (r < 0)
			panic("kalloc: returning chunk %lx failed: %ld", c->gpa, r);
		c->gpa = 0;
		km.nfree -= km.chunk_pages;
		return;
	}
	fp->next = c->free;
	c->free = fp;
	if (c->nfree == 1)
		partial_add(c);
}

static void free_locked(void *page, uint64_t pa)
{
	struct free_page *fp = page;
	km.nfree++;
	if (pa < km.boot_end) {
		fp->next = km.free;
		km.free = fp;
		return;
	}
	uint64_t slot = km.nchunks ? (pa - km.chunk_base) / km.chunk_size : 0;
	if (slot >= km.nchunks || !km.chunks[slot].gpa)
		panic("kfree_page(%p): not in a held kmem chunk", page);
	chunk_put(&km.chunks[slot], fp);
}

void kfree_page(void *page)
{
	uint64_t pa = V2P(page);
	if (pa % PAGE_SIZE || pa < km.boot_start || pa / PAGE_SIZE >= km.npfn)
		panic("kfree_page(%p): not a page of kernel memory", page);
	if (pa < km.boot_end && pa >= km.boot_next)
		panic("kfree_page(%p): never allocated", page);
	uint32_t *meta = page_meta(pa);
	if (*meta == META_FREE)
		panic("kfree_page(%p): double free", page);
	*meta = META_FREE;
	memset(page, JUNK_BYTE, PAGE_SIZE);
	spin_lock(&lock);
	free_locked(page, pa);
	spin_unlock(&lock);
}

uint64_t kalloc_free_pages(void)
{
	return km.nfree;
}
