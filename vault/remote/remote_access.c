/* remote_access.c — access.h over HTTP: members, API and proxy tokens, the
 * audit log and the vault's public key, against `modal-vault serve`
 * (docs/protocol.md). What only the server may do (verify a token, write
 * the audit log, hold the vault's secret key) is refused or left to it. */
#include "remote.h"
#include "secmem.h"
#include "wire/wire.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PATH_LEN 512
#define MEMBERS "/v1/workspaces/current/members"

/* ---- members ---- */

int
remote_member_list(struct vault *base, struct vault_member **out, size_t *n, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	void *list = NULL;
	int rc = remote_get_list(r, MEMBERS, sizeof(**out), answer_member, &list, n,
				 "listing members", e);

	if (rc == 0)
		*out = list;
	return rc;
}

/* The first owner the server lists. */
int
remote_owner(struct vault *base, struct vault_member *out, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	struct vault_member *list = NULL;
	size_t i, n = 0;
	int rc = -1;

	if (remote_member_list(base, &list, &n, e) != 0)
		return -1;
	for (i = 0; i < n && rc != 0; i++)
		if (list[i].role == VAULT_ROLE_OWNER) {
			*out = list[i];
			rc = 0;
		}
	free(list);
	return rc == 0 ? 0 : mr_fail(e, MR_E_NOTFOUND, "vault %s lists no owner", remote_urls(r));
}

int
remote_member_add(struct vault *base, const char *name, enum vault_role role,
		  struct vault_member *out, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	json_t *body = json_pack("{s:s, s:s}", "name", name, "role", vault_role_name(role));
	json_t *answer = NULL;
	int rc = -1;

	if (body == NULL)
		rc = mr_fail(e, MR_E_INVALID, "invalid member name");
	else if (remote_call(r, "POST", MEMBERS, body, 0, &answer, e) == 0)
		rc = out == NULL || answer_member(answer, out) == 0 ? 0
			: remote_bad_answer(r, e, "adding a member");
	json_decref(body);
	json_decref(answer);
	return rc;
}

int
remote_member_set_role(struct vault *base, const char *member_id, enum vault_role role,
		       struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	char path[PATH_LEN];
	json_t *body;
	int rc;

	if (remote_check_id("member id", member_id, e) != 0)
		return -1;
	snprintf(path, sizeof(path), MEMBERS "/%s", member_id);
	body = json_pack("{s:s}", "role", vault_role_name(role));
	/* Setting a role twice leaves the same state: safe to repeat. */
	rc = remote_call(r, "PATCH", path, body, REMOTE_IDEMPOTENT, NULL, e);
	json_decref(body);
	return rc;
}

int
remote_member_remove(struct vault *base, const char *member_id, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	char path[PATH_LEN];

	if (remote_check_id("member id", member_id, e) != 0)
		return -1;
	snprintf(path, sizeof(path), MEMBERS "/%s", member_id);
	return remote_call(r, "DELETE", path, NULL, REMOTE_IDEMPOTENT, NULL, e);
}

/* ---- tokens ---- */

/* The secret goes from the answer (locked memory, wiping allocator) into the
 * caller's locked buffer, and nowhere else. */
static int
created_token(struct remote *r, json_t *answer, enum vault_token_kind kind,
	      struct vault_token *out, char *secret, struct mr_err *e)
{
	if (token_created_from_json(answer, out, secret) != 0)
		return remote_bad_answer(r, e, "creating a token");
	if (out->kind != kind) {
		vault_token_clear(out);
		return remote_bad_answer(r, e, "creating a token");
	}
	return 0;
}

int
remote_token_create(struct vault *base, enum vault_token_kind kind, const char *member_id,
		    const char *name, int64_t ttl_seconds, struct vault_token *out,
		    char *secret, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	int api = kind == VAULT_TOKEN_API;
	json_t *body, *answer = NULL;
	int rc = -1;

	/* Without a member the server makes the token for the caller's own. */
	body = json_pack("{s:s}", "name", name != NULL ? name : "");
	if (body != NULL && ttl_seconds != 0)
		json_object_set_new(body, "expires_in", json_integer(ttl_seconds));
	if (body != NULL && api && member_id != NULL)
		json_object_set_new(body, "member_id", json_string(member_id));
	if (body == NULL)
		rc = mr_fail(e, MR_E_INVALID, "invalid token name");
	else if (remote_call(r, "POST", api ? "/v1/tokens" : "/v1/proxy-tokens", body, 0,
			     &answer, e) == 0)
		rc = created_token(r, answer, kind, out, secret, e);
	if (rc != 0)
		sodium_memzero(secret, TOKEN_SECRET_LEN + 1);
	json_decref(body);
	json_decref(answer);
	return rc;
}

static int
token_list_json(struct remote *r, json_t *answer, const char *member_id,
		struct vault_token **out, size_t *n, struct mr_err *e)
{
	json_t *data = remote_data(answer);
	size_t i, count = json_array_size(data), kept = 0;
	struct vault_token *list;

	if (data == NULL || (list = calloc(count ? count : 1, sizeof(*list))) == NULL)
		return remote_bad_answer(r, e, "listing tokens");
	for (i = 0; i < count; i++) {
		if (token_from_json(json_array_get(data, i), &list[kept]) != 0) {
			vault_token_free(list, kept + 1);
			return remote_bad_answer(r, e, "listing tokens");
		}
		if (member_id == NULL || strcmp(list[kept].member_id, member_id) == 0)
			kept++;
		else
			vault_token_clear(&list[kept]);
	}
	*out = list;
	*n = kept;
	return 0;
}

