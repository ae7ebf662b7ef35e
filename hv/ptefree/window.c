/* window.c: a window's record: used groups, host protection by run, refused host calls. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "ptefree.h"

int host_refused(struct ptefree *pf, const char *call)
{
	if (errno != ENOMEM)
		return host_failure("%s", call);
	note_refusal(pf, call, ENOMEM);
	return -HC_ENOMEM;
}

void note_refusal(struct ptefree *pf, const char *call, int err)
{
	int i = 0;
	while (i < pf->nrefusals && strcmp(pf->refusals[i].call, call) != 0)
		i++;
	if (i == PTEFREE_MAX_REFUSALS)
		i--; /* more kinds than slots: the last one counts the rest */
	else if (i == pf->nrefusals)
		pf->refusals[pf->nrefusals++] = (struct ptefree_refusal){call, err, 0};
	pf->refusals[i].count++;
}

uint64_t used_from(const struct ptefree *pf, int w, uint64_t i)
{
	const uint64_t *used = pf->w[w].used, ngroups = pf->npages / GROUP_PAGES;
	uint64_t g = i / GROUP_PAGES;
	if (g >= ngroups || (used[g / 64] >> (g % 64)) & 1)
		return i < pf->npages ? i : pf->npages;
	uint64_t k = g / 64, word = used[k] & (~0ull << (g % 64));
	while (!word) {
		if (++k > ngroups / 64)
			return pf->npages;
		word = used[k];
	}
	uint64_t next = k * 64 + (uint64_t)__builtin_ctzll(word);
	return next < ngroups ? next * GROUP_PAGES : pf->npages;
}

void mark_used(struct ptefree *pf, int w, uint64_t first, uint64_t n)
{
	for (uint64_t g = first / GROUP_PAGES; n && g <= (first + n - 1) / GROUP_PAGES; g++)
		pf->w[w].used[g / 64] |= 1ull << (g % 64);
}

/* What the host must allow for a page: the guest cannot fetch or write what the hv cannot
 * read, so any access at all needs PROT_READ. */
int host_prot(uint8_t page)
{
	int prot = PROT_NONE;
	if (page & (HC_PROT_READ | HC_PROT_EXEC))
		prot |= PROT_READ;
	if (page & HC_PROT_WRITE)
		prot |= PROT_READ | PROT_WRITE;
	return page & PAGE_MAPPED ? prot : PROT_NONE;
}

/* mprotect stops at the first VMA it cannot split (the mapping count limit), with the VMAs
 * before it already changed; VMAs that keep their protection need no split, so putting each
 * run back as the record says succeeds in practice. */
int set_host_prot(struct ptefree *pf, int wi, uint64_t first, uint64_t n, int prot,
		  const char *call)
{
	struct window *w = &pf->w[wi];
	if (mprotect(w->host + first * PAGE_SIZE, n * PAGE_SIZE, prot) == 0)
		return 0;
	int ret = host_refused(pf, call);
	for (uint64_t i = first; i < first + n;) {
		int was = host_prot(w->pages[i]);
		uint64_t j = i + 1;
		while (j < first + n && host_prot(w->pages[j]) == was)
			j++;
		if (mprotect(w->host + i * PAGE_SIZE, (j - i) * PAGE_SIZE, was) < 0)
			host_refused(pf, "mprotect (undo)");
		i = j;
	}
	return ret;
}

int each_run(struct ptefree *pf, int w,
	     int (*fn)(struct ptefree *pf, int w, int arg, uint64_t first, uint64_t n), int arg)
{
	const uint8_t *p = pf->w[w].pages;
	for (uint64_t i = used_from(pf, w, 0); i < pf->npages; i = used_from(pf, w, i)) {
		if (!p[i]) {
			i++;
			continue;
		}
		uint64_t j = i + 1;
		while (j < pf->npages && (p[j] & ~PAGE_PENDING) == (p[i] & ~PAGE_PENDING))
			j++;
		int ret = fn(pf, w, arg, i, j - i);
		if (ret < 0)
			return ret;
		i = j;
	}
	return 0;
}

int host_mappings(struct ptefree *pf, int w, uint64_t first, uint64_t n, uint64_t *count)
{
	uintptr_t start = (uintptr_t)pf->w[w].host + first * PAGE_SIZE, end = start + n * PAGE_SIZE;
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return host_failure("opening /proc/self/maps");
	char line[PATH_MAX + 128];
	uintptr_t a, b;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &a, &b) == 2 && a < end && b > start)
			(*count)++;
	fclose(f);
	return 0;
}

int huge_pages(struct ptefree *pf, int w, uint64_t *count)
{
	uintptr_t start = (uintptr_t)pf->w[w].host, end = start + pf->cfg.window_size;
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		return host_failure("opening /proc/self/smaps");
	char line[PATH_MAX + 128]; /* a mapping's line ends with its file's path */
	uintptr_t a = 0, b = 0, x, y;
	uint64_t kib;
	while (fgets(line, sizeof line, f)) {
		/* a mapping's first line: the lines below are its own ("Anonymous:" reads as a
		 * hex number too, hence the temporaries) */
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &x, &y) == 2) {
			a = x;
			b = y;
		} else if (a >= start && b <= end &&
			   sscanf(line, "AnonHugePages: %" SCNu64, &kib) == 1)
			*count += kib * 1024 / PAGE_SIZE;
	}
	fclose(f);
	return 0;
}
