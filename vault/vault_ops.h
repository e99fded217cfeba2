/* vault_ops.h — the interface every kind of vault implements, in the manner
 * of SQLite's sqlite3_io_methods and libgit2's git_odb_backend: a table of
 * operations, and a struct vault that each implementation embeds FIRST in its
 * own struct (struct sqlite_vault, struct pg, struct remote), so that the
 * front's struct vault * and the implementation's pointer are one address.
 *
 * The front (vault.c, access.c) has checked every argument before an entry
 * is called: names are valid, roles known, records within their limits,
 * env is NULL (the default environment) or a valid name. An implementation
 * checks only what needs its store (does the environment exist, is this the
 * last owner). A NULL entry means "this kind cannot"; the front answers it
 * with one error naming the operation and the kind, or, where a comment says
 * so, does the work another way.
 *
 * Private to the vault library: included by the front and by each
 * implementation, never by the programs. */
#ifndef MODAL_VAULT_OPS_H
#define MODAL_VAULT_OPS_H

#include "vault_types.h"

struct rekey_options;
struct rekey_report;

struct vault {
	const struct vault_ops *ops;
};

struct vault_ops {
	const char *what;      /* "the embedded vault", for messages */
	void (*close)(struct vault *v);
	/* NULL: nothing to do (vault_read_begin answers 0). */
	int (*read_begin)(struct vault *v, struct mr_err *e);
	void (*read_end)(struct vault *v, int began);

	int (*fetch)(struct vault *v, const char *env, const char *const *names,
		     size_t nnames, struct vault_fetch *out, struct mr_err *e);
	/* NULL: fetch, into an arena of the fetch's own. */
	int (*fetch_reuse)(struct vault *v, const char *env, const char *const *names,
			   size_t nnames, struct vault_arena *arena, struct vault_fetch *out,
			   struct mr_err *e);
	int (*secret_put)(struct vault *v, const char *env, const char *name,
			  const struct vault_item *items, size_t nitems, int replace,
			  struct vault_secret_meta *out, struct mr_err *e);
	int (*secret_update)(struct vault *v, const char *env, const char *name,
			     const struct vault_item *items, size_t nitems,
			     uint64_t expected_version, struct vault_secret_meta *out,
			     struct mr_err *e);
	int (*secret_versions)(struct vault *v, const char *env, const char *name,
			       struct vault_secret_meta **out, size_t *n, struct mr_err *e);
	int (*secret_get)(struct vault *v, const char *env, const char *name,
			  struct vault_secret_meta *out, struct mr_err *e);
	int (*secret_list)(struct vault *v, const char *env,
			   struct vault_secret_meta **out, size_t *n, struct mr_err *e);
	int (*secret_delete)(struct vault *v, const char *env, const char *name,
			     struct mr_err *e);

	int (*env_create)(struct vault *v, const char *name, const char *webhook_suffix,
			  struct vault_env *out, struct mr_err *e);
	int (*env_list)(struct vault *v, struct vault_env **out, size_t *n, struct mr_err *e);
	int (*env_delete)(struct vault *v, const char *name, struct mr_err *e);
	int (*env_update)(struct vault *v, const char *name, const char *new_name,
			  const char *new_suffix, struct vault_env *out, struct mr_err *e);
	int (*workspace_current)(struct vault *v, struct vault_workspace *out,
				 struct mr_err *e);

	int (*owner)(struct vault *v, struct vault_member *out, struct mr_err *e);
	int (*member_list)(struct vault *v, struct vault_member **out, size_t *n,
			   struct mr_err *e);
	int (*member_add)(struct vault *v, const char *name, enum vault_role role,
			  struct vault_member *out, struct mr_err *e);
	int (*member_set_role)(struct vault *v, const char *member_id, enum vault_role role,
			       struct mr_err *e);
	int (*member_remove)(struct vault *v, const char *member_id, struct mr_err *e);

	int (*token_create)(struct vault *v, enum vault_token_kind kind, const char *member_id,
			    const char *name, int64_t ttl_seconds, struct vault_token *out,
			    char *secret, struct mr_err *e);
	int (*token_list)(struct vault *v, enum vault_token_kind kind, const char *member_id,
			  const char *env, struct vault_token **out, size_t *n,
			  struct mr_err *e);
	int (*token_get)(struct vault *v, const char *token_id, struct vault_token *out,
			 struct mr_err *e);
	int (*token_revoke)(struct vault *v, const char *token_id, struct mr_err *e);
	int (*token_allow_env)(struct vault *v, const char *token_id, const char *env,
			       int allow, struct mr_err *e);
	int (*token_verify)(struct vault *v, enum vault_token_kind kind, const char *token_id,
			    const char *secret, size_t secret_len, struct vault_identity *who,
			    struct mr_err *e);

	int (*audit_append)(struct vault *v, const struct vault_audit_record *r,
			    struct mr_err *e);
	/* NULL: audit_append for each record, up to the first failure. */
	int (*audit_append_batch)(struct vault *v, const struct vault_audit_record *r,
				  size_t n, struct mr_err *e);
	int (*audit_list)(struct vault *v, const struct vault_audit_filter *f,
			  struct vault_audit_record **out, size_t *n, struct mr_err *e);
	int (*box_keypair)(struct vault *v, unsigned char pk[32], unsigned char *sk,
			   struct mr_err *e);
	/* A vault server's: is its public key the pinned or recorded one (and
	 * recorded on first use)? NULL: nothing to check (the stores). */
	int (*check_server_key)(struct vault *v, struct mr_err *e);
};

/* One kind of vault: the URLs it answers and what is done to a URL of it
 * before (or instead of) opening one. kinds.c lists every kind. */
struct vault_kind {
	const char *name;                /* "file", for messages */
	const char *const *schemes;      /* URL prefixes it takes, NULL-terminated */
	int server;                      /* 1: a client of a vault server */
	int (*open)(const char *url, const struct vault_options *o, struct vault **out,
		    struct mr_err *e);
	/* NULL: this kind's vaults are made elsewhere (a server's, where it runs). */
	int (*init)(const char *url, const char *workspace_name, struct vault_workspace *ws,
		    struct mr_err *e);
	/* NULL: not a store. from: the version found. */
	int (*migrate)(const char *url, int *from, int *to, struct mr_err *e);
	/* NULL: the master key is not here. */
	int (*rekey)(const char *url, const struct rekey_options *o, struct rekey_report *out,
		     struct mr_err *e);
	/* NULL: nothing to do. For a program that opens one vault, then execs
	 * or exits (vault_short_lived in vault.h). */
	void (*short_lived)(void);
};

#endif
