/* proc.c: the process table, the per-CPU cooperative schedulers, fork, threads, exit, wait. */
#include "klib.h"
#include "defs.h"
#include "mm.h"
#include "uapi.h"
#include "gdt.h"
#include "x86.h"

static struct spinlock ptable_lock; /* every proc's state, parent, pid; next_pid; the queue */
static struct proc *runq_head, *runq_tail; /* RUNNABLE processes, oldest first */
static struct proc procs[NPROC];
static char kstacks[NPROC][KSTACK_SIZE] __attribute__((aligned(16)));
static struct proc *initproc;
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
	spin_lock(&ptable_lock);
	for (int i = 0; i < NPROC && !p; i++)
		if (procs[i].state == UNUSED)
			p = &procs[i];
	if (p) {
		p->state = EMBRYO;
		p->pid = next_pid++;
	}
	spin_unlock(&ptable_lock);
	if (!p)
		return NULL;
	p->tf = (struct trapframe *)(p->kstack + KSTACK_SIZE) - 1;
	p->context = (struct context *)p->tf - 1;
	memset(p->context, 0, sizeof *p->context);
	p->context->rip = (uint64_t)proc_trampoline; /* it unlocks the table (proc_started) */
	memcpy(p->fpu, fpu_initial, sizeof fpu_initial);
	return p;
}

/* With the table locked (or an EMBRYO slot nobody else sees). */
static void proc_free(struct proc *p)
{
	p->state = UNUSED;
	p->parent = NULL;
	p->mm = NULL;
	p->pid = 0;
}

/* A slot that proc_alloc gave but that never ran. */
static void proc_unalloc(struct proc *p)
{
	spin_lock(&ptable_lock);
	proc_free(p);
	spin_unlock(&ptable_lock);
}

/* With the table locked: p becomes RUNNABLE, at the end of the run queue. */
static void runq_add(struct proc *p)
{
	p->state = RUNNABLE;
	p->runq_next = NULL;
	if (runq_tail)
		runq_tail->runq_next = p;
	else
		runq_head = p;
	runq_tail = p;
}

/* A new process becomes runnable; an idle CPU is woken for it. */
static void make_runnable(struct proc *p)
{
	spin_lock(&ptable_lock);
	runq_add(p);
	smp_wake_idle();
	spin_unlock(&ptable_lock);
}

/* First C code of a new kernel thread (proc_trampoline): the scheduler switched to it with
 * the table locked. */
void proc_started(void)
{
	spin_unlock(&ptable_lock);
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
	runq_add(p);
}

/* Gives the CPU back to its scheduler, with the table locked and curproc->state set. The
 * process may come back on another CPU. */
static void sched(void)
{
	struct proc *p = curproc;
	KASSERT(spin_held(&ptable_lock));
	fxsave(p->fpu);
	swtch(&p->context, mycpu()->scheduler);
}

/* The oldest runnable process (round robin, as processes queue again when they yield); the
 * table is locked. A queue rather than a scan of the table: the scheduler's cost stays the
 * same whatever NPROC is (a PVM host emulates each of its instructions). */
static struct proc *pick(void)
{
	struct proc *p = runq_head;
	if (p && !(runq_head = p->runq_next))
		runq_tail = NULL;
	return p;
}

/* One per CPU. Without timer interrupts a process runs until it blocks. With nothing to run,
 * a CPU leaves user space (its mm may go away meanwhile) and halts until a wake-up IPI. */
void scheduler(void)
{
	struct cpu *c = mycpu();
	spin_lock(&ptable_lock);
	for (;;) {
		struct proc *p = pick();
		if (!p) {
			if (boot_info->ncpus == 1)
				panic("no runnable process (every process waits)");
			mm_switch(NULL); /* before anyone can run (and end) its other users */
			c->idle = 1;
			spin_unlock(&ptable_lock);
			smp_idle();
			spin_lock(&ptable_lock);
			c->idle = 0;
			continue;
		}
		c->proc = p;
		p->state = RUNNING;
		if (p->mm)
			mm_switch(p->mm);
		cpu_set_kstack((uint64_t)(p->kstack + KSTACK_SIZE));
		fxrstor(p->fpu);
		swtch(&c->scheduler, p->context);
		c->proc = NULL;
	}
}

void proc_yield(void)
{
	spin_lock(&ptable_lock);
	runq_add(curproc);
	sched();
	spin_unlock(&ptable_lock);
}

/* A new process (fork or thread) that returns to user mode with frame tf. */
static int proc_spawn(struct proc *child, struct mm *mm, const struct trapframe *tf)
{
	struct proc *p = curproc;
	child->mm = mm;
	*child->tf = *tf;
	child->parent = p;
	memcpy(child->name, p->name, sizeof child->name);
	int pid = child->pid;
	make_runnable(child);
	return pid;
}

int proc_fork(void)
{
	struct proc *p = curproc, *child = proc_alloc();
	if (!child)
		return -EAGAIN;
	struct mm *mm = mm_fork(p->mm);
	if (!mm) {
		proc_unalloc(child);
		return -ENOMEM;
	}
	fxsave(child->fpu); /* the parent's live user FPU state */
	struct trapframe tf = *p->tf;
	tf.rax = 0; /* fork() returns 0 in the child */
	return proc_spawn(child, mm, &tf);
}

int proc_thread_create(uint64_t entry, uint64_t stack_top, uint64_t arg)
{
	struct proc *p = curproc, *child;
	if (entry >= boot_info->user_top || stack_top > boot_info->user_top || stack_top % 16)
		return -EINVAL;
	if (!(child = proc_alloc()))
		return -EAGAIN;
	struct trapframe tf = {.rip = entry,
			       .rsp = stack_top,
			       .rdi = arg,
			       .cs = USER_CS,
			       .ss = USER_DS,
			       .rflags = p->tf->rflags};
	return proc_spawn(child, mm_get(p->mm), &tf);
}

/* With the table locked. */
static void wake_if_waiting(struct proc *p)
{
	if (p && p->state == WAITING) {
		runq_add(p);
		smp_wake_idle();
	}
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
	/* Memory goes back at exit, as on Linux (the last thread's); the zombie keeps only its
	 * slot and status. */
	if (p->mm)
		mm_put(p->mm);
	p->mm = NULL;
	spin_lock(&ptable_lock);
	for (int i = 0; i < NPROC; i++) {
		if (procs[i].parent != p)
			continue;
		procs[i].parent = initproc; /* orphans: init reaps them */
		if (procs[i].state == ZOMBIE)
			wake_if_waiting(initproc);
	}
	p->wait_status = wait_status;
	p->state = ZOMBIE;
	wake_if_waiting(p->parent);
	sched();
	panic("zombie %d was scheduled", p->pid);
}

int proc_wait(int pid, int *wait_status, int options)
{
	struct proc *p = curproc;
	int r;
	spin_lock(&ptable_lock);
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
			r = c->pid;
			*wait_status = c->wait_status;
			proc_free(c);
			goto out;
		}
		if (!have_children || (options & WNOHANG)) {
			r = have_children ? 0 : -ECHILD;
			goto out;
		}
		p->state = WAITING;
		sched();
	}
out:
	spin_unlock(&ptable_lock);
	return r;
}
