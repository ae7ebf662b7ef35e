/* pvmmu.c: validation of the guest's page-table operations: frame types, pins, references. */
#include <stdlib.h>
#include <string.h>
#include "hv.h"
#include "pvmmu.h"
#include "state.h"

/*
 * Every pool frame has a type: free (0) or a table of level 1..4 (pinned), and a reference
 * count: the present upper entries that point at it. A frame changes type only while free and
 * unreferenced, which is the whole validation argument (Xen's page types): a table is never
 * mapped writable (pool frames are read-only in every mapping the hv accepts and in the kernel
 * half), an upper entry only points at a table of the level below, and a table leaves the
 * pinned state only when nothing points at it and it is empty. So a free pool frame is all
 * zero, and pinning needs no copy.
 *
 * The hv's store into guest memory is the truth the hv validates against; the sync function
 * then makes the vCPU see it (apply.c).
 */

/* The store routine (x86-64, ring 0, interrupts off), at KERNBASE + its GPA, which the guest's
 * kernel half and the applier table both map; each changed entry is loaded and stored again
 * by the vCPU (writing nothing new, so the routine is harmless whoever enters it):
 *         mov %rdx,%cr3                      (the applier table)
 *   loop: test %rsi,%rsi; je done; mov (%rdi),%rax; mov (%rax),%rdx; mov %rdx,(%rax)
 *         add $8,%rdi; dec %rsi; jmp loop
 *   done: mov save_cr3(%rip),%rax; mov %rax,%cr3   (the guest's table: a TLB flush)
 *         mov save_rax(%rip),%rax; ... rdx, rdi, rsi; jmp *save_rip(%rip)
 * with the save area at routine + 0x1000: cr3, rip, rax, rdx, rdi, rsi. */
/* clang-format off */
static const uint8_t store_routine[] = {
    0x0f, 0x22, 0xda, 0x48, 0x85, 0xf6, 0x74, 0x12, 0x48, 0x8b, 0x07, 0x48, 0x8b, 0x10,
    0x48, 0x89, 0x10, 0x48, 0x83, 0xc7, 0x08, 0x48, 0xff, 0xce, 0xeb, 0xe9, 0x48, 0x8b,
    0x05, 0xdf, 0x0f, 0x00, 0x00, 0x0f, 0x22, 0xd8, 0x48, 0x8b, 0x05, 0xe5, 0x0f, 0x00,
    0x00, 0x48, 0x8b, 0x15, 0xe6, 0x0f, 0x00, 0x00, 0x48, 0x8b, 0x3d, 0xe7, 0x0f, 0x00,
    0x00, 0x48, 0x8b, 0x35, 0xe8, 0x0f, 0x00, 0x00, 0xff, 0x25, 0xc2, 0x0f, 0x00, 0x00,
};
/* clang-format on */

const char *pv_apply_name(enum pv_apply a)
{
	return a == PV_APPLY_VCPU ? "vcpu" : a == PV_APPLY_DIRECT ? "direct" : "auto";
}

static uint64_t *entries(const struct pvmmu *pv, uint64_t gpa)
{
	return (uint64_t *)(pv->host + gpa);
}

static void build_tables(struct pvmmu *pv)
{
	const struct pvmmu_config *c = &pv->c;
	uint64_t r = c->reserved_gpa, *k4 = entries(pv, r + R_KERNEL_PML4);
	uint64_t *kpd = entries(pv, r + R_KERNEL_PD), *apd = entries(pv, r + R_APPLY_PD);
	memset(k4, 0, R_PRISTINE_END);
	/* the kernel half: RW below the pool, read-only over the pool and the hv's pages (for
	 * the routine); accessed and dirty preset, so that the CPU never writes these tables */
	for (uint64_t pa = 0; pa < c->reserved_gpa + TWO_MIB; pa += TWO_MIB)
		kpd[pa / TWO_MIB] = pa | LARGE | (pa < c->pool_gpa ? E_W : 0);
	entries(pv, r + R_KERNEL_PDPT)[(KERNBASE >> 30) & 511] = (r + R_KERNEL_PD) | UPPER;
	k4[KERNEL_SLOT] = (r + R_KERNEL_PDPT) | UPPER;
	/* the applier: guest memory at VA = GPA, writable; the kernel half for its IDT and GDT */
	for (uint64_t pa = 0; pa < c->mem_size; pa += TWO_MIB)
		apd[pa / TWO_MIB] = pa | LARGE | E_W;
	entries(pv, r + R_APPLY_PDPT)[0] = (r + R_APPLY_PD) | UPPER;
	entries(pv, r + R_APPLY_PML4)[0] = (r + R_APPLY_PDPT) | UPPER;
	entries(pv, r + R_APPLY_PML4)[KERNEL_SLOT] = k4[KERNEL_SLOT];
	for (unsigned i = 0; i < c->ncpus; i++)
		memcpy(pv->host + r + R_ROUTINE + i * R_PER_CPU, store_routine,
		       sizeof store_routine);
	memcpy(pv->pristine, k4, R_PRISTINE_END);
}

