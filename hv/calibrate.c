/* calibrate.c: the hv's cost per hypercall against a bare KVM_RUN loop on the same guest. */
#include <cpuid.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "hv.h"

#define CALIBRATE_MEM	 (4 * MIB)
#define CALIBRATE_ROUNDS 6
#define IN_KVM_BATCH	 1000 /* in-KVM exits per exit to the hv */
#define IN_KVM_OFFSET	 0x100

/* The guest: HC_NOP through the hypercall port, forever. */
static const uint8_t guest_code[] = {
    0xba, HC_PORT & 0xff, HC_PORT >> 8, 0, 0, /* mov $HC_PORT, %edx */
    0x31, 0xc0,				      /* xor %eax, %eax (HC_NOP) */
    0xef,				      /* 1: out %eax, (%dx) */
    0xeb, 0xfd,				      /* jmp 1b */
};

/* The in-KVM exit: IN_KVM_BATCH hypercalls that KVM answers itself (an unknown number gets
 * -KVM_ENOSYS without leaving the kernel), then one port exit to the hv, forever. Bytes 10-12
 * are vmmcall (AMD) or vmcall (Intel). */
static uint8_t in_kvm_code[] = {
    0xb9,
    IN_KVM_BATCH & 0xff,
    IN_KVM_BATCH >> 8,
    0,
    0, /* 0: mov $IN_KVM_BATCH, %ecx */
    0xb8,
    0xff,
    0xff,
    0xff,
    0x7f, /* 5: mov $0x7fffffff, %eax */
    0x0f,
    0x01,
    0xd9, /* 10: vmmcall */
    0xff,
    0xc9, /* 13: dec %ecx */
    0x75,
    0xf4, /* 15: jnz 5 */
    0xba,
    HC_PORT & 0xff,
    HC_PORT >> 8,
    0,
    0, /* 17: mov $HC_PORT, %edx */
    0x31,
    0xc0, /* 22: xor %eax, %eax */
    0xef, /* 24: out %eax, (%dx) */
    0xeb,
    0xe5, /* 25: jmp 0 */
};

static bool cpu_is_amd(void)
{
	unsigned a = 0, b = 0, c = 0, d = 0;
	__get_cpuid(0, &a, &b, &c, &d);
	return b == 0x68747541 || b == 0x6f677948; /* "Auth"enticAMD, "Hygo"nGenuine */
}

/* The minimum a VMM must do per exit: KVM_RUN, look at the exit, go again; with sync_regs
 * KVM also copies the registers out on each exit, as it does for the hv. */
static double bare_loop(struct vm *vm, long exits, bool sync_regs)
{
	uint32_t valid = vm->cpu[0].run->kvm_valid_regs;
	vm->cpu[0].run->kvm_valid_regs = sync_regs ? valid : 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < exits; i++) {
		if (ioctl(vm->cpu[0].fd, KVM_RUN, 0) < 0)
			die("KVM_RUN");
		if (vm->cpu[0].run->exit_reason != KVM_EXIT_IO ||
		    vm->cpu[0].run->io.port != HC_PORT) {
			errno = EPROTO;
			die("calibration guest: unexpected exit %u", vm->cpu[0].run->exit_reason);
		}
	}
	uint64_t t1 = now_ns();
	vm->cpu[0].run->kvm_valid_regs = valid;
	return (double)(t1 - t0) / (double)exits;
}

/* The same exits through the hv's real path: run_step, register sync, hypercall dispatch. */
static double hv_loop(struct run_state *rs, long exits)
{
	uint64_t t0 = now_ns();
	for (long i = 0; i < exits; i++)
		if (!run_step(&rs->cpu[0])) {
			errno = EPROTO;
			die("calibration guest stopped: %s", rs->failure);
		}
	return (double)(now_ns() - t0) / (double)exits;
}

/* ns per exit that KVM handles without the hv, given the cost of one exit to the hv. On a
 * PVM host a hypercall instruction from guest ring 0 never returns: not measured there. */
