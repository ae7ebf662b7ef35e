/* test_gmem.c: guest memory reads at the boundaries and on overflow; the checked store path. */
#include <sys/mman.h>
#include "hv.h"
#include "test.h"

#define SIZE (4 * PAGE_SIZE)

static uint8_t backing[8192];
static const struct gmem m = {.host = backing, .size = sizeof backing};

static void test_inside(void)
{
	CHECK(gmem_read(&m, 0, 1) == backing, "first byte");
	CHECK(gmem_read(&m, 0, sizeof backing) == backing, "all of memory");
	CHECK(gmem_read(&m, sizeof backing - 1, 1) == backing + sizeof backing - 1, "last byte");
	CHECK(gmem_read(&m, 100, 0) == backing + 100, "empty range inside");
	CHECK(gmem_read(&m, sizeof backing, 0) == backing + sizeof backing, "empty range at end");
}

static void test_outside(void)
{
	CHECK(gmem_read(&m, sizeof backing, 1) == NULL, "one past the end");
	CHECK(gmem_read(&m, sizeof backing - 1, 2) == NULL, "straddles the end");
	CHECK(gmem_read(&m, 0, sizeof backing + 1) == NULL, "longer than memory");
	CHECK(gmem_read(&m, sizeof backing + 1, 0) == NULL, "empty range past the end");
	CHECK(gmem_read(&m, ~0ull, 1) == NULL, "top of the address space");
}

static void test_overflow(void)
{
	CHECK(gmem_read(&m, 16, ~0ull) == NULL, "gpa + len wraps");
	CHECK(gmem_read(&m, ~0ull - 15, 32) == NULL, "gpa + len wraps to a small value");
	CHECK(gmem_read(&m, 4096, ~0ull - 4095) == NULL, "gpa + len wraps to exactly 0");
	CHECK(gmem_check_store(&m, 16, ~0ull) == -HC_EFAULT, "a store that wraps");
	CHECK(!gmem_overlaps(~0ull - 7, 8, 0, 4096), "a range at the top misses the bottom");
	CHECK(!gmem_overlaps(4096, ~0ull - 4095, 0, 4096), "a range that wraps to 0");
}

/* A mode that types page 1 (and counts how often it is asked). */
static unsigned asked;
static bool page1_typed(const void *mode, uint64_t gpa, uint64_t len)
{
	(void)mode;
	asked++;
	return gmem_overlaps(gpa, len, PAGE_SIZE, 2 * PAGE_SIZE);
}

static void test_typed_stores(void)
{
	uint8_t *mem = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct gmem t = {.host = mem, .size = SIZE, .typed = page1_typed};
	uint64_t v = 0x1122334455667788ull;
	memset(mem, 0x5a, SIZE);
	CHECK(gmem_store(&t, 8, &v, 8) == 0 && !memcmp(mem + 8, &v, 8), "plain memory");
	CHECK(gmem_store(&t, PAGE_SIZE - 8, &v, 8) == 0, "the last word below the typed page");
	CHECK(gmem_store(&t, PAGE_SIZE - 4, &v, 8) == -HC_EPERM, "straddles into it");
	CHECK(gmem_store(&t, PAGE_SIZE + 8, &v, 8) == -HC_EPERM, "inside it");
	CHECK(gmem_store(&t, 2 * PAGE_SIZE - 4, &v, 8) == -HC_EPERM, "straddles out of it");
	CHECK(gmem_store(&t, 2 * PAGE_SIZE, &v, 8) == 0, "the first word above it");
	CHECK(gmem_store(&t, SIZE - 4, &v, 8) == -HC_EFAULT, "past guest memory");
	CHECK(mem[PAGE_SIZE] == 0x5a && mem[2 * PAGE_SIZE - 1] == 0x5a, "the typed page kept");
	CHECK(gmem_discard(&t, 0, 2 * PAGE_SIZE) == -HC_EPERM && mem[8] == 0x88,
	      "a discard over the typed page changes nothing");
	CHECK(gmem_discard(&t, 2 * PAGE_SIZE, 2 * PAGE_SIZE) == 0 && mem[2 * PAGE_SIZE] == 0 &&
		  mem[SIZE - 1] == 0,
	      "a discard elsewhere reads zeros");
	unsigned before = asked;
	CHECK(gmem_store(&t, 0, &v, 0) == 0 && asked == before, "an empty store types nothing");
	CHECK(gmem_setup(&t, PAGE_SIZE, 8) == mem + PAGE_SIZE,
	      "setup writes before the guest runs");
	t.sealed = true;
	CHECK(gmem_setup(&t, PAGE_SIZE, 8) == NULL && gmem_setup(&t, 0, 8) == NULL,
	      "and not after");
	munmap(mem, SIZE);
}

int main(void)
{
	RUN_TEST(test_inside);
	RUN_TEST(test_outside);
	RUN_TEST(test_overflow);
	RUN_TEST(test_typed_stores);
	TEST_EXIT();
}