int
remote_token_list(struct vault *base, enum vault_token_kind kind, const char *member_id,
		  const char *env, struct vault_token **out, size_t *n, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	char path[PATH_LEN] = "/v1/tokens";
	json_t *answer = NULL;
	int rc = -1;

	if (kind == VAULT_TOKEN_PROXY) {
		snprintf(path, sizeof(path), "/v1/proxy-tokens");
		if (env != NULL && query_add(path, sizeof(path), "environment", env) != 0)
			return mr_fail(e, MR_E_INVALID, "invalid environment name");
	}
	if (remote_call(r, "GET", path, NULL, REMOTE_IDEMPOTENT, &answer, e) == 0)
		rc = token_list_json(r, answer, member_id, out, n, e);
	json_decref(answer);
	return rc;
}

/* No single-token path: the listing the caller may see, searched. */
int
remote_token_get(struct vault *base, const char *token_id, struct vault_token *out,
		 struct mr_err *e)
{
	struct vault_token *list = NULL;
	size_t i, n = 0;
	int rc = -1;

	if (remote_check_id("token id", token_id, e) != 0 ||
	    remote_token_list(base, remote_token_kind(token_id), NULL, NULL, &list, &n, e) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (rc != 0 && strcmp(list[i].token_id, token_id) == 0) {
			*out = list[i];
			list[i].envs = NULL;
			rc = 0;
		}
	vault_token_free(list, n);
	return rc == 0 ? 0 : mr_fail(e, MR_E_NOTFOUND, "token '%s' not found", token_id);
}

int
remote_token_revoke(struct vault *base, const char *token_id, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	char path[PATH_LEN];

	if (remote_check_id("token id", token_id, e) != 0)
		return -1;
	snprintf(path, sizeof(path), "/v1/%s/%s",
		 remote_token_kind(token_id) == VAULT_TOKEN_PROXY ? "proxy-tokens" : "tokens", token_id);
	return remote_call(r, "DELETE", path, NULL, REMOTE_IDEMPOTENT, NULL, e);
}

int
remote_token_allow_env(struct vault *base, const char *token_id, const char *env, int allow,
		       struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	char path[PATH_LEN];

	if (remote_check_id("token id", token_id, e) != 0)
		return -1;
	snprintf(path, sizeof(path), "/v1/proxy-tokens/%s/environments/%s", token_id, env);
	return remote_call(r, allow ? "PUT" : "DELETE", path, NULL, REMOTE_IDEMPOTENT, NULL, e);
}

int
remote_token_verify(struct vault *base, enum vault_token_kind kind, const char *token_id,
		    const char *secret, size_t secret_len, struct vault_identity *who,
		    struct mr_err *e)
{
	struct remote *r = (struct remote *)base;

	(void)kind, (void)token_id, (void)secret, (void)secret_len, (void)who;
	return mr_fail(e, MR_E_USAGE,
		       "vault %s verifies tokens itself: a client cannot ask it to check one",
		       remote_urls(r));
}

/* ---- audit ---- */

/* The server records every request it serves: a client's record would be a
 * second, unauthenticated copy, so there is nothing to send. */
int
remote_audit_append(struct vault *base, const struct vault_audit_record *rec,
		    struct mr_err *e)
{
	struct remote *r = (struct remote *)base;

	(void)r, (void)rec, (void)e;
	return 0;
}

static int
audit_query(const struct vault_audit_filter *f, char *path, size_t len)
{
	char num[32], since[32], until[32];
	struct tm tm;
	time_t t;

	snprintf(path, len, "/v1/audit");
	snprintf(num, sizeof(num), "%zu", f->limit);
	if (query_add(path, len, "limit", num) != 0 ||
	    query_add(path, len, "actor", f->token_id) != 0 ||
	    query_add(path, len, "action", f->action) != 0)
		return -1;
	if (f->since_ms > 0) {
		t = (time_t)(f->since_ms / 1000);
		strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		if (query_add(path, len, "since", since) != 0)
			return -1;
	}
	if (f->until_ms > 0) {
		/* until is exclusive: round up so a partial second is not cut off. */
		t = (time_t)((f->until_ms + 999) / 1000);
		strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		if (query_add(path, len, "until", until) != 0)
			return -1;
	}
	snprintf(num, sizeof(num), "%lld", (long long)f->after_id);
	return f->after_id > 0 ? query_add(path, len, "cursor", num) : 0;
}

int
remote_audit_list(struct vault *base, const struct vault_audit_filter *f,
		  struct vault_audit_record **out, size_t *n, struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	char path[PATH_LEN + 512];
	void *list = NULL;
	int rc;

	if (audit_query(f, path, sizeof(path)) != 0)
		return mr_fail(e, MR_E_INVALID, "audit filter too long");
	rc = remote_get_list(r, path, sizeof(**out), answer_audit, &list, n,
			     "reading the audit log", e);
	if (rc == 0)
		*out = list;
	return rc;
}

/* ---- the vault's key ---- */

int
remote_box_keypair(struct vault *base, unsigned char pk[32], unsigned char *sk,
		   struct mr_err *e)
{
	struct remote *r = (struct remote *)base;
	json_t *answer = NULL;
	const char *hex = NULL;
	int rc = -1;

	if (sk != NULL)
		return mr_fail(e, MR_E_FORBIDDEN,
			       "the vault's secret key never leaves the server (%s)", remote_urls(r));
	if (remote_call(r, "GET", "/v1/vault-key", NULL, REMOTE_IDEMPOTENT | REMOTE_NO_AUTH,
			&answer, e) != 0)
		return -1;
	if (json_unpack(answer, "{s:s}", "public_key", &hex) == 0 &&
	    wire_hex_decode(hex, pk, WIRE_KEY_LEN) == 0)
		rc = 0;
	else
		remote_bad_answer(r, e, "the vault key");
	json_decref(answer);
	return rc;
}
