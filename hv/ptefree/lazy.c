/* lazy.c: copy-on-write fork done by the hv with userfaultfd (write-protect and missing modes). */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ptefree.h"

/*
 * A lazy child's mapped pages that were resident (or themselves pending) in the parent at
 * fork are PAGE_PENDING: their content is the parent's page, which stays write-protected
 * while any child still waits for it. The handler thread serves:
 *   - a missing fault in a window: a pending page gets its content through the chain of
 *     parents (and so do the pending pages that follow it, up to FAULT_AROUND), any other
 *     page a zero page;
 *   - a write-protect fault: children still pending on that page get the old content
 *     first, then the page is made writable.
 * Before the hv discards pages (unmap, remap, destroy) the same push happens. Invariant: a
 * page that some window is pending on is never changed.
 */

/* Registration modes of a window, as bits: a child needs missing faults (its pending pages),
 * a parent write-protect faults (pages its children wait on). A window registers only what
 * it needs, since dropping a write-protect registration makes the host (and KVM, through its
 * MMU notifier) walk the whole window. */
enum { REG_NONE = 0, REG_MISSING = 1, REG_WP = 2 };

#define ZERO_SOURCE  (2 * MIB) /* lazy_populate copies from it in pieces this long */
#define FAULT_AROUND 16	       /* pages a missing fault on a pending page fills at most */

struct lazy {
	int uffd;
	pthread_t thread;
	uint8_t *reg; /* per window: REG_* */
	uint8_t page[PAGE_SIZE];
	uint8_t *zeros; /* ZERO_SOURCE bytes read-only: the host's zero page, no memory */
};

/* Window w registered for the modes in reg (REG_* bits) at least. */
static int set_registration(struct ptefree *pf, int w, int reg)
{
	struct lazy *lz = pf->lazy;
	if ((lz->reg[w] & reg) == reg)
		return 0;
	reg |= lz->reg[w];
	struct uffdio_register r = {
	    .range = {(uintptr_t)pf->w[w].host, pf->cfg.window_size},
	    .mode = (reg & REG_WP ? UFFDIO_REGISTER_MODE_WP : 0) |
		    (reg & REG_MISSING ? UFFDIO_REGISTER_MODE_MISSING : 0),
	};
	/* a refused registration may cover part of the window: harmless, since a registered
	 * page with nothing pending is served as the host would (zero page, no protection) */
	if (ioctl(lz->uffd, UFFDIO_REGISTER, &r) < 0)
		return host_refused(pf, "userfaultfd register (fork)");
	lz->reg[w] = (uint8_t)reg;
	return 0;
}

/* Write-protects (or unprotects) [start, start + len). Linux before 6.5 takes a range
 * inside one VMA only (ENOENT otherwise), and a window holds one VMA per protection run at
 * least, so a refused range is halved until each piece lies in one VMA. */
