/* test_elf.c: the ELF loader against good, truncated, overlapping and out-of-range images. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include "hv.h"
#include "test.h"

#define MEM_SIZE (4 * MIB)
#define VBASE	 KERNBASE

static uint8_t mem[MEM_SIZE];
static const struct gmem gm = {.host = mem, .size = MEM_SIZE};

/* An image: ELF header, two program headers (text, data+bss), then their bytes. */
struct image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	uint8_t text[64];
	uint8_t data[32];
};

static struct image good_image(void)
{
	struct image im;
	memset(&im, 0, sizeof im);
	memcpy(im.eh.e_ident, ELFMAG, SELFMAG);
	im.eh.e_ident[EI_CLASS] = ELFCLASS64;
	im.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im.eh.e_ident[EI_VERSION] = EV_CURRENT;
	im.eh.e_type = ET_EXEC;
	im.eh.e_machine = EM_X86_64;
	im.eh.e_version = EV_CURRENT;
	im.eh.e_phoff = offsetof(struct image, ph);
	im.eh.e_phentsize = sizeof(Elf64_Phdr);
	im.eh.e_phnum = 2;
	im.eh.e_ehsize = sizeof(Elf64_Ehdr);
	im.ph[0] = (Elf64_Phdr){.p_type = PT_LOAD,
				.p_flags = PF_R | PF_X,
				.p_offset = offsetof(struct image, text),
				.p_paddr = KERNEL_LOAD_GPA,
				.p_vaddr = VBASE + KERNEL_LOAD_GPA,
				.p_filesz = sizeof im.text,
				.p_memsz = sizeof im.text};
	im.ph[1] = (Elf64_Phdr){.p_type = PT_LOAD,
				.p_flags = PF_R | PF_W,
				.p_offset = offsetof(struct image, data),
				.p_paddr = KERNEL_LOAD_GPA + 0x1000,
				.p_vaddr = VBASE + KERNEL_LOAD_GPA + 0x1000,
				.p_filesz = sizeof im.data,
				.p_memsz = 0x2000};
	im.eh.e_entry = VBASE + KERNEL_LOAD_GPA + 8;
	memset(im.text, 0x90, sizeof im.text);
	memset(im.data, 0xab, sizeof im.data);
	return im;
}

static int load(const void *buf, size_t len, struct elf_image *img, char *err)
{
	return elf_load(buf, len, &gm, KERNEL_LOAD_GPA, VBASE, img, err, 256);
}

/* Loads a bad image and checks it is refused with a message and nothing written. */
static void expect_refused(const struct image *im, size_t len, const char *what)
{
	struct elf_image img;
	char err[256] = "";
	memset(mem, 0x5a, MEM_SIZE);
	CHECK(load(im, len, &img, err) < 0, "%s was accepted", what);
	CHECK(err[0] != '\0', "%s: no message", what);
	CHECK(mem[KERNEL_LOAD_GPA] == 0x5a && mem[KERNEL_LOAD_GPA + 0x1000] == 0x5a,
	      "%s: memory written before the checks finished", what);
}

static void test_good_image(void)
{
	struct image im = good_image();
	struct elf_image img;
	char err[256] = "";
	memset(mem, 0x5a, MEM_SIZE);
	CHECK(load(&im, sizeof im, &img, err) == 0, "%s", err);
	CHECK(img.entry == VBASE + KERNEL_LOAD_GPA + 8, "entry %#lx", img.entry);
	CHECK(img.load_end == KERNEL_LOAD_GPA + 0x3000, "load_end %#lx", img.load_end);
	CHECK(mem[KERNEL_LOAD_GPA] == 0x90 && mem[KERNEL_LOAD_GPA + 63] == 0x90, "text");
	CHECK(mem[KERNEL_LOAD_GPA + 0x1000] == 0xab, "data");
	CHECK(mem[KERNEL_LOAD_GPA + 0x1000 + 32] == 0 && mem[KERNEL_LOAD_GPA + 0x2fff] == 0,
	      "bss not zeroed");
	CHECK(mem[KERNEL_LOAD_GPA + 0x3000] == 0x5a, "wrote past the last segment");
}

