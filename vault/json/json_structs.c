/* json_structs.c — the table of fields of each struct of vault.h and
 * access.h, in the order and with the names of the API's schemas
 * (vault/server/openapi.yml), and the typed functions of vault_json.h. */
#include "json_fields.h"
#include "vault_json.h"

#include <string.h>

static const struct json_field secret_fields[] = {
	FIELD(struct vault_secret_meta, secret_id, "secret_id", FIELD_STRING, 0),
	FIELD(struct vault_secret_meta, name, "name", FIELD_STRING, 0),
	FIELD(struct vault_secret_meta, environment, "environment", FIELD_STRING, 0),
	FIELD(struct vault_secret_meta, created_at, "created_at", FIELD_TIME, 0),
	FIELD(struct vault_secret_meta, updated_at, "updated_at", FIELD_TIME, 0),
	FIELD(struct vault_secret_meta, version, "version", FIELD_COUNT, 0),
	FIELD_LIST(struct vault_secret_meta, keys, nkeys, "keys", FIELD_KEYS, 0),
	{ NULL, 0, 0, 0, 0, 0 },
};

/* One version of a secret, as GET /v1/secrets/{name}/versions lists it. */
static const struct json_field secret_version_fields[] = {
	FIELD(struct vault_secret_meta, version, "version", FIELD_COUNT, 0),
	FIELD(struct vault_secret_meta, created_at, "created_at", FIELD_TIME, 0),
	FIELD_LIST(struct vault_secret_meta, keys, nkeys, "keys", FIELD_KEYS, 0),
	{ NULL, 0, 0, 0, 0, 0 },
};

static const struct json_field env_fields[] = {
	FIELD(struct vault_env, name, "name", FIELD_STRING, FIELD_NONEMPTY),
	FIELD(struct vault_env, workspace_id, "workspace_id", FIELD_STRING, 0),
	FIELD(struct vault_env, webhook_suffix, "webhook_suffix", FIELD_STRING, 0),
	FIELD(struct vault_env, created_at, "created_at", FIELD_TIME, 0),
	FIELD(struct vault_env, is_default, "default", FIELD_BOOL, 0),
	{ NULL, 0, 0, 0, 0, 0 },
};

static const struct json_field workspace_fields[] = {
	FIELD(struct vault_workspace, workspace_id, "workspace_id", FIELD_STRING, FIELD_NONEMPTY),
	FIELD(struct vault_workspace, slug, "slug", FIELD_STRING, 0),
	FIELD(struct vault_workspace, name, "name", FIELD_STRING, 0),
	FIELD(struct vault_workspace, plan, "plan", FIELD_STRING, 0),
	FIELD(struct vault_workspace, default_env, "default_environment", FIELD_STRING, 0),
	{ NULL, 0, 0, 0, 0, 0 },
};

static const struct json_field member_fields[] = {
	FIELD(struct vault_member, member_id, "member_id", FIELD_STRING, FIELD_NONEMPTY),
	FIELD(struct vault_member, name, "name", FIELD_STRING, 0),
	FIELD(struct vault_member, role, "role", FIELD_ROLE, FIELD_REQUIRED),
	FIELD(struct vault_member, created_at, "created_at", FIELD_TIME, 0),
	{ NULL, 0, 0, 0, 0, 0 },
};

/* Token and ProxyToken: last use absent until there is one, no expiry null. */
static const struct json_field token_fields[] = {
	FIELD(struct vault_token, token_id, "token_id", FIELD_STRING, FIELD_NONEMPTY),
	FIELD(struct vault_token, name, "name", FIELD_STRING, 0),
	FIELD(struct vault_token, workspace_id, "workspace_id", FIELD_STRING, 0),
	FIELD(struct vault_token, created_at, "created_at", FIELD_TIME, 0),
	FIELD(struct vault_token, last_used_at, "last_used_at", FIELD_TIME, FIELD_ZERO_ABSENT),
	FIELD(struct vault_token, expires_at, "expires_at", FIELD_TIME, FIELD_ZERO_NULL),
	FIELD(struct vault_token, revoked_at, "revoked", FIELD_WHETHER, 0),
	FIELD(struct vault_token, member_id, "member_id", FIELD_STRING, FIELD_API_TOKEN),
	FIELD_LIST(struct vault_token, envs, nenvs, "environments", FIELD_NAMES, FIELD_PROXY_TOKEN),
	{ NULL, 0, 0, 0, 0, 0 },
};

