/* kalloc.c: a syscall in which the kernel allocates, checks and frees count objects. */
#include "workload.h"

enum { SIZE, COUNT };

static int op(struct wl_ctx *ctx)
{
	long r = pl_kalloc(ctx->p[SIZE], ctx->p[COUNT]);
	if (r != 0)
		return wl_fail(ctx, "kernel allocation test returned %ld", r);
	return 0;
}

WORKLOAD(wl_kalloc) = {
    .name = "kalloc",
    .desc = "the kernel allocates count objects of size bytes, checks them and frees them",
    .flags = WL_GUEST_ONLY,
    .params = {{"size", 64, 8, 2048, "object size (bytes)"},
	       {"count", 16, 1, 1024, "objects per call"}},
    .op = op,
};
