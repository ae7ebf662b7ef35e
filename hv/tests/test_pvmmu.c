/* test_pvmmu.c: pvmmu's validation on plain memory: one test per rule. */
#include "pvmmu_fixture.h"

static void test_layout(void)
{
	fresh();
	struct pv_layout l;
	pvmmu_layout(pvmmu_of(&g), 0, &l);
	CHECK(hc(HC_PV_NEW_BASE, 0, 0, 0) == (int64_t)l.kernel_cr3, "kernel half alone");
	const uint64_t *k4 = (const uint64_t *)(mem + l.kernel_cr3);
	const uint64_t *pdpt = (const uint64_t *)(mem + (k4[511] & ~0xfffull));
	const uint64_t *pd = (const uint64_t *)(mem + (pdpt[510] & ~0xfffull));
	CHECK((pd[0] & W) && (pd[POOL / (2 * MIB) - 1] & W), "kernel memory writable");
	CHECK(!(pd[POOL / (2 * MIB)] & W) && (pd[POOL / (2 * MIB)] & P), "pool read-only");
	CHECK(!(pd[RESERVED / (2 * MIB)] & W), "the hv's pages are read-only in the kernel half");
	CHECK(l.routine == KERNBASE + RESERVED + 0x6000 && l.save == l.routine - KERNBASE + 0x1000,
	      "the routine finds its save area");
	CHECK(pvmmu_reserved_intact(pvmmu_of(&g)), "as built");
	struct pv_layout l3;
	pvmmu_layout(pvmmu_of(&g), NCPUS - 1, &l3);
	CHECK(l3.routine > l.routine && l3.list >= l.list + PV_BATCH_MAX * 8 &&
		  l3.save == l3.routine - KERNBASE + 0x1000 && l3.list + PV_BATCH_MAX * 8 <= MEM,
	      "each vCPU has its own routine, save area and list");
	CHECK(!memcmp(mem + l3.routine - KERNBASE, mem + l.routine - KERNBASE, PAGE_SIZE),
	      "the same routine");
	mem[l3.routine - KERNBASE + 7] ^= 1;
	CHECK(!pvmmu_reserved_intact(pvmmu_of(&g)), "a change to vCPU %d's routine is seen",
	      NCPUS - 1);
}

/* Rule: an INVLPG / FLUSH_ALL names vCPUs 0..ncpus-1 only; the caller's own bit is itself. */
static void test_flush_masks(void)
{
	fresh();
	chain();
	CHECK(op1(PV_OP_INVLPG, 1u << NCPUS) == -HC_EINVAL, "invlpg: no vCPU %d", NCPUS);
	CHECK(op1(PV_OP_FLUSH_ALL, ~0ull) == -HC_EINVAL, "flush_all: all bits");
	CHECK(op1(PV_OP_FLUSH_ALL, 1ull << 63) == -HC_EINVAL, "flush_all: bit 63");
	CHECK(synced.remote_calls == 0, "a refused mask flushes nobody");
	CHECK(op1(PV_OP_INVLPG, 1) == 0 && synced.flush && synced.remote_calls == 0,
	      "the caller's own bit: a local flush only");
	caller = 1;
	CHECK(op1(0x1000 | PV_OP_INVLPG, 0xf) == 0 && synced.remote_calls == 1 &&
		  synced.remote_mask == 0xd && synced.cpu == 1 && synced.flush,
	      "vCPU 1 asks 0, 2, 3 (mask %#x)", synced.remote_mask);
	struct pv_op two[] = {{PV_OP_FLUSH_ALL, 0x4}, {PV_OP_INVLPG, 0x8}};
	uint64_t done;
	CHECK(batch(two, 2, &done) == 2 && synced.remote_calls == 2 && synced.remote_mask == 0xc,
	      "one remote flush per batch, masks merged");
	struct pvmmu_counts c;
	pvmmu_counts_get(pvmmu_of(&g), &c);
	CHECK(c.remote_flushes == 5 && c.kicks == 5, "counted (%lu, %lu)", c.remote_flushes,
	      c.kicks);
	struct pv_op bad[] = {{PV_OP_FLUSH_ALL, 0x4}, {PV_OP_INVLPG, 0x10}};
	CHECK(batch(bad, 2, &done) == -HC_EINVAL && done == 1 && synced.remote_calls == 3 &&
		  synced.remote_mask == 0x4,
	      "a batch stopped by a bad mask flushes what came before it");
}

