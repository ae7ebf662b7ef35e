/* calibrate.c: each platform's per-event costs from its own calibration cells, predictions. */
/*
 * Model of one cell's time per operation on platform P:
 *   t = G + sum_k n_k * C_k(P) + H
 * n_k: events counted per op (exits to the hv, in-KVM page faults, other in-KVM exits, pages
 * the hv's userfaultfd thread resolved, emulated guest ring-0 instructions on PVM); C_k(P):
 * ns per event on P; H: the hv's recorded time in its hypercall handlers; G: the guest's own
 * execution: on PVM the counted ring-0 instructions (the insn term), in the lab the same
 * cell timed on the other lab MMU with that platform's events taken out (TCG runs the same
 * guest code at the same speed under either).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

const char *const method_name[NMETHODS] = {"direct", "fit"};

/* The cell that calibrates each cost: workload, params (NULL: any), mode, fork policy. */
static const struct {
	enum event ev;
	const char *workload, *params, *mode, *policy;
} cal_cells[] = {
    {EV_INSN, "nullsys", NULL, "classic", NULL},
    {EV_HV_EXIT, "nullhc", NULL, "classic", NULL},
    {EV_KVM_PF, "pagefault", NULL, "ptefree", NULL},
    {EV_KVM_OTHER, "mprotect", "pages=1", "classic", NULL},
    {EV_KVM_OTHER, "mprotect", "pages=64", "classic", NULL},
    {EV_UFFD, "forkstorm", "rss_kib=4096,touch_pages=256", "ptefree", "lazy"},
};
#define NCAL	   (int)(sizeof cal_cells / sizeof cal_cells[0])
#define MIN_EVENTS 0.05 /* events per op below which a cell cannot calibrate a cost */
#define NO_EVENTS  0.01 /* events per op below which a cell is guest execution alone */

static int find_cal(const struct model *m, int i, const char *platform)
{
	return cell_find(m, cal_cells[i].workload, cal_cells[i].params, cal_cells[i].mode,
			 cal_cells[i].policy, platform);
}

/* The guest's own execution in a calibration cell, within its platform: on PVM its counted
 * instructions; an empty hypercall's guest part is the null system call's time; a first
 * touch in ptefree is one ring-3 store; mprotect's is the same cell on the other lab MMU
 * where that one takes no such exits; the lazy fork's is the copy fork's guest part. */
static double cal_guest(const struct model *m, const struct plat *p, const struct model_cell *c,
			const double cost[NEV])
{
	if (p->kind == KIND_PVM)
		return c->n[EV_INSN] * cost[EV_INSN];
	if (!strcmp(c->workload, "nullsys"))
		return c->t; /* no events: all guest */
	if (!strcmp(c->workload, "nullhc")) {
		int k = cell_find(m, "nullsys", NULL, c->mode, NULL, c->platform);
		return k < 0 ? 0 : m->cells[k].t;
	}
	if (!strcmp(c->workload, "mprotect") && c->sibling >= 0) {
		const struct model_cell *s = &m->cells[c->sibling];
		const struct plat *ps = model_plat((struct model *)m, s->platform);
		return s->n[EV_KVM_OTHER] < 0.1 * c->n[EV_KVM_OTHER]
			   ? (s->t - s->h) * p->speed[M_DIRECT] / ps->speed[M_DIRECT]
			   : NAN;
	}
	if (!strcmp(c->workload, "forkstorm")) {
		int k = cell_find(m, c->workload, c->params, c->mode, "copy", c->platform);
		if (k < 0)
			return NAN;
		const struct model_cell *cp = &m->cells[k];
		return fmax(0, cp->t - cp->h - cell_events_ns(cp, cost));
	}
	return 0;
}

/* Direct: each cost in turn from its own cell, the costs already known taken out. */
static void calibrate_direct(struct model *m, struct plat *p)
{
	double *cost = p->c[M_DIRECT];
	for (int k = 0; k < NEV; k++)
		p->src[k] = "no calibration cell with such events";
	/* the guest's instructions first: every other cell's guest part depends on them */
	static const enum event order[NEV] = {EV_INSN, EV_HV_EXIT, EV_KVM_PF, EV_KVM_OTHER,
					      EV_UFFD};
	for (int o = 0; o < NEV; o++) {
		enum event ev = order[o];
		double t = 0, n = 0;
		const char *src = NULL;
		for (int i = 0; i < NCAL; i++) {
			int j = cal_cells[i].ev == ev ? find_cal(m, i, p->name) : -1;
			if (j < 0 || m->cells[j].n[ev] < MIN_EVENTS)
				continue;
			struct model_cell *c = &m->cells[j];
			double g = ev == EV_INSN ? 0 : cal_guest(m, p, c, cost);
			if (isnan(g))
				continue;
			t += c->t - g - c->h - cell_events_ns(c, cost);
			n += c->n[ev];
			c->cal = ev;
			src = cal_cells[i].workload;
		}
		if (src) {
			cost[ev] = fmax(0, t / n);
			p->src[ev] = src;
		}
	}
	/* no dedicated cell had such exits: the hv's in-KVM exit benchmark of the same run */
	if (cost[EV_KVM_OTHER] == 0 && !isnan(p->in_kvm_exit_ns)) {
		cost[EV_KVM_OTHER] = p->in_kvm_exit_ns;
		p->src[EV_KVM_OTHER] = "hv --calibrate (in-KVM exit)";
	}
}

