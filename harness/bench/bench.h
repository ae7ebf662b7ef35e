/* bench.h: the bench driver's shared types: cells of the matrix, budgets, platforms. */
#ifndef PAGELAB_BENCH_H
#define PAGELAB_BENCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "abi.h"
#include "record.h"
#include "workload.h"

#define BENCH_ERR_MAX  512
#define PARAMS_STR_MAX 160
#define WRAPPER_MAX    16 /* words of a cell's wrapper command */

struct platform;
struct cell;

/* One run of iters x reps operations after warmup repetitions into the run record rec;
 * 0 when it produced a valid result. */
typedef int (*run_once_fn)(const struct cell *c, long iters, int reps, int warmup, double timeout_s,
			   json_t *rec);

/* One cell of the matrix: a workload with its parameters, in one mode, on one platform. */
struct cell {
	const struct workload *wl;
	char *kv[WL_MAX_PARAMS]; /* "name=value" as requested (defaults not repeated) */
	int nkv;
	long p[WL_MAX_PARAMS];	     /* values after defaults */
	char params[PARAMS_STR_MAX]; /* every parameter, "rss_kib=64,touch_pages=0" */
	long max_iters;		     /* bound on iterations per repetition for this workload */
	int cpus;	  /* the hv's vCPUs (hv --cpus): the workload's concurrency, 1 for most */
	const char *mode; /* "classic", "ptefree", or "none" where modes do not apply */
	const char *fork_policy; /* ptefree: the policy asked of the hv ("copy", "lazy") */
	/* a memory setting asked of the hv, "NAME=VALUE" for its --NAME VALUE (ptefree:
	 * "populate=none|write", classic: "free-report=on|off"), or NULL for its default */
	const char *variant;
	const struct platform *plat;
	/* the --trace pass: a command line the run goes under ("perf", "kvm", ..., "--",
	 * NULL-terminated, at most WRAPPER_MAX words), or NULL */
	char *const *wrapper;
	bool lab_marks;		/* the --split pass: the hv calls the lab's marker functions */
	bool count_resident;	/* the --trace pass: hv --count-resident on (ptefree) */
	const char *count_hits; /* the --trace pass: hv --count-hits (its probes' hist files) */
};

/* How much time a cell may take; the harness derives iterations from it. */
struct budget {
	double rep_s;	       /* target duration of one measured repetition */
	double emulated_rep_s; /* the same where times are emulation (a PVM host's) */
	int reps;	       /* measured repetitions */
	int warmup;	       /* unmeasured repetitions before them */
	double timeout_s;      /* one process (one calibration or measured run) */
	double max_op_s;       /* a cell whose one operation takes longer is trimmed (skipped) */
	bool trace; /* after each measured cell, a traced pass (exits by hardware reason) */
	const char
	    *trace_method; /* "auto" (perf where it can run, else tracefs), "perf", "tracefs" */
	long calibration_exits; /* exits per round of the hypercall calibration; 0: the hv's */
	bool split; /* lab: after each measured cell, a marked pass whose instructions are split */
};

/*
 * A platform runs cells. run_cell fills the run record rec with at least "ok",
 * "iterations", "repetitions", "warmup", "tsc_khz", "cycles" (one per repetition) and, when
 * ok is false, "error"; the runner adds identity, latency statistics and status.
 */
struct platform {
	const char *name;
	/* optional: how this platform's times are distorted here, or NULL when they are real */
	const char *(*time_note)(void);
	/* optional: true when this platform's times are emulation here (a PVM host): its cells
	 * run while the lab's VMs do, which count instructions; real times run alone after */
	bool (*times_emulated)(void);
	/* optional: what a cell's times count (record.h's CLOCK_*; c NULL: the hypercall
	 * calibration's); without it CLOCK_REAL. A lab clock brings its own time note. */
	const char *(*clock)(const struct cell *c);
	bool has_modes; /* false: one cell per workload and parameters, mode "none" */
	/* 1 when the platform can run here, else 0 with the reason in why */
	int (*available)(char *why, size_t len);
	/* the MMU flavour classic mode gets: "ept", "npt", "shadow", "pvm", "none" */
	const char *(*mmu)(void);
	/* optional: 0 when the workload cannot run on this platform, with the reason */
	int (*supports)(const struct workload *w, char *why, size_t len);
	/* optional: runs all of this platform's cells at once (e.g. in a VM) before run_cell */
	void (*prepare)(struct cell *const cells[], int n, const struct budget *b);
	/* optional: after every platform's prepare, waits for what it left running */
	void (*finish)(const struct platform *p, const struct budget *b);
	/* measures one cell into rec; returns 0 when the cell produced a valid result, -1 when
	 * it failed (rec has "error"), 1 when it could not run here (rec has "reason") */
	int (*run_cell)(const struct cell *c, const struct budget *b, json_t *rec);
	/* optional: one run on this machine's KVM, for the --trace pass */
	run_once_fn run_once;
	/* optional: the platform traces by itself (e.g. inside its VM) when --trace is on */
	bool traces_inside;
	/* optional: the hypercall calibration on this platform's KVM (hv --calibrate): a record
	 * with "status" "ok" and the hv's fields, "failed" with "error", or "skipped" with
	 * "reason" */
	json_t *(*calibrate)(const struct platform *p, const struct budget *b);
	void *priv; /* the platform's own state (c->plat->priv in run_cell) */
};

