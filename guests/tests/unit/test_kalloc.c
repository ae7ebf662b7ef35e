/* test_kalloc.c: the page allocator on the host: exhaustion, reuse, zeroing, junk, kmem chunks. */
#include "mm.h"
#include "../../../harness/test.h"

#define MIB		(1ull << 20)
#define META_PAGES(mem) ((mem) / PAGE_SIZE * sizeof(uint32_t) / PAGE_SIZE)

static int all_bytes(const void *p, int c, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != c)
			return 0;
	return 1;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return x < y ? -1 : x > y;
}

/* Takes every page; returns how many, after checking each is aligned, zeroed and distinct. */
static uint64_t drain(void **pages, uint64_t max, uint64_t lo, uint64_t hi)
{
	uint64_t n = 0;
	void *p;
	while ((p = kalloc_page())) {
		CHECK(n < max, "more pages than memory");
		if (n >= max)
			break;
		uint64_t pa = V2P(p);
		CHECK(pa % PAGE_SIZE == 0 && pa >= lo && pa < hi, "page %lx outside [%lx, %lx)", pa,
		      lo, hi);
		CHECK(all_bytes(p, 0, PAGE_SIZE), "page %lx not zeroed", pa);
		memset(p, 0x5a, PAGE_SIZE); /* dirty it: the next owner must get zeros again */
		pages[n++] = p;
	}
	qsort(pages, n, sizeof(*pages), cmp_ptr);
	for (uint64_t i = 1; i < n; i++)
		CHECK(pages[i] != pages[i - 1], "page %p handed out twice", pages[i]);
	return n;
}

static void test_classic_exhaust_reuse(void)
{
	static void *pages[4096];
	shim_boot(MODE_CLASSIC, 8 * MIB, 1 * MIB + 100, 0, 0, 1ull << 32);
	kalloc_init();
	uint64_t free0 = kalloc_free_pages();
	/* [PAGE_ROUND_UP(kernel_end), mem_size) less the page_meta table (4 bytes per page) */
	CHECK(free0 == (8 * MIB - 1 * MIB - PAGE_SIZE) / PAGE_SIZE - META_PAGES(8 * MIB),
	      "free %lu", free0);
	uint64_t n = drain(pages, 4096, 1 * MIB + PAGE_SIZE, 8 * MIB);
	CHECK(n == free0, "got %lu pages of %lu", n, free0);
	CHECK(kalloc_free_pages() == 0, "free %lu after exhaustion", kalloc_free_pages());
	CHECK(kalloc_page() == NULL, "allocation after exhaustion");
	for (uint64_t i = 0; i < n; i++)
		kfree_page(pages[i]);
	CHECK(kalloc_free_pages() == free0, "free %lu after freeing all", kalloc_free_pages());
	CHECK(all_bytes((char *)pages[7] + 8, 0x01, PAGE_SIZE - 8), "freed page not junk-filled");
	uint64_t again = drain(pages, 4096, 1 * MIB + PAGE_SIZE, 8 * MIB);
	CHECK(again == n, "second drain got %lu of %lu", again, n);
}

static void test_hv_reserved_excluded(void)
{
	static void *pages[4096];
	shim_boot(MODE_CLASSIC, 8 * MIB, 2 * MIB, 0, 0, 1ull << 32);
	boot_info->hv_reserved_gpa = 6 * MIB;
	boot_info->hv_reserved_size = 2 * MIB;
	kalloc_init();
	uint64_t n = drain(pages, 4096, 2 * MIB, 6 * MIB);
	CHECK(n == (4 * MIB) / PAGE_SIZE - META_PAGES(8 * MIB), "got %lu pages", n);
}

static void test_misuse_panics(void)
{
	shim_boot(MODE_CLASSIC, 4 * MIB, 1 * MIB, 0, 0, 1ull << 32);
	kalloc_init();
	void *p = kalloc_page();
	kfree_page(p);
	CHECK(EXPECT_PANIC(kfree_page(p)), "double free not caught");
	CHECK(EXPECT_PANIC(kfree_page((char *)p + 8)), "unaligned free not caught");
	CHECK(EXPECT_PANIC(kfree_page(P2V(0x1000))), "free below the kernel not caught");
	CHECK(EXPECT_PANIC(kfree_page(P2V(3 * MIB))), "free of a never-allocated page not caught");
}

