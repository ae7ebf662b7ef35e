/* ptefree.c: ptefree state: windows, their fixed GVA->GPA tables, kernel chunks. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "ptefree.h"

#define PTE_P	  0x1ull
#define PTE_W	  0x2ull
#define PTE_U	  0x4ull
#define PTE_A	  0x20ull
#define PTE_D	  0x40ull
#define PTE_PS	  0x80ull
#define GIB	  (1ull << 30)
#define HUGE_PAGE (2 * MIB)

/* PML4, PDPT and one PD per GiB of window. */
static uint64_t table_pages(const struct ptefree_config *c)
{
	return 2 + (c->window_size + GIB - 1) / GIB;
}

uint64_t ptefree_tables_size(const struct ptefree_config *c)
{
	return c->nwindows * table_pages(c) * PAGE_SIZE;
}

/* User VA v -> window gpa + v with 2 MiB pages, kernel half shared with the boot tables.
 * Accessed and dirty bits are preset so that not even the CPU writes these tables. */
static void build_table(uint64_t *t, uint64_t table_gpa, uint64_t window_gpa, uint64_t size)
{
	uint64_t *pml4 = t, *pdpt = t + 512, *pd = t + 1024;
	uint64_t pdpt_gpa = table_gpa + PAGE_SIZE, pd_gpa = table_gpa + 2 * PAGE_SIZE;
	memset(t, 0, (2 + (size + GIB - 1) / GIB) * PAGE_SIZE);
	pml4[0] = pdpt_gpa | PTE_P | PTE_W | PTE_U | PTE_A;
	pml4[511] = BOOT_PDPT_HIGH_GPA | PTE_P | PTE_W | PTE_A;
	for (uint64_t off = 0; off < size; off += HUGE_PAGE) {
		uint64_t i = off / HUGE_PAGE;
		if (i % 512 == 0)
			pdpt[i / 512] =
			    (pd_gpa + i / 512 * PAGE_SIZE) | PTE_P | PTE_W | PTE_U | PTE_A;
		pd[i] = (window_gpa + off) | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D | PTE_PS;
	}
}

