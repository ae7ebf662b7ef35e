/* test_ptefree.c: ptefree hypercalls on plain memory: windows, tables, ranges, forks, chunks. */
#include "ptefree_fixture.h"

static void test_tables(void)
{
	fresh(FORK_COPY);
	int64_t as = hc(HC_AS_CREATE, 0, 0, 0, 0);
	as = hc(HC_AS_CREATE, 0, 0, 0, 0); /* window 1 */
	int64_t cr3 = hc(HC_AS_SWITCH, (uint64_t)as, 0, 0, 0);
	CHECK(as == 1 && cr3 > 0 && cr3 % PAGE_SIZE == 0, "asid %ld cr3 %#lx", as, cr3);
	const uint64_t *pml4 = gmem_read(&g.mem, (uint64_t)cr3, PAGE_SIZE);
	CHECK(pml4 && (pml4[0] & ~0xfffull) == (uint64_t)cr3 + PAGE_SIZE && (pml4[0] & 7) == 7,
	      "user half %#lx", pml4 ? pml4[0] : 0);
	CHECK(pml4 && (pml4[511] & ~0xfffull) == BOOT_PDPT_HIGH_GPA && !(pml4[511] & 4),
	      "kernel half shared and supervisor");
	const uint64_t *pd = gmem_read(&g.mem, (uint64_t)cr3 + 2 * PAGE_SIZE, PAGE_SIZE);
	uint64_t window1 = PTEFREE_WINDOWS_GPA + WINDOW;
	CHECK(pd && (pd[1] & ~0xfffull) == window1 + 2 * MIB && (pd[1] & 0x87) == 0x87,
	      "va 2 MiB -> window + 2 MiB (%#lx)", pd ? pd[1] : 0);
	CHECK(pd && pd[2] == 0, "nothing past the window");
	uint64_t off;
	CHECK(ptefree_window_of_gpa(ptefree_of(&g), window1 + 0x5000, &off) == 1 && off == 0x5000,
	      "gpa");
	CHECK(ptefree_window_of_cr3(ptefree_of(&g), (uint64_t)cr3) == 1, "cr3");
	char err[256] = "";
	CHECK(ptefree_check(ptefree_of(&g), err, sizeof err) == 0, "the tables are as built: %s",
	      err);
	uint64_t *e = (uint64_t *)(kmem + cr3 + 2 * PAGE_SIZE) + 1, was = *e;
	*e ^= 2 * MIB; /* behind the hv's back: va 2 MiB -> another window's page */
	CHECK(ptefree_check(ptefree_of(&g), err, sizeof err) < 0 && strstr(err, "window 1's table"),
	      "a changed entry is reported: %s", err);
	*e = was;
	uint64_t v = 0;
	CHECK(gmem_store(&g.mem, (uint64_t)cr3 + 8, &v, 8) == -HC_EPERM &&
		  gmem_store(&g.mem, BOOT_PD_GPA, &v, 8) == -HC_EPERM &&
		  gmem_discard(&g.mem, BOOT_PML4_GPA, PAGE_SIZE) == -HC_EPERM,
	      "the window tables and the boot tables they share are typed");
}

static void test_window_lifecycle(void)
{
	fresh(FORK_COPY);
	for (int i = 0; i < NWINDOWS; i++)
		CHECK(hc(HC_AS_CREATE, 0, 0, 0, 0) == i, "create %d", i);
	CHECK(hc(HC_AS_CREATE, 0, 0, 0, 0) == -HC_ENOSPC, "no window left");
	CHECK(hc(HC_AS_FORK, 0, 0, 0, 0) == -HC_ENOSPC, "fork without a window fails cleanly");
	CHECK(hc(HC_AS_DESTROY, 99, 0, 0, 0) == -HC_EBADF, "unknown asid");
	CHECK(hc(HC_AS_DESTROY, ~0ull, 0, 0, 0) == -HC_EBADF, "asid -1");
	CHECK(hc(HC_AS_DESTROY, 2, 0, 0, 0) == 0, "destroy");
	CHECK(hc(HC_AS_DESTROY, 2, 0, 0, 0) == -HC_EBADF, "destroy twice");
	CHECK(hc(HC_AS_SWITCH, 2, 0, 0, 0) == -HC_EBADF, "switch to a dead window");
	CHECK(hc(HC_MAP, 2, 0, PAGE_SIZE, HC_PROT_READ) == -HC_EBADF, "map in a dead window");
	CHECK(hc(HC_AS_CREATE, 0, 0, 0, 0) == 2, "window reused");
}

