/* mmapchurn.c: mmap kib of anonymous memory, check it reads zero, write every page, munmap. */
#include <stdint.h>
#include <sys/mman.h>
#include "workload.h"

#define PAGE 4096
enum { KIB };

static int op(struct wl_ctx *ctx)
{
	long pages = ctx->p[KIB] * 1024 / PAGE;
	char *m =
	    mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return wl_fail(ctx, "mmap of %ld KiB failed", ctx->p[KIB]);
	for (long i = 0; i < pages; i++) {
		volatile uint64_t *w = (uint64_t *)(m + i * PAGE);
		if (*w != 0)
			return wl_fail(ctx, "fresh page %ld reads 0x%lx, not zero", i,
				       (unsigned long)*w);
		*w = (uint64_t)i + 1;
	}
	if (munmap(m, pages * PAGE) != 0)
		return wl_fail(ctx, "munmap failed");
	return 0;
}

WORKLOAD(wl_mmapchurn) = {
    .name = "mmapchurn",
    .desc = "mmap kib of anonymous memory, check it reads zero, write every page, munmap",
    .params = {{"kib", 256, 4, 1 << 20, "region size (KiB, whole pages)"}},
    .op = op,
};
