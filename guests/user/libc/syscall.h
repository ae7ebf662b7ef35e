/* syscall.h: the raw system-call entry of the guest C library (internal). */
#ifndef LIBC_SYSCALL_H
#define LIBC_SYSCALL_H

#include "uapi.h"

long syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
long syscall_errno(long ret);	   /* -errno -> errno set, -1; else ret */
void libc_init(char **envp);	   /* crt0: reads the auxiliary vector */
extern unsigned long libc_tsc_khz; /* the TSC's rate, from the auxiliary vector */

#endif