/* Rule: the current base of any vCPU stays pinned. */
static void test_base_per_vcpu(void)
{
	fresh();
	chain();
	caller = 2;
	CHECK(hc(HC_PV_NEW_BASE, frame(0), 0, 0) == (int64_t)frame(0), "vCPU 2 loads the L4");
	caller = 0;
	CHECK(op1(frame(0), 0) == 0, "unlink the L3");
	CHECK(hc(HC_PV_NEW_BASE, 0, 0, 0) > 0, "vCPU 0 on the kernel half");
	CHECK(op1(frame(0) | PV_OP_UNPIN, 0) == -HC_EPERM, "vCPU 2's base stays");
	caller = 2;
	CHECK(hc(HC_PV_NEW_BASE, 0, 0, 0) > 0, "vCPU 2 leaves it");
	CHECK(op1(frame(0) | PV_OP_UNPIN, 0) == 0, "then it may go");
}

/* Rule: a present leaf maps a frame the guest owns. */
static void test_leaf_owned_frames(void)
{
	fresh();
	chain();
	uint64_t e = frame(3);
	CHECK(op1(e, RESERVED | P) == -HC_EFAULT && !*entry(e, 0), "the hv's frame");
	CHECK(op1(e, MEM | P) == -HC_EFAULT && !*entry(e, 0), "beyond memory");
	CHECK(op1(e, (1ull << 51) | P) == -HC_EFAULT && !*entry(e, 0), "far beyond memory");
	CHECK(op1(e, RESERVED) == 0, "a non-present entry maps nothing");
	CHECK(op1(e, KPAGE | P | W | U) == 0 && *entry(e, 0) == (KPAGE | P | W | U), "own page");
}

/* Rule: page-table frames are mapped read-only only. */
static void test_tables_read_only(void)
{
	fresh();
	chain();
	CHECK(op1(frame(3), frame(2) | P | W) == -HC_EPERM && !*entry(frame(3), 0), "W table");
	CHECK(op1(frame(3), frame(9) | P | W) == -HC_EPERM, "W free pool frame");
	CHECK(op1(frame(3), frame(2) | P) == 0, "read-only is fine");
}

/* Rule: a pinned table is not freed (unpinned) while in use, nor retyped. */
static void test_pinned_tables_stay(void)
{
	fresh();
	chain();
	CHECK(op1(frame(3) | PV_OP_UNPIN, 0) == -HC_EPERM, "linked from the L2");
	CHECK(op1(frame(3) | (PV_OP_PIN_L1 + 1), 0) == -HC_EPERM, "retype L1 as L2");
	CHECK(op1(frame(3) | PV_OP_PIN_L1, 0) == -HC_EPERM, "pin twice");
	CHECK(op1(frame(3), KPAGE | P) == 0, "fill the L1");
	CHECK(op1(frame(2), 0) == 0, "unlink the L1");
	CHECK(op1(frame(3) | PV_OP_UNPIN, 0) == -HC_EPERM, "not empty");
	CHECK(op1(frame(3), 0) == 0 && op1(frame(3) | PV_OP_UNPIN, 0) == 0, "empty: unpinned");
	CHECK(pvmmu_frame(pvmmu_of(&g), frame(3), NULL) == 0, "free again");
	CHECK(hc(HC_PV_NEW_BASE, frame(0), 0, 0) == (int64_t)frame(0), "load the L4");
	CHECK(op1(frame(0), 0) == 0, "unlink the L3");
	CHECK(op1(frame(0) | PV_OP_UNPIN, 0) == -HC_EPERM, "the loaded base");
	CHECK(hc(HC_PV_NEW_BASE, 0, 0, 0) > 0 && op1(frame(0) | PV_OP_UNPIN, 0) == 0, "unloaded");
	CHECK(!*entry(frame(0), 511), "the kernel half left with the pin");
}

/* Rule: an upper entry points at a table pinned at the level below. */
static void test_links_by_level(void)
{
	fresh();
	chain();
	CHECK(op1(frame(1) + 8, frame(3) | TABLE) == -HC_EINVAL, "L3 -> L1");
	CHECK(op1(frame(1) + 8, frame(9) | TABLE) == -HC_EINVAL, "L3 -> free frame");
	CHECK(op1(frame(1) + 8, KPAGE | TABLE) == -HC_EINVAL, "L3 -> kernel page");
	CHECK(op1(frame(1) + 8, RESERVED | TABLE) == -HC_EFAULT, "L3 -> the hv's page");
	CHECK(op1(frame(2) + 8, frame(2) | TABLE) == -HC_EINVAL, "L2 -> itself");
	CHECK(op1(frame(9), KPAGE | P) == -HC_EINVAL, "update in a free frame");
	CHECK(op1(frame(9), KPAGE) == -HC_EINVAL && !*entry(frame(9), 0), "even a non-present one");
	CHECK(op1(KPAGE, KPAGE | P) == -HC_EINVAL, "update in a kernel page");
	CHECK(op1(RESERVED, 0) == -HC_EFAULT, "update in the hv's pages");
	CHECK(op1(KPAGE | PV_OP_PIN_L1, 0) == -HC_EINVAL, "pin a kernel page");
	uint32_t refs;
	CHECK(pvmmu_frame(pvmmu_of(&g), frame(3), &refs) == 1 && refs == 1, "refs %u", refs);
}

