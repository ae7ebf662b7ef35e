/* shootdown.c: thread 0 unmaps and maps back pages that threads on other CPUs keep reading. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include "workload.h"

#define PAGE		   4096
#define MAX_THREADS	   8
#define OWN_PAGES	   4	     /* each reader's own pages, written on every pass */
#define YIELD_TSC	   (1 << 26) /* a reader yields when no operation ended for this long */
#define SPINS_BEFORE_YIELD (1 << 16) /* thread 0 waiting for a reader that does not run */
enum { THREADS, PAGES, MPROTECT };

/*
 * The readers (threads 1..T-1) write their own pages and read the victim pages on every pass.
 * gen says whether the victim pages are live: odd while thread 0 changes them, even after, and
 * the word of victim page p then holds content(gen, p). A reader sets its `inside` flag before
 * it reads gen and clears it after its reads; thread 0 makes gen odd, then waits for every
 * flag to clear before it unmaps (sequentially consistent atomics on both sides: one of them
 * sees the other), so no reader touches an unmapped page. After munmap and mmap the victim is
 * a new page: a reader that still reaches the old one through a stale TLB entry reads its old
 * content, not content(gen). (mprotect keeps the page: there a stale entry reads the same.)
 * Before an operation thread 0 also waits until every reader has read the live generation
 * (`seen`), so that each unmap finds the pages in every reader's TLB.
 */
struct shootdown;
struct reader {
	volatile long inside __attribute__((aligned(64)));
	volatile long seen; /* the last live generation this reader read in full */
	struct shootdown *s;
	uint64_t *own; /* OWN_PAGES pages only this reader writes */
	long passes;   /* counted by the reader in its registers, stored when it stops */
	pthread_t thread;
};

struct shootdown {
	uint64_t *victim;
	long pages, threads, mprotect;
	volatile long gen, stop;
	volatile long stale; /* reads of wrong content; the first one is described below */
	long stale_gen, stale_page;
	uint64_t stale_word;
	struct reader readers[MAX_THREADS];
};

static uint64_t content(long gen, long page)
{
	return 0xc2b2ae3d27d4eb4full ^ (uint64_t)gen << 20 ^ (uint64_t)page;
}

static volatile uint64_t *victim_word(struct shootdown *s, long page)
{
	return s->victim + page * (PAGE / 8);
}

static void read_victim(struct shootdown *s, struct reader *r)
{
	__atomic_store_n(&r->inside, 1, __ATOMIC_SEQ_CST);
	long gen = __atomic_load_n(&s->gen, __ATOMIC_SEQ_CST);
	for (long p = 0; !(gen & 1) && p < s->pages; p++) {
		uint64_t w = *victim_word(s, p);
		if (w != content(gen, p) && __atomic_fetch_add(&s->stale, 1, __ATOMIC_SEQ_CST) == 0)
			s->stale_gen = gen, s->stale_page = p, s->stale_word = w;
	}
	if (!(gen & 1))
		__atomic_store_n(&r->seen, gen, __ATOMIC_RELEASE);
	__atomic_store_n(&r->inside, 0, __ATOMIC_SEQ_CST);
}

/* One pass = one increment of the first word of each own page, then the victim's words. The
 * kernel schedules cooperatively: a reader sharing its CPU with thread 0 yields when no
 * operation ended for a while, which does not happen while each thread has a CPU of its own. */
static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct shootdown *s = r->s;
	long passes = 0, last_gen = s->gen;
	uint64_t since = pl_rdtsc();
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		for (long p = 0; p < OWN_PAGES; p++)
			((volatile uint64_t *)r->own)[p * (PAGE / 8)]++;
		passes++;
		read_victim(s, r);
		if (s->gen != last_gen) {
			last_gen = s->gen;
			since = pl_rdtsc();
		} else if (pl_rdtsc() - since > YIELD_TSC) {
			sched_yield();
			since = pl_rdtsc();
		}
	}
	r->passes = passes;
	return NULL;
}

static void *map_pages(long pages, void *at)
{
	void *m = mmap(at, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | (at ? MAP_FIXED : 0), -1, 0);
	return m == MAP_FAILED || (at && m != at) ? NULL : m;
}

/* Gives the victim pages the content of generation gen (writing makes them resident). */
static void fill_victim(struct shootdown *s, long gen)
{
	for (long p = 0; p < s->pages; p++)
		*victim_word(s, p) = content(gen, p);
}

