/* hv.h: the hypervisor's internal interfaces, one section per source file. */
#ifndef HV_H
#define HV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "abi.h"
#include "record.h" /* the exit codes (RC_*) and file output every tool shares */

#define PAGE_SIZE	4096ull
#define MODE_COUNTS_MAX 512 /* bytes of a mode's counters at a mark (mode.h) */
#define MIB		(1ull << 20)

/* util.c: host errors are fatal (RC_HOST) and say what failed with strerror(errno). */
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
/* A request the hv refuses before anything starts: "hv: " and the reason, RC_USAGE. */
__attribute__((noreturn, format(printf, 1, 2))) void usage_error(const char *fmt, ...);
/* Writes the message into err (the caller reports it) and returns -1. */
__attribute__((format(printf, 3, 4))) int errorf(char *err, size_t errlen, const char *fmt, ...);
/* A host failure while the guest runs does not exit at once: the first one is kept (with
 * strerror(errno)), the vCPUs are kicked (the function host_failure_notify named), and run_step
 * ends the run with its report, its JSON record and RC_HOST. Safe from any thread.
 * Returns the error a hypercall handler answers (the guest never runs again to see it). */
__attribute__((format(printf, 1, 2))) int host_failure(const char *fmt, ...);
void host_failure_notify(void (*fn)(void));
const char *host_failure_message(void); /* the first host failure, or NULL */
/* Reads a whole file into a malloc'd buffer; NULL with errno set on failure. */
uint8_t *read_file(const char *path, size_t *len);
/* Writes guest bytes for a terminal: printable ASCII, newline and tab as they are, every other
 * byte as \xHH, so a guest cannot send control or escape sequences. */
void write_escaped(FILE *out, const char *buf, size_t len);
uint64_t now_ns(void);

/* gmem.c: the guest memory view. The hv reads guest memory through gmem_read (a const
 * pointer), and stores into it on the guest's behalf only through gmem_store and gmem_discard,
 * which first ask the running mode whether the range touches a frame it has typed (page-table
 * frames, tables the hv built, pages of its own): those are refused with
 * -HC_EPERM, so no hypercall argument can aim an hv store at them. */
struct gmem {
	const uint8_t *host; /* host address of GPA 0 */
	uint64_t size;	     /* GPAs [0, size) are guest memory the guest may name in hypercalls */
	/* whether [gpa, gpa + len) (len > 0) touches a frame the running mode has typed; NULL:
	 * the mode types none */
	bool (*typed)(const void *mode, uint64_t gpa, uint64_t len);
	const void *mode; /* the typed hook's state */
	bool sealed;	  /* the guest runs: gmem_setup refuses from then on */
};
/* Host address of [gpa, gpa + len), or NULL if any byte of it lies outside guest memory
 * (overflow-safe; len 0 is accepted for any gpa <= size). Read-only. */
const void *gmem_read(const struct gmem *m, uint64_t gpa, uint64_t len);
/* The same, writable, for building the guest before it runs (the loader, a mode's own tables);
 * NULL once the view is sealed. */
uint8_t *gmem_setup(const struct gmem *m, uint64_t gpa, uint64_t len);
/* 0 if the hv may store into [gpa, gpa + len) for the guest; -HC_EFAULT outside guest memory,
 * -HC_EPERM where the mode has typed a frame. */
int64_t gmem_check_store(const struct gmem *m, uint64_t gpa, uint64_t len);
/* Copies len bytes to gpa after gmem_check_store; returns its answer. */
int64_t gmem_store(const struct gmem *m, uint64_t gpa, const void *src, uint64_t len);
/* Gives [gpa, gpa + len) back to the host (MADV_DONTNEED: it reads zeros afterwards) after
 * gmem_check_store; its answer, or host_failure's if the host refused. */
int64_t gmem_discard(const struct gmem *m, uint64_t gpa, uint64_t len);
/* Pages of [host, host + size) (guest memory, size <= KERNEL_MAX_MEM) the host backs now
 * (mincore): a guest frame's first touch since boot, or since the hv discarded it, adds one. */
uint64_t gmem_resident(const uint8_t *host, uint64_t size);
/* Whether [gpa, gpa + len) and [start, end) share a byte (overflow-safe), for typed hooks. */
bool gmem_overlaps(uint64_t gpa, uint64_t len, uint64_t start, uint64_t end);

