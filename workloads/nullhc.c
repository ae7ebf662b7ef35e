/* nullhc.c: calibration: a system call that issues one empty hypercall. */
#include "workload.h"

static int op(struct wl_ctx *ctx)
{
	long r = pl_nullhc();
	if (r != 0)
		return wl_fail(ctx, "empty hypercall returned %ld", r);
	return 0;
}

WORKLOAD(wl_nullhc) = {
    .name = "nullhc",
    .desc = "calibration: a system call that issues one empty hypercall",
    .flags = WL_GUEST_ONLY,
    .op = op,
};
