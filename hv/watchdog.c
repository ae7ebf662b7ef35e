/* watchdog.c: a timer thread that stops a guest running past --timeout; kicks of the vCPU. */
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include "hv.h"

#define KICK_SIGNAL	 SIGUSR1
#define KICK_INTERVAL_NS 100000000ll /* re-kick until the vCPU thread notices */

static struct {
	pthread_t thread, vcpu_thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, running;
	volatile bool fired;
	struct vm *vm;
	double seconds;
} wd = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

/* The signal only needs to interrupt KVM_RUN (which then returns EINTR). */
static void on_kick(int sig)
{
	(void)sig;
}

static struct timespec deadline_after(double seconds)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	long long ns = t.tv_nsec + (long long)(seconds * 1e9);
	t.tv_sec += ns / 1000000000ll;
	t.tv_nsec = ns % 1000000000ll;
	return t;
}

/* immediate_exit first: a signal that lands outside KVM_RUN is not lost */
static void kick(void)
{
	if (wd.vm->has_immediate_exit)
		wd.vm->run->immediate_exit = 1;
	pthread_kill(wd.vcpu_thread, KICK_SIGNAL);
}

void vcpu_kick(void)
{
	if (wd.running)
		kick();
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
		kick();
		deadline = deadline_after(KICK_INTERVAL_NS / 1e9);
	}
	pthread_mutex_unlock(&wd.lock);
	return NULL;
}

void watchdog_start(struct vm *vm, double seconds)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_kick; /* no SA_RESTART: KVM_RUN must return */
	if (sigaction(KICK_SIGNAL, &sa, NULL) < 0)
		die("sigaction");
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wd.cond, &attr);
	wd.vm = vm;
	wd.seconds = seconds;
	wd.stop = false;
	wd.fired = false;
	wd.vcpu_thread = pthread_self();
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
