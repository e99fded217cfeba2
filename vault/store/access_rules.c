/* access_rules.c — the access rules both databases apply alike
 * (access_rules.h): token hashing and lifetimes, audit filters; and the
 * vault's long-term crypto_box key pair, derived from the
 * master key rather than stored, so it needs no file of its own, survives a
 * database restore, and is the same for every server sharing the key. */
#include "access_rules.h"
#include "checks.h"
#include "secmem.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

_Static_assert(crypto_box_PUBLICKEYBYTES == 32, "access.h promises 32-byte public keys");
_Static_assert(crypto_box_SEEDBYTES == 32, "the seed is one derived key");
_Static_assert(TOKEN_ID_LEN == 3 + TOKEN_ID_RANDOM, "ak-/wk- + random");
_Static_assert(TOKEN_SECRET_LEN == 3 + TOKEN_SECRET_RANDOM, "as-/ws- + random");



const char *
access_kind_text(enum vault_token_kind kind)
{
	return kind == VAULT_TOKEN_PROXY ? "proxy" : "api";
}

/* The key makes a copy of the database alone useless for testing guesses;
 * hashing the id in means a hash copied to another row verifies nothing. */
void
access_token_hash(const struct keyring *kr, const char *id, const char *secret, size_t len,
		  unsigned char out[TOKEN_HASH_LEN])
{
	unsigned char *key = kr->k->scratch;
	crypto_generichash_state st;

	keyring_derive(kr, 1, "mv-token", key);
	crypto_generichash_init(&st, key, 32, TOKEN_HASH_LEN);
	crypto_generichash_update(&st, (const unsigned char *)id, strlen(id) + 1);
	crypto_generichash_update(&st, (const unsigned char *)secret, len);
	crypto_generichash_final(&st, out, TOKEN_HASH_LEN);
	sodium_memzero(key, 32);
	sodium_memzero(&st, sizeof(st));
}

/* API tokens always expire (default 90 days). Proxy tokens, as Modal's, do
 * not unless given a lifetime: a service behind a proxy should not stop on a
 * date nobody chose. */
int
access_token_expiry(enum vault_token_kind kind, int64_t ttl, int64_t now, int64_t *expires_at,
		    struct mr_err *e)
{
	if (ttl == 0 && kind == VAULT_TOKEN_PROXY) {
		*expires_at = 0;
		return 0;
	}
	if (ttl == 0)
		ttl = TOKEN_TTL_DEFAULT;
	if (ttl < TOKEN_TTL_MIN || ttl > TOKEN_TTL_MAX)
		return mr_fail(e, MR_E_INVALID,
			       "token lifetime must be between 1 hour and 366 days (%d to %d seconds)",
			       TOKEN_TTL_MIN, TOKEN_TTL_MAX);
	*expires_at = now + ttl;
	return 0;
}




/* "secret.create" matches itself; "secret.*" every action starting "secret."
 * (compared as a prefix, never with LIKE, where '_' is a wildcard). */
int
access_audit_filter_check(const struct vault_audit_filter *f, char *prefix, size_t len,
			  struct mr_err *e)
{
	char shown[128];
	size_t n;

	prefix[0] = '\0';
	if (f->limit < 1 || f->limit > AUDIT_LIMIT_MAX)
		return mr_fail(e, MR_E_INVALID, "audit limit %zu: expected 1 to %d",
			       f->limit, AUDIT_LIMIT_MAX);
	if (f->action == NULL)
		return 0;
	n = strlen(f->action);
	if (n > 2 && n < len && strcmp(f->action + n - 2, ".*") == 0) {
		memcpy(prefix, f->action, n - 2);
		prefix[n - 2] = '\0';
		if (access_action_is_valid(prefix, len)) {
			memcpy(prefix + n - 2, ".", 2);
			return 0;
		}
		prefix[0] = '\0';
	} else if (access_action_is_valid(f->action, len)) {
		return 0;
	}
	return mr_fail(e, MR_E_INVALID,
		       "invalid audit action '%s': expected an action (secret.create) or a prefix (secret.*)",
		       name_for_msg(f->action, shown, sizeof(shown)));
}

int
access_box_keypair(const struct keyring *kr, unsigned char pk[32], unsigned char *sk,
		   struct mr_err *e)
{
	unsigned char *seed = kr->k->scratch, *own_sk = NULL;
	int rc;

	if (sk == NULL)
		sk = own_sk = xsecure_alloc(crypto_box_SECRETKEYBYTES);
	keyring_derive(kr, 1, "mv-boxkp", seed);
	rc = crypto_box_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, crypto_box_SEEDBYTES);
	secure_free(own_sk, crypto_box_SECRETKEYBYTES);
	if (rc != 0)
		return mr_fail(e, MR_E_INTERNAL, "deriving the vault's key pair failed");
	return 0;
}