/* Ptefree: boot pages first, then chunks; a wholly free chunk goes back at once. */
static void test_ptefree_chunks(void)
{
	static void *pages[4096];
	const uint64_t chunk = 256 * 1024, chunk_pages = chunk / PAGE_SIZE;
	shim_boot(MODE_PTEFREE, 8 * MIB, 1 * MIB, 2 * MIB, chunk, 1ull << 32);
	kalloc_init();
	uint64_t boot_pages = kalloc_free_pages();
	CHECK(shim_hv.calls[HC_KMEM_ALLOC] == 0, "chunks taken at init");
	uint64_t i;
	for (i = 0; i < boot_pages; i++)
		pages[i] = kalloc_page();
	CHECK(V2P(pages[boot_pages - 1]) < 2 * MIB, "boot pages come first");
	CHECK(shim_hv.calls[HC_KMEM_ALLOC] == 0, "chunk taken before boot memory ran out");
	pages[i++] = kalloc_page(); /* the first page of the first chunk */
	CHECK(shim_hv.chunks_out == 1 && V2P(pages[i - 1]) == 2 * MIB, "first chunk page %lx",
	      V2P(pages[i - 1]));
	CHECK(kalloc_free_pages() == chunk_pages - 1, "free %lu", kalloc_free_pages());
	kfree_page(pages[--i]);
	CHECK(shim_hv.chunks_freed == 1 && shim_hv.last_args[0] == 2 * MIB,
	      "a wholly free chunk was not returned at once");
	CHECK(kalloc_free_pages() == 0, "free %lu after the chunk left", kalloc_free_pages());

	shim_hv.chunk_limit = 3;
	uint64_t n = drain(pages + boot_pages, 4096 - boot_pages, 2 * MIB, 8 * MIB);
	CHECK(n == 3 * chunk_pages, "got %lu chunk pages", n);
	CHECK(shim_hv.chunks_out - shim_hv.chunks_freed == 3, "chunks held");
	/* Free all but one page of each chunk: nothing goes back; then the last ones. */
	for (i = 0; i < n; i++)
		if (V2P(pages[boot_pages + i]) % chunk != 0)
			kfree_page(pages[boot_pages + i]);
	CHECK(shim_hv.chunks_out - shim_hv.chunks_freed == 3, "chunk returned while in use");
	/* Pages come back from the partly free chunks before any new chunk is asked for. */
	uint64_t asked = shim_hv.calls[HC_KMEM_ALLOC];
	void *p = kalloc_page();
	CHECK(p && shim_hv.calls[HC_KMEM_ALLOC] == asked, "asked the hv with chunk pages free");
	kfree_page(p);
	for (i = 0; i < n; i++)
		if (V2P(pages[boot_pages + i]) % chunk == 0)
			kfree_page(pages[boot_pages + i]);
	CHECK(shim_hv.chunks_out == shim_hv.chunks_freed && shim_hv.held == 0,
	      "%lu chunks out, %lu freed", shim_hv.chunks_out, shim_hv.chunks_freed);
	CHECK(kalloc_free_pages() == 0, "free %lu", kalloc_free_pages());
	for (i = 0; i < boot_pages; i++)
		kfree_page(pages[i]);
	CHECK(kalloc_free_pages() == boot_pages, "boot pages lost");
}

/* Classic with free page reporting: kernel pages come from boot memory first, user pages
 * from chunks of their own; a chunk of user pages is reported once, whole, when its last page
 * is freed, and is used again (zeroed) from its first page. */
