/* segv.c: an invalid access or instruction kills only the child that made it. */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "program.h"
#include "test.h"

PROGRAM_DESC("test: an invalid access or instruction kills only the child that made it");

#define PAGE 4096

static volatile char *region; /* set up by the parent before each fork */

/* Runs fn in a child and returns its wait status (the child exits 0 if fn returns). */
static int in_child(void (*fn)(void))
{
	int status = -1;
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);
	}
	CHECK(pid > 0, "fork");
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	return status;
}

static void expect_killed(const char *what, void (*fn)(void), int sig)
{
	int status = in_child(fn);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == sig,
	      "%s: wait status 0x%x, expected signal %d", what, status, sig);
}

static void expect_exit0(const char *what, void (*fn)(void))
{
	int status = in_child(fn);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: wait status 0x%x", what, status);
}

static void read_null(void)
{
	(void)*(volatile int *)0;
}

static void write_kernel(void)
{
	*(volatile int *)0xffffffff80100000ull = 1;
}

static void write_page1(void)
{
	region[PAGE] = 1;
}

static void write_pages0_and_2(void)
{
	region[0] = 1;
	region[2 * PAGE] = 1;
}

static void read_page0(void)
{
	if (region[0] != 7)
		_exit(3);
}

static void write_page0(void)
{
	region[0] = 1;
}

static void write_text(void)
{
	*(volatile char *)(uintptr_t)write_text = 0;
}

static void illegal_instruction(void)
{
	__asm__ volatile("ud2");
}

static void divide_by_zero(void)
{
	__asm__ volatile("xor %%edx, %%edx\n\t"
			 "xor %%ecx, %%ecx\n\t"
			 "mov $1, %%eax\n\t"
			 "div %%ecx" ::
			     : "eax", "ecx", "edx");
}

static void test_unmapped(void)
{
	expect_killed("read of NULL", read_null, SIGSEGV);
	expect_killed("write to the kernel", write_kernel, SIGSEGV);
}

static void test_munmapped(void)
{
	region = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(region != MAP_FAILED, "mmap");
	region[PAGE] = 5;
	CHECK(munmap((void *)(region + PAGE), PAGE) == 0, "munmap of the middle page");
	expect_killed("write to a munmapped page", write_page1, SIGSEGV);
	expect_exit0("write to the pages around it", write_pages0_and_2);
	munmap((void *)region, 3 * PAGE);
}

static void test_read_only(void)
{
	region = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(region != MAP_FAILED, "mmap");
	region[0] = 7;
	CHECK(mprotect((void *)region, PAGE, PROT_READ) == 0, "mprotect read-only");
	expect_exit0("read of a read-only page", read_page0);
	expect_killed("write to a read-only page", write_page0, SIGSEGV);
	expect_killed("write to program text", write_text, SIGSEGV);
	CHECK(mprotect((void *)region, PAGE, PROT_NONE) == 0, "mprotect PROT_NONE");
	expect_killed("read of a PROT_NONE page", read_page0, SIGSEGV);
	CHECK(mprotect((void *)region, PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect back");
	CHECK(region[0] == 7, "the parent's data survived: %d", region[0]);
	munmap((void *)region, PAGE);
}

static void test_bad_instructions(void)
{
	expect_killed("ud2", illegal_instruction, SIGILL);
	expect_killed("divide by zero", divide_by_zero, SIGFPE);
}

int main(void)
{
	RUN_TEST(test_unmapped);
	RUN_TEST(test_munmapped);
	RUN_TEST(test_read_only);
	RUN_TEST(test_bad_instructions);
	TEST_EXIT();
}
