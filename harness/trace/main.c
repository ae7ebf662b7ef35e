/* main.c: pagelab-trace, the memory-trace tool: runs a program counting its tree's minor
 * faults, and converts a `perf script` recording into a trace (harness/trace/record.sh). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "record.h"
#include "trace.h"

#define USAGE                                                                                      \
	"usage: pagelab-trace run FILE|- PROGRAM [ARG...]\n"                                       \
	"       pagelab-trace convert OUT NAME COMMAND PROGRAM-VERSION MINFLT < "                  \
	"perf-script-text\n"

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "pagelab-trace: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(RC_IO);
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void ev_add(struct proc *p, int op, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	if (p->nev == p->cap)
		p->ev = xrealloc(p->ev, (p->cap = p->cap ? 2 * p->cap : 64) * sizeof *p->ev);
	p->ev[p->nev++] = (struct ev){(uint8_t)op, a, b, c, d};
}

void image_range(struct image *im, uint64_t start, uint64_t end)
{
	if (im->niv == im->civ)
		im->iv = xrealloc(im->iv, (im->civ = im->civ ? 2 * im->civ : 64) * sizeof *im->iv);
	im->iv[im->niv][0] = start;
	im->iv[im->niv++][1] = end;
}

static void write_whole(const char *path, const void *buf, size_t n)
{
	struct output o;
	char err[256];
	if (output_open(path, &o, err, sizeof err) != RC_OK)
		die("%s", err);
	if (fwrite(buf, 1, n, o.f) != n) {
		output_abort(&o);
		die("%s: %s", path, strerror(errno));
	}
	if (output_commit(&o, err, sizeof err) != RC_OK)
		die("%s", err);
}

/* Runs the program; writes "minflt N status S" for it and every descendant it waited for,
 * from its execve on (the faults of the forked child before it are not the program's). */
static int run(const char *out, char **argv)
{
	int pre[2];
	if (pipe2(pre, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		struct rusage self;
		getrusage(RUSAGE_SELF, &self);
		if (write(pre[1], &self.ru_minflt, sizeof self.ru_minflt) != sizeof self.ru_minflt)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "pagelab-trace: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pre[1]);
	long before = 0;
	if (read(pre[0], &before, sizeof before) != sizeof before)
		die("the child did not report its faults before execve");
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) != pid)
		die("wait4: %s", strerror(errno));
	char line[64];
	int n = snprintf(line, sizeof line, "minflt %ld status %d\n", ru.ru_minflt - before,
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	if (strcmp(out, "-") == 0)
		fputs(line, stdout);
	else
		write_whole(out, line, (size_t)n);
	return RC_OK;
}

static int convert(char **a)
{
	char *end;
	long long minflt = strtoll(a[4], &end, 10);
	if (*end || minflt < 0)
		die("MINFLT '%s' is not a number\n%s", a[4], USAGE);
	for (int i = 1; i < 4; i++)
		if (strchr(a[i], '\n') || !*a[i])
			die("NAME, COMMAND and PROGRAM-VERSION must be one non-empty line each");
	struct recording r = {0};
	convert_perf(stdin, &r);
	uint8_t *body;
	size_t n = layout_encode(&r, &body);
	char *hdr;
	int h = asprintf(&hdr,
			 MT_MAGIC "name %s\ncommand %s\nprogram %s\nminflt %lld\nprocesses %u\n"
				  "touches %llu\ndropped %llu\nbody %zu\n",
			 a[1], a[2], a[3], minflt, r.nproc, (unsigned long long)r.touches,
			 (unsigned long long)r.dropped, n);
	if (h < 0 || h > MT_HEADER_MAX)
		die("the header would exceed %d bytes", MT_HEADER_MAX);
	uint8_t *all = xrealloc(NULL, (size_t)h + n);
	memcpy(all, hdr, (size_t)h);
	memcpy(all + h, body, n);
	char err[160];
	struct mt_trace t;
	if (mt_parse(&t, all, (size_t)h + n, err, sizeof err) < 0)
		die("the trace written does not parse: %s", err);
	write_whole(a[0], all, (size_t)h + n);
	fprintf(stderr, "%s: %u processes, %llu touches (%llu dropped), %zu bytes\n", a[0], r.nproc,
		(unsigned long long)r.touches, (unsigned long long)r.dropped, (size_t)h + n);
	return RC_OK;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "run") == 0)
		return run(argv[2], argv + 3);
	if (argc == 7 && strcmp(argv[1], "convert") == 0)
		return convert(argv + 2);
	fprintf(stderr, "pagelab-trace: %s\n%s",
		argc < 2 ? "no command" : "unknown command or wrong arguments", USAGE);
	return RC_USAGE;
}
