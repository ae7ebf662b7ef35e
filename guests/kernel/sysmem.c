/* sysmem.c: memory system calls: anonymous private mmap, munmap, mprotect (Linux semantics). */
#include "klib.h"
#include "defs.h"
#include "mm.h"
#include "syscall.h"
#include "uapi.h"

#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)

/* A page-aligned, non-empty range inside user space. */
static int range_ok(uint64_t va, uint64_t len)
{
	uint64_t top = boot_info->user_top;
	return va % PAGE_SIZE == 0 && len > 0 && len <= top && va <= top - len;
}

/* mmap(addr, len, prot, flags, fd, offset): MAP_PRIVATE | MAP_ANONYMOUS, optionally
 * MAP_FIXED; the fd is ignored as on Linux, the offset must be 0. */
long sys_mmap(const uint64_t arg[6])
{
	uint64_t addr = arg[0], len = PAGE_ROUND_UP(arg[1]), off = arg[5];
	int prot = (int)arg[2], flags = (int)arg[3];
	if (arg[1] == 0 || (prot & ~PROT_ALL) || off != 0 ||
	    (flags & ~(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)) || !(flags & MAP_PRIVATE) ||
	    !(flags & MAP_ANONYMOUS))
		return -EINVAL;
	if (len < arg[1] || len > boot_info->user_top)
		return -ENOMEM;
	struct mm *mm = curproc->mm;
	if (flags & MAP_FIXED) {
		if (!range_ok(addr, len))
			return -EINVAL;
		int r = mm_map_fixed(mm, addr, len, prot); /* replaces what was there, as Linux */
		return r < 0 ? r : (long)addr;
	}
	return mm_mmap(mm, PAGE_ROUND_DOWN(addr), len, prot);
}

long sys_munmap(const uint64_t arg[6])
{
	uint64_t len = PAGE_ROUND_UP(arg[1]);
	if (len < arg[1] || !range_ok(arg[0], len))
		return -EINVAL;
	return mm_munmap(curproc->mm, arg[0], len);
}

/* Fails with -ENOMEM when part of the range is not mapped (mm_mprotect), as on Linux. */
long sys_mprotect(const uint64_t arg[6])
{
	uint64_t len = PAGE_ROUND_UP(arg[1]);
	int prot = (int)arg[2];
	if (prot & ~PROT_ALL)
		return -EINVAL;
	if (arg[1] == 0 && arg[0] % PAGE_SIZE == 0)
		return 0;
	if (len < arg[1] || !range_ok(arg[0], len))
		return arg[0] % PAGE_SIZE ? -EINVAL : -ENOMEM;
	return mm_mprotect(curproc->mm, arg[0], len, prot);
}
