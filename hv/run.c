/* run.c: each vCPU's KVM_RUN loop: hypercalls through port I/O, everything else reported. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include "mode.h"

static const char *const exit_names[] = {
    [KVM_EXIT_UNKNOWN] = "unknown",
    [KVM_EXIT_EXCEPTION] = "exception",
    [KVM_EXIT_IO] = "io",
    [KVM_EXIT_HYPERCALL] = "hypercall",
    [KVM_EXIT_DEBUG] = "debug",
    [KVM_EXIT_HLT] = "hlt",
    [KVM_EXIT_MMIO] = "mmio",
    [KVM_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
    [KVM_EXIT_SHUTDOWN] = "shutdown",
    [KVM_EXIT_FAIL_ENTRY] = "fail_entry",
    [KVM_EXIT_INTR] = "intr",
    [KVM_EXIT_SET_TPR] = "set_tpr",
    [KVM_EXIT_TPR_ACCESS] = "tpr_access",
    [KVM_EXIT_NMI] = "nmi",
    [KVM_EXIT_INTERNAL_ERROR] = "internal_error",
    [KVM_EXIT_SYSTEM_EVENT] = "system_event",
    [KVM_EXIT_X86_RDMSR] = "x86_rdmsr",
    [KVM_EXIT_X86_WRMSR] = "x86_wrmsr",
};

/* KVM_INTERNAL_ERROR_* (linux/kvm.h) */
static const char *internal_error_name(uint32_t suberror)
{
	static const char *const names[] = {
	    [KVM_INTERNAL_ERROR_EMULATION] = "instruction emulation failed",
	    [KVM_INTERNAL_ERROR_SIMUL_EX] = "exception while delivering an exception",
	    [KVM_INTERNAL_ERROR_DELIVERY_EV] = "event delivery failed",
	};
	return suberror < sizeof names / sizeof names[0] && names[suberror] ? names[suberror]
									    : "unknown";
}

#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT 39 /* Linux 6.8: with KVM_RUN's EFAULT, flags, gpa, size */
#endif

static uint64_t memory_fault_gpa(const struct kvm_run *run)
{
	struct {
		uint64_t flags, gpa, size;
	} mf;
	memcpy(&mf, &run->mmio, sizeof mf); /* the exit union; older headers lack the member */
	return mf.gpa;
}

const char *exit_reason_name(uint32_t reason)
{
	if (reason < sizeof exit_names / sizeof exit_names[0] && exit_names[reason])
		return exit_names[reason];
	return NULL;
}

/* Ends the run with a failure of vCPU cpu (-1: of the whole run); the first one is kept, and
 * run_loop prints it with the registers once every vCPU is out of KVM_RUN. */
__attribute__((format(printf, 3, 4))) static bool stop(struct vcpu_state *vs, int cpu,
						       const char *fmt, ...)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct run_state *rs = vs->rs;
	pthread_mutex_lock(&lock);
	if (!rs->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(rs->why, sizeof rs->why, fmt, ap);
		va_end(ap);
		snprintf(rs->failure, sizeof rs->failure, "%s", rs->why);
		rs->failed_cpu = cpu;
		rs->failed = true;
	}
	pthread_mutex_unlock(&lock);
	vcpus_stop(rs);
	return false;
}

/* SVM has no defined state after a shutdown intercept, so KVM resets the vCPU there: say
 * so rather than let reset values pass for the crash state, and name the last known RIP. */
static void note_reset_registers(struct vcpu_state *vs)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(vs->vc->fd, KVM_GET_REGS, &r) < 0 || ioctl(vs->vc->fd, KVM_GET_SREGS, &s) < 0 ||
	    r.rip != 0xfff0 || s.cs.selector != 0xf000)
		return;
	fprintf(stderr,
		"  (these are reset values: KVM resets the vCPU on a shutdown on this host)\n");
	if (vs->last_exit_rip)
		fprintf(stderr, "  last exit to the hv: rip %016llx\n",
			(unsigned long long)vs->last_exit_rip);
	struct run_state *rs = vs->rs;
	size_t used = strlen(rs->failure);
	snprintf(rs->failure + used, sizeof rs->failure - used, "; registers reset by KVM%s",
		 vs->last_exit_rip ? ", see the last exit rip" : "");
}