struct ptefree *ptefree_create(const struct ptefree_config *c, const struct gmem *kmem,
			       uint64_t kmem_base, uint64_t kmem_top, uint64_t tables_gpa,
			       char *err, size_t errlen)
{
	if (c->nwindows == 0 || c->window_size < HUGE_PAGE || c->window_size % HUGE_PAGE ||
	    c->window_size > 512 * GIB || c->nwindows > PTEFREE_MAX_TOTAL / c->window_size) {
		snprintf(err, errlen, "windows must be 2 MiB multiples, at most %llu GiB in total",
			 PTEFREE_MAX_TOTAL / GIB);
		return NULL;
	}
	uint64_t *tables = (uint64_t *)gmem_setup(kmem, tables_gpa, ptefree_tables_size(c));
	if (!tables || !c->kmem_chunk || c->kmem_chunk % PAGE_SIZE || kmem_base % PAGE_SIZE ||
	    kmem_top < kmem_base) {
		snprintf(err, errlen, "no room for the window tables or kernel memory chunks");
		return NULL;
	}
	struct ptefree *pf = calloc(1, sizeof *pf);
	if (!pf)
		die("ptefree state");
	pf->cfg = *c;
	pf->policy_name = c->policy == FORK_LAZY ? "lazy" : "copy";
	pf->tables = tables;
	pf->tables_gpa = tables_gpa;
	pf->kmem_base = kmem_base;
	pf->nchunks = c->kmem_chunk ? (kmem_top - kmem_base) / c->kmem_chunk : 0;
	pf->chunk_used = calloc(pf->nchunks + 1, 1);
	pf->npages = c->window_size / PAGE_SIZE;
	pf->vec = malloc(pf->npages);
	pf->w = calloc(c->nwindows, sizeof *pf->w);
	if (!pf->chunk_used || !pf->vec || !pf->w)
		die("ptefree state");
	pf->mem_fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	if (pf->mem_fd < 0)
		die("open /proc/self/mem");
	pthread_mutex_init(&pf->lock, NULL);
	/* reserved, not committed: KVM faults pages in as the guest touches mapped ranges */
	pf->win_host = mmap(NULL, c->nwindows * c->window_size, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (pf->win_host == MAP_FAILED)
		die("reserving %llu MiB for the address-space windows",
		    (unsigned long long)(c->nwindows * c->window_size / MIB));
	for (uint64_t i = 0; i < c->nwindows; i++) {
		struct window *w = &pf->w[i];
		w->host = pf->win_host + i * c->window_size;
		w->gpa = PTEFREE_WINDOWS_GPA + i * c->window_size;
		w->cr3 = tables_gpa + i * table_pages(c) * PAGE_SIZE;
		w->parent = -1;
		/* calloc'd zero pages cost no memory until a window is used */
		w->pages = calloc(pf->npages, 1);
		w->used = calloc(pf->npages / GROUP_PAGES / 64 + 1, sizeof *w->used);
		if (!w->pages || !w->used)
			die("window page records");
		build_table((uint64_t *)((uint8_t *)tables + (w->cr3 - tables_gpa)), w->cr3, w->gpa,
			    c->window_size);
	}
	if (c->populate == POPULATE_WRITE && madvise(pf->win_host, 0, MADV_POPULATE_WRITE) < 0) {
		fprintf(stderr, "hv: populate policy write cannot run here (%s): using none\n",
			strerror(errno));
		pf->cfg.populate = POPULATE_NONE;
	}
	if (c->policy == FORK_LAZY) {
		char why[200];
		if (lazy_start(pf, why, sizeof why) < 0) {
			fprintf(stderr, "hv: fork policy lazy cannot run here (%s): using copy\n",
				why);
			pf->cfg.policy = FORK_COPY;
			pf->policy_name = "copy";
		}
	}
	return pf;
}

/* The window tables and the boot tables whose kernel half they share are typed. */
static bool ptefree_typed(const void *mode, uint64_t gpa, uint64_t len)
{
	const struct ptefree *pf = mode;
	return gmem_overlaps(gpa, len, BOOT_PML4_GPA, BOOT_PD_GPA + PAGE_SIZE) ||
	       gmem_overlaps(gpa, len, pf->tables_gpa,
			     pf->tables_gpa + ptefree_tables_size(&pf->cfg));
}

void ptefree_guard(const struct ptefree *pf, struct gmem *m)
{
	m->typed = ptefree_typed;
	m->mode = pf;
}

int ptefree_check(const struct ptefree *pf, char *err, size_t errlen)
{
	uint64_t n = table_pages(&pf->cfg) * 512, *want = malloc(n * sizeof *want);
	if (!want)
		die("ptefree: checking the window tables");
	int bad = 0;
	for (uint64_t i = 0; i < pf->cfg.nwindows && !bad; i++) {
		const struct window *w = &pf->w[i];
		build_table(want, w->cr3, w->gpa, pf->cfg.window_size);
		const uint64_t *have = pf->tables + (w->cr3 - pf->tables_gpa) / 8;
		for (uint64_t j = 0; j < n && !bad; j++)
			if (have[j] != want[j])
				bad = errorf(
				    err, errlen,
				    "ptefree: window %llu's table entry %#llx is %#llx, "
				    "built as %#llx",
				    (unsigned long long)i, (unsigned long long)(w->cr3 + j * 8),
				    (unsigned long long)have[j], (unsigned long long)want[j]);
	}
	free(want);
	return bad;
}

void ptefree_windows(const struct ptefree *pf, uint64_t *gpa, void **host, uint64_t *size)
{
	*gpa = PTEFREE_WINDOWS_GPA;
	*host = pf->win_host;
	*size = pf->cfg.nwindows * pf->cfg.window_size;
}

const char *ptefree_policy_name(const struct ptefree *pf)
{
	return pf->policy_name;
}

const char *ptefree_populate_name(const struct ptefree *pf)
{
	return populate_name(pf->cfg.populate);
}

void ptefree_counts_get(struct ptefree *pf, struct ptefree_counts *out)
{
	pthread_mutex_lock(&pf->lock);
	*out = pf->counts;
	pthread_mutex_unlock(&pf->lock);
}

void ptefree_kmem_get(struct ptefree *pf, struct ptefree_kmem *out)
{
	pthread_mutex_lock(&pf->lock);
	*out = (struct ptefree_kmem){pf->cfg.kmem_chunk, pf->kmem_base, pf->nchunks,
				     pf->chunks_held, pf->chunks_peak};
	pthread_mutex_unlock(&pf->lock);
}

int ptefree_refusals_get(struct ptefree *pf, struct ptefree_refusal *out)
{
	pthread_mutex_lock(&pf->lock);
	int n = pf->nrefusals;
	memcpy(out, pf->refusals, (size_t)n * sizeof *out);
	pthread_mutex_unlock(&pf->lock);
	return n;
}

const char *populate_name(enum populate_policy p)
{
	return p == POPULATE_WRITE ? "write" : "none";
}

int populate_parse(const char *name, enum populate_policy *out)
{
	if (strcmp(name, "none") && strcmp(name, "write"))
		return -1;
	*out = strcmp(name, "none") ? POPULATE_WRITE : POPULATE_NONE;
	return 0;
}

uint64_t ptefree_window_size(const struct ptefree *pf)
{
	return pf->cfg.window_size;
}

int ptefree_window_of_gpa(const struct ptefree *pf, uint64_t gpa, uint64_t *offset)
{
	uint64_t i = (gpa - PTEFREE_WINDOWS_GPA) / pf->cfg.window_size;
	if (gpa < PTEFREE_WINDOWS_GPA || i >= pf->cfg.nwindows || !pf->w[i].live)
		return -1;
	*offset = gpa - pf->w[i].gpa;
	return (int)i;
}

int ptefree_window_of_cr3(const struct ptefree *pf, uint64_t cr3)
{
	for (uint64_t i = 0; i < pf->cfg.nwindows; i++)
		if (pf->w[i].live && pf->w[i].cr3 == (cr3 & ~0xfffull))
			return (int)i;
	return -1;
}

uint8_t ptefree_page(const struct ptefree *pf, int w, uint64_t va)
{
	return va < pf->cfg.window_size ? pf->w[w].pages[va / PAGE_SIZE] : 0;
}

void *ptefree_host(const struct ptefree *pf, int w, uint64_t va)
{
	return va < pf->cfg.window_size ? pf->w[w].host + va : NULL;
}
