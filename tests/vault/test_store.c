/* test_store.c — what only the embedded store does: its files at init, a
 * server worker's reused fetch arena, tampering with the database, a newer
 * schema, the master key's mode. The contract every kind of vault keeps
 * (secrets, environments, the fetch, errors) is tests/conformance. */
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
		cmocka_unit_test(test_fetch_into_reused_arena),
		cmocka_unit_test(test_tampering_fails),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_master_key_permissions),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