static void test_truncated(void)
{
	struct image im = good_image();
	expect_refused(&im, 10, "a 10-byte file");
	expect_refused(&im, sizeof(Elf64_Ehdr) + 8, "cut inside the program headers");
	expect_refused(&im, offsetof(struct image, data) + 4, "cut inside a segment");
}

static void test_bad_header(void)
{
	struct image im = good_image();
	im.eh.e_ident[1] = 'X';
	expect_refused(&im, sizeof im, "bad magic");
	im = good_image();
	im.eh.e_ident[EI_CLASS] = ELFCLASS32;
	expect_refused(&im, sizeof im, "ELF32");
	im = good_image();
	im.eh.e_machine = EM_AARCH64;
	expect_refused(&im, sizeof im, "another machine");
	im = good_image();
	im.eh.e_phnum = 0;
	expect_refused(&im, sizeof im, "no program headers");
	im = good_image();
	im.eh.e_phnum = 0xffff;
	expect_refused(&im, sizeof im, "65535 program headers");
	im = good_image();
	im.eh.e_phoff = ~0ull - 8;
	expect_refused(&im, sizeof im, "program header offset that overflows");
	im = good_image();
	im.eh.e_phentsize = 32;
	expect_refused(&im, sizeof im, "odd program header size");
	im = good_image();
	im.eh.e_entry = VBASE + KERNEL_LOAD_GPA + 0x1000;
	expect_refused(&im, sizeof im, "entry in a data segment");
	im = good_image();
	im.ph[0].p_type = im.ph[1].p_type = PT_NOTE;
	expect_refused(&im, sizeof im, "no loadable segment");
}

static void test_out_of_range(void)
{
	struct image im = good_image();
	im.ph[1].p_paddr = KERNEL_LOAD_GPA - 0x1000;
	im.ph[1].p_vaddr = VBASE + im.ph[1].p_paddr;
	expect_refused(&im, sizeof im, "segment below the load address");
	im = good_image();
	im.ph[1].p_paddr = MEM_SIZE - 0x1000;
	im.ph[1].p_vaddr = VBASE + im.ph[1].p_paddr;
	expect_refused(&im, sizeof im, "segment past the end of memory");
	im = good_image();
	im.ph[1].p_memsz = ~0ull - 0x100;
	expect_refused(&im, sizeof im, "huge memory size (paddr + memsz overflows)");
	im = good_image();
	im.ph[1].p_filesz = ~0ull;
	im.ph[1].p_memsz = ~0ull;
	expect_refused(&im, sizeof im, "huge file size");
	im = good_image();
	im.ph[1].p_offset = ~0ull - 4;
	expect_refused(&im, sizeof im, "offset + filesz overflows");
	im = good_image();
	im.ph[1].p_filesz = im.ph[1].p_memsz + 1;
	expect_refused(&im, sizeof im, "filesz > memsz");
	im = good_image();
	im.ph[1].p_vaddr += 0x1000;
	expect_refused(&im, sizeof im, "virtual address not base + physical");
}

static void test_overlap(void)
{
	struct image im = good_image();
	im.ph[1].p_paddr = KERNEL_LOAD_GPA + 32;
	im.ph[1].p_vaddr = VBASE + im.ph[1].p_paddr;
	expect_refused(&im, sizeof im, "overlapping segments");
	im = good_image();
	im.ph[0].p_memsz = 0x2000; /* text's bss runs into data */
	expect_refused(&im, sizeof im, "text memory over data");
}

int main(void)
{
	RUN_TEST(test_good_image);
	RUN_TEST(test_truncated);
	RUN_TEST(test_bad_header);
	RUN_TEST(test_out_of_range);
	RUN_TEST(test_overlap);
	TEST_EXIT();
}
