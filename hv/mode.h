/* mode.h: a paging mode's hv side as one registered object (Solo5's DECLARE_MODULE): its name,
 * options, setup, hypercalls, exit hook and counters; everything else iterates the registry. */
#ifndef HV_MODE_H
#define HV_MODE_H

#include "options.h"

/* What a mode's report hooks see. */
struct mode_view {
	const void *state;	    /* the guest's mode_state */
	const void *before, *after; /* its counters at MARK_BEGIN and MARK_END */
	double n;		    /* operations between the marks; 0: no measured section */
};
/* Where in the human summary a mode's print hook is asked to write. */
enum mode_report_at {
	REPORT_SETTINGS, /* inline after the first line's "mmu M": ", fork policy lazy" */
	REPORT_HEAD,	 /* whole lines after the first line */
	REPORT_PER_OP,	 /* inside the per-op counts (n > 0): "\n  hv paging per op: ..." */
	REPORT_MEMORY,	 /* whole lines after host RSS */
	REPORT_ERRORS,	 /* whole lines after the hypercalls answered with an error */
};

struct host;
struct hv_mode {
	const char *name, *desc; /* desc: one line for --help, --list-modes and --describe */
	enum mmu_mode id;	 /* boot_info.mode: the guest kernel's backend */
	bool is_default;	 /* the mode without --mode (one mode sets it) */
	/* its own options (a zeroed entry ends them), which set fields of *config; refused in
	 * other modes */
	const struct hv_option *options;
	void *config;
	const struct mode_calls *calls; /* its hypercalls and invariants */
	/* the top of kernel memory it reserves for the hv and the top of the image's room, or
	 * usage_error when the request cannot fit; NULL: none reserved */
	void (*plan)(const struct options *o, uint64_t mem_size, uint64_t *reserved,
		     uint64_t *image_top);
	/* before the guest runs: its state (guest's calls and mode_state), its typed frames'
	 * guard (the guest's gmem), boot_info's fields of the mode */
	void (*setup)(const struct options *o, struct vm *vm, struct run_state *rs,
		      struct boot_info *bi, const struct host *host);
	/* an access KVM could not complete (EFAULT, a memory fault exit or MMIO at gpa when
	 * have_gpa), under the hv lock: true if the mode handled it; NULL: never */
	bool (*on_fault)(struct vcpu_state *vs, bool have_gpa, uint64_t gpa);
	/* its counters into MODE_COUNTS_MAX bytes at each mark; NULL: none */
	void (*counts)(const void *state, void *out);
	void (*print)(const struct mode_view *v, enum mode_report_at at, FILE *out);
	/* the run record's keys it owns (NULL-terminated): null in other modes' records */
	const char *const *record_keys;
	/* sets them, and its other fields, in the run record */
	void (*record)(const struct mode_view *v, struct json_t *run);
};

/* Registers a mode: the linker collects them (hv/<mode>/ is built by wildcard). */
#define HV_MODE(var)                                                                               \
	__attribute__((used, section("hv_modes"), aligned(sizeof(void *)))) const struct hv_mode var

const struct hv_mode *hv_mode_first(void);
const struct hv_mode *hv_mode_next(const struct hv_mode *m); /* NULL after the last */
const struct hv_mode *hv_mode_find(const char *name);	     /* NULL if none has it */

#endif
