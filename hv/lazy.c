/* lazy.c: copy-on-write fork done by the hv with userfaultfd (write-protect and missing modes). */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
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
 *     parents, any other page a zero page;
 *   - a write-protect fault: children still pending on that page get the old content
 *     first, then the page is made writable.
 * Before the hv discards pages (unmap, remap, destroy) the same push happens. Invariant: a
 * page that some window is pending on is never changed.
 */

enum { REG_NONE, REG_WP, REG_MISSING_WP };

struct lazy {
	int uffd, mem_fd; /* mem_fd: /proc/self/mem, to read pages whatever their protection */
	int stop_pipe[2];
	pthread_t thread;
	uint8_t *reg; /* per window: REG_* */
	uint8_t page[PAGE_SIZE];
};

static void uffd_ioctl(struct ptefree *pf, unsigned long req, void *arg, const char *what)
{
	if (ioctl(pf->lazy->uffd, req, arg) < 0 && errno != EEXIST)
		die("userfaultfd %s", what);
}

static void set_registration(struct ptefree *pf, int w, int reg)
{
	struct lazy *lz = pf->lazy;
	if (lz->reg[w] >= reg)
		return;
	struct uffdio_register r = {
	    .range = {(uintptr_t)pf->w[w].host, pf->cfg.window_size},
	    .mode = UFFDIO_REGISTER_MODE_WP |
		    (reg == REG_MISSING_WP ? UFFDIO_REGISTER_MODE_MISSING : 0),
	};
	uffd_ioctl(pf, UFFDIO_REGISTER, &r, "register");
	lz->reg[w] = (uint8_t)reg;
}

/* Write-protects (or unprotects) [start, start + len). Linux before 6.5 takes a range
 * inside one VMA only (ENOENT otherwise), and a window holds one VMA per protection run at
 * least, so a refused range is halved until each piece lies in one VMA. */
