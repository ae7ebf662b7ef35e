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
 * entries, or it has marked the table unsync and re-reads it at the next CR3 load. So once
 * the hv has checked and stored a batch, the hypercall does not return to the instruction
 * after the guest's `out` but to the hv's store routine: it switches to the applier table (the
 * only one that maps page-table frames writable, built by the hv where no guest op can name
 * it), loads each changed entry and stores it again, reloads the guest's CR3 (a TLB flush
 * for the guest, and KVM's resync of unsync tables) and jumps back to the guest with its
 * registers and the hypercall's answer. The routine's CR3 loads and trapped stores are exits
 * inside KVM, counted in KVM's statistics with the mode's other costs; none reaches the hv.
 */

/* Finishes the vCPU's pending port I/O (steps past the guest's `out`) without entering the
 * guest, so that its RIP is the one to return to. */
static int complete_io(const struct vcpu *c)
{
	uint8_t immediate = c->run->immediate_exit;
	c->run->immediate_exit = 1;
	int r = ioctl(c->fd, KVM_RUN, 0), e = errno;
	c->run->immediate_exit = immediate; /* a kick meanwhile is seen at the loop's top */
	if (r < 0 && e != EINTR) {
		errno = e;
		host_failure("pvmmu: KVM_RUN to complete port I/O");
		return -1;
	}
	return 0;
}

/* Sends the vCPU through the store routine with n entries to store again (0: only the CR3
 * reload), returning to the guest with RAX = ret. */
static int enter_routine(struct run_state *rs, unsigned cpu, unsigned n, int64_t ret)
{
	struct vm *vm = rs->vm;
	const struct vcpu *c = &vm->cpu[cpu];
	struct pv_layout l;
	pvmmu_layout(pvmmu_of(&rs->g), cpu, &l);
	struct kvm_regs local, *regs = &c->run->s.regs.regs;
	struct kvm_sregs sregs;
	if (complete_io(c) < 0)
		return -1;
	if (!vm->has_sync_regs) {
		regs = &local;
		if (ioctl(c->fd, KVM_GET_REGS, regs) < 0) {
			host_failure("pvmmu: KVM_GET_REGS");
			return -1;
		}
	}
	if (ioctl(c->fd, KVM_GET_SREGS, &sregs) < 0) {
		host_failure("pvmmu: KVM_GET_SREGS");
		return -1;
	}
	uint64_t save[] = {sregs.cr3, regs->rip, (uint64_t)ret, regs->rdx, regs->rdi, regs->rsi};
	memcpy(vm->mem + l.save, save, sizeof save);
	regs->rip = l.routine;
	regs->rdi = l.list;
	regs->rsi = n;
	regs->rdx = l.applier_cr3;
	regs->rax = (uint64_t)ret;
	if (vm->has_sync_regs) {
		c->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	} else if (ioctl(c->fd, KVM_SET_REGS, regs) < 0) {
		host_failure("pvmmu: KVM_SET_REGS");
		return -1;
	}
	rs->cpu[cpu].regs_replaced = true;
	return 1;
}

int pv_sync_vcpu(void *arg, unsigned cpu, unsigned n, bool flush, int64_t ret)
{
	(void)flush; /* the routine reloads CR3 in any case */
	return enter_routine(arg, cpu, n, ret);
}

int pv_sync_direct(void *arg, unsigned cpu, unsigned n, bool flush, int64_t ret)
{
	(void)n; /* the hardware walks the guest's tables: the hv's stores are seen */
	return flush ? enter_routine(arg, cpu, 0, ret) : 0;
}

/* Under shadow paging the caller's routine stores each entry again after this: KVM then
 * updates its shadow pages for every vCPU and flushes their TLBs itself; the targets' own
 * flush (vcpus_flush) resyncs the tables it had let go unsync and flushes what the hardware
 * cached. */
int pv_remote_flush(void *arg, unsigned cpu, uint32_t mask)
{
	return vcpus_flush(arg, cpu, mask);
}
