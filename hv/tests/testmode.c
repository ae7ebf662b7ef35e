/* testmode.c: a fourth mode for the tests, registered by this file alone: classic's guest
 * backend under another name, with an option, counters, a summary line and record fields of its
 * own, linked into build/hv-testmode (never into build/hv). */
#include <jansson.h>
#include "mode.h"

static struct {
	long note; /* a number the mode reports back */
} config = {7};

static const struct hv_option options[] = {
    OPTION_NUMBER("testmode-note", offsetof(typeof(config), note), 1, 99, "N",
		  "a number the mode reports back (default 7)"),
    {0},
};

static uint64_t setups; /* the mode's one counter: its setup ran */

static void setup(const struct options *o, struct vm *vm, struct run_state *rs,
		  struct boot_info *bi, const struct host *host)
{
	(void)o, (void)vm, (void)bi, (void)host;
	rs->g.mode_state = &setups;
	setups++;
}

static void counts(const void *state, void *out)
{
	*(uint64_t *)out = *(const uint64_t *)state;
}

static void print(const struct mode_view *v, enum mode_report_at at, FILE *out)
{
	if (at == REPORT_HEAD)
		fprintf(out, "  testmode: note %ld, setups %llu\n", config.note,
			(unsigned long long)*(const uint64_t *)v->state);
}

static const char *const record_keys[] = {"testmode_note", NULL};

static void record(const struct mode_view *v, json_t *run)
{
	json_object_set_new(run, "testmode_note", json_integer(config.note));
	json_object_set_new(run, "testmode_setups",
			    json_integer((json_int_t) * (const uint64_t *)v->state));
}

HV_MODE(testmode_mode) = {
    .name = "testmode",
    .desc = "a test: classic's guest backend, registered by one file of the hv's tests",
    .id = MODE_CLASSIC,
    .options = options,
    .config = &config,
    .setup = setup,
    .counts = counts,
    .print = print,
    .record_keys = record_keys,
    .record = record,
};
