/* model.h: the cost model: cells of a results file, per-event instruction costs, projection. */
#ifndef PAGELAB_MODEL_H
#define PAGELAB_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include "record.h"

/* The events a lab cell's host and hv instructions per operation are decomposed into, each
 * counted per operation by the run record; events.c says how (adding one: a name here and a
 * row there). */
enum event {
	EV_HV_EXIT,    /* an exit to the hv (hypercall or other user exit) and back */
	EV_KVM_PF,     /* a page-fault exit KVM handles itself (NPF or shadow #PF) */
	EV_KVM_OTHER,  /* any other exit KVM handles itself (invlpg, CR3 write, interrupt) */
	EV_TLB_FLUSH,  /* a TLB flush KVM performs for the vCPU (shadow: a root resync) */
	EV_HOST_FAULT, /* a host page fault of the hv process (its own, KVM's for a vCPU, populate)
			*/
	EV_UFFD,       /* a page the hv's userfaultfd thread resolved (lazy fork) */
	EV_UFFD_FAULT, /* a fault that woke that thread (missing or write-protect) */
	EV_COPIED,     /* a page the hv copied at fork (copy policy) */
	EV_PENDING,    /* a page a lazy fork left the child to share (write-protected) */
	EV_PENDING_HUGE, /* one of them the host backs with a transparent huge page */
	EV_HC_FORK, /* ptefree: a fork hypercall (as_fork; the as_create and as_destroy that go with
		       it) */
	EV_HC_RANGE,	       /* ptefree: a range hypercall (map, unmap, protect) */
	EV_UNMAPPED_RESIDENT,  /* ptefree: a resident page unmap (or a map over) freed (--trace) */
	EV_PROTECTED_RESIDENT, /* ptefree: a resident page protect changed (--trace pass) */
	EV_HOST_MAPPING, /* ptefree: a host mapping (VMA) a range hypercall or destroy met (--trace)
			  */
	EV_POPULATED,	 /* ptefree: a page the host backed at map (populate=write, madvise) */
	EV_POPULATED_UFFD, /* ptefree: one backed through userfaultfd (a lazy child's window) */
	EV_PV_UPDATE,	   /* pvmmu: a page-table update the hv validated and applied */
	EV_PV_PIN,	   /* pvmmu: a page-table page pinned (all its entries validated) */
	EV_PV_SYNC,	   /* pvmmu: a run of the hv's store routine on the vCPU */
	EV_GUEST_READ,	   /* a guest page-table entry KVM re-read (shadow: at a fault, a sync) */
	EV_SPTE_FAULT,	   /* a leaf shadow or NPT entry KVM built for the faulting address */
	EV_SPTE_MORE,	   /* one it built ahead of a fault (pte prefetch) or rebuilt at a sync */
	EV_SP_SYNC,	   /* an unsync shadow page KVM synced (kvm_mmu_sync_page) */
	EV_SPTE_ZAP,	   /* a leaf NPT/EPT entry a host invalidation cleared (TDP MMU) */
	EV_EMULATE, /* an instruction KVM's x86 emulator ran (shadow: invlpg, page-table writes) */
	EV_SP_NEW,  /* a shadow page KVM allocated (a guest table it starts to shadow) */
	EV_SP_ZAP,  /* a shadow page KVM zapped */
	NEV
};

#define EVENT_FIELDS 4
/* An event: its key (values, queries), its name (tables) and how a record counts it per op:
 * read, or else the sum of the fields named (paths of object keys joined by dots). */
struct event_def {
	const char *key, *name;
	const char *fields[EVENT_FIELDS];
	double (*read)(json_t *r);
};
extern const struct event_def events[NEV]; /* events.c, in enum event's order */

struct model_cell {
	const char *workload, *params, *mode, *policy, *platform, *mmu, *clock;
	double t;	 /* measured median per operation (instructions on the instruction clock) */
	double n[NEV];	 /* events per operation */
	double exits;	 /* every exit per operation (to the hv and inside KVM) */
	bool split;	 /* the record has a split (instructions by part) */
	double guest;	 /* split: the guest's instructions per op (kernel and programs) */
	double host_rep; /* split: the lab kernel's and the hv's rep string iterations per op */
	double host, hv; /* split: the lab kernel's and the hv's instructions per op (shown only) */
	bool have_rep;	 /* split: rep string iterations and bytes recorded */
	bool traced;	 /* a --trace pass counted KVM's guest-entry re-reads */
	double rep_iter, rep_bytes; /* per op, every part together */
	double hc;		    /* hypercalls per op (the measurement's marks left out) */
	double copied;		    /* pages the hv copied per op (fork and lazy copies) */
	double covered; /* ptefree: pages its range hypercalls covered per op (shown, no event) */
	double rss_kib; /* the hv's host RSS after the run */
	bool fitted;	/* a lab cell on the instruction clock with a split */
	double pred;	/* its instructions per op predicted with itself left out */
};

