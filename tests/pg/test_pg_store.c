/* test_pg_store.c — what only the PostgreSQL store does: what lies in the
 * database (timestamps, rows, ciphertext bound to its row), init and the
 * master key every server of a cluster must hold. The contract every kind
 * of vault keeps is tests/conformance. Runs against the cluster of
 * tests/pg/with-pg.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_fixture.h"

static void
put(struct vault *p, const char *env, const char *name, const char *key, const char *val,
    int replace)
{
	struct vault_item item = { key, (const unsigned char *)val, strlen(val) };
	struct mr_err e = { 0 };

	assert_ok(vault_secret_put(p, env, name, &item, 1, replace, NULL, &e), e);
}

/* What a client cannot see (the rest is tests/conformance): the
 * timestamps the database stamps, and a delete taking every version's row. */
static void
test_timestamps_and_deleted_rows(void **state)
{
	struct vault_item item = { "K", (const unsigned char *)"v", 1 };
	struct vault_secret_meta m;
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();

	(void)state;
	assert_ok(vault_secret_put(p, NULL, "db", &item, 1, 0, &m, &e), e);
	assert_true(m.created_at > 1700000000 && m.created_at == m.updated_at);
	vault_secret_meta_clear(&m);
	put(p, NULL, "db", "K", "v2", 1);
	put(p, NULL, "api", "TOKEN", "t", 0);
	assert_int_equal(pgt_int("SELECT count(*) FROM secret_versions"), 3);
	assert_ok(vault_secret_delete(p, NULL, "db", &e), e);
	assert_int_equal(pgt_int("SELECT count(*) FROM secret_versions"), 1);
	vault_close(p);
}

/* The database holds ciphertext bound to its row: no value in plain, and a
 * version copied onto another secret's row fails authentication. */
static void
test_at_rest_and_tampering(void **state)
{
	const char *names[] = { "b" };
	struct vault_fetch f;
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();

	(void)state;
	put(p, NULL, "a", "PASSWORD", "correct-horse-battery-staple", 0);
	put(p, NULL, "b", "PASSWORD", "something-else-entirely", 0);
	assert_int_equal(pgt_int("SELECT count(*) FROM secret_versions"
				 " WHERE position('correct-horse'::bytea IN sealed) > 0"), 0);
	assert_int_equal(pgt_int("SELECT count(*) FROM secret_versions"
				 " WHERE length(sealed) > 40 AND length(wrapped_key) = 72"), 2);
	pgt_sql("UPDATE secret_versions SET sealed = (SELECT sealed FROM secret_versions sv"
		" JOIN secrets s ON s.id = sv.secret_id WHERE s.name = 'a'),"
		" wrapped_key = (SELECT wrapped_key FROM secret_versions sv"
		" JOIN secrets s ON s.id = sv.secret_id WHERE s.name = 'a')"
		" WHERE secret_id = (SELECT id FROM secrets WHERE name = 'b')");
	assert_fails(vault_fetch(p, NULL, names, 1, &f, &e), e, MR_E_CRYPTO,
		     "secret 'b' in 'main' failed authentication");
	pgt_sql("UPDATE secret_versions SET sealed = overlay(sealed placing '\\x00'::bytea from 30)"
		" WHERE secret_id = (SELECT id FROM secrets WHERE name = 'a')");
	names[0] = "a";
	assert_fails(vault_fetch(p, NULL, names, 1, &f, &e), e, MR_E_CRYPTO, "failed authentication");
	vault_close(p);
}

/* The workspace init made, kept by a refused second init; and every server
 * of a cluster must hold the key the database was made with. */
static void
test_init_and_keys(void **state)
{
	struct vault_workspace ws;
	struct mr_err e = { 0 };
	struct vault *p = NULL;
	char path[128];

	(void)state;
	p = pgt_open();
	assert_ok(vault_workspace_current(p, &ws, &e), e);
	assert_string_equal(ws.name, "test");
	vault_close(p);
	p = NULL;
	assert_fails(vault_init(pgt_url, "again", &ws, &e), e, MR_E_EXISTS,
		     "already holds a workspace");
	/* The refused init kept the workspace's name. */
	p = pgt_open();
	assert_ok(vault_workspace_current(p, &ws, &e), e);
	assert_string_equal(ws.name, "test");
	vault_close(p);
	p = NULL;
	snprintf(path, sizeof(path), "%s/other.key", pgt_dir);
	setenv(PG_KEY_ENV, path, 1);
	assert_fails(vault_open(pgt_url, &p, &e), e, MR_E_CONFIG, "no master key at");
	assert_int_equal(system("head -c 32 /dev/urandom > \"$MODAL_VAULT_MASTER_KEY\" &&"
				" chmod 600 \"$MODAL_VAULT_MASTER_KEY\""), 0);
	assert_fails(vault_open(pgt_url, &p, &e), e, MR_E_CONFIG,
		     "the master key does not match the PostgreSQL store's");
	assert_int_equal(chmod(path, 0644), 0);
	assert_fails(vault_open(pgt_url, &p, &e), e, MR_E_CONFIG, "with mode 0600");
	unsetenv(PG_KEY_ENV);
	assert_fails(vault_open(pgt_url, &p, &e), e, MR_E_CONFIG,
		     "a PostgreSQL store needs its master key file");
	assert_fails(vault_open("postgresql://127.0.0.1:1/none", &p, &e), e, MR_E_CONFIG,
		     "master key");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_timestamps_and_deleted_rows, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_at_rest_and_tampering, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_init_and_keys, pgt_setup, pgt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
