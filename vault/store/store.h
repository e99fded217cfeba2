/* store.h — the rules both databases (store/sqlite, store/pg) run alike,
 * written once above a narrower row interface. struct store is the first
 * member of struct sqlite_vault and struct pg, as struct vault is the first
 * member of struct store: one pointer is all three. A database points its
 * vault_ops entries for these operations at the store_ functions below and
 * fills struct store_rows with what only it knows: its transactions and the
 * rows the rules read and write. Private to the stores. */
#ifndef MODAL_VAULT_STORE_H
#define MODAL_VAULT_STORE_H

#include "access_rules.h"
#include "crypto.h"
#include "vault_ops.h"

struct store_rows;

struct store {
	struct vault vault;                /* first: a struct vault * is this struct */
	const struct store_rows *rows;
	const struct keyring *keys;        /* the database's own keyring */
};

/* A token as the rules made it, for rows->token_insert. */
struct store_token_new {
	char token_id[TOKEN_ID_LEN + 1];
	enum vault_token_kind kind;
	char name[NAME_MAX_LEN + 1];
	char member_id[48];                /* its owner; "" for proxy tokens */
	int64_t ttl;                       /* seconds from its creation; 0: never expires */
	unsigned char hash[TOKEN_HASH_LEN];
};

struct store_rows {
	/* One write transaction: every read inside it sees what it will change. */
	int (*begin)(struct store *s, struct mr_err *e);
	int (*commit)(struct store *s, struct mr_err *e);
	void (*rollback)(struct store *s);
	/* Inside a write: member_id's row and how many owners the workspace has
	 * (with members locked against a concurrent change, where the database
	 * needs it); MR_E_NOTFOUND naming the member. */
	int (*member_read)(struct store *s, const char *member_id, struct vault_member *m,
			   int64_t *owners, struct mr_err *e);
	int (*member_role_write)(struct store *s, const char *member_id, enum vault_role role,
				 struct mr_err *e);
	/* The member's row deleted, its API tokens revoked (the rows stay). */
	int (*member_delete)(struct store *s, const char *member_id, struct mr_err *e);
	/* Inside a write: the owner of a new API token (member_id NULL: the
	 * workspace's owner); MR_E_NOTFOUND naming an unknown member. */
	int (*token_owner)(struct store *s, const char *member_id, char out[48],
			   struct mr_err *e);
	/* The token's row; a proxy token allowed in the default environment. */
	int (*token_insert)(struct store *s, const struct store_token_new *t, struct mr_err *e);
};

/* vault_ops entries (store_access.c): the last-owner rule and token
 * creation (ids, secret, keyed hash, lifetime). */
int store_member_set_role(struct vault *v, const char *member_id, enum vault_role role,
			  struct mr_err *e);
int store_member_remove(struct vault *v, const char *member_id, struct mr_err *e);
int store_token_create(struct vault *v, enum vault_token_kind kind, const char *member_id,
		       const char *name, int64_t ttl_seconds, struct vault_token *out,
		       char *secret, struct mr_err *e);

#endif
