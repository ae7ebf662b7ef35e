/* elf.c: loads an ELF64 x86-64 executable into guest memory, checking every field it uses. */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "hv.h"

#define ELF_MAX_PHDRS 64

/* [off, off + size) lies inside [0, len) without overflow. */
static bool within(uint64_t off, uint64_t size, uint64_t len)
{
	return off <= len && size <= len - off;
}

/* Copies the ELF header out of buf into eh and checks it. */
static int read_header(const uint8_t *buf, size_t len, Elf64_Ehdr *eh, char *err, size_t errlen)
{
	if (len < sizeof *eh)
		return errorf(err, errlen, "file of %zu bytes is too short for an ELF header", len);
	memcpy(eh, buf, sizeof *eh);
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return errorf(err, errlen, "not an ELF file (bad magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return errorf(err, errlen, "not a little-endian ELF64 file");
	if (eh->e_machine != EM_X86_64 || eh->e_type != ET_EXEC)
		return errorf(err, errlen, "not an x86-64 executable (machine %u, type %u)",
			      eh->e_machine, eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return errorf(err, errlen, "program header size %u, expected %zu", eh->e_phentsize,
			      sizeof(Elf64_Phdr));
	if (eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHDRS)
		return errorf(err, errlen, "%u program headers (1..%d allowed)", eh->e_phnum,
			      ELF_MAX_PHDRS);
	if (!within(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), len))
		return errorf(err, errlen, "program headers at offset %#llx lie outside the file",
			      (unsigned long long)eh->e_phoff);
	return 0;
}

static int check_segment(const Elf64_Phdr *ph, int i, size_t len, const struct gmem *m,
			 uint64_t min_gpa, uint64_t vbase, char *err, size_t errlen)
{
	if (ph->p_filesz > ph->p_memsz)
		return errorf(err, errlen, "segment %d: file size exceeds memory size", i);
	if (!within(ph->p_offset, ph->p_filesz, len))
		return errorf(err, errlen, "segment %d: file bytes lie outside the file", i);
	if (ph->p_paddr < min_gpa || !within(ph->p_paddr, ph->p_memsz, m->size))
		return errorf(
		    err, errlen,
		    "segment %d: [%#llx, +%#llx) lies outside guest memory [%#llx, %#llx)", i,
		    (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz,
		    (unsigned long long)min_gpa, (unsigned long long)m->size);
	if (ph->p_vaddr != vbase + ph->p_paddr)
		return errorf(err, errlen,
			      "segment %d: virtual %#llx is not base %#llx + physical %#llx", i,
			      (unsigned long long)ph->p_vaddr, (unsigned long long)vbase,
			      (unsigned long long)ph->p_paddr);
	return 0;
}

static bool overlap(const Elf64_Phdr *a, const Elf64_Phdr *b)
{
	return a->p_paddr < b->p_paddr + b->p_memsz && b->p_paddr < a->p_paddr + a->p_memsz;
}

int elf_load(const uint8_t *buf, size_t len, const struct gmem *m, uint64_t min_gpa, uint64_t vbase,
	     struct elf_image *img, char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	if (read_header(buf, len, &eh, err, errlen) < 0)
		return -1;

	/* Check every segment (and their pairwise overlap) before writing anything. */
	Elf64_Phdr ph[ELF_MAX_PHDRS];
	memcpy(ph, buf + eh.e_phoff, eh.e_phnum * sizeof(Elf64_Phdr));
	int nload = 0;
	bool entry_ok = false;
	uint64_t end = 0;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		if (check_segment(&ph[i], i, len, m, min_gpa, vbase, err, errlen) < 0)
			return -1;
		for (int j = 0; j < i; j++)
			if (ph[j].p_type == PT_LOAD && ph[j].p_memsz && overlap(&ph[i], &ph[j]))
				return errorf(err, errlen, "segments %d and %d overlap", j, i);
		if ((ph[i].p_flags & PF_X) && eh.e_entry >= ph[i].p_vaddr &&
		    eh.e_entry - ph[i].p_vaddr < ph[i].p_memsz)
			entry_ok = true;
		if (ph[i].p_paddr + ph[i].p_memsz > end)
			end = ph[i].p_paddr + ph[i].p_memsz;
		nload++;
	}
	if (nload == 0)
		return errorf(err, errlen, "no loadable segment");
	if (!entry_ok)
		return errorf(err, errlen, "entry point %#llx is not inside an executable segment",
			      (unsigned long long)eh.e_entry);

	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		uint8_t *dst = gmem_setup(m, ph[i].p_paddr, ph[i].p_memsz);
		memcpy(dst, buf + ph[i].p_offset, ph[i].p_filesz);
		memset(dst + ph[i].p_filesz, 0, ph[i].p_memsz - ph[i].p_filesz);
	}
	img->entry = eh.e_entry;
	img->load_end = end;
	return 0;
}

