/* test_vm.c: address-space operations over a recording fake backend: splits, merges, errors. */
#include "mm.h"
#include "../../../harness/test.h"

#define MIB	 (1ull << 20)
#define USER_TOP (64 * MIB)
#define NPAGES	 (USER_TOP / PAGE_SIZE)
#define P(n)	 ((uint64_t)(n)*PAGE_SIZE)
#define RW	 (HC_PROT_READ | HC_PROT_WRITE)

/* The fake backend keeps a prot per page (-1: unmapped), as the hv's view would be. */
static signed char backend_prot[NPAGES];
static int fake_calls, fail_map, fault_calls;

static int fake_init(void)
{
	return 0;
}
static int fake_as_create(struct mm *mm)
{
	mm->backend = 1;
	memset(backend_prot, -1, sizeof(backend_prot));
	return 0;
}
static void fake_as_destroy(struct mm *mm)
{
	(void)mm;
}
static int fake_as_fork(struct mm *parent, struct mm *child)
{
	child->backend = parent->backend + 1;
	return 0;
}
static void fake_as_switch(struct mm *mm)
{
	(void)mm;
}
static int set_range(uint64_t va, uint64_t len, int prot, int must_be_mapped)
{
	fake_calls++;
	CHECK(va % PAGE_SIZE == 0 && len % PAGE_SIZE == 0 && len && va + len <= USER_TOP,
	      "backend range %lx+%lx", va, len);
	for (uint64_t p = va / PAGE_SIZE; p < (va + len) / PAGE_SIZE; p++) {
		CHECK(!must_be_mapped || backend_prot[p] >= 0, "page %lx not mapped", p);
		backend_prot[p] = (signed char)prot;
	}
	return 0;
}
static int fake_map(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	(void)mm;
	if (fail_map)
		return -MM_ENOMEM;
	return set_range(va, len, prot, 0);
}
static int fake_unmap(struct mm *mm, uint64_t va, uint64_t len)
{
	(void)mm;
	return set_range(va, len, -1, 1);
}
static int fake_protect(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	(void)mm;
	return set_range(va, len, prot, 1);
}
static int fake_fault(struct mm *mm, uint64_t va, uint64_t err, int prot)
{
	(void)mm, (void)va, (void)err, (void)prot;
	fault_calls++;
	return 0;
}

const struct mmu_backend mmu_classic = {
    "fake",	    fake_init, fake_as_create, fake_as_destroy, fake_as_fork,
    fake_as_switch, fake_map,  fake_unmap,     fake_protect,	fake_fault};
const struct mmu_backend mmu_ptefree = {
    "fake",	    fake_init, fake_as_create, fake_as_destroy, fake_as_fork,
    fake_as_switch, fake_map,  fake_unmap,     fake_protect,	fake_fault};
const struct mmu_backend mmu_pvmmu = {"fake",	    fake_init,	    fake_as_create, fake_as_destroy,
				      fake_as_fork, fake_as_switch, fake_map,	    fake_unmap,
				      fake_protect, fake_fault};

static struct mm *mm;

/* The VMAs as a page array; also checks that no two neighbours could have been merged. */
static void vmas_to_pages(struct mm *m, signed char *pages)
{
	memset(pages, -1, NPAGES);
	struct vma *prev = NULL;
	for (struct vma *v = vma_next(&m->vmas, 0); v; v = vma_next(&m->vmas, v->end)) {
		CHECK(!prev || prev->end != v->start || prev->prot != v->prot,
		      "unmerged neighbours at %lx", v->start);
		for (uint64_t p = v->start / PAGE_SIZE; p < v->end / PAGE_SIZE; p++)
			pages[p] = (signed char)v->prot;
		prev = v;
	}
}

static void check_same(const signed char *want, const char *what)
{
	static signed char got[NPAGES];
	vmas_to_pages(mm, got);
	CHECK(memcmp(got, want, NPAGES) == 0, "VMAs differ from the reference after %s", what);
	CHECK(memcmp(backend_prot, want, NPAGES) == 0, "backend differs after %s", what);
}

static void test_mmap_placement(void)
{
	int64_t a = mm_mmap(mm, 0, P(3), RW);
	CHECK(a == (int64_t)PAGE_ROUND_DOWN(USER_TOP / 3), "first mmap at %lx", a);
	int64_t b = mm_mmap(mm, 0, P(2), RW);
	CHECK(b == a + (int64_t)P(3), "second mmap at %lx follows the first", b);
	CHECK(mm->vmas.count == 1, "adjacent same-prot mmaps merge (%lu VMAs)", mm->vmas.count);
	int64_t h = mm_mmap(mm, P(100) + 5, P(1), HC_PROT_READ);
	CHECK(h == (int64_t)P(101), "a free hint is used, rounded up (%lx)", h);
	int64_t c = mm_mmap(mm, (uint64_t)a + P(1), P(1), RW);
	CHECK(c != a + (int64_t)P(1) && c > 0, "a taken hint is not used (%lx)", c);
	CHECK(mm_munmap(mm, (uint64_t)a, P(6)) == 0 && mm_munmap(mm, P(101), P(1)) == 0, "unmap");
	CHECK(mm->vmas.count == 0, "%lu VMAs left", mm->vmas.count);
}