struct plat {
	const char *name, *mmu;
	bool lab;		/* lab-npt, lab-shadow: instruction-clock cells can be fitted */
	int ncells, nparams;	/* fitted cells, costs fitted (events some cell counts) */
	bool used[NEV];		/* the events some fitted cell counts */
	double c[NEV];		/* instructions per event, fitted to every cell */
	int n, over;		/* cells checked; of them, over the worst-error target */
	double median, worst;	/* |error| of the leave-one-out predictions */
	double bare_ns, ratio;	/* hv --calibrate's bare KVM_RUN loop and hv/bare */
	double in_kvm_exit_ns;	/* hv --calibrate's in-KVM exit, NAN when absent */
	double hv_hypercall_ns; /* hv --calibrate's hypercall path, NAN when absent */
};

#define MAX_PLATS     8
#define TARGET_MEDIAN 0.05 /* the model check's targets: median and worst |error| */
#define TARGET_WORST  0.20
#define NO_ICOUNT     "no lab cells on the instruction clock: run make paper-data"

struct model {
	json_t *doc;
	struct model_cell *cells;
	int ncells, nfitted;
	struct plat plats[MAX_PLATS];
	int nplats;
};

/* events.c */
double event_count(const struct event_def *e, json_t *r); /* per op, 0 where not counted */
double in_kvm_exits(json_t *r);				  /* exits KVM handled itself, per op */

/* values.c: helpers every part uses */
double rec_number(json_t *v);				/* NAN when v is no number */
const char *rec_str(json_t *r, const char *key);	/* r's string key, "" when none */
long run_concurrency(json_t *run);			/* the run's copies or threads, 1 without */
const char *fmt_ns(double ns, char *buf, size_t len);	/* "12.3 us", "-" for NAN */
const char *fmt_count(double v, char *buf, size_t len); /* "12.3k", "-" for NAN */

/* cells.c */
/* The cells of a results document that results_load accepted (the model keeps doc); 0, or -1
 * with a message. */
int model_load(struct model *m, json_t *doc);
struct plat *model_plat(const struct model *m, const char *name);
int cell_find(const struct model *m, const char *workload, const char *params, const char *mode,
	      const char *policy, const char *platform); /* index or -1 */

/* fit.c: each lab platform's costs fitted to its cells, each cell predicted with itself left
 * out, the errors */
void model_fit(struct model *m);
/* The guest's counted instructions plus the events at costs c */
double cell_model(const struct model_cell *c, const double cost[NEV]);

/* nnls.c: min |A x - b| with x >= 0 (A row-major, rows x cols, cols <= NEV) */
void nnls(const double *a, const double *b, int rows, int cols, double *x);

/* tables.c: the generated markdown tables, TSVs and values */
void write_costs(const struct model *m, FILE *f);
void write_check(const struct model *m, FILE *f);
void write_check_summary(const struct model *m, FILE *f);
void write_check_tsv(const struct model *m, FILE *f);
void write_values(const struct model *m, FILE *f);
const char *model_value(const struct model *m, const char *query, char *buf, size_t len);

/* project.c: modelled hardware time from the lab's instructions and counts, published costs */
/* costs: the cited costs table; md, tsv (NULL: none): the projection */
int write_projection(const struct model *m, const char *hw_json, FILE *costs, FILE *md, FILE *tsv);

/* values.c: the run's own values (data.platforms) and the cited costs (hw.COST) as values.txt
 * lines */
void write_run_values(const struct model *m, FILE *f);
void write_hw_values(const char *hw_json, FILE *f);

/* summary.c: OUT_DIR/abstract.md and relative.tsv from OUT_DIR/projection.tsv: 0 or RC_IO */
int write_summary(const char *out_dir);
/* A cell's modelled hardware time per op, low and high, from OUT_DIR/projection.tsv (params
 * "-" for none, series "classic", "ptefree/lazy"); false when the projection has no such row */
bool projected(const char *out_dir, const char *workload, const char *params, const char *series,
	       const char *mmu, double *lo, double *hi);

/* frames.c: the cold-warm table of a results document that runs cells under --frames reused
 * and fresh: each cell's faults, exits, instructions and newly backed pages side by side */
void write_frames(json_t *doc, FILE *f);

/* reproduce.c: the published anchors against pagelab's counts and model */
void write_reproduce(const struct model *m, const char *out_dir, FILE *f); /* after projection */

/* concurrency.c: runs of several vCPUs (copies or threads > 1) stay out of the model */
void write_concurrent_fork_anchor(const struct model *m, FILE *f); /* a reproduce row */
void write_shootdown(const struct model *m, FILE *f);		   /* shootdown.md */

/* splice.c: generated blocks and values (values.txt, else a query of m) into a markdown file */
/* 0, RC_USAGE (a marker without its end, or values the results lack: each named on stderr),
 * or RC_IO (a file unreadable) */
int splice(const struct model *m, const char *doc_path, const char *gen_dir, FILE *out);

#endif
