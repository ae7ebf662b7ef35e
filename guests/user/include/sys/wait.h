/* sys/wait.h: waiting for children; status words are encoded as on Linux. */
#ifndef _SYS_WAIT_H
#define _SYS_WAIT_H

#include <sys/types.h>
#include "uapi.h"

pid_t waitpid(pid_t pid, int *status, int options);
pid_t wait(int *status);

#endif
