/* uapi.h: the guest kernel's system-call ABI, shared by the kernel and the user C library. */
#ifndef PAGELAB_UAPI_H
#define PAGELAB_UAPI_H

/*
 * System calls: number in RAX and arguments in RDI, RSI, RDX, R10, R8, R9 (the Linux x86-64
 * convention); the result comes back in RAX: >= 0, or -errno. The instruction is `syscall`,
 * or `int3` where the kernel says so: every program starts with an auxiliary vector entry
 * AT_PAGELAB_ENTRY whose value is an enum syscall_entry (include/abi.h). Only that instruction
 * enters the kernel; the other one faults (SIGILL or SIGSEGV).
 */
#define AT_NULL		   0
#define AT_PAGELAB_ENTRY   0x5001 /* pagelab's own auxiliary vector types */
#define AT_PAGELAB_NCPUS   0x5002 /* CPUs the kernel runs on: sysconf(_SC_NPROCESSORS_ONLN) */
#define AT_PAGELAB_TSC_KHZ 0x5003 /* the TSC's rate (boot_info tsc_khz): pl_tsc_khz() */
enum sys_number {
	SYS_fork = 1,
	SYS_execve = 2,
	SYS_exit = 3,
	SYS_waitpid = 4,
	SYS_getpid = 5,
	SYS_sched_yield = 6,
	SYS_mmap = 7,
	SYS_munmap = 8,
	SYS_mprotect = 9,
	SYS_write = 10,
	SYS_pl_mark = 11,	 /* (enum hc_mark) -> 0 */
	SYS_pl_report = 12,	 /* (const struct hc_result *) -> 0 */
	SYS_pl_nullhc = 13,	 /* () -> 0: one empty hypercall */
	SYS_pl_kalloc_test = 14, /* (size, count) -> 0 when every object checked out */
	SYS_pl_pvfuzz = 15,	 /* (enum pvfuzz_cmd, arg) -> 0: see below */
	SYS_thread_create = 16,	 /* (entry, stack_top, arg) -> tid: see below */
	SYS_pl_progress = 17,	 /* (ops, cycles) -> 0: HC_MARK's MARK_REP (hv/abi.h) */
	SYS_COUNT = 18,
};

/*
 * thread_create: a new process that shares the caller's address space (a thread). It starts in
 * user mode at entry with RSP = stack_top (16-byte aligned, as after a call: the kernel pushes
 * no return address) and RDI = arg, and ends with exit like any process; its creator reaps it
 * with waitpid(tid). The address space lives until the last of its processes exits or execs.
 * The C library's pthread_create and pthread_join are built on it.
 */

/*
 * pl_pvfuzz: a test process sends page-table ops of its own making to the hv (pvmmu mode only;
 * -ENOSYS otherwise). PVFUZZ_BEGIN lends it PVFUZZ_FRAMES free page-table frames (arg: struct
 * pvfuzz_info, OUT); PVFUZZ_BATCH sends up to PVFUZZ_BATCH_MAX ops (arg: struct pvfuzz_batch)
 * whose entries, pins and unpins lie in those frames (else -EPERM, nothing is sent), its count
 * written where count_at says (in a lent frame: the hv must refuse that);
 * PVFUZZ_END empties and unpins whatever the ops built and takes the frames back: -EIO if a
 * frame stays pinned or non-zero, or if the caller's own page tables changed meanwhile.
 */
enum pvfuzz_cmd {
	PVFUZZ_BEGIN = 1,
	PVFUZZ_BATCH = 2,
	PVFUZZ_END = 3,
};
#define PVFUZZ_FRAMES	 16
#define PVFUZZ_BATCH_MAX 16
struct pvfuzz_info {				  /* OUT */
	unsigned long long frames[PVFUZZ_FRAMES]; /* GPAs of the lent frames */
	unsigned long long own_l4, own_l1;	  /* the caller's L4 and one of its leaf tables */
	unsigned long long kernel_page;		  /* a page of kernel memory (guest-owned) */
	unsigned long long reserved_gpa;	  /* the hv's pages start here */
	unsigned long long mem_size;
};
struct pvfuzz_batch {
	unsigned long long ops[PVFUZZ_BATCH_MAX][2]; /* IN: struct pv_op: ptr, val */
	unsigned long long n;			     /* IN */
	unsigned long long count_at; /* IN: 0, or where the hv is asked to write its count of
					applied ops: an address inside a lent frame */
	long long ret;		     /* OUT: HC_PV_BATCH's answer */
	unsigned long long done;     /* OUT: ops applied (count_at 0) */
	unsigned long long changed;  /* OUT: entries the batch's update ops name that changed */
};

/* errno values: the same numbers as Linux, so results compare across platforms */
#define EPERM	     1
#define ENOENT	     2
#define ESRCH	     3
#define EINTR	     4
#define EIO	     5
#define E2BIG	     7
#define ENOEXEC	     8
#define EBADF	     9
#define ECHILD	     10
#define EAGAIN	     11
#define ENOMEM	     12
#define EACCES	     13
#define EFAULT	     14
#define EBUSY	     16
#define EEXIST	     17
#define EINVAL	     22
#define ENOSPC	     28
#define ERANGE	     34
#define ENAMETOOLONG 36
#define ENOSYS	     38

/* mmap / mprotect (Linux values) */
#define PROT_NONE     0
#define PROT_READ     1
#define PROT_WRITE    2
#define PROT_EXEC     4
#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20
#define MAP_ANON      MAP_ANONYMOUS

/* waitpid: options and the status word, encoded as on Linux */
#define WNOHANG		      1
#define W_EXITCODE(code, sig) (((code)&0xff) << 8 | ((sig)&0x7f))
#define WEXITSTATUS(s)	      (((s) >> 8) & 0xff)
#define WTERMSIG(s)	      ((s)&0x7f)
#define WIFEXITED(s)	      (WTERMSIG(s) == 0)
#define WIFSIGNALED(s)	      (WTERMSIG(s) != 0)

/* the signals a process can be killed with (only by the kernel, on a fault) */
#define SIGILL	4
#define SIGFPE	8
#define SIGSEGV 11

#endif
