/* mm.h: kernel memory: page and object allocators, the VMA tree, address spaces, the MMU seam. */
#ifndef MM_H
#define MM_H

#include "klib.h"
#include "lock.h"

/* Errors from the mm_* calls are negative Linux errno values, as the syscalls return them. */
#define MM_ENOMEM 12
#define MM_EINVAL 22

/* x86 page-fault error code bits (what the CPU pushes; mm_fault takes it as is). */
#define PF_PRESENT 0x01ull /* the page was present: a protection violation */
#define PF_WRITE   0x02ull
#define PF_USER	   0x04ull
#define PF_RSVD	   0x08ull
#define PF_INSTR   0x10ull /* instruction fetch */

#define MM_PROT_ALL (HC_PROT_READ | HC_PROT_WRITE | HC_PROT_EXEC)

/* kalloc.c: 4 KiB pages of kernel memory. Classic: one free list over boot memory
 * [kernel_end, hv_reserved_gpa or mem_size). Ptefree: boot memory is [kernel_end,
 * kmem_boot_end); above it, pages come from kmem chunks obtained by HC_KMEM_ALLOC, and a chunk
 * whose pages are all free goes back to the hv at once (HC_KMEM_FREE). Classic with free page
 * reporting (boot_info free_report_chunk): the same chunks, all the guest's, and a wholly free
 * one is reported at once (HC_FREE_REPORT). Pages come back zeroed;
 * freed pages are filled with junk. kalloc_init is called by mm_init (and by unit tests). */
void kalloc_init(void);
void *kalloc_page(void);      /* kernel virtual address, or NULL when memory is exhausted */
void *kalloc_user_page(void); /* the same for a page mapped into a process (its own chunks) */
void kfree_page(void *page);
uint64_t kalloc_free_pages(void); /* pages free now, without chunks the hv has not handed out */
/* One 32-bit word per page frame for the page's current owner (kmalloc: size class and object
 * count; classic: reference count of a user page). It is 0 when kalloc_page returns the page. */
uint32_t *page_meta(uint64_t pa);

/* kmalloc.c: small objects (size classes 16, 32, ... 2048 bytes) carved from pages. Objects
 * come back zeroed; freed objects are filled with junk to catch dangling references, and a
 * double free panics. A page whose objects are all free goes back to kalloc (one empty page
 * per class is kept to avoid churn). */
void *kmalloc(size_t size); /* NULL when out of memory or size is 0 or > KMALLOC_MAX */
void kfree(void *obj);	    /* kfree(NULL) does nothing */
#define KMALLOC_MAX 2048

/* vma.c: per-process VMA tree (AVL, keyed by start address; ranges never overlap). Each node
 * also summarises its subtree (lowest start, highest end, widest gap between its VMAs) so that
 * the gap search for mmap placement is O(log n) too. The tree never allocates. A VMA is 64
 * bytes (one object of kmalloc's 64-byte class); prot holds HC_PROT_* bits. */
struct vma {
	uint64_t start, end; /* [start, end), page aligned */
	struct vma *left, *right;
	int prot;
	int height;
	uint64_t min_start, max_end, max_gap; /* of the subtree rooted here (vma.c keeps them) */
};
_Static_assert(sizeof(struct vma) == 64, "struct vma fits the 64-byte kmalloc class");
struct vma_tree {
	struct vma *root;
	uint64_t count;
};
struct vma *vma_find(struct vma_tree *t, uint64_t va); /* the VMA containing va, or NULL */
/* The lowest VMA with end > va, or NULL (iteration: for (v = vma_next(t, 0); v; v =
 * vma_next(t, v->end))). */
struct vma *vma_next(struct vma_tree *t, uint64_t va);
int vma_insert(struct vma_tree *t, struct vma *v); /* -1 if it overlaps an existing VMA */
void vma_remove(struct vma_tree *t, struct vma *v);
/* After changing v->start or v->end in place, without overlapping or passing a neighbour:
 * refreshes the subtree summaries on the path to v. */
void vma_update(struct vma_tree *t, struct vma *v);
/* Lowest page-aligned address a >= lo with [a, a+len) inside [lo, hi) and free; 0 if none
 * (address 0 is never returned). */
uint64_t vma_find_gap(struct vma_tree *t, uint64_t len, uint64_t lo, uint64_t hi);

