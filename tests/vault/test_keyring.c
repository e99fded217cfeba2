/* test_keyring.c — the master key file (keyring.c) and rekey on the embedded
 * store (rekey.c): the raw format is key 1, the text format round-trips, the
 * service keys outlive key 1, every damaged file is refused naming what is
 * wrong, and a rekey stopped after any batch is finished by the next one. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "access.h"
#include "store/crypto.h"
#include "store/sqlite/local.h"
#include "admin.h"
#include "secmem.h"
#include "vault.h"

static char top[64];

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(secmem_init(), 0);
	snprintf(top, sizeof(top), "/tmp/modal-keyring-XXXXXX");
	assert_non_null(mkdtemp(top));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd);
}

static void
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	FILE *f;

	unlink(path);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static size_t
read_file(const char *path, unsigned char *buf, size_t max)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, max, f);
	fclose(f);
	return n;
}

static void
test_raw_file_is_key_1(void **state)
{
	unsigned char raw[32], want[32], got[32];
	struct keyring kr;
	struct mr_err e = { 0 };
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/raw.key", top);
	randombytes_buf(raw, sizeof(raw));
	write_file(path, raw, sizeof(raw), 0600);
	assert_int_equal(keyring_load_file(path, &kr, &e), 0);
	assert_int_equal(kr.nkeys, 1);
	assert_int_equal(kr.ids[0], 1);
	assert_int_equal(kr.pinned, 0);
	assert_memory_equal(kr.k->master[0], raw, 32);
	crypto_kdf_derive_from_key(want, 32, 1, "mv-token", raw);
	keyring_derive(&kr, 1, "mv-token", got);
	assert_memory_equal(got, want, 32);
	keyring_clear(&kr);
}

/* Save, add a key, retire key 1: the service keys are those of key 1 still,
 * data keys move from key 1 to key 2, and key 1's bytes leave the file. */
static void
test_text_round_trip_and_retire(void **state)
{
	static const char *const ctxs[] = { "mv-token", "mv-boxkp", "mv-fprnt", "mv-kchck" };
	const struct seal_context ctx = { "ac-1", "prod", "db", "st-1", 2 };
	unsigned char raw[32], want[4][32], got[32], wrapped[WRAPPED_KEY_LEN];
	unsigned char rewrapped[WRAPPED_KEY_LEN], sealed[8 + SEAL_OVERHEAD], plain[8];
	unsigned char file[KEYRING_FILE_MAX];
	struct keyring kr, again;
	struct mr_err e = { 0 };
	char path[128], hex[65];
	size_t i, n;

	(void)state;
	snprintf(path, sizeof(path), "%s/ring.key", top);
	randombytes_buf(raw, sizeof(raw));
	for (i = 0; i < 4; i++)
		crypto_kdf_derive_from_key(want[i], 32, 1, ctxs[i], raw);
	write_file(path, raw, sizeof(raw), 0600);
	assert_int_equal(keyring_load_file(path, &kr, &e), 0);
	assert_int_equal(bundle_seal(&kr, 1, &ctx, (const unsigned char *)"12345678", 8,
				     sealed, wrapped), 0);

	assert_int_equal(keyring_add_random(&kr, &e), 0);
	assert_int_equal(keyring_newest(&kr), 2);
	assert_int_equal(keyring_save_file(&kr, path, &e), 0);
	n = read_file(path, file, sizeof(file));
	assert_memory_equal(file, "modal-vault keyring 1\nkey 1 ", 28);
	assert_int_equal(keyring_load_file(path, &again, &e), 0);
	assert_int_equal(again.nkeys, 2);
	assert_int_equal(again.pinned, 1);
	assert_memory_equal(again.k->master, kr.k->master, 2 * MASTER_KEY_LEN);
	keyring_clear(&again);

	assert_int_equal(wrapped_key_rewrap(&kr, &ctx, 1, 2, wrapped, rewrapped), 0);
	keyring_keep_only(&kr, 2);
	assert_int_equal(keyring_save_file(&kr, path, &e), 0);
	keyring_clear(&kr);
	assert_int_equal(keyring_load_file(path, &kr, &e), 0);
	assert_int_equal(kr.nkeys, 1);
	assert_int_equal(kr.ids[0], 2);
	for (i = 0; i < 4; i++) {
		keyring_derive(&kr, 1, ctxs[i], got);
		assert_memory_equal(got, want[i], 32);
	}
	assert_int_equal(bundle_open(&kr, 2, &ctx, sealed, sizeof(sealed), rewrapped, plain), 0);
	assert_memory_equal(plain, "12345678", 8);
	assert_int_equal(bundle_open(&kr, 1, &ctx, sealed, sizeof(sealed), wrapped, plain), -1);
	/* Key 1 is gone from the file, raw or hex. */
	n = read_file(path, file, sizeof(file));
	sodium_bin2hex(hex, sizeof(hex), raw, 32);
	assert_null(memmem(file, n, raw, 32));
	assert_null(memmem(file, n, hex, 64));
	keyring_clear(&kr);
}

