/* run.c: the KVM_RUN loop: hypercalls through port I/O, everything else reported. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "hv.h"

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

/* Stops the run: says why on stderr, with the registers, and keeps a summary. */
__attribute__((format(printf, 2, 3))) static bool stop(struct run_state *rs, const char *fmt, ...)
{
	va_list ap;
	char why[320], regs[160];
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	fprintf(stderr, "hv: guest stopped: %s\n", why);
	regs_dump(rs->vm, stderr, regs, sizeof regs);
	snprintf(rs->failure, sizeof rs->failure, "%s (%s)", why, regs);
	rs->failed = true;
	return false;
}

/* SVM has no defined state after a shutdown intercept, so KVM resets the vCPU there: say
 * so rather than let reset values pass for the crash state, and name the last known RIP. */
static void note_reset_registers(struct run_state *rs)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(rs->vm->vcpu_fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(rs->vm->vcpu_fd, KVM_GET_SREGS, &s) < 0 || r.rip != 0xfff0 ||
	    s.cs.selector != 0xf000)
		return;
	fprintf(stderr,
		"  (these are reset values: KVM resets the vCPU on a shutdown on this host)\n");
	if (rs->last_exit_rip)
		fprintf(stderr, "  last exit to the hv: rip %016llx\n",
			(unsigned long long)rs->last_exit_rip);
	size_t used = strlen(rs->failure);
	snprintf(rs->failure + used, sizeof rs->failure - used, "; registers reset by KVM%s",
		 rs->last_exit_rip ? ", see the last exit rip" : "");
}

static void on_mark(struct guest *g, int phase, void *arg)
{
	struct run_state *rs = arg;
	struct mark_snapshot *m = &rs->mark[phase == MARK_BEGIN ? 0 : 1];
	stats_snapshot(&rs->vm_stats, m->vm_vals);
	stats_snapshot(&rs->vcpu_stats, m->vcpu_vals);
	memcpy(m->exits, rs->exits, sizeof m->exits);
	m->hc = g->hc;
	if (g->pf)
		ptefree_counts_get(g->pf, &m->pfc);
	if (g->pv)
		pvmmu_counts_get(g->pv, &m->pvc);
	m->taken = true;
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
	rs->g.mem = (struct gmem){vm->mem, vm->mem_size};
	rs->g.console = stdout;
	rs->g.on_mark = on_mark;
	rs->g.on_mark_arg = rs;
	open_stats(&rs->vm_stats, vm->vm_fd, vm->has_stats_fd);
	open_stats(&rs->vcpu_stats, vm->vcpu_fd, vm->has_stats_fd);
	for (int i = 0; i < 2; i++) {
		rs->mark[i].vm_vals = calloc(rs->vm_stats.n + 1, sizeof(uint64_t));
		rs->mark[i].vcpu_vals = calloc(rs->vcpu_stats.n + 1, sizeof(uint64_t));
		if (!rs->mark[i].vm_vals || !rs->mark[i].vcpu_vals)
			die("stats snapshots");
	}
}

/* A hypercall: number in the port data (EAX), arguments in RDI, RSI, R8, R9, result in RAX.
 * With SYNC_REGS the registers come and go in kvm_run, with no extra ioctl. */
static bool hypercall(struct run_state *rs)
{
	struct vm *vm = rs->vm;
	struct kvm_run *run = vm->run;
	struct kvm_regs local, *regs = &run->s.regs.regs;
	if (!vm->has_sync_regs) {
		if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &local) < 0) {
			host_failure("KVM_GET_REGS");
			return true; /* the next run_step stops the run */
		}
		regs = &local;
	}
	struct hc_args a = {.a0 = regs->rdi, .a1 = regs->rsi, .a2 = regs->r8, .a3 = regs->r9};
	rs->last_exit_rip = regs->rip;
	memcpy(&a.nr, (uint8_t *)run + run->io.data_offset, sizeof a.nr);
	uint64_t ret = (uint64_t)hc_dispatch(&rs->g, &a);
	if (rs->g.done)
		return false;
	/* the handler set the vCPU's registers (pvmmu's store routine): start from them */
	if (rs->regs_replaced && !vm->has_sync_regs && ioctl(vm->vcpu_fd, KVM_GET_REGS, regs) < 0)
		host_failure("KVM_GET_REGS");
	rs->regs_replaced = false;
	/* write RAX back only when it changes (HC_NOP's 0 usually is already there) */
	if (ret != regs->rax) {
		regs->rax = ret;
		if (vm->has_sync_regs)
			run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		else if (ioctl(vm->vcpu_fd, KVM_SET_REGS, regs) < 0)
			host_failure("KVM_SET_REGS");
	}
	return true;
}

static bool interrupted(struct run_state *rs)
{
	if (watchdog_fired())
		return stop(rs, "timeout: the guest ran past --timeout");
	return true;
}

bool run_step(struct run_state *rs)
{
	struct kvm_run *run = rs->vm->run;
	const char *failure = host_failure_message();
	if (failure) {
		rs->host_error = true;
		return stop(rs, "host failure: %s", failure);
	}
	if (rs->g.pf)
		run->exit_reason = KVM_EXIT_UNKNOWN; /* an EFAULT must not see a stale reason */
	if (ioctl(rs->vm->vcpu_fd, KVM_RUN, 0) < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return interrupted(rs);
		if (errno == EFAULT) {
			/* newer kernels say where (KVM_EXIT_MEMORY_FAULT); 6.1 leaves it to us */
			bool have_gpa = run->exit_reason == KVM_EXIT_MEMORY_FAULT;
			uint64_t gpa = have_gpa ? memory_fault_gpa(run) : 0;
			if (fault_inject(rs, have_gpa, gpa))
				return true;
			return stop(
			    rs, "KVM_RUN: EFAULT (guest access to memory the host cannot back)");
		}
		host_failure("KVM_RUN");
		return true; /* the next run_step stops the run */
	}
	uint32_t reason = run->exit_reason;
	rs->exits[reason < HV_EXIT_REASONS ? reason : HV_EXIT_REASONS - 1]++;
	switch (reason) {
	case KVM_EXIT_IO:
		if (run->io.port == HC_PORT && run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.size == 4 && run->io.count == 1)
			return hypercall(rs);
		return stop(rs, "unexpected port I/O: %s port %#x, size %u, count %u",
			    run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port,
			    run->io.size, run->io.count);
	case KVM_EXIT_INTR:
		return interrupted(rs);
	case KVM_EXIT_HLT:
		return stop(rs, "the guest halted (hlt with no way to wake up)");
	case KVM_EXIT_SHUTDOWN:
		stop(rs, "triple fault (shutdown)");
		note_reset_registers(rs);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		return stop(rs, "VM entry failed, hardware reason %#llx",
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	case KVM_EXIT_INTERNAL_ERROR:
		/* a PVM host reports a guest exception it cannot deliver (a triple fault among
		 * them) as a failed emulation */
		return stop(rs, "KVM internal error, suberror %u (%s)", run->internal.suberror,
			    internal_error_name(run->internal.suberror));
	case KVM_EXIT_MMIO:
		if (fault_inject(rs, true, run->mmio.phys_addr))
			return true;
		return stop(rs, "MMIO %s of %u bytes at %#llx (no device there)",
			    run->mmio.is_write ? "write" : "read", run->mmio.len,
			    (unsigned long long)run->mmio.phys_addr);
	default:
		return stop(rs, "unexpected exit %u (%s)", reason,
			    exit_reason_name(reason) ? exit_reason_name(reason) : "?");
	}
}

void run_loop(struct run_state *rs)
{
	while (run_step(rs))
		;
}
