/* pte.h: x86-64 page-table entries and the walks the two page-table backends share. */
#ifndef PTE_H
#define PTE_H

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
#define FLUSH_ALL_AFTER	 32 /* pages per unmap/protect flushed one by one; more: all */

/*
 * A leaf PTE is 0 when no page is there. Otherwise it holds its page's address even when the
 * page is inaccessible (PROT_NONE: P clear), so that mprotect can bring it back. Each user page
 * has a reference count in its page_meta word: the number of PTEs that hold it.
 */

static inline uint64_t *table_at(uint64_t entry)
{
	return P2V(entry & PTE_ADDR);
}

static inline unsigned pt_index(uint64_t va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

/* Leaf flags for a page of a VMA with prot; a COW page stays read-only until its write fault. */
uint64_t leaf_flags(int prot, uint64_t cow);
/* One more reference to user page pa (another address space shares it). */
void get_page(uint64_t pa);
/* Drops one reference to user page pa; the last one frees it. Atomic: address spaces that
 * share pages since a fork change them under their own locks. */
void put_page(uint64_t pa);

/* Visits every non-zero leaf PTE for va in [start, end) under a table of the given level (3:
 * PML4) covering from base, skipping absent tables; stops at the first non-zero result of fn. */
typedef int (*pte_fn)(uint64_t *pte, uint64_t va, void *arg);
int walk_range(uint64_t *table, int level, uint64_t base, uint64_t start, uint64_t end, pte_fn fn,
	       void *arg);

/* The TLB entries one unmap/protect call must drop: the pages whose entries changed, each
 * invalidated alone, or all at once past FLUSH_ALL_AFTER, on every CPU that has the address
 * space loaded (no PCID, no global user pages: only a loaded address space has entries). */
struct flush {
	unsigned pages;
	uint64_t va[FLUSH_ALL_AFTER];
};
void flush_page(struct flush *f, uint64_t va);

/* How a backend changes an entry: classic stores it, pvmmu queues an update for the hv. */
typedef void (*pte_set_fn)(uint64_t *pte, uint64_t val);

/* How a backend ends a change of mm's entries: every CPU's TLB drops f's pages. */
typedef void (*flush_fn)(struct mm *mm, struct flush *f);

/* The pte_fn of protect: arg is a struct leaf_range. */
#define GATHER_MAX 64 /* pages unmapped before their TLB entries go and they are freed */
struct leaf_range {
	pte_set_fn set;
	struct flush flush;
	int prot;	    /* protect only */
	unsigned ngathered; /* unmap only: pages to free once no TLB holds them */
	uint64_t gathered[GATHER_MAX];
	uint64_t next; /* where an unmap walk stopped with a full gather */
};
int leaf_protect(uint64_t *pte, uint64_t va, void *arg);
/* Unmaps [va, va+len) of mm under the table root: entries cleared by set, then, for every
 * GATHER_MAX pages, flush and only then the pages freed (as Linux's mmu_gather): another CPU
 * may use a page through its TLB until the flush, so it must not be reused before. */
void unmap_range(struct mm *mm, uint64_t *root, uint64_t va, uint64_t len, pte_set_fn set,
		 flush_fn flush);
/* Resolves a fault at page va of mm on leaf entry pte (NULL: no table memory), the entry set
 * by set (demand-zero, COW, or an entry upgraded by mprotect). When another frame replaced a
 * present one, every CPU's TLB drops it (flush) before the old frame is put. 0, or -1 if out
 * of memory. */
int fault_apply(struct mm *mm, uint64_t *pte, uint64_t va, uint64_t err, int prot, pte_set_fn set,
		flush_fn flush);

#endif
