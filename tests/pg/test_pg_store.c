/* test_pg_store.c — the PostgreSQL store through its interface: secrets
 * (put, get, list, versions, compare-and-set, delete), the fetch, what lies
 * in the database (ciphertext only, bound to its row), environments and
 * the workspace. Runs against the cluster of tests/pg/with-pg.sh. */
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

static void
test_put_get_list_delete(void **state)
{
	struct vault_item items[] = {
		{ "DB_USER", (const unsigned char *)"app", 3 },
		{ "DB_PASSWORD", (const unsigned char *)"p=w\nd", 5 },
	};
	struct vault_secret_meta m, *list;
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();
	size_t n;

	(void)state;
	assert_ok(vault_secret_put(p, NULL, "db", items, 2, 0, &m, &e), e);
	assert_int_equal(m.version, 1);
	assert_string_equal(m.environment, "main");
	assert_int_equal(m.nkeys, 2);
	assert_string_equal(m.keys[1], "DB_PASSWORD");
	assert_true(m.created_at > 1700000000 && m.created_at == m.updated_at);
	vault_secret_meta_clear(&m);
	assert_fails(vault_secret_put(p, NULL, "db", items, 2, 0, NULL, &e), e, MR_E_EXISTS,
		     "secret 'db' already exists in environment 'main'");
	assert_ok(vault_secret_put(p, "main", "db", items, 1, 1, &m, &e), e);
	assert_int_equal(m.version, 2);
	assert_int_equal(m.nkeys, 1);
	vault_secret_meta_clear(&m);
	put(p, NULL, "api", "TOKEN", "t", 0);
	assert_ok(vault_secret_list(p, NULL, &list, &n, &e), e);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "api");
	assert_string_equal(list[1].name, "db");
	assert_int_equal(list[1].version, 2);
	vault_secret_meta_free(list, n);
	assert_ok(vault_secret_get(p, NULL, "db", &m, &e), e);
	assert_string_equal(m.keys[0], "DB_USER");
	vault_secret_meta_clear(&m);
	assert_ok(vault_secret_delete(p, NULL, "db", &e), e);
	assert_fails(vault_secret_get(p, NULL, "db", &m, &e), e, MR_E_NOTFOUND,
		     "secret 'db' not found in environment 'main'");
	assert_fails(vault_secret_delete(p, NULL, "db", &e), e, MR_E_NOTFOUND, "secret 'db' not found");
	assert_int_equal(pgt_int("SELECT count(*) FROM secret_versions"), 1);
	vault_close(p);
}

/* Bad input: one clear error, nothing written. */
static void
test_refusals(void **state)
{
	static const struct { const char *env, *name, *key, *msg; enum mr_kind kind; } cases[] = {
		{ NULL, "-db", "K", "invalid secret name '-db'", MR_E_INVALID },
		{ NULL, "a b", "K", "invalid secret name", MR_E_INVALID },
		{ "no-such", "db", "K", "environment 'no-such' not found", MR_E_NOTFOUND },
		{ "bad env", "db", "K", "invalid environment name", MR_E_INVALID },
		{ NULL, "db", "1KEY", "secret 'db'", MR_E_INVALID },
		{ NULL, "db", "", "secret 'db'", MR_E_INVALID },
	};
	struct vault_secret_meta *list;
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();
	struct vault_item item;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		item = (struct vault_item){ cases[i].key, (const unsigned char *)"v", 1 };
		assert_fails(vault_secret_put(p, cases[i].env, cases[i].name, &item, 1, 0, NULL, &e), e,
			     cases[i].kind, cases[i].msg);
	}
	assert_fails(vault_secret_list(p, "nope", &list, &n, &e), e, MR_E_NOTFOUND,
		     "environment 'nope' not found");
	assert_fails(vault_secret_versions(p, "nope", "db", &list, &n, &e), e, MR_E_NOTFOUND,
		     "environment 'nope' not found");
	assert_int_equal(pgt_int("SELECT count(*) FROM secrets"), 0);
	vault_close(p);
}

static void
test_update_cas_and_versions(void **state)
{
	struct vault_item item = { "K", (const unsigned char *)"v2", 2 };
	struct vault_secret_meta m, *list;
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();
	size_t n;

	(void)state;
	assert_fails(vault_secret_update(p, NULL, "db", &item, 1, 1, NULL, &e), e, MR_E_NOTFOUND,
		     "secret 'db' not found");
	assert_ok(vault_secret_update(p, NULL, "db", &item, 1, 0, &m, &e), e);   /* 0: create */
	assert_int_equal(m.version, 1);
	vault_secret_meta_clear(&m);
	assert_fails(vault_secret_update(p, NULL, "db", &item, 1, 0, NULL, &e), e, MR_E_CONFLICT,
		     "secret 'db' is at version 1, not 0");
	assert_ok(vault_secret_update(p, NULL, "db", &item, 1, 1, &m, &e), e);
	assert_int_equal(m.version, 2);
	vault_secret_meta_clear(&m);
	assert_fails(vault_secret_update(p, NULL, "db", &item, 1, 1, NULL, &e), e, MR_E_CONFLICT,
		     "secret 'db' is at version 2, not 1");
	assert_ok(vault_secret_versions(p, NULL, "db", &list, &n, &e), e);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].version, 2);
	assert_int_equal(list[1].version, 1);
	assert_string_equal(list[1].keys[0], "K");
	vault_secret_meta_free(list, n);
	assert_fails(vault_secret_versions(p, NULL, "other", &list, &n, &e), e, MR_E_NOTFOUND,
		     "secret 'other' not found");
	vault_close(p);
}

