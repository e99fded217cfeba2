/* vault.h — the vault: named secret bundles in the environments of a workspace,
 * encrypted at rest. One interface; the URL picks the implementation
 * (file: is the embedded store). */
#ifndef MODAL_VAULT_H
#define MODAL_VAULT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "names.h"

struct vault;

/* One KEY=VALUE of a bundle. Values are arbitrary bytes (no NUL). */
struct vault_item {
	const char *key;
	const unsigned char *value;
	size_t value_len;
};

struct vault_bundle {
	const char *name;     /* the secret's name */
	uint64_t version;
	size_t nitems;
	struct vault_item *items;
};

/* What one launch fetched. Every pointer in it points into one sodium_malloc'ed
 * arena, wiped and released by vault_fetch_free. */
/* Where a vault server's public key came from (docs/protocol.md, "The
 * launcher's fetch"): flag, variable or profile; the known-vaults file; or
 * the server itself, on first use (recorded, or not: the file could not be
 * written). NONE: not a server's fetch. */
enum vault_key_trust {
	VAULT_KEY_NONE, VAULT_KEY_PINNED, VAULT_KEY_LEARNED, VAULT_KEY_FIRST_USE,
	VAULT_KEY_FIRST_USE_UNRECORDED,
};

struct vault_fetch {
	size_t nbundles;
	struct vault_bundle *bundles;          /* in the order requested */
	char environment[NAME_MAX_LEN + 1];
	unsigned char fingerprint_key[32];     /* the vault's key for --check fingerprints */
	void *arena;
	size_t arena_len;
	enum vault_key_trust key_trust;        /* a server's fetch: how its key was known */
	unsigned char vault_key[32];           /* ... and the key */
};

/* Locked memory a caller keeps from one fetch to the next (a server worker),
 * so that a fetch allocates no locked memory of its own: a sodium_malloc is
 * some ten system calls, and their page-table changes stall every thread of
 * a busy server. Start it zeroed; it is grown by replacing (never realloc'ed)
 * and all zero between fetches. */
struct vault_arena {
	void *p;
	size_t cap;
};
void vault_arena_free(struct vault_arena *a);

struct vault_secret_meta {
	char secret_id[48];
	char name[NAME_MAX_LEN + 1];
	char environment[NAME_MAX_LEN + 1];
	int64_t created_at;                    /* unix seconds */
	int64_t updated_at;
	uint64_t version;
	size_t nkeys;
	char **keys;                           /* key names only, never values */
};

struct vault_env {
	char name[NAME_MAX_LEN + 1];
	char webhook_suffix[NAME_MAX_LEN + 1];
	char workspace_id[48];
	int64_t created_at;
	int is_default;
};

struct vault_workspace {
	char workspace_id[48];
	char slug[NAME_MAX_LEN + 1];
	char name[NAME_MAX_LEN + 1];
	char plan[16];
	char default_env[NAME_MAX_LEN + 1];
};

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

/* What reaching a vault server takes (file: vaults ignore all but readonly).
 * Strings are only read during vault_open_with; the token secret is copied
 * into locked memory there and never kept in ordinary memory. */
struct vault_options {
	int readonly;                  /* file: as vault_open_readonly */
	const char *token_id;          /* ak-... */
	const char *token_secret;      /* as-..., token_secret_len bytes; a server reads it
					 * again for each fetch: it outlives the vault */
	size_t token_secret_len;
	const char *vault_key;         /* pinned vault public key, 64 hex; NULL: any */
	const char *cacert;            /* CA bundle for https; NULL: the system store */
	int64_t timeout_ms;            /* total deadline of each call; 0: 10 s */
};
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
void vault_fetch_free(struct vault_fetch *f);
/* vault_fetch into the caller's arena (stores other than the embedded one
 * fetch into an arena of their own, as vault_fetch). Release the fetch with
 * vault_fetch_return, never vault_fetch_free. */
int vault_fetch_reuse(struct vault *v, const char *env, const char *const *names,
		      size_t nnames, struct vault_arena *arena, struct vault_fetch *out,
		      struct mr_err *e);
/* Wipes what a fetch of vault_fetch_reuse used, leaving the memory to the
 * arena; a fetch with an arena of its own is released as vault_fetch_free. */
void vault_fetch_return(struct vault_fetch *f, struct vault_arena *arena);

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
void vault_secret_meta_clear(struct vault_secret_meta *m);
void vault_secret_meta_free(struct vault_secret_meta *m, size_t n);

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
