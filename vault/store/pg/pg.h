/* pg.h — the vault store on PostgreSQL: the interface of vault.h and access.h
 * over libpq, so that several stateless vault servers share one database
 * (docs/scaling.md). Rows are sealed exactly as in the embedded store
 * (crypto.h, codec.h); the master key stays in a 0600 file that every server
 * of a cluster shares, and no key or plaintext ever reaches the database.
 * Private to the vault library: vault.h and access.h dispatch here when a
 * vault was opened from a postgres:// or postgresql:// URL. */
#ifndef MODAL_VAULT_PG_H
#define MODAL_VAULT_PG_H

#include "access.h"
#include "vault.h"

/* The schema this program knows; a database at a newer one is refused. */
#define PG_SCHEMA_VERSION 4
/* The master key file: this variable names it, else the systemd credential
 * $CREDENTIALS_DIRECTORY/PG_KEY_CREDENTIAL. */
#define PG_KEY_ENV "MODAL_VAULT_MASTER_KEY"
#define PG_KEY_CREDENTIAL "modal-vault-master-key"

struct pg;

/* 1 for postgres:// and postgresql:// URLs, which name a PostgreSQL store. */
int pg_url_is(const char *url);
/* Connects, applies pending migrations (not when readonly) and loads the
 * workspace; refuses a master key other than the one the database was made
 * with. Every call after this reconnects by itself after a lost connection. */
int pg_open(const char *url, int readonly, struct pg **out, struct mr_err *e);
/* Makes the workspace of a new store: the database must hold none. Creates
 * the master key file if it does not exist yet. */
int pg_init(const char *url, const char *workspace_name, struct vault_workspace *ws,
	    struct mr_err *e);
/* Applies pending migrations (needs no master key). from: the version found. */
int pg_migrate(const char *url, int *from, int *to, struct mr_err *e);
void pg_close(struct pg *p);
/* pg_open wrapped in a struct vault, for vault_open (pg_vault.c). */
int pg_vault_open(const char *url, int readonly, struct vault **out, struct mr_err *e);
/* modal-vault migrate, for either store: the schema version found and the one
 * reached (the embedded store reports only the latter, in both). */
int store_migrate(const char *url, int *from, int *to, struct mr_err *e);

/* vault.h */
int pg_fetch(struct pg *p, const char *env, const char *const *names, size_t nnames,
	     struct vault_fetch *out, struct mr_err *e);
int pg_secret_put(struct pg *p, const char *env, const char *name,
		  const struct vault_item *items, size_t nitems, int replace,
		  struct vault_secret_meta *out, struct mr_err *e);
int pg_secret_update(struct pg *p, const char *env, const char *name,
		     const struct vault_item *items, size_t nitems,
		     uint64_t expected_version, struct vault_secret_meta *out,
		     struct mr_err *e);
int pg_secret_versions(struct pg *p, const char *env, const char *name,
		       struct vault_secret_meta **out, size_t *n, struct mr_err *e);
int pg_secret_get(struct pg *p, const char *env, const char *name,
		  struct vault_secret_meta *out, struct mr_err *e);
int pg_secret_list(struct pg *p, const char *env, struct vault_secret_meta **out,
		   size_t *n, struct mr_err *e);
int pg_secret_delete(struct pg *p, const char *env, const char *name, struct mr_err *e);
int pg_env_create(struct pg *p, const char *name, const char *webhook_suffix,
		  struct vault_env *out, struct mr_err *e);
int pg_env_list(struct pg *p, struct vault_env **out, size_t *n, struct mr_err *e);
int pg_env_delete(struct pg *p, const char *name, struct mr_err *e);
int pg_env_update(struct pg *p, const char *name, const char *new_name,
		  const char *new_suffix, struct vault_env *out, struct mr_err *e);
int pg_workspace_current(struct pg *p, struct vault_workspace *out, struct mr_err *e);

/* access.h */
int pg_owner(struct pg *p, struct vault_member *out, struct mr_err *e);
int pg_member_list(struct pg *p, struct vault_member **out, size_t *n, struct mr_err *e);
int pg_member_add(struct pg *p, const char *name, enum vault_role role,
		  struct vault_member *out, struct mr_err *e);
int pg_member_set_role(struct pg *p, const char *member_id, enum vault_role role,
		       struct mr_err *e);
int pg_member_remove(struct pg *p, const char *member_id, struct mr_err *e);
int pg_token_create(struct pg *p, enum vault_token_kind kind, const char *member_id,
		    const char *name, int64_t ttl_seconds, struct vault_token *out,
		    char *secret, struct mr_err *e);
int pg_token_list(struct pg *p, enum vault_token_kind kind, const char *member_id,
		  const char *env, struct vault_token **out, size_t *n, struct mr_err *e);
int pg_token_get(struct pg *p, const char *token_id, struct vault_token *out,
		 struct mr_err *e);
int pg_token_revoke(struct pg *p, const char *token_id, struct mr_err *e);
int pg_token_allow_env(struct pg *p, const char *token_id, const char *env, int allow,
		       struct mr_err *e);
int pg_token_verify(struct pg *p, enum vault_token_kind kind, const char *token_id,
		    const char *secret, size_t secret_len, struct vault_identity *who,
		    struct mr_err *e);
int pg_audit_append(struct pg *p, const struct vault_audit_record *r, struct mr_err *e);
/* n records in one transaction: all or none. */
int pg_audit_append_batch(struct pg *p, const struct vault_audit_record *r, size_t n,
			  struct mr_err *e);
int pg_audit_list(struct pg *p, const struct vault_audit_filter *f,
		  struct vault_audit_record **out, size_t *n, struct mr_err *e);
int pg_box_keypair(struct pg *p, unsigned char pk[32], unsigned char *sk, struct mr_err *e);

#endif
