/* vcpu.c: the vCPUs' threads, the kicks out of KVM_RUN, the hv lock and remote TLB flushes. */
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include "hv.h"

#define KICK_SIGNAL SIGUSR1
#define CR3_PWT	    (1ull << 3)
#define POLL_NS	    10000000 /* a waiter kicks again and looks at the run's end this often */

static struct {
	pthread_mutex_t lock; /* kicks against the joins: no signal to a joined thread */
	struct run_state *rs;
} kicks = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The signal only needs to interrupt KVM_RUN, which then returns EINTR whether or not the
 * handler asks a restart (KVM never restarts it); SA_RESTART keeps the hv's other system
 * calls (a console write) from failing when a kick lands outside KVM_RUN. */
static void on_kick(int sig)
{
	(void)sig;
}

void vcpus_init(struct run_state *rs)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_kick;
	sa.sa_flags = SA_RESTART;
	if (sigaction(KICK_SIGNAL, &sa, NULL) < 0)
		die("sigaction");
	pthread_mutex_init(&rs->lock, NULL);
	pthread_mutex_init(&rs->flush_lock, NULL);
	pthread_cond_init(&rs->flush_cond, NULL);
	host_failure_notify(vcpu_kick);
	rs->cpu[0].thread = pthread_self();
	rs->cpu[0].started = true;
	rs->g.cpus_started = 1;
	pthread_mutex_lock(&kicks.lock);
	kicks.rs = rs;
	rs->cpu[0].running = true;
	pthread_mutex_unlock(&kicks.lock);
}

/* immediate_exit first: a signal that lands outside KVM_RUN is not lost (the vCPU's loop
 * clears it, then looks at what it was kicked for). Called with kicks.lock held. */
static void kick(struct vcpu_state *vs)
{
	if (!vs->running)
		return;
	if (vs->rs->vm->has_immediate_exit)
		__atomic_store_n(&vs->vc->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(vs->thread, KICK_SIGNAL);
}

void vcpu_kick(void)
{
	pthread_mutex_lock(&kicks.lock);
	for (int i = 0; kicks.rs && i < kicks.rs->vm->ncpus; i++)
		kick(&kicks.rs->cpu[i]);
	pthread_mutex_unlock(&kicks.lock);
}

void vcpus_stop(struct run_state *rs)
{
	__atomic_store_n(&rs->stopping, true, __ATOMIC_SEQ_CST);
	vcpu_kick();
}

bool vcpus_stopping(struct run_state *rs)
{
	return __atomic_load_n(&rs->stopping, __ATOMIC_SEQ_CST);
}

static struct timespec after_poll(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	t.tv_nsec += POLL_NS;
	t.tv_sec += t.tv_nsec / 1000000000;
	t.tv_nsec %= 1000000000;
	return t;
}

/* A kick may come too early for a thread about to enter KVM_RUN, or be lost by a nested
 * platform: the joins and the flush waits kick again while they wait. */
static void kick_again(struct vcpu_state *vs)
{
	pthread_mutex_lock(&kicks.lock);
	kick(vs);
	pthread_mutex_unlock(&kicks.lock);
}

void vcpus_join(struct run_state *rs)
{
	for (int i = 1; i < rs->vm->ncpus; i++) {
		struct vcpu_state *vs = &rs->cpu[i];
		if (!vs->threaded)
			continue;
		struct timespec t = after_poll(CLOCK_REALTIME);
		while (pthread_timedjoin_np(vs->thread, NULL, &t) == ETIMEDOUT) {
			kick_again(vs);
			t = after_poll(CLOCK_REALTIME);
		}
	}
	pthread_mutex_lock(&kicks.lock);
	rs->cpu[0].running = false;
	kicks.rs = NULL;
	pthread_mutex_unlock(&kicks.lock);
}

/*
 * One lock for everything the hv does for the guest (hypercalls, a mode's fault injection and
 * page-table batches): the handlers share the guest's counters and each mode's tables, and a guest
 * hypercall is short next to the exit that brings it. The contention counts (acquisitions that
 * found it held, and the time waited) say whether that stops being true.
 */
void hv_lock(struct run_state *rs)
{
	if (pthread_mutex_trylock(&rs->lock) == 0)
		return;
	uint64_t t0 = now_ns();
	pthread_mutex_lock(&rs->lock);
	rs->lock_waits++;
	rs->lock_wait_ns += now_ns() - t0;
}

void hv_unlock(struct run_state *rs)
{
	pthread_mutex_unlock(&rs->lock);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu_state *vs = arg;
	while (vs->rs->step(vs))
		;
	vcpus_stop(vs->rs);
	pthread_mutex_lock(&kicks.lock); /* no kick reaches a thread that has ended */
	vs->running = false;
	pthread_mutex_unlock(&kicks.lock);
	return NULL;
}

int64_t vcpu_start(struct guest *g, const struct hc_args *a, void *arg)
{
	(void)g;
	struct run_state *rs = arg;
	struct vcpu_state *vs = &rs->cpu[a->a0];
	struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_RUNNABLE};
	if (boot_enter(vs->vc, a->a1, a->a2, a->a3) < 0)
		return host_failure("HC_CPU_START: entry state of vCPU %d", vs->vc->index);
	/* with an in-kernel LAPIC an application processor waits for INIT and SIPI */
	if (rs->vm->has_irqchip && ioctl(vs->vc->fd, KVM_SET_MP_STATE, &mp) < 0)
		return host_failure("HC_CPU_START: KVM_SET_MP_STATE of vCPU %d", vs->vc->index);
	vs->started = true;
	pthread_mutex_lock(&kicks.lock);
	errno = pthread_create(&vs->thread, NULL, vcpu_thread, vs);
	vs->running = vs->threaded = errno == 0;
	pthread_mutex_unlock(&kicks.lock);
	if (!vs->running)
		return host_failure("HC_CPU_START: thread of vCPU %d", vs->vc->index);
	return 0;
}

