/* mode.c: the ptefree mode's registration: the guest keeps VMAs only; the hv does all paging. */
#include <jansson.h>
#include <string.h>
#include "counters.h"
#include "mode.h"
#include "ptefree.h"

#define DEFAULT_WINDOWS 16
#define KMEM_CHUNK	MIB
#define KMEM_BOOT_MIN	(8 * MIB) /* kernel memory the guest owns from boot, at least */

static struct {
	long windows, kmem_boot_mib; /* kmem_boot_mib 0: automatic */
	int fork_policy, populate;   /* enum fork_policy, enum populate_policy */
	int count_resident;	     /* 0 off, 1 on */
} config = {DEFAULT_WINDOWS, 0, FORK_LAZY, POPULATE_WRITE, 0};
#define C(member) offsetof(typeof(config), member)

static const struct choice fork_policies[] = {{"copy", FORK_COPY}, {"lazy", FORK_LAZY}, {0}};
static const struct choice populates[] = {{"none", POPULATE_NONE}, {"write", POPULATE_WRITE}, {0}};
static const struct hv_option options[] = {
    OPTION_NUMBER("windows", C(windows), 1, 4096, "N",
		  "address-space windows = live processes (default 16)"),
    OPTION_CHOICE("fork-policy", C(fork_policy), fork_policies, "P",
		  "copy (resident pages at fork) or lazy (default, COW)"),
    OPTION_CHOICE("populate", C(populate), populates, "P",
		  "none (pages backed at first touch) or write (map backs\n"
		  "                   writable pages at once; default write)"),
    OPTION_CHOICE("count-resident", C(count_resident), choice_off_on, "C",
		  "on: count the resident pages range hypercalls and\n"
		  "                   destroy change (mincore), the host mappings they\n"
		  "                   meet (maps) and the huge pages a lazy fork leaves\n"
		  "                   pending (smaps): host instructions of their own;\n"
		  "                   default off"),
    OPTION_NUMBER("kmem-boot-mib", C(kmem_boot_mib), 1, (long)(KERNEL_MAX_MEM / MIB), "K",
		  "kernel memory the guest owns from boot above its\n"
		  "                   image, 1..1024 MiB; the rest comes and goes in 1024 KiB "
		  "chunks\n"
		  "                   (default: 1/16 of --mem, at least 8 MiB)"),
    {0},
};

static struct ptefree_config paging_config(const struct options *o)
{
	return (struct ptefree_config){.nwindows = (uint64_t)config.windows,
				       .window_size = (uint64_t)o->window_mib * MIB,
				       .policy = (enum fork_policy)config.fork_policy,
				       .kmem_chunk = KMEM_CHUNK,
				       .populate = (enum populate_policy)config.populate,
				       .count_resident = config.count_resident};
}

/* The window tables go to the top of kernel memory. */
static void plan(const struct options *o, uint64_t mem_size, uint64_t *reserved,
		 uint64_t *image_top)
{
	struct ptefree_config c = paging_config(o);
	if (c.nwindows > PTEFREE_MAX_TOTAL / c.window_size)
		usage_error(
		    "ptefree: --windows %ld of --window-mib %ld exceed the %llu GiB of window "
		    "space",
		    config.windows, o->window_mib, PTEFREE_MAX_TOTAL >> 30);
	*reserved = ptefree_tables_size(&c);
	if (*reserved + KERNEL_LOAD_GPA >= mem_size)
		usage_error("ptefree: the window tables need %llu KiB: try a larger --mem",
			    (unsigned long long)(*reserved >> 10));
	*image_top = mem_size - *reserved;
}

/* The kernel keeps a boot share, the rest comes and goes in chunks; the windows get memslot 1. */
static void setup(const struct options *o, struct vm *vm, struct run_state *rs,
		  struct boot_info *bi, const struct host *host)
{
	(void)host;
	uint64_t boot_share = vm->mem_size / 16 > KMEM_BOOT_MIN ? vm->mem_size / 16 : KMEM_BOOT_MIN;
	if (config.kmem_boot_mib)
		boot_share = (uint64_t)config.kmem_boot_mib * MIB;
	uint64_t kmem_base = (bi->kernel_end + boot_share + KMEM_CHUNK - 1) & ~(KMEM_CHUNK - 1);
	char err[200];
	struct gmem all = {.host = vm->mem, .size = vm->mem_size};
	struct ptefree_config c = paging_config(o);
	struct ptefree *pf = ptefree_create(&c, &all, kmem_base, bi->hv_reserved_gpa,
					    bi->hv_reserved_gpa, err, sizeof err);
	if (!pf || kmem_base >= bi->hv_reserved_gpa)
		usage_error("ptefree: %s (try a larger --mem or fewer --windows)",
			    pf ? "no kernel memory left for chunks" : err);
	uint64_t gpa, size;
	void *windows;
	ptefree_windows(pf, &gpa, &windows, &size);
	vm_add_memslot(vm, 1, gpa, windows, size);
	bi->kmem_chunk = KMEM_CHUNK;
	bi->kmem_boot_end = kmem_base;
	ptefree_guard(pf, &rs->g.mem);
	ptefree_attach(&rs->g, pf);
}

