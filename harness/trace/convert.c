/* convert.c: turns `perf script` lines (sched, raw_syscalls and page-fault tracepoints) into
 * per-process event lists, threads folded into their process. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "trace.h"

#define MAX_PID	   (1 << 22) /* pid_max's largest value */
#define USER_LIMIT 0x800000000000ull

/* A task's system call in progress (sys_enter seen, sys_exit not yet). */
struct call {
	int nr;
	uint64_t a[6];
};

struct state {
	struct recording *r;
	int *tgid;	   /* tid -> tgid, from every line's pid/tid */
	int *proc_of;	   /* tgid -> process index, -1 */
	struct call *call; /* by tid */
	int runner;	   /* the tgid of the program that started the root (pagelab-trace run) */
	struct pending {   /* faults the kernel took while loading an execve's new image */
		int tid;
		uint64_t page, err;
	} * pending;
	size_t npending, cpending;
};

static uint64_t pages_up(uint64_t bytes)
{
	return (bytes + MT_PAGE - 1) / MT_PAGE;
}

static struct proc *proc_new(struct state *s, int tgid, int parent)
{
	struct recording *r = s->r;
	if (r->nproc == MT_MAX_PROCS)
		die("more than %d processes: too many for one trace", MT_MAX_PROCS);
	r->proc = xrealloc(r->proc, (r->nproc + 1) * sizeof *r->proc);
	struct proc *p = &r->proc[r->nproc];
	memset(p, 0, sizeof *p);
	p->tgid = tgid;
	p->parent = parent;
	p->image = p->image0 = -1;
	p->live = xrealloc(NULL, sizeof *p->live);
	p->live->n = 0;
	if (parent >= 0) {
		struct proc *pp = &r->proc[parent];
		memcpy(p->live, pp->live, sizeof *p->live);
		p->brk = pp->brk;
		p->image = p->image0 = pp->image;
		p->started = 1;
	}
	s->proc_of[tgid] = (int)r->nproc++;
	return p;
}

static struct proc *proc_by_tid(struct state *s, int tid)
{
	int i = tid > 0 && tid < MAX_PID ? s->proc_of[s->tgid[tid]] : -1;
	struct proc *p = i >= 0 ? &s->r->proc[i] : NULL;
	return p && p->started && !p->exited ? p : NULL;
}

static void map_live(struct proc *p, uint64_t start, uint64_t end, int prot)
{
	if (mt_map_set(p->live, start, end, prot) < 0)
		die("process %d has more than %d mappings", p->tgid, MT_MAX_RANGES);
}

static void fault(struct state *s, struct proc *p, uint64_t page, uint64_t err)
{
	ev_add(p, err & 2 ? MT_WRITE : MT_READ, page, 0, 0, 0);
	s->r->touches++;
	if (mt_map_find(p->live, page))
		return;
	struct image *im = &s->r->image[p->image];
	if (im->nimplied == im->cimplied) {
		im->cimplied = im->cimplied ? 2 * im->cimplied : 256;
		im->implied = xrealloc(im->implied, im->cimplied * sizeof *im->implied);
	}
	im->implied[im->nimplied++] = page;
}

static void on_fork(struct state *s, const char *rest)
{
	const char *c = strstr(rest, "child_pid="), *pp = strstr(rest, " pid=");
	int child = c ? atoi(c + 10) : 0, ptid = pp ? atoi(pp + 5) : 0;
	if (child <= 0 || child >= MAX_PID || ptid <= 0 || ptid >= MAX_PID)
		die("unreadable sched_process_fork line: %s", rest);
	if (s->tgid[child] != child)
		return; /* a thread: folded into its process */
	int ptg = s->tgid[ptid];
	if (ptg == s->runner && s->r->nproc == 0) {
		proc_new(s, child, -1); /* the root: its trace starts at its execve */
		return;
	}
	struct proc *parent = proc_by_tid(s, ptid);
	if (!parent)
		return;
	int pi = (int)(parent - s->r->proc);
	struct proc *p = proc_new(s, child, pi);
	ev_add(&s->r->proc[pi], MT_FORK, (uint64_t)(p - s->r->proc), 0, 0, 0);
}

