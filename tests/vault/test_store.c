/* test_store.c — the embedded store end to end through vault.h: init, put,
 * fetch, versions, environments, errors, and tampering with the database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vault.h"

static char top[64], dir[256], url[300];

static int
setup(void **state)
{
	struct vault_workspace ws;
	struct mr_err e = { 0 };
	(void)state;
	snprintf(top, sizeof(top), "/tmp/modal-store-XXXXXX");
	assert_non_null(mkdtemp(top));
	snprintf(dir, sizeof(dir), "%s/vault", top);
	snprintf(url, sizeof(url), "file:%s", dir);
	if (vault_init(url, "test", &ws, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(ws.default_env, "main");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[400];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static struct vault *
open_vault(void)
{
	struct vault *v = NULL;
	struct mr_err e = { 0 };

	if (vault_open(url, &v, &e) != 0)
		fail_msg("%s", e.msg);
	return v;
}

static void
put(struct vault *v, const char *env, const char *name, const char *key, const char *val,
    int replace)
{
	struct vault_item item = { key, (const unsigned char *)val, strlen(val) };
	struct mr_err e = { 0 };

	if (vault_secret_put(v, env, name, &item, 1, replace, NULL, &e) != 0)
		fail_msg("%s", e.msg);
}

static void
test_init_layout_and_refusal(void **state)
{
	struct vault_workspace ws;
	struct mr_err e = { 0 };
	struct stat st;
	char path[400];

	(void)state;
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/master.key", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(vault_init(url, "again", &ws, &e), -1);
	assert_int_equal(e.kind, MR_E_EXISTS);
	/* The refused init left the key alone. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 32);
}

static void
test_fetch_in_order_with_versions(void **state)
{
	struct vault *v = open_vault();
	const char *names[] = { "b", "a" };
	struct vault_fetch f;
	struct mr_err e = { 0 };

	(void)state;
	put(v, NULL, "a", "A", "one", 0);
	put(v, NULL, "b", "B", "two", 0);
	put(v, NULL, "a", "A2", "three", 1);
	if (vault_fetch(v, NULL, names, 2, &f, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(f.nbundles, 2);
	assert_string_equal(f.environment, "main");
	assert_string_equal(f.bundles[0].name, "b");
	assert_string_equal(f.bundles[0].items[0].key, "B");
	assert_memory_equal(f.bundles[0].items[0].value, "two", 3);
	assert_string_equal(f.bundles[1].name, "a");
	assert_int_equal(f.bundles[1].version, 2);
	assert_int_equal(f.bundles[1].nitems, 1);
	assert_string_equal(f.bundles[1].items[0].key, "A2");
	assert_memory_equal(f.bundles[1].items[0].value, "three", 5);
	vault_fetch_free(&f);
	assert_null(f.arena);
	vault_close(v);
}

/* A server worker's fetches: the same answer as vault_fetch, decrypted into
 * the caller's arena, which is reused, grown when a fetch needs more, and
 * all zero again once each fetch is returned. */
