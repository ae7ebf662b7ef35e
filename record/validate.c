/* validate.c: build/validate, checks JSON files against a schema (schema.c's subset). */
#include <stdio.h>
#include <string.h>
#include "record.h"

static int usage(void)
{
	fprintf(stderr, "usage: validate [--each KEY] SCHEMA FILE...\n"
			"  checks each FILE against SCHEMA; with --each KEY, each element of the\n"
			"  array FILE holds under KEY (e.g. --each runs for a bench results.json)\n"
			"  exit status: 0 all valid, 2 bad usage or a file invalid, 4 a file\n"
			"  unreadable (harness/README.md)\n");
	return RC_USAGE;
}

/* Validates one document, or each element of its array under key; prints what is wrong.
 * 0, RC_USAGE (invalid) or RC_IO (unreadable). */
static int validate_file(json_t *schema, const char *path, const char *key)
{
	char err[1024];
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	if (!doc) {
		fprintf(stderr, "%s: line %d: %s\n", path, jerr.line, jerr.text);
		return json_error_code(&jerr) == json_error_cannot_open_file ? RC_IO : RC_USAGE;
	}
	int bad = 0;
	if (!key) {
		if (schema_validate(schema, doc, err, sizeof err) < 0) {
			fprintf(stderr, "%s: %s\n", path, err);
			bad = 1;
		}
	} else if (!json_is_array(json_object_get(doc, key))) {
		fprintf(stderr, "%s: no array \"%s\"\n", path, key);
		bad = 1;
	} else {
		size_t i;
		json_t *item;
		json_array_foreach(json_object_get(doc, key), i, item)
		{
			if (schema_validate(schema, item, err, sizeof err) == 0)
				continue;
			fprintf(stderr, "%s: %s[%zu]: %s\n", path, key, i, err);
			bad = 1;
		}
	}
	json_decref(doc);
	return bad ? RC_USAGE : 0;
}

int main(int argc, char **argv)
{
	const char *key = NULL;
	int i = 1;
	if (i + 1 < argc && !strcmp(argv[i], "--each")) {
		key = argv[i + 1];
		i += 2;
	}
	if (argc - i < 2 || argv[i][0] == '-')
		return usage();
	char err[1024];
	json_t *schema = schema_load(argv[i], err, sizeof err);
	if (!schema) {
		fprintf(stderr, "validate: %s\n", err);
		return RC_USAGE;
	}
	int rc = 0;
	for (i++; i < argc; i++) {
		int one = validate_file(schema, argv[i], key);
		rc = rc == RC_IO ? rc : one ? one : rc; /* unreadable outranks invalid */
	}
	json_decref(schema);
	return rc;
}
