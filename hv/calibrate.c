/* calibrate.c: the hv's cost per hypercall against a bare KVM_RUN loop on the same guest. */
#include <errno.h>
#include <jansson.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "hv.h"

#define CALIBRATE_MEM	 (4 * MIB)
#define CALIBRATE_ROUNDS 6

/* The guest: HC_NOP through the hypercall port, forever. */
static const uint8_t guest_code[] = {
    0xba, HC_PORT & 0xff, HC_PORT >> 8, 0, 0, /* mov $HC_PORT, %edx */
    0x31, 0xc0,				      /* xor %eax, %eax (HC_NOP) */
    0xef,				      /* 1: out %eax, (%dx) */
    0xeb, 0xfd,				      /* jmp 1b */
};

/* The minimum a VMM must do per exit: KVM_RUN, look at the exit, go again; with sync_regs
 * KVM also copies the registers out on each exit, as it does for the hv. */
static double bare_loop(struct vm *vm, long exits, bool sync_regs)
{
	uint32_t valid = vm->run->kvm_valid_regs;
	vm->run->kvm_valid_regs = sync_regs ? valid : 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < exits; i++) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0)
			die("KVM_RUN");
		if (vm->run->exit_reason != KVM_EXIT_IO || vm->run->io.port != HC_PORT) {
			errno = EPROTO;
			die("calibration guest: unexpected exit %u", vm->run->exit_reason);
		}
	}
	uint64_t t1 = now_ns();
	vm->run->kvm_valid_regs = valid;
	return (double)(t1 - t0) / (double)exits;
}

/* The same exits through the hv's real path: run_step, register sync, hypercall dispatch. */
static double hv_loop(struct run_state *rs, long exits)
{
	uint64_t t0 = now_ns();
	for (long i = 0; i < exits; i++)
		if (!run_step(rs)) {
			errno = EPROTO;
			die("calibration guest stopped: %s", rs->failure);
		}
	return (double)(now_ns() - t0) / (double)exits;
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

static void write_json(const char *path, long exits, const double ns[3], const struct platform *p)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
	json_t *o =
	    json_pack("{ss ss ss sI sI sf sf sf sf}", "benchmark", "hypercall_calibration",
		      "platform", p->name, "mmu", p->mmu, "exits_per_round", (json_int_t)exits,
		      "rounds", (json_int_t)CALIBRATE_ROUNDS, "bare_kvm_run_ns", ns[0],
		      "bare_sync_regs_ns", ns[1], "hv_hypercall_ns", ns[2], "ratio", ns[2] / ns[0]);
	if (json_dump_file(o, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) < 0 || rename(tmp, path) < 0)
		die("writing %s", path);
	json_decref(o);
}

int calibrate(long exits, const char *json_path)
{
	static struct vm vm;
	static struct run_state rs;
	struct platform plat;
	platform_detect(&plat);
	vm_create(&vm, CALIBRATE_MEM, true);
	memcpy(vm.mem + KERNEL_LOAD_GPA, guest_code, sizeof guest_code);
	boot_setup(&vm, KERNBASE + KERNEL_LOAD_GPA);
	run_init(&rs, &vm);

	/* rounds rotate the order of the three loops so that none always runs first; the
	 * median of each resists the noise of a loaded or emulated host */
	double t[3][CALIBRATE_ROUNDS], ns[3];
	bare_loop(&vm, exits / 10 + 1, false); /* warm up */
	for (int round = 0; round < CALIBRATE_ROUNDS; round++)
		for (int k = 0; k < 3; k++) {
			int which = (round + k) % 3;
			t[which][round] =
			    which == 2 ? hv_loop(&rs, exits) : bare_loop(&vm, exits, which == 1);
		}
	for (int k = 0; k < 3; k++)
		ns[k] = median(t[k], CALIBRATE_ROUNDS);
	printf("hypercall calibration (%ld exits x %d rounds, medians, platform %s, mmu %s):\n"
	       "  bare KVM_RUN loop              %10.1f ns/exit\n"
	       "  bare loop + KVM register sync  %10.1f ns/exit\n"
	       "  hv hypercall path              %10.1f ns/exit\n"
	       "  ratio hv/bare                  %10.3f (target <= 1.10)\n",
	       exits, CALIBRATE_ROUNDS, plat.name, plat.mmu, ns[0], ns[1], ns[2], ns[2] / ns[0]);
	if (json_path)
		write_json(json_path, exits, ns, &plat);
	vm_destroy(&vm);
	return HV_EXIT_OK;
}