static void
test_fetch_into_reused_arena(void **state)
{
	struct vault *v = open_vault();
	const char *small[] = { "r1" }, *big[] = { "r1", "r2" }, *missing[] = { "r1", "nope" };
	char large[6000];
	struct vault_item item = { "BIG", (const unsigned char *)large, sizeof(large) };
	struct vault_arena arena = { 0 };
	struct vault_fetch f;
	struct mr_err e = { 0 };
	void *first;

	(void)state;
	memset(large, 'x', sizeof(large));
	put(v, NULL, "r1", "K", "value-one", 0);
	assert_int_equal(vault_secret_put(v, NULL, "r2", &item, 1, 0, NULL, &e), 0);
	if (vault_fetch_reuse(v, NULL, small, 1, &arena, &f, &e) != 0)
		fail_msg("%s", e.msg);
	assert_ptr_equal(f.arena, arena.p);
	assert_string_equal(f.bundles[0].items[0].key, "K");
	assert_memory_equal(f.bundles[0].items[0].value, "value-one", 9);
	vault_fetch_return(&f, &arena);
	assert_null(f.arena);
	assert_true(sodium_is_zero(arena.p, arena.cap));
	first = arena.p;
	if (vault_fetch_reuse(v, NULL, small, 1, &arena, &f, &e) != 0)
		fail_msg("%s", e.msg);
	assert_ptr_equal(arena.p, first);
	vault_fetch_return(&f, &arena);
	/* Larger than the arena: it grows, and still wipes. */
	if (vault_fetch_reuse(v, NULL, big, 2, &arena, &f, &e) != 0)
		fail_msg("%s", e.msg);
	assert_true(arena.cap >= f.arena_len);
	assert_int_equal(f.bundles[1].items[0].value_len, sizeof(large));
	assert_memory_equal(f.bundles[1].items[0].value, large, sizeof(large));
	vault_fetch_return(&f, &arena);
	assert_true(sodium_is_zero(arena.p, arena.cap));
	/* A failed fetch leaves nothing in it either. */
	assert_int_equal(vault_fetch_reuse(v, NULL, missing, 2, &arena, &f, &e), -1);
	assert_int_equal(e.kind, MR_E_NOTFOUND);
	assert_true(sodium_is_zero(arena.p, arena.cap));
	vault_arena_free(&arena);
	assert_null(arena.p);
	vault_close(v);
}

static void
test_errors(void **state)
{
	struct vault *v = open_vault();
	const char *missing[] = { "nope" }, *badname[] = { "-x" };
	struct vault_item item = { "K", (const unsigned char *)"v", 1 };
	struct vault_fetch f;
	struct mr_err e = { 0 };

	(void)state;
	put(v, NULL, "exists", "K", "v", 0);
	assert_int_equal(vault_secret_put(v, NULL, "exists", &item, 1, 0, NULL, &e), -1);
	assert_int_equal(e.kind, MR_E_EXISTS);
	assert_int_equal(vault_fetch(v, NULL, missing, 1, &f, &e), -1);
	assert_int_equal(e.kind, MR_E_NOTFOUND);
	assert_string_equal(e.msg, "secret 'nope' not found in environment 'main'");
	assert_int_equal(vault_fetch(v, "nowhere", missing, 1, &f, &e), -1);
	assert_string_equal(e.msg, "environment 'nowhere' not found");
	assert_int_equal(vault_fetch(v, NULL, badname, 1, &f, &e), -1);
	assert_int_equal(e.kind, MR_E_INVALID);
	assert_int_equal(vault_secret_put(v, "nowhere", "x", &item, 1, 0, NULL, &e), -1);
	assert_int_equal(e.kind, MR_E_NOTFOUND);
	assert_int_equal(vault_secret_delete(v, NULL, "nope", &e), -1);
	assert_int_equal(e.kind, MR_E_NOTFOUND);
	vault_close(v);
}

