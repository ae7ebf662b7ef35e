/* pvfuzz.c: random and hostile page-table ops from a process (pvmmu): the hv refuses every bad
 * op and applies nothing after it, and no memory outside the ops' own tables changes.
 * A quarter of the batches aim the hv's count of applied ops at a page-table frame: refused
 * whole. Usage: pvfuzz [CALLS] (hypercalls; default 10^6). */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "abi.h"
#include "program.h"
#include "test.h"

PROGRAM_DESC("test (pvmmu): random and hostile page-table ops; the hv refuses every bad one and "
	     "applies nothing after it (pvfuzz [CALLS])");

#define PAGE	     4096
#define VICTIM_PAGES 64
#define P	     1ull
#define W	     2ull
#define TABLE	     7ull

/* Frames 0..PLAY-1 are the playground; the others a fixed chain, L4 -> L3 -> L2 -> L1
 * (LINKED), and a lone L1, against which each hostile op breaks exactly one rule. */
enum { PLAY = 11, L3 = 11, L4 = 12, L2 = 13, LINKED = 14, L1 = 15 };

static uint64_t victim[VICTIM_PAGES * PAGE / 8];
static struct pvfuzz_info info;
static struct pvfuzz_batch req;
static uint64_t seed = 0x2545f4914f6cdd1dull;
static long calls = 1000000;

static uint64_t rnd(void)
{
	seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
	return seed;
}

static uint64_t frame(uint64_t i)
{
	return info.frames[i];
}

static void fill(uint64_t tag)
{
	for (unsigned i = 0; i < sizeof victim / 8; i++)
		victim[i] = tag ^ (i * 0x9e3779b97f4a7c15ull);
}

static int intact(uint64_t tag)
{
	for (unsigned i = 0; i < sizeof victim / 8; i++)
		if (victim[i] != (tag ^ (i * 0x9e3779b97f4a7c15ull)))
			return 0;
	return 1;
}

static void op(int i, uint64_t ptr, uint64_t val)
{
	req.ops[i][0] = ptr;
	req.ops[i][1] = val;
}

static uint64_t value(void)
{
	switch (rnd() % 8) {
	case 0:
		return 0;
	case 1:
	case 2:
		return frame(rnd() % PLAY) | TABLE;
	case 3:
		return frame(rnd() % PVFUZZ_FRAMES) | P;
	case 4:
		return (info.kernel_page + (rnd() % 256) * PAGE) | (rnd() & 0xe27);
	case 5:
		return info.own_l1 | TABLE;
	case 6:
		return rnd() & ~0x180ull;
	default:
		return rnd();
	}
}

static void plausible(int i)
{
	uint64_t t = frame(rnd() % PLAY), r = rnd() % 16;
	if (r < 3)
		op(i, t | (PV_OP_PIN_L1 + rnd() % 4), 0);
	else if (r < 5)
		op(i, t | PV_OP_UNPIN, 0);
	else if (r == 5)
		op(i, ((rnd() % (1ull << 31)) & ~0xfffull) | (PV_OP_INVLPG + rnd() % 2), 0);
	else
		op(i, t + (rnd() % 4 == 0 ? 511 : rnd() % 4) * 8, value());
}

static void hostile(int i)
{
	uint64_t e = (rnd() % 512) * 8, t = frame(rnd() % PLAY);
	switch (rnd() % 8) {
	case 0: /* map the hv's pages */
		op(i, t + e, (info.reserved_gpa + (rnd() % 256) * PAGE) | P | W | 4);
		break;
	case 1: /* map past guest memory */
		op(i, t + e, ((info.mem_size + rnd() % (1ull << 40)) & ~0xfffull) | P);
		break;
	case 2: /* make a page table writable: ours, or the process's own */
		op(i, frame(L1) + e,
		   (rnd() % 2 ? frame(rnd() % PVFUZZ_FRAMES) : info.own_l1) | P | W);
		break;
	case 3: /* free a table in use (linked, or not empty) */
		op(i, frame(L3 + rnd() % 4) | PV_OP_UNPIN, 0);
		break;
	case 4: /* retype a pinned table */
		op(i, frame(L1) | (PV_OP_PIN_L1 + 1 + rnd() % 3), 0);
		break;
	case 5: /* overlap the kernel half */
		op(i, frame(L4) + (1 + rnd() % 511) * 8, frame(L3) | TABLE);
		break;
	case 6: /* a large page */
		op(i, frame(L2) + e, frame(LINKED) | TABLE | 0x80);
		break;
	default: /* reserved bits */
		op(i, frame(L1) + e, info.kernel_page | P | (1ull << (52 + rnd() % 11)));
	}
}