static void on_exec(struct state *s, int tid)
{
	if (!s->runner) {
		s->runner = s->tgid[tid];
		return;
	}
	int i = s->proc_of[s->tgid[tid]];
	if (i < 0)
		return;
	struct recording *r = s->r;
	struct proc *p = &r->proc[i];
	r->image = xrealloc(r->image, (r->nimage + 1) * sizeof *r->image);
	memset(&r->image[r->nimage], 0, sizeof *r->image);
	ev_add(p, p->started ? MT_EXEC : MT_IMAGE, r->nimage, 0, 0, 0);
	p->image = (int)r->nimage++;
	p->started = 1;
	p->live->n = 0;
	p->brk = 0;
	s->call[tid].nr = -1; /* the execve is over: later faults are the new image's */
	size_t kept = 0;
	for (size_t k = 0; k < s->npending; k++)
		if (s->pending[k].tid == tid)
			fault(s, p, s->pending[k].page, s->pending[k].err);
		else
			s->pending[kept++] = s->pending[k];
	s->npending = kept;
}

static void on_fault(struct state *s, int tid, const char *rest, int kernel)
{
	const char *a = strstr(rest, "address="), *e = strstr(rest, "error_code=");
	if (!a || !e)
		die("unreadable page fault line: %s", rest);
	uint64_t addr = strtoull(a + 8, NULL, 16), err = strtoull(e + 11, NULL, 16);
	if (kernel && addr >= USER_LIMIT)
		return;
	int nr = s->call[tid].nr, i = s->proc_of[s->tgid[tid]];
	if ((nr == 59 || nr == 322) && i >= 0) { /* in execve: kept until it succeeds or fails */
		if (s->npending == s->cpending)
			s->pending = xrealloc(s->pending, (s->cpending = 2 * s->cpending + 64) *
							      sizeof *s->pending);
		s->pending[s->npending++] = (struct pending){tid, addr / MT_PAGE, err};
		return;
	}
	struct proc *p = proc_by_tid(s, tid);
	if (p)
		fault(s, p, addr / MT_PAGE, err);
}

static void on_sys_enter(struct state *s, int tid, const char *rest)
{
	struct call *c = &s->call[tid];
	unsigned long long a[6];
	if (sscanf(rest, "NR %d (%llx, %llx, %llx, %llx, %llx, %llx)", &c->nr, &a[0], &a[1], &a[2],
		   &a[3], &a[4], &a[5]) != 7)
		die("unreadable sys_enter line: %s", rest);
	for (int i = 0; i < 6; i++)
		c->a[i] = a[i];
	struct proc *p = proc_by_tid(s, tid);
	if (p && (c->nr == 231 || (c->nr == 60 && tid == p->tgid)))
		p->status = (int)(c->a[0] & 0xff); /* exit_group, exit of the main thread */
}

/* A memory system call that succeeded: its event and its effect on the live mappings. */
static void on_sys_exit(struct state *s, int tid, const char *rest)
{
	int nr;
	long long ret;
	if (sscanf(rest, "NR %d = %lld", &nr, &ret) != 2)
		die("unreadable sys_exit line: %s", rest);
	struct call *c = &s->call[tid];
	struct proc *p = proc_by_tid(s, tid);
	if (nr == 59 || nr == 322) { /* a failed execve: its faults were in no image */
		size_t kept = 0;
		for (size_t k = 0; k < s->npending; k++)
			if (s->pending[k].tid != tid)
				s->pending[kept++] = s->pending[k];
		s->npending = kept;
	}
	if (!p || c->nr != nr || ret < 0)
		return;
	uint64_t *a = c->a, start = a[0] / MT_PAGE, n = pages_up(a[1]);
	struct image *im = &s->r->image[p->image];
	switch (nr) {
	case 9: /* mmap */
		start = (uint64_t)ret / MT_PAGE;
		ev_add(p, MT_MAP, start, n, a[2] & 7,
		       (a[3] & MAP_SHARED ? MT_SHARED : 0) | (a[3] & MAP_FIXED ? MT_FIXED : 0) |
			   (a[3] & MAP_ANONYMOUS ? 0 : MT_FILE));
		map_live(p, start, start + n, (int)(a[2] & 7));
		image_range(im, start, start + n);
		break;
	case 11: /* munmap */
		ev_add(p, MT_UNMAP, start, n, 0, 0);
		map_live(p, start, start + n, -1);
		break;
	case 10: /* mprotect */
		ev_add(p, MT_PROTECT, start, n, a[2] & 7, 0);
		if (mt_map_protect(p->live, start, start + n, (int)(a[2] & 7)) < 0)
			die("process %d has more than %d mappings", p->tgid, MT_MAX_RANGES);
		break;
	case 28: /* madvise: MADV_DONTNEED frees the pages, the next touch faults */
		if (a[2] == MADV_DONTNEED)
			ev_add(p, MT_DISCARD, start, n, 0, 0);
		break;
	case 25: { /* mremap */
		uint64_t to = (uint64_t)ret / MT_PAGE, nn = pages_up(a[2]);
		const struct mt_range *old = mt_map_find(p->live, start);
		int prot = old ? old->prot : PROT_READ | PROT_WRITE;
		ev_add(p, MT_REMAP, start, n, to, nn);
		map_live(p, start, start + n, -1);
		map_live(p, to, to + nn, prot);
		image_range(im, to, to + nn);
		break;
	}
	case 12: { /* brk: the heap's pages come and go as mappings */
		uint64_t old = pages_up(p->brk), now = pages_up((uint64_t)ret);
		if (p->brk && now > old) {
			ev_add(p, MT_MAP, old, now - old, PROT_READ | PROT_WRITE, MT_HEAP);
			map_live(p, old, now, PROT_READ | PROT_WRITE);
			image_range(im, old, now);
		} else if (p->brk && now < old) {
			ev_add(p, MT_UNMAP, now, old - now, 0, 0);
			map_live(p, now, old, -1);
		}
		p->brk = (uint64_t)ret;
		break;
	}
	case 61: { /* wait4: the child it reaped */
		int ci = ret > 0 && ret < MAX_PID ? s->proc_of[ret] : -1;
		if (ci >= 0 && s->r->proc[ci].parent == (int)(p - s->r->proc))
			ev_add(p, MT_WAIT, (uint64_t)ci, 0, 0, 0);
		break;
	}
	}
}

