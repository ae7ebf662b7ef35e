/* test_pvmmu.c: pvmmu's validation on plain memory: one test per rule, then 10^6 fuzzed ops. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "hv.h"
#include "test.h"

#define MEM	 (32 * MIB)
#define POOL	 (16 * MIB) /* page-table frames [POOL, RESERVED) */
#define RESERVED (30 * MIB)
#define USER_TOP (1ull << 30) /* one user PML4 slot */
#define NCPUS	 4
#define OPS_GPA	 (1 * MIB) /* where the test puts its batches */
#define DONE_GPA (OPS_GPA - 8)
#define KPAGE	 (4 * MIB) /* a kernel page a leaf may map */
#define P	 0x1ull
#define W	 0x2ull
#define U	 0x4ull
#define TABLE	 (P | W | U)

static struct guest g;
static uint8_t *mem;
static unsigned caller; /* the vCPU making the hypercalls */
static struct {
	unsigned calls, n, cpu;
	bool flush, outside; /* outside: the list named an entry outside the pool */
	unsigned remote_calls;
	uint32_t remote_mask;
} synced;

/* The sync hook: what a batch asks the vCPU to store must lie in page-table frames. */
static int record_sync(void *arg, unsigned cpu, unsigned n, bool flush, int64_t ret)
{
	(void)arg, (void)ret;
	struct pv_layout l;
	pvmmu_layout(g.pv, cpu, &l);
	synced.cpu = cpu;
	const uint64_t *list = (const uint64_t *)(mem + l.list);
	for (unsigned i = 0; i < n; i++)
		synced.outside |= list[i] < POOL || list[i] >= RESERVED || list[i] % 8;
	synced.calls++;
	synced.n = n;
	synced.flush = flush;
	return 1;
}

/* The remote flush hook: which vCPUs a batch asked to flush (every one "kicked"). */
static int record_remote(void *arg, unsigned cpu, uint32_t mask)
{
	(void)arg, (void)cpu;
	synced.remote_calls++;
	synced.remote_mask = mask;
	return __builtin_popcount(mask);
}

static void fresh(void)
{
	if (!mem)
		mem = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(mem, 0, MEM);
	memset(&g, 0, sizeof g);
	memset(&synced, 0, sizeof synced);
	g.mem = (struct gmem){.host = mem, .size = RESERVED};
	g.mode = MODE_PVMMU;
	g.console = stdout;
	struct pvmmu_config c = {MEM, POOL, RESERVED, USER_TOP, NCPUS};
	char err[200];
	g.pv = pvmmu_create(&c, mem, err, sizeof err);
	CHECK(g.pv != NULL, "pvmmu_create: %s", err);
	pvmmu_guard(g.pv, &g.mem);
	pvmmu_set_sync(g.pv, record_sync, record_remote, NULL);
	caller = 0;
}

static int64_t hc(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct hc_args a = {.nr = nr, .a0 = a0, .a1 = a1, .a2 = a2, .cpu = caller};
	return hc_dispatch(&g, &a);
}

/* Sends n ops as one batch; *done gets the hv's count of applied ops. */
static int64_t batch(const struct pv_op *ops, unsigned n, uint64_t *done)
{
	memcpy(mem + OPS_GPA, ops, n * sizeof *ops);
	int64_t r = hc(HC_PV_BATCH, OPS_GPA, n, DONE_GPA);
	memcpy(done, mem + DONE_GPA, sizeof *done);
	return r;
}

/* One op alone: 0 or -HC_E*. */
static int64_t op1(uint64_t ptr, uint64_t val)
{
	uint64_t done;
	struct pv_op o = {ptr, val};
	int64_t r = batch(&o, 1, &done);
	return r < 0 ? r : 0;
}

static uint64_t frame(int i)
{
	return POOL + (uint64_t)i * PAGE_SIZE;
}

static uint64_t *entry(uint64_t table, unsigned i)
{
	return (uint64_t *)(mem + table) + i;
}

/* L4 frame 0 -> L3 frame 1 -> L2 frame 2 -> L1 frame 3, pinned and linked. */
static void chain(void)
{
	struct pv_op ops[] = {
	    {frame(0) | PV_OP_PIN_L4, 0},	{frame(1) | (PV_OP_PIN_L1 + 2), 0},
	    {frame(2) | (PV_OP_PIN_L1 + 1), 0}, {frame(3) | PV_OP_PIN_L1, 0},
	    {frame(0), frame(1) | TABLE},	{frame(1), frame(2) | TABLE},
	    {frame(2), frame(3) | TABLE},
	};
	uint64_t done;
	CHECK(batch(ops, 7, &done) == 7 && done == 7, "the chain is valid");
}

