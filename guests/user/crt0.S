/* crt0.S: user program entry: the kernel leaves argc, argv, envp, auxv on the stack as Linux does. */
	.text
	.globl _start
_start:
	xor %ebp, %ebp
	mov (%rsp), %rdi          /* argc */
	lea 8(%rsp), %rsi         /* argv */
	lea 8(%rsi, %rdi, 8), %rdx /* envp, after argv's NULL */
	push %rdi                 /* keep argc, argv, envp across libc_init; */
	push %rsi                 /* three pushes and the call leave %rsp 16-byte aligned */
	push %rdx
	mov %rdx, %rdi
	call libc_init            /* reads the auxiliary vector after envp */
	pop %rdx
	pop %rsi
	pop %rdi
	call main
	mov %eax, %edi
	call exit

	.section .note.GNU-stack, "", @progbits
