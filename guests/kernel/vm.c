/* vm.c: address spaces: VMA bookkeeping for mmap/munmap/mprotect/fork, page work to the backend. */
#include "mm.h"

/* The backend of each mode (boot_info.mode): a mode registers here, one line. */
static const struct mmu_backend *const backends[] = {
    [MODE_CLASSIC] = &mmu_classic,
    [MODE_PTEFREE] = &mmu_ptefree,
    [MODE_PVMMU] = &mmu_pvmmu,
};
static const struct mmu_backend *mmu;
static struct mm *current_mm[MAX_CPUS]; /* per CPU */
static uint64_t user_top;
static uint64_t mmap_base; /* where mmap without a usable hint starts looking, as Linux's
			      legacy layout: a third of the user address space */

/* Inserts a VMA that cannot overlap (the caller made room); an overlap is a kernel bug. */
static void vma_insert_new(struct vma_tree *t, struct vma *v)
{
	if (vma_insert(t, v) < 0)
		panic("VMA [%lx, %lx) overlaps", v->start, v->end);
}

int mm_init(void)
{
	kalloc_init();
	if (boot_info->mode >= sizeof backends / sizeof backends[0] || !backends[boot_info->mode])
		return -1;
	mmu = backends[boot_info->mode];
	user_top = boot_info->user_top;
	if (user_top % PAGE_SIZE || user_top < 16 * PAGE_SIZE || user_top > (1ull << 47))
		return -1;
	mmap_base = PAGE_ROUND_DOWN(user_top / 3);
	return mmu->init();
}

void mm_cpu_init(void)
{
	mmu->as_switch(NULL);
}

const char *mm_backend_name(void)
{
	return mmu ? mmu->name : "none";
}

struct mm *mm_create(void)
{
	struct mm *mm = kmalloc(sizeof(*mm));
	if (!mm)
		return NULL;
	if (mmu->as_create(mm) < 0) {
		kfree(mm);
		return NULL;
	}
	mm->users = 1;
	return mm;
}

static void free_vmas(struct vma *n)
{
	if (!n)
		return;
	free_vmas(n->left);
	free_vmas(n->right);
	kfree(n);
}

struct mm *mm_get(struct mm *mm)
{
	__atomic_add_fetch(&mm->users, 1, __ATOMIC_RELAXED);
	return mm;
}

/* Every user leaves the mm (mm_switch away) before it lets go of it, so when the count reaches
 * 0 no CPU but this one can have it loaded. */
