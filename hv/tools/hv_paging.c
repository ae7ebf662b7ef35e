/* hv_paging.c: build/hv-paging: the hv's ptefree paging on host memory, without KVM, timed
 * against native Linux (the bench's hv-native platform). */
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>
#include "hv.h"
#include "ptefree/ptefree.h"
#include "workload.h"

#define NWINDOWS    16 /* as the hv's default */
#define KMEM_SIZE   (8 * MIB)
#define KMEM_BASE   (4 * MIB)
#define SAMPLES	    31 /* per call; the median is reported */
#define BIG_SAMPLES 11 /* for regions above BIG_KIB, whose calls take long */
#define BIG_KIB	    4096
#define CODE_VA	    0x400000ull /* a process's layout: code low, stack at the top, mmap below */
#define CODE_PAGES  4
#define STACK_SIZE  (64 * 1024ull)
#define GAP	    MIB
#define MAX_NATIVE  8

static const uint64_t probe_windows_mib[] = {64, 1024};

/* The parent's region (mmap'd below the stack) and the probe mapped below it. */
static uint64_t region_va(const struct guest *g, uint64_t len)
{
	return ptefree_window_size(ptefree_of(g)) - STACK_SIZE - GAP - len;
}

static uint64_t probe_va(const struct guest *g, uint64_t len)
{
	return region_va(g, len) - GAP - len;
}

static bool fits(uint64_t window_mib, uint64_t len)
{
	return 2 * len + 2 * GAP + STACK_SIZE + CODE_VA + CODE_PAGES * PAGE_SIZE <=
	       window_mib * MIB;
}

struct opts {
	const char *workload, *json;
	long iters, reps, warmup, rss_kib, touch_pages, window_mib;
	enum fork_policy policy;
	enum populate_policy populate;
};

static __attribute__((noreturn)) void usage(const char *what)
{
	fprintf(stderr,
		"hv-paging: %s\nusage: hv-paging forkstorm|mmapchurn [iters=N] [reps=R] [warmup=W] "
		"[policy=copy|lazy] [populate=none|write] [window_mib=M] [rss_kib=K] "
		"[touch_pages=T] [kib=K] [json=FILE]\n",
		what);
	exit(2);
}

static long num(const char *kv, const char *v, long lo, long hi)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (*v == '\0' || *end || n < lo || n > hi) {
		fprintf(stderr, "hv-paging: %s: valid range %ld..%ld\n", kv, lo, hi);
		exit(2);
	}
	return n;
}

static void parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){.iters = 100,
			   .reps = 5,
			   .warmup = 1,
			   .rss_kib = 64,
			   .window_mib = 1024,
			   .policy = FORK_LAZY};
	if (argc < 2 || (strcmp(argv[1], "forkstorm") && strcmp(argv[1], "mmapchurn")))
		usage("the first argument is the workload (valid: forkstorm, mmapchurn)");
	o->workload = argv[1];
	for (int i = 2; i < argc; i++) {
		char *v = strchr(argv[i], '=');
		if (!v)
			usage("arguments are k=v");
		*v++ = '\0';
		const char *k = argv[i];
		if (!strcmp(k, "iters"))
			o->iters = num(k, v, 1, 1l << 30);
		else if (!strcmp(k, "reps"))
			o->reps = num(k, v, 1, HC_MAX_SAMPLES);
		else if (!strcmp(k, "warmup"))
			o->warmup = num(k, v, 0, 1000);
		else if (!strcmp(k, "rss_kib") || !strcmp(k, "kib"))
			o->rss_kib = num(k, v, 4, 256 * 1024);
		else if (!strcmp(k, "touch_pages"))
			o->touch_pages = num(k, v, 0, 1 << 20);
		else if (!strcmp(k, "window_mib"))
			o->window_mib = num(k, v, 64, 64 * 1024);
		else if (!strcmp(k, "json"))
			o->json = v;
		else if (!strcmp(k, "policy") && (!strcmp(v, "copy") || !strcmp(v, "lazy")))
			o->policy = !strcmp(v, "copy") ? FORK_COPY : FORK_LAZY;
		else if (!strcmp(k, "populate") && populate_parse(v, &o->populate) == 0)
			;
		else
			usage("unknown argument or value (valid: iters, reps, warmup, "
			      "policy=copy|lazy, "
			      "populate=none|write, window_mib, rss_kib, kib, touch_pages, json)");
	}
	if (o->window_mib % 2 || !fits((uint64_t)o->window_mib, (uint64_t)o->rss_kib * 1024) ||
	    o->touch_pages * 4 > o->rss_kib)
		usage(
		    "window_mib must be even and hold twice rss_kib and more; touch_pages at most "
		    "rss_kib / 4");
	char err[PATH_MAX + 128];
	int rc = o->json ? output_check(o->json, err, sizeof err) : RC_OK;
	if (rc != RC_OK) {
		fprintf(stderr, "hv-paging: json=%s\n", err);
		exit(rc);
	}
}

