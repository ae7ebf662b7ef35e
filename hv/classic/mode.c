/* mode.c: the classic mode's registration: the guest kernel owns 4-level page tables. */
#include <jansson.h>
#include "classic.h"
#include "mode.h"

static struct {
	int free_report; /* 0 or 1 */
} config;

static const struct hv_option options[] = {
    OPTION_CHOICE("free-report", offsetof(typeof(config), free_report), choice_off_on, "R",
		  "on (the guest reports free 2 MiB blocks, the hv gives\n"
		  "                   them back to the host) or off (default off)"),
    {0},
};

static struct free_report report;

/* Above the allocator's own tables (4 bytes per page and a few per block: boot memory it never
 * frees), the guest's memory is cut into blocks it reports when they are wholly free, as Linux
 * reports any free block of a pageblock or more. */
static void setup(const struct options *o, struct vm *vm, struct run_state *rs,
		  struct boot_info *bi, const struct host *host)
{
	(void)o, (void)vm, (void)host;
	rs->g.mode_state = &report;
	if (!config.free_report)
		return;
	uint64_t tables = bi->mem_size / PAGE_SIZE * 4 + bi->mem_size / REPORT_CHUNK * 64;
	uint64_t base = (bi->kernel_end + tables + MIB + REPORT_CHUNK - 1) & ~(REPORT_CHUNK - 1);
	if (base >= rs->g.mem.size)
		usage_error("--free-report on needs --mem above %llu MiB",
			    (unsigned long long)(base / MIB));
	report = (struct free_report){REPORT_CHUNK, base, rs->g.mem.size};
	bi->kmem_boot_end = base;
	bi->free_report_chunk = REPORT_CHUNK;
}

static const char *setting(const struct mode_view *v)
{
	const struct free_report *fr = v->state;
	return fr->chunk ? "on" : "off";
}

static void print(const struct mode_view *v, enum mode_report_at at, FILE *out)
{
	if (at == REPORT_SETTINGS)
		fprintf(out, ", free report %s", setting(v));
}

static const char *const record_keys[] = {"free_report", NULL};

static void record(const struct mode_view *v, json_t *run)
{
	json_object_set_new(run, "free_report", json_string(setting(v)));
}

HV_MODE(classic_mode) = {
    .name = "classic",
    .desc = "the guest kernel owns its page tables",
    .id = MODE_CLASSIC,
    .is_default = true,
    .options = options,
    .config = &config,
    .calls = &classic_calls,
    .setup = setup,
    .print = print,
    .record_keys = record_keys,
    .record = record,
};
