/* access.c — the access rules every store applies alike (access_rules.h):
 * role names, token hashing and lifetimes, member names, audit records and
 * filters; and the vault's long-term crypto_box key pair, derived from the
 * master key rather than stored, so it needs no file of its own, survives a
 * database restore, and is the same for every server sharing the key. */
#include "access_rules.h"
#include "store/sqlite/local.h"
#include "store/pg/pg.h"
#include "secmem.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

_Static_assert(crypto_box_PUBLICKEYBYTES == 32, "access.h promises 32-byte public keys");
_Static_assert(crypto_box_SEEDBYTES == 32, "the seed is one derived key");
_Static_assert(TOKEN_ID_LEN == 3 + TOKEN_ID_RANDOM, "ak-/wk- + random");
_Static_assert(TOKEN_SECRET_LEN == 3 + TOKEN_SECRET_RANDOM, "as-/ws- + random");

static const char *const role_names[] = {
	[VAULT_ROLE_USER] = "user", [VAULT_ROLE_MANAGER] = "manager",
	[VAULT_ROLE_OWNER] = "owner",
};

const char *
vault_role_name(enum vault_role r)
{
	if (r < VAULT_ROLE_USER || r > VAULT_ROLE_OWNER)
		return "unknown";
	return role_names[r];
}

int
vault_role_parse(const char *s, enum vault_role *r)
{
	int i;

	for (i = VAULT_ROLE_USER; s != NULL && i <= VAULT_ROLE_OWNER; i++)
		if (strcmp(s, role_names[i]) == 0) {
			*r = (enum vault_role)i;
			return 0;
		}
	return -1;
}

int
access_role_check(enum vault_role role, struct mr_err *e)
{
	if (role < VAULT_ROLE_USER || role > VAULT_ROLE_OWNER)
		return mr_fail(e, MR_E_INVALID, "invalid role %d: expected owner, manager or user",
			       (int)role);
	return 0;
}

/* A handle, or an e-mail-like one: nothing that could break a table, a log
 * line or a URL. */
int
access_member_name_check(const char *name, struct mr_err *e)
{
	char shown[128];
	size_t len = name != NULL ? strlen(name) : 0;

	if (len > 0 && len <= NAME_MAX_LEN &&
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@+-") == len &&
	    strchr("._@+-", name[0]) == NULL)
		return 0;
	return mr_fail(e, MR_E_INVALID,
		       "invalid member name '%s': at most %d of [A-Za-z0-9._@+-], starting alphanumeric",
		       name_for_msg(name, shown, sizeof(shown)), NAME_MAX_LEN);
}

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

/* Actions are dotted lower-case words ("secret.create"). */
static int
action_is_valid(const char *s, size_t max)
{
	size_t len = s != NULL ? strlen(s) : 0;

	return len > 0 && len < max && s[0] != '.' && s[len - 1] != '.' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz_.") == len;
}

static int
field_check(const char *what, const char *s, size_t size, struct mr_err *e)
{
	if (s == NULL || strlen(s) >= size)
		return mr_fail(e, MR_E_INVALID, "audit record: %s longer than %zu bytes",
			       what, size - 1);
	return 0;
}

int
access_audit_record_check(const struct vault_audit_record *r, struct mr_err *e)
{
	char shown[128];

	if (!action_is_valid(r->action, sizeof(r->action)))
		return mr_fail(e, MR_E_INVALID, "audit record: invalid action '%s'",
			       name_for_msg(r->action, shown, sizeof(shown)));
	if (field_check("token id", r->token_id, sizeof(r->token_id), e) != 0 ||
	    field_check("resource", r->resource, sizeof(r->resource), e) != 0 ||
	    field_check("client", r->client, sizeof(r->client), e) != 0)
		return -1;
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
		if (action_is_valid(prefix, len)) {
			memcpy(prefix + n - 2, ".", 2);
			return 0;
		}
		prefix[0] = '\0';
	} else if (action_is_valid(f->action, len)) {
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

int
vault_box_keypair(struct vault *v, unsigned char pk[32], unsigned char *sk,
		  struct mr_err *e)
{
	if (v->remote != NULL)
		return remote_box_keypair(v->remote, pk, sk, e);
	if (v->pg != NULL)
		return pg_box_keypair(v->pg, pk, sk, e);
	return access_box_keypair(&v->keys, pk, sk, e);
}
