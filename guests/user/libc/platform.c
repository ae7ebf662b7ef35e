/* platform.c: the pagelab platform calls of workload.h, as the guest kernel provides them. */
#include <stdio.h>
#include "abi.h"
#include "syscall.h"
#include "workload.h"

uint64_t pl_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

uint64_t pl_tsc_khz(void)
{
	return libc_tsc_khz;
}

void pl_mark(int phase)
{
	syscall6(SYS_pl_mark, phase, 0, 0, 0, 0, 0);
}

void pl_progress(long ops, uint64_t cycles)
{
	syscall6(SYS_pl_progress, ops, (long)cycles, 0, 0, 0, 0);
}

long pl_nullhc(void)
{
	return syscall6(SYS_pl_nullhc, 0, 0, 0, 0, 0, 0);
}

long pl_kalloc(long size, long count)
{
	return syscall6(SYS_pl_kalloc_test, size, count, 0, 0, 0, 0);
}

const char *pl_true_path(void)
{
	return "true"; /* exec finds embedded programs by name */
}

const char *pl_wl_path(void)
{
	return "wl";
}

void pl_report(const struct hc_result *r)
{
	long err = syscall6(SYS_pl_report, (long)r, 0, 0, 0, 0, 0);
	if (err < 0)
		fprintf(stderr, "pl_report: the kernel refused the result (error %ld)\n", -err);
}
