/* sysproc.c: process system calls: fork, thread_create, execve, _exit, waitpid, getpid,
 * sched_yield. */
#include "klib.h"
#include "defs.h"
#include "mm.h"
#include "syscall.h"
#include "uapi.h"

long sys_fork(const uint64_t arg[6])
{
	(void)arg;
	return proc_fork();
}

/* Copies the user's argv (pointers and strings) into buf; returns argc or -errno. */
static long copy_argv(uint64_t uargv, char *argv[MAXARG + 1], char *buf, size_t buflen)
{
	size_t used = 0;
	for (int argc = 0;; argc++) {
		uint64_t uarg;
		if (copyin(&uarg, uargv + argc * sizeof uarg, sizeof uarg) < 0)
			return -EFAULT;
		if (!uarg) {
			argv[argc] = NULL;
			return argc;
		}
		if (argc == MAXARG)
			return -E2BIG;
		long len = copyinstr(buf + used, uarg, buflen - used);
		if (len < 0)
			return len == -ENAMETOOLONG ? -E2BIG : len;
		argv[argc] = buf + used;
		used += len + 1;
	}
}

_Static_assert(ARG_MAX <= PAGE_SIZE, "execve copies argv strings into one page");

/* execve(path, argv, envp): the environment is ignored (programs get an empty one). */
long sys_execve(const uint64_t arg[6])
{
	char path[64], *argv[MAXARG + 1];
	long r = copyinstr(path, arg[0], sizeof path);
	if (r < 0)
		return r == -ENAMETOOLONG ? -ENOENT : r; /* no embedded program has such a name */
	char *buf = kalloc_page();
	if (!buf)
		return -ENOMEM;
	r = copy_argv(arg[1], argv, buf, ARG_MAX);
	if (r >= 0)
		r = exec(path, (int)r, argv);
	kfree_page(buf);
	return r;
}

long sys_exit(const uint64_t arg[6])
{
	proc_exit(W_EXITCODE(arg[0], 0));
}

long sys_waitpid(const uint64_t arg[6])
{
	int pid = (int)arg[0], options = (int)arg[2], status = 0;
	if (options & ~WNOHANG)
		return -EINVAL;
	long r = proc_wait(pid, &status, options);
	if (r > 0 && arg[1] && copyout(arg[1], &status, sizeof status) < 0)
		return -EFAULT;
	return r;
}

long sys_getpid(const uint64_t arg[6])
{
	(void)arg;
	return curproc->pid;
}

long sys_thread_create(const uint64_t arg[6])
{
	return proc_thread_create(arg[0], arg[1], arg[2]);
}

long sys_sched_yield(const uint64_t arg[6])
{
	(void)arg;
	proc_yield();
	return 0;
}