static void test_range_checks(void)
{
	fresh(FORK_COPY);
	int64_t as = hc(HC_AS_CREATE, 0, 0, 0, 0);
	const int rw = HC_PROT_READ | HC_PROT_WRITE;
	CHECK(hc(HC_MAP, as, 0x1001, PAGE_SIZE, rw) == -HC_EINVAL, "misaligned va");
	CHECK(hc(HC_MAP, as, 0x1000, 100, rw) == -HC_EINVAL, "misaligned length");
	CHECK(hc(HC_MAP, as, 0x1000, 0, rw) == -HC_EINVAL, "empty range");
	CHECK(hc(HC_MAP, as, WINDOW - PAGE_SIZE, 2 * PAGE_SIZE, rw) == -HC_EINVAL, "past the top");
	CHECK(hc(HC_MAP, as, WINDOW, PAGE_SIZE, rw) == -HC_EINVAL, "at the top");
	CHECK(hc(HC_MAP, as, ~0ull - 4095, 2 * PAGE_SIZE, rw) == -HC_EINVAL, "va + len wraps");
	CHECK(hc(HC_MAP, as, PAGE_SIZE, ~0ull - 4095, rw) == -HC_EINVAL, "huge length");
	CHECK(hc(HC_MAP, as, 0x1000, PAGE_SIZE, 8) == -HC_EINVAL, "unknown prot bit");
	CHECK(hc(HC_PROTECT, as, 0x1000, PAGE_SIZE, 1ull << 40) == -HC_EINVAL, "huge prot");
	CHECK(hc(HC_MAP, 7, 0x1000, PAGE_SIZE, rw) == -HC_EBADF, "unknown asid");
	CHECK(hc(HC_MAP, as, 0, WINDOW, rw) == 0, "the whole window");
	CHECK(hc(HC_UNMAP, as, 0, WINDOW, 0) == 0, "unmap it");
	CHECK(hc(HC_PROTECT, as, 0x1000, PAGE_SIZE, HC_PROT_READ) == -HC_EINVAL, "protect a hole");
	CHECK(hc(HC_UNMAP, as, 0x1000, PAGE_SIZE, 0) == 0, "unmap a hole");
	CHECK(g.hc.errors[HC_MAP] == 9 && g.hc.errors[HC_PROTECT] == 2, "errors counted %lu %lu",
	      g.hc.errors[HC_MAP], g.hc.errors[HC_PROTECT]);
}

static void test_map_semantics(void)
{
	fresh(FORK_COPY);
	int64_t as = hc(HC_AS_CREATE, 0, 0, 0, 0);
	CHECK(hc(HC_MAP, as, 0x10000, 4 * PAGE_SIZE, HC_PROT_READ | HC_PROT_WRITE) == 0, "map");
	memset(at(as, 0x10000), 0x11, 4 * PAGE_SIZE);
	CHECK(hc(HC_PROTECT, as, 0x10000, PAGE_SIZE, HC_PROT_READ) == 0, "protect");
	CHECK(ptefree_page(ptefree_of(&g), (int)as, 0x10000) == (PAGE_MAPPED | HC_PROT_READ),
	      "recorded");
	CHECK(at(as, 0x10000)[10] == 0x11, "content kept by protect");
	CHECK(hc(HC_MAP, as, 0x11000, PAGE_SIZE, HC_PROT_READ | HC_PROT_WRITE) == 0, "remap");
	CHECK(at(as, 0x11000)[0] == 0 && at(as, 0x12000)[0] == 0x11, "a fixed map starts zeroed");
	CHECK(hc(HC_UNMAP, as, 0x12000, PAGE_SIZE, 0) == 0, "unmap");
	unsigned char vec = 1;
	mincore(at(as, 0x12000), PAGE_SIZE, &vec);
	CHECK(ptefree_page(ptefree_of(&g), (int)as, 0x12000) == 0 && !(vec & 1),
	      "unmapped page freed");
	CHECK(hc(HC_AS_DESTROY, as, 0, 0, 0) == 0, "destroy");
	mincore(at(as, 0x13000), PAGE_SIZE, &vec);
	CHECK(!(vec & 1), "destroy frees the window");
}

