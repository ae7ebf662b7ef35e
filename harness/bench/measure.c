/* measure.c: picks iterations from the time budget (calibration runs), then the measured run. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "bench.h"

#define CALIBRATION_ROUNDS 4
#define BOOT_SLACK_S	   5 /* the first round's bound: boot, then two operations */

/* The clock a cell's times are on (the platform's own, real time by default), and the note
 * its times carry; here rather than with the table of platforms, which needs measure_cell. */
const char *platform_clock(const struct platform *p, const struct cell *c)
{
	return p->clock ? p->clock(c) : CLOCK_REAL;
}

const char *platform_time_note(const struct platform *p, const struct cell *c)
{
	const char *note = clock_time_note(platform_clock(p, c));
	return note ? note : p->time_note ? p->time_note() : NULL;
}

/* Seconds of the first repetition in rec, or -1 when rec has no usable sample. */
static double first_rep_s(json_t *rec)
{
	double khz = json_number_value(json_object_get(rec, "tsc_khz"));
	json_t *cycles = json_object_get(rec, "cycles");
	if (khz <= 0 || json_array_size(cycles) == 0)
		return -1;
	return json_number_value(json_array_get(cycles, 0)) / (khz * 1e3);
}

static long clamp_long(double v, long lo, long hi)
{
	if (!(v >= lo)) /* also catches NaN */
		return lo;
	return v > hi ? hi : (long)v;
}

/* Copies the failure of a calibration run into rec. */
static int calibration_failed(json_t *rec, json_t *cal, long iters)
{
	const char *why = json_string_value(json_object_get(cal, "error"));
	json_object_set_new(rec, "ok", json_false());
	json_object_set_new(
	    rec, "error",
	    json_sprintf("calibration run (iters=%ld): %s", iters, why ? why : "no result"));
	json_decref(cal);
	return -1;
}

/* Records why a cell whose one operation outlasts the budget's limit is not measured. */
static int trimmed(json_t *rec, const struct cell *c, const struct budget *b, double op_s,
		   bool at_least)
{
	const char *note = platform_time_note(c->plat, c);
	json_object_set_new(rec, "trimmed", json_true());
	json_object_set_new(rec, "reason",
			    json_sprintf("trimmed: one operation took %s%.3g s, over the %.3g s "
					 "limit per operation (--max-op)%s%s",
					 at_least ? "more than " : "", op_s, b->max_op_s,
					 note ? "; here: " : "", note ? note : ""));
	return 1;
}

/*
 * lmbench's rule: the harness, not the workload, chooses the iteration count. Start at one
 * operation and grow until a repetition lasts a tenth of the target, then scale to the
 * target. A slow platform ends with few iterations (at least one) rather than long runs;
 * a cell whose single operation takes longer than b->max_op_s (guest ring 0 emulated on a
 * PVM host, say) is trimmed after its first operation, with the reason in the record.
 * Calibration runs warm up once too: a first operation on cold memory would overestimate.
 */
int measure_cell(const struct cell *c, const struct budget *b, run_once_fn run_once, json_t *rec)
{
	long iters = 1;
	double per_op_s = 0;
	for (int round = 0; round < CALIBRATION_ROUNDS; round++) {
		json_t *cal = json_object();
		/* the first round (a warm-up op and a measured one) is bounded by the limit per
		 * operation: an op that runs out of it is trimmed, not waited for */
		double first_bound = 2 * b->max_op_s + BOOT_SLACK_S;
		bool bounded = round == 0 && first_bound < b->timeout_s;
		if (run_once(c, iters, 1, 1, bounded ? first_bound : b->timeout_s, cal) < 0 ||
		    first_rep_s(cal) < 0) {
			/* out of time: the hv's watchdog, or the run was killed */
			const char *why = json_string_value(json_object_get(cal, "error"));
			if (bounded && why &&
			    (strstr(why, "ran past --timeout") || strstr(why, "timed out after"))) {
				json_decref(cal);
				return trimmed(rec, c, b, b->max_op_s, true);
			}
			return calibration_failed(rec, cal, iters);
		}
		double rep_s = first_rep_s(cal);
		json_decref(cal);
		per_op_s = rep_s / iters;
		if (round == 0 && per_op_s > b->max_op_s)
			return trimmed(rec, c, b, per_op_s, false);
		if (rep_s >= b->rep_s / 10 || iters >= c->max_iters)
			break;
		double want = per_op_s > 0 ? b->rep_s / 10 / per_op_s : iters * 1000.0;
		iters = clamp_long(want, iters * 2, c->max_iters);
	}
	iters = clamp_long(b->rep_s / fmax(per_op_s, 1e-9), 1, c->max_iters);

	/* When even one operation overruns the budget, fewer repetitions (but at least 2). */
	int reps = b->reps, warmup = b->warmup;
	double rep_s = per_op_s * iters;
	while (reps > 2 && rep_s * (reps + warmup) > 4 * b->rep_s * b->reps)
		reps--;
	printf("%d reps x %ld iters ... ", reps, iters);
	fflush(stdout);
	double timeout = b->timeout_s + 3 * rep_s * (reps + warmup);
	return run_once(c, iters, reps, warmup, timeout, rec);
}
