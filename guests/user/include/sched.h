/* sched.h: sched_yield (the guest schedules cooperatively). */
#ifndef _SCHED_H
#define _SCHED_H

int sched_yield(void);

#endif
