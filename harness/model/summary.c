/* summary.c: the abstract's verdict and the summary figure, from the projection's TSV. */
/*
 * For each workload class, MMU and design, the modelled hardware time per operation relative
 * to classic's at the same point (workload and params) and MMU: at the low costs (low / low)
 * and at the high ones (high / high), over every point of the class; ptefree at each point
 * with the cheaper of its fork policies. The geometric mean of the two ends over the points is
 * the figure's mark, the smallest and largest ratio its bar; the verdict is "less" when every
 * ratio is under 1 - SAME, "more" when every one is over 1 + SAME, "same" when all are within
 * SAME of 1, "either" otherwise.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

#define MAX_ROWS 512
#define SAME	 0.05 /* ratios within 5% of 1: about the same as classic */

static const struct {
	const char *name, *workloads; /* workloads: space-separated, each between spaces */
} classes[] = {
    {"fork", " forkstorm forkexec "},
    {"map and unmap", " mmapchurn mmapsparse mprotect shootdown "},
    {"first touch", " pagefault "},
    {"kernel memory", " kalloc "},
};
#define NCLASSES (int)(sizeof classes / sizeof classes[0])
static const char *const mmus[] = {"npt", "shadow"};
static const char *const mmu_words[] = {"nested paging", "shadow paging"};
static const char *const designs[] = {"ptefree", "pvmmu"};

struct prow {
	char workload[64], params[128], series[32], mmu[16];
	double lo, hi;
};

struct ratio {
	int n;		      /* points */
	double min, max, log; /* smallest and largest ratio, sum of log ratios (both ends) */
};

static int read_projection(const char *path, struct prow *rows)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0;
	if (!f) {
		fprintf(stderr, "model: cannot read %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof line, f) && n < MAX_ROWS) {
		struct prow *r = &rows[n];
		if (sscanf(line, "%63[^\t]\t%127[^\t]\t%31[^\t]\t%15[^\t]\t%lf\t%lf", r->workload,
			   r->params, r->series, r->mmu, &r->lo, &r->hi) == 6 &&
		    r->lo > 0 && r->hi > 0)
			n++;
	}
	fclose(f);
	return n;
}

/* The projection's rows are read once per OUT_DIR (each reproduce anchor asks twice). */
bool projected(const char *out_dir, const char *workload, const char *params, const char *series,
	       const char *mmu, double *lo, double *hi)
{
	static struct prow rows[MAX_ROWS];
	static char read_from[4096];
	static int n;
	char path[4096];
	snprintf(path, sizeof path, "%s/projection.tsv", out_dir);
	if (strcmp(path, read_from)) {
		n = read_projection(path, rows);
		snprintf(read_from, sizeof read_from, "%s", n < 0 ? "" : path);
	}
	for (int i = 0; i < n; i++)
		if (!strcmp(rows[i].workload, workload) && !strcmp(rows[i].params, params) &&
		    !strcmp(rows[i].series, series) && !strcmp(rows[i].mmu, mmu)) {
			*lo = rows[i].lo;
			*hi = rows[i].hi;
			return true;
		}
	return false;
}

static bool in_class(int c, const char *workload)
{
	char w[80];
	snprintf(w, sizeof w, " %s ", workload);
	return strstr(classes[c].workloads, w) != NULL;
}

/* The row of a design at a point: ptefree's cheaper policy (by the mean of both ends). */
static const struct prow *at(const struct prow *rows, int n, const struct prow *p,
			     const char *design)
{
	const struct prow *best = NULL;
	size_t len = strlen(design);
	for (int i = 0; i < n; i++) {
		const struct prow *r = &rows[i];
		if (strcmp(r->workload, p->workload) || strcmp(r->params, p->params) ||
		    strcmp(r->mmu, p->mmu) || strncmp(r->series, design, len) ||
		    (r->series[len] && r->series[len] != '/'))
			continue;
		if (!best || r->lo + r->hi < best->lo + best->hi)
			best = r;
	}
	return best;
}

static struct ratio class_ratio(const struct prow *rows, int n, int c, int mmu, int design)
{
	struct ratio q = {0, INFINITY, 0, 0};
	for (int i = 0; i < n; i++) {
		const struct prow *p = &rows[i];
		if (strcmp(p->series, "classic") || strcmp(p->mmu, mmus[mmu]) ||
		    !in_class(c, p->workload))
			continue;
		const struct prow *d = at(rows, n, p, designs[design]);
		if (!d)
			continue;
		double r[2] = {d->lo / p->lo, d->hi / p->hi};
		for (int b = 0; b < 2; b++) {
			q.min = fmin(q.min, r[b]);
			q.max = fmax(q.max, r[b]);
			q.log += log(r[b]) / 2;
		}
		q.n++;
	}
	return q;
}

static const char *verdict(const struct ratio *q)
{
	return q->max < 1 - SAME			  ? "less"
	       : q->min > 1 + SAME			  ? "more"
	       : q->min >= 1 - SAME && q->max <= 1 + SAME ? "same"
							  : "either";
}

