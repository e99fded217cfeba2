/* access.c — access.h's operations: members, tokens, the audit log and the
 * vault's box key pair, their arguments checked once (checks.h), then
 * forwarded to the vault's own kind. */
#include "access.h"
#include "checks.h"
#include "front.h"

int
vault_owner(struct vault *v, struct vault_member *out, struct mr_err *e)
{
	return VAULT_FORWARD(v, owner, e, out, e);
}

int
vault_member_list(struct vault *v, struct vault_member **out, size_t *n, struct mr_err *e)
{
	return VAULT_FORWARD(v, member_list, e, out, n, e);
}

int
vault_member_add(struct vault *v, const char *name, enum vault_role role,
		 struct vault_member *out, struct mr_err *e)
{
	if (access_member_name_check(name, e) != 0 || access_role_check(role, e) != 0)
		return -1;
	return VAULT_FORWARD(v, member_add, e, name, role, out, e);
}

int
vault_member_set_role(struct vault *v, const char *member_id, enum vault_role role,
		      struct mr_err *e)
{
	if (access_role_check(role, e) != 0)
		return -1;
	return VAULT_FORWARD(v, member_set_role, e, member_id, role, e);
}

int
vault_member_remove(struct vault *v, const char *member_id, struct mr_err *e)
{
	return VAULT_FORWARD(v, member_remove, e, member_id, e);
}

int
vault_token_create(struct vault *v, enum vault_token_kind kind, const char *member_id,
		   const char *name, int64_t ttl_seconds, struct vault_token *out,
		   char *secret, struct mr_err *e)
{
	/* No name: the token is named by its id. */
	if (name != NULL && *name != '\0' && name_check("token", name, e) != 0)
		return -1;
	return VAULT_FORWARD(v, token_create, e, kind, member_id, name, ttl_seconds, out,
			     secret, e);
}

int
vault_token_list(struct vault *v, enum vault_token_kind kind, const char *member_id,
		 const char *env, struct vault_token **out, size_t *n, struct mr_err *e)
{
	if (env_arg_check(env, e) != 0)
		return -1;
	return VAULT_FORWARD(v, token_list, e, kind, member_id, env, out, n, e);
}

int
vault_token_get(struct vault *v, const char *token_id, struct vault_token *out,
		struct mr_err *e)
{
	return VAULT_FORWARD(v, token_get, e, token_id, out, e);
}

int
vault_token_revoke(struct vault *v, const char *token_id, struct mr_err *e)
{
	return VAULT_FORWARD(v, token_revoke, e, token_id, e);
}

int
vault_token_allow_env(struct vault *v, const char *token_id, const char *env, int allow,
		      struct mr_err *e)
{
	if (name_check("environment", env, e) != 0)
		return -1;
	return VAULT_FORWARD(v, token_allow_env, e, token_id, env, allow, e);
}

int
vault_token_verify(struct vault *v, enum vault_token_kind kind, const char *token_id,
		   const char *secret, size_t secret_len, struct vault_identity *who,
		   struct mr_err *e)
{
	return VAULT_FORWARD(v, token_verify, e, kind, token_id, secret, secret_len, who, e);
}

int
vault_audit_append(struct vault *v, const struct vault_audit_record *r, struct mr_err *e)
{
	if (access_audit_record_check(r, e) != 0)
		return -1;
	return VAULT_FORWARD(v, audit_append, e, r, e);
}

/* A kind with no batch: one call each, up to the first failure. */
static int
append_each(struct vault *v, const struct vault_audit_record *r, size_t n,
	    struct mr_err *e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (VAULT_FORWARD(v, audit_append, e, &r[i], e) != 0)
			return -1;
	return 0;
}

int
vault_audit_append_batch(struct vault *v, const struct vault_audit_record *r, size_t n,
			 struct mr_err *e)
{
	size_t i;

	/* Checked before any write: a bad record refuses the batch. */
	for (i = 0; i < n; i++)
		if (access_audit_record_check(&r[i], e) != 0)
			return mr_wrap(e, "audit record %zu of %zu", i + 1, n);
	if (v->ops->audit_append_batch == NULL)
		return append_each(v, r, n, e);
	return v->ops->audit_append_batch(v, r, n, e);
}

int
vault_audit_list(struct vault *v, const struct vault_audit_filter *f,
		 struct vault_audit_record **out, size_t *n, struct mr_err *e)
{
	return VAULT_FORWARD(v, audit_list, e, f, out, n, e);
}

int
vault_box_keypair(struct vault *v, unsigned char pk[32], unsigned char *sk,
		  struct mr_err *e)
{
	return VAULT_FORWARD(v, box_keypair, e, pk, sk, e);
}
