/* frames.c: the cold-warm table: first touches on reused frames against fresh ones, per cell. */
#include <math.h>
#include <string.h>
#include "model.h"

/* The ok run of runs with r's workload, params, mode, fork policy and platform whose frames
 * are frames, or NULL. */
static json_t *with_frames(json_t *runs, json_t *r, const char *frames)
{
	static const char *const same[] = {"workload", "params", "mode", "fork_policy", "platform"};
	json_t *o;
	size_t i;
	json_array_foreach(runs, i, o)
	{
		bool match =
		    !strcmp(rec_str(o, "status"), "ok") && !strcmp(rec_str(o, "frames"), frames);
		for (size_t k = 0; match && k < sizeof same / sizeof same[0]; k++)
			match = !strcmp(rec_str(o, same[k]), rec_str(r, same[k]));
		if (match)
			return o;
	}
	return NULL;
}

/* r[a][b] as a number, NAN when absent. */
static double at(json_t *r, const char *a, const char *b)
{
	return rec_number(json_object_get(json_object_get(r, a), b));
}

/* In-KVM page faults (KVM's pf_taken) per op. */
static double kvm_faults(json_t *r)
{
	return at(json_object_get(r, "kvm_stats_per_op"), "vcpu", "pf_taken");
}

/* Instructions per op (the median), NAN off the lab's instruction clock. */
static double instructions(json_t *r)
{
	return strcmp(rec_str(r, "time_unit"), "instructions") ? NAN : at(r, "latency_ns", "p50");
}

/* Kernel pages the host newly backed per operation of the measured repetitions. */
static double backed(json_t *r)
{
	double ops = rec_number(json_object_get(r, "iterations")) *
		     rec_number(json_object_get(r, "repetitions"));
	return (at(r, "ram_backed_pages", "end") - at(r, "ram_backed_pages", "begin")) / ops;
}

static void pair(FILE *f, double warm, double cold)
{
	char a[16], b[16];
	fprintf(f, " %s / %s |", fmt_count(warm, a, sizeof a), fmt_count(cold, b, sizeof b));
}

void write_frames(json_t *doc, FILE *f)
{
	fprintf(f, "| workload | mode | MMU | in-KVM page faults per op, reused / fresh | exits to "
		   "the hv per op | instructions per op | fresh / reused | kernel pages the host "
		   "newly backed per op |\n|---|---|---|---|---|---|---|---|\n");
	json_t *runs = json_object_get(doc, "runs"), *warm, *cold;
	size_t i;
	json_array_foreach(runs, i, warm)
	{
		if (strcmp(rec_str(warm, "status"), "ok") ||
		    strcmp(rec_str(warm, "frames"), "reused") ||
		    !(cold = with_frames(runs, warm, "fresh")))
			continue;
		const char *policy = rec_str(warm, "fork_policy");
		fprintf(f, "| %s%s%s | %s%s%s | %s |", rec_str(warm, "workload"),
			*rec_str(warm, "params") ? " " : "", rec_str(warm, "params"),
			rec_str(warm, "mode"), *policy ? "/" : "", policy, rec_str(warm, "mmu"));
		pair(f, kvm_faults(warm), kvm_faults(cold));
		pair(f, event_count(&events[EV_HV_EXIT], warm),
		     event_count(&events[EV_HV_EXIT], cold));
		pair(f, instructions(warm), instructions(cold));
		double ratio = instructions(cold) / instructions(warm);
		fprintf(f, isnan(ratio) ? " - |" : " %.2fx |", ratio);
		pair(f, backed(warm), backed(cold));
		fputc('\n', f);
	}
}
