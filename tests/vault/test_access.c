/* test_access.c — access.h where the embedded store is on its own: no token
 * secret at rest in its files, read-only connections, when a token's last
 * use is written, the audit log's group commit, the key pair of two vaults,
 * migrating a schema-1 vault, and role names. The contract every kind of
 * vault keeps (tokens, members, the audit log's filters) is
 * tests/conformance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "store/codec.h"
#include "store/crypto.h"
#include "secmem.h"

static char top[64], dir[256], url[300];

static void
make_vault(const char *name, char *vdir, size_t dlen, char *vurl, size_t ulen)
{
	struct vault_workspace ws;
	struct mr_err e = { 0 };

	snprintf(vdir, dlen, "%s/%s", top, name);
	snprintf(vurl, ulen, "file:%s", vdir);
	if (vault_init(vurl, "test", &ws, &e) != 0)
		fail_msg("%s", e.msg);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/modal-access-XXXXXX");
	assert_non_null(mkdtemp(top));
	make_vault("vault", dir, sizeof(dir), url, sizeof(url));
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
open_url(const char *u)
{
	struct vault *v = NULL;
	struct mr_err e = { 0 };

	if (vault_open(u, &v, &e) != 0)
		fail_msg("%s", e.msg);
	return v;
}

/* Runs SQL on the database behind the store's back. */
static void
sql(const char *vdir, const char *stmt)
{
	char path[400];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/vault.db", vdir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, stmt, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", stmt, sqlite3_errmsg(db));
	sqlite3_close(db);
}

static void
token_new(struct vault *v, enum vault_token_kind kind, const char *member, int64_t ttl,
	  struct vault_token *t, char *secret)
{
	struct mr_err e = { 0 };

	if (vault_token_create(v, kind, member, "t", ttl, t, secret, &e) != 0)
		fail_msg("%s", e.msg);
}

static int
is_base62(const char *s, size_t n)
{
	return strlen(s) == n &&
	       strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == n;
}

