/* gdt.h: segment selectors (usable from assembly too). */
#ifndef GDT_H
#define GDT_H

/*
 * SYSCALL loads CS = STAR[47:32] and SS = that + 8; SYSRET to 64-bit mode loads
 * CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8. Hence the order: kernel code, kernel
 * data, a base slot (never loaded), user data, user code.
 */
#define KERNEL_CS   0x08
#define KERNEL_DS   0x10
#define SYSRET_BASE 0x18
#define USER_DS	    (0x20 | 3)
#define USER_CS	    (0x28 | 3)
#define TSS_SEL	    0x30

/* struct cpu's first words, which the entry code reads through %gs (proc.h) */
#define CPU_KSTACK   8
#define CPU_USER_RSP 16

#endif
