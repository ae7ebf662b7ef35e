/* choose.c: the bench's list options (platforms, modes, fork policies, --vary axes), each
 * checked against what the hv and the platforms offer; a bad entry is a usage error. */
#include <stdlib.h>
#include <string.h>
#include "matrix.h"

/* Options of a guest run the bench sets itself, per cell: not a --vary axis. */
static const char *const per_cell[] = {"mode",	"workload", "exec", "iters",  "reps", "warmup",
				       "param", "timeout",  "json", "kernel", "cpus"};

/* A list option names at least one entry and no empty one ("", ",", "a,,b"): else a usage
 * error listing the valid choices. */
void check_list(const char *opt, const char *list, const char *valid)
{
	size_t n = strlen(list);
	if (n && list[0] != ',' && list[n - 1] != ',' && !strstr(list, ",,"))
		return;
	if (n)
		fprintf(stderr, "bench: %s '%s' has an empty entry (valid: %s)\n", opt, list,
			valid);
	else
		fprintf(stderr, "bench: %s names nothing (valid: %s)\n", opt, valid);
	exit(RC_USAGE);
}

void select_platforms(struct matrix *m, char *list)
{
	char *save = NULL, valid[256];
	platform_list_names(valid, sizeof valid);
	check_list("--platforms", list, valid);
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const struct platform *p = platform_find(t);
		if (!p) {
			fprintf(stderr, "bench: unknown platform '%s' (valid: %s)\n", t, valid);
			exit(RC_USAGE);
		}
		if (m->nplats < (int)(sizeof m->plats / sizeof m->plats[0]))
			m->plats[m->nplats++] = p;
	}
}

/* Picks the entries of a comma-separated list out of the valid names (at most max, each
 * once, in the order given); an unknown one is a usage error that lists the valid ones. */
static int select_names(const char *what, char *list, const char *const valid[], int nvalid,
			const char *chosen[], int max)
{
	char *save = NULL, names[256] = "", opt[64];
	int n = 0;
	for (int i = 0; i < nvalid; i++)
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
			 valid[i]);
	snprintf(opt, sizeof opt, "the %s list", what);
	check_list(opt, list, names);
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int found = -1;
		for (int i = 0; i < nvalid; i++)
			if (!strcmp(t, valid[i]))
				found = i;
		if (found < 0) {
			fprintf(stderr, "bench: unknown %s '%s' (valid: %s)\n", what, t, names);
			exit(RC_USAGE);
		}
		bool dup = false;
		for (int i = 0; i < n; i++)
			dup |= chosen[i] == valid[found];
		if (!dup && n < max)
			chosen[n++] = valid[found];
	}
	return n;
}

/* An option that takes one of the valid names (NULL-terminated): --trace-method,
 * --lab-clock. Anything else is a usage error that lists them. */
const char *choose_one(const char *option, char *arg, const char *const valid[])
{
	int n = 0;
	while (valid[n])
		n++;
	const char *chosen[1];
	if (strchr(arg, ',') || select_names(option, arg, valid, n, chosen, 1) != 1) {
		char names[256] = "";
		for (int i = 0; i < n; i++)
			snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
				 i ? ", " : "", valid[i]);
		fprintf(stderr, "bench: %s takes one of %s\n", option, names);
		exit(RC_USAGE);
	}
	return chosen[0];
}

void select_modes(struct matrix *m, char *list)
{
	const char *names[8];
	int n = hv_modes(names, 8);
	m->nmodes = select_names("mode", list, names, n, m->modes, 8);
}

/* The hv's fork policies, its default first. */
int fork_policy_names(const char *names[2])
{
	const json_t *opt = hv_option("fork-policy");
	const char *def = json_string_value(json_object_get(opt, "default"));
	size_t i;
	json_t *c;
	int n = def ? 1 : 0;
	names[0] = def;
	json_array_foreach(json_object_get(opt, "choices"), i,
			   c) if (n < 2 && (!def || strcmp(json_string_value(c), def))) names[n++] =
	    json_string_value(c);
	return n;
}

void select_fork_policies(struct matrix *m, char *list)
{
	const char *names[2];
	size_t i, n = 0;
	json_t *c;
	json_array_foreach(json_object_get(hv_option("fork-policy"), "choices"), i, c) if (n < 2)
	    names[n++] = json_string_value(c);
	m->nfork_policies = select_names("fork policy", list, names, (int)n, m->fork_policies, 2);
}

/* Whether --vary takes the hv option: a number or a choice the bench does not set per cell. */
static bool can_vary(const json_t *opt)
{
	const char *name = json_string_value(json_object_get(opt, "name"));
	const char *kind = json_string_value(json_object_get(opt, "kind"));
	for (size_t i = 0; i < sizeof per_cell / sizeof per_cell[0]; i++)
		if (!strcmp(per_cell[i], name))
			return false;
	return !strcmp(kind, "number") || !strcmp(kind, "choice");
}

/* --vary OPTION=LIST (what: the option the user gave): the values, checked against the hv's
 * table, as an axis of the matrix. */
void add_vary(struct matrix *m, const char *what, char *name, char *list)
{
	const json_t *opt = hv_option(name);
	char valid[512] = "";
	if (!opt || !can_vary(opt)) {
		size_t i;
		json_t *o;
		json_array_foreach(hv_options(), i, o) if (can_vary(o))
		    snprintf(valid + strlen(valid), sizeof valid - strlen(valid), "%s%s",
			     valid[0] ? ", " : "", json_string_value(json_object_get(o, "name")));
		fprintf(stderr, "bench: %s: '%s' is no hv option the bench can vary (valid: %s)\n",
			what, name, valid);
		exit(RC_USAGE);
	}
	if (!strcmp(name, "fork-policy")) {
		select_fork_policies(m, list);
		return;
	}
	hv_option_values(opt, valid, sizeof valid);
	check_list(what, list, valid);
	struct vary *v = NULL;
	for (int i = 0; i < m->nvary; i++)
		if (!strcmp(m->vary[i].option, name))
			v = &m->vary[i];
	if (!v && m->nvary == VARY_MAX) {
		fprintf(stderr, "bench: %s: at most %d options vary\n", what, VARY_MAX);
		exit(RC_USAGE);
	}
	if (!v) {
		v = &m->vary[m->nvary++];
		*v = (struct vary){.option = name};
	}
	char *save = NULL;
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!hv_option_accepts(opt, t)) {
			fprintf(stderr,
				"bench: %s: '%s' is no value of the hv's --%s (valid: %s)\n", what,
				t, name, valid);
			exit(RC_USAGE);
		}
		bool dup = false;
		for (int i = 0; i < v->nvalues; i++)
			dup |= !strcmp(v->values[i], t);
		if (!dup && v->nvalues == (int)(sizeof v->values / sizeof v->values[0])) {
			fprintf(stderr, "bench: %s: at most %zu values\n", what,
				sizeof v->values / sizeof v->values[0]);
			exit(RC_USAGE);
		}
		if (!dup)
			v->values[v->nvalues++] = t;
	}
}
