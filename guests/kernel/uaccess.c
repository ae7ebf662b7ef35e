/* uaccess.c: copies between kernel and user memory, checked against the current VMA tree. */
#include "klib.h"
#include "defs.h"
#include "mm.h"
#include "uapi.h"

/* uaccessasm.S */
extern const char uaccess_begin[], uaccess_end[], uaccess_fault[];
long uaccess_copy(void *dst, const void *src, size_t n);
long uaccess_strnlen(const char *s, size_t max);

/* Bytes from va (at most n) that the current process may access with prot. The copy that
 * follows may still fault (demand-zero, COW, or another thread's munmap meanwhile: -EFAULT). */
static uint64_t user_span(uint64_t va, uint64_t n, int prot)
{
	return mm_user_span(curproc->mm, va, n, prot);
}

int copyin(void *dst, uint64_t usrc, size_t n)
{
	if (user_span(usrc, n, PROT_READ) < n)
		return -EFAULT;
	return uaccess_copy(dst, (const void *)usrc, n);
}

int copyout(uint64_t udst, const void *src, size_t n)
{
	if (user_span(udst, n, PROT_WRITE) < n)
		return -EFAULT;
	return uaccess_copy((void *)udst, src, n);
}

long copyinstr(char *dst, uint64_t usrc, size_t max)
{
	uint64_t span = user_span(usrc, max, PROT_READ);
	long len = uaccess_strnlen((const char *)usrc, span);
	if (len < 0)
		return len;
	if ((uint64_t)len == span)
		return span < max ? -EFAULT : -ENAMETOOLONG;
	long r = uaccess_copy(dst, (const void *)usrc, len + 1);
	return r < 0 ? r : len;
}

int uaccess_fixup(struct trapframe *tf)
{
	if (tf->rip < (uint64_t)uaccess_begin || tf->rip >= (uint64_t)uaccess_end)
		return 0;
	tf->rip = (uint64_t)uaccess_fault;
	return 1;
}