/* "0.31-0.52x", or "1x" when both ends print alike */
static const char *range(const struct ratio *q, char *buf, size_t len)
{
	char lo[24], hi[24];
	snprintf(lo, sizeof lo, "%.2g", q->min);
	snprintf(hi, sizeof hi, "%.2g", q->max);
	snprintf(buf, len, "%s%s%sx", lo, strcmp(lo, hi) ? "-" : "", strcmp(lo, hi) ? hi : "");
	return buf;
}

/* One sentence per MMU: under MMU, ptefree costs less for ..., more for ...; pvmmu .... (a
 * class where a design costs about the same as classic is left to the figure) */
static void write_sentence(const struct prow *rows, int n, int mmu, FILE *f)
{
	static const char *const words[] = {"less", "more", "either"};
	static const char *const lead[] = {"less for", "more for", "less or more by point for"};
	char buf[64];
	fprintf(f, "Under %s,", mmu_words[mmu]);
	for (int d = 0; d < 2; d++) {
		int said = 0;
		fprintf(f, "%s %s%s", d ? ";" : "", designs[d], d ? "" : " costs");
		for (int v = 0; v < 3; v++) {
			int k = 0;
			for (int c = 0; c < NCLASSES; c++) {
				struct ratio q = class_ratio(rows, n, c, mmu, d);
				if (!q.n || strcmp(verdict(&q), words[v]))
					continue;
				fprintf(f, "%s%s%s%s (%s)", k || said ? ", " : " ",
					k ? "" : lead[v], k ? "" : " ", classes[c].name,
					range(&q, buf, sizeof buf));
				k++;
			}
			said += k;
		}
		if (!said)
			fprintf(f, " about what classic costs");
	}
	fprintf(f, ".\n");
}

/* Each design's geometric mean over the classes both designs have, under mmu (NAN: none). */
static void means(const struct prow *rows, int n, int mmu, double mean[2])
{
	double sum[2] = {0, 0};
	int k = 0;
	for (int c = 0; c < NCLASSES; c++) {
		struct ratio q[2] = {class_ratio(rows, n, c, mmu, 0),
				     class_ratio(rows, n, c, mmu, 1)};
		if (!q[0].n || !q[1].n)
			continue;
		for (int d = 0; d < 2; d++)
			sum[d] += q[d].log / q[d].n;
		k++;
	}
	for (int d = 0; d < 2; d++)
		mean[d] = k ? exp(sum[d] / k) : NAN;
}

/* Which of classic, ptefree and pvmmu costs least under mmu, over the classes. */
static void write_overall(const struct prow *rows, int n, int mmu, FILE *f)
{
	double mean[2];
	means(rows, n, mmu, mean);
	if (isnan(mean[0]))
		return;
	int d = mean[1] < mean[0];
	fprintf(f,
		"Least overall there (geometric mean of the classes): %s (ptefree %.2gx, pvmmu "
		"%.2gx).\n",
		mean[d] < 1 ? designs[d] : "classic", mean[0], mean[1]);
}

/* OUT_DIR/abstract.md (the abstract's verdict) and OUT_DIR/relative.tsv (the figure's data),
 * from OUT_DIR/projection.tsv. */
int write_summary(const char *out_dir)
{
	char path[4096];
	static struct prow rows[MAX_ROWS];
	snprintf(path, sizeof path, "%s/projection.tsv", out_dir);
	int n = read_projection(path, rows);
	if (n < 0)
		return RC_IO;
	snprintf(path, sizeof path, "%s/abstract.md", out_dir);
	FILE *md = fopen(path, "w");
	snprintf(path, sizeof path, "%s/relative.tsv", out_dir);
	FILE *tsv = fopen(path, "w");
	if (!md || !tsv) {
		fprintf(stderr, "model: cannot write %s\n", path);
		return RC_IO;
	}
	fprintf(tsv,
		"class, mmu\tptefree\tptefree_min\tptefree_max\tpvmmu\tpvmmu_min\tpvmmu_max\n");
	for (int c = 0; n && c < NCLASSES; c++)
		for (int u = 0; u < 2; u++) {
			fprintf(tsv, "%s, %s", classes[c].name, mmus[u]);
			for (int d = 0; d < 2; d++) {
				struct ratio q = class_ratio(rows, n, c, u, d);
				if (q.n)
					fprintf(tsv, "\t%.4g\t%.4g\t%.4g", exp(q.log / q.n), q.min,
						q.max);
				else
					fprintf(tsv, "\tNaN\tNaN\tNaN");
			}
			fprintf(tsv, "\n");
		}
	if (n == 0)
		fprintf(md,
			"This snapshot cannot say which design costs less: it has no lab cells on "
			"the instruction clock (run make paper-data).\n");
	for (int u = 0; n && u < 2; u++) {
		write_sentence(rows, n, u, md);
		write_overall(rows, n, u, md);
	}
	int rc = ferror(md) | fclose(md) | ferror(tsv) | fclose(tsv);
	return rc ? RC_IO : 0;
}
