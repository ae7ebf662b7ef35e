/* options.h: the hv's command line (options.c) as main.c and the modes see it. */
#ifndef HV_OPTIONS_H
#define HV_OPTIONS_H

#include <stddef.h>
#include "hv.h"
#include "workload.h"

#define DEFAULT_MEM_MIB		256
#define DEFAULT_BUDGET_S	0.2 /* seconds per measured repetition, as the bench's default */
#define DEFAULT_CALIBRATE_EXITS 10000
#define DEFAULT_WINDOW_MIB	1024
#define DEFAULT_KERNEL		"guest/kernel.elf" /* beside the hv binary: build/guest/kernel.elf */

struct hv_mode;
struct options {
	struct run_config run;
	const struct hv_mode *mode; /* --mode */
	const char *mode_name;
	const char *kernel; /* NULL: DEFAULT_KERNEL beside the hv binary */
	long timeout, mem_mib;
	double budget_s; /* --budget; 0: not given */
	long window_mib;
	int syscall_entry; /* 0 (auto: trap on PVM, else syscall) or enum syscall_entry */
	long cpus;
	int shootdown; /* enum shootdown */
	int frames;    /* enum frame_order */
	bool list, list_modes, describe, calibrate, help;
	char *kv[WL_MAX_PARAMS * 2];
	int nkv;
	uint64_t
	    given; /* bit i: option i (the hv's own, then each mode's) was on the command line */
};

/* An option as data (kvmtool's OPT_* tables): the hv declares its own in options.c, each mode
 * its own in its struct hv_mode (refused in other modes). */
enum opt_kind {
	OPT_FLAG,    /* no value: sets a bool */
	OPT_NUMBER,  /* a decimal long in [min, max] (even when even is set) */
	OPT_CHOICE,  /* one of choices: sets an int */
	OPT_TEXT,    /* any text: sets a const char * */
	OPT_SECONDS, /* decimal seconds in [0.001, max]: sets a double */
	OPT_PARAM,   /* a workload parameter k=v, checked against the workload's table later */
};
struct choice {
	const char *name;
	int value;
};
extern const struct choice choice_off_on[]; /* "off" 0, "on" 1: the modes' switches (mode.c) */
/* The runs an option applies to (a mode's own options: guest runs of that mode only). */
#define RUN_GUEST     (1u << 0)
#define RUN_CALIBRATE (1u << 1)
#define RUN_LIST      (1u << 2)
#define RUN_ANY	      (RUN_GUEST | RUN_CALIBRATE | RUN_LIST)
struct hv_option {
	const char *name;
	enum opt_kind kind;
	size_t field; /* offset in struct options, or in its mode's config */
	unsigned runs;
	long min, max;
	bool even; /* MiB in 2 MiB pages */
	const struct choice *choices;
	const char *arg, *help; /* a mode's own: "N", "its help (default ...)" for --help */
};
/* Table entries: name, the field it sets (an offsetof), the runs it applies to, its range or
 * choices; a mode's end with its --help words. */
#define OPTION_FLAG(name, field, runs)                                                             \
	{                                                                                          \
		name, OPT_FLAG, field, runs, 0, 0, false, NULL, 0, 0                               \
	}
#define OPTION_TEXT(name, field, runs)                                                             \
	{                                                                                          \
		name, OPT_TEXT, field, runs, 0, 0, false, NULL, 0, 0                               \
	}
#define OPTION_NUMBER(name, field, lo, hi, ...)                                                    \
	{                                                                                          \
		name, OPT_NUMBER, field, RUN_GUEST, lo, hi, false, NULL, __VA_ARGS__               \
	}
#define OPTION_EVEN_MIB(name, field, lo, hi, ...)                                                  \
	{                                                                                          \
		name, OPT_NUMBER, field, RUN_GUEST, lo, hi, true, NULL, __VA_ARGS__                \
	}
#define OPTION_CHOICE(name, field, c, ...)                                                         \
	{                                                                                          \
		name, OPT_CHOICE, field, RUN_GUEST, 0, 0, false, c, __VA_ARGS__                    \
	}

/* Parses argv into o (defaults first; each mode's own options into its config) and checks
 * every value's syntax and range, and that every option given applies to the run (--mode's,
 * --calibrate or a listing); exits RC_USAGE with the reason otherwise, RC_OK after
 * --help. */
void parse_args(int argc, char **argv, struct options *o);
bool option_given(const struct options *o, const char *name); /* on the command line */
/* The value of a choice option's name (another source of it: an environment variable). */
int option_choice(const char *what, const struct choice *c, const char *arg);
/* --describe: the modes and every option of a guest run (its default: its value in o and the
 * modes' configs, where --describe leaves them) as JSON, for the bench and the tests. */
void options_describe(const struct options *o, FILE *out);
/* --list-modes: one line per mode, its name first. */
void options_list_modes(FILE *out);

#endif
