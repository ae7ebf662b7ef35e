/* guest_triple.S: loads an empty IDT and raises #BP: #BP -> #GP -> #DF -> triple fault. */
#include "guest.inc"
	.text
	.globl _start
_start:
	lidt idt_empty(%rip)
	mov $0xdeadbeef, %rbx /* a value to find in the register dump */
	int3
	ud2

	.section .rodata
idt_empty:
	.word 0
	.quad 0
