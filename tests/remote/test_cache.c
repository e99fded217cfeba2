/* test_cache.c — modal-run's fallback cache: round trip, what is on disk,
 * tampering, age, and entries of another token, server, environment or set
 * of names, which must never open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "remote/cache.h"
#include "secmem.h"

#define NOW 1800000000LL

static char dir[64];
static const char *const names[] = { "db", "api" };
static struct vault_item db_items[] = {
	{ "DB_USER", (const unsigned char *)"app", 3 },
	{ "DB_PASS", (const unsigned char *)"pa=ss\nword\x01\xff", 12 },
};
static struct vault_item api_items[] = { { "API_KEY", (const unsigned char *)"k-123", 5 } };
static struct vault_bundle bundles[] = { { "db", 7, 2, db_items }, { "api", 1, 1, api_items } };

static struct vault_cache
cache_of(const char *secret, const char *server)
{
	return (struct vault_cache){ dir, 3600, server, "ak-test", secret, strlen(secret) };
}

static const char token[] = "as-0123456789abcdefghijklmnopqrstuvwxyzABCDEF";

static struct vault_fetch
fetched(void)
{
	struct vault_fetch f = { .nbundles = 2, .bundles = bundles, .environment = "prod" };

	memset(f.fingerprint_key, 0x5a, sizeof(f.fingerprint_key));
	return f;
}

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(secmem_init(), 0);
	snprintf(dir, sizeof(dir), "/tmp/modal-cache-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
store(const struct vault_cache *c, const char *env, int64_t now)
{
	struct vault_fetch f = fetched();
	struct mr_err e = { 0 };

	if (vault_cache_store(c, env, names, 2, &f, now, &e) != 0)
		fail_msg("store: %s", e.msg);
}

static int
load(const struct vault_cache *c, const char *env, const char *const *n, size_t count,
     int64_t now, struct mr_err *e)
{
	struct vault_fetch out;
	int64_t at = 0;
	int rc = vault_cache_load(c, env, n, count, now, &out, &at, e);

	assert_null(rc == 0 ? NULL : out.arena);
	vault_fetch_free(&out);
	return rc;
}

/* The one entry's path (the names are hashed into it). */
static void
entry_path(char *path, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	int found = 0;

	assert_non_null(d);
	while ((ent = readdir(d)) != NULL) {
		if (ent->d_name[0] == '.')
			continue;
		assert_non_null(strstr(ent->d_name, ".cache"));
		snprintf(path, len, "%s/%s", dir, ent->d_name);
		found++;
	}
	closedir(d);
	assert_int_equal(found, 1);
}

static void
test_round_trip(void **state)
{
	struct vault_cache c = cache_of(token, "https://vault.example:8443");
	struct vault_fetch out;
	struct mr_err e = { 0 };
	int64_t at = 0;
	size_t i, j;

	(void)state;
	store(&c, "prod", NOW);
	if (vault_cache_load(&c, "prod", names, 2, NOW + 60, &out, &at, &e) != 0)
		fail_msg("load: %s", e.msg);
	assert_int_equal(at, NOW);
	assert_string_equal(out.environment, "prod");
	assert_int_equal(out.nbundles, 2);
	assert_int_equal(out.fingerprint_key[0], 0x5a);
	for (i = 0; i < 2; i++) {
		assert_string_equal(out.bundles[i].name, bundles[i].name);
		assert_int_equal(out.bundles[i].version, bundles[i].version);
		assert_int_equal(out.bundles[i].nitems, bundles[i].nitems);
		for (j = 0; j < bundles[i].nitems; j++) {
			assert_string_equal(out.bundles[i].items[j].key, bundles[i].items[j].key);
			assert_int_equal(out.bundles[i].items[j].value_len,
					 bundles[i].items[j].value_len);
			assert_memory_equal(out.bundles[i].items[j].value, bundles[i].items[j].value,
					    bundles[i].items[j].value_len);
		}
	}
	vault_fetch_free(&out);
}

