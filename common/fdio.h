/* fdio.h — descriptor hygiene and careful file I/O for secret-bearing files. */
#ifndef MODAL_FDIO_H
#define MODAL_FDIO_H

#include <stddef.h>

#include "err.h"

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

/* Opens path O_RDONLY|O_CLOEXEC|O_NOFOLLOW and reads it as read_fd_secret.
 * With require_private, the opened file must be a regular file owned by the
 * effective user with no group or other permission bits (checked with fstat).
 * A regular file's buffer is sized from its length, not from max. */
int read_file_secret(const char *path, size_t max, int require_private,
		     unsigned char **buf, size_t *len, struct mr_err *e);

/* Creates path O_EXCL with mode, writes len bytes and fsyncs. */
int write_file_excl(const char *path, const void *data, size_t len, int mode,
		    struct mr_err *e);

#endif
