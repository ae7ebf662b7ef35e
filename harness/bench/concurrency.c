/* concurrency.c: the table and concurrency.tsv of the cells with copies or threads (vCPUs). */
/* The counts come from the hv's run record ("smp_per_op"): the guest kernel's own (struct
 * hc_kcounts at its marks), KVM's remote TLB flushes, the hv lock's contention and exits per
 * vCPU. A record without a count (an hv of one vCPU, native runs) shows "-" for it. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "bench.h"

#define MAX_VCPU_TEXT 64

/* The cell's copies or threads (from its parameter values), 0 for a workload without either. */
static long concurrency(json_t *r, const char **kind)
{
	const struct workload *w = wl_find(rec_str(r, "workload"));
	json_t *values = json_object_get(r, "param_values");
	for (int i = 0; w && i < wl_nparams(w); i++)
		if (param_is_concurrency(w->params[i].name)) {
			double v = rec_num(json_array_get(values, i));
			*kind = w->params[i].name;
			return isnan(v) ? 0 : (long)v;
		}
	return 0;
}

/* Whether run r belongs in the concurrency table: several copies or threads, or one where the
 * same point ran with several too (its baseline). */
static bool shown(json_t *runs, json_t *r)
{
	const char *kind, *k2;
	long n = concurrency(r, &kind);
	if (n != 1 || strcmp(rec_str(r, "status"), "ok"))
		return n > 1 && !strcmp(rec_str(r, "status"), "ok");
	const struct workload *w = wl_find(rec_str(r, "workload"));
	json_t *mine = json_object_get(r, "param_values"), *o;
	size_t i;
	json_array_foreach(runs, i, o)
	{
		if (strcmp(rec_str(o, "workload"), w->name) || concurrency(o, &k2) <= 1)
			continue;
		bool same = true;
		for (int p = 0; p < wl_nparams(w); p++)
			same &= param_is_concurrency(w->params[p].name) ||
				rec_num(json_array_get(mine, p)) ==
				    rec_num(json_array_get(json_object_get(o, "param_values"), p));
		if (same)
			return true;
	}
	return false;
}

/* The counts of one run, per operation, in the order of the TSV and table columns. */
enum count {
	IPIS_SENT,
	IPIS_RECV,
	SHOOTDOWNS,
	LOCK_SPINS,
	REMOTE_FLUSH,
	REMOTE_FLUSH_REQ,
	HV_LOCK_WAITS,
	NCOUNTS
};
static const char *const count_names[NCOUNTS] = {
    [IPIS_SENT] = "ipis_sent",		 [IPIS_RECV] = "ipis_recv",
    [SHOOTDOWNS] = "shootdowns",	 [LOCK_SPINS] = "lock_spins",
    [REMOTE_FLUSH] = "remote_tlb_flush", [REMOTE_FLUSH_REQ] = "remote_tlb_flush_requests",
    [HV_LOCK_WAITS] = "hv_lock_waits"};

/* The hv's "smp_per_op" (harness/run-record.schema.json) and its guest kernel counts. */
static void counts_of(json_t *r, double c[NCOUNTS])
{
	json_t *smp = json_object_get(r, "smp_per_op");
	json_t *kc = json_object_get(smp, "guest_kcounts");
	for (int i = IPIS_SENT; i <= LOCK_SPINS; i++)
		c[i] = rec_num(json_object_get(kc, count_names[i]));
	for (int i = REMOTE_FLUSH; i <= HV_LOCK_WAITS; i++)
		c[i] = rec_num(json_object_get(smp, count_names[i]));
}

/* Exits to the hv per op of each vCPU, "a/b/c", or "-" without them. */
static void vcpu_exits(json_t *r, char *buf, size_t len)
{
	json_t *per = json_object_get(json_object_get(r, "smp_per_op"), "exits_by_vcpu"), *v;
	size_t i, used = 0;
	snprintf(buf, len, "-");
	json_array_foreach(per, i, v)
	{
		int n = snprintf(buf + used, len - used, "%s%.3g", i ? "/" : "", rec_num(v));
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += n;
	}
}

static void num_text(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, v >= 1000 ? "%.0f" : "%.3g", v);
}

/* Two counts as "a/b" ("-" for a missing one). */
static void pair_text(char *buf, size_t len, double a, double b)
{
	char ta[16], tb[16];
	num_text(ta, sizeof ta, a);
	num_text(tb, sizeof tb, b);
	snprintf(buf, len, "%s/%s", ta, tb);
}

