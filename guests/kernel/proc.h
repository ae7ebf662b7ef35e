/* proc.h: the process table entry, the trap frame and the saved kernel context. */
#ifndef PROC_H
#define PROC_H

#include <stdint.h>
#include "param.h"
#include "abi.h"

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
	struct proc *runq_next;	 /* in the run queue while RUNNABLE */
	struct mm *mm;		 /* NULL only before the first exec of the first process */
	struct trapframe *tf;	 /* at the top of the kernel stack */
	struct context *context; /* where swtch() resumes this process */
	char *kstack;		 /* bottom of the kernel stack */
	int wait_status;	 /* for the parent: W_EXITCODE() of how it ended */
	char name[PROC_NAME_MAX];
};

struct __attribute__((packed)) tss {
	uint32_t reserved0;
	uint64_t rsp[3]; /* rsp[0]: the stack the CPU switches to on entry from ring 3 */
	uint64_t reserved1;
	uint64_t ist[7]; /* ist[0] (IST1): a known-good stack for double faults */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};

/* A TLB shootdown this CPU asks of others (smp.c): they clear their bit of pending. */
struct tlb_request {
	uint32_t pending;
	unsigned pages; /* > FLUSH_ALL_AFTER: everything */
	uint64_t va[32];
};

/* One per CPU. In the kernel, %gs points at it (swapgs on every entry from and exit to ring 3;
 * user code sees a zero GS base); the first three words are read by trapasm.S. */
struct cpu {
	struct cpu *self;	   /* %gs:0 */
	uint64_t kstack_top;	   /* %gs:CPU_KSTACK: the running process's, for SYSCALL */
	uint64_t user_rsp;	   /* %gs:CPU_USER_RSP: scratch for the SYSCALL entry */
	struct proc *proc;	   /* the running process, NULL in the scheduler */
	struct context *scheduler; /* where sched() returns to */
	unsigned id;
	int idle;		  /* halted in the scheduler, waiting for a wake-up IPI */
	uint32_t tlb_from;	  /* CPUs whose tlb_request waits for this one (atomic) */
	struct tlb_request tlb;	  /* this CPU's own request */
	struct hc_kcounts counts; /* its share of what HC_MARK reports */
	uint64_t gdt[8] __attribute__((aligned(16)));
	struct tss tss;
};

static inline struct cpu *mycpu(void)
{
	struct cpu *c;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* The running process. A process changes CPU only inside sched(), so callers re-read it. */
#define curproc (mycpu()->proc)

#endif
