/* known_vaults.c — reading and extending the known-vaults file
 * (known_vaults.h). The directory is opened without following a symlink and
 * checked on its descriptor (TRUST_PRIVATE), the file likewise relative to
 * it: whoever could plant or edit this file would choose which key a launch
 * seals its token to. */
#include "known_vaults.h"
#include "fdio.h"
#include "filetrust.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KNOWN_VAULTS_MAX (1u << 20)

int
known_vaults_path(char *dir, char *file, struct mr_err *e)
{
	const char *xdg = secure_getenv("XDG_STATE_HOME"), *home = secure_getenv("HOME");
	int n;

	/* The XDG base directory rules: a relative XDG_STATE_HOME is ignored. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(dir, PATH_MAX, "%s/modal-run", xdg);
	else if (home != NULL && home[0] == '/')
		n = snprintf(dir, PATH_MAX, "%s/.local/state/modal-run", home);
	else
		return mr_fail(e, MR_E_CONFIG,
			       "no place to record the vault's key: set XDG_STATE_HOME or HOME, or pin the key (--vault-key, MODAL_VAULT_PUBLIC_KEY)");
	if (n >= PATH_MAX - (int)sizeof(KNOWN_VAULTS_NAME) - 1)
		return mr_fail(e, MR_E_CONFIG, "the known-vaults directory's path is too long");
	snprintf(file, PATH_MAX, "%s/%s", dir, KNOWN_VAULTS_NAME);
	return 0;
}

/* The first line of buf that records url: 1, 0 if none; -1 for any line
 * that is neither blank, a comment nor "URL KEY" (the whole file is read:
 * a damaged one is refused, not half believed). */
static int
scan(const char *buf, size_t len, const char *file, const char *url,
     unsigned char key[WIRE_KEY_LEN], unsigned *line, struct mr_err *e)
{
	const char *p = buf, *end = buf + len, *eol, *sp;
	char hex[WIRE_KEY_HEX_LEN + 1];
	unsigned char got[WIRE_KEY_LEN];
	size_t ulen = strlen(url);
	unsigned n = 0;
	int found = 0;

	for (; p < end; p = eol + 1) {
		n++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if (p == eol || *p == '#')
			continue;
		sp = memchr(p, ' ', (size_t)(eol - p));
		if (sp == NULL || sp == p || eol - sp - 1 != WIRE_KEY_HEX_LEN)
			goto bad;
		memcpy(hex, sp + 1, WIRE_KEY_HEX_LEN);
		hex[WIRE_KEY_HEX_LEN] = '\0';
		if (wire_hex_decode(hex, got, WIRE_KEY_LEN) != 0)
			goto bad;
		if (!found && (size_t)(sp - p) == ulen && memcmp(p, url, ulen) == 0) {
			memcpy(key, got, WIRE_KEY_LEN);
			*line = n;
			found = 1;
		}
	}
	if (!found)
		sodium_memzero(key, WIRE_KEY_LEN);
	return found;
bad:
	sodium_memzero(key, WIRE_KEY_LEN);
	return mr_fail(e, MR_E_CONFIG, "%s:%u: expected 'URL KEY' (the vault's public key in %d hex digits)",
		       file, n, WIRE_KEY_HEX_LEN);
}

/* The directory's descriptor, checked; -2 when it does not exist. */
static int
open_dir(const char *dir, struct mr_err *e)
{
	int fd = file_open_trusted(AT_FDCWD, dir, dir, TRUST_PRIVATE, TRUST_DIR | TRUST_NOFOLLOW,
				   NULL, e);

	if (fd < 0 && e->kind == MR_E_NOTFOUND)
		return -2;
	return fd;
}

/* The file's bytes (*buf NULL and *len 0 when it does not exist), in
 * ordinary memory: URLs and public keys, read on every launch, where
 * locked memory would cost a dozen system calls. */
static int
read_known(int dirfd, const char *file, unsigned char **buf, size_t *len, struct mr_err *e)
{
	struct stat st;
	ssize_t got = 0;
	size_t have = 0;
	int fd;

	*buf = NULL;
	*len = 0;
	fd = file_open_trusted(dirfd, KNOWN_VAULTS_NAME, file, TRUST_PRIVATE, TRUST_NOFOLLOW, &st, e);
	if (fd < 0 && e->kind == MR_E_NOTFOUND) {
		mr_clear(e);
		return 0;
	}
	if (fd < 0)
		return -1;
	if (st.st_size > KNOWN_VAULTS_MAX || (*buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return mr_fail(e, st.st_size > KNOWN_VAULTS_MAX ? MR_E_TOOLARGE : MR_E_INTERNAL,
			       "%s: larger than %u bytes, or out of memory", file, KNOWN_VAULTS_MAX);
	}
	/* The size fstat gave: a file that grows meanwhile is read to that size. */
	while (have < (size_t)st.st_size &&
	       ((got = read(fd, *buf + have, (size_t)st.st_size - have)) > 0 ||
		(got < 0 && errno == EINTR)))
		have += got > 0 ? (size_t)got : 0;
	close(fd);
	if (got < 0) {
		free(*buf);
		*buf = NULL;
		return mr_fail(e, MR_E_IO, "%s: %s", file, strerror(errno));
	}
	(*buf)[have] = '\0';
	*len = have;
	return 0;
}

int
known_vaults_find(const char *dir, const char *file, const char *url,
		  unsigned char key[WIRE_KEY_LEN], unsigned *line, struct mr_err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int dirfd = open_dir(dir, e), rc = -1;

	if (dirfd == -2) {
		mr_clear(e);
		return 0;
	}
	if (dirfd < 0)
		return -1;
	if (read_known(dirfd, file, &buf, &len, e) == 0)
		rc = buf == NULL ? 0 : scan((const char *)buf, len, file, url, key, line, e);
	free(buf);
	close(dirfd);
	return rc;
}

/* mkdir -p, 0700 for what is made here (XDG: the state directory is the
 * user's alone). */
static int
make_dirs(const char *dir, struct mr_err *e)
{
	char path[PATH_MAX], *slash;

	snprintf(path, sizeof(path), "%s", dir);
	for (slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash != NULL)
			*slash = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return mr_fail(e, MR_E_IO, "creating %s: %s", path, strerror(errno));
		if (slash == NULL)
			return 0;
		*slash = '/';
	}
}

/* old, then the lines added, into a temporary file renamed over the file
 * and the directory synced: a crash leaves the old file or the new one. */
static int
replace_file(int dirfd, const char *file, const unsigned char *old, size_t old_len,
	     const char *added, struct mr_err *e)
{
	char tmp[64];
	int fd, rc = -1;

	snprintf(tmp, sizeof(tmp), ".%s.%ld", KNOWN_VAULTS_NAME, (long)getpid());
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return mr_fail(e, MR_E_IO, "%s: %s", file, strerror(errno));
	if ((old_len == 0 || fd_write_all(fd, old, old_len) == 0) &&
	    (old_len == 0 || old[old_len - 1] == '\n' || fd_write_all(fd, "\n", 1) == 0) &&
	    fd_write_all(fd, added, strlen(added)) == 0 && fsync(fd) == 0 &&
	    renameat(dirfd, tmp, dirfd, KNOWN_VAULTS_NAME) == 0 && fsync(dirfd) == 0)
		rc = 0;
	else
		mr_fail(e, MR_E_IO, "%s: %s", file, strerror(errno));
	close(fd);
	if (rc != 0)
		unlinkat(dirfd, tmp, 0);
	return rc;
}

int
known_vaults_add(const char *dir, const char *file, const char *const *urls, size_t n,
		 const unsigned char key[WIRE_KEY_LEN], struct mr_err *e)
{
	unsigned char *buf = NULL, found[WIRE_KEY_LEN];
	char hex[WIRE_KEY_HEX_LEN + 1], *added = NULL;
	size_t len = 0, used = 0, cap = 1, i;
	unsigned line;
	int dirfd = -1, rc = -1, had;

	for (i = 0; i < n; i++)
		cap += strlen(urls[i]) + WIRE_KEY_HEX_LEN + 2;
	if (make_dirs(dir, e) != 0 || (dirfd = open_dir(dir, e)) < 0 ||
	    read_known(dirfd, file, &buf, &len, e) != 0)
		goto out;
	if ((added = malloc(cap)) == NULL) {
		mr_fail(e, MR_E_INTERNAL, "out of memory");
		goto out;
	}
	added[0] = '\0';
	wire_hex_encode(key, WIRE_KEY_LEN, hex);
	for (i = 0; i < n; i++) {
		had = buf == NULL ? 0 : scan((const char *)buf, len, file, urls[i], found, &line, e);
		if (had < 0)
			goto out;
		if (had == 0)
			used += (size_t)snprintf(added + used, cap - used, "%s %s\n", urls[i], hex);
	}
	rc = used == 0 ? 0 : replace_file(dirfd, file, buf, len, added, e);
out:
	free(buf);
	if (dirfd >= 0)
		close(dirfd);
	free(added);
	return rc;
}
