/* labmark.c: empty functions whose execution the lab's instruction split watches for. */
/* harness/lab/insnsplit.c (a QEMU plugin) is given their addresses (nm of the static hv) and
 * acts when a translation block starting at one of them runs. Each keeps a distinct body so
 * that the compiler neither drops the call nor folds two of them into one address. */
#include "hv.h"

#define LAB_MARK(name)                                                                             \
	__attribute__((noinline, noclone, no_icf)) void name(void)                                 \
	{                                                                                          \
		__asm__ volatile("# " #name ::: "memory");                                         \
	}

LAB_MARK(lab_mark_run)
LAB_MARK(lab_mark_begin)
LAB_MARK(lab_mark_end)
