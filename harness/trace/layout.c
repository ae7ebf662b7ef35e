/* layout.c: packs each image's mappings into [0, span) in their order, then encodes every
 * process's events relative to its image (memtrace.h), touches as runs of pages. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "trace.h"

#define IMPLIED_GAP 256 /* implied pages this close together form one region */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_range(const void *a, const void *b)
{
	return cmp_u64(a, b);
}

/* Implied pages become regions (the program's own image, ld.so, the stack, the vDSO). */
static void implied_regions(struct image *im)
{
	qsort(im->implied, im->nimplied, sizeof *im->implied, cmp_u64);
	uint64_t *pairs = xrealloc(NULL, 2 * im->nimplied * sizeof *pairs);
	size_t n = 0;
	for (size_t i = 0; i < im->nimplied; i++) {
		if (n && im->implied[i] <= pairs[n - 1] + IMPLIED_GAP) {
			pairs[n - 1] = im->implied[i]; /* extends the region ending there */
			continue;
		}
		pairs[n++] = im->implied[i];
		pairs[n++] = im->implied[i];
	}
	free(im->implied);
	im->implied = pairs;
	im->nimplied = n; /* now pairs: first page, last page */
	for (size_t i = 0; i < n; i += 2)
		image_range(im, im->implied[i], im->implied[i + 1] + 1);
}

/* Clusters of overlapping or adjacent ranges, laid out in order one guard page apart. */
static void pack(struct image *im)
{
	qsort(im->iv, im->niv, sizeof *im->iv, cmp_range);
	im->cl = xrealloc(NULL, (im->niv + 1) * sizeof *im->cl);
	uint64_t off = 0;
	for (size_t i = 0; i < im->niv; i++) {
		uint64_t(*c)[3] = &im->cl[im->ncl - 1];
		if (im->ncl && im->iv[i][0] <= (*c)[1]) {
			if (im->iv[i][1] > (*c)[1]) {
				off += im->iv[i][1] - (*c)[1];
				(*c)[1] = im->iv[i][1];
			}
			continue;
		}
		off += im->ncl ? 1 : 0;
		im->cl[im->ncl][0] = im->iv[i][0];
		im->cl[im->ncl][1] = im->iv[i][1];
		im->cl[im->ncl][2] = off;
		off += im->iv[i][1] - im->iv[i][0];
		im->ncl++;
	}
	im->span = off;
	if (im->span > MT_MAX_SPAN)
		die("an image needs %llu MiB packed, more than the %u MiB a trace may use",
		    (unsigned long long)im->span / 256, MT_MAX_SPAN / 256);
}

static uint64_t reloc(const struct image *im, uint64_t page)
{
	size_t lo = 0, hi = im->ncl;
	while (lo < hi) { /* the last cluster starting at or before page */
		size_t mid = (lo + hi) / 2;
		if (im->cl[mid][0] <= page)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || page >= im->cl[lo - 1][1])
		die("page 0x%llx lies in no cluster of its image", (unsigned long long)page);
	return im->cl[lo - 1][2] + page - im->cl[lo - 1][0];
}

/* The output buffer and one process's encoding state. */
struct enc {
	uint8_t *buf;
	size_t n, cap;
	struct mt_map *map;		 /* the process's mappings as the replay will have them */
	int run_op;			 /* the touch run being gathered (0: none) */
	uint64_t run_start, run_n, next; /* next: the page after the previous run */
};

static void put(struct enc *e, int op, int nargs, const uint64_t *args)
{
	if (e->n + 1 + 10 * (size_t)nargs > e->cap)
		e->buf = xrealloc(e->buf, e->cap = 2 * e->cap + 4096);
	e->buf[e->n++] = (uint8_t)op;
	for (int i = 0; i < nargs; i++)
		e->n += mt_put_varint(e->buf + e->n, args[i]);
}

static void flush_run(struct enc *e)
{
	if (!e->run_op)
		return;
	uint64_t a[2] = {mt_zigzag((int64_t)(e->run_start - e->next)), e->run_n};
	put(e, e->run_op, 2, a);
	e->next = e->run_start + e->run_n;
	e->run_op = 0;
}

static void touch(struct enc *e, int op, uint64_t page)
{
	if (e->run_op == op && page == e->run_start + e->run_n) {
		e->run_n++;
		return;
	}
	flush_run(e);
	e->run_op = op;
	e->run_start = page;
	e->run_n = 1;
}

static void set_map(struct enc *e, uint64_t start, uint64_t end, int prot)
{
	if (mt_map_set(e->map, start, end, prot) < 0)
		die("more than %d mappings in one process", MT_MAX_RANGES);
}

/* UNMAP, PROTECT and DISCARD name only what is mapped (the replay maps implied regions at
 * their touched extent, smaller than the program's own mappings). */
