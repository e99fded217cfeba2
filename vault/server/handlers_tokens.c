/* handlers_tokens.c — API tokens (/v1/tokens) and proxy tokens
 * (/v1/proxy-tokens). A token's secret exists in plaintext once: in the
 * worker's locked scratch and the locked answer that shows it. An API token
 * belongs to the member who made it and so never has more than that
 * member's role; members other than owners see and revoke only their own. */
#include "internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
reply_tokens(struct request *r, struct vault_token *list, size_t n)
{
	json_t *data = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(data, token_to_json(&list[i]));
	vault_token_free(list, n);
	reply_json(r, 200, data_array(data));
}

static const char *
own_member_filter(struct request *r)
{
	return r->who.member.role == VAULT_ROLE_OWNER ? NULL : r->who.member.member_id;
}

void
h_token_list(struct request *r)
{
	struct vault_token *list = NULL;
	struct mr_err e;
	size_t n = 0;

	request_resource(r, "tokens");
	if (vault_token_list(r->ctx->v, VAULT_TOKEN_API, own_member_filter(r), NULL, &list, &n,
			     &e) != 0)
		reply_fail(r, &e);
	else
		reply_tokens(r, list, n);
}

/* Creates a token for the caller's member and answers it with its secret. */
static void
token_create(struct request *r, enum vault_token_kind kind, const char *member,
	     const char *name, int64_t ttl)
{
	struct vault_token t;
	struct mr_err e;
	json_t *j;

	if (vault_token_create(r->ctx->v, kind, member, name, ttl, &t,
			       r->ctx->scratch, &e) != 0) {
		sodium_memzero(r->ctx->scratch, SCRATCH_LEN);
		reply_fail(r, &e);
		return;
	}
	request_resource(r, "%s:%s", kind == VAULT_TOKEN_API ? "token" : "proxy_token", t.token_id);
	j = token_created_to_json(&t, r->ctx->scratch);
	sodium_memzero(r->ctx->scratch, SCRATCH_LEN);
	vault_token_clear(&t);
	reply_json_secret(r, 201, j);
}

static const struct field_spec token_fields[] = {
	{ "name", JSON_STRING, 1 }, { "expires_in", JSON_INTEGER, 0 },
	{ "member_id", JSON_STRING, 0 }, { NULL, 0, 0 },
};

/* expires_in, if given, within the limits every vault keeps; 0 when absent
 * (the kind's default: 90 days for API tokens, never for proxy tokens). */
static int
body_ttl(struct request *r, json_t *root, json_int_t *seconds)
{
	json_t *ttl = json_object_get(root, "expires_in");

	*seconds = ttl != NULL ? json_integer_value(ttl) : 0;
	if (ttl == NULL || (*seconds >= TOKEN_TTL_MIN && *seconds <= TOKEN_TTL_MAX))
		return 0;
	reply_error(r, 400, "invalid", "expires_in must be %d to %d seconds (1 hour to 1 year)",
		    TOKEN_TTL_MIN, TOKEN_TTL_MAX);
	return -1;
}

/* The member a new API token is for: the caller's own by default. A token
 * for another member is the owner's to make (owners already see and revoke
 * every member's tokens); anyone else asking so is 403. */
static const char *
token_member(struct request *r, json_t *root)
{
	const char *m = json_string_value(json_object_get(root, "member_id"));

	if (m == NULL || strcmp(m, r->who.member.member_id) == 0)
		return r->who.member.member_id;
	if (r->who.member.role == VAULT_ROLE_OWNER)
		return m;
	reply_error(r, 403, "forbidden",
		    "a token for another member needs the owner role; this token's member is %s",
		    vault_role_name(r->who.member.role));
	return NULL;
}