/* elf.c: the ELF64 loader, working on a buffer so it can be tested without KVM. */
struct elf_image {
	uint64_t entry;
	uint64_t load_end; /* first byte after the highest segment (guest-physical) */
};
/* Places every PT_LOAD segment of buf at its p_paddr inside [min_gpa, m->size), checking
 * each header, offset, size and address; p_vaddr must be vbase + p_paddr. Returns 0, or -1
 * with a message in err. */
int elf_load(const uint8_t *buf, size_t len, const struct gmem *m, uint64_t min_gpa, uint64_t vbase,
	     struct elf_image *img, char *err, size_t errlen);
/* A program a guest kernel image embeds: its name and what it does, strings inside the image. */
struct elf_program {
	const char *name, *desc;
};
#define ELF_MAX_PROGRAMS 64
/* The programs a guest kernel image embeds (its embedded_programs table, found by its symbol
 * table), in the table's order, at most max of them into progs. Returns how many: 0 for an
 * image without the table (a test guest); -1 with the reason in err for a malformed image or
 * table (a name or description that is no string in the image) or more than max programs. */
int elf_programs(const uint8_t *buf, size_t len, struct elf_program *progs, int max, char *err,
		 size_t errlen);

/* hypercall.c: the guest's view of the hv (no KVM inside, so it is unit-testable). */
#define HV_MAX_FAULTS  16
#define HC_ERROR_CODES 8 /* HC_E* codes are below this */
struct proc_fault {
	uint64_t pid, va, rip, err;
};
struct hc_counts {
	uint64_t calls[HC_COUNT];
	uint64_t errors[HC_COUNT];			/* calls answered with -HC_E* */
	uint64_t error_codes[HC_COUNT][HC_ERROR_CODES]; /* the same by code (0: out of range) */
	uint64_t unknown;				/* numbers outside the table */
	uint64_t cycles[HC_COUNT];			/* host TSC cycles spent in each handler */
};
struct hc_args;
struct guest;
typedef int64_t (*hc_handler)(struct guest *g, const struct hc_args *a);
/* A mode's view from the guest: the hypercalls it serves and the invariants it keeps (its
 * struct hv_mode in mode.h names it; unit tests attach it alone, without KVM). */
struct mode_calls {
	uint32_t first, count;	    /* its hypercalls: [first, first + count) */
	const hc_handler *handlers; /* handlers[nr - first]; NULL entries answer -HC_ENOSYS */
	/* 0 if its invariants hold in state, else -1 with the first violation in err; NULL:
	 * the mode keeps none (the guest owns all its paging state) */
	int (*check)(const void *state, char *err, size_t errlen);
};
struct guest {
	struct gmem mem;
	FILE *console;
	struct hc_counts hc;
	bool done;	 /* HC_EXIT or HC_ASSERT: stop running */
	int exit_status; /* HC_EXIT's argument */
	bool asserted;
	struct hc_assert assertion;
	bool have_result;
	struct hc_result result;
	uint64_t nfaults; /* HC_PROC_FAULT calls; the first HV_MAX_FAULTS are kept */
	struct proc_fault faults[HV_MAX_FAULTS];
	/* called on HC_MARK (run.c snapshots the counters at MARK_BEGIN / MARK_END and shows
	 * progress) */
	void (*on_mark)(struct guest *g, int phase, void *arg);
	void *on_mark_arg;
	uint64_t mark_ops, mark_cycles; /* the last MARK_REP's arguments */
	bool have_kcounts; /* HC_MARK named a struct hc_kcounts: its copy at that mark */
	struct hc_kcounts kcounts;
	int ncpus;	       /* vCPUs (--cpus) */
	uint32_t cpus_started; /* bit i: vCPU i runs (vCPU 0 from boot) */
	/* called on a checked HC_CPU_START with on_mark_arg (vcpu.c gives the vCPU its state and
	 * a thread); returns 0 or -HC_E* */
	int64_t (*on_cpu_start)(struct guest *g, const struct hc_args *a, void *arg);
	const struct mode_calls *calls; /* the running mode's hypercalls and invariants */
	void *mode_state;		/* its state, as its handlers take it */
	/* the mode's invariants are checked after every check_every-th hypercall (0: at the
	 * end only); the first violation stops the run */
	uint64_t check_every, since_check, checks;
	char violation[512]; /* the first violation found, "" while none */
};
struct hc_args {
	uint32_t nr;
	uint64_t a0, a1, a2, a3;
	uint32_t cpu; /* the calling vCPU */
};
#define HC_CONSOLE_MAX 4096 /* longest HC_CONSOLE write */
/* Serves one hypercall; returns the value for the guest's RAX (>= 0, or -HC_E*). */
int64_t hc_dispatch(struct guest *g, const struct hc_args *a);
/* Checks the running mode's invariants now (its calls->check); false, with the first violation kept
 * in g->violation, if one is broken. */
