/* cells.c: the cells of a results file, read tolerantly by field name, with their events. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

static double num_or0(json_t *obj, const char *key)
{
	double v = rec_number(json_object_get(obj, key));
	return isnan(v) ? 0 : v;
}

struct plat *model_plat(const struct model *m, const char *name)
{
	for (int i = 0; i < m->nplats; i++)
		if (!strcmp(m->plats[i].name, name))
			return (struct plat *)&m->plats[i];
	return NULL;
}

static void add_plat(struct model *m, json_t *r)
{
	if (model_plat(m, rec_str(r, "platform")) || m->nplats == MAX_PLATS ||
	    !strcmp(rec_str(r, "mmu"), "none"))
		return;
	struct plat *p = &m->plats[m->nplats++];
	memset(p, 0, sizeof *p);
	p->name = rec_str(r, "platform");
	p->mmu = rec_str(r, "mmu");
	p->lab = !strncmp(p->name, "lab-", 4);
	p->in_kvm_exit_ns = p->hv_hypercall_ns = p->bare_ns = p->ratio = NAN;
	p->median = p->worst = NAN;
}

/* The split's parts per op: the guest's (counted, kernel and programs), the lab kernel's and
 * the hv's (shown, never used to predict), and the rep strings of every part when recorded
 * (the lab kernel's and the hv's counted: one instruction each on the lab's clock). */
static void read_split(struct model_cell *c, json_t *split)
{
	json_t *per_op = json_object_get(split, "instructions_per_op");
	c->split = json_is_object(per_op);
	if (!c->split)
		return;
	c->guest = num_or0(per_op, "guest_kernel") + num_or0(per_op, "guest_user");
	c->host = num_or0(per_op, "host_kernel");
	c->hv = num_or0(per_op, "hv");
	json_t *iter = json_object_get(split, "rep_iterations_per_op");
	json_t *bytes = json_object_get(split, "rep_bytes_per_op");
	c->have_rep = json_is_object(iter) && json_is_object(bytes);
	c->rep_iter = num_or0(iter, "total");
	c->host_rep = num_or0(iter, "host_kernel") + num_or0(iter, "hv");
	c->rep_bytes = num_or0(bytes, "total");
}

static void read_cell(struct model_cell *c, json_t *r)
{
	memset(c, 0, sizeof *c);
	c->workload = rec_str(r, "workload");
	c->params = rec_str(r, "params");
	c->mode = rec_str(r, "mode");
	/* the bench's record names the policy asked; the hv's own, the one that ran */
	c->policy = json_object_get(r, "fork_policy_requested")
			? rec_str(r, "fork_policy_requested")
			: rec_str(r, "fork_policy");
	c->platform = rec_str(r, "platform");
	c->mmu = rec_str(r, "mmu");
	c->clock = rec_str(r, "clock");
	c->t = rec_number(json_object_get(json_object_get(r, "latency_ns"), "p50"));
	c->pred = NAN;
	for (int k = 0; k < NEV; k++)
		c->n[k] = event_count(&events[k], r);
	c->exits = c->n[EV_HV_EXIT] + in_kvm_exits(r);
	json_t *paging = json_object_get(r, "hv_paging_per_op");
	json_t *hc = json_object_get(r, "hypercalls_per_op");
	const char *k;
	json_t *v;
	json_object_foreach(hc, k, v) if (strcmp(k, "mark")) c->hc += rec_number(v);
	c->copied = num_or0(paging, "fork_pages_copied") + num_or0(paging, "lazy_pages_copied");
	c->covered = num_or0(paging, "range_pages");
	c->rss_kib = rec_number(json_object_get(json_object_get(r, "host_rss_kib"), "after"));
	read_split(c, json_object_get(r, "split"));
	json_t *reads = json_object_get(json_object_get(r, "trace"), "guest_reads");
	c->traced = json_is_number(json_object_get(reads, "per_op"));
	/* times from TCG's wall clock or a PVM host never enter the fit */
	c->fitted =
	    !strncmp(c->platform, "lab-", 4) && !strcmp(c->clock, "instructions") && c->split;
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

/* The hv --calibrate entries of the run, quoted as they are. */
static void read_calibration(struct model *m)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(m->doc, "calibration"), i, e)
	{
		struct plat *p = model_plat(m, rec_str(e, "platform"));
		if (!p || strcmp(rec_str(e, "status"), "ok"))
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
		if (strcmp(rec_str(r, "status"), "ok") || run_concurrency(r) > 1)
			continue; /* concurrency.c has the runs of several vCPUs */
		struct model_cell *c = &m->cells[m->ncells];
		read_cell(c, r);
		if (isnan(c->t) || c->t <= 0)
			continue;
		add_plat(m, r);
		m->nfitted += c->fitted;
		m->ncells++;
	}
	read_calibration(m);
	return 0;
}