/* Every file of the vault directory, searched for needle. */
static int
found_in_vault_files(const char *vdir, const void *needle, size_t len)
{
	char path[600];
	struct dirent *d;
	unsigned char *buf;
	DIR *dh = opendir(vdir);
	FILE *f;
	long size;
	int found = 0;

	assert_non_null(dh);
	while (!found && (d = readdir(dh)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", vdir, d->d_name);
		if (d->d_name[0] == '.' || (f = fopen(path, "rb")) == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		rewind(f);
		buf = malloc((size_t)size + 1);
		assert_non_null(buf);
		assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
		fclose(f);
		found = memmem(buf, (size_t)size, needle, len) != NULL;
		free(buf);
	}
	closedir(dh);
	return found;
}

static void
test_secret_never_at_rest(void **state)
{
	char secrets[6][TOKEN_SECRET_LEN + 1], wal[400];
	struct vault *v = open_url(url);
	struct vault_token t;
	struct stat st;
	int i;

	(void)state;
	for (i = 0; i < 6; i++) {
		token_new(v, i % 2 ? VAULT_TOKEN_PROXY : VAULT_TOKEN_API, NULL, 0, &t, secrets[i]);
		vault_token_clear(&t);
	}
	/* While the vault is open the new pages are in the WAL. */
	snprintf(wal, sizeof(wal), "%s/vault.db-wal", dir);
	assert_int_equal(stat(wal, &st), 0);
	assert_true(st.st_size > 0);
	for (i = 0; i < 6; i++) {
		assert_false(found_in_vault_files(dir, secrets[i], TOKEN_SECRET_LEN));
		assert_false(found_in_vault_files(dir, secrets[i] + 3, 42));
		assert_false(found_in_vault_files(dir, secrets[i] + 3, 16));
	}
	vault_close(v);
	for (i = 0; i < 6; i++)
		assert_false(found_in_vault_files(dir, secrets[i] + 3, 16));
}

static void
test_readonly_verify(void **state)
{
	char secret[TOKEN_SECRET_LEN + 1];
	struct vault *v = open_url(url), *ro = NULL;
	struct vault_identity who;
	struct vault_token t, got;
	struct mr_err e = { 0 };

	(void)state;
	token_new(v, VAULT_TOKEN_API, NULL, 0, &t, secret);
	vault_close(v);
	assert_int_equal(vault_open_readonly(url, &ro, &e), 0);
	assert_int_equal(vault_token_verify(ro, VAULT_TOKEN_API, t.token_id, secret,
					    TOKEN_SECRET_LEN, &who, &e), 0);
	vault_close(ro);
	v = open_url(url);
	assert_int_equal(vault_token_get(v, t.token_id, &got, &e), 0);
	/* A read-only connection never writes, not even last_used_at. */
	assert_int_equal(got.last_used_at, 0);
	vault_close(v);
}

/* last_used_at of a token read back from the store. */
static int64_t
last_used(struct vault *v, const char *id)
{
	struct vault_token t;
	struct mr_err e = { 0 };

	if (vault_token_get(v, id, &t, &e) != 0)
		fail_msg("%s", e.msg);
	vault_token_clear(&t);
	return t.last_used_at;
}

/* A busy token is written back at most once a minute, not once a use. */
static void
test_last_used_coalesced(void **state)
{
	char secret[TOKEN_SECRET_LEN + 1], stmt[200];
	struct vault *v = open_url(url);
	struct vault_identity who;
	struct vault_token t;
	struct mr_err e = { 0 };
	int64_t now = time(NULL);

	(void)state;
	token_new(v, VAULT_TOKEN_API, NULL, 0, &t, secret);
	assert_int_equal(vault_token_verify(v, VAULT_TOKEN_API, t.token_id, secret,
					    TOKEN_SECRET_LEN, &who, &e), 0);
	assert_true(last_used(v, t.token_id) >= now);
	/* 30 s ago: another use now leaves it. */
	snprintf(stmt, sizeof(stmt), "UPDATE tokens SET last_used_at = %lld WHERE id = '%s'",
		 (long long)(now - 30), t.token_id);
	sql(dir, stmt);
	assert_int_equal(vault_token_verify(v, VAULT_TOKEN_API, t.token_id, secret,
					    TOKEN_SECRET_LEN, &who, &e), 0);
	assert_int_equal(who.token.last_used_at, now - 30);
	assert_int_equal(last_used(v, t.token_id), now - 30);
	/* 2 minutes ago: the use is written. */
	snprintf(stmt, sizeof(stmt), "UPDATE tokens SET last_used_at = %lld WHERE id = '%s'",
		 (long long)(now - 120), t.token_id);
	sql(dir, stmt);
	assert_int_equal(vault_token_verify(v, VAULT_TOKEN_API, t.token_id, secret,
					    TOKEN_SECRET_LEN, &who, &e), 0);
	assert_true(who.token.last_used_at >= now);
	assert_true(last_used(v, t.token_id) >= now);
	vault_close(v);
}

/* Inside a read snapshot (a server's fetch) the token's use is written when
 * the snapshot ends, not inside it; a fetch in the same snapshot works. */
static void
test_last_used_after_snapshot(void **state)
{
	char secret[TOKEN_SECRET_LEN + 1];
	struct vault *v = open_url(url), *other = open_url(url);
	const char *names[] = { "snap" };
	struct vault_item item = { "K", (const unsigned char *)"v", 1 };
	struct vault_identity who;
	struct vault_fetch f;
	struct vault_token t;
	struct mr_err e = { 0 };
	int64_t now = time(NULL);
	sqlite3 *writer;
	char path[400];
	int began;

	(void)state;
	token_new(v, VAULT_TOKEN_API, NULL, 0, &t, secret);
	if (vault_secret_put(v, NULL, "snap", &item, 1, 1, NULL, &e) != 0)
		fail_msg("%s", e.msg);
	/* Another process holds the write lock meanwhile (the audit writer,
	 * say): a write inside the snapshot would wait for it (5 s). */
	snprintf(path, sizeof(path), "%s/vault.db", dir);
	assert_int_equal(sqlite3_open(path, &writer), SQLITE_OK);
	assert_int_equal(sqlite3_exec(writer, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(began = vault_read_begin(v, &e), 1);
	/* Nested: nothing more to begin. */
	assert_int_equal(vault_read_begin(v, &e), 0);
	assert_int_equal(vault_token_verify(v, VAULT_TOKEN_API, t.token_id, secret,
					    TOKEN_SECRET_LEN, &who, &e), 0);
	assert_true(time(NULL) - now < 2);
	if (vault_fetch(v, NULL, names, 1, &f, &e) != 0)
		fail_msg("%s", e.msg);
	assert_memory_equal(f.bundles[0].items[0].value, "v", 1);
	vault_fetch_free(&f);
	assert_int_equal(last_used(other, t.token_id), 0);
	sqlite3_exec(writer, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(writer);
	vault_read_end(v, began);
	assert_true(last_used(other, t.token_id) >= now);
	vault_close(other);
	vault_close(v);
}

static void
test_roles(void **state)
{
	enum vault_role r;

	(void)state;
	assert_string_equal(vault_role_name(VAULT_ROLE_OWNER), "owner");
	assert_string_equal(vault_role_name(VAULT_ROLE_MANAGER), "manager");
	assert_string_equal(vault_role_name(VAULT_ROLE_USER), "user");
	assert_int_equal(vault_role_parse("manager", &r), 0);
	assert_int_equal(r, VAULT_ROLE_MANAGER);
	assert_int_equal(vault_role_parse("admin", &r), -1);
	assert_int_equal(vault_role_parse("Owner", &r), -1);
	assert_int_equal(vault_role_parse(NULL, &r), -1);
	assert_true(VAULT_ROLE_OWNER > VAULT_ROLE_MANAGER && VAULT_ROLE_MANAGER > VAULT_ROLE_USER);
}

static size_t
count(struct vault *v, struct vault_audit_filter f)
{
	struct vault_audit_record *out;
	struct mr_err e = { 0 };
	size_t n;

	if (vault_audit_list(v, &f, &out, &n, &e) != 0)
		fail_msg("%s", e.msg);
	free(out);
	return n;
}

static void
test_audit_batch(void **state)
{
	char vdir[256], vurl[300];
	struct vault *v;
	struct vault_audit_record *recs = calloc(300, sizeof(*recs)), *page;
	struct vault_audit_filter f = { .limit = 1000 };
	struct mr_err e = { 0 };
	size_t i, n;

	(void)state;
	assert_non_null(recs);
	make_vault("audit-batch", vdir, sizeof(vdir), vurl, sizeof(vurl));
	v = open_url(vurl);
	for (i = 0; i < 300; i++) {
		recs[i] = (struct vault_audit_record){ .at_ms = 1000 + (int64_t)i, .status = 200 };
		snprintf(recs[i].action, sizeof(recs[i].action), "secret.fetch");
		snprintf(recs[i].resource, sizeof(recs[i].resource), "fetch:main/s%zu", i);
		snprintf(recs[i].client, sizeof(recs[i].client), "127.0.0.1");
	}
	if (vault_audit_append_batch(v, recs, 300, &e) != 0)
		fail_msg("%s", e.msg);
	/* All of them, in the order given. */
	assert_int_equal(vault_audit_list(v, &f, &page, &n, &e), 0);
	assert_int_equal(n, 300);
	for (i = 0; i < n; i++) {
		assert_int_equal(page[i].at_ms, 1000 + (int64_t)i);
		assert_string_equal(page[i].resource, recs[i].resource);
		assert_true(i == 0 || page[i].id > page[i - 1].id);
	}
	free(page);
	/* One bad record refuses the batch: none of it is written. */
	snprintf(recs[150].action, sizeof(recs[150].action), "Bad Action");
	assert_int_equal(vault_audit_append_batch(v, recs, 300, &e), -1);
	assert_int_equal(e.kind, MR_E_INVALID);
	assert_non_null(strstr(e.msg, "audit record 151 of 300"));
	assert_int_equal(count(v, f), 300);
	assert_int_equal(vault_audit_append_batch(v, recs, 0, &e), 0);
	assert_int_equal(count(v, f), 300);
	free(recs);
	vault_close(v);
}

static void
test_box_keypair(void **state)
{
	char vdir[256], vurl[300];
	unsigned char pk1[32], pk2[32], pk3[32], *sk, check[32];
	struct vault *v = open_url(url), *other;
	struct mr_err e = { 0 };

	(void)state;
	sk = xsecure_alloc(crypto_box_SECRETKEYBYTES);
	assert_int_equal(vault_box_keypair(v, pk1, sk, &e), 0);
	assert_int_equal(crypto_scalarmult_base(check, sk), 0);
	assert_memory_equal(check, pk1, 32);
	vault_close(v);
	v = open_url(url);
	assert_int_equal(vault_box_keypair(v, pk2, NULL, &e), 0);
	assert_memory_equal(pk1, pk2, 32);
	make_vault("other", vdir, sizeof(vdir), vurl, sizeof(vurl));
	other = open_url(vurl);
	assert_int_equal(vault_box_keypair(other, pk3, NULL, &e), 0);
	assert_memory_not_equal(pk1, pk3, 32);
	secure_free(sk, crypto_box_SECRETKEYBYTES);
	vault_close(other);
	vault_close(v);
}

/* Schema 1 exactly as the first release created it: the migration must carry
 * such a vault forward whatever the current schema looks like. */
static const char schema1[] =
	"CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);"
	"CREATE TABLE workspaces ("
	"  id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  plan TEXT NOT NULL, default_env TEXT NOT NULL, created_at INTEGER NOT NULL);"
	"CREATE TABLE environments ("
	"  workspace_id TEXT NOT NULL REFERENCES workspaces(id), name TEXT NOT NULL,"
	"  webhook_suffix TEXT NOT NULL, created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (workspace_id, name));"
	"CREATE TABLE secrets ("
	"  id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, environment TEXT NOT NULL,"
	"  name TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
	"  UNIQUE (workspace_id, environment, name),"
	"  FOREIGN KEY (workspace_id, environment) REFERENCES environments(workspace_id, name));"
	"CREATE TABLE secret_versions ("
	"  secret_id TEXT NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,"
	"  version INTEGER NOT NULL, keys TEXT NOT NULL, sealed BLOB NOT NULL,"
	"  wrapped_key BLOB NOT NULL, kek_version INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL, PRIMARY KEY (secret_id, version));"
	"INSERT INTO meta VALUES ('kek_version', '1');"
	"INSERT INTO workspaces VALUES ('ac-old', 'old', 'old', 'starter', 'main', 1700000000);"
	"INSERT INTO environments VALUES ('ac-old', 'main', '', 1700000000);"
	"INSERT INTO environments VALUES ('ac-old', 'prod', 'prod', 1700000000);"
	/* A duplicated suffix (schema 4 makes them unique): the newer loses it. */
	"INSERT INTO environments VALUES ('ac-old', 'prod2', 'PROD', 1700000001);"
	"INSERT INTO secrets VALUES ('st-old', 'ac-old', 'prod', 'db', 1, 1700000000, 1700000000);"
	"PRAGMA journal_mode=WAL; PRAGMA user_version = 1;";

static void
build_schema1_vault(const char *vdir)
{
	struct vault_item item = { "PASSWORD", (const unsigned char *)"from-v1", 7 };
	struct seal_context ctx = { "ac-old", "prod", "db", "st-old", 1 };
	unsigned char plain[64], sealed[64 + SEAL_OVERHEAD], wrapped[WRAPPED_KEY_LEN];
	size_t plen = bundle_encoded_len(&item, 1);
	struct keyring kr;
	struct mr_err e = { 0 };
	char path[400];
	sqlite3_stmt *st;
	sqlite3 *db;

	assert_int_equal(mkdir(vdir, 0700), 0);
	snprintf(path, sizeof(path), "%s/master.key", vdir);
	assert_int_equal(keyring_create_file(path, &e), 0);
	assert_int_equal(keyring_load_file(path, &kr, &e), 0);
	assert_true(plen <= sizeof(plain));
	bundle_encode(&item, 1, plain);
	assert_int_equal(bundle_seal(&kr, 1, &ctx, plain, plen, sealed, wrapped), 0);
	keyring_clear(&kr);

	snprintf(path, sizeof(path), "%s/vault.db", vdir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, schema1, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO secret_versions VALUES"
					    " ('st-old', 1, 'PASSWORD', ?, ?, 1, 1700000000)",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, sealed, (int)(plen + SEAL_OVERHEAD), SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, wrapped, WRAPPED_KEY_LEN, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
test_migration_from_schema_1(void **state)
{
	const char *name = "db";
	char vdir[256], vurl[300], secret[TOKEN_SECRET_LEN + 1];
	struct vault *v = NULL;
	struct vault_member owner, *members;
	struct vault_identity who;
	struct vault_token t;
	struct vault_fetch f;
	struct vault_env *envs, dup;
	struct mr_err e = { 0 };
	size_t n;

	(void)state;
	snprintf(vdir, sizeof(vdir), "%s/v1", top);
	snprintf(vurl, sizeof(vurl), "file:%s", vdir);
	build_schema1_vault(vdir);

	/* A launch never migrates: it says what to do. */
	assert_int_equal(vault_open_readonly(vurl, &v, &e), -1);
	assert_int_equal(e.kind, MR_E_CONFIG);
	assert_string_equal(e.msg, "vault database schema 1 is older than this program's (4):"
			    " run any modal-vault command to migrate it");

	v = open_url(vurl);
	assert_int_equal(vault_owner(v, &owner, &e), 0);
	assert_string_equal(owner.name, "owner");
	assert_int_equal(owner.role, VAULT_ROLE_OWNER);
	assert_int_equal(owner.created_at, 1700000000);
	assert_memory_equal(owner.member_id, "us-", 3);
	assert_true(is_base62(owner.member_id + 3, 22));
	assert_int_equal(vault_member_list(v, &members, &n, &e), 0);
	assert_int_equal(n, 1);
	free(members);
	token_new(v, VAULT_TOKEN_API, NULL, 0, &t, secret);
	assert_int_equal(vault_token_verify(v, VAULT_TOKEN_API, t.token_id, secret,
					    TOKEN_SECRET_LEN, &who, &e), 0);
	/* The oldest environment kept the duplicated suffix; a new duplicate,
	 * in any case, is refused. */
	assert_int_equal(vault_env_list(v, &envs, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(envs[1].name, "prod");
	assert_string_equal(envs[1].webhook_suffix, "prod");
	assert_string_equal(envs[2].name, "prod2");
	assert_string_equal(envs[2].webhook_suffix, "");
	free(envs);
	assert_int_equal(vault_env_create(v, "prod3", "Prod", &dup, &e), -1);
	assert_int_equal(e.kind, MR_E_EXISTS);
	assert_int_equal(vault_env_create(v, "prod3", "", &dup, &e), 0);
	vault_close(v);

	/* The old secret survived, and launches work again. */
	assert_int_equal(vault_open_readonly(vurl, &v, &e), 0);
	if (vault_fetch(v, "prod", &name, 1, &f, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(f.bundles[0].items[0].key, "PASSWORD");
	assert_memory_equal(f.bundles[0].items[0].value, "from-v1", 7);
	vault_fetch_free(&f);
	vault_close(v);
	/* Opening again does not migrate twice. */
	v = open_url(vurl);
	assert_int_equal(vault_member_list(v, &members, &n, &e), 0);
	assert_int_equal(n, 1);
	free(members);
	vault_close(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_never_at_rest),
		cmocka_unit_test(test_readonly_verify),
		cmocka_unit_test(test_last_used_coalesced),
		cmocka_unit_test(test_last_used_after_snapshot),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_audit_batch),
		cmocka_unit_test(test_box_keypair),
		cmocka_unit_test(test_migration_from_schema_1),
	};
	assert_int_equal(secmem_init(), 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
