/* cache.c — the launcher's fallback cache (cache.h). An entry is a fetch
 * sealed with wire_fetch_seal to a key pair derived from the token, so the
 * one strict parser of fetched secrets (wire.c) reads it back. File layout:
 *   "modal-run-cache 1\n" box_nonce (48 hex) "\n" box (base64) "\n" */
#include "cache.h"
#include "fdio.h"
#include "filetrust.h"
#include "secmem.h"
#include "wire/wire.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_MAGIC "modal-run-cache 1\n"
#define CACHE_FILE_MAX (WIRE_PLAIN_MAX / 3 * 4 + 4096)
#define CACHE_FUTURE_SLACK 300   /* seconds of clock difference tolerated */

/* Everything derived from the token for one cache entry, in locked memory. */
struct cache_keys {
	unsigned char seed[32];
	unsigned char pk[WIRE_KEY_LEN];
	unsigned char sk[32];
	unsigned char nonce[WIRE_NONCE_LEN];
	char file[64];                  /* "<32 hex>.cache": names stay private */
};

static void
hash_str(crypto_generichash_state *st, const char *s)
{
	s = s != NULL ? s : "";
	crypto_generichash_update(st, (const unsigned char *)s, strlen(s) + 1);
}

/* seed = BLAKE2b(key: BLAKE2b(token secret); "modal-run cache 1", server,
 * token id): entries of another token or another server never open. The
 * secret is hashed first because a BLAKE2b key is at most 64 bytes. */
static int
derive_keys(const struct vault_cache *c, const char *env, const char *const *names,
	    size_t n, struct cache_keys *k, struct mr_err *e)
{
	crypto_generichash_state st;
	unsigned char id[16];
	char hex[33];
	size_t i;

	if (c->token_secret == NULL || c->token_secret_len == 0)
		return mr_fail(e, MR_E_CONFIG, "the cache needs the token secret to derive its key");
	crypto_generichash(k->seed, sizeof(k->seed), (const unsigned char *)c->token_secret,
			   c->token_secret_len, NULL, 0);
	crypto_generichash_init(&st, k->seed, sizeof(k->seed), sizeof(k->seed));
	hash_str(&st, "modal-run cache 1");
	hash_str(&st, c->server);
	hash_str(&st, c->token_id);
	crypto_generichash_final(&st, k->seed, sizeof(k->seed));
	crypto_box_seed_keypair(k->pk, k->sk, k->seed);
	crypto_generichash(k->nonce, sizeof(k->nonce), (const unsigned char *)"request nonce",
			   13, k->seed, sizeof(k->seed));
	/* The file name: which entry, without saying which secrets. */
	crypto_generichash_init(&st, k->seed, sizeof(k->seed), sizeof(id));
	hash_str(&st, env);
	for (i = 0; i < n; i++)
		hash_str(&st, names[i]);
	crypto_generichash_final(&st, id, sizeof(id));
	sodium_bin2hex(hex, sizeof(hex), id, sizeof(id));
	snprintf(k->file, sizeof(k->file), "%s.cache", hex);
	return 0;
}

/* The directory, trusted only if it is ours alone (a 0777 one lets anyone
 * plant entries or symlinks), and checked on its descriptor: entries are
 * then opened relative to it, so a swapped path is not followed. The write
 * path creates it 0700; the read path never creates anything. */
static int
open_dir(const char *dir, int create, struct mr_err *e)
{
	int fd;

	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return mr_fail(e, MR_E_IO, "cache directory %s: %s", dir, strerror(errno));
	fd = file_open_trusted(AT_FDCWD, dir, NULL, TRUST_PRIVATE, TRUST_DIR | TRUST_NOFOLLOW,
			       NULL, e);
	if (fd < 0)
		return mr_wrap(e, "cache directory %s", dir);
	return fd;
}

/* Temporary file, fsync, rename, fsync the directory: a reader sees the old
 * entry or the new one, never half of one, even after a crash. */
static int
write_atomic(int dirfd, const char *dir, const char *name, const struct wire_sealed *s,
	     struct mr_err *e)
{
	unsigned char rnd[8];
	char tmp[64], hex[17];
	int fd, rc = -1;

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(tmp, sizeof(tmp), ".tmp-%s", hex);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return mr_fail(e, MR_E_IO, "cache %s: %s", dir, strerror(errno));
	if (fd_write_all(fd, CACHE_MAGIC, strlen(CACHE_MAGIC)) == 0 &&
	    fd_write_all(fd, s->box_nonce, strlen(s->box_nonce)) == 0 &&
	    fd_write_all(fd, "\n", 1) == 0 && fd_write_all(fd, s->box, s->box_len) == 0 &&
	    fd_write_all(fd, "\n", 1) == 0 &&
	    fsync(fd) == 0 && renameat(dirfd, tmp, dirfd, name) == 0 && fsync(dirfd) == 0)
		rc = 0;
	else
		mr_fail(e, MR_E_IO, "cache %s: %s", dir, strerror(errno));
	close(fd);
	if (rc != 0)
		unlinkat(dirfd, tmp, 0);
	return rc;
}

