/* mmapsparse.c: calibration: mmap kib of anonymous memory, write every stride-th page, munmap. */
#include <stdint.h>
#include <sys/mman.h>
#include "workload.h"

#define PAGE 4096
enum { KIB, STRIDE };

/* Against mmapchurn (every page written), the pages a map and an unmap cover and back move
 * apart from the pages first touched: their costs can be told apart. */
static int op(struct wl_ctx *ctx)
{
	long pages = ctx->p[KIB] * 1024 / PAGE, stride = ctx->p[STRIDE];
	char *m =
	    mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return wl_fail(ctx, "mmap of %ld KiB failed", ctx->p[KIB]);
	for (long i = 0; i < pages; i += stride)
		*(volatile uint64_t *)(m + i * PAGE) = (uint64_t)i + 1;
	for (long i = 0; i < pages; i += stride)
		if (*(volatile uint64_t *)(m + i * PAGE) != (uint64_t)i + 1)
			return wl_fail(ctx, "page %ld lost its write", i);
	return munmap(m, pages * PAGE) == 0 ? 0 : wl_fail(ctx, "munmap failed");
}

WORKLOAD(wl_mmapsparse) = {
    .name = "mmapsparse",
    .desc = "calibration: mmap kib of anonymous memory, write one page in every stride, munmap",
    .params = {{"kib", 4096, 4, 1 << 20, "region size (KiB, whole pages)"},
	       {"stride", 16, 1, 4096, "pages from one written page to the next"}},
    .op = op,
};
