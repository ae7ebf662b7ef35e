/* classic.h: the classic mode's hv side: the guest owns its page tables; the hv only takes back
 * the free blocks the guest reports (free page reporting, when asked). */
#ifndef HV_CLASSIC_H
#define HV_CLASSIC_H

#include "hv.h"

#define REPORT_CHUNK (2 * MIB) /* Linux's pageblock */

/* Free page reporting: blocks of chunk bytes in [base, top); chunk 0 when off. */
struct free_report {
	uint64_t chunk, base, top;
};
/* HC_FREE_REPORT: the guest's free blocks go back to the host at once (mode_state: a struct
 * free_report). */
extern const struct mode_calls classic_calls;

#endif