void concurrency_print(json_t *runs, FILE *f)
{
	size_t i;
	json_t *r;
	bool heading = false, copies = false;
	long most = 0, cores = sysconf(_SC_NPROCESSORS_ONLN);
	json_array_foreach(runs, i, r)
	{
		const char *kind;
		if (!shown(runs, r))
			continue;
		long n = concurrency(r, &kind);
		most = n > most ? n : most;
		if (!heading) {
			fprintf(f, "\nConcurrency: per operation, with copies or threads = vCPUs "
				   "(IPIs sent/received and shootdowns: the guest kernel's counts; "
				   "remote TLB flushes done/requested: KVM's; hv lock waits; exits "
				   "to the hv of each vCPU)\n");
			fprintf(f, "  %-9s %-12s %-36s %-28s %9s %7s %9s %6s %9s %6s  %s\n",
				"workload", "at once", "point", "series", "p50", "exits",
				"IPIs s/r", "shoot", "rtlb f/r", "lockw", "exits per vCPU");
			heading = true;
		}
		copies |= !strcmp(kind, "copies");
		double c[NCOUNTS];
		counts_of(r, c);
		char series[96], lat[32], ipis[40], rtlb[40], exits[16], shoot[16], lockw[16];
		char per_vcpu[MAX_VCPU_TEXT];
		rec_series(r, series, sizeof series);
		rec_time_text(r, rec_p50(r), lat, sizeof lat);
		pair_text(ipis, sizeof ipis, c[IPIS_SENT], c[IPIS_RECV]);
		pair_text(rtlb, sizeof rtlb, c[REMOTE_FLUSH], c[REMOTE_FLUSH_REQ]);
		num_text(exits, sizeof exits, rec_exits(r));
		num_text(shoot, sizeof shoot, c[SHOOTDOWNS]);
		num_text(lockw, sizeof lockw, c[HV_LOCK_WAITS]);
		vcpu_exits(r, per_vcpu, sizeof per_vcpu);
		char what[32];
		snprintf(what, sizeof what, "%s=%ld", kind, n);
		fprintf(f, "  %-9s %-12s %-36s %-28s %9s %7s %9s %6s %9s %6s  %s%s\n",
			rec_str(r, "workload"), what, rec_str(r, "params"), series, lat, exits,
			ipis, shoot, rtlb, lockw, per_vcpu,
			rec_str(r, "time_note")[0] ? "  *" : "");
	}
	if (copies)
		fprintf(f,
			"  copies: the time is one fork as each copy sees it, over a repetition "
			"that also starts and reaps the copies (one fork, exit and wait each per "
			"repetition: see \"iterations\"); the counts are of all copies together "
			"(one fork in each)\n");
	if (most > cores)
		fprintf(f,
			"  more copies or threads than this machine's %ld cores: they (or their "
			"vCPUs) take turns, and their times include the waits\n",
			cores);
}

void concurrency_write_tsv(FILE *f, json_t *runs)
{
	fputs("workload\tparams\tlabel\tkind\tconcurrency\tp1\tp2\tp3\tp4\tp10_ns\tp50_ns\tp90_"
	      "ns\texits_per_op",
	      f);
	for (int i = 0; i < NCOUNTS; i++)
		fprintf(f, "\t%s_per_op", count_names[i]);
	fputs("\texits_per_vcpu_per_op\ttime_unit\n", f);
	size_t i;
	json_t *r;
	json_array_foreach(runs, i, r)
	{
		const char *kind;
		long n = concurrency(r, &kind);
		if (!shown(runs, r))
			continue;
		json_t *values = json_object_get(r, "param_values");
		json_t *lat = json_object_get(r, "latency_ns");
		fprintf(f, "%s\t%s\t%s\t%s\t%ld", rec_str(r, "workload"), rec_str(r, "params"),
			rec_str(r, "label"), kind, n);
		double nums[4 + 4 + NCOUNTS];
		int k = 0;
		for (size_t p = 0; p < WL_MAX_PARAMS; p++)
			nums[k++] = rec_num(json_array_get(values, p));
		nums[k++] = rec_num(json_object_get(lat, "p10"));
		nums[k++] = rec_num(json_object_get(lat, "p50"));
		nums[k++] = rec_num(json_object_get(lat, "p90"));
		nums[k++] = rec_exits(r);
		counts_of(r, nums + k);
		k += NCOUNTS;
		for (int j = 0; j < k; j++)
			fprintf(f, isnan(nums[j]) ? "\tNaN" : "\t%.6g", nums[j]);
		char per_vcpu[MAX_VCPU_TEXT];
		vcpu_exits(r, per_vcpu, sizeof per_vcpu);
		fprintf(f, "\t%s\t%s\n", per_vcpu, rec_time_unit(r));
	}
}
