/* sysargs.c: system calls check their arguments: -EFAULT, -EINVAL, -ENOSYS, as on Linux. */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "program.h"
#include "test.h"

PROGRAM_DESC("test: system calls check their arguments: -EFAULT, -EINVAL, -ENOSYS, as on Linux");

#define PAGE	    4096
#define KERNEL_ADDR ((void *)0xffffffff80100000ull)

/* Through a volatile, so the compiler does not diagnose the deliberate bad pointer. */
static char *volatile low_addr = (char *)16;

/* The C library's raw system call (with the entry the kernel chose), without errno. */
long syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

static void test_bad_pointers(void)
{
	errno = 0;
	CHECK(write(1, (void *)8, 4) == -1 && errno == EFAULT, "write from page 0");
	errno = 0;
	CHECK(write(1, KERNEL_ADDR, 4) == -1 && errno == EFAULT, "write from the kernel");
	char *none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(none != MAP_FAILED, "mmap PROT_NONE");
	errno = 0;
	CHECK(write(1, none, 4) == -1 && errno == EFAULT, "write from a PROT_NONE page");
	munmap(none, PAGE);

	char *argv[] = {"true", NULL};
	errno = 0;
	CHECK(execve(low_addr, argv, NULL) == -1 && errno == EFAULT, "execve path");
	errno = 0;
	CHECK(execve("true", (char **)low_addr, NULL) == -1 && errno == EFAULT, "execve argv");
	char *bad_argv[] = {"true", KERNEL_ADDR, NULL};
	errno = 0;
	CHECK(execve("true", bad_argv, NULL) == -1 && errno == EFAULT, "execve argv[1]");

	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	errno = 0;
	CHECK(waitpid(pid, (int *)KERNEL_ADDR, 0) == -1 && errno == EFAULT, "waitpid status");
}

static void test_invalid_arguments(void)
{
	int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	errno = 0;
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
		  errno == EINVAL,
	      "MAP_SHARED");
	errno = 0;
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 3, 0) == MAP_FAILED && errno == EINVAL,
	      "file mapping");
	errno = 0;
	CHECK(mmap(NULL, 0, PROT_READ, anon, -1, 0) == MAP_FAILED && errno == EINVAL, "length 0");
	errno = 0;
	CHECK(mmap(NULL, PAGE, 8, anon, -1, 0) == MAP_FAILED && errno == EINVAL, "prot 8");
	errno = 0;
	CHECK(munmap((void *)0x10001, PAGE) == -1 && errno == EINVAL, "munmap unaligned");
	errno = 0;
	CHECK(mprotect((void *)0x10001, PAGE, PROT_READ) == -1 && errno == EINVAL,
	      "mprotect unaligned");
	errno = 0;
	CHECK(waitpid(-1, NULL, 0x100) == -1 && errno == EINVAL, "waitpid options");
	errno = 0;
	CHECK(write(5, "x", 1) == -1 && errno == EBADF, "write to fd 5");
	CHECK(syscall6(999, 0, 0, 0, 0, 0, 0) == -ENOSYS, "syscall 999");
	CHECK(syscall6(-1, 0, 0, 0, 0, 0, 0) == -ENOSYS, "syscall -1");
}

static void test_mmap_semantics(void)
{
	int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	uint64_t *m = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, anon, -1, 0);
	CHECK(m != MAP_FAILED && (uintptr_t)m % PAGE == 0, "mmap 16 pages: %p", (void *)m);
	int zero = 1;
	for (int i = 0; i < 16 * PAGE / 8; i++)
		zero &= m[i] == 0;
	CHECK(zero, "fresh memory reads zero");
	for (int i = 0; i < 16; i++)
		m[i * PAGE / 8] = i + 1;
	CHECK(mprotect(m, 16 * PAGE, PROT_READ) == 0, "mprotect read-only");
	CHECK(m[5 * PAGE / 8] == 6, "data survives mprotect");
	CHECK(mprotect(m, 16 * PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect read-write");
	m[5 * PAGE / 8] = 60;
	CHECK(munmap(m, 16 * PAGE) == 0, "munmap");
	errno = 0;
	CHECK(mprotect(m, PAGE, PROT_READ) == -1 && errno == ENOMEM, "mprotect of unmapped");
	uint64_t *again = mmap(m, 16 * PAGE, PROT_READ | PROT_WRITE, anon | MAP_FIXED, -1, 0);
	CHECK(again == m, "MAP_FIXED at the old address: %p", (void *)again);
	CHECK(again[5 * PAGE / 8] == 0, "memory mapped again reads zero");
	munmap(again, 16 * PAGE);
}

static void test_waitpid_semantics(void)
{
	errno = 0;
	CHECK(waitpid(-1, NULL, 0) == -1 && errno == ECHILD, "no children");
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	int status = 0;
	CHECK(waitpid(pid, &status, WNOHANG) == 0, "WNOHANG before the child ran");
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "status 0x%x", status);
	errno = 0;
	CHECK(waitpid(pid, &status, 0) == -1 && errno == ECHILD, "reaped twice");
}

int main(void)
{
	RUN_TEST(test_bad_pointers);
	RUN_TEST(test_invalid_arguments);
	RUN_TEST(test_mmap_semantics);
	RUN_TEST(test_waitpid_semantics);
	TEST_EXIT();
}