static void on_exit_task(struct state *s, int tid)
{
	struct proc *p = proc_by_tid(s, tid);
	if (p && tid == p->tgid) {
		ev_add(p, MT_EXIT, (uint64_t)p->status, 0, 0, 0);
		p->exited = 1;
	}
}

void convert_perf(FILE *in, struct recording *r)
{
	char **lines = NULL, *line = NULL;
	size_t n = 0, cap = 0, lcap = 0;
	struct state s = {.r = r};
	s.tgid = calloc(MAX_PID, sizeof *s.tgid);
	s.proc_of = malloc(MAX_PID * sizeof *s.proc_of);
	s.call = calloc(MAX_PID, sizeof *s.call);
	if (!s.tgid || !s.proc_of || !s.call)
		die("out of memory");
	memset(s.proc_of, 0xff, MAX_PID * sizeof *s.proc_of);
	while (getline(&line, &lcap, in) > 0) {
		int pid, tid;
		if (sscanf(line, "%d/%d", &pid, &tid) != 2 || pid <= 0 || pid >= MAX_PID ||
		    tid <= 0 || tid >= MAX_PID)
			die("not a `perf script -F pid,tid,time,event,trace` line: %s", line);
		s.tgid[tid] = pid; /* first pass: every task's process */
		if (n == cap)
			lines = xrealloc(lines, (cap = cap ? 2 * cap : 4096) * sizeof *lines);
		lines[n++] = strdup(line);
	}
	for (size_t i = 0; i < n; i++) {
		int pid, tid, at = 0;
		char ev[64];
		if (sscanf(lines[i], "%d/%d %*f: %63s %n", &pid, &tid, ev, &at) != 3 || !at)
			die("unreadable line: %s", lines[i]);
		const char *rest = lines[i] + at;
		if (strcmp(ev, "sched:sched_process_fork:") == 0)
			on_fork(&s, rest);
		else if (strcmp(ev, "sched:sched_process_exec:") == 0)
			on_exec(&s, tid);
		else if (strcmp(ev, "sched:sched_process_exit:") == 0)
			on_exit_task(&s, tid);
		else if (strcmp(ev, "raw_syscalls:sys_enter:") == 0)
			on_sys_enter(&s, tid, rest);
		else if (strcmp(ev, "raw_syscalls:sys_exit:") == 0)
			on_sys_exit(&s, tid, rest);
		else if (strcmp(ev, "exceptions:page_fault_user:") == 0)
			on_fault(&s, tid, rest, 0);
		else if (strcmp(ev, "exceptions:page_fault_kernel:") == 0)
			on_fault(&s, tid, rest, 1);
		else
			die("unexpected event %s", ev);
		free(lines[i]);
	}
	free(lines);
	free(line);
	for (unsigned i = 0; i < r->nproc; i++)
		if (!r->proc[i].exited) /* still running when the root ended */
			ev_add(&r->proc[i], MT_EXIT, (uint64_t)r->proc[i].status, 0, 0, 0);
	if (!r->nproc || !r->proc[0].started)
		die("the recording has no root process that executed a program");
	free(s.tgid);
	free(s.proc_of);
	free(s.call);
	free(s.pending);
}
