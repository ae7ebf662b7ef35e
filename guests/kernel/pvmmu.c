/* pvmmu.c: the pvmmu MMU backend: guest-owned page tables, changed only by batched hypercalls. */
#include "pte.h"

/*
 * The tables live in the pool boot_info names, which the kernel's map (the hv's) shows
 * read-only: the guest reads its tables directly, but every change is an op queued here and
 * sent to the hv (HC_PV_BATCH) when boot_info->pv_batch ops wait, and at the end of every
 * backend call (a fault, an mmap/munmap/mprotect, a fork, an exit), as Linux's lazy MMU mode
 * does for Xen. So the tables are current whenever process code runs. Until its batch goes,
 * an entry shows its old value: a call never reads an entry it has queued a change for,
 * except in tables it created itself, which it knows are zero (a free pool frame is zero).
 */

/* Each CPU queues its own batch; a batch holds ops of one mm, whose lock its caller holds. */
static struct pv_cpu {
	struct pv_op queue[PV_BATCH_MAX];
	uint64_t done; /* HC_PV_BATCH's count of applied ops */
	unsigned queued;
	uint64_t loaded;   /* the L4 of the loaded address space, 0 for the kernel half */
	uint64_t unpinned; /* frames whose UNPIN is queued, linked by page_meta (0: none): they
			      go back to the pool once the batch is applied, not before */
} pvc[MAX_CPUS];
static unsigned batch;
static struct spinlock pool_lock;
static uint64_t pool_free; /* first freed pool frame (0: none); page_meta links the others */
static uint64_t pool_next, pool_end; /* pool frames never handed out: [pool_next, pool_end) */
static unsigned user_slots;

/* The most recently freed frame, or with FRAMES_FRESH one never handed out while there is one
 * (as kalloc's pages). */
static uint64_t *pool_alloc(void)
{
	spin_lock(&pool_lock);
	uint64_t pa = 0;
	int untouched = pool_next < pool_end;
	if (pool_free && !(boot_info->frames == FRAMES_FRESH && untouched)) {
		pa = pool_free;
		pool_free = (uint64_t)*page_meta(pa) * PAGE_SIZE;
	} else if (untouched) {
		pa = pool_next;
		pool_next += PAGE_SIZE;
	}
	spin_unlock(&pool_lock);
	return pa ? P2V(pa) : NULL;
}

static void pool_put(uint64_t pa)
{
	spin_lock(&pool_lock);
	*page_meta(pa) = (uint32_t)(pool_free / PAGE_SIZE);
	pool_free = pa;
	spin_unlock(&pool_lock);
}

static void pv_flush(void)
{
	struct pv_cpu *c = &pvc[cpu_id()];
	if (!c->queued)
		return;
	int64_t r = hypercall(HC_PV_BATCH, V2P(c->queue), c->queued, V2P(&c->done), 0);
	if (r != (int64_t)c->queued)
		panic("HC_PV_BATCH refused op %lu of %u (ptr %lx val %lx): %ld", c->done, c->queued,
		      c->queue[c->done].ptr, c->queue[c->done].val, r);
	c->queued = 0;
	while (c->unpinned) {
		uint64_t pa = c->unpinned;
		c->unpinned = (uint64_t)*page_meta(pa) * PAGE_SIZE;
		pool_put(pa);
	}
}

static void pv_queue(uint64_t ptr, uint64_t val)
{
	struct pv_cpu *c = &pvc[cpu_id()];
	c->queue[c->queued++] = (struct pv_op){ptr, val};
	if (c->queued == batch)
		pv_flush();
}

static int loaded_here(struct mm *mm)
{
	return mm->backend == pvc[cpu_id()].loaded;
}

/* Queues the unpin of a table frame, which returns to the pool after the batch. */
static void unpin(uint64_t pa)
{
	struct pv_cpu *c = &pvc[cpu_id()];
	*page_meta(pa) = (uint32_t)(c->unpinned / PAGE_SIZE);
	c->unpinned = pa;
	pv_queue(pa | PV_OP_UNPIN, 0);
}

static void set_entry(uint64_t *pte, uint64_t val)
{
	pv_queue(V2P(pte), val);
}

/* The TLB ops for one unmap/protect, then the batch: the vCPU mask in each op names the
 * other CPUs that have mm loaded, and the hv makes them invalidate too (as Xen's
 * MMUEXT_INVLPG_MULTI). tlb_others reads the mask after the entries are queued, which is
 * early enough: a CPU that loads mm later sees the batch's entries. */
static void flush_done(struct mm *mm, struct flush *f)
{
	uint32_t others = f->pages ? tlb_others(mm) : 0;
	if (!others && !loaded_here(mm)) {
		pv_flush();
		return;
	}
	if (f->pages > FLUSH_ALL_AFTER)
		pv_queue(PV_OP_FLUSH_ALL, others);
	else
		for (unsigned i = 0; i < f->pages; i++)
			pv_queue(f->va[i] | PV_OP_INVLPG, others);
	pv_flush();
}

uint64_t pvmmu_frame_take(void)
{
	uint64_t *t = pool_alloc();
	return t ? V2P(t) : 0;
}

void pvmmu_frame_give(uint64_t gpa)
{
	pool_put(gpa);
}

/* A new table of level (0: leaf) pinned and linked at entry e; NULL when the pool is empty. */
static uint64_t *new_table(uint64_t *e, int level)
{
	uint64_t *t = pool_alloc();
	if (!t)
		return NULL;
	pv_queue(V2P(t) | (PV_OP_PIN_L1 + level), 0);
	set_entry(e, V2P(t) | PTE_TABLE);
	return t;
}

