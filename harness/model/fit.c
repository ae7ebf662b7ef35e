/* fit.c: every platform's costs and every lab cell pair's guest time fitted at once. */
/*
 * The objective is the sum over cells of the squared relative error of t = G + sum n_k C_k
 * + H. Lab cells of the same workload, parameters and mode share G (the same guest code
 * under TCG on either MMU, times the platform's relative guest speed as measured by the cells
 * without events: the two lab runs are minutes apart on a loaded machine); elsewhere G is 0
 * (on PVM the instruction count is one of the events). Alternating minimisation: with the
 * costs fixed, each pair's G is a weighted mean (clamped at 0); with the Gs fixed, each
 * platform's costs are a non-negative least-squares fit. Each cell is then predicted with itself
 * left out: its G from its sibling alone, the costs from all other cells.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

#define FIT_ROUNDS 40

struct fit {
	double c[MAX_PLATS][NEV];
	double s[MAX_PLATS]; /* lab: relative guest speed (measured; the first lab platform's 1) */
	double *g;	     /* per cell: its pair's guest time at speed 1 (NAN: none) */
};

static int plat_index(const struct model *m, const struct model_cell *c)
{
	for (int i = 0; i < m->nplats; i++)
		if (!strcmp(m->plats[i].name, c->platform))
			return i;
	return -1;
}

/* Cells the fit takes: the lab's and PVM's, where the guest's part is timed or counted (on
 * hardware KVM nothing here stands for it). */
static bool used(const struct model *m, int i, int skip)
{
	enum plat_kind k = m->plats[plat_index(m, &m->cells[i])].kind;
	return i != skip && (k == KIND_LAB || k == KIND_PVM);
}

/* The modelled time of a cell but its lab guest part: events, instructions (PVM), handlers. */
static double counted_ns(const struct model *m, const struct model_cell *c, const struct fit *f)
{
	const double *cost = f->c[plat_index(m, c)];
	return cell_events_ns(c, cost) + c->n[EV_INSN] * cost[EV_INSN] + c->h;
}

/* What a cell's time leaves for its guest part under the current costs. */
static double residual(const struct model *m, const struct model_cell *c, const struct fit *f)
{
	return c->t - counted_ns(m, c, f);
}

/* G of each lab pair (at speed 1) from its cells other than skip; 0 off the lab. */
static void fit_guest(const struct model *m, int skip, struct fit *f)
{
	for (int i = 0; i < m->ncells; i++) {
		const struct model_cell *c = &m->cells[i];
		const struct plat *p = &m->plats[plat_index(m, c)];
		if (p->kind != KIND_LAB) {
			f->g[i] = 0;
			continue;
		}
		double num = 0, den = 0;
		int members[2] = {i, c->sibling};
		for (int k = 0; k < 2; k++) {
			int j = members[k];
			if (j < 0 || !used(m, j, skip))
				continue;
			const struct model_cell *cj = &m->cells[j];
			double w = 1 / (cj->t * cj->t), sp = f->s[plat_index(m, cj)];
			num += w * sp * residual(m, cj, f);
			den += w * sp * sp;
		}
		f->g[i] = den > 0 ? fmax(0, num / den) : NAN;
	}
}

static void fit_costs(const struct model *m, int skip, struct fit *f)
{
	double *a = malloc(sizeof *a * (m->ncells + 1) * NEV),
	       *b = malloc(sizeof *b * (m->ncells + 1));
	if (!a || !b)
		abort();
	for (int pi = 0; pi < m->nplats; pi++) {
		if (m->plats[pi].kind != KIND_LAB && m->plats[pi].kind != KIND_PVM)
			continue;
		int rows = 0;
		for (int i = 0; i < m->ncells; i++) {
			const struct model_cell *c = &m->cells[i];
			if (plat_index(m, c) != pi || !used(m, i, skip) || isnan(f->g[i]))
				continue;
			for (int k = 0; k < NEV; k++)
				a[rows * NEV + k] = c->n[k] / c->t;
			b[rows++] = (c->t - f->s[pi] * f->g[i] - c->h) / c->t;
		}
		nnls(a, b, rows, NEV, f->c[pi]);
	}
	free(a);
	free(b);
}

static void fit_run(const struct model *m, int skip, struct fit *f)
{
	for (int pi = 0; pi < m->nplats; pi++) {
		memcpy(f->c[pi], m->plats[pi].c[M_DIRECT], sizeof f->c[pi]);
		f->s[pi] = m->plats[pi].speed[M_DIRECT];
	}
	for (int round = 0; round < FIT_ROUNDS; round++) {
		fit_guest(m, skip, f);
		fit_costs(m, skip, f);
	}
	fit_guest(m, skip, f);
}

void fit_all(struct model *m)
{
	struct fit f;
	f.g = calloc(m->ncells + 1, sizeof *f.g);
	if (!f.g)
		abort();
	fit_run(m, -1, &f);
	for (int pi = 0; pi < m->nplats; pi++) {
		memcpy(m->plats[pi].c[M_FIT], f.c[pi], sizeof f.c[pi]);
		m->plats[pi].speed[M_FIT] = f.s[pi];
	}
	for (int i = 0; i < m->ncells; i++) {
		struct model_cell *c = &m->cells[i];
		c->pred[M_FIT] = NAN;
		if (!used(m, i, -1))
			continue;
		fit_run(m, i, &f);
		int pi = plat_index(m, c);
		if (!isnan(f.g[i]))
			c->pred[M_FIT] = f.s[pi] * f.g[i] + counted_ns(m, c, &f);
	}
	free(f.g);
}
