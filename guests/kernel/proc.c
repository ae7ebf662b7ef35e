/* proc.c: the process table, the cooperative scheduler, fork, exit and wait. */
#include "klib.h"
#include "defs.h"
#include "mm.h"
#include "uapi.h"
#include "x86.h"

struct proc *curproc;
static struct proc procs[NPROC];
static char kstacks[NPROC][KSTACK_SIZE] __attribute__((aligned(16)));
static struct context *scheduler_context;
static struct proc *initproc;
static struct mm *active_mm; /* the address space loaded in the MMU */
static int next_pid = 1;
static char init_cmdline[BOOT_CMDLINE_MAX];

/* x87 control word and MXCSR as after reset: new processes and every exec start from it. */
static uint8_t fpu_initial[512] __attribute__((aligned(16)));
#define FXSAVE_FCW   0
#define FXSAVE_MXCSR 24

void proc_init(void)
{
	for (int i = 0; i < NPROC; i++)
		procs[i].kstack = kstacks[i];
	*(uint16_t *)&fpu_initial[FXSAVE_FCW] = 0x37f;
	*(uint32_t *)&fpu_initial[FXSAVE_MXCSR] = 0x1f80;
}

/* A process slot in state EMBRYO whose kernel thread will start at proc_trampoline. */
static struct proc *proc_alloc(void)
{
	struct proc *p = NULL;
	for (int i = 0; i < NPROC && !p; i++)
		if (procs[i].state == UNUSED)
			p = &procs[i];
	if (!p)
		return NULL;
	p->state = EMBRYO;
	p->pid = next_pid++;
	p->tf = (struct trapframe *)(p->kstack + KSTACK_SIZE) - 1;
	p->context = (struct context *)p->tf - 1;
	memset(p->context, 0, sizeof *p->context);
	p->context->rip = (uint64_t)proc_trampoline;
	memcpy(p->fpu, fpu_initial, sizeof fpu_initial);
	return p;
}

static void proc_free(struct proc *p)
{
	p->state = UNUSED;
	p->parent = NULL;
	p->mm = NULL;
	p->pid = 0;
}

void proc_switch_mm(struct mm *mm)
{
	if (mm != active_mm)
		mm_switch(mm);
	active_mm = mm;
}

void proc_destroy_mm(struct mm *mm)
{
	if (mm == active_mm)
		active_mm = NULL; /* mm_destroy leaves user space; a later switch must reload */
	mm_destroy(mm);
}

void proc_fpu_reset(void)
{
	memcpy(curproc->fpu, fpu_initial, sizeof fpu_initial);
	fxrstor(curproc->fpu);
}

/* Runs in the first process's kernel thread: exec boot_info's command line ("PROG ARG..."). */
static void first_exec(void)
{
	char *argv[MAXARG + 1];
	int argc = 0;
	for (char *s = init_cmdline; *s && argc < MAXARG;) {
		while (*s == ' ')
			*s++ = '\0';
		if (!*s)
			break;
		argv[argc++] = s;
		while (*s && *s != ' ')
			s++;
	}
	argv[argc] = NULL;
	int r = argc ? exec(argv[0], argc, argv) : -ENOENT;
	if (r < 0) {
		printk("cannot run '%s': error %d\n", argc ? argv[0] : "", -r);
		proc_exit(W_EXITCODE(127, 0));
	}
}

void proc_start_first(const char *cmdline)
{
	struct proc *p = proc_alloc();
	KASSERT(p);
	strncpy_safe(init_cmdline, cmdline, sizeof init_cmdline);
	strncpy_safe(p->name, "init", sizeof p->name);
	p->context->rbx = (uint64_t)first_exec; /* proc_trampoline calls it, then trapret */
	initproc = p;
	p->state = RUNNABLE;
}

/* Gives the CPU back to the scheduler; the caller has set curproc->state. */
static void sched(void)
{
	fxsave(curproc->fpu);
	swtch(&curproc->context, scheduler_context);
}

/* Round robin over the table; without timer interrupts a process runs until it blocks. */
void scheduler(void)
{
	for (;;) {
		int ran = 0;
		for (int i = 0; i < NPROC; i++) {
			struct proc *p = &procs[i];
			if (p->state != RUNNABLE)
				continue;
			ran = 1;
			curproc = p;
			p->state = RUNNING;
			if (p->mm)
				proc_switch_mm(p->mm);
			cpu_set_kstack((uint64_t)(p->kstack + KSTACK_SIZE));
			fxrstor(p->fpu);
			swtch(&scheduler_context, p->context);
			curproc = NULL;
		}
		if (!ran)
			panic("no runnable process (every process waits)");
	}
}

void proc_yield(void)
{
	curproc->state = RUNNABLE;
	sched();
}

int proc_fork(void)
{
	struct proc *p = curproc, *child = proc_alloc();
	if (!child)
		return -EAGAIN;
	child->mm = mm_fork(p->mm);
	if (!child->mm) {
		proc_free(child);
		return -ENOMEM;
	}
	*child->tf = *p->tf;
	child->tf->rax = 0; /* fork() returns 0 in the child */
	fxsave(child->fpu); /* the parent's live user FPU state */
	child->parent = p;
	memcpy(child->name, p->name, sizeof child->name);
	child->state = RUNNABLE;
	return child->pid;
}

static void wake_if_waiting(struct proc *p)
{
	if (p && p->state == WAITING)
		p->state = RUNNABLE;
}

void proc_exit(int wait_status)
{
	struct proc *p = curproc;
	if (p == initproc) {
		/* The guest's exit status: the program's, or 128 + signal as a shell reports. */
		int code =
		    WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
		hypercall(HC_EXIT, code, 0, 0, 0);
		panic("HC_EXIT returned");
	}
	for (int i = 0; i < NPROC; i++) {
		if (procs[i].parent != p)
			continue;
		procs[i].parent = initproc; /* orphans: init reaps them */
		if (procs[i].state == ZOMBIE)
			wake_if_waiting(initproc);
	}
	/* Memory goes back at exit, as on Linux; the zombie keeps only its slot and status. */
	if (p->mm)
		proc_destroy_mm(p->mm);
	p->mm = NULL;
	p->wait_status = wait_status;
	p->state = ZOMBIE;
	wake_if_waiting(p->parent);
	sched();
	panic("zombie %d was scheduled", p->pid);
}

int proc_wait(int pid, int *wait_status, int options)
{
	struct proc *p = curproc;
	for (;;) {
		int have_children = 0;
		for (int i = 0; i < NPROC; i++) {
			struct proc *c = &procs[i];
			/* pid <= 0: any child (there are no process groups) */
			if (c->parent != p || (pid > 0 && c->pid != pid))
				continue;
			have_children = 1;
			if (c->state != ZOMBIE)
				continue;
			int id = c->pid;
			*wait_status = c->wait_status;
			proc_free(c);
			return id;
		}
		if (!have_children)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		p->state = WAITING;
		sched();
	}
}