bool guest_invariants_hold(struct guest *g);
const char *hc_name(uint32_t nr);
const char *hc_error_name(int code); /* "EINVAL" for HC_EINVAL, ...; "other" if unknown */

/* stats.c: KVM binary statistics (KVM_GET_STATS_FD), looked up by name. */
struct kvm_stat {
	char name[64];
	uint32_t flags;	 /* KVM_STATS_TYPE_* | KVM_STATS_UNIT_* | KVM_STATS_BASE_* */
	uint32_t offset; /* byte offset of the value in the data block */
	uint32_t size;	 /* number of u64 values (only the first one is used) */
	bool cumulative; /* a counter: report deltas; otherwise report the value */
};
struct kvm_stats {
	int fd;
	uint32_t n;
	struct kvm_stat *desc;
	uint64_t data_offset; /* file offset of the data block */
	uint64_t data_size;
};
/* Parses the header and descriptors read from a stats fd (buf holds bytes [0, len) of it).
 * Returns 0, or -1 with a message in err for a malformed or truncated buffer. */
int stats_parse(struct kvm_stats *s, const uint8_t *buf, size_t len, char *err, size_t errlen);
int stats_open(struct kvm_stats *s, int fd); /* reads and parses; -1 if not available */
/* Index of the stat called name, or -1 (stats a kernel lacks are simply absent). */
int stats_find(const struct kvm_stats *s, const char *name);
/* Reads every stat's first value into vals[s->n]. */
void stats_snapshot(const struct kvm_stats *s, uint64_t *vals);
/* The value of stat i from a data block (for tests and snapshot). */
uint64_t stats_value(const struct kvm_stats *s, const uint8_t *data, size_t len, uint32_t i);

/* kvm.c: /dev/kvm, capabilities, the VM, its memory and its vCPUs. */
struct vcpu {
	int index, fd;
	struct kvm_run *run;
};
struct vm {
	int kvm_fd, vm_fd;
	int ncpus;
	struct vcpu cpu[MAX_CPUS];
	size_t run_size;
	uint8_t *mem; /* host mapping of kernel memory, memslot 0 */
	uint64_t mem_size;
	bool has_sync_regs, has_immediate_exit, has_stats_fd;
	bool has_irqchip; /* in-kernel LAPICs (x2APIC, IPIs, hlt inside KVM): ncpus > 1 only */
	uint64_t tsc_khz; /* 0 if unknown */
	char missing_caps[256]; /* optional capabilities this host lacks, comma-separated */
};
/* Opens KVM, checks capabilities, creates the VM with mem_size bytes at GPA 0 and ncpus vCPUs
 * with the supported CPUID (vCPU i: APIC ID i; with ncpus > 1 the in-kernel irqchip first and
 * the x2APIC bit). Prints missing optional capabilities when verbose. */
void vm_create(struct vm *vm, uint64_t mem_size, int ncpus, bool verbose);
/* Adds a memslot for host memory [host, host + size) at gpa. */
void vm_add_memslot(struct vm *vm, uint32_t slot, uint64_t gpa, void *host, uint64_t size);
uint64_t vm_guest_tsc(struct vm *vm); /* guest TSC via KVM_GET_MSRS */
void vm_destroy(struct vm *vm);

/* boot.c: long mode entry per the boot protocol in abi.h. */
/* Builds the GDT, boot page tables and boot_info; sets the vCPU's registers to enter at
 * entry. The caller fills boot_info's mode-specific fields before the first run. */
struct boot_info *boot_setup(struct vm *vm, uint64_t entry);
/* Puts vCPU c in the boot entry state (boot CR3 and GDT, long mode, RFLAGS 0x2) at rip with
 * rsp and rdi. Returns 0, or -1 with errno from the failed ioctl. */
int boot_enter(const struct vcpu *c, uint64_t rip, uint64_t rsp, uint64_t rdi);

/* host.c: what the host is (the record's platform and mmu), and host memory use. */
struct host {
	char name[32]; /* the platform: host, lab-npt, lab-shadow, ... */
	char mmu[16];  /* ept, npt, shadow, pvm */
	char tdp_mmu[8];
	char thp[16]; /* host transparent huge pages: always, madvise or never ("" if unknown) */
	char kvm_module[16];
};
void host_detect(struct host *p);
struct rss {
	uint64_t rss_kib, hwm_kib;
};
struct rss rss_read(void);