/* 0600 file in a 0700 directory, no temporary left, no plaintext, no names. */
static void
test_on_disk(void **state)
{
	struct vault_cache c = cache_of(token, "http://127.0.0.1:1");
	char path[512], text[8192];
	struct stat st;
	FILE *f;
	size_t n;

	(void)state;
	store(&c, NULL, NOW);
	store(&c, NULL, NOW + 1);      /* replaced in place: still one entry */
	entry_path(path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_non_null(f = fopen(path, "r"));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_non_null(strstr(text, "modal-run-cache 1\n"));
	assert_null(strstr(text, "k-123"));
	assert_null(strstr(text, "DB_USER"));
	assert_null(strstr(path, "db"));
}

/* Every byte of the file matters: flipping any one refuses the entry. */
static void
test_tamper(void **state)
{
	struct vault_cache c = cache_of(token, "http://127.0.0.1:1");
	struct mr_err e = { 0 };
	char path[512];
	unsigned char byte;
	long size, pos;
	FILE *f;

	(void)state;
	store(&c, "prod", NOW);
	entry_path(path, sizeof(path));
	assert_non_null(f = fopen(path, "r+"));
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	for (pos = 0; pos < size; pos += size / 40 + 1) {
		/* Each change starts from an entry that opens. */
		if (load(&c, "prod", names, 2, NOW, &e) != 0)
			fail_msg("untouched entry refused: %s", e.msg);
		fseek(f, pos, SEEK_SET);
		assert_int_equal(fread(&byte, 1, 1, f), 1);
		fseek(f, pos, SEEK_SET);
		/* Another digit of hex and base64 alike (hex is read in either case,
		 * so 'a' to 'A' would change nothing). */
		byte = byte == '0' ? '1' : byte == '\n' ? 'x' : '0';
		fputc(byte, f);
		fflush(f);
		mr_clear(&e);
		if (load(&c, "prod", names, 2, NOW, &e) == 0)
			fail_msg("a change at byte %ld went unnoticed", pos);
		assert_int_equal(e.kind, MR_E_CRYPTO);
		store(&c, "prod", NOW);           /* a good entry again (same name) */
		fclose(f);
		assert_non_null(f = fopen(path, "r+"));
	}
	fclose(f);
}

static void
test_age(void **state)
{
	struct vault_cache c = cache_of(token, "http://127.0.0.1:1");
	struct mr_err e = { 0 };

	(void)state;
	store(&c, "prod", NOW);
	assert_int_equal(load(&c, "prod", names, 2, NOW + 3600, &e), 0);
	assert_int_equal(load(&c, "prod", names, 2, NOW + 3601, &e), -1);
	assert_int_equal(e.kind, MR_E_UNAVAILABLE);
	assert_non_null(strstr(e.msg, "1h 0m old, more than --cache-max-age 1h 0m"));
	c.max_age = 0;
	assert_int_equal(load(&c, "prod", names, 2, NOW + 1, &e), -1);
	assert_int_equal(load(&c, "prod", names, 2, NOW - 3600, &e), -1);
	assert_non_null(strstr(e.msg, "future"));
}

/* Copies the one entry over the file another lookup would read. */
static void
plant_for(const struct vault_cache *other, const char *env, const char *const *n,
	  size_t count)
{
	struct vault_fetch f = { .nbundles = count, .bundles = bundles, .environment = "prod" };
	char src[512], dst[512], cmd[1600];
	struct mr_err e = { 0 };
	DIR *d;
	struct dirent *ent;

	entry_path(src, sizeof(src));
	/* Write an entry for the other lookup to learn its file name, then
	 * replace that file with the planted one. */
	assert_int_equal(vault_cache_store(other, env, n, count, &f, NOW, &e), 0);
	assert_non_null(d = opendir(dir));
	dst[0] = '\0';
	while ((ent = readdir(d)) != NULL)
		if (ent->d_name[0] != '.' && strstr(src, ent->d_name) == NULL)
			snprintf(dst, sizeof(dst), "%s/%s", dir, ent->d_name);
	closedir(d);
	assert_true(dst[0] != '\0');
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && rm '%s'", src, dst, src);
	assert_int_equal(system(cmd), 0);
}

static void
expect_refused(const struct vault_cache *c, const char *env, const char *const *n,
	       size_t count)
{
	struct mr_err e = { 0 };

	assert_int_equal(load(c, env, n, count, NOW, &e), -1);
	if (e.kind != MR_E_CRYPTO)
		fail_msg("want MR_E_CRYPTO, got %d: %s", e.kind, e.msg);
}

static void
test_other_token(void **state)
{
	struct vault_cache c = cache_of(token, "http://127.0.0.1:1");
	struct vault_cache other = cache_of("as-ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", "http://127.0.0.1:1");
	struct mr_err e = { 0 };

	(void)state;
	store(&c, "prod", NOW);
	/* Another token looks elsewhere, and its key opens nothing of ours. */
	assert_int_equal(load(&other, "prod", names, 2, NOW, &e), -1);
	assert_int_equal(e.kind, MR_E_NOTFOUND);
	plant_for(&other, "prod", names, 2);
	expect_refused(&other, "prod", names, 2);
}

static void
test_other_server(void **state)
{
	struct vault_cache c = cache_of(token, "http://127.0.0.1:1");
	struct vault_cache other = cache_of(token, "http://127.0.0.1:2");

	(void)state;
	store(&c, "prod", NOW);
	plant_for(&other, "prod", names, 2);
	expect_refused(&other, "prod", names, 2);
}

static void
test_other_request(void **state)
{
	static const char *const swapped[] = { "api", "db" };
	struct vault_cache c = cache_of(token, "http://127.0.0.1:1");
	struct mr_err e = { 0 };

	(void)state;
	store(&c, "prod", NOW);
	assert_int_equal(load(&c, "dev", names, 2, NOW, &e), -1);
	assert_int_equal(e.kind, MR_E_NOTFOUND);
	assert_int_equal(load(&c, "prod", names, 1, NOW, &e), -1);
	assert_int_equal(e.kind, MR_E_NOTFOUND);
	plant_for(&c, "dev", names, 2);
	expect_refused(&c, "dev", names, 2);
	assert_int_equal(teardown(NULL), 0);
	assert_int_equal(setup(NULL), 0);
	store(&c, "prod", NOW);
	plant_for(&c, "prod", swapped, 2);
	expect_refused(&c, "prod", swapped, 2);
}

static void
test_trust(void **state)
{
	struct vault_cache c = cache_of(token, "http://127.0.0.1:1");
	struct vault_fetch f = fetched();
	struct mr_err e = { 0 };
	char path[512];

	(void)state;
	store(&c, "prod", NOW);
	entry_path(path, sizeof(path));
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(load(&c, "prod", names, 2, NOW, &e), -1);
	assert_int_equal(e.kind, MR_E_CONFIG);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(vault_cache_store(&c, "prod", names, 2, &f, NOW, &e), -1);
	assert_int_equal(e.kind, MR_E_CONFIG);
	assert_non_null(strstr(e.msg, "mode 0700"));
	assert_int_equal(chmod(dir, 0700), 0);
}

/* Token secrets may be up to 128 characters (docs/configuration.md). */
static void
test_long_secret(void **state)
{
	char secret[129];
	struct vault_cache c, other;
	struct mr_err e = { 0 };

	(void)state;
	memset(secret, 'a', 128);
	memcpy(secret, "as-", 3);
	secret[128] = '\0';
	c = cache_of(secret, "http://127.0.0.1:1");
	store(&c, "prod", NOW);
	if (load(&c, "prod", names, 2, NOW, &e) != 0)
		fail_msg("%s", e.msg);
	secret[127] = 'b';       /* differs only past the 64th byte */
	other = cache_of(secret, "http://127.0.0.1:1");
	assert_int_equal(load(&other, "prod", names, 2, NOW, &e), -1);
}

static void
test_age_text(void **state)
{
	static const struct { int64_t s; const char *text; } cases[] = {
		{ 0, "0s" }, { 59, "59s" }, { 60, "1m 0s" }, { 785, "13m 5s" },
		{ 7980, "2h 13m" }, { 86400, "1d 0h" }, { 273600, "3d 4h" }, { -5, "0s" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vault_cache_age_text(cases[i].s, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_age, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trust, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_secret, setup, teardown),
		cmocka_unit_test(test_age_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
