/* pvmmu.h: the hv side of pvmmu mode: the guest's page tables, changed by validated batches. */
#ifndef HV_PVMMU_H
#define HV_PVMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "abi.h"

/* How applied entries reach the vCPU (DESIGN.md, "How pvmmu maps onto KVM"). */
enum pv_apply {
	PV_APPLY_AUTO,	 /* direct under EPT/NPT, vcpu under shadow paging and PVM */
	PV_APPLY_VCPU,	 /* the vCPU stores each changed entry again, in the hv's store routine,
			    so that KVM's shadow MMU traps and mirrors it; the routine then
			    reloads the guest's CR3 (a TLB flush and a resync of unsync tables) */
	PV_APPLY_DIRECT, /* the hv's store alone, and the routine's CR3 reload when the batch
			    asks a TLB flush: coherent where the hardware walks the tables */
};
const char *pv_apply_name(enum pv_apply a);

#define PV_BATCH_HIST 11 /* batch sizes by power of two: [1], [2,3], ... [1024] */
struct pvmmu_counts {
	uint64_t batches, ops, updates, pins, unpins, invlpgs, flush_alls, refused;
	uint64_t stores;	 /* entries changed (vcpu: each stored again by the vCPU) */
	uint64_t syncs;		 /* store routine runs */
	uint64_t new_bases;	 /* HC_PV_NEW_BASE calls answered with a CR3 */
	uint64_t remote_flushes; /* other vCPUs an INVLPG / FLUSH_ALL mask named */
	uint64_t kicks;		 /* of those, running ones kicked out of KVM_RUN and waited for */
	uint64_t batch_hist[PV_BATCH_HIST];
};

/* The hv-reserved pages pvmmu uses (guest-physical addresses, but the routine's); each vCPU
 * has its own routine, save area and list. */
struct pv_layout {
	uint64_t kernel_cr3;  /* the kernel half alone (PML4 slot 511) */
	uint64_t applier_cr3; /* identity map of guest memory, writable, plus the kernel half */
	uint64_t routine;     /* kernel virtual address of the store routine: RDI = list,
				 RSI = count, RDX = applier_cr3; it returns as the save area says */
	uint64_t save;	      /* CR3, RIP, RAX, RDX, RDI, RSI to return with */
	uint64_t list;	      /* the GPAs of the entries the last batch changed */
};

/* Makes the batch's entries visible to the vCPU: n GPAs in the list, flush if the batch
 * asked a TLB flush, ret the hypercall's answer. Returns 1 if the vCPU will run the store
 * routine first, 0 if nothing was needed, or -1 after a host failure. */
typedef int (*pv_sync_fn)(void *arg, unsigned cpu, unsigned n, bool flush, int64_t ret);
/* Makes every vCPU in mask (not cpu, the caller) flush its TLB before it runs guest code
 * again. Returns how many were kicked out of KVM_RUN and waited for. */
typedef int (*pv_remote_fn)(void *arg, unsigned cpu, uint32_t mask);

struct pvmmu_config {
	uint64_t mem_size;     /* guest memory at GPA 0 */
	uint64_t pool_gpa;     /* page-table frames: [pool_gpa, reserved_gpa), 2 MiB aligned */
	uint64_t reserved_gpa; /* the hv's pages: [reserved_gpa, mem_size), 2 MiB aligned */
	uint64_t user_top;
	unsigned ncpus; /* 1..MAX_CPUS */
};
#define PV_RESERVED_MIN (2ull << 20)
struct pvmmu;
/* Builds the kernel half, the applier table and the store routine in [reserved_gpa,
 * mem_size) of host (the host address of GPA 0), whose pool must be zero (fresh memory: the
 * host backs no page of it until the guest uses it). NULL with a reason in err. */
struct pvmmu *pvmmu_create(const struct pvmmu_config *c, uint8_t *host, char *err, size_t errlen);
struct gmem;
/* Makes the guest memory view m refuse hv stores into the pool and the hv's pages. */
void pvmmu_guard(const struct pvmmu *pv, struct gmem *m);
void pvmmu_set_sync(struct pvmmu *pv, pv_sync_fn fn, pv_remote_fn remote, void *arg);
void pvmmu_layout(const struct pvmmu *pv, unsigned cpu, struct pv_layout *out);
void pvmmu_counts_get(const struct pvmmu *pv, struct pvmmu_counts *out);
/* Whether the hv's reserved pages (tables and routine) are as pvmmu_create left them. */
bool pvmmu_reserved_intact(const struct pvmmu *pv);
/* Frame state of a pool page: 0 free, 1..4 pinned table level, -1 outside the pool; refs
 * (if not NULL) gets the present upper entries that point at it. */
int pvmmu_frame(const struct pvmmu *pv, uint64_t gpa, uint32_t *refs);

/* check.c: the invariants of every pinned table, the pool and the hv's pages (a free frame's
 * zero content only when full: it reads the whole pool). 0, or -1 with the first violation in
 * err. */
int pvmmu_check(const struct pvmmu *pv, bool full, char *err, size_t errlen);

/* The hypercalls [HC_PV_BATCH, HC_PV_NEW_BASE] and the full check (pvmmu_check). */
struct mode_calls;
extern const struct mode_calls pvmmu_calls;
struct guest;
/* Makes pv the guest's mode state, with pvmmu_calls. */
void pvmmu_attach(struct guest *g, struct pvmmu *pv);
/* The guest's pvmmu state, or NULL in another mode. */
struct pvmmu *pvmmu_of(const struct guest *g);

/* report.c: the counters between two marks per op (n ops), for the summary and the record;
 * pvmmu_json(NULL, totals, 1) gives the whole run's. */
struct json_t;
void pvmmu_print_per_op(const struct pvmmu_counts *a, const struct pvmmu_counts *b, double n,
			FILE *out);
struct json_t *pvmmu_json(const struct pvmmu_counts *a, const struct pvmmu_counts *b, double n);

/* apply.c: the sync functions on a running vCPU (arg: struct run_state *). */
int pv_sync_vcpu(void *arg, unsigned cpu, unsigned n, bool flush, int64_t ret);
int pv_sync_direct(void *arg, unsigned cpu, unsigned n, bool flush, int64_t ret);
int pv_remote_flush(void *arg, unsigned cpu, uint32_t mask);

#endif
