/* guest_smp.S: vCPU 0 checks HC_CPU_START's refusals, starts vCPUs 1..N-1 (vCPU i makes
 * i + 2 empty hypercalls, says it is done and halts), waits for them all and exits 0. */
#include "guest.inc"
	.equ STACK, 4096

	/* start vCPU \cpu at \rip with \rsp: RAX must come back \want, else exit \code */
	.macro start cpu, rip, rsp, want, code
	mov \cpu, %rdi
	mov \rip, %rsi
	mov \rsp, %r8
	mov %rdi, %r9
	hypercall HC_CPU_START
	mov $\code, %edi
	cmp $\want, %rax
	jne fail
	.endm

	.text
	.globl _start
_start:
	movabs $KERNBASE, %r15
	mov BOOT_NCPUS(%rdi), %r14d /* N */
	lea ap(%rip), %r12
	lea stacks + STACK(%rip), %r13
	start $0, %r12, %r13, -HC_EINVAL, 10 /* vCPU 0 runs already */
	start %r14, %r12, %r13, -HC_EINVAL, 11 /* no vCPU N */
	start $1, $0x1000, %r13, -HC_EINVAL, 12 /* a user rip */
	movabs $KERNBASE - 8, %rax
	start $1, %r12, %rax, -HC_EINVAL, 13 /* a stack below the kernel */
	mov $1, %ebx
1:	cmp %r14, %rbx
	jae 2f
	start %rbx, %r12, %r13, 0, 14
	add $STACK, %r13
	inc %ebx
	jmp 1b
2:	cmp $1, %r14
	je 4f
	start $1, %r12, %r13, -HC_EPERM, 15 /* vCPU 1 twice */
	/* wait (without exits) until every other vCPU said it is done */
	lea -1(%r14), %rax
3:	pause
	cmp done(%rip), %eax
	jne 3b
4:	xor %edi, %edi
fail:	hypercall HC_EXIT
	ud2

	/* vCPU i (in RDI): i + 2 empty hypercalls, then done, then halt for good */
ap:	lea 2(%rdi), %rbx
1:	hypercall HC_NOP
	dec %rbx
	jnz 1b
	lock incl done(%rip)
2:	hlt
	jmp 2b

	.bss
	.balign 4096
done:	.skip 4096
stacks:	.skip STACK * 8
