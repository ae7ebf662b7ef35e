/* test_classic.c: the classic backend's page tables in a host arena: demand-zero, COW, teardown. */
#include "mm.h"
#include "../../../harness/test.h"

#define MIB	 (1ull << 20)
#define P(n)	 ((uint64_t)(n)*PAGE_SIZE)
#define RW	 (HC_PROT_READ | HC_PROT_WRITE)
#define PTE_P	 0x1ull
#define PTE_W	 0x2ull
#define PTE_U	 0x4ull
#define PTE_COW	 0x200ull
#define PTE_NX	 (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

static uint64_t kernel_cr3;

/* The leaf PTE for va in mm, read the way the CPU walks (0 when a table is missing). */
static uint64_t pte_of(struct mm *mm, uint64_t va)
{
	uint64_t *table = P2V(mm->backend);
	for (int level = 3; level > 0; level--) {
		uint64_t e = table[(va >> (12 + 9 * level)) & 511];
		if (!(e & PTE_P))
			return 0;
		table = P2V(e & PTE_ADDR);
	}
	return table[(va >> 12) & 511];
}

static uint64_t *word_at(struct mm *mm, uint64_t va) /* what the user sees at va */
{
	return (uint64_t *)((char *)P2V(pte_of(mm, va) & PTE_ADDR) + (va % PAGE_SIZE));
}

static void test_kernel_tables(void)
{
	uint64_t *pml4 = P2V(kernel_cr3);
	CHECK(pml4[511] & PTE_P, "kernel PML4 slot");
	uint64_t *pdpt = P2V(pml4[511] & PTE_ADDR);
	uint64_t *pd = P2V(pdpt[510] & PTE_ADDR);
	CHECK((pdpt[510] & PTE_P) && pd[0] == (0x83ull) && pd[7] == (7ull << 21 | 0x83),
	      "2 MiB kernel pages for [0, mem_size)");
	CHECK(pd[8] == 0 && !(pml4[0] & PTE_P), "nothing else mapped");
	struct mm *mm = mm_create();
	CHECK(((uint64_t *)P2V(mm->backend))[511] == pml4[511], "kernel half shared");
	mm_put(mm);
}

static void test_demand_zero(void)
{
	struct mm *mm = mm_create();
	mm_switch(mm);
	CHECK(shim_cr3 == mm->backend, "switch loads the PML4");
	int64_t a = mm_mmap(mm, 0, P(4), RW);
	CHECK(pte_of(mm, (uint64_t)a) == 0, "mmap is lazy");
	uint64_t free0 = kalloc_free_pages();
	CHECK(mm_fault(mm, a + 8, PF_USER | PF_WRITE) == 0, "write fault");
	uint64_t pte = pte_of(mm, (uint64_t)a);
	CHECK((pte & (PTE_P | PTE_W | PTE_U | PTE_NX)) == (PTE_P | PTE_W | PTE_U | PTE_NX),
	      "pte %lx", pte);
	CHECK(*word_at(mm, a + 8) == 0, "fresh page reads zero");
	CHECK(free0 - kalloc_free_pages() == 4, "one page and three tables (%lu)",
	      free0 - kalloc_free_pages());
	int64_t x = mm_mmap(mm, 0, P(1), HC_PROT_READ | HC_PROT_EXEC);
	CHECK(mm_fault(mm, (uint64_t)x, PF_USER | PF_INSTR) == 0, "fetch fault");
	pte = pte_of(mm, (uint64_t)x);
	CHECK((pte & PTE_P) && !(pte & (PTE_W | PTE_NX)), "exec page pte %lx", pte);
	mm_put(mm);
	CHECK(shim_cr3 == kernel_cr3, "destroying the current mm leaves its tables");
}