#define K64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define SERVICES "service mv-token " K64 "\nservice mv-boxkp " K64 "\n" \
	"service mv-fprnt " K64 "\nservice mv-kchck " K64 "\n"

/* Damaged files, each refused with a message naming what is wrong. */
static void
test_bad_files(void **state)
{
	static const struct { const char *text; mode_t mode; const char *msg; } cases[] = {
		{ "modal-vault keyring 1\nkey 1 " K64 "\n", 0644, "with mode 0600" },
		{ "modal-vault keyring 1\nkey 1 " K64 "\n", 0640, "with mode 0600" },
		{ "short", 0600, "5 bytes, want 32" },
		{ "modal-vault keyring 2\nkey 1 " K64 "\n", 0600, "line 1: not a keyring" },
		{ "modal-vault keyring 1\nkey 1 " K64, 0600, "line 2: a key must be" },
		{ "modal-vault keyring 1\nkey 1 " K64 "0\n", 0600, "line 2: a key must be" },
		{ "modal-vault keyring 1\nkey 1 00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\n",
		  0600, "line 2: a key must be" },
		{ "modal-vault keyring 1\nkey 0 " K64 "\n", 0600, "line 2: bad key id" },
		{ "modal-vault keyring 1\nkey 01 " K64 "\n", 0600, "line 2: bad key id" },
		{ "modal-vault keyring 1\nkey 4294967296 " K64 "\n", 0600, "line 2: bad key id" },
		{ "modal-vault keyring 1\nkey 2 " K64 "\nkey 1 " K64 "\n", 0600,
		  "line 3: key ids must ascend" },
		{ "modal-vault keyring 1\nkey 1 " K64 "\nkey 2 " K64 "\nkey 3 " K64 "\nkey 4 " K64
		  "\nkey 5 " K64 "\n", 0600, "line 6: too many keys" },
		{ "modal-vault keyring 1\n", 0600, "line 2: no key" },
		{ "modal-vault keyring 1\nkey 2 " K64 "\n", 0600, "no service keys and no key 1" },
		{ "modal-vault keyring 1\nkey 2 " K64 "\nservice mv-token " K64 "\n", 0600,
		  "some service keys are missing" },
		{ "modal-vault keyring 1\nkey 2 " K64 "\nservice mv-boxkp " K64 "\n", 0600,
		  "line 3: unexpected line" },
		{ "modal-vault keyring 1\nkey 2 " K64 "\n" SERVICES "key 3 " K64 "\n", 0600,
		  "line 7: unexpected line" },
		{ "modal-vault keyring 1\nkey 2 " K64 "\n" SERVICES "\n", 0600,
		  "line 7: unexpected line" },
		{ "modal-vault keyring 1\r\nkey 2 " K64 "\n", 0600, "line 1: not a keyring" },
	};
	struct keyring kr;
	struct mr_err e;
	char path[128];
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.key", top);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&e, 0, sizeof(e));
		write_file(path, cases[i].text, strlen(cases[i].text), cases[i].mode);
		if (keyring_load_file(path, &kr, &e) == 0)
			fail_msg("case %zu loaded", i);
		assert_int_equal(e.kind, MR_E_CONFIG);
		if (strstr(e.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, cases[i].msg);
		assert_null(kr.k);
	}
	/* The good one of the same shape loads. */
	write_file(path, "modal-vault keyring 1\nkey 2 " K64 "\n" SERVICES,
		   strlen("modal-vault keyring 1\nkey 2 " K64 "\n" SERVICES), 0600);
	assert_int_equal(keyring_load_file(path, &kr, &e), 0);
	assert_int_equal(kr.ids[0], 2);
	keyring_clear(&kr);
}