static const struct json_field audit_fields[] = {
	FIELD(struct vault_audit_record, id, "id", FIELD_INT64, FIELD_REQUIRED),
	FIELD(struct vault_audit_record, at_ms, "time", FIELD_TIME_MS, FIELD_REQUIRED),
	FIELD(struct vault_audit_record, token_id, "token_id", FIELD_STRING, 0),
	FIELD(struct vault_audit_record, action, "action", FIELD_STRING, 0),
	FIELD(struct vault_audit_record, resource, "resource", FIELD_STRING, 0),
	FIELD(struct vault_audit_record, status, "status", FIELD_INT, FIELD_REQUIRED),
	FIELD(struct vault_audit_record, client, "client", FIELD_STRING, 0),
	{ NULL, 0, 0, 0, 0, 0 },
};

static const char *const token_secret_prefix[] = {
	[VAULT_TOKEN_API] = "as-", [VAULT_TOKEN_PROXY] = "ws-",
};

json_t *
secret_meta_to_json(const struct vault_secret_meta *m)
{
	return fields_to_json(m, secret_fields, 0);
}

json_t *
secret_version_to_json(const struct vault_secret_meta *m)
{
	return fields_to_json(m, secret_version_fields, 0);
}

json_t *
env_to_json(const struct vault_env *env)
{
	return fields_to_json(env, env_fields, 0);
}

json_t *
workspace_to_json(const struct vault_workspace *ws)
{
	return fields_to_json(ws, workspace_fields, 0);
}

json_t *
member_to_json(const struct vault_member *m)
{
	return fields_to_json(m, member_fields, 0);
}

json_t *
token_to_json(const struct vault_token *t)
{
	return fields_to_json(t, token_fields,
			      t->kind == VAULT_TOKEN_API ? FIELD_PROXY_TOKEN : FIELD_API_TOKEN);
}

json_t *
token_created_to_json(const struct vault_token *t, const char *secret)
{
	json_t *j = token_to_json(t);

	if (j != NULL &&
	    json_object_set_new(j, "token_secret", json_stringn(secret, TOKEN_SECRET_LEN)) != 0) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

json_t *
audit_record_to_json(const struct vault_audit_record *a)
{
	return fields_to_json(a, audit_fields, 0);
}

int
secret_meta_from_json(const json_t *j, struct vault_secret_meta *m)
{
	return fields_from_json(j, m, sizeof(*m), secret_fields);
}

int
env_from_json(const json_t *j, struct vault_env *env)
{
	return fields_from_json(j, env, sizeof(*env), env_fields);
}

int
workspace_from_json(const json_t *j, struct vault_workspace *ws)
{
	return fields_from_json(j, ws, sizeof(*ws), workspace_fields);
}

int
member_from_json(const json_t *j, struct vault_member *m)
{
	return fields_from_json(j, m, sizeof(*m), member_fields);
}

int
token_from_json(const json_t *j, struct vault_token *t)
{
	if (fields_from_json(j, t, sizeof(*t), token_fields) != 0)
		return -1;
	t->kind = strncmp(t->token_id, "wk-", 3) == 0 ? VAULT_TOKEN_PROXY : VAULT_TOKEN_API;
	return 0;
}

/* The secret goes from the answer (wiping allocator) into the caller's
 * locked buffer, and nowhere else. */
int
token_created_from_json(const json_t *j, struct vault_token *t, char *secret)
{
	const json_t *s = json_object_get(j, "token_secret");

	if (token_from_json(j, t) != 0)
		return -1;
	if (!json_is_string(s) || json_string_length(s) != TOKEN_SECRET_LEN ||
	    strlen(json_string_value(s)) != TOKEN_SECRET_LEN ||
	    strncmp(json_string_value(s), token_secret_prefix[t->kind], 3) != 0) {
		vault_token_clear(t);
		memset(t, 0, sizeof(*t));
		return -1;
	}
	memcpy(secret, json_string_value(s), TOKEN_SECRET_LEN + 1);
	return 0;
}

int
audit_record_from_json(const json_t *j, struct vault_audit_record *a)
{
	return fields_from_json(j, a, sizeof(*a), audit_fields);
}