/* platform.c */
const struct platform *platform_find(const char *name);
/* What the times of cell c (NULL: the calibration) on p count, and how they are distorted
 * (the time note of its clock, else the platform's own; NULL when they are real). */
const char *platform_clock(const struct platform *p, const struct cell *c);
const char *platform_time_note(const struct platform *p, const struct cell *c);
void lab_clock_set(const char *clock);	   /* plat_lab.c: --lab-clock */
const struct platform *platform_at(int i); /* NULL past the end */
void platform_list_names(char *buf, size_t len);

/* measure.c: the calibrate-then-measure loop of platforms that run one process per run */
int measure_cell(const struct cell *c, const struct budget *b, run_once_fn run_once, json_t *rec);

/* trace.c: exits per op by hardware exit reason from the kvm:kvm_exit tracepoint. The
 * method that counts them here, as asked ("auto": "perf kvm stat" where perf can run, else
 * the tracefs histogram), or NULL with the reason. */
const char *trace_available(const char *wanted, char *why, size_t len);
const char *trace_perf_find(void); /* perf in PATH or /usr/bin, or NULL */
json_t *trace_exits(const struct cell *c, run_once_fn run_once, long iters, double timeout_s);

/* split.c: the --split pass (lab only). Inside the lab VM (run.sh's PAGELAB_LAB_TCG is set),
 * split_run runs the cell once more with the hv's lab marks and returns the record's "split"
 * (the run's number and iterations); outside, split_plugin gives the QEMU plugin's argument
 * (harness/lab/split.sh, run in the repository top root) that writes out_file, or NULL with
 * why, and split_attach puts each
 * marked interval of that file into the "split" of the run record it belongs to. */
bool split_inside_lab(void);
json_t *split_run(const struct cell *c, run_once_fn run_once, long iters, double timeout_s);
const char *split_plugin(const char *root, const char *out_file, char *why, size_t len);
void split_attach(json_t *runs, const char *path);

/* context.c */
json_t *context_collect(int argc, char **argv, const struct budget *b);
const char *mmu_detect(void);

/* results.c: every file of a results folder, written atomically (exits RC_IO when it cannot) */
int results_write(const char *dir, json_t *doc);
/* Before the first write: every file results_write replaces in dir is a regular file or
 * absent (else exits RC_IO, having written nothing). */
void results_check_targets(const char *dir);
/* Whether dir's TSV files are as this bench writes them (headers, fields, a row per run of
 * its results.json's nruns): 0, or -1 with the reason and the exit status (RC_IO unreadable,
 * RC_USAGE foreign or truncated). */
int results_check_tsv(const char *dir, size_t nruns, char *err, size_t len, int *rc);

/* record.c: what the TSV files and the summary read out of a run record */
const char *rec_str(json_t *r, const char *key); /* "" when absent */
double rec_num(json_t *v);			 /* NAN when v is no number */
double rec_exits(json_t *r);			 /* exits per op, all reasons; NAN without counts */
double rec_hypercalls(json_t *r);		 /* hypercalls per op; NAN without counts */
double rec_pages_copied(json_t *r); /* pages the hv copied per op; NAN outside ptefree */
double rec_pv_updates(json_t *r);   /* page-table updates per op; NAN outside pvmmu */
double rec_kernel_insns(json_t *r); /* guest kernel instructions per op; NAN but on PVM */
double rec_split(json_t *r, const char *field, const char *part); /* --split: NAN without */
void rec_series(json_t *r, char *buf, size_t len);		  /* series_name() of the record */
const char *rec_time_unit(json_t *r); /* what its _ns times count: ns or instructions */
double rec_p50(json_t *r);	      /* median latency per op; NAN without */
/* A time of r as its clock counts it: "350 us", or "142k instr" on the instruction clock. */
void rec_time_text(json_t *r, double ns, char *buf, size_t len);

