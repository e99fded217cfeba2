/* store_access.c — the access rules both databases share (store.h): a
 * workspace never loses its last owner, and a new token's id, secret, keyed
 * hash and lifetime are made one way, whichever database keeps it. */
#include "secmem.h"
#include "store.h"

#include <sodium.h>
#include <stdio.h>

/* The member's role, and whether it is the workspace's only owner. */
static int
member_is_last_owner(struct store *s, const char *member_id, int *last, struct mr_err *e)
{
	struct vault_member m;
	int64_t owners;

	if (s->rows->member_read(s, member_id, &m, &owners, e) != 0)
		return -1;
	*last = m.role == VAULT_ROLE_OWNER && owners == 1;
	return 0;
}

int
store_member_set_role(struct vault *v, const char *member_id, enum vault_role role,
		      struct mr_err *e)
{
	struct store *s = (struct store *)v;
	char shown[128];
	int last;

	if (s->rows->begin(s, e) != 0)
		return -1;
	if (member_is_last_owner(s, member_id, &last, e) != 0)
		goto fail;
	if (last && role != VAULT_ROLE_OWNER) {
		mr_fail(e, MR_E_CONFLICT,
			"member '%s' is the workspace's last owner: make another member owner first",
			name_for_msg(member_id, shown, sizeof(shown)));
		goto fail;
	}
	if (s->rows->member_role_write(s, member_id, role, e) != 0 || s->rows->commit(s, e) != 0)
		goto fail;
	return 0;
fail:
	s->rows->rollback(s);
	return -1;
}

int
store_member_remove(struct vault *v, const char *member_id, struct mr_err *e)
{
	struct store *s = (struct store *)v;
	char shown[128];
	int last;

	if (s->rows->begin(s, e) != 0)
		return -1;
	if (member_is_last_owner(s, member_id, &last, e) != 0)
		goto fail;
	if (last) {
		mr_fail(e, MR_E_CONFLICT,
			"member '%s' is the workspace's last owner and cannot be removed",
			name_for_msg(member_id, shown, sizeof(shown)));
		goto fail;
	}
	/* Their API tokens stop working with them, in the same transaction. */
	if (s->rows->member_delete(s, member_id, e) != 0 || s->rows->commit(s, e) != 0)
		goto fail;
	return 0;
fail:
	s->rows->rollback(s);
	return -1;
}

/* Everything of a new token but its owner and its secret. */
static int
token_new(enum vault_token_kind kind, const char *name, int64_t ttl_seconds,
	  struct store_token_new *t, struct mr_err *e)
{
	*t = (struct store_token_new){ .kind = kind };
	/* The lifetime alone (now 0): each database adds its own now to it. */
	if (access_token_expiry(kind, ttl_seconds, 0, &t->ttl, e) != 0)
		return -1;
	random_id(kind == VAULT_TOKEN_PROXY ? "wk-" : "ak-", TOKEN_ID_RANDOM, t->token_id);
	/* An unnamed token is named by its id, which is unique. */
	snprintf(t->name, sizeof(t->name), "%s", name != NULL && *name != '\0' ? name : t->token_id);
	return 0;
}

int
store_token_create(struct vault *v, enum vault_token_kind kind, const char *member_id,
		   const char *name, int64_t ttl_seconds, struct vault_token *out,
		   char *secret, struct mr_err *e)
{
	struct store *s = (struct store *)v;
	struct store_token_new t;

	if (token_new(kind, name, ttl_seconds, &t, e) != 0 || s->rows->begin(s, e) != 0)
		return -1;
	if (kind != VAULT_TOKEN_PROXY && s->rows->token_owner(s, member_id, t.member_id, e) != 0)
		goto fail;
	random_id(kind == VAULT_TOKEN_PROXY ? "ws-" : "as-", TOKEN_SECRET_RANDOM, secret);
	access_token_hash(s->keys, t.token_id, secret, TOKEN_SECRET_LEN, t.hash);
	if (s->rows->token_insert(s, &t, e) != 0 ||
	    (out != NULL && v->ops->token_get(v, t.token_id, out, e) != 0))
		goto fail;
	if (s->rows->commit(s, e) != 0) {
		if (out != NULL)
			vault_token_clear(out);
		goto fail;
	}
	return 0;
fail:
	/* No token, no secret: the caller must not hold one that works nowhere. */
	sodium_memzero(secret, TOKEN_SECRET_LEN + 1);
	s->rows->rollback(s);
	return -1;
}
