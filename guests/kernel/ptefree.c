/* ptefree.c: the ptefree MMU backend: no page tables in the guest, every operation a hypercall. */
#include "mm.h"

/*
 * The hv owns all paging: each address space is a window of guest-physical memory behind an
 * immutable GVA->GPA table built by the hv, whose kernel half is shared. The guest only names
 * address spaces (asid) and ranges; first touches and copy-on-write never reach it, so a page
 * fault that does reach it is an invalid access.
 */

/* hv error -> errno for the syscalls: running out of something is ENOMEM, the rest EINVAL. */
static int hc_errno(int64_t r)
{
	return r == -HC_ENOMEM || r == -HC_ENOSPC ? -MM_ENOMEM : -MM_EINVAL;
}

static int ptefree_init(void)
{
	return 0; /* the boot tables stay until the first HC_AS_SWITCH */
}

static int ptefree_as_create(struct mm *mm)
{
	int64_t asid = hypercall(HC_AS_CREATE, 0, 0, 0, 0);
	if (asid < 0)
		return hc_errno(asid);
	mm->backend = (uint64_t)asid;
	return 0;
}

static void ptefree_as_destroy(struct mm *mm)
{
	int64_t r = hypercall(HC_AS_DESTROY, mm->backend, 0, 0, 0);
	if (r < 0)
		panic("HC_AS_DESTROY(%lu) failed: %ld", mm->backend, r);
}

static int ptefree_as_fork(struct mm *parent, struct mm *child)
{
	int64_t asid = hypercall(HC_AS_FORK, parent->backend, 0, 0, 0);
	if (asid < 0)
		return hc_errno(asid);
	child->backend = (uint64_t)asid;
	return 0;
}

/* Leaving user space loads nothing: the CR3 of the last address space stays valid for the
 * kernel because the hv never rewrites a window's table, even after HC_AS_DESTROY. */
static void ptefree_as_switch(struct mm *mm)
{
	if (!mm)
		return;
	int64_t cr3 = hypercall(HC_AS_SWITCH, mm->backend, 0, 0, 0);
	if (cr3 < 0)
		panic("HC_AS_SWITCH(%lu) failed: %ld", mm->backend, cr3);
	cpu_load_cr3((uint64_t)cr3);
}

static int ptefree_map(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	int64_t r = hypercall(HC_MAP, mm->backend, va, len, (uint64_t)prot);
	return r < 0 ? hc_errno(r) : 0;
}

static int ptefree_unmap(struct mm *mm, uint64_t va, uint64_t len)
{
	int64_t r = hypercall(HC_UNMAP, mm->backend, va, len, 0);
	return r < 0 ? hc_errno(r) : 0;
}

static int ptefree_protect(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	int64_t r = hypercall(HC_PROTECT, mm->backend, va, len, (uint64_t)prot);
	return r < 0 ? hc_errno(r) : 0;
}

/* The hv serves demand and COW faults itself: one that reaches the guest is invalid. */
static int ptefree_fault(struct mm *mm, uint64_t va, uint64_t err, int prot)
{
	(void)mm, (void)va, (void)err, (void)prot;
	return -1;
}

const struct mmu_backend mmu_ptefree = {
    .name = "ptefree",
    .init = ptefree_init,
    .as_create = ptefree_as_create,
    .as_destroy = ptefree_as_destroy,
    .as_fork = ptefree_as_fork,
    .as_switch = ptefree_as_switch,
    .map = ptefree_map,
    .unmap = ptefree_unmap,
    .protect = ptefree_protect,
    .fault = ptefree_fault,
};
