/* format.c: vsnprintf and snprintf, built into both the kernel and the user C library. */
#include "klib.h"

struct out {
	char *buf;
	size_t size, len; /* len counts every character, also those that did not fit */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	int left, zero, width, precision; /* precision < 0: none given */
};

static void put_str(struct out *o, const struct spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	size_t len = sp->precision >= 0 ? strnlen(s, sp->precision) : strlen(s);
	if (!sp->left)
		pad(o, ' ', sp->width - (int)len);
	for (size_t i = 0; i < len; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - (int)len);
}

static void put_num(struct out *o, const struct spec *sp, uint64_t v, int neg, unsigned base,
		    int upper, const char *prefix)
{
	char digits[24];
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	do {
		digits[n++] = set[v % base];
		v /= base;
	} while (v);
	int plen = (int)strlen(prefix) + neg;
	int zeros = sp->precision > n ? sp->precision - n : 0;
	int fill = sp->width - plen - zeros - n;
	if (sp->zero && !sp->left && sp->precision < 0) {
		zeros += fill > 0 ? fill : 0;
		fill = 0;
	}
	if (!sp->left)
		pad(o, ' ', fill);
	if (neg)
		put(o, '-');
	for (const char *p = prefix; *p; p++)
		put(o, *p);
	pad(o, '0', zeros);
	while (n)
		put(o, digits[--n]);
	if (sp->left)
		pad(o, ' ', fill);
}

/* Reads a decimal number or '*' (from the arguments) at *fmt. */
static int read_count(const char **fmt, va_list *ap)
{
	if (**fmt == '*') {
		(*fmt)++;
		return va_arg(*ap, int);
	}
	int n = 0;
	while (**fmt >= '0' && **fmt <= '9')
		n = n * 10 + (*(*fmt)++ - '0');
	return n;
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG };

static enum length read_length(const char **fmt)
{
	switch (**fmt) {
	case 'h':
		(*fmt)++;
		if (**fmt == 'h') {
			(*fmt)++;
			return LEN_CHAR;
		}
		return LEN_SHORT;
	case 'l':
		(*fmt)++;
		if (**fmt == 'l')
			(*fmt)++;
		return LEN_LONG;
	case 'z':
	case 'j':
	case 't':
		(*fmt)++;
		return LEN_LONG; /* size_t, intmax_t, ptrdiff_t are 64-bit here */
	default:
		return LEN_INT;
	}
}

static int64_t signed_arg(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_LONG:
		return va_arg(*ap, long);
	case LEN_SHORT:
		return (short)va_arg(*ap, int);
	case LEN_CHAR:
		return (signed char)va_arg(*ap, int);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t unsigned_arg(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_LONG:
		return va_arg(*ap, unsigned long);
	case LEN_SHORT:
		return (unsigned short)va_arg(*ap, unsigned);
	case LEN_CHAR:
		return (unsigned char)va_arg(*ap, unsigned);
	default:
		return va_arg(*ap, unsigned);
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = {buf, size, 0};
	va_list ap;
	va_copy(ap, ap_in);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt++;
		struct spec sp = {0, 0, 0, -1};
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = 1;
			else if (*fmt == '0')
				sp.zero = 1;
			else
				break;
		}
		sp.width = read_count(&fmt, &ap);
		if (sp.width < 0) { /* a negative '*' width means left-justified */
			sp.left = 1;
			sp.width = -sp.width;
		}
		if (*fmt == '.') {
			fmt++;
			sp.precision = read_count(&fmt, &ap);
		}
		enum length len = read_length(&fmt);
		char conv = *fmt ? *fmt++ : '%';
		switch (conv) {
		case 'd':
		case 'i': {
			int64_t v = signed_arg(&ap, len);
			put_num(&o, &sp, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, 0, "");
			break;
		}
		case 'u':
			put_num(&o, &sp, unsigned_arg(&ap, len), 0, 10, 0, "");
			break;
		case 'x':
		case 'X':
			put_num(&o, &sp, unsigned_arg(&ap, len), 0, 16, conv == 'X', "");
			break;
		case 'o':
			put_num(&o, &sp, unsigned_arg(&ap, len), 0, 8, 0, "");
			break;
		case 'p':
			put_num(&o, &sp, (uint64_t)va_arg(ap, void *), 0, 16, 0, "0x");
			break;
		case 's':
			put_str(&o, &sp, va_arg(ap, const char *));
			break;
		case 'c': {
			char c[2] = {(char)va_arg(ap, int), '\0'};
			sp.precision = -1;
			put_str(&o, &sp, c);
			break;
		}
		default: /* "%%", or an unsupported conversion shown as is */
			if (conv != '%')
				put(&o, '%');
			put(&o, conv);
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