/* Rule: the kernel half (L4 slots from user_top up) is the hv's. */
static void test_kernel_half(void)
{
	fresh();
	chain();
	uint64_t k = *entry(frame(0), 511);
	CHECK(k != 0, "pinning an L4 added the kernel half");
	CHECK(op1(frame(0) + 511 * 8, 0) == -HC_EPERM && *entry(frame(0), 511) == k, "slot 511");
	CHECK(op1(frame(0) + 256 * 8, frame(1) | TABLE) == -HC_EPERM, "slot 256");
	CHECK(op1(frame(0) + 1 * 8, frame(1) | TABLE) == -HC_EPERM, "slot 1 is above user_top");
}

/* Rule: large pages, global pages and reserved bits are refused. */
static void test_entry_bits(void)
{
	fresh();
	chain();
	CHECK(op1(frame(2) + 8, KPAGE | P | 0x80) == -HC_EINVAL, "2 MiB page");
	CHECK(op1(frame(2) + 8, frame(3) | TABLE | 0x80) == -HC_EINVAL, "PS on a link");
	CHECK(op1(frame(1) + 8, frame(2) | TABLE | (1ull << 55)) == -HC_EINVAL, "reserved bit");
	CHECK(op1(frame(3), KPAGE | P | 0x100) == -HC_EINVAL, "global");
	CHECK(op1(frame(3), KPAGE | P | (1ull << 52)) == -HC_EINVAL, "reserved bit");
	CHECK(op1(frame(3), KPAGE | P | 0xe00 | (1ull << 63)) == 0, "software bits and NX");
	CHECK(op1(12345 | PV_OP_INVLPG, 0) == -HC_EINVAL, "unaligned invlpg");
	CHECK(op1(USER_TOP | PV_OP_INVLPG, 0) == -HC_EINVAL, "kernel invlpg");
	CHECK(hc(HC_PV_NEW_BASE, frame(1), 0, 0) == -HC_EINVAL, "an L3 as base");
	CHECK(hc(HC_PV_BATCH, OPS_GPA, 0, 0) == -HC_EINVAL, "empty batch");
	CHECK(hc(HC_PV_BATCH, OPS_GPA, PV_BATCH_MAX + 1, 0) == -HC_EINVAL, "too long");
	CHECK(hc(HC_PV_BATCH, RESERVED - 8, 1, 0) == -HC_EFAULT, "ops past guest memory");
	CHECK(hc(HC_PV_BATCH, OPS_GPA, 1, RESERVED) == -HC_EFAULT, "done past guest memory");
}

/* A batch stops at its first bad op, which changes nothing; the ones before it stay. */
static void test_batch_stops(void)
{
	fresh();
	chain();
	unsigned before = synced.calls;
	struct pv_op ops[] = {
	    {frame(3), KPAGE | P}, {frame(3) + 8, frame(0) | P | W}, {frame(3) + 16, KPAGE | P}};
	uint64_t done;
	CHECK(batch(ops, 3, &done) == -HC_EPERM && done == 1, "stopped at op 1 (%lu)", done);
	CHECK(*entry(frame(3), 0) && !*entry(frame(3), 1) && !*entry(frame(3), 2), "first only");
	CHECK(synced.calls == before + 1 && synced.n == 1 && !synced.flush, "one entry synced");
	struct pv_op fl[] = {{PV_OP_FLUSH_ALL, 0}};
	CHECK(batch(fl, 1, &done) == 1 && synced.flush && synced.n == 0, "a flush alone syncs");
}

int main(void)
{
	RUN_TEST(test_layout);
	RUN_TEST(test_leaf_owned_frames);
	RUN_TEST(test_tables_read_only);
	RUN_TEST(test_pinned_tables_stay);
	RUN_TEST(test_links_by_level);
	RUN_TEST(test_kernel_half);
	RUN_TEST(test_entry_bits);
	RUN_TEST(test_batch_stops);
	RUN_TEST(test_flush_masks);
	RUN_TEST(test_base_per_vcpu);
	TEST_EXIT();
}