struct pvmmu *pvmmu_create(const struct pvmmu_config *c, uint8_t *host, char *err, size_t errlen)
{
	if (c->pool_gpa % TWO_MIB || c->reserved_gpa % TWO_MIB || c->pool_gpa >= c->reserved_gpa ||
	    c->mem_size < c->reserved_gpa + PV_RESERVED_MIN || c->mem_size > KERNEL_MAX_MEM ||
	    c->user_top == 0 || c->user_top > (1ull << 47) || c->ncpus < 1 || c->ncpus > MAX_CPUS ||
	    c->mem_size - c->reserved_gpa < R_LIST + c->ncpus * R_PER_CPU) {
		errorf(err, errlen, "pvmmu: bad layout (pool %#lx, reserved %#lx, memory %#lx)",
		       (unsigned long)c->pool_gpa, (unsigned long)c->reserved_gpa,
		       (unsigned long)c->mem_size);
		return NULL;
	}
	struct pvmmu *pv = calloc(1, sizeof *pv);
	uint64_t n = (c->reserved_gpa - c->pool_gpa) / PAGE_SIZE;
	if (!pv || !(pv->frames = calloc(n, sizeof *pv->frames)))
		die("pvmmu: frame table");
	pv->c = *c;
	pv->host = host;
	pv->nframes = n;
	pv->user_slots = (unsigned)((c->user_top + (1ull << 39) - 1) >> 39);
	build_tables(pv);
	return pv;
}

void pvmmu_set_sync(struct pvmmu *pv, pv_sync_fn fn, pv_remote_fn remote, void *arg)
{
	pv->sync = fn;
	pv->remote_flush = remote;
	pv->sync_arg = arg;
}

void pvmmu_layout(const struct pvmmu *pv, unsigned cpu, struct pv_layout *out)
{
	uint64_t r = pv->c.reserved_gpa, own = r + cpu * R_PER_CPU;
	*out = (struct pv_layout){r + R_KERNEL_PML4, r + R_APPLY_PML4, KERNBASE + own + R_ROUTINE,
				  own + R_SAVE, own + R_LIST};
}

void pvmmu_counts_get(const struct pvmmu *pv, struct pvmmu_counts *out)
{
	*out = pv->counts;
}

bool pvmmu_reserved_intact(const struct pvmmu *pv)
{
	const uint8_t *r = pv->host + pv->c.reserved_gpa;
	bool intact = memcmp(r, pv->pristine, R_PRISTINE_END) == 0;
	for (unsigned i = 1; i < pv->c.ncpus; i++)
		intact &=
		    memcmp(r + R_ROUTINE + i * R_PER_CPU, pv->pristine + R_ROUTINE, PAGE_SIZE) == 0;
	return intact;
}

/* The pool (page-table frames, pinned or free: a free one must stay zero) and the hv's pages
 * are typed: no hv store on the guest's behalf may reach them. */
static bool pvmmu_typed(const void *mode, uint64_t gpa, uint64_t len)
{
	const struct pvmmu *pv = mode;
	return gmem_overlaps(gpa, len, pv->c.pool_gpa, pv->c.mem_size);
}

void pvmmu_guard(const struct pvmmu *pv, struct gmem *m)
{
	m->typed = pvmmu_typed;
	m->mode = pv;
}

int pvmmu_frame(const struct pvmmu *pv, uint64_t gpa, uint32_t *refs)
{
	const struct pv_frame *f = pool_frame(pv, gpa);
	if (refs)
		*refs = f ? f->refs : 0;
	return f ? f->level : -1;
}