static void
test_fetch(void **state)
{
	static const unsigned char odd[] = "a\0b=c\nd";   /* NUL is refused; use up to it */
	struct vault_item items[] = {
		{ "A", (const unsigned char *)"1", 1 },
		{ "B", (const unsigned char *)"x=y\nz", 5 },
	};
	const char *names[] = { "second", "first" }, *missing[] = { "first", "nope" };
	struct vault_fetch f;
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();

	(void)state;
	(void)odd;
	assert_ok(vault_secret_put(p, NULL, "first", items, 2, 0, NULL, &e), e);
	put(p, NULL, "second", "C", "3", 0);
	put(p, NULL, "second", "C", "4", 1);
	assert_ok(vault_fetch(p, NULL, names, 2, &f, &e), e);
	assert_int_equal(f.nbundles, 2);
	assert_string_equal(f.environment, "main");
	assert_string_equal(f.bundles[0].name, "second");
	assert_int_equal(f.bundles[0].version, 2);
	assert_memory_equal(f.bundles[0].items[0].value, "4", 1);
	assert_int_equal(f.bundles[1].nitems, 2);
	assert_string_equal(f.bundles[1].items[1].key, "B");
	assert_int_equal(f.bundles[1].items[1].value_len, 5);
	assert_memory_equal(f.bundles[1].items[1].value, "x=y\nz", 5);
	vault_fetch_free(&f);
	assert_fails(vault_fetch(p, NULL, missing, 2, &f, &e), e, MR_E_NOTFOUND,
		     "secret 'nope' not found in environment 'main'");
	assert_fails(vault_fetch(p, "gone", names, 2, &f, &e), e, MR_E_NOTFOUND,
		     "environment 'gone' not found");
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

static void
test_environments(void **state)
{
	struct vault_env env, *list;
	struct vault_workspace ws;
	struct mr_err e = { 0 };
	struct vault *p = pgt_open();
	size_t n;

	(void)state;
	assert_ok(vault_workspace_current(p, &ws, &e), e);
	assert_string_equal(ws.name, "test");
	assert_string_equal(ws.default_env, "main");
	assert_ok(vault_env_create(p, "prod", NULL, &env, &e), e);
	assert_string_equal(env.webhook_suffix, "prod");
	assert_false(env.is_default);
	assert_fails(vault_env_create(p, "prod", NULL, NULL, &e), e, MR_E_EXISTS,
		     "environment 'prod' already exists");
	assert_fails(vault_env_create(p, "bad name", NULL, NULL, &e), e, MR_E_INVALID,
		     "invalid environment name");
	assert_fails(vault_env_create(p, "dev", "bad suffix", NULL, &e), e, MR_E_INVALID,
		     "invalid webhook suffix");
	assert_ok(vault_env_list(p, &list, &n, &e), e);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "main");
	assert_true(list[0].is_default);
	free(list);
	put(p, "prod", "db", "K", "v", 0);
	assert_fails(vault_env_delete(p, "prod", &e), e, MR_E_CONFLICT,
		     "environment 'prod' still holds 1 secret: delete them first");
	assert_fails(vault_env_delete(p, "main", &e), e, MR_E_CONFLICT, "workspace's default");
	assert_fails(vault_env_delete(p, "nope", &e), e, MR_E_NOTFOUND, "environment 'nope' not found");
	assert_ok(vault_secret_delete(p, "prod", "db", &e), e);
	assert_ok(vault_env_delete(p, "prod", &e), e);
	assert_ok(vault_env_list(p, &list, &n, &e), e);
	assert_int_equal(n, 1);
	free(list);
	vault_close(p);
}

/* Every server of a cluster must hold the key the database was made with. */
static void
test_init_and_keys(void **state)
{
	struct vault_workspace ws;
	struct mr_err e = { 0 };
	struct vault *p = NULL;
	char path[128];

	(void)state;
	assert_fails(vault_init(pgt_url, "again", &ws, &e), e, MR_E_EXISTS,
		     "already holds a workspace");
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
		cmocka_unit_test_setup_teardown(test_put_get_list_delete, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_update_cas_and_versions, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_fetch, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_at_rest_and_tampering, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_environments, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_init_and_keys, pgt_setup, pgt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
