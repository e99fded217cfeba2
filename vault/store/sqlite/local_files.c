/* local_files.c — the embedded store's files, trusted before they are used.
 * Whoever can write the vault directory can plant vault.db or master.key
 * there (a symlink to a database they made, say), so the directory must be
 * yours or root's and writable by no one else; both files are then found
 * relative to that checked directory, never through a symlink, and checked
 * on the opened descriptor (filetrust.h).
 *
 * SQLite opens the database by name itself (and resolves symlinks on the
 * way), so only SQLite's own descriptor can say which file it got. The unix
 * VFS lets a program replace the open(2) it calls (xSetSystemCall): while a
 * thread opens its connection, our open checks SQLite's descriptor with the
 * shared rules and requires it to be the file found in the checked
 * directory (st_dev, st_ino), refusing it otherwise.
 *
 * We never open vault.db with a descriptor of our own once a vault exists:
 * closing any descriptor of a file drops every POSIX lock the process holds
 * on it, so in a server whose other connections hold the database's locks
 * another process would think itself alone, checkpoint and delete the WAL
 * under them. The file is looked at with fstatat instead. */
#include "local.h"
#include "filetrust.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The file this thread's sqlite3_open_v2 must open, and what it did open. */
struct expect {
	dev_t dev;
	ino_t ino;
	int opened;          /* SQLite's first open was the checked file */
	int refused;         /* it was another file, or one the rules refuse */
	struct mr_err fault; /* why, when refused */
};

static __thread struct expect *expected;
static int (*real_open)(const char *, int, int);

static int
checked_open(const char *path, int flags, int mode)
{
	struct expect *x = expected;
	struct stat st;
	int fd = real_open(path, flags, mode);

	if (fd < 0 || x == NULL || x->opened || x->refused)
		return fd;
	/* A refused file is still handed to SQLite, and the caller closes the
	 * connection: SQLite's close keeps the POSIX locks of the process's
	 * other connections to that file, a close(2) here would drop them. */
	if (fstat(fd, &st) != 0 || st.st_dev != x->dev || st.st_ino != x->ino) {
		x->refused = 1;
		mr_fail(&x->fault, MR_E_CONFIG, "replaced while it was being opened (SQLite "
			"found another file than the one checked)");
	} else if (file_check_stat(&st, TRUST_NOT_OTHERS, 0, &x->fault) != 0) {
		x->refused = 1;
	} else {
		x->opened = 1;
	}
	return fd;
}

/* Only possible before any connection exists: the VFS's table is not
 * locked. Called once, under local.c's pthread_once. */
void
local_files_configure(void)
{
	sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);

	if (vfs == NULL || vfs->iVersion < 3 || vfs->xGetSystemCall == NULL)
		return;
	real_open = (int (*)(const char *, int, int))vfs->xGetSystemCall(vfs, "open");
	if (real_open != NULL)
		vfs->xSetSystemCall(vfs, "open", (sqlite3_syscall_ptr)checked_open);
}

int
local_dir_open(const char *dir, struct mr_err *e)
{
	int fd = file_open_trusted(AT_FDCWD, dir, NULL, TRUST_NOT_OTHERS, TRUST_DIR, NULL, e);

	if (fd < 0 && e->kind == MR_E_NOTFOUND)
		return mr_fail(e, MR_E_CONFIG, "no vault at %s (run 'modal-vault init')", dir);
	if (fd < 0)
		return mr_wrap(e, "vault directory %s", dir);
	return fd;
}

/* vault.db inside the checked directory: what SQLite must open. A new
 * vault's file is made here, 0600 and O_EXCL (no connection exists yet). */
static int
db_file_check(int dirfd, const char *path, int create, struct stat *st, struct mr_err *e)
{
	int fd;

	if (create) {
		fd = openat(dirfd, "vault.db", O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0)
			return mr_fail(e, MR_E_IO, "creating %s: %s", path, strerror(errno));
		close(fd);
	}
	if (fstatat(dirfd, "vault.db", st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return mr_fail(e, MR_E_CONFIG,
				       "no vault database at %s (run 'modal-vault init')", path);
		return mr_fail(e, MR_E_IO, "%s: %s", path, strerror(errno));
	}
	if (S_ISLNK(st->st_mode))
		return mr_fail(e, MR_E_CONFIG, "%s: a symbolic link, which is not followed here",
			       path);
	/* Refused here already, so SQLite never opens a FIFO or a device. */
	if (file_check_stat(st, TRUST_NOT_OTHERS, 0, e) != 0)
		return mr_wrap(e, "%s", path);
	return 0;
}

static int
same_file(const char *opened, const struct stat *want, const char *path, struct mr_err *e)
{
	struct stat st;

	if (opened == NULL || stat(opened, &st) != 0 || st.st_dev != want->st_dev ||
	    st.st_ino != want->st_ino)
		return mr_fail(e, MR_E_CONFIG, "%s: replaced while it was being opened (it names "
			       "another file than the one checked)", path);
	return 0;
}

int
local_db_open(int dirfd, const char *path, int flags, sqlite3 **db, struct mr_err *e)
{
	struct expect x = { 0 };
	struct stat st;
	int rc;

	*db = NULL;
	if (db_file_check(dirfd, path, (flags & SQLITE_OPEN_CREATE) != 0, &st, e) != 0)
		return -1;
	x.dev = st.st_dev;
	x.ino = st.st_ino;
	expected = real_open != NULL ? &x : NULL;
	rc = sqlite3_open_v2(path, db, flags & ~SQLITE_OPEN_CREATE, NULL);
	expected = NULL;
	if (*db == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	if (x.refused) {
		*e = x.fault;
		return mr_wrap(e, "%s", path);
	}
	if (rc != SQLITE_OK)
		return mr_fail(e, MR_E_CONFIG, "no vault database at %s: %s", path,
			       sqlite3_errmsg(*db));
	if (!x.opened)   /* no hook, or a descriptor SQLite reused: compare by name */
		return same_file(sqlite3_db_filename(*db, "main"), &st, path, e);
	return 0;
}
