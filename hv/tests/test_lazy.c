/* test_lazy.c: ptefree's lazy fork on plain memory: shared pages, faults, orphans, races. */
#include <dirent.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "ptefree_fixture.h"

static void test_fork_lazy(void)
{
	REQUIRE(lazy_works(), "userfaultfd unavailable here, the hv fell back to copy");
	fresh(FORK_LAZY);
	int64_t p = hc(HC_AS_CREATE, 0, 0, 0, 0);
	CHECK(hc(HC_MAP, p, 0, 4 * PAGE_SIZE, HC_PROT_READ | HC_PROT_WRITE) == 0, "map");
	at(p, 0)[0] = 'A';
	at(p, PAGE_SIZE)[0] = 'B';
	int64_t c = hc(HC_AS_FORK, (uint64_t)p, 0, 0, 0);
	struct ptefree_counts n;
	ptefree_counts_get(ptefree_of(&g), &n);
	CHECK(c > 0 && n.fork_pages_copied == 0, "lazy fork copies nothing");
	CHECK(n.fork_pages_pending == 2, "the child shares the 2 resident pages: %lu",
	      n.fork_pages_pending);
	at(p, 0)[0] = 'X'; /* write-protect fault: the child gets 'A' first */
	CHECK(at(c, 0)[0] == 'A', "child keeps the pre-fork page after the parent wrote");
	CHECK(at(c, PAGE_SIZE)[0] == 'B', "child reads a page the parent never wrote");
	CHECK(at(c, 2 * PAGE_SIZE)[0] == 0, "never-touched page reads zero");
	at(c, PAGE_SIZE)[0] = 'C';
	CHECK(at(p, PAGE_SIZE)[0] == 'B' && at(p, 0)[0] == 'X', "parent unaffected");
	at(p, 3 * PAGE_SIZE)[0] = 'P'; /* after the fork: only the parent's */
	CHECK(at(c, 3 * PAGE_SIZE)[0] == 0, "post-fork parent page not in the child");
	int64_t gc = hc(HC_AS_FORK, (uint64_t)c, 0, 0, 0);
	at(c, PAGE_SIZE)[0] = 'D';
	CHECK(gc > 0 && at(gc, PAGE_SIZE)[0] == 'C', "grandchild keeps its fork-time page");
	int64_t gc2 = hc(HC_AS_FORK, (uint64_t)c, 0, 0, 0);
	CHECK(hc(HC_AS_DESTROY, (uint64_t)c, 0, 0, 0) == 0, "destroy the middle generation");
	CHECK(gc2 > 0 && at(gc2, 0)[0] == 'A' && at(gc2, PAGE_SIZE)[0] == 'D',
	      "its child got its pages first");
	CHECK(hc(HC_UNMAP, (uint64_t)p, 0, PAGE_SIZE, 0) == 0 && at(gc, 0)[0] == 'A',
	      "unmap in the parent keeps the descendants' copies");
	ptefree_counts_get(ptefree_of(&g), &n);
	CHECK(n.lazy_pages_copied > 0 && n.lazy_wp_faults > 0 && n.lazy_zero_pages > 0,
	      "counted: %lu copies, %lu wp faults, %lu zero pages", n.lazy_pages_copied,
	      n.lazy_wp_faults, n.lazy_zero_pages);
}

/* A missing fault fills the pending pages that follow it too, and counts once. */
static void test_lazy_fault_count(void)
{
	REQUIRE(lazy_works(), "userfaultfd unavailable here, the hv fell back to copy");
	fresh(FORK_LAZY);
	int64_t p = hc(HC_AS_CREATE, 0, 0, 0, 0);
	CHECK(hc(HC_MAP, p, 0, 10 * PAGE_SIZE, HC_PROT_READ | HC_PROT_WRITE) == 0, "map");
	for (int i = 0; i < 8; i++)
		at(p, i * PAGE_SIZE)[0] = (uint8_t)('a' + i);
	int64_t c = hc(HC_AS_FORK, (uint64_t)p, 0, 0, 0);
	bool same = c > 0;
	for (int i = 0; i < 8; i++)
		same = same && at(c, i * PAGE_SIZE)[0] == 'a' + i;
	CHECK(same && at(c, 8 * PAGE_SIZE)[0] == 0, "the child reads its 8 pages and a fresh one");
	struct ptefree_counts n;
	ptefree_counts_get(ptefree_of(&g), &n);
	CHECK(n.lazy_missing_faults == 2 && n.lazy_pages_copied == 8 && n.lazy_zero_pages == 1,
	      "counted: %lu missing faults (2), %lu copies (8), %lu zero pages (1)",
	      n.lazy_missing_faults, n.lazy_pages_copied, n.lazy_zero_pages);
}

