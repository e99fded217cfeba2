/* filetrust.c — the one file-trust check (filetrust.h). */
#include "filetrust.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static int
check_kind(const struct stat *st, int how, struct mr_err *e)
{
	if (how & TRUST_DIR)
		return S_ISDIR(st->st_mode) ? 0 : mr_fail(e, MR_E_CONFIG, "not a directory");
	return S_ISREG(st->st_mode) ? 0 : mr_fail(e, MR_E_CONFIG, "not a regular file");
}

static int
check_owner(const struct stat *st, enum file_trust t, int how, struct mr_err *e)
{
	uid_t me = geteuid();
	unsigned mode = (unsigned)(st->st_mode & 07777);

	if (t == TRUST_PRIVATE && (st->st_uid != me || (st->st_mode & 077) != 0))
		return mr_fail(e, MR_E_CONFIG, "must be owned by uid %u with mode %s "
			       "(is uid %u, mode %04o)", (unsigned)me,
			       how & TRUST_DIR ? "0700" : "0600", (unsigned)st->st_uid, mode);
	if (t == TRUST_NOT_OTHERS && st->st_uid != me && st->st_uid != 0)
		return mr_fail(e, MR_E_CONFIG, "owned by uid %u, not by you (uid %u) or root",
			       (unsigned)st->st_uid, (unsigned)me);
	if (t == TRUST_NOT_OTHERS && (st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return mr_fail(e, MR_E_CONFIG, "writable by group or others (mode %04o)", mode);
	return 0;
}

int
file_check_stat(const struct stat *st, enum file_trust t, int how, struct mr_err *e)
{
	if (check_kind(st, how, e) != 0 || check_owner(st, t, how, e) != 0)
		return -1;
	return 0;
}

int
file_check_trust(int fd, enum file_trust t, int how, struct stat *st, struct mr_err *e)
{
	struct stat own;

	if (st == NULL)
		st = &own;
	if (fstat(fd, st) != 0)
		return mr_fail(e, MR_E_IO, "%s", strerror(errno));
	return file_check_stat(st, t, how, e);
}

/* Which kind an open failure is: a refused symlink is a configuration
 * fault (someone put it there), not an I/O error. With O_DIRECTORY, Linux
 * says ENOTDIR for a symlink; lstat only picks the words of the message. */
static int
open_failed(int err, int dirfd, const char *path, int how, struct mr_err *e)
{
	struct stat st;

	if (err == ENOENT)
		return mr_fail(e, MR_E_NOTFOUND, "%s", strerror(err));
	if ((how & TRUST_NOFOLLOW) &&
	    (err == ELOOP || (err == ENOTDIR && fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			      S_ISLNK(st.st_mode))))
		return mr_fail(e, MR_E_CONFIG, "a symbolic link, which is not followed here");
	if (err == ENOTDIR && (how & TRUST_DIR))
		return mr_fail(e, MR_E_CONFIG, "not a directory");
	return mr_fail(e, MR_E_IO, "%s", strerror(err));
}

/* Reads then behave as usual: a regular file never blocks anyway, but a
 * caller may hand the descriptor to code that does not expect EAGAIN. A
 * directory is only ever used as a base for openat: left as it is. */
static int
clear_nonblock(int fd, struct mr_err *e)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return mr_fail(e, MR_E_IO, "%s", strerror(errno));
	return 0;
}

int
file_open_trusted(int dirfd, const char *path, const char *shown, enum file_trust t,
		  int how, struct stat *st, struct mr_err *e)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, fd;

	if (how & TRUST_DIR)
		flags |= O_DIRECTORY;
	if (how & TRUST_NOFOLLOW)
		flags |= O_NOFOLLOW;
	fd = openat(dirfd, path, flags);
	if (fd < 0) {
		open_failed(errno, dirfd, path, how, e);
	} else if (file_check_trust(fd, t, how, st, e) != 0 ||
		   (!(how & TRUST_DIR) && clear_nonblock(fd, e) != 0)) {
		close(fd);
		fd = -1;
	}
	if (fd < 0 && shown != NULL)
		mr_wrap(e, "%s", shown);
	return fd;
}
