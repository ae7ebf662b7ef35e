/* regs.c: prints the vCPU's registers when a guest crashes, fails or times out. */
#include <inttypes.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include "hv.h"

void regs_dump(const struct vcpu *c, FILE *out, char *summary, size_t len)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(c->fd, KVM_GET_REGS, &r) < 0 || ioctl(c->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(out, "  (registers unavailable)\n");
		snprintf(summary, len, "registers unavailable");
		return;
	}
	fprintf(out,
		"  rip %016llx  rsp %016llx  rflags %08llx  cs %04x  cpl %u\n"
		"  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n"
		"  rsi %016llx  rdi %016llx  rbp %016llx  r8  %016llx\n"
		"  r9  %016llx  r10 %016llx  r11 %016llx  r12 %016llx\n"
		"  r13 %016llx  r14 %016llx  r15 %016llx\n"
		"  cr0 %016llx  cr2 %016llx  cr3 %016llx  cr4 %016llx  efer %llx\n",
		r.rip, r.rsp, r.rflags, s.cs.selector, s.cs.dpl, r.rax, r.rbx, r.rcx, r.rdx, r.rsi,
		r.rdi, r.rbp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, s.cr0, s.cr2,
		s.cr3, s.cr4, s.efer);
	struct kvm_vcpu_events ev;
	if (ioctl(c->fd, KVM_GET_VCPU_EVENTS, &ev) == 0 &&
	    (ev.exception.injected || ev.exception.pending))
		fprintf(out, "  exception %u (error code %#x) %s\n", ev.exception.nr,
			ev.exception.error_code, ev.exception.injected ? "injected" : "pending");
	snprintf(summary, len, "rip=%#llx rsp=%#llx cr2=%#llx cr3=%#llx cpl=%u", r.rip, r.rsp,
		 s.cr2, s.cr3, s.cs.dpl);
}
