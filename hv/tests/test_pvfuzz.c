/* test_pvfuzz.c: pvmmu's invariant checker bites, typed count addresses, 10^6 fuzzed calls. */
#include "pvmmu_fixture.h"
#include "pvmmu/state.h"

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

/* The last calls, printed when a check fails: with the seed they replay the run. */
#define TRAIL 16
static struct hc_args trail[TRAIL];
static uint64_t ncalls;

static int64_t traced(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	trail[ncalls++ % TRAIL] = (struct hc_args){.nr = nr, .a0 = a0, .a1 = a1, .a2 = a2};
	return hc(nr, a0, a1, a2);
}

static int64_t traced_batch(const struct pv_op *ops, unsigned n, uint64_t done_gpa)
{
	memcpy(mem + OPS_GPA, ops, n * sizeof *ops);
	return traced(HC_PV_BATCH, OPS_GPA, n, done_gpa);
}

static void print_trail(uint64_t seed)
{
	printf("  after call %lu of the run with seed %#lx (test_pvfuzz %#lx %lu replays it); "
	       "the last calls:\n",
	       ncalls, seed, seed, ncalls);
	for (uint64_t i = ncalls > TRAIL ? ncalls - TRAIL : 0; i < ncalls; i++) {
		const struct hc_args *a = &trail[i % TRAIL];
		printf("    %lu: %s(%#lx, %#lx, %#lx)\n", i, hc_name(a->nr), a->a0, a->a1, a->a2);
		if (a->nr == HC_PV_BATCH)
			for (uint64_t k = 0; k < a->a1 && i == ncalls - 1; k++)
				printf("       op %lu: ptr %#lx val %#lx\n", k,
				       ((const struct pv_op *)(mem + OPS_GPA))[k].ptr,
				       ((const struct pv_op *)(mem + OPS_GPA))[k].val);
	}
}

/* A guest address for a pointer argument: plain kernel memory, or a frame the hv types (a
 * pinned or free table frame, the kernel half of an L4, across the pool's edges, the hv's
 * pages). typed says which. */
static uint64_t pointer_target(uint64_t *s, bool *typed)
{
	uint64_t off = rnd(s) % 4 ? (rnd(s) % 512) * 8 : rnd(s) % PAGE_SIZE;
	*typed = true;
	switch (rnd(s) % 8) {
	case 0:
		return frame((int)(rnd(s) % (HOT + 3))) + off;
	case 1:
		return FIXED_L4 + 511 * 8;
	case 2:
		return POOL - 4; /* straddles into the pool */
	case 3:
		return RESERVED - 4 - rnd(s) % 8; /* the pool's top, or past guest memory */
	case 4:
		return frame(HOT + 10) + off; /* a free frame */
	default:
		*typed = false;
		return DONE_GPA - (rnd(s) % 64) * 8;
	}
}

/* Any hypercall with a pointer argument, aimed at typed frames as often as not. */
static void pointer_call(uint64_t *s)
{
	bool typed;
	uint64_t p = pointer_target(s, &typed);
	switch (rnd(s) % 6) {
	case 0:
		traced(HC_CONSOLE, p, rnd(s) % 64, 0);
		break;
	case 1:
		traced(HC_RESULT, p, 0, 0);
		break;
	case 2:
		traced(HC_MARK, MARK_BEGIN + rnd(s) % 2, p, 0);
		break;
	case 3:
		traced(HC_FREE_REPORT, p & ~(2 * MIB - 1), 2 * MIB, 0);
		break;
	case 4:
		traced(HC_CPU_START, 1, KERNBASE + p, KERNBASE + p);
		break;
	default:
		traced(HC_KMEM_FREE, p, 0, 0);
	}
}

/* The memory the rules do not cover: outside the pool, nothing but the test's own batch
 * buffer and count words may change. */
static bool outside_intact(const uint8_t *before)
{
	return !memcmp(mem, before, DONE_GPA - 64 * 8) &&
	       !memcmp(mem + OPS_GPA + 64 * 1024, before + OPS_GPA + 64 * 1024,
		       POOL - OPS_GPA - 64 * 1024) &&
	       !synced.outside;
}

/* Batches of 1..8 random ops (10^6 calls by default), half of them with a hostile op, a
 * quarter with the count aimed at a typed frame, and other hypercalls whose pointers aim
 * there too: each hostile op is refused with nothing applied after it, a typed count address
 * refuses the whole batch, and pvmmu_check finds every invariant intact after every call. */