static void test_layout(void)
{
	fresh();
	struct pv_layout l;
	pvmmu_layout(g.pv, 0, &l);
	CHECK(hc(HC_PV_NEW_BASE, 0, 0, 0) == (int64_t)l.kernel_cr3, "kernel half alone");
	const uint64_t *k4 = (const uint64_t *)(mem + l.kernel_cr3);
	const uint64_t *pdpt = (const uint64_t *)(mem + (k4[511] & ~0xfffull));
	const uint64_t *pd = (const uint64_t *)(mem + (pdpt[510] & ~0xfffull));
	CHECK((pd[0] & W) && (pd[POOL / (2 * MIB) - 1] & W), "kernel memory writable");
	CHECK(!(pd[POOL / (2 * MIB)] & W) && (pd[POOL / (2 * MIB)] & P), "pool read-only");
	CHECK(!(pd[RESERVED / (2 * MIB)] & W), "the hv's pages are read-only in the kernel half");
	CHECK(l.routine == KERNBASE + RESERVED + 0x6000 && l.save == l.routine - KERNBASE + 0x1000,
	      "the routine finds its save area");
	CHECK(pvmmu_reserved_intact(g.pv), "as built");
	struct pv_layout l3;
	pvmmu_layout(g.pv, NCPUS - 1, &l3);
	CHECK(l3.routine > l.routine && l3.list >= l.list + PV_BATCH_MAX * 8 &&
		  l3.save == l3.routine - KERNBASE + 0x1000 && l3.list + PV_BATCH_MAX * 8 <= MEM,
	      "each vCPU has its own routine, save area and list");
	CHECK(!memcmp(mem + l3.routine - KERNBASE, mem + l.routine - KERNBASE, PAGE_SIZE),
	      "the same routine");
	mem[l3.routine - KERNBASE + 7] ^= 1;
	CHECK(!pvmmu_reserved_intact(g.pv), "a change to vCPU %d's routine is seen", NCPUS - 1);
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
	pvmmu_counts_get(g.pv, &c);
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
	CHECK(pvmmu_frame(g.pv, frame(3), NULL) == 0, "free again");
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
	CHECK(pvmmu_frame(g.pv, frame(3), &refs) == 1 && refs == 1, "refs %u", refs);
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

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
	return *s;
}

#define HOT 24 /* the pool frames the fuzzer plays with */

/* A plausible or hostile entry value. */
static uint64_t fuzz_value(uint64_t *s)
{
	uint64_t flags = rnd(s) & 0xe27; /* P W U A, software bits */
	switch (rnd(s) % 8) {
	case 0:
		return 0;
	case 1:
	case 2:
		return frame((int)(rnd(s) % HOT)) | TABLE; /* a link, or a W map of a table */
	case 3:
		return frame((int)(rnd(s) % HOT)) | P; /* read-only map of a table */
	case 4:
		return (KPAGE + (rnd(s) % 1024) * PAGE_SIZE) | flags;
	case 5:
		return (RESERVED + (rnd(s) % 512) * PAGE_SIZE) | P; /* the hv's pages */
	case 6:
		return rnd(s) & ~0x180ull; /* anything but PS/G */
	default:
		return rnd(s);
	}
}

/* Frames outside the fuzzer's reach, whose ops below break exactly one rule each. */
#define FIXED_L4 frame(HOT)
#define FIXED_L3 frame(HOT + 1) /* linked from FIXED_L4 slot 0 */
#define FIXED_L1 frame(HOT + 2)

static void fixed_tables(void)
{
	struct pv_op ops[] = {{FIXED_L4 | PV_OP_PIN_L4, 0},
			      {FIXED_L3 | (PV_OP_PIN_L1 + 2), 0},
			      {FIXED_L1 | PV_OP_PIN_L1, 0},
			      {FIXED_L4, FIXED_L3 | TABLE}};
	uint64_t done;
	CHECK(batch(ops, 4, &done) == 4, "fixed tables");
}

/* An op that must be refused whatever the state. */
static struct pv_op hostile_op(uint64_t *s)
{
	uint64_t t = frame((int)(rnd(s) % HOT)), i = (rnd(s) % 512) * 8;
	switch (rnd(s) % 8) {
	case 0: /* an entry in the hv's pages */
		return (struct pv_op){RESERVED + ((rnd(s) % (2 * MIB)) & ~7ull), 0};
	case 1: /* the kernel half */
		return (struct pv_op){FIXED_L4 + (1 + rnd(s) % 511) * 8, FIXED_L3 | TABLE};
	case 2: /* map the hv's pages */
		return (struct pv_op){t + i, (RESERVED + rnd(s) % MIB) | P | W | U};
	case 3: /* a page table writable */
		return (struct pv_op){FIXED_L1 + i, frame((int)(rnd(s) % (HOT + 3))) | P | W | U};
	case 4: /* a kernel page as a table */
		return (struct pv_op){(KPAGE + (rnd(s) % 64) * PAGE_SIZE) | (1 + rnd(s) % 4), 0};
	case 5: /* free a table in use */
		return (struct pv_op){FIXED_L3 | PV_OP_UNPIN, 0};
	case 6: /* retype a pinned table */
		return (struct pv_op){FIXED_L1 | (PV_OP_PIN_L1 + 1 + rnd(s) % 3), 0};
	default: /* reserved bits, or a large page */
		return (struct pv_op){t + i, (KPAGE | P | (1ull << (52 + rnd(s) % 11))) ^
						 (rnd(s) % 2 ? 0x80 : 0)};
	}
}

