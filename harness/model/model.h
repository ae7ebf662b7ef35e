/* model.h: the cost model: cells of a results file, per-event costs, predictions, tables. */
#ifndef PAGELAB_MODEL_H
#define PAGELAB_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include "record.h"

/* The events a cell's time per operation is decomposed into, each counted per operation. */
enum event {
	EV_HV_EXIT,   /* an exit to the hv (hypercall or other user exit), round trip */
	EV_KVM_PF,    /* a page-fault exit handled inside KVM (NPF or shadow #PF) */
	EV_KVM_OTHER, /* any other exit handled inside KVM (invlpg, CR3 write, ...) */
	EV_UFFD,      /* a page the hv's userfaultfd thread resolved (lazy fork) */
	EV_INSN,      /* a guest ring-0 instruction emulated by the host (PVM) */
	NEV
};
extern const char *const event_name[NEV];
extern const char *const event_key[NEV]; /* short names, as in paper/hwcosts.json */

/* Where a platform's times come from, which decides how the guest's own execution is had. */
enum plat_kind {
	KIND_LAB,    /* emulated (TCG): guest execution timed on the sibling lab platform */
	KIND_PVM,    /* PVM host: guest ring 0 counted exactly (insn_emulation) */
	KIND_NATIVE, /* no virtualization: the reference, not modelled */
	KIND_OTHER,  /* hardware KVM: guest execution not countable here */
};

struct model_cell {
	const char *workload, *params, *mode, *policy, *platform, *mmu;
	double t;	/* measured median ns per operation */
	double n[NEV];	/* events per operation */
	double h;	/* ns per operation in the hv's hypercall handlers (recorded) */
	bool have_h;	/* the record has per-hypercall host times */
	double hc;	/* hypercalls per op (the measurement's marks left out) */
	double copied;	/* pages the hv copied per op (fork and lazy copies) */
	double rss_kib; /* the hv's host RSS after the run */
	int cal;	/* the event this cell calibrates, or -1 */
	int sibling;	/* the same cell on the other lab platform, or -1 */
	double g;	/* the guest's own execution, ns per op (derived) */
	double pred[2]; /* predicted ns per op: direct calibration, fit */
};

enum method { M_DIRECT, M_FIT, NMETHODS };
extern const char *const method_name[NMETHODS];

struct plat {
	const char *name, *mmu;
	enum plat_kind kind;
	double c[NMETHODS][NEV]; /* ns per event */
	double speed[NMETHODS];	 /* lab: guest time relative to the first lab platform's */
	const char *src[NEV];	 /* the direct calibration's source cell, or why none */
	double in_kvm_exit_ns;	 /* hv --calibrate's in-KVM exit, NAN when absent */
	double hv_hypercall_ns;	 /* hv --calibrate's hypercall path, NAN when absent */
	double bare_ns, ratio;	 /* hv --calibrate's bare KVM_RUN loop and hv/bare */
	struct err_stats {
		int n;			    /* cells checked */
		double median, worst;	    /* |error| */
	} all[NMETHODS], counted[NMETHODS]; /* all cells; those the counted parts dominate */
};

#define MAX_PLATS 8

struct model {
	json_t *doc;
	struct model_cell *cells;
	int ncells;
	struct plat plats[MAX_PLATS];
	int nplats;
};

/* values.c: helpers every part uses */
double rec_number(json_t *v);	   /* NAN when v is no number */
long run_concurrency(json_t *run); /* the run's copies or threads, 1 without */
/* ns per op of a cell's exits and uffd pages (the instruction term is G, not counted here) */
double cell_events_ns(const struct model_cell *c, const double cost[NEV]);
const char *fmt_ns(double ns, char *buf, size_t len); /* "12.3 us", "-" for NAN */

/* cells.c */
/* The cells of a results document that results_load accepted (the model keeps doc); 0, or -1
 * with a message. */
int model_load(struct model *m, json_t *doc);
struct plat *model_plat(struct model *m, const char *name);
int cell_find(const struct model *m, const char *workload, const char *params, const char *mode,
	      const char *policy, const char *platform); /* index or -1 */

/* calibrate.c: per-event costs of each platform, then the prediction of every cell */
void model_calibrate(struct model *m);

/* fit.c: the costs fitted to every cell at once, each cell predicted with itself left out */
void fit_all(struct model *m);

/* nnls.c: min |A x - b| with x >= 0, for few columns (A row-major, rows x cols) */
void nnls(const double *a, const double *b, int rows, int cols, double *x);

/* tables.c: the generated markdown tables, TSVs and values */
void write_costs(const struct model *m, FILE *f);
void write_check(const struct model *m, FILE *f);
void write_check_summary(const struct model *m, FILE *f);
void write_check_tsv(const struct model *m, FILE *f);
void write_values(const struct model *m, FILE *f);
const char *model_value(const struct model *m, const char *query, char *buf, size_t len);

/* project.c: modelled hardware time from published per-event costs */
/* costs: the published costs table; md, tsv: the projection */
int write_projection(const struct model *m, const char *hw_json, FILE *costs, FILE *md, FILE *tsv);

/* reproduce.c: the published anchors against pagelab's counts and model */
void write_reproduce(const struct model *m, FILE *f);

/* concurrency.c: runs of several vCPUs (copies or threads > 1) stay out of the model */
void write_concurrent_fork_anchor(const struct model *m, FILE *f); /* a reproduce row */
void write_shootdown(const struct model *m, FILE *f);		   /* shootdown.md */

/* splice.c: generated blocks and values (values.txt, else a query of m) into a markdown file */
/* 0, RC_USAGE (a marker without its end, or values the results lack: each named on stderr),
 * or RC_IO (a file unreadable) */
int splice(const struct model *m, const char *doc_path, const char *gen_dir, FILE *out);

#endif
