/* access_rules.h — what both databases (the embedded SQLite store,
 * PostgreSQL) decide alike, so a token, a lifetime or an audit filter means
 * the same whichever store holds it. Private to the stores; access_rules.c
 * implements it (the rules on arguments are the front's: checks.h). */
#ifndef MODAL_VAULT_ACCESS_RULES_H
#define MODAL_VAULT_ACCESS_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "vault_types.h"
#include "crypto.h"

#define TOKEN_ID_RANDOM 21       /* base62 after "ak-" / "wk-" */
#define TOKEN_SECRET_RANDOM 42   /* base62 after "as-" / "ws-" */
#define TOKEN_HASH_LEN 32
#define AUDIT_LIMIT_MAX 1000
/* The one answer to every failed verification: unknown id, wrong secret,
 * wrong kind, expired, revoked, removed member. */
#define TOKEN_AUTH_FAILED "invalid or expired token"

/* "api" / "proxy", as stored. */
const char *access_kind_text(enum vault_token_kind kind);
/* Keyed BLAKE2b-256 of id, NUL, secret; the key is derived from the master
 * key (context "mv-token") into the keyring's scratch and wiped. */
void access_token_hash(const struct keyring *kr, const char *id, const char *secret,
		       size_t len, unsigned char out[TOKEN_HASH_LEN]);
/* now + the lifetime asked for (0: the default), or 0 (never) for a proxy
 * token given none; MR_E_INVALID naming the range otherwise. */
int access_token_expiry(enum vault_token_kind kind, int64_t ttl, int64_t now,
			int64_t *expires_at, struct mr_err *e);
/* The limit and action of a filter; prefix (len bytes) gets "secret." for
 * "secret.*", "" for an exact action or none. */
int access_audit_filter_check(const struct vault_audit_filter *f, char *prefix, size_t len,
			      struct mr_err *e);
/* The vault's crypto_box key pair from its master key (context "mv-boxkp").
 * sk NULL: only the public key. */
int access_box_keypair(const struct keyring *kr, unsigned char pk[32], unsigned char *sk,
		       struct mr_err *e);

#endif
