/* guest_pvflush.S: pvmmu mode, two vCPUs: vCPU 1 spins in the guest while vCPU 0 sends ten
 * FLUSH_ALL batches naming it (the measured section), then a mask naming a vCPU that does not
 * exist and an INVLPG naming itself alone; reports ok if each got its answer. */
#include "guest.inc"
	.equ ITERS, 10

	/* one op (\ptr, \val) as a batch: RAX must come back \want, else exit \code */
	.macro batch ptr, val, want, code
	movq $\ptr, op(%rip)
	movq $\val, op + 8(%rip)
	gpa op, %rdi
	mov $1, %esi
	xor %r8d, %r8d
	hypercall HC_PV_BATCH
	mov $\code, %edi
	cmp $\want, %rax
	jne fail
	.endm

	.text
	.globl _start
_start:
	movabs $KERNBASE, %r15
	mov $1, %edi
	lea spin(%rip), %rsi
	lea stack + 4096(%rip), %r8
	hypercall HC_CPU_START
	mov $10, %edi
	test %rax, %rax
	jnz fail
1:	pause /* until vCPU 1 runs */
	cmpl $1, running(%rip)
	jne 1b
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, result + RESULT_START_TSC(%rip)
	mov $MARK_BEGIN, %edi
	xor %esi, %esi
	hypercall HC_MARK
	mov $ITERS, %r12d
2:	batch PV_OP_FLUSH_ALL, 2, 1, 11
	dec %r12d
	jnz 2b
	mov $MARK_END, %edi
	xor %esi, %esi
	hypercall HC_MARK
	batch PV_OP_FLUSH_ALL, 4, -HC_EINVAL, 12 /* no vCPU 2 */
	batch 0x1000 + PV_OP_INVLPG, 1, 1, 13	  /* itself alone */
	movl $1, result + RESULT_OK(%rip)
	movl $1, result + RESULT_NSAMPLES(%rip)
	movq $ITERS, result + RESULT_ITERS(%rip)
	movq $1000, result + RESULT_CYCLES(%rip)
	gpa result, %rdi
	hypercall HC_RESULT
	xor %edi, %edi
fail:	hypercall HC_EXIT
	ud2

spin:	movl $1, running(%rip)
1:	pause
	jmp 1b

	.bss
	.balign 4096
stack:	.skip 4096
running: .skip 8
op:	.skip 16
	.balign 8
result:	.skip RESULT_SIZE
