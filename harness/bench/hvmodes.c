/* hvmodes.c: the hv's modes and the options of a guest run, as build/hv --describe lists them
 * (the bench keeps no list of its own). */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "bench.h"
#include "proc.h"

/* The hv's description, asked once; a usage error when there is no hv to ask. */
static json_t *describe(void)
{
	static json_t *doc;
	static struct proc_out o;
	if (doc)
		return doc;
	char hv[4096];
	snprintf(hv, sizeof hv, "%s/hv", bench_bin_dir());
	char *argv[] = {hv, "--describe", NULL};
	if (proc_run(argv, 30, &o) == 0 && !o.timed_out && WIFEXITED(o.status) &&
	    WEXITSTATUS(o.status) == 0)
		doc = json_loads(o.out, 0, NULL);
	if (!json_is_array(json_object_get(doc, "modes")) ||
	    !json_is_array(json_object_get(doc, "options"))) {
		fprintf(stderr,
			"bench: the modes come from %s --describe, which did not answer "
			"(make build/hv)\n",
			hv);
		exit(RC_USAGE);
	}
	return doc;
}

int hv_modes(const char *names[], int max)
{
	size_t i;
	json_t *m;
	int n = 0;
	json_array_foreach(json_object_get(describe(), "modes"), i, m) if (n < max) names[n++] =
	    json_string_value(json_object_get(m, "name"));
	return n;
}

void hv_modes_print(FILE *f)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(describe(), "modes"), i, m)
	    fprintf(f, "  %-10s %s\n", json_string_value(json_object_get(m, "name")),
		    json_string_value(json_object_get(m, "description")));
}

json_t *hv_options(void)
{
	return json_object_get(describe(), "options");
}

const json_t *hv_option(const char *name)
{
	size_t i;
	json_t *o;
	json_array_foreach(
	    hv_options(), i,
	    o) if (!strcmp(json_string_value(json_object_get(o, "name")), name)) return o;
	return NULL;
}

bool hv_option_applies(const json_t *opt, const char *mode)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(opt, "modes"), i,
			   m) if (!strcmp(json_string_value(m), mode)) return true;
	return false;
}

void hv_option_values(const json_t *opt, char *buf, size_t len)
{
	json_t *choices = json_object_get(opt, "choices");
	size_t i;
	json_t *c;
	buf[0] = '\0';
	if (!choices) {
		snprintf(buf, len, "%s%lld..%lld",
			 json_is_true(json_object_get(opt, "even")) ? "even, " : "",
			 json_integer_value(json_object_get(opt, "min")),
			 json_integer_value(json_object_get(opt, "max")));
		return;
	}
	json_array_foreach(choices, i, c) snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
						   i ? ", " : "", json_string_value(c));
}

bool hv_option_accepts(const json_t *opt, const char *value)
{
	json_t *choices = json_object_get(opt, "choices");
	size_t i;
	json_t *c;
	if (choices) {
		json_array_foreach(choices, i,
				   c) if (!strcmp(json_string_value(c), value)) return true;
		return false;
	}
	char *end;
	long long v = strtoll(value, &end, 10);
	return value[0] && strspn(value, "0123456789") == strlen(value) && !*end &&
	       v >= json_integer_value(json_object_get(opt, "min")) &&
	       v <= json_integer_value(json_object_get(opt, "max")) &&
	       (!json_is_true(json_object_get(opt, "even")) || v % 2 == 0);
}
