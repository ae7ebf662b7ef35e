/* guest_spin.S: spins forever without an exit; only the watchdog can stop it. */
	.text
	.globl _start
_start:
1:	pause
	jmp 1b
