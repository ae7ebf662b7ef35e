/* string.h: memory and string functions of the guest C library. */
#ifndef _STRING_H
#define _STRING_H

#include "memstr.h"

char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *strcat(char *dst, const char *src);
char *strerror(int err);

#endif
