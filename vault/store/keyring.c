/* keyring.c — the master key file and the keys it holds (crypto.h).
 *
 * Two formats, told apart by size. A vault made before rekey existed has
 * exactly MASTER_KEY_LEN raw bytes: key 1, and the service keys derive from
 * it. Once rekeyed, the file is text, one item a line, every line ending
 * in a newline:
 *
 *   modal-vault keyring 1
 *   key ID HEX64              one to KEYRING_MAX_KEYS, ids ascending
 *   service CONTEXT HEX64     all of services[] in that order, or none
 *
 * The newest key (highest id) is the one a rekey moves rows to. The service
 * lines carry the keys derived from key 1 for purposes other than wrapping
 * data keys (token hashes, the vault's box key pair, fingerprints, the
 * PostgreSQL key check): they must survive key 1's retirement, or every
 * token and every pinned vault key would stop working. They open no data
 * key: the KEKs derive from the master keys under another context. */
#include "crypto.h"
#include "fdio.h"
#include "filetrust.h"
#include "secmem.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER "modal-vault keyring 1\n"

/* Every context keyring_derive is asked for (id 1): a keyring that pins
 * them must know them all. */
static const char services[KEYRING_SERVICES][9] = {
	"mv-token", "mv-boxkp", "mv-fprnt", "mv-kchck",
};

int
keyring_create_file(const char *path, struct mr_err *e)
{
	unsigned char *key = xsecure_alloc(MASTER_KEY_LEN);
	int rc;

	randombytes_buf(key, MASTER_KEY_LEN);
	rc = write_file_excl(path, key, MASTER_KEY_LEN, 0600, e);
	secure_free(key, MASTER_KEY_LEN);
	return rc;
}

static int
slot_of(const struct keyring *kr, uint32_t id)
{
	size_t i;

	for (i = 0; i < kr->nkeys; i++)
		if (kr->ids[i] == id)
			return (int)i;
	return -1;
}

int
keyring_has(const struct keyring *kr, uint32_t id)
{
	return slot_of(kr, id) >= 0;
}

uint32_t
keyring_newest(const struct keyring *kr)
{
	return kr->nkeys == 0 ? 0 : kr->ids[kr->nkeys - 1];
}

/* 64 hex digits then a newline into out[32]; the end of the line in *next. */
static int
parse_hex_line(const char *p, unsigned char out[32], const char **next)
{
	size_t n = strspn(p, "0123456789abcdef");

	if (n != 64 || p[64] != '\n' ||
	    sodium_hex2bin(out, 32, p, 64, NULL, NULL, NULL) != 0)
		return -1;
	*next = p + 65;
	return 0;
}

/* "ID " with ID a decimal 1..UINT32_MAX without leading zeros. */
static int
parse_id(const char *p, uint32_t *id, const char **next)
{
	unsigned long long v = 0;
	size_t n = strspn(p, "0123456789"), i;

	if (n == 0 || n > 10 || p[0] == '0' || p[n] != ' ')
		return -1;
	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned)(p[i] - '0');
	if (v > UINT32_MAX)
		return -1;
	*id = (uint32_t)v;
	*next = p + n + 1;
	return 0;
}

static int
bad_line(const char *path, int line, const char *what, struct mr_err *e)
{
	return mr_fail(e, MR_E_CONFIG, "master key %s: line %d: %s (a damaged keyring: restore it from a backup)",
		       path, line, what);
}

/* The text in kr->k->text into kr. Strict: one form per line, nothing else. */
static int
parse_text(struct keyring *kr, const char *path, struct mr_err *e)
{
	const char *p = kr->k->text;
	size_t nservice = 0;
	int line = 1;
	uint32_t id;

	if (strncmp(p, HEADER, strlen(HEADER)) != 0)
		return bad_line(path, 1, "not a keyring (want the header 'modal-vault keyring 1')", e);
	for (p += strlen(HEADER), line = 2; *p != '\0'; line++) {
		if (strncmp(p, "key ", 4) == 0 && nservice == 0) {
			if (parse_id(p + 4, &id, &p) != 0)
				return bad_line(path, line, "bad key id", e);
			if (kr->nkeys > 0 && id <= keyring_newest(kr))
				return bad_line(path, line, "key ids must ascend", e);
			if (kr->nkeys == KEYRING_MAX_KEYS)
				return bad_line(path, line, "too many keys", e);
			if (parse_hex_line(p, kr->k->master[kr->nkeys], &p) != 0)
				return bad_line(path, line, "a key must be 64 lowercase hex digits", e);
			kr->ids[kr->nkeys++] = id;
		} else if (strncmp(p, "service ", 8) == 0 && nservice < KEYRING_SERVICES &&
			   strncmp(p + 8, services[nservice], 8) == 0 && p[16] == ' ') {
			if (parse_hex_line(p + 17, kr->k->service[nservice], &p) != 0)
				return bad_line(path, line, "a key must be 64 lowercase hex digits", e);
			nservice++;
		} else {
			return bad_line(path, line, "unexpected line", e);
		}
	}
	if (kr->nkeys == 0)
		return bad_line(path, line, "no key", e);
	if (nservice != 0 && nservice != KEYRING_SERVICES)
		return bad_line(path, line, "some service keys are missing", e);
	if (nservice == 0 && slot_of(kr, 1) < 0)
		return bad_line(path, line, "no service keys and no key 1 to derive them from", e);
	kr->pinned = nservice != 0;
	return 0;
}