static void
test_environments(void **state)
{
	struct vault *v = open_vault();
	struct vault_env *list, env;
	struct mr_err e = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(vault_env_create(v, "prod", NULL, &env, &e), 0);
	assert_string_equal(env.webhook_suffix, "prod");
	assert_int_equal(vault_env_create(v, "prod", NULL, &env, &e), -1);
	assert_int_equal(e.kind, MR_E_EXISTS);
	assert_int_equal(vault_env_create(v, "bad name", NULL, &env, &e), -1);
	assert_int_equal(e.kind, MR_E_INVALID);
	put(v, "prod", "s", "K", "v", 0);
	assert_int_equal(vault_env_delete(v, "prod", &e), -1);
	assert_int_equal(e.kind, MR_E_CONFLICT);
	assert_int_equal(vault_env_delete(v, "main", &e), -1);
	assert_int_equal(e.kind, MR_E_CONFLICT);
	assert_int_equal(vault_secret_delete(v, "prod", "s", &e), 0);
	assert_int_equal(vault_env_delete(v, "prod", &e), 0);
	assert_int_equal(vault_env_list(v, &list, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, "main");
	assert_true(list[0].is_default);
	free(list);
	vault_close(v);
}

/* Runs SQL on the database behind the store's back, as an attacker with the
 * files would. */
static void
tamper(const char *sql)
{
	char path[400];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/vault.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s", sqlite3_errmsg(db));
	sqlite3_close(db);
}

static void
expect_crypto_failure(struct vault *v, const char *name)
{
	struct vault_fetch f;
	struct mr_err e = { 0 };

	assert_int_equal(vault_fetch(v, NULL, &name, 1, &f, &e), -1);
	assert_int_equal(e.kind, MR_E_CRYPTO);
	assert_null(strstr(e.msg, "secretvalue"));
}

static void
test_tampering_fails(void **state)
{
	struct vault *v = open_vault();

	(void)state;
	put(v, NULL, "flip", "K", "secretvalue", 0);
	put(v, NULL, "flipkey", "K", "secretvalue", 0);
	put(v, NULL, "orig", "K", "secretvalue", 0);
	put(v, NULL, "victim", "K", "other", 0);
	/* One byte of the sealed bundle changed (to whichever of ff/fe it is not:
	 * a random byte is already ff one time in 256). */
	tamper("UPDATE secret_versions SET sealed = substr(sealed, 1, 30) ||"
	       " (CASE WHEN substr(sealed, 31, 1) = x'ff' THEN x'fe' ELSE x'ff' END) ||"
	       " substr(sealed, 32) WHERE secret_id = (SELECT id FROM secrets WHERE name = 'flip')");
	expect_crypto_failure(v, "flip");
	/* One byte of the wrapped data key flipped. */
	tamper("UPDATE secret_versions SET wrapped_key ="
	       " (CASE WHEN substr(wrapped_key, 1, 1) = x'00' THEN x'01' ELSE x'00' END) ||"
	       " substr(wrapped_key, 2)"
	       " WHERE secret_id = (SELECT id FROM secrets WHERE name = 'flipkey')");
	expect_crypto_failure(v, "flipkey");
	/* orig's sealed row copied over victim's: bound to another name and id. */
	tamper("UPDATE secret_versions SET sealed = (SELECT sealed FROM secret_versions sv JOIN secrets s"
	       " ON s.id = sv.secret_id WHERE s.name = 'orig'), wrapped_key = (SELECT wrapped_key FROM"
	       " secret_versions sv JOIN secrets s ON s.id = sv.secret_id WHERE s.name = 'orig')"
	       " WHERE secret_id = (SELECT id FROM secrets WHERE name = 'victim')");
	expect_crypto_failure(v, "victim");
	/* orig renamed in place: same row, another name. */
	tamper("UPDATE secrets SET name = 'renamed' WHERE name = 'orig'");
	expect_crypto_failure(v, "renamed");
	vault_close(v);
}

static void
test_newer_schema_refused(void **state)
{
	struct vault *v = NULL;
	struct mr_err e = { 0 };

	char path[400], restore[64];
	sqlite3_stmt *st;
	sqlite3 *db;

	(void)state;
	snprintf(path, sizeof(path), "%s/vault.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(restore, sizeof(restore), "PRAGMA user_version = %d", sqlite3_column_int(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	tamper("PRAGMA user_version = 99");
	assert_int_equal(vault_open(url, &v, &e), -1);
	assert_int_equal(e.kind, MR_E_CONFIG);
	assert_non_null(strstr(e.msg, "newer than this program knows"));
	tamper(restore);
}

static void
test_master_key_permissions(void **state)
{
	struct vault *v = NULL;
	struct mr_err e = { 0 };
	char path[400];

	(void)state;
	snprintf(path, sizeof(path), "%s/master.key", dir);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(vault_open(url, &v, &e), -1);
	assert_int_equal(e.kind, MR_E_CONFIG);
	assert_non_null(strstr(e.msg, "mode 0600"));
	assert_int_equal(chmod(path, 0600), 0);
	v = open_vault();
	vault_close(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_layout_and_refusal),
		cmocka_unit_test(test_fetch_in_order_with_versions),
		cmocka_unit_test(test_fetch_into_reused_arena),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_environments),
		cmocka_unit_test(test_tampering_fails),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_master_key_permissions),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
