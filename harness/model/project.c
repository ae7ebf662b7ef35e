/* project.c: modelled hardware time per op from a lab cell's instructions and counts. */
/*
 * For each lab cell on the instruction clock (all three modes, under NPT and under shadow
 * paging), a low and a high hardware time per operation:
 *   (instructions - rep string iterations) x ns per instruction
 *   + rep string bytes x ns per byte (page zeroing and copies)
 *   + exits x the hardware exit and entry transition (KVM's and the hv's software path is
 *     in the instructions already)
 *   + uffd pages x the wait for the hv's handler thread
 * with the costs of paper/hwcosts.json, each cited there. Only counts from the lab enter it:
 * no time measured on a nested VM or a PVM host. Where the split recorded no rep strings,
 * their iterations count as instructions, and the row says so.
 */
#include <math.h>
#include <string.h>
#include "model.h"

enum hw_cost { HW_INSN, HW_REP_BYTE, HW_EXIT, HW_UFFD, NHW };
static const char *const hw_key[NHW] = {"insn", "rep_byte", "exit", "uffd"};

struct hw {
	double low[NHW], high[NHW];
	json_t *doc;
};

/* The costs table: what, unit, low, high, source, as the JSON file has them. */
static void write_hw(const struct hw *hw, FILE *f)
{
	size_t i;
	json_t *e;
	fprintf(f, "| cost | unit | low | high | source |\n|---|---|---|---|---|\n");
	json_array_foreach(json_object_get(hw->doc, "costs"), i, e)
	{
		const char *what = json_string_value(json_object_get(e, "what"));
		const char *unit = json_string_value(json_object_get(e, "unit"));
		const char *src = json_string_value(json_object_get(e, "source"));
		fprintf(f, "| %s | %s | %.3g | %.3g | %s |\n", what ? what : "-", unit ? unit : "-",
			rec_number(json_object_get(e, "low")),
			rec_number(json_object_get(e, "high")), src ? src : "-");
	}
}

static int load_hw(const char *path, struct hw *hw)
{
	json_error_t err;
	json_t *doc = json_load_file(path, 0, &err), *e;
	size_t i;
	bool have[NHW] = {false};
	memset(hw, 0, sizeof *hw);
	hw->doc = doc;
	if (!json_is_array(json_object_get(doc, "costs"))) {
		fprintf(stderr, "model: %s: %s\n", path, doc ? "no costs array" : err.text);
		return -1;
	}
	json_array_foreach(json_object_get(doc, "costs"), i, e)
	{
		const char *key = json_string_value(json_object_get(e, "cost"));
		for (int k = 0; key && k < NHW; k++)
			if (!strcmp(key, hw_key[k])) {
				hw->low[k] = rec_number(json_object_get(e, "low"));
				hw->high[k] = rec_number(json_object_get(e, "high"));
				have[k] = !isnan(hw->low[k]) && !isnan(hw->high[k]);
			}
	}
	for (int k = 0; k < NHW; k++)
		if (!have[k]) {
			fprintf(stderr, "model: %s: no low/high for cost %s\n", path, hw_key[k]);
			return -1;
		}
	return 0;
}

/* The range of one cell on hardware: at the low costs and at the high ones. */
static void project_cell(const struct model_cell *c, const struct hw *hw, double *lo, double *hi)
{
	const double *cost[2] = {hw->low, hw->high};
	double *out[2] = {lo, hi};
	for (int b = 0; b < 2; b++)
		*out[b] = (c->t - c->rep_iter) * cost[b][HW_INSN] +
			  c->rep_bytes * cost[b][HW_REP_BYTE] + c->exits * cost[b][HW_EXIT] +
			  c->n[EV_UFFD] * cost[b][HW_UFFD];
}

int write_projection(const struct model *m, const char *hw_json, FILE *costs, FILE *md, FILE *tsv)
{
	struct hw hw;
	if (load_hw(hw_json, &hw) < 0) {
		json_decref(hw.doc);
		return -1;
	}
	write_hw(&hw, costs);
	if (md == costs)
		fprintf(md, "\n");
	fprintf(md, "| workload | params | mode | MMU | instructions per op | rep string bytes "
		    "| exits | uffd pages | modelled hardware time per op, low - high |\n"
		    "|---|---|---|---|---|---|---|---|---|\n");
	if (tsv)
		fprintf(tsv, "workload\tparams\tseries\tmmu\tlow_ns\thigh_ns\trep_strings\n");
	int rows = 0, no_rep = 0;
	for (int i = 0; i < m->ncells; i++) {
		const struct model_cell *c = &m->cells[i];
		if (!c->fitted)
			continue;
		double lo, hi;
		char t[32], rb[32], a[32], b[32];
		project_cell(c, &hw, &lo, &hi);
		no_rep += !c->have_rep;
		fprintf(md, "| %s | %s | %s%s%s | %s | %s | %s | %.2f | %.2f | %s - %s |\n",
			c->workload, c->params[0] ? c->params : "-", c->mode,
			c->policy[0] ? "/" : "", c->policy, c->mmu, fmt_count(c->t, t, sizeof t),
			c->have_rep ? fmt_count(c->rep_bytes, rb, sizeof rb) : "not recorded",
			c->exits, c->n[EV_UFFD], fmt_ns(lo, a, sizeof a), fmt_ns(hi, b, sizeof b));
		if (tsv)
			fprintf(tsv, "%s\t%s\t%s%s%s\t%s\t%.6g\t%.6g\t%s\n", c->workload,
				c->params[0] ? c->params : "-", c->mode, c->policy[0] ? "/" : "",
				c->policy, c->mmu, lo, hi,
				c->have_rep ? "separated" : "not recorded");
		rows++;
	}
	if (!rows)
		fprintf(md, "| - | - | - | - | %s | - | - | - | - |\n", NO_ICOUNT);
	if (no_rep)
		fprintf(
		    md,
		    "\n%d of %d rows: the split recorded no rep string iterations or bytes "
		    "(split.rep_iterations_per_op, split.rep_bytes_per_op), so page zeroing and "
		    "copies count there as instructions at the instruction's cost, not at the "
		    "cost per byte: those rows overstate such work.\n",
		    no_rep, rows);
	json_decref(hw.doc);
	return 0;
}
