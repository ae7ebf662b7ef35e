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
	if (bi->user_top > (1ull << 47) - PAGE_SIZE || bi->user_top < (1ull << 24))
		panic("user_top 0x%lx out of range", bi->user_top);
	if (bi->syscall_entry != ENTRY_SYSCALL && bi->syscall_entry != ENTRY_TRAP)
		panic("syscall_entry %u unknown", bi->syscall_entry);
	boot_info = bi;
}

static void banner(void)
{
	printk("pagelab kernel: %s paging, %lu MiB, user space [0, 0x%lx), system calls by %s\n",
	       mm_backend_name(), boot_info->mem_size >> 20, boot_info->user_top,
	       boot_info->syscall_entry == ENTRY_TRAP ? "int3" : "syscall");
}

void main(struct boot_info *bi)
{
	boot_info_check(bi); /* magic, command line, user_top */
	gdt_init();	     /* kernel and user segments, TSS with the ring-0 stacks */
	idt_init();	     /* every exception vector, the int3 system call gate if chosen */
	syscall_msr_init();  /* SYSCALL/SYSRET: STAR, LSTAR, FMASK, or SYSCALL off */
	if (mm_init() < 0)   /* page allocator, kmalloc, the MMU backend for bi->mode */
		panic("mm_init failed (mode %u)", bi->mode);
	banner();		       /* one console line: mode, memory, user space */
	proc_init();		       /* the process table */
	proc_start_first(bi->cmdline); /* "PROGRAM ARG..." becomes process 1 */
	scheduler();		       /* never returns; HC_EXIT when process 1 exits */
}
