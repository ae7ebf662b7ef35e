/* pte.c: what the classic and pvmmu backends share: leaf flags, page references, range walks. */
#include "pte.h"

uint64_t leaf_flags(int prot, uint64_t cow)
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

void get_page(uint64_t pa)
{
	__atomic_add_fetch(page_meta(pa), 1, __ATOMIC_RELAXED);
}

void put_page(uint64_t pa)
{
	uint32_t left = __atomic_sub_fetch(page_meta(pa), 1, __ATOMIC_ACQ_REL);
	KASSERT(left != UINT32_MAX); /* it was 0: a page put once too often */
	if (left == 0)
		kfree_page(P2V(pa));
}

int walk_range(uint64_t *table, int level, uint64_t base, uint64_t start, uint64_t end, pte_fn fn,
	       void *arg)
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

void flush_page(struct flush *f, uint64_t va)
{
	if (f->pages++ < FLUSH_ALL_AFTER)
		f->va[f->pages - 1] = va;
}

static int leaf_unmap(uint64_t *pte, uint64_t va, void *arg)
{
	struct leaf_range *r = arg;
	uint64_t old = *pte;
	r->set(pte, 0);
	if (old & PTE_P)
		flush_page(&r->flush, va);
	r->gathered[r->ngathered++] = old & PTE_ADDR;
	if (r->ngathered < GATHER_MAX)
		return 0;
	r->next = va + PAGE_SIZE;
	return 1;
}

void unmap_range(struct mm *mm, uint64_t *root, uint64_t va, uint64_t len, pte_set_fn set,
		 flush_fn flush)
{
	struct leaf_range r = {.set = set};
	uint64_t end = va + len;
	for (int full = 1; full;) {
		full = walk_range(root, 3, 0, va, end, leaf_unmap, &r);
		flush(mm, &r.flush);
		for (unsigned i = 0; i < r.ngathered; i++)
			put_page(r.gathered[i]);
		r.ngathered = 0;
		r.flush.pages = 0;
		va = r.next;
	}
}

int leaf_protect(uint64_t *pte, uint64_t va, void *arg)
{
	struct leaf_range *r = arg;
	uint64_t old = *pte, val = (old & PTE_ADDR) | leaf_flags(r->prot, old & PTE_COW);
	if (val == old)
		return 0;
	r->set(pte, val);
	if (old & PTE_P)
		flush_page(&r->flush, va);
	return 0;
}

/* -1 if out of memory, 1 if another frame replaced a present one (then *drop is the old
 * frame), 0. */
static int leaf_fault(uint64_t *pte, uint64_t err, int prot, pte_set_fn set, uint64_t *drop)
{
	if (!*pte) { /* demand-zero */
		void *page = kalloc_user_page();
		if (!page)
			return -1;
		*page_meta(V2P(page)) = 1;
		set(pte, V2P(page) | leaf_flags(prot, 0));
		return 0;
	}
	uint64_t pa = *pte & PTE_ADDR;
	if ((err & PF_WRITE) && (*pte & PTE_COW)) {
		if (__atomic_load_n(page_meta(pa), __ATOMIC_ACQUIRE) > 1) { /* still shared: copy */
			void *page = kalloc_user_page();
			if (!page)
				return -1;
			memcpy(page, P2V(pa), PAGE_SIZE);
			*page_meta(V2P(page)) = 1;
			set(pte, V2P(page) | leaf_flags(prot, 0));
			*drop = pa;
			return 1; /* another frame now: drop the old one from the TLB, as Linux does
				   */
		}
		set(pte, pa | leaf_flags(prot, 0));
		return 0;
	}
	/* The VMA allows the access: the entry was upgraded since the TLB cached it (mprotect).
	 * Rebuild it from the VMA's prot and retry; the fault itself invalidated the TLB entry
	 * for va, so upgrades need no invlpg (x86, as in Linux). */
	set(pte, pa | leaf_flags(prot, *pte & PTE_COW));
	return 0;
}

int fault_apply(struct mm *mm, uint64_t *pte, uint64_t va, uint64_t err, int prot, pte_set_fn set,
		flush_fn flush)
{
	uint64_t drop = 0;
	int r = pte ? leaf_fault(pte, err, prot, set, &drop) : -1;
	struct flush f = {0};
	if (r > 0) /* another frame replaced a present one: no CPU may keep the old */
		flush_page(&f, va);
	flush(mm, &f);
	if (drop)
		put_page(drop);
	return r < 0 ? -1 : 0;
}
