/* matrix.c: the default parameter sweeps and the expansion of workload specs into cells. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "matrix.h"

#define MAX_POINTS 8

/* A sweep varies one parameter (others at fixed values or their defaults). */
struct sweep {
	const char *workload;
	const char *fixed; /* "k=v" held for every point, or NULL */
	const char *param;
	long full[MAX_POINTS]; /* zero-terminated */
	long quick[MAX_POINTS];
};

static const struct sweep sweeps[] = {
    {"forkstorm", NULL, "rss_kib", {64, 256, 1024, 4096, 16384, 65536}, {64, 1024, 16384}},
    {"forkstorm", "rss_kib=4096", "touch_pages", {1, 16, 256}, {16}},
    {"mmapchurn", NULL, "kib", {4, 16, 64, 256, 1024, 4096, 16384}, {4, 256, 4096}},
    /* 1 and 8 pages: TLB flushes by invlpg; 64 and 512: past the guest's limit, a CR3 reload
     * (two points on each side give the model a fixed and a per-page cost of each path) */
    {"mprotect", NULL, "pages", {1, 8, 64, 512}, {1, 64}},
    /* a map of 4 MiB written at every 16th and 256th page: against mmapchurn's, its pages
     * covered and backed move apart from its first touches */
    {"mmapsparse", "kib=4096", "stride", {16, 256}, {16}},
    /* concurrency: the hv gets one vCPU per copy or thread (copies=1 is the rss_kib=64 point) */
    {"forkstorm", NULL, "copies", {1, 2, 4}, {1, 2}},
    {"shootdown", NULL, "threads", {1, 2, 4}, {1, 2}},
    /* recorded programs (workloads/traces by name: gcc, make, python, sort, true) */
    {"replay", NULL, "trace", {1, 2, 3, 4, 5}, {5}},
};

static const char *const concurrency[] = {"copies", "threads"};

bool param_is_concurrency(const char *name)
{
	for (size_t i = 0; i < sizeof concurrency / sizeof concurrency[0]; i++)
		if (!strcmp(concurrency[i], name))
			return true;
	return false;
}

/* The workloads that fork: where the hv's fork policy makes a difference. */
static const char *const forking[] = {"forkexec", "forkstorm", "replay"};

static bool forks(const struct workload *w)
{
	for (size_t i = 0; i < sizeof forking / sizeof forking[0]; i++)
		if (strcmp(forking[i], w->name) == 0)
			return true;
	return false;
}

__attribute__((noreturn)) static void usage_error(const char *fmt, const char *what,
						  const char *valid)
{
	fprintf(stderr, "bench: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, " (valid: %s)\n", valid);
	exit(2);
}

void matrix_workload_names(char *buf, size_t len)
{
	buf[0] = '\0';
	for (const struct workload *w = wl_first(); w; w = wl_next(w))
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ", " : "", w->name);
}

static const struct workload *find_workload(const char *name)
{
	const struct workload *w = wl_find(name);
	if (w)
		return w;
	char valid[1024];
	matrix_workload_names(valid, sizeof valid);
	usage_error("unknown workload '%s'", name, valid);
}

/* "name=min..max, ..." of w's parameters, or "none". */
static void param_ranges(const struct workload *w, char *buf, size_t len)
{
	snprintf(buf, len, "%s", wl_nparams(w) ? "" : "none");
	for (int i = 0; i < wl_nparams(w); i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s=%ld..%ld", i ? ", " : "",
			 w->params[i].name, w->params[i].min, w->params[i].max);
}

/* Every parameter of a point is checked against the workload's declared names and ranges
 * before the first cell runs: a bad one is a usage error listing the valid ones. */
