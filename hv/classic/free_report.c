/* free_report.c: the classic mode's hypercall: free blocks the guest reports go back to the host.
 */
#include "classic.h"

/* The guest reads zeros in a reported block afterwards. */
static int64_t free_report(struct guest *g, const struct hc_args *a)
{
	const struct free_report *fr = g->mode_state;
	uint64_t chunk = fr->chunk;
	if (!chunk)
		return -HC_ENOSYS;
	if (a->a0 % chunk || a->a1 % chunk || a->a1 == 0 || a->a0 < fr->base || a->a0 > fr->top ||
	    a->a1 > fr->top - a->a0)
		return -HC_EINVAL;
	return gmem_discard(&g->mem, a->a0, a->a1);
}

static const hc_handler handlers[] = {free_report};

const struct mode_calls classic_calls = {HC_FREE_REPORT, 1, handlers, NULL};
