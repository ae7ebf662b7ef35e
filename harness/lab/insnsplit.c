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
 * A string instruction with a REP, REPE or REPNE prefix (movs, stos, lods, cmps, scas, ins,
 * outs) runs one iteration per execution under QEMU 7.2's TCG: it ends the block after it and
 * jumps back to it while the count is not zero (later QEMUs may loop inside the block), so it
 * counts once per iteration (once, doing nothing, for a count of zero), where hardware clears a
 * page in tens of cycles. Those executions are counted apart too, by the block's part, with an
 * inline add on the instruction itself, and so are the bytes they cover: the element size (1
 * for the byte forms; else 2 with a 66 prefix, 8 with REX.W except ins and outs, 4 otherwise)
 * per execution.
 *
 * When a block starting at mark_run executes (the hv started, with --lab-marks) the run count
 * goes up; at mark_begin (the guest's measured repetitions begin) the counters are noted; at
 * mark_end one line goes to the file out=FILE:
 *   interval run=N total=T guest_kernel=A guest_user=B host_kernel=C hv=D other=E
 *     rep_iterations.guest_kernel=RA ... rep_iterations.other=RE rep_iterations.total=RT
 *     rep_bytes.guest_kernel=BA ... rep_bytes.other=BE rep_bytes.total=BT
 * (one line) with the counts in between: A + B + C + D + E = T, the rep string executions of
 * each part (RA <= A, ..., and their sum RT) and the bytes they cover. The counters are not
 * atomic, so with a TCG thread per vCPU and several vCPUs some adds may be lost.
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
struct qemu_plugin_insn;
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
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn,
						enum qemu_plugin_op op, void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
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

/* Everything counted since QEMU started; the interval is the difference of two snapshots. */
struct counters {
	uint64_t insns[NCATEGORIES], total;
	uint64_t rep_iterations[NCATEGORIES], rep_bytes[NCATEGORIES];
};
static struct counters now, at_begin;
static long run; /* hv runs with --lab-marks so far */
static FILE *out;

static enum category classify(uint64_t va)
{
	for (int c = 0; c < HOST_KERNEL; c++)
		if (va >= ranges[c].lo && va < ranges[c].hi)
			return c;
	return va >= UPPER_HALF ? HOST_KERNEL : OTHER;
}

/* " PREFIXpart=N" for each part, then " PREFIXtotal=N" after them: the counts since begin. */
static void print_parts(const uint64_t *counts, const uint64_t *begin, const char *prefix)
{
	uint64_t sum = 0;
	for (int c = 0; c < NCATEGORIES; c++) {
		fprintf(out, " %s%s=%" PRIu64, prefix, names[c], counts[c] - begin[c]);
		sum += counts[c] - begin[c];
	}
	if (prefix[0])
		fprintf(out, " %stotal=%" PRIu64, prefix, sum);
}

static void on_mark(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	switch ((enum mark)(uintptr_t)udata) {
	case MARK_RUN:
		run++;
		break;
	case MARK_BEGIN:
		at_begin = now;
		break;
	default:
		fprintf(out, "interval run=%ld total=%" PRIu64, run, now.total - at_begin.total);
		print_parts(now.insns, at_begin.insns, "");
		print_parts(now.rep_iterations, at_begin.rep_iterations, "rep_iterations.");
		print_parts(now.rep_bytes, at_begin.rep_bytes, "rep_bytes.");
		fprintf(out, "\n");
		fflush(out);
	}
}

/* The element size in bytes of a string instruction with a REP, REPE or REPNE prefix (its
 * bytes, 64-bit code), 0 for any other instruction. */
static unsigned rep_string_size(const uint8_t *insn, size_t len)
{
	static const uint8_t legacy[] = {0xf2, 0xf3, 0x66, 0x67, 0x2e,
					 0x36, 0x3e, 0x26, 0x64, 0x65};
	static const uint8_t strings[] = {0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac,
					  0xad, 0xae, 0xaf, 0x6c, 0x6d, 0x6e, 0x6f};
	bool rep = false, operand16 = false, rex_w = false;
	size_t i = 0;
	for (; i < len; i++) {
		if ((insn[i] & 0xf0) == 0x40) { /* REX: it counts only right before the opcode */
			rex_w = insn[i] & 0x08;
			continue;
		}
		if (!memchr(legacy, insn[i], sizeof legacy))
			break;
		rep |= insn[i] == 0xf2 || insn[i] == 0xf3;
		operand16 |= insn[i] == 0x66;
		rex_w = false;
	}
	if (!rep || i == len || !memchr(strings, insn[i], sizeof strings))
		return 0;
	if (!(insn[i] & 1)) /* movsb, cmpsb, stosb, lodsb, scasb, insb, outsb */
		return 1;
	if (rex_w && insn[i] >= 0xa4) /* ins and outs have no 64-bit form */
		return 8;
	return operand16 ? 2 : 4;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	uint64_t va = qemu_plugin_tb_vaddr(tb), n = qemu_plugin_tb_n_insns(tb);
	enum category c = classify(va);
	for (int m = 0; m < NMARKS; m++)
		if (va == marks[m])
			qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS,
							     (void *)(uintptr_t)m);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &now.insns[c], n);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &now.total, n);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		unsigned size =
		    rep_string_size(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn));
		if (!size)
			continue;
		qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
							   &now.rep_iterations[c], 1);
		qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
							   &now.rep_bytes[c], size);
	}
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