static int64_t send(unsigned n)
{
	req.n = n;
	CHECK(pl_pvfuzz(PVFUZZ_BATCH, &req) == 0, "the kernel refused the batch");
	return req.ret;
}

/* Everything the process writes while it fuzzes, written once before: copy-on-write breaks
 * then would change its own page tables, which PVFUZZ_END checks stayed as they were. */
static void touch_own_memory(void)
{
	volatile char stack[32 * 1024];
	memset((char *)stack, 0, sizeof stack);
	for (unsigned i = 0; i < sizeof victim / 8; i += PAGE / 8)
		victim[i] = victim[i];
	memset(&info, 0, sizeof info);
	memset(&req, 0, sizeof req);
	seed = seed;
	errno = 0;
}

/* PVFUZZ_BEGIN lends the frames (pvmmu mode only). */
static void test_fuzz(void)
{
	int begun = pl_pvfuzz(PVFUZZ_BEGIN, &info);
	REQUIRE(begun == 0 || errno != ENOSYS, "pvmmu mode only");
	CHECK(begun == 0, "PVFUZZ_BEGIN failed (errno %d)", errno);
	if (begun)
		return;
	op(0, frame(L3) | (PV_OP_PIN_L1 + 2), 0);
	op(1, frame(L4) | PV_OP_PIN_L4, 0);
	op(2, frame(L2) | (PV_OP_PIN_L1 + 1), 0);
	op(3, frame(LINKED) | PV_OP_PIN_L1, 0);
	op(4, frame(L1) | PV_OP_PIN_L1, 0);
	op(5, frame(L4), frame(L3) | TABLE);
	op(6, frame(L3), frame(L2) | TABLE);
	op(7, frame(L2), frame(LINKED) | TABLE);
	CHECK(send(8) == 8, "the fixed chain is valid");
	long leaked = 0, miscounted = 0, applied = 0, hostiles = 0, aimed = 0, typed_stores = 0;
	for (long c = 0; c < calls; c++) {
		unsigned n = 1 + (unsigned)(rnd() % 8), h = n;
		for (unsigned i = 0; i < n; i++)
			plausible((int)i);
		if (rnd() % 2) {
			h = (unsigned)(rnd() % n);
			hostile((int)h);
			hostiles++;
		}
		if (rnd() % 4 == 0) { /* the count aimed at a page-table frame: all refused */
			req.count_at = frame(rnd() % PVFUZZ_FRAMES) + (rnd() % 512) * 8;
			int64_t r = send(n);
			req.count_at = 0;
			aimed++;
			typed_stores += r != -HC_EPERM || req.changed;
			continue;
		}
		int64_t r = send(n);
		leaked += h < n && (r >= 0 || req.done > h);
		miscounted += r >= 0 ? req.done != n : req.done >= n;
		applied += (long)req.done;
	}
	CHECK(pl_pvfuzz(PVFUZZ_END, 0) == 0,
	      "after the teardown a frame stayed pinned or dirty, or the process's own tables "
	      "changed (errno %d)",
	      errno);
	printf("pvfuzz: %ld hypercalls, %ld ops applied, %ld hostile ops, %ld counts aimed at "
	       "page-table frames\n",
	       calls, applied, hostiles, aimed);
	CHECK(typed_stores == 0,
	      "%ld batches with their count aimed at a page-table frame were not refused whole",
	      typed_stores);
	CHECK(leaked == 0, "%ld batches applied a hostile op or what came after it", leaked);
	CHECK(miscounted == 0, "%ld answers disagree with their count of applied ops", miscounted);
	CHECK(applied > (calls - aimed) / 4, "valid ops are exercised too (%ld applied)", applied);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		calls = strtol(argv[1], NULL, 10);
	fill(0x1234);
	pid_t child = fork();
	if (child == 0) { /* the victim: its own copy, to be found intact afterwards */
		fill(0x5678);
		sched_yield();
		_exit(intact(0x5678) ? 0 : 1);
	}
	sched_yield(); /* the victim fills its copy first */
	touch_own_memory();
	RUN_TEST(test_fuzz);
	int status = -1;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status),
	      "the victim process's memory changed (status %#x)", status);
	CHECK(intact(0x1234), "the fuzzing process's own memory changed");
	TEST_EXIT();
}