static void
request_of(const struct cache_keys *k, const char *env, const char *const *names, size_t n,
	   struct wire_request *req)
{
	memset(req, 0, sizeof(*req));
	req->environment = env;
	req->names = names;
	req->nnames = n;
	memcpy(req->launch_pk, k->pk, sizeof(req->launch_pk));
	memcpy(req->nonce, k->nonce, sizeof(req->nonce));
}

int
vault_cache_store(const struct vault_cache *c, const char *env, const char *const *names,
		  size_t n, const struct vault_fetch *f, int64_t now, struct mr_err *e)
{
	struct cache_keys *k = xsecure_alloc(sizeof(*k));
	struct wire_request req;
	struct wire_sealed s = { 0 };
	int dirfd = -1, rc = -1;

	if (derive_keys(c, env, names, n, k, e) != 0)
		goto out;
	request_of(k, env, names, n, &req);
	if (wire_fetch_seal(f, &req, k->pk, k->sk, now, &s, e) != 0 ||
	    (dirfd = open_dir(c->dir, 1, e)) < 0)
		goto out;
	rc = write_atomic(dirfd, c->dir, k->file, &s, e);
out:
	if (dirfd >= 0)
		close(dirfd);
	wire_sealed_free(&s);
	secure_free(k, sizeof(*k));
	return rc;
}

/* Splits the file into the answer wire_fetch_open takes. */
static int
parse_file(char *text, size_t len, struct wire_answer *a)
{
	size_t magic = strlen(CACHE_MAGIC);
	char *nonce, *box, *end;

	if (len < magic || memcmp(text, CACHE_MAGIC, magic) != 0 || text[len - 1] != '\n')
		return -1;
	text[len - 1] = '\0';
	nonce = text + magic;
	if ((end = strchr(nonce, '\n')) == NULL)
		return -1;
	*end = '\0';
	box = end + 1;
	if (strchr(box, '\n') != NULL)
		return -1;
	a->box_nonce = nonce;
	a->box = box;
	a->box_len = strlen(box);
	return 0;
}

static int
open_entry(const struct cache_keys *k, char *text, size_t len, const char *env,
	   const char *const *names, size_t n, struct vault_fetch *out, int64_t *at,
	   struct mr_err *e)
{
	char pk_hex[WIRE_KEY_HEX_LEN + 1];
	struct wire_answer a = { pk_hex, NULL, NULL, 0 };
	struct wire_request req;

	wire_hex_encode(k->pk, sizeof(k->pk), pk_hex);
	request_of(k, env, names, n, &req);
	if (parse_file(text, len, &a) != 0 ||
	    wire_fetch_open(&a, &req, k->sk, k->pk, out, at, e) != 0)
		return mr_fail(e, MR_E_CRYPTO,
			       "the cached secrets do not open with this token and server (changed, or written for another)");
	return 0;
}

static int
check_age(const struct vault_cache *c, int64_t at, int64_t now, struct mr_err *e)
{
	char age[32], max[32];

	if (at > now + CACHE_FUTURE_SLACK)
		return mr_fail(e, MR_E_UNAVAILABLE,
			       "the cached secrets are dated in the future: not used");
	if (now - at <= c->max_age)
		return 0;
	vault_cache_age_text(now - at, age, sizeof(age));
	vault_cache_age_text(c->max_age, max, sizeof(max));
	return mr_fail(e, MR_E_UNAVAILABLE,
		       "the cached secrets are %s old, more than --cache-max-age %s", age, max);
}

/* The entry file, with the same checks as the directory: ours alone, a
 * regular file, not a symlink, opened relative to the checked directory. */
static int
read_entry(const struct vault_cache *c, const char *file, unsigned char **text, size_t *len,
	   struct mr_err *e)
{
	char path[4096];
	int dirfd, rc;

	if (snprintf(path, sizeof(path), "%s/%s", c->dir, file) >= (int)sizeof(path))
		return mr_fail(e, MR_E_CONFIG, "cache directory path too long");
	if ((dirfd = open_dir(c->dir, 0, e)) < 0)
		return -1;
	rc = read_file_secret_at(dirfd, file, path, TRUST_PRIVATE, CACHE_FILE_MAX, text, len, e);
	close(dirfd);
	return rc;
}

int
vault_cache_load(const struct vault_cache *c, const char *env, const char *const *names,
		 size_t n, int64_t now, struct vault_fetch *out, int64_t *fetched_at,
		 struct mr_err *e)
{
	struct cache_keys *k = xsecure_alloc(sizeof(*k));
	unsigned char *text = NULL;
	size_t len = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (derive_keys(c, env, names, n, k, e) != 0)
		goto out;
	if (read_entry(c, k->file, &text, &len, e) != 0) {
		if (e->kind == MR_E_NOTFOUND)
			mr_fail(e, MR_E_NOTFOUND, "no cached secrets for this request in %s", c->dir);
		goto out;
	}
	if (open_entry(k, (char *)text, len, env, names, n, out, fetched_at, e) != 0)
		goto out;
	if ((rc = check_age(c, *fetched_at, now, e)) != 0)
		vault_fetch_free(out);
out:
	secure_free(text, len + 1);
	secure_free(k, sizeof(*k));
	return rc;
}

void
vault_cache_age_text(int64_t s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lldd %lldh", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600));
}
