/* test_vault_json.c — the one JSON mapping (vault/json/vault_json.h): every
 * struct to JSON and back equals what it was; the objects have the API's
 * field names and shapes (openapi.yml); and the reader refuses, leaving
 * nothing behind, every object that is not what the API gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "vault_json.h"

/* Serialised and parsed again, as the wire carries it. */
static json_t *
over_the_wire(json_t *j)
{
	char *text;
	json_t *back;

	assert_non_null(j);
	text = json_dumps(j, JSON_COMPACT);
	assert_non_null(text);
	back = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(back);
	free(text);
	json_decref(j);
	return back;
}

static json_t *
parse(const char *text)
{
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);

	assert_non_null(j);
	return j;
}

static char *keys_abc[] = { "API_KEY", "DB_URL", "Z" };

static void
assert_meta_equal(const struct vault_secret_meta *a, const struct vault_secret_meta *b)
{
	size_t i;

	assert_string_equal(a->secret_id, b->secret_id);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->environment, b->environment);
	assert_int_equal(a->created_at, b->created_at);
	assert_int_equal(a->updated_at, b->updated_at);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->nkeys, b->nkeys);
	for (i = 0; i < a->nkeys; i++)
		assert_string_equal(a->keys[i], b->keys[i]);
}

static void
test_secret_round_trip(void **state)
{
	struct vault_secret_meta m = { .secret_id = "st-0123456789abcdef", .name = "stripe",
				       .environment = "prod", .created_at = 1795000000,
				       .updated_at = 1795003600, .version = 7, .nkeys = 3,
				       .keys = keys_abc }, back;
	json_t *j = over_the_wire(secret_meta_to_json(&m));

	(void)state;
	assert_int_equal(json_object_size(j), 7);
	assert_string_equal(json_string_value(json_object_get(j, "created_at")),
			    "2026-11-18T11:06:40Z");
	assert_int_equal(secret_meta_from_json(j, &back), 0);
	assert_meta_equal(&m, &back);
	vault_secret_meta_clear(&back);
	json_decref(j);

	/* No keys: an empty array, back as none. */
	m.nkeys = 0;
	j = over_the_wire(secret_meta_to_json(&m));
	assert_int_equal(json_array_size(json_object_get(j, "keys")), 0);
	assert_int_equal(secret_meta_from_json(j, &back), 0);
	assert_meta_equal(&m, &back);
	vault_secret_meta_clear(&back);
	json_decref(j);
}

/* SecretVersion: version, created_at and keys only. */
static void
test_secret_version_round_trip(void **state)
{
	struct vault_secret_meta m = { .secret_id = "st-x", .name = "db", .environment = "main",
				       .created_at = 1795000000, .updated_at = 1795000000,
				       .version = 2, .nkeys = 2, .keys = keys_abc }, back;
	json_t *j = over_the_wire(secret_version_to_json(&m));

	(void)state;
	assert_int_equal(json_object_size(j), 3);
	assert_int_equal(secret_meta_from_json(j, &back), 0);
	assert_int_equal(back.version, 2);
	assert_int_equal(back.created_at, m.created_at);
	assert_int_equal(back.nkeys, 2);
	assert_string_equal(back.keys[1], "DB_URL");
	assert_string_equal(back.name, "");
	vault_secret_meta_clear(&back);
	json_decref(j);
}

static void
test_env_round_trip(void **state)
{
	struct vault_env envs[] = {
		{ "main", "", "ac-0123", 1795000000, 1 },
		{ "prod", "prod-hooks", "ac-0123", 1795000001, 0 },
	}, back;
	json_t *j;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		j = over_the_wire(env_to_json(&envs[i]));
		assert_true(json_is_boolean(json_object_get(j, "default")));
		assert_non_null(json_object_get(j, "webhook_suffix"));
		assert_int_equal(env_from_json(j, &back), 0);
		assert_string_equal(back.name, envs[i].name);
		assert_string_equal(back.webhook_suffix, envs[i].webhook_suffix);
		assert_string_equal(back.workspace_id, envs[i].workspace_id);
		assert_int_equal(back.created_at, envs[i].created_at);
		assert_int_equal(back.is_default, envs[i].is_default);
		json_decref(j);
	}
}

