/* program.h: how a guest program says what it does, for `hv --list` to show beside its name. */
#ifndef PAGELAB_PROGRAM_H
#define PAGELAB_PROGRAM_H

/* One line of plain text (no '"' or '\'), once in each program: it goes into a section that is
 * not loaded, guests/guests.mk copies it into the kernel's table of embedded programs, and the
 * build fails for a program without exactly one. */
#define PROGRAM_DESC(text)                                                                         \
	__asm__(".pushsection .pagelab.desc, \"\", @progbits\n\t.asciz \"" text "\"\n\t."          \
		"popsection")

#endif
