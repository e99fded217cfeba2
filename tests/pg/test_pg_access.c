/* test_pg_access.c — who may use a PostgreSQL store (access.h): members and
 * the last-owner rule, API and proxy tokens (keyed hashes, expiry by the
 * database's clock, revocation, environments), the audit log, the box key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>

#include "pg_fixture.h"

static void
test_members(void **state)
{
	struct vault_member owner, m, *list;
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();
	size_t n;

	(void)state;
	assert_ok(vault_owner(p, &owner, &e), e);
	assert_string_equal(owner.name, "owner");
	assert_int_equal(owner.role, VAULT_ROLE_OWNER);
	assert_ok(vault_member_add(p, "ann@example.com", VAULT_ROLE_MANAGER, &m, &e), e);
	assert_int_equal(strncmp(m.member_id, "us-", 3), 0);
	assert_fails(vault_member_add(p, "ann@example.com", VAULT_ROLE_USER, NULL, &e), e,
		     MR_E_EXISTS, "member 'ann@example.com' already exists");
	assert_fails(vault_member_add(p, ".bad", VAULT_ROLE_USER, NULL, &e), e, MR_E_INVALID,
		     "invalid member name");
	assert_fails(vault_member_add(p, "bob", (enum vault_role)9, NULL, &e), e, MR_E_INVALID,
		     "invalid role 9");
	assert_fails(vault_member_set_role(p, owner.member_id, VAULT_ROLE_USER, &e), e,
		     MR_E_CONFLICT, "last owner");
	assert_fails(vault_member_remove(p, owner.member_id, &e), e, MR_E_CONFLICT, "last owner");
	assert_fails(vault_member_remove(p, "us-nobody", &e), e, MR_E_NOTFOUND,
		     "member 'us-nobody' not found");
	assert_ok(vault_member_set_role(p, m.member_id, VAULT_ROLE_OWNER, &e), e);
	assert_ok(vault_member_set_role(p, owner.member_id, VAULT_ROLE_USER, &e), e);
	assert_ok(vault_member_list(p, &list, &n, &e), e);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "owner");
	assert_int_equal(list[0].role, VAULT_ROLE_USER);
	assert_int_equal(list[1].role, VAULT_ROLE_OWNER);
	free(list);
	assert_ok(vault_owner(p, &owner, &e), e);
	assert_string_equal(owner.name, "ann@example.com");
	vault_close(p);
}

static void
test_api_tokens(void **state)
{
	char secret[TOKEN_SECRET_LEN + 1], other[TOKEN_SECRET_LEN + 1];
	struct vault_identity who;
	struct vault_member m;
	struct vault_token t, *list;
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();
	size_t n;

	(void)state;
	assert_ok(vault_token_create(p, VAULT_TOKEN_API, NULL, "ci", 0, &t, secret, &e), e);
	assert_int_equal(strncmp(t.token_id, "ak-", 3), 0);
	assert_int_equal(strlen(secret), TOKEN_SECRET_LEN);
	assert_int_equal(strncmp(secret, "as-", 3), 0);
	assert_int_equal(t.expires_at - t.created_at, TOKEN_TTL_DEFAULT);
	/* Stamped by the database's clock. */
	assert_true(llabs(t.created_at - pgt_int("SELECT floor(extract(epoch FROM now()))")) <= 2);
	assert_int_equal(pgt_int("SELECT count(*) FROM tokens WHERE position(convert_to('"
				 "as-', 'UTF8') IN hash) > 0"), 0);
	assert_ok(vault_token_verify(p, VAULT_TOKEN_API, t.token_id, secret, strlen(secret), &who, &e), e);
	assert_string_equal(who.member.name, "owner");
	assert_int_equal(who.member.role, VAULT_ROLE_OWNER);
	assert_true(who.token.last_used_at >= t.created_at);
	memcpy(other, secret, sizeof(other));
	other[10] ^= 1;
	assert_fails(vault_token_verify(p, VAULT_TOKEN_API, t.token_id, other, strlen(other), &who, &e),
		     e, MR_E_AUTH, "invalid or expired token");
	assert_fails(vault_token_verify(p, VAULT_TOKEN_API, t.token_id, secret, 20, &who, &e), e,
		     MR_E_AUTH, "invalid or expired token");
	assert_fails(vault_token_verify(p, VAULT_TOKEN_PROXY, t.token_id, secret, strlen(secret), &who,
				     &e), e, MR_E_AUTH, "invalid or expired token");
	assert_fails(vault_token_verify(p, VAULT_TOKEN_API, "ak-none", secret, strlen(secret), &who,
				     &e), e, MR_E_AUTH, "invalid or expired token");
	assert_fails(vault_token_create(p, VAULT_TOKEN_API, NULL, "x", 60, NULL, other, &e), e,
		     MR_E_INVALID, "between 1 hour and 366 days");
	assert_fails(vault_token_create(p, VAULT_TOKEN_API, "us-nobody", "x", 0, NULL, other, &e), e,
		     MR_E_NOTFOUND, "member 'us-nobody' not found");
	assert_ok(vault_member_add(p, "dev", VAULT_ROLE_USER, &m, &e), e);
	assert_ok(vault_token_create(p, VAULT_TOKEN_API, m.member_id, NULL, 3600, NULL, other, &e), e);
	assert_ok(vault_token_list(p, VAULT_TOKEN_API, m.member_id, NULL, &list, &n, &e), e);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, list[0].token_id);   /* unnamed: named by its id */
	vault_token_free(list, n);
	assert_ok(vault_token_list(p, VAULT_TOKEN_API, NULL, NULL, &list, &n, &e), e);
	assert_int_equal(n, 2);
	vault_token_free(list, n);
	/* Removing a member revokes its tokens at once. */
	assert_ok(vault_member_remove(p, m.member_id, &e), e);
	assert_int_equal(pgt_int("SELECT count(*) FROM tokens WHERE revoked_at > 0"), 1);
	assert_ok(vault_token_revoke(p, t.token_id, &e), e);
	assert_fails(vault_token_verify(p, VAULT_TOKEN_API, t.token_id, secret, strlen(secret), &who,
				     &e), e, MR_E_AUTH, "invalid or expired token");
	assert_fails(vault_token_revoke(p, t.token_id, &e), e, MR_E_CONFLICT, "already revoked");
	assert_fails(vault_token_revoke(p, "ak-none", &e), e, MR_E_NOTFOUND, "token 'ak-none' not found");
	vault_token_clear(&t);
	vault_close(p);
}

