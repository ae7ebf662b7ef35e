/* project.c: modelled hardware time per cell from published per-event costs, as a range. */
/*
 * For each cell measured in the lab (exact counts under real NPT and real shadow paging), the
 * events per op times a low and a high hardware cost per event from paper/hwcosts.json. Where
 * the results also hold the same cell on the PVM host, its hv handler time (the hv runs at
 * real speed there) and its guest ring-0 instruction count times the hardware cost of an
 * instruction are added; else where they hold it on hv-native, the hv's paging timed there;
 * otherwise the range covers the exits alone. Each row says which.
 */
#include <math.h>
#include <string.h>
#include "model.h"

struct hw {
	double low[NEV], high[NEV];
	bool have[NEV];
	json_t *doc;
};

/* The costs table: event, low, high, source, as the JSON file has them. */
static void write_hw(const struct hw *hw, FILE *f)
{
	size_t i;
	json_t *e;
	char lo[32], hi[32];
	fprintf(f, "| event | low | high | source |\n|---|---|---|---|\n");
	json_array_foreach(json_object_get(hw->doc, "costs"), i, e)
	{
		json_t *what = json_object_get(e, "what"), *src = json_object_get(e, "source");
		fprintf(f, "| %s | %s | %s | %s |\n", json_string_value(what) ?: "-",
			fmt_ns(rec_number(json_object_get(e, "low_ns")), lo, sizeof lo),
			fmt_ns(rec_number(json_object_get(e, "high_ns")), hi, sizeof hi),
			json_string_value(src) ?: "-");
	}
}

static int load_hw(const char *path, struct hw *hw)
{
	json_error_t err;
	json_t *doc = json_load_file(path, 0, &err), *e;
	size_t i;
	memset(hw, 0, sizeof *hw);
	hw->doc = doc;
	if (!json_is_array(json_object_get(doc, "costs"))) {
		fprintf(stderr, "model: %s: %s\n", path, doc ? "no costs array" : err.text);
		return -1;
	}
	json_array_foreach(json_object_get(doc, "costs"), i, e)
	{
		const char *key = json_string_value(json_object_get(e, "event"));
		for (int k = 0; key && k < NEV; k++)
			if (!strcmp(key, event_key[k])) {
				hw->low[k] = rec_number(json_object_get(e, "low_ns"));
				hw->high[k] = rec_number(json_object_get(e, "high_ns"));
				hw->have[k] = !isnan(hw->low[k]) && !isnan(hw->high[k]);
			}
	}
	for (int k = 0; k < NEV; k++)
		if (!hw->have[k]) {
			fprintf(stderr, "model: %s: no low_ns/high_ns for event %s\n", path,
				event_key[k]);
			return -1;
		}
	return 0;
}

#define HV_NATIVE "hv-native" /* the hv's ptefree paging timed on host memory, no KVM */

/* The range of one lab cell on hardware, and which parts it holds: the exits always; from
 * the PVM host's same cell, the hv's handler time and the guest's instructions; else, for
 * ptefree, the hv's paging timed natively (hv-native). */
static const char *project_cell(const struct model *m, const struct model_cell *c,
				const struct hw *hw, double *lo, double *hi)
{
	*lo = *hi = 0;
	for (int k = 0; k < NEV; k++)
		if (k != EV_INSN) {
			*lo += c->n[k] * hw->low[k];
			*hi += c->n[k] * hw->high[k];
		}
	for (int i = 0; i < m->nplats; i++) {
		if (m->plats[i].kind != KIND_PVM)
			continue;
		int j = cell_find(m, c->workload, c->params, c->mode, c->policy, m->plats[i].name);
		if (j < 0)
			continue;
		const struct model_cell *h = &m->cells[j];
		*lo += h->h + h->n[EV_INSN] * hw->low[EV_INSN];
		*hi += h->h + h->n[EV_INSN] * hw->high[EV_INSN];
		return "exits, hv handlers, guest instructions";
	}
	int j = cell_find(m, c->workload, c->params, c->mode, c->policy, HV_NATIVE);
	if (j < 0)
		j = cell_find(m, c->workload, c->params, c->mode, "", HV_NATIVE);
	if (j >= 0) {
		*lo += m->cells[j].t;
		*hi += m->cells[j].t;
		return "exits, hv paging (" HV_NATIVE ")";
	}
	return "exits only";
}

int write_projection(const struct model *m, const char *hw_json, FILE *costs, FILE *md, FILE *tsv)
{
	struct hw hw;
	int rc = load_hw(hw_json, &hw);
	if (rc == 0)
		write_hw(&hw, costs);
	if (rc < 0) {
		json_decref(hw.doc);
		return -1;
	}
	fprintf(md, "| workload | params | mode | MMU | modelled hardware time per op, low - high "
		    "| parts |\n|---|---|---|---|---|---|\n");
	fprintf(tsv, "workload\tparams\tseries\tmmu\tlow_ns\thigh_ns\tparts\n");
	for (int i = 0; i < m->ncells; i++) {
		const struct model_cell *c = &m->cells[i];
		const struct plat *p = model_plat((struct model *)m, c->platform);
		if (p->kind != KIND_LAB)
			continue;
		double lo, hi;
		char a[32], b[32];
		const char *parts = project_cell(m, c, &hw, &lo, &hi);
		fprintf(md, "| %s | %s | %s%s%s | %s | %s - %s | %s |\n", c->workload,
			c->params[0] ? c->params : "-", c->mode, c->policy[0] ? "/" : "", c->policy,
			c->mmu, fmt_ns(lo, a, sizeof a), fmt_ns(hi, b, sizeof b), parts);
		fprintf(tsv, "%s\t%s\t%s%s%s\t%s\t%.6g\t%.6g\t%s\n", c->workload,
			c->params[0] ? c->params : "-", c->mode, c->policy[0] ? "/" : "", c->policy,
			c->mmu, lo, hi, parts);
	}
	json_decref(hw.doc);
	return 0;
}