static void pvmmu_as_switch(struct mm *mm)
{
	pv_flush();
	uint64_t l4 = mm ? mm->backend : 0;
	int64_t cr3 = hypercall(HC_PV_NEW_BASE, l4, 0, 0, 0);
	if (cr3 < 0)
		panic("HC_PV_NEW_BASE(%lx) failed: %ld", l4, cr3);
	pvc[cpu_id()].loaded = l4;
	cpu_load_cr3((uint64_t)cr3);
}

static int pvmmu_init(void)
{
	struct boot_info *bi = boot_info;
	uint64_t end = bi->pv_pool_gpa + bi->pv_pool_size;
	if (bi->pv_pool_gpa % PAGE_SIZE || bi->pv_pool_size % PAGE_SIZE || !bi->pv_pool_gpa ||
	    end > bi->mem_size || end < bi->pv_pool_gpa || bi->pv_batch < 1 ||
	    bi->pv_batch > PV_BATCH_MAX)
		return -1;
	batch = bi->pv_batch;
	user_slots = (bi->user_top + (1ull << 39) - 1) >> 39;
	pool_next = bi->pv_pool_gpa;
	pool_end = end;
	pvmmu_as_switch(NULL); /* the hv's kernel half: the pool is read-only from now on */
	return 0;
}

static int new_root(struct mm *mm)
{
	uint64_t *l4 = pool_alloc();
	if (!l4)
		return -MM_ENOMEM;
	pv_queue(V2P(l4) | PV_OP_PIN_L4, 0);
	mm->backend = V2P(l4);
	return 0;
}

static int pvmmu_as_create(struct mm *mm)
{
	int r = new_root(mm);
	pv_flush();
	return r;
}

/* Empties a table of the given level (0: leaf) and unpins and frees the tables below it. */
static void clear_table(uint64_t *table, int level, unsigned nentries)
{
	for (unsigned i = 0; i < nentries; i++) {
		uint64_t e = table[i];
		if (!e)
			continue;
		set_entry(&table[i], 0);
		if (level == 0) {
			put_page(e & PTE_ADDR);
			continue;
		}
		clear_table(table_at(e), level - 1, 512);
		unpin(e & PTE_ADDR);
	}
}

static void pvmmu_as_destroy(struct mm *mm)
{
	for (unsigned i = 0; i < MAX_CPUS; i++)
		KASSERT(mm->backend != pvc[i].loaded);
	clear_table(P2V(mm->backend), 3, user_slots);
	unpin(mm->backend);
	pv_flush();
}

/* The leaf entry for va, creating the tables on the way if create; NULL if absent or no
 * table frame. A created table is known to be zero, so the walk goes on into it at once. */
static uint64_t *walk(uint64_t l4, uint64_t va, int create)
{
	uint64_t *table = P2V(l4);
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &table[pt_index(va, level)];
		if (*e)
			table = table_at(*e);
		else if (!create || !(table = new_table(e, level - 1)))
			return NULL;
	}
	return &table[pt_index(va, 0)];
}

static int pvmmu_unmap(struct mm *mm, uint64_t va, uint64_t len)
{
	unmap_range(mm, P2V(mm->backend), va, len, set_entry, flush_done);
	return 0;
}

static int pvmmu_protect(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	struct leaf_range r = {.set = set_entry, .prot = prot};
	walk_range(P2V(mm->backend), 3, 0, va, va + len, leaf_protect, &r);
	flush_done(mm, &r.flush);
	return 0;
}

/* Lazy: mmap only records the VMA; the first touch of each page allocates it. */
static int pvmmu_map(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	(void)mm, (void)va, (void)len, (void)prot;
	return 0;
}

/* Fork, table by table: the child's tables are built beside the parent's, and both share
 * each page read-only with the COW bit, so no entry is read after its change was queued. */
static int fork_table(uint64_t *parent, uint64_t *child, int level, unsigned nentries)
{
	for (unsigned i = 0; i < nentries; i++) {
		uint64_t e = parent[i];
		if (!e)
			continue;
		if (level == 0) {
			uint64_t shared = (e & ~PTE_W) | PTE_COW;
			if (shared != e)
				set_entry(&parent[i], shared);
			set_entry(&child[i], shared);
			get_page(e & PTE_ADDR);
			continue;
		}
		uint64_t *t = new_table(&child[i], level - 1);
		if (!t)
			return -MM_ENOMEM;
		int r = fork_table(table_at(e), t, level - 1, 512);
		if (r < 0)
			return r;
	}
	return 0;
}

static int pvmmu_as_fork(struct mm *parent, struct mm *child)
{
	int r = new_root(child);
	if (r < 0)
		return r;
	r = fork_table(P2V(parent->backend), P2V(child->backend), 3, user_slots);
	/* The parent's writable entries became read-only: drop them from every TLB. */
	struct flush all = {.pages = FLUSH_ALL_AFTER + 1};
	flush_done(parent, &all);
	if (r < 0) /* the pages shared so far keep their COW bit, which stays correct */
		pvmmu_as_destroy(child);
	return r;
}

static int pvmmu_fault(struct mm *mm, uint64_t va, uint64_t err, int prot)
{
	va = PAGE_ROUND_DOWN(va);
	uint64_t *pte = walk(mm->backend, va, 1);
	return fault_apply(mm, pte, va, err, prot, set_entry, flush_done);
}

const struct mmu_backend mmu_pvmmu = {
    .name = "pvmmu",
    .init = pvmmu_init,
    .as_create = pvmmu_as_create,
    .as_destroy = pvmmu_as_destroy,
    .as_fork = pvmmu_as_fork,
    .as_switch = pvmmu_as_switch,
    .map = pvmmu_map,
    .unmap = pvmmu_unmap,
    .protect = pvmmu_protect,
    .fault = pvmmu_fault,
};
