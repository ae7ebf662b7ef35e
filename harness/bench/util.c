/* util.c: fatal errors, where the bench finds its programs and keeps its scratch files, series
 * names, JSON helpers. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "proc.h"

__attribute__((noreturn)) static void vfail(int status, const char *fmt, va_list ap)
{
	int saved = errno;
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", strerror(saved));
	exit(status);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(RC_HOST, fmt, ap);
}

void die_io(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(RC_IO, fmt, ap);
}

/* The bench's scratch folder: the programs it runs write their records there, under names
 * no one else can guess or plant; it goes when the bench exits. */
static char scratch[4096];

static void scratch_remove(void)
{
	char path[sizeof scratch + 256];
	DIR *d = opendir(scratch);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof path, "%s/%s", scratch, e->d_name);
			unlink(path);
		}
	}
	if (d)
		closedir(d);
	rmdir(scratch);
}

void scratch_init(const char *dir)
{
	snprintf(scratch, sizeof scratch, "%s/.scratch-XXXXXX", dir);
	if (!mkdtemp(scratch))
		die_io("cannot create a scratch folder in %s", dir);
	atexit(scratch_remove);
}

const char *scratch_path(const char *name, char *buf, size_t len)
{
	if (!scratch[0]) {
		errno = EINVAL;
		die("scratch_path(%s) before scratch_init", name);
	}
	snprintf(buf, len, "%s/%s", scratch, name);
	return buf;
}

/* build/bench runs build/native/wl and build/hv: they live beside it. */
const char *bench_bin_dir(void)
{
	static char dir[4096];
	if (!dir[0]) {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
		if (n < 0)
			die("readlink /proc/self/exe");
		dir[n] = '\0';
		char *parent = dirname(dir);
		memmove(dir, parent, strlen(parent) + 1);
	}
	return dir;
}

void series_name(const char *mode, const char *fork_policy, const char *variant,
		 const char *platform, char *buf, size_t len)
{
	bool policy = fork_policy && fork_policy[0], var = variant && variant[0];
	if (!strcmp(mode, "none"))
		snprintf(buf, len, "%s", platform);
	else
		snprintf(buf, len, "%s%s%s%s%s %s", mode, policy ? "/" : "",
			 policy ? fork_policy : "", var ? "/" : "", var ? variant : "", platform);
}

int variant_pairs(const char *variant, char *buf, size_t len, const char *names[],
		  const char *values[], int max)
{
	int n = 0;
	char *save = NULL;
	snprintf(buf, len, "%s", variant ? variant : "");
	for (char *t = strtok_r(buf, "/", &save); t && n < max; t = strtok_r(NULL, "/", &save)) {
		char *eq = strchr(t, '=');
		if (!eq)
			continue;
		*eq = '\0';
		names[n] = t;
		values[n++] = eq + 1;
	}
	return n;
}

void json_add_unique(json_t *list, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) if (!strcmp(json_string_value(v), s)) return;
	json_array_append_new(list, json_string(s));
}

int cell_verdict(json_t *rec, int loaded, const struct proc_out *o, double timeout_s,
		 const char *prog)
{
	int exited_ok = !o->timed_out && WIFEXITED(o->status) && WEXITSTATUS(o->status) == 0;
	if (loaded == 0 && exited_ok && json_is_true(json_object_get(rec, "ok")))
		return 0;
	char how[BENCH_ERR_MAX];
	proc_describe(o, timeout_s, how, sizeof how);
	const char *msg = json_string_value(json_object_get(rec, "error"));
	json_t *error = msg && msg[0] ? json_sprintf("%s (%s %s)", msg, prog, how)
				      : json_sprintf("%s %s", prog, how);
	json_object_set_new(rec, "ok", json_false());
	json_object_set_new(rec, "error", error);
	return -1;
}
