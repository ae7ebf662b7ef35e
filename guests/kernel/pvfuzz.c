/* pvfuzz.c: pl_pvfuzz: page-table ops a test process makes up, sent to the hv as they are. */
#include "klib.h"
#include "defs.h"
#include "pte.h"
#include "syscall.h"
#include "uapi.h"

/*
 * The hv is the judge: this call checks only that the ops stay in the frames it lent, so that
 * whatever the hv accepts cannot touch the kernel's own tables. One process fuzzes at a time.
 */

static struct {
	int pid; /* the process that has the frames, 0: none */
	uint64_t frames[PVFUZZ_FRAMES];
	uint64_t own_hash; /* of the caller's own tables at PVFUZZ_BEGIN */
} fz;
static struct pvfuzz_batch req;
static struct pv_op ops[PVFUZZ_BATCH_MAX];
static uint64_t done;

/* A hash of every entry of the tables under t (level 3: the PML4's user slots), but the
 * accessed and dirty bits, which the CPU sets. */
static uint64_t hash_tables(const uint64_t *t, int level, unsigned n, uint64_t h)
{
	for (unsigned i = 0; i < n; i++) {
		h = (h ^ (t[i] & ~0x60ull)) * 0x100000001b3ull;
		if (level > 0 && (t[i] & PTE_P))
			h = hash_tables(table_at(t[i]), level - 1, 512, h);
	}
	return h;
}

static uint64_t own_hash(void)
{
	unsigned slots = (unsigned)((boot_info->user_top + (1ull << 39) - 1) >> 39);
	return hash_tables(P2V(curproc->mm->backend), 3, slots, 0xcbf29ce484222325ull);
}

/* The first leaf table of the caller, or 0. */
static uint64_t own_leaf_table(void)
{
	const uint64_t *t = P2V(curproc->mm->backend);
	for (int level = 3; level > 0; level--) {
		unsigned i = 0;
		while (i < 512 && !(t[i] & PTE_P))
			i++;
		if (i == 512)
			return 0;
		t = table_at(t[i]);
	}
	return V2P(t);
}

static int lent(uint64_t page)
{
	for (int i = 0; i < PVFUZZ_FRAMES; i++)
		if (fz.frames[i] == page)
			return 1;
	return 0;
}

static int64_t send(unsigned n)
{
	return hypercall(HC_PV_BATCH, V2P(ops), n, V2P(&done), 0);
}

static int64_t send1(uint64_t ptr, uint64_t val)
{
	ops[0] = (struct pv_op){ptr, val};
	return send(1);
}

static long begin(uint64_t uinfo)
{
	struct pvfuzz_info info = {.own_l4 = curproc->mm->backend};
	if (fz.pid)
		return -EBUSY;
	for (int i = 0; i < PVFUZZ_FRAMES; i++) {
		fz.frames[i] = info.frames[i] = pvmmu_frame_take();
		if (!fz.frames[i]) {
			while (i--)
				pvmmu_frame_give(fz.frames[i]);
			return -ENOMEM;
		}
	}
	info.own_l1 = own_leaf_table();
	info.kernel_page = KERNEL_LOAD_GPA;
	info.reserved_gpa = boot_info->hv_reserved_gpa;
	info.mem_size = boot_info->mem_size;
	fz.own_hash = own_hash();
	fz.pid = curproc->pid;
	return copyout(uinfo, &info, sizeof info);
}

static long batch(uint64_t ureq)
{
	if (copyin(&req, ureq, sizeof req) < 0)
		return -EFAULT;
	if (req.n < 1 || req.n > PVFUZZ_BATCH_MAX)
		return -EINVAL;
	uint64_t before[PVFUZZ_BATCH_MAX];
	for (unsigned i = 0; i < req.n; i++) {
		ops[i] = (struct pv_op){req.ops[i][0], req.ops[i][1]};
		unsigned code = (unsigned)(ops[i].ptr & PV_OP_MASK);
		if (code < PV_OP_INVLPG && !lent(PAGE_ROUND_DOWN(ops[i].ptr)))
			return -EPERM;
		before[i] = code == PV_OP_UPDATE ? *(const uint64_t *)P2V(ops[i].ptr) : 0;
	}
	if (req.count_at && (!lent(PAGE_ROUND_DOWN(req.count_at)) ||
			     PAGE_ROUND_DOWN(req.count_at) != PAGE_ROUND_DOWN(req.count_at + 7)))
		return -EPERM;
	req.ret =
	    hypercall(HC_PV_BATCH, V2P(ops), req.n, req.count_at ? req.count_at : V2P(&done), 0);
	req.done = done;
	req.changed = 0;
	for (unsigned i = 0; i < req.n; i++)
		req.changed += (ops[i].ptr & PV_OP_MASK) == PV_OP_UPDATE &&
			       *(const uint64_t *)P2V(ops[i].ptr) != before[i];
	return copyout(ureq, &req, sizeof req);
}

/* Empties what the ops built, level by level, each op alone; a frame is given back only when
 * a trial pin shows the hv holds it free, and it reads zero. */
static long end(void)
{
	for (int round = 0; round < 8; round++) {
		for (int f = 0; f < PVFUZZ_FRAMES; f++) {
			const uint64_t *t = P2V(fz.frames[f]);
			for (unsigned i = 0; i < 512; i++)
				if (t[i])
					send1(fz.frames[f] + i * 8,
					      0); /* an L4's kernel slot stays */
			send1(fz.frames[f] | PV_OP_UNPIN, 0);
		}
	}
	long r = own_hash() == fz.own_hash ? 0 : -EIO;
	for (int f = 0; f < PVFUZZ_FRAMES; f++) {
		const uint64_t *t = P2V(fz.frames[f]);
		int zero = 1;
		for (unsigned i = 0; i < 512; i++)
			zero &= !t[i];
		if (!zero || send1(fz.frames[f] | PV_OP_PIN_L1, 0) < 0 ||
		    send1(fz.frames[f] | PV_OP_UNPIN, 0) < 0) {
			printk("pvfuzz: frame %lx is not free after the teardown\n", fz.frames[f]);
			r = -EIO; /* lost: a pinned or dirty frame must not go back to the pool */
			continue;
		}
		pvmmu_frame_give(fz.frames[f]);
	}
	if (r == -EIO && own_hash() != fz.own_hash)
		printk("pvfuzz: the caller's own page tables changed\n");
	fz.pid = 0;
	return r;
}

long sys_pl_pvfuzz(const uint64_t arg[6])
{
	if (boot_info->mode != MODE_PVMMU)
		return -ENOSYS;
	if (arg[0] == PVFUZZ_BEGIN)
		return begin(arg[1]);
	if (fz.pid != curproc->pid)
		return -EINVAL;
	if (arg[0] == PVFUZZ_BATCH)
		return batch(arg[1]);
	if (arg[0] == PVFUZZ_END)
		return end();
	return -EINVAL;
}
