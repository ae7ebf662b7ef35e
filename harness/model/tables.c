/* tables.c: the model's generated markdown tables, the check TSV and the quoted values. */
#include <math.h>
#include <string.h>
#include "model.h"

/* The error in percent, signed ("+0.0%", never "-0.0%", when it rounds to nothing). */
static const char *fmt_err(double pred, double t, char *buf, size_t len)
{
	double e = 100 * (pred - t) / t;
	if (isnan(pred))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%+.1f%%", fabs(e) < 0.05 ? 0.0 : e);
	return buf;
}

static const char *fmt_pct(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", 100 * v);
	return buf;
}

static const char *series(const struct model_cell *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", c->mode, c->policy[0] ? "/" : "", c->policy);
	return buf;
}

/* Why p has no costs: no cells, or too few for its events. */
static const char *unfitted(const struct plat *p, char *buf, size_t len)
{
	if (p->ncells == 0)
		snprintf(buf, len, "no cell on the instruction clock with a split");
	else
		snprintf(buf, len, "not fitted: %d cells for %d costs (at most a third as many)",
			 p->ncells, p->nparams);
	return buf;
}

void write_costs(const struct model *m, FILE *f)
{
	char a[32], why[128];
	fprintf(f, "| platform | event | instructions per event | cells counting it |\n"
		   "|---|---|---|---|\n");
	if (m->nfitted == 0)
		fprintf(f, "| - | %s | - | - |\n", NO_ICOUNT);
	for (int i = 0; i < m->nplats; i++) {
		const struct plat *p = &m->plats[i];
		if (!p->lab || m->nfitted == 0)
			continue;
		if (p->n == 0) {
			fprintf(f, "| %s | %s | - | %d |\n", p->name, unfitted(p, why, sizeof why),
				p->ncells);
			continue;
		}
		for (int k = 0; k < NEV; k++) {
			int n = 0;
			for (int j = 0; j < m->ncells; j++)
				n += m->cells[j].fitted && !strcmp(m->cells[j].platform, p->name) &&
				     m->cells[j].n[k] > 0;
			fprintf(f, "| %s | %s | %s | %d |\n", p->name, events[k].name,
				p->used[k] ? fmt_count(p->c[k], a, sizeof a) : "- (never counted)",
				n);
		}
	}
}

void write_check(const struct model *m, FILE *f)
{
	char s[64], t[32], g[32], h[32], v[32], p[32], e[16];
	fprintf(f, "| workload | params | mode | platform | measured | guest (counted) | host "
		   "kernel (split) | hv (split) | model (cell left out) | error |\n"
		   "|---|---|---|---|---|---|---|---|---|---|\n");
	if (m->nfitted == 0)
		fprintf(f, "| - | - | - | - | %s | - | - | - | - | - |\n", NO_ICOUNT);
	for (int i = 0; i < m->ncells; i++) {
		const struct model_cell *c = &m->cells[i];
		if (!c->fitted)
			continue;
		fprintf(f, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c->workload,
			c->params[0] ? c->params : "-", series(c, s, sizeof s), c->platform,
			fmt_count(c->t, t, sizeof t), fmt_count(c->guest, g, sizeof g),
			fmt_count(c->host, h, sizeof h), fmt_count(c->hv, v, sizeof v),
			fmt_count(c->pred, p, sizeof p), fmt_err(c->pred, c->t, e, sizeof e));
	}
}

static const char *verdict(const struct plat *p)
{
	bool med = p->median <= TARGET_MEDIAN, worst = p->worst <= TARGET_WORST;
	return med && worst ? "yes" : med ? "median only" : worst ? "worst only" : "no";
}

/* One row per lab platform, then the cells over the worst-error target by name. */
void write_check_summary(const struct model *m, FILE *f)
{
	char a[16], b[16], why[128], s[64], e[16];
	fprintf(f,
		"| platform | cells | costs fitted | median error | worst error | cells over "
		"%.0f%% | targets (%.0f%% / %.0f%%) met |\n|---|---|---|---|---|---|---|\n",
		100 * TARGET_WORST, 100 * TARGET_MEDIAN, 100 * TARGET_WORST);
	if (m->nfitted == 0)
		fprintf(f, "| - | %s | - | - | - | - | - |\n", NO_ICOUNT);
	for (int i = 0; i < m->nplats; i++) {
		const struct plat *p = &m->plats[i];
		if (!p->lab || m->nfitted == 0)
			continue;
		if (p->n == 0)
			fprintf(f, "| %s | %d | - | - | - | - | %s |\n", p->name, p->ncells,
				unfitted(p, why, sizeof why));
		else
			fprintf(f, "| %s | %d | %d | %s | %s | %d | %s |\n", p->name, p->n,
				p->nparams, fmt_pct(p->median, a, sizeof a),
				fmt_pct(p->worst, b, sizeof b), p->over, verdict(p));
	}
	int untraced = 0;
	for (int i = 0; i < m->ncells; i++)
		untraced += m->cells[i].fitted && !m->cells[i].traced;
	if (untraced)
		fprintf(f,
			"\n%d of %d fitted cells had no --trace pass: KVM's re-reads of guest "
			"page-table entries count as none there (run the bench with --trace)\n",
			untraced, m->nfitted);
	bool first = true;
	for (int i = 0; i < m->ncells; i++) {
		const struct model_cell *c = &m->cells[i];
		if (!c->fitted || isnan(c->pred) || fabs(c->pred - c->t) <= TARGET_WORST * c->t)
			continue;
		fprintf(f, "%s- over %.0f%%: %s %s %s %s (%s)\n", first ? "\n" : "",
			100 * TARGET_WORST, c->platform, c->workload,
			c->params[0] ? c->params : "-", series(c, s, sizeof s),
			fmt_err(c->pred, c->t, e, sizeof e));
		first = false;
	}
}