/* One ptefree instance on its own kernel memory, as the hv sets it up. */
static struct guest *instance(uint64_t window_mib, enum fork_policy policy, enum populate_policy pp)
{
	struct guest *g = calloc(1, sizeof *g);
	uint8_t *kmem =
	    mmap(NULL, KMEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!g || kmem == MAP_FAILED)
		die("hv-paging state");
	g->mem = (struct gmem){.host = kmem, .size = KMEM_SIZE};
	g->console = stderr;
	struct ptefree_config c = {NWINDOWS, window_mib * MIB, policy, MIB, pp, false};
	uint64_t tables = KMEM_SIZE - ptefree_tables_size(&c);
	char err[200];
	struct ptefree *pf =
	    ptefree_create(&c, &g->mem, KMEM_BASE, tables, tables, err, sizeof err);
	if (!pf)
		die("ptefree_create: %s", err);
	ptefree_guard(pf, &g->mem);
	ptefree_attach(g, pf);
	return g;
}

static int64_t call(struct guest *g, uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		    uint64_t a3)
{
	struct hc_args a = {.nr = nr, .a0 = a0, .a1 = a1, .a2 = a2, .a3 = a3};
	int64_t r = hc_dispatch(g, &a);
	if (r < 0)
		die("%s answered %s", hc_name(nr), hc_error_name((int)-r));
	return r;
}

/* What the guest's accesses do: every page read, then written (mmapchurn), or written. */
static void touch(struct guest *g, int64_t as, uint64_t va, long pages, bool read_first)
{
	for (long i = 0; i < pages; i++) {
		volatile uint8_t *p =
		    ptefree_host(ptefree_of(g), (int)as, va + (uint64_t)i * PAGE_SIZE);
		if (read_first && *p)
			die("a fresh page does not read zero");
		*p = 1;
	}
}

/* A parent of rss_kib resident, written pages, laid out as the guest lays out a process. */
static int64_t parent(struct guest *g, long rss_kib)
{
	const uint64_t rw = HC_PROT_READ | HC_PROT_WRITE, len = rss_kib * 1024ull;
	int64_t as = call(g, HC_AS_CREATE, 0, 0, 0, 0);
	call(g, HC_MAP, as, CODE_VA, CODE_PAGES * PAGE_SIZE, rw);
	touch(g, as, CODE_VA, CODE_PAGES, false);
	call(g, HC_PROTECT, as, CODE_VA, CODE_PAGES * PAGE_SIZE, HC_PROT_READ | HC_PROT_EXEC);
	call(g, HC_MAP, as, ptefree_window_size(ptefree_of(g)) - STACK_SIZE, STACK_SIZE, rw);
	touch(g, as, ptefree_window_size(ptefree_of(g)) - PAGE_SIZE, 1, false);
	call(g, HC_MAP, as, region_va(g, len), len, rw);
	touch(g, as, region_va(g, len), rss_kib / 4, false);
	return as;
}

/* One operation of the workload, as the guest would ask it of the hv. */
static void op(struct guest *g, const struct opts *o, int64_t p)
{
	const uint64_t len = o->rss_kib * 1024ull;
	if (!strcmp(o->workload, "forkstorm")) {
		int64_t c = call(g, HC_AS_FORK, p, 0, 0, 0);
		touch(g, c, region_va(g, len), o->touch_pages, false);
		call(g, HC_AS_DESTROY, c, 0, 0, 0);
	} else {
		call(g, HC_MAP, p, probe_va(g, len), len, HC_PROT_READ | HC_PROT_WRITE);
		touch(g, p, probe_va(g, len), o->rss_kib / 4, true);
		call(g, HC_UNMAP, p, probe_va(g, len), len, 0);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_u64);
	return (double)v[n / 2];
}

