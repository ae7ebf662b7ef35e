/* uaccessasm.S: the only instructions that touch user memory; a fault in them returns -EFAULT. */

/*
 * trap.c sends a kernel-mode fault whose RIP lies in [uaccess_begin, uaccess_end) and that
 * mm_fault() could not resolve to uaccess_fault, which returns -EFAULT to the caller. The
 * routines are leaf functions that push nothing, so the return address is at %rsp.
 */
	.text
	.globl uaccess_begin, uaccess_end, uaccess_fault

/* long uaccess_copy(void *dst, const void *src, size_t n): 0 or -EFAULT */
	.globl uaccess_copy
uaccess_begin:
uaccess_copy:
	mov %rdx, %rcx
	rep movsb
	xor %eax, %eax
	ret

/* long uaccess_strnlen(const char *s, size_t max): index of the first NUL, max if none, or
 * -EFAULT */
	.globl uaccess_strnlen
uaccess_strnlen:
	xor %eax, %eax
1:	cmp %rsi, %rax
	jae 2f
	cmpb $0, (%rdi, %rax)
	je 2f
	inc %rax
	jmp 1b
2:	ret
uaccess_end:

uaccess_fault:
	mov $-14, %rax /* -EFAULT */
	ret

	.section .note.GNU-stack, "", @progbits