/* Stops the readers started so far and waits for them (their passes are then known). */
static int stop_readers(struct wl_ctx *ctx, long started)
{
	struct shootdown *s = ctx->state;
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	for (long i = 1; i < started; i++)
		if (pthread_join(s->readers[i].thread, NULL) != 0)
			return wl_fail(ctx, "pthread_join of reader %ld failed", i);
	return 0;
}

static int setup(struct wl_ctx *ctx)
{
	static struct shootdown s;
	s.threads = ctx->p[THREADS], s.pages = ctx->p[PAGES], s.mprotect = ctx->p[MPROTECT];
	if (!(s.victim = map_pages(s.pages, NULL)))
		return wl_fail(ctx, "mmap of %ld victim pages failed", s.pages);
	fill_victim(&s, 0);
	ctx->state = &s;
	for (long i = 1; i < s.threads; i++) {
		struct reader *r = &s.readers[i];
		r->s = &s;
		r->seen = -2; /* no generation yet */
		if (!(r->own = map_pages(OWN_PAGES, NULL)) ||
		    pthread_create(&r->thread, NULL, reader_main, r) != 0) {
			stop_readers(ctx, i);
			return wl_fail(ctx,
				       "reader %ld: mmap of its pages or pthread_create failed", i);
		}
	}
	return 0;
}

/* One operation: the victim pages go (munmap, or mprotect PROT_NONE) and come back (mmap at
 * the same address, or mprotect read-write) with the next generation's content, while the
 * readers run. In classic mode the unmap is what needs the other CPUs' TLB entries gone. */
static int op(struct wl_ctx *ctx)
{
	struct shootdown *s = ctx->state;
	long len = s->pages * PAGE, gen = s->gen;
	/* Every reader has read the live pages (its TLB holds them) before they go: each
	 * operation invalidates T-1 other CPUs' entries. A reader sharing this CPU gets it. */
	for (long i = 1; i < s->threads; i++)
		for (long spins = 1; __atomic_load_n(&s->readers[i].seen, __ATOMIC_ACQUIRE) != gen;
		     spins++)
			if (spins % SPINS_BEFORE_YIELD == 0)
				sched_yield();
	__atomic_store_n(&s->gen, gen + 1, __ATOMIC_SEQ_CST);
	for (long i = 1; i < s->threads; i++)
		while (__atomic_load_n(&s->readers[i].inside, __ATOMIC_SEQ_CST))
			;
	if (s->mprotect) {
		if (mprotect(s->victim, len, PROT_NONE) != 0 ||
		    mprotect(s->victim, len, PROT_READ | PROT_WRITE) != 0)
			return wl_fail(ctx, "mprotect of %ld pages failed", s->pages);
	} else if (munmap(s->victim, len) != 0 || !map_pages(s->pages, s->victim)) {
		return wl_fail(ctx, "munmap or mmap back of %ld pages failed", s->pages);
	}
	fill_victim(s, gen + 2);
	__atomic_store_n(&s->gen, gen + 2, __ATOMIC_SEQ_CST);
	return 0;
}

/* Stops the readers; no reader saw a victim page of the wrong generation, and each reader's
 * own pages count exactly the passes it made (no write lost). */
static int check(struct wl_ctx *ctx)
{
	struct shootdown *s = ctx->state;
	if (stop_readers(ctx, s->threads) < 0)
		return -1;
	if (s->stale)
		return wl_fail(ctx,
			       "%ld stale reads; the first: page %ld held 0x%lx in generation %ld "
			       "(a TLB entry outlived the unmap)",
			       (long)s->stale, s->stale_page, (unsigned long)s->stale_word,
			       s->stale_gen);
	for (long i = 1; i < s->threads; i++)
		for (long p = 0; p < OWN_PAGES; p++)
			if (s->readers[i].own[p * (PAGE / 8)] != (uint64_t)s->readers[i].passes)
				return wl_fail(
				    ctx, "reader %ld: own page %ld counts %lu of %ld passes", i, p,
				    (unsigned long)s->readers[i].own[p * (PAGE / 8)],
				    s->readers[i].passes);
	return 0;
}

WORKLOAD(wl_shootdown) = {
    .name = "shootdown",
    .desc = "thread 0 unmaps and maps back pages that threads-1 other threads keep reading",
    .params = {{"threads", 2, 1, MAX_THREADS, "threads in the address space (1 + readers)"},
	       {"pages", 1, 1, 512, "pages unmapped and mapped back per operation"},
	       {"mprotect", 0, 0, 1, "1: mprotect PROT_NONE and back instead of munmap and mmap"}},
    .setup = setup,
    .op = op,
    .check = check,
};