static void check_params(const struct workload *w, char *const kv[], int nkv)
{
	char valid[512], err[WL_ERR_MAX], what[WL_ERR_MAX + 64];
	struct wl_ctx ctx;
	param_ranges(w, valid, sizeof valid);
	for (int i = 0; i < nkv; i++) {
		size_t klen = strcspn(kv[i], "=");
		for (int j = 0; j < i; j++)
			if (strcspn(kv[j], "=") == klen && !strncmp(kv[i], kv[j], klen)) {
				snprintf(what, sizeof what, "%.*s' for workload '%s", (int)klen,
					 kv[i], w->name);
				usage_error("parameter '%s' given twice", what, valid);
			}
	}
	if (wl_parse_params(w, &ctx, nkv, kv, err, sizeof err) == 0)
		return;
	/* the registry's own words, without its list of names (valid follows) */
	size_t end = strcspn(err, "(");
	while (end > 0 && err[end - 1] == ' ')
		end--;
	err[end] = '\0';
	snprintf(what, sizeof what, "%s", err);
	usage_error("%s", what, valid);
}

static struct cell *new_cell(struct matrix *m)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->cells = realloc(m->cells, m->cap * sizeof *m->cells);
		if (!m->cells)
			die("realloc");
	}
	struct cell *c = &m->cells[m->n++];
	memset(c, 0, sizeof *c);
	return c;
}

/* Fills the parameter fields shared by every cell of one point (whose parameters
 * check_params or the sweep table vouch for). */
static void set_params(struct cell *c, const struct workload *w, char *const kv[], int nkv)
{
	struct wl_ctx ctx;
	char err[WL_ERR_MAX];
	c->wl = w;
	c->nkv = nkv;
	for (int i = 0; i < nkv; i++)
		if (!(c->kv[i] = strdup(kv[i])))
			die("strdup");
	if (wl_parse_params(w, &ctx, nkv, kv, err, sizeof err) < 0) {
		errno = EINVAL;
		die("a point of the sweep table: %s", err);
	}
	c->max_iters = w->max_iters ? w->max_iters : WL_MAX_ITERS;
	char *s = c->params;
	size_t left = sizeof c->params;
	for (int i = 0; i < wl_nparams(w); i++) {
		/* a point keeps the name it had before its workload could run concurrently */
		if (param_is_concurrency(w->params[i].name) && ctx.p[i] == 1)
			continue;
		int used = snprintf(s, left, "%s%s=%ld", s > c->params ? "," : "",
				    w->params[i].name, ctx.p[i]);
		if (used < 0 || (size_t)used >= left)
			break;
		s += used, left -= used;
	}
	memcpy(c->p, ctx.p, sizeof c->p);
	c->cpus = 1;
	for (int i = 0; i < wl_nparams(w); i++)
		if (param_is_concurrency(w->params[i].name) && c->p[i] > c->cpus)
			c->cpus = c->p[i] < MAX_CPUS ? (int)c->p[i] : MAX_CPUS;
}

/* Whether the matrix has this point of w already (two sweeps may share one). */
static bool has_point(const struct matrix *m, const struct workload *w, char *const kv[], int nkv)
{
	struct cell probe = {0};
	set_params(&probe, w, kv, nkv);
	bool found = false;
	for (int i = 0; i < m->n && !found; i++)
		found = m->cells[i].wl == w && !strcmp(m->cells[i].params, probe.params);
	for (int i = 0; i < nkv; i++)
		free(probe.kv[i]);
	return found;
}

/* The variant of combination k of the axes mode takes ("OPTION=VALUE/..."; NULL: none), or
 * false past the last combination. */
static bool variant_of(const struct matrix *m, const char *mode, int k, char **variant)
{
	char buf[256] = "";
	for (int a = 0; a < m->nvary; a++) {
		const struct vary *v = &m->vary[a];
		if (!hv_option_applies(hv_option(v->option), mode))
			continue;
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s=%s", buf[0] ? "/" : "",
			 v->option, v->values[k % v->nvalues]);
		k /= v->nvalues;
	}
	if (k > 0)
		return false;
	*variant = buf[0] ? strdup(buf) : NULL;
	if (buf[0] && !*variant)
		die("strdup");
	return true;
}

/* One point (a workload and its parameters) on every platform, mode, fork policy and
 * variant. */
