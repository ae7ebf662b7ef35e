/* record.h: what the hv and the harness share: exit codes, file output, latency, the schema. */
#ifndef PAGELAB_RECORD_H
#define PAGELAB_RECORD_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

/* How a platform distorts times, in a record's time_note: on a PVM host guest ring 0 runs
 * emulated, one instruction at a time; in the lab (QEMU) every guest instruction does, and
 * its clock (a record's "clock") counts either the instructions executed (QEMU's icount:
 * 1 virtual ns per instruction, the same from run to run) or the emulator's wall time, which
 * moves with the host's load and never supports a conclusion. */
#define TIME_NOTE_PVM	    "PVM: guest ring 0 emulated"
#define TIME_NOTE_LAB_INSNS "instruction clock: 1 ns = 1 instruction"
#define TIME_NOTE_LAB_TCG   "emulator time: TCG wall clock"
#define TIME_NOTE_LAB_KVM   "nested KVM time"
#define CLOCK_REAL	    "real"	   /* the TSC or the host's clock: real time */
#define CLOCK_INSTRUCTIONS  "instructions" /* the lab under QEMU's icount */
#define CLOCK_TCG	    "tcg"	   /* the lab's TCG wall time */
#define CLOCK_KVM	    "kvm"	   /* the lab under nested KVM */

/* hits.c: the total of a tracefs histogram file (a hist trigger's "Hits: N"), as the bench's
 * --trace probes and the hv's --count-hits read it; HITS_NONE when the file has none. */
#define HITS_NONE UINT64_MAX
uint64_t hist_hits(const char *path);

/* clock.c: the clocks the lab can run on (harness/lab/run.sh --clock), NULL-terminated; the
 * clock inside the lab (PAGELAB_LAB_CLOCK); a clock's time note (NULL for real time) and the
 * unit its "ns" count ("instructions" on the instruction clock). */
extern const char *const lab_clocks[];
const char *clock_lab(void);
const char *clock_time_note(const char *clock);
const char *clock_time_unit(const char *clock);

/* The exit status of every tool (harness/README.md has the table). */
enum tool_status {
	RC_OK = 0,
	RC_GUEST = 1,	    /* the workload failed, crashed or timed out */
	RC_USAGE = 2,	    /* bad input, refused before anything started */
	RC_HOST = 3,	    /* the host failed (KVM, memory, a program that would not start) */
	RC_IO = 4,	    /* an input unreadable, an output unwritable */
	RC_CELLS = 5,	    /* some bench cells failed */
	RC_INTERRUPTED = 6, /* SIGINT or SIGTERM */
};

/* output.c: every file the tools write. A target must be a regular file (or a symlink to one:
 * the link stays) or absent, in a folder where a file can be created. It is written to a file of
 * unpredictable name beside it (mkstemp), fsynced, and renamed over it only when whole; a
 * failure leaves the target as it was and no temporary file. */
struct output {
	FILE *f; /* written between output_open and output_commit */
	char path[PATH_MAX], target[PATH_MAX], tmp[PATH_MAX + 16];
	struct stat st;
	bool exists;
};
/* Checks path before any work: RC_OK, or with the reason in err RC_USAGE (a directory, device,
 * FIFO, socket or symlink to one) or RC_IO (no usable folder). */
int output_check(const char *path, char *err, size_t errlen);
/* Opens the temporary file for path: RC_OK, or as output_check. */
int output_open(const char *path, struct output *o, char *err, size_t errlen);
/* Renames the written file over the target, checked again first: RC_OK or RC_IO. */
int output_commit(struct output *o, char *err, size_t errlen);
void output_abort(struct output *o); /* drops the temporary file */
/* The whole document, indented with sorted keys: RC_OK or RC_IO. */
int output_write_json(const char *path, json_t *doc, char *err, size_t errlen);

/* The results document a bench run writes (results.json): its schema name and version. */
#define RESULTS_SCHEMA "pagelab-results/2"

/* latency.c: per-operation latency in ns from the TSC cycles of each measured repetition:
 * {"min", "p10", "p50", "p90", "p99", "max", "mean"} (percentiles interpolated between
 * neighbours), or NULL without samples, iterations or a TSC frequency. */
json_t *latency_ns(double tsc_khz, double iters, json_t *cycles);

/*
 * schema.c: a JSON Schema (draft 2020-12 subset) validator. The subset: type, properties, required,
 * additionalProperties, items, enum, minimum, $ref (to "#" or a JSON pointer "#/..." inside the
 * same document) and $defs; the annotations $schema, $id, title, description and $comment are
 * accepted and ignored. A schema that uses any other keyword is refused when loaded, so that
 * nothing in it goes unchecked.
 */

/* Loads and checks a schema file; NULL with the reason in err. */
json_t *schema_load(const char *path, char *err, size_t len);
/* Checks that schema uses the subset only; 0, or -1 with the offending place in err. */
int schema_check(json_t *schema, char *err, size_t len);
/* 0 when instance is valid against schema (the root document, where $refs resolve), else -1
 * with the JSON pointer of the first violation and what it violates in err. */
int schema_validate(json_t *schema, json_t *instance, char *err, size_t len);

/* resultsdoc.c: loads DIR/results.json for a reader and checks what every reader relies on:
 * the schema name and version, the "complete" flag (an interrupted run has false; refused
 * unless allow_incomplete), and in each run the identity fields and, for a run that is ok, its
 * median latency. The document, or NULL with the reason in err and the exit status in *rc
 * (RC_IO: unreadable, RC_USAGE: not a complete results document of this version). */
json_t *results_load(const char *dir, int allow_incomplete, char *err, size_t len, int *rc);

#endif