/* watchdog.c: stops a guest that runs past its time. */
/* Starts a timer thread; after seconds it calls on_fire (vcpu_kick: every vCPU leaves
 * KVM_RUN) again and again until watchdog_stop(). */
void watchdog_start(double seconds, void (*on_fire)(void));
bool watchdog_fired(void);
void watchdog_stop(void);

/* run.c: the KVM_RUN loop of each vCPU. */
#define HV_EXIT_REASONS 64
struct run_state;
struct vcpu_state {
	struct run_state *rs;
	struct vcpu *vc;
	struct kvm_stats stats;
	/* exits to userspace by exit_reason: written by the vCPU's thread, read by any with
	 * __atomic loads */
	uint64_t exits[HV_EXIT_REASONS];
	uint64_t last_exit_rip; /* where the last hypercall came from */
	bool regs_replaced;	/* a handler set the vCPU's registers (a mode's store routine) */
	bool reset_by_kvm;	/* a shutdown: KVM reset the registers to dump */
	/* vcpu.c: started (HC_CPU_START or boot), threaded (vCPUs 1..n-1: a thread to join),
	 * running (its thread may be kicked) */
	bool started, threaded, running;
	pthread_t thread;
	unsigned flush_req, flush_done; /* remote TLB flushes asked of it and done */
};
/* hits.c: --count-hits FILE,...: the "Hits: N" totals of each file (a tracefs hist file), read
 * at each mark (the bench's --trace pass counts its probes between the marks this way). */
#define HITS_MAX 8
struct hits {
	int n;
	const char *path[HITS_MAX]; /* into buf */
	char buf[1024];
};
/* Splits list (NULL: none) at commas into h; refuses (usage_error) a file without a total. */
void hits_parse(const char *list, struct hits *h);

struct hv_mode;
struct run_state {
	struct vm *vm;
	const struct hv_mode *mode; /* the running mode (mode.h) */
	struct guest g;
	bool (*step)(struct vcpu_state *vs); /* run_step: what each vCPU thread loops on */
	struct vcpu_state cpu[MAX_CPUS];
	bool stopping; /* every vCPU leaves its loop (set once, read with __atomic) */
	bool failed;
	bool host_error;   /* failed because of the host (see host_failure) */
	int failed_cpu;	   /* the vCPU that failed, -1 for the whole run (a timeout) */
	char failure[512]; /* why the run stopped abnormally */
	char why[320];	   /* the same without the registers, until run_loop prints them */
	struct kvm_stats vm_stats;
	/* counters at MARK_BEGIN and MARK_END; vcpu_vals: KVM's vCPU stats summed over vCPUs */
	struct mark_snapshot {
		bool taken;
		uint64_t *vm_vals, *vcpu_vals;
		uint64_t exits[HV_EXIT_REASONS]; /* summed over vCPUs */
		uint64_t cpu_exits[MAX_CPUS];	 /* exits to the hv of each vCPU */
		struct hc_counts hc;
		uint64_t mode_counts[MODE_COUNTS_MAX / 8]; /* the mode's counts hook (mode.h) */
		bool have_kcounts;
		struct hc_kcounts kc;
		uint64_t lock_waits, lock_wait_ns;
		uint64_t ram_backed; /* pages of kernel memory the host backs (gmem_resident) */
		uint64_t host_minflt, host_majflt; /* the hv process's host page faults */
		uint64_t hits[HITS_MAX];	   /* hist_hits of each --count-hits file */
	} mark[2];
	const struct hits *hits;  /* --count-hits (NULL: none) */
	uint64_t injected_faults; /* the mode's fault hook: invalid accesses made guest #PFs */
	bool lab_marks;		  /* --lab-marks: MARK_BEGIN and MARK_END call labmark.c */
	/* vcpu.c: the hv lock, its contention, and the remote flush handshake */
	pthread_mutex_t lock;
	uint64_t lock_waits, lock_wait_ns;
	pthread_mutex_t flush_lock;
	pthread_cond_t flush_cond;
};
void run_init(struct run_state *rs, struct vm *vm);
/* Runs the vCPU once and handles the exit; returns false when its loop is over. */
bool run_step(struct vcpu_state *vs);
/* Runs vCPU 0 here and the others in their threads until one of them ends the run, then
 * prints why it failed (if it did) with every started vCPU's registers. */