/* A window destroyed while its child lives is reused by a fresh address space before the
 * child ends: the child's end must not touch the new window (it is not registered). */
static void test_lazy_orphan_reuse(void)
{
	REQUIRE(lazy_works(), "userfaultfd unavailable here, the hv fell back to copy");
	fresh(FORK_LAZY);
	const int rw = HC_PROT_READ | HC_PROT_WRITE;
	int64_t p = hc(HC_AS_CREATE, 0, 0, 0, 0);
	CHECK(hc(HC_MAP, p, 0, 4 * PAGE_SIZE, rw) == 0, "map");
	at(p, 0)[0] = 'P';
	int64_t c = hc(HC_AS_FORK, (uint64_t)p, 0, 0, 0);
	at(c, 0)[0] = 'C';
	int64_t g = hc(HC_AS_FORK, (uint64_t)c, 0, 0, 0);
	CHECK(hc(HC_AS_DESTROY, (uint64_t)c, 0, 0, 0) == 0, "the middle one ends first");
	int64_t n = hc(HC_AS_CREATE, 0, 0, 0, 0);
	CHECK(n == c, "its window is reused (%ld)", n);
	CHECK(hc(HC_MAP, n, 0, 4 * PAGE_SIZE, rw) == 0, "map in the new address space");
	at(n, 0)[0] = 'N';
	CHECK(hc(HC_AS_DESTROY, (uint64_t)g, 0, 0, 0) == 0, "the orphan ends");
	CHECK(at(n, 0)[0] == 'N' && at(p, 0)[0] == 'P', "the others keep their memory");
	at(n, PAGE_SIZE)[0] = 'M';
	CHECK(at(n, PAGE_SIZE)[0] == 'M', "the new address space still writes");
}

/* A thread of this process other than the caller (only that one if only is not 0) in
 * system call nr, as /proc/self/task/TID/syscall says; 0 if none within about 5 s. */
static pid_t thread_in_syscall(long nr, pid_t only)
{
	for (int tries = 0; tries < 5000; tries++, usleep(1000)) {
		DIR *d = opendir("/proc/self/task");
		for (struct dirent *e; d && (e = readdir(d));) {
			pid_t tid = atoi(e->d_name);
			char path[64], line[32] = "";
			snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
			FILE *f = tid > 0 && tid != gettid() && (!only || tid == only)
				      ? fopen(path, "r")
				      : NULL;
			if (f && fgets(line, sizeof line, f) && line[0] >= '0' && line[0] <= '9' &&
			    atol(line) == nr) {
				fclose(f);
				closedir(d);
				return tid;
			}
			if (f)
				fclose(f);
		}
		if (d)
			closedir(d);
	}
	return 0;
}

static void *write_x(void *page)
{
	*(volatile uint8_t *)page = 'X';
	return NULL;
}

/* A write-protect fault whose window is unregistered (destroyed) after the handler read its
 * message but before it served it: the handler wakes the writer and goes on. */
static void test_lazy_stale_fault(void)
{
	REQUIRE(lazy_works(), "userfaultfd unavailable here, the hv fell back to copy");
	fresh(FORK_LAZY);
	struct ptefree *pf = ptefree_of(&g);
	int64_t p = hc(HC_AS_CREATE, 0, 0, 0, 0);
	CHECK(hc(HC_MAP, p, 0, PAGE_SIZE, HC_PROT_READ | HC_PROT_WRITE) == 0, "map");
	at(p, 0)[0] = 'A';
	int64_t c = hc(HC_AS_FORK, (uint64_t)p, 0, 0, 0);
	pthread_t writer;
	pthread_mutex_lock(&pf->lock);
	CHECK(pthread_create(&writer, NULL, write_x, at(p, 0)) == 0, "writer thread");
	pid_t handler = thread_in_syscall(SYS_futex, 0);
	CHECK(handler != 0, "the handler read the fault and waits for the lock");
	CHECK(lazy_release(pf, (int)p, 0, pf->npages) == 0, "the window is unregistered");
	pthread_mutex_unlock(&pf->lock);
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 5;
	CHECK(pthread_timedjoin_np(writer, NULL, &t) == 0, "the writer goes on");
	CHECK(handler && thread_in_syscall(SYS_read, handler) == handler,
	      "the handler reads the next message");
	CHECK(host_failure_message() == NULL, "no host failure: %s", host_failure_message());
	CHECK(c > 0 && at(p, 0)[0] == 'X' && at(c, 0)[0] == 'A', "each has its own page");
}

int main(void)
{
	RUN_TEST(test_fork_lazy);
	RUN_TEST(test_lazy_fault_count);
	RUN_TEST(test_lazy_orphan_reuse);
	RUN_TEST(test_lazy_stale_fault);
	TEST_EXIT();
}
