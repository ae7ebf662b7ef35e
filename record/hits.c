/* hits.c: the total a tracefs histogram file gives (its "Hits: N" lines, summed). */
#include <inttypes.h>
#include "record.h"

uint64_t hist_hits(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	uint64_t sum = 0, v;
	bool found = false;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, " Hits: %" SCNu64, &v) == 1) {
			sum += v;
			found = true;
		}
	if (f)
		fclose(f);
	return found ? sum : HITS_NONE;
}
