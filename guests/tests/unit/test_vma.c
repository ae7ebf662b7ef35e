/* test_vma.c: the VMA tree on the host: AVL invariants, random operations against an array. */
#include "mm.h"
#include "../../../harness/test.h"

#define SLOTS	   2048 /* the address space of the test: SLOTS ranges of 4 pages */
#define SLOT_BYTES (4 * PAGE_SIZE)
#define OPS	   20000

static struct vma nodes[SLOTS]; /* nodes[i] covers slot i when present[i] */
static int present[SLOTS];
static struct vma_tree tree;

/* Checks order, balance, heights and subtree summaries; returns the height. */
static int check_node(const struct vma *n, uint64_t lo, uint64_t hi, int *bad)
{
	if (!n)
		return 0;
	if (n->start < lo || n->end > hi || n->start >= n->end)
		(*bad)++;
	int hl = check_node(n->left, lo, n->start, bad);
	int hr = check_node(n->right, n->end, hi, bad);
	int h = 1 + (hl > hr ? hl : hr);
	if (n->height != h || hl - hr > 1 || hr - hl > 1)
		(*bad)++;
	uint64_t min = n->left ? n->left->min_start : n->start;
	uint64_t max = n->right ? n->right->max_end : n->end;
	if (n->min_start != min || n->max_end != max)
		(*bad)++;
	return h;
}

/* The widest gap between consecutive VMAs, from the reference array. */
static uint64_t ref_max_gap(void)
{
	uint64_t best = 0, prev_end = 0;
	int seen = 0;
	for (int i = 0; i < SLOTS; i++) {
		if (!present[i])
			continue;
		if (seen && nodes[i].start - prev_end > best)
			best = nodes[i].start - prev_end;
		prev_end = nodes[i].end;
		seen = 1;
	}
	return best;
}

static uint64_t ref_gap(uint64_t len, uint64_t lo, uint64_t hi)
{
	for (uint64_t a = lo < PAGE_SIZE ? PAGE_SIZE : PAGE_ROUND_UP(lo); a + len <= hi;
	     a += PAGE_SIZE) {
		int clash = 0;
		for (int i = 0; i < SLOTS && !clash; i++)
			clash = present[i] && nodes[i].start < a + len && a < nodes[i].end;
		if (!clash)
			return a;
	}
	return 0;
}

static int count_nodes(const struct vma *n)
{
	return n ? 1 + count_nodes(n->left) + count_nodes(n->right) : 0;
}

static void check_tree(void)
{
	int bad = 0, n = 0;
	check_node(tree.root, 0, UINT64_MAX, &bad);
	for (int i = 0; i < SLOTS; i++)
		n += present[i];
	CHECK(bad == 0, "%d invariant violations", bad);
	CHECK(count_nodes(tree.root) == n && tree.count == (uint64_t)n,
	      "%d nodes, count %lu, want %d", count_nodes(tree.root), tree.count, n);
	if (tree.root)
		CHECK(tree.root->max_gap == ref_max_gap(), "max_gap %lu, want %lu",
		      tree.root->max_gap, ref_max_gap());
}

/* Slot i holds a VMA of 1..4 pages at its start, so neighbouring slots leave gaps. */
static void make(int i, int pages)
{
	nodes[i].start = (uint64_t)i * SLOT_BYTES + PAGE_SIZE;
	nodes[i].end = nodes[i].start + pages * PAGE_SIZE;
}

static void test_random_ops(void)
{
	srand(12345);
	int failures_before = test_failures;
	for (int op = 0; op < OPS && test_failures == failures_before; op++) {
		int i = rand() % SLOTS;
		if (present[i]) {
			vma_remove(&tree, &nodes[i]);
			present[i] = 0;
		} else {
			make(i, 1 + rand() % 3);
			CHECK(vma_insert(&tree, &nodes[i]) == 0, "insert slot %d", i);
			present[i] = 1;
		}
		uint64_t va = (uint64_t)(rand() % (SLOTS * 4)) * PAGE_SIZE + rand() % PAGE_SIZE;
		struct vma *want = NULL, *want_next = NULL;
		for (int k = 0; k < SLOTS; k++) {
			if (!present[k])
				continue;
			if (nodes[k].start <= va && va < nodes[k].end)
				want = &nodes[k];
			if (!want_next && nodes[k].end > va)
				want_next = &nodes[k];
		}
		CHECK(vma_find(&tree, va) == want, "find %lx at op %d", va, op);
		CHECK(vma_next(&tree, va) == want_next, "next %lx at op %d", va, op);
		if (op % 64 == 0)
			check_tree();
	}
	check_tree();
}

