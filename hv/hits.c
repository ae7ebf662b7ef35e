/* hits.c: --count-hits: event counts in files (tracefs hist totals) read at the marks. */
#include <stdio.h>
#include <string.h>
#include "hv.h"

void hits_parse(const char *list, struct hits *h)
{
	memset(h, 0, sizeof *h);
	if (!list)
		return;
	if (strlen(list) >= sizeof h->buf)
		usage_error("--count-hits: the list is longer than %zu characters",
			    sizeof h->buf - 1);
	strcpy(h->buf, list);
	for (char *save = NULL, *p = strtok_r(h->buf, ",", &save); p;
	     p = strtok_r(NULL, ",", &save)) {
		if (h->n == HITS_MAX)
			usage_error("--count-hits: more than %d files", HITS_MAX);
		if (hist_hits(p) == HITS_NONE)
			usage_error("--count-hits: %s has no \"Hits: N\" line to read (a tracefs "
				    "event's hist file with a hist trigger on it)",
				    p);
		h->path[h->n++] = p;
	}
}