/* One row per fitted cell, for the check plot: measured against predicted instructions. */
void write_check_tsv(const struct model *m, FILE *f)
{
	fprintf(f, "workload\tparams\tseries\tplatform\tguest\tmeasured\tpredicted\n");
	for (int i = 0; i < m->ncells; i++) {
		const struct model_cell *c = &m->cells[i];
		char s[64];
		if (c->fitted && !isnan(c->pred))
			fprintf(f, "%s\t%s\t%s\t%s\t%.6g\t%.6g\t%.6g\n", c->workload,
				c->params[0] ? c->params : "-", series(c, s, sizeof s), c->platform,
				c->guest, c->t, c->pred);
	}
}

/* "name value" lines: the numbers the text quotes. */
void write_values(const struct model *m, FILE *f)
{
	char a[32];
	for (int i = 0; i < m->nplats; i++) {
		const struct plat *p = &m->plats[i];
		if (p->lab && p->n > 0) {
			fprintf(f, "check.%s.median %s\n", p->name,
				fmt_pct(p->median, a, sizeof a));
			fprintf(f, "check.%s.worst %s\n", p->name, fmt_pct(p->worst, a, sizeof a));
			fprintf(f, "check.%s.cells %d\n", p->name, p->n);
			fprintf(f, "check.%s.over %d\n", p->name, p->over);
			for (int k = 0; k < NEV; k++)
				if (p->used[k])
					fprintf(f, "cost.%s.%s %s\n", p->name, events[k].key,
						fmt_count(p->c[k], a, sizeof a));
		}
		fprintf(f, "calib.%s.bare %s\n", p->name, fmt_ns(p->bare_ns, a, sizeof a));
		fprintf(f, "calib.%s.hv %s\n", p->name, fmt_ns(p->hv_hypercall_ns, a, sizeof a));
		fprintf(f, "calib.%s.in_kvm %s\n", p->name, fmt_ns(p->in_kvm_exit_ns, a, sizeof a));
		fprintf(f, "calib.%s.ratio %.2f\n", p->name, p->ratio);
	}
}

/* A value asked for by name in the write-up, computed from the cells: "t W P S PLAT" (median
 * time per op), "err W P S PLAT" (the model's left-out error), "n EVENT W P S PLAT" (events
 * per op; EVENT an event key, "exits" for all exits, "hc" for hypercalls, "copied" for pages
 * the hv copied, "covered" for pages ptefree's range hypercalls covered) or "rss W P S PLAT"
 * (the hv's RSS after the run), where P is the params ("-" for none) and S the series
 * ("classic", "ptefree/lazy"). NULL when the query is malformed or names no cell. */
const char *model_value(const struct model *m, const char *query, char *buf, size_t len)
{
	char what[16], ev[32] = "", w[64], params[128], series[64], plat[64];
	int n = sscanf(query, "%15s", what);
	if (n == 1 && (!strcmp(what, "t") || !strcmp(what, "rss") || !strcmp(what, "err")))
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
		return !strcmp(c->clock, "instructions") ? fmt_count(c->t, buf, len)
							 : fmt_ns(c->t, buf, len);
	if (!strcmp(what, "err"))
		return isnan(c->pred) ? NULL : fmt_err(c->pred, c->t, buf, len);
	if (!strcmp(what, "rss")) {
		snprintf(buf, len, "%.1f MiB", c->rss_kib / 1024);
		return isnan(c->rss_kib) ? NULL : buf;
	}
	double v = !strcmp(ev, "hc")	    ? c->hc
		   : !strcmp(ev, "copied")  ? c->copied
		   : !strcmp(ev, "covered") ? c->covered
		   : !strcmp(ev, "exits")   ? c->exits
					    : NAN;
	for (int k = 0; k < NEV; k++)
		if (!strcmp(ev, events[k].key))
			v = c->n[k];
	if (isnan(v))
		return NULL;
	snprintf(buf, len, "%.2f", v);
	return buf;
}