static int
read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* The opened file, already checked, into kr (raw key 1, or text). */
static int
load_fd(int fd, size_t size, const char *path, struct keyring *kr, struct mr_err *e)
{
	int rc;

	kr->k = xsecure_alloc(sizeof(*kr->k));
	sodium_memzero(kr->k, sizeof(*kr->k));
	if (size == MASTER_KEY_LEN) {
		if (read_all(fd, (char *)kr->k->master[0], MASTER_KEY_LEN) != 0)
			return mr_fail(e, MR_E_IO, "master key %s: short read", path);
		kr->ids[0] = 1;
		kr->nkeys = 1;
		return 0;
	}
	if (read_all(fd, kr->k->text, size) != 0)
		return mr_fail(e, MR_E_IO, "master key %s: short read", path);
	if (memchr(kr->k->text, '\0', size) != NULL)
		rc = bad_line(path, 1, "not a keyring (binary data)", e);
	else
		rc = parse_text(kr, path, e);
	sodium_memzero(kr->k->text, sizeof(kr->k->text));
	return rc;
}

int
keyring_load_at(int dirfd, const char *name, const char *path, struct keyring *kr,
		struct mr_err *e)
{
	struct stat st;
	int fd, rc = -1;

	memset(kr, 0, sizeof(*kr));
	/* Trust what was opened, not the path (a swapped file is not ours);
	 * non-blocking so a FIFO planted here is refused, not waited on. */
	fd = file_open_trusted(dirfd, name, NULL, TRUST_PRIVATE, TRUST_NOFOLLOW, &st, e);
	if (fd < 0) {
		if (e->kind == MR_E_IO)
			e->kind = MR_E_CONFIG;
		return mr_wrap(e, "master key %s", path);
	}
	if (st.st_size != MASTER_KEY_LEN &&
	    (st.st_size < (off_t)strlen(HEADER) || st.st_size > KEYRING_FILE_MAX)) {
		rc = mr_fail(e, MR_E_CONFIG,
			     "master key %s: %lld bytes, want %d (a raw key) or a keyring of at most %d",
			     path, (long long)st.st_size, MASTER_KEY_LEN, KEYRING_FILE_MAX);
		goto out;
	}
	if ((kr->path = strdup(path)) == NULL) {
		rc = mr_fail(e, MR_E_INTERNAL, "out of memory");
		goto out;
	}
	rc = load_fd(fd, (size_t)st.st_size, path, kr, e);
out:
	if (rc != 0)
		keyring_clear(kr);
	close(fd);
	return rc;
}

int
keyring_load_file(const char *path, struct keyring *kr, struct mr_err *e)
{
	return keyring_load_at(AT_FDCWD, path, path, kr, e);
}

int
keyring_reload(struct keyring *kr, struct mr_err *e)
{
	struct keyring fresh;

	if (kr->path == NULL)
		return mr_fail(e, MR_E_INTERNAL, "keyring has no file to reload");
	if (keyring_load_file(kr->path, &fresh, e) != 0)
		return -1;
	keyring_clear(kr);
	*kr = fresh;
	return 0;
}

int
keyring_ensure(struct keyring *kr, uint32_t id, struct mr_err *e)
{
	if ((kr->nkeys > 1 || !keyring_has(kr, id)) && keyring_reload(kr, e) != 0)
		return -1;
	if (!keyring_has(kr, id))
		return mr_fail(e, MR_E_CONFIG,
			       "the vault wraps new secrets under master key %u, which %s does not hold",
			       (unsigned)id, kr->path);
	return 0;
}

void
keyring_clear(struct keyring *kr)
{
	secure_free(kr->k, sizeof(*kr->k));
	free(kr->path);
	memset(kr, 0, sizeof(*kr));
}

