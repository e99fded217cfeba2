/* vault.c — vault URLs: which implementation a URL names (file: the embedded
 * store, http(s)/unix/lists a server through remote.h), where the default
 * vault lives, and creating a new embedded vault. */
#include "local.h"
#include "pg/pg.h"
#include "remote.h"
#include "secmem.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
vault_default_url(char *buf, size_t len, struct mr_err *e)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;

	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "file:%s/modal-vault", xdg);
	else if (home != NULL && home[0] == '/')
		n = snprintf(buf, len, "file:%s/.local/share/modal-vault", home);
	else
		return mr_fail(e, MR_E_CONFIG,
			       "no vault configured and neither XDG_DATA_HOME nor HOME is set: use --server or MODAL_SERVER_URL");
	if (n < 0 || (size_t)n >= len)
		return mr_fail(e, MR_E_CONFIG, "default vault path too long");
	return 0;
}

/* The directory of a file: URL ("file:PATH", "file://PATH", "file:~/PATH"). */
static int
file_url_path(const char *url, char *path, size_t len, struct mr_err *e)
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

int
vault_url_is_remote(const char *url)
{
	/* A list is a list of servers: file: vaults cannot fail over. */
	return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0 ||
	       strncmp(url, "unix:", 5) == 0;
}

static int
url_kind_supported(const char *url, struct mr_err *e)
{
	char shown[128];

	if (strncmp(url, "file:", 5) == 0 || vault_url_is_remote(url))
		return 0;
	return mr_fail(e, MR_E_CONFIG,
		       "vault URL '%s': expected file:PATH, http(s)://HOST, unix:PATH or a comma-separated list of servers",
		       name_for_msg(url, shown, sizeof(shown)));
}

static int
open_remote(const char *url, const struct vault_options *o, struct vault **out,
	    struct mr_err *e)
{
	struct remote_options ro = { 0 };
	struct vault *v;

	if (o != NULL)
		ro = (struct remote_options){ o->token_id, o->token_secret, o->token_secret_len,
					      o->vault_key, o->cacert, o->timeout_ms, o->notice };
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	if (remote_open(url, &ro, &v->remote, e) != 0) {
		free(v);
		return -1;
	}
	*out = v;
	return 0;
}

int
vault_open_with(const char *url, const struct vault_options *o, struct vault **out,
		struct mr_err *e)
{
	char dir[PATH_MAX];

	*out = NULL;
	if (pg_url_is(url))
		return pg_vault_open(url, o != NULL && o->readonly, out, e);
	if (url_kind_supported(url, e) != 0)
		return -1;
	if (secmem_init() != 0)
		return mr_fail(e, MR_E_INTERNAL, "libsodium failed to initialise");
	if (vault_url_is_remote(url))
		return open_remote(url, o, out, e);
	if (file_url_path(url, dir, sizeof(dir), e) != 0)
		return -1;
	return local_open(dir, o != NULL && o->readonly ? LOCAL_READONLY : LOCAL_READWRITE, out, e);
}

int
vault_open(const char *url, struct vault **out, struct mr_err *e)
{
	return vault_open_with(url, NULL, out, e);
}

int
vault_open_readonly(const char *url, struct vault **out, struct mr_err *e)
{
	struct vault_options o = { .readonly = 1 };

	return vault_open_with(url, &o, out, e);
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

int
vault_init(const char *url, const char *workspace_name, struct vault_workspace *ws,
	   struct mr_err *e)
{
	char dir[PATH_MAX], keypath[PATH_MAX + 16];
	struct vault *v = NULL;
	mode_t mask;
	int rc = -1, credential;

	if (pg_url_is(url))
		return pg_init(url, workspace_name, ws, e);
	if (url_kind_supported(url, e) != 0)
		return -1;
	if (vault_url_is_remote(url))
		return mr_fail(e, MR_E_USAGE,
			       "init makes an embedded vault (a file: URL); a server's vault is made where it runs");
	if (file_url_path(url, dir, sizeof(dir), e) != 0)
		return -1;
	if (!name_is_valid(workspace_name))
		return mr_fail(e, MR_E_INVALID, "invalid workspace name '%s'", workspace_name);
	if (secmem_init() != 0)
		return mr_fail(e, MR_E_INTERNAL, "libsodium failed to initialise");
	if (make_parents(dir, e) != 0)
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
	vault_close(v);
	if (rc != 0)
		remove_partial_vault(dir);
	return rc;
}
