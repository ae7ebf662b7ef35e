/* ptefree_fixture.h: a ptefree guest on plain memory for the unit tests, and its hypercalls. */
#ifndef PTEFREE_FIXTURE_H
#define PTEFREE_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "hv.h"
#include "ptefree/ptefree.h"
#include "test.h"

#define KMEM_SIZE (32 * MIB)
#define KMEM_BASE (8 * MIB)
#define NWINDOWS  4
#define WINDOW	  (4 * MIB)

static struct guest g;

static uint8_t *kmem;

static bool count_resident; /* the next fresh state counts resident range pages */

static void fresh_config(enum fork_policy policy, uint64_t window, enum populate_policy populate)
{
	if (!kmem)
		kmem = mmap(NULL, KMEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	memset(&g, 0, sizeof g);
	g.mem = (struct gmem){.host = kmem, .size = KMEM_SIZE};
	g.console = stdout;
	struct ptefree_config c = {NWINDOWS, window, policy, MIB, populate, count_resident};
	char err[200];
	uint64_t tables = KMEM_SIZE - ptefree_tables_size(&c);
	struct ptefree *pf = ptefree_create(&c, &g.mem, KMEM_BASE, tables, tables, err, sizeof err);
	CHECK(pf != NULL, "ptefree_create: %s", err);
	ptefree_guard(pf, &g.mem);
	ptefree_attach(&g, pf);
}

static void fresh_windows(enum fork_policy policy, uint64_t window)
{
	fresh_config(policy, window, POPULATE_NONE);
}

static void fresh(enum fork_policy policy)
{
	fresh_windows(policy, WINDOW);
}

static int64_t hc(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct hc_args a = {.nr = nr, .a0 = a0, .a1 = a1, .a2 = a2, .a3 = a3};
	return hc_dispatch(&g, &a);
}

static uint8_t *at(int64_t asid, uint64_t va)
{
	return ptefree_host(ptefree_of(&g), (int)asid, va);
}

/* Whether the lazy fork policy runs here (userfaultfd), or the hv fell back to copy. */
static bool lazy_works(void)
{
	fresh(FORK_LAZY);
	return strcmp(ptefree_policy_name(ptefree_of(&g)), "lazy") == 0;
}

#endif
