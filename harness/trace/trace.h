/* trace.h: the recorder's view of a recorded program: processes, images and their events. */
#ifndef PAGELAB_TRACE_H
#define PAGELAB_TRACE_H

#include <stdint.h>
#include <stdio.h>
#include "memtrace.h"

/* One event with absolute page numbers (op: enum mt_op); layout.c relocates them. */
struct ev {
	uint8_t op;
	uint64_t a, b, c, d;
};

struct proc {
	int tgid, parent, image, image0; /* image0: the image it started in (-1: the root) */
	struct ev *ev;
	size_t nev, cap;
	struct mt_map *live; /* mappings made by system calls (absolute pages) */
	uint64_t brk;	     /* the program break (bytes; 0: not known yet) */
	int status, started, exited;
};

/* An address-space image: what one execve (or the root's start) made, shared by the processes
 * it forks before they execute something else. */
struct image {
	uint64_t (*iv)[2]; /* page ranges used: mappings, the heap, implied regions */
	size_t niv, civ;
	uint64_t *implied; /* touched pages outside every system-call mapping */
	size_t nimplied, cimplied;
	uint64_t (*cl)[3]; /* clusters after layout: start, end, offset */
	size_t ncl;
	uint64_t span;
};

struct recording {
	struct proc *proc;
	unsigned nproc;
	struct image *image;
	unsigned nimage;
	uint64_t touches, dropped;
};

void *xrealloc(void *p, size_t n);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void ev_add(struct proc *p, int op, uint64_t a, uint64_t b, uint64_t c, uint64_t d);
void image_range(struct image *im, uint64_t start, uint64_t end);

/* convert.c: reads `perf script` output into r. */
void convert_perf(FILE *in, struct recording *r);
/* layout.c: packs each image and writes the trace's body; returns its bytes in *out. */
size_t layout_encode(struct recording *r, uint8_t **out);

#endif