/* Derived from key 1 exactly as before any rekey, then kept as they are. */
static void
pin_services(struct keyring *kr)
{
	size_t i;
	int slot = slot_of(kr, 1);

	if (kr->pinned)
		return;
	if (slot < 0)
		abort();   /* parse_text refuses such a keyring */
	for (i = 0; i < KEYRING_SERVICES; i++)
		crypto_kdf_derive_from_key(kr->k->service[i], 32, 1, services[i],
					   kr->k->master[slot]);
	kr->pinned = 1;
}

void
keyring_derive(const struct keyring *kr, uint64_t id, const char ctx[8],
	       unsigned char out[32])
{
	size_t i;
	int slot;

	if (!kr->pinned && (slot = slot_of(kr, 1)) >= 0) {
		crypto_kdf_derive_from_key(out, 32, id, ctx, kr->k->master[slot]);
		return;
	}
	for (i = 0; i < KEYRING_SERVICES; i++)
		if (id == 1 && memcmp(ctx, services[i], 8) == 0) {
			memcpy(out, kr->k->service[i], 32);
			return;
		}
	/* A purpose missing from services[] would change at the first rekey. */
	abort();
}

int
keyring_add_random(struct keyring *kr, struct mr_err *e)
{
	uint32_t id = keyring_newest(kr) + 1;

	if (kr->nkeys == KEYRING_MAX_KEYS || id == 0)
		return mr_fail(e, MR_E_CONFIG, "master key %s: no room for another key", kr->path);
	pin_services(kr);
	randombytes_buf(kr->k->master[kr->nkeys], MASTER_KEY_LEN);
	kr->ids[kr->nkeys++] = id;
	return 0;
}

void
keyring_keep_only(struct keyring *kr, uint32_t id)
{
	size_t i, kept = 0;

	pin_services(kr);
	for (i = 0; i < kr->nkeys; i++) {
		if (kr->ids[i] != id)
			continue;
		if (i != kept)
			memcpy(kr->k->master[kept], kr->k->master[i], MASTER_KEY_LEN);
		kr->ids[kept++] = id;
	}
	for (i = kept; i < KEYRING_MAX_KEYS; i++) {
		sodium_memzero(kr->k->master[i], MASTER_KEY_LEN);
		kr->ids[i] = 0;
	}
	kr->nkeys = kept;
	/* The cached KEK may be a retired key's. */
	sodium_memzero(kr->k->kek, sizeof(kr->k->kek));
	kr->kek_version = 0;
}

/* The text format into kr->k->text; its length. */
static size_t
format_text(struct keyring *kr)
{
	char *p = kr->k->text;
	size_t i;

	p = stpcpy(p, HEADER);
	for (i = 0; i < kr->nkeys; i++) {
		p += sprintf(p, "key %u ", (unsigned)kr->ids[i]);
		sodium_bin2hex(p, 65, kr->k->master[i], MASTER_KEY_LEN);
		p = stpcpy(p + 64, "\n");
	}
	for (i = 0; i < KEYRING_SERVICES; i++) {
		p += sprintf(p, "service %s ", services[i]);
		sodium_bin2hex(p, 65, kr->k->service[i], 32);
		p = stpcpy(p + 64, "\n");
	}
	return (size_t)(p - kr->k->text);
}

_Static_assert(sizeof(HEADER) + KEYRING_MAX_KEYS * (4 + 10 + 1 + 64 + 1) +
	       KEYRING_SERVICES * (8 + 8 + 1 + 64 + 1) < KEYRING_FILE_MAX, "keyring size");

/* A rename is durable once the directory holding it is synced. */
static int
sync_dir_of(const char *path, struct mr_err *e)
{
	char copy[PATH_MAX];
	int fd, rc = 0;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return mr_fail(e, MR_E_CONFIG, "master key path too long");
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = mr_fail(e, MR_E_IO, "syncing the directory of %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

int
keyring_save_file(struct keyring *kr, const char *path, struct mr_err *e)
{
	char tmp[PATH_MAX];
	size_t len;
	int rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return mr_fail(e, MR_E_CONFIG, "master key path too long");
	pin_services(kr);
	len = format_text(kr);
	/* Left by a rekey killed mid-write: the caller holds the rekey lock. */
	if (unlink(tmp) != 0 && errno != ENOENT) {
		mr_fail(e, MR_E_IO, "removing %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write_file_excl(tmp, kr->k->text, len, 0600, e) != 0)
		goto out;
	if (rename(tmp, path) != 0) {
		mr_fail(e, MR_E_IO, "replacing %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = sync_dir_of(path, e);
out:
	sodium_memzero(kr->k->text, sizeof(kr->k->text));
	return rc;
}
