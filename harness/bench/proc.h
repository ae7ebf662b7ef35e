/* proc.h: runs a child process with a timeout and captures its output. */
#ifndef PAGELAB_BENCH_PROC_H
#define PAGELAB_BENCH_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PROC_OUT_MAX 65536
#define PROC_ERR_MAX 8192

struct proc_out {
	int status;	 /* wait status (valid unless timed_out) */
	bool timed_out;	 /* killed after the timeout */
	double wall_s;	 /* from exec to exit */
	long maxrss_kib; /* peak resident set of the child (and its waited-for descendants) */
	char out[PROC_OUT_MAX]; /* stdout, NUL-terminated, truncated to fit */
	char err[PROC_ERR_MAX]; /* stderr, same */
};

/* SIGINT and SIGTERM stop the child running now (SIGTERM to its process group, SIGKILL after
 * a grace period) and every later proc_run fails with EINTR; proc_interrupted says which
 * signal came (0: none). */
void proc_stop_on_signals(void);
int proc_interrupted(void);

/* Runs argv[0] (a path) with its own process group; kills the group after timeout_s.
 * Returns 0 when the child ran (whatever its status), -1 if it could not start (errno). */
int proc_run(char *const argv[], double timeout_s, struct proc_out *o);

/* Runs argv[0] with the bench's own stdout and stderr (for long runs whose progress the user
 * should see), in its own process group, and returns its wait status, or -1 if it could not
 * start. */
int proc_run_visible(char *const argv[]);

/* Starts argv[0] in its own process group with stdout and stderr into the file log (created
 * or emptied), to run beside others: its pid, or -1 (errno). A signal stops it as the others.
 * proc_wait_ticking waits for it and returns its wait status (-1 if unknown), calling tick
 * every every_s seconds meanwhile. */
pid_t proc_start_logged(char *const argv[], const char *log);
int proc_wait_ticking(pid_t pid, void (*tick)(void), double every_s);

/* One line saying how the child ended ("exited with status 2", "timed out after 30 s", ...),
 * followed by the last line of its stderr when there is one. */
void proc_describe(const struct proc_out *o, double timeout_s, char *buf, size_t len);

#endif
