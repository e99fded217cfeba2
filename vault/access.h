/* access.h — who may use a vault: workspace members and their roles, API and
 * proxy tokens, and the audit log (SPEC 5). Part of the vault interface: the
 * embedded store implements it, the server exposes it, the remote client
 * speaks it. Token secrets exist in plaintext only in the caller's sodium
 * memory, once, at creation; the store keeps a keyed hash. */
#ifndef MODAL_VAULT_ACCESS_H
#define MODAL_VAULT_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "vault.h"

#define TOKEN_ID_LEN 24          /* "ak-" / "wk-" + 21 base62 */
#define TOKEN_SECRET_LEN 45      /* "as-" / "ws-" + 42 base62 (>= 32, SPEC 5) */
#define TOKEN_TTL_MIN 3600
#define TOKEN_TTL_MAX (366 * 86400)
#define TOKEN_TTL_DEFAULT (90 * 86400)

/* Ordered: a role may do everything the roles below it may (docs/permissions.md). */
enum vault_role { VAULT_ROLE_USER = 1, VAULT_ROLE_MANAGER = 2, VAULT_ROLE_OWNER = 3 };

enum vault_token_kind { VAULT_TOKEN_API, VAULT_TOKEN_PROXY };

struct vault_member {
	char member_id[48];              /* "us-" + base62 */
	char name[NAME_MAX_LEN + 1];     /* a name or e-mail-like handle */
	enum vault_role role;
	int64_t created_at;
};

struct vault_token {
	char token_id[TOKEN_ID_LEN + 1];
	enum vault_token_kind kind;
	char name[NAME_MAX_LEN + 1];
	char workspace_id[48];
	char member_id[48];              /* its owner; API tokens only */
	int64_t created_at, expires_at;  /* unix seconds */
	int64_t last_used_at;            /* 0: never */
	int64_t revoked_at;              /* 0: not revoked */
	size_t nenvs;                    /* proxy tokens: environments allowed */
	char (*envs)[NAME_MAX_LEN + 1];
};

/* Who is calling, once a token has been verified. */
struct vault_identity {
	struct vault_token token;
	struct vault_member member;      /* API tokens: the owning member */
};

struct vault_audit_record {
	int64_t id;                      /* increasing; the pagination cursor */
	int64_t at_ms;                   /* unix milliseconds */
	char token_id[TOKEN_ID_LEN + 1]; /* "" for unauthenticated requests */
	char action[48];                 /* e.g. "secret.create", "token.revoke" */
	char resource[200];              /* e.g. "secret:prod/db" — names only */
	int status;                      /* HTTP status, or 0 for local commands */
	char client[64];                 /* client address, "local" for file: use */
};

struct vault_audit_filter {
	int64_t since_ms, until_ms;      /* 0: unbounded */
	const char *token_id;            /* NULL: any actor */
	const char *action;              /* NULL: any; exact match or "prefix.*" */
	int64_t after_id;                /* cursor: records with id > after_id */
	size_t limit;                    /* 1..1000 */
};

const char *vault_role_name(enum vault_role r);          /* "owner", ... */
int vault_role_parse(const char *s, enum vault_role *r); /* -1 if unknown */

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
void vault_token_clear(struct vault_token *t);
void vault_token_free(struct vault_token *t, size_t n);

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
