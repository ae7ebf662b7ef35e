/* syscall.h: the system-call handlers that syscall.c dispatches to. */
#ifndef SYSCALL_H
#define SYSCALL_H

#include <stdint.h>

/* A handler gets the six argument registers and returns a value >= 0 or -errno. */
typedef long syscall_fn(const uint64_t arg[6]);

/* sysproc.c */
syscall_fn sys_fork, sys_execve, sys_exit, sys_waitpid, sys_getpid, sys_sched_yield;
syscall_fn sys_thread_create;
/* sysmem.c */
syscall_fn sys_mmap, sys_munmap, sys_mprotect;
/* syspagelab.c */
syscall_fn sys_write, sys_pl_mark, sys_pl_report, sys_pl_nullhc, sys_pl_kalloc_test;
syscall_fn sys_pl_progress;
/* pvfuzz.c */
syscall_fn sys_pl_pvfuzz;

#endif