/*
 * A remote TLB flush without running guest code on the target, as Xen's
 * MMUEXT_TLB_FLUSH_MULTI: the target's own thread, out of KVM_RUN, changes its CR3 through
 * KVM_SET_SREGS (the PWT bit flipped, then restored). KVM resets the vCPU's MMU context on a
 * CR3 change there, and on the next entry it loads the root again: it syncs the shadow pages
 * the guest may have changed (shadow paging) and flushes the vCPU's TLB for the new root.
 * Seen with the kvmmmu:kvm_mmu_get_page tracepoint in the lab (KVM 6.1, npt=0): the target
 * loads its root again at its next entry after each flush. Not seen on a PVM host: there the
 * target keeps its root (flipping CR3's PWT or page, or CR4.PGE alike), so the flush is not
 * shown to reach the vCPU there.
 */
static int tlb_flush(const struct vcpu *c)
{
	struct kvm_sregs s;
	if (ioctl(c->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	s.cr3 ^= CR3_PWT;
	if (ioctl(c->fd, KVM_SET_SREGS, &s) < 0)
		return -1;
	s.cr3 ^= CR3_PWT;
	return ioctl(c->fd, KVM_SET_SREGS, &s);
}

void vcpu_flush_pending(struct vcpu_state *vs)
{
	unsigned req = __atomic_load_n(&vs->flush_req, __ATOMIC_ACQUIRE);
	if (req == vs->flush_done)
		return;
	if (tlb_flush(vs->vc) < 0)
		host_failure("remote TLB flush of vCPU %d", vs->vc->index);
	pthread_mutex_lock(&vs->rs->flush_lock);
	__atomic_store_n(&vs->flush_done, req, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&vs->rs->flush_cond);
	pthread_mutex_unlock(&vs->rs->flush_lock);
}

static bool flushed(struct vcpu_state *vs, unsigned req)
{
	return (int)(__atomic_load_n(&vs->flush_done, __ATOMIC_ACQUIRE) - req) >= 0;
}

/* A vCPU not started yet, or already gone, has no TLB to wait for: its mark is enough. A
 * halted one is kicked and waited for like a running one: the hv cannot see the halt without
 * taking the vCPU out of KVM_RUN, and its flush costs one wake-up. */
int vcpus_flush(struct run_state *rs, unsigned self, uint32_t mask)
{
	unsigned req[MAX_CPUS] = {0};
	uint32_t wait = 0;
	int kicked = 0;
	pthread_mutex_lock(&kicks.lock);
	for (int i = 0; i < rs->vm->ncpus; i++) {
		if (!(mask & (1u << i)) || (unsigned)i == self)
			continue;
		req[i] = __atomic_add_fetch(&rs->cpu[i].flush_req, 1, __ATOMIC_SEQ_CST);
		if (rs->cpu[i].running) {
			kick(&rs->cpu[i]);
			wait |= 1u << i;
			kicked++;
		}
	}
	pthread_mutex_unlock(&kicks.lock);
	if (!wait)
		return 0;
	/* the targets may be waiting for the hv lock to finish an exit of their own first, and
	 * one may be waiting for this vCPU's flush: let go of the lock, do ours meanwhile */
	hv_unlock(rs);
	pthread_mutex_lock(&rs->flush_lock);
	for (int i = 0; i < rs->vm->ncpus && !vcpus_stopping(rs); i++) {
		while ((wait & (1u << i)) && !flushed(&rs->cpu[i], req[i]) && !vcpus_stopping(rs)) {
			pthread_mutex_unlock(&rs->flush_lock);
			vcpu_flush_pending(&rs->cpu[self]);
			pthread_mutex_lock(&rs->flush_lock);
			if (flushed(&rs->cpu[i], req[i]))
				break;
			struct timespec t = after_poll(CLOCK_REALTIME);
			if (pthread_cond_timedwait(&rs->flush_cond, &rs->flush_lock, &t) ==
			    ETIMEDOUT)
				kick_again(&rs->cpu[i]);
		}
	}
	pthread_mutex_unlock(&rs->flush_lock);
	pthread_mutex_lock(&rs->lock); /* taking it back is not contention for the counts */
	return kicked;
}
