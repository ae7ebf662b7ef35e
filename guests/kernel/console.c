/* console.c: kernel messages to the hv's console (HC_CONSOLE). */
#include "klib.h"

void printk(const char *fmt, ...)
{
	char buf[512]; /* longer messages are cut */
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 1)
		n = sizeof buf - 1;
	hypercall(HC_CONSOLE, V2P(buf), n, 0, 0);
}
