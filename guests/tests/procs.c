/* procs.c: process life cycle: pids, exit codes, waiting for any child, orphans, table limits. */
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>
#include "program.h"
#include "test.h"

PROGRAM_DESC(
    "test: process life cycle: pids, exit codes, waiting for any child, orphans, table limits");

static void test_pids(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		_exit(getpid() != parent ? 0 : 1);
	int status = -1;
	CHECK(pid > 0 && pid != parent, "fork returned %d", (int)pid);
	CHECK(waitpid(pid, &status, 0) == pid && status == 0, "status 0x%x", status);
	CHECK(getpid() == parent, "getpid changed");
	CHECK(sched_yield() == 0, "sched_yield");
}

/* Five children with distinct exit codes, collected in any order with waitpid(-1). */
static void test_wait_any(void)
{
	int seen = 0;
	for (int i = 0; i < 5; i++)
		if (fork() == 0)
			_exit(10 + i);
	for (int i = 0; i < 5; i++) {
		int status = -1;
		CHECK(wait(&status) > 0 && WIFEXITED(status), "wait %d: status 0x%x", i, status);
		seen |= 1 << (WEXITSTATUS(status) - 10);
	}
	CHECK(seen == 0x1f, "exit codes seen: mask 0x%x", seen);
}

/* A grandchild whose parent exits first is reparented to process 1 (this program). */
static void test_orphans(void)
{
	pid_t child = fork();
	if (child == 0) {
		if (fork() == 0) {
			sched_yield(); /* its parent exits meanwhile */
			_exit(33);
		}
		_exit(0);
	}
	int status = -1, codes = 0;
	for (int i = 0; i < 2; i++) {
		CHECK(wait(&status) > 0, "wait %d", i);
		codes += WEXITSTATUS(status);
	}
	REQUIRE(getpid() == 1, "not process 1, the orphan went elsewhere");
	CHECK(codes == 33, "child and orphan exit codes sum to %d", codes);
}

/* Forks until the kernel says no; every child that was created must be reaped. */
static void test_process_limit(void)
{
	int created = 0;
	pid_t pid;
	while ((pid = fork()) > 0)
		created++;
	if (pid == 0)
		_exit(0);
	CHECK(errno == EAGAIN || errno == ENOMEM, "fork failed with errno %d", errno);
	CHECK(created > 8, "only %d processes", created);
	int reaped = 0;
	while (wait(NULL) > 0)
		reaped++;
	CHECK(reaped == created, "reaped %d of %d", reaped, created);
	pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK(pid > 0 && waitpid(pid, NULL, 0) == pid, "fork works again afterwards");
}

int main(void)
{
	RUN_TEST(test_pids);
	RUN_TEST(test_wait_any);
	RUN_TEST(test_orphans);
	RUN_TEST(test_process_limit);
	TEST_EXIT();
}