static void test_cow_fork(void)
{
	struct mm *parent = mm_create();
	mm_switch(parent);
	int64_t a = mm_mmap(parent, 0, P(2), RW);
	mm_fault(parent, (uint64_t)a, PF_USER | PF_WRITE);
	*word_at(parent, (uint64_t)a) = 111;
	uint64_t loads = shim_cr3_loads;
	struct mm *child = mm_fork(parent);
	CHECK(child, "fork");
	CHECK(shim_cr3_loads == loads + 1, "parent TLB flushed after fork");
	uint64_t pp = pte_of(parent, (uint64_t)a), cp = pte_of(child, (uint64_t)a);
	CHECK(pp == cp && (pp & PTE_COW) && !(pp & PTE_W), "shared read-only COW: %lx %lx", pp, cp);
	CHECK(*page_meta(pp & PTE_ADDR) == 2, "refcount %u", *page_meta(pp & PTE_ADDR));
	CHECK(pte_of(child, a + P(1)) == 0, "untouched page stays untouched");

	mm_switch(child);
	uint64_t inv = shim_invlpgs;
	CHECK(mm_fault(child, (uint64_t)a, PF_USER | PF_WRITE | PF_PRESENT) == 0, "child COW");
	CHECK(shim_invlpgs == inv + 1, "a COW copy invalidates the old frame's entry");
	cp = pte_of(child, (uint64_t)a);
	CHECK((cp & PTE_ADDR) != (pp & PTE_ADDR) && (cp & PTE_W) && !(cp & PTE_COW),
	      "child got its own page");
	CHECK(*word_at(child, (uint64_t)a) == 111, "copy has the parent's data");
	*word_at(child, (uint64_t)a) = 222;
	CHECK(*word_at(parent, (uint64_t)a) == 111, "parent unaffected by the child's write");
	CHECK(*page_meta(pp & PTE_ADDR) == 1, "parent's page refcount back to 1");

	mm_switch(parent);
	inv = shim_invlpgs;
	CHECK(mm_fault(parent, (uint64_t)a, PF_USER | PF_WRITE | PF_PRESENT) == 0, "parent COW");
	CHECK(shim_invlpgs == inv, "an upgrade in place needs no invlpg (the fault dropped it)");
	uint64_t pp2 = pte_of(parent, (uint64_t)a);
	CHECK((pp2 & PTE_ADDR) == (pp & PTE_ADDR) && (pp2 & PTE_W),
	      "sole owner just becomes writable");
	CHECK(mm_fault(child, a + P(1), PF_USER) == 0 && pte_of(parent, a + P(1)) == 0,
	      "child demand-zero does not show in the parent");
	mm_put(child);
	mm_put(parent);
}

static void test_protect_and_unmap(void)
{
	struct mm *mm = mm_create();
	mm_switch(mm);
	int64_t a = mm_mmap(mm, 0, P(64), RW);
	for (int i = 0; i < 64; i++) {
		mm_fault(mm, a + P(i), PF_USER | PF_WRITE);
		*word_at(mm, a + P(i)) = (uint64_t)i;
	}
	uint64_t inv = shim_invlpgs;
	CHECK(mm_mprotect(mm, a + P(2), P(2), HC_PROT_READ) == 0, "mprotect");
	CHECK(shim_invlpgs == inv + 2, "invlpg per page (%lu)", shim_invlpgs - inv);
	CHECK(!(pte_of(mm, a + P(2)) & PTE_W) && (pte_of(mm, a + P(4)) & PTE_W), "read-only range");
	CHECK(mm_fault(mm, a + P(2), PF_USER | PF_WRITE | PF_PRESENT) == -1, "write now invalid");
	CHECK(mm_mprotect(mm, a + P(2), P(1), 0) == 0 && !(pte_of(mm, a + P(2)) & PTE_P),
	      "PROT_NONE clears P");
	CHECK(mm_mprotect(mm, a + P(2), P(2), RW) == 0 && *word_at(mm, a + P(2)) == 2,
	      "PROT_NONE keeps the data");
	uint64_t free0 = kalloc_free_pages(), loads = shim_cr3_loads;
	CHECK(mm_munmap(mm, a + P(10), P(1)) == 0 && pte_of(mm, a + P(10)) == 0, "munmap");
	CHECK(kalloc_free_pages() == free0 + 1, "the page went back");
	CHECK(mm_fault(mm, a + P(10), PF_USER) == -1, "touch after munmap is invalid");
	inv = shim_invlpgs;
	CHECK(mm_munmap(mm, a + P(11), P(53)) == 0, "big munmap");
	CHECK(shim_cr3_loads == loads + 1 && shim_invlpgs == inv,
	      "one CR3 reload and no invlpg past the threshold (%lu loads, %lu invlpg)",
	      shim_cr3_loads - loads, shim_invlpgs - inv);
	/* Not the loaded address space: no TLB work at all. */
	struct mm *other = mm_create();
	int64_t b = mm_mmap(other, 0, P(1), RW);
	mm_fault(other, (uint64_t)b, PF_USER);
	inv = shim_invlpgs;
	mm_munmap(other, (uint64_t)b, P(1));
	CHECK(shim_invlpgs == inv, "invlpg for an address space that is not loaded");
	mm_switch(NULL);
	mm_put(other);
	mm_put(mm);
}

