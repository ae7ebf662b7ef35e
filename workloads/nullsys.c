/* nullsys.c: calibration: the cheapest system call (getpid). */
#include <unistd.h>
#include "workload.h"

static int op(struct wl_ctx *ctx)
{
	if (getpid() <= 0)
		return wl_fail(ctx, "getpid returned a non-positive pid");
	return 0;
}

WORKLOAD(wl_nullsys) = {
    .name = "nullsys",
    .desc = "calibration: one getpid system call",
    .op = op,
};
