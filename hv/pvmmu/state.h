/* state.h: pvmmu's frame table and layout, shared by its validation and its invariant check. */
#ifndef HV_PVMMU_STATE_H
#define HV_PVMMU_STATE_H

#include "pvmmu.h"

#define E_P	    0x001ull
#define E_W	    0x002ull
#define E_A	    0x020ull
#define E_D	    0x040ull
#define E_PS	    0x080ull
#define E_G	    0x100ull
#define E_ADDR	    0x000ffffffffff000ull
#define E_NX	    (1ull << 63)
#define LEAF_OK	    (0x07full | 0xe00ull | E_NX | E_ADDR) /* P W U PWT PCD A D, AVL, NX */
#define UPPER_OK    (0x03full | 0xe00ull | E_NX | E_ADDR) /* no D, PS or G */
#define TWO_MIB	    (2ull << 20)
#define UPPER	    (E_P | E_W | E_A)	     /* the hv's own upper entries */
#define LARGE	    (E_P | E_PS | E_A | E_D) /* and its 2 MiB pages (plus E_W where writable) */
#define KERNEL_SLOT 511

/* The reserved pages, as offsets from reserved_gpa. */
enum {
	R_KERNEL_PML4 = 0x0000,
	R_KERNEL_PDPT = 0x1000,
	R_KERNEL_PD = 0x2000,
	R_APPLY_PML4 = 0x3000,
	R_APPLY_PDPT = 0x4000,
	R_APPLY_PD = 0x5000,
	R_ROUTINE = 0x6000,
	R_PRISTINE_END = 0x7000, /* the pages below stay as built, and each vCPU's routine */
	R_SAVE = 0x7000,	 /* R_ROUTINE + 0x1000: the routine reads it RIP-relative */
	R_LIST = 0x8000,	 /* PV_BATCH_MAX GPAs */
	R_PER_CPU = 0x6000,	 /* vCPU i's routine, save area and list: + i * R_PER_CPU */
};

struct pv_frame {
	uint8_t level; /* 0 free, 1..4 pinned table */
	uint32_t refs; /* present upper entries pointing at it */
};

struct pvmmu {
	struct pvmmu_config c;
	uint8_t *host;
	uint64_t nframes; /* pool frames */
	struct pv_frame *frames;
	unsigned user_slots;	 /* PML4 slots that hold user addresses */
	uint64_t base[MAX_CPUS]; /* each vCPU's L4 of its last HC_PV_NEW_BASE, 0: kernel half */
	uint64_t *list;		 /* host view of the calling vCPU's R_LIST */
	unsigned nlist;
	bool flush;
	uint32_t remote; /* the batch's vCPU mask of INVLPG / FLUSH_ALL, the caller's bit off */
	pv_sync_fn sync;
	pv_remote_fn remote_flush;
	void *sync_arg;
	struct pvmmu_counts counts;
	uint8_t pristine[R_PRISTINE_END];
};

/* The pool frame holding gpa, or NULL. */
static inline struct pv_frame *pool_frame(const struct pvmmu *pv, uint64_t gpa)
{
	if (gpa < pv->c.pool_gpa || gpa >= pv->c.reserved_gpa)
		return NULL;
	return &pv->frames[(gpa - pv->c.pool_gpa) / PAGE_SIZE];
}

/* pvmmu.c: the hypercalls (calls.c puts them in the mode's table). */
struct guest;
struct hc_args;
int64_t pv_hc_batch(struct guest *g, const struct hc_args *a);
int64_t pv_hc_new_base(struct guest *g, const struct hc_args *a);

#endif
