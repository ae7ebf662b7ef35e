/* decode.h: which addresses an instruction may touch (for faults KVM reports without one). */
#ifndef HV_DECODE_H
#define HV_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kvm_regs;
struct access {
	uint64_t addr;
	bool may_write; /* false: the instruction only reads there */
};
/* Fills out[] with the addresses the instruction in code[0, len) at r->rip may access
 * (memory operand, string and stack pointers); returns how many. An instruction it does
 * not know yields fewer or none. */
int decode_addresses(const uint8_t *code, size_t len, const struct kvm_regs *r, struct access *out,
		     int max);

#endif
