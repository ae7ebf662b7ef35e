/* cow.c: after fork, parent and child each see only their own writes (copy-on-write). */
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "program.h"
#include "test.h"

PROGRAM_DESC("test: after fork, parent and child each see only their own writes (copy-on-write)");

#define PAGE  4096
#define PAGES 16

static uint64_t *pages; /* one word per page is checked */
static uint64_t global_word = 1;

static void fill(uint64_t tag)
{
	for (int i = 0; i < PAGES; i++)
		pages[i * PAGE / 8] = tag + i;
}

/* 1 if every page holds tag + its index */
static int holds(uint64_t tag)
{
	for (int i = 0; i < PAGES; i++)
		if (pages[i * PAGE / 8] != tag + i)
			return 0;
	return 1;
}

static int wait_exit_code(pid_t pid)
{
	int status = -1;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid(%d)", (int)pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

/* The child overwrites everything; the parent keeps its data. */
static void test_child_writes(void)
{
	fill(0x1000);
	global_word = 1;
	pid_t pid = fork();
	if (pid == 0) {
		if (!holds(0x1000) || global_word != 1)
			_exit(2);
		fill(0x2000);
		global_word = 2;
		_exit(holds(0x2000) && global_word == 2 ? 0 : 3);
	}
	CHECK(wait_exit_code(pid) == 0, "child saw wrong data (2: before, 3: after its write)");
	CHECK(holds(0x1000) && global_word == 1, "the child's writes leaked into the parent");
}

/* The parent writes first (the child has not run yet), then the child checks the old data. */
static void test_parent_writes_first(void)
{
	fill(0x3000);
	int on_stack = 5;
	pid_t pid = fork();
	if (pid == 0)
		_exit(holds(0x3000) && on_stack == 5 ? 0 : 2);
	fill(0x4000);
	on_stack = 6;
	CHECK(wait_exit_code(pid) == 0, "the parent's writes leaked into the child");
	CHECK(holds(0x4000) && on_stack == 6, "the parent lost its own writes");
}

/* Both write, taking turns through sched_yield, over three generations. */
static void test_interleaved_generations(void)
{
	fill(0x5000);
	pid_t pid = fork();
	if (pid == 0) {
		fill(0x6000);
		pid_t grandchild = fork();
		if (grandchild == 0) {
			sched_yield();
			if (!holds(0x6000))
				_exit(3);
			fill(0x7000);
			_exit(holds(0x7000) ? 0 : 4);
		}
		sched_yield();
		int code = wait_exit_code(grandchild);
		_exit(code ? code : holds(0x6000) ? 0 : 2);
	}
	sched_yield();
	fill(0x8000);
	sched_yield();
	CHECK(wait_exit_code(pid) == 0, "a generation saw another's writes");
	CHECK(holds(0x8000), "the parent lost its own writes");
}

/* Many children alive at once, each writing its own pid. */
static void test_many_children(void)
{
	enum { N = 8 };
	pid_t pids[N];
	fill(0x9000);
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			fill((uint64_t)getpid() << 16);
			sched_yield();
			_exit(holds((uint64_t)getpid() << 16) ? 0 : 2);
		}
		CHECK(pids[i] > 0, "fork %d", i);
	}
	for (int i = 0; i < N; i++)
		CHECK(wait_exit_code(pids[i]) == 0, "child %d lost its writes", i);
	CHECK(holds(0x9000), "a child's writes leaked into the parent");
}

int main(void)
{
	pages =
	    mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED) {
		printf("FAIL cow: mmap failed (errno %d)\n", errno);
		return 1;
	}
	RUN_TEST(test_child_writes);
	RUN_TEST(test_parent_writes_first);
	RUN_TEST(test_interleaved_generations);
	RUN_TEST(test_many_children);
	TEST_EXIT();
}