/* A vault with versions in two environments and a token. */
static void
make_vault(const char *vdir, char *url, size_t len, char *token_id, char *secret)
{
	struct vault_workspace ws;
	struct vault_env env;
	struct vault_token t;
	struct vault *v;
	struct mr_err e = { 0 };
	char name[16], value[32];
	int i, j;

	snprintf(url, len, "file:%s", vdir);
	if (vault_init(url, "w", &ws, &e) != 0 || vault_open(url, &v, &e) != 0 ||
	    vault_env_create(v, "prod", "", &env, &e) != 0)
		fail_msg("%s", e.msg);
	for (i = 0; i < 6; i++)
		for (j = 0; j < 3; j++) {
			struct vault_item item = { "V", (unsigned char *)value, 0 };

			snprintf(name, sizeof(name), "s%d", i);
			item.value_len = (size_t)snprintf(value, sizeof(value), "value-%d-%d", i, j);
			if (vault_secret_put(v, i % 2 ? "prod" : "main", name, &item, 1, 1,
					     NULL, &e) != 0)
				fail_msg("%s", e.msg);
		}
	if (vault_token_create(v, VAULT_TOKEN_API, NULL, "t", 0, &t, secret, &e) != 0)
		fail_msg("%s", e.msg);
	strcpy(token_id, t.token_id);
	vault_close(v);
}

/* Every secret's latest value opens, and the token still verifies. */
static void
expect_readable(const char *url, const char *token_id, const char *secret)
{
	struct vault_identity who;
	struct vault_fetch f;
	struct vault *v;
	struct mr_err e = { 0 };
	char name[16], want[32];
	const char *names[1] = { name };
	int i;

	if (vault_open_readonly(url, &v, &e) != 0)
		fail_msg("%s", e.msg);
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		if (vault_fetch(v, i % 2 ? "prod" : "main", names, 1, &f, &e) != 0)
			fail_msg("%s", e.msg);
		snprintf(want, sizeof(want), "value-%d-2", i);
		assert_int_equal(f.bundles[0].items[0].value_len, strlen(want));
		assert_memory_equal(f.bundles[0].items[0].value, want, strlen(want));
		vault_fetch_free(&f);
	}
	if (vault_token_verify(v, VAULT_TOKEN_API, token_id, secret, TOKEN_SECRET_LEN, &who,
			       &e) != 0)
		fail_msg("%s", e.msg);
	vault_close(v);
}

static void
stop_now(void *arg, size_t done)
{
	if (done >= *(size_t *)arg)
		_exit(9);
}

/* A rekey killed after each number of batches; the next one finishes it. */
static void
test_rekey_interrupted_and_resumed(void **state)
{
	char vdir[128], url[160], token_id[64], secret[TOKEN_SECRET_LEN + 1], keypath[160];
	unsigned char before[32], after[KEYRING_FILE_MAX], pk1[32], pk2[32];
	struct rekey_report r;
	struct vault *v;
	struct mr_err e = { 0 };
	size_t stop, n;
	int status;
	pid_t pid;

	(void)state;
	snprintf(vdir, sizeof(vdir), "%s/v", top);
	snprintf(keypath, sizeof(keypath), "%s/master.key", vdir);
	make_vault(vdir, url, sizeof(url), token_id, secret);
	assert_int_equal(read_file(keypath, before, sizeof(before)), 32);
	assert_int_equal(vault_open(url, &v, &e), 0);
	assert_int_equal(vault_box_keypair(v, pk1, NULL, &e), 0);
	vault_close(v);
	for (stop = 1; stop <= 12; stop += 5) {
		struct rekey_options o = { 1, stop_now, &stop };

		if ((pid = fork()) == 0)
			_exit(vault_rekey(url, &o, &r, &e) == 0 ? 0 : 1);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_int_equal(WEXITSTATUS(status), 9);
		expect_readable(url, token_id, secret);
		if (vault_rekey(url, NULL, &r, &e) != 0)
			fail_msg("%s", e.msg);
		assert_int_equal(r.resumed, 1);
		assert_int_equal(r.retired, 1);
		assert_int_equal(r.rewrapped, 18 - stop);
		expect_readable(url, token_id, secret);
	}
	/* An uninterrupted one. */
	assert_int_equal(vault_rekey(url, NULL, &r, &e), 0);
	assert_int_equal(r.resumed, 0);
	assert_int_equal(r.rewrapped, 18);
	assert_int_equal(r.to, 5);
	expect_readable(url, token_id, secret);
	n = read_file(keypath, after, sizeof(after));
	assert_null(memmem(after, n, before, 32));
	assert_int_equal(vault_open(url, &v, &e), 0);
	assert_int_equal(vault_box_keypair(v, pk2, NULL, &e), 0);
	vault_close(v);
	assert_memory_equal(pk1, pk2, 32);
}

