/* native.c: the platform calls for workloads running as plain Linux processes (the baseline). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include "abi.h"
#include "workload.h"

uint64_t pl_rdtsc(void)
{
	return __rdtsc();
}

/* Natively there is no hypervisor whose counters a mark would bracket. */
void pl_mark(int phase)
{
	(void)phase;
}

void pl_progress(long ops, uint64_t cycles)
{
	(void)ops, (void)cycles;
}

/* Guest-only services (WL_GUEST_ONLY workloads): the bench never runs them natively. */
long pl_nullhc(void)
{
	return -1;
}

long pl_kalloc(long size, long count)
{
	(void)size, (void)count;
	return -1;
}

/* The companion program lives next to this executable. */
const char *pl_true_path(void)
{
	static char path[4096];
	if (!path[0]) {
		ssize_t n = readlink("/proc/self/exe", path, sizeof path - 16);
		if (n < 0)
			n = 0;
		path[n] = '\0';
		char *slash = strrchr(path, '/');
		strcpy(slash ? slash + 1 : path, "true");
	}
	return path;
}

const char *pl_wl_path(void)
{
	return "/proc/self/exe";
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* TSC frequency measured against CLOCK_MONOTONIC over 50 ms, once. */
uint64_t pl_tsc_khz(void)
{
	static uint64_t khz;
	if (khz)
		return khz;
	double t0 = now_ns();
	uint64_t c0 = pl_rdtsc();
	struct timespec nap = {0, 50 * 1000 * 1000};
	nanosleep(&nap, NULL);
	khz = (uint64_t)((pl_rdtsc() - c0) / ((now_ns() - t0) / 1e6));
	return khz;
}

/* One line on stdout that the bench parses. */
void pl_report(const struct hc_result *r)
{
	printf("RESULT ok=%u iters=%lu tsc_khz=%lu cycles=", r->ok, (unsigned long)r->iters,
	       (unsigned long)pl_tsc_khz());
	for (uint32_t i = 0; i < r->nsamples && i < HC_MAX_SAMPLES; i++)
		printf("%s%lu", i ? "," : "", (unsigned long)r->cycles[i]);
	printf(" msg=%s\n", r->msg);
	fflush(stdout);
	if (!r->ok)
		fprintf(stderr, "wl: %s\n", r->msg);
}
