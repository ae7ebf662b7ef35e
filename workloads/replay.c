/* replay.c: replays a recorded program's memory trace (workloads/traces): its process tree, its
 * mappings (anonymous, packed into one reserved range per image) and its page touches. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "memtrace.h"
#include "workload.h"

enum { TRACE, PROC, EXEC };
#define FAILED 125 /* a replayed process's exit status when it could not follow its trace */

/* The traces built into the program (workloads.mk generates the table from
 * workloads/traces/NAME.trace, sorted by name); trace=0 is the empty one below. */
struct embedded_trace {
	const char *name;
	const uint8_t *data;
	uint64_t size;
};
extern const struct embedded_trace memtrace_table[];
/* One process that does nothing: what a replay costs without a trace. */
static const char empty_trace[] = MT_MAGIC "name empty\nprocesses 1\nbody 5\n"
					   "\x04\x01\x00\x0c\x00";

struct replay {
	struct mt_trace t;
	long index;
	int expect[MT_MAX_PROCS]; /* each process's exit status */
	long ops[MT_OP_END];	  /* ops of each kind in the whole trace */
	long kinds[MT_KINDS];	  /* MAPs with each bit of enum mt_kind */
	uint64_t pages;		  /* pages touched in the whole trace */
	/* the running process's own state (a child inherits its parent's copy) */
	unsigned self;
	char *base; /* its image's reserved range */
	uint64_t span;
	struct mt_map map;
	pid_t pid[MT_MAX_PROCS]; /* its children's process ids (0: not forked or waited) */
};
static struct replay R;

/* Checks every stream's ops and the tree they describe before anything runs. */
static int validate(struct wl_ctx *ctx)
{
	int forked[MT_MAX_PROCS] = {0};
	for (unsigned k = 0; k < R.t.nprocs; k++) {
		struct mt_cursor c = {R.t.body + R.t.start[k], R.t.body + R.t.start[k] + R.t.len[k],
				      0};
		int last = 0, first = 1;
		unsigned mine[MT_MAX_PROCS / 32 + 1] = {0}; /* the children it forked */
		while (c.p < c.end && !c.bad) {
			last = *c.p++;
			int n = mt_op_operands(last);
			uint64_t a[4] = {0};
			if (n < 0)
				return wl_fail(ctx, "process %u: unknown op %d", k, last);
			for (int i = 0; i < n; i++)
				a[i] = mt_varint(&c);
			R.ops[last]++;
			for (int b = 0; last == MT_MAP && b < MT_KINDS; b++)
				R.kinds[b] += (a[3] >> b) & 1;
			if (last == MT_READ || last == MT_WRITE)
				R.pages += a[1];
			if ((last == MT_IMAGE) != (k == 0 && first))
				return wl_fail(ctx, "process %u: IMAGE must be the root's first op",
					       k);
			first = 0;
			if ((last == MT_FORK || last == MT_WAIT) &&
			    (a[0] <= k || a[0] >= R.t.nprocs))
				return wl_fail(ctx, "process %u: child %llu out of range", k,
					       (unsigned long long)a[0]);
			if (last == MT_FORK && forked[a[0]]++)
				return wl_fail(ctx, "process %llu is forked twice",
					       (unsigned long long)a[0]);
			if (last == MT_FORK)
				mine[a[0] / 32] |= 1u << (a[0] % 32);
			if (last == MT_WAIT && !(mine[a[0] / 32] & (1u << (a[0] % 32))))
				return wl_fail(ctx, "process %u waits for %llu, not its child", k,
					       (unsigned long long)a[0]);
			if (last == MT_EXIT)
				R.expect[k] = (int)(a[0] & 0xff);
		}
		if (c.bad || last != MT_EXIT || c.p != c.end)
			return wl_fail(ctx, "process %u: stream truncated or not ended by EXIT", k);
	}
	for (unsigned k = 1; k < R.t.nprocs; k++)
		if (!forked[k])
			return wl_fail(ctx, "process %u is never forked", k);
	return 0;
}

