/* classic.c: the classic MMU backend: guest-owned x86-64 page tables, demand-zero and COW. */
#include "mm.h"

#define PTE_P		 0x001ull
#define PTE_W		 0x002ull
#define PTE_U		 0x004ull
#define PTE_PS		 0x080ull
#define PTE_COW		 0x200ull /* software bit: shared since a fork, copy before writing */
#define PTE_NX		 (1ull << 63)
#define PTE_ADDR	 0x000ffffffffff000ull
#define PTE_TABLE	 (PTE_P | PTE_W | PTE_U) /* upper levels allow everything; leaves decide */
#define KERNEL_PML4_SLOT 511			 /* KERNBASE lives in the last 512 GiB */
#define FLUSH_ALL_AFTER	 32 /* pages per unmap/protect flushed by invlpg; more: CR3 */

/*
 * A leaf PTE is 0 when no page is there. Otherwise it holds its page's address even when the
 * page is inaccessible (PROT_NONE: P clear), so that mprotect can bring it back. Each user page
 * has a reference count in its page_meta word: the number of PTEs that hold it.
 */

static uint64_t kernel_pml4;	 /* GPA of the kernel-only PML4, loaded when no mm is current */
static uint64_t loaded_pml4;	 /* what CR3 holds now */
static unsigned user_pml4_slots; /* PML4 entries that cover [0, user_top) */

static uint64_t *table_at(uint64_t entry)
{
	return P2V(entry & PTE_ADDR);
}

static unsigned pt_index(uint64_t va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

/* Leaf flags for a page of a VMA with prot; a COW page stays read-only until its write fault. */
static uint64_t leaf_flags(int prot, uint64_t cow)
{
	if (!prot)
		return cow;
	uint64_t f = PTE_P | PTE_U | cow;
	if ((prot & HC_PROT_WRITE) && !cow)
		f |= PTE_W;
	if (!(prot & HC_PROT_EXEC))
		f |= PTE_NX;
	return f;
}

static void put_page(uint64_t pa)
{
	uint32_t *refs = page_meta(pa);
	KASSERT(*refs > 0);
	if (--*refs == 0)
		kfree_page(P2V(pa));
}

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
	cpu_load_cr3(kernel_pml4);
	loaded_pml4 = kernel_pml4;
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
	KASSERT(mm->backend != loaded_pml4);
	free_table(pml4, 3, user_pml4_slots);
	kfree_page(pml4);
}