/* The file bytes behind virtual address va, up to the end of its segment's file bytes. */
static const uint8_t *file_at(const uint8_t *buf, const Elf64_Ehdr *eh, uint64_t va, size_t *avail)
{
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, buf + eh->e_phoff + (size_t)i * sizeof ph, sizeof ph);
		if (ph.p_type == PT_LOAD && va >= ph.p_vaddr && va - ph.p_vaddr < ph.p_filesz) {
			*avail = ph.p_filesz - (va - ph.p_vaddr);
			return buf + ph.p_offset + (va - ph.p_vaddr);
		}
	}
	return NULL;
}

/* The value of the symbol called name in the image's symbol table, 0 if there is none. */
static uint64_t symbol_value(const uint8_t *buf, size_t len, const Elf64_Ehdr *eh, const char *name)
{
	if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !within(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), len))
		return 0;
	for (int i = 0; i < eh->e_shnum; i++) {
		Elf64_Shdr sh, str;
		memcpy(&sh, buf + eh->e_shoff + (size_t)i * sizeof sh, sizeof sh);
		if (sh.sh_type != SHT_SYMTAB || sh.sh_link >= eh->e_shnum ||
		    !within(sh.sh_offset, sh.sh_size, len))
			continue;
		memcpy(&str, buf + eh->e_shoff + (size_t)sh.sh_link * sizeof str, sizeof str);
		if (!within(str.sh_offset, str.sh_size, len))
			continue;
		size_t want = strlen(name) + 1;
		for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= sh.sh_size;
		     off += sizeof(Elf64_Sym)) {
			Elf64_Sym sym;
			memcpy(&sym, buf + sh.sh_offset + off, sizeof sym);
			if (sym.st_name < str.sh_size && str.sh_size - sym.st_name >= want &&
			    memcmp(buf + str.sh_offset + sym.st_name, name, want) == 0)
				return sym.st_value;
		}
	}
	return 0;
}

/* The non-empty string at virtual address va, NUL-terminated inside its segment; else NULL. */
static const char *string_at(const uint8_t *buf, const Elf64_Ehdr *eh, uint64_t va)
{
	size_t avail;
	const char *s = (const char *)file_at(buf, eh, va, &avail);
	size_t n = s ? strnlen(s, avail) : 0;
	return n && n < avail ? s : NULL;
}

int elf_programs(const uint8_t *buf, size_t len, struct elf_program *progs, int max, char *err,
		 size_t errlen)
{
	Elf64_Ehdr eh;
	if (read_header(buf, len, &eh, err, errlen) < 0)
		return -1;
	uint64_t table = symbol_value(buf, len, &eh, "embedded_programs");
	if (!table)
		return 0;
	for (int n = 0;; n++) {
		/* guests/kernel/exec.c's struct program: name, image, size, description */
		uint64_t entry[4];
		size_t avail;
		const uint8_t *at = file_at(buf, &eh, table + (uint64_t)n * sizeof entry, &avail);
		if (!at || avail < sizeof entry)
			return errorf(err, errlen, "its table of programs runs outside the image");
		memcpy(entry, at, sizeof entry);
		if (entry[0] == 0)
			return n;
		if (n == max)
			return errorf(err, errlen, "it embeds more than %d programs", max);
		progs[n].name = string_at(buf, &eh, entry[0]);
		progs[n].desc = string_at(buf, &eh, entry[3]);
		if (!progs[n].name || !progs[n].desc)
			return errorf(err, errlen, "program %d's %s is not a string in the image",
				      n, progs[n].name ? "description" : "name");
	}
}
