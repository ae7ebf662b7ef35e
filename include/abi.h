/* abi.h: the boot protocol and hypercall ABI shared by the hv and the guest kernel. */
#ifndef PAGELAB_ABI_H
#define PAGELAB_ABI_H

#include <stdint.h>

/*
 * Boot protocol (the hv enters the kernel directly in 64-bit long mode).
 *
 * Guest-physical layout of kernel memory (one memslot, slot 0, GPA 0 .. mem_size):
 *   0x000500  GDT built by the hv: null, 64-bit code (selector 0x08), data (0x10)
 *   0x001000  boot PML4 (hv): PML4[0] and PML4[511] point at the PDPTs below
 *   0x002000  boot PDPT low: identity map of [0, 1 GiB) (PDPT[0] -> boot PD)
 *   0x003000  boot PDPT high: KERNBASE + [0, 1 GiB) (PDPT[510] -> boot PD)
 *   0x004000  boot PD: 512 x 2 MiB pages covering [0, 1 GiB), RW, supervisor
 *   0x007000  struct boot_info (one page)
 *   0x100000  kernel ELF segments, placed at their p_paddr (virtual = KERNBASE + p_paddr)
 *   mem_size - hv_reserved_size .. mem_size: hv-owned pages (ptefree tables, pvmmu's kernel
 *            half and store routine), not for the guest
 *
 * Entry state: CR0 = PE|MP|ET|NE|WP|PG, CR4 = PAE|OSFXSR|OSXMMEXCPT, EFER = LME|LMA|SCE|NXE,
 * CR3 = 0x1000, CS = 0x08, DS/ES/SS/FS/GS = 0x10, RFLAGS = 0x2 (interrupts off),
 * RIP = ELF entry, RDI = KERNBASE + BOOT_INFO_GPA, RSP = 0 (the kernel sets its own stack).
 */
#define KERNBASE	   0xffffffff80000000ull /* kernel virtual = KERNBASE + guest-physical */
#define KERNEL_MAX_MEM	   (1ull << 30)		 /* the kernel direct map covers at most 1 GiB */
#define BOOT_GDT_GPA	   0x500ull
#define BOOT_PML4_GPA	   0x1000ull
#define BOOT_PDPT_LOW_GPA  0x2000ull
#define BOOT_PDPT_HIGH_GPA 0x3000ull
#define BOOT_PD_GPA	   0x4000ull
#define BOOT_INFO_GPA	   0x7000ull
#define KERNEL_LOAD_GPA	   0x100000ull
#define BOOT_MAGIC	   0x4c474150u /* "PAGL" */
#define BOOT_CMDLINE_MAX   512

enum mmu_mode {
	MODE_CLASSIC = 1, /* the guest owns 4-level page tables */
	MODE_PTEFREE = 2, /* the guest keeps VMAs only; the hv does all paging */
	MODE_PVMMU = 3,	  /* the guest keeps page tables; every change is a validated hypercall */
};

/* How user programs enter the kernel for a system call: the hv chooses per platform. */
enum syscall_entry {
	ENTRY_SYSCALL = 1, /* the SYSCALL instruction (LSTAR); the fastest where it works */
	ENTRY_TRAP = 2,	   /* int3 through a DPL-3 gate at vector 3: a PVM host delivers it,
			      while SYSCALL from guest ring 3 never reaches the guest kernel there */
};

#define USER_TOP_MIN (16ull << 20) /* the smallest user address space (boot_info.user_top) */
#define MAX_CPUS     8		   /* vCPUs; vCPU i has x2APIC ID i */

/* What the guest does for the other vCPUs after it changes a shared address space. */
enum shootdown {
	SHOOTDOWN_ON = 1,   /* classic: IPIs and invlpg; pvmmu: the vCPU mask of PV_OP_INVLPG /
			       PV_OP_FLUSH_ALL; ptefree: nothing (the hv's host change is seen) */
	SHOOTDOWN_SKIP = 2, /* deliberately broken (tests only): the guest flushes its own vCPU
			       and never the others, which must let a stale mapping be read */
};

/* Which free frames the guest's page allocator hands out first (its own memory; a ptefree
 * process's memory is the hv's window, which munmap gives back to the host: always fresh). */
enum frame_order {
	FRAMES_REUSED = 1, /* the most recently freed (a LIFO free list): its nested or shadow entry
			      and its host page still exist */
	FRAMES_FRESH = 2,  /* never handed out since boot while there are any, so that a first touch
			      finds no nested entry and no host page; then the freed ones */
};