static void test_overlap_rejected(void)
{
	int i = 0;
	while (!present[i])
		i++;
	struct vma v = {.start = nodes[i].start + PAGE_SIZE, .end = nodes[i].end + PAGE_SIZE};
	CHECK(vma_insert(&tree, &v) == -1, "overlapping insert accepted");
	struct vma w = {.start = nodes[i].start - PAGE_SIZE, .end = nodes[i].end};
	CHECK(vma_insert(&tree, &w) == -1, "enclosing insert accepted");
	check_tree();
}

/* An ascending insert sequence must stay balanced: height <= 1.44 log2(n). */
static void test_balanced_when_sorted(void)
{
	static struct vma seq[4096];
	struct vma_tree t = {0};
	for (int i = 0; i < 4096; i++) {
		seq[i].start = (uint64_t)(i + 1) * PAGE_SIZE;
		seq[i].end = seq[i].start + PAGE_SIZE / 2;
		vma_insert(&t, &seq[i]);
	}
	CHECK(t.root->height <= 18, "height %d for 4096 sorted inserts", t.root->height);
	for (int i = 0; i < 4096; i += 2)
		vma_remove(&t, &seq[i]);
	CHECK(t.root->height <= 17 && t.count == 2048, "height %d after removals", t.root->height);
}

static void test_gap_search(void)
{
	srand(99);
	uint64_t top = (uint64_t)SLOTS * SLOT_BYTES;
	for (int q = 0; q < 3000; q++) {
		uint64_t len = (uint64_t)(1 + rand() % 6) * PAGE_SIZE;
		uint64_t lo = (uint64_t)(rand() % (SLOTS * 4)) * PAGE_SIZE +
			      (rand() % 2) * 100; /* lo unaligned too */
		uint64_t hi = lo + (uint64_t)(rand() % (SLOTS * 4)) * PAGE_SIZE;
		if (hi > top)
			hi = top;
		uint64_t got = vma_find_gap(&tree, len, lo, hi), want = ref_gap(len, lo, hi);
		CHECK(got == want, "gap(len %lx, [%lx, %lx)) = %lx, want %lx", len, lo, hi, got,
		      want);
		if (got != want)
			break;
	}
	struct vma_tree empty = {0};
	CHECK(vma_find_gap(&empty, PAGE_SIZE, 0, 1 << 20) == PAGE_SIZE, "empty tree: never 0");
	CHECK(vma_find_gap(&tree, top, 0, top) == 0, "impossible gap found");
	/* An augmented walk is O(log n): it must find a wide gap at the far end without
	 * trouble, e.g. the space above every VMA. */
	CHECK(vma_find_gap(&tree, 1ull << 30, 0, 1ull << 40) == PAGE_ROUND_UP(tree.root->max_end),
	      "gap above the last VMA");
}

static void test_update_in_place(void)
{
	int i = SLOTS / 2;
	while (!present[i])
		i++;
	if (nodes[i].end - nodes[i].start > PAGE_SIZE) {
		nodes[i].end -= PAGE_SIZE;
		vma_update(&tree, &nodes[i]);
	}
	nodes[i].start -= PAGE_SIZE; /* slot i's first page is always free */
	vma_update(&tree, &nodes[i]);
	check_tree();
	CHECK(vma_find(&tree, nodes[i].start) == &nodes[i], "grown VMA not found");
}

int main(void)
{
	shim_boot(MODE_CLASSIC, 4 << 20, 1 << 20, 0, 0, 1ull << 32);
	RUN_TEST(test_random_ops);
	RUN_TEST(test_overlap_rejected);
	RUN_TEST(test_balanced_when_sorted);
	RUN_TEST(test_gap_search);
	RUN_TEST(test_update_in_place);
	TEST_EXIT();
}
