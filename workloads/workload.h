/* workload.h: how a workload is declared, and the platform calls it may use besides POSIX. */
#ifndef PAGELAB_WORKLOAD_H
#define PAGELAB_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#define WL_MAX_PARAMS 4
#define WL_ERR_MAX    120
#define WL_MAX_ITERS  1000000 /* operations per repetition when a workload sets no max_iters */

struct wl_param {
	const char *name;
	long def, min, max;
	const char *help;
};

struct wl_ctx {
	long iters;	       /* operations per repetition (chosen by the harness or the runner) */
	long total_ops;	       /* the most operations setup() must provide for: iters x (warm-up +
				  measured repetitions), or under a time budget that bound for
				  max_iters plus the runner's calibration (at most max_iters) */
	long p[WL_MAX_PARAMS]; /* parameter values, in the order they are declared */
	void *state;	       /* the workload's own */
	char err[WL_ERR_MAX];  /* why a check failed */
};

enum wl_flags {
	WL_GUEST_ONLY = 1, /* needs a pagelab kernel service; no native equivalent */
};

/*
 * A workload: setup() once, op() iters times per repetition (timed), check() once at the
 * end. Each returns 0, or -1 after wl_fail(). setup and check may be NULL. A workload whose
 * operations run in several processes at once sets rep(): it runs the whole repetition
 * (iters operations in each process) in place of the runner's loop over op().
 */
struct workload {
	const char *name;
	const char *desc;
	unsigned flags;
	struct wl_param params[WL_MAX_PARAMS]; /* unused slots have name == NULL */
	long max_iters; /* operations per repetition it can hold; 0: WL_MAX_ITERS */
	int (*setup)(struct wl_ctx *);
	int (*op)(struct wl_ctx *);
	int (*check)(struct wl_ctx *);
	int (*rep)(struct wl_ctx *);
};

/* Declares a workload; the build finds it by wildcard and the registry by linker section. */
#define WORKLOAD(var)                                                                              \
	__attribute__((used, section("pagelab_workloads"), aligned(8))) const struct workload var

int wl_fail(struct wl_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* registry.c: lookup and parameter parsing, shared by the hv, the bench and the runner */
const struct workload *wl_first(void);
const struct workload *wl_next(const struct workload *w);
const struct workload *wl_find(const char *name);
int wl_nparams(const struct workload *w);
/* Parses a decimal integer into *out: an optional '-' and digits, nothing else (no blank, '+',
 * leading zero or base prefix: "010" and "0x10" are refused, not read as 8 and 16). Returns 0,
 * or -1 with why in err (the value quoted). */
int wl_parse_decimal(const char *s, long *out, char *err, size_t errlen);
/* Sets ctx->p from defaults and "name=value" strings; on error writes a message listing
 * the valid parameters into err and returns -1. */
int wl_parse_params(const struct workload *w, struct wl_ctx *ctx, int n, char *const kv[],
		    char *err, size_t errlen);

/* Platform calls: the guest libc (guests/user) and workloads/lib/native.c implement them. */
uint64_t pl_rdtsc(void);
uint64_t pl_tsc_khz(void); /* the TSC's rate (0: unknown) */
void pl_mark(int phase);   /* enum hc_mark: timed section begins / ends */
/* Progress, outside the timed section (MARK_REP): a repetition of ops operations took cycles;
 * cycles 0: repetitions of ops operations start (the measured ones, after any warm-up). */
void pl_progress(long ops, uint64_t cycles);
long pl_nullhc(void);		       /* a syscall that issues one empty hypercall */
long pl_kalloc(long size, long count); /* kernel allocates, checks and frees objects */
const char *pl_true_path(void);	       /* the tiny program that forkexec executes */
const char *pl_wl_path(void);	       /* this program (replay executes it again) */
struct hc_result;
void pl_report(const struct hc_result *r); /* hand the result to the hv / the harness */

#endif
