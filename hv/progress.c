/* progress.c: a progress line on the terminal while a guest runs longer than a few seconds. */
#include <errno.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "hv.h"

#define SHOW_AFTER_S 3.0 /* shorter runs print no line */
#define REDRAW_NS    500000000ll

enum stage { RUNNING, UNMEASURED, MEASURING, MEASURED };

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool running, stop, shown;
	const char *what;
	long reps;
	double khz;
	double start, begin; /* CLOCK_MONOTONIC seconds: the run's start, MARK_BEGIN */
	enum stage stage;
	long unmeasured;  /* MARK_REPs so far */
	double per_op_s;  /* the last MARK_REP's time per operation, 0 when none */
	uint64_t rep_ops; /* operations per repetition (the last MARK_REP's) */
} pg = {.lock = PTHREAD_MUTEX_INITIALIZER};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A duration with a unit that keeps three digits or so. */
static const char *duration(double s, char *buf, size_t len)
{
	if (s >= 1)
		snprintf(buf, len, "%.2f s", s);
	else if (s >= 1e-3)
		snprintf(buf, len, "%.1f ms", s * 1e3);
	else if (s >= 1e-6)
		snprintf(buf, len, "%.1f us", s * 1e6);
	else
		snprintf(buf, len, "%.0f ns", s * 1e9);
	return buf;
}

/* The line as it stands; the measured repetitions send nothing (a signal there would be
 * counted), so their progress is the time since MARK_BEGIN over the last time per op. */
static void describe(double t, char *line, size_t len)
{
	char op[32];
	duration(pg.per_op_s, op, sizeof op);
	double rep_s = pg.per_op_s * (double)pg.rep_ops;
	double est = rep_s > 0 ? (t - pg.begin) / rep_s : 0;
	switch (pg.stage) {
	case RUNNING:
		snprintf(line, len, "%s: booting, setting up", pg.what);
		break;
	case UNMEASURED:
		snprintf(line, len, "%s: calibrating/warming up, %ld reps done, %s/op", pg.what,
			 pg.unmeasured, op);
		break;
	case MEASURING:
		if (rep_s > 0)
			snprintf(line, len,
				 "%s: measuring ~%.0f/%ld reps of %llu ops (est. at %s/op)",
				 pg.what, est < (double)pg.reps ? est : (double)pg.reps, pg.reps,
				 (unsigned long long)pg.rep_ops, op);
		else
			snprintf(line, len, "%s: measuring %ld reps of %llu ops", pg.what, pg.reps,
				 (unsigned long long)pg.rep_ops);
		break;
	case MEASURED:
		snprintf(line, len, "%s: measured; checking, reporting", pg.what);
		break;
	}
}

/* Redraws the line in place, cut to the terminal's width (a wrapped line would not be). */
static void draw(void)
{
	double t = now_s();
	if (t - pg.start < SHOW_AFTER_S)
		return;
	char line[200], text[240], el[32];
	describe(t, line, sizeof line);
	int n =
	    snprintf(text, sizeof text, "hv: %s; %s", line, duration(t - pg.start, el, sizeof el));
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && n >= ws.ws_col)
		text[ws.ws_col - 1] = '\0';
	fprintf(stderr, "\r\033[K%s\r", text);
	fflush(stderr);
	pg.shown = true;
}

static void *progress_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pg.lock);
	while (!pg.stop) {
		struct timespec next;
		clock_gettime(CLOCK_MONOTONIC, &next);
		next.tv_nsec += REDRAW_NS;
		next.tv_sec += next.tv_nsec / 1000000000ll;
		next.tv_nsec %= 1000000000ll;
		if (pthread_cond_timedwait(&pg.cond, &pg.lock, &next) == ETIMEDOUT && !pg.stop)
			draw();
	}
	pthread_mutex_unlock(&pg.lock);
	return NULL;
}

void progress_start(const char *what, long reps, uint64_t tsc_khz)
{
	if (!isatty(STDERR_FILENO))
		return;
	pg.what = what, pg.reps = reps, pg.khz = (double)tsc_khz;
	pg.start = now_s();
	pg.stage = RUNNING;
	pg.stop = pg.shown = false;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pg.cond, &attr);
	errno = pthread_create(&pg.thread, NULL, progress_main, NULL);
	if (errno)
		die("progress thread");
	pg.running = true;
}

void progress_rep(uint64_t ops, uint64_t cycles)
{
	pthread_mutex_lock(&pg.lock);
	pg.rep_ops = ops;
	if (cycles) {
		pg.stage = UNMEASURED;
		pg.unmeasured++;
		if (ops && pg.khz > 0)
			pg.per_op_s = (double)cycles / (pg.khz * 1e3) / (double)ops;
	}
	pthread_mutex_unlock(&pg.lock);
}

void progress_begin(void)
{
	pthread_mutex_lock(&pg.lock);
	pg.stage = MEASURING;
	pg.begin = now_s();
	pthread_mutex_unlock(&pg.lock);
}

void progress_end(void)
{
	pthread_mutex_lock(&pg.lock);
	pg.stage = MEASURED;
	pthread_mutex_unlock(&pg.lock);
}

void progress_stop(void)
{
	if (!pg.running)
		return;
	pthread_mutex_lock(&pg.lock);
	pg.stop = true;
	pthread_cond_signal(&pg.cond);
	pthread_mutex_unlock(&pg.lock);
	pthread_join(pg.thread, NULL);
	pg.running = false;
	if (pg.shown)
		fprintf(stderr, "\r\033[K");
	fflush(stderr);
}
