/* exec.c: execve runs an embedded program with its arguments; a failed execve returns. */
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "program.h"
#include "test.h"

PROGRAM_DESC("test: execve runs an embedded program with its arguments; a failed execve returns");

static uint64_t zeroed[512]; /* .bss: zero in every new image */
static int initialised = 42; /* .data */

/* `exec child ARGS...`: checks what execve passed and exits 42, or 2 + what failed. */
static int child_main(int argc, char **argv)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	if (argc != 4 || strcmp(argv[2], "alpha") != 0 || strcmp(argv[3], "beta gamma") != 0 ||
	    argv[4] != NULL)
		return 2;
	if (initialised != 42)
		return 3;
	for (int i = 0; i < 512; i++)
		if (zeroed[i])
			return 4;
	if (sp % 16 != 0) /* the frame of a function called from an aligned _start */
		return 5;
	return 42;
}

static int run(char *const argv[])
{
	int status = -1;
	pid_t pid = fork();
	if (pid == 0) {
		zeroed[0] = 1; /* must not survive into the new image */
		initialised = 0;
		execve(argv[0], argv, NULL);
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	return status;
}

static void test_exec_arguments(void)
{
	char *argv[] = {"exec", "child", "alpha", "beta gamma", NULL};
	int status = run(argv);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42,
	      "status 0x%x (2: argv, 3: .data, 4: .bss, 5: stack alignment, 127: execve failed)",
	      status);
}

static void test_exec_true(void)
{
	char *argv[] = {"true", NULL};
	int status = run(argv);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
	char *path_argv[] = {"/bin/true", NULL};
	status = run(path_argv);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "by path: status 0x%x", status);
}

static void test_exec_missing(void)
{
	char *argv[] = {"no-such-program", NULL};
	errno = 0;
	CHECK(execve(argv[0], argv, NULL) == -1 && errno == ENOENT, "execve of a missing program");
	CHECK(initialised == 42, "the process survived a failed execve");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child_main(argc, argv);
	RUN_TEST(test_exec_arguments);
	RUN_TEST(test_exec_true);
	RUN_TEST(test_exec_missing);
	TEST_EXIT();
}