/* vm.c: address spaces as process code sees them. VMA bookkeeping lives here; the page-level
 * work goes to the MMU backend. Process, exec and syscall code use only these calls.
 * The kernel may read and write user memory of the current mm through user addresses; in
 * classic mode such an access can fault in ring 0 (demand-zero, COW), so the #PF handler must
 * pass faults at va < user_top to mm_fault whatever the privilege level. */
struct mm {
	struct vma_tree vmas;
	uint64_t backend; /* the backend's own handle: classic or pvmmu PML4 GPA, ptefree asid */
	struct spinlock lock; /* the VMA tree and the page tables; mm_* calls take it */
	uint32_t users;	      /* processes that share it (threads); the last mm_put destroys it */
	uint32_t cpus;	      /* CPUs that have it loaded (CPU_BIT), updated atomically */
};
int mm_init(void); /* kalloc_init, then the backend boot_info->mode names; 0 or -1 */
const char *mm_backend_name(void);
void mm_cpu_init(void);		  /* on each other CPU: the backend's kernel-only address space */
struct mm *mm_create(void);	  /* NULL if out of memory or no address-space window */
struct mm *mm_get(struct mm *mm); /* one more user (a new thread) */
void mm_put(struct mm *mm);	  /* one user less; the last one destroys it, also when it
				     is this CPU's current mm (the kernel keeps running) */
struct mm *mm_fork(struct mm *parent); /* copy-on-write or hv copy; NULL on failure */
void mm_switch(struct mm *mm);	       /* make mm this CPU's user address space (NULL: none) */
/* For user copies: bytes from va (at most n) in consecutive VMAs that all allow prot. */
uint64_t mm_user_span(struct mm *mm, uint64_t va, uint64_t n, int prot);
/* mmap(hint, len, prot, MAP_PRIVATE|MAP_ANONYMOUS): the address, or -MM_EINVAL (len 0, bad
 * prot), -MM_ENOMEM (too long, no room, out of memory). The hint is used when it is free. */
int64_t mm_mmap(struct mm *mm, uint64_t hint, uint64_t len, int prot);
/* MAP_FIXED: whatever was mapped in [va, va+len) is unmapped first (exec, stack). */
int mm_map_fixed(struct mm *mm, uint64_t va, uint64_t len, int prot);
int mm_munmap(struct mm *mm, uint64_t va, uint64_t len);	     /* 0 or -errno, as Linux */
int mm_mprotect(struct mm *mm, uint64_t va, uint64_t len, int prot); /* 0 or -errno, as Linux */
/* A page fault at va with x86 error code err in mm: 0 if resolved (demand-zero, COW), -1 if the
 * access is invalid (no VMA, protection violation) and the process must be killed. */
int mm_fault(struct mm *mm, uint64_t va, uint64_t err);

/* The MMU backend seam (like paravirt pv_mmu_ops): classic.c, ptefree.c and pvmmu.c implement it.
 * vm.c calls map/unmap/protect only on ranges inside one VMA, and fault only after checking
 * that the VMA (whose prot it passes) allows the access. as_switch(NULL) leaves user space:
 * the kernel half stays mapped. Results are 0 or -errno. */
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
	int (*fault)(struct mm *mm, uint64_t va, uint64_t err, int prot);
};
extern const struct mmu_backend mmu_classic, mmu_ptefree, mmu_pvmmu;

/* pvmmu.c: free page-table frames lent to the pvfuzz test call (0: none left). */
uint64_t pvmmu_frame_take(void);
void pvmmu_frame_give(uint64_t gpa);

/* tlb.c: the MMU instructions the backends use (the unit tests link a recording fake). */
void cpu_load_cr3(uint64_t cr3);
void cpu_invlpg(uint64_t va);

/* smp.c: TLB shootdown. tlb_others: the other CPUs that have mm loaded and so may cache its
 * entries (0 with boot_info->shootdown == SHOOTDOWN_SKIP), read after the caller's entry
 * stores with a full barrier; counts a shootdown when it is not 0. tlb_shootdown: makes the
 * CPUs in mask invalidate the pages (or, past FLUSH_ALL_AFTER or with pages == 0, everything)
 * by IPI and waits until each has. */
uint32_t tlb_others(struct mm *mm);
void tlb_shootdown(uint32_t mask, unsigned pages, const uint64_t *va);

#endif
