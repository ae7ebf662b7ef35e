/* gmem.c: the one checked translation from guest-physical addresses to host addresses. */
#include "hv.h"

void *gmem_ptr(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	/* written so that no sum can overflow: gpa <= size, then len <= size - gpa */
	if (gpa > m->size || len > m->size - gpa)
		return NULL;
	return m->host + gpa;
}
