/* klib.h: the kernel's basic services: types, string functions, console, panic, hypercalls. */
#ifndef KLIB_H
#define KLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "abi.h"

#define PAGE_SIZE	   4096ull
#define PAGE_ROUND_UP(x)   (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((x) & ~(PAGE_SIZE - 1))
#ifndef P2V /* the host unit tests define their own, over an arena */
#define P2V(pa) ((void *)((uint64_t)(pa) + KERNBASE)) /* guest-physical -> kernel virtual */
#define V2P(va) ((uint64_t)(va)-KERNBASE)
#endif

/* string.c (also in the user C library) */
#include "memstr.h"
char *strncpy_safe(char *dst, const char *src, size_t n); /* always NUL-terminates */

/* format.c (also in the user C library): flags - 0, width and precision (also *), length
 * hh h l ll z j t, conversions d i u x X o p s c %; no floating point. */
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* console.c: formatted output through HC_CONSOLE */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* hypercall.c: the guest side of abi.h */
int64_t hypercall(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
/* Stops the guest through HC_ASSERT with file:line and the message; never returns. */
void panic_at(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)
#define KASSERT(e)                                                                                 \
	do {                                                                                       \
		if (!(e))                                                                          \
			panic_at(__FILE__, __LINE__, "assertion failed: %s", #e);                  \
	} while (0)

extern struct boot_info *boot_info; /* main.c: what the hv passed at boot */

#endif
