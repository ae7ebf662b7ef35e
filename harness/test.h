/* test.h: the tiny unit-test vocabulary every pagelab test binary uses (PASS/FAIL/SKIP lines). */
#ifndef PAGELAB_TEST_H
#define PAGELAB_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;
__attribute__((unused)) static int test_skipped; /* the running test ended with REQUIRE */
__attribute__((unused)) static const char *test_name = "?"; /* the running test */

/* Checks one condition; a failure names file:line, the expression and errno. */
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stdout, "FAIL %s:%d: %s (errno %d %s): ", __FILE__, __LINE__,      \
				#cond, errno, strerror(errno));                                    \
			fprintf(stdout, __VA_ARGS__);                                              \
			fprintf(stdout, "\n");                                                     \
			test_failures++;                                                           \
		}                                                                                  \
	} while (0)

/* Ends the running test (a void function) as a SKIP with the reason unless cond holds: what a
 * test needs that this machine lacks (as KVM selftests' TEST_REQUIRE). */
#define REQUIRE(cond, ...)                                                                         \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("SKIP %s: ", test_name);                                            \
			printf(__VA_ARGS__);                                                       \
			printf("\n");                                                              \
			test_skipped = 1;                                                          \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* Runs one test function and prints its verdict line (none after a SKIP that failed nothing). */
#define RUN_TEST(fn)                                                                               \
	do {                                                                                       \
		int before_ = test_failures;                                                       \
		test_name = #fn;                                                                   \
		test_skipped = 0;                                                                  \
		fn();                                                                              \
		if (test_failures != before_)                                                      \
			printf("FAIL %s\n", #fn);                                                  \
		else if (!test_skipped)                                                            \
			printf("PASS %s\n", #fn);                                                  \
	} while (0)

#define TEST_EXIT() return test_failures ? 1 : 0

#endif
