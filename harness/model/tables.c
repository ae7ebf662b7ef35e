/* tables.c: the model's generated markdown tables, the check TSV and the quoted values. */
#include <math.h>
#include <string.h>
#include "model.h"

#define TARGET_MEDIAN 0.15 /* the model check's targets: median and worst |error| */
#define TARGET_WORST  0.35

static const char *fmt_err(double pred, double t, char *buf, size_t len)
{
	if (isnan(pred))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%+.0f%%", 100 * (pred - t) / t);
	return buf;
}

static const char *fmt_pct(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.0f%%", 100 * v);
	return buf;
}

static bool modelled(const struct plat *p)
{
	return p->kind != KIND_NATIVE;
}

void write_costs(const struct model *m, FILE *f)
{
	char a[32], b[32];
	fprintf(f, "| platform | event | ns per event, direct | ns per event, fit | "
		   "calibrated from |\n|---|---|---|---|---|\n");
	for (int i = 0; i < m->nplats; i++) {
		const struct plat *p = &m->plats[i];
		if (!modelled(p))
			continue;
		if (p->kind == KIND_LAB)
			fprintf(
			    f,
			    "| %s | guest speed (time of the same guest code, relative) | %.2f | "
			    "%.2f | cells without events, against the first lab platform |\n",
			    p->name, p->speed[M_DIRECT], p->speed[M_FIT]);
		for (int k = 0; k < NEV; k++) {
			if (k == EV_INSN && p->kind != KIND_PVM)
				continue;
			fprintf(f, "| %s | %s | %s | %s | %s |\n", p->name, event_name[k],
				fmt_ns(p->c[M_DIRECT][k], a, sizeof a),
				fmt_ns(p->c[M_FIT][k], b, sizeof b), p->src[k]);
		}
	}
}

static const char *series(const struct model_cell *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", c->mode, c->policy[0] ? "/" : "", c->policy);
	return buf;
}

void write_check(const struct model *m, FILE *f)
{
	char s[64], t[32], g[32], e[32], h[32], p0[32], e0[16], p1[32], e1[16];
	fprintf(f, "| workload | params | mode | platform | measured | guest | events | hv "
		   "handlers | model (direct) | error | model (fit) | error |\n"
		   "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (int i = 0; i < m->ncells; i++) {
		const struct model_cell *c = &m->cells[i];
		const struct plat *p = model_plat((struct model *)m, c->platform);
		if (!modelled(p))
			continue;
		fprintf(f, "| %s | %s | %s | %s%s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			c->workload, c->params[0] ? c->params : "-", series(c, s, sizeof s),
			c->platform, c->cal >= 0 ? " (cal)" : "", fmt_ns(c->t, t, sizeof t),
			fmt_ns(c->g, g, sizeof g),
			fmt_ns(cell_events_ns(c, p->c[M_DIRECT]), e, sizeof e),
			fmt_ns(c->h, h, sizeof h), fmt_ns(c->pred[M_DIRECT], p0, sizeof p0),
			fmt_err(c->pred[M_DIRECT], c->t, e0, sizeof e0),
			fmt_ns(c->pred[M_FIT], p1, sizeof p1),
			fmt_err(c->pred[M_FIT], c->t, e1, sizeof e1));
	}
}

static const char *verdict(const struct err_stats *s)
{
	if (s->n == 0)
		return "no cell";
	bool med = s->median <= TARGET_MEDIAN, worst = s->worst <= TARGET_WORST;
	return med && worst ? "yes" : med ? "median only" : worst ? "worst only" : "no";
}

/* One row per platform, method and set of cells: all, or those the counted parts dominate. */
void write_check_summary(const struct model *m, FILE *f)
{
	char a[16], b[16];
	fprintf(f,
		"| platform | method | cells | cells checked | median error | worst error | "
		"targets (%.0f%% / %.0f%%) met |\n|---|---|---|---|---|---|---|\n",
		100 * TARGET_MEDIAN, 100 * TARGET_WORST);
	for (int i = 0; i < m->nplats; i++) {
		const struct plat *p = &m->plats[i];
		if (!modelled(p))
			continue;
		for (int meth = 0; meth < NMETHODS; meth++)
			for (int set = 0; set < 2; set++) {
				const struct err_stats *s = set ? &p->counted[meth] : &p->all[meth];
				fprintf(f, "| %s | %s | %s | %d | %s | %s | %s |\n", p->name,
					method_name[meth],
					set ? "events and hv >= half the time" : "all", s->n,
					fmt_pct(s->median, a, sizeof a),
					fmt_pct(s->worst, b, sizeof b), verdict(s));
			}
	}
}