static int fuzz(uint64_t seed, uint64_t calls)
{
	fresh();
	g.console = fopen("/dev/null", "w");
	chain();
	fixed_tables();
	uint64_t s = seed;
	uint8_t *before = malloc(POOL);
	memcpy(before, mem, POOL);
	uint64_t total = 0, accepted = 0, hostile = 0, aimed = 0, leaked = 0;
	char err[256] = "";
	int bad = 0;
	struct pv_op ops[8];
	ncalls = 0;
	while (ncalls < calls && !bad) {
		unsigned n = 1 + (unsigned)(rnd(&s) % 8), h = n;
		for (unsigned i = 0; i < n; i++)
			ops[i] = fuzz_op(&s);
		if (rnd(&s) % 2) {
			h = (unsigned)(rnd(&s) % n);
			ops[h] = hostile_op(&s);
			hostile++;
		}
		if (rnd(&s) % 64 == 0)
			traced(HC_PV_NEW_BASE, frame((int)(rnd(&s) % HOT)), 0, 0);
		/* as a guest would: after a refusal, the rest of the batch goes again */
		for (unsigned first = 0; first < n && !bad;) {
			bool typed = false;
			uint64_t where = rnd(&s) % 4 ? DONE_GPA : pointer_target(&s, &typed);
			struct pvmmu_counts c0, c1;
			pvmmu_counts_get(pvmmu_of(&g), &c0);
			memset(mem + where, 0xff, typed ? 0 : 8);
			int64_t r = traced_batch(ops + first, n - first, where);
			pvmmu_counts_get(pvmmu_of(&g), &c1);
			bool full = ncalls % 4096 == 0;
			bad = pvmmu_check(pvmmu_of(&g), full, err, sizeof err) < 0 ||
			      (full && !outside_intact(before));
			if (typed) { /* refused whole: nothing applied, nothing counted */
				aimed++;
				leaked += (r != -HC_EPERM && r != -HC_EFAULT) || c1.ops != c0.ops ||
					  c1.batches != c0.batches;
				continue;
			}
			uint64_t done;
			memcpy(&done, mem + where, sizeof done);
			leaked += h >= first && h < n && (r >= 0 || first + done > h);
			leaked += r >= 0 ? done != n - first : done >= n - first;
			accepted += done < n ? done : 0;
			first += (unsigned)done + 1;
		}
		total += n;
		if (!bad && rnd(&s) % 8 == 0) {
			pointer_call(&s);
			bad = pvmmu_check(pvmmu_of(&g), false, err, sizeof err) < 0;
		}
	}
	bad =
	    bad || pvmmu_check(pvmmu_of(&g), true, err, sizeof err) < 0 || !outside_intact(before);
	free(before);
	fclose(g.console);
	printf("  fuzz: %lu calls, %lu ops, %lu applied, %lu hostile refused, %lu batches with "
	       "the count aimed at a typed frame\n",
	       ncalls, total, accepted, hostile, aimed);
	if (bad || leaked)
		print_trail(seed);
	CHECK(leaked == 0, "%lu batches applied past a hostile op or miscounted", leaked);
	CHECK(!bad, "%s", err[0] ? err : "memory outside the pool changed");
	CHECK(accepted > total / 10, "the fuzzer exercises valid ops too (%lu)", accepted);
	CHECK(aimed > calls / 20, "counts aimed at typed frames (%lu)", aimed);
	return bad || leaked;
}

static void test_fuzz(void)
{
	fuzz(0x9e3779b97f4a7c15ull, 1000000);
}

/* Checks that pvmmu_check reports a state broken behind the hv's back, naming the rule. */
static void expect_violation(bool full, const char *rule, const char *what)
{
	char err[256] = "";
	CHECK(pvmmu_check(pvmmu_of(&g), full, err, sizeof err) < 0 && strstr(err, rule),
	      "%s: got '%s'", what, err);
}

/* Each invariant bites: a state that breaks it, made by writing the tables (or, for the
 * frame table, the hv's own record) as nothing in the hv would, is reported. */
