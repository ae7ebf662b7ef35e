/* fit.c: each lab platform's per-event instruction costs, fitted; leave-one-out predictions. */
/*
 * On the lab's instruction clock a cell's measured instructions per operation t is
 *   t = guest + rep + sum_e n_e * C_e
 * guest: the guest's own instructions per op, counted by the split (kernel and programs);
 * rep: the lab kernel's and the hv's rep string iterations per op, counted by the split (icount
 * counts each iteration as one instruction, so they cost exactly 1 and are not fitted);
 * n_e: the events of the cell counted per op by its record; C_e: instructions per event, one
 * set per lab platform, global to its cells, fitted by non-negative least squares of the
 * relative error. Only events some cell of the platform counts get a cost, and at most a third
 * as many costs as cells are fitted (else none). Each cell is predicted from costs fitted
 * without it: it contributes only its counts, guest instructions and rep iterations, never its
 * own time nor its host or hv instructions. Cells on TCG's wall clock, or without a split, are not
 * fitted.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

double cell_model(const struct model_cell *c, const double cost[NEV])
{
	double sum = c->guest + c->host_rep;
	for (int k = 0; k < NEV; k++)
		sum += c->n[k] * cost[k];
	return sum;
}

static bool fits(const struct model_cell *c, const struct plat *p)
{
	return c->fitted && !strcmp(c->platform, p->name);
}

/* The costs of p fitted to its cells but skip (-1: all), into cost (only the used events). */
static void fit_costs(const struct model *m, const struct plat *p, int skip, double *a, double *b,
		      double cost[NEV])
{
	int idx[NEV], cols = 0, rows = 0;
	for (int k = 0; k < NEV; k++)
		if (p->used[k])
			idx[cols++] = k;
	for (int i = 0; i < m->ncells; i++) {
		const struct model_cell *c = &m->cells[i];
		if (i == skip || !fits(c, p))
			continue;
		for (int k = 0; k < cols; k++)
			a[rows * cols + k] = c->n[idx[k]] / c->t;
		b[rows++] = (c->t - c->guest - c->host_rep) / c->t;
	}
	double x[NEV];
	nnls(a, b, rows, cols, x);
	memset(cost, 0, NEV * sizeof *cost);
	for (int k = 0; k < cols; k++)
		cost[idx[k]] = x[k];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median, worst and the cells over the worst-error target, of p's left-out predictions. */
static void error_stats(const struct model *m, struct plat *p)
{
	double *err = malloc(sizeof *err * (m->ncells + 1));
	if (!err)
		abort();
	int n = 0;
	p->over = 0;
	for (int i = 0; i < m->ncells; i++) {
		const struct model_cell *c = &m->cells[i];
		if (!fits(c, p) || isnan(c->pred))
			continue;
		err[n] = fabs(c->pred - c->t) / c->t;
		p->over += err[n++] > TARGET_WORST;
	}
	qsort(err, n, sizeof err[0], cmp_double);
	p->n = n;
	p->median = n == 0 ? NAN : n % 2 ? err[n / 2] : (err[n / 2 - 1] + err[n / 2]) / 2;
	p->worst = n == 0 ? NAN : err[n - 1];
	free(err);
}

static void fit_plat(struct model *m, struct plat *p)
{
	for (int i = 0; i < m->ncells; i++) {
		const struct model_cell *c = &m->cells[i];
		if (!fits(c, p))
			continue;
		p->ncells++;
		for (int k = 0; k < NEV; k++)
			p->used[k] |= c->n[k] > 0;
	}
	for (int k = 0; k < NEV; k++)
		p->nparams += p->used[k];
	if (p->nparams == 0 || 3 * p->nparams > p->ncells)
		return; /* too few cells for as many costs: nothing fitted */
	double *a = malloc(sizeof *a * (p->ncells + 1) * NEV),
	       *b = malloc(sizeof *b * (p->ncells + 1));
	if (!a || !b)
		abort();
	fit_costs(m, p, -1, a, b, p->c);
	double cost[NEV];
	for (int i = 0; i < m->ncells; i++) {
		struct model_cell *c = &m->cells[i];
		if (!fits(c, p))
			continue;
		fit_costs(m, p, i, a, b, cost);
		c->pred = cell_model(c, cost);
	}
	free(a);
	free(b);
	error_stats(m, p);
}

void model_fit(struct model *m)
{
	for (int i = 0; i < m->nplats; i++)
		if (m->plats[i].lab)
			fit_plat(m, &m->plats[i]);
}
