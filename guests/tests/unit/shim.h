/* shim.h: host stand-ins for the kernel's direct map, forced into every unit-test compile. */
#ifndef UNIT_SHIM_H
#define UNIT_SHIM_H

#include <setjmp.h>
#include <stdint.h>

/* Guest-physical memory is a host arena: kernel virtual = arena + guest-physical. */
extern unsigned char *shim_arena;
#define P2V(pa) ((void *)(shim_arena + (uint64_t)(pa)))
#define V2P(va) ((uint64_t)((unsigned char *)(va)-shim_arena))

struct boot_info;
/* Builds boot_info and a fresh arena of mem_size bytes (old arena freed). */
void shim_boot(uint32_t mode, uint64_t mem_size, uint64_t kernel_end, uint64_t kmem_boot_end,
	       uint64_t kmem_chunk, uint64_t user_top);

/* panic(): longjmps to shim_panic_jmp when shim_expect_panic is set, else aborts. */
extern jmp_buf shim_panic_jmp;
extern int shim_expect_panic;
extern char shim_panic_msg[256];
#define EXPECT_PANIC(stmt)                                                                         \
	({                                                                                         \
		int panicked_ = 0;                                                                 \
		shim_expect_panic = 1;                                                             \
		if (setjmp(shim_panic_jmp) == 0) {                                                 \
			stmt;                                                                      \
		} else {                                                                           \
			panicked_ = 1;                                                             \
		}                                                                                  \
		shim_expect_panic = 0;                                                             \
		panicked_;                                                                         \
	})

/* The fake hv: kmem chunks handed out and returned, and a log of the other hypercalls. */
struct shim_hv {
	uint64_t chunks_out, chunks_freed, chunk_limit; /* chunk_limit: 0 = every free slot */
	uint64_t held;					/* bitmap of chunk slots handed out */
	uint64_t next_asid, last_nr, last_args[4], calls[32];
	int64_t fail_nr; /* a hypercall number that fails with -HC_ENOMEM (0: none) */
};
extern struct shim_hv shim_hv;

/* The fake TLB: counts of CR3 loads and invlpg, and the last CR3. */
extern uint64_t shim_cr3, shim_cr3_loads, shim_invlpgs;

#endif