/* Why the run failed, with the registers of every started vCPU (the failed one first), on
 * stderr; the failed vCPU's (or vCPU 0's) summary goes into rs->failure. */
static void report_failure(struct run_state *rs)
{
	int n = rs->vm->ncpus, first = rs->failed_cpu >= 0 ? rs->failed_cpu : 0;
	char regs[160];
	if (n == 1)
		fprintf(stderr, "hv: guest stopped: %s\n", rs->why);
	else if (rs->failed_cpu >= 0)
		fprintf(stderr, "hv: guest stopped: vCPU %d: %s\n", rs->failed_cpu, rs->why);
	else
		fprintf(stderr, "hv: guest stopped: %s (all vCPUs)\n", rs->why);
	for (int k = 0; k < n; k++) {
		struct vcpu_state *vs = &rs->cpu[(first + k) % n];
		if (!vs->started)
			continue;
		if (n > 1)
			fprintf(stderr, " vCPU %d%s:\n", vs->vc->index,
				vs->vc->index == rs->failed_cpu ? " (failed)" : "");
		regs_dump(vs->vc, stderr, regs, sizeof regs);
		if (k == 0 && n == 1)
			snprintf(rs->failure, sizeof rs->failure, "%s (%s)", rs->why, regs);
		else if (k == 0)
			snprintf(rs->failure, sizeof rs->failure, "%s (vCPU %d: %s)", rs->why,
				 vs->vc->index, regs);
		if (vs->reset_by_kvm)
			note_reset_registers(vs);
	}
}

/* KVM's vCPU stats summed over the vCPUs (vCPU 0's descriptors serve them all). */
static void vcpu_stats_snapshot(struct run_state *rs, uint64_t *sum)
{
	uint64_t vals[rs->cpu[0].stats.n + 1];
	memset(sum, 0, (rs->cpu[0].stats.n + 1) * sizeof *sum);
	for (int c = 0; c < rs->vm->ncpus; c++) {
		if (rs->cpu[c].stats.n != rs->cpu[0].stats.n)
			continue;
		stats_snapshot(&rs->cpu[c].stats, vals);
		for (uint32_t i = 0; i < rs->cpu[0].stats.n; i++)
			sum[i] += vals[i];
	}
}

static void on_mark(struct guest *g, int phase, void *arg)
{
	struct run_state *rs = arg;
	if (phase == MARK_REP) {
		progress_rep(g->mark_ops, g->mark_cycles);
		return;
	}
	if (phase == MARK_END && rs->lab_marks) /* the lab's split ends before the hv's work */
		lab_mark_end();
	struct mark_snapshot *m = &rs->mark[phase == MARK_BEGIN ? 0 : 1];
	stats_snapshot(&rs->vm_stats, m->vm_vals);
	vcpu_stats_snapshot(rs, m->vcpu_vals);
	memset(m->exits, 0, sizeof m->exits);
	for (int c = 0; c < rs->vm->ncpus; c++) {
		m->cpu_exits[c] = 0;
		for (int i = 0; i < HV_EXIT_REASONS; i++) {
			uint64_t e = __atomic_load_n(&rs->cpu[c].exits[i], __ATOMIC_RELAXED);
			m->exits[i] += e;
			m->cpu_exits[c] += e;
		}
	}
	m->have_kcounts = g->have_kcounts;
	m->kc = g->kcounts;
	m->lock_waits = rs->lock_waits;
	m->lock_wait_ns = rs->lock_wait_ns;
	m->hc = g->hc;
	m->ram_backed = gmem_resident(rs->vm->mem, rs->vm->mem_size);
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0) { /* KVM's faults through GUP count as the vCPU's */
		m->host_minflt = (uint64_t)ru.ru_minflt;
		m->host_majflt = (uint64_t)ru.ru_majflt;
	}
	if (rs->mode && rs->mode->counts)
		rs->mode->counts(g->mode_state, m->mode_counts);
	for (int i = 0; rs->hits && i < rs->hits->n; i++)
		m->hits[i] = hist_hits(rs->hits->path[i]);
	m->taken = true;
	if (phase == MARK_BEGIN)
		progress_begin();
	else
		progress_end();
	if (phase == MARK_BEGIN && rs->lab_marks) /* and begins after it */
		lab_mark_begin();
}

