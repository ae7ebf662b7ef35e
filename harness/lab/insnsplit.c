/* insnsplit.c: a QEMU TCG plugin splitting the lab VM's instructions by code address (bench
 * --split). */
/*
 * QEMU runs it (harness/lab/run.sh, LAB_QEMU_PLUGIN) with arguments that harness/lab/split.sh
 * prints: the code ranges of the pagelab guest kernel and of its programs, of the hv, and the
 * addresses of the hv's marker functions (hv/labmark.c). Every translation block is counted,
 * with an inline add of its instruction count, into the category its first address falls in:
 *
 *   guest_kernel  [guest_kernel range): the pagelab guest kernel (L2 ring 0)
 *   guest_user    [guest_user range): the guest's programs, all linked at 0x400000 (L2 ring 3)
 *   hv            [hv range): the static hv, linked away from 0x400000 for the lab (L1 ring 3)
 *   host_kernel   any other address of the upper half: the lab's Linux, KVM and its modules
 *   other         any other address of the lower half: the rest of L1 user space (the bench,
 *                 busybox, the vDSO)
 *
 * It rests on addresses alone (a plugin of this API sees neither the CPL nor guest mode): the
 * lab's Linux runs with nokaslr at 0xffffffff81000000 and its modules above
 * 0xffffffffa0000000, clear of the guest kernel's range at 0xffffffff80100000; user space of
 * either level that runs code in another's range is counted there (busybox, linked at
 * 0x400000 like the guest's programs, waits in the bench's shell while a cell runs). A block
 * left early (a fault, an intercepted instruction) counts whole.
 *
 * When a block starting at mark_run executes (the hv started, with --lab-marks) the run count
 * goes up; at mark_begin (the guest's measured repetitions begin) the counters are noted; at
 * mark_end one line goes to the file out=FILE:
 *   interval run=N total=T guest_kernel=A guest_user=B host_kernel=C hv=D other=E
 * with the instructions in between (A + B + C + D + E = T; the counters are not atomic, so
 * with a TCG thread per vCPU and several vCPUs some adds may be lost).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The QEMU plugin API, version 1 (QEMU 7.2's include/qemu/qemu-plugin.h): what is used here. */
#define EXPORT __attribute__((visibility("default")))
typedef uint64_t qemu_plugin_id_t;
typedef struct {
	const char *target_name;
	struct {
		int min, cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus, max_vcpus;
		} system;
	};
} qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

EXPORT int qemu_plugin_version = 1;

enum category { GUEST_KERNEL, GUEST_USER, HV, HOST_KERNEL, OTHER, NCATEGORIES };
static const char *const names[NCATEGORIES] = {"guest_kernel", "guest_user", "hv", "host_kernel",
					       "other"};
#define UPPER_HALF 0xffff800000000000ull

struct range {
	uint64_t lo, hi; /* [lo, hi) */
};
static struct range ranges[HOST_KERNEL]; /* guest_kernel, guest_user, hv */
enum mark { MARK_RUN, MARK_BEGIN, MARK_END, NMARKS };
static const char *const mark_names[NMARKS] = {"mark_run", "mark_begin", "mark_end"};
static uint64_t marks[NMARKS];

static uint64_t counts[NCATEGORIES], total;
static uint64_t at_begin[NCATEGORIES], total_at_begin;
static long run; /* hv runs with --lab-marks so far */
static FILE *out;

static enum category classify(uint64_t va)
{
	for (int c = 0; c < HOST_KERNEL; c++)
		if (va >= ranges[c].lo && va < ranges[c].hi)
			return c;
	return va >= UPPER_HALF ? HOST_KERNEL : OTHER;
}

static void on_mark(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	switch ((enum mark)(uintptr_t)udata) {
	case MARK_RUN:
		run++;
		break;
	case MARK_BEGIN:
		memcpy(at_begin, counts, sizeof counts);
		total_at_begin = total;
		break;
	default:
		fprintf(out, "interval run=%ld total=%" PRIu64, run, total - total_at_begin);
		for (int c = 0; c < NCATEGORIES; c++)
			fprintf(out, " %s=%" PRIu64, names[c], counts[c] - at_begin[c]);
		fprintf(out, "\n");
		fflush(out);
	}
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	uint64_t va = qemu_plugin_tb_vaddr(tb), n = qemu_plugin_tb_n_insns(tb);
	for (int m = 0; m < NMARKS; m++)
		if (va == marks[m])
			qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS,
							     (void *)(uintptr_t)m);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &counts[classify(va)], n);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total, n);
}

static void on_quit(qemu_plugin_id_t id, void *udata)
{
	(void)id, (void)udata;
	fclose(out);
}

/* "0xLO-0xHI" into r; true when it parses and lo < hi. */
static bool parse_range(const char *s, struct range *r)
{
	char *end;
	r->lo = strtoull(s, &end, 16);
	if (*end != '-')
		return false;
	r->hi = strtoull(end + 1, &end, 16);
	return !*end && r->lo < r->hi;
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	const char *path = NULL;
	(void)info;
	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		size_t klen = eq ? (size_t)(eq - argv[i]) : 0;
		bool known = eq && klen == 3 && !strncmp(argv[i], "out", 3) && (path = eq + 1);
		for (int c = 0; eq && c < HOST_KERNEL; c++)
			if (strlen(names[c]) == klen && !strncmp(argv[i], names[c], klen))
				known = parse_range(eq + 1, &ranges[c]);
		for (int m = 0; eq && m < NMARKS; m++)
			if (strlen(mark_names[m]) == klen && !strncmp(argv[i], mark_names[m], klen))
				known = (marks[m] = strtoull(eq + 1, NULL, 16)) != 0;
		if (!known) {
			fprintf(stderr, "insnsplit: bad argument '%s'\n", argv[i]);
			return -1;
		}
	}
	for (int c = 0; c < HOST_KERNEL; c++)
		if (!ranges[c].hi) {
			fprintf(stderr, "insnsplit: needs %s=LO-HI\n", names[c]);
			return -1;
		}
	for (int m = 0; m < NMARKS; m++)
		if (!marks[m]) {
			fprintf(stderr, "insnsplit: needs %s=ADDRESS\n", mark_names[m]);
			return -1;
		}
	if (!path || !(out = fopen(path, "w"))) {
		fprintf(stderr, "insnsplit: needs out=FILE, writable\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_quit, NULL);
	return 0;
}
