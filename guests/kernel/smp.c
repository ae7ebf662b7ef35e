/* smp.c: the CPUs: per-CPU data, spinlocks, x2APIC IPIs, TLB shootdown, idle and start-up. */
#include "klib.h"
#include "defs.h"
#include "mm.h"
#include "pte.h"
#include "x86.h"

#define MSR_APIC_BASE	   0x1bu
#define APIC_BASE_ENABLE   (1u << 11)
#define APIC_BASE_X2APIC   (1u << 10)
#define MSR_X2APIC_TPR	   0x808u
#define MSR_X2APIC_EOI	   0x80bu
#define MSR_X2APIC_SVR	   0x80fu
#define MSR_X2APIC_ICR	   0x830u
#define SVR_ENABLE	   0x100u
#define MSR_GS_BASE	   0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u

_Static_assert(sizeof(((struct tlb_request *)0)->va) == FLUSH_ALL_AFTER * sizeof(uint64_t),
	       "a request holds the pages of one struct flush");

static struct cpu cpus[MAX_CPUS];
static char ap_stacks[MAX_CPUS][BOOT_STACK_SIZE] __attribute__((aligned(16)));

unsigned cpu_id(void)
{
	return mycpu()->id;
}

void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		mycpu()->counts.lock_spins++;
		/* interrupts in between tries: a shootdown IPI must not wait for this lock */
		__asm__ volatile("sti; pause; cli" ::: "memory");
	}
	l->cpu = cpu_id();
}

void spin_unlock(struct spinlock *l)
{
	KASSERT(spin_held(l));
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

int spin_held(struct spinlock *l)
{
	return l->locked && l->cpu == cpu_id();
}

/* x2APIC: the in-kernel local APIC of each vCPU (hv --cpus > 1), ID = CPU index. */
static void lapic_init(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	wrmsr(MSR_X2APIC_TPR, 0);
	wrmsr(MSR_X2APIC_SVR, SVR_ENABLE | IRQ_SPURIOUS);
}

static void lapic_ipi(unsigned cpu, unsigned vector)
{
	mycpu()->counts.ipis_sent++;
	wrmsr(MSR_X2APIC_ICR, (uint64_t)cpu << 32 | vector); /* fixed, physical destination */
}

/* Sets %gs to c for the kernel; the user's GS base (0) waits in KERNEL_GS_BASE. */
static void cpu_setup(struct cpu *c)
{
	c->self = c;
	gdt_init(c);
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	idt_load();
	syscall_msr_init();
	if (boot_info->ncpus > 1)
		lapic_init();
}

void smp_boot_cpu(void)
{
	cpu_setup(&cpus[0]);
}

static void __attribute__((noreturn)) ap_main(struct cpu *c)
{
	cpu_setup(c);
	mm_cpu_init();
	scheduler();
}

void smp_start_others(void)
{
	for (unsigned i = 1; i < boot_info->ncpus; i++) {
		cpus[i].id = i;
		int64_t r =
		    hypercall(HC_CPU_START, i, (uint64_t)ap_main,
			      (uint64_t)(ap_stacks[i] + BOOT_STACK_SIZE), (uint64_t)&cpus[i]);
		if (r < 0)
			panic("HC_CPU_START(%u) failed: %ld", i, r);
	}
}

uint32_t tlb_others(struct mm *mm)
{
	if (boot_info->shootdown != SHOOTDOWN_ON)
		return 0;
	/* a locked op: the caller's entry stores are visible before the set is read */
	uint32_t others = __atomic_fetch_or(&mm->cpus, 0, __ATOMIC_SEQ_CST) & ~CPU_BIT(cpu_id());
	if (others)
		mycpu()->counts.shootdowns++;
	return others;
}

static void tlb_flush_request(const struct tlb_request *r)
{
	if (r->pages > FLUSH_ALL_AFTER || r->pages == 0)
		cpu_load_cr3(read_cr3());
	else
		for (unsigned i = 0; i < r->pages; i++)
			cpu_invlpg(r->va[i]);
}

void tlb_shootdown(uint32_t mask, unsigned pages, const uint64_t *va)
{
	struct cpu *c = mycpu();
	struct tlb_request *r = &c->tlb;
	r->pages = pages;
	for (unsigned i = 0; i < pages && i < FLUSH_ALL_AFTER; i++)
		r->va[i] = va[i];
	__atomic_store_n(&r->pending, mask, __ATOMIC_SEQ_CST);
	for (unsigned t = 0; t < MAX_CPUS; t++) {
		if (!(mask & CPU_BIT(t)))
			continue;
		__atomic_fetch_or(&cpus[t].tlb_from, CPU_BIT(c->id), __ATOMIC_SEQ_CST);
		lapic_ipi(t, IRQ_TLB);
	}
	/* with interrupts let in: the others may be shooting at this CPU meanwhile */
	while (__atomic_load_n(&r->pending, __ATOMIC_ACQUIRE))
		__asm__ volatile("sti; pause; cli" ::: "memory");
}

/* A target flushes whatever it has loaded: if it switched away from the mm since, the flush
 * is merely spare. */
void smp_interrupt(uint64_t vector)
{
	struct cpu *c = mycpu();
	c->counts.ipis_recv++;
	if (vector == IRQ_TLB) {
		uint32_t from = __atomic_exchange_n(&c->tlb_from, 0, __ATOMIC_ACQ_REL);
		for (unsigned s = 0; s < MAX_CPUS; s++) {
			if (!(from & CPU_BIT(s)))
				continue;
			tlb_flush_request(&cpus[s].tlb);
			__atomic_fetch_and(&cpus[s].tlb.pending, ~CPU_BIT(c->id), __ATOMIC_RELEASE);
		}
	}
	if (vector != IRQ_SPURIOUS)
		wrmsr(MSR_X2APIC_EOI, 0);
}

/* Called with the process table locked: an idle CPU is woken to run what became runnable. */
void smp_wake_idle(void)
{
	for (unsigned i = 0; i < boot_info->ncpus; i++) {
		if (i == cpu_id() || !cpus[i].idle)
			continue;
		cpus[i].idle = 0;
		lapic_ipi(i, IRQ_WAKE);
		return;
	}
}

/* The scheduler found nothing to run and set c->idle under the process table lock, then let
 * it go; a wake-up IPI sent since is pending and ends the hlt at once (sti's shadow). */
void smp_idle(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void smp_counts(struct hc_kcounts *sum)
{
	memset(sum, 0, sizeof *sum);
	for (unsigned i = 0; i < boot_info->ncpus; i++) {
		sum->ipis_sent += cpus[i].counts.ipis_sent;
		sum->ipis_recv += cpus[i].counts.ipis_recv;
		sum->shootdowns += cpus[i].counts.shootdowns;
		sum->lock_spins += cpus[i].counts.lock_spins;
	}
}
