/* smp.c: threads and processes on several CPUs: no stale mapping after a change, no lost write. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "program.h"
#include "test.h"

PROGRAM_DESC("test: threads and processes on several CPUs: no stale mapping after a change, no "
	     "lost write (smp [ROUNDS [stale|nostorms|storms]])");

#define PAGE 4096

/* usage: smp [ROUNDS [stale|nostorms|storms]]: only the stale-mapping tests, all but the storms,
 * or only the storms */
static int rounds = 20; /* each test repeats this often, to catch races */
static int alone;	/* one CPU: the threads must take turns */

/* One round's shared state; the watcher thread runs on another CPU while main changes. */
struct round {
	volatile uint64_t *page;   /* the mapping the change applies to */
	volatile int ready;	   /* the watcher has touched the page (its TLB holds it) */
	volatile int changed;	   /* main's change has returned */
	volatile int after;	   /* the watcher's access after the change succeeded: stale */
	volatile uint64_t seen;	   /* what that access read */
	volatile uint64_t touches; /* the watcher's accesses before the change */
};

static volatile uint64_t *new_page(uint64_t value)
{
	volatile uint64_t *p =
	    mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap");
	*p = value;
	return p;
}

/* Main waits until the watcher runs (yielding, so that one CPU is enough too). */
static void wait_ready(struct round *r)
{
	while (!r->ready)
		sched_yield();
}

/* The watcher's loop step. On one CPU it yields now and then (the kernel has no preemption).
 * With CPUs enough it stays in user mode: a kernel entry may flush its TLB on some platforms
 * (an exit does under QEMU's nested paging), which would hide a missing shootdown. */
static void step(struct round *r)
{
	r->ready = 1;
	if (++r->touches % 4096 == 0 && alone)
		sched_yield();
}

/* Reads the page until the change, then once more: that read must fault (kills the thread). */
static void *read_after_unmap(void *arg)
{
	struct round *r = arg;
	while (!r->changed) {
		r->seen = *r->page;
		step(r);
	}
	r->seen = *r->page;
	r->after = 1;
	return NULL;
}

/* Writes the page until the change, then once more: that write must fault. */
static void *write_after_protect(void *arg)
{
	struct round *r = arg;
	while (!r->changed) {
		*r->page = r->touches;
		step(r);
	}
	*r->page = 0xbad;
	r->after = 1;
	return NULL;
}

static void run_round(void *(*watcher)(void *), int (*change)(struct round *), const char *what)
{
	for (int i = 0; i < rounds; i++) {
		struct round r = {.page = new_page(0x5eed + i)};
		pthread_t t;
		CHECK(pthread_create(&t, NULL, watcher, &r) == 0, "pthread_create");
		wait_ready(&r);
		CHECK(change(&r) == 0, "%s", what);
		r.changed = 1;
		CHECK(pthread_join(t, NULL) == 0, "pthread_join");
		CHECK(!r.after,
		      "round %d: after %s returned, the other thread's access still "
		      "worked (read 0x%lx): a stale TLB entry",
		      i, what, (unsigned long)r.seen);
		if (r.after)
			return;
		munmap((void *)r.page, PAGE);
	}
}

static int do_munmap(struct round *r)
{
	return munmap((void *)r->page, PAGE);
}

static int do_protect(struct round *r)
{
	return mprotect((void *)r->page, PAGE, PROT_READ);
}

static void test_munmap_reaches_other_cpu(void)
{
	run_round(read_after_unmap, do_munmap, "munmap");
}

static void test_mprotect_reaches_other_cpu(void)
{
	run_round(write_after_protect, do_protect, "mprotect(PROT_READ)");
}

/* Main's write after a fork copies the page (COW); the watcher, which read the old copy
 * through its TLB, must read main's new value once main says it wrote it. */
static void *read_new_value(void *arg)
{
	struct round *r = arg;
	while (!r->changed) {
		r->seen = *r->page;
		step(r);
	}
	r->seen = *r->page;
	r->after = r->seen != 0xc0ffee;
	return NULL;
}

static void test_cow_copy_reaches_other_cpu(void)
{
	for (int i = 0; i < rounds; i++) {
		struct round r = {.page = new_page(1)};
		pthread_t t;
		CHECK(pthread_create(&t, NULL, read_new_value, &r) == 0, "pthread_create");
		wait_ready(&r);
		pid_t pid = fork();
		if (pid == 0)
			_exit(*r.page == 1 ? 0 : 2);
		*r.page = 0xc0ffee; /* the COW copy */
		r.changed = 1;
		CHECK(pthread_join(t, NULL) == 0, "pthread_join");
		int status = -1;
		CHECK(waitpid(pid, &status, 0) == pid && status == 0, "child status 0x%x", status);
		CHECK(!r.after,
		      "round %d: the other thread read 0x%lx after main's COW write: it "
		      "kept the old frame",
		      i, (unsigned long)r.seen);
		munmap((void *)r.page, PAGE);
		if (r.after)
			return;
	}
}

