/* string_extra.c: the string functions only user programs need (the rest: kernel/string.c). */
#include <errno.h>
#include <string.h>

char *strcpy(char *dst, const char *src)
{
	return memcpy(dst, src, strlen(src) + 1);
}

char *strncpy(char *dst, const char *src, size_t n)
{
	size_t len = strnlen(src, n);
	memcpy(dst, src, len);
	memset(dst + len, 0, n - len);
	return dst;
}

char *strcat(char *dst, const char *src)
{
	strcpy(dst + strlen(dst), src);
	return dst;
}

char *strerror(int err)
{
	static const char *const names[] = {
	    [0] = "Success",
	    [EPERM] = "Operation not permitted",
	    [ENOENT] = "No such file or directory",
	    [ESRCH] = "No such process",
	    [EINTR] = "Interrupted system call",
	    [EIO] = "Input/output error",
	    [E2BIG] = "Argument list too long",
	    [ENOEXEC] = "Exec format error",
	    [EBADF] = "Bad file descriptor",
	    [ECHILD] = "No child processes",
	    [EAGAIN] = "Resource temporarily unavailable",
	    [ENOMEM] = "Cannot allocate memory",
	    [EACCES] = "Permission denied",
	    [EFAULT] = "Bad address",
	    [EBUSY] = "Device or resource busy",
	    [EEXIST] = "File exists",
	    [EINVAL] = "Invalid argument",
	    [ENOSPC] = "No space left on device",
	    [ERANGE] = "Numerical result out of range",
	    [ENAMETOOLONG] = "File name too long",
	    [ENOSYS] = "Function not implemented",
	};
	if (err >= 0 && err < (int)(sizeof names / sizeof names[0]) && names[err])
		return (char *)names[err];
	return "Unknown error";
}
