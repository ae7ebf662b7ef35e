/* proc.c: runs child processes (each in its own process group) with a timeout, capturing their
 * output, and stops them when the bench is interrupted. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "proc.h"

#define STOP_GRACE_S 10 /* after SIGTERM, how long a child's group may take to end */

/* The signal that interrupted the bench (0: none), and the process groups of the children
 * running now (0: a free slot), which the handler stops at once. */
#define MAX_CHILDREN 4
static volatile sig_atomic_t stop_signal;
static volatile pid_t child_groups[MAX_CHILDREN];

static void on_stop(int sig)
{
	stop_signal = sig;
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (child_groups[i] > 0)
			kill(-child_groups[i], SIGTERM);
}

static void groups_set(pid_t from, pid_t to)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (child_groups[i] == from) {
			child_groups[i] = to;
			return;
		}
}

void proc_stop_on_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: waits return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int proc_interrupted(void)
{
	return stop_signal;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Appends what is readable on fd to buf; returns 0 at end of file. */
static int drain(int fd, char *buf, size_t cap, size_t *used)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof chunk);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	size_t keep = (size_t)n < cap - 1 - *used ? (size_t)n : cap - 1 - *used;
	memcpy(buf + *used, chunk, keep);
	*used += keep;
	buf[*used] = '\0';
	return 1;
}

/* Once the bench is interrupted: the time after which the child's group gets SIGKILL (it got
 * SIGTERM from the handler). */
static double stop_deadline(void)
{
	static double deadline;
	if (!deadline)
		deadline = now_s() + STOP_GRACE_S;
	return deadline;
}

/* Forks a child in a process group of its own (so that a timeout or an interruption can
 * stop its whole tree: workloads fork, run.sh starts QEMU) that the signal handler knows of
 * before any signal can reach it. In the child, out_fd and err_fd (when >= 0) become its
 * stdout and stderr and argv runs. The pid, or -1 (errno EINTR once the bench was
 * interrupted: nothing new starts then). */
static pid_t start_child(char *const argv[], int out_fd, int err_fd)
{
	sigset_t stop, old;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old);
	if (stop_signal) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		errno = EINTR;
		return -1;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		/* a signal before the exec ends the child, not a copy of the bench's handler */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (out_fd >= 0)
			dup2(out_fd, 1);
		if (err_fd >= 0)
			dup2(err_fd, 2);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid > 0) {
		setpgid(pid, pid);
		groups_set(0, pid);
	}
	sigprocmask(SIG_SETMASK, &old, NULL); /* a pending signal now stops the child's group */
	return pid;
}

/* Waits for the child pid into *status (and its resources into ru): once the bench is
 * interrupted, its group gets STOP_GRACE_S to end after SIGTERM, then SIGKILL. */
static void wait_child(pid_t pid, int *status, struct rusage *ru)
{
	for (;;) {
		pid_t got = wait4(pid, status, stop_signal ? WNOHANG : 0, ru);
		if (got == pid || (got < 0 && errno != EINTR))
			break;
		if (stop_signal && now_s() > stop_deadline())
			kill(-pid, SIGKILL);
		if (stop_signal)
			usleep(50000);
	}
	kill(-pid, SIGKILL); /* descendants a crashed or stopped child left behind */
	groups_set(pid, 0);
}

int proc_run(char *const argv[], double timeout_s, struct proc_out *o)
{
	int out_pipe[2], err_pipe[2];
	o->out[0] = o->err[0] = '\0';
	o->timed_out = false;
	o->maxrss_kib = 0;
	if (pipe2(out_pipe, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(err_pipe, O_CLOEXEC) < 0) {
		close(out_pipe[0]), close(out_pipe[1]);
		return -1;
	}
	double start = now_s();
	pid_t pid = start_child(argv, out_pipe[1], err_pipe[1]);
	close(out_pipe[1]);
	close(err_pipe[1]);
	if (pid < 0) {
		close(out_pipe[0]), close(err_pipe[0]);
		return -1;
	}

	struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
	size_t out_used = 0, err_used = 0;
	int open_fds = 2;
	while (open_fds > 0) {
		double left = start + timeout_s - now_s();
		if (left <= 0) {
			o->timed_out = true;
			kill(-pid, SIGKILL);
			break;
		}
		if (stop_signal && (left = stop_deadline() - now_s()) <= 0) {
			kill(-pid, SIGKILL);
			break;
		}
		int n = poll(fds, 2, (int)(left * 1000) + 1);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; n > 0 && i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			int more = i == 0 ? drain(fds[i].fd, o->out, sizeof o->out, &out_used)
					  : drain(fds[i].fd, o->err, sizeof o->err, &err_used);
			if (!more) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);

	struct rusage ru = {0};
	wait_child(pid, &o->status, &ru);
	o->wall_s = now_s() - start;
	o->maxrss_kib = ru.ru_maxrss;
	return 0;
}

/* The last non-empty line of s, without its newline. */
static void last_line(const char *s, char *buf, size_t len)
{
	const char *end = s + strlen(s);
	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	const char *begin = end;
	while (begin > s && begin[-1] != '\n')
		begin--;
	snprintf(buf, len, "%.*s", (int)(end - begin), begin);
}

void proc_describe(const struct proc_out *o, double timeout_s, char *buf, size_t len)
{
	char tail[256];
	last_line(o->err, tail, sizeof tail);
	if (o->timed_out)
		snprintf(buf, len, "timed out after %.0f s%s%s", timeout_s, tail[0] ? ": " : "",
			 tail);
	else if (WIFSIGNALED(o->status))
		snprintf(buf, len, "killed by signal %d (%s)%s%s", WTERMSIG(o->status),
			 strsignal(WTERMSIG(o->status)), tail[0] ? ": " : "", tail);
	else
		snprintf(buf, len, "exited with status %d%s%s", WEXITSTATUS(o->status),
			 tail[0] ? ": " : "", tail);
}

int proc_run_visible(char *const argv[])
{
	pid_t pid = start_child(argv, -1, -1);
	if (pid < 0)
		return -1;
	int status = -1;
	wait_child(pid, &status, NULL);
	return status;
}

pid_t proc_start_logged(char *const argv[], const char *log)
{
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	pid_t pid = start_child(argv, fd, fd);
	int err = errno;
	close(fd);
	errno = err;
	return pid;
}

int proc_wait_ticking(pid_t pid, void (*tick)(void), double every_s)
{
	int status = -1;
	double next = now_s() + every_s;
	while (!stop_signal && waitpid(pid, &status, WNOHANG) == 0) {
		usleep(200000);
		if (now_s() >= next) {
			tick();
			next += every_s;
		}
	}
	if (stop_signal)
		wait_child(pid, &status, NULL);
	else {
		kill(-pid, SIGKILL); /* descendants it left behind */
		groups_set(pid, 0);
	}
	return status;
}
