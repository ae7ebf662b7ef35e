/* gdt.c: the kernel's GDT with user segments, the TSS (stacks for ring 3 -> 0), SYSCALL MSRs. */
#include "klib.h"
#include "defs.h"
#include "gdt.h"
#include "x86.h"

/* Flat 64-bit descriptors: present, S=1, type, DPL, L (code) / G. */
#define SEG_KCODE 0x00af9a000000ffffull
#define SEG_KDATA 0x00cf92000000ffffull
#define SEG_UCODE 0x00affa000000ffffull
#define SEG_UDATA 0x00cff2000000ffffull

static uint8_t double_fault_stacks[MAX_CPUS][4096] __attribute__((aligned(16)));
void syscall_entry(void); /* trapasm.S */

/* Builds the 16-byte TSS descriptor in gdt[TSS_SEL / 8] and gdt[TSS_SEL / 8 + 1]. */
static void set_tss_descriptor(uint64_t *gdt, const struct tss *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof *tss - 1;
	gdt[TSS_SEL / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
			   ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt[TSS_SEL / 8 + 1] = base >> 32;
}

/* Each CPU has its own GDT and TSS (a TSS descriptor is marked busy once loaded). FS and GS
 * get the null selector, which may clear their bases: smp.c sets GS's base afterwards. */
void gdt_init(struct cpu *c)
{
	uint64_t *gdt = c->gdt;
	gdt[KERNEL_CS / 8] = SEG_KCODE;
	gdt[KERNEL_DS / 8] = SEG_KDATA;
	gdt[(USER_DS & ~3) / 8] = SEG_UDATA;
	gdt[(USER_CS & ~3) / 8] = SEG_UCODE;
	c->tss.ist[0] = (uint64_t)double_fault_stacks[c->id] + sizeof double_fault_stacks[0];
	c->tss.iomap_base = sizeof c->tss; /* no I/O permission bitmap: ring 3 gets no ports */
	set_tss_descriptor(gdt, &c->tss);

	struct descriptor_ptr p = {sizeof c->gdt - 1, (uint64_t)gdt};
	/* Reload CS with a far return, then the data segments, then the task register. */
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %2, %%ax\n\t"
			 "mov %%ax, %%ds\n\t"
			 "mov %%ax, %%es\n\t"
			 "mov %%ax, %%ss\n\t"
			 "xor %%eax, %%eax\n\t"
			 "mov %%ax, %%fs\n\t"
			 "mov %%ax, %%gs\n\t"
			 :
			 : "m"(p), "i"(KERNEL_CS), "i"(KERNEL_DS)
			 : "rax", "memory");
	ltr(TSS_SEL);
}

/* With ENTRY_TRAP the SYSCALL instruction stays disabled (#UD), so a program that uses the
 * wrong entry dies at once instead of working by accident. */
void syscall_msr_init(void)
{
	if (boot_info->syscall_entry != ENTRY_SYSCALL) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~EFER_SCE);
		return;
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (uint64_t)SYSRET_BASE << 48 | (uint64_t)KERNEL_CS << 32);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Entered with interrupts, single-stepping, alignment checks off and DF clear. */
	wrmsr(MSR_FMASK, RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_IOPL | RFLAGS_NT | RFLAGS_AC);
}

void cpu_set_kstack(uint64_t top)
{
	struct cpu *c = mycpu();
	c->tss.rsp[0] = top;
	c->kstack_top = top;
}
