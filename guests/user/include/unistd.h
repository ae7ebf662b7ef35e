/* unistd.h: process and I/O system calls of the guest C library. */
#ifndef _UNISTD_H
#define _UNISTD_H

#include <sys/types.h>

#define STDIN_FILENO  0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

pid_t fork(void);
int execve(const char *path, char *const argv[], char *const envp[]);
void _exit(int status) __attribute__((noreturn));
pid_t getpid(void);
ssize_t write(int fd, const void *buf, size_t n); /* fds 1 and 2: the hv's console */
long pl_pvfuzz(int cmd, void *arg);		  /* pagelab's pvmmu fuzzing call (uapi.h) */
#define _SC_NPROCESSORS_ONLN 84			  /* Linux's value */
long sysconf(int name);				  /* _SC_NPROCESSORS_ONLN only; else -1, EINVAL */

#endif
