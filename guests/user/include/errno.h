/* errno.h: the error number of the last failed call (Linux values, from uapi.h). */
#ifndef _ERRNO_H
#define _ERRNO_H

#include "uapi.h"

extern int errno;

#endif