static void
test_workspace_round_trip(void **state)
{
	struct vault_workspace ws = { "ac-0123", "acme", "Acme Inc", "team", "main" }, back;
	json_t *j = over_the_wire(workspace_to_json(&ws));

	(void)state;
	assert_string_equal(json_string_value(json_object_get(j, "default_environment")), "main");
	assert_int_equal(workspace_from_json(j, &back), 0);
	assert_string_equal(back.workspace_id, ws.workspace_id);
	assert_string_equal(back.slug, ws.slug);
	assert_string_equal(back.name, ws.name);
	assert_string_equal(back.plan, ws.plan);
	assert_string_equal(back.default_env, ws.default_env);
	json_decref(j);
}

static void
test_member_round_trip(void **state)
{
	struct vault_member m = { "us-0123", "ada@example.com", VAULT_ROLE_USER, 1795000000 }, back;
	enum vault_role r;
	json_t *j;

	(void)state;
	for (r = VAULT_ROLE_USER; r <= VAULT_ROLE_OWNER; r++) {
		m.role = r;
		j = over_the_wire(member_to_json(&m));
		assert_string_equal(json_string_value(json_object_get(j, "role")),
				    vault_role_name(r));
		assert_int_equal(member_from_json(j, &back), 0);
		assert_string_equal(back.member_id, m.member_id);
		assert_string_equal(back.name, m.name);
		assert_int_equal(back.role, r);
		assert_int_equal(back.created_at, m.created_at);
		json_decref(j);
	}
}

static void
assert_token_equal(const struct vault_token *a, const struct vault_token *b)
{
	size_t i;

	assert_string_equal(a->token_id, b->token_id);
	assert_int_equal(a->kind, b->kind);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->workspace_id, b->workspace_id);
	assert_string_equal(a->member_id, b->member_id);
	assert_int_equal(a->created_at, b->created_at);
	assert_int_equal(a->expires_at, b->expires_at);
	assert_int_equal(a->last_used_at, b->last_used_at);
	/* The API says whether a token is revoked, not when. */
	assert_int_equal(a->revoked_at != 0, b->revoked_at != 0);
	assert_int_equal(a->nenvs, b->nenvs);
	for (i = 0; i < a->nenvs; i++)
		assert_string_equal(a->envs[i], b->envs[i]);
}

static void
test_api_token_round_trip(void **state)
{
	struct vault_token t = { .token_id = "ak-0123456789abcdefghijk", .kind = VAULT_TOKEN_API,
				 .name = "ci", .workspace_id = "ac-0123", .member_id = "us-0123",
				 .created_at = 1795000000, .expires_at = 1802776000,
				 .last_used_at = 1795000100, .revoked_at = 1795000200 }, back;
	json_t *j = over_the_wire(token_to_json(&t));

	(void)state;
	assert_true(json_is_true(json_object_get(j, "revoked")));
	assert_null(json_object_get(j, "environments"));
	assert_int_equal(token_from_json(j, &back), 0);
	assert_token_equal(&t, &back);
	vault_token_clear(&back);
	json_decref(j);

	/* Never used: no last_used_at at all; not revoked: false. */
	t.last_used_at = 0;
	t.revoked_at = 0;
	j = over_the_wire(token_to_json(&t));
	assert_null(json_object_get(j, "last_used_at"));
	assert_true(json_is_false(json_object_get(j, "revoked")));
	assert_int_equal(token_from_json(j, &back), 0);
	assert_token_equal(&t, &back);
	json_decref(j);
}

static void
test_proxy_token_round_trip(void **state)
{
	char envs[2][NAME_MAX_LEN + 1] = { "main", "prod" };
	struct vault_token t = { .token_id = "wk-0123456789abcdefghijk", .kind = VAULT_TOKEN_PROXY,
				 .name = "edge", .workspace_id = "ac-0123",
				 .created_at = 1795000000, .nenvs = 2, .envs = envs }, back;
	json_t *j = over_the_wire(token_to_json(&t));

	(void)state;
	/* Never expires: null, never 1970 (issue 15); no member for a proxy token. */
	assert_true(json_is_null(json_object_get(j, "expires_at")));
	assert_null(json_object_get(j, "member_id"));
	assert_int_equal(json_array_size(json_object_get(j, "environments")), 2);
	assert_int_equal(token_from_json(j, &back), 0);
	assert_token_equal(&t, &back);
	vault_token_clear(&back);
	json_decref(j);

	t.nenvs = 0;
	j = over_the_wire(token_to_json(&t));
	assert_int_equal(token_from_json(j, &back), 0);
	assert_token_equal(&t, &back);
	vault_token_clear(&back);
	json_decref(j);
}

