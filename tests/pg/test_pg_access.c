/* test_pg_access.c — access.h where the PostgreSQL store is on its own: the
 * database's clock (tokens' times, expiry, audit records), keyed hashes in
 * the rows, proxy tokens' rows. The contract every kind of vault keeps
 * (members, tokens, the audit log, the key pair) is tests/conformance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_fixture.h"

/* Stamped by the database's clock, and only a keyed hash of the secret in
 * the row (the rest of the tokens' contract is tests/conformance). */
static void
test_token_clock_and_hash(void **state)
{
	char secret[TOKEN_SECRET_LEN + 1];
	struct vault_token t;
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();

	(void)state;
	assert_ok(vault_token_create(p, VAULT_TOKEN_API, NULL, "ci", 0, &t, secret, &e), e);
	assert_true(llabs(t.created_at - pgt_int("SELECT floor(extract(epoch FROM now()))")) <= 2);
	assert_int_equal(pgt_int("SELECT count(*) FROM tokens WHERE position(convert_to('"
				 "as-', 'UTF8') IN hash) > 0"), 0);
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

/* A revoked proxy token is deleted with the rows of its environments. */
static void
test_proxy_token_rows(void **state)
{
	char secret[TOKEN_SECRET_LEN + 1];
	struct vault_token t;
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();

	(void)state;
	assert_ok(vault_env_create(p, "prod", NULL, NULL, &e), e);
	assert_ok(vault_token_create(p, VAULT_TOKEN_PROXY, NULL, "web", 0, &t, secret, &e), e);
	assert_ok(vault_token_allow_env(p, t.token_id, "prod", 1, &e), e);
	assert_int_equal(pgt_int("SELECT count(*) FROM proxy_token_envs"), 2);
	assert_ok(vault_token_revoke(p, t.token_id, &e), e);
	assert_int_equal(pgt_int("SELECT count(*) FROM proxy_token_envs"), 0);
	vault_token_clear(&t);
	vault_close(p);
}

/* A record without a time takes the database's (the audit log's filters
 * and cursor are tests/conformance). */
static void
test_audit_clock(void **state)
{
	struct vault_audit_record r = { 0 }, *list;
	struct vault_audit_filter f = { .limit = 100 };
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();
	int64_t db_ms = pgt_int("SELECT floor(extract(epoch FROM now()) * 1000)");
	size_t n;

	(void)state;
	snprintf(r.action, sizeof(r.action), "secret.create");
	snprintf(r.resource, sizeof(r.resource), "secret:main/db");
	r.status = 201;
	assert_ok(vault_audit_append(p, &r, &e), e);
	assert_ok(vault_audit_list(p, &f, &list, &n, &e), e);
	assert_int_equal(n, 1);
	assert_true(list[0].at_ms >= db_ms - 2000 && list[0].at_ms <= db_ms + 60000);
	assert_int_equal(list[0].status, 201);
	free(list);
	vault_close(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_token_clock_and_hash, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_expiry_by_database_clock, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_token_rows, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_audit_clock, pgt_setup, pgt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
