/* fdio.c — descriptor hygiene and careful file I/O. */
#include "fdio.h"
#include "secmem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
fds_ensure_std(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* Lowest free number is fd itself: it stays open, without O_CLOEXEC,
		 * because the target must inherit a valid stdio too. */
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return -1;
	}
	return 0;
}

int
read_fd_secret(int fd, size_t max, unsigned char **buf, size_t *len,
	       const char *what, struct mr_err *e)
{
	unsigned char *p = xsecure_alloc(max + 1);
	size_t n = 0;
	ssize_t r;

	for (;;) {
		r = read(fd, p + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			secure_free(p, max + 1);
			return mr_fail(e, MR_E_IO, "%s: %s", what, strerror(errno));
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			secure_free(p, max + 1);
			return mr_fail(e, MR_E_TOOLARGE, "%s: larger than %zu bytes",
				       what, max);
		}
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
}

int
read_file_secret_at(int dirfd, const char *name, const char *shown, enum file_trust t,
		    size_t max, unsigned char **buf, size_t *len, struct mr_err *e)
{
	struct stat st;
	int fd, rc;

	fd = file_open_trusted(dirfd, name, shown, t, TRUST_NOFOLLOW, &st, e);
	if (fd < 0)
		return -1;
	/* Size the locked buffer by the file, not by the limit: mlock is scarce. */
	if (st.st_size >= 0 && (size_t)st.st_size < max)
		max = (size_t)st.st_size + 1;
	rc = read_fd_secret(fd, max, buf, len, shown, e);
	close(fd);
	return rc;
}

int
read_file_secret(const char *path, size_t max, int require_private,
		 unsigned char **buf, size_t *len, struct mr_err *e)
{
	return read_file_secret_at(AT_FDCWD, path, path,
				   require_private ? TRUST_PRIVATE : TRUST_ANY_OWNER, max, buf,
				   len, e);
}

int
fd_write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	ssize_t w;

	while (len > 0) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int
write_file_excl(const char *path, const void *data, size_t len, int mode,
		struct mr_err *e)
{
	const unsigned char *p = data;
	ssize_t w;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return mr_fail(e, errno == EEXIST ? MR_E_EXISTS : MR_E_IO,
			       "%s: %s", path, strerror(errno));
	while (len > 0) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			mr_fail(e, MR_E_IO, "%s: %s", path, strerror(errno));
			close(fd);
			unlink(path);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		mr_fail(e, MR_E_IO, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) != 0) {
		mr_fail(e, MR_E_IO, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

int
fd_set_cloexec_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}
