/* gmem.c: guest memory: checked reads, and the one checked path for every hv store into it. */
#include <string.h>
#include <sys/mman.h>
#include "hv.h"

/* Whether [gpa, gpa + len) lies in guest memory; written so that no sum can overflow. */
static bool inside(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	return gpa <= m->size && len <= m->size - gpa;
}

const void *gmem_read(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	return inside(m, gpa, len) ? m->host + gpa : NULL;
}

uint8_t *gmem_setup(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	if (m->sealed || !inside(m, gpa, len))
		return NULL;
	return (uint8_t *)m->host + gpa; /* the hv's own memory, before the guest runs */
}

int64_t gmem_check_store(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	if (!inside(m, gpa, len))
		return -HC_EFAULT;
	if (len && m->typed && m->typed(m->mode, gpa, len))
		return -HC_EPERM;
	return 0;
}

int64_t gmem_store(const struct gmem *m, uint64_t gpa, const void *src, uint64_t len)
{
	int64_t r = gmem_check_store(m, gpa, len);
	if (r == 0)
		memcpy((uint8_t *)m->host + gpa, src, len);
	return r;
}

int64_t gmem_discard(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	int64_t r = gmem_check_store(m, gpa, len);
	if (r == 0 && madvise((uint8_t *)m->host + gpa, len, MADV_DONTNEED) < 0)
		return host_failure("discarding guest memory %#llx+%#llx", (unsigned long long)gpa,
				    (unsigned long long)len);
	return r;
}

uint64_t gmem_resident(const uint8_t *host, uint64_t size)
{
	static unsigned char vec[KERNEL_MAX_MEM / PAGE_SIZE];
	uint64_t n = 0, pages = size / PAGE_SIZE;
	if (pages > sizeof vec || mincore((void *)host, size, vec) < 0)
		die("mincore on guest memory (%llu bytes)", (unsigned long long)size);
	for (uint64_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n;
}

bool gmem_overlaps(uint64_t gpa, uint64_t len, uint64_t start, uint64_t end)
{
	return len && gpa < end && (gpa >= start || start - gpa < len); /* no overflow */
}
