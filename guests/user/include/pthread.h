/* pthread.h: threads of one address space, on the kernel's thread_create. */
#ifndef _PTHREAD_H
#define _PTHREAD_H

/* A thread's handle: its record, which lives at the top of its own stack mapping. */
typedef struct pthread_rec *pthread_t;
typedef struct pthread_attr pthread_attr_t; /* no attributes: pass NULL */

/* 0 or an error number (EINVAL for attributes, ENOMEM for the stack, the kernel's error). */
int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
/* Waits for the thread, hands back fn's result and frees its stack; 0 or an error number. */
int pthread_join(pthread_t thread, void **ret);

#endif
