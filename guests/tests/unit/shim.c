/* shim.c: the klib services, hypercalls and MMU instructions of the mm code, faked on Linux. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mm.h"

unsigned char *shim_arena;
static struct boot_info shim_boot_info;
struct boot_info *boot_info = &shim_boot_info;
jmp_buf shim_panic_jmp;
int shim_expect_panic;
char shim_panic_msg[256];
struct shim_hv shim_hv;
uint64_t shim_cr3, shim_cr3_loads, shim_invlpgs;

void shim_boot(uint32_t mode, uint64_t mem_size, uint64_t kernel_end, uint64_t kmem_boot_end,
	       uint64_t kmem_chunk, uint64_t user_top)
{
	free(shim_arena);
	/* Page-aligned so that page arithmetic on arena offsets matches the guest's. */
	if (posix_memalign((void **)&shim_arena, 1 << 21, mem_size)) {
		perror("posix_memalign");
		exit(1);
	}
	memset(shim_arena, 0, mem_size);
	memset(&shim_boot_info, 0, sizeof(shim_boot_info));
	memset(&shim_hv, 0, sizeof(shim_hv));
	shim_boot_info.magic = BOOT_MAGIC;
	shim_boot_info.mode = mode;
	shim_boot_info.mem_size = mem_size;
	shim_boot_info.kernel_end = kernel_end;
	shim_boot_info.kmem_boot_end = kmem_boot_end;
	shim_boot_info.kmem_chunk = kmem_chunk;
	shim_boot_info.user_top = user_top;
	shim_hv.next_asid = 1;
}

void printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(shim_panic_msg, sizeof(shim_panic_msg), fmt, ap);
	va_end(ap);
	if (shim_expect_panic)
		longjmp(shim_panic_jmp, 1);
	printf("FAIL panic at %s:%d: %s\n", file, line, shim_panic_msg);
	exit(1);
}

/* Chunk slots are [kmem_boot_end + i * kmem_chunk), up to mem_size, at most 64 of them. */
static int64_t kmem_alloc(void)
{
	struct boot_info *bi = boot_info;
	uint64_t slots = (bi->mem_size - bi->kmem_boot_end) / bi->kmem_chunk;
	if (slots > 64)
		slots = 64;
	if (shim_hv.chunk_limit && shim_hv.chunks_out - shim_hv.chunks_freed >= shim_hv.chunk_limit)
		return -HC_ENOMEM;
	for (uint64_t i = 0; i < slots; i++) {
		if (shim_hv.held & (1ull << i))
			continue;
		shim_hv.held |= 1ull << i;
		shim_hv.chunks_out++;
		uint64_t gpa = bi->kmem_boot_end + i * bi->kmem_chunk;
		memset(P2V(gpa), 0, bi->kmem_chunk);
		return (int64_t)gpa;
	}
	return -HC_ENOMEM;
}

static int64_t kmem_free(uint64_t gpa)
{
	uint64_t i = (gpa - boot_info->kmem_boot_end) / boot_info->kmem_chunk;
	if (i >= 64 || !(shim_hv.held & (1ull << i)))
		return -HC_EBADF;
	shim_hv.held &= ~(1ull << i);
	shim_hv.chunks_freed++;
	/* The host drops the memory: make any later use of it visible. */
	memset(P2V(gpa), 0xdd, boot_info->kmem_chunk);
	return 0;
}

int64_t hypercall(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	if (nr < 32)
		shim_hv.calls[nr]++;
	shim_hv.last_nr = nr;
	shim_hv.last_args[0] = a0;
	shim_hv.last_args[1] = a1;
	shim_hv.last_args[2] = a2;
	shim_hv.last_args[3] = a3;
	if (shim_hv.fail_nr && nr == shim_hv.fail_nr)
		return -HC_ENOMEM;
	switch (nr) {
	case HC_KMEM_ALLOC:
		return kmem_alloc();
	case HC_KMEM_FREE:
		return kmem_free(a0);
	case HC_AS_CREATE:
	case HC_AS_FORK:
		return (int64_t)shim_hv.next_asid++;
	case HC_AS_SWITCH:
		return (int64_t)(0x100000 + a0 * PAGE_SIZE);
	default:
		return 0;
	}
}

void cpu_load_cr3(uint64_t cr3)
{
	shim_cr3 = cr3;
	shim_cr3_loads++;
}

void cpu_invlpg(uint64_t va)
{
	(void)va;
	shim_invlpgs++;
}

/* One CPU: locks are never contended (an expected panic may leave one taken, so taking a
 * held lock is not an error here); no other CPU holds TLB entries. */
void spin_lock(struct spinlock *l)
{
	l->locked = 1;
}

void spin_unlock(struct spinlock *l)
{
	l->locked = 0;
}

int spin_held(struct spinlock *l)
{
	return l->locked;
}

unsigned cpu_id(void)
{
	return 0;
}

uint32_t tlb_others(struct mm *mm)
{
	(void)mm;
	return 0;
}

void tlb_shootdown(uint32_t mask, unsigned pages, const uint64_t *va)
{
	(void)mask, (void)pages, (void)va;
	panic("tlb_shootdown with one CPU");
}
