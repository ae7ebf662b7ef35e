/* test.h: the tiny unit-test vocabulary every pagelab test binary uses (PASS/FAIL/SKIP lines). */
#ifndef PAGELAB_TEST_H
#define PAGELAB_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;

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

/* Runs one test function and prints its verdict line. */
#define RUN_TEST(fn)                                                                               \
	do {                                                                                       \
		int before_ = test_failures;                                                       \
		fn();                                                                              \
		printf("%s %s\n", test_failures == before_ ? "PASS" : "FAIL", #fn);                \
	} while (0)

#define TEST_EXIT() return test_failures ? 1 : 0

#endif
