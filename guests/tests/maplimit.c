/* maplimit.c: more mappings than the host allows: mprotect and fork fail, the process goes on. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "program.h"
#include "test.h"

PROGRAM_DESC("test: more mappings than the host allows: mprotect and fork fail, the process goes "
	     "on (maplimit [PAGES])");

/*
 * In ptefree mode each run of pages with one protection is a host mapping of the hv, and the
 * host limits how many a process has (vm.max_map_count, 65530 by default): a guest process
 * that alternates protections page by page reaches that limit. Its calls then fail with
 * ENOMEM, as Linux's own do at the limit, and nothing else changes. In classic mode the
 * guest has no such limit (the test then only checks that everything worked).
 */

#define PAGE	      4096
#define DEFAULT_PAGES 80000 /* 40000 protection changes: past the default host limit */

static char *region;
static long pages, refused_at = -1;

/* Makes every other page read-only (each one a mapping of its own) until one is refused. */
static void test_alternate_protections(void)
{
	region =
	    mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(region != MAP_FAILED, "mmap of %ld pages", pages);
	if (region == MAP_FAILED)
		exit(1);
	region[0] = 'a';
	for (long i = 1; i < pages; i += 2) {
		errno = 0;
		if (mprotect(region + i * PAGE, PAGE, PROT_READ) < 0) {
			CHECK(errno == ENOMEM, "mprotect of page %ld: errno %d, expected ENOMEM", i,
			      errno);
			refused_at = i;
			break;
		}
	}
	printf("# %ld protection changes before the first refusal\n",
	       refused_at < 0 ? pages / 2 : refused_at / 2);
	CHECK(region[0] == 'a', "memory kept its content");
	region[2 * PAGE] = 'b'; /* a writable page far from the refusal */
	CHECK(region[2 * PAGE] == 'b', "writable pages still writable");
}

/* A child needs as many host mappings again: fork fails at the limit and works below it. */
static void test_fork(void)
{
	errno = 0;
	pid_t pid = fork();
	if (pid == 0)
		_exit(region[0] == 'a' ? 0 : 2);
	int status = -1;
	if (refused_at >= 0) {
		CHECK(pid < 0 && errno == ENOMEM, "fork at the limit: %d, errno %d", (int)pid,
		      errno);
	} else {
		CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0, "fork");
	}
	CHECK(munmap(region, pages * PAGE) == 0, "munmap of everything");
	pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0,
	      "fork works again after munmap");
}

int main(int argc, char **argv)
{
	pages = argc > 1 ? strtol(argv[1], NULL, 10) : DEFAULT_PAGES;
	if (pages < 2)
		pages = 2;
	RUN_TEST(test_alternate_protections);
	RUN_TEST(test_fork);
	TEST_EXIT();
}
