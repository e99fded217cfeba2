/* fdio.h — descriptor hygiene and careful file I/O for secret-bearing files. */
#ifndef MODAL_FDIO_H
#define MODAL_FDIO_H

#include <stddef.h>

#include "err.h"
#include "filetrust.h"

/* Makes sure descriptors 0-2 are open (on /dev/null if not), so no file we
 * open later can become someone's stdout. Returns -1 if that fails. */
int fds_ensure_std(void);

/* Marks an inherited descriptor close-on-exec and non-blocking, as
 * descriptors this process opens are (SOCK_CLOEXEC | SOCK_NONBLOCK). */
int fd_set_cloexec_nonblock(int fd);

/* Reads all of fd into sodium_malloc'ed memory, NUL-terminated. More than max
 * bytes is MR_E_TOOLARGE. *buf is released with secure_free(*buf, *len + 1). */
int read_fd_secret(int fd, size_t max, unsigned char **buf, size_t *len,
		   const char *what, struct mr_err *e);

/* Opens path as file_open_trusted does (non-blocking, symlinks refused) and
 * reads it as read_fd_secret. It must be a regular file; with
 * require_private, also owned by the effective user with no group or other
 * permission bits (TRUST_PRIVATE). The buffer is sized from its length. */
int read_file_secret(const char *path, size_t max, int require_private,
		     unsigned char **buf, size_t *len, struct mr_err *e);
/* The same for name inside the directory dirfd, trusted as t; messages
 * name the file as shown. */
int read_file_secret_at(int dirfd, const char *name, const char *shown, enum file_trust t,
			size_t max, unsigned char **buf, size_t *len, struct mr_err *e);

/* Writes all len bytes to fd, again after EINTR or a short write: 0 or -1
 * (errno set). */
int fd_write_all(int fd, const void *data, size_t len);

/* Creates path O_EXCL with mode, writes len bytes and fsyncs. */
int write_file_excl(const char *path, const void *data, size_t len, int mode,
		    struct mr_err *e);

#endif