struct boot_info {
	uint32_t magic;		  /* BOOT_MAGIC */
	uint32_t mode;		  /* enum mmu_mode */
	uint32_t syscall_entry;	  /* enum syscall_entry */
	uint32_t reserved;	  /* 0 */
	uint64_t mem_size;	  /* bytes of kernel memory at GPA 0 (<= KERNEL_MAX_MEM) */
	uint64_t kernel_end;	  /* first page-aligned GPA after the kernel image */
	uint64_t hv_reserved_gpa; /* hv-owned range at the top of kernel memory (may be 0 long) */
	uint64_t hv_reserved_size;
	uint64_t kmem_chunk;	    /* ptefree: bytes per HC_KMEM_ALLOC chunk */
	uint64_t kmem_boot_end;	    /* ptefree: GPAs below this are the kernel's from boot; the rest
				       of kernel memory comes and goes by HC_KMEM_ALLOC/FREE */
	uint64_t user_top;	    /* user virtual addresses are [0, user_top) in both modes */
	uint64_t free_report_chunk; /* classic: 0, or the bytes of an aligned block of the guest's
				       memory that it reports to the hv when wholly free
				       (HC_FREE_REPORT); blocks start at kmem_boot_end */
	uint64_t tsc_khz;	    /* guest TSC frequency */
	uint32_t cmdline_len;	    /* bytes in cmdline, without the NUL */
	char cmdline[BOOT_CMDLINE_MAX]; /* "PROGRAM ARG..." for the first process, NUL-terminated */
	uint64_t pv_pool_gpa;		/* pvmmu: page-table frames are [pv_pool_gpa, + size) */
	uint64_t pv_pool_size;
	uint32_t pv_batch;  /* pvmmu: operations the guest queues before HC_PV_BATCH */
	uint32_t ncpus;	    /* vCPUs (hv --cpus, 1..MAX_CPUS): vCPU 0 enters at the ELF entry,
			       the kernel starts the others with HC_CPU_START */
	uint32_t shootdown; /* enum shootdown */
	uint32_t frames;    /* enum frame_order */
};

/*
 * Hypercalls: from guest ring 0, `outl %eax, %dx` with DX = HC_PORT, EAX = hypercall number,
 * arguments in RDI, RSI, R8, R9 (a0..a3). The result comes back in RAX: >= 0 on success,
 * -HC_E* on error. Guest addresses passed to the hv are guest-physical (GPA) unless the name
 * says va. The hv checks every argument; a bad one gets an error code, never a crash.
 */
#define HC_PORT 0x500

enum hc_number {
	HC_NOP = 0,	   /* () -> 0: the empty hypercall (calibration) */
	HC_CONSOLE = 1,	   /* (gpa buf, len) -> len: write bytes to the hv's console */
	HC_RESULT = 2,	   /* (gpa struct hc_result) -> 0: the workload's result */
	HC_EXIT = 3,	   /* (status) -> no return: the guest is done */
	HC_ASSERT = 4,	   /* (gpa struct hc_assert) -> no return: guest assertion failed */
	HC_PROC_FAULT = 5, /* (pid, va, rip, error code) -> 0: a process was killed for an
			      invalid access; recorded in the results */
	HC_MARK = 6,	   /* (enum hc_mark, gpa struct hc_kcounts or 0, ops, cycles) -> 0: the
			      timed section starts / ends, with the guest's own event counts at
			      that moment; or progress (MARK_REP: ops and cycles, no counts) */
	HC_CPU_START = 7,  /* (vcpu, rip, rsp, rdi) -> 0: vCPU 1..ncpus-1 starts at rip in the
			      boot entry state (boot CR3 and GDT, interrupts off) with rsp, rdi;
			      rip and rsp must be kernel addresses (-HC_EINVAL), once (-HC_EPERM) */

	/* ptefree memory operations; asid is a handle returned by HC_AS_CREATE/FORK */
	HC_AS_CREATE = 16,  /* () -> asid, or -HC_ENOSPC when no window is free */
	HC_AS_DESTROY = 17, /* (asid) -> 0: backing returned to the host */
	HC_AS_FORK = 18,    /* (parent asid) -> child asid (a copy per the fork policy) */
	HC_AS_SWITCH = 19,  /* (asid) -> CR3 value for the guest to load */
	HC_MAP = 20,	    /* (asid, va, len, prot) -> 0: anonymous zero-filled memory */
	HC_UNMAP = 21,	    /* (asid, va, len) -> 0 */
	HC_PROTECT = 22,    /* (asid, va, len, prot) -> 0 */
	HC_KMEM_ALLOC = 23, /* () -> gpa of a kmem_chunk-sized, zeroed chunk */
	HC_KMEM_FREE = 24,  /* (gpa) -> 0: the chunk goes back to the host */

