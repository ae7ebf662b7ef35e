/* output.c: the files the hv writes: checked before the run, then written whole or not at all. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hv.h"

static const char *kind_of(mode_t m)
{
	return S_ISDIR(m)    ? "a directory"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
	       : S_ISFIFO(m) ? "a FIFO"
	       : S_ISSOCK(m) ? "a socket"
			     : "not a regular file";
}

/* The file a write to path replaces (a symlink's target, so the link stays) in target, and
 * whether it exists. Returns HV_EXIT_OK, or HV_EXIT_USAGE / HV_EXIT_IO with the reason. */
static int resolve(const char *path, char target[PATH_MAX], struct stat *st, bool *exists,
		   char *err, size_t errlen)
{
	if (!*path || strlen(path) >= PATH_MAX) {
		errorf(err, errlen, "'%s' is not a usable file name", path);
		return HV_EXIT_USAGE;
	}
	*exists = lstat(path, st) == 0;
	if (!*exists && errno != ENOENT) {
		errorf(err, errlen, "%s: %s", path, strerror(errno));
		return HV_EXIT_IO;
	}
	strcpy(target, path);
	if (*exists && S_ISLNK(st->st_mode)) {
		if (stat(path, st) < 0 || !realpath(path, target)) {
			errorf(err, errlen, "%s is a symlink to nothing (%s)", path,
			       strerror(errno));
			return HV_EXIT_USAGE;
		}
		if (!S_ISREG(st->st_mode)) {
			errorf(err, errlen, "%s is a symlink to %s, not to a regular file", path,
			       kind_of(st->st_mode));
			return HV_EXIT_USAGE;
		}
	}
	if (*exists && !S_ISREG(st->st_mode)) {
		errorf(err, errlen, "%s is %s: the hv writes only regular files", path,
		       kind_of(st->st_mode));
		return HV_EXIT_USAGE;
	}
	return HV_EXIT_OK;
}

/* Resolves path (see resolve) and opens a new file of unpredictable name beside the target
 * (mkstemp), its name in tmp. Returns HV_EXIT_OK with *fd open, or an exit code and the reason. */
static int open_temp(const char *path, char target[PATH_MAX], char tmp[PATH_MAX + 16],
		     struct stat *st, bool *exists, int *fd, char *err, size_t errlen)
{
	int rc = resolve(path, target, st, exists, err, errlen);
	if (rc != HV_EXIT_OK)
		return rc;
	const char *slash = strrchr(target, '/');
	int dirlen = slash ? (int)(slash - target) + 1 : 0;
	snprintf(tmp, PATH_MAX + 16, "%.*s.%s.XXXXXX", dirlen, target, slash ? slash + 1 : target);
	*fd = mkstemp(tmp);
	if (*fd >= 0)
		return HV_EXIT_OK;
	errorf(err, errlen, "cannot create a file in the folder of %s: %s", target,
	       strerror(errno));
	return HV_EXIT_IO;
}

int output_check(const char *path, char *err, size_t errlen)
{
	char target[PATH_MAX], tmp[PATH_MAX + 16];
	struct stat st;
	bool exists;
	int fd, rc = open_temp(path, target, tmp, &st, &exists, &fd, err, errlen);
	if (rc == HV_EXIT_OK) {
		close(fd);
		unlink(tmp);
	}
	return rc;
}

int output_write_json(const char *path, struct json_t *doc, char *err, size_t errlen)
{
	char target[PATH_MAX], tmp[PATH_MAX + 16];
	struct stat st;
	bool exists;
	int fd;
	if (open_temp(path, target, tmp, &st, &exists, &fd, err, errlen) != HV_EXIT_OK)
		return HV_EXIT_IO;
	mode_t mask = umask(0);
	umask(mask);
	/* a replaced file keeps its permissions; a new one gets what open(2) would give it */
	bool written = fchmod(fd, exists ? st.st_mode & 07777 : 0666 & ~mask) == 0 &&
		       json_dumpfd(doc, fd, JSON_INDENT(2) | JSON_SORT_KEYS) == 0 && fsync(fd) == 0;
	if (!written)
		errorf(err, errlen, "writing %s: %s", tmp, strerror(errno ? errno : EIO));
	close(fd);
	/* the target may have changed kind during the run: check again just before the rename */
	if (written && resolve(path, target, &st, &exists, err, errlen) == HV_EXIT_OK) {
		if (rename(tmp, target) == 0)
			return HV_EXIT_OK;
		errorf(err, errlen, "rename %s to %s: %s", tmp, target, strerror(errno));
	}
	unlink(tmp);
	return HV_EXIT_IO;
}
