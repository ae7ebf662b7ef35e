/* coherence.c: each page-table change is seen at once: no access goes through a stale entry. */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "program.h"
#include "test.h"

PROGRAM_DESC("test: each page-table change is seen at once: no access goes through a stale entry");

#define PAGE  4096
#define PAGES 64

/* Pages read back after munmap and a new mmap at the same address must be fresh zeros: a
 * stale entry would still show the old frame (the old content, or the kernel's junk). */
static void test_unmap_then_remap(void)
{
	uint64_t *p =
	    mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap");
	if (p == MAP_FAILED)
		return;
	for (int round = 0; round < 4; round++) {
		uint64_t sum = 0;
		for (int i = 0; i < PAGES; i++)
			p[i * PAGE / 8] = 0x5a5a0000u + i;
		for (int i = 0; i < PAGES; i++) /* every translation is in use now */
			sum += p[i * PAGE / 8];
		CHECK(sum == PAGES * 0x5a5a0000ull + PAGES * (PAGES - 1) / 2, "own writes");
		CHECK(munmap(p, PAGES * PAGE) == 0, "munmap");
		uint64_t *q = mmap(p, PAGES * PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(q == p, "the same address again (%p, %p)", (void *)q, (void *)p);
		int stale = 0;
		for (int i = 0; i < PAGES; i++)
			stale += q[i * PAGE / 8] != 0;
		CHECK(stale == 0, "round %d: %d of %d pages read through a stale entry", round,
		      stale, PAGES);
	}
	munmap(p, PAGES * PAGE);
}

/* A write after mprotect(PROT_READ) must fault even though the writable entry was in use;
 * the child that tries is killed by SIGSEGV. */
static void test_write_protect(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		volatile uint64_t *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		for (int i = 0; i < PAGES; i++)
			p[i * PAGE / 8] = 1;
		if (mprotect((void *)p, PAGES * PAGE, PROT_READ) != 0)
			_exit(2);
		p[(PAGES - 1) * PAGE / 8] = 2; /* must not get through */
		_exit(0);
	}
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	      "a write through a write-protected entry got through (status %#x)", status);
}

int main(void)
{
	RUN_TEST(test_unmap_then_remap);
	RUN_TEST(test_write_protect);
	TEST_EXIT();
}
