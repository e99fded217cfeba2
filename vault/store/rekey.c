/* rekey.c — what the rekeys of both stores (sqlite/sqlite_rekey.c,
 * pg/pg_rekey.c) share: checking and rewrapping one row, the keyring file's
 * lock, adding the new key and retiring the old ones (rekey.h). */
#include "rekey.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int
rekey_row_fail(const struct rekey_row *r, const char *what, struct mr_err *e)
{
	return mr_fail(e, MR_E_CRYPTO, "secret '%s' version %llu in '%s' %s",
		       r->name, (unsigned long long)r->version, r->environment, what);
}

static struct seal_context
row_context(const struct rekey_row *r)
{
	return (struct seal_context){ r->workspace_id, r->environment, r->name, r->secret_id,
				      r->version };
}

int
rekey_row_check(struct keyring *kr, const struct rekey_row *r, struct mr_err *e)
{
	struct seal_context ctx = row_context(r);
	unsigned char scratch[WRAPPED_KEY_LEN];

	if (!keyring_has(kr, r->kek_version)) {
		mr_fail(e, MR_E_CONFIG,
			"secret '%s' version %llu in '%s' is wrapped under master key %u, which %s does not hold: nothing was changed",
			r->name, (unsigned long long)r->version, r->environment,
			(unsigned)r->kek_version, kr->path);
		return -1;
	}
	/* Unwrapping is the check; the rewrapped copy is thrown away. */
	if (wrapped_key_rewrap(kr, &ctx, r->kek_version, r->kek_version, r->wrapped,
			       scratch) != 0)
		return rekey_row_fail(r, "does not open under its master key (damaged or tampered): nothing was changed", e);
	return 0;
}

int
rekey_row_rewrap(struct keyring *kr, struct rekey_row *r, uint32_t to, struct mr_err *e)
{
	struct seal_context ctx = row_context(r);
	unsigned char out[WRAPPED_KEY_LEN];

	if (wrapped_key_rewrap(kr, &ctx, r->kek_version, to, r->wrapped, out) != 0)
		return rekey_row_fail(r, "does not open under its master key (damaged or tampered)", e);
	memcpy(r->wrapped, out, WRAPPED_KEY_LEN);
	r->kek_version = to;
	return 0;
}

/* A systemd credential is a read-only copy made at each start: a rekey
 * written there would be lost, and the rows with it. */
static int
under_credentials(const char *keypath)
{
	const char *creds = secure_getenv("CREDENTIALS_DIRECTORY");
	size_t n = creds != NULL ? strlen(creds) : 0;

	return n > 0 && strncmp(keypath, creds, n) == 0 && keypath[n] == '/';
}

int
rekey_lock(const char *keypath, int *fd, struct mr_err *e)
{
	char dir[PATH_MAX];

	*fd = -1;
	if (under_credentials(keypath))
		return mr_fail(e, MR_E_CONFIG,
			       "the master key %s is a systemd credential, which rekey cannot rewrite: copy it to a 0600 file, run rekey with MODAL_VAULT_MASTER_KEY naming the copy, then install the copy as the credential",
			       keypath);
	if (snprintf(dir, sizeof(dir), "%s", keypath) >= (int)sizeof(dir))
		return mr_fail(e, MR_E_CONFIG, "master key path too long");
	*fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return mr_fail(e, MR_E_IO, "opening the directory of %s: %s", keypath,
			       strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		close(*fd);
		*fd = -1;
		return mr_fail(e, errno == EWOULDBLOCK ? MR_E_CONFLICT : MR_E_IO,
			       "another rekey of %s is running", keypath);
	}
	return 0;
}

int
rekey_add_key(struct keyring *kr, struct rekey_report *out, struct mr_err *e)
{
	/* Two keys: a rekey stopped before retiring the older; finish it. */
	out->resumed = kr->nkeys > 1;
	if (!out->resumed && (keyring_add_random(kr, e) != 0 ||
			      keyring_save_file(kr, kr->path, e) != 0))
		return -1;
	out->to = keyring_newest(kr);
	return 0;
}

int
rekey_retire_keys(struct keyring *kr, uint32_t to, struct rekey_report *out,
		  struct mr_err *e)
{
	size_t before = kr->nkeys;

	if (before == 1)
		return 0;
	keyring_keep_only(kr, to);
	out->retired = before - kr->nkeys;
	return keyring_save_file(kr, kr->path, e);
}
