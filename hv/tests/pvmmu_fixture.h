/* pvmmu_fixture.h: a pvmmu guest on plain memory for the unit tests, and batches sent to it. */
#ifndef PVMMU_FIXTURE_H
#define PVMMU_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "hv.h"
#include "pvmmu/pvmmu.h"
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
static inline int record_sync(void *arg, unsigned cpu, unsigned n, bool flush, int64_t ret)
{
	(void)arg, (void)ret;
	struct pv_layout l;
	pvmmu_layout(pvmmu_of(&g), cpu, &l);
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
static inline int record_remote(void *arg, unsigned cpu, uint32_t mask)
{
	(void)arg, (void)cpu;
	synced.remote_calls++;
	synced.remote_mask = mask;
	return __builtin_popcount(mask);
}

static inline void fresh(void)
{
	if (!mem)
		mem = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(mem, 0, MEM);
	memset(&g, 0, sizeof g);
	memset(&synced, 0, sizeof synced);
	g.mem = (struct gmem){.host = mem, .size = RESERVED};
	g.console = stdout;
	struct pvmmu_config c = {MEM, POOL, RESERVED, USER_TOP, NCPUS};
	char err[200];
	struct pvmmu *pv = pvmmu_create(&c, mem, err, sizeof err);
	CHECK(pv != NULL, "pvmmu_create: %s", err);
	pvmmu_guard(pv, &g.mem);
	pvmmu_set_sync(pv, record_sync, record_remote, NULL);
	pvmmu_attach(&g, pv);
	caller = 0;
}

static inline int64_t hc(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct hc_args a = {.nr = nr, .a0 = a0, .a1 = a1, .a2 = a2, .cpu = caller};
	return hc_dispatch(&g, &a);
}

/* Sends n ops as one batch; *done gets the hv's count of applied ops. */
static inline int64_t batch(const struct pv_op *ops, unsigned n, uint64_t *done)
{
	memcpy(mem + OPS_GPA, ops, n * sizeof *ops);
	int64_t r = hc(HC_PV_BATCH, OPS_GPA, n, DONE_GPA);
	memcpy(done, mem + DONE_GPA, sizeof *done);
	return r;
}

/* One op alone: 0 or -HC_E*. */
static inline int64_t op1(uint64_t ptr, uint64_t val)
{
	uint64_t done;
	struct pv_op o = {ptr, val};
	int64_t r = batch(&o, 1, &done);
	return r < 0 ? r : 0;
}

static inline uint64_t frame(int i)
{
	return POOL + (uint64_t)i * PAGE_SIZE;
}

static inline uint64_t *entry(uint64_t table, unsigned i)
{
	return (uint64_t *)(mem + table) + i;
}

/* L4 frame 0 -> L3 frame 1 -> L2 frame 2 -> L1 frame 3, pinned and linked. */
static inline void chain(void)
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

#endif