	/* classic memory operations */
	HC_FREE_REPORT = 25, /* (gpa, len) -> 0: free page reporting: [gpa, gpa + len), one or
				more whole free_report_chunk blocks, is free; the hv gives it back
				to the host and the guest reads zeros there when it uses it again */

	/* pvmmu page-table operations (see "pvmmu" below) */
	HC_PV_BATCH = 32,    /* (gpa struct pv_op[], count, gpa uint64_t done or 0) -> count, or
				-HC_E* for the first bad op (done: how many were applied) */
	HC_PV_NEW_BASE = 33, /* (gpa of a pinned L4, or 0: kernel half only) -> CR3 to load */
	HC_COUNT = 48,
};

/*
 * Free page reporting (classic, hv --free-report on): the guest's memory from kmem_boot_end
 * to hv_reserved_gpa (or mem_size) is cut into free_report_chunk blocks; the hv answers
 * HC_FREE_REPORT of anything but whole blocks there with -HC_EINVAL, and -HC_ENOSYS when
 * free_report_chunk is 0.
 *
 * What the guest's ptefree code (guests/kernel/kalloc.c, ptefree.c) relies on:
 * - kmem chunks: HC_KMEM_ALLOC returns kmem_boot_end + k * kmem_chunk (k >= 0), below
 *   hv_reserved_gpa (or mem_size when hv_reserved_size is 0); the guest finds a page's chunk
 *   by that arithmetic. kmem_boot_end and kmem_chunk are page multiples, and boot memory
 *   [kernel_end, kmem_boot_end) holds the allocator's tables (4 bytes per page of mem_size
 *   and 40 bytes per chunk slot) with room to spare: 1 MiB is plenty for 256 MiB.
 * - The guest keeps the hv's boot CR3 until its first HC_AS_SWITCH, and after HC_AS_DESTROY
 *   of the running address space it keeps that CR3 (running kernel code only) until its next
 *   HC_AS_SWITCH: the table stays valid for the kernel half meanwhile.
 * - HC_MAP, HC_UNMAP and HC_PROTECT always cover a range inside one VMA that the guest
 *   mapped before (HC_MAP: a range with nothing mapped).
 */

/*
 * What the hv guarantees in ptefree mode (MODE_PTEFREE):
 * - Each address space is a window of guest-physical memory above kernel memory. The CR3
 *   that HC_AS_SWITCH returns points at a table in the hv-reserved range that maps user VA
 *   [0, user_top) to that window with 2 MiB pages (present, writable, user, accessed and
 *   dirty preset) and shares PML4[511] (the kernel half) with the boot tables. The hv never
 *   changes these tables, also not after HC_AS_DESTROY, so a stale CR3 stays safe for ring 0.
 * - Protection lives in the host: an access HC_MAP/HC_PROTECT did not allow (a hole, a write
 *   to read-only memory, any access to PROT_NONE) is delivered to the guest as #PF with CR2
 *   = the user VA and an x86 error code (P if mapped, W for a write, U from ring 3, I for an
 *   instruction fetch), in ring 3 and in ring 0 alike. Execute permission is not enforced.
 * - HC_MAP of a range that was mapped gives zero-filled memory, like mmap(MAP_FIXED).
 *   HC_PROTECT of a range with a hole answers -HC_EINVAL and changes nothing.
 * - HC_KMEM_ALLOC answers kmem_boot_end + k * kmem_chunk for some k with the chunk below
 *   hv_reserved_gpa, or -HC_ENOMEM; HC_KMEM_FREE of anything else answers -HC_EBADF
 *   (-HC_EINVAL if misaligned). HC_AS_CREATE / HC_AS_FORK answer -HC_ENOSPC when all windows
 *   (hv --windows) are live.
 */

