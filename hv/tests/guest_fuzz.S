/* guest_fuzz.S: random hypercall numbers and arguments (xorshift64), then an ok result; a quarter
   of the calls aim their pointer arguments at frames the hv types. */
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

	/* \reg = a guest-physical address in or at the edge of a frame the hv types in some
	   mode: the boot tables (ptefree: its windows' kernel half), the page-table pool
	   (pvmmu), the last words below its own pages; clobbers RAX */
	.macro typed_target reg
	next
	mov %r14, \reg
	shr $40, \reg
	and $0x3ff8, \reg /* an 8-aligned offset below 16 KiB */
	bt $1, %r14
	jc 5f
	add tables_gpa(%rip), \reg
	jmp 7f
5:	bt $2, %r14
	jc 6f
	add pool_gpa(%rip), \reg
	jmp 7f
6:	and $0xf, \reg
	add hv_reserved_gpa(%rip), \reg
	sub $8, \reg
7:
	.endm

	.text
	.globl _start
_start:
	mov BOOT_POOL_GPA(%rdi), %rax
	mov %rax, pool_gpa(%rip)
	/* the boot tables this guest runs on are typed in ptefree only (its windows' kernel
	   half); elsewhere they are its own memory, which an aimed count would overwrite */
	cmpl $MODE_PTEFREE, BOOT_MODE(%rdi)
	jne 8f
	mov $BOOT_PML4_GPA, %eax
8:	mov %rax, tables_gpa(%rip)
	mov BOOT_HV_RESERVED_GPA(%rdi), %rax
	mov %rax, hv_reserved_gpa(%rip)
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
1:	next
	test $0x30, %r14b
	jnz 3f
	typed_target %rdi /* a0 and a2: where the pointer arguments are */
	typed_target %r8
	and $7, %esi /* a1: a count or length small enough to be taken */
	inc %esi
3:	/* exit and assert would stop the guest, proc_fault only prints; console is kept to
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
pool_gpa: .skip 8
tables_gpa: .skip 8
hv_reserved_gpa: .skip 8