/* exit frees every user page and page-table page; so does a fork that ran out of memory. */
static void test_no_leaks(void)
{
	uint64_t free0 = kalloc_free_pages();
	struct mm *mm = mm_create();
	int64_t a = mm_mmap(mm, 0, 8 * MIB, RW);
	for (uint64_t off = 0; off < 8 * MIB; off += P(3))
		mm_fault(mm, a + off, PF_USER | PF_WRITE);
	CHECK(mm_map_fixed(mm, P(16), P(1), HC_PROT_READ) == 0 && mm_fault(mm, P(16), 0) == 0,
	      "low page");
	struct mm *kids[3];
	for (int i = 0; i < 3; i++)
		kids[i] = mm_fork(mm);
	mm_fault(kids[1], a + P(3), PF_USER | PF_WRITE);
	mm_put(mm);
	mm_put(kids[0]);
	mm_put(kids[2]);
	mm_put(kids[1]);
	CHECK(free0 - kalloc_free_pages() <= 8, "%lu pages leaked (kmalloc spares only)",
	      free0 - kalloc_free_pages());
	/* Fork until memory runs out (one page per 2 MiB: each child needs a page table for
	 * each): the failed fork must not leak or break the parent. */
	mm = mm_create();
	a = mm_mmap(mm, 0, 1024 * MIB, RW);
	for (uint64_t off = 0; off < 1024 * MIB; off += 2 * MIB)
		mm_fault(mm, a + off + P(5), PF_USER | PF_WRITE);
	struct mm *many[64];
	int n = 0;
	while (n < 64 && (many[n] = mm_fork(mm)))
		n++;
	CHECK(n < 64, "memory never ran out");
	for (int i = 0; i < n; i++)
		mm_put(many[i]);
	uint64_t pte = pte_of(mm, a + P(5));
	CHECK(*page_meta(pte & PTE_ADDR) == 1, "refcount after a failed fork");
	CHECK(mm_fault(mm, a + P(5), PF_USER | PF_WRITE | PF_PRESENT) == 0 &&
		  (pte_of(mm, a + P(5)) & PTE_ADDR) == (pte & PTE_ADDR),
	      "parent writes in place after the failed fork");
	mm_put(mm);
	CHECK(free0 - kalloc_free_pages() <= 8, "%lu pages leaked after fork failure",
	      free0 - kalloc_free_pages());
}

int main(void)
{
	shim_boot(MODE_CLASSIC, 16 * MIB, 1 * MIB, 0, 0, 1ull << 40);
	CHECK(mm_init() == 0 && strcmp(mm_backend_name(), "classic") == 0, "mm_init");
	kernel_cr3 = shim_cr3;
	RUN_TEST(test_kernel_tables);
	RUN_TEST(test_demand_zero);
	RUN_TEST(test_cow_fork);
	RUN_TEST(test_protect_and_unmap);
	RUN_TEST(test_no_leaks);
	TEST_EXIT();
}
