/* cells.c: the cells of a results file, read tolerantly by field name, with their events. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

const char *const event_name[NEV] = {"exit to the hv", "in-KVM page fault", "other in-KVM exit",
				     "uffd page (hv thread)", "emulated guest instruction"};

const char *const event_key[NEV] = {"hv_exit", "kvm_pf", "kvm_other", "uffd", "insn"};

static const char *str(json_t *r, const char *key)
{
	const char *s = json_string_value(json_object_get(r, key));
	return s ? s : "";
}

static double num_or0(json_t *obj, const char *key)
{
	double v = rec_number(json_object_get(obj, key));
	return isnan(v) ? 0 : v;
}

/* Exits to the hv per op: every user exit reason (the record's "in KVM" entry excluded). */
static double hv_exits(json_t *exits)
{
	const char *k;
	json_t *v;
	double sum = 0;
	json_object_foreach(exits, k, v) if (strcmp(k, "in KVM")) sum += rec_number(v);
	return sum;
}

/* ns per op in the hv's handlers: each hypercall's calls per op times its mean host time
 * over the run (the measurement's own marks left out). */
static double hv_handler_ns(json_t *r, bool *have)
{
	json_t *per_op = json_object_get(r, "hypercalls_per_op");
	json_t *total = json_object_get(r, "hypercalls_total");
	const char *k;
	json_t *v;
	double sum = 0;
	*have = json_is_object(total);
	json_object_foreach(per_op, k, v)
	{
		json_t *t = json_object_get(total, k);
		double calls = rec_number(json_object_get(t, "calls"));
		double ns = rec_number(json_object_get(t, "host_ns"));
		if (strcmp(k, "mark") && calls > 0 && !isnan(ns))
			sum += rec_number(v) * ns / calls;
	}
	return sum;
}

static enum plat_kind kind_of(json_t *r)
{
	const char *plat = str(r, "platform"), *mmu = str(r, "mmu");
	if (!strcmp(mmu, "none") || !strcmp(plat, "native"))
		return KIND_NATIVE;
	if (!strncmp(plat, "lab-", 4))
		return KIND_LAB;
	if (!strcmp(mmu, "pvm"))
		return KIND_PVM;
	return KIND_OTHER;
}

struct plat *model_plat(struct model *m, const char *name)
{
	for (int i = 0; i < m->nplats; i++)
		if (!strcmp(m->plats[i].name, name))
			return &m->plats[i];
	return NULL;
}

static void add_plat(struct model *m, json_t *r)
{
	if (model_plat(m, str(r, "platform")) || m->nplats == MAX_PLATS)
		return;
	struct plat *p = &m->plats[m->nplats++];
	memset(p, 0, sizeof *p);
	p->name = str(r, "platform");
	p->mmu = str(r, "mmu");
	p->kind = kind_of(r);
	p->in_kvm_exit_ns = p->hv_hypercall_ns = p->bare_ns = p->ratio = NAN;
}

