/* guest_fuzz.S: random hypercall numbers and arguments (xorshift64), then an ok result. */
#include "guest.inc"
#ifndef FUZZ_ROUNDS
#define FUZZ_ROUNDS 20000 /* guest_fuzz_long.elf (make test-all, make fuzz): 1000000 */
#endif
	.equ ROUNDS, FUZZ_ROUNDS
	.equ SMALL_GPA, 0x1000000 /* addresses inside guest memory half of the time */

	/* %r14 = next xorshift64 value */
	.macro next
	mov %r14, %rax
	shl $13, %rax
	xor %rax, %r14
	mov %r14, %rax
	shr $7, %rax
	xor %rax, %r14
	mov %r14, %rax
	shl $17, %rax
	xor %rax, %r14
	.endm

	.text
	.globl _start
_start:
	movabs $KERNBASE, %r15
	movabs $0x9e3779b97f4a7c15, %r14
	mov $ROUNDS, %r13d
	xor %r12d, %r12d /* calls answered with an error */
round:
	next
	mov %r14, %rdi
	next
	mov %r14, %rsi
	next
	mov %r14, %r8
	next
	mov %r14, %r9
	next
	mov %r14, %rbx /* the number */
	bt $0, %rbx
	jc 1f
	and $SMALL_GPA - 1, %rdi
	and $0xffff, %rsi
	mov %rbx, %rax
	shr $8, %rax
	xor %edx, %edx
	mov $HC_COUNT + 4, %ecx
	div %rcx
	mov %rdx, %rbx
1:	/* exit and assert would stop the guest, proc_fault only prints; console is kept to
	   its error paths (len > max) */
	cmp $HC_EXIT, %ebx
	je skip
	cmp $HC_ASSERT, %ebx
	je skip
	cmp $HC_PROC_FAULT, %ebx
	je skip
	cmp $HC_CONSOLE, %ebx
	jne 2f
	bts $20, %rsi
2:	mov %ebx, %eax
	mov $HC_PORT, %edx
	out %eax, (%dx)
	test %rax, %rax
	jns skip
	inc %r12
skip:
	dec %r13d
	jnz round

	/* the random calls may have planted a result: this one replaces it */
	movl $1, result + RESULT_OK(%rip)
	movl $0, result + RESULT_NSAMPLES(%rip)
	movq $ROUNDS, result + RESULT_ITERS(%rip)
	gpa result, %rdi
	hypercall HC_RESULT
	test %rax, %rax
	jnz fail
	test %r12, %r12 /* some calls must have been refused */
	jz fail
	xor %edi, %edi
	hypercall HC_EXIT
fail:
	mov $1, %edi
	hypercall HC_EXIT

	.bss
	.balign 8
result:	.skip RESULT_SIZE
