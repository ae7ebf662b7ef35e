/* proc.h: the process table entry, the trap frame and the saved kernel context. */
#ifndef PROC_H
#define PROC_H

#include <stdint.h>
#include "param.h"

/* Registers saved on entry from user mode or an exception; trapasm.S builds it. */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t trapno, err; /* vector (SYSCALL_TRAPNO for a system call), error code or 0 */
	uint64_t rip, cs, rflags, rsp, ss; /* the frame the CPU pushes (or syscall_entry fakes) */
};
#define SYSCALL_TRAPNO 256 /* not an IDT vector: marks frames built by syscall_entry */

/* Callee-saved registers of a kernel thread that gave up the CPU in swtch(). */
struct context {
	uint64_t r15, r14, r13, r12, rbx, rbp, rip;
};

enum proc_state { UNUSED, EMBRYO, RUNNABLE, RUNNING, WAITING, ZOMBIE };

struct proc {
	uint8_t fpu[512] __attribute__((aligned(16))); /* user x87/SSE state (fxsave) */
	enum proc_state state;
	int pid;
	struct proc *parent;
	struct mm *mm;		 /* NULL only before the first exec of the first process */
	struct trapframe *tf;	 /* at the top of the kernel stack */
	struct context *context; /* where swtch() resumes this process */
	char *kstack;		 /* bottom of the kernel stack */
	int wait_status;	 /* for the parent: W_EXITCODE() of how it ended */
	char name[PROC_NAME_MAX];
};

extern struct proc *curproc; /* the running process, NULL in the scheduler */

#endif
