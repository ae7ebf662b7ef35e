/* trapasm.S: exception vectors, the two system-call entries, returns to user mode, swtch(). */
#include "gdt.h"

/* Saves the general registers in struct trapframe order (r15 ends at the lowest address). */
.macro push_regs
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
.endm

.macro pop_regs
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
.endm

/* Exceptions without an error code get a 0 so that every frame has the same layout. */
.macro vector_noerr n
vector\n:
	pushq $0
	pushq $\n
	jmp alltraps
.endm

.macro vector_err n
vector\n:
	pushq $\n
	jmp alltraps
.endm

	.text
	vector_noerr 0
	vector_noerr 1
	vector_noerr 2
	vector_noerr 3
	vector_noerr 4
	vector_noerr 5
	vector_noerr 6
	vector_noerr 7
	vector_err 8
	vector_noerr 9
	vector_err 10
	vector_err 11
	vector_err 12
	vector_err 13
	vector_err 14
	vector_noerr 15
	vector_noerr 16
	vector_err 17
	vector_noerr 18
	vector_noerr 19
	vector_noerr 20
	vector_err 21
	vector_noerr 22
	vector_noerr 23
	vector_noerr 24
	vector_noerr 25
	vector_noerr 26
	vector_noerr 27
	vector_noerr 28
	vector_err 29
	vector_err 30
	vector_noerr 31
	vector_noerr 240 /* IRQ_TLB */
	vector_noerr 241 /* IRQ_WAKE */
	vector_noerr 255 /* IRQ_SPURIOUS */

/* From ring 3, swapgs: %gs becomes this CPU's struct cpu (trapret swaps back). */
alltraps:
	testb $3, 24(%rsp) /* the CS the CPU pushed, above trapno and err */
	jz 1f
	swapgs
1:	push_regs
	cld /* the string instructions in the kernel count upwards; user code may have set DF */
	mov %rsp, %rdi
	call trap
	/* fall through */

/* Returns to the frame at %rsp with iretq (restores every register, e.g. after a fault). */
	.globl trapret
trapret:
	pop_regs
	add $16, %rsp /* trapno, err */
	testb $3, 8(%rsp) /* back to ring 3: the user's GS base again */
	jz 1f
	swapgs
1:	iretq

/*
 * SYSCALL: the CPU left RIP in RCX and RFLAGS in R11, masked RFLAGS (FMASK) and kept the
 * user RSP. Interrupts are off; the stack switch goes through this CPU's struct cpu. The
 * frame is a full struct trapframe, as if the CPU had pushed it.
 */
	.globl syscall_entry
syscall_entry:
	swapgs
	mov %rsp, %gs:CPU_USER_RSP
	mov %gs:CPU_KSTACK, %rsp
	pushq $USER_DS
	pushq %gs:CPU_USER_RSP
	pushq %r11
	pushq $USER_CS
	pushq %rcx
	pushq $0
	pushq $256 /* SYSCALL_TRAPNO */
	push_regs
	mov %rsp, %rdi
	call syscall_dispatch
	pop_regs
	add $16, %rsp  /* trapno, err */
	pop %rcx       /* rip */
	add $8, %rsp   /* cs */
	pop %r11       /* rflags */
	pop %rsp       /* user rsp: from here on no kernel stack, but interrupts are off */
	swapgs
	sysretq

/*
 * int3 from ring 3 as a system call (ENTRY_TRAP): the CPU switched to the TSS stack and pushed
 * SS, RSP, RFLAGS, CS, RIP; the rest of the frame is the SYSCALL entry's. iretq returns after
 * the int3 with every register but RAX as the program left it.
 */
	.globl trap_syscall_entry
trap_syscall_entry:
	testb $3, 8(%rsp) /* the CS the CPU pushed */
	jz 1f
	swapgs
1:	pushq $0
	pushq $256 /* SYSCALL_TRAPNO */
	push_regs
	cld
	mov %rsp, %rdi
	call syscall_dispatch
	jmp trapret

/*
 * A new process's kernel thread starts here (swtch() returns into it) with %rsp at its
 * trap frame and the process table locked. If %rbx holds a function, it runs next (the
 * first process's exec).
 */
	.globl proc_trampoline
proc_trampoline:
	call proc_started
	test %rbx, %rbx
	jz 1f
	call *%rbx
1:	jmp trapret

/* void swtch(struct context **save, struct context *next): saves callee-saved registers. */
	.globl swtch
swtch:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

	.section .rodata
	.balign 8
	.globl trap_vectors
trap_vectors:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad vector\n
	.endr
	.globl irq_vectors
irq_vectors: /* IRQ_TLB, IRQ_WAKE, IRQ_SPURIOUS */
	.quad vector240, vector241, vector255

	.section .note.GNU-stack, "", @progbits
