/* calls.c: the pvmmu mode's guest view: its hypercalls and its invariants' full check. */
#include "hv.h"
#include "pvmmu.h"
#include "state.h"

static int check(const void *state, char *err, size_t errlen)
{
	return pvmmu_check(state, true, err, errlen);
}

static const hc_handler handlers[] = {pv_hc_batch, pv_hc_new_base};

const struct mode_calls pvmmu_calls = {HC_PV_BATCH, sizeof handlers / sizeof handlers[0], handlers,
				       check};

void pvmmu_attach(struct guest *g, struct pvmmu *pv)
{
	g->calls = &pvmmu_calls;
	g->mode_state = pv;
}

struct pvmmu *pvmmu_of(const struct guest *g)
{
	return g->calls == &pvmmu_calls ? g->mode_state : NULL;
}
