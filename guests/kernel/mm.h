/* mm.h: kernel memory: page and object allocators, the VMA tree, address spaces, the MMU seam. */
#ifndef MM_H
#define MM_H

#include "klib.h"

/* kalloc.c: 4 KiB pages of kernel memory. Classic: one free list over boot memory.
 * Ptefree: pages come from kmem chunks obtained by HC_KMEM_ALLOC, and a chunk whose pages
 * are all free goes back to the hv at once (HC_KMEM_FREE). Pages come back zeroed. */
void kalloc_init(void);
void *kalloc_page(void); /* kernel virtual address, or NULL when memory is exhausted */
void kfree_page(void *page);
uint64_t kalloc_free_pages(void);

/* kmalloc.c: small objects (size classes up to 2048 bytes) carved from pages. Freed objects
 * are filled with junk to catch dangling references. */
void *kmalloc(size_t size); /* NULL when out of memory or size > KMALLOC_MAX */
void kfree(void *obj);
#define KMALLOC_MAX 2048

/* vma.c: per-process VMA tree (AVL, keyed by start address; ranges never overlap). */
struct vma {
	uint64_t start, end; /* [start, end), page aligned */
	int prot;            /* HC_PROT_* bits */
	struct vma *left, *right;
	int height;
};
struct vma_tree {
	struct vma *root;
	uint64_t count;
};
struct vma *vma_find(struct vma_tree *t, uint64_t va); /* the VMA containing va, or NULL */
/* The lowest VMA with end > va, or NULL (iteration: for (v = vma_next(t, 0); v; v = vma_next(t, v->end))). */
struct vma *vma_next(struct vma_tree *t, uint64_t va);
int vma_insert(struct vma_tree *t, struct vma *v); /* -1 if it overlaps an existing VMA */
void vma_remove(struct vma_tree *t, struct vma *v);
/* Lowest page-aligned address a >= lo with [a, a+len) inside [lo, hi) and free; 0 if none. */
uint64_t vma_find_gap(struct vma_tree *t, uint64_t len, uint64_t lo, uint64_t hi);

/* vm.c: address spaces as process code sees them. VMA bookkeeping lives here; the page-level
 * work goes to the MMU backend. Process, exec and syscall code use only these calls. */
struct mm {
	struct vma_tree vmas;
	uint64_t backend; /* the backend's own handle: classic PML4 GPA, or ptefree asid */
};
int mm_init(void);                /* picks the backend from boot_info->mode */
const char *mm_backend_name(void);
struct mm *mm_create(void);       /* NULL if out of memory or no address-space window */
void mm_destroy(struct mm *mm);
struct mm *mm_fork(struct mm *parent); /* copy-on-write or hv copy; NULL on failure */
void mm_switch(struct mm *mm);    /* make mm the current user address space */
/* mmap(NULL or hint, len, prot, MAP_PRIVATE|MAP_ANONYMOUS): returns the address or 0 */
uint64_t mm_mmap(struct mm *mm, uint64_t hint, uint64_t len, int prot);
int mm_map_fixed(struct mm *mm, uint64_t va, uint64_t len, int prot); /* exec, stack */
int mm_munmap(struct mm *mm, uint64_t va, uint64_t len);
int mm_mprotect(struct mm *mm, uint64_t va, uint64_t len, int prot);
/* A page fault at va with x86 error code err in the current mm: 0 if resolved (demand-zero,
 * COW), -1 if the access is invalid and the process must be killed. */
int mm_fault(struct mm *mm, uint64_t va, uint64_t err);

/* The MMU backend seam (like paravirt pv_mmu_ops): classic.c and ptefree.c implement it. */
struct mmu_backend {
	const char *name;
	int (*init)(void);
	int (*as_create)(struct mm *mm);
	void (*as_destroy)(struct mm *mm);
	int (*as_fork)(struct mm *parent, struct mm *child);
	void (*as_switch)(struct mm *mm);
	int (*map)(struct mm *mm, uint64_t va, uint64_t len, int prot);
	int (*unmap)(struct mm *mm, uint64_t va, uint64_t len);
	int (*protect)(struct mm *mm, uint64_t va, uint64_t len, int prot);
	int (*fault)(struct mm *mm, uint64_t va, uint64_t err);
};
extern const struct mmu_backend mmu_classic, mmu_ptefree;

#endif
