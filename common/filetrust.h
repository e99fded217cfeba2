/* filetrust.h — the one file-trust check of modal-run and modal-vault: what
 * a file we read must be before we believe it. Made with fstat on the opened
 * descriptor, never on the path, so a file swapped after the check is not
 * the one believed (as doas checks its configuration). Every file is opened
 * O_NONBLOCK first: opening a FIFO for reading blocks until a writer comes,
 * so a FIFO (or a device) planted as a policy would hang us before any check
 * could refuse it. */
#ifndef MODAL_FILETRUST_H
#define MODAL_FILETRUST_H

#include <sys/stat.h>

#include "err.h"

/* Who may have written the file, from the weakest demand to the strongest. */
enum file_trust {
	TRUST_ANY_OWNER,   /* input the caller chose (imports, a credential): only its kind */
	TRUST_NOT_OTHERS,  /* it grants or redirects (policy, profile, vault directory and
			    * database): owned by you or root, writable by no one else */
	TRUST_PRIVATE,     /* it holds key material (master key, cache): owned by you,
			    * no permission bit for group or others */
};

/* How to open: a directory instead of a regular file; refuse a symlink as
 * the last component instead of following it. */
#define TRUST_DIR 0x1
#define TRUST_NOFOLLOW 0x2

/* The check alone on an open descriptor: a regular file (a directory with
 * TRUST_DIR) that meets t. On failure e holds the fault without a file name
 * ("not a regular file"), kind MR_E_CONFIG. st, if not NULL, gets the fstat. */
int file_check_trust(int fd, enum file_trust t, int how, struct stat *st, struct mr_err *e);
/* The same rules on an fstat already made (by a caller that cannot open the
 * file itself, or must not: see vault/local_files.c). */
int file_check_stat(const struct stat *st, enum file_trust t, int how, struct mr_err *e);

/* Opens path (relative to dirfd, or AT_FDCWD) read-only, close-on-exec and
 * non-blocking, checks it with file_check_trust, then clears O_NONBLOCK (of
 * a file; a directory is left as it is) so reads behave as usual. Returns
 * the descriptor, or -1 with e set to "SHOWN: fault" (just the fault when
 * shown is NULL, for callers that name the file themselves): MR_E_NOTFOUND
 * when it does not exist, MR_E_CONFIG when it is untrusted or a refused
 * symlink, MR_E_IO for other errors. */
int file_open_trusted(int dirfd, const char *path, const char *shown, enum file_trust t,
		      int how, struct stat *st, struct mr_err *e);

#endif