static void test_classic_free_report(void)
{
	static void *user[2 * 512];
	const uint64_t chunk = 2 * MIB, base = 4 * MIB;
	shim_boot(MODE_CLASSIC, 16 * MIB, 1 * MIB, base, 0, 1ull << 32);
	boot_info->free_report_chunk = chunk;
	kalloc_init();
	void *k = kalloc_page();
	CHECK(k && V2P(k) < base, "kernel page %lx from boot memory", k ? V2P(k) : 0);
	for (int i = 0; i < 2 * 512; i++)
		user[i] = kalloc_user_page();
	CHECK(V2P(user[0]) == base && V2P(user[1023]) == base + 2 * chunk - PAGE_SIZE,
	      "user pages fill chunks in order: %lx .. %lx", V2P(user[0]), V2P(user[1023]));
	CHECK(shim_hv.calls[HC_KMEM_ALLOC] == 0, "the chunks are the guest's own");
	memset(user[3], 0x55, PAGE_SIZE);
	for (int i = 0; i < 2 * 512 - 1; i++)
		kfree_page(user[i]);
	CHECK(shim_hv.calls[HC_FREE_REPORT] == 1 && shim_hv.last_args[0] == base &&
		  shim_hv.last_args[1] == chunk,
	      "the wholly free chunk reported once, whole (%lu reports, last %lx+%lx)",
	      shim_hv.calls[HC_FREE_REPORT], shim_hv.last_args[0], shim_hv.last_args[1]);
	kfree_page(user[2 * 512 - 1]);
	CHECK(shim_hv.calls[HC_FREE_REPORT] == 2 && shim_hv.last_args[0] == base + chunk,
	      "then the second");
	uint8_t *again = kalloc_user_page();
	CHECK(again && V2P(again) == base && again[0] == 0 && again[PAGE_SIZE - 1] == 0,
	      "a reported chunk is used again from its first page, zeroed");
	kfree_page(k);
	CHECK(shim_hv.calls[HC_FREE_REPORT] == 2, "boot memory is never reported");
}

static void test_page_meta_zeroed(void)
{
	shim_boot(MODE_CLASSIC, 4 * MIB, 1 * MIB, 0, 0, 1ull << 32);
	kalloc_init();
	void *p = kalloc_page();
	*page_meta(V2P(p)) = 1234;
	kfree_page(p);
	p = kalloc_page();
	CHECK(*page_meta(V2P(p)) == 0, "page_meta %u on a fresh page", *page_meta(V2P(p)));
}

/* FRAMES_REUSED hands out the page just freed again; FRAMES_FRESH a page never handed out
 * while there is one (boot memory, and a chunk's pages), then the freed ones. */
static void test_frame_order(void)
{
	static void *pages[4096];
	for (uint32_t order = FRAMES_REUSED; order <= FRAMES_FRESH; order++) {
		shim_boot(MODE_CLASSIC, 4 * MIB, 1 * MIB, 0, 0, 1ull << 32);
		boot_info->frames = order;
		kalloc_init();
		void *a = kalloc_page(), *b = kalloc_page();
		kfree_page(a);
		void *c = kalloc_page();
		CHECK(order == FRAMES_FRESH ? V2P(c) > V2P(b) : c == a,
		      "frames %u: page %lx after freeing %lx", order, V2P(c), V2P(a));
		uint64_t n = drain(pages, 4096, 1 * MIB, 4 * MIB);
		CHECK(order == FRAMES_REUSED || (n > 0 && pages[0] == a),
		      "frames %u: the freed page not handed out once the others ran out", order);
		const uint64_t chunk = 64 * 1024;
		shim_boot(MODE_PTEFREE, 4 * MIB, 1 * MIB, 2 * MIB, chunk, 1ull << 32);
		boot_info->frames = order;
		kalloc_init();
		void *u = kalloc_user_page(), *v = kalloc_user_page();
		kfree_page(u);
		void *w = kalloc_user_page();
		CHECK(order == FRAMES_FRESH ? V2P(w) == V2P(v) + PAGE_SIZE : w == u,
		      "frames %u: chunk page %lx after freeing %lx", order, V2P(w), V2P(u));
	}
}

int main(void)
{
	RUN_TEST(test_classic_exhaust_reuse);
	RUN_TEST(test_hv_reserved_excluded);
	RUN_TEST(test_misuse_panics);
	RUN_TEST(test_ptefree_chunks);
	RUN_TEST(test_classic_free_report);
	RUN_TEST(test_page_meta_zeroed);
	RUN_TEST(test_frame_order);
	TEST_EXIT();
}