/*
 * pvmmu (MODE_PVMMU): the guest owns 4-level page tables whose frames come from the pool
 * [pv_pool_gpa, + pv_pool_size); the kernel half (PML4 slot 511: KERNBASE + [0, mem_size)) is
 * the hv's, read-only over the pool and over the hv's reserved pages (its store routine runs
 * there, between the guest's `out` and the next instruction: it may clobber the flags). A batch is
 * an array of struct pv_op, checked and applied in order; the first bad op stops it, changes
 * nothing, and its error is the answer.
 * - PV_OP_UPDATE: ptr = GPA of an entry (8-aligned) in a pinned table, val = the new entry. A
 *   present L1 entry maps a frame of guest memory below hv_reserved_gpa (else -HC_EFAULT), and
 *   a pool frame read-only only (-HC_EPERM); a present upper entry points at a table pinned at
 *   the level below (-HC_EINVAL). Large pages, global pages and reserved bits: -HC_EINVAL. L4
 *   slots at or above the user slots (user_top) are the kernel half: -HC_EPERM.
 * - PV_OP_PIN_L1..L4: ptr = GPA of a pool frame; it becomes a table of that level. A pinned
 *   frame cannot be pinned again (-HC_EPERM); a frame outside the pool -HC_EINVAL. A free
 *   pool frame is all zero (the hv keeps it so); pinning an L4 adds the kernel half.
 * - PV_OP_UNPIN: the table goes back to the free pool frames. Refused (-HC_EPERM) while an
 *   upper entry points at it, while it holds an entry, or while it is the current base.
 * - PV_OP_INVLPG (ptr = user VA), PV_OP_FLUSH_ALL: TLB invalidation after the batch.
 * The hv applies the entries so that the vCPU sees them under every MMU (hv --pvmmu-apply).
 */
struct pv_op {	      /* IN */
	uint64_t ptr; /* GPA or VA, with the op in the low 3 bits */
	uint64_t val;
};
enum pv_op_code {
	PV_OP_UPDATE = 0,
	PV_OP_PIN_L1 = 1, /* PV_OP_PIN_L1 + level - 1: a table of that level */
	PV_OP_PIN_L4 = 4,
	PV_OP_UNPIN = 5,
	PV_OP_INVLPG = 6,    /* val: mask of other vCPUs that must invalidate too (0: none) */
	PV_OP_FLUSH_ALL = 7, /* val: the same vCPU mask */
};
#define PV_OP_MASK   7ull
#define PV_BATCH_MAX 2048 /* ops per HC_PV_BATCH, as Xen's mmu_update batches */

enum hc_error {
	HC_EINVAL = 1, /* malformed argument (alignment, range, unknown flag) */
	HC_ENOSYS = 2, /* unknown hypercall number, or not available in this mode */
	HC_ENOSPC = 3, /* no free address-space window */
	HC_ENOMEM = 4, /* kernel memory exhausted */
	HC_EFAULT = 5, /* a GPA outside guest memory */
	HC_EBADF = 6,  /* unknown asid or chunk */
	HC_EPERM = 7,  /* pvmmu: the update breaks a validation rule */
};

/*
 * The marks bracket what the hv counts: everything between MARK_BEGIN and MARK_END, nothing
 * else. A progress signal inside that section would be counted (an exit, and the kernel's
 * instructions to reach it), so the workload runner sends MARK_REP only outside it: after each
 * calibration probe and warm-up repetition, and once with cycles 0 before the warm-up to say how
 * many operations each of the remaining repetitions has. From the last time per operation the hv
 * estimates the progress of the timed section, which sends nothing. MARK_REP only informs the
 * hv's progress line; its a1 is not read.
 */
enum hc_mark {
	MARK_BEGIN = 1, /* measured repetitions start (after warm-up) */
	MARK_END = 2,	/* measured repetitions end */
	MARK_REP = 3,	/* a2 ops, a3 cycles: a repetition of ops operations took cycles (guest
			   TSC); cycles 0: repetitions of ops operations start */
};

/* prot bits for HC_MAP / HC_PROTECT: same values as POSIX PROT_* on Linux */
#define HC_PROT_READ  1
#define HC_PROT_WRITE 2
#define HC_PROT_EXEC  4

#define HC_MAX_SAMPLES 64
#define HC_MSG_MAX     160

struct hc_result {	      /* IN */
	uint32_t ok;	      /* 1: the workload's own checks passed */
	uint32_t nsamples;    /* measured repetitions, <= HC_MAX_SAMPLES */
	uint64_t iters;	      /* operations per repetition */
	uint64_t start_tsc;   /* guest TSC at the workload's first instruction (boot time) */
	char msg[HC_MSG_MAX]; /* failure reason, NUL-terminated, empty when ok */
	uint64_t cycles[HC_MAX_SAMPLES]; /* guest TSC cycles of each repetition */
};

/* The guest kernel's concurrency counts, summed over its CPUs (HC_MARK). */
struct hc_kcounts {	     /* IN */
	uint64_t ipis_sent;  /* inter-processor interrupts the kernel sent (x2APIC ICR writes) */
	uint64_t ipis_recv;  /* interrupts the kernel handled */
	uint64_t shootdowns; /* address-space changes that needed other CPUs to invalidate */
	uint64_t lock_spins; /* spin iterations waiting for a kernel lock held by another CPU */
};

struct hc_assert { /* IN */
	uint32_t line;
	char file[64]; /* NUL-terminated */
	char expr[160];
};

#endif