/* One row per modelled cell, for the check plot: measured against predicted. */
void write_check_tsv(const struct model *m, FILE *f)
{
	fprintf(f, "workload\tparams\tseries\tplatform\tcal\tmeasured_ns\tdirect_ns\tfit_ns\n");
	for (int i = 0; i < m->ncells; i++) {
		const struct model_cell *c = &m->cells[i];
		char s[64];
		if (!modelled(model_plat((struct model *)m, c->platform)) ||
		    isnan(c->pred[M_DIRECT]))
			continue;
		fprintf(f, "%s\t%s\t%s\t%s\t%d\t%.6g\t%.6g\t%.6g\n", c->workload,
			c->params[0] ? c->params : "-", series(c, s, sizeof s), c->platform,
			c->cal >= 0, c->t, c->pred[M_DIRECT], c->pred[M_FIT]);
	}
}

/* "name value" lines: the numbers the text quotes. */
void write_values(const struct model *m, FILE *f)
{
	char a[32];
	for (int i = 0; i < m->nplats; i++) {
		const struct plat *p = &m->plats[i];
		if (!modelled(p))
			continue;
		for (int meth = 0; meth < NMETHODS; meth++)
			for (int set = 0; set < 2; set++) {
				const struct err_stats *st =
				    set ? &p->counted[meth] : &p->all[meth];
				const char *name = set ? "counted" : "all";
				fprintf(f, "check.%s.%s.%s.median %s\n", p->name, method_name[meth],
					name, fmt_pct(st->median, a, sizeof a));
				fprintf(f, "check.%s.%s.%s.worst %s\n", p->name, method_name[meth],
					name, fmt_pct(st->worst, a, sizeof a));
				fprintf(f, "check.%s.%s.%s.cells %d\n", p->name, method_name[meth],
					name, st->n);
			}
		fprintf(f, "speed.%s.direct %.2f\n", p->name, p->speed[M_DIRECT]);
		fprintf(f, "calib.%s.bare %s\n", p->name, fmt_ns(p->bare_ns, a, sizeof a));
		fprintf(f, "calib.%s.hv %s\n", p->name, fmt_ns(p->hv_hypercall_ns, a, sizeof a));
		fprintf(f, "calib.%s.in_kvm %s\n", p->name, fmt_ns(p->in_kvm_exit_ns, a, sizeof a));
		fprintf(f, "calib.%s.ratio %.2f\n", p->name, p->ratio);
		for (int k = 0; k < NEV; k++)
			for (int meth = 0; meth < NMETHODS; meth++)
				fprintf(f, "cost.%s.%s.%s %s\n", p->name, method_name[meth],
					event_key[k], fmt_ns(p->c[meth][k], a, sizeof a));
	}
}

/* A value asked for by name in the write-up, computed from the cells: "t W P S PLAT" (median
 * time per op), "n EVENT W P S PLAT" (events per op; EVENT an event key, "exits" for all
 * exits, "hc" for hypercalls, "copied" for pages the hv copied) or "rss W P S PLAT" (the hv's
 * RSS after the run), where P is the params ("-" for none) and S the series ("classic",
 * "ptefree/lazy"). NULL when the query is malformed or names no cell. */
const char *model_value(const struct model *m, const char *query, char *buf, size_t len)
{
	char what[16], ev[32] = "", w[64], params[128], series[64], plat[64];
	int n = sscanf(query, "%15s", what);
	if (n == 1 && (!strcmp(what, "t") || !strcmp(what, "rss")))
		n = sscanf(query, "%*s %63s %127s %63s %63s", w, params, series, plat) == 4;
	else if (n == 1 && !strcmp(what, "n"))
		n = sscanf(query, "n %31s %63s %127s %63s %63s", ev, w, params, series, plat) == 5;
	else
		return NULL;
	if (!n)
		return NULL;
	char *policy = strchr(series, '/');
	if (policy)
		*policy++ = 0;
	int i =
	    cell_find(m, w, strcmp(params, "-") ? params : "", series, policy ? policy : "", plat);
	if (i < 0)
		return NULL;
	const struct model_cell *c = &m->cells[i];
	if (!strcmp(what, "t"))
		return fmt_ns(c->t, buf, len);
	if (!strcmp(what, "rss")) {
		snprintf(buf, len, "%.1f MiB", c->rss_kib / 1024);
		return isnan(c->rss_kib) ? NULL : buf;
	}
	double v = !strcmp(ev, "hc") ? c->hc : !strcmp(ev, "copied") ? c->copied : NAN;
	if (!strcmp(ev, "exits"))
		v = c->n[EV_HV_EXIT] + c->n[EV_KVM_PF] + c->n[EV_KVM_OTHER];
	for (int k = 0; k < NEV; k++)
		if (!strcmp(ev, event_key[k]))
			v = c->n[k];
	if (isnan(v))
		return NULL;
	snprintf(buf, len, "%.2f", v);
	return buf;
}