static double in_kvm_exit(struct vm *vm, long exits, double bare_ns)
{
	in_kvm_code[12] = cpu_is_amd() ? 0xd9 : 0xc1;
	memcpy(vm->mem + KERNEL_LOAD_GPA + IN_KVM_OFFSET, in_kvm_code, sizeof in_kvm_code);
	struct kvm_regs regs;
	if (ioctl(vm->cpu[0].fd, KVM_GET_REGS, &regs) < 0)
		die("KVM_GET_REGS");
	regs.rip = KERNBASE + KERNEL_LOAD_GPA + IN_KVM_OFFSET;
	if (ioctl(vm->cpu[0].fd, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");
	long batches = exits / IN_KVM_BATCH + 1;
	double per_batch = bare_loop(vm, batches, false);
	return (per_batch - bare_ns) / IN_KVM_BATCH;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof v[0], cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int write_json(const char *path, long exits, const double ns[4], const struct host *p)
{
	char err[PATH_MAX + 128];
	json_t *o =
	    json_pack("{ss ss ss sI sI sf sf sf sf}", "benchmark", "hypercall_calibration",
		      "platform", p->name, "mmu", p->mmu, "exits_per_round", (json_int_t)exits,
		      "rounds", (json_int_t)CALIBRATE_ROUNDS, "bare_kvm_run_ns", ns[0],
		      "bare_sync_regs_ns", ns[1], "hv_hypercall_ns", ns[2], "ratio", ns[2] / ns[0]);
	json_object_set_new(o, "in_kvm_exit_ns", ns[3] > 0 ? json_real(ns[3]) : json_null());
	int rc = output_write_json(path, o, err, sizeof err);
	json_decref(o);
	if (rc != RC_OK)
		fprintf(stderr, "hv: the calibration record is not written: %s\n", err);
	return rc;
}

int calibrate(long exits, const char *json_path)
{
	static struct vm vm;
	static struct run_state rs;
	struct host host;
	host_detect(&host);
	vm_create(&vm, CALIBRATE_MEM, 1, true);
	memcpy(vm.mem + KERNEL_LOAD_GPA, guest_code, sizeof guest_code);
	boot_setup(&vm, KERNBASE + KERNEL_LOAD_GPA);
	run_init(&rs, &vm);

	/* rounds rotate the order of the three loops so that none always runs first; the
	 * median of each resists the noise of a loaded or emulated host */
	double t[3][CALIBRATE_ROUNDS], ns[4];
	bare_loop(&vm, exits / 10 + 1, false); /* warm up */
	for (int round = 0; round < CALIBRATE_ROUNDS; round++)
		for (int k = 0; k < 3; k++) {
			int which = (round + k) % 3;
			t[which][round] =
			    which == 2 ? hv_loop(&rs, exits) : bare_loop(&vm, exits, which == 1);
		}
	for (int k = 0; k < 3; k++)
		ns[k] = median(t[k], CALIBRATE_ROUNDS);
	/* last: it moves the guest to other code */
	bool pvm = strcmp(host.mmu, "pvm") == 0;
	ns[3] = pvm ? 0 : in_kvm_exit(&vm, exits, ns[0]);
	printf("hypercall calibration (%ld exits x %d rounds, medians, platform %s, mmu %s):\n"
	       "  bare KVM_RUN loop              %10.1f ns/exit\n"
	       "  bare loop + KVM register sync  %10.1f ns/exit\n"
	       "  hv hypercall path              %10.1f ns/exit\n"
	       "  ratio hv/bare                  %10.3f (target <= 1.10)\n",
	       exits, CALIBRATE_ROUNDS, host.name, host.mmu, ns[0], ns[1], ns[2], ns[2] / ns[0]);
	if (pvm)
		printf("  in-KVM exit: not measured (on PVM a hypercall from guest ring 0 never "
		       "returns)\n");
	else
		printf(
		    "  in-KVM exit (%-7s)          %10.1f ns/exit (answered by KVM, not the hv)\n",
		    cpu_is_amd() ? "vmmcall" : "vmcall", ns[3]);
	int rc = json_path ? write_json(json_path, exits, ns, &host) : RC_OK;
	vm_destroy(&vm);
	return rc;
}
