/* syspagelab.c: console write and the pagelab calls (mark, report, null hypercall, kalloc test). */
#include "klib.h"
#include "defs.h"
#include "mm.h"
#include "syscall.h"
#include "uapi.h"

/* write(fd, buf, n): fds 1 and 2 go to the hv's console, in chunks through a kernel buffer. */
long sys_write(const uint64_t arg[6])
{
	char chunk[256];
	uint64_t ubuf = arg[1], n = arg[2], done = 0;
	if (arg[0] != 1 && arg[0] != 2)
		return -EBADF;
	while (done < n) {
		uint64_t len = n - done < sizeof chunk ? n - done : sizeof chunk;
		if (copyin(chunk, ubuf + done, len) < 0)
			return done ? (long)done : -EFAULT;
		hypercall(HC_CONSOLE, V2P(chunk), len, 0, 0);
		done += len;
	}
	return done;
}

long sys_pl_mark(const uint64_t arg[6])
{
	static struct hc_kcounts counts; /* the hv reads it during the call: one suffices */
	static struct spinlock lock;
	if (arg[0] != MARK_BEGIN && arg[0] != MARK_END)
		return -EINVAL;
	spin_lock(&lock);
	smp_counts(&counts);
	int64_t r = hypercall(HC_MARK, arg[0], V2P(&counts), 0, 0);
	spin_unlock(&lock);
	return r < 0 ? -EIO : 0;
}

/* progress(ops, cycles): an unmeasured repetition ended (HC_MARK, MARK_REP); a call of its
 * own, so that the marks' path through the kernel stays as short as it was. */
long sys_pl_progress(const uint64_t arg[6])
{
	return hypercall(HC_MARK, MARK_REP, 0, arg[0], arg[1]) < 0 ? -EIO : 0;
}

/* Copies the workload's result in, checks it, and hands it to the hv. */
long sys_pl_report(const uint64_t arg[6])
{
	struct hc_result *result = kmalloc(sizeof *result); /* several CPUs may report at once */
	if (!result)
		return -ENOMEM;
	long r = copyin(result, arg[0], sizeof *result) < 0 ? -EFAULT
		 : result->nsamples > HC_MAX_SAMPLES	    ? -EINVAL
							    : 0;
	if (r == 0) {
		result->msg[HC_MSG_MAX - 1] = '\0';
		r = hypercall(HC_RESULT, V2P(result), 0, 0, 0) < 0 ? -EIO : 0;
	}
	kfree(result);
	return r;
}

long sys_pl_nullhc(const uint64_t arg[6])
{
	(void)arg;
	hypercall(HC_NOP, 0, 0, 0, 0);
	return 0;
}

static uint8_t pattern_byte(long object, size_t offset)
{
	return (uint8_t)(object * 131 + offset * 7 + 1);
}

/* kalloc_test(size, count): kmallocs count objects of size bytes, fills each with its own
 * pattern, checks every pattern afterwards (overlapping objects would clobber each other),
 * and frees them. 0, -EINVAL, -ENOMEM, or -EIO when a check failed. */
long sys_pl_kalloc_test(const uint64_t arg[6])
{
	size_t size = arg[0];
	long count = (long)arg[1];
	if (size == 0 || size > KMALLOC_MAX || count < 1 || count > KALLOC_TEST_MAX)
		return -EINVAL;
	static uint8_t *objects[KALLOC_TEST_MAX]; /* one table, for one caller at a time */
	static struct spinlock lock;
	long n = 0, r = 0;
	spin_lock(&lock);
	for (; n < count; n++) {
		objects[n] = kmalloc(size);
		if (!objects[n]) {
			r = -ENOMEM;
			break;
		}
		for (size_t i = 0; i < size; i++)
			objects[n][i] = pattern_byte(n, i);
	}
	for (long k = 0; k < n && r == 0; k++)
		for (size_t i = 0; i < size; i++)
			if (objects[k][i] != pattern_byte(k, i)) {
				printk("kalloc_test: object %ld (%p) byte %lu clobbered\n", k,
				       (void *)objects[k], i);
				r = -EIO;
				break;
			}
	for (long k = 0; k < n; k++)
		kfree(objects[k]);
	spin_unlock(&lock);
	return r;
}
