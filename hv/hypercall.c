/* hypercall.c: the hypercall table; every argument the guest passes is checked here. */
#include <inttypes.h>
#include <string.h>
#include <x86intrin.h>
#include "hv.h"

static int64_t hc_nop(struct guest *g, const struct hc_args *a)
{
	(void)g, (void)a;
	return 0;
}

static int64_t hc_console(struct guest *g, const struct hc_args *a)
{
	if (a->a1 > HC_CONSOLE_MAX)
		return -HC_EINVAL;
	const char *buf = gmem_read(&g->mem, a->a0, a->a1);
	if (!buf)
		return -HC_EFAULT;
	write_escaped(g->console, buf, a->a1);
	fflush(g->console);
	return (int64_t)a->a1;
}

/* Copies a guest string field into dst: NUL-terminated whatever the guest wrote, and
 * printable ASCII only, so it can go into a terminal and a JSON string as it is. */
static void copy_bounded(char *dst, const char *src, size_t size)
{
	size_t i;
	for (i = 0; i + 1 < size && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

static int64_t hc_result(struct guest *g, const struct hc_args *a)
{
	const struct hc_result *src = gmem_read(&g->mem, a->a0, sizeof *src);
	if (!src)
		return -HC_EFAULT;
	struct hc_result r;
	memcpy(&r, src, sizeof r); /* one copy: the guest cannot change it after the checks */
	if (r.nsamples > HC_MAX_SAMPLES || r.ok > 1)
		return -HC_EINVAL;
	copy_bounded(r.msg, r.msg, sizeof r.msg);
	g->result = r;
	g->have_result = true;
	return 0;
}

static int64_t hc_exit(struct guest *g, const struct hc_args *a)
{
	g->exit_status = (int)a->a0;
	g->done = true;
	return 0;
}

static int64_t hc_assert(struct guest *g, const struct hc_args *a)
{
	const struct hc_assert *src = gmem_read(&g->mem, a->a0, sizeof *src);
	if (!src)
		return -HC_EFAULT;
	copy_bounded(g->assertion.file, src->file, sizeof g->assertion.file);
	copy_bounded(g->assertion.expr, src->expr, sizeof g->assertion.expr);
	g->assertion.line = src->line;
	g->asserted = true;
	g->done = true;
	fprintf(stderr, "guest assertion failed: %s:%u: %s\n", g->assertion.file, g->assertion.line,
		g->assertion.expr);
	return 0;
}

static int64_t hc_proc_fault(struct guest *g, const struct hc_args *a)
{
	/* the first HV_MAX_FAULTS are kept and printed; a guest cannot flood stderr */
	if (g->nfaults < HV_MAX_FAULTS) {
		g->faults[g->nfaults] = (struct proc_fault){a->a0, a->a1, a->a2, a->a3};
		fprintf(stderr,
			"guest process %" PRIu64 " killed: invalid access at %#" PRIx64
			" (rip %#" PRIx64 ", error code %#" PRIx64 ")\n",
			a->a0, a->a1, a->a2, a->a3);
	} else if (g->nfaults == HV_MAX_FAULTS) {
		fprintf(stderr, "guest: more processes killed; counted, not printed\n");
	}
	g->nfaults++;
	return 0;
}

static int64_t hc_mark(struct guest *g, const struct hc_args *a)
{
	if (a->a0 != MARK_BEGIN && a->a0 != MARK_END && a->a0 != MARK_REP)
		return -HC_EINVAL;
	if (a->a0 == MARK_REP) { /* progress: the kernel's counts of the marks stay */
		g->mark_ops = a->a2;
		g->mark_cycles = a->a3;
	} else {
		const struct hc_kcounts *kc = a->a1 ? gmem_read(&g->mem, a->a1, sizeof *kc) : NULL;
		if (a->a1 && !kc)
			return -HC_EFAULT;
		g->have_kcounts = kc != NULL;
		if (kc)
			memcpy(&g->kcounts, kc, sizeof g->kcounts);
	}
	if (g->on_mark)
		g->on_mark(g, (int)a->a0, g->on_mark_arg);
	return 0;
}

/* Whether va is a kernel address of guest memory: KERNBASE + [0, size). */
static bool kernel_address(const struct guest *g, uint64_t va)
{
	return va >= KERNBASE && va - KERNBASE < g->mem.size;
}

static int64_t hc_cpu_start(struct guest *g, const struct hc_args *a)
{
	if (a->a0 < 1 || a->a0 >= (uint64_t)g->ncpus || !kernel_address(g, a->a1) ||
	    !kernel_address(g, a->a2))
		return -HC_EINVAL;
	if (g->cpus_started & (1u << a->a0))
		return -HC_EPERM;
	if (!g->on_cpu_start)
		return -HC_ENOSYS;
	int64_t r = g->on_cpu_start(g, a, g->on_mark_arg);
	if (r == 0)
		g->cpus_started |= 1u << a->a0;
	return r;
}

/* Every mode's hypercalls; the rest are the running mode's (its mode_calls). */
static const hc_handler handlers[HC_COUNT] = {
    [HC_NOP] = hc_nop,	 [HC_CONSOLE] = hc_console,	[HC_RESULT] = hc_result,
    [HC_EXIT] = hc_exit, [HC_ASSERT] = hc_assert,	[HC_PROC_FAULT] = hc_proc_fault,
    [HC_MARK] = hc_mark, [HC_CPU_START] = hc_cpu_start,
};

static const char *const names[HC_COUNT] = {
    [HC_NOP] = "nop",
    [HC_CONSOLE] = "console",
    [HC_RESULT] = "result",
    [HC_EXIT] = "exit",
    [HC_ASSERT] = "assert",
    [HC_PROC_FAULT] = "proc_fault",
    [HC_MARK] = "mark",
    [HC_CPU_START] = "cpu_start",
    [HC_AS_CREATE] = "as_create",
    [HC_AS_DESTROY] = "as_destroy",
    [HC_AS_FORK] = "as_fork",
    [HC_AS_SWITCH] = "as_switch",
    [HC_MAP] = "map",
    [HC_UNMAP] = "unmap",
    [HC_PROTECT] = "protect",
    [HC_KMEM_ALLOC] = "kmem_alloc",
    [HC_KMEM_FREE] = "kmem_free",
    [HC_FREE_REPORT] = "free_report",
    [HC_PV_BATCH] = "pv_batch",
    [HC_PV_NEW_BASE] = "pv_new_base",
};

const char *hc_name(uint32_t nr)
{
	return nr < HC_COUNT ? names[nr] : NULL;
}

const char *hc_error_name(int code)
{
	static const char *const errors[HC_ERROR_CODES] = {
	    [HC_EINVAL] = "EINVAL", [HC_ENOSYS] = "ENOSYS", [HC_ENOSPC] = "ENOSPC",
	    [HC_ENOMEM] = "ENOMEM", [HC_EFAULT] = "EFAULT", [HC_EBADF] = "EBADF",
	    [HC_EPERM] = "EPERM",
	};
	return code > 0 && code < HC_ERROR_CODES && errors[code] ? errors[code] : "other";
}

static uint64_t hc_total_calls(const struct hc_counts *h)
{
	uint64_t n = h->unknown;
	for (unsigned i = 0; i < HC_COUNT; i++)
		n += h->calls[i];
	return n;
}

static void count_error(struct hc_counts *h, uint32_t nr, int64_t ret)
{
	h->errors[nr]++;
	h->error_codes[nr][-ret < HC_ERROR_CODES ? -ret : 0]++;
}

bool guest_invariants_hold(struct guest *g)
{
	char err[sizeof g->violation] = "";
	if (!g->calls || !g->calls->check)
		return true; /* the guest owns all its paging state */
	g->checks++;
	int r = g->calls->check(g->mode_state, err, sizeof err);
	if (r < 0 && !g->violation[0])
		snprintf(g->violation, sizeof g->violation, "%s", err);
	return r == 0;
}

int64_t hc_dispatch(struct guest *g, const struct hc_args *a)
{
	const struct mode_calls *mc = g->calls;
	hc_handler handler = a->nr < HC_COUNT ? handlers[a->nr] : NULL;
	if (mc && a->nr - mc->first < mc->count)
		handler = mc->handlers[a->nr - mc->first];
	/* each mode's memory operations exist in that mode only */
	if (!handler && hc_name(a->nr)) {
		g->hc.calls[a->nr]++;
		count_error(&g->hc, a->nr, -HC_ENOSYS);
		return -HC_ENOSYS;
	}
	if (!handler) {
		g->hc.unknown++;
		return -HC_ENOSYS;
	}
	uint64_t t0 = __rdtsc();
	int64_t ret = handler(g, a);
	g->hc.cycles[a->nr] += __rdtsc() - t0;
	g->hc.calls[a->nr]++;
	if (ret < 0)
		count_error(&g->hc, a->nr, ret);
	if (g->check_every && ++g->since_check >= g->check_every) {
		g->since_check = 0;
		if (!guest_invariants_hold(g)) { /* the run stops and reports it, and where */
			size_t n = strlen(g->violation);
			snprintf(
			    g->violation + n, sizeof g->violation - n,
			    " (found after hypercall %" PRIu64 ", %s(%#" PRIx64 ", %#" PRIx64
			    ", %#" PRIx64 ", %#" PRIx64 "); the same guest and seed replay it)",
			    hc_total_calls(&g->hc), hc_name(a->nr) ? hc_name(a->nr) : "unknown",
			    a->a0, a->a1, a->a2, a->a3);
			g->done = true;
		}
	}
	return ret;
}