#define NCALLS 8
static const char *const call_names[NCALLS] = {
    "as_create", "as_fork", "cow_page", "as_destroy",
    "map",	 "protect", "unmap",	"first_touch_page"};

#define MAX_TOUCHED 1024 /* pages per sample whose first touch is timed */

/* One sample of each call (ns, per page for touches) on a parent p of rss_kib in g. */
static void sample(struct guest *g, int64_t p, long rss_kib, uint64_t t[NCALLS])
{
	const uint64_t len = (uint64_t)rss_kib * 1024, rw = HC_PROT_READ | HC_PROT_WRITE;
	const uint64_t region = region_va(g, len), probe = probe_va(g, len);
	const uint64_t pages = len / PAGE_SIZE < MAX_TOUCHED ? len / PAGE_SIZE : MAX_TOUCHED;
	uint64_t t0 = now_ns();
	int64_t e = call(g, HC_AS_CREATE, 0, 0, 0, 0);
	uint64_t t1 = now_ns();
	call(g, HC_AS_DESTROY, e, 0, 0, 0);
	t[0] = t1 - t0;
	t0 = now_ns();
	int64_t c = call(g, HC_AS_FORK, p, 0, 0, 0);
	t1 = now_ns();
	touch(g, c, region, (long)pages, false); /* the child's first writes: COW service */
	uint64_t t2 = now_ns();
	call(g, HC_AS_DESTROY, c, 0, 0, 0);
	uint64_t t3 = now_ns();
	t[1] = t1 - t0, t[2] = (t2 - t1) / pages, t[3] = t3 - t2;
	t0 = now_ns();
	call(g, HC_MAP, p, probe, len, rw);
	t1 = now_ns();
	touch(g, p, probe, (long)pages, true);
	t2 = now_ns();
	call(g, HC_PROTECT, p, probe, len, HC_PROT_READ);
	t3 = now_ns();
	call(g, HC_UNMAP, p, probe, len, 0);
	t[4] = t1 - t0, t[5] = t3 - t2, t[6] = now_ns() - t3, t[7] = (t2 - t1) / pages;
}

#define NPROBES (sizeof probe_windows_mib / sizeof probe_windows_mib[0])

static int samples(const struct opts *o)
{
	return o->rss_kib > BIG_KIB ? BIG_SAMPLES : SAMPLES;
}

/* The hv's time per call at each probe window size that holds the parent: samples() of each,
 * the windows taking turns so that a change in the machine's load weighs on all alike; the
 * medians in ns, by window size in MiB. */
static json_t *calls_by_window(const struct opts *o)
{
	struct guest *g[NPROBES] = {0};
	int64_t p[NPROBES];
	static uint64_t t[NPROBES][NCALLS][SAMPLES];
	for (size_t w = 0; w < NPROBES; w++)
		if (fits(probe_windows_mib[w], (uint64_t)o->rss_kib * 1024)) {
			g[w] = instance(probe_windows_mib[w], o->policy, o->populate);
			p[w] = parent(g[w], o->rss_kib);
		}
	for (int s = 0; s < samples(o); s++)
		for (size_t w = 0; w < NPROBES; w++) {
			uint64_t one[NCALLS];
			if (!g[w])
				continue;
			sample(g[w], p[w], o->rss_kib, one);
			for (int i = 0; i < NCALLS; i++)
				t[w][i][s] = one[i];
		}
	json_t *all = json_object();
	for (size_t w = 0; w < NPROBES; w++) {
		char key[32];
		snprintf(key, sizeof key, "%llu", (unsigned long long)probe_windows_mib[w]);
		json_t *calls = g[w] ? json_object() : json_null();
		for (int i = 0; g[w] && i < NCALLS; i++)
			json_object_set_new(calls, call_names[i],
					    json_real(median(t[w][i], samples(o))));
		json_object_set_new(all, key, calls);
	}
	return all;
}

