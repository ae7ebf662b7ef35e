/* splice.c: puts generated tables and values into a markdown file between marker comments. */
/*
 * A block `<!-- gen:NAME -->` ... `<!-- /gen -->` (markers on their own lines) is replaced by
 * GEN_DIR/NAME.md; an inline `<!-- val:KEY -->...<!-- /val -->` by the value of KEY in
 * GEN_DIR/values.txt ("KEY VALUE" lines) or, failing that, by KEY as a query of the results
 * (model_value). Everything else is copied unchanged, so splicing
 * an up-to-date file gives the same file.
 */
#include <stdlib.h>
#include <string.h>
#include "model.h"

#define BLOCK_OPEN  "<!-- gen:"
#define BLOCK_CLOSE "<!-- /gen -->"
#define VAL_OPEN    "<!-- val:"
#define VAL_CLOSE   "<!-- /val -->"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	for (size_t got; buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
		n += got;
		if (n + 1 == cap && !(buf = realloc(buf, cap *= 2)))
			break;
	}
	fclose(f);
	if (buf)
		buf[n] = 0;
	return buf;
}

/* The value of key in values.txt, or NULL. */
static const char *value_of(char *values, const char *key, size_t klen, char *out, size_t len)
{
	for (char *line = values; line && *line;) {
		char *end = strchr(line, '\n');
		size_t l = end ? (size_t)(end - line) : strlen(line);
		if (l > klen && !strncmp(line, key, klen) && line[klen] == ' ') {
			snprintf(out, len, "%.*s", (int)(l - klen - 1), line + klen + 1);
			return out;
		}
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

/* Copies one line with its inline values replaced; a value the results lack is left as it
 * was, named on stderr and counted in *missing; -1 on an unclosed value. */
static int put_line(const struct model *m, const char *line, size_t len, char *values, FILE *out,
		    int *missing)
{
	const char *p = line, *end = line + len;
	while (p < end) {
		const char *open = strstr(p, VAL_OPEN);
		if (!open || open >= end) {
			fwrite(p, 1, end - p, out);
			return 0;
		}
		const char *key = open + strlen(VAL_OPEN), *kend = strstr(key, " -->");
		const char *close = kend ? strstr(kend, VAL_CLOSE) : NULL;
		char v[256];
		if (!close || close >= end) {
			fprintf(stderr, "splice: unclosed value marker: %.40s\n", open);
			return -1;
		}
		char query[256];
		snprintf(query, sizeof query, "%.*s", (int)(kend - key), key);
		if (!value_of(values, key, kend - key, v, sizeof v) &&
		    !model_value(m, query, v, sizeof v)) {
			fprintf(stderr, "splice: no value '%s'\n", query);
			snprintf(v, sizeof v, "%.*s", (int)(close - kend - 4), kend + 4);
			++*missing;
		}
		fwrite(p, 1, kend + 4 - p, out);
		fprintf(out, "%s%s", v, VAL_CLOSE);
		p = close + strlen(VAL_CLOSE);
	}
	return 0;
}

int splice(const struct model *m, const char *doc_path, const char *gen_dir, FILE *out)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/values.txt", gen_dir);
	char *doc = slurp(doc_path), *values = slurp(path);
	if (!doc || !values) {
		fprintf(stderr, "splice: cannot read %s\n", doc ? path : doc_path);
		free(doc);
		free(values);
		return RC_IO;
	}
	int rc = 0, missing = 0;
	for (char *line = doc; *line && rc == 0;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);
		if (strncmp(line, BLOCK_OPEN, strlen(BLOCK_OPEN))) {
			rc = put_line(m, line, len, values, out, &missing) ? RC_USAGE : 0;
			line += len;
			continue;
		}
		/* a block: its opening line, the generated file, its closing line */
		fwrite(line, 1, len, out);
		char *name = line + strlen(BLOCK_OPEN), *nend = strstr(name, " -->");
		char *close = strstr(line + len - 1, "\n" BLOCK_CLOSE);
		if (!nend || !close) {
			fprintf(stderr, "splice: unclosed block marker: %.40s\n", line);
			rc = RC_USAGE;
			break;
		}
		snprintf(path, sizeof path, "%s/%.*s.md", gen_dir, (int)(nend - name), name);
		char *gen = slurp(path);
		if (!gen) {
			fprintf(stderr, "splice: no generated file %s\n", path);
			rc = RC_IO;
			break;
		}
		fputs(gen, out);
		free(gen);
		line = close + 1;
	}
	free(doc);
	free(values);
	if (missing)
		fprintf(stderr, "splice: %d value%s the document quotes that the results lack\n",
			missing, missing > 1 ? "s" : "");
	return rc ? rc : missing ? RC_USAGE : 0;
}