_Static_assert(sizeof(struct ptefree_counts) <= MODE_COUNTS_MAX, "a mark holds the counts");
static void counts(const void *state, void *out)
{
	ptefree_counts_get((struct ptefree *)state, out);
}

/* The hv's own paging counters, by name. */
static const struct counter_field fields[] = {
    COUNTER(struct ptefree_counts, forks),
    COUNTER(struct ptefree_counts, fork_pages_copied),
    COUNTER(struct ptefree_counts, lazy_pages_copied),
    COUNTER(struct ptefree_counts, lazy_zero_pages),
    COUNTER(struct ptefree_counts, lazy_wp_faults),
    COUNTER(struct ptefree_counts, lazy_missing_faults),
    COUNTER(struct ptefree_counts, fork_pages_pending),
    COUNTER(struct ptefree_counts, range_pages),
    COUNTER(struct ptefree_counts, populated_pages),
    COUNTER(struct ptefree_counts, uffd_populated_pages),
    COUNTER(struct ptefree_counts, unmapped_resident_pages),
    COUNTER(struct ptefree_counts, protected_resident_pages),
    COUNTER(struct ptefree_counts, fork_pages_pending_huge),
    COUNTER(struct ptefree_counts, host_mappings),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static void print(const struct mode_view *v, enum mode_report_at at, FILE *out)
{
	struct ptefree *pf = (struct ptefree *)v->state;
	struct ptefree_refusal ref[PTEFREE_MAX_REFUSALS];
	struct ptefree_kmem k;
	int n;
	switch (at) {
	case REPORT_SETTINGS:
		fprintf(out, ", fork policy %s, populate %s", ptefree_policy_name(pf),
			ptefree_populate_name(pf));
		break;
	case REPORT_HEAD:
		break;
	case REPORT_PER_OP:
		fprintf(out, "\n  hv paging per op:");
		counters_print_per_op(out, fields, NFIELDS, v->before, v->after, v->n);
		break;
	case REPORT_MEMORY:
		ptefree_kmem_get(pf, &k);
		fprintf(out,
			"  kernel memory chunks of %llu KiB above %llu KiB: %llu held at the end, "
			"peak %llu of %llu\n",
			(unsigned long long)(k.chunk_size >> 10),
			(unsigned long long)(k.boot_end >> 10), (unsigned long long)k.held,
			(unsigned long long)k.held_peak, (unsigned long long)k.chunks);
		break;
	case REPORT_ERRORS:
		n = ptefree_refusals_get(pf, ref);
		for (int i = 0; i < n; i++)
			fprintf(out, "%s %s: %s x %llu",
				i ? ";" : "  host calls refused for the guest:", ref[i].call,
				strerror(ref[i].err), (unsigned long long)ref[i].count);
		if (n)
			fprintf(out, "\n");
		break;
	}
}

static const char *const record_keys[] = {"fork_policy", "populate", "hv_paging_per_op", NULL};

static void record(const struct mode_view *v, json_t *run)
{
	struct ptefree *pf = (struct ptefree *)v->state;
	json_object_set_new(run, "fork_policy", json_string(ptefree_policy_name(pf)));
	json_object_set_new(run, "populate", json_string(ptefree_populate_name(pf)));
	if (v->n) {
		json_t *per_op = json_object();
		counters_json_per_op(per_op, fields, NFIELDS, v->before, v->after, v->n);
		json_object_set_new(run, "hv_paging_per_op", per_op);
	}
	struct ptefree_counts c;
	ptefree_counts_get(pf, &c);
	json_t *total = json_object();
	for (size_t i = 0; i < NFIELDS; i++)
		json_object_set_new(total, fields[i].name,
				    json_integer((json_int_t)counter_value(&c, &fields[i])));
	json_object_set_new(run, "hv_paging_total", total);
	struct ptefree_refusal ref[PTEFREE_MAX_REFUSALS];
	int n = ptefree_refusals_get(pf, ref);
	json_t *refusals = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(refusals, json_pack("{ss ss sI}", "call", ref[i].call,
							  "error", strerror(ref[i].err), "count",
							  (json_int_t)ref[i].count));
	json_object_set_new(run, "host_refusals", refusals);
	struct ptefree_kmem k;
	ptefree_kmem_get(pf, &k);
	json_object_set_new(run, "kmem_chunks",
			    json_pack("{sI sI sI sI sI}", "chunk_kib",
				      (json_int_t)(k.chunk_size >> 10), "boot_end_kib",
				      (json_int_t)(k.boot_end >> 10), "available",
				      (json_int_t)k.chunks, "held_end", (json_int_t)k.held,
				      "held_peak", (json_int_t)k.held_peak));
}

HV_MODE(ptefree_mode) = {
    .name = "ptefree",
    .desc = "the hv does all paging; the guest keeps VMAs only",
    .id = MODE_PTEFREE,
    .options = options,
    .config = &config,
    .calls = &ptefree_calls,
    .plan = plan,
    .setup = setup,
    .on_fault = ptefree_fault,
    .counts = counts,
    .print = print,
    .record_keys = record_keys,
    .record = record,
};