static void open_stats(struct kvm_stats *s, int owner_fd, bool available)
{
	int fd = available ? ioctl(owner_fd, KVM_GET_STATS_FD, 0) : -1;
	if (stats_open(s, fd) < 0) {
		memset(s, 0, sizeof *s);
		s->fd = -1;
	}
}

void run_init(struct run_state *rs, struct vm *vm)
{
	memset(rs, 0, sizeof *rs);
	rs->vm = vm;
	rs->step = run_step;
	rs->g.mem = (struct gmem){.host = vm->mem, .size = vm->mem_size};
	rs->g.console = stdout;
	rs->g.on_mark = on_mark;
	rs->g.on_mark_arg = rs;
	rs->g.ncpus = vm->ncpus;
	rs->g.on_cpu_start = vcpu_start;
	rs->failed_cpu = -1;
	open_stats(&rs->vm_stats, vm->vm_fd, vm->has_stats_fd);
	for (int c = 0; c < vm->ncpus; c++) {
		rs->cpu[c].rs = rs;
		rs->cpu[c].vc = &vm->cpu[c];
		open_stats(&rs->cpu[c].stats, vm->cpu[c].fd, vm->has_stats_fd);
	}
	vcpus_init(rs);
	for (int i = 0; i < 2; i++) {
		rs->mark[i].vm_vals = calloc(rs->vm_stats.n + 1, sizeof(uint64_t));
		rs->mark[i].vcpu_vals = calloc(rs->cpu[0].stats.n + 1, sizeof(uint64_t));
		if (!rs->mark[i].vm_vals || !rs->mark[i].vcpu_vals)
			die("stats snapshots");
	}
}

/* A hypercall: number in the port data (EAX), arguments in RDI, RSI, R8, R9, result in RAX.
 * With SYNC_REGS the registers come and go in kvm_run, with no extra ioctl. */
static bool hypercall(struct vcpu_state *vs)
{
	struct run_state *rs = vs->rs;
	struct vm *vm = rs->vm;
	struct kvm_run *run = vs->vc->run;
	struct kvm_regs local, *regs = &run->s.regs.regs;
	if (!vm->has_sync_regs) {
		if (ioctl(vs->vc->fd, KVM_GET_REGS, &local) < 0) {
			host_failure("KVM_GET_REGS");
			return true; /* the next run_step stops the run */
		}
		regs = &local;
	}
	struct hc_args a = {.a0 = regs->rdi,
			    .a1 = regs->rsi,
			    .a2 = regs->r8,
			    .a3 = regs->r9,
			    .cpu = (uint32_t)vs->vc->index};
	vs->last_exit_rip = regs->rip;
	memcpy(&a.nr, (uint8_t *)run + run->io.data_offset, sizeof a.nr);
	hv_lock(rs);
	uint64_t ret = (uint64_t)hc_dispatch(&rs->g, &a);
	bool done = rs->g.done;
	hv_unlock(rs);
	if (done)
		return false;
	/* the handler set the vCPU's registers (a mode's store routine): start from them */
	if (vs->regs_replaced && !vm->has_sync_regs && ioctl(vs->vc->fd, KVM_GET_REGS, regs) < 0)
		host_failure("KVM_GET_REGS");
	vs->regs_replaced = false;
	/* write RAX back only when it changes (HC_NOP's 0 usually is already there) */
	if (ret != regs->rax) {
		regs->rax = ret;
		if (vm->has_sync_regs)
			run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		else if (ioctl(vs->vc->fd, KVM_SET_REGS, regs) < 0)
			host_failure("KVM_SET_REGS");
	}
	return true;
}

/* A kick: the watchdog's, the end of the run, or a remote flush (done at the loop's top). */
static bool interrupted(struct vcpu_state *vs)
{
	if (vcpus_stopping(vs->rs))
		return false;
	if (watchdog_fired())
		return stop(vs, -1, "timeout: the guest ran past --timeout");
	return true;
}

