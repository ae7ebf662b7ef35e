/* util.c: fatal host errors and refused requests, host failures during a run, file reads, guest
 * text out, the clock. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hv.h"

void die(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	fprintf(stderr, "hv: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved));
	exit(RC_HOST);
}

int errorf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static struct {
	pthread_mutex_t lock;
	char message[400];
	volatile bool failed;
	void (*notify)(void);
} failure = {.lock = PTHREAD_MUTEX_INITIALIZER};

void host_failure_notify(void (*fn)(void))
{
	failure.notify = fn;
}

int host_failure(const char *fmt, ...)
{
	int saved = errno;
	pthread_mutex_lock(&failure.lock);
	if (!failure.failed) {
		char what[300];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(what, sizeof what, fmt, ap);
		va_end(ap);
		snprintf(failure.message, sizeof failure.message, "%s: %s", what, strerror(saved));
		fprintf(stderr, "hv: host failure: %s\n", failure.message);
		failure.failed = true;
	}
	pthread_mutex_unlock(&failure.lock);
	if (failure.notify)
		failure.notify();
	return -HC_ENOMEM;
}

const char *host_failure_message(void)
{
	return failure.failed ? failure.message : NULL;
}

uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 20, used = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		used += fread(buf + used, 1, cap - used, f);
		if (used < cap)
			break;
		cap *= 2;
		uint8_t *bigger = realloc(buf, cap);
		if (!bigger)
			free(buf);
		buf = bigger;
	}
	int failed = ferror(f);
	fclose(f);
	if (buf && failed) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	*len = used;
	return buf;
}

void write_escaped(FILE *out, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t')
			putc(c, out);
		else
			fprintf(out, "\\x%02x", c);
	}
}

uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "hv: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(RC_USAGE);
}