static struct pv_op fuzz_op(uint64_t *s)
{
	uint64_t t = frame((int)(rnd(s) % HOT)), r = rnd(s) % 16;
	if (r < 3)
		return (struct pv_op){t | (PV_OP_PIN_L1 + rnd(s) % 4), 0};
	if (r < 5)
		return (struct pv_op){t | PV_OP_UNPIN, 0};
	if (r == 5)
		return (struct pv_op){(rnd(s) % (2 * USER_TOP) & ~0xfffull) | (6 + rnd(s) % 2), 0};
	if (r == 6)
		return (struct pv_op){rnd(s), rnd(s)};
	unsigned i = rnd(s) % 4 == 0 ? 511 : (unsigned)(rnd(s) % 4);
	return (struct pv_op){t + i * 8, fuzz_value(s)};
}

/* Re-derives every rule from memory: each present entry valid, refs exact, free frames zero,
 * memory outside the pool as it was (but the batch buffer), the hv's pages as built. */
static int check_state(const uint8_t *before, uint64_t kernel_slot)
{
	static uint32_t refs[(RESERVED - POOL) / PAGE_SIZE];
	memset(refs, 0, sizeof refs);
	int bad = 0;
	for (uint64_t f = POOL; f < RESERVED; f += PAGE_SIZE) {
		const uint64_t *t = (const uint64_t *)(mem + f);
		int level = pvmmu_frame(g.pv, f, NULL);
		for (unsigned i = 0; i < 512; i++) {
			uint64_t e = t[i], pa = e & 0x000ffffffffff000ull;
			if (level == 0 || (level == 4 && i >= 1)) {
				bad += level == 4 && i == 511 ? e != kernel_slot : e != 0;
				continue;
			}
			if (!(e & P))
				continue;
			if (level == 1)
				bad += pa >= RESERVED || (pa >= POOL && (e & W)) ||
				       (e & 0x7ff0000000000180ull);
			else if (pa < POOL || pa >= RESERVED ||
				 pvmmu_frame(g.pv, pa, NULL) != level - 1)
				bad++;
			else
				refs[(pa - POOL) / PAGE_SIZE]++;
		}
	}
	for (uint64_t f = POOL; f < RESERVED; f += PAGE_SIZE) {
		uint32_t r;
		pvmmu_frame(g.pv, f, &r);
		bad += r != refs[(f - POOL) / PAGE_SIZE];
	}
	bad += memcmp(mem, before, DONE_GPA) != 0;
	bad += memcmp(mem + OPS_GPA + 64 * 1024, before + OPS_GPA + 64 * 1024,
		      POOL - OPS_GPA - 64 * 1024) != 0;
	bad += !pvmmu_reserved_intact(g.pv) || synced.outside;
	return bad;
}

/* 10^6 batches of 1..8 random ops, half of them with a hostile op: each hostile op is
 * refused with nothing applied after it, and the state always satisfies the rules. */
static void test_fuzz(void)
{
	fresh();
	chain();
	fixed_tables();
	uint64_t kernel_slot = *entry(frame(0), 511), s = 0x9e3779b97f4a7c15ull;
	uint8_t *before = malloc(POOL);
	memcpy(before, mem, POOL);
	uint64_t total = 0, accepted = 0, hostile = 0, leaked = 0, calls = 0, bad = 0;
	struct pv_op ops[8];
	while (calls < 1000000) {
		unsigned n = 1 + (unsigned)(rnd(&s) % 8), h = n;
		for (unsigned i = 0; i < n; i++)
			ops[i] = fuzz_op(&s);
		if (rnd(&s) % 2) {
			h = (unsigned)(rnd(&s) % n);
			ops[h] = hostile_op(&s);
			hostile++;
		}
		if (rnd(&s) % 64 == 0)
			hc(HC_PV_NEW_BASE, frame((int)(rnd(&s) % HOT)), 0, 0);
		/* as a guest would: after a refusal, the rest of the batch goes again */
		for (unsigned first = 0; first < n;) {
			uint64_t done = ~0ull;
			int64_t r = batch(ops + first, n - first, &done);
			leaked += h >= first && h < n && (r >= 0 || first + done > h);
			leaked += r >= 0 ? done != n - first : done >= n - first;
			accepted += done < n ? done : 0;
			first += (unsigned)done + 1;
			calls++;
		}
		total += n;
		if (calls % 4096 < 8)
			bad += check_state(before, kernel_slot);
	}
	bad += check_state(before, kernel_slot);
	free(before);
	printf("  fuzz: %lu batches, %lu ops, %lu applied, %lu hostile refused\n", calls, total,
	       accepted, hostile);
	CHECK(leaked == 0, "%lu batches applied past a hostile op or miscounted", leaked);
	CHECK(bad == 0, "%lu rule violations found in the state", bad);
	CHECK(accepted > total / 10, "the fuzzer exercises valid ops too (%lu)", accepted);
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
	RUN_TEST(test_fuzz);
	TEST_EXIT();
}
