/* registry.c: finds workloads by name and parses "name=value" parameters (decimal numbers only)
 * against their table. */
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "workload.h"

/* The linker collects every WORKLOAD() into this section and brackets it with these. */
extern const struct workload __start_pagelab_workloads[];
extern const struct workload __stop_pagelab_workloads[];

const struct workload *wl_first(void)
{
	const struct workload *w = __start_pagelab_workloads;
	return w < __stop_pagelab_workloads ? w : NULL;
}

const struct workload *wl_next(const struct workload *w)
{
	return w + 1 < __stop_pagelab_workloads ? w + 1 : NULL;
}

const struct workload *wl_find(const char *name)
{
	for (const struct workload *w = wl_first(); w; w = wl_next(w))
		if (strcmp(w->name, name) == 0)
			return w;
	return NULL;
}

int wl_nparams(const struct workload *w)
{
	int n = 0;
	while (n < WL_MAX_PARAMS && w->params[n].name)
		n++;
	return n;
}

int wl_fail(struct wl_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
	va_end(ap);
	return -1;
}

int wl_parse_decimal(const char *s, long *out, char *err, size_t errlen)
{
	bool neg = *s == '-';
	const char *d = s + neg;
	unsigned long mag = 0, limit = neg ? (unsigned long)__LONG_MAX__ + 1 : __LONG_MAX__;
	const char *why = NULL;
	if (*d < '0' || *d > '9')
		why = "is not a decimal number";
	else if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
		why = "is hexadecimal (decimal numbers only)";
	else if (d[0] == '0' && d[1] >= '0' && d[1] <= '9')
		why = "has a leading zero (decimal numbers only, not octal)";
	for (; !why && *d >= '0' && *d <= '9'; d++) {
		unsigned digit = (unsigned)(*d - '0');
		if (mag > (limit - digit) / 10)
			why = "does not fit in a long";
		mag = mag * 10 + digit;
	}
	if (!why && *d)
		why = "has trailing text after the number";
	if (why) {
		snprintf(err, errlen, "'%s' %s", s, why);
		return -1;
	}
	*out = neg ? (long)(0 - mag) : (long)mag;
	return 0;
}

/* Appends the list of valid parameter names of w to buf (for error messages). */
static void list_params(const struct workload *w, char *buf, size_t len)
{
	size_t used = strlen(buf);
	int n = wl_nparams(w);
	if (n == 0)
		snprintf(buf + used, len - used, " (%s takes no parameters)", w->name);
	for (int i = 0; i < n; i++) {
		used = strlen(buf);
		snprintf(buf + used, len - used, "%s%s", i ? ", " : " (valid: ", w->params[i].name);
	}
	if (n) {
		used = strlen(buf);
		snprintf(buf + used, len - used, ")");
	}
}

static int parse_one(const struct workload *w, struct wl_ctx *ctx, const char *kv, char *err,
		     size_t errlen)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	for (int i = 0; i < wl_nparams(w); i++) {
		const struct wl_param *p = &w->params[i];
		if (strlen(p->name) != klen || strncmp(p->name, kv, klen) != 0)
			continue;
		char why[96] = "";
		long v;
		if (!eq || wl_parse_decimal(eq + 1, &v, why, sizeof why) < 0) {
			snprintf(err, errlen,
				 "%s: parameter '%s' needs an integer value (%s=N)%s%s", w->name,
				 p->name, p->name, why[0] ? ": " : "", why);
			return -1;
		}
		if (v < p->min || v > p->max) {
			snprintf(err, errlen, "%s: %s=%ld is out of range [%ld, %ld]", w->name,
				 p->name, v, p->min, p->max);
			return -1;
		}
		ctx->p[i] = v;
		return 0;
	}
	snprintf(err, errlen, "%s: unknown parameter '%.*s'", w->name, (int)klen, kv);
	list_params(w, err, errlen);
	return -1;
}

int wl_parse_params(const struct workload *w, struct wl_ctx *ctx, int n, char *const kv[],
		    char *err, size_t errlen)
{
	for (int i = 0; i < wl_nparams(w); i++)
		ctx->p[i] = w->params[i].def;
	for (int i = 0; i < n; i++)
		if (parse_one(w, ctx, kv[i], err, errlen) < 0)
			return -1;
	return 0;
}
