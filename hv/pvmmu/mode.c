/* mode.c: the pvmmu mode's registration: the guest keeps page tables, every change a validated
 * hypercall. */
#include <jansson.h>
#include <string.h>
#include "mode.h"
#include "pvmmu.h"

#define DEFAULT_PV_BATCH 512
#define PV_POOL_MIN	 (4 * MIB) /* page-table frames, at least */

static struct {
	long batch, pool_mib; /* pool 0: automatic */
	int apply;	      /* enum pv_apply */
} config = {DEFAULT_PV_BATCH, 0, PV_APPLY_AUTO};
#define C(member) offsetof(typeof(config), member)

static const struct choice applies[] = {
    {"auto", PV_APPLY_AUTO}, {"vcpu", PV_APPLY_VCPU}, {"direct", PV_APPLY_DIRECT}, {0}};
static const struct hv_option options[] = {
    OPTION_NUMBER("pv-batch", C(batch), 1, PV_BATCH_MAX, "N",
		  "page-table operations per hypercall, 1..2048 (default 512)"),
    OPTION_EVEN_MIB("pv-pool-mib", C(pool_mib), 2, (long)(KERNEL_MAX_MEM / MIB), "P",
		    "page-table frames, even, MiB (default: 1/8 of --mem,\n"
		    "                   at least 4)"),
    OPTION_CHOICE("pvmmu-apply", C(apply), applies, "A",
		  "how the vCPU comes to see an update: vcpu (the vCPU\n"
		  "                   stores it again), direct (the hv's store and a TLB flush) "
		  "or\n"
		  "                   auto (default: direct under EPT/NPT, vcpu otherwise)"),
    {0},
};

static const char *applied_by; /* the apply setting that runs */

/* [pool, reserved) holds the page-table frames, [reserved, mem_size) the hv's pages. */
static void layout(uint64_t mem_size, uint64_t *pool, uint64_t *reserved)
{
	*reserved = (mem_size & ~(2 * MIB - 1)) - PV_RESERVED_MIN;
	uint64_t size = (mem_size / 8) & ~(2 * MIB - 1);
	if (config.pool_mib)
		size = (uint64_t)config.pool_mib * MIB;
	else if (size < PV_POOL_MIN)
		size = PV_POOL_MIN;
	if (size + KERNEL_LOAD_GPA + 8 * MIB > *reserved)
		usage_error("pvmmu: a %llu MiB page-table pool leaves no kernel memory: try a "
			    "larger --mem or a smaller --pv-pool-mib",
			    (unsigned long long)(size / MIB));
	*pool = *reserved - size;
}

/* The image goes below the page-table pool. */
static void plan(const struct options *o, uint64_t mem_size, uint64_t *reserved,
		 uint64_t *image_top)
{
	(void)o;
	uint64_t pool, pv_reserved;
	layout(mem_size, &pool, &pv_reserved);
	*reserved = mem_size - pv_reserved;
	*image_top = pool;
}

/* The hv's tables and store routine, and how updates reach the vCPU on this MMU. */
static void setup(const struct options *o, struct vm *vm, struct run_state *rs,
		  struct boot_info *bi, const struct host *host)
{
	(void)o;
	uint64_t pool, reserved;
	layout(vm->mem_size, &pool, &reserved);
	struct pvmmu_config c = {vm->mem_size, pool, reserved, bi->user_top, (unsigned)vm->ncpus};
	char err[200];
	struct pvmmu *pv = pvmmu_create(&c, vm->mem, err, sizeof err);
	if (!pv)
		usage_error("%s", err);
	enum pv_apply a = config.apply;
	if (a == PV_APPLY_AUTO)
		a = !strcmp(host->mmu, "ept") || !strcmp(host->mmu, "npt") ? PV_APPLY_DIRECT
									   : PV_APPLY_VCPU;
	pvmmu_guard(pv, &rs->g.mem);
	pvmmu_set_sync(pv, a == PV_APPLY_VCPU ? pv_sync_vcpu : pv_sync_direct, pv_remote_flush, rs);
	bi->pv_pool_gpa = pool;
	bi->pv_pool_size = reserved - pool;
	bi->pv_batch = (uint32_t)config.batch;
	pvmmu_attach(&rs->g, pv);
	applied_by = pv_apply_name(a);
}

_Static_assert(sizeof(struct pvmmu_counts) <= MODE_COUNTS_MAX, "a mark holds the counts");
static void counts(const void *state, void *out)
{
	pvmmu_counts_get(state, out);
}

static void print(const struct mode_view *v, enum mode_report_at at, FILE *out)
{
	if (at == REPORT_HEAD)
		fprintf(out, "  pvmmu: %ld ops per batch at most, updates applied by %s\n",
			config.batch, applied_by);
	if (at == REPORT_PER_OP)
		pvmmu_print_per_op(v->before, v->after, v->n, out);
}

static const char *const record_keys[] = {"pv_apply", "pv_batch", NULL};

static void record(const struct mode_view *v, json_t *run)
{
	json_object_set_new(run, "pv_apply", json_string(applied_by));
	json_object_set_new(run, "pv_batch", json_integer(config.batch));
	if (v->n)
		json_object_set_new(run, "pvmmu_per_op", pvmmu_json(v->before, v->after, v->n));
	struct pvmmu_counts total;
	pvmmu_counts_get(v->state, &total);
	json_object_set_new(run, "pvmmu_total", pvmmu_json(NULL, &total, 1));
}

HV_MODE(pvmmu_mode) = {
    .name = "pvmmu",
    .desc = "guest page tables changed by validated hypercalls",
    .id = MODE_PVMMU,
    .options = options,
    .config = &config,
    .calls = &pvmmu_calls,
    .plan = plan,
    .setup = setup,
    .counts = counts,
    .print = print,
    .record_keys = record_keys,
    .record = record,
};