static void test_invariants_bite(void)
{
	char err[256];
	fresh();
	chain();
	CHECK(pvmmu_check(pvmmu_of(&g), true, err, sizeof err) == 0, "a valid chain passes: %s",
	      err);
	*entry(frame(2), 5) = frame(3) | TABLE;
	expect_violation(false, "references", "a second link the frame does not count");
	fresh();
	chain();
	*entry(frame(1), 1) = frame(3) | TABLE;
	expect_violation(false, "not an L2 table", "an L3 entry pointing at an L1");
	fresh();
	chain();
	*entry(frame(3), 0) = RESERVED | P;
	expect_violation(false, "not the guest's frame", "a leaf mapping the hv's page");
	fresh();
	chain();
	*entry(frame(3), 0) = frame(2) | P | W;
	expect_violation(false, "writable", "a table mapped writable");
	fresh();
	chain();
	*entry(frame(3), 0) = KPAGE | P | 0x100;
	expect_violation(false, "refused bits", "a global leaf");
	fresh();
	chain();
	*entry(frame(0), 511) ^= PAGE_SIZE;
	expect_violation(false, "kernel half", "a changed kernel half");
	fresh();
	chain();
	*entry(frame(0), 7) = frame(1) | TABLE;
	expect_violation(false, "kernel half", "a link above the user slots");
	fresh();
	chain();
	*entry(frame(9), 3) = 1;
	CHECK(pvmmu_check(pvmmu_of(&g), false, err, sizeof err) == 0,
	      "free frames are read when full only");
	expect_violation(true, "not zero", "a free frame written");
	fresh();
	mem[RESERVED + 0x6000] ^= 1;
	expect_violation(false, "store routine", "the hv's routine changed");
	fresh();
	chain();
	pvmmu_of(&g)->frames[9].level = 5;
	expect_violation(false, "type 5", "a frame of no type");
	fresh();
	chain();
	pvmmu_of(&g)->base[1] = frame(1);
	expect_violation(false, "not a pinned L4", "an L3 as a vCPU's base");
}

/* The count address of HC_PV_BATCH aimed at a typed frame refuses the whole batch: before,
 * the hv wrote the count there after applying the ops, rewriting a pinned table (L2[1] = 7:
 * a writable user link to GPA 0) or the kernel half. */
static void test_count_address(void)
{
	fresh();
	chain();
	struct pv_op ops[7];
	for (unsigned i = 0; i < 7; i++)
		ops[i] = (struct pv_op){frame(3) + 8 * i, (KPAGE + i * PAGE_SIZE) | P};
	struct {
		uint64_t gpa;
		int64_t err;
		const char *what;
	} aims[] = {
	    {frame(2) + 8, -HC_EPERM, "a pinned L2's entry 1"},
	    {frame(0) + 511 * 8, -HC_EPERM, "an L4's kernel half"},
	    {frame(9), -HC_EPERM, "a free pool frame"},
	    {POOL - 4, -HC_EPERM, "across the pool's bottom edge"},
	    {RESERVED - 4, -HC_EFAULT, "across the hv's pages"},
	    {RESERVED + 0x6000, -HC_EFAULT, "the store routine"},
	};
	char err[256];
	for (unsigned i = 0; i < sizeof aims / sizeof aims[0]; i++) {
		memcpy(mem + OPS_GPA, ops, sizeof ops);
		int64_t r = hc(HC_PV_BATCH, OPS_GPA, 7, aims[i].gpa);
		CHECK(r == aims[i].err, "%s: %ld", aims[i].what, r);
		CHECK(!*entry(frame(3), 0) && !*entry(frame(3), 6), "%s: no op applied",
		      aims[i].what);
		CHECK(pvmmu_check(pvmmu_of(&g), true, err, sizeof err) == 0, "%s: %s", aims[i].what,
		      err);
	}
	CHECK(*entry(frame(2), 1) == 0, "L2[1] untouched");
	uint64_t done;
	CHECK(batch(ops, 7, &done) == 7 && done == 7,
	      "the same batch with its count in plain memory");
}

int main(int argc, char **argv)
{
	if (argc == 3) /* a replay: test_pvfuzz SEED CALLS */
		return fuzz(strtoull(argv[1], NULL, 0), strtoull(argv[2], NULL, 0));
	RUN_TEST(test_invariants_bite);
	RUN_TEST(test_count_address);
	RUN_TEST(test_fuzz);
	TEST_EXIT();
}
