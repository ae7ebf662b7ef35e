/* classic.c: the classic MMU backend: guest-owned x86-64 page tables, demand-zero and COW. */
#include "pte.h"

static uint64_t kernel_pml4; /* GPA of the kernel-only PML4, loaded when no mm is current */
static uint64_t loaded_pml4[MAX_CPUS]; /* what each CPU's CR3 holds */
static unsigned user_pml4_slots;       /* PML4 entries that cover [0, user_top) */

static int classic_init(void)
{
	uint64_t *pml4 = kalloc_page(), *pdpt = kalloc_page(), *pd = kalloc_page();
	if (!pml4 || !pdpt || !pd || boot_info->mem_size > KERNEL_MAX_MEM)
		return -1;
	/* KERNBASE + [0, mem_size) with 2 MiB pages; the hv's boot tables are dropped. */
	for (uint64_t pa = 0; pa < boot_info->mem_size; pa += 1ull << 21)
		pd[pa >> 21] = pa | PTE_P | PTE_W | PTE_PS;
	pdpt[pt_index(KERNBASE, 2)] = V2P(pd) | PTE_P | PTE_W;
	pml4[KERNEL_PML4_SLOT] = V2P(pdpt) | PTE_P | PTE_W;
	kernel_pml4 = V2P(pml4);
	user_pml4_slots = (boot_info->user_top + (1ull << 39) - 1) >> 39;
	for (unsigned i = 0; i < MAX_CPUS; i++)
		loaded_pml4[i] = kernel_pml4;
	cpu_load_cr3(kernel_pml4);
	return 0;
}

static int classic_as_create(struct mm *mm)
{
	uint64_t *pml4 = kalloc_page();
	if (!pml4)
		return -MM_ENOMEM;
	pml4[KERNEL_PML4_SLOT] = ((uint64_t *)P2V(kernel_pml4))[KERNEL_PML4_SLOT];
	mm->backend = V2P(pml4);
	return 0;
}

/* Frees the pages and page tables under a table of the given level (0: leaf table). */
static void free_table(uint64_t *table, int level, unsigned nentries)
{
	for (unsigned i = 0; i < nentries; i++) {
		if (!table[i])
			continue;
		if (level == 0) {
			put_page(table[i] & PTE_ADDR);
		} else {
			free_table(table_at(table[i]), level - 1, 512);
			kfree_page(table_at(table[i]));
		}
	}
}

static void classic_as_destroy(struct mm *mm)
{
	uint64_t *pml4 = P2V(mm->backend);
	for (unsigned i = 0; i < MAX_CPUS; i++)
		KASSERT(mm->backend != loaded_pml4[i]);
	free_table(pml4, 3, user_pml4_slots);
	kfree_page(pml4);
}

static void classic_as_switch(struct mm *mm)
{
	uint64_t pml4 = mm ? mm->backend : kernel_pml4;
	loaded_pml4[cpu_id()] = pml4;
	cpu_load_cr3(pml4);
}

/* The leaf PTE for va, creating the tables on the way if create; NULL if absent or no memory. */
static uint64_t *walk(uint64_t pml4, uint64_t va, int create)
{
	uint64_t *table = P2V(pml4);
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &table[pt_index(va, level)];
		if (!*e) {
			void *page = create ? kalloc_page() : NULL;
			if (!page)
				return NULL;
			*e = V2P(page) | PTE_TABLE;
		}
		table = table_at(*e);
	}
	return &table[pt_index(va, 0)];
}

/* This CPU invalidates f's pages if it has mm loaded; the other CPUs that have it loaded get
 * an IPI (tlb_shootdown). Freed pages go back to kalloc before this, but the mm lock is held:
 * only this CPU's kernel could reuse them meanwhile, and nothing here allocates. */
static void flush_done(struct mm *mm, struct flush *f)
{
	if (f->pages == 0)
		return;
	uint64_t loaded = loaded_pml4[cpu_id()];
	if (mm->backend == loaded && f->pages > FLUSH_ALL_AFTER)
		cpu_load_cr3(loaded);
	else if (mm->backend == loaded)
		for (unsigned i = 0; i < f->pages; i++)
			cpu_invlpg(f->va[i]);
	uint32_t others = tlb_others(mm);
	if (others)
		tlb_shootdown(others, f->pages, f->va);
}

static int range_apply(struct mm *mm, uint64_t va, uint64_t len, pte_fn fn, void *arg)
{
	return walk_range(P2V(mm->backend), 3, 0, va, va + len, fn, arg);
}

static void store(uint64_t *pte, uint64_t val)
{
	*pte = val;
}

static int classic_unmap(struct mm *mm, uint64_t va, uint64_t len)
{
	unmap_range(mm, P2V(mm->backend), va, len, store, flush_done);
	return 0;
}

static int classic_protect(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	struct leaf_range r = {.set = store, .prot = prot};
	range_apply(mm, va, len, leaf_protect, &r);
	flush_done(mm, &r.flush);
	return 0;
}

/* Lazy: mmap only records the VMA; the first touch of each page allocates it. */
static int classic_map(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	(void)mm, (void)va, (void)len, (void)prot;
	return 0;
}

/* Fork: both sides share each page read-only with the COW bit; the write fault copies. */
static int share_pte(uint64_t *pte, uint64_t va, void *arg)
{
	struct mm *child = arg;
	uint64_t *cpte = walk(child->backend, va, 1);
	if (!cpte)
		return -MM_ENOMEM;
	*pte = (*pte & ~PTE_W) | PTE_COW;
	*cpte = *pte;
	get_page(*pte & PTE_ADDR);
	return 0;
}

static int classic_as_fork(struct mm *parent, struct mm *child)
{
	int r = classic_as_create(child);
	if (r < 0)
		return r;
	r = range_apply(parent, 0, boot_info->user_top, share_pte, child);
	/* The parent's writable entries became read-only: drop them from every TLB. */
	struct flush all = {.pages = FLUSH_ALL_AFTER + 1};
	flush_done(parent, &all);
	if (r < 0) { /* the pages shared so far keep their COW bit, which stays correct */
		classic_as_destroy(child);
		return r;
	}
	return 0;
}

static int classic_fault(struct mm *mm, uint64_t va, uint64_t err, int prot)
{
	va = PAGE_ROUND_DOWN(va);
	uint64_t *pte = walk(mm->backend, va, 1);
	return fault_apply(mm, pte, va, err, prot, store, flush_done);
}

const struct mmu_backend mmu_classic = {
    .name = "classic",
    .init = classic_init,
    .as_create = classic_as_create,
    .as_destroy = classic_as_destroy,
    .as_fork = classic_as_fork,
    .as_switch = classic_as_switch,
    .map = classic_map,
    .unmap = classic_unmap,
    .protect = classic_protect,
    .fault = classic_fault,
};