__attribute__((noreturn, format(printf, 1, 2))) static void die_replay(const char *fmt, ...);

/* A mapping of the image at page off (MAP_FIXED: it replaces what was there). */
static void map_at(uint64_t off, uint64_t len, int prot)
{
	void *want = R.base + off * MT_PAGE;
	if (mmap(want, len * MT_PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != want)
		die_replay("mmap of %llu pages at page %llu failed", (unsigned long long)len,
			   (unsigned long long)off);
#ifdef MADV_NOHUGEPAGE
	madvise(want, len * MT_PAGE, MADV_NOHUGEPAGE); /* one fault per page, as recorded */
#endif
	if (mt_map_set(&R.map, off, off + len, prot) < 0)
		die_replay("more than %d mappings", MT_MAX_RANGES);
}

static void in_image(uint64_t off, uint64_t len)
{
	if (off > R.span || len > R.span - off || !len)
		die_replay("range of %llu pages at page %llu outside the image's %llu",
			   (unsigned long long)len, (unsigned long long)off,
			   (unsigned long long)R.span);
}

static void new_image(uint64_t span)
{
	if (span > MT_MAX_SPAN)
		die_replay("an image of %llu pages (at most %u)", (unsigned long long)span,
			   MT_MAX_SPAN);
	R.span = span;
	R.map.n = 0;
	R.base = NULL;
	if (!span)
		return;
#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif
	void *b = mmap(NULL, span * MT_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (b == MAP_FAILED)
		die_replay("cannot reserve %llu MiB for the image", (unsigned long long)span / 256);
	R.base = b;
}

static void remap(uint64_t off, uint64_t len, uint64_t to, uint64_t nlen)
{
	in_image(off, len);
	in_image(to, nlen);
	const struct mt_range *m = mt_map_find(&R.map, off);
	int prot = m ? m->prot : PROT_READ | PROT_WRITE;
#ifdef MREMAP_MAYMOVE /* Linux: the pages move with their contents */
	char *from = R.base + off * MT_PAGE, *dst = R.base + to * MT_PAGE;
	if (to == off && nlen > len)
		munmap(from + len * MT_PAGE, (nlen - len) * MT_PAGE); /* room to grow in place */
	void *got = to == off ? mremap(from, len * MT_PAGE, nlen * MT_PAGE, 0)
			      : mremap(from, len * MT_PAGE, nlen * MT_PAGE,
				       MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (got != dst)
		die_replay("mremap of page %llu to %llu failed", (unsigned long long)off,
			   (unsigned long long)to);
	mt_map_set(&R.map, off, off + len, -1);
	if (mt_map_set(&R.map, to, to + nlen, prot) < 0)
		die_replay("more than %d mappings", MT_MAX_RANGES);
#else /* the pagelab guest has no mremap: a fresh mapping, then the old one goes */
	map_at(to, nlen, prot);
	if (off + len > to && off < to + nlen) { /* in place: only the part left over goes */
		if (off + len > to + nlen)
			munmap(R.base + (to + nlen) * MT_PAGE, (off + len - to - nlen) * MT_PAGE);
		mt_map_set(&R.map, to + nlen, off + len > to + nlen ? off + len : to + nlen, -1);
	} else {
		munmap(R.base + off * MT_PAGE, len * MT_PAGE);
		mt_map_set(&R.map, off, off + len, -1);
	}
#endif
}

static void touch(int op, uint64_t page, uint64_t n)
{
	in_image(page, n);
	for (uint64_t p = page; p < page + n; p++) {
		const struct mt_range *m = mt_map_find(&R.map, p);
		if (!m || m->prot == PROT_NONE || (op == MT_WRITE && !(m->prot & PROT_WRITE)))
			die_replay("%s of page %llu, which is %s",
				   op == MT_WRITE ? "write" : "read", (unsigned long long)p,
				   m ? "not accessible so" : "not mapped");
		volatile char *at = R.base + p * MT_PAGE;
		if (op == MT_WRITE)
			*at = 1;
		else
			(void)*at;
	}
}

/* Reaps a child, checking it ended as its trace says. */
static void reap(unsigned child)
{
	int status;
	if (waitpid(R.pid[child], &status, 0) != R.pid[child])
		die_replay("waitpid of process %u failed", child);
	R.pid[child] = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != R.expect[child])
		die_replay("process %u ended with status 0x%x; its trace says exit %d", child,
			   status, R.expect[child]);
}

static void run_process(unsigned k, long skip_execs) __attribute__((noreturn));

/* Runs process k's stream from its start, or from after its skip_execs-th EXEC (then this
 * program is what that execve started). Never returns. */
static void run_process(unsigned k, long skip_execs)
{
	struct mt_cursor c = {R.t.body + R.t.start[k], R.t.body + R.t.start[k] + R.t.len[k], 0};
	R.self = k;
	memset(R.pid, 0, sizeof R.pid);
	long execs = 0;
	uint64_t next = 0; /* the page after the previous touch run */
	while (c.p < c.end) {
		int op = *c.p++;
		uint64_t a[4];
		for (int i = 0; i < mt_op_operands(op); i++)
			a[i] = mt_varint(&c);
		if (execs < skip_execs) { /* what the image before this execve did */
			if (op == MT_EXEC && ++execs == skip_execs)
				new_image(a[0]);
			continue;
		}
		switch (op) {
		case MT_IMAGE:
			new_image(a[0]);
			break;
		case MT_EXEC: {
			char t[32], p[32], e[32], *argv[] = {"wl", "replay", t, p, e, NULL};
			char *envp[] = {NULL};
			snprintf(t, sizeof t, "trace=%ld", R.index);
			snprintf(p, sizeof p, "proc=%u", k);
			snprintf(e, sizeof e, "exec=%ld", execs + 1);
			execve(pl_wl_path(), argv, envp);
			die_replay("execve of %s failed", pl_wl_path());
		}
		case MT_MAP:
			in_image(a[0], a[1]);
			map_at(a[0], a[1], (int)(a[2] & 7));
			break;
		case MT_UNMAP:
			in_image(a[0], a[1]);
			if (munmap(R.base + a[0] * MT_PAGE, a[1] * MT_PAGE) < 0)
				die_replay("munmap of page %llu failed", (unsigned long long)a[0]);
			mt_map_set(&R.map, a[0], a[0] + a[1], -1);
			break;
		case MT_PROTECT:
			in_image(a[0], a[1]);
			if (mprotect(R.base + a[0] * MT_PAGE, a[1] * MT_PAGE, (int)(a[2] & 7)) < 0)
				die_replay("mprotect of page %llu failed",
					   (unsigned long long)a[0]);
			if (mt_map_protect(&R.map, a[0], a[0] + a[1], (int)(a[2] & 7)) < 0)
				die_replay("more than %d mappings", MT_MAX_RANGES);
			break;
		case MT_DISCARD: { /* madvise(DONTNEED) as a fresh mapping: the next touch faults */
			in_image(a[0], a[1]);
			const struct mt_range *m = mt_map_find(&R.map, a[0]);
			if (!m)
				die_replay("discard of unmapped page %llu",
					   (unsigned long long)a[0]);
			map_at(a[0], a[1], m->prot);
			break;
		}
		case MT_REMAP:
			remap(a[0], a[1], a[2], a[3]);
			break;
		case MT_READ:
		case MT_WRITE:
			next += (uint64_t)mt_unzigzag(a[0]);
			touch(op, next, a[1]);
			next += a[1];
			break;
		case MT_FORK:
			R.pid[a[0]] = fork();
			if (R.pid[a[0]] < 0)
				die_replay("fork of process %llu failed", (unsigned long long)a[0]);
			if (R.pid[a[0]] == 0)
				run_process((unsigned)a[0], 0);
			break;
		case MT_WAIT:
			if (R.pid[a[0]]) /* (a trace may name a child its parent never forked) */
				reap((unsigned)a[0]);
			break;
		case MT_EXIT:
			for (unsigned i = k + 1; i < R.t.nprocs; i++)
				if (R.pid[i]) /* children the program never waited for */
					reap(i);
			_exit((int)a[0]);
		}
	}
	die_replay("stream ended without EXIT");
}

static void die_replay(const char *fmt, ...)
{
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	fprintf(stderr, "replay %s: process %u: %s\n", R.t.name, R.self, why);
	_exit(FAILED);
}

static int setup(struct wl_ctx *ctx)
{
	long n = 0;
	while (memtrace_table[n].name)
		n++;
	R.index = ctx->p[TRACE];
	if (R.index > n)
		return wl_fail(ctx, "trace=%ld: %ld traces are built in (0: the empty one)",
			       R.index, n);
	const uint8_t *data = (const uint8_t *)empty_trace;
	size_t size = sizeof empty_trace - 1;
	if (R.index) {
		data = memtrace_table[R.index - 1].data;
		size = memtrace_table[R.index - 1].size;
	}
	char err[120];
	if (mt_parse(&R.t, data, size, err, sizeof err) < 0)
		return wl_fail(ctx, "trace %ld: %s", R.index, err);
	if (validate(ctx) < 0)
		return -1;
	if ((unsigned long)ctx->p[PROC] >= R.t.nprocs)
		return wl_fail(ctx, "proc=%ld: the trace has %u processes", ctx->p[PROC],
			       R.t.nprocs);
	if (ctx->p[PROC] || ctx->p[EXEC])
		run_process((unsigned)ctx->p[PROC], ctx->p[EXEC]);
	return 0;
}

/* One operation: the whole trace, its root a child of this process. */
static int op(struct wl_ctx *ctx)
{
	int status;
	pid_t pid = fork();
	if (pid < 0)
		return wl_fail(ctx, "fork failed");
	if (pid == 0)
		run_process(0, 0);
	if (waitpid(pid, &status, 0) != pid)
		return wl_fail(ctx, "waitpid(%d) failed", (int)pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != R.expect[0])
		return wl_fail(ctx, "trace %s: root ended with status 0x%x, trace says exit %d%s",
			       R.t.name, status, R.expect[0],
			       WEXITSTATUS(status) == FAILED ? " (reason on stderr)" : "");
	return 0;
}

static int check(struct wl_ctx *ctx)
{
	(void)ctx;
	printf(
	    "replay %s: %u processes (%ld execve); %ld mmap (%ld of files and %ld shared, replayed "
	    "anonymous and private; %ld heap growths of brk, %ld regions of execve), %ld munmap, "
	    "%ld mprotect, %ld discard (as a fresh mapping), %ld mremap (%s); %llu page touches "
	    "in %ld runs (%ld write runs); each image packed into its own range\n",
	    R.t.name, R.t.nprocs, R.ops[MT_EXEC], R.ops[MT_MAP], R.kinds[1], R.kinds[0], R.kinds[3],
	    R.kinds[4], R.ops[MT_UNMAP], R.ops[MT_PROTECT], R.ops[MT_DISCARD], R.ops[MT_REMAP],
#ifdef MREMAP_MAYMOVE
	    "as mremap",
#else
	    "as a new mapping and munmap",
#endif
	    (unsigned long long)R.pages, R.ops[MT_READ] + R.ops[MT_WRITE], R.ops[MT_WRITE]);
	return 0;
}

WORKLOAD(wl_replay) = {
    .name = "replay",
    .desc = "replays a recorded program's memory trace: process tree, mappings, page touches",
    .params = {{"trace", 0, 0, 64, "built-in trace (0: empty; workloads/traces, by name)"},
	       {"proc", 0, 0, MT_MAX_PROCS - 1, "set by the replay's own execve: the process"},
	       {"exec", 0, 0, 1 << 20, "set by the replay's own execve: execs behind it"}},
    .setup = setup,
    .op = op,
    .check = check,
};