static void add_point(struct matrix *m, const struct workload *w, char *const kv[], int nkv)
{
	for (int p = 0; p < m->nplats; p++) {
		int nmodes = m->plats[p]->has_modes ? m->nmodes : 1;
		for (int i = 0; i < nmodes; i++) {
			const char *mode = m->plats[p]->has_modes ? m->modes[i] : "none";
			bool policies = m->plats[p]->has_modes &&
					hv_option_applies(hv_option("fork-policy"), mode);
			int npolicies = policies && forks(w) ? m->nfork_policies : 1;
			char *variant;
			for (int k = 0; k < npolicies; k++)
				for (int v = 0; variant_of(m, mode, v, &variant); v++) {
					struct cell *c = new_cell(m);
					set_params(c, w, kv, nkv);
					c->plat = m->plats[p];
					c->mode = mode;
					c->fork_policy = policies ? m->fork_policies[k] : NULL;
					c->variant = variant;
				}
		}
	}
}

static void add_sweeps(struct matrix *m, const struct workload *w, bool quick)
{
	bool any = false;
	for (size_t s = 0; s < sizeof sweeps / sizeof sweeps[0]; s++) {
		if (strcmp(sweeps[s].workload, w->name) != 0)
			continue;
		const long *values = quick ? sweeps[s].quick : sweeps[s].full;
		for (int i = 0; i < MAX_POINTS && values[i]; i++) {
			char point[64];
			char *kv[2] = {point, (char *)sweeps[s].fixed};
			snprintf(point, sizeof point, "%s=%ld", sweeps[s].param, values[i]);
			if (!has_point(m, w, kv, sweeps[s].fixed ? 2 : 1))
				add_point(m, w, kv, sweeps[s].fixed ? 2 : 1);
		}
		any = true;
	}
	if (!any)
		add_point(m, w, NULL, 0);
}

void matrix_add_spec(struct matrix *m, const char *spec, bool quick)
{
	char *copy = strdup(spec), *rest;
	if (!copy)
		die("strdup");
	rest = copy;
	const struct workload *w = find_workload(strsep(&rest, ":"));
	char *kv[WL_MAX_PARAMS];
	int nkv = 0;
	if (rest && !*rest) /* "NAME:": one point at the defaults (the lab's inner specs) */
		rest = NULL;
	for (char *t; (t = strsep(&rest, ":"));) {
		if (nkv == WL_MAX_PARAMS)
			usage_error("too many parameters in '%s'", spec, "at most 4");
		kv[nkv++] = t;
	}
	check_params(w, kv, nkv);
	if (strchr(spec, ':'))
		add_point(m, w, kv, nkv);
	else
		add_sweeps(m, w, quick);
	free(copy);
}

void matrix_print_sweeps(FILE *f)
{
	for (size_t s = 0; s < sizeof sweeps / sizeof sweeps[0]; s++) {
		fprintf(f, "  %-10s %s%s%s =", sweeps[s].workload, sweeps[s].fixed ?: "",
			sweeps[s].fixed ? ", " : "", sweeps[s].param);
		for (int i = 0; i < MAX_POINTS && sweeps[s].full[i]; i++)
			fprintf(f, " %ld", sweeps[s].full[i]);
		fprintf(f, "  (quick:");
		for (int i = 0; i < MAX_POINTS && sweeps[s].quick[i]; i++)
			fprintf(f, " %ld", sweeps[s].quick[i]);
		fprintf(f, ")\n");
	}
	fprintf(f, "  other workloads run once with their default parameters\n");
	fprintf(f, "  a cell with copies or threads = N runs on N vCPUs (hv --cpus N)\n");
	fprintf(f, "  in the modes that take the hv's --fork-policy,");
	for (size_t i = 0; i < sizeof forking / sizeof forking[0]; i++)
		fprintf(f, "%s %s", i ? "," : "", forking[i]);
	fprintf(f, " run under every --fork-policies entry, other workloads\n"
		   "  (which never fork) under the first\n");
}
