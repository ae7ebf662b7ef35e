/* defs.h: prototypes of the kernel's process, trap and system-call parts (mm.h has memory). */
#ifndef DEFS_H
#define DEFS_H

#include <stddef.h>
#include <stdint.h>
#include "proc.h"

struct mm;

/* gdt.c: segments, the TSS, and the SYSCALL MSRs */
void gdt_init(struct cpu *c);
void syscall_msr_init(void);
void cpu_set_kstack(uint64_t top); /* kernel stack for ring 3 -> 0 (TSS.rsp0 and SYSCALL) */

/* trap.c */
void idt_init(void); /* builds the IDT (once) */
void idt_load(void); /* on each CPU */
void trap(struct trapframe *tf);

/* smp.c: interrupt vectors of the IPIs (the x2APIC's spurious vector too) */
#define IRQ_TLB	     0xf0
#define IRQ_WAKE     0xf1
#define IRQ_SPURIOUS 0xff
void smp_boot_cpu(void);     /* per-CPU state of CPU 0, first thing in main */
void smp_start_others(void); /* HC_CPU_START for CPUs 1 .. ncpus-1: they enter scheduler() */
void smp_interrupt(uint64_t vector);
void smp_wake_idle(void); /* process table locked: wake an idle CPU, if any */
void smp_idle(void);	  /* wait for an interrupt */
void smp_counts(struct hc_kcounts *sum);

/* trapasm.S */
void swtch(struct context **save, struct context *next);
void proc_trampoline(void); /* first instruction of a new process's kernel thread */

/* proc.c */
void proc_init(void);
void proc_start_first(const char *cmdline);
void scheduler(void) __attribute__((noreturn));
void proc_yield(void);
int proc_fork(void);
void proc_exit(int wait_status) __attribute__((noreturn));
int proc_wait(int pid, int *wait_status, int options);
void proc_fpu_reset(void); /* the current process gets a clean x87/SSE state */
void proc_started(void);   /* trapasm.S's proc_trampoline: a new process's first C call */
int proc_thread_create(uint64_t entry, uint64_t stack_top, uint64_t arg);

/* exec.c: runs an embedded program in the current process; argv strings are kernel memory */
int exec(const char *path, int argc, char *const argv[]);

/* syscall.c */
void syscall_dispatch(struct trapframe *tf);

/* uaccess.c: user memory, checked against the VMA tree; each returns 0 or -EFAULT */
int copyin(void *dst, uint64_t usrc, size_t n);
int copyout(uint64_t udst, const void *src, size_t n);
/* Copies a NUL-terminated string of at most max-1 characters: its length, -EFAULT, or
 * -ENAMETOOLONG when no NUL comes within max bytes. */
long copyinstr(char *dst, uint64_t usrc, size_t max);
int uaccess_fixup(struct trapframe *tf); /* 1 if tf faulted inside a user copy (resumed) */

#endif
