/* values.c: the model's leaf helpers: a record's numbers, a run's concurrency, times, counts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

double rec_number(json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *rec_str(json_t *r, const char *key)
{
	const char *s = json_string_value(json_object_get(r, key));
	return s ? s : "";
}

long run_concurrency(json_t *r)
{
	const char *params = json_string_value(json_object_get(r, "params"));
	if (!params)
		return 1;
	static const char *const keys[] = {"copies=", "threads="};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *at = strstr(params, keys[i]);
		if (at && (at == params || at[-1] == ','))
			return atol(at + strlen(keys[i]));
	}
	return 1;
}

/* v with 3 significant digits and the largest of four units (each 1000 times the last) that
 * keeps it under 1000; "-" for NAN. */
static const char *fmt_scaled(double v, const char *const unit[4], char *buf, size_t len)
{
	int u = 0;
	if (isnan(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	while (fabs(v) >= 1000 && u < 3)
		v /= 1000, u++;
	snprintf(buf, len, "%.*f%s", fabs(v) >= 100 ? 0 : fabs(v) >= 10 ? 1 : 2, v, unit[u]);
	return buf;
}

const char *fmt_ns(double ns, char *buf, size_t len)
{
	static const char *const unit[] = {" ns", " us", " ms", " s"};
	return fmt_scaled(ns, unit, buf, len);
}

const char *fmt_count(double v, char *buf, size_t len)
{
	static const char *const unit[] = {"", "k", "M", "G"};
	return fmt_scaled(v, unit, buf, len);
}

/* "data.platforms": the platforms the run has cells on, each with its MMU, in run order; the
 * model check's targets. */
void write_run_values(const struct model *m, FILE *f)
{
	char seen[1024] = " ";
	size_t i;
	json_t *r;
	int k = 0;
	fprintf(f, "data.platforms");
	json_array_foreach(json_object_get(m->doc, "runs"), i, r)
	{
		const char *p = json_string_value(json_object_get(r, "platform"));
		const char *mmu = json_string_value(json_object_get(r, "mmu"));
		char key[128];
		snprintf(key, sizeof key, " %s ", p ? p : "");
		if (!p || strstr(seen, key) || strlen(seen) + strlen(key) >= sizeof seen)
			continue;
		strcat(seen, key + 1);
		fprintf(f, "%s %s (MMU: %s)", k++ ? "," : "", p,
			mmu && strcmp(mmu, "none") ? mmu : "none, no VM");
	}
	fprintf(f, "\nmodel.target_median %.0f%%\nmodel.target_worst %.0f%%\n", 100 * TARGET_MEDIAN,
		100 * TARGET_WORST);
}

/* "hw.COST low - high unit" for each cited cost of HW_JSON (paper/hwcosts.json). */
void write_hw_values(const char *hw_json, FILE *f)
{
	json_t *doc = json_load_file(hw_json, 0, NULL), *e;
	size_t i;
	json_array_foreach(json_object_get(doc, "costs"), i, e)
	{
		const char *key = json_string_value(json_object_get(e, "cost"));
		const char *unit = json_string_value(json_object_get(e, "unit"));
		if (key && unit)
			fprintf(f, "hw.%s %.3g - %.3g %s\n", key,
				rec_number(json_object_get(e, "low")),
				rec_number(json_object_get(e, "high")), unit);
	}
	json_decref(doc);
}
