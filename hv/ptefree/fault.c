/* fault.c: a guest access the host refused inside an address-space window becomes a #PF. */
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include "decode.h"
#include "ptefree.h"

#define PFERR_P	 0x1ull
#define PFERR_W	 0x2ull
#define PFERR_U	 0x4ull
#define PFERR_I	 0x10ull
#define VEC_PF	 14
#define MAX_INSN 15

static bool readable(const struct ptefree *pf, int w, uint64_t va)
{
	uint8_t p = ptefree_page(pf, w, va);
	return (p & PAGE_MAPPED) && (p & (HC_PROT_READ | HC_PROT_WRITE | HC_PROT_EXEC));
}

static bool writable(const struct ptefree *pf, int w, uint64_t va)
{
	return (ptefree_page(pf, w, va) & (PAGE_MAPPED | HC_PROT_WRITE)) ==
	       (PAGE_MAPPED | HC_PROT_WRITE);
}

/* Copies the instruction bytes at rip (kernel image or user window) that the hv can read. */
static size_t read_code(const struct guest *g, int w, uint64_t rip, uint8_t *code)
{
	if (rip >= KERNBASE) {
		for (size_t n = MAX_INSN; n > 0; n--) {
			const uint8_t *p = gmem_read(&g->mem, rip - KERNBASE, n);
			if (p) {
				memcpy(code, p, n);
				return n;
			}
		}
		return 0;
	}
	size_t n = 0;
	while (n < MAX_INSN && readable(ptefree_of(g), w, rip + n)) {
		uint64_t va = rip + n;
		size_t chunk = PAGE_SIZE - va % PAGE_SIZE;
		if (chunk > MAX_INSN - n)
			chunk = MAX_INSN - n;
		memcpy(code + n, ptefree_host(ptefree_of(g), w, va), chunk);
		n += chunk;
	}
	return n;
}

/* Finds the refused access of the instruction at rip: an inaccessible page first (any
 * access faults there), then a read-only page the instruction may write. */
static bool locate(const struct guest *g, int w, const struct kvm_regs *r, uint64_t *va,
		   uint64_t *err)
{
	const struct ptefree *pf = ptefree_of(g);
	uint64_t top = ptefree_window_size(pf);
	if (r->rip < top && !readable(pf, w, r->rip)) {
		*va = r->rip;
		*err = PFERR_I | (ptefree_page(pf, w, r->rip) & PAGE_MAPPED ? PFERR_P : 0);
		return true;
	}
	uint8_t code[MAX_INSN];
	struct access acc[8];
	int n = decode_addresses(code, read_code(g, w, r->rip, code), r, acc, 8);
	for (int i = 0; i < n; i++)
		if (acc[i].addr < top && !readable(pf, w, acc[i].addr)) {
			*va = acc[i].addr;
			*err = (ptefree_page(pf, w, *va) & PAGE_MAPPED ? PFERR_P : 0) |
			       (acc[i].may_write ? PFERR_W : 0);
			return true;
		}
	for (int i = 0; i < n; i++)
		if (acc[i].addr < top && acc[i].may_write && !writable(pf, w, acc[i].addr)) {
			*va = acc[i].addr;
			*err = PFERR_P | PFERR_W;
			return true;
		}
	return false;
}

/* A vCPU ioctl for the injection; when it fails, the host does and the run stops. */
static bool vcpu_ioctl(const struct vcpu *c, unsigned long req, void *arg, const char *name)
{
	if (ioctl(c->fd, req, arg) == 0)
		return true;
	host_failure("%s (injecting a #PF)", name);
	return false;
}

static void inject_page_fault(const struct vcpu *c, uint64_t va, uint64_t err)
{
	struct kvm_sregs s;
	struct kvm_vcpu_events ev;
	if (!vcpu_ioctl(c, KVM_GET_SREGS, &s, "KVM_GET_SREGS"))
		return;
	s.cr2 = va;
	if (!vcpu_ioctl(c, KVM_SET_SREGS, &s, "KVM_SET_SREGS") ||
	    !vcpu_ioctl(c, KVM_GET_VCPU_EVENTS, &ev, "KVM_GET_VCPU_EVENTS"))
		return;
	ev.exception.injected = 1;
	ev.exception.pending = 0;
	ev.exception.nr = VEC_PF;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = (uint32_t)err;
	vcpu_ioctl(c, KVM_SET_VCPU_EVENTS, &ev, "KVM_SET_VCPU_EVENTS");
}

bool ptefree_fault(struct vcpu_state *vs, bool have_gpa, uint64_t gpa)
{
	struct run_state *rs = vs->rs;
	struct guest *g = &rs->g;
	struct kvm_regs r;
	struct kvm_sregs s;
	if (!ptefree_of(g) || ioctl(vs->vc->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vs->vc->fd, KVM_GET_SREGS, &s) < 0)
		return false;
	uint64_t va, err;
	int w;
	if (have_gpa) {
		w = ptefree_window_of_gpa(ptefree_of(g), gpa, &va);
		err = w >= 0 && (ptefree_page(ptefree_of(g), w, va) & PAGE_MAPPED)
			  ? PFERR_P | PFERR_W
			  : 0;
	} else {
		w = ptefree_window_of_cr3(ptefree_of(g), s.cr3);
		if (w >= 0 && !locate(g, w, &r, &va, &err))
			w = -1;
	}
	if (w < 0)
		return false;
	if ((s.cs.selector & 3) == 3)
		err |= PFERR_U;
	inject_page_fault(vs->vc, va, err);
	rs->injected_faults++;
	return true;
}
