/* sqlite_vault.c — the embedded store as a kind of vault: a file: URL's
 * directory, opening and making one, its migration, and its table of
 * operations (vault_ops.h). */
#include "local.h"
#include "sqlite_vault.h"
#include "store/access_rules.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory of a file: URL ("file:PATH", "file://PATH", "file:~/PATH"). */
int
sqlite_url_dir(const char *url, char *path, size_t len, struct mr_err *e)
{
	const char *p = url + 5, *home;
	int n;

	if (strncmp(p, "//", 2) == 0)
		p += 2;
	if (*p == '\0')
		return mr_fail(e, MR_E_CONFIG, "vault URL '%s' names no directory", url);
	if (strncmp(p, "~/", 2) == 0) {
		if ((home = getenv("HOME")) == NULL)
			return mr_fail(e, MR_E_CONFIG, "vault URL '%s': HOME is not set", url);
		n = snprintf(path, len, "%s/%s", home, p + 2);
	} else {
		n = snprintf(path, len, "%s", p);
	}
	if (n < 0 || (size_t)n >= len)
		return mr_fail(e, MR_E_CONFIG, "vault URL too long");
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	return 0;
}

/* mkdir -p for the parents, 0700 for what we create. */
static int
make_parents(char *path, struct mr_err *e)
{
	char *slash;

	for (slash = strchr(path + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			mr_fail(e, MR_E_IO, "creating %s: %s", path, strerror(errno));
			*slash = '/';
			return -1;
		}
		*slash = '/';
	}
	return 0;
}

static void
remove_partial_vault(const char *dir)
{
	static const char *const files[] = { "vault.db-wal", "vault.db-shm",
					     "vault.db-journal", "vault.db", "master.key" };
	char path[PATH_MAX + 32];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (snprintf(path, sizeof(path), "%s/%s", dir, files[i]) < (int)sizeof(path))
			unlink(path);
	rmdir(dir);
}

static int
sqlite_init(const char *url, const char *workspace_name, struct vault_workspace *ws,
	    struct mr_err *e)
{
	char dir[PATH_MAX], keypath[PATH_MAX + 16];
	struct sqlite_vault *v = NULL;
	mode_t mask;
	int rc = -1, credential;

	if (sqlite_url_dir(url, dir, sizeof(dir), e) != 0 || make_parents(dir, e) != 0)
		return -1;
	if (mkdir(dir, 0700) != 0) {
		if (errno == EEXIST)
			return mr_fail(e, MR_E_EXISTS,
				       "%s already exists: refusing to overwrite a vault", dir);
		return mr_fail(e, MR_E_IO, "creating %s: %s", dir, strerror(errno));
	}
	if (local_key_path(dir, keypath, sizeof(keypath), &credential, e) != 0) {
		rmdir(dir);
		return -1;
	}
	/* The database, its WAL and shm files are the owner's alone. A master
	 * key given as a systemd credential is used as it is: the vault is made
	 * under that key, and no file of its own is written. */
	mask = umask(077);
	if ((credential || keyring_create_file(keypath, e) == 0) &&
	    local_open(dir, LOCAL_CREATE, &v, e) == 0 &&
	    local_create_workspace(v, workspace_name, e) == 0) {
		*ws = v->ws;
		rc = 0;
	}
	umask(mask);
	if (v != NULL)
		sqlite_close(&v->store.vault);
	if (rc != 0)
		remove_partial_vault(dir);
	return rc;
}

static int
sqlite_open(const char *url, const struct vault_options *o, struct vault **out,
	    struct mr_err *e)
{
	struct sqlite_vault *v;
	char dir[PATH_MAX];

	if (sqlite_url_dir(url, dir, sizeof(dir), e) != 0 ||
	    local_open(dir, o->readonly ? LOCAL_READONLY : LOCAL_READWRITE, &v, e) != 0)
		return -1;
	*out = &v->store.vault;
	return 0;
}

/* The embedded store migrates whenever it is opened for writing. */
static int
sqlite_migrate(const char *url, int *from, int *to, struct mr_err *e)
{
	static const struct vault_options rw;
	struct vault *v;

	if (sqlite_open(url, &rw, &v, e) != 0)
		return -1;
	sqlite_close(v);
	*from = *to = SCHEMA_VERSION;
	return 0;
}

int
sqlite_box_keypair(struct vault *base, unsigned char pk[32], unsigned char *sk,
		   struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;

	return access_box_keypair(&v->keys, pk, sk, e);
}

static int
sqlite_begin(struct store *s, struct mr_err *e)
{
	return db_begin(((struct sqlite_vault *)s)->db, e);
}

static int
sqlite_commit(struct store *s, struct mr_err *e)
{
	return db_commit(((struct sqlite_vault *)s)->db, e);
}

static void
sqlite_rollback(struct store *s)
{
	db_rollback(((struct sqlite_vault *)s)->db);
}

const struct store_rows sqlite_rows = {
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.member_read = sqlite_member_read,
	.member_role_write = sqlite_member_role_write,
	.member_delete = sqlite_member_delete,
	.token_owner = sqlite_token_owner,
	.token_insert = sqlite_token_insert,
};

/* The last-owner rule and token creation are store.h's, above the rows. */
const struct vault_ops sqlite_vault_ops = {
	.what = "the embedded vault",
	.close = sqlite_close,
	.read_begin = sqlite_read_begin,
	.read_end = sqlite_read_end,
	.fetch = sqlite_fetch,
	.fetch_reuse = sqlite_fetch_reuse,
	.secret_put = sqlite_secret_put,
	.secret_update = sqlite_secret_update,
	.secret_versions = sqlite_secret_versions,
	.secret_get = sqlite_secret_get,
	.secret_list = sqlite_secret_list,
	.secret_delete = sqlite_secret_delete,
	.env_create = sqlite_env_create,
	.env_list = sqlite_env_list,
	.env_delete = sqlite_env_delete,
	.env_update = sqlite_env_update,
	.workspace_current = sqlite_workspace_current,
	.owner = sqlite_owner,
	.member_list = sqlite_member_list,
	.member_add = sqlite_member_add,
	.member_set_role = store_member_set_role,
	.member_remove = store_member_remove,
	.token_create = store_token_create,
	.token_list = sqlite_token_list,
	.token_get = sqlite_token_get,
	.token_revoke = sqlite_token_revoke,
	.token_allow_env = sqlite_token_allow_env,
	.token_verify = sqlite_token_verify,
	.audit_append = sqlite_audit_append,
	.audit_append_batch = sqlite_audit_append_batch,
	.audit_list = sqlite_audit_list,
	.box_keypair = sqlite_box_keypair,
};

static const char *const schemes[] = { "file:", NULL };

const struct vault_kind sqlite_vault_kind = {
	.name = "file",
	.schemes = schemes,
	.open = sqlite_open,
	.init = sqlite_init,
	.migrate = sqlite_migrate,
	.rekey = sqlite_rekey,
	.short_lived = sqlite_short_lived,
};
