/* runner.c: main() of the workload program: parses arguments, times repetitions, reports. */
/* The same file runs in the guest and on Linux. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "abi.h"
#include "program.h"
#include "workload.h"

#define USAGE "usage: wl NAME iters=N|budget_us=U reps=R warmup=W [param=value...]"

PROGRAM_DESC("what --workload starts: runs one workload, reports its timings; " USAGE);

/* Takes "key=N" for the runner's own keys; 1 if kv was one of them, -1 if malformed. */
static int runner_key(const char *kv, const char *key, long *out)
{
	size_t n = strlen(key);
	if (strncmp(kv, key, n) != 0 || kv[n] != '=')
		return 0;
	char why[64];
	return wl_parse_decimal(kv + n + 1, out, why, sizeof why) == 0 && *out >= 0 ? 1 : -1;
}

static void fail_usage(struct hc_result *r, const char *why)
{
	snprintf(r->msg, sizeof r->msg, "%s; " USAGE, why);
	pl_report(r);
	exit(2);
}

/* Runs one repetition of iters operations and returns its TSC cycles, or 0 on failure. */
static uint64_t run_rep(const struct workload *w, struct wl_ctx *ctx)
{
	uint64_t t0 = pl_rdtsc();
	if (w->rep && w->rep(ctx) < 0)
		return 0;
	for (long i = 0; !w->rep && i < ctx->iters; i++)
		if (w->op(ctx) < 0)
			return 0;
	uint64_t t = pl_rdtsc() - t0;
	return t ? t : 1;
}

static long clamp_long(double v, long lo, long hi)
{
	return v < lo ? lo : v > hi ? hi : (long)v;
}

/*
 * Under a time budget (lmbench's rule, as the bench applies it across runs): probes of one
 * operation, then of at least twice as many (at most cap operations in all, within what setup
 * provided for), until a probe lasts a tenth of the budget; then as many operations per
 * repetition as fill the budget, at least one and at most cap. The probes run before the
 * warm-up, outside the timed section, each followed by a progress call. 0 on failure.
 */
static long budget_iters(const struct workload *w, struct wl_ctx *ctx, double budget, long cap)
{
	long probe = 1, used = 0;
	double per_op;
	for (;;) {
		ctx->iters = probe;
		uint64_t t = run_rep(w, ctx);
		if (!t)
			return 0;
		pl_progress(probe, t);
		used += probe;
		per_op = (double)t / (double)probe;
		if (t >= budget / 10 || used >= cap)
			break;
		probe = clamp_long(clamp_long(budget / 10 / per_op, 2 * probe, cap), 1, cap - used);
	}
	return clamp_long(budget / per_op, 1, cap);
}

int main(int argc, char **argv)
{
	static struct hc_result r;
	r.start_tsc = pl_rdtsc();
	if (argc < 2)
		fail_usage(&r, "no workload named");
	const struct workload *w = wl_find(argv[1]);
	if (!w) {
		char why[HC_MSG_MAX - sizeof USAGE] = "unknown workload";
		for (const struct workload *v = wl_first(); v; v = wl_next(v))
			snprintf(why + strlen(why), sizeof why - strlen(why), "%s%s",
				 v == wl_first() ? " (valid: " : ", ", v->name);
		snprintf(why + strlen(why), sizeof why - strlen(why), ")");
		fail_usage(&r, why);
	}

	long iters = -1, reps = 1, warmup = 0, budget_us = 0; /* iters -1: not given */
	char *params[argc];
	int nparams = 0;
	for (int i = 2; i < argc; i++) {
		int k = runner_key(argv[i], "iters", &iters);
		if (!k)
			k = runner_key(argv[i], "budget_us", &budget_us);
		if (!k)
			k = runner_key(argv[i], "reps", &reps);
		if (!k)
			k = runner_key(argv[i], "warmup", &warmup);
		if (k < 0)
			fail_usage(&r, "iters, budget_us, reps and warmup take a non-negative "
				       "decimal integer");
		if (!k)
			params[nparams++] = argv[i];
	}
	if (iters >= 0 && budget_us)
		fail_usage(&r, "give iters or budget_us, not both");
	if (iters < 0)
		iters = budget_us ? 0 : 1;
	if ((!budget_us && iters < 1) || reps < 1 || reps > HC_MAX_SAMPLES)
		fail_usage(&r, "need iters >= 1 (or budget_us >= 1) and 1 <= reps <= 64");
	double budget = (double)budget_us * (double)pl_tsc_khz() / 1e3; /* TSC cycles */
	if (budget_us && budget < 1)
		fail_usage(&r, "budget_us needs the TSC rate, which is unknown here: give iters");

	long cap = w->max_iters ? w->max_iters : WL_MAX_ITERS;
	struct wl_ctx ctx = {.iters = iters,
			     .total_ops =
				 budget_us ? cap * (warmup + reps + 1) : iters * (warmup + reps)};
	char why[HC_MSG_MAX];
	if (wl_parse_params(w, &ctx, nparams, params, why, sizeof why) < 0)
		fail_usage(&r, why);

	int ok = !w->setup || w->setup(&ctx) == 0;
	if (ok && budget_us)
		ok = (ctx.iters = budget_iters(w, &ctx, budget, cap)) != 0;
	r.iters = ctx.iters;
	pl_progress(ctx.iters, 0);
	for (long i = 0; ok && i < warmup; i++) {
		uint64_t t = run_rep(w, &ctx);
		ok = t != 0;
		if (ok)
			pl_progress(ctx.iters, t);
	}
	pl_mark(MARK_BEGIN);
	for (long i = 0; ok && i < reps; i++) {
		r.cycles[i] = run_rep(w, &ctx);
		ok = r.cycles[i] != 0;
		r.nsamples = ok ? i + 1 : i;
	}
	pl_mark(MARK_END);
	if (ok && w->check)
		ok = w->check(&ctx) == 0;

	r.ok = ok;
	if (!ok)
		snprintf(r.msg, sizeof r.msg, "%s: %s", w->name,
			 ctx.err[0] ? ctx.err : "failed without a reason");
	pl_report(&r);
	return ok ? 0 : 1;
}