/* A vault kept open (a long-running server) that read the keyring while a
 * rekey was under way: once the rekey is done, its next write drops the
 * retired key from its memory rather than holding it until it exits. */
static void
test_open_vault_drops_retired_key(void **state)
{
	char vdir[128], url[160], token_id[64], secret[TOKEN_SECRET_LEN + 1];
	struct vault_item item = { "V", (unsigned char *)"late", 4 };
	struct rekey_options o;
	struct rekey_report r;
	struct vault *v;
	struct mr_err e = { 0 };
	size_t stop = 1;
	int status;
	pid_t pid;

	(void)state;
	o = (struct rekey_options){ 1, stop_now, &stop };
	snprintf(vdir, sizeof(vdir), "%s/s", top);
	make_vault(vdir, url, sizeof(url), token_id, secret);
	assert_int_equal(vault_open(url, &v, &e), 0);
	if ((pid = fork()) == 0)
		_exit(vault_rekey(url, &o, &r, &e) == 0 ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 9);
	if (vault_secret_put(v, "main", "late1", &item, 1, 1, NULL, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(((struct sqlite_vault *)v)->keys.nkeys, 2);
	if (vault_rekey(url, NULL, &r, &e) != 0)
		fail_msg("%s", e.msg);
	if (vault_secret_put(v, "main", "late2", &item, 1, 1, NULL, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(((struct sqlite_vault *)v)->keys.nkeys, 1);
	assert_int_equal(((struct sqlite_vault *)v)->keys.ids[0], 2);
	vault_close(v);
	expect_readable(url, token_id, secret);
}

/* A row under a key the keyring lacks: refused, the keyring untouched. */
static void
test_rekey_unknown_key_id(void **state)
{
	char vdir[128], url[160], token_id[64], secret[TOKEN_SECRET_LEN + 1], path[192];
	unsigned char before[KEYRING_FILE_MAX], after[KEYRING_FILE_MAX];
	struct rekey_report r;
	struct mr_err e = { 0 };
	size_t n;
	sqlite3 *db;

	(void)state;
	snprintf(vdir, sizeof(vdir), "%s/u", top);
	make_vault(vdir, url, sizeof(url), token_id, secret);
	snprintf(path, sizeof(path), "%s/vault.db", vdir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO kek_ids VALUES (9);"
				      "UPDATE secret_versions SET kek_version = 9"
				      " WHERE rowid = (SELECT max(rowid) FROM secret_versions)",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	snprintf(path, sizeof(path), "%s/master.key", vdir);
	n = read_file(path, before, sizeof(before));
	assert_int_equal(vault_rekey(url, NULL, &r, &e), -1);
	assert_int_equal(e.kind, MR_E_CONFIG);
	assert_non_null(strstr(e.msg, "is wrapped under master key 9, which"));
	assert_non_null(strstr(e.msg, "nothing was changed"));
	assert_int_equal(read_file(path, after, sizeof(after)), n);
	assert_memory_equal(before, after, n);

	/* Retiring a key a row still needs is refused by the store itself. */
	snprintf(path, sizeof(path), "%s/vault.db", vdir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys=ON;"
				      "DELETE FROM kek_ids WHERE id = 9", NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	sqlite3_close(db);

	/* Through a server: refused before anything. */
	assert_int_equal(vault_rekey("http://127.0.0.1:1", NULL, &r, &e), -1);
	assert_int_equal(e.kind, MR_E_USAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_file_is_key_1),
		cmocka_unit_test(test_text_round_trip_and_retire),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_rekey_interrupted_and_resumed),
		cmocka_unit_test(test_rekey_unknown_key_id),
		cmocka_unit_test(test_open_vault_drops_retired_key),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
