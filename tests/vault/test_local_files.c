/* test_local_files.c — the embedded store opens only the database file it
 * checked (vault/store/sqlite/local_files.c). A swap between the check and SQLite's own
 * open is a race no test can win on demand, so this gives local_db_open what
 * a won race leaves behind: a checked directory whose vault.db is not the
 * file the path leads SQLite to. That must be refused, on SQLite's own
 * descriptor; the matching pair must open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sqlite/local.h"
#include "secmem.h"
#include "vault.h"

static char top[64], dir_a[128], dir_b[128];

static int
setup(void **state)
{
	struct vault_workspace ws;
	struct mr_err e = { 0 };
	char url[160];

	(void)state;
	assert_int_equal(secmem_init(), 0);
	snprintf(top, sizeof(top), "/tmp/modal-localfiles-XXXXXX");
	assert_non_null(mkdtemp(top));
	snprintf(dir_a, sizeof(dir_a), "%s/a", top);
	snprintf(dir_b, sizeof(dir_b), "%s/b", top);
	/* Opening a vault installs the check of what SQLite opens. */
	snprintf(url, sizeof(url), "file:%s", dir_a);
	if (vault_init(url, "a", &ws, &e) != 0)
		fail_msg("init a: %s", e.msg);
	snprintf(url, sizeof(url), "file:%s", dir_b);
	if (vault_init(url, "b", &ws, &e) != 0)
		fail_msg("init b: %s", e.msg);
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

/* Opens dir's vault.db as SQLite would find it at path. */
static int
open_pair(const char *dir, const char *db_dir, struct mr_err *e)
{
	char path[160];
	sqlite3 *db = NULL;
	int dirfd = local_dir_open(dir, e), rc;

	assert_true(dirfd >= 0);
	snprintf(path, sizeof(path), "%s/vault.db", db_dir);
	rc = local_db_open(dirfd, path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, &db, e);
	sqlite3_close(db);
	close(dirfd);
	return rc;
}

static void
test_only_the_checked_file(void **state)
{
	struct mr_err e = { 0 };

	(void)state;
	assert_int_equal(open_pair(dir_a, dir_a, &e), 0);
	assert_int_equal(open_pair(dir_a, dir_b, &e), -1);
	assert_int_equal(e.kind, MR_E_CONFIG);
	if (strstr(e.msg, "replaced while it was being opened (SQLite found another file") == NULL)
		fail_msg("'%s'", e.msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_only_the_checked_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