static void test_munmap_splits(void)
{
	int64_t a = mm_mmap(mm, 0, P(10), RW);
	CHECK(mm_munmap(mm, (uint64_t)a + P(3), P(2)) == 0, "munmap middle");
	CHECK(mm->vmas.count == 2, "split into %lu", mm->vmas.count);
	struct vma *lo = vma_find(&mm->vmas, (uint64_t)a), *hi = vma_find(&mm->vmas, a + P(5));
	CHECK(lo && lo->start == (uint64_t)a && lo->end == a + P(3), "lower part");
	CHECK(hi && hi->start == a + P(5) && hi->end == a + P(10), "upper part");
	CHECK(!vma_find(&mm->vmas, a + P(3)) && !vma_find(&mm->vmas, a + P(4)), "hole");
	CHECK(backend_prot[(a + P(3)) / PAGE_SIZE] == -1 &&
		  backend_prot[(a + P(2)) / PAGE_SIZE] == RW,
	      "backend unmapped the hole only");
	/* A range across both parts and the hole trims both ends. */
	CHECK(mm_munmap(mm, a + P(2), P(5)) == 0, "munmap across");
	lo = vma_find(&mm->vmas, (uint64_t)a);
	hi = vma_find(&mm->vmas, a + P(7));
	CHECK(lo && lo->end == a + P(2) && hi && hi->start == a + P(7), "trimmed");
	CHECK(mm_munmap(mm, 0, USER_TOP) == 0 && mm->vmas.count == 0, "unmap all");
}

static void test_mprotect_partial(void)
{
	int64_t a = mm_mmap(mm, 0, P(8), RW);
	CHECK(mm_mprotect(mm, a + P(2), P(3), HC_PROT_READ) == 0, "mprotect middle");
	CHECK(mm->vmas.count == 3, "three parts (%lu)", mm->vmas.count);
	struct vma *mid = vma_find(&mm->vmas, a + P(2));
	CHECK(mid && mid->start == a + P(2) && mid->end == a + P(5) && mid->prot == HC_PROT_READ,
	      "middle part");
	CHECK(backend_prot[(a + P(4)) / PAGE_SIZE] == HC_PROT_READ &&
		  backend_prot[(a + P(5)) / PAGE_SIZE] == RW,
	      "backend protect range");
	CHECK(mm_mprotect(mm, a + P(2), P(3), RW) == 0 && mm->vmas.count == 1, "merged back");
	CHECK(mm_mprotect(mm, (uint64_t)a, P(1), 0) == 0 && mm->vmas.count == 2, "PROT_NONE head");
	/* A hole makes mprotect fail with ENOMEM and change nothing. */
	CHECK(mm_munmap(mm, a + P(4), P(1)) == 0, "hole");
	CHECK(mm_mprotect(mm, (uint64_t)a, P(8), HC_PROT_READ) == -MM_ENOMEM, "hole -> ENOMEM");
	CHECK(vma_find(&mm->vmas, a + P(1))->prot == RW, "changed despite the hole");
	CHECK(mm_munmap(mm, 0, USER_TOP) == 0, "unmap all");
}

static void test_argument_errors(void)
{
	CHECK(mm_mmap(mm, 0, 0, RW) == -MM_EINVAL, "mmap len 0");
	CHECK(mm_mmap(mm, 0, P(1), 8) == -MM_EINVAL, "mmap bad prot");
	CHECK(mm_mmap(mm, 0, USER_TOP + 1, RW) == -MM_ENOMEM, "mmap too long");
	CHECK(mm_mmap(mm, 0, UINT64_MAX, RW) == -MM_ENOMEM, "mmap len overflow");
	CHECK(mm_mmap(mm, UINT64_MAX - 10, P(1), RW) > 0, "a wild hint is ignored");
	CHECK(mm_munmap(mm, 0, USER_TOP) == 0, "unmap");
	CHECK(mm_munmap(mm, P(1) + 1, P(1)) == -MM_EINVAL, "munmap unaligned");
	CHECK(mm_munmap(mm, P(1), 0) == -MM_EINVAL, "munmap len 0");
	CHECK(mm_munmap(mm, P(1), UINT64_MAX - 100) == -MM_EINVAL, "munmap overflow");
	CHECK(mm_munmap(mm, USER_TOP, P(1)) == -MM_EINVAL, "munmap beyond user_top");
	CHECK(mm_munmap(mm, P(50), P(3)) == 0, "munmap of nothing");
	CHECK(mm_mprotect(mm, P(1) + 1, P(1), RW) == -MM_EINVAL, "mprotect unaligned");
	CHECK(mm_mprotect(mm, P(1), 0, RW) == 0, "mprotect len 0");
	CHECK(mm_mprotect(mm, P(1), P(1), 16) == -MM_EINVAL, "mprotect bad prot");
	CHECK(mm_mprotect(mm, P(1), P(1), RW) == -MM_ENOMEM, "mprotect unmapped");
	CHECK(mm_mprotect(mm, P(1), UINT64_MAX - 100, RW) == -MM_ENOMEM, "mprotect overflow");
	CHECK(mm_map_fixed(mm, P(1) + 1, P(1), RW) == -MM_EINVAL, "map_fixed unaligned");
	CHECK(mm_map_fixed(mm, USER_TOP - P(1), P(2), RW) == -MM_ENOMEM, "map_fixed past top");
	CHECK(mm_map_fixed(mm, P(1), 0, RW) == -MM_EINVAL, "map_fixed len 0");
	fail_map = 1;
	CHECK(mm_mmap(mm, 0, P(1), RW) == -MM_ENOMEM && mm->vmas.count == 0, "backend failure");
	fail_map = 0;
}

