/* options.h: the hv's command line (options.c) as main.c sees it. */
#ifndef HV_OPTIONS_H
#define HV_OPTIONS_H

#include "hv.h"
#include "workload.h"

#define DEFAULT_MEM_MIB		256
#define DEFAULT_BUDGET_S	0.2 /* seconds per measured repetition, as the bench's default */
#define DEFAULT_CALIBRATE_EXITS 10000
#define DEFAULT_WINDOWS		16
#define DEFAULT_WINDOW_MIB	1024
#define DEFAULT_POPULATE	POPULATE_WRITE
#define DEFAULT_PV_BATCH	512
#define DEFAULT_KERNEL		"guest/kernel.elf" /* beside the hv binary: build/guest/kernel.elf */
#define KMEM_CHUNK		MIB
#define KMEM_BOOT_MIN		(8 * MIB) /* ptefree: kernel memory the guest owns from boot, at least */
#define PV_POOL_MIN		(4 * MIB) /* pvmmu: page-table frames, at least */

struct options {
	struct run_config run;
	int mode;	    /* enum mmu_mode */
	const char *kernel; /* NULL: DEFAULT_KERNEL beside the hv binary */
	long timeout, mem_mib;
	double budget_s;    /* --budget; 0: not given */
	long kmem_boot_mib; /* ptefree; 0: automatic */
	long windows, window_mib;
	int fork_policy, populate;  /* ptefree: enum fork_policy, enum populate_policy */
	struct ptefree_config pf;   /* ptefree: the above as the paging code takes them */
	int free_report;	    /* classic: 0 or 1 */
	int syscall_entry;	    /* 0 (auto: trap on PVM, else syscall) or enum syscall_entry */
	long pv_batch, pv_pool_mib; /* pvmmu; pool 0: automatic */
	int pv_apply;		    /* pvmmu: enum pv_apply */
	long cpus;
	int shootdown; /* enum shootdown */
	bool list, calibrate, help;
	char *kv[WL_MAX_PARAMS * 2];
	int nkv;
	uint64_t given; /* bit i: option i of the table was on the command line */
};

/* Parses argv into o (defaults first) and checks every value's syntax and range, and that every
 * option given applies to the run (--mode's, --calibrate or --list); exits RC_USAGE with the
 * reason otherwise, RC_OK after --help. */
void parse_args(int argc, char **argv, struct options *o);
bool option_given(const struct options *o, const char *name); /* on the command line */
__attribute__((noreturn, format(printf, 1, 2))) void usage_error(const char *fmt, ...);

#endif
