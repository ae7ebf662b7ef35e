/* stdlib.c: exit and number parsing. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

void exit(int status)
{
	_exit(status); /* no atexit handlers and no stdio buffers to flush */
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* The common part of strtol and strtoul: magnitude, sign, end, overflow. */
static unsigned long parse(const char *s, char **end, int base, int *neg, int *overflow)
{
	const char *p = s;
	unsigned long v = 0;
	*neg = *overflow = 0;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '-' || *p == '+')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	const char *digits = p;
	for (int d; (d = digit_value(*p)) < base; p++) {
		if (v > (~0ul - d) / base)
			*overflow = 1;
		v = v * base + d;
	}
	if (end)
		*end = (char *)(p == digits ? s : p); /* no digits: nothing was parsed */
	return v;
}

long strtol(const char *s, char **end, int base)
{
	int neg, overflow;
	unsigned long v = parse(s, end, base, &neg, &overflow);
	unsigned long limit = neg ? (unsigned long)__LONG_MAX__ + 1 : __LONG_MAX__;
	if (overflow || v > limit) {
		errno = ERANGE;
		return neg ? -__LONG_MAX__ - 1 : __LONG_MAX__;
	}
	return neg ? (long)-v : (long)v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	int neg, overflow;
	unsigned long v = parse(s, end, base, &neg, &overflow);
	if (overflow) {
		errno = ERANGE;
		return ~0ul;
	}
	return neg ? -v : v;
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}