static void test_map_fixed_replaces(void)
{
	CHECK(mm_map_fixed(mm, P(10), P(10), RW) == 0, "map_fixed");
	CHECK(mm_map_fixed(mm, P(14), P(2), HC_PROT_READ | HC_PROT_EXEC) == 0, "map_fixed over");
	CHECK(mm->vmas.count == 3, "%lu VMAs", mm->vmas.count);
	CHECK(vma_find(&mm->vmas, P(15))->prot == (HC_PROT_READ | HC_PROT_EXEC), "replaced");
	CHECK(mm_munmap(mm, 0, USER_TOP) == 0, "unmap all");
}

static void test_fault_checks(void)
{
	CHECK(mm_map_fixed(mm, P(10), P(1), HC_PROT_READ) == 0, "map");
	CHECK(mm_map_fixed(mm, P(11), P(1), 0) == 0, "map none");
	fault_calls = 0;
	CHECK(mm_fault(mm, P(10) + 8, PF_USER) == 0, "read of a readable page");
	CHECK(mm_fault(mm, P(10), PF_USER | PF_WRITE) == -1, "write to a read-only page");
	CHECK(mm_fault(mm, P(10), PF_USER | PF_INSTR) == -1, "fetch from a non-exec page");
	CHECK(mm_fault(mm, P(11), PF_USER) == -1, "read of PROT_NONE");
	CHECK(mm_fault(mm, P(12), PF_USER) == -1, "no VMA");
	CHECK(mm_fault(mm, USER_TOP + P(1), 0) == -1, "beyond user_top");
	CHECK(fault_calls == 1, "backend saw %d faults, want 1", fault_calls);
	CHECK(mm_munmap(mm, 0, USER_TOP) == 0, "unmap all");
}

/* Random mmap/munmap/mprotect against a page array: VMAs and backend must both match it. */
static void test_random_against_reference(void)
{
	static signed char ref[NPAGES];
	memset(ref, -1, sizeof(ref));
	srand(2024);
	const uint64_t area = 256; /* pages, at P(1000) */
	for (int op = 0; op < 4000; op++) {
		uint64_t first = 1000 + rand() % area, n = 1 + rand() % 24;
		if (first + n > 1000 + area)
			n = 1000 + area - first;
		int prot = rand() % 8, kind = rand() % 3;
		if (kind == 0) {
			CHECK(mm_map_fixed(mm, P(first), P(n), prot) == 0, "map_fixed");
			memset(ref + first, prot, n);
		} else if (kind == 1) {
			CHECK(mm_munmap(mm, P(first), P(n)) == 0, "munmap");
			memset(ref + first, -1, n);
		} else {
			int hole = 0;
			for (uint64_t p = first; p < first + n; p++)
				hole |= ref[p] < 0;
			int r = mm_mprotect(mm, P(first), P(n), prot);
			CHECK(r == (hole ? -MM_ENOMEM : 0), "mprotect %d with hole %d", r, hole);
			if (!hole)
				memset(ref + first, prot, n);
		}
		check_same(ref, kind == 0 ? "map_fixed" : kind == 1 ? "munmap" : "mprotect");
		if (test_failures)
			break;
	}
	/* fork copies the VMAs */
	struct mm *child = mm_fork(mm);
	static signed char got[NPAGES];
	vmas_to_pages(child, got);
	CHECK(child && memcmp(got, ref, NPAGES) == 0, "child VMAs differ");
	mm_put(child);
}

int main(void)
{
	shim_boot(MODE_CLASSIC, 16 * MIB, 1 * MIB, 0, 0, USER_TOP);
	CHECK(mm_init() == 0, "mm_init");
	mm = mm_create();
	uint64_t free0 = kalloc_free_pages();
	RUN_TEST(test_mmap_placement);
	RUN_TEST(test_munmap_splits);
	RUN_TEST(test_mprotect_partial);
	RUN_TEST(test_argument_errors);
	RUN_TEST(test_map_fixed_replaces);
	RUN_TEST(test_fault_checks);
	RUN_TEST(test_random_against_reference);
	mm_put(mm);
	/* every VMA went back: only the spare pages kmalloc keeps remain */
	CHECK(free0 - kalloc_free_pages() <= 2, "%lu pages leaked", free0 - kalloc_free_pages());
	TEST_EXIT();
}
