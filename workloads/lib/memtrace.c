/* memtrace.c: parses and checks a memory trace's header and body layout (memtrace.h), and keeps
 * a process's table of mappings; shared by the replay workload and the recorder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "memtrace.h"

uint64_t mt_varint(struct mt_cursor *c)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (c->p >= c->end) {
			c->bad = 1;
			return 0;
		}
		uint8_t b = *c->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	c->bad = 1;
	return 0;
}

size_t mt_put_varint(uint8_t *out, uint64_t v)
{
	size_t n = 0;
	do {
		out[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}

int64_t mt_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

uint64_t mt_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

int mt_op_operands(int op)
{
	static const signed char n[MT_OP_END] = {
	    [MT_IMAGE] = 1,   [MT_EXEC] = 1,	[MT_MAP] = 4,	[MT_UNMAP] = 2,
	    [MT_PROTECT] = 3, [MT_DISCARD] = 2, [MT_REMAP] = 4, [MT_READ] = 2,
	    [MT_WRITE] = 2,   [MT_FORK] = 1,	[MT_WAIT] = 1,	[MT_EXIT] = 1,
	};
	return op > 0 && op < MT_OP_END ? n[op] : -1;
}

/* The value of header line "key value", or NULL when there is none. */
static const char *header_value(const char *hdr, const char *key)
{
	size_t k = strlen(key);
	for (const char *l = hdr; *l;) {
		if (strncmp(l, key, k) == 0 && l[k] == ' ')
			return l + k + 1;
		while (*l && *l != '\n')
			l++;
		l += *l == '\n';
	}
	return NULL;
}

/* The value of header line "key N" as a number; -1 when absent or not a number. */
static long long header_number(const char *hdr, const char *key)
{
	const char *v = header_value(hdr, key);
	char *end;
	long long n = v ? strtol(v, &end, 10) : -1;
	return v && end > v && *end == '\n' && n >= 0 ? n : -1;
}

int mt_parse(struct mt_trace *t, const uint8_t *data, size_t size, char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	size_t m = strlen(MT_MAGIC);
	if (size < m || memcmp(data, MT_MAGIC, m) != 0) {
		snprintf(err, errlen, "not a pagelab trace of version 1 (first line)");
		return -1;
	}
	char hdr[MT_HEADER_MAX + 1];
	size_t h = 0;
	const char *body = NULL; /* "body N\n" ends the header */
	while (h < size && h < MT_HEADER_MAX && !body) {
		hdr[h] = (char)data[h];
		h++;
		if (hdr[h - 1] == '\n' && h >= 6) {
			size_t ls = h - 1;
			while (ls > 0 && hdr[ls - 1] != '\n')
				ls--;
			if (strncmp(hdr + ls, "body ", 5) == 0)
				body = (const char *)data + h;
		}
	}
	hdr[h] = '\0';
	long long blen = header_number(hdr, "body"), np = header_number(hdr, "processes");
	if (!body || blen < 0 || np < 1 || np > MT_MAX_PROCS) {
		snprintf(err, errlen, "header lacks a valid 'processes' (1..%d) or 'body' line",
			 MT_MAX_PROCS);
		return -1;
	}
	if ((size_t)blen != size - h) {
		snprintf(err, errlen, "body is %zu bytes, header says %lld (truncated?)", size - h,
			 blen);
		return -1;
	}
	long long mf = header_number(hdr, "minflt");
	t->minflt = mf > 0 ? (uint64_t)mf : 0;
	const char *nm = header_value(hdr, "name");
	for (size_t i = 0; nm && i < sizeof t->name - 1 && nm[i] != '\n'; i++)
		t->name[i] = nm[i];
	t->body = (const uint8_t *)body;
	t->body_len = (size_t)blen;
	t->nprocs = (unsigned)np;
	struct mt_cursor c = {t->body, t->body + t->body_len, 0};
	for (unsigned i = 0; i < t->nprocs; i++) {
		uint64_t len = mt_varint(&c);
		if (c.bad || len > (uint64_t)(c.end - c.p) || len == 0) {
			snprintf(err, errlen, "stream of process %u runs past the body's end", i);
			return -1;
		}
		t->start[i] = (uint32_t)(c.p - t->body);
		t->len[i] = (uint32_t)len;
		c.p += len;
	}
	if (c.p != c.end) {
		snprintf(err, errlen, "%zu bytes after the last stream", (size_t)(c.end - c.p));
		return -1;
	}
	return 0;
}

/* The index of the first range ending after page (n when none does). */
static unsigned first_after(const struct mt_map *m, uint64_t page)
{
	unsigned lo = 0, hi = m->n;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (m->r[mid].end <= page)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct mt_range *mt_map_find(const struct mt_map *m, uint64_t page)
{
	unsigned i = first_after(m, page);
	return i < m->n && m->r[i].start <= page ? &m->r[i] : NULL;
}

/* Joins range i with its neighbours when they touch it and have its protection. */
static void merge_at(struct mt_map *m, unsigned i)
{
	if (i + 1 < m->n && m->r[i + 1].start == m->r[i].end && m->r[i + 1].prot == m->r[i].prot) {
		m->r[i].end = m->r[i + 1].end;
		memmove(&m->r[i + 1], &m->r[i + 2], (m->n - i - 2) * sizeof m->r[0]);
		m->n--;
	}
	if (i > 0 && m->r[i - 1].end == m->r[i].start && m->r[i - 1].prot == m->r[i].prot) {
		m->r[i - 1].end = m->r[i].end;
		memmove(&m->r[i], &m->r[i + 1], (m->n - i - 1) * sizeof m->r[0]);
		m->n--;
	}
}

int mt_map_set(struct mt_map *m, uint64_t start, uint64_t end, int prot)
{
	if (start >= end)
		return 0;
	unsigned i = first_after(m, start), j = i;
	struct mt_range keep[3];
	unsigned k = 0;
	if (i < m->n && m->r[i].start < start)
		keep[k++] = (struct mt_range){m->r[i].start, start, m->r[i].prot};
	if (prot >= 0)
		keep[k++] = (struct mt_range){start, end, prot};
	while (j < m->n && m->r[j].start < end)
		j++;
	if (j > i && m->r[j - 1].end > end)
		keep[k++] = (struct mt_range){end, m->r[j - 1].end, m->r[j - 1].prot};
	if (m->n - (j - i) + k > MT_MAX_RANGES)
		return -1;
	memmove(&m->r[i + k], &m->r[j], (m->n - j) * sizeof m->r[0]);
	memcpy(&m->r[i], keep, k * sizeof keep[0]);
	m->n = m->n - (j - i) + k;
	if (prot >= 0) /* joins the new range to neighbours it continues */
		merge_at(m, first_after(m, start));
	return 0;
}

int mt_map_protect(struct mt_map *m, uint64_t start, uint64_t end, int prot)
{
	for (unsigned i = first_after(m, start); i < m->n && m->r[i].start < end; i++) {
		uint64_t s = m->r[i].start > start ? m->r[i].start : start;
		uint64_t e = m->r[i].end < end ? m->r[i].end : end;
		if (m->r[i].prot == prot)
			continue;
		if (mt_map_set(m, s, e, prot) < 0)
			return -1;
		i = first_after(m, e) - 1; /* the ranges were split: continue after e */
	}
	return 0;
}
