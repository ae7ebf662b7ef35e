/* lock.h: spinlocks and the CPU index: what the memory code (also built by the unit tests) needs of
 * SMP. */
#ifndef LOCK_H
#define LOCK_H

#include <stdint.h>

/* A spinlock. The kernel runs with interrupts off; a CPU that waits for a lock lets interrupts
 * in between tries, so that it still answers TLB shootdowns (whose handler takes no lock) and
 * two CPUs can never wait for each other through a lock and an IPI. Not recursive. */
struct spinlock {
	volatile uint32_t locked;
	uint32_t cpu; /* holder, for assertions */
};
void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
int spin_held(struct spinlock *l); /* by this CPU */

unsigned cpu_id(void); /* this CPU's index, 0 .. boot_info->ncpus - 1 */
#define CPU_BIT(i) (1u << (i))

#endif
