/* test_short_lived.c — the embedded store on SQLite's bump arena
 * (vault_short_lived, sqlite_arena.c): the arena is SQLite's allocator, and
 * work far past its 512 KiB (where blocks come from malloc instead, and
 * blocks grown by realloc move between the two) gives the same answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vault.h"

#define NSECRETS 300
#define NKEYS 8
#define VALUE_LEN 2000

static char top[64], url[300];

static void
value_of(int secret, int key, char *out)
{
	memset(out, 'a' + (secret + key) % 26, VALUE_LEN);
	snprintf(out, 16, "%d.%d|", secret, key);
	out[strlen(out)] = '-';
	out[VALUE_LEN] = '\0';
}

static void
test_arena_is_sqlites_allocator(void **state)
{
	sqlite3_mem_methods m;

	(void)state;
	assert_int_equal(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &m), SQLITE_OK);
	/* SQLite's own allocators round to 8 bytes, the arena to 16. */
	assert_int_equal(m.xRoundup(1), 16);
	assert_int_equal(m.xRoundup(17), 32);
}

static void
test_fetch_past_the_arena(void **state)
{
	static char names_buf[NSECRETS][16], value[VALUE_LEN + 1], keys[NKEYS][8];
	const char *names[NSECRETS];
	struct vault_item items[NKEYS];
	struct vault_workspace ws;
	struct vault_fetch f;
	struct mr_err e = { 0 };
	struct vault *v = NULL;
	char *values[NKEYS];
	int s, k;

	(void)state;
	snprintf(top, sizeof(top), "/tmp/modal-arena-XXXXXX");
	assert_non_null(mkdtemp(top));
	snprintf(url, sizeof(url), "file:%s/vault", top);
	if (vault_init(url, "arena", &ws, &e) != 0 || vault_open(url, &v, &e) != 0)
		fail_msg("%s", e.msg);
	for (s = 0; s < NSECRETS; s++) {
		for (k = 0; k < NKEYS; k++) {
			snprintf(keys[k], sizeof(keys[k]), "K%d", k);
			values[k] = malloc(VALUE_LEN + 1);
			value_of(s, k, values[k]);
			items[k] = (struct vault_item){ keys[k], (unsigned char *)values[k], VALUE_LEN };
		}
		snprintf(names_buf[s], sizeof(names_buf[s]), "s%03d", s);
		names[s] = names_buf[s];
		if (vault_secret_put(v, NULL, names[s], items, NKEYS, 0, NULL, &e) != 0)
			fail_msg("%s", e.msg);
		for (k = 0; k < NKEYS; k++)
			free(values[k]);
	}
	if (vault_fetch(v, NULL, names, NSECRETS, &f, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(f.nbundles, NSECRETS);
	for (s = 0; s < NSECRETS; s++) {
		assert_string_equal(f.bundles[s].name, names[s]);
		assert_int_equal(f.bundles[s].nitems, NKEYS);
		for (k = 0; k < NKEYS; k++) {
			value_of(s, k, value);
			assert_int_equal(f.bundles[s].items[k].value_len, VALUE_LEN);
			assert_memory_equal(f.bundles[s].items[k].value, value, VALUE_LEN);
		}
	}
	vault_fetch_free(&f);
	vault_close(v);
}

static int
teardown(void **state)
{
	char cmd[200];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return top[0] != '\0' && system(cmd) != 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_is_sqlites_allocator),
		cmocka_unit_test_teardown(test_fetch_past_the_arena, teardown),
	};

	vault_short_lived();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
