/* trap.c: the IDT and the exception handler: user faults go to the MMU or kill the process. */
#include "klib.h"
#include "defs.h"
#include "gdt.h"
#include "mm.h"
#include "uapi.h"
#include "x86.h"

enum {
	T_DIVIDE = 0,
	T_BREAKPOINT = 3,
	T_DOUBLE_FAULT = 8,
	T_INVALID_OPCODE = 6,
	T_PAGE_FAULT = 14,
	T_SIMD = 19,
	T_X87 = 16,
	NEXCEPTIONS = 32,
	NVECTORS = 256,
};

struct __attribute__((packed)) idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};

static struct idt_gate idt[NVECTORS] __attribute__((aligned(16)));
extern const uint64_t trap_vectors[NEXCEPTIONS]; /* trapasm.S */
extern const uint64_t irq_vectors[3];		 /* trapasm.S: IRQ_TLB, IRQ_WAKE, IRQ_SPURIOUS */
void trap_syscall_entry(void);			 /* trapasm.S */

static struct idt_gate gate(uint64_t h, int dpl3, int ist)
{
	return (struct idt_gate){
	    .offset_low = h & 0xffff,
	    .selector = KERNEL_CS,
	    .ist = ist,
	    .type_attr = dpl3 ? 0xee : 0x8e,
	    .offset_mid = (h >> 16) & 0xffff,
	    .offset_high = h >> 32,
	};
}

/*
 * Interrupt gates (0x8e: present, DPL 0, IF cleared on entry): user code cannot `int` in,
 * except with ENTRY_TRAP, where vector 3 is the system call (0xee: DPL 3) and a user int3 is
 * one. The exceptions, and the IPI vectors; the rest stay absent.
 */
void idt_init(void)
{
	for (int v = 0; v < NEXCEPTIONS; v++) {
		int sys = v == T_BREAKPOINT && boot_info->syscall_entry == ENTRY_TRAP;
		idt[v] = gate(sys ? (uint64_t)trap_syscall_entry : trap_vectors[v], sys,
			      v == T_DOUBLE_FAULT ? 1 : 0);
	}
	idt[IRQ_TLB] = gate(irq_vectors[0], 0, 0);
	idt[IRQ_WAKE] = gate(irq_vectors[1], 0, 0);
	idt[IRQ_SPURIOUS] = gate(irq_vectors[2], 0, 0);
}

void idt_load(void)
{
	lidt(idt, sizeof idt);
}

static void print_frame(const struct trapframe *tf, uint64_t cr2)
{
	printk("trap %lu err 0x%lx rip 0x%lx cs 0x%lx rflags 0x%lx rsp 0x%lx cr2 0x%lx cr3 0x%lx\n",
	       tf->trapno, tf->err, tf->rip, tf->cs, tf->rflags, tf->rsp, cr2, read_cr3());
	printk("rax %lx rbx %lx rcx %lx rdx %lx rsi %lx rdi %lx rbp %lx\n", tf->rax, tf->rbx,
	       tf->rcx, tf->rdx, tf->rsi, tf->rdi, tf->rbp);
	printk("r8 %lx r9 %lx r10 %lx r11 %lx r12 %lx r13 %lx r14 %lx r15 %lx\n", tf->r8, tf->r9,
	       tf->r10, tf->r11, tf->r12, tf->r13, tf->r14, tf->r15);
}

static int signal_for(uint64_t trapno)
{
	switch (trapno) {
	case T_DIVIDE:
	case T_X87:
	case T_SIMD:
		return SIGFPE;
	case T_INVALID_OPCODE:
		return SIGILL;
	default:
		return SIGSEGV;
	}
}

/* A fault in ring 3: resolve it through the MMU backend or kill the process. */
static void user_trap(struct trapframe *tf)
{
	uint64_t cr2 = tf->trapno == T_PAGE_FAULT ? read_cr2() : 0;
	if (tf->trapno == T_PAGE_FAULT) {
		if (cr2 < boot_info->user_top && mm_fault(curproc->mm, cr2, tf->err) == 0)
			return;
		hypercall(HC_PROC_FAULT, curproc->pid, cr2, tf->rip, tf->err);
	}
	int sig = signal_for(tf->trapno);
	printk("pid %d (%s) killed by signal %d: trap %lu at rip 0x%lx, address 0x%lx, err 0x%lx\n",
	       curproc->pid, curproc->name, sig, tf->trapno, tf->rip, cr2, tf->err);
	proc_exit(W_EXITCODE(0, sig));
}

void trap(struct trapframe *tf)
{
	if (tf->trapno >= NEXCEPTIONS) { /* an IPI, from ring 3 or from a wait in ring 0 */
		smp_interrupt(tf->trapno);
		return;
	}
	if ((tf->cs & 3) == 3) {
		user_trap(tf);
		return;
	}
	/* Ring 0 touching user memory in a system call: demand-zero / COW, or -EFAULT. */
	uint64_t cr2 = tf->trapno == T_PAGE_FAULT ? read_cr2() : 0;
	if (tf->trapno == T_PAGE_FAULT && cr2 < boot_info->user_top && curproc && curproc->mm) {
		if (mm_fault(curproc->mm, cr2, tf->err) == 0 || uaccess_fixup(tf))
			return;
	}
	print_frame(tf, cr2);
	panic("kernel exception %lu at rip 0x%lx (cr2 0x%lx)", tf->trapno, tf->rip, cr2);
}