static void test_fork_copy(void)
{
	fresh(FORK_COPY);
	int64_t p = hc(HC_AS_CREATE, 0, 0, 0, 0);
	CHECK(hc(HC_MAP, p, 0, 8 * PAGE_SIZE, HC_PROT_READ | HC_PROT_WRITE) == 0, "map");
	for (int i = 0; i < 3; i++)
		at(p, (uint64_t)i * 2 * PAGE_SIZE)[5] = (uint8_t)(0xa0 + i);
	CHECK(hc(HC_PROTECT, p, 4 * PAGE_SIZE, PAGE_SIZE, 0) == 0, "a PROT_NONE page");
	int64_t c = hc(HC_AS_FORK, (uint64_t)p, 0, 0, 0);
	CHECK(c > 0, "fork -> %ld", c);
	struct ptefree_counts n;
	ptefree_counts_get(ptefree_of(&g), &n);
	CHECK(n.fork_pages_copied == 3, "copied %lu resident pages", n.fork_pages_copied);
	CHECK(n.range_pages == 9 && n.fork_pages_pending == 0 && n.populated_pages == 0,
	      "counted: %lu range pages (map 8, protect 1), %lu pending, %lu populated",
	      n.range_pages, n.fork_pages_pending, n.populated_pages);
	CHECK(ptefree_page(ptefree_of(&g), (int)c, 4 * PAGE_SIZE) == PAGE_MAPPED,
	      "protection copied");
	CHECK(hc(HC_PROTECT, c, 4 * PAGE_SIZE, PAGE_SIZE, HC_PROT_READ) == 0, "child protect");
	CHECK(at(c, 0)[5] == 0xa0 && at(c, 2 * PAGE_SIZE)[5] == 0xa1 &&
		  at(c, 4 * PAGE_SIZE)[5] == 0xa2,
	      "child sees the parent's data");
	CHECK(at(c, PAGE_SIZE)[5] == 0, "untouched page reads zero");
	at(c, 0)[5] = 0x55;
	CHECK(at(p, 0)[5] == 0xa0, "parent keeps its own copy");
}

/* How many of the host pages of [p, p + len) are resident. */
static unsigned long resident_pages(const uint8_t *p, uint64_t len)
{
	static unsigned char vec[MIB / PAGE_SIZE];
	unsigned long n = 0;
	if (len > sizeof vec * PAGE_SIZE || mincore((void *)p, len, vec) < 0)
		return ~0ul;
	for (uint64_t i = 0; i < len / PAGE_SIZE; i++)
		n += vec[i] & 1;
	return n;
}

#define WIDE_WINDOW (1024 * MIB)

/* Mappings at both ends of a wide window, far apart: fork copies both, the child sees both,
 * and destroy leaves nothing behind for the window's next address space. */