static int write_protect(struct ptefree *pf, uint64_t start, uint64_t len, bool protect)
{
	struct uffdio_writeprotect wp = {.range = {start, len},
					 .mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
	if (ioctl(pf->lazy->uffd, UFFDIO_WRITEPROTECT, &wp) == 0)
		return 0;
	if (errno != ENOENT || len <= PAGE_SIZE)
		return host_failure("userfaultfd %s %#llx+%#llx",
				    protect ? "write-protect" : "write-unprotect",
				    (unsigned long long)start, (unsigned long long)len);
	uint64_t half = len / PAGE_SIZE / 2 * PAGE_SIZE;
	int ret = write_protect(pf, start, half, protect);
	return ret < 0 ? ret : write_protect(pf, start + half, len - half, protect);
}

/* Calls write_protect for each run of mapped pages of window w (none if the host refused to
 * register it). */
static int protect_mapped(struct ptefree *pf, int w, bool protect)
{
	const uint8_t *p = pf->w[w].pages;
	if (!(pf->lazy->reg[w] & REG_WP))
		return 0;
	for (uint64_t i = used_from(pf, w, 0); i < pf->npages; i = used_from(pf, w, i)) {
		uint64_t j = i;
		while (j < pf->npages && p[j])
			j++;
		if (j > i) {
			int ret = write_protect(pf, (uintptr_t)(pf->w[w].host + i * PAGE_SIZE),
						(j - i) * PAGE_SIZE, protect);
			if (ret < 0)
				return ret;
		}
		i = j + 1;
	}
	return 0;
}

/* Whether some window still waits for page i of window w. */
static bool children_pending(struct ptefree *pf, int w, uint64_t i)
{
	for (uint64_t c = 0; c < pf->cfg.nwindows; c++)
		if (pf->w[c].live && pf->w[c].parent == w && (pf->w[c].pages[i] & PAGE_PENDING))
			return true;
	return false;
}

/* The content page i of window w must have: the first non-pending window up its chain of
 * parents holds it, unchanged since the fork (writes and discards push it to the waiting
 * windows first), present or swapped but never missing, so that reading it faults nothing
 * into this handler. Read through /proc/self/mem, whatever its protection. */
static int content(struct ptefree *pf, int w, uint64_t i, const uint8_t **out)
{
	while (pf->w[w].pages[i] & PAGE_PENDING)
		w = pf->w[w].parent;
	uint8_t *src = pf->w[w].host + i * PAGE_SIZE;
	if (pread(pf->mem_fd, pf->lazy->page, PAGE_SIZE, (off_t)(uintptr_t)src) != PAGE_SIZE)
		return host_failure("reading window %d page %#llx", w, (unsigned long long)i);
	*out = pf->lazy->page;
	return 0;
}

/* Installs page i of window w (pending or fresh), write-protected if children wait on it.
 * EEXIST: the page is there already (a fault that was served twice). */
static int fill(struct ptefree *pf, int w, uint64_t i)
{
	struct window *win = &pf->w[w];
	const uint8_t *src = NULL;
	int ret = (win->pages[i] & PAGE_PENDING) ? content(pf, w, i, &src) : 0;
	if (ret < 0)
		return ret;
	uint64_t dst = (uintptr_t)(win->host + i * PAGE_SIZE);
	if (src) {
		struct uffdio_copy c = {.dst = dst,
					.src = (uintptr_t)src,
					.len = PAGE_SIZE,
					.mode =
					    children_pending(pf, w, i) ? UFFDIO_COPY_MODE_WP : 0};
		if (ioctl(pf->lazy->uffd, UFFDIO_COPY, &c) < 0 && errno != EEXIST)
			return host_failure("userfaultfd copy to window %d page %#llx", w,
					    (unsigned long long)i);
		pf->counts.lazy_pages_copied++;
	} else {
		struct uffdio_zeropage z = {.range = {dst, PAGE_SIZE}};
		if (ioctl(pf->lazy->uffd, UFFDIO_ZEROPAGE, &z) < 0 && errno != EEXIST)
			return host_failure("userfaultfd zero page to window %d page %#llx", w,
					    (unsigned long long)i);
		pf->counts.lazy_zero_pages++;
	}
	if (win->pages[i] & PAGE_PENDING) {
		win->pages[i] &= ~PAGE_PENDING;
		win->npending--;
	}
	return 0;
}

/* Gives every window pending on page i of w its content, before that page changes. */
static int push_children(struct ptefree *pf, int w, uint64_t i)
{
	for (uint64_t c = 0; c < pf->cfg.nwindows; c++)
		if (pf->w[c].live && pf->w[c].parent == w && (pf->w[c].pages[i] & PAGE_PENDING)) {
			int ret = fill(pf, (int)c, i);
			if (ret < 0)
				return ret;
		}
	return 0;
}

static bool has_children(struct ptefree *pf, int w)
{
	for (uint64_t c = 0; c < pf->cfg.nwindows; c++)
		if (pf->w[c].live && pf->w[c].parent == w && pf->w[c].npending)
			return true;
	return false;
}

/* The window is being destroyed: it starts its next life unregistered, and nobody names it
 * as a parent any more. */
static int forget_window(struct ptefree *pf, int w)
{
	struct window *win = &pf->w[w];
	if (pf->lazy->reg[w] != REG_NONE) {
		struct uffdio_range r = {(uintptr_t)win->host, pf->cfg.window_size};
		/* still registered when refused: served like a fresh window meanwhile */
		if (ioctl(pf->lazy->uffd, UFFDIO_UNREGISTER, &r) < 0)
			host_refused(pf, "userfaultfd unregister (destroy)");
		else
			pf->lazy->reg[w] = REG_NONE;
	}
	/* its children have their content now: they must not name a window that the next
	 * address space will reuse */
	for (uint64_t c = 0; c < pf->cfg.nwindows; c++)
		if (pf->w[c].parent == w)
			pf->w[c].parent = -1;
	/* a parent nobody waits on any more writes without faults again (forkstorm) */
	int parent = win->parent;
	win->parent = -1;
	if (parent >= 0 && pf->w[parent].live && !has_children(pf, parent))
		return protect_mapped(pf, parent, false);
	return 0;
}

int lazy_release(struct ptefree *pf, int w, uint64_t first, uint64_t n)
{
	struct window *win = &pf->w[w];
	if (has_children(pf, w))
		for (uint64_t i = used_from(pf, w, first); i < first + n;
		     i = used_from(pf, w, i + 1)) {
			int ret = push_children(pf, w, i);
			if (ret < 0)
				return ret;
		}
	for (uint64_t i = used_from(pf, w, first); win->npending && i < first + n;
	     i = used_from(pf, w, i + 1))
		if (win->pages[i] & PAGE_PENDING) {
			win->pages[i] &= ~PAGE_PENDING;
			win->npending--;
		}
	return first == 0 && n == pf->npages ? forget_window(pf, w) : 0;
}

int lazy_populate(struct ptefree *pf, int w, uint64_t first, uint64_t n)
{
	struct lazy *lz = pf->lazy;
	if (!(lz->reg[w] & REG_MISSING))
		return 0;
	uint64_t done = 0;
	while (done < n * PAGE_SIZE) {
		uint64_t len =
		    n * PAGE_SIZE - done < ZERO_SOURCE ? n * PAGE_SIZE - done : ZERO_SOURCE;
		struct uffdio_copy c = {.dst =
					    (uintptr_t)(pf->w[w].host + first * PAGE_SIZE + done),
					.src = (uintptr_t)lz->zeros,
					.len = len};
		/* partly done (copy > 0) or a page that is there already: go on after it */
		if (ioctl(lz->uffd, UFFDIO_COPY, &c) < 0 && c.copy <= 0) {
			if (errno != EEXIST && errno != EAGAIN) {
				note_refusal(pf, "userfaultfd populate (map)", errno);
				break;
			}
			c.copy = PAGE_SIZE;
		}
		done += c.copy > 0 ? (uint64_t)c.copy : len;
	}
	/* counted apart from madvise's: the host's work per page differs */
	pf->counts.uffd_populated_pages += done / PAGE_SIZE;
	return 1;
}

static int mark_child(struct ptefree *pf, int parent, int child, uint64_t first, uint64_t n)
{
	struct window *pw = &pf->w[parent], *cw = &pf->w[child];
	uint8_t page = pw->pages[first] & ~PAGE_PENDING;
	if (mincore(pw->host + first * PAGE_SIZE, n * PAGE_SIZE, pf->vec) < 0)
		return host_failure("lazy fork: mincore of window %d pages %#llx+%#llx", parent,
				    (unsigned long long)first, (unsigned long long)n);
	mark_used(pf, child, first, n);
	int ret = set_host_prot(pf, child, first, n, host_prot(page), "mprotect (fork)");
	if (ret < 0)
		return ret;
	for (uint64_t i = 0; i < n; i++) {
		bool has_content = (pf->vec[i] & 1) || (pw->pages[first + i] & PAGE_PENDING);
		cw->pages[first + i] = page | (has_content ? PAGE_PENDING : 0);
		cw->npending += has_content;
		pf->counts.fork_pages_pending += has_content;
	}
	return 0;
}

int lazy_fork(struct ptefree *pf, int parent, int child)
{
	int ret = set_registration(pf, parent, REG_WP);
	if (ret == 0)
		ret = set_registration(pf, child, REG_MISSING);
	if (ret < 0)
		return ret;
	pf->w[child].parent = parent;
	ret = each_run(pf, parent, mark_child, child);
	/* the parent's resident pages are the child's pending ones: which the host backs with
	 * huge pages (their protection costs it one entry per 512 pages) */
	if (ret == 0 && pf->cfg.count_resident)
		ret = huge_pages(pf, parent, &pf->counts.fork_pages_pending_huge);
	/* resident parent pages stay unchanged until every waiting child has its copy */
	return ret < 0 ? ret : protect_mapped(pf, parent, true);
}

/* A message is read before the lock is taken, so a hypercall may have unregistered its
 * window meanwhile (a destroy). Such a stale message asks only to wake the faulting thread:
 * Linux wakes missing faults when it unregisters, but not write-protect faults. */
static int serve(struct ptefree *pf, const struct uffd_msg *m)
{
	uint64_t addr = m->arg.pagefault.address & ~(PAGE_SIZE - 1);
	uint64_t off = addr - (uintptr_t)pf->win_host;
	int w = (int)(off / pf->cfg.window_size);
	uint64_t i = off % pf->cfg.window_size / PAGE_SIZE;
	bool wp = m->arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP;
	if (!(pf->lazy->reg[w] & (wp ? REG_WP : REG_MISSING))) {
		struct uffdio_range r = {addr, PAGE_SIZE};
		if (ioctl(pf->lazy->uffd, UFFDIO_WAKE, &r) < 0)
			return host_failure("userfaultfd wake %#llx", (unsigned long long)addr);
		return 0;
	}
	if (!wp) {
		/* fault-around: the pending pages that follow come with it, each without a
		 * fault and its two thread switches (a first touch is most often sequential) */
		pf->counts.lazy_missing_faults++;
		int ret = fill(pf, w, i);
		for (uint64_t j = i + 1; ret == 0 && j < i + FAULT_AROUND && j < pf->npages &&
					 (pf->w[w].pages[j] & PAGE_PENDING);
		     j++)
			ret = fill(pf, w, j);
		return ret;
	}
	pf->counts.lazy_wp_faults++;
	int ret = push_children(pf, w, i);
	return ret < 0 ? ret : write_protect(pf, addr, PAGE_SIZE, false);
}

/* After a host failure nobody serves faults: dropping every registration lets a vCPU that
 * waits on one go on, so that it can stop. */
static void release_waiters(struct ptefree *pf)
{
	struct uffdio_range r = {(uintptr_t)pf->win_host, pf->cfg.nwindows * pf->cfg.window_size};
	ioctl(pf->lazy->uffd, UFFDIO_UNREGISTER, &r);
	memset(pf->lazy->reg, REG_NONE, pf->cfg.nwindows);
}

/* One blocking read per fault: the fewest system calls between a fault and its answer. */
static void *handler_main(void *arg)
{
	struct ptefree *pf = arg;
	int ret = 0;
	while (ret == 0 && !host_failure_message()) {
		struct uffd_msg m;
		ssize_t got = read(pf->lazy->uffd, &m, sizeof m);
		if (got < 0 && errno == EINTR)
			continue;
		if (got != sizeof m) {
			ret = host_failure("reading userfaultfd");
			continue;
		}
		if (m.event != UFFD_EVENT_PAGEFAULT)
			continue;
		pthread_mutex_lock(&pf->lock);
		ret = serve(pf, &m);
		pthread_mutex_unlock(&pf->lock);
	}
	pthread_mutex_lock(&pf->lock);
	release_waiters(pf);
	pthread_mutex_unlock(&pf->lock);
	return NULL;
}

int lazy_start(struct ptefree *pf, char *why, size_t len)
{
	struct lazy *lz = calloc(1, sizeof *lz);
	if (!lz)
		die("lazy fork state");
	lz->reg = calloc(pf->cfg.nwindows, 1);
	if (!lz->reg)
		die("lazy fork state");
	lz->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP};
	const char *failed = NULL;
	if (lz->uffd < 0)
		failed = "userfaultfd";
	else if (ioctl(lz->uffd, UFFDIO_API, &api) < 0)
		failed = "UFFDIO_API with write-protect faults";
	if (failed) {
		snprintf(why, len, "%s: %s", failed, strerror(errno));
		if (lz->uffd >= 0)
			close(lz->uffd);
		free(lz->reg);
		free(lz);
		return -1;
	}
	lz->zeros = mmap(NULL, ZERO_SOURCE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (lz->zeros == MAP_FAILED)
		die("lazy fork zero source");
	pf->lazy = lz;
	errno = pthread_create(&lz->thread, NULL, handler_main, pf);
	if (errno)
		die("userfaultfd handler thread");
	return 0;
}
