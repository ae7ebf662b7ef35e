/* hypercall.c: the guest side of the hypercall ABI (include/abi.h) and panic through HC_ASSERT. */
#include "klib.h"

int64_t hypercall(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t r8 __asm__("r8") = a2;
	register uint64_t r9 __asm__("r9") = a3;
	uint64_t rax = nr;
	__asm__ volatile("outl %%eax, %%dx"
			 : "+a"(rax)
			 : "d"((uint16_t)HC_PORT), "D"(a0), "S"(a1), "r"(r8), "r"(r9)
			 : "memory");
	return (int64_t)rax;
}

void panic_at(const char *file, int line, const char *fmt, ...)
{
	static struct hc_assert a; /* the hv reads it by its guest-physical address */
	const char *base = strrchr(file, '/');
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a.expr, sizeof a.expr, fmt, ap);
	va_end(ap);
	strncpy_safe(a.file, base ? base + 1 : file, sizeof a.file);
	a.line = line;
	printk("panic at %s:%d: %s\n", a.file, line, a.expr);
	for (;;) /* HC_ASSERT does not return; nor does this if the hv misbehaves */
		hypercall(HC_ASSERT, V2P(&a), 0, 0, 0);
}
