/* exec.c: replaces the current process's image with an ELF program embedded in the kernel. */
#include "klib.h"
#include "defs.h"
#include "gdt.h"
#include "mm.h"
#include "uapi.h"

/* The build generates this table (programs.S): every user program, terminated by name NULL. */
struct program {
	const char *name;
	const uint8_t *image;
	uint64_t size;
	const char *desc; /* what it does: for hv --list, which reads this table from the image */
};
extern const struct program embedded_programs[];

#define ELF_MAGIC   0x464c457fu /* "\x7fELF" */
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define ET_EXEC	    2
#define EM_X86_64   62
#define PT_LOAD	    1
#define PF_X	    1
#define PF_W	    2
#define PF_R	    4

struct elf64_ehdr {
	uint32_t magic;
	uint8_t class, data, version, osabi, pad[8];
	uint16_t type, machine;
	uint32_t version2;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

/* Finds a program by its name; a path finds the program named by its last component. */
static const struct program *program_find(const char *path)
{
	const char *name = path;
	for (const char *s = path; *s; s++)
		if (*s == '/')
			name = s + 1;
	for (const struct program *p = embedded_programs; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static int elf_check(const struct program *prog)
{
	const struct elf64_ehdr *eh = (const void *)prog->image;
	if (prog->size < sizeof *eh || eh->magic != ELF_MAGIC || eh->class != ELFCLASS64 ||
	    eh->data != ELFDATA2LSB || eh->type != ET_EXEC || eh->machine != EM_X86_64 ||
	    eh->phentsize != sizeof(struct elf64_phdr) || eh->entry >= boot_info->user_top)
		return -ENOEXEC;
	if (eh->phoff > prog->size || eh->phnum > (prog->size - eh->phoff) / eh->phentsize)
		return -ENOEXEC;
	return 0;
}

static int prot_of(uint32_t pflags)
{
	return (pflags & PF_R ? PROT_READ : 0) | (pflags & PF_W ? PROT_WRITE : 0) |
	       (pflags & PF_X ? PROT_EXEC : 0);
}

/* Maps one PT_LOAD segment writable, copies its file bytes, then sets its real protection.
 * The rest of the segment (.bss) is fresh anonymous memory, hence zero. */
static int load_segment(struct mm *mm, const struct program *prog, const struct elf64_phdr *ph)
{
	uint64_t top = boot_info->user_top;
	if (ph->filesz > ph->memsz || ph->memsz > top || ph->vaddr > top - ph->memsz ||
	    ph->offset > prog->size || ph->filesz > prog->size - ph->offset)
		return -ENOEXEC;
	uint64_t start = PAGE_ROUND_DOWN(ph->vaddr);
	uint64_t len = PAGE_ROUND_UP(ph->vaddr + ph->memsz) - start;
	int prot = prot_of(ph->flags);
	if (len == 0)
		return 0;
	if (mm_map_fixed(mm, start, len, prot | PROT_WRITE) < 0)
		return -ENOEXEC; /* overlapping segments */
	if (copyout(ph->vaddr, prog->image + ph->offset, ph->filesz) < 0)
		return -ENOMEM;
	if (!(prot & PROT_WRITE) && mm_mprotect(mm, start, len, prot) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * The initial user stack, as on Linux: argc, argv[0..argc-1], NULL, an empty envp, the
 * auxiliary vector (the system-call entry, the CPU count, the TSC rate, AT_NULL), with the
 * strings above them. Returns the 16-byte aligned stack pointer.
 */
static int setup_stack(struct mm *mm, int argc, char *const argv[], uint64_t *sp_out)
{
	uint64_t top = boot_info->user_top;
	if (mm_map_fixed(mm, top - USER_STACK_SIZE, USER_STACK_SIZE, PROT_READ | PROT_WRITE) < 0)
		return -ENOMEM;
	uint64_t vec[1 + MAXARG + 10], sp = top;
	int nvec = 0;
	vec[nvec++] = argc;
	for (int i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]) + 1;
		sp -= len;
		if (copyout(sp, argv[i], len) < 0)
			return -EFAULT;
		vec[nvec++] = sp;
	}
	vec[nvec++] = 0; /* argv terminator */
	vec[nvec++] = 0; /* envp terminator */
	vec[nvec++] = AT_PAGELAB_ENTRY;
	vec[nvec++] = boot_info->syscall_entry;
	vec[nvec++] = AT_PAGELAB_NCPUS;
	vec[nvec++] = boot_info->ncpus;
	vec[nvec++] = AT_PAGELAB_TSC_KHZ;
	vec[nvec++] = boot_info->tsc_khz;
	vec[nvec++] = AT_NULL;
	vec[nvec++] = 0;
	sp = (sp - nvec * sizeof vec[0]) & ~15ull;
	if (copyout(sp, vec, nvec * sizeof vec[0]) < 0)
		return -EFAULT;
	*sp_out = sp;
	return 0;
}

/* Builds the new image in a fresh address space; the old one survives any failure. */
int exec(const char *path, int argc, char *const argv[])
{
	const struct program *prog = program_find(path);
	if (!prog)
		return -ENOENT;
	if (argc > MAXARG)
		return -E2BIG;
	int r = elf_check(prog);
	if (r < 0)
		return r;
	struct proc *p = curproc;
	struct mm *old = p->mm, *mm = mm_create();
	if (!mm)
		return -ENOMEM;
	p->mm = mm; /* page faults during loading resolve in the new address space */
	mm_switch(mm);

	const struct elf64_ehdr *eh = (const void *)prog->image;
	const struct elf64_phdr *ph = (const void *)(prog->image + eh->phoff);
	uint64_t sp = 0;
	for (int i = 0; i < eh->phnum && r == 0; i++)
		if (ph[i].type == PT_LOAD)
			r = load_segment(mm, prog, &ph[i]);
	if (r == 0)
		r = setup_stack(mm, argc, argv, &sp);
	if (r < 0) {
		p->mm = old;
		if (old)
			mm_switch(old);
		mm_put(mm);
		return r;
	}
	if (old)
		mm_put(old);

	strncpy_safe(p->name, prog->name, sizeof p->name);
	memset(p->tf, 0, sizeof *p->tf);
	p->tf->rip = eh->entry;
	p->tf->rsp = sp;
	p->tf->rdi = argc; /* also on the stack; crt0 reads the stack */
	p->tf->rsi = sp + 8;
	p->tf->cs = USER_CS;
	p->tf->ss = USER_DS;
	p->tf->rflags = 0x202; /* IF: user code takes IPIs (the only interrupts there are) */
	proc_fpu_reset();
	return 0;
}