static void read_cell(struct model_cell *c, json_t *r)
{
	memset(c, 0, sizeof *c);
	c->workload = str(r, "workload");
	c->params = str(r, "params");
	c->mode = str(r, "mode");
	/* the bench's record names the policy asked; the hv's own, the one that ran */
	c->policy = json_object_get(r, "fork_policy_requested") ? str(r, "fork_policy_requested")
								: str(r, "fork_policy");
	c->platform = str(r, "platform");
	c->mmu = str(r, "mmu");
	c->t = rec_number(json_object_get(json_object_get(r, "latency_ns"), "p50"));
	c->cal = c->sibling = -1;
	json_t *stats = json_object_get(r, "kvm_stats_per_op");
	json_t *vcpu = json_object_get(stats, "vcpu");
	json_t *exits = json_object_get(r, "exits_per_op");
	c->n[EV_HV_EXIT] = hv_exits(exits);
	double in_kvm = rec_number(json_object_get(exits, "in KVM"));
	if (isnan(in_kvm))
		in_kvm = num_or0(vcpu, "exits") - c->n[EV_HV_EXIT];
	c->n[EV_KVM_PF] = num_or0(vcpu, "pf_taken");
	c->n[EV_KVM_OTHER] = fmax(0, in_kvm - c->n[EV_KVM_PF]);
	json_t *paging = json_object_get(r, "hv_paging_per_op");
	c->n[EV_UFFD] = num_or0(paging, "lazy_pages_copied") + num_or0(paging, "lazy_zero_pages");
	/* guest ring-0 instructions: counted exactly on PVM only (elsewhere insn_emulation counts
	 * the few instructions KVM itself emulates inside the exits above) */
	double insns = rec_number(json_object_get(r, "guest_kernel_insns_per_op"));
	c->n[EV_INSN] = kind_of(r) != KIND_PVM ? 0
			: isnan(insns)	       ? num_or0(vcpu, "insn_emulation")
					       : insns;
	c->h = hv_handler_ns(r, &c->have_h);
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(r, "hypercalls_per_op"), k, v) if (strcmp(k, "mark"))
	    c->hc += rec_number(v);
	c->copied = num_or0(paging, "fork_pages_copied") + num_or0(paging, "lazy_pages_copied");
	c->rss_kib = rec_number(json_object_get(json_object_get(r, "host_rss_kib"), "after"));
}

int cell_find(const struct model *m, const char *workload, const char *params, const char *mode,
	      const char *policy, const char *platform)
{
	for (int i = 0; i < m->ncells; i++) {
		const struct model_cell *c = &m->cells[i];
		if (!strcmp(c->workload, workload) && (!params || !strcmp(c->params, params)) &&
		    !strcmp(c->mode, mode) && (!policy || !strcmp(c->policy, policy)) &&
		    !strcmp(c->platform, platform))
			return i;
	}
	return -1;
}

/* The hv --calibrate entries: the cost of an exit KVM answers itself, and of the hv's path. */
static void read_calibration(struct model *m)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(m->doc, "calibration"), i, e)
	{
		struct plat *p = model_plat(m, str(e, "platform"));
		if (!p || strcmp(str(e, "status"), "ok"))
			continue;
		p->in_kvm_exit_ns = rec_number(json_object_get(e, "in_kvm_exit_ns"));
		p->hv_hypercall_ns = rec_number(json_object_get(e, "hv_hypercall_ns"));
		p->bare_ns = rec_number(json_object_get(e, "bare_kvm_run_ns"));
		p->ratio = rec_number(json_object_get(e, "ratio"));
	}
}

int model_load(struct model *m, json_t *doc)
{
	memset(m, 0, sizeof *m);
	m->doc = doc;
	json_t *runs = json_object_get(m->doc, "runs");
	m->cells = calloc(json_array_size(runs) + 1, sizeof *m->cells);
	if (!m->cells) {
		fprintf(stderr, "model: out of memory\n");
		return -1;
	}
	size_t i;
	json_t *r;
	json_array_foreach(runs, i, r)
	{
		if (strcmp(str(r, "status"), "ok") || run_concurrency(r) > 1)
			continue; /* concurrency.c has the runs of several vCPUs */
		struct model_cell *c = &m->cells[m->ncells];
		read_cell(c, r);
		if (isnan(c->t) || c->t <= 0)
			continue;
		add_plat(m, r);
		m->ncells++;
	}
	/* lab siblings: the same guest work under the other lab MMU */
	for (int k = 0; k < m->ncells; k++) {
		struct model_cell *c = &m->cells[k];
		if (strncmp(c->platform, "lab-", 4))
			continue;
		for (int j = 0; j < m->ncells; j++) {
			struct model_cell *s = &m->cells[j];
			if (j != k && !strncmp(s->platform, "lab-", 4) &&
			    strcmp(s->platform, c->platform) &&
			    cell_find(m, c->workload, c->params, c->mode, c->policy, s->platform) ==
				j)
				c->sibling = j;
		}
	}
	read_calibration(m);
	return 0;
}