/* The error for a frame that is not what an op needs: outside guest memory, or wrong type. */
static int64_t not_a_table(const struct pvmmu *pv, uint64_t gpa)
{
	return gpa >= pv->c.reserved_gpa ? -HC_EFAULT : -HC_EINVAL;
}

/* Whether entry e may be present at level. */
static int64_t check_entry(const struct pvmmu *pv, int level, uint64_t e)
{
	uint64_t pa = e & E_ADDR;
	if (level == 1) {
		if (e & ~LEAF_OK)
			return -HC_EINVAL;
		if (pa >= pv->c.reserved_gpa)
			return -HC_EFAULT; /* not the guest's: the hv's pages, or no memory */
		if (pool_frame(pv, pa) && (e & E_W))
			return -HC_EPERM; /* a page-table frame is mapped read-only only */
		return 0;
	}
	if (e & ~UPPER_OK)
		return -HC_EINVAL;
	const struct pv_frame *child = pool_frame(pv, pa);
	if (!child || child->level != level - 1)
		return not_a_table(pv, pa);
	return 0;
}

static void list_add(struct pvmmu *pv, uint64_t gpa)
{
	pv->list[pv->nlist++] = gpa;
}

static int64_t op_update(struct pvmmu *pv, uint64_t gpa, uint64_t val)
{
	struct pv_frame *t = pool_frame(pv, gpa);
	if (!t || !t->level)
		return not_a_table(pv, gpa);
	if (t->level == 4 && (gpa % PAGE_SIZE) / 8 >= pv->user_slots)
		return -HC_EPERM; /* the kernel half is the hv's */
	int64_t r = val & E_P ? check_entry(pv, t->level, val) : 0;
	if (r < 0)
		return r;
	uint64_t *e = entries(pv, gpa), old = *e;
	if (t->level > 1 && (old & E_P))
		pool_frame(pv, old & E_ADDR)->refs--;
	if (t->level > 1 && (val & E_P))
		pool_frame(pv, val & E_ADDR)->refs++;
	pv->counts.updates++;
	if (val != old) {
		*e = val;
		list_add(pv, gpa);
	}
	return 0;
}

static int64_t op_pin(struct pvmmu *pv, uint64_t gpa, int level)
{
	struct pv_frame *f = pool_frame(pv, gpa);
	if (!f)
		return not_a_table(pv, gpa);
	if (f->level)
		return -HC_EPERM; /* pinned already: no second type */
	uint64_t *t = entries(pv, gpa);
	for (int i = 0; i < 512; i++)
		if (t[i])
			return -HC_EINVAL; /* a free frame is zero unless written behind the hv */
	f->level = (uint8_t)level;
	f->refs = 0;
	if (level == 4) {
		t[KERNEL_SLOT] = entries(pv, pv->c.reserved_gpa + R_KERNEL_PML4)[KERNEL_SLOT];
		list_add(pv, gpa + KERNEL_SLOT * 8);
	}
	pv->counts.pins++;
	return 0;
}

/* Whether gpa is the current base of any vCPU. */
static bool is_base(const struct pvmmu *pv, uint64_t gpa)
{
	for (unsigned i = 0; i < pv->c.ncpus; i++)
		if (pv->base[i] == gpa)
			return true;
	return false;
}

static int64_t op_unpin(struct pvmmu *pv, uint64_t gpa)
{
	struct pv_frame *f = pool_frame(pv, gpa);
	if (!f || !f->level)
		return not_a_table(pv, gpa);
	if (f->refs || (f->level == 4 && is_base(pv, gpa)))
		return -HC_EPERM; /* in use */
	uint64_t *t = entries(pv, gpa);
	for (int i = 0; i < 512; i++)
		if (t[i] && !(f->level == 4 && i == KERNEL_SLOT))
			return -HC_EPERM; /* not empty */
	if (f->level == 4) {
		t[KERNEL_SLOT] = 0;
		list_add(pv, gpa + KERNEL_SLOT * 8);
	}
	f->level = 0;
	pv->counts.unpins++;
	return 0;
}

/* An INVLPG / FLUSH_ALL's vCPU mask: the caller's own bit means itself (flushed anyway). */
static int64_t flush_mask(struct pvmmu *pv, unsigned self, uint64_t mask)
{
	if (mask >> pv->c.ncpus)
		return -HC_EINVAL;
	pv->remote |= (uint32_t)mask & ~(1u << self);
	pv->flush = true;
	return 0;
}

