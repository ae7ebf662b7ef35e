/* runner.c: main() of the workload program: parses arguments, times repetitions, reports. */
/* The same file runs in the guest and on Linux. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "abi.h"
#include "workload.h"

#define USAGE "usage: wl NAME iters=N reps=R warmup=W [param=value...]"

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

	long iters = 1, reps = 1, warmup = 0;
	char *params[argc];
	int nparams = 0;
	for (int i = 2; i < argc; i++) {
		int k = runner_key(argv[i], "iters", &iters);
		if (!k)
			k = runner_key(argv[i], "reps", &reps);
		if (!k)
			k = runner_key(argv[i], "warmup", &warmup);
		if (k < 0)
			fail_usage(&r,
				   "iters, reps and warmup take a non-negative decimal integer");
		if (!k)
			params[nparams++] = argv[i];
	}
	if (iters < 1 || reps < 1 || reps > HC_MAX_SAMPLES)
		fail_usage(&r, "need iters >= 1 and 1 <= reps <= 64");

	struct wl_ctx ctx = {.iters = iters, .total_ops = iters * (warmup + reps)};
	char why[HC_MSG_MAX];
	if (wl_parse_params(w, &ctx, nparams, params, why, sizeof why) < 0)
		fail_usage(&r, why);
	r.iters = iters;

	int ok = !w->setup || w->setup(&ctx) == 0;
	for (long i = 0; ok && i < warmup; i++)
		ok = run_rep(w, &ctx) != 0;
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
