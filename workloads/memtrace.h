/* memtrace.h: the memory-trace format (version 1) that harness/trace writes and replay reads. */
#ifndef PAGELAB_MEMTRACE_H
#define PAGELAB_MEMTRACE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A trace is a text header, then a binary body. The header is "key value" lines:
 *   pagelab-trace 1            (magic and version: always the first line)
 *   name, command, program     (what was recorded, how, and its version: for people)
 *   minflt N                   (the recorded tree's minor faults, getrusage of its root)
 *   processes N                (streams in the body, 1..MT_MAX_PROCS)
 *   body N                     (always the last line: the body's length in bytes)
 * The body holds one stream per process, each its length (a varint) then its ops. Process 0
 * is the root; a process's children have higher numbers. Every number is an unsigned LEB128
 * varint; addresses and lengths are in pages, relative to the base of the process's current
 * address-space image (the recorder packed each image's mappings into [0, span) keeping their
 * sizes and order). An op is one byte followed by its operands:
 *   IMAGE span      the root's first op: a fresh image of span pages (no execve)
 *   EXEC span       execve: a fresh image of span pages
 *   MAP off len prot kind   a mapping, replayed anonymous and private; kind (enum mt_kind)
 *                           says what the program had
 *   UNMAP off len  PROTECT off len prot  DISCARD off len (madvise DONTNEED)
 *   REMAP off len newoff newlen   (mremap)
 *   READ delta n / WRITE delta n  touch n pages in a row, starting delta (zigzag) pages
 *                                 after the page that follows the previous touch run
 *   FORK child  WAIT child  EXIT status   (EXIT is each stream's last op)
 * brk appears as MAP / UNMAP of the heap's pages; threads are folded into their process.
 */
#define MT_MAGIC      "pagelab-trace 1\n"
#define MT_HEADER_MAX 4096
#define MT_MAX_PROCS  512
#define MT_MAX_SPAN   (192u << 10) /* pages in one image (768 MiB) */
#define MT_PAGE	      4096

enum mt_op {
	MT_IMAGE = 1,
	MT_EXEC,
	MT_MAP,
	MT_UNMAP,
	MT_PROTECT,
	MT_DISCARD,
	MT_REMAP,
	MT_READ,
	MT_WRITE,
	MT_FORK,
	MT_WAIT,
	MT_EXIT,
	MT_OP_END,
};

/* What a MAP was in the recorded program (bits). */
enum mt_kind {
	MT_SHARED = 1,	 /* MAP_SHARED (replayed private) */
	MT_FILE = 2,	 /* a file mapping (replayed anonymous) */
	MT_FIXED = 4,	 /* MAP_FIXED */
	MT_HEAP = 8,	 /* brk's growth of the heap */
	MT_EXECMAP = 16, /* made by execve (program, ld.so, stack, vDSO): its touched extent */
};
#define MT_KINDS 5 /* bits of enum mt_kind */

/* A parsed trace: the header's numbers and where each process's stream lies. */
struct mt_trace {
	const uint8_t *body;
	size_t body_len;
	unsigned nprocs;
	uint64_t minflt;
	char name[32];
	uint32_t start[MT_MAX_PROCS], len[MT_MAX_PROCS];
};

/* Reading one stream: every read is checked against its end. */
struct mt_cursor {
	const uint8_t *p, *end;
	int bad; /* a read ran past the end or a varint was too long */
};

int mt_parse(struct mt_trace *t, const uint8_t *data, size_t size, char *err, size_t errlen);
uint64_t mt_varint(struct mt_cursor *c);
size_t mt_put_varint(uint8_t *out, uint64_t v); /* at most 10 bytes */
int mt_op_operands(int op);			/* -1: unknown op */
int64_t mt_unzigzag(uint64_t v);
uint64_t mt_zigzag(int64_t v);

/* A process's mappings: sorted disjoint page ranges with their protections. */
#define MT_MAX_RANGES 2048
struct mt_range {
	uint64_t start, end;
	int prot;
};
struct mt_map {
	unsigned n;
	struct mt_range r[MT_MAX_RANGES];
};
/* Sets [start, end) to prot (prot < 0: unmaps it); -1 when the table is full. */
int mt_map_set(struct mt_map *m, uint64_t start, uint64_t end, int prot);
/* Changes prot only where [start, end) is mapped. */
int mt_map_protect(struct mt_map *m, uint64_t start, uint64_t end, int prot);
const struct mt_range *mt_map_find(const struct mt_map *m, uint64_t page);

#endif
