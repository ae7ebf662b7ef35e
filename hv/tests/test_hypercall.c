/* test_hypercall.c: hypercall argument checking through hc_dispatch on a fake guest memory. */
#include <stdlib.h>
#include <string.h>
#include "classic/classic.h"
#include "hv.h"
#include "test.h"

#define MEM_SIZE (1 * MIB)

static uint8_t *mem;
static struct guest g;
static struct free_report report; /* classic's state */
static char *console_text;
static size_t console_len;
static int marks[MARK_REP + 1];

static void count_mark(struct guest *gg, int phase, void *arg)
{
	(void)gg, (void)arg;
	marks[phase]++;
}

static void fresh_guest(void)
{
	if (g.console)
		fclose(g.console);
	free(console_text);
	memset(&g, 0, sizeof g);
	memset(mem, 0, MEM_SIZE);
	memset(marks, 0, sizeof marks);
	g.mem = (struct gmem){.host = mem, .size = MEM_SIZE};
	report = (struct free_report){0};
	g.calls = &classic_calls;
	g.mode_state = &report;
	g.console = open_memstream(&console_text, &console_len);
	g.on_mark = count_mark;
}

static int64_t hc(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct hc_args a = {.nr = nr, .a0 = a0, .a1 = a1, .a2 = a2, .a3 = a3};
	return hc_dispatch(&g, &a);
}

static void test_unknown_numbers(void)
{
	fresh_guest();
	uint32_t bad[] = {HC_COUNT, HC_COUNT + 1, 8, 15, 1000, 0x7fffffff, 0xffffffff};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(hc(bad[i], 1, 2, 3, 4) == -HC_ENOSYS, "number %u", bad[i]);
	CHECK(g.hc.unknown == sizeof bad / sizeof bad[0], "unknown counted %lu", g.hc.unknown);
	/* the memory operations are not there in classic mode */
	for (uint32_t nr = HC_AS_CREATE; nr < HC_COUNT; nr++)
		CHECK(hc(nr, 0, 0, 0, 0) == -HC_ENOSYS, "ptefree call %u in classic mode", nr);
	CHECK(g.hc.errors[HC_MAP] == 1, "error counted");
	CHECK(hc(HC_NOP, 0, 0, 0, 0) == 0 && g.hc.calls[HC_NOP] == 1, "nop");
}

static void test_console(void)
{
	fresh_guest();
	memcpy(mem + 0x2000, "hello", 5);
	CHECK(hc(HC_CONSOLE, 0x2000, 5, 0, 0) == 5, "good write");
	fflush(g.console);
	CHECK(console_len == 5 && memcmp(console_text, "hello", 5) == 0, "console got the bytes");
	CHECK(hc(HC_CONSOLE, MEM_SIZE - 2, 5, 0, 0) == -HC_EFAULT, "straddles the end");
	CHECK(hc(HC_CONSOLE, MEM_SIZE, 1, 0, 0) == -HC_EFAULT, "past the end");
	CHECK(hc(HC_CONSOLE, ~0ull - 2, 5, 0, 0) == -HC_EFAULT, "wraps around");
	CHECK(hc(HC_CONSOLE, 0, HC_CONSOLE_MAX + 1, 0, 0) == -HC_EINVAL, "too long");
	CHECK(hc(HC_CONSOLE, 16, ~0ull, 0, 0) == -HC_EINVAL, "huge length");
	CHECK(hc(HC_CONSOLE, 0x2000, 0, 0, 0) == 0, "empty write");
	CHECK(g.hc.errors[HC_CONSOLE] == 5 && g.hc.calls[HC_CONSOLE] == 7, "counted %lu/%lu",
	      g.hc.errors[HC_CONSOLE], g.hc.calls[HC_CONSOLE]);
}

static void test_result(void)
{
	fresh_guest();
	struct hc_result r = {.ok = 1, .nsamples = 2, .iters = 10, .cycles = {100, 200}};
	memset(r.msg, 'x', sizeof r.msg); /* no NUL: the hv must bound it */
	memcpy(mem + 0x3000, &r, sizeof r);
	CHECK(hc(HC_RESULT, 0x3000, 0, 0, 0) == 0, "good result");
	CHECK(g.have_result && g.result.iters == 10 && g.result.cycles[1] == 200, "copied");
	CHECK(strlen(g.result.msg) == HC_MSG_MAX - 1, "message bounded");
	r.nsamples = HC_MAX_SAMPLES + 1;
	memcpy(mem + 0x3000, &r, sizeof r);
	CHECK(hc(HC_RESULT, 0x3000, 0, 0, 0) == -HC_EINVAL, "too many samples");
	CHECK(g.result.nsamples == 2, "a refused result changes nothing");
	CHECK(hc(HC_RESULT, MEM_SIZE - sizeof r + 1, 0, 0, 0) == -HC_EFAULT, "straddles the end");
	CHECK(hc(HC_RESULT, ~0ull, 0, 0, 0) == -HC_EFAULT, "wild pointer");
}