static void window_ends(enum fork_policy policy)
{
	fresh_windows(policy, WIDE_WINDOW);
	const int rw = HC_PROT_READ | HC_PROT_WRITE;
	const uint64_t top = WIDE_WINDOW - PAGE_SIZE, mid = WIDE_WINDOW / 2 + 5 * PAGE_SIZE;
	int64_t p = hc(HC_AS_CREATE, 0, 0, 0, 0);
	CHECK(hc(HC_MAP, p, 0, PAGE_SIZE, rw) == 0 && hc(HC_MAP, p, top, PAGE_SIZE, rw) == 0 &&
		  hc(HC_MAP, p, mid, PAGE_SIZE, HC_PROT_READ) == 0,
	      "map the ends and a page between");
	at(p, 0)[1] = 'L', at(p, top)[1] = 'T';
	int64_t c = hc(HC_AS_FORK, p, 0, 0, 0);
	CHECK(c > 0 && at(c, 0)[1] == 'L' && at(c, top)[1] == 'T', "child sees both ends");
	CHECK(ptefree_page(ptefree_of(&g), (int)c, mid) == (PAGE_MAPPED | HC_PROT_READ),
	      "and the middle");
	at(c, top)[1] = 'C';
	CHECK(at(p, top)[1] == 'T', "parent keeps its top page");
	CHECK(hc(HC_AS_DESTROY, c, 0, 0, 0) == 0 && hc(HC_AS_DESTROY, p, 0, 0, 0) == 0, "destroy");
	uint64_t left = 0;
	for (int w = 0; w < 2; w++)
		for (uint64_t va = 0; va < WIDE_WINDOW; va += PAGE_SIZE)
			left += ptefree_page(ptefree_of(&g), w, va) != 0;
	CHECK(left == 0, "%lu page records left after destroy", left);
	int64_t n = hc(HC_AS_CREATE, 0, 0, 0, 0);
	CHECK(hc(HC_MAP, n, top, PAGE_SIZE, rw) == 0 && at(n, top)[1] == 0,
	      "the next address space starts empty");
	CHECK(host_failure_message() == NULL, "no host failure");
}

static void test_window_ends_copy(void)
{
	window_ends(FORK_COPY);
}

static void test_window_ends_lazy(void)
{
	REQUIRE(lazy_works(), "userfaultfd unavailable here, the hv fell back to copy");
	window_ends(FORK_LAZY);
}

/* populate=write backs the writable pages of a map at once, also in a lazy child's window
 * (registered for missing faults); read-only maps stay unbacked. */
static void populate_write(enum fork_policy policy)
{
	fresh_config(policy, WINDOW, POPULATE_WRITE);
	const int rw = HC_PROT_READ | HC_PROT_WRITE;
	int64_t p = hc(HC_AS_CREATE, 0, 0, 0, 0);
	CHECK(hc(HC_MAP, p, 0, 64 * PAGE_SIZE, rw) == 0, "map");
	CHECK(resident_pages(at(p, 0), 64 * PAGE_SIZE) == 64, "writable pages backed at map");
	CHECK(hc(HC_MAP, p, 64 * PAGE_SIZE, 8 * PAGE_SIZE, HC_PROT_READ) == 0 &&
		  resident_pages(at(p, 64 * PAGE_SIZE), 8 * PAGE_SIZE) == 0,
	      "read-only pages are not");
	at(p, 0)[0] = 'P';
	int64_t c = hc(HC_AS_FORK, p, 0, 0, 0);
	CHECK(hc(HC_MAP, c, 128 * PAGE_SIZE, 32 * PAGE_SIZE, rw) == 0, "map in the child");
	CHECK(resident_pages(at(c, 128 * PAGE_SIZE), 32 * PAGE_SIZE) == 32 &&
		  at(c, 140 * PAGE_SIZE)[7] == 0,
	      "backed with zeros there too");
	CHECK(at(c, 0)[0] == 'P', "the child still sees its parent's page");
	CHECK(hc(HC_MAP, p, 0, 2 * PAGE_SIZE, rw) == 0 && at(p, 0)[0] == 0 && at(c, 0)[0] == 'P',
	      "a remap in the parent starts zeroed, the child keeps its copy");
	CHECK(host_failure_message() == NULL, "no host failure");
	struct ptefree_counts n;
	ptefree_counts_get(ptefree_of(&g), &n);
	CHECK(n.populated_pages == 64 + 32 + 2 && n.range_pages == 64 + 8 + 32 + 2,
	      "counted: %lu pages populated (the writable maps'), %lu covered", n.populated_pages,
	      n.range_pages);
	uint64_t through_uffd = policy == FORK_LAZY ? 32 : 0; /* the child's map only */
	CHECK(n.uffd_populated_pages == through_uffd, "counted: %lu populated through userfaultfd",
	      n.uffd_populated_pages);
}

static void test_populate_copy(void)
{
	populate_write(FORK_COPY);
}

static void test_populate_lazy(void)
{
	REQUIRE(lazy_works(), "userfaultfd unavailable here, the hv fell back to copy");
	populate_write(FORK_LAZY);
}