static void write_protect(struct ptefree *pf, uint64_t start, uint64_t len, bool protect)
{
	struct uffdio_writeprotect wp = {.range = {start, len},
					 .mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
	if (ioctl(pf->lazy->uffd, UFFDIO_WRITEPROTECT, &wp) == 0)
		return;
	if (errno != ENOENT || len <= PAGE_SIZE)
		die("userfaultfd %s %#llx+%#llx", protect ? "write-protect" : "write-unprotect",
		    (unsigned long long)start, (unsigned long long)len);
	uint64_t half = len / PAGE_SIZE / 2 * PAGE_SIZE;
	write_protect(pf, start, half, protect);
	write_protect(pf, start + half, len - half, protect);
}

/* Calls write_protect for each run of mapped pages of window w. */
static void protect_mapped(struct ptefree *pf, int w, bool protect)
{
	const uint8_t *p = pf->w[w].pages;
	for (uint64_t i = 0; i < pf->npages;) {
		uint64_t j = i;
		while (j < pf->npages && p[j])
			j++;
		if (j > i)
			write_protect(pf, (uintptr_t)(pf->w[w].host + i * PAGE_SIZE),
				      (j - i) * PAGE_SIZE, protect);
		i = j + 1;
	}
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
 * parents holds it (zero if that window never had the page). Returns NULL for zero. */
static const uint8_t *content(struct ptefree *pf, int w, uint64_t i)
{
	while (pf->w[w].pages[i] & PAGE_PENDING)
		w = pf->w[w].parent;
	uint8_t *src = pf->w[w].host + i * PAGE_SIZE;
	unsigned char resident = 0;
	if (mincore(src, PAGE_SIZE, &resident) < 0)
		die("mincore");
	if (!(resident & 1))
		return NULL;
	if (pread(pf->lazy->mem_fd, pf->lazy->page, PAGE_SIZE, (off_t)(uintptr_t)src) != PAGE_SIZE)
		die("reading window %d page %#llx", w, (unsigned long long)i);
	return pf->lazy->page;
}

/* Installs page i of window w (pending or fresh), write-protected if children wait on it. */
static void fill(struct ptefree *pf, int w, uint64_t i)
{
	struct window *win = &pf->w[w];
	const uint8_t *src = (win->pages[i] & PAGE_PENDING) ? content(pf, w, i) : NULL;
	uint64_t dst = (uintptr_t)(win->host + i * PAGE_SIZE);
	if (src) {
		struct uffdio_copy c = {.dst = dst,
					.src = (uintptr_t)src,
					.len = PAGE_SIZE,
					.mode =
					    children_pending(pf, w, i) ? UFFDIO_COPY_MODE_WP : 0};
		uffd_ioctl(pf, UFFDIO_COPY, &c, "copy");
		pf->counts.lazy_pages_copied++;
	} else {
		struct uffdio_zeropage z = {.range = {dst, PAGE_SIZE}};
		uffd_ioctl(pf, UFFDIO_ZEROPAGE, &z, "zeropage");
		pf->counts.lazy_zero_pages++;
	}
	if (win->pages[i] & PAGE_PENDING) {
		win->pages[i] &= ~PAGE_PENDING;
		win->npending--;
	}
}

/* Gives every window pending on page i of w its content, before that page changes. */
static void push_children(struct ptefree *pf, int w, uint64_t i)
{
	for (uint64_t c = 0; c < pf->cfg.nwindows; c++)
		if (pf->w[c].live && pf->w[c].parent == w && (pf->w[c].pages[i] & PAGE_PENDING))
			fill(pf, (int)c, i);
}

static bool has_children(struct ptefree *pf, int w)
{
	for (uint64_t c = 0; c < pf->cfg.nwindows; c++)
		if (pf->w[c].live && pf->w[c].parent == w && pf->w[c].npending)
			return true;
	return false;
}

void lazy_release(struct ptefree *pf, int w, uint64_t first, uint64_t n)
{
	struct window *win = &pf->w[w];
	if (has_children(pf, w))
		for (uint64_t i = first; i < first + n; i++)
			push_children(pf, w, i);
	for (uint64_t i = first; win->npending && i < first + n; i++)
		if (win->pages[i] & PAGE_PENDING) {
			win->pages[i] &= ~PAGE_PENDING;
			win->npending--;
		}
	if (first == 0 && n == pf->npages && pf->lazy->reg[w] != REG_NONE) {
		/* the window is being destroyed: it starts its next life unregistered */
		struct uffdio_range r = {(uintptr_t)win->host, pf->cfg.window_size};
		uffd_ioctl(pf, UFFDIO_UNREGISTER, &r, "unregister");
		pf->lazy->reg[w] = REG_NONE;
		/* its children have their content now: they must not name a window that the next
		 * address space will reuse */
		for (uint64_t c = 0; c < pf->cfg.nwindows; c++)
			if (pf->w[c].parent == w)
				pf->w[c].parent = -1;
		/* a parent nobody waits on any more writes without faults again (forkstorm) */
		int parent = win->parent;
		win->parent = -1;
		if (parent >= 0 && pf->w[parent].live && !has_children(pf, parent))
			protect_mapped(pf, parent, false);
	}
}

static void mark_child(struct ptefree *pf, int parent, int child, uint64_t first, uint64_t n)
{
	struct window *pw = &pf->w[parent], *cw = &pf->w[child];
	uint8_t page = pw->pages[first] & ~PAGE_PENDING;
	uint8_t *src = pw->host + first * PAGE_SIZE;
	if (mincore(src, n * PAGE_SIZE, pf->vec) < 0 ||
	    mprotect(cw->host + first * PAGE_SIZE, n * PAGE_SIZE, host_prot(page)) < 0)
		die("lazy fork of pages %#llx+%#llx", (unsigned long long)first,
		    (unsigned long long)n);
	for (uint64_t i = 0; i < n; i++) {
		bool has_content = (pf->vec[i] & 1) || (pw->pages[first + i] & PAGE_PENDING);
		cw->pages[first + i] = page | (has_content ? PAGE_PENDING : 0);
		cw->npending += has_content;
	}
}

void lazy_fork(struct ptefree *pf, int parent, int child)
{
	set_registration(pf, parent, REG_WP);
	set_registration(pf, child, REG_MISSING_WP);
	pf->w[child].parent = parent;
	const uint8_t *p = pf->w[parent].pages;
	for (uint64_t i = 0; i < pf->npages;) {
		if (!p[i]) {
			i++;
			continue;
		}
		uint64_t j = i + 1;
		while (j < pf->npages && (p[j] & ~PAGE_PENDING) == (p[i] & ~PAGE_PENDING))
			j++;
		mark_child(pf, parent, child, i, j - i);
		i = j;
	}
	/* resident parent pages stay unchanged until every waiting child has its copy */
	protect_mapped(pf, parent, true);
}

static void serve(struct ptefree *pf, const struct uffd_msg *m)
{
	uint64_t addr = m->arg.pagefault.address & ~(PAGE_SIZE - 1);
	uint64_t off = addr - (uintptr_t)pf->win_host;
	int w = (int)(off / pf->cfg.window_size);
	uint64_t i = off % pf->cfg.window_size / PAGE_SIZE;
	if (m->arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) {
		pf->counts.lazy_wp_faults++;
		push_children(pf, w, i);
		write_protect(pf, addr, PAGE_SIZE, false);
	} else {
		fill(pf, w, i);
	}
}

static void *handler_main(void *arg)
{
	struct ptefree *pf = arg;
	struct pollfd fds[2] = {{pf->lazy->uffd, POLLIN, 0}, {pf->lazy->stop_pipe[0], POLLIN, 0}};
	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll userfaultfd");
		}
		if (fds[1].revents)
			return NULL;
		struct uffd_msg m;
		ssize_t got = read(pf->lazy->uffd, &m, sizeof m);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got != sizeof m)
			die("reading userfaultfd");
		if (m.event != UFFD_EVENT_PAGEFAULT)
			continue;
		pthread_mutex_lock(&pf->lock);
		serve(pf, &m);
		pthread_mutex_unlock(&pf->lock);
	}
}

int lazy_start(struct ptefree *pf, char *why, size_t len)
{
	struct lazy *lz = calloc(1, sizeof *lz);
	if (!lz)
		die("lazy fork state");
	lz->reg = calloc(pf->cfg.nwindows, 1);
	lz->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP};
	const char *failed = NULL;
	if (lz->uffd < 0)
		failed = "userfaultfd";
	else if (ioctl(lz->uffd, UFFDIO_API, &api) < 0)
		failed = "UFFDIO_API with write-protect faults";
	else if ((lz->mem_fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC)) < 0)
		failed = "open /proc/self/mem";
	else if (pipe2(lz->stop_pipe, O_CLOEXEC) < 0)
		failed = "pipe";
	if (failed) {
		snprintf(why, len, "%s: %s", failed, strerror(errno));
		if (lz->uffd >= 0)
			close(lz->uffd);
		free(lz->reg);
		free(lz);
		return -1;
	}
	pf->lazy = lz;
	errno = pthread_create(&lz->thread, NULL, handler_main, pf);
	if (errno)
		die("userfaultfd handler thread");
	return 0;
}