static void test_assert_and_exit(void)
{
	fresh_guest();
	struct hc_assert a = {.line = 42};
	memset(a.file, 'f', sizeof a.file);
	strcpy(a.expr, "x == \x01y");
	memcpy(mem + 0x4000, &a, sizeof a);
	CHECK(hc(HC_ASSERT, MEM_SIZE, 0, 0, 0) == -HC_EFAULT && !g.done, "bad pointer");
	CHECK(hc(HC_ASSERT, 0x4000, 0, 0, 0) == 0 && g.done && g.asserted, "assertion stops");
	CHECK(g.assertion.line == 42 && strlen(g.assertion.file) == sizeof a.file - 1,
	      "file bounded");
	CHECK(strcmp(g.assertion.expr, "x == ?y") == 0, "control bytes replaced: %s",
	      g.assertion.expr);
	fresh_guest();
	CHECK(hc(HC_EXIT, 3, 0, 0, 0) == 0 && g.done && g.exit_status == 3, "exit");
}

static void test_mark_and_faults(void)
{
	fresh_guest();
	CHECK(hc(HC_MARK, MARK_BEGIN, 0, 0, 0) == 0 && marks[MARK_BEGIN] == 1, "begin");
	CHECK(hc(HC_MARK, MARK_END, 0, 0, 0) == 0 && marks[MARK_END] == 1, "end");
	CHECK(hc(HC_MARK, 0, 0, 0, 0) == -HC_EINVAL, "phase 0");
	CHECK(hc(HC_MARK, MARK_REP + 1, 0, 0, 0) == -HC_EINVAL, "phase after the last");
	/* progress: its arguments reach the callback; the kernel's counts of the marks stay */
	memcpy(mem + 0x3000, &(struct hc_kcounts){.shootdowns = 3}, sizeof(struct hc_kcounts));
	CHECK(hc(HC_MARK, MARK_BEGIN, 0x3000, 0, 0) == 0, "begin with counts");
	CHECK(hc(HC_MARK, MARK_REP, 0, 8, 9000) == 0 && marks[MARK_REP] == 1 && g.mark_ops == 8 &&
		  g.mark_cycles == 9000 && g.have_kcounts && g.kcounts.shootdowns == 3,
	      "progress");
	for (int i = 0; i < HV_MAX_FAULTS + 3; i++)
		CHECK(hc(HC_PROC_FAULT, (uint64_t)i, 0xdead000, 0x401000, 6) == 0, "fault %d", i);
	CHECK(g.nfaults == HV_MAX_FAULTS + 3 && g.faults[1].pid == 1 && g.faults[1].va == 0xdead000,
	      "faults recorded");
}

static int started[MAX_CPUS];

static int64_t count_start(struct guest *gg, const struct hc_args *a, void *arg)
{
	(void)gg, (void)arg;
	started[a->a0]++;
	return 0;
}

/* HC_CPU_START: a vCPU 1..ncpus-1, kernel addresses of guest memory, once each. */
static void test_cpu_start(void)
{
	fresh_guest();
	memset(started, 0, sizeof started);
	g.ncpus = 3;
	g.cpus_started = 1;
	g.on_cpu_start = count_start;
	uint64_t k = KERNBASE, top = KERNBASE + MEM_SIZE;
	CHECK(hc(HC_CPU_START, 0, k, k + 8, 0) == -HC_EINVAL, "vCPU 0 runs already");
	CHECK(hc(HC_CPU_START, 3, k, k + 8, 0) == -HC_EINVAL, "no vCPU 3");
	CHECK(hc(HC_CPU_START, 1ull << 32 | 1, k, k + 8, 0) == -HC_EINVAL, "high bits");
	CHECK(hc(HC_CPU_START, 1, 0x1000, k + 8, 0) == -HC_EINVAL, "a user rip");
	CHECK(hc(HC_CPU_START, 1, top, k + 8, 0) == -HC_EINVAL, "rip past memory");
	CHECK(hc(HC_CPU_START, 1, k, top, 0) == -HC_EINVAL, "rsp past memory");
	CHECK(hc(HC_CPU_START, 1, k, k - 8, 0) == -HC_EINVAL, "rsp below KERNBASE");
	CHECK(started[1] == 0 && g.cpus_started == 1, "nothing started");
	CHECK(hc(HC_CPU_START, 2, top - 1, top - 8, 42) == 0 && started[2] == 1, "vCPU 2");
	CHECK(hc(HC_CPU_START, 2, k, k + 8, 0) == -HC_EPERM && started[2] == 1, "only once");
	CHECK(hc(HC_CPU_START, 1, k, k + 8, 0) == 0 && g.cpus_started == 7, "vCPU 1");
	CHECK(g.hc.error_codes[HC_CPU_START][HC_EINVAL] == 7 &&
		  g.hc.error_codes[HC_CPU_START][HC_EPERM] == 1,
	      "errors counted by code");
}

