/* syscalls.c: the system-call stubs; a -errno result sets errno and returns -1. */
#include <errno.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "abi.h"
#include "syscall.h"

int errno;
static int use_trap;	    /* the kernel's AT_PAGELAB_ENTRY says ENTRY_TRAP: int3, not syscall */
static long ncpus = 1;	    /* AT_PAGELAB_NCPUS */
unsigned long libc_tsc_khz; /* AT_PAGELAB_TSC_KHZ */

/* Called by crt0 before main: the auxiliary vector follows envp's NULL. */
void libc_init(char **envp)
{
	while (*envp)
		envp++;
	for (const unsigned long *av = (const unsigned long *)(envp + 1); av[0] != AT_NULL; av += 2)
		if (av[0] == AT_PAGELAB_ENTRY)
			use_trap = av[1] == ENTRY_TRAP;
		else if (av[0] == AT_PAGELAB_NCPUS)
			ncpus = (long)av[1];
		else if (av[0] == AT_PAGELAB_TSC_KHZ)
			libc_tsc_khz = av[1];
}

long sysconf(int name)
{
	if (name == _SC_NPROCESSORS_ONLN)
		return ncpus;
	errno = EINVAL;
	return -1;
}

long syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	long ret;
	if (use_trap)
		__asm__ volatile("int3"
				 : "=a"(ret)
				 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
				 : "memory");
	else
		__asm__ volatile("syscall"
				 : "=a"(ret)
				 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
				 : "rcx", "r11", "memory");
	return ret;
}

long syscall_errno(long ret)
{
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

pid_t fork(void)
{
	return syscall_errno(syscall6(SYS_fork, 0, 0, 0, 0, 0, 0));
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	return syscall_errno(syscall6(SYS_execve, (long)path, (long)argv, (long)envp, 0, 0, 0));
}

void _exit(int status)
{
	syscall6(SYS_exit, status, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	return syscall_errno(syscall6(SYS_waitpid, pid, (long)status, options, 0, 0, 0));
}

pid_t wait(int *status)
{
	return waitpid(-1, status, 0);
}

pid_t getpid(void)
{
	return syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

int sched_yield(void)
{
	return syscall_errno(syscall6(SYS_sched_yield, 0, 0, 0, 0, 0, 0));
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
	long r = syscall_errno(syscall6(SYS_mmap, (long)addr, len, prot, flags, fd, offset));
	return r == -1 ? MAP_FAILED : (void *)r;
}

int munmap(void *addr, size_t len)
{
	return syscall_errno(syscall6(SYS_munmap, (long)addr, len, 0, 0, 0, 0));
}

int mprotect(void *addr, size_t len, int prot)
{
	return syscall_errno(syscall6(SYS_mprotect, (long)addr, len, prot, 0, 0, 0));
}

long pl_pvfuzz(int cmd, void *arg)
{
	return syscall_errno(syscall6(SYS_pl_pvfuzz, cmd, (long)arg, 0, 0, 0, 0));
}

ssize_t write(int fd, const void *buf, size_t n)
{
	return syscall_errno(syscall6(SYS_write, fd, (long)buf, n, 0, 0, 0));
}
