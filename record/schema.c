/* schema.c: validates JSON documents against the JSON Schema subset pagelab's schemas use. */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "record.h"

#define MAX_DEPTH 64 /* nesting and $ref chains: a cycle of $refs stops here */

/* A walk over a schema (check) or over an instance (validate): where it is, as a JSON pointer,
 * and where the first error goes. */
struct walk {
	json_t *root; /* the schema document, where $refs resolve */
	char path[512];
	int depth;
	char *err;
	size_t len;
};

static const char *const annotations[] = {"$schema", "$id", "title", "description", "$comment"};
static const char *const keywords[] = {"type",	"properties", "required", "additionalProperties",
				       "items", "enum",	      "minimum",  "$ref",
				       "$defs"};
static const char *const types[] = {"object", "array",	 "string", "integer",
				    "number", "boolean", "null"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool listed(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

__attribute__((format(printf, 2, 3))) static int fail(struct walk *w, const char *fmt, ...)
{
	int n = snprintf(w->err, w->len, "%s: ", w->path[0] ? w->path : "(top)");
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < w->len)
		vsnprintf(w->err + n, w->len - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Appends one pointer segment (escaped: "~" as "~0", "/" as "~1") and returns the old end. */
static size_t push(struct walk *w, const char *seg)
{
	size_t end = strlen(w->path), at = end;
	char *p = w->path;
	if (at + 1 < sizeof w->path)
		p[at++] = '/';
	for (; *seg && at + 2 < sizeof w->path; seg++) {
		if (*seg == '~' || *seg == '/') {
			p[at++] = '~';
			p[at++] = *seg == '~' ? '0' : '1';
		} else {
			p[at++] = *seg;
		}
	}
	p[at] = '\0';
	return end;
}

static void pop(struct walk *w, size_t end)
{
	w->path[end] = '\0';
}

/* The schema a "$ref" names inside the root document ("#" or "#/a/b"), or NULL. */
static json_t *resolve(json_t *root, const char *ref)
{
	if (ref[0] != '#')
		return NULL;
	json_t *at = root;
	for (const char *p = ref + 1; *p && at;) {
		if (*p != '/')
			return NULL;
		char seg[256];
		size_t n = 0;
		for (p++; *p && *p != '/' && n + 1 < sizeof seg; p++) {
			if (*p == '~' && (p[1] == '0' || p[1] == '1'))
				seg[n++] = *++p == '0' ? '~' : '/';
			else
				seg[n++] = *p;
		}
		seg[n] = '\0';
		at = json_object_get(at, seg);
	}
	return at;
}

static bool is_schema(json_t *s)
{
	return json_is_object(s) || json_is_boolean(s);
}

static int check(struct walk *w, json_t *s);

/* Checks the schema under key of s (at its own place in the path). */
static int check_at(struct walk *w, json_t *s, const char *key)
{
	size_t end = push(w, key);
	int rc = check(w, s);
	pop(w, end);
	return rc;
}

/* Checks each schema of an object of schemas (properties, $defs). */
static int check_each(struct walk *w, json_t *obj, const char *key)
{
	size_t end = push(w, key);
	const char *k;
	json_t *v;
	int rc = json_is_object(obj) ? 0 : fail(w, "must be an object of schemas");
	json_object_foreach(obj, k, v) if (rc == 0) rc = check_at(w, v, k);
	pop(w, end);
	return rc;
}

static int check_type(struct walk *w, json_t *t)
{
	if (json_is_string(t))
		return listed(types, COUNT(types), json_string_value(t))
			   ? 0
			   : fail(w, "unknown type \"%s\"", json_string_value(t));
	size_t i;
	json_t *v;
	if (!json_is_array(t) || json_array_size(t) == 0)
		return fail(w, "type must be a name or a non-empty array of names");
	json_array_foreach(t, i, v) if (!json_is_string(v) || check_type(w, v)) return -1;
	return 0;
}

static int check(struct walk *w, json_t *s)
{
	if (!is_schema(s))
		return fail(w, "a schema must be an object or a boolean");
	if (++w->depth > MAX_DEPTH)
		return fail(w, "nested more than %d deep", MAX_DEPTH);
	const char *k;
	json_t *v;
	int rc = 0;
	json_object_foreach(s, k, v)
	{
		if (rc)
			break;
		size_t end = push(w, k);
		if (listed(annotations, COUNT(annotations), k))
			;
		else if (!listed(keywords, COUNT(keywords), k))
			rc = fail(w, "keyword not supported by this validator");
		else if (!strcmp(k, "type"))
			rc = check_type(w, v);
		else if (!strcmp(k, "enum") && !json_is_array(v))
			rc = fail(w, "enum must be an array");
		else if (!strcmp(k, "minimum") && !json_is_number(v))
			rc = fail(w, "minimum must be a number");
		else if (!strcmp(k, "$ref") &&
			 (!json_is_string(v) || !is_schema(resolve(w->root, json_string_value(v)))))
			rc = fail(w, "$ref names no schema in this document");
		else if (!strcmp(k, "required")) {
			size_t i;
			json_t *name;
			if (!json_is_array(v))
				rc = fail(w, "required must be an array of names");
			json_array_foreach(v, i, name) if (!rc && !json_is_string(name)) rc =
			    fail(w, "required must be an array of names");
		}
		pop(w, end);
		if (rc == 0 && (!strcmp(k, "properties") || !strcmp(k, "$defs")))
			rc = check_each(w, v, k);
		else if (rc == 0 && (!strcmp(k, "additionalProperties") || !strcmp(k, "items")))
			rc = check_at(w, v, k);
	}
	w->depth--;
	return rc;
}

int schema_check(json_t *schema, char *err, size_t len)
{
	struct walk w = {.root = schema, .err = err, .len = len};
	return check(&w, schema);
}

json_t *schema_load(const char *path, char *err, size_t len)
{
	json_error_t jerr;
	json_t *s = json_load_file(path, 0, &jerr);
	char why[400];
	if (!s) {
		snprintf(err, len, "%s: line %d: %s", path, jerr.line, jerr.text);
		return NULL;
	}
	if (schema_check(s, why, sizeof why) < 0) {
		snprintf(err, len, "%s: %s", path, why);
		json_decref(s);
		return NULL;
	}
	return s;
}

/* The JSON type of v by its schema name ("number" for integers too). */
static const char *type_of(json_t *v)
{
	static const char *const names[] = {
	    [JSON_OBJECT] = "object",  [JSON_ARRAY] = "array", [JSON_STRING] = "string",
	    [JSON_INTEGER] = "number", [JSON_REAL] = "number", [JSON_TRUE] = "boolean",
	    [JSON_FALSE] = "boolean",  [JSON_NULL] = "null"};
	return names[json_typeof(v)];
}

static bool has_type(json_t *v, const char *t)
{
	/* integer: any number without a fractional part, as the specification says */
	if (!strcmp(t, "integer"))
		return json_is_integer(v) ||
		       (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)));
	return !strcmp(type_of(v), t);
}

static int validate(struct walk *w, json_t *s, json_t *v);

static int validate_at(struct walk *w, json_t *s, json_t *v, const char *key)
{
	size_t end = push(w, key);
	int rc = validate(w, s, v);
	pop(w, end);
	return rc;
}

static int validate_type(struct walk *w, json_t *t, json_t *v)
{
	size_t i;
	json_t *name;
	if (json_is_string(t))
		return has_type(v, json_string_value(t))
			   ? 0
			   : fail(w, "found %s, expected %s", type_of(v), json_string_value(t));
	json_array_foreach(t, i, name) if (has_type(v, json_string_value(name))) return 0;
	char *names = json_dumps(t, JSON_COMPACT);
	fail(w, "found %s, expected one of %s", type_of(v), names ? names : "the types listed");
	free(names);
	return -1;
}

static int validate_object(struct walk *w, json_t *s, json_t *v)
{
	json_t *props = json_object_get(s, "properties"),
	       *extra = json_object_get(s, "additionalProperties");
	size_t i;
	json_t *name, *item;
	const char *k;
	json_array_foreach(json_object_get(s, "required"), i, name)
	{
		if (!json_object_get(v, json_string_value(name)))
			return fail(w, "\"%s\" is required", json_string_value(name));
	}
	json_object_foreach(v, k, item)
	{
		json_t *sub = json_object_get(props, k);
		if (!sub && json_is_false(extra))
			return fail(w, "\"%s\" is not a property of this schema", k);
		if (!sub)
			sub = extra;
		if (sub && validate_at(w, sub, item, k) < 0)
			return -1;
	}
	return 0;
}

static int validate(struct walk *w, json_t *s, json_t *v)
{
	if (json_is_boolean(s))
		return json_is_true(s) ? 0 : fail(w, "no value is allowed here");
	if (w->depth >= MAX_DEPTH)
		return fail(w, "nested more than %d deep (a cycle of $refs?)", MAX_DEPTH);
	w->depth++;
	int rc = 0;
	json_t *ref = json_object_get(s, "$ref"), *t = json_object_get(s, "type");
	json_t *choices = json_object_get(s, "enum"), *min = json_object_get(s, "minimum");
	json_t *items = json_object_get(s, "items");
	if (ref) {
		json_t *target = resolve(w->root, json_string_value(ref));
		rc = target ? validate(w, target, v)
			    : fail(w, "$ref %s names no schema", json_string_value(ref));
	}
	if (rc == 0 && t)
		rc = validate_type(w, t, v);
	if (rc == 0 && choices) {
		size_t i;
		json_t *c;
		bool found = false;
		json_array_foreach(choices, i, c) found |= json_equal(c, v);
		if (!found) {
			char *got = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			char *all = json_dumps(choices, JSON_COMPACT);
			rc =
			    fail(w, "%s is not one of %s", got ? got : "the value", all ? all : "");
			free(got);
			free(all);
		}
	}
	if (rc == 0 && min && json_is_number(v) && json_number_value(v) < json_number_value(min))
		rc = fail(w, "%g is below the minimum %g", json_number_value(v),
			  json_number_value(min));
	if (rc == 0 && json_is_object(v))
		rc = validate_object(w, s, v);
	if (rc == 0 && items && json_is_array(v)) {
		size_t i;
		json_t *item;
		char index[24];
		json_array_foreach(v, i, item)
		{
			snprintf(index, sizeof index, "%zu", i);
			if ((rc = validate_at(w, items, item, index)) < 0)
				break;
		}
	}
	w->depth--;
	return rc;
}

int schema_validate(json_t *schema, json_t *instance, char *err, size_t len)
{
	struct walk w = {.root = schema, .err = err, .len = len};
	return validate(&w, schema, instance);
}
