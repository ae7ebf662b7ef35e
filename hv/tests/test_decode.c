/* test_decode.c: the addresses the fault locator derives from instruction bytes. */
#include <linux/kvm.h>
#include "ptefree/decode.h"
#include "hv.h"
#include "test.h"

static struct kvm_regs regs = {
    .rax = 0x1000,
    .rbx = 0x2000,
    .rcx = 3,
    .rdx = 0x4000,
    .rsi = 0x5000,
    .rdi = 0x6000,
    .rsp = 0x7000,
    .rbp = 0x8000,
    .r12 = 0xc000,
    .rip = 0x400000,
};

/* Decodes code and checks that want is among the addresses, with the given write flag. */
static void expect(const char *what, const uint8_t *code, size_t len, uint64_t want, bool write)
{
	struct access acc[8];
	int n = decode_addresses(code, len, &regs, acc, 8);
	bool found = false;
	for (int i = 0; i < n; i++)
		found |= acc[i].addr == want && acc[i].may_write == write;
	CHECK(found, "%s: %#lx not among %d addresses", what, want, n);
}

static void test_memory_operands(void)
{
	expect("mov %al,(%rbx)", (const uint8_t[]){0x88, 0x03}, 2, 0x2000, true);
	expect("movb $1,0x10(%rax)", (const uint8_t[]){0xc6, 0x40, 0x10, 0x01}, 4, 0x1010, true);
	expect("mov -8(%rbp),%eax", (const uint8_t[]){0x8b, 0x45, 0xf8}, 3, 0x7ff8, true);
	expect("cmpb $0,(%rdi,%rax)", (const uint8_t[]){0x80, 0x3c, 0x07, 0x00}, 4, 0x7000, true);
	expect("mov %rax,(%r12)", (const uint8_t[]){0x49, 0x89, 0x04, 0x24}, 4, 0xc000, true);
	expect("mov 0x100(%rip),%eax", (const uint8_t[]){0x8b, 0x05, 0x00, 0x01, 0x00, 0x00}, 6,
	       0x400000 + 6 + 0x100, true);
	expect("movl $7,0x10(%rip)", (const uint8_t[]){0xc7, 0x05, 0x10, 0, 0, 0, 7, 0, 0, 0}, 10,
	       0x400000 + 10 + 0x10, true);
	expect("movups %xmm0,(%rdx)", (const uint8_t[]){0x0f, 0x11, 0x02}, 3, 0x4000, true);
	expect("movups straddling", (const uint8_t[]){0x0f, 0x11, 0x02}, 3, 0x400f, true);
	expect("mov 0x20(,%rcx,8),%rax", (const uint8_t[]){0x48, 0x8b, 0x04, 0xcd, 0x20, 0, 0, 0},
	       8, 0x38, true);
	expect("addr32 mov (%eax),%ebx", (const uint8_t[]){0x67, 0x8b, 0x18}, 3, 0x1000, true);
}

static void test_implicit_operands(void)
{
	expect("rep movsb (src)", (const uint8_t[]){0xf3, 0xa4}, 2, 0x5000, false);
	expect("rep movsb (dst)", (const uint8_t[]){0xf3, 0xa4}, 2, 0x6000, true);
	expect("rep stosq", (const uint8_t[]){0xf3, 0x48, 0xab}, 3, 0x6000, true);
	expect("push %rax", (const uint8_t[]){0x50}, 1, 0x6ff8, true);
	expect("call rel32", (const uint8_t[]){0xe8, 0, 0, 0, 0}, 5, 0x6ff8, true);
	expect("ret", (const uint8_t[]){0xc3}, 1, 0x7000, false);
	expect("call *(%rax)", (const uint8_t[]){0xff, 0x10}, 2, 0x1000, true);
	expect("call *(%rax) pushes", (const uint8_t[]){0xff, 0x10}, 2, 0x6ff8, true);
}

static void test_truncated_and_unknown(void)
{
	struct access acc[8];
	CHECK(decode_addresses((const uint8_t[]){0x8b}, 1, &regs, acc, 8) == 0, "no ModRM byte");
	CHECK(decode_addresses((const uint8_t[]){0x8b, 0x05, 0x00}, 3, &regs, acc, 8) == 0,
	      "cut displacement");
	CHECK(decode_addresses((const uint8_t[]){0x66, 0x66, 0x66}, 3, &regs, acc, 8) == 0,
	      "prefixes only");
	CHECK(decode_addresses((const uint8_t[]){0x90}, 1, &regs, acc, 8) == 0, "nop");
	CHECK(decode_addresses((const uint8_t[]){0x89, 0xc3}, 2, &regs, acc, 8) == 0,
	      "register operands only");
	CHECK(decode_addresses(NULL, 0, &regs, acc, 8) == 0, "nothing to read");
}

int main(void)
{
	RUN_TEST(test_memory_operands);
	RUN_TEST(test_implicit_operands);
	RUN_TEST(test_truncated_and_unknown);
	TEST_EXIT();
}
