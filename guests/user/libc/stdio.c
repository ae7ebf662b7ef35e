/* stdio.c: printf and friends, each call formatted in full and written with one write(). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct FILE {
	int fd;
};

static FILE out = {STDOUT_FILENO}, err = {STDERR_FILENO};
FILE *const stdout = &out, *const stderr = &err;

static int write_all(FILE *f, const char *s, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t w = write(f->fd, s + done, n - done);
		if (w <= 0)
			return EOF;
		done += w;
	}
	return (int)n;
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	char small[256];
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	int r;
	if (n < (int)sizeof small) {
		r = write_all(f, small, n);
	} else {
		char big[n + 1]; /* rare long messages: format again at their size */
		vsnprintf(big, sizeof big, fmt, again);
		r = write_all(f, big, n);
	}
	va_end(again);
	return r;
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int fputs(const char *s, FILE *f)
{
	return write_all(f, s, strlen(s));
}

int puts(const char *s)
{
	return fputs(s, stdout) == EOF || fputs("\n", stdout) == EOF ? EOF : 1;
}

int putchar(int c)
{
	char ch = (char)c;
	return write_all(stdout, &ch, 1) == EOF ? EOF : (unsigned char)c;
}

int fflush(FILE *f)
{
	(void)f; /* nothing is buffered */
	return 0;
}