static void test_kmem(void)
{
	fresh(FORK_COPY);
	uint64_t nchunks = (KMEM_SIZE -
			    ptefree_tables_size(&(struct ptefree_config){
				NWINDOWS, WINDOW, FORK_COPY, MIB, POPULATE_NONE, false}) -
			    KMEM_BASE) /
			   MIB;
	for (uint64_t i = 0; i < nchunks; i++)
		CHECK(hc(HC_KMEM_ALLOC, 0, 0, 0, 0) == (int64_t)(KMEM_BASE + i * MIB), "chunk %lu",
		      i);
	CHECK(hc(HC_KMEM_ALLOC, 0, 0, 0, 0) == -HC_ENOMEM, "exhausted");
	CHECK(hc(HC_KMEM_FREE, KMEM_BASE + 4096, 0, 0, 0) == -HC_EINVAL, "misaligned");
	CHECK(hc(HC_KMEM_FREE, KMEM_BASE - MIB, 0, 0, 0) == -HC_EINVAL, "below the chunks");
	CHECK(hc(HC_KMEM_FREE, KMEM_BASE + nchunks * MIB, 0, 0, 0) == -HC_EBADF, "past them");
	CHECK(hc(HC_KMEM_FREE, ~0ull, 0, 0, 0) < 0, "wild");
	uint8_t *chunk = kmem + KMEM_BASE + MIB;
	memset(chunk, 0x77, MIB);
	CHECK(resident_pages(chunk, MIB) == MIB / PAGE_SIZE, "a written chunk is resident");
	CHECK(hc(HC_KMEM_FREE, KMEM_BASE + MIB, 0, 0, 0) == 0, "free");
	CHECK(resident_pages(chunk, MIB) == 0, "a freed chunk is back with the host (%lu pages)",
	      resident_pages(chunk, MIB));
	CHECK(hc(HC_KMEM_FREE, KMEM_BASE + MIB, 0, 0, 0) == -HC_EBADF, "double free");
	CHECK(hc(HC_KMEM_ALLOC, 0, 0, 0, 0) == (int64_t)(KMEM_BASE + MIB), "reused");
	CHECK(chunk[0] == 0 && chunk[MIB - 1] == 0, "a reused chunk is zeroed");
}

/* Windows large enough for more single-page mappings than vm.max_map_count allows. */
#define LIMIT_WINDOW (512 * MIB)

static long max_map_count(void)
{
	long n = -1;
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static bool refused(const char *call)
{
	struct ptefree_refusal r[PTEFREE_MAX_REFUSALS];
	int n = ptefree_refusals_get(ptefree_of(&g), r);
	for (int i = 0; i < n; i++)
		if (strcmp(r[i].call, call) == 0 && r[i].err == ENOMEM && r[i].count > 0)
			return true;
	return false;
}

/* A guest with more mappings than the host allows gets -HC_ENOMEM from map and fork, and
 * the hv goes on: what was refused left nothing behind, and the rest keeps working. */
static void map_limit(enum fork_policy policy)
{
	long limit = max_map_count();
	REQUIRE(limit > 0 && limit < (long)(LIMIT_WINDOW / PAGE_SIZE) - 1000,
		"vm.max_map_count %ld is not below %llu", limit, LIMIT_WINDOW / PAGE_SIZE - 1000);
	fresh_windows(policy, LIMIT_WINDOW);
	const int rw = HC_PROT_READ | HC_PROT_WRITE;
	int64_t as = hc(HC_AS_CREATE, 0, 0, 0, 0), r = 0;
	uint64_t page = 0;
	/* alternating protections: one host mapping per page */
	while (r == 0 && page < LIMIT_WINDOW / PAGE_SIZE) {
		r = hc(HC_MAP, as, page * PAGE_SIZE, PAGE_SIZE, page % 2 ? HC_PROT_READ : rw);
		page++;
	}
	uint64_t refused_va = (page - 1) * PAGE_SIZE;
	CHECK(r == -HC_ENOMEM, "map answers ENOMEM at the limit: %ld after %lu pages", r, page);
	CHECK(ptefree_page(ptefree_of(&g), (int)as, refused_va) == 0,
	      "the refused map left no record");
	CHECK(refused("mprotect (map)") && g.hc.error_codes[HC_MAP][HC_ENOMEM] == 1,
	      "refusal counted");
	at(as, 0)[0] = 'x';
	CHECK(hc(HC_AS_FORK, as, 0, 0, 0) == -HC_ENOMEM, "fork needs as many mappings again");
	CHECK(refused("mprotect (fork)") || refused("userfaultfd register (fork)"),
	      "fork refusal counted");
	CHECK(hc(HC_AS_CREATE, 0, 0, 0, 0) == 1, "the failed child's window is free again");
	CHECK(ptefree_page(ptefree_of(&g), 1, 0) == 0, "and empty");
	CHECK(hc(HC_AS_DESTROY, 1, 0, 0, 0) == 0, "destroy it");
	CHECK(hc(HC_PROTECT, as, PAGE_SIZE, PAGE_SIZE, rw) == 0, "a protect that merges");
	CHECK(at(as, 0)[0] == 'x', "the parent's memory is intact");
	CHECK(hc(HC_UNMAP, as, 0, refused_va, 0) == 0, "unmap everything");
	CHECK(hc(HC_MAP, as, refused_va, PAGE_SIZE, rw) == 0, "the refused map works now");
	CHECK(hc(HC_AS_FORK, as, 0, 0, 0) == 1, "and fork");
	CHECK(hc(HC_AS_DESTROY, as, 0, 0, 0) == 0 && hc(HC_AS_DESTROY, 1, 0, 0, 0) == 0,
	      "destroy both");
	CHECK(host_failure_message() == NULL, "no host failure");
}

#define VICTIM_VA    0x10000
#define VICTIM_PAGES 16
#define FUZZ_CALLS   1000000

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	return *x;
}

