/* check.c: pvmmu's invariants re-derived from guest memory, for the fuzzers and --check. */
#include <stdlib.h>
#include "hv.h"
#include "pvmmu.h"
#include "state.h"

/*
 * The rules of pvmmu.c as a walk of every pinned table (Xen's page types): each frame's type
 * and reference count agree with the entries that point at it; a present upper entry points at
 * a table pinned at the level below; a present leaf maps a frame of guest memory, and a pool
 * frame read-only only; no entry has a bit the validation refuses; each L4 holds the hv's
 * kernel half and nothing else above the user slots; a free pool frame is zero; the hv's own
 * pages are as built; each vCPU's base is a pinned L4.
 */

#define VIOLATION(...) (errorf(err, errlen, "pvmmu invariant: " __VA_ARGS__))

/* One pinned table's entries; counts the references they make into refs. */
static int check_table(const struct pvmmu *pv, uint64_t gpa, int level, uint32_t *refs, char *err,
		       size_t errlen)
{
	const uint64_t *t = (const uint64_t *)(pv->host + gpa);
	uint64_t kernel = ((const uint64_t *)(pv->host + pv->c.reserved_gpa))[KERNEL_SLOT];
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = t[i], pa = e & E_ADDR;
		if (level == 4 && i >= pv->user_slots) {
			if (e != (i == KERNEL_SLOT ? kernel : 0))
				return VIOLATION(
				    "L4 %#llx slot %u is %#llx: the kernel half is the hv's",
				    (unsigned long long)gpa, i, (unsigned long long)e);
			continue;
		}
		if (!(e & E_P))
			continue;
		if (e & ~(level == 1 ? LEAF_OK : UPPER_OK))
			return VIOLATION("L%d %#llx entry %u is %#llx: refused bits", level,
					 (unsigned long long)gpa, i, (unsigned long long)e);
		const struct pv_frame *f = pool_frame(pv, pa);
		if (level == 1 && pa >= pv->c.reserved_gpa)
			return VIOLATION("L1 %#llx entry %u maps %#llx, not the guest's frame",
					 (unsigned long long)gpa, i, (unsigned long long)pa);
		if (level == 1 && f && (e & E_W))
			return VIOLATION("L1 %#llx entry %u maps page-table frame %#llx writable",
					 (unsigned long long)gpa, i, (unsigned long long)pa);
		if (level > 1 && (!f || f->level != level - 1))
			return VIOLATION("L%d %#llx entry %u points at %#llx, not an L%d table",
					 level, (unsigned long long)gpa, i, (unsigned long long)pa,
					 level - 1);
		if (level > 1)
			refs[(pa - pv->c.pool_gpa) / PAGE_SIZE]++;
	}
	return 0;
}

static bool zero(const uint64_t *t)
{
	for (unsigned i = 0; i < 512; i++)
		if (t[i])
			return false;
	return true;
}

int pvmmu_check(const struct pvmmu *pv, bool full, char *err, size_t errlen)
{
	uint32_t *refs = calloc(pv->nframes, sizeof *refs);
	if (!refs)
		die("pvmmu: checking the invariants");
	int r = 0;
	for (uint64_t i = 0; i < pv->nframes && r == 0; i++) {
		uint64_t gpa = pv->c.pool_gpa + i * PAGE_SIZE;
		const struct pv_frame *f = &pv->frames[i];
		if (f->level > 4)
			r = VIOLATION("frame %#llx has type %d", (unsigned long long)gpa, f->level);
		else if (f->level)
			r = check_table(pv, gpa, f->level, refs, err, errlen);
		else if (full && !zero((const uint64_t *)(pv->host + gpa)))
			r = VIOLATION("free frame %#llx is not zero", (unsigned long long)gpa);
	}
	for (uint64_t i = 0; i < pv->nframes && r == 0; i++)
		if (pv->frames[i].refs != refs[i])
			r = VIOLATION("frame %#llx counts %u references, %u entries point at it",
				      (unsigned long long)(pv->c.pool_gpa + i * PAGE_SIZE),
				      pv->frames[i].refs, refs[i]);
	for (unsigned c = 0; c < pv->c.ncpus && r == 0; c++) {
		const struct pv_frame *f = pool_frame(pv, pv->base[c]);
		if (pv->base[c] && (!f || f->level != 4))
			r = VIOLATION("vCPU %u's base %#llx is not a pinned L4", c,
				      (unsigned long long)pv->base[c]);
	}
	if (r == 0 && !pvmmu_reserved_intact(pv))
		r = VIOLATION("the hv's tables or store routine changed");
	free(refs);
	return r;
}
