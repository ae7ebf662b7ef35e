/* output.c: every file pagelab's tools write: checked first, then written whole or not at all. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "record.h"

__attribute__((format(printf, 4, 5))) static int fail(int rc, char *err, size_t errlen,
						      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static const char *kind_of(mode_t m)
{
	return S_ISDIR(m)    ? "a directory"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
	       : S_ISFIFO(m) ? "a FIFO"
	       : S_ISSOCK(m) ? "a socket"
			     : "not a regular file";
}

/* The file a write to path replaces (a symlink's target, so the link stays) in o->target, and
 * its status. Returns RC_OK, or RC_USAGE / RC_IO with the reason. */
static int resolve(const char *path, struct output *o, char *err, size_t errlen)
{
	if (!*path || strlen(path) >= sizeof o->target)
		return fail(RC_USAGE, err, errlen, "'%s' is not a usable file name", path);
	o->exists = lstat(path, &o->st) == 0;
	if (!o->exists && errno != ENOENT)
		return fail(RC_IO, err, errlen, "%s: %s", path, strerror(errno));
	strcpy(o->target, path);
	if (o->exists && S_ISLNK(o->st.st_mode)) {
		if (stat(path, &o->st) < 0 || !realpath(path, o->target))
			return fail(RC_USAGE, err, errlen, "%s is a symlink to nothing (%s)", path,
				    strerror(errno));
		if (!S_ISREG(o->st.st_mode))
			return fail(RC_USAGE, err, errlen,
				    "%s is a symlink to %s, not to a regular file", path,
				    kind_of(o->st.st_mode));
	}
	if (o->exists && !S_ISREG(o->st.st_mode))
		return fail(RC_USAGE, err, errlen, "%s is %s: only regular files are written", path,
			    kind_of(o->st.st_mode));
	return RC_OK;
}

int output_open(const char *path, struct output *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	int rc = resolve(path, o, err, errlen);
	if (rc != RC_OK)
		return rc;
	snprintf(o->path, sizeof o->path, "%s", path);
	const char *slash = strrchr(o->target, '/');
	int dirlen = slash ? (int)(slash - o->target) + 1 : 0;
	snprintf(o->tmp, sizeof o->tmp, "%.*s.%s.XXXXXX", dirlen, o->target,
		 slash ? slash + 1 : o->target);
	int fd = mkstemp(o->tmp);
	if (fd < 0)
		return fail(RC_IO, err, errlen, "cannot create a file in the folder of %s: %s",
			    o->target, strerror(errno));
	mode_t mask = umask(0);
	umask(mask);
	/* a replaced file keeps its permissions; a new one gets what open(2) would give it */
	if (fchmod(fd, o->exists ? o->st.st_mode & 07777 : 0666 & ~mask) < 0 ||
	    !(o->f = fdopen(fd, "w"))) {
		rc = fail(RC_IO, err, errlen, "cannot write %s: %s", o->tmp, strerror(errno));
		close(fd);
		unlink(o->tmp);
	}
	return rc;
}

int output_check(const char *path, char *err, size_t errlen)
{
	struct output o;
	int rc = output_open(path, &o, err, errlen);
	if (rc == RC_OK)
		output_abort(&o);
	return rc;
}

void output_abort(struct output *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	unlink(o->tmp);
}

int output_commit(struct output *o, char *err, size_t errlen)
{
	errno = 0;
	bool written = fflush(o->f) == 0 && !ferror(o->f) && fsync(fileno(o->f)) == 0;
	int rc = written ? RC_OK
			 : fail(RC_IO, err, errlen, "writing %s: %s", o->tmp,
				strerror(errno ? errno : EIO));
	if (fclose(o->f) != 0 && rc == RC_OK)
		rc = fail(RC_IO, err, errlen, "writing %s: %s", o->tmp, strerror(errno));
	o->f = NULL;
	/* the target may have changed kind meanwhile: check again just before the rename */
	struct output now;
	if (rc == RC_OK && (rc = resolve(o->path, &now, err, errlen)) == RC_OK &&
	    rename(o->tmp, now.target) == 0)
		return RC_OK;
	if (rc == RC_OK)
		fail(RC_IO, err, errlen, "rename %s to %s: %s", o->tmp, now.target,
		     strerror(errno));
	unlink(o->tmp);
	return RC_IO;
}

int output_write_json(const char *path, json_t *doc, char *err, size_t errlen)
{
	struct output o;
	if (output_open(path, &o, err, errlen) != RC_OK)
		return RC_IO;
	if (json_dumpf(doc, o.f, JSON_INDENT(2) | JSON_SORT_KEYS) < 0) {
		output_abort(&o);
		return fail(RC_IO, err, errlen, "writing %s: %s", o.tmp, strerror(errno));
	}
	return output_commit(&o, err, errlen);
}
