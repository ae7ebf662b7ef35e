/* apply.c: makes the entries a pvmmu batch changed visible to the vCPU, under every MMU. */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include "hv.h"
#include "pvmmu.h"

/*
 * Under KVM's shadow MMU a store by the hv into a guest page table is not seen: the shadow
 * entries built from the old value survive (DESIGN.md). A store by the vCPU is seen: KVM
 * write-protects the tables it shadows, traps the store and updates or drops the shadow
 * entries, or it has marked the table unsync and re-reads it at the next CR3 load. So after
 * the hv has checked and stored a batch, the vCPU runs the hv's store routine in the
 * applier table (a table of hv-reserved pages that no guest op can name), which loads each
 * changed entry and stores it again; then the hv puts the guest's registers and CR3 back,
 * which makes KVM reload its MMU context: a TLB flush and a resync of unsync tables.
 */

static int set_sregs(struct vm *vm, const struct kvm_sregs *s)
{
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, s) < 0) {
		host_failure("pvmmu: KVM_SET_SREGS");
		return -1;
	}
	return 0;
}

/* The guest's registers at the hypercall exit: the sync copy, or KVM_GET_REGS. */
static int save_regs(struct vm *vm, struct kvm_regs *regs, struct kvm_sregs *sregs)
{
	if (vm->has_sync_regs)
		*regs = vm->run->s.regs.regs;
	else if (ioctl(vm->vcpu_fd, KVM_GET_REGS, regs) < 0) {
		host_failure("pvmmu: KVM_GET_REGS");
		return -1;
	}
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, sregs) < 0) {
		host_failure("pvmmu: KVM_GET_SREGS");
		return -1;
	}
	return 0;
}

static int set_regs(struct vm *vm, const struct kvm_regs *regs)
{
	if (vm->has_sync_regs) {
		vm->run->s.regs.regs = *regs;
		vm->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	} else if (ioctl(vm->vcpu_fd, KVM_SET_REGS, regs) < 0) {
		{
			host_failure("pvmmu: KVM_SET_REGS");
			return -1;
		}
	}
	return 0;
}

/* Finishes the vCPU's pending port I/O (steps past its `out`) without entering the guest:
 * the guest's hypercall before its registers are saved, the routine's before they return. */
static int complete_io(struct vm *vm)
{
	uint8_t immediate = vm->run->immediate_exit;
	vm->run->immediate_exit = 1;
	int r = ioctl(vm->vcpu_fd, KVM_RUN, 0), e = errno;
	vm->run->immediate_exit = immediate;
	if (r < 0 && e != EINTR) {
		errno = e;
		host_failure("pvmmu: KVM_RUN to complete port I/O");
		return -1;
	}
	return 0;
}

/* Runs the vCPU until the store routine reports HC_PV_APPLIED; its exits are counted. */
static int run_routine(struct run_state *rs)
{
	struct kvm_run *run = rs->vm->run;
	for (;;) {
		if (ioctl(rs->vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				if (watchdog_fired()) {
					host_failure("pvmmu: timeout in the store routine");
					return -1;
				}
				continue;
			}
			{
				host_failure("pvmmu: KVM_RUN in the store routine");
				return -1;
			}
		}
		uint32_t reason = run->exit_reason, nr;
		rs->exits[reason < HV_EXIT_REASONS ? reason : HV_EXIT_REASONS - 1]++;
		if (reason == KVM_EXIT_INTR)
			continue;
		if (reason != KVM_EXIT_IO || run->io.port != HC_PORT || run->io.size != 4) {
			errno = 0;
			{
				host_failure("pvmmu: the store routine stopped (exit %u)", reason);
				return -1;
			}
		}
		memcpy(&nr, (uint8_t *)run + run->io.data_offset, sizeof nr);
		if (nr == HC_PV_APPLIED) {
			rs->g.hc.calls[HC_PV_APPLIED]++;
			return 0;
		}
	}
}

int pv_sync_vcpu(void *arg, unsigned n, bool flush)
{
	(void)flush; /* the CR3 reload below flushes everything */
	struct run_state *rs = arg;
	struct vm *vm = rs->vm;
	struct pv_layout l;
	pvmmu_layout(rs->g.pv, &l);
	struct kvm_regs guest, r = {.rip = l.routine, .rdi = l.list, .rsi = n, .rflags = 2};
	struct kvm_sregs guest_s, s;
	if (complete_io(vm) < 0 || save_regs(vm, &guest, &guest_s) < 0)
		return -1;
	s = guest_s;
	s.cr3 = l.applier_cr3;
	if (set_regs(vm, &r) < 0 || set_sregs(vm, &s) < 0 || run_routine(rs) < 0 ||
	    complete_io(vm) < 0)
		return -1;
	if (set_sregs(vm, &guest_s) < 0 || set_regs(vm, &guest) < 0)
		return -1;
	rs->regs_replaced = true;
	return 1;
}

int pv_sync_direct(void *arg, unsigned n, bool flush)
{
	(void)n; /* the hardware walks the guest's tables: the hv's stores are seen */
	struct run_state *rs = arg;
	if (!flush)
		return 0;
	/* KVM flushes the guest's TLB when its CR3 changes under it: there and back again */
	struct pv_layout l;
	pvmmu_layout(rs->g.pv, &l);
	struct kvm_sregs guest_s, s;
	if (ioctl(rs->vm->vcpu_fd, KVM_GET_SREGS, &guest_s) < 0) {
		host_failure("pvmmu: KVM_GET_SREGS");
		return -1;
	}
	s = guest_s;
	s.cr3 = l.applier_cr3;
	return set_sregs(rs->vm, &s) < 0 || set_sregs(rs->vm, &guest_s) < 0 ? -1 : 1;
}