/* The watcher keeps writing while main forks: the child must see the page as it was at the
 * fork, whatever the watcher writes afterwards (a writable TLB entry kept across the fork
 * would write into the shared frame). */
static void *keep_writing(void *arg)
{
	struct round *r = arg;
	while (!r->changed) {
		*r->page = r->touches;
		step(r);
	}
	return NULL;
}

static void test_fork_freezes_child_view(void)
{
	for (int i = 0; i < rounds; i++) {
		struct round r = {.page = new_page(0)};
		pthread_t t;
		CHECK(pthread_create(&t, NULL, keep_writing, &r) == 0, "pthread_create");
		wait_ready(&r);
		pid_t pid = fork();
		if (pid == 0) {
			uint64_t first = *r.page;
			for (int k = 0; k < 1000; k++)
				sched_yield();
			_exit(*r.page == first ? 0 : 2);
		}
		int status = -1;
		CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
		r.changed = 1;
		CHECK(pthread_join(t, NULL) == 0, "pthread_join");
		CHECK(status == 0,
		      "round %d: the child's page changed after the fork (status 0x%x)", i, status);
		munmap((void *)r.page, PAGE);
		if (status != 0)
			return;
	}
}

/* Threads count in their own words of one page while another maps and unmaps beside them. */
#define COUNTERS 3
#define COUNT	 20000
static volatile uint64_t counters[COUNTERS];

static void *count(void *arg)
{
	volatile uint64_t *c = arg;
	for (int i = 0; i < COUNT; i++)
		if (++*c % 4096 == 0 && alone)
			sched_yield();
	return NULL;
}

static void test_no_lost_writes(void)
{
	for (int i = 0; i < rounds; i++) {
		pthread_t t[COUNTERS];
		for (int k = 0; k < COUNTERS; k++) {
			counters[k] = 0;
			CHECK(pthread_create(&t[k], NULL, count, (void *)&counters[k]) == 0,
			      "create");
		}
		for (int k = 0; k < 50; k++) { /* churn beside the counters */
			munmap((void *)new_page(k), PAGE);
			sched_yield();
		}
		for (int k = 0; k < COUNTERS; k++) {
			CHECK(pthread_join(t[k], NULL) == 0, "join");
			CHECK(counters[k] == COUNT, "round %d counter %d: %lu of %d", i, k,
			      (unsigned long)counters[k], COUNT);
		}
	}
}

/* Several processes fork at once, each child checking and changing its copy. */
static void fork_storm(int forks)
{
	uint64_t me = (uint64_t)getpid();
	volatile uint64_t *p = new_page(me);
	for (int i = 0; i < forks; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			int ok = *p == me;
			*p = (uint64_t)getpid();
			_exit(ok && *p == (uint64_t)getpid() ? 0 : 3);
		}
		int status = -1;
		if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
			_exit(4);
	}
	_exit(*p == me ? 0 : 5);
}

static void test_concurrent_fork_storms(void)
{
	enum { STORMS = 4 };
	pid_t pids[STORMS];
	for (int k = 0; k < STORMS; k++)
		if ((pids[k] = fork()) == 0)
			fork_storm(rounds * 5);
	for (int k = 0; k < STORMS; k++) {
		int status = -1;
		CHECK(waitpid(pids[k], &status, 0) == pids[k], "waitpid");
		CHECK(status == 0, "storm %d ended with status 0x%x", k, status);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		rounds = atoi(argv[1]);
	alone = sysconf(_SC_NPROCESSORS_ONLN) < 2;
	if (argc > 2 && !strcmp(argv[2], "storms")) { /* only the storms */
		RUN_TEST(test_concurrent_fork_storms);
		TEST_EXIT();
	}
	RUN_TEST(test_munmap_reaches_other_cpu);
	RUN_TEST(test_mprotect_reaches_other_cpu);
	RUN_TEST(test_cow_copy_reaches_other_cpu);
	RUN_TEST(test_fork_freezes_child_view);
	if (argc > 2 && !strcmp(argv[2], "stale")) /* only the stale-mapping tests */
		TEST_EXIT();
	RUN_TEST(test_no_lost_writes);
	if (argc > 2 && !strcmp(argv[2], "nostorms"))
		TEST_EXIT();
	RUN_TEST(test_concurrent_fork_storms);
	TEST_EXIT();
}
