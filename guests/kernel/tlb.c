/* tlb.c: the x86 instructions that switch address spaces and invalidate TLB entries. */
#include "mm.h"

void cpu_load_cr3(uint64_t cr3)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

void cpu_invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}
