/* resultsdoc.c: loads a bench results document and refuses one a reader cannot trust. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "record.h"

/* The fields every run has, whatever its status. */
static const char *const identity[] = {"workload", "params", "mode", "platform", "status"};

/* Sets the reason and the exit status; NULL for the caller to return. */
__attribute__((format(printf, 5, 6))) static json_t *refuse(int *rc, int code, char *err,
							    size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	*rc = code;
	return NULL;
}

/* The field a run lacks (or "is no object"), or NULL when each run has what readers need. */
static const char *bad_run(json_t *runs, size_t *at)
{
	size_t i;
	json_t *r;
	json_array_foreach(runs, i, r)
	{
		*at = i;
		if (!json_is_object(r))
			return "is no object";
		for (size_t k = 0; k < sizeof identity / sizeof identity[0]; k++)
			if (!json_is_string(json_object_get(r, identity[k])))
				return identity[k];
		const char *status = json_string_value(json_object_get(r, "status"));
		if (strcmp(status, "ok") && strcmp(status, "failed") && strcmp(status, "skipped"))
			return "status ok, failed or skipped";
		if (!strcmp(status, "ok") &&
		    !json_is_number(json_object_get(json_object_get(r, "latency_ns"), "p50")))
			return "latency_ns.p50";
	}
	return NULL;
}

/* Why doc is no complete results document of this version, or NULL. */
static const char *bad_doc(json_t *doc, int allow_incomplete)
{
	const char *schema = json_string_value(json_object_get(doc, "schema"));
	if (!schema || strncmp(schema, "pagelab-results/", 16))
		return "it is no pagelab results file (no \"schema\": \"" RESULTS_SCHEMA "\")";
	if (strcmp(schema, RESULTS_SCHEMA))
		return "its schema version is not the one this tool reads (" RESULTS_SCHEMA ")";
	if (!json_is_boolean(json_object_get(doc, "complete")))
		return "it has no \"complete\" flag";
	if (!allow_incomplete && !json_is_true(json_object_get(doc, "complete")))
		return "it is an incomplete run (interrupted, or stopped before its last cell)";
	if (!json_is_object(json_object_get(doc, "context")) ||
	    !json_is_array(json_object_get(doc, "runs")))
		return "it has no \"context\" object or no \"runs\" array";
	return NULL;
}

json_t *results_load(const char *dir, int allow_incomplete, char *err, size_t len, int *rc)
{
	char path[4096];
	struct stat st;
	json_error_t jerr;
	snprintf(path, sizeof path, "%s/results.json", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return refuse(rc, RC_IO, err, len, "cannot read %s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return refuse(rc, RC_IO, err, len, "cannot read %s: not a regular file", path);
	}
	json_t *doc = json_loadf(f, 0, &jerr);
	int read_error = ferror(f);
	fclose(f);
	if (read_error) {
		json_decref(doc);
		return refuse(rc, RC_IO, err, len, "cannot read %s", path);
	}
	if (!doc)
		return refuse(rc, RC_USAGE, err, len, "%s is no results file: %s", path,
			      st.st_size ? jerr.text : "it is empty");
	const char *why = bad_doc(doc, allow_incomplete);
	size_t at = 0;
	const char *lacks = why ? NULL : bad_run(json_object_get(doc, "runs"), &at);
	if (why)
		refuse(rc, RC_USAGE, err, len, "%s: %s", path, why);
	else if (lacks)
		refuse(rc, RC_USAGE, err, len, "%s: run %zu %s%s", path, at,
		       strcmp(lacks, "is no object") ? "lacks " : "", lacks);
	if (why || lacks) {
		json_decref(doc);
		return NULL;
	}
	*rc = RC_OK;
	return doc;
}
