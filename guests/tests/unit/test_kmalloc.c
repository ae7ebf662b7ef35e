/* test_kmalloc.c: the object allocator on the host: classes, distinctness, junk, page return. */
#include "mm.h"
#include "../../../harness/test.h"

#define MIB  (1ull << 20)
#define NOBJ 3000

static void *objs[NOBJ];

static void boot(void)
{
	shim_boot(MODE_CLASSIC, 16 * MIB, 1 * MIB, 0, 0, 1ull << 32);
	kalloc_init();
}

static size_t class_of(size_t size)
{
	size_t c = 16;
	while (c < size)
		c *= 2;
	return c;
}

/* Every size from 1 to KMALLOC_MAX: aligned to its class, zeroed, writable to its end. */
static void test_classes(void)
{
	for (size_t size = 1; size <= KMALLOC_MAX; size += size < 64 ? 1 : 61) {
		unsigned char *p = kmalloc(size);
		CHECK(p != NULL, "kmalloc(%zu)", size);
		if (!p)
			continue;
		CHECK(V2P(p) % class_of(size) == 0, "kmalloc(%zu) = %p misaligned", size,
		      (void *)p);
		for (size_t i = 0; i < size; i++)
			CHECK(p[i] == 0, "kmalloc(%zu) byte %zu not zero", size, i);
		memset(p, 0xee, class_of(size));
		kfree(p);
	}
	CHECK(kmalloc(0) == NULL, "kmalloc(0)");
	CHECK(kmalloc(KMALLOC_MAX + 1) == NULL, "kmalloc(KMALLOC_MAX + 1)");
	kfree(NULL);
}

/* Many live objects of mixed sizes never overlap: each keeps its own pattern. */
static void test_distinct(void)
{
	srand(7);
	size_t sizes[NOBJ];
	for (int i = 0; i < NOBJ; i++) {
		sizes[i] = 1 + rand() % KMALLOC_MAX;
		objs[i] = kmalloc(sizes[i]);
		CHECK(objs[i] != NULL, "object %d", i);
		memset(objs[i], i & 0xff, sizes[i]);
	}
	for (int i = 0; i < NOBJ; i++) {
		unsigned char *b = objs[i];
		for (size_t k = 0; k < sizes[i]; k++)
			if (b[k] != (i & 0xff)) {
				CHECK(0, "object %d byte %zu clobbered", i, k);
				break;
			}
	}
	for (int i = 0; i < NOBJ; i++)
		kfree(objs[i]);
}

static void test_junk_and_reuse(void)
{
	unsigned char *p = kmalloc(100);
	memset(p, 0x11, 100);
	kfree(p);
	int junk = 1;
	for (int i = 16; i < 128; i++) /* past the free-list links */
		junk &= p[i] == 0x6b;
	CHECK(junk, "freed object not junk-filled");
	unsigned char *q = kmalloc(128);
	CHECK(q == p, "a freed object is reused first (%p, %p)", (void *)q, (void *)p);
	CHECK(q[20] == 0, "reused object not zeroed");
	kfree(q);
}

static void test_misuse_panics(void)
{
	void *p = kmalloc(32);
	kfree(p);
	CHECK(EXPECT_PANIC(kfree(p)), "double free not caught");
	void *a = kmalloc(64);
	CHECK(EXPECT_PANIC(kfree((char *)a + 16)), "free inside an object not caught");
	void *page = kalloc_page();
	CHECK(EXPECT_PANIC(kfree(page)), "kfree of a kalloc page not caught");
	kfree_page(page);
	kfree(a);
	/* A write after free is caught when the object is handed out again. */
	unsigned char *w = kmalloc(64);
	kfree(w);
	memset(w, 0, 16);
	CHECK(EXPECT_PANIC(kmalloc(64)), "write after free not caught");
}

/* Pages whose objects are all free go back to kalloc (one spare page per class stays). */
static void test_pages_return(void)
{
	uint64_t free0 = kalloc_free_pages(); /* the 256-byte class holds its spare page now */
	for (int i = 0; i < NOBJ; i++)
		objs[i] = kmalloc(256);
	CHECK(free0 - kalloc_free_pages() == NOBJ * 256 / PAGE_SIZE, "%lu pages used",
	      free0 - kalloc_free_pages());
	for (int i = 0; i < NOBJ; i++)
		kfree(objs[i]);
	CHECK(kalloc_free_pages() == free0, "%lu pages kept after freeing everything",
	      free0 - kalloc_free_pages());
	/* alloc/free of one object does not churn pages */
	uint64_t frees = kalloc_free_pages();
	for (int i = 0; i < 100; i++)
		kfree(kmalloc(256));
	CHECK(kalloc_free_pages() == frees, "churn");
}

static void test_exhaustion(void)
{
	int n = 0;
	void *p;
	while ((p = kmalloc(2048)))
		n++;
	CHECK(n > 0 && kalloc_free_pages() == 0, "%d objects, %lu pages left", n,
	      kalloc_free_pages());
}

int main(void)
{
	boot();
	RUN_TEST(test_classes);
	RUN_TEST(test_distinct);
	RUN_TEST(test_junk_and_reuse);
	RUN_TEST(test_misuse_panics);
	RUN_TEST(test_pages_return);
	RUN_TEST(test_exhaustion);
	TEST_EXIT();
}
