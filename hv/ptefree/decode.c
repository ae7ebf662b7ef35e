/* decode.c: the memory addresses an x86-64 instruction may access, from its bytes and registers. */
#include <linux/kvm.h>
#include <string.h>
#include "decode.h"

/* One-byte opcodes followed by a ModRM byte (bit per opcode). */
static const uint32_t modrm_map0[8] = {
    0x0f0f0f0f, /* 00-1f: arithmetic r/m forms */
    0x0f0f0f0f, /* 20-3f */
    0x00000000, /* 40-5f */
    0x00000a0c, /* 60-7f: 62 63 69 6b */
    0x0000ffff, /* 80-9f: 80-8f */
    0x00000000, /* a0-bf */
    0xff0f00f3, /* c0-df: c0 c1 c4-c7, d0-d3 d8-df */
    0xc0c00000, /* e0-ff: f6 f7 fe ff */
};

static bool has_modrm(int map, uint8_t op)
{
	if (map == 0)
		return modrm_map0[op / 32] >> (op % 32) & 1;
	if (map == 1) /* two-byte opcodes without ModRM */
		return !((op >= 0x05 && op <= 0x0b) || op == 0x0e || (op >= 0x30 && op <= 0x37) ||
			 op == 0x77 || (op >= 0x80 && op <= 0x8f) || op == 0xa0 || op == 0xa1 ||
			 op == 0xa2 || op == 0xa8 || op == 0xa9 || op == 0xaa ||
			 (op >= 0xc8 && op <= 0xcf));
	return true;
}

/* Bytes of immediate after the ModRM operand (needed for RIP-relative addresses). */
static int imm_size(int map, uint8_t op, uint8_t reg, bool op16)
{
	int z = op16 ? 2 : 4;
	if (map == 3)
		return 1;
	if (map == 1)
		return (op >= 0x70 && op <= 0x73) || op == 0xc2 || op == 0xc4 || op == 0xc5 ||
			       op == 0xc6 || op == 0xba || op == 0xa4 || op == 0xac
			   ? 1
			   : 0;
	if (map == 2)
		return 0;
	switch (op) {
	case 0x80:
	case 0x82:
	case 0x83:
	case 0xc0:
	case 0xc1:
	case 0xc6:
	case 0x6b:
		return 1;
	case 0x81:
	case 0xc7:
	case 0x69:
		return z;
	case 0xf6:
		return reg <= 1 ? 1 : 0;
	case 0xf7:
		return reg <= 1 ? z : 0;
	}
	return 0;
}

static uint64_t gpr(const struct kvm_regs *r, int n)
{
	const uint64_t v[16] = {r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
				r->r8,	r->r9,	r->r10, r->r11, r->r12, r->r13, r->r14, r->r15};
	return v[n & 15];
}

static int32_t s32(const uint8_t *p)
{
	int32_t v;
	memcpy(&v, p, 4);
	return v;
}

int decode_addresses(const uint8_t *code, size_t len, const struct kvm_regs *r, struct access *out,
		     int max)
{
	size_t i = 0;
	uint8_t rex = 0;
	bool op16 = false, addr32 = false;
	int n = 0;
#define NEED(k)                                                                                    \
	do {                                                                                       \
		if (i + (k) > len)                                                                 \
			return n;                                                                  \
	} while (0)
#define ADD(addr, w)                                                                               \
	do {                                                                                       \
		if (n < max)                                                                       \
			out[n++] = (struct access){(addr), (w)};                                   \
	} while (0)
	for (;; i++) {
		NEED(1);
		uint8_t b = code[i];
		if (b == 0x66)
			op16 = true;
		else if (b == 0x67)
			addr32 = true;
		else if (!(b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x36 ||
			   b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65))
			break;
	}
	if ((code[i] & 0xf0) == 0x40)
		rex = code[i++];
	NEED(1);
	int map = 0;
	uint8_t op = code[i++];
	if (op == 0x0f) {
		NEED(1);
		op = code[i++];
		map = 1;
		if (op == 0x38 || op == 0x3a) {
			map = op == 0x38 ? 2 : 3;
			NEED(1);
			op = code[i++];
		}
	}
	if (map == 0) {
		/* string instructions use RSI / RDI; stack ones RSP */
		if (op == 0xa4 || op == 0xa5 || op == 0xa6 || op == 0xa7 || op == 0xac ||
		    op == 0xad)
			ADD(r->rsi, false);
		if (op == 0xa4 || op == 0xa5 || op == 0xaa || op == 0xab)
			ADD(r->rdi, true);
		if (op == 0xa6 || op == 0xa7 || op == 0xae || op == 0xaf)
			ADD(r->rdi, false);
		if ((op >= 0x50 && op <= 0x57) || op == 0x68 || op == 0x6a || op == 0xe8 ||
		    op == 0x9c)
			ADD(r->rsp - 8, true);
		if ((op >= 0x58 && op <= 0x5f) || op == 0xc3 || op == 0xc2 || op == 0x9d)
			ADD(r->rsp, false);
	}
	if (!has_modrm(map, op))
		return n;
	NEED(1);
	uint8_t modrm = code[i++];
	uint8_t mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
	if (map == 0 && op == 0xff && (reg == 2 || reg == 6))
		ADD(r->rsp - 8, true); /* indirect call, push */
	if (map == 0 && op == 0x8f)
		ADD(r->rsp, false); /* pop to memory */
	if (mod == 3)
		return n;
	uint64_t ea = 0;
	bool rip_relative = false;
	if (rm == 4) {
		NEED(1);
		uint8_t sib = code[i++];
		int index = ((sib >> 3) & 7) | (rex & 2 ? 8 : 0),
		    base = (sib & 7) | (rex & 1 ? 8 : 0);
		if (index != 4)
			ea += gpr(r, index) << (sib >> 6);
		if ((sib & 7) == 5 && mod == 0) {
			NEED(4);
			ea += (uint64_t)(int64_t)s32(code + i);
			i += 4;
		} else {
			ea += gpr(r, base);
		}
	} else if (rm == 5 && mod == 0) {
		NEED(4);
		ea = (uint64_t)(int64_t)s32(code + i);
		i += 4;
		rip_relative = true;
	} else {
		ea = gpr(r, rm | (rex & 1 ? 8 : 0));
	}
	if (mod == 1) {
		NEED(1);
		ea += (uint64_t)(int64_t)(int8_t)code[i++];
	} else if (mod == 2) {
		NEED(4);
		ea += (uint64_t)(int64_t)s32(code + i);
		i += 4;
	}
	if (rip_relative)
		ea += r->rip + i + imm_size(map, op, reg, op16);
	if (addr32)
		ea &= 0xffffffffull;
	/* the operand may straddle a page: name its last byte too (16-byte vectors at most) */
	ADD(ea, true);
	ADD(ea + 15, true);
	return n;
#undef NEED
#undef ADD
}
