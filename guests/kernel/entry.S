/* entry.S: the kernel's first instructions: take a stack and call main(boot_info). */
#include "param.h"

	.section .text.entry, "ax"
	.globl _start
_start:
	/* the hv enters in long mode with RSP = 0 and RDI = the boot_info pointer */
	lea boot_stack_top(%rip), %rsp
	xor %ebp, %ebp
	call main
1:	hlt /* main never returns; stop here if it does */
	jmp 1b

	.bss
	.balign 16
boot_stack:
	.space BOOT_STACK_SIZE
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