/* Random ptefree calls (on any handle but the victim's, which they may only fork) and guest
 * writes to whatever the other address spaces map writable never change the victim: its
 * content, its page records and its page tables stay as they were. */
static void fuzz_isolation(enum fork_policy policy)
{
	fresh(policy);
	const int rw = HC_PROT_READ | HC_PROT_WRITE;
	int64_t v = hc(HC_AS_CREATE, 0, 0, 0, 0);
	CHECK(hc(HC_MAP, v, VICTIM_VA, VICTIM_PAGES * PAGE_SIZE, rw) == 0, "map the victim");
	for (int i = 0; i < VICTIM_PAGES; i++)
		memset(at(v, VICTIM_VA + i * PAGE_SIZE), 'a' + i, PAGE_SIZE);
	CHECK(hc(HC_PROTECT, v, VICTIM_VA, PAGE_SIZE, HC_PROT_READ) == 0, "one page read-only");
	int64_t cr3 = hc(HC_AS_SWITCH, v, 0, 0, 0);
	static uint8_t tables[3 * PAGE_SIZE], pages[WINDOW / PAGE_SIZE];
	memcpy(tables, gmem_read(&g.mem, (uint64_t)cr3, sizeof tables), sizeof tables);
	for (uint64_t i = 0; i < WINDOW / PAGE_SIZE; i++)
		pages[i] = ptefree_page(ptefree_of(&g), (int)v, i * PAGE_SIZE);

	uint64_t x = 0x2545f4914f6cdd1dull, refused = 0, broken = 0;
	char err[256] = "";
	const long calls = FUZZ_CALLS;
	for (long i = 0; i < calls; i++) {
		uint64_t r[5];
		for (int j = 0; j < 5; j++)
			r[j] = xorshift(&x);
		uint32_t nr = HC_AS_CREATE + (uint32_t)(r[0] % (HC_KMEM_FREE - HC_AS_CREATE + 1));
		/* mostly small handles, short lengths and page addresses around the victim's (so
		 * that other address spaces use the same offsets in their windows); one argument
		 * in eight is wild */
		uint64_t a0 = (r[1] & 7) ? r[1] % (NWINDOWS + 2) : r[1];
		uint64_t a1 = (r[2] & 7) ? r[2] % (4 * VICTIM_PAGES) * PAGE_SIZE : r[2];
		uint64_t a2 = (r[3] & 7) ? (r[3] % 16 + 1) * PAGE_SIZE : r[3];
		if (nr == HC_KMEM_FREE)
			a0 = (r[1] & 7) ? KMEM_BASE + r[1] % 32 * MIB : r[1];
		if (a0 == (uint64_t)v && nr != HC_AS_FORK && nr != HC_KMEM_FREE)
			continue;
		if (nr == HC_KMEM_FREE && (r[1] & 15) == 1) /* at the tables the hv built */
			a0 = (r[1] & 16 ? KMEM_SIZE - 3 * NWINDOWS * PAGE_SIZE : BOOT_PML4_GPA) +
			     r[2] % (3 * PAGE_SIZE);
		refused += hc(nr, a0, a1, a2, r[4] % 8) < 0;
		if (i % 64 == 0 && ptefree_check(ptefree_of(&g), err, sizeof err) < 0)
			broken++;
		/* the guest writes one page of some other live address space, if it may */
		int w = (int)(r[4] % NWINDOWS);
		uint64_t va = r[2] % (4 * VICTIM_PAGES) * PAGE_SIZE;
		if (w != v && ptefree_of(&g)->w[w].live &&
		    (ptefree_page(ptefree_of(&g), w, va) & HC_PROT_WRITE))
			at(w, va)[r[3] % PAGE_SIZE] = (uint8_t)r[0];
	}
	CHECK(refused > 0 && refused < (uint64_t)calls, "%lu of %ld calls refused", refused, calls);
	CHECK(host_failure_message() == NULL, "no host failure: %s", host_failure_message());
	CHECK(broken == 0 && ptefree_check(ptefree_of(&g), err, sizeof err) == 0,
	      "the window tables stay as built (%lu checks failed): %s", broken, err);
	uint64_t changed = 0;
	for (uint64_t i = 0; i < WINDOW / PAGE_SIZE; i++)
		changed += (ptefree_page(ptefree_of(&g), (int)v, i * PAGE_SIZE) & ~PAGE_PENDING) !=
			   pages[i];
	CHECK(changed == 0, "%lu victim page records changed", changed);
	CHECK(!memcmp(tables, gmem_read(&g.mem, (uint64_t)cr3, sizeof tables), sizeof tables),
	      "the victim's page tables are unchanged");
	if (changed) /* its host pages may be inaccessible now */
		return;
	for (int i = 0; i < VICTIM_PAGES; i++) {
		const uint8_t *p = at(v, VICTIM_VA + i * PAGE_SIZE);
		CHECK(p[0] == 'a' + i && !memcmp(p, p + 1, PAGE_SIZE - 1),
		      "victim page %d keeps its content", i);
	}
}

