/* guest_hello.S: boots, writes to the console, reports an ok result, exits 0. */
#include "guest.inc"
	.text
	.globl _start
_start:
	movabs $KERNBASE, %r15
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, result + RESULT_START_TSC(%rip)
	gpa msg, %rdi
	mov $msg_end - msg, %esi
	hypercall HC_CONSOLE
	mov $MARK_BEGIN, %edi
	hypercall HC_MARK
	mov $10, %ebx /* ten empty hypercalls as the measured section */
1:	hypercall HC_NOP
	dec %ebx
	jnz 1b
	mov $MARK_END, %edi
	hypercall HC_MARK
	movl $1, result + RESULT_OK(%rip)
	movl $1, result + RESULT_NSAMPLES(%rip)
	movq $10, result + RESULT_ITERS(%rip)
	movq $1000, result + RESULT_CYCLES(%rip)
	gpa result, %rdi
	hypercall HC_RESULT
	xor %edi, %edi
	hypercall HC_EXIT
	ud2

	.section .rodata
msg:	.ascii "hello from the test guest\n"
msg_end:
	.bss
	.balign 8
result:	.skip RESULT_SIZE
