/* syscall.c: system-call dispatch by number, from the frame syscall_entry built. */
#include "klib.h"
#include "defs.h"
#include "syscall.h"
#include "uapi.h"

static syscall_fn *const syscalls[SYS_COUNT] = {
    [SYS_fork] = sys_fork,
    [SYS_execve] = sys_execve,
    [SYS_exit] = sys_exit,
    [SYS_waitpid] = sys_waitpid,
    [SYS_getpid] = sys_getpid,
    [SYS_sched_yield] = sys_sched_yield,
    [SYS_mmap] = sys_mmap,
    [SYS_munmap] = sys_munmap,
    [SYS_mprotect] = sys_mprotect,
    [SYS_write] = sys_write,
    [SYS_pl_mark] = sys_pl_mark,
    [SYS_pl_report] = sys_pl_report,
    [SYS_pl_nullhc] = sys_pl_nullhc,
    [SYS_pl_kalloc_test] = sys_pl_kalloc_test,
    [SYS_pl_pvfuzz] = sys_pl_pvfuzz,
    [SYS_thread_create] = sys_thread_create,
    [SYS_pl_progress] = sys_pl_progress,
};

void syscall_dispatch(struct trapframe *tf)
{
	uint64_t nr = tf->rax;
	const uint64_t arg[6] = {tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9};
	syscall_fn *fn = nr < SYS_COUNT ? syscalls[nr] : NULL;
	/* After a successful execve tf describes the new program, which starts with RAX = 0. */
	tf->rax = fn ? fn(arg) : -ENOSYS;
}
