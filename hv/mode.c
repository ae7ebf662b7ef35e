/* mode.c: the registry of modes: every HV_MODE, in the order the linker placed them. */
#include <string.h>
#include "mode.h"

const struct choice choice_off_on[] = {{"off", 0}, {"on", 1}, {0}};

/* The linker collects every HV_MODE() into this section and brackets it with these. */
extern const struct hv_mode __start_hv_modes[];
extern const struct hv_mode __stop_hv_modes[];

const struct hv_mode *hv_mode_first(void)
{
	const struct hv_mode *m = __start_hv_modes;
	return m < __stop_hv_modes ? m : NULL;
}

const struct hv_mode *hv_mode_next(const struct hv_mode *m)
{
	return m + 1 < __stop_hv_modes ? m + 1 : NULL;
}

const struct hv_mode *hv_mode_find(const char *name)
{
	for (const struct hv_mode *m = hv_mode_first(); m; m = hv_mode_next(m))
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}
