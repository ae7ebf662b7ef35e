/* pagefault.c: first touch of every page of one large region, one page per operation. */
#include <stdint.h>
#include <sys/mman.h>
#include "workload.h"

#define PAGE 4096

struct pagefault {
	char *mem;
	long next; /* the next untouched page */
};

static int setup(struct wl_ctx *ctx)
{
	static struct pagefault s;
	void *m = mmap(NULL, ctx->total_ops * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return wl_fail(ctx, "mmap of %ld pages failed", ctx->total_ops);
	s.mem = m;
	ctx->state = &s;
	return 0;
}

static int op(struct wl_ctx *ctx)
{
	struct pagefault *s = ctx->state;
	*(volatile uint64_t *)(s->mem + s->next * PAGE) = (uint64_t)s->next + 1;
	s->next++;
	return 0;
}

/* Every page holds what its first touch wrote: no page was lost or shared. */
static int check(struct wl_ctx *ctx)
{
	struct pagefault *s = ctx->state;
	for (long i = 0; i < s->next; i++)
		if (*(uint64_t *)(s->mem + i * PAGE) != (uint64_t)i + 1)
			return wl_fail(ctx, "page %ld lost its write", i);
	return munmap(s->mem, ctx->total_ops * PAGE) == 0 ? 0 : wl_fail(ctx, "munmap failed");
}

WORKLOAD(wl_pagefault) = {
    .name = "pagefault",
    .desc = "first touch of every page of one large region (one page per operation)",
    .max_iters = 16384, /* it keeps every page it touches: 64 MiB per repetition */
    .setup = setup,
    .op = op,
    .check = check,
};
