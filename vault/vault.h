/* vault.h — the vault: named secret bundles in the environments of a workspace,
 * encrypted at rest. One interface; the URL picks the implementation
 * (file: is the embedded store). */
#ifndef MODAL_VAULT_H
#define MODAL_VAULT_H

#include "vault_types.h"

/* "file:$XDG_DATA_HOME/modal-vault" (or ~/.local/share/modal-vault). */
int vault_default_url(char *buf, size_t len, struct mr_err *e);

/* Creates a new embedded vault at a file: URL: directory 0700, master key 0600,
 * database, workspace and its default environment "main". Refuses to touch an
 * existing vault. */
int vault_init(const char *url, const char *workspace_name,
	       struct vault_workspace *ws, struct mr_err *e);

int vault_open(const char *url, struct vault **out, struct mr_err *e);

/* For a single-threaded program that opens a vault once, then execs or exits
 * (modal-run): the embedded store's SQLite allocates from an arena it never
 * hands back (sqlite_arena.c). Call before anything opens a vault. */
void vault_short_lived(void);

/* One read snapshot for the calls made on v until vault_read_end: a
 * server's request checks its token and fetches in one transaction, not
 * two. 1 when begun, 0 when there is nothing to do (not the embedded store,
 * or a transaction is open already), -1 on error (e says why). A token's
 * last use is written after the snapshot ends, never inside it. */
int vault_read_begin(struct vault *v, struct mr_err *e);
void vault_read_end(struct vault *v, int began);
/* For launches: a read-only connection, which never writes or checkpoints
 * the store; only vault_fetch and the metadata reads work on it. */
int vault_open_readonly(const char *url, struct vault **out, struct mr_err *e);
void vault_close(struct vault *v);

/* 1 if url names a vault server: http://, https://, unix:PATH, or a
 * comma-separated list of them (tried in order). 0 for file: and the rest. */
int vault_url_is_remote(const char *url);

/* vault_open for any URL. A server needs a token (MR_E_CONFIG without one);
 * its failures are MR_E_UNAVAILABLE (unreachable, 5xx), MR_E_TIMEOUT
 * (deadline), MR_E_AUTH/MR_E_FORBIDDEN (401/403, wrong pinned key),
 * MR_E_NOTFOUND (404), each one line naming the server. */
int vault_open_with(const char *url, const struct vault_options *o, struct vault **out,
		    struct mr_err *e);

/* modal-vault against a server, before its first call with the token:
 * 0 when the server's public key is the pinned or recorded one (recording
 * it on first use, known_vaults.h); MR_E_AUTH naming both keys and the file
 * when it changed. 0 at once for the other vault kinds. */
int vault_check_server_key(struct vault *v, struct mr_err *e);

/* The launcher's fetch: every named bundle of env (NULL: the default) at once. */
int vault_fetch(struct vault *v, const char *env, const char *const *names,
		size_t nnames, struct vault_fetch *out, struct mr_err *e);
/* vault_fetch into the caller's arena (stores other than the embedded one
 * fetch into an arena of their own, as vault_fetch). Release the fetch with
 * vault_fetch_return, never vault_fetch_free. */
int vault_fetch_reuse(struct vault *v, const char *env, const char *const *names,
		      size_t nnames, struct vault_arena *arena, struct vault_fetch *out,
		      struct mr_err *e);

/* Creates secret name in env (NULL: default). With replace, an existing secret
 * gets a new version holding exactly items; without it, MR_E_EXISTS. */
int vault_secret_put(struct vault *v, const char *env, const char *name,
		     const struct vault_item *items, size_t nitems, int replace,
		     struct vault_secret_meta *out, struct mr_err *e);
/* Compare-and-set: replaces the items of secret name only if its current
 * version is expected_version (MR_E_CONFLICT otherwise), so concurrent
 * updates never lose one. */
int vault_secret_update(struct vault *v, const char *env, const char *name,
			const struct vault_item *items, size_t nitems,
			uint64_t expected_version, struct vault_secret_meta *out,
			struct mr_err *e);
/* Every stored version of a secret, newest first (metadata and key names). */
int vault_secret_versions(struct vault *v, const char *env, const char *name,
			  struct vault_secret_meta **out, size_t *n, struct mr_err *e);
int vault_secret_get(struct vault *v, const char *env, const char *name,
		     struct vault_secret_meta *out, struct mr_err *e);
int vault_secret_list(struct vault *v, const char *env,
		      struct vault_secret_meta **out, size_t *n, struct mr_err *e);
int vault_secret_delete(struct vault *v, const char *env, const char *name,
			struct mr_err *e);

int vault_env_create(struct vault *v, const char *name, const char *webhook_suffix,
		     struct vault_env *out, struct mr_err *e);
int vault_env_list(struct vault *v, struct vault_env **out, size_t *n,
		   struct mr_err *e);
/* Refused (MR_E_CONFLICT) for the default environment and while it holds secrets. */
int vault_env_delete(struct vault *v, const char *name, struct mr_err *e);
/* Renames environment name (new_name, or NULL to keep it) and/or sets its
 * webhook suffix (new_suffix, "" for none, NULL to keep it); out, if not
 * NULL, is the environment afterwards. A name or suffix in use is
 * MR_E_EXISTS. A rename is refused (MR_E_CONFLICT) for the default
 * environment and while the environment holds secrets: each secret's
 * encryption is bound to its environment's name. */
int vault_env_update(struct vault *v, const char *name, const char *new_name,
		     const char *new_suffix, struct vault_env *out, struct mr_err *e);

int vault_workspace_current(struct vault *v, struct vault_workspace *out,
			    struct mr_err *e);

#endif