static int64_t do_op(struct pvmmu *pv, unsigned self, const struct pv_op *op)
{
	unsigned code = (unsigned)(op->ptr & PV_OP_MASK);
	uint64_t addr = op->ptr & ~PV_OP_MASK, page = addr & ~(PAGE_SIZE - 1);
	if (code == PV_OP_UPDATE)
		return op_update(pv, addr, op->val);
	if (addr != page)
		return -HC_EINVAL; /* the other ops name a page */
	switch (code) {
	case PV_OP_UNPIN:
		return op_unpin(pv, page);
	case PV_OP_INVLPG:
		if (page >= pv->c.user_top || flush_mask(pv, self, op->val) < 0)
			return -HC_EINVAL;
		pv->counts.invlpgs++;
		return 0;
	case PV_OP_FLUSH_ALL:
		if (page || flush_mask(pv, self, op->val) < 0)
			return -HC_EINVAL;
		pv->counts.flush_alls++;
		return 0;
	default:
		return op_pin(pv, page, (int)(code - PV_OP_PIN_L1 + 1));
	}
}

static unsigned hist_bucket(uint64_t n)
{
	unsigned b = 0;
	while (n > 1 && b + 1 < PV_BATCH_HIST) {
		n >>= 1;
		b++;
	}
	return b;
}

int64_t pv_hc_batch(struct guest *g, const struct hc_args *a)
{
	struct pvmmu *pv = g->mode_state;
	static struct pv_op ops[PV_BATCH_MAX];
	uint64_t n = a->a1;
	if (n == 0 || n > PV_BATCH_MAX)
		return -HC_EINVAL;
	const void *src = gmem_read(&g->mem, a->a0, n * sizeof ops[0]);
	if (!src)
		return -HC_EFAULT;
	/* where the count goes is checked before any op: never a page-table frame or the hv's */
	int64_t where = a->a2 ? gmem_check_store(&g->mem, a->a2, sizeof(uint64_t)) : 0;
	if (where < 0)
		return where;
	memcpy(ops, src, n * sizeof ops[0]); /* one copy: checked and applied as read */
	struct pv_layout l;
	pvmmu_layout(pv, a->cpu, &l);
	pv->list = entries(pv, l.list);
	pv->nlist = 0;
	pv->flush = false;
	pv->remote = 0;
	int64_t r = 0;
	uint64_t i;
	for (i = 0; i < n && r == 0; i++)
		r = do_op(pv, a->cpu, &ops[i]);
	uint64_t applied = r < 0 ? i - 1 : n;
	pv->counts.batches++;
	pv->counts.ops += applied;
	pv->counts.batch_hist[hist_bucket(n)]++;
	if (r < 0)
		pv->counts.refused++;
	pv->counts.stores += pv->nlist;
	int64_t ret = r < 0 ? r : (int64_t)n;
	if ((pv->nlist || pv->flush) && pv->sync) {
		int s = pv->sync(pv->sync_arg, a->cpu, pv->nlist, pv->flush, ret);
		if (s < 0)
			return -HC_EINVAL; /* a host failure: the run stops */
		pv->counts.syncs += (uint64_t)s;
	}
	/* the other vCPUs' flushes come after the hv's stores (the guest's tables are the
	 * truth they resync from); the hypercall returns once each running one has flushed */
	if (pv->remote) {
		pv->counts.remote_flushes += (uint64_t)__builtin_popcount(pv->remote);
		if (pv->remote_flush)
			pv->counts.kicks +=
			    (uint64_t)pv->remote_flush(pv->sync_arg, a->cpu, pv->remote);
	}
	int64_t stored = a->a2 ? gmem_store(&g->mem, a->a2, &applied, sizeof applied) : 0;
	return stored < 0 ? stored : ret;
}

int64_t pv_hc_new_base(struct guest *g, const struct hc_args *a)
{
	struct pvmmu *pv = g->mode_state;
	if (a->a0) {
		const struct pv_frame *f = pool_frame(pv, a->a0);
		if (a->a0 % PAGE_SIZE || !f || f->level != 4)
			return not_a_table(pv, a->a0);
	}
	pv->base[a->cpu < MAX_CPUS ? a->cpu : 0] = a->a0;
	pv->counts.new_bases++;
	return (int64_t)(a->a0 ? a->a0 : pv->c.reserved_gpa + R_KERNEL_PML4);
}
