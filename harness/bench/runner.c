/* runner.c: runs every cell of the matrix in turn, recording each result as it comes. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "matrix.h"
#include "proc.h"
#include "runner.h"

/* Availability of each platform, asked once per bench run. */
struct plat_state {
	const struct platform *plat;
	int available;
	char why[BENCH_ERR_MAX];
	int done, left;	 /* cells measured so far, and still to come */
	double seconds;	 /* that the measured ones took */
	bool beside_lab; /* its times are emulation here: its cells run while the lab's VMs do */
};

static double monotonic_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* " ~N min left": each platform's cells to come at the mean time of its cells so far (of all
 * cells so far where it has none yet); nothing before the first cell. A platform that runs
 * its cells in the background (the lab's VMs) counts nothing: its wait prints its own
 * progress. */
static void time_left(const struct plat_state *st, int n, char *buf, size_t len)
{
	double all = 0, left = 0;
	int done = 0;
	for (int i = 0; i < n; i++)
		if (!st[i].plat->prepare)
			all += st[i].seconds, done += st[i].done;
	for (int i = 0; i < n && done; i++)
		if (!st[i].plat->prepare)
			left += st[i].left * (st[i].done ? st[i].seconds / st[i].done : all / done);
	buf[0] = '\0';
	if (done && left >= 90)
		snprintf(buf, len, ", ~%.0f min left", left / 60);
	else if (done)
		snprintf(buf, len, ", ~%.0f s left", left);
}

static struct plat_state *state_of(struct plat_state *st, int n, const struct platform *p)
{
	for (int i = 0; i < n; i++)
		if (st[i].plat == p)
			return &st[i];
	return NULL;
}

static void label(const struct cell *c, char *buf, size_t len)
{
	series_name(c->mode, c->fork_policy, c->variant, c->plat->name, buf, len);
	const char *note = platform_time_note(c->plat, c);
	if (note)
		snprintf(buf + strlen(buf), len - strlen(buf), " (%s)", note);
}

/* The identity of a run record: set first (for a readable order) and again after the
 * platform ran, so that nothing a platform copied in can change what the cell was. */
static void set_identity(json_t *rec, const struct cell *c)
{
	char text[128];
	json_object_set_new(rec, "workload", json_string(c->wl->name));
	json_object_set_new(rec, "params", json_string(c->params));
	json_t *values = json_array();
	for (int i = 0; i < wl_nparams(c->wl); i++)
		json_array_append_new(values, json_integer(c->p[i]));
	json_object_set_new(rec, "param_values", values);
	json_object_set_new(rec, "mode", json_string(c->mode));
	/* the policy the cell asked for; "fork_policy" is the one the hv says ran */
	json_object_set_new(rec, "fork_policy_requested",
			    c->fork_policy ? json_string(c->fork_policy) : json_null());
	if (!json_object_get(rec, "fork_policy"))
		json_object_set_new(rec, "fork_policy", json_null());
	/* the memory setting the cell asked for (null: the hv's default, which its record
	 * names as "populate" or "free_report") */
	json_object_set_new(rec, "variant_requested",
			    c->variant ? json_string(c->variant) : json_null());
	json_object_set_new(rec, "platform", json_string(c->plat->name));
	label(c, text, sizeof text);
	json_object_set_new(rec, "label", json_string(text));
	const char *note = platform_time_note(c->plat, c), *clock = platform_clock(c->plat, c);
	json_object_set_new(rec, "time_note", note ? json_string(note) : json_null());
	json_object_set_new(rec, "clock", json_string(clock));
	json_object_set_new(rec, "time_unit", json_string(clock_time_unit(clock)));
}

/* The MMU flavour: what the platform measured inside (e.g. the hv's record), else what
 * the platform says about itself. */
static void set_mmu(json_t *rec, const struct cell *c)
{
	const char *inside = json_string_value(json_object_get(rec, "mmu"));
	json_object_set_new(rec, "mmu", json_string(inside && inside[0] ? inside : c->plat->mmu()));
}

static void print_outcome(json_t *rec)
{
	const char *status = json_string_value(json_object_get(rec, "status"));
	if (!strcmp(status, "ok")) {
		char text[32];
		rec_time_text(rec, rec_p50(rec), text, sizeof text);
		printf("%s/op\n", text);
	} else if (!strcmp(status, "skipped")) {
		printf("skipped: %s\n", json_string_value(json_object_get(rec, "reason")));
	} else {
		printf("FAILED: %s\n", json_string_value(json_object_get(rec, "error")));
	}
	fflush(stdout);
}

static json_t *run_one(const struct cell *c, struct plat_state *ps, const struct budget *b,
		       bool trace_ok, bool split_ok)
{
	json_t *rec = json_object();
	set_identity(rec, c);
	json_object_set_new(rec, "mmu", json_string(""));
	json_object_set_new(rec, "status", json_string(""));
	char why[BENCH_ERR_MAX];
	if (!ps->available || (c->plat->supports && !c->plat->supports(c->wl, why, sizeof why))) {
		json_object_set_new(rec, "status", json_string("skipped"));
		json_object_set_new(rec, "ok", json_false());
		json_object_set_new(rec, "error", json_null());
		json_object_set_new(rec, "reason", json_string(ps->available ? why : ps->why));
		json_object_set_new(rec, "mmu", json_string(c->plat->mmu()));
		return rec;
	}
	int rc = c->plat->run_cell(c, b, rec);
	set_identity(rec, c);
	set_mmu(rec, c);
	if (rc > 0) {
		json_object_set_new(rec, "status", json_string("skipped"));
		json_object_set_new(rec, "ok", json_false());
		json_object_set_new(rec, "error", json_null());
		return rec;
	}
	json_t *stats = rc == 0 ? latency_ns(json_number_value(json_object_get(rec, "tsc_khz")),
					     json_number_value(json_object_get(rec, "iterations")),
					     json_object_get(rec, "cycles"))
				: NULL;
	if (rc == 0 && !stats) {
		rc = -1;
		json_object_set_new(rec, "error", json_string("the run reported no samples"));
	}
	json_object_set_new(rec, "status", json_string(rc == 0 ? "ok" : "failed"));
	json_object_set_new(rec, "ok", json_boolean(rc == 0));
	json_object_set_new(rec, "latency_ns", stats ? stats : json_null());
	if (rc == 0)
		json_object_set_new(rec, "error", json_null());
	if (rc == 0 && b->trace && c->plat->run_once && trace_ok) {
		printf("tracing ... ");
		fflush(stdout);
		json_object_set_new(
		    rec, "trace",
		    trace_exits(c, c->plat->run_once,
				json_integer_value(json_object_get(rec, "iterations")),
				b->timeout_s));
	}
	if (rc == 0 && split_ok && c->plat->run_once) {
		printf("splitting ... ");
		fflush(stdout);
		json_object_set_new(
		    rec, "split",
		    split_run(c, c->plat->run_once,
			      json_integer_value(json_object_get(rec, "iterations")),
			      b->timeout_s));
	}
	return rec;
}

/* Says once whether the --split pass runs here: the lab platforms split inside their VM, and
 * the bench inside (on its host platform) runs the marked pass that the lab's QEMU counts. */
static bool split_check(const struct matrix *m)
{
	bool here = false;
	for (int i = 0; i < m->nplats; i++) {
		if (m->plats[i]->traces_inside)
			printf("split: %s splits inside its VM, counted by a QEMU plugin\n",
			       m->plats[i]->name);
		else if (m->plats[i]->run_once && split_inside_lab())
			here = true;
		else
			printf(
			    "split: %s has no instruction counter here (the lab platforms count, "
			    "with a QEMU plugin)\n",
			    m->plats[i]->name);
	}
	if (here)
		printf("split: a marked pass after each cell, counted by the lab's QEMU plugin\n");
	return here;
}

/* Says once whether the --trace pass can run for the platforms that trace here, and why not. */
static bool trace_check(const struct matrix *m, const struct plat_state *st, const struct budget *b)
{
	char why[BENCH_ERR_MAX];
	bool wanted = false;
	for (int i = 0; i < m->nplats; i++) {
		if (m->plats[i]->traces_inside)
			printf("trace: %s traces inside its VM\n", m->plats[i]->name);
		else if (!m->plats[i]->run_once)
			printf("trace: %s has no KVM exits to trace\n", m->plats[i]->name);
		else if (!st[i].available)
			printf("trace: %s cannot run here (%s), so nothing to trace there\n",
			       m->plats[i]->name, st[i].why);
		else
			wanted = true;
	}
	if (!wanted)
		return false;
	const char *method = trace_available(b->trace_method, why, sizeof why);
	if (!method) {
		printf(
		    "trace: the kvm:kvm_exit tracepoint cannot be used here (--trace-method %s): "
		    "%s\n",
		    b->trace_method, why);
		return false;
	}
	printf("trace: exits by hardware reason from the kvm:kvm_exit tracepoint (%s), in a "
	       "separate untimed pass\n",
	       method);
	return true;
}

/* After the cells, the hypercall calibration of each platform that has one, into the
 * document's "calibration" array (absent when no platform has one). */
static void calibrate_platforms(const struct matrix *m, const struct plat_state *st,
				const struct budget *b, json_t *doc, const char *out_dir)
{
	for (int i = 0; i < m->nplats && !proc_interrupted(); i++) {
		if (!m->plats[i]->calibrate)
			continue;
		json_t *calibration = json_object_get(doc, "calibration");
		if (!calibration)
			json_object_set_new(doc, "calibration", calibration = json_array());
		json_t *rec = calibration_measure(m->plats[i], st[i].available, st[i].why, b);
		if (proc_interrupted()) { /* cut short: no measurement */
			json_decref(rec);
			return;
		}
		json_array_append_new(calibration, rec);
		results_write(out_dir, doc);
	}
}

struct pass {
	struct matrix *m;
	struct plat_state *st;
	const struct budget *b;
	bool trace_ok, split_ok, *done;
	json_t *doc, *runs;
	const char *out_dir;
	int failed;
};

/* Runs the cells of the platforms whose beside_lab is beside, each record filed at its place
 * in the matrix's order; false when interrupted. */
static bool run_pass(struct pass *p, bool beside)
{
	struct matrix *m = p->m;
	for (int i = 0; i < m->n; i++) {
		const struct cell *c = &m->cells[i];
		struct plat_state *ps = state_of(p->st, m->nplats, c->plat);
		if (ps->beside_lab != beside)
			continue;
		if (proc_interrupted())
			return false;
		char where[128], left[48];
		label(c, where, sizeof where);
		time_left(p->st, m->nplats, left, sizeof left);
		int before = 0;
		for (int k = 0; k < i; k++)
			before += p->done[k];
		printf("[%zu/%d%s] %s%s%s %s: ", json_array_size(p->runs) + 1, m->n, left,
		       c->wl->name, c->params[0] ? " " : "", c->params, where);
		fflush(stdout);
		double t0 = monotonic_s();
		json_t *rec = run_one(c, ps, p->b, p->trace_ok, p->split_ok);
		ps->seconds += monotonic_s() - t0;
		ps->done++, ps->left--;
		if (proc_interrupted()) { /* the cell was cut short: no measurement */
			printf("interrupted\n");
			json_decref(rec);
			return false;
		}
		print_outcome(rec);
		p->failed += !strcmp(json_string_value(json_object_get(rec, "status")), "failed");
		json_array_insert_new(p->runs, before, rec);
		p->done[i] = true;
		results_write(p->out_dir, p->doc); /* after every cell: a crash keeps the rest */
	}
	return true;
}

int runner_run(struct matrix *m, const struct budget *b, json_t *doc, const char *out_dir)
{
	struct plat_state st[8];
	for (int i = 0; i < m->nplats; i++) {
		st[i] = (struct plat_state){.plat = m->plats[i]};
		st[i].available = m->plats[i]->available(st[i].why, sizeof st[i].why);
		st[i].beside_lab = m->plats[i]->times_emulated && m->plats[i]->times_emulated();
	}
	for (int c = 0; c < m->n; c++)
		state_of(st, m->nplats, m->cells[c].plat)->left++;
	for (int i = 0; i < m->nplats; i++) {
		if (!st[i].available || !m->plats[i]->prepare)
			continue;
		struct cell *mine[m->n];
		int n = 0;
		for (int c = 0; c < m->n; c++)
			if (m->cells[c].plat == m->plats[i])
				mine[n++] = &m->cells[c];
		m->plats[i]->prepare(mine, n, b);
	}
	bool done[m->n];
	memset(done, 0, sizeof done);
	struct pass p = {m,	  st, b, false, false, done, doc, json_object_get(doc, "runs"),
			 out_dir, 0};
	p.trace_ok = b->trace && trace_check(m, st, b);
	p.split_ok = b->split && split_check(m);
	bool going = run_pass(&p, true);    /* while the lab's VMs run */
	for (int i = 0; i < m->nplats; i++) /* also when interrupted: they stop there */
		if (st[i].available && m->plats[i]->finish)
			m->plats[i]->finish(m->plats[i], b);
	if (going)
		run_pass(&p, false);
	calibrate_platforms(m, st, b, doc, out_dir);
	if (!proc_interrupted()) {
		json_object_set_new(doc, "complete", json_true());
		results_write(out_dir, doc);
	}
	return p.failed;
}