static void
test_token_created_round_trip(void **state)
{
	static const char secret[] = "as-0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
	struct vault_token t = { .token_id = "ak-0123456789abcdefghijk", .kind = VAULT_TOKEN_API,
				 .name = "ci", .workspace_id = "ac-0123", .member_id = "us-0123",
				 .created_at = 1795000000, .expires_at = 1802776000 }, back;
	char got[TOKEN_SECRET_LEN + 1];
	json_t *j;

	(void)state;
	assert_int_equal(strlen(secret), TOKEN_SECRET_LEN);
	j = over_the_wire(token_created_to_json(&t, secret));
	assert_int_equal(token_created_from_json(j, &back, got), 0);
	assert_token_equal(&t, &back);
	assert_string_equal(got, secret);
	json_decref(j);

	/* A proxy token's secret on an API token id is not its secret. */
	memset(got, 0, sizeof(got));
	j = over_the_wire(token_created_to_json(&t, "ws-0123456789abcdefghijklmnopqrstuvwxyzABCDEF"));
	assert_int_equal(token_created_from_json(j, &back, got), -1);
	assert_string_equal(got, "");
	assert_string_equal(back.token_id, "");
	json_decref(j);

	/* Short, or missing. */
	j = parse("{\"token_id\":\"ak-x\",\"token_secret\":\"as-short\"}");
	assert_int_equal(token_created_from_json(j, &back, got), -1);
	json_decref(j);
	j = parse("{\"token_id\":\"ak-x\"}");
	assert_int_equal(token_created_from_json(j, &back, got), -1);
	json_decref(j);
}

static void
test_audit_round_trip(void **state)
{
	struct vault_audit_record a = { .id = 42, .at_ms = 1795000000123, .token_id = "ak-x",
					.action = "secret.create", .resource = "secret:prod/db",
					.status = 201, .client = "127.0.0.1" }, back;
	json_t *j = over_the_wire(audit_record_to_json(&a));

	(void)state;
	assert_string_equal(json_string_value(json_object_get(j, "time")),
			    "2026-11-18T11:06:40.123Z");
	assert_int_equal(audit_record_from_json(j, &back), 0);
	assert_int_equal(back.id, a.id);
	assert_int_equal(back.at_ms, a.at_ms);
	assert_string_equal(back.token_id, a.token_id);
	assert_string_equal(back.action, a.action);
	assert_string_equal(back.resource, a.resource);
	assert_int_equal(back.status, a.status);
	assert_string_equal(back.client, a.client);
	json_decref(j);
}