/* An access KVM could not complete, for the mode's fault hook under the hv lock: whether the
 * mode handled it. */
static bool mode_fault(struct vcpu_state *vs, bool have_gpa, uint64_t gpa)
{
	const struct hv_mode *m = vs->rs->mode;
	if (!m || !m->on_fault)
		return false;
	hv_lock(vs->rs);
	bool done = m->on_fault(vs, have_gpa, gpa);
	hv_unlock(vs->rs);
	return done;
}

bool run_step(struct vcpu_state *vs)
{
	struct run_state *rs = vs->rs;
	struct kvm_run *run = vs->vc->run;
	int me = vs->vc->index;
	/* a kick sets what it is for before immediate_exit: clear that, then look */
	__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	if (vcpus_stopping(rs))
		return false;
	const char *failure = host_failure_message();
	if (failure) {
		rs->host_error = true;
		return stop(vs, me, "host failure: %s", failure);
	}
	vcpu_flush_pending(vs);
	if (rs->mode && rs->mode->on_fault)
		run->exit_reason = KVM_EXIT_UNKNOWN; /* an EFAULT must not see a stale reason */
	if (ioctl(vs->vc->fd, KVM_RUN, 0) < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return interrupted(vs);
		if (errno == EFAULT) {
			/* newer kernels say where (KVM_EXIT_MEMORY_FAULT); 6.1 leaves it to us */
			bool have_gpa = run->exit_reason == KVM_EXIT_MEMORY_FAULT;
			uint64_t gpa = have_gpa ? memory_fault_gpa(run) : 0;
			if (mode_fault(vs, have_gpa, gpa))
				return true;
			return stop(
			    vs, me,
			    "KVM_RUN: EFAULT (guest access to memory the host cannot back)");
		}
		host_failure("KVM_RUN");
		return true; /* the next run_step stops the run */
	}
	uint32_t reason = run->exit_reason;
	uint64_t *count = &vs->exits[reason < HV_EXIT_REASONS ? reason : HV_EXIT_REASONS - 1];
	__atomic_store_n(count, *count + 1, __ATOMIC_RELAXED);
	switch (reason) {
	case KVM_EXIT_IO:
		if (run->io.port == HC_PORT && run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.size == 4 && run->io.count == 1)
			return hypercall(vs);
		return stop(vs, me, "unexpected port I/O: %s port %#x, size %u, count %u",
			    run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port,
			    run->io.size, run->io.count);
	case KVM_EXIT_INTR:
		return interrupted(vs);
	case KVM_EXIT_HLT:
		return stop(vs, me, "the guest halted (hlt with no way to wake up)");
	case KVM_EXIT_SHUTDOWN:
		vs->reset_by_kvm = true;
		return stop(vs, me, "triple fault (shutdown)");
	case KVM_EXIT_FAIL_ENTRY:
		return stop(vs, me, "VM entry failed, hardware reason %#llx",
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	case KVM_EXIT_INTERNAL_ERROR:
		/* a PVM host reports a guest exception it cannot deliver (a triple fault among
		 * them) as a failed emulation */
		return stop(vs, me, "KVM internal error, suberror %u (%s)", run->internal.suberror,
			    internal_error_name(run->internal.suberror));
	case KVM_EXIT_MMIO:
		if (mode_fault(vs, true, run->mmio.phys_addr))
			return true;
		return stop(vs, me, "MMIO %s of %u bytes at %#llx (no device there)",
			    run->mmio.is_write ? "write" : "read", run->mmio.len,
			    (unsigned long long)run->mmio.phys_addr);
	default:
		return stop(vs, me, "unexpected exit %u (%s)", reason,
			    exit_reason_name(reason) ? exit_reason_name(reason) : "?");
	}
}

void run_loop(struct run_state *rs)
{
	while (run_step(&rs->cpu[0]))
		;
	vcpus_stop(rs);
	vcpus_join(rs);
	progress_stop(); /* before the failure report and the summary */
	if (rs->failed)
		report_failure(rs);
}
