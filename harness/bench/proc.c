/* proc.c: runs a child process with a timeout, capturing stdout and stderr through pipes. */
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

static void child_exec(char *const argv[], int out_fd, int err_fd)
{
	setpgid(0, 0); /* so a timeout can kill the whole tree (workloads fork) */
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	execv(argv[0], argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
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
	pid_t pid = fork();
	if (pid == 0)
		child_exec(argv, out_pipe[1], err_pipe[1]);
	close(out_pipe[1]);
	close(err_pipe[1]);
	if (pid < 0) {
		close(out_pipe[0]), close(err_pipe[0]);
		return -1;
	}
	setpgid(pid, pid);

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

	struct rusage ru;
	while (wait4(pid, &o->status, 0, &ru) < 0 && errno == EINTR)
		;
	kill(-pid, SIGKILL); /* descendants a crashed workload left behind */
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
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}