/* Expiry is the database's decision: expires_at against its own now(). */
static void
test_expiry_by_database_clock(void **state)
{
	char secret[TOKEN_SECRET_LEN + 1], sql[300];
	struct vault_identity who;
	struct vault_token t;
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();

	(void)state;
	assert_ok(vault_token_create(p, VAULT_TOKEN_API, NULL, "short", 3600, &t, secret, &e), e);
	snprintf(sql, sizeof(sql), "UPDATE tokens SET expires_at = floor(extract(epoch FROM now()))"
		 " + 30 WHERE id = '%s'", t.token_id);
	pgt_sql(sql);
	assert_ok(vault_token_verify(p, VAULT_TOKEN_API, t.token_id, secret, strlen(secret), &who, &e), e);
	vault_token_clear(&who.token);
	snprintf(sql, sizeof(sql), "UPDATE tokens SET expires_at = floor(extract(epoch FROM now()))"
		 " WHERE id = '%s'", t.token_id);
	pgt_sql(sql);
	assert_fails(vault_token_verify(p, VAULT_TOKEN_API, t.token_id, secret, strlen(secret), &who,
				     &e), e, MR_E_AUTH, "invalid or expired token");
	vault_token_clear(&t);
	vault_close(p);
}

static void
test_proxy_tokens(void **state)
{
	char secret[TOKEN_SECRET_LEN + 1];
	struct vault_identity who;
	struct vault_token t, *list;
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();
	size_t n;

	(void)state;
	assert_ok(vault_env_create(p, "prod", NULL, NULL, &e), e);
	assert_ok(vault_token_create(p, VAULT_TOKEN_PROXY, NULL, "web", 0, &t, secret, &e), e);
	assert_int_equal(strncmp(t.token_id, "wk-", 3), 0);
	assert_int_equal(strncmp(secret, "ws-", 3), 0);
	assert_int_equal(t.expires_at, 0);
	assert_int_equal(t.nenvs, 1);
	assert_string_equal(t.envs[0], "main");
	vault_token_clear(&t);
	assert_ok(vault_token_verify(p, VAULT_TOKEN_PROXY, t.token_id, secret, strlen(secret), &who,
				  &e), e);
	vault_token_clear(&who.token);
	assert_fails(vault_token_verify(p, VAULT_TOKEN_API, t.token_id, secret, strlen(secret), &who,
				     &e), e, MR_E_AUTH, "invalid or expired token");
	assert_ok(vault_token_allow_env(p, t.token_id, "prod", 1, &e), e);
	assert_ok(vault_token_allow_env(p, t.token_id, "prod", 1, &e), e);   /* twice is once */
	assert_ok(vault_token_allow_env(p, t.token_id, "main", 0, &e), e);
	assert_fails(vault_token_allow_env(p, t.token_id, "main", 0, &e), e, MR_E_NOTFOUND,
		     "is not allowed in environment 'main'");
	assert_fails(vault_token_allow_env(p, t.token_id, "nope", 1, &e), e, MR_E_NOTFOUND,
		     "environment 'nope' not found");
	assert_fails(vault_token_allow_env(p, "wk-none", "prod", 1, &e), e, MR_E_NOTFOUND,
		     "proxy token 'wk-none' not found");
	assert_ok(vault_token_list(p, VAULT_TOKEN_PROXY, NULL, "prod", &list, &n, &e), e);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].nenvs, 1);
	assert_string_equal(list[0].envs[0], "prod");
	vault_token_free(list, n);
	assert_ok(vault_token_list(p, VAULT_TOKEN_PROXY, NULL, "main", &list, &n, &e), e);
	assert_int_equal(n, 0);
	vault_token_free(list, n);
	assert_fails(vault_token_list(p, VAULT_TOKEN_PROXY, NULL, "nope", &list, &n, &e), e,
		     MR_E_NOTFOUND, "environment 'nope' not found");
	/* Proxy tokens are deleted, with their environments. */
	assert_ok(vault_token_revoke(p, t.token_id, &e), e);
	assert_fails(vault_token_get(p, t.token_id, &t, &e), e, MR_E_NOTFOUND, "not found");
	assert_int_equal(pgt_int("SELECT count(*) FROM proxy_token_envs"), 0);
	vault_close(p);
}

