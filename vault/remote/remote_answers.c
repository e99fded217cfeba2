/* remote_answers.c — the server's JSON answers read into the vault's
 * structs: secret metadata, environments, members, tokens, audit records.
 * Answers are untrusted input: every field is checked for type, strings are
 * cut to their buffers, and tests/remote/fuzz_answers.c feeds these readers
 * arbitrary JSON. */
#include "remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* keys: one block, pointers then strings, as vault_secret_meta_clear frees it. */
static int
meta_keys(json_t *keys, struct vault_secret_meta *m)
{
	size_t i, n = json_array_size(keys), len = 0;
	char *p;

	for (i = 0; i < n; i++) {
		if (!json_is_string(json_array_get(keys, i)))
			return -1;
		len += json_string_length(json_array_get(keys, i)) + 1;
	}
	if ((m->keys = malloc(n * sizeof(char *) + len + 1)) == NULL)
		return -1;
	p = (char *)(m->keys + n);
	for (i = 0; i < n; i++) {
		m->keys[i] = p;
		p = stpcpy(p, json_string_value(json_array_get(keys, i))) + 1;
	}
	m->nkeys = n;
	return 0;
}

int
answer_meta(json_t *j, const char *env, const char *name, struct vault_secret_meta *m)
{
	json_t *keys = json_object_get(j, "keys"), *version = json_object_get(j, "version");

	memset(m, 0, sizeof(*m));
	if (!json_is_object(j) || (keys != NULL && !json_is_array(keys)))
		return -1;
	remote_str(j, "secret_id", m->secret_id, sizeof(m->secret_id));
	remote_str(j, "name", m->name, sizeof(m->name));
	remote_str(j, "environment", m->environment, sizeof(m->environment));
	if (m->name[0] == '\0' && name != NULL)
		snprintf(m->name, sizeof(m->name), "%s", name);
	if (m->environment[0] == '\0' && env != NULL)
		snprintf(m->environment, sizeof(m->environment), "%s", env);
	if (remote_time(j, "created_at", &m->created_at) != 0 ||
	    remote_time(j, "updated_at", &m->updated_at) != 0)
		return -1;
	if (m->updated_at == 0)
		m->updated_at = m->created_at;
	if (version != NULL && (!json_is_integer(version) || json_integer_value(version) < 0))
		return -1;
	m->version = (uint64_t)json_integer_value(version);
	return keys != NULL ? meta_keys(keys, m) : 0;
}

int
answer_env(json_t *j, void *elem)
{
	json_t *def = json_object_get(j, "default");
	struct vault_env *out = elem;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(j))
		return -1;
	remote_str(j, "name", out->name, sizeof(out->name));
	remote_str(j, "webhook_suffix", out->webhook_suffix, sizeof(out->webhook_suffix));
	remote_str(j, "workspace_id", out->workspace_id, sizeof(out->workspace_id));
	out->is_default = json_is_true(def);
	return out->name[0] == '\0' || remote_time(j, "created_at", &out->created_at) != 0 ? -1 : 0;
}

int
answer_member(json_t *j, void *elem)
{
	struct vault_member *m = elem;

	memset(m, 0, sizeof(*m));
	remote_str(j, "member_id", m->member_id, sizeof(m->member_id));
	remote_str(j, "name", m->name, sizeof(m->name));
	if (!json_is_object(j) || m->member_id[0] == '\0' ||
	    vault_role_parse(json_string_value(json_object_get(j, "role")), &m->role) != 0)
		return -1;
	return remote_time(j, "created_at", &m->created_at);
}

enum vault_token_kind
remote_token_kind(const char *id)
{
	return strncmp(id, "wk-", 3) == 0 ? VAULT_TOKEN_PROXY : VAULT_TOKEN_API;
}

static int
token_envs(json_t *envs, struct vault_token *t)
{
	size_t i, n = json_array_size(envs);

	if (envs == NULL)
		return 0;
	if (!json_is_array(envs) || (t->envs = calloc(n ? n : 1, sizeof(*t->envs))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (!json_is_string(json_array_get(envs, i)))
			return -1;
		snprintf(t->envs[i], sizeof(t->envs[i]), "%s",
			 json_string_value(json_array_get(envs, i)));
	}
	t->nenvs = n;
	return 0;
}

int
answer_token(json_t *j, struct vault_token *t)
{
	memset(t, 0, sizeof(*t));
	remote_str(j, "token_id", t->token_id, sizeof(t->token_id));
	remote_str(j, "name", t->name, sizeof(t->name));
	remote_str(j, "workspace_id", t->workspace_id, sizeof(t->workspace_id));
	remote_str(j, "member_id", t->member_id, sizeof(t->member_id));
	if (!json_is_object(j) || t->token_id[0] == '\0')
		return -1;
	t->kind = remote_token_kind(t->token_id);
	if (remote_time(j, "created_at", &t->created_at) != 0 ||
	    remote_time(j, "expires_at", &t->expires_at) != 0 ||
	    remote_time(j, "last_used_at", &t->last_used_at) != 0)
		return -1;
	/* The API says whether, not when: any non-zero time means revoked. */
	t->revoked_at = json_is_true(json_object_get(j, "revoked")) ? 1 : 0;
	return token_envs(json_object_get(j, "environments"), t);
}

/* "2026-11-23T12:00:00.123Z" → unix milliseconds. */
static int
time_ms(json_t *j, const char *field, int64_t *out)
{
	const char *s = json_string_value(json_object_get(j, field)), *dot;
	int64_t secs;
	int ms = 0, i, digit;

	if (remote_time(j, field, &secs) != 0 || s == NULL)
		return -1;
	/* ".5" is 500 ms: three places, the missing ones zero. */
	dot = strchr(s, '.');
	for (i = 1; i <= 3; i++) {
		digit = dot != NULL && dot[i] >= '0' && dot[i] <= '9';
		ms = ms * 10 + (digit ? dot[i] - '0' : 0);
		if (!digit)
			dot = NULL;     /* the fraction ended: nothing past it is read */
	}
	*out = secs * 1000 + ms;
	return 0;
}

int
answer_audit(json_t *j, void *elem)
{
	json_t *id = json_object_get(j, "id"), *status = json_object_get(j, "status");
	struct vault_audit_record *a = elem;

	memset(a, 0, sizeof(*a));
	if (!json_is_integer(id) || !json_is_integer(status) || time_ms(j, "time", &a->at_ms) != 0)
		return -1;
	a->id = json_integer_value(id);
	a->status = (int)json_integer_value(status);
	remote_str(j, "token_id", a->token_id, sizeof(a->token_id));
	remote_str(j, "action", a->action, sizeof(a->action));
	remote_str(j, "resource", a->resource, sizeof(a->resource));
	remote_str(j, "client", a->client, sizeof(a->client));
	return 0;
}