static void classic_as_switch(struct mm *mm)
{
	loaded_pml4 = mm ? mm->backend : kernel_pml4;
	cpu_load_cr3(loaded_pml4);
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

/* TLB invalidation for one unmap/protect call: the pages whose entries changed are collected
 * and invalidated at the end with invlpg each, or with one CR3 reload when there are more than
 * FLUSH_ALL_AFTER (each invlpg is an exit under shadow paging). Only the loaded address space
 * can have TLB entries (one CPU, no PCID, no global user pages). Nothing reuses a freed page
 * before the flush: the walk allocates nothing. */
struct flush {
	int live;
	unsigned pages;
	uint64_t va[FLUSH_ALL_AFTER];
};

static void flush_page(struct flush *f, uint64_t va)
{
	if (f->live && f->pages++ < FLUSH_ALL_AFTER)
		f->va[f->pages - 1] = va;
}

static void flush_done(struct flush *f)
{
	if (!f->live || f->pages == 0)
		return;
	if (f->pages > FLUSH_ALL_AFTER) {
		cpu_load_cr3(loaded_pml4);
		return;
	}
	for (unsigned i = 0; i < f->pages; i++)
		cpu_invlpg(f->va[i]);
}

/* Visits every non-zero leaf PTE for va in [start, end) under a table covering from base,
 * skipping absent tables; stops at the first non-zero result of fn. */
typedef int (*pte_fn)(uint64_t *pte, uint64_t va, void *arg);

static int walk_range(uint64_t *table, int level, uint64_t base, uint64_t start, uint64_t end,
		      pte_fn fn, void *arg)
{
	uint64_t span = 1ull << (12 + 9 * level);
	unsigned first = start > base ? (unsigned)((start - base) / span) : 0;
	for (unsigned i = first; i < 512; i++) {
		uint64_t lo = base + i * span;
		if (lo >= end)
			break;
		if (!table[i])
			continue;
		int r = level == 0
			    ? fn(&table[i], lo, arg)
			    : walk_range(table_at(table[i]), level - 1, lo, start, end, fn, arg);
		if (r)
			return r;
	}
	return 0;
}

static int range_apply(struct mm *mm, uint64_t va, uint64_t len, pte_fn fn, void *arg)
{
	return walk_range(P2V(mm->backend), 3, 0, va, va + len, fn, arg);
}

static int unmap_pte(uint64_t *pte, uint64_t va, void *arg)
{
	uint64_t old = *pte;
	*pte = 0;
	if (old & PTE_P)
		flush_page(arg, va);
	put_page(old & PTE_ADDR);
	return 0;
}

static int classic_unmap(struct mm *mm, uint64_t va, uint64_t len)
{
	struct flush f = {.live = mm->backend == loaded_pml4};
	range_apply(mm, va, len, unmap_pte, &f);
	flush_done(&f);
	return 0;
}

struct protect_arg {
	struct flush flush;
	int prot;
};

static int protect_pte(uint64_t *pte, uint64_t va, void *arg)
{
	struct protect_arg *p = arg;
	uint64_t old = *pte;
	*pte = (old & PTE_ADDR) | leaf_flags(p->prot, old & PTE_COW);
	if ((old & PTE_P) && *pte != old)
		flush_page(&p->flush, va);
	return 0;
}

static int classic_protect(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	struct protect_arg p = {.flush = {.live = mm->backend == loaded_pml4}, .prot = prot};
	range_apply(mm, va, len, protect_pte, &p);
	flush_done(&p.flush);
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
	(*page_meta(*pte & PTE_ADDR))++;
	return 0;
}

static int classic_as_fork(struct mm *parent, struct mm *child)
{
	int r = classic_as_create(child);
	if (r < 0)
		return r;
	r = range_apply(parent, 0, boot_info->user_top, share_pte, child);
	/* The parent's writable entries became read-only: drop them from the TLB. */
	if (parent->backend == loaded_pml4)
		cpu_load_cr3(loaded_pml4);
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
	if (!pte)
		return -1;
	if (!*pte) { /* demand-zero */
		void *page = kalloc_user_page();
		if (!page)
			return -1;
		*page_meta(V2P(page)) = 1;
		*pte = V2P(page) | leaf_flags(prot, 0);
		return 0;
	}
	uint64_t pa = *pte & PTE_ADDR;
	if ((err & PF_WRITE) && (*pte & PTE_COW)) {
		if (*page_meta(pa) > 1) { /* still shared: copy */
			void *page = kalloc_user_page();
			if (!page)
				return -1;
			memcpy(page, P2V(pa), PAGE_SIZE);
			*page_meta(V2P(page)) = 1;
			put_page(pa);
			*pte = V2P(page) | leaf_flags(prot, 0);
			/* Another frame now: drop the old one from the TLB, as Linux does. */
			if (mm->backend == loaded_pml4)
				cpu_invlpg(va);
			return 0;
		}
		*pte = pa | leaf_flags(prot, 0);
		return 0;
	}
	/* The VMA allows the access: the entry was upgraded since the TLB cached it (mprotect).
	 * Rebuild it from the VMA's prot and retry; the fault itself invalidated the TLB entry
	 * for va, so upgrades need no invlpg (x86, as in Linux). */
	*pte = pa | leaf_flags(prot, *pte & PTE_COW);
	return 0;
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
