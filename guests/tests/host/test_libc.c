/* test_libc.c: the guest's vsnprintf, string functions and strtol, checked against glibc. */
/* The build renames the guest's functions with a k_ prefix (see guests.mk). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include "test.h"

int k_snprintf(char *buf, size_t n, const char *fmt, ...);
size_t k_strlen(const char *s);
int k_strcmp(const char *a, const char *b);
int k_strncmp(const char *a, const char *b, size_t n);
char *k_strchr(const char *s, int c);
char *k_strrchr(const char *s, int c);
void *k_memmove(void *dst, const void *src, size_t n);
void *k_memset(void *dst, int c, size_t n);
char *k_strncpy_safe(char *dst, const char *src, size_t n);
long k_strtol(const char *s, char **end, int base);
unsigned long k_strtoul(const char *s, char **end, int base);

/* Formats with both implementations and compares text and return value. */
#define SAME_FORMAT(fmt, ...)                                                                      \
	do {                                                                                       \
		char want[128], got[128];                                                          \
		int wn = snprintf(want, sizeof want, fmt, __VA_ARGS__);                            \
		int gn = k_snprintf(got, sizeof got, fmt, __VA_ARGS__);                            \
		CHECK(wn == gn && strcmp(want, got) == 0, "%s: want \"%s\" (%d), got \"%s\" (%d)", \
		      fmt, want, wn, got, gn);                                                     \
	} while (0)

static void test_format(void)
{
	SAME_FORMAT("%d %i %u", -42, 7, 3000000000u);
	SAME_FORMAT("%ld %lu %lx %lX", LONG_MIN, ULONG_MAX, 0xdeadbeefl, 0xabcl);
	SAME_FORMAT("%lld %llu %zu %zd", LLONG_MIN, 12ull, (size_t)99, (ssize_t)-5);
	SAME_FORMAT("%hhd %hd %hhu", 300, 70000, 511);
	SAME_FORMAT("[%5d] [%-5d] [%05d] [%.3d] [%8.3d] [%-8x]", 42, 42, -42, 7, -7, 0xff);
	SAME_FORMAT("[%s] [%10s] [%-10s] [%.2s] [%.*s] [%*d]", "abc", "abc", "abc", "abc", 3,
		    "abcdef", -4, 9);
	SAME_FORMAT("%c%c %% %o %p", 'o', 'k', 8, (void *)0x1234);
	SAME_FORMAT("%x %X [%3c]", 0u, 0u, (int)'q');
}

static void test_truncation(void)
{
	char buf[8];
	CHECK(k_snprintf(buf, sizeof buf, "%s", "0123456789") == 10, "length of the full text");
	CHECK(strcmp(buf, "0123456") == 0, "truncated to \"%s\"", buf);
	CHECK(k_snprintf(NULL, 0, "%d", 12345) == 5, "size 0 only counts");
	CHECK(k_snprintf(buf, 1, "x") == 1 && buf[0] == '\0', "size 1 gives an empty string");
}

static void test_strings(void)
{
	char buf[16] = "abcdefgh";
	CHECK(k_strlen("hello") == 5 && k_strlen("") == 0, "strlen");
	CHECK(k_strcmp("a", "b") < 0 && k_strcmp("b", "a") > 0 && k_strcmp("x", "x") == 0, "cmp");
	CHECK(k_strcmp("\xff", "a") > 0, "strcmp compares unsigned characters");
	CHECK(k_strncmp("abcd", "abce", 3) == 0 && k_strncmp("abcd", "abce", 4) < 0, "strncmp");
	const char *s = "a=b=c";
	CHECK(k_strchr(s, '=') == s + 1 && k_strrchr(s, '=') == s + 3, "strchr/strrchr");
	CHECK(k_strchr(s, '\0') == s + 5 && k_strchr(s, 'z') == NULL, "strchr of NUL and missing");
	k_memmove(buf + 2, buf, 6); /* overlapping, upwards */
	CHECK(memcmp(buf, "ababcdef", 8) == 0, "memmove up: %.8s", buf);
	k_memmove(buf, buf + 2, 6); /* overlapping, downwards */
	CHECK(memcmp(buf, "abcdefef", 8) == 0, "memmove down: %.8s", buf);
	k_memset(buf, 'z', 3);
	CHECK(memcmp(buf, "zzzdefef", 8) == 0, "memset");
	k_strncpy_safe(buf, "0123456789abcdefXYZ", sizeof buf);
	CHECK(strcmp(buf, "0123456789abcde") == 0, "strncpy_safe truncates: %s", buf);
}

/* Parses with both implementations and compares value, end and errno. */
static void same_strtol(const char *s, int base)
{
	char *wend, *gend;
	errno = 0;
	long want = strtol(s, &wend, base);
	int werr = errno;
	errno = 0;
	long got = k_strtol(s, &gend, base);
	CHECK(want == got && wend == gend && werr == errno, "strtol(\"%s\", %d): %ld vs %ld", s,
	      base, want, got);
}

static void test_strtol(void)
{
	const char *inputs[] = {"0",
				"42",
				"-17",
				"  +9",
				"0x1f",
				"0X1F",
				"017",
				"12abc",
				"abc",
				"-",
				"",
				"0x",
				"9223372036854775807",
				"9223372036854775808",
				"-9223372036854775808",
				"-9223372036854775809",
				"99999999999999999999999"};
	int bases[] = {0, 10, 16, 8};
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
		for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++)
			same_strtol(inputs[i], bases[b]);
	char *end;
	CHECK(k_strtoul("ff", &end, 16) == 255 && *end == '\0', "strtoul");
}

int main(void)
{
	RUN_TEST(test_format);
	RUN_TEST(test_truncation);
	RUN_TEST(test_strings);
	RUN_TEST(test_strtol);
	TEST_EXIT();
}
