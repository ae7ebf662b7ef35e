/* crt0.S: user program entry: the kernel leaves argc, argv, envp on the stack as Linux does. */
	.text
	.globl _start
_start:
	xor %ebp, %ebp
	mov (%rsp), %rdi          /* argc */
	lea 8(%rsp), %rsi         /* argv */
	lea 8(%rsi, %rdi, 8), %rdx /* envp, after argv's NULL */
	call main
	mov %eax, %edi
	call exit

	.section .note.GNU-stack, "", @progbits
