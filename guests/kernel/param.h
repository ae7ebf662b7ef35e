/* param.h: the kernel's fixed limits. */
#ifndef PARAM_H
#define PARAM_H

#define NPROC		128	    /* process table slots */
#define KSTACK_SIZE	(16 * 1024) /* per-process kernel stack (fixed table, in .bss) */
#define BOOT_STACK_SIZE (16 * 1024)
#define MAXARG		32   /* argv entries for execve */
#define ARG_MAX		4096 /* bytes of argv strings for execve */
#define PROC_NAME_MAX	16
#define USER_STACK_SIZE (1024 * 1024) /* demand-zero, at the top of user space */
#define KALLOC_TEST_MAX 1024	      /* objects per kalloc_test call */

#endif
