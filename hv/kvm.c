/* kvm.c: opens /dev/kvm, checks its capabilities, creates the VM, its memory and its vCPUs. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "hv.h"

#define MSR_IA32_TSC   0x10
#define CPUID_X2APIC   (1u << 21) /* leaf 1, ECX */
#define CPUID_TOPOLOGY 0xb	  /* leaf 0xb: EDX is the x2APIC ID */

static const struct kvm_cap_info {
	const char *name;
	int cap;
	bool required;
} caps[] = {
    {"USER_MEMORY", KVM_CAP_USER_MEMORY, true},
    {"EXT_CPUID", KVM_CAP_EXT_CPUID, true},
    {"SYNC_REGS", KVM_CAP_SYNC_REGS, false},
    {"IMMEDIATE_EXIT", KVM_CAP_IMMEDIATE_EXIT, false},
    {"BINARY_STATS_FD", KVM_CAP_BINARY_STATS_FD, false},
    {"GET_TSC_KHZ", KVM_CAP_GET_TSC_KHZ, false},
    {"VCPU_EVENTS", KVM_CAP_VCPU_EVENTS, false},
};

static bool check_caps(struct vm *vm)
{
	bool ok = true;
	vm->missing_caps[0] = '\0';
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		int r = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap);
		bool have = r > 0;
		if (caps[i].cap == KVM_CAP_SYNC_REGS)
			have = (r & KVM_SYNC_X86_REGS) != 0;
		if (have)
			continue;
		if (caps[i].required) {
			fprintf(stderr, "hv: KVM lacks the required capability %s\n", caps[i].name);
			ok = false;
		}
		size_t used = strlen(vm->missing_caps);
		snprintf(vm->missing_caps + used, sizeof vm->missing_caps - used, "%s%s",
			 used ? "," : "", caps[i].name);
	}
	vm->has_sync_regs = !strstr(vm->missing_caps, "SYNC_REGS");
	vm->has_immediate_exit = !strstr(vm->missing_caps, "IMMEDIATE_EXIT");
	vm->has_stats_fd = !strstr(vm->missing_caps, "BINARY_STATS_FD");
	return ok;
}

/* The supported CPUID, made the vCPU's: with the in-kernel LAPIC the x2APIC bit, and the
 * vCPU's APIC ID (its index, as KVM gives its LAPIC) in leaf 1 and leaf 0xb. */
static void set_cpuid(struct vm *vm, const struct vcpu *v)
{
	for (int nent = 128; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof *c + nent * sizeof c->entries[0]);
		if (!c)
			die("cpuid buffer");
		c->nent = nent;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			for (uint32_t i = 0; vm->has_irqchip && i < c->nent; i++) {
				struct kvm_cpuid_entry2 *e = &c->entries[i];
				if (e->function == 1) {
					e->ecx |= CPUID_X2APIC;
					e->ebx = (e->ebx & 0x00ffffffu) | (uint32_t)v->index << 24;
				} else if (e->function == CPUID_TOPOLOGY) {
					e->edx = (uint32_t)v->index;
				}
			}
			if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0)
				die("KVM_SET_CPUID2 (vCPU %d)", v->index);
			free(c);
			return;
		}
		free(c);
		if (errno != E2BIG)
			die("KVM_GET_SUPPORTED_CPUID");
	}
	die("KVM_GET_SUPPORTED_CPUID: too many entries");
}

static void create_vcpu(struct vm *vm, struct vcpu *v, int index)
{
	v->index = index;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, index);
	if (v->fd < 0)
		die("KVM_CREATE_VCPU %d", index);
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		die("mmap kvm_run");
	set_cpuid(vm, v);
	if (vm->has_sync_regs)
		v->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
}

void vm_add_memslot(struct vm *vm, uint32_t slot, uint64_t gpa, void *host, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
	    .slot = slot,
	    .guest_phys_addr = gpa,
	    .memory_size = size,
	    .userspace_addr = (uintptr_t)host,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		die("KVM_SET_USER_MEMORY_REGION slot %u (%llu MiB at %#llx)", slot,
		    (unsigned long long)(size / MIB), (unsigned long long)gpa);
}

void vm_create(struct vm *vm, uint64_t mem_size, int ncpus, bool verbose)
{
	memset(vm, 0, sizeof *vm);
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		die("open /dev/kvm (without KVM here, run the hv in the QEMU lab: "
		    "harness/lab/run.sh --npt 1 -- 'build/hv ...')");
	int version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		errno = EINVAL;
		die("KVM API version %d (expected %d)", version, KVM_API_VERSION);
	}
	if (!check_caps(vm)) {
		errno = ENOTSUP;
		die("KVM capabilities");
	}
	if (verbose && vm->missing_caps[0])
		fprintf(stderr, "hv: optional KVM capabilities missing: %s\n", vm->missing_caps);

	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		die("KVM_CREATE_VM");
	vm->mem_size = mem_size;
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		die("mmap %llu MiB of guest memory", (unsigned long long)(mem_size / MIB));
	vm_add_memslot(vm, 0, 0, vm->mem, mem_size);

	/* one vCPU keeps the hv's own hlt exit; several need LAPICs for their IPIs, and the
	 * irqchip must exist before the vCPUs */
	vm->ncpus = ncpus;
	vm->has_irqchip = ncpus > 1;
	if (vm->has_irqchip && ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		die("KVM_CREATE_IRQCHIP");
	int run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(struct kvm_run))
		die("KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = (size_t)run_size;
	for (int i = 0; i < ncpus; i++)
		create_vcpu(vm, &vm->cpu[i], i);
	if (!strstr(vm->missing_caps, "GET_TSC_KHZ")) {
		int khz = ioctl(vm->cpu[0].fd, KVM_GET_TSC_KHZ, 0);
		vm->tsc_khz = khz > 0 ? (uint64_t)khz : 0;
	}
}

uint64_t vm_guest_tsc(struct vm *vm)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = {.hdr.nmsrs = 1, .e.index = MSR_IA32_TSC};
	if (ioctl(vm->cpu[0].fd, KVM_GET_MSRS, &m) != 1)
		die("KVM_GET_MSRS (TSC)");
	return m.e.data;
}

void vm_destroy(struct vm *vm)
{
	for (int i = 0; i < vm->ncpus; i++) {
		munmap(vm->cpu[i].run, vm->run_size);
		close(vm->cpu[i].fd);
	}
	close(vm->vm_fd);
	close(vm->kvm_fd);
	munmap(vm->mem, vm->mem_size);
}