static void
test_audit(void **state)
{
	struct vault_audit_record r = { 0 }, *list;
	struct vault_audit_filter f = { .limit = 100 };
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();
	int64_t db_ms = pgt_int("SELECT floor(extract(epoch FROM now()) * 1000)");
	size_t n;

	(void)state;
	snprintf(r.token_id, sizeof(r.token_id), "ak-one");
	snprintf(r.action, sizeof(r.action), "secret.create");
	snprintf(r.resource, sizeof(r.resource), "secret:main/db");
	snprintf(r.client, sizeof(r.client), "127.0.0.1");
	r.status = 201;
	assert_ok(vault_audit_append(p, &r, &e), e);               /* at_ms 0: the database's */
	r.at_ms = 1000;
	snprintf(r.action, sizeof(r.action), "secret_x.get");
	assert_ok(vault_audit_append(p, &r, &e), e);
	r.at_ms = 2000;
	snprintf(r.action, sizeof(r.action), "token.revoke");
	snprintf(r.token_id, sizeof(r.token_id), "ak-two");
	assert_ok(vault_audit_append(p, &r, &e), e);
	snprintf(r.action, sizeof(r.action), "Bad");
	assert_fails(vault_audit_append(p, &r, &e), e, MR_E_INVALID, "invalid action 'Bad'");
	assert_ok(vault_audit_list(p, &f, &list, &n, &e), e);
	assert_int_equal(n, 3);
	assert_true(list[0].at_ms >= db_ms - 2000 && list[0].at_ms <= db_ms + 60000);
	assert_string_equal(list[0].resource, "secret:main/db");
	assert_int_equal(list[0].status, 201);
	f.after_id = list[0].id;
	free(list);
	f.action = "secret.*";                   /* "secret_x.get" must not match: no LIKE */
	assert_ok(vault_audit_list(p, &f, &list, &n, &e), e);
	assert_int_equal(n, 0);
	free(list);
	f = (struct vault_audit_filter){ .limit = 1, .token_id = "ak-one" };
	assert_ok(vault_audit_list(p, &f, &list, &n, &e), e);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].action, "secret.create");
	free(list);
	f = (struct vault_audit_filter){ .limit = 10, .since_ms = 1000, .until_ms = 2000 };
	assert_ok(vault_audit_list(p, &f, &list, &n, &e), e);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].action, "secret_x.get");
	free(list);
	f.limit = 0;
	assert_fails(vault_audit_list(p, &f, &list, &n, &e), e, MR_E_INVALID, "audit limit 0");
	f = (struct vault_audit_filter){ .limit = 10, .action = "x.*y" };
	assert_fails(vault_audit_list(p, &f, &list, &n, &e), e, MR_E_INVALID, "invalid audit action");
	vault_close(p);
}

/* Every server of a cluster answers fetches under the same key pair. */
static void
test_box_keypair(void **state)
{
	unsigned char pk1[32], pk2[32], *sk = sodium_malloc(crypto_box_SECRETKEYBYTES), pk3[32];
	struct mr_err e = { 0 };
	struct vault *p = pgt_open(), *q = pgt_open();

	(void)state;
	assert_ok(vault_box_keypair(p, pk1, sk, &e), e);
	assert_ok(vault_box_keypair(q, pk2, NULL, &e), e);
	assert_memory_equal(pk1, pk2, 32);
	crypto_scalarmult_base(pk3, sk);
	assert_memory_equal(pk1, pk3, 32);
	sodium_free(sk);
	vault_close(p);
	vault_close(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_members, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_api_tokens, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_expiry_by_database_clock, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_tokens, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_audit, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_box_keypair, pgt_setup, pgt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
