/* watchdog.c: a timer thread that stops a guest running past --timeout. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include "hv.h"

#define KICK_INTERVAL_NS 100000000ll /* re-kick until the vCPU threads notice */

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, running;
	volatile bool fired;
	double seconds;
	void (*on_fire)(void);
} wd = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static struct timespec deadline_after(double seconds)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	long long ns = t.tv_nsec + (long long)(seconds * 1e9);
	t.tv_sec += ns / 1000000000ll;
	t.tv_nsec = ns % 1000000000ll;
	return t;
}

static void *watchdog_main(void *arg)
{
	(void)arg;
	struct timespec deadline = deadline_after(wd.seconds);
	pthread_mutex_lock(&wd.lock);
	while (!wd.stop) {
		int r = pthread_cond_timedwait(&wd.cond, &wd.lock, &deadline);
		if (r != ETIMEDOUT || wd.stop)
			continue;
		wd.fired = true;
		wd.on_fire();
		deadline = deadline_after(KICK_INTERVAL_NS / 1e9);
	}
	pthread_mutex_unlock(&wd.lock);
	return NULL;
}

void watchdog_start(double seconds, void (*on_fire)(void))
{
	wd.on_fire = on_fire;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wd.cond, &attr);
	wd.seconds = seconds;
	wd.stop = false;
	wd.fired = false;
	errno = pthread_create(&wd.thread, NULL, watchdog_main, NULL);
	if (errno)
		die("watchdog thread");
	wd.running = true;
}

bool watchdog_fired(void)
{
	return wd.fired;
}

void watchdog_stop(void)
{
	if (!wd.running)
		return;
	pthread_mutex_lock(&wd.lock);
	wd.stop = true;
	pthread_cond_signal(&wd.cond);
	pthread_mutex_unlock(&wd.lock);
	pthread_join(wd.thread, NULL);
	wd.running = false;
}