/* summary.c: the tables of a results document (its runs, then its calibration) */
void summary_print(json_t *doc, FILE *f);
/* hv_paging.c: build/hv-paging's tables (the hv-native platform) and the ptefree targets of a
 * results document's runs */
void hv_paging_print(json_t *runs, FILE *f);
void hv_paging_write_tsv(FILE *f, json_t *runs); /* hvnative.tsv, for plots/hvnative.gp */

/* concurrency.c: the cells with copies or threads: their per-op table (IPIs, shootdowns,
 * remote TLB flushes, hv lock waits, exits per vCPU) and concurrency.tsv (plots/plot.sh) */
void concurrency_print(json_t *runs, FILE *f);
void concurrency_write_tsv(FILE *f, json_t *runs);

/* calibration.c: the hypercall calibration, once per platform that has one */
json_t *calibration_run_hv(const struct platform *p, const struct budget *b); /* on /dev/kvm */
/* The platform's record (skipped with why where it is not available), named after it, with
 * its time note and the target; prints one progress line. */
json_t *calibration_measure(const struct platform *p, bool available, const char *why,
			    const struct budget *b);
void calibration_print(json_t *calibration, FILE *f); /* the table; nothing for none */

/* matrix.c: the parameters that say how many processes or threads run at once ("copies",
 * "threads"); a cell gets as many vCPUs as its value */
bool param_is_concurrency(const char *name);

/* util: die() for host-side failures (exit RC_HOST), die_io() for an input or output that
 * cannot be used (RC_IO); both print strerror(errno) */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void die_io(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* A private folder (mkdtemp) inside dir for the records of the programs the bench runs,
 * removed at exit; scratch_path names a file in it. */
void scratch_init(const char *dir);
const char *scratch_path(const char *name, char *buf, size_t len);
const char *bench_bin_dir(void); /* the directory holding bench, native/wl and hv */
/* A series of cells: "mode platform", "ptefree/policy platform" where a fork policy was
 * asked, or the platform alone where modes do not apply (mode "none"). */
void series_name(const char *mode, const char *fork_policy, const char *variant,
		 const char *platform, char *buf, size_t len);
/* Splits a cell's variant "NAME=VALUE/NAME=VALUE..." (hv options without their dashes) into
 * names and values pointing into buf (at most max pairs). Returns how many (0: none). */
#define VARY_MAX 4 /* variant axes (--vary) */
int variant_pairs(const char *variant, char *buf, size_t len, const char *names[],
		  const char *values[], int max);
/* plat_native.c: "RESULT ok=.. iters=.. tsc_khz=.. cycles=.. msg=.." in out into rec; -1 if
 * there is none. And how native times are distorted here (NULL when they are not). */
int parse_result_line(const char *out, json_t *rec);
const char *native_time_note(void);
struct proc_out;
/* The verdict on a cell whose program ran: 0 if its record loaded (loaded == 0), it exited 0
 * and the record says ok; else -1, with the record's error naming what the program said and
 * how it ended. */
int cell_verdict(json_t *rec, int loaded, const struct proc_out *o, double timeout_s,
		 const char *prog);
void json_add_unique(json_t *list, const char *s); /* appends s to a string array once */

/* hvmodes.c: what the hv says of itself (build/hv --describe, asked once: a usage error when
 * it cannot answer). The modes' names (at most max) in its order, and one a line to f. */
int hv_modes(const char *names[], int max);
void hv_modes_print(FILE *f);
/* The option of a guest run called name ({name, kind, modes[], min/max/even or choices[]}),
 * or NULL; whether a mode takes it; its valid values in words ("none, write", "1..2048");
 * whether value is one of them. */
json_t *hv_options(void); /* all of them, in the hv's order */
const json_t *hv_option(const char *name);
bool hv_option_applies(const json_t *opt, const char *mode);
void hv_option_values(const json_t *opt, char *buf, size_t len);
bool hv_option_accepts(const json_t *opt, const char *value);

#endif
