/* main.c: the kernel's entry point: initialise in order, start the first process, schedule. */
#include "klib.h"
#include "defs.h"
#include "mm.h"

struct boot_info *boot_info;

/* What the hv passed must make sense before anything relies on it. The console needs no
 * set-up (HC_CONSOLE), so panic works from the first instruction. */
static void boot_info_check(struct boot_info *bi)
{
	if (bi->magic != BOOT_MAGIC)
		panic("boot_info magic 0x%x, expected 0x%x", bi->magic, BOOT_MAGIC);
	bi->cmdline[BOOT_CMDLINE_MAX - 1] = '\0';
	/* SYSRET to a non-canonical RIP faults in ring 0 on the user's stack: user space ends
	 * below the canonical boundary, so no user RIP can be one. */
	if (bi->user_top > (1ull << 47) - PAGE_SIZE || bi->user_top < USER_TOP_MIN)
		panic("user_top 0x%lx out of range", bi->user_top);
	if (bi->syscall_entry != ENTRY_SYSCALL && bi->syscall_entry != ENTRY_TRAP)
		panic("syscall_entry %u unknown", bi->syscall_entry);
	if (bi->ncpus < 1 || bi->ncpus > MAX_CPUS)
		panic("ncpus %u out of range 1..%u", bi->ncpus, MAX_CPUS);
	if (bi->shootdown != SHOOTDOWN_ON && bi->shootdown != SHOOTDOWN_SKIP)
		panic("shootdown %u unknown", bi->shootdown);
	if (bi->frames != FRAMES_REUSED && bi->frames != FRAMES_FRESH)
		panic("frames %u unknown", bi->frames);
	boot_info = bi;
}

static void banner(void)
{
	printk("pagelab kernel: %s paging, %lu MiB, user space [0, 0x%lx), system calls by %s, "
	       "%u CPU%s%s\n",
	       mm_backend_name(), boot_info->mem_size >> 20, boot_info->user_top,
	       boot_info->syscall_entry == ENTRY_TRAP ? "int3" : "syscall", boot_info->ncpus,
	       boot_info->ncpus > 1 ? "s" : "",
	       boot_info->shootdown == SHOOTDOWN_SKIP ? " (TLB shootdown skipped: a test)" : "");
}

void main(struct boot_info *bi)
{
	boot_info_check(bi); /* magic, command line, user_top */
	idt_init();	/* every exception vector, the IPIs, the int3 system call gate if chosen */
	smp_boot_cpu(); /* CPU 0: %gs, GDT and TSS, IDT, SYSCALL MSRs, x2APIC */
	if (mm_init() < 0) /* page allocator, kmalloc, the MMU backend for bi->mode */
		panic("mm_init failed (mode %u)", bi->mode);
	banner();		       /* one console line: mode, memory, user space, CPUs */
	proc_init();		       /* the process table */
	proc_start_first(bi->cmdline); /* "PROGRAM ARG..." becomes process 1 */
	smp_start_others();	       /* the other CPUs enter their schedulers */
	scheduler();		       /* never returns; HC_EXIT when process 1 exits */
}
