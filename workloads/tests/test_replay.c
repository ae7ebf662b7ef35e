/* test_replay.c: the replay workload refuses malformed and truncated traces with a clear reason,
 * and a trace that touches what it never mapped fails its process, not the replay. */
#include <stdio.h>
#include <string.h>
#include "memtrace.h"
#include "test.h"
#include "workload.h"

struct embedded_trace {
	const char *name;
	const void *data;
	uint64_t size;
};

#define T(name, text)                                                                              \
	{                                                                                          \
		name, text, sizeof text - 1                                                        \
	}
/* Each body: per process its stream's length, then its ops (memtrace.h). */
const struct embedded_trace memtrace_table[] = {
    T("magic", "pagelab-trace 2\nprocesses 1\nbody 5\n\x04\x01\x00\x0c\x00"),
    T("truncated", MT_MAGIC "processes 1\nbody 9\n\x04\x01\x00\x0c\x00"),
    T("no-body-line", MT_MAGIC "processes 1\n\x04\x01\x00\x0c\x00"),
    T("stream-past-end", MT_MAGIC "processes 1\nbody 5\n\x09\x01\x00\x0c\x00"),
    T("unknown-op", MT_MAGIC "processes 1\nbody 5\n\x04\x01\x00\x63\x00"),
    T("no-exit", MT_MAGIC "processes 1\nbody 3\n\x02\x01\x00"),
    T("varint-cut", MT_MAGIC "processes 1\nbody 5\n\x04\x01\x00\x0c\x80"),
    T("child-range", MT_MAGIC "processes 1\nbody 7\n\x06\x01\x00\x0a\x05\x0c\x00"),
    T("never-forked", MT_MAGIC "processes 2\nbody 8\n\x04\x01\x00\x0c\x00\x02\x0c\x00"),
    /* runs, but reads page 3 of a 4-page image where only pages 0-1 are mapped */
    T("unmapped-touch", MT_MAGIC "name unmapped\nprocesses 1\nbody 13\n"
				 "\x0c\x01\x04\x03\x00\x02\x03\x00\x08\x06\x01\x0c\x00"),
    T("good", MT_MAGIC "name good\nprocesses 2\nbody 23\n"
		       "\x10\x01\x04\x03\x00\x02\x03\x00\x09\x00\x02\x0a\x01\x0b\x01\x0c\x00"
		       "\x05\x08\x00\x02\x0c\x00"),
    {NULL, NULL, 0},
};

static int run(long trace, int want_ok, const char *want_err)
{
	const struct workload *w = wl_find("replay");
	struct wl_ctx ctx = {.iters = 1};
	char *kv[1], arg[32], err[200];
	snprintf(arg, sizeof arg, "trace=%ld", trace);
	kv[0] = arg;
	if (!w || wl_parse_params(w, &ctx, 1, kv, err, sizeof err) < 0)
		return 0;
	int ok = w->setup(&ctx) == 0 && w->op(&ctx) == 0;
	if (ok != want_ok || (want_err && !strstr(ctx.err, want_err))) {
		fprintf(stderr, "trace %s: ok=%d err='%s' (wanted '%s')\n",
			memtrace_table[trace - 1].name, ok, ctx.err, want_err ? want_err : "");
		return 0;
	}
	return 1;
}

static void refuses_malformed(void)
{
	static const char *const why[] = {
	    "not a pagelab trace", "truncated",		"lacks a valid",     "past the body",
	    "unknown op",	   "not ended by EXIT", "not ended by EXIT", "out of range",
	    "never forked",	   "reason on stderr",
	};
	for (long i = 1; i <= (long)(sizeof why / sizeof why[0]); i++)
		CHECK(run(i, 0, why[i - 1]), "replay refuses '%s' (%s)", memtrace_table[i - 1].name,
		      why[i - 1]);
}

static void replays_two_processes(void)
{
	CHECK(run(11, 1, NULL), "replay runs a good two-process trace");
}

int main(void)
{
	RUN_TEST(refuses_malformed);
	RUN_TEST(replays_two_processes);
	TEST_EXIT();
}
