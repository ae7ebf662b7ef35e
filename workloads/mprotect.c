/* mprotect.c: calibration: write-protect resident pages and give the write access back. */
#include <stdint.h>
#include <sys/mman.h>
#include "workload.h"

#define PAGE 4096
enum { PAGES };

static int setup(struct wl_ctx *ctx)
{
	long pages = ctx->p[PAGES];
	char *m =
	    mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return wl_fail(ctx, "mmap of %ld pages failed", pages);
	for (long i = 0; i < pages; i++)
		*(volatile uint64_t *)(m + i * PAGE) = (uint64_t)i + 1; /* resident */
	ctx->state = m;
	return 0;
}

/* Two protection changes of resident pages and nothing else: in classic mode each is a TLB
 * flush of the changed entries (invlpg per page, or a CR3 reload for many pages). */
static int op(struct wl_ctx *ctx)
{
	long len = ctx->p[PAGES] * PAGE;
	if (mprotect(ctx->state, len, PROT_READ) != 0)
		return wl_fail(ctx, "mprotect read-only failed");
	if (mprotect(ctx->state, len, PROT_READ | PROT_WRITE) != 0)
		return wl_fail(ctx, "mprotect read-write failed");
	return 0;
}

/* Every page still holds what setup wrote. */
static int check(struct wl_ctx *ctx)
{
	char *m = ctx->state;
	for (long i = 0; i < ctx->p[PAGES]; i++)
		if (*(uint64_t *)(m + i * PAGE) != (uint64_t)i + 1)
			return wl_fail(ctx, "page %ld lost its content", i);
	return 0;
}

WORKLOAD(wl_mprotect) = {
    .name = "mprotect",
    .desc = "calibration: write-protect resident pages, then make them writable again",
    .params = {{"pages", 1, 1, 4096, "resident pages changed per mprotect call"}},
    .setup = setup,
    .op = op,
    .check = check,
};
