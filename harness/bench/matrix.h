/* matrix.h: the list of cells a bench run measures, built from the options. */
#ifndef PAGELAB_BENCH_MATRIX_H
#define PAGELAB_BENCH_MATRIX_H

#include "bench.h"

struct matrix {
	struct cell *cells;
	int n, cap;
	const struct platform *plats[8];
	int nplats;
	const char *modes[8]; /* as the hv names them */
	int nmodes;
	/* cells of the modes that take --fork-policy (ptefree) run under each of these if their
	 * workload forks, the others under the first only (the policy acts at fork alone) */
	const char *fork_policies[2];
	int nfork_policies;
	/* --vary axes: an hv option and its values; each cell whose mode takes the option runs
	 * under each value (under every combination of the axes its mode takes), with variant
	 * "OPTION=VALUE/..."; none: the hv's defaults */
	struct vary {
		const char *option;
		const char *values[8];
		int nvalues;
	} vary[VARY_MAX];
	int nvary;
};

/* Adds the cells of one workload spec on every selected platform and mode. A spec is a
 * workload name (its default sweep, or the quick one) or "name:k=v:k=v" (one point;
 * "name:" is the point of the defaults).
 * Exits with status 2 and the valid choices when the workload, a parameter's name or its
 * value (against the workload's declared range) is bad. */
void matrix_add_spec(struct matrix *m, const char *spec, bool quick);

/* "name, name, ..." of every workload, for the messages of a bad --workloads. */
void matrix_workload_names(char *buf, size_t len);

/* choose.c: the list options. A comma-separated list must name something and have no empty
 * entry (else a usage error listing valid); the selections fill m, checked against the
 * platforms and the hv's modes and options (build/hv --describe). */
void check_list(const char *opt, const char *list, const char *valid);
void select_platforms(struct matrix *m, char *list);
void select_modes(struct matrix *m, char *list);
void select_fork_policies(struct matrix *m, char *list);
int fork_policy_names(const char *names[2]); /* the hv's, its default first */
/* --vary NAME=LIST (what: the option as the user gave it, for the messages). */
void add_vary(struct matrix *m, const char *what, char *name, char *list);
/* An option taking one of the valid names (NULL-terminated), e.g. --trace-method. */
const char *choose_one(const char *option, char *arg, const char *const valid[]);

/* Lists the default sweep of each workload (for --list). */
void matrix_print_sweeps(FILE *f);

#endif