/* The guest's own execution of a cell under a method's costs, or NAN where it cannot be had
 * (a lab cell without its sibling; hardware, where no count stands for it). */
static double guest_ns(const struct model *m, const struct model_cell *c, enum method meth)
{
	const struct plat *p = model_plat((struct model *)m, c->platform);
	if (p->kind == KIND_PVM)
		return c->n[EV_INSN] * p->c[meth][EV_INSN];
	if (p->kind != KIND_LAB || c->sibling < 0)
		return NAN;
	const struct model_cell *s = &m->cells[c->sibling];
	const struct plat *ps = model_plat((struct model *)m, s->platform);
	return fmax(0, s->t - s->h - cell_events_ns(s, ps->c[meth])) * p->speed[meth] /
	       ps->speed[meth];
}

/* The lab platforms' relative guest speed: TCG runs the two lab MMUs minutes apart, and the
 * machine's load changes in between. Measured by the cells that take (almost) no events, the
 * same guest code on both: the geometric mean of their time ratios, relative to the first
 * lab platform of the file. */
static void guest_speed(struct model *m)
{
	struct plat *ref = NULL;
	for (int i = 0; i < m->nplats; i++) {
		struct plat *p = &m->plats[i];
		p->speed[M_DIRECT] = p->speed[M_FIT] = 1;
		if (p->kind != KIND_LAB)
			continue;
		if (!ref) {
			ref = p;
			continue;
		}
		double logsum = 0;
		int n = 0;
		for (int k = 0; k < m->ncells; k++) {
			const struct model_cell *c = &m->cells[k];
			if (strcmp(c->platform, p->name) || c->sibling < 0 ||
			    strcmp(m->cells[c->sibling].platform, ref->name))
				continue;
			const struct model_cell *s = &m->cells[c->sibling];
			double ev = 0;
			for (int e = 0; e < NEV; e++)
				ev += c->n[e] + s->n[e];
			if (ev < NO_EVENTS && c->h == 0 && s->h == 0)
				logsum += log(c->t / s->t), n++;
		}
		if (n)
			p->speed[M_DIRECT] = exp(logsum / n);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* |error| over a platform's checked cells (the direct method's calibration cells left out;
 * the fit leaves each cell out in turn, so every cell counts); with counted_only, over the
 * cells whose counted parts (events and hv handlers) make at least half of the measured time. */
static void error_stats(const struct model *m, const struct plat *p, int meth, bool counted_only,
			struct err_stats *s)
{
	double err[m->ncells + 1];
	int n = 0;
	for (int k = 0; k < m->ncells; k++) {
		const struct model_cell *c = &m->cells[k];
		if (strcmp(c->platform, p->name) || (meth == M_DIRECT && c->cal >= 0) ||
		    isnan(c->pred[meth]))
			continue;
		if (counted_only && cell_events_ns(c, p->c[meth]) + c->h < 0.5 * c->t)
			continue;
		err[n++] = fabs(c->pred[meth] - c->t) / c->t;
	}
	qsort(err, n, sizeof err[0], cmp_double);
	s->n = n;
	s->median = n == 0 ? NAN : n % 2 ? err[n / 2] : (err[n / 2 - 1] + err[n / 2]) / 2;
	s->worst = n == 0 ? NAN : err[n - 1];
}

void model_calibrate(struct model *m)
{
	guest_speed(m);
	for (int i = 0; i < m->nplats; i++) {
		struct plat *p = &m->plats[i];
		if (p->kind == KIND_NATIVE)
			continue;
		calibrate_direct(m, p);
	}
	fit_all(m);
	for (int i = 0; i < m->ncells; i++) {
		struct model_cell *c = &m->cells[i];
		const struct plat *p = model_plat(m, c->platform);
		c->g = guest_ns(m, c, M_DIRECT);
		c->pred[M_DIRECT] = isnan(c->g) || p->kind == KIND_NATIVE
					? NAN
					: c->g + cell_events_ns(c, p->c[M_DIRECT]) + c->h;
	}
	for (int i = 0; i < m->nplats; i++)
		for (int meth = 0; meth < NMETHODS; meth++) {
			error_stats(m, &m->plats[i], meth, false, &m->plats[i].all[meth]);
			error_stats(m, &m->plats[i], meth, true, &m->plats[i].counted[meth]);
		}
}