void run_loop(struct run_state *rs);
const char *exit_reason_name(uint32_t reason);

/* vcpu.c: the vCPUs' threads, kicks, the hv lock and remote TLB flushes. */
/* Installs the kick signal; vCPU 0 runs on the calling thread. */
void vcpus_init(struct run_state *rs);
/* Makes every running vCPU leave KVM_RUN soon (immediate_exit and a signal), from any thread. */
void vcpu_kick(void);
/* Ends the run: every vCPU loop stops at its next exit. */
void vcpus_stop(struct run_state *rs);
bool vcpus_stopping(struct run_state *rs);
/* Joins the threads of vCPUs 1..n-1 (after vcpus_stop). */
void vcpus_join(struct run_state *rs);
/* The hv lock: every exit handled in userspace holds it; contention is counted. */
void hv_lock(struct run_state *rs);
void hv_unlock(struct run_state *rs);
/* HC_CPU_START after hypercall.c's checks: the entry state, RUNNABLE, a thread. */
int64_t vcpu_start(struct guest *g, const struct hc_args *a, void *arg);
/* The vCPU's own thread, out of KVM_RUN: does the TLB flush others asked of it. */
void vcpu_flush_pending(struct vcpu_state *vs);
/* With the hv lock held by vCPU self: every vCPU in mask (not self) flushes its TLB before it
 * runs guest code again; waits for those running. Returns how many were kicked. */
int vcpus_flush(struct run_state *rs, unsigned self, uint32_t mask);

/* regs.c: the register dump for crashes and timeouts. */
void regs_dump(const struct vcpu *c, FILE *out, char *summary, size_t len);

/* report.c: the human summary and the JSON run record. */
struct run_config {
	const char *workload; /* NULL for --exec */
	const char *exec;
	const char *params[8][2]; /* name, value */
	int nparams;
	long iters, reps, warmup;
	const char *iters_chosen_by; /* "user" (--iters) or "budget" (the runner calibrated) */
	double budget_s;	     /* with "budget": seconds per measured repetition */
	const char *json_path;
	const char *mode;	   /* its name */
	const char *syscall_entry; /* how guest programs entered the kernel: syscall or trap */
	long cpus;		   /* vCPUs */
	const char *shootdown;	   /* on or skip (boot_info.shootdown) */
	const char *frames;	   /* reused or fresh (boot_info.frames) */
	bool lab_marks;		   /* --lab-marks: call labmark.c's functions */
	const char *count_hits;	   /* --count-hits FILE,...: hits.c */
};
struct run_report {
	const struct run_config *cfg;
	struct run_state *rs;
	struct host host;
	struct rss rss_before, rss_after;
	uint64_t tsc_khz;
	uint64_t boot_tsc; /* guest TSC before the first KVM_RUN */
	bool ok;
};
void report_print(const struct run_report *r, FILE *out);
/* Writes the JSON run record to path (output_write_json). Returns RC_OK, or the exit code
 * after printing why. */
int report_write_json(const struct run_report *r, const char *path);

/* smpreport.c: exits to the hv by vCPU, KVM's remote TLB flushes, the hv lock's contention
 * and the guest kernel's counts between the marks, per op (n ops). */
void smp_print_per_op(const struct run_state *rs, double n, FILE *out);
struct json_t *smp_json(const struct run_state *rs, double n);

/* progress.c: while a guest runs longer than a few seconds, a line on stderr when it is a
 * terminal: the stage, repetitions done and time per operation so far; cleared at the end.
 * The rep, begin and end calls come from HC_MARK (any vCPU). */
void progress_start(const char *what, long reps, uint64_t tsc_khz);
void progress_rep(uint64_t ops, uint64_t cycles); /* MARK_REP's arguments */
void progress_begin(void);			  /* the measured repetitions start */
void progress_end(void);			  /* they ended */
void progress_stop(void);			  /* the run is over: clear the line */

/* labmark.c: with --lab-marks, the hv calls lab_mark_run as it starts and lab_mark_begin /
 * lab_mark_end around the measured repetitions, for the lab's instruction split (bench --split,
 * harness/lab/insnsplit.c). */
void lab_mark_run(void);
void lab_mark_begin(void);
void lab_mark_end(void);

/* calibrate.c: the hv's cost per hypercall against a bare KVM_RUN loop. */
int calibrate(long exits, const char *json_path);

#endif
