/* local_files.c — the embedded store's files, trusted before they are used.
 * Whoever can write the vault directory can plant vault.db or master.key
 * there (a symlink to a database they made, say), so the directory must be
 * yours or root's and writable by no one else; both files are then opened
 * relative to that checked directory, without following symlinks, and
 * checked on the opened descriptor (filetrust.h).
 *
 * SQLite opens the database by name itself (and resolves symlinks on the
 * way), so a check of our own descriptor says nothing about the file SQLite
 * ends up with. The unix VFS lets a program replace the open(2) it calls
 * (xSetSystemCall): while one thread opens its connection, our open checks
 * that the descriptor SQLite got is the very file we checked (st_dev and
 * st_ino), and refuses it otherwise. */
#include "local.h"
#include "filetrust.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The file this thread's sqlite3_open_v2 must open, and what it did open. */
struct expect {
	dev_t dev;
	ino_t ino;
	int opened;      /* SQLite opened the checked file */
	int refused;     /* SQLite tried to open something else */
};

static __thread struct expect *expected;
static int (*real_open)(const char *, int, int);

static int
checked_open(const char *path, int flags, int mode)
{
	struct expect *x = expected;
	struct stat st;
	int fd = real_open(path, flags, mode);

	if (fd < 0 || x == NULL)
		return fd;
	if (fstat(fd, &st) == 0 && st.st_dev == x->dev && st.st_ino == x->ino) {
		x->opened = 1;
		return fd;
	}
	x->refused = 1;
	close(fd);
	errno = EACCES;
	return -1;
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
 * vault's file is made here, 0600 and O_EXCL, so it is checked the same way. */
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
	fd = file_open_trusted(dirfd, "vault.db", NULL, TRUST_NOT_OTHERS, TRUST_NOFOLLOW, st, e);
	if (fd < 0 && e->kind == MR_E_NOTFOUND)
		return mr_fail(e, MR_E_CONFIG, "no vault database at %s (run 'modal-vault init')",
			       path);
	if (fd < 0)
		return mr_wrap(e, "%s", path);
	close(fd);
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
	if (x.refused)
		return mr_fail(e, MR_E_CONFIG, "%s: replaced while it was being opened (SQLite "
			       "found another file than the one checked)", path);
	if (rc != SQLITE_OK)
		return mr_fail(e, MR_E_CONFIG, "no vault database at %s: %s", path,
			       sqlite3_errmsg(*db));
	if (!x.opened)   /* no hook, or a descriptor SQLite reused: compare by name */
		return same_file(sqlite3_db_filename(*db, "main"), &st, path, e);
	return 0;
}