static void
test_times(void **state)
{
	char buf[32];
	int64_t ms;

	(void)state;
	rfc3339_format(0, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	rfc3339_format_ms(-1, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
	assert_int_equal(rfc3339_parse_ms("1969-12-31T23:59:59.999Z", &ms), 0);
	assert_int_equal(ms, -1);
	assert_int_equal(rfc3339_parse_ms("2026-11-18T12:06:40.1234+01:00", &ms), 0);
	assert_int_equal(ms, 1795000000123);
	assert_int_equal(rfc3339_parse_ms("2026-11-18T10:36:40-00:30", &ms), 0);
	assert_int_equal(ms, 1795000000000);
	assert_int_equal(rfc3339_parse_ms("2026-11-18T21:46:40", &ms), -1);
	assert_int_equal(rfc3339_parse_ms("2026-11-18T21:46:40.Z", &ms), -1);
	assert_int_equal(rfc3339_parse_ms("2026-11-18T21:46:40Z ", &ms), -1);
	assert_int_equal(rfc3339_parse_ms("2026-11-18T21:46:40+1:00", &ms), -1);
	assert_int_equal(rfc3339_parse_ms("2026-11-18T21:46:40+-1:00", &ms), -1);
	assert_int_equal(rfc3339_parse_ms(" 2026-11-18T21:46:40Z", &ms), -1);
	/* Years 0001 to 9999 in UTC, what the writer can write back. */
	assert_int_equal(rfc3339_parse_ms("0001-01-01T00:00:00Z", &ms), 0);
	assert_int_equal(rfc3339_parse_ms("9999-12-31T23:59:59.999Z", &ms), 0);
	rfc3339_format_ms(ms, buf);
	assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
	assert_int_equal(rfc3339_parse_ms("0001-01-01T00:30:00+01:00", &ms), -1);
	assert_int_equal(rfc3339_parse_ms("9999-12-31T23:30:00-01:00", &ms), -1);
}

/* Each refused: -1, the struct all zero, nothing allocated (ASan's leak
 * check sees a list left behind). */
static const struct refused {
	char which;          /* s secret, e env, w workspace, m member, t token, a audit */
	const char *json;
} refused[] = {
	{ 's', "[]" },
	{ 's', "{\"keys\":\"A\"}" },
	{ 's', "{\"keys\":[\"A\",1]}" },
	{ 's', "{\"keys\":[\"A\"],\"version\":-1}" },
	{ 's', "{\"keys\":[\"A\"],\"version\":\"2\"}" },
	{ 's', "{\"keys\":[\"A\"],\"created_at\":\"yesterday\"}" },
	{ 's', "{\"keys\":[\"A\"],\"created_at\":1795000000}" },
	{ 's', "{\"keys\":[\"A\"],\"name\":7}" },
	{ 's', "{\"keys\":[\"A\"],\"secret_id\":\"0123456789012345678901234567890123456789012345678\"}" },
	{ 'e', "{}" },
	{ 'e', "{\"name\":\"\"}" },
	{ 'e', "{\"name\":\"main\",\"default\":1}" },
	{ 'e', "{\"name\":\"main\",\"created_at\":\"2026-11-18\"}" },
	{ 'w', "{\"slug\":\"acme\"}" },
	{ 'w', "{\"workspace_id\":\"ac-1\",\"plan\":\"enterprise-plus-x\"}" },
	{ 'm', "{\"member_id\":\"us-1\"}" },
	{ 'm', "{\"member_id\":\"us-1\",\"role\":\"admin\"}" },
	{ 'm', "{\"member_id\":\"us-1\",\"role\":3}" },
	{ 't', "{\"name\":\"ci\"}" },
	{ 't', "{\"token_id\":\"ak-0123456789abcdefghijkl\"}" },
	{ 't', "{\"token_id\":\"wk-1\",\"environments\":[\"main\",null]}" },
	{ 't', "{\"token_id\":\"wk-1\",\"environments\":[\"main\"],\"revoked\":\"no\"}" },
	{ 't', "{\"token_id\":\"wk-1\",\"environments\":[\"main\"],\"expires_at\":0}" },
	{ 'a', "{\"id\":1,\"status\":200}" },
	{ 'a', "{\"id\":1,\"time\":\"2026-11-18T21:46:40Z\"}" },
	{ 'a', "{\"id\":1.5,\"time\":\"2026-11-18T21:46:40Z\",\"status\":200}" },
	{ 'a', "{\"id\":1,\"time\":\"2026-11-18T21:46:40Z\",\"status\":4294967496}" },
};

static int
all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static void
test_refused(void **state)
{
	struct vault_secret_meta m;
	struct vault_env env;
	struct vault_workspace ws;
	struct vault_member mem;
	struct vault_token t;
	struct vault_audit_record a;
	size_t i;
	json_t *j;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		j = parse(refused[i].json);
		switch (refused[i].which) {
		case 's': assert_int_equal(secret_meta_from_json(j, &m), -1);
			  assert_true(all_zero(&m, sizeof(m))); break;
		case 'e': assert_int_equal(env_from_json(j, &env), -1);
			  assert_true(all_zero(&env, sizeof(env))); break;
		case 'w': assert_int_equal(workspace_from_json(j, &ws), -1);
			  assert_true(all_zero(&ws, sizeof(ws))); break;
		case 'm': assert_int_equal(member_from_json(j, &mem), -1);
			  assert_true(all_zero(&mem, sizeof(mem))); break;
		case 't': assert_int_equal(token_from_json(j, &t), -1);
			  assert_true(all_zero(&t, sizeof(t))); break;
		case 'a': assert_int_equal(audit_record_from_json(j, &a), -1);
			  assert_true(all_zero(&a, sizeof(a))); break;
		}
		json_decref(j);
	}
}

/* A NUL inside a string would cut an id short: refused, not truncated. */
static void
test_nul_in_string(void **state)
{
	struct vault_token t;
	json_t *j = json_object();

	(void)state;
	json_object_set_new(j, "token_id", json_stringn("ak-a\0b", 6));
	assert_int_equal(token_from_json(j, &t), -1);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_round_trip),
		cmocka_unit_test(test_secret_version_round_trip),
		cmocka_unit_test(test_env_round_trip),
		cmocka_unit_test(test_workspace_round_trip),
		cmocka_unit_test(test_member_round_trip),
		cmocka_unit_test(test_api_token_round_trip),
		cmocka_unit_test(test_proxy_token_round_trip),
		cmocka_unit_test(test_token_created_round_trip),
		cmocka_unit_test(test_audit_round_trip),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_nul_in_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
