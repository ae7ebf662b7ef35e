/* boot.c: the long-mode entry state of the boot protocol: GDT, boot page tables, boot_info. */
#include <linux/kvm.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include "hv.h"

#define PTE_P  0x1ull
#define PTE_W  0x2ull
#define PTE_PS 0x80ull

#define CR0_PE	       (1ull << 0)
#define CR0_MP	       (1ull << 1)
#define CR0_ET	       (1ull << 4)
#define CR0_NE	       (1ull << 5)
#define CR0_WP	       (1ull << 16)
#define CR0_PG	       (1ull << 31)
#define CR4_PAE	       (1ull << 5)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_SCE       (1ull << 0)
#define EFER_LME       (1ull << 8)
#define EFER_LMA       (1ull << 10)
#define EFER_NXE       (1ull << 11)

#define SEL_CODE 0x08
#define SEL_DATA 0x10

/* the assembler test guests read these fields at the offsets hv/tests/guest.inc names */
_Static_assert(offsetof(struct boot_info, mode) == 4 && MODE_PTEFREE == 2, "guest.inc");
_Static_assert(offsetof(struct boot_info, hv_reserved_gpa) == 32, "guest.inc");
_Static_assert(offsetof(struct boot_info, pv_pool_gpa) == 608, "guest.inc");
_Static_assert(offsetof(struct boot_info, ncpus) == 628, "guest.inc");

static uint64_t *table(struct vm *vm, uint64_t gpa)
{
	return (uint64_t *)(vm->mem + gpa);
}

/* Identity map and KERNBASE map of [0, 1 GiB) with 2 MiB pages, shared by both halves. */
static void build_page_tables(struct vm *vm)
{
	memset(vm->mem + BOOT_PML4_GPA, 0, BOOT_PD_GPA + PAGE_SIZE - BOOT_PML4_GPA);
	table(vm, BOOT_PML4_GPA)[0] = BOOT_PDPT_LOW_GPA | PTE_P | PTE_W;
	table(vm, BOOT_PML4_GPA)[511] = BOOT_PDPT_HIGH_GPA | PTE_P | PTE_W;
	table(vm, BOOT_PDPT_LOW_GPA)[0] = BOOT_PD_GPA | PTE_P | PTE_W;
	table(vm, BOOT_PDPT_HIGH_GPA)[510] = BOOT_PD_GPA | PTE_P | PTE_W;
	for (uint64_t i = 0; i < 512; i++)
		table(vm, BOOT_PD_GPA)[i] = (i << 21) | PTE_P | PTE_W | PTE_PS;
}

static void build_gdt(struct vm *vm)
{
	uint64_t *gdt = table(vm, BOOT_GDT_GPA);
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* 64-bit code, DPL 0 */
	gdt[2] = 0x00cf92000000ffffull; /* data, DPL 0 */
}

int boot_enter(const struct vcpu *c, uint64_t rip, uint64_t rsp, uint64_t rdi)
{
	struct kvm_sregs sregs;
	if (ioctl(c->fd, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	struct kvm_segment code = {
	    .base = 0,
	    .limit = 0xffffffff,
	    .selector = SEL_CODE,
	    .type = 11,
	    .present = 1,
	    .dpl = 0,
	    .db = 0,
	    .s = 1,
	    .l = 1,
	    .g = 1,
	};
	struct kvm_segment data = code;
	data.selector = SEL_DATA;
	data.type = 3;
	data.l = 0;
	data.db = 1;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.gdt.base = BOOT_GDT_GPA;
	sregs.gdt.limit = 3 * 8 - 1;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs.cr3 = BOOT_PML4_GPA;
	sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE;
	if (ioctl(c->fd, KVM_SET_SREGS, &sregs) < 0)
		return -1;
	struct kvm_regs regs = {.rflags = 0x2, .rip = rip, .rdi = rdi, .rsp = rsp};
	return ioctl(c->fd, KVM_SET_REGS, &regs) < 0 ? -1 : 0;
}

struct boot_info *boot_setup(struct vm *vm, uint64_t entry)
{
	build_gdt(vm);
	build_page_tables(vm);
	if (boot_enter(&vm->cpu[0], entry, 0, KERNBASE + BOOT_INFO_GPA) < 0)
		die("setting vCPU 0's entry registers");
	struct boot_info *bi = (struct boot_info *)(vm->mem + BOOT_INFO_GPA);
	memset(bi, 0, sizeof *bi);
	bi->magic = BOOT_MAGIC;
	bi->mem_size = vm->mem_size;
	bi->tsc_khz = vm->tsc_khz;
	return bi;
}
