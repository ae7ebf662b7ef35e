/* test_gmem.c: the checked guest-physical translation at its boundaries and on overflow. */
#include "hv.h"
#include "test.h"

static uint8_t backing[8192];
static const struct gmem m = {backing, sizeof backing};

static void test_inside(void)
{
	CHECK(gmem_ptr(&m, 0, 1) == backing, "first byte");
	CHECK(gmem_ptr(&m, 0, sizeof backing) == backing, "all of memory");
	CHECK(gmem_ptr(&m, sizeof backing - 1, 1) == backing + sizeof backing - 1, "last byte");
	CHECK(gmem_ptr(&m, 100, 0) == backing + 100, "empty range inside");
	CHECK(gmem_ptr(&m, sizeof backing, 0) == backing + sizeof backing, "empty range at end");
}

static void test_outside(void)
{
	CHECK(gmem_ptr(&m, sizeof backing, 1) == NULL, "one past the end");
	CHECK(gmem_ptr(&m, sizeof backing - 1, 2) == NULL, "straddles the end");
	CHECK(gmem_ptr(&m, 0, sizeof backing + 1) == NULL, "longer than memory");
	CHECK(gmem_ptr(&m, sizeof backing + 1, 0) == NULL, "empty range past the end");
	CHECK(gmem_ptr(&m, ~0ull, 1) == NULL, "top of the address space");
}

static void test_overflow(void)
{
	CHECK(gmem_ptr(&m, 16, ~0ull) == NULL, "gpa + len wraps");
	CHECK(gmem_ptr(&m, ~0ull - 15, 32) == NULL, "gpa + len wraps to a small value");
	CHECK(gmem_ptr(&m, 4096, ~0ull - 4095) == NULL, "gpa + len wraps to exactly 0");
}

int main(void)
{
	RUN_TEST(test_inside);
	RUN_TEST(test_outside);
	RUN_TEST(test_overflow);
	TEST_EXIT();
}
