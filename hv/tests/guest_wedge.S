/* guest_wedge.S: vCPU 0 starts vCPU 1, which spins forever without an exit, and halts: only
 * the watchdog can stop the pair. */
#include "guest.inc"
	.text
	.globl _start
_start:
	mov $1, %edi
	lea spin(%rip), %rsi
	lea stack + 4096(%rip), %r8
	hypercall HC_CPU_START
1:	hlt
	jmp 1b
spin:	pause
	jmp spin
	.bss
	.balign 4096
stack:	.skip 4096
