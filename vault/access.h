/* access.h — who may use a vault: workspace members and their roles, API and
 * proxy tokens, and the audit log (SPEC 5). Part of the vault interface: the
 * embedded store implements it, the server exposes it, the remote client
 * speaks it. Token secrets exist in plaintext only in the caller's sodium
 * memory, once, at creation; the store keeps a keyed hash. */
#ifndef MODAL_VAULT_ACCESS_H
#define MODAL_VAULT_ACCESS_H

#include "vault.h"

/* Members. The owner of an embedded vault is the member made by vault_init
 * (or by migration for older vaults); vault_owner() names it. */
int vault_owner(struct vault *v, struct vault_member *out, struct mr_err *e);
int vault_member_list(struct vault *v, struct vault_member **out, size_t *n,
		      struct mr_err *e);
int vault_member_add(struct vault *v, const char *name, enum vault_role role,
		     struct vault_member *out, struct mr_err *e);
/* Both refuse (MR_E_CONFLICT) to leave the workspace without an owner. */
int vault_member_set_role(struct vault *v, const char *member_id,
			  enum vault_role role, struct mr_err *e);
int vault_member_remove(struct vault *v, const char *member_id, struct mr_err *e);

/* Tokens. secret receives TOKEN_SECRET_LEN + 1 bytes (caller's sodium memory);
 * it is never stored. member_id NULL: the owner. ttl 0: the default. */
int vault_token_create(struct vault *v, enum vault_token_kind kind,
		       const char *member_id, const char *name, int64_t ttl_seconds,
		       struct vault_token *out, char *secret, struct mr_err *e);
/* member_id NULL: every token of the kind. env (proxy tokens) NULL: all. */
int vault_token_list(struct vault *v, enum vault_token_kind kind,
		     const char *member_id, const char *env,
		     struct vault_token **out, size_t *n, struct mr_err *e);
int vault_token_get(struct vault *v, const char *token_id,
		    struct vault_token *out, struct mr_err *e);
/* Revokes at once (API tokens) or deletes (proxy tokens). MR_E_NOTFOUND. */
int vault_token_revoke(struct vault *v, const char *token_id, struct mr_err *e);
/* Proxy tokens: allow or revoke use in an environment. */
int vault_token_allow_env(struct vault *v, const char *token_id, const char *env,
			  int allow, struct mr_err *e);
/* Checks id + secret of the given kind in constant time against the keyed hash;
 * unknown, wrong, expired, revoked or other-kind all fail MR_E_AUTH with the
 * same message. On success updates last_used_at and fills who. */
int vault_token_verify(struct vault *v, enum vault_token_kind kind,
		       const char *token_id, const char *secret, size_t secret_len,
		       struct vault_identity *who, struct mr_err *e);

/* Audit. Appends never carry values or secrets. */
int vault_audit_append(struct vault *v, const struct vault_audit_record *r,
		       struct mr_err *e);
/* n records in one transaction, all or none: on the embedded store one
 * commit and one disk sync for all of them (group commit). A vault server
 * takes them one by one, up to the first failure. */
int vault_audit_append_batch(struct vault *v, const struct vault_audit_record *r, size_t n,
			     struct mr_err *e);
int vault_audit_list(struct vault *v, const struct vault_audit_filter *f,
		     struct vault_audit_record **out, size_t *n, struct mr_err *e);

/* The vault's long-term crypto_box key pair, derived from the master key: the
 * server answers fetches under it, launchers may pin the public half. sk is
 * crypto_box_SECRETKEYBYTES of the caller's sodium memory (NULL: not wanted). */
int vault_box_keypair(struct vault *v, unsigned char pk[32], unsigned char *sk,
		      struct mr_err *e);

#endif
