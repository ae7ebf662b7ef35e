/* forkexec.c: fork, the child executes the tiny `true` program, the parent waits. */
#include <sys/wait.h>
#include <unistd.h>
#include "workload.h"

static int op(struct wl_ctx *ctx)
{
	int status;
	pid_t pid = fork();
	if (pid < 0)
		return wl_fail(ctx, "fork failed");
	if (pid == 0) {
		char *argv[] = {"true", NULL}, *envp[] = {NULL};
		execve(pl_true_path(), argv, envp);
		_exit(127); /* only reached when execve failed */
	}
	if (waitpid(pid, &status, 0) != pid)
		return wl_fail(ctx, "waitpid(%d) failed", (int)pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return wl_fail(ctx, "child ended with status 0x%x (127: execve of %s failed)",
			       status, pl_true_path());
	return 0;
}

WORKLOAD(wl_forkexec) = {
    .name = "forkexec",
    .desc = "fork, the child executes a tiny program, the parent waits",
    .op = op,
};
