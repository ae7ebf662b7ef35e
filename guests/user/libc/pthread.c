/* pthread.c: pthread_create and pthread_join on SYS_thread_create (see uapi.h). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "syscall.h"

#define STACK_SIZE (64 * 1024)

/* At the top of the thread's stack mapping; the stack grows down from just below it. */
struct pthread_rec {
	void *(*fn)(void *);
	void *arg;
	void *ret; /* written by the thread before it exits, read after waitpid */
	long tid;
};
_Static_assert(sizeof(struct pthread_rec) % 16 == 0, "the stack top below it stays aligned");

/* Where a new thread starts: RSP = its stack top, RDI = its record. The stub aligns the stack
 * whatever the entry's alignment and calls thread_start, which never returns. */
void thread_entry(void);
__asm__(".text\n"
	".globl thread_entry\n"
	"thread_entry:\n"
	"	xor %ebp, %ebp\n" /* the outermost frame */
	"	and $-16, %rsp\n"
	"	call thread_start\n"
	"	ud2\n");

/* The new thread's first C function (RDI = its record); never returns. */
void thread_start(struct pthread_rec *t) __attribute__((noreturn));
void thread_start(struct pthread_rec *t)
{
	t->ret = t->fn(t->arg);
	_exit(0);
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	if (attr)
		return EINVAL;
	char *stack =
	    mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED)
		return ENOMEM;
	struct pthread_rec *t = (struct pthread_rec *)(stack + STACK_SIZE) - 1;
	*t = (struct pthread_rec){.fn = fn, .arg = arg};
	long tid = syscall6(SYS_thread_create, (long)thread_entry, (long)t, (long)t, 0, 0, 0);
	if (tid < 0) {
		munmap(stack, STACK_SIZE);
		return (int)-tid;
	}
	t->tid = tid;
	*thread = t;
	return 0;
}

int pthread_join(pthread_t t, void **ret)
{
	int status;
	if (waitpid((pid_t)t->tid, &status, 0) != t->tid)
		return errno;
	if (ret)
		*ret = t->ret;
	munmap((char *)(t + 1) - STACK_SIZE, STACK_SIZE);
	return 0;
}
