/* test_ptefree.c: the ptefree backend against a fake hv: which hypercalls, with what arguments. */
#include "mm.h"
#include "../../../harness/test.h"

#define MIB  (1ull << 20)
#define P(n) ((uint64_t)(n)*PAGE_SIZE)
#define RW   (HC_PROT_READ | HC_PROT_WRITE)

static int last_call_was(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	const uint64_t *a = shim_hv.last_args;
	return shim_hv.last_nr == nr && a[0] == a0 && a[1] == a1 && a[2] == a2 && a[3] == a3;
}

static void test_address_space_calls(void)
{
	uint64_t cr3_loads = shim_cr3_loads;
	CHECK(mm_init() == 0 && strcmp(mm_backend_name(), "ptefree") == 0, "mm_init");
	CHECK(shim_cr3_loads == cr3_loads, "ptefree init loads no CR3");
	struct mm *mm = mm_create();
	CHECK(mm && shim_hv.calls[HC_AS_CREATE] == 1 && mm->backend == 1, "HC_AS_CREATE");
	mm_switch(mm);
	CHECK(last_call_was(HC_AS_SWITCH, 1, 0, 0, 0) && shim_cr3 == 0x100000 + P(1),
	      "HC_AS_SWITCH and the CR3 it returns");
	int64_t a = mm_mmap(mm, 0, P(8), RW);
	CHECK(a > 0 && last_call_was(HC_MAP, 1, (uint64_t)a, P(8), RW), "HC_MAP");
	CHECK(mm_munmap(mm, a + P(2), P(1)) == 0 && last_call_was(HC_UNMAP, 1, a + P(2), P(1), 0),
	      "HC_UNMAP of the middle page");
	CHECK(mm_mprotect(mm, a + P(4), P(4), HC_PROT_READ) == 0 &&
		  last_call_was(HC_PROTECT, 1, a + P(4), P(4), HC_PROT_READ),
	      "HC_PROTECT");
	CHECK(mm_fault(mm, (uint64_t)a, PF_USER) == -1,
	      "every fault that reaches the guest is invalid");
	struct mm *child = mm_fork(mm);
	CHECK(child && last_call_was(HC_AS_FORK, 1, 0, 0, 0) && child->backend == 2, "HC_AS_FORK");
	CHECK(child->vmas.count == mm->vmas.count, "child VMAs");
	mm_put(child);
	CHECK(last_call_was(HC_AS_DESTROY, 2, 0, 0, 0), "HC_AS_DESTROY");
	uint64_t switches = shim_hv.calls[HC_AS_SWITCH];
	mm_put(mm); /* the current one: its CR3 stays in use until the next switch */
	CHECK(shim_hv.calls[HC_AS_SWITCH] == switches && last_call_was(HC_AS_DESTROY, 1, 0, 0, 0),
	      "destroying the current address space");
}

static void test_hv_refusals(void)
{
	struct mm *mm = mm_create();
	shim_hv.fail_nr = HC_MAP;
	CHECK(mm_mmap(mm, 0, P(1), RW) == -MM_ENOMEM && mm->vmas.count == 0, "HC_MAP refused");
	shim_hv.fail_nr = HC_AS_FORK;
	CHECK(mm_fork(mm) == NULL, "fork fails cleanly when the hv has no window");
	shim_hv.fail_nr = HC_AS_CREATE;
	CHECK(mm_create() == NULL, "mm_create fails cleanly");
	shim_hv.fail_nr = 0;
	mm_put(mm);
}

int main(void)
{
	shim_boot(MODE_PTEFREE, 16 * MIB, 1 * MIB, 4 * MIB, 1 * MIB, 1ull << 32);
	RUN_TEST(test_address_space_calls);
	RUN_TEST(test_hv_refusals);
	TEST_EXIT();
}