static void put_mapped(struct enc *e, int op, uint64_t start, uint64_t end, uint64_t prot)
{
	for (unsigned i = 0; i < e->map->n; i++) {
		uint64_t s = e->map->r[i].start > start ? e->map->r[i].start : start;
		uint64_t t = e->map->r[i].end < end ? e->map->r[i].end : end;
		if (s >= t)
			continue;
		uint64_t a[3] = {s, t - s, prot};
		put(e, op, op == MT_PROTECT ? 3 : 2, a);
	}
	if (op == MT_UNMAP)
		set_map(e, start, end, -1);
	else if (op == MT_PROTECT && mt_map_protect(e->map, start, end, (int)prot) < 0)
		die("more than %d mappings in one process", MT_MAX_RANGES);
}

static void start_image(struct enc *e, int op, const struct image *im)
{
	put(e, op, 1, &im->span);
	e->map->n = 0;
	e->next = 0;
	for (size_t i = 0; i < im->nimplied; i += 2) {
		uint64_t s = reloc(im, im->implied[i]), n = im->implied[i + 1] - im->implied[i] + 1;
		uint64_t a[4] = {s, n, PROT_READ | PROT_WRITE, MT_EXECMAP};
		put(e, MT_MAP, 4, a);
		set_map(e, s, s + n, PROT_READ | PROT_WRITE);
	}
}

static void encode_event(struct recording *r, struct enc *e, struct mt_map *child_maps,
			 const struct image *im, const struct ev *v)
{
	if (v->op != MT_READ && v->op != MT_WRITE)
		flush_run(e);
	uint64_t s = 0, a[4];
	if (v->op == MT_MAP || (v->op >= MT_REMAP && v->op <= MT_WRITE))
		s = reloc(im, v->a);
	switch (v->op) {
	case MT_MAP:
		a[0] = s, a[1] = v->b, a[2] = v->c, a[3] = v->d;
		put(e, MT_MAP, 4, a);
		set_map(e, s, s + v->b, (int)v->c);
		break;
	case MT_UNMAP:
	case MT_DISCARD:
	case MT_PROTECT: /* the parts in clusters: the rest was never mapped in the replay */
		for (size_t i = 0; i < im->ncl; i++) {
			uint64_t from = im->cl[i][0] > v->a ? im->cl[i][0] : v->a;
			uint64_t to = im->cl[i][1] < v->a + v->b ? im->cl[i][1] : v->a + v->b;
			if (from < to)
				put_mapped(e, v->op, reloc(im, from), reloc(im, from) + to - from,
					   v->c);
		}
		break;
	case MT_REMAP: {
		const struct mt_range *old = mt_map_find(e->map, s);
		int prot = old ? old->prot : PROT_READ | PROT_WRITE;
		a[0] = s, a[1] = v->b, a[2] = reloc(im, v->c), a[3] = v->d;
		put(e, MT_REMAP, 4, a);
		set_map(e, s, s + v->b, -1);
		set_map(e, a[2], a[2] + v->d, prot);
		break;
	}
	case MT_READ:
	case MT_WRITE: {
		const struct mt_range *m = mt_map_find(e->map, s);
		if (!m || m->prot == PROT_NONE || (v->op == MT_WRITE && !(m->prot & PROT_WRITE)))
			r->dropped++; /* a fault the program took and survived (or a guard page) */
		else
			touch(e, v->op, s);
		break;
	}
	case MT_FORK:
		memcpy(&child_maps[v->a], e->map, sizeof *e->map);
		/* fall through */
	case MT_WAIT:
	case MT_EXIT:
		put(e, v->op, 1, &v->a);
		break;
	}
}

size_t layout_encode(struct recording *r, uint8_t **out)
{
	for (unsigned i = 0; i < r->nimage; i++) {
		implied_regions(&r->image[i]);
		pack(&r->image[i]);
	}
	struct mt_map *maps = xrealloc(NULL, r->nproc * sizeof *maps);
	struct enc body = {0};
	for (unsigned i = 0; i < r->nproc; i++) {
		struct proc *p = &r->proc[i];
		struct enc e = {.map = &maps[i]};
		const struct image *im = p->image0 >= 0 ? &r->image[p->image0] : NULL;
		if (p->parent < 0)
			maps[i].n = 0;
		for (size_t k = 0; k < p->nev; k++) {
			const struct ev *v = &p->ev[k];
			if (v->op == MT_IMAGE || v->op == MT_EXEC) {
				flush_run(&e);
				im = &r->image[v->a];
				start_image(&e, v->op, im);
			} else {
				encode_event(r, &e, maps, im, v);
			}
		}
		flush_run(&e);
		uint64_t len = e.n;
		if (body.n + 10 + e.n > body.cap)
			body.buf = xrealloc(body.buf, body.cap = body.n + 10 + e.n + 4096);
		body.n += mt_put_varint(body.buf + body.n, len);
		memcpy(body.buf + body.n, e.buf, e.n);
		body.n += e.n;
		free(e.buf);
	}
	free(maps);
	*out = body.buf;
	return body.n;
}
