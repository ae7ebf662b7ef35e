/* forkstorm.c: fork, the child writes touch_pages pages and exits, the parent waits; in copies
 * processes at once. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workload.h"

#define PAGE 4096
enum { RSS_KIB, TOUCH_PAGES, COPIES };

struct forkstorm {
	volatile uint64_t *mem; /* the parent's resident memory */
	long pages;
};

static uint64_t parent_word(long page)
{
	return 0x9e3779b97f4a7c15ull ^ (uint64_t)page;
}

static uint64_t *word(struct forkstorm *s, long page)
{
	return (uint64_t *)((char *)s->mem + page * PAGE);
}

static int setup(struct wl_ctx *ctx)
{
	static struct forkstorm s;
	s.pages = ctx->p[RSS_KIB] * 1024 / PAGE;
	if (ctx->p[TOUCH_PAGES] > s.pages)
		return wl_fail(ctx, "touch_pages=%ld exceeds the %ld pages of rss_kib",
			       ctx->p[TOUCH_PAGES], s.pages);
	if (s.pages) {
		void *m = mmap(NULL, s.pages * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return wl_fail(ctx, "mmap of %ld KiB failed", ctx->p[RSS_KIB]);
		s.mem = m;
	}
	for (long i = 0; i < s.pages; i++)
		*word(&s, i) = parent_word(i); /* makes the parent's memory resident */
	ctx->state = &s;
	return 0;
}

/* The child sees the parent's data, overwrites it with its own, and reads its own back. */
static void child(struct forkstorm *s, long touch)
{
	uint64_t mine = (uint64_t)getpid() << 32;
	for (long i = 0; i < touch; i++) {
		if (*word(s, i) != parent_word(i))
			_exit(3);
		*word(s, i) = mine | (uint64_t)i;
	}
	for (long i = 0; i < touch; i++)
		if (*word(s, i) != (mine | (uint64_t)i))
			_exit(4);
	_exit(0);
}

static int op(struct wl_ctx *ctx)
{
	struct forkstorm *s = ctx->state;
	int status;
	pid_t pid = fork();
	if (pid < 0)
		return wl_fail(ctx, "fork failed");
	if (pid == 0)
		child(s, ctx->p[TOUCH_PAGES]);
	if (waitpid(pid, &status, 0) != pid)
		return wl_fail(ctx, "waitpid(%d) failed", (int)pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return wl_fail(ctx,
			       "child %d ended with status 0x%x (3: parent data not seen, "
			       "4: own writes lost)",
			       (int)pid, status);
	return 0;
}

/*
 * copies > 1 (lmbench's parallel fork test): each repetition forks that many copies of this
 * process, each runs iters operations, and the repetition ends when the last copy is reaped;
 * its time over iters is the latency of one operation as each copy sees it. Starting and
 * reaping the copies (one fork each per repetition) is inside the timed section.
 */
static int rep(struct wl_ctx *ctx)
{
	long copies = ctx->p[COPIES];
	if (copies == 1) {
		for (long i = 0; i < ctx->iters; i++)
			if (op(ctx) < 0)
				return -1;
		return 0;
	}
	pid_t pids[copies];
	for (long c = 0; c < copies; c++) {
		pids[c] = fork();
		if (pids[c] < 0)
			return wl_fail(ctx, "fork of copy %ld failed", c);
		if (pids[c] > 0)
			continue;
		for (long i = 0; i < ctx->iters; i++)
			if (op(ctx) < 0) {
				fprintf(stderr, "forkstorm copy %ld: %s\n", c, ctx->err);
				_exit(1);
			}
		_exit(0);
	}
	int failed = 0;
	for (long c = 0; c < copies; c++) {
		int status = -1;
		if ((waitpid(pids[c], &status, 0) != pids[c] || status != 0) && !failed)
			failed = wl_fail(ctx,
					 "copy %ld of %ld failed (status 0x%x; its reason is on "
					 "stderr)",
					 c, copies, status);
	}
	return failed;
}

/* Copy-on-write: none of the children's writes may show in the parent. */
static int check(struct wl_ctx *ctx)
{
	struct forkstorm *s = ctx->state;
	for (long i = 0; i < s->pages; i++)
		if (*word(s, i) != parent_word(i))
			return wl_fail(ctx, "parent page %ld was changed by a child", i);
	return 0;
}

WORKLOAD(wl_forkstorm) = {
    .name = "forkstorm",
    .desc = "fork, the child writes touch_pages pages and exits, the parent waits (in copies "
	    "processes at once)",
    .params = {{"rss_kib", 64, 0, 1 << 20, "parent's resident memory before the storm (KiB)"},
	       {"touch_pages", 0, 0, 1 << 18, "pages the child writes before it exits"},
	       {"copies", 1, 1, 32, "processes running the fork loop at once"}},
    .setup = setup,
    .op = op,
    .check = check,
    .rep = rep,
};