void mm_put(struct mm *mm)
{
	if (mm == current_mm[cpu_id()])
		mm_switch(NULL);
	if (__atomic_sub_fetch(&mm->users, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	KASSERT(mm->cpus == 0);
	mmu->as_destroy(mm);
	free_vmas(mm->vmas.root);
	kfree(mm);
}

struct mm *mm_fork(struct mm *parent)
{
	struct mm *child = kmalloc(sizeof(*child));
	if (!child)
		return NULL;
	child->users = 1;
	spin_lock(&parent->lock);
	for (struct vma *v = vma_next(&parent->vmas, 0); v; v = vma_next(&parent->vmas, v->end)) {
		struct vma *copy = kmalloc(sizeof(*copy));
		if (!copy)
			goto fail;
		*copy = *v;
		vma_insert_new(&child->vmas, copy);
	}
	if (mmu->as_fork(parent, child) < 0)
		goto fail;
	spin_unlock(&parent->lock);
	return child;
fail:
	spin_unlock(&parent->lock);
	free_vmas(child->vmas.root);
	kfree(child);
	return NULL;
}

/* The CPU joins mm->cpus before it loads mm, and leaves the old mm's set only after it loaded
 * the new one, so a CPU that can hold an mm's entries is always in its set. A CPU's current
 * mm is always alive: its users switch away before they let go of it (mm_put, and the
 * scheduler before it idles, under the process table lock). */
void mm_switch(struct mm *mm)
{
	unsigned cpu = cpu_id();
	struct mm *old = current_mm[cpu];
	if (mm == old)
		return;
	if (mm)
		__atomic_fetch_or(&mm->cpus, CPU_BIT(cpu), __ATOMIC_SEQ_CST);
	current_mm[cpu] = mm;
	mmu->as_switch(mm);
	if (old)
		__atomic_fetch_and(&old->cpus, ~CPU_BIT(cpu), __ATOMIC_SEQ_CST);
}

static struct vma *vma_new(uint64_t start, uint64_t end, int prot)
{
	struct vma *v = kmalloc(sizeof(*v));
	if (v) {
		v->start = start;
		v->end = end;
		v->prot = prot;
	}
	return v;
}

/* Merges v with the VMAs right before and after it when they touch and have the same prot;
 * returns the VMA that now holds v's range. */
static struct vma *merge_neighbours(struct vma_tree *t, struct vma *v)
{
	struct vma *prev = vma_find(t, v->start - 1);
	if (v->start && prev && prev->end == v->start && prev->prot == v->prot) {
		vma_remove(t, v);
		prev->end = v->end;
		vma_update(t, prev);
		kfree(v);
		v = prev;
	}
	struct vma *next = vma_find(t, v->end);
	if (next && next->prot == v->prot) {
		vma_remove(t, next);
		v->end = next->end;
		vma_update(t, v);
		kfree(next);
	}
	return v;
}

/* Maps the free range [va, va+len). */
static int map_range(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	struct vma *v = vma_new(va, va + len, prot);
	if (!v)
		return -MM_ENOMEM;
	vma_insert_new(&mm->vmas, v);
	int r = mmu->map(mm, va, len, prot);
	if (r < 0) {
		vma_remove(&mm->vmas, v);
		kfree(v);
		return r;
	}
	merge_neighbours(&mm->vmas, v);
	return 0;
}

static int range_free(struct mm *mm, uint64_t va, uint64_t len)
{
	struct vma *v = vma_next(&mm->vmas, va);
	return !v || v->start >= va + len;
}

static int64_t mmap_locked(struct mm *mm, uint64_t hint, uint64_t len, int prot)
{
	if (len == 0 || (prot & ~MM_PROT_ALL))
		return -MM_EINVAL;
	if (len > user_top)
		return -MM_ENOMEM;
	len = PAGE_ROUND_UP(len);
	uint64_t va = 0, h = PAGE_ROUND_UP(hint);
	if (h && h <= user_top - len && range_free(mm, h, len))
		va = h;
	if (!va)
		va = vma_find_gap(&mm->vmas, len, mmap_base, user_top);
	if (!va)
		va = vma_find_gap(&mm->vmas, len, PAGE_SIZE, mmap_base);
	if (!va)
		return -MM_ENOMEM;
	int r = map_range(mm, va, len, prot);
	return r < 0 ? r : (int64_t)va;
}

/* Checks an aligned range [va, va+len) inside user space; len is rounded up to pages. */
static int user_range(uint64_t va, uint64_t *len)
{
	if (va % PAGE_SIZE || *len == 0 || va > user_top || *len > user_top - va)
		return -1;
	*len = PAGE_ROUND_UP(*len);
	return 0;
}

/* Splits v at addr (inside it) using spare for the upper part; returns the upper part. */
static struct vma *split(struct vma_tree *t, struct vma *v, uint64_t addr, struct vma *spare)
{
	KASSERT(spare && v->start < addr && addr < v->end);
	spare->start = addr;
	spare->end = v->end;
	spare->prot = v->prot;
	v->end = addr;
	vma_update(t, v);
	vma_insert_new(t, spare);
	return spare;
}

static int munmap_locked(struct mm *mm, uint64_t va, uint64_t len)
{
	if (user_range(va, &len) < 0)
		return -MM_EINVAL;
	struct vma_tree *t = &mm->vmas;
	uint64_t end = va + len;
	struct vma *v = vma_next(t, va), *spare = NULL;
	if (v && v->start < va && v->end > end && !(spare = kmalloc(sizeof(*spare))))
		return -MM_ENOMEM; /* the one case that needs a new VMA: a hole in the middle */
	int err = 0;
	while (v && v->start < end) {
		struct vma *next = vma_next(t, v->end);
		uint64_t s = v->start > va ? v->start : va, e = v->end < end ? v->end : end;
		int r = mmu->unmap(mm, s, e - s);
		if (r < 0)
			err = r;
		if (v->start < va && v->end > end) {
			split(t, v, end, spare);
			v->end = va;
			vma_update(t, v);
		} else if (v->start < va) {
			v->end = va;
			vma_update(t, v);
		} else if (v->end > end) {
			v->start = end;
			vma_update(t, v);
		} else {
			vma_remove(t, v);
			kfree(v);
		}
		v = next;
	}
	return err;
}

static int map_fixed_locked(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	if (va % PAGE_SIZE || len == 0 || (prot & ~MM_PROT_ALL))
		return -MM_EINVAL;
	if (len > user_top || va > user_top - len)
		return -MM_ENOMEM; /* as Linux's MAP_FIXED past TASK_SIZE */
	int r = munmap_locked(mm, va, len);
	if (r < 0)
		return r;
	return map_range(mm, va, PAGE_ROUND_UP(len), prot);
}

static int mprotect_locked(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	if (va % PAGE_SIZE || (prot & ~MM_PROT_ALL))
		return -MM_EINVAL;
	if (len == 0)
		return 0;
	if (va >= user_top || len > user_top - va)
		return -MM_ENOMEM;
	len = PAGE_ROUND_UP(len);
	struct vma_tree *t = &mm->vmas;
	uint64_t end = va + len, covered = va;
	struct vma *v;
	for (v = vma_next(t, va); v && v->start < end && v->start <= covered;
	     v = vma_next(t, v->end))
		covered = v->end;
	if (covered < end)
		return -MM_ENOMEM; /* part of the range is not mapped: change nothing */
	struct vma *spare[2] = {kmalloc(sizeof(struct vma)), kmalloc(sizeof(struct vma))};
	if (!spare[0] || !spare[1]) {
		kfree(spare[0]);
		kfree(spare[1]);
		return -MM_ENOMEM;
	}
	int nspare = 0, err = 0;
	for (v = vma_next(t, va); v && v->start < end; v = vma_next(t, v->end)) {
		if (v->prot == prot)
			continue;
		if (v->start < va)
			v = split(t, v, va, spare[nspare++]);
		if (v->end > end)
			split(t, v, end, spare[nspare++]);
		int r = mmu->protect(mm, v->start, v->end - v->start, prot);
		if (r < 0)
			err =
			    r; /* refused (ptefree: the host's limit): the VMA keeps its old prot */
		else
			v->prot = prot;
	}
	while (nspare < 2)
		kfree(spare[nspare++]);
	/* The range may now be several VMAs with the same prot: merge them and their neighbours. */
	for (v = vma_next(t, va ? va - 1 : 0); v && v->start <= end; v = vma_next(t, v->end))
		v = merge_neighbours(t, v);
	return err;
}

static int fault_locked(struct mm *mm, uint64_t va, uint64_t err)
{
	struct vma *v = vma_find(&mm->vmas, va);
	if (!v)
		return -1;
	int need = (err & PF_WRITE) ? HC_PROT_WRITE : (err & PF_INSTR) ? HC_PROT_EXEC : MM_PROT_ALL;
	if (!(v->prot & need))
		return -1; /* a read needs any right: x86 cannot map write- or exec-only pages */
	return mmu->fault(mm, va, err, v->prot);
}

/* The calls process code makes: each holds mm's lock around the work. */
#define LOCKED(mm, call)                                                                           \
	({                                                                                         \
		spin_lock(&(mm)->lock);                                                            \
		__typeof__(call) r_ = call;                                                        \
		spin_unlock(&(mm)->lock);                                                          \
		r_;                                                                                \
	})

int64_t mm_mmap(struct mm *mm, uint64_t hint, uint64_t len, int prot)
{
	return LOCKED(mm, mmap_locked(mm, hint, len, prot));
}

int mm_munmap(struct mm *mm, uint64_t va, uint64_t len)
{
	return LOCKED(mm, munmap_locked(mm, va, len));
}

int mm_map_fixed(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	return LOCKED(mm, map_fixed_locked(mm, va, len, prot));
}

int mm_mprotect(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	return LOCKED(mm, mprotect_locked(mm, va, len, prot));
}

int mm_fault(struct mm *mm, uint64_t va, uint64_t err)
{
	if (!mm || va >= user_top || (err & PF_RSVD))
		return -1;
	return LOCKED(mm, fault_locked(mm, va, err));
}

uint64_t mm_user_span(struct mm *mm, uint64_t va, uint64_t n, int prot)
{
	if (va >= user_top)
		return 0;
	if (n > user_top - va)
		n = user_top - va;
	uint64_t at = va;
	spin_lock(&mm->lock);
	while (at < va + n) {
		struct vma *v = vma_find(&mm->vmas, at);
		if (!v || (v->prot & prot) != prot)
			break;
		at = v->end;
	}
	spin_unlock(&mm->lock);
	return at - va < n ? at - va : n;
}