static void test_fuzz_isolation_copy(void)
{
	fuzz_isolation(FORK_COPY);
}

static void test_fuzz_isolation_lazy(void)
{
	REQUIRE(lazy_works(), "userfaultfd unavailable here, the hv fell back to copy");
	fuzz_isolation(FORK_LAZY);
}

static void test_map_limit_copy(void)
{
	map_limit(FORK_COPY);
}

static void test_map_limit_lazy(void)
{
	REQUIRE(lazy_works(), "userfaultfd unavailable here, the hv fell back to copy");
	map_limit(FORK_LAZY);
}

/* count-resident: unmap, a map over a mapping and destroy (unmapped), and protect (protected),
 * count the pages the host backed in their range, by mincore, before they change them; without
 * it nothing is counted. */
static void test_resident_pages(void)
{
	for (int on = 0; on <= 1; on++) {
		count_resident = on;
		fresh(FORK_COPY);
		int64_t p = hc(HC_AS_CREATE, 0, 0, 0, 0);
		CHECK(hc(HC_MAP, p, 0, 8 * PAGE_SIZE, HC_PROT_READ | HC_PROT_WRITE) == 0, "map");
		for (int i = 0; i < 3; i++)
			at(p, (uint64_t)i * 2 * PAGE_SIZE)[1] = 1; /* pages 0, 2, 4 resident */
		CHECK(hc(HC_PROTECT, p, 0, 8 * PAGE_SIZE, HC_PROT_READ) == 0, "protect");
		CHECK(hc(HC_MAP, p, 4 * PAGE_SIZE, 4 * PAGE_SIZE, HC_PROT_READ) == 0, "map over");
		CHECK(hc(HC_UNMAP, p, 0, 8 * PAGE_SIZE, 0) == 0, "unmap");
		/* two runs of used groups far apart, 2 pages mapped and 1 touched in each */
		uint64_t far = ptefree_window_size(ptefree_of(&g)) - 2 * PAGE_SIZE;
		CHECK(hc(HC_MAP, p, 0, 2 * PAGE_SIZE, HC_PROT_READ | HC_PROT_WRITE) == 0,
		      "map low");
		CHECK(hc(HC_MAP, p, far, 2 * PAGE_SIZE, HC_PROT_READ | HC_PROT_WRITE) == 0,
		      "map high");
		at(p, 0)[1] = at(p, far + PAGE_SIZE)[1] = 1;
		CHECK(hc(HC_AS_DESTROY, p, 0, 0, 0) == 0, "destroy");
		struct ptefree_counts n;
		ptefree_counts_get(ptefree_of(&g), &n);
		/* protect finds 3, the map over pages 4..7 finds page 4, unmap finds 0 and 2,
		 * destroy the 2 touched after */
		CHECK(n.protected_resident_pages == (on ? 3u : 0u) &&
			  n.unmapped_resident_pages == (on ? 1u + 2 + 2 : 0u),
		      "count-resident %s: %lu resident pages protected, %lu unmapped",
		      on ? "on" : "off", n.protected_resident_pages, n.unmapped_resident_pages);
		CHECK(n.range_pages == 8 + 8 + 4 + 8 + 2 + 2, "%lu range pages", n.range_pages);
	}
	count_resident = false;
}