/* HC_MARK's struct hc_kcounts: read at each mark when it lies in guest memory. */
static void test_mark_kcounts(void)
{
	fresh_guest();
	struct hc_kcounts kc = {1, 2, 3, 4};
	memcpy(mem + 0x3000, &kc, sizeof kc);
	CHECK(hc(HC_MARK, MARK_BEGIN, 0x3000, 0, 0) == 0 && g.have_kcounts &&
		  g.kcounts.shootdowns == 3 && marks[MARK_BEGIN] == 1,
	      "read at the mark");
	CHECK(hc(HC_MARK, MARK_END, MEM_SIZE - 8, 0, 0) == -HC_EFAULT && marks[MARK_END] == 0,
	      "past guest memory");
	CHECK(hc(HC_MARK, MARK_END, ~0ull, 0, 0) == -HC_EFAULT, "overflow");
	CHECK(hc(HC_MARK, MARK_END, 0, 0, 0) == 0 && !g.have_kcounts && marks[MARK_END] == 1,
	      "0: none");
}

/* Random numbers and arguments: every answer is a result or an error code, never a crash. */
static void test_fuzz(void)
{
	fresh_guest();
	fclose(g.console);
	g.console = fopen("/dev/null", "w");
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 200000; i++) {
		uint64_t v[5];
		for (int j = 0; j < 5; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			v[j] = x;
		}
		/* small numbers and small addresses half the time, so handlers get exercised */
		uint32_t nr =
		    (v[0] & 1) ? (uint32_t)(v[0] >> 1) % (HC_COUNT + 4) : (uint32_t)(v[0] >> 32);
		if (v[1] & 1)
			v[1] %= MEM_SIZE + 64, v[2] %= 8192;
		int64_t r = hc(nr, v[1], v[2], v[3], v[4]);
		CHECK(r >= 0 || (r <= -HC_EINVAL && r >= -HC_EBADF), "call %u -> %ld", nr, r);
		if (r < 0 && (r > -HC_EINVAL || r < -HC_EBADF))
			break;
	}
	uint64_t total = g.hc.unknown;
	for (int i = 0; i < HC_COUNT; i++)
		total += g.hc.calls[i];
	CHECK(total == 200000, "every call counted (%lu)", total);
}

/* The first host failure is kept with its errno; the handler gets an error to answer. */
static void test_host_failure(void)
{
	CHECK(host_failure_message() == NULL, "no failure yet");
	errno = EIO;
	CHECK(host_failure("reading %s", "x") < 0, "an error for the guest");
	errno = ENOMEM;
	host_failure("second");
	const char *m = host_failure_message();
	CHECK(m && strcmp(m, "reading x: Input/output error") == 0, "the first one kept: %s",
	      m ? m : "(none)");
}

/* Free page reporting: only whole blocks inside the reporting range are taken, and what is
 * reported reads zero afterwards; without reporting the call does not exist. */
static void test_free_report(void)
{
	fresh_guest();
	const uint64_t block = 64 * 1024, base = 256 * 1024;
	CHECK(hc(HC_FREE_REPORT, base, block, 0, 0) == -HC_ENOSYS, "off: no such call");
	report = (struct free_report){block, base, MEM_SIZE};
	CHECK(hc(HC_FREE_REPORT, base + 4096, block, 0, 0) == -HC_EINVAL, "misaligned");
	CHECK(hc(HC_FREE_REPORT, base, block / 2, 0, 0) == -HC_EINVAL, "part of a block");
	CHECK(hc(HC_FREE_REPORT, base, 0, 0, 0) == -HC_EINVAL, "empty");
	CHECK(hc(HC_FREE_REPORT, base - block, block, 0, 0) == -HC_EINVAL, "below the range");
	CHECK(hc(HC_FREE_REPORT, MEM_SIZE - block, 2 * block, 0, 0) == -HC_EINVAL, "past its end");
	CHECK(hc(HC_FREE_REPORT, base, ~0ull - block + 1, 0, 0) == -HC_EINVAL, "wrapping length");
	memset(mem + base, 0x5a, 2 * block);
	CHECK(hc(HC_FREE_REPORT, base, 2 * block, 0, 0) == 0, "two whole blocks");
	CHECK(mem[base] == 0 && mem[base + 2 * block - 1] == 0 && mem[base - 1] == 0,
	      "they read zero, the memory below is untouched");
	CHECK(g.hc.calls[HC_FREE_REPORT] == 8 && g.hc.errors[HC_FREE_REPORT] == 7, "counted");
}

int main(void)
{
	mem = aligned_alloc(PAGE_SIZE, MEM_SIZE); /* page-aligned: reported blocks are discarded */
	RUN_TEST(test_unknown_numbers);
	RUN_TEST(test_console);
	RUN_TEST(test_result);
	RUN_TEST(test_assert_and_exit);
	RUN_TEST(test_mark_and_faults);
	RUN_TEST(test_cpu_start);
	RUN_TEST(test_mark_kcounts);
	RUN_TEST(test_fuzz);
	RUN_TEST(test_free_report);
	RUN_TEST(test_host_failure); /* last: it leaves the failure recorded */
	TEST_EXIT();
}