void
h_token_create(struct request *r)
{
	json_t *root = body_object(r, token_fields);
	const char *member;
	json_int_t seconds;

	if (root == NULL)
		return;
	request_resource(r, "token:");
	if (body_ttl(r, root, &seconds) == 0 && (member = token_member(r, root)) != NULL)
		token_create(r, VAULT_TOKEN_API, member,
			     json_string_value(json_object_get(root, "name")), seconds);
	json_decref(root);
}

/* The token named by the path, if it is of that kind and the caller may see
 * it; anything else is 404, so ids of others' tokens are not confirmed. */
static int
token_visible(struct request *r, enum vault_token_kind kind, const char *id)
{
	struct vault_token t;
	struct mr_err e;
	const char *own = own_member_filter(r);
	int rc;

	if (vault_token_get(r->ctx->v, id, &t, &e) != 0) {
		if (e.kind == MR_E_NOTFOUND || e.kind == MR_E_INVALID)
			reply_error(r, 404, "not_found", "%s '%s' not found",
				    kind == VAULT_TOKEN_API ? "token" : "proxy token", id);
		else
			reply_fail(r, &e);
		return -1;
	}
	rc = t.kind == kind && (kind == VAULT_TOKEN_PROXY || own == NULL ||
				strcmp(t.member_id, own) == 0) ? 0 : -1;
	vault_token_clear(&t);
	if (rc != 0)
		reply_error(r, 404, "not_found", "%s '%s' not found",
			    kind == VAULT_TOKEN_API ? "token" : "proxy token", id);
	return rc;
}

void
h_token_revoke(struct request *r)
{
	struct mr_err e;

	request_resource(r, "token:%s", r->params[0]);
	if (token_visible(r, VAULT_TOKEN_API, r->params[0]) != 0)
		return;
	if (vault_token_revoke(r->ctx->v, r->params[0], &e) != 0)
		reply_fail(r, &e);
	else
		reply_empty(r, 204);
}

void
h_proxy_token_list(struct request *r)
{
	const char *env = query_get(r, "environment");
	struct vault_token *list = NULL;
	struct mr_err e;
	size_t n = 0;

	request_resource(r, "proxy_tokens:%s", env != NULL ? env : "*");
	if (vault_token_list(r->ctx->v, VAULT_TOKEN_PROXY, NULL, env, &list, &n, &e) != 0)
		reply_fail(r, &e);
	else
		reply_tokens(r, list, n);
}

static const struct field_spec proxy_fields[] = {
	{ "name", JSON_STRING, 1 }, { "expires_in", JSON_INTEGER, 0 }, { NULL, 0, 0 },
};

void
h_proxy_token_create(struct request *r)
{
	json_t *root = body_object(r, proxy_fields);
	json_int_t seconds;

	if (root == NULL)
		return;
	request_resource(r, "proxy_token:");
	if (body_ttl(r, root, &seconds) == 0)
		token_create(r, VAULT_TOKEN_PROXY, NULL,
			     json_string_value(json_object_get(root, "name")), seconds);
	json_decref(root);
}

void
h_proxy_token_delete(struct request *r)
{
	struct mr_err e;

	request_resource(r, "proxy_token:%s", r->params[0]);
	if (token_visible(r, VAULT_TOKEN_PROXY, r->params[0]) != 0)
		return;
	if (vault_token_revoke(r->ctx->v, r->params[0], &e) != 0)
		reply_fail(r, &e);
	else
		reply_empty(r, 204);
}

static void
proxy_token_env(struct request *r, int allow)
{
	struct mr_err e;

	request_resource(r, "proxy_token:%s/%s", r->params[0], r->params[1]);
	if (token_visible(r, VAULT_TOKEN_PROXY, r->params[0]) != 0)
		return;
	if (vault_token_allow_env(r->ctx->v, r->params[0], r->params[1], allow, &e) != 0)
		reply_fail(r, &e);
	else
		reply_empty(r, 204);
}

void
h_proxy_token_allow(struct request *r)
{
	proxy_token_env(r, 1);
}

void
h_proxy_token_disallow(struct request *r)
{
	proxy_token_env(r, 0);
}