/* count-resident: map, unmap, protect and destroy count the host's mappings (VMAs) their range
 * overlaps before they change it; no page is touched, so the host merges neighbours of one
 * protection and the count is exact. Without it nothing is counted. */
static void test_host_mappings(void)
{
	for (int on = 0; on <= 1; on++) {
		count_resident = on;
		fresh(FORK_COPY);
		int64_t p = hc(HC_AS_CREATE, 0, 0, 0, 0);
		/* each map meets the one inaccessible mapping around it */
		CHECK(hc(HC_MAP, p, 0, 8 * PAGE_SIZE, HC_PROT_READ | HC_PROT_WRITE) == 0, "map rw");
		CHECK(hc(HC_MAP, p, 16 * PAGE_SIZE, 8 * PAGE_SIZE, HC_PROT_READ) == 0, "map r");
		/* protect meets the read-only one; the unmap meets read-write, the hole, read-only
		 */
		CHECK(hc(HC_PROTECT, p, 16 * PAGE_SIZE, 4 * PAGE_SIZE,
			 HC_PROT_READ | HC_PROT_EXEC) == 0,
		      "protect");
		CHECK(hc(HC_UNMAP, p, 0, 24 * PAGE_SIZE, 0) == 0, "unmap");
		/* all inaccessible again, one mapping: destroy meets it in its one used group */
		CHECK(hc(HC_AS_DESTROY, p, 0, 0, 0) == 0, "destroy");
		struct ptefree_counts n;
		ptefree_counts_get(ptefree_of(&g), &n);
		CHECK(n.host_mappings == (on ? 1u + 1 + 1 + 3 + 1 : 0u),
		      "count-resident %s: %lu host mappings met", on ? "on" : "off",
		      n.host_mappings);
	}
	count_resident = false;
}

int main(void)
{
	RUN_TEST(test_tables);
	RUN_TEST(test_window_lifecycle);
	RUN_TEST(test_range_checks);
	RUN_TEST(test_map_semantics);
	RUN_TEST(test_fork_copy);
	RUN_TEST(test_window_ends_copy);
	RUN_TEST(test_populate_copy);
	RUN_TEST(test_fuzz_isolation_copy);
	RUN_TEST(test_window_ends_lazy);
	RUN_TEST(test_populate_lazy);
	RUN_TEST(test_fuzz_isolation_lazy);
	RUN_TEST(test_kmem);
	RUN_TEST(test_map_limit_copy);
	RUN_TEST(test_map_limit_lazy);
	RUN_TEST(test_resident_pages);
	RUN_TEST(test_host_mappings);
	TEST_EXIT();
}
