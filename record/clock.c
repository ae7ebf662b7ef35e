/* clock.c: what a measured time counts where it was taken: real time or the lab's clock. */
#include <stdlib.h>
#include <string.h>
#include "record.h"

const char *const lab_clocks[] = {CLOCK_INSTRUCTIONS, CLOCK_TCG, NULL};

/* harness/lab/run.sh tells the command inside; a QEMU machine started otherwise runs on the
 * emulator's wall clock (TCG). */
const char *clock_lab(void)
{
	const char *env = getenv("PAGELAB_LAB_CLOCK");
	if (env && (!strcmp(env, CLOCK_INSTRUCTIONS) || !strcmp(env, CLOCK_KVM)))
		return env;
	return CLOCK_TCG;
}

const char *clock_time_note(const char *clock)
{
	return !strcmp(clock, CLOCK_INSTRUCTIONS) ? TIME_NOTE_LAB_INSNS
	       : !strcmp(clock, CLOCK_TCG)	  ? TIME_NOTE_LAB_TCG
	       : !strcmp(clock, CLOCK_KVM)	  ? TIME_NOTE_LAB_KVM
						  : NULL;
}

const char *clock_time_unit(const char *clock)
{
	return !strcmp(clock, CLOCK_INSTRUCTIONS) ? "instructions" : "ns";
}
