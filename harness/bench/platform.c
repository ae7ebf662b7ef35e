/* platform.c: the table of platforms the bench can run cells on; one entry per platform. */
#include <stdio.h>
#include <string.h>
#include "bench.h"

extern const struct platform platform_native, platform_host, platform_lab_npt, platform_lab_shadow,
    platform_hv_paging;

static const struct platform *const platforms[] = {
    &platform_native, &platform_host, &platform_lab_npt, &platform_lab_shadow, &platform_hv_paging,
};

const struct platform *platform_at(int i)
{
	return i >= 0 && i < (int)(sizeof platforms / sizeof platforms[0]) ? platforms[i] : NULL;
}

const struct platform *platform_find(const char *name)
{
	for (int i = 0; platform_at(i); i++)
		if (strcmp(platform_at(i)->name, name) == 0)
			return platform_at(i);
	return NULL;
}

void platform_list_names(char *buf, size_t len)
{
	buf[0] = '\0';
	for (int i = 0; platform_at(i); i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? ", " : "",
			 platform_at(i)->name);
}