/* Native Linux doing the same on a region of rss_kib in this (still small) process. */
static json_t *native_calls(const struct opts *o)
{
	const size_t len = (size_t)o->rss_kib * 1024;
	const long pages = o->rss_kib / 4, timed = pages < MAX_TOUCHED ? pages : MAX_TOUCHED;
	uint64_t t[4][SAMPLES];
	volatile uint8_t *m =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		die("native region");
	for (long i = 0; i < pages; i++)
		m[i * PAGE_SIZE] = 1;
	for (int s = 0; s < samples(o); s++) {
		int fds[2], status;
		uint64_t t0 = now_ns();
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, &status, 0) != pid)
			die("native fork");
		t[0][s] = now_ns() - t0;
		t0 = now_ns();
		volatile uint8_t *n =
		    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		for (long i = 0; n != MAP_FAILED && i < pages; i++)
			if (n[i * PAGE_SIZE] == 0)
				n[i * PAGE_SIZE] = 1;
		if (n == MAP_FAILED || munmap((void *)n, len) < 0)
			die("native mmap");
		t[1][s] = now_ns() - t0;
		t0 = now_ns();
		if (mprotect((void *)m, len, PROT_READ) < 0)
			die("native mprotect");
		t[2][s] = now_ns() - t0;
		mprotect((void *)m, len, PROT_READ | PROT_WRITE);
		/* a child holds the pages shared until the parent has written each once */
		if (pipe(fds) < 0 || (pid = fork()) < 0)
			die("native cow");
		if (pid == 0) {
			char b;
			_exit(read(fds[0], &b, 1) == 1 ? 0 : 1);
		}
		t0 = now_ns();
		for (long i = 0; i < timed; i++)
			m[i * PAGE_SIZE] = 2;
		t[3][s] = (now_ns() - t0) / (uint64_t)timed;
		if (write(fds[1], "x", 1) != 1 || waitpid(pid, &status, 0) != pid)
			die("native cow child");
		close(fds[0]), close(fds[1]);
	}
	munmap((void *)m, len);
	static const char *const names[] = {"fork_exit_wait", "mmap_touch_munmap", "mprotect",
					    "cow_fault"};
	json_t *calls = json_object();
	for (int i = 0; i < 4; i++)
		json_object_set_new(calls, names[i], json_real(median(t[i], samples(o))));
	return calls;
}

int main(int argc, char **argv)
{
	struct opts o;
	parse(argc, argv, &o);
	/* one CPU for everything (forked children and the hv's fault handler thread alike): a
	 * wakeup on a busy other CPU would time that CPU's load, not the call */
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof one, &one) < 0)
		die("sched_setaffinity");
	json_t *native = native_calls(&o); /* first: before the windows grow this process */
	struct guest *g = instance((uint64_t)o.window_mib, o.policy, o.populate);
	int64_t p = parent(g, o.rss_kib);
	static struct hc_result r;
	r.iters = (uint64_t)o.iters;
	for (long rep = -o.warmup; rep < o.reps; rep++) {
		uint64_t c0 = __rdtsc();
		for (long i = 0; i < o.iters; i++)
			op(g, &o, p);
		if (rep >= 0)
			r.cycles[r.nsamples++] = __rdtsc() - c0;
	}
	r.ok = host_failure_message() == NULL;
	if (!r.ok)
		snprintf(r.msg, sizeof r.msg, "%s", host_failure_message());
	if (o.json) {
		json_t *calls = calls_by_window(&o);
		json_t *doc = json_pack(
		    "{s:{s:o, s:o, s:s, s:s, s:I, s:I}}", "hv_native", "calls_ns_by_window_mib",
		    calls, "native_ns", native, "fork_policy", ptefree_policy_name(ptefree_of(g)),
		    "populate", populate_name(o.populate), "window_mib", (json_int_t)o.window_mib,
		    "region_kib", (json_int_t)o.rss_kib);
		char err[PATH_MAX + 128];
		int rc = output_write_json(o.json, doc, err, sizeof err);
		json_decref(doc);
		if (rc != RC_OK) {
			fprintf(stderr, "hv-paging: %s\n", err);
			return rc;
		}
	} else {
		json_decref(native);
	}
	pl_report(&r);
	return r.ok ? 0 : 1;
}
