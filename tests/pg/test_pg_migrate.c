/* test_pg_migrate.c — the PostgreSQL store's schema: a fresh database is
 * migrated, a second run changes nothing, an older one is brought up to date
 * (its workspace getting an owner), a newer one is refused by every entry
 * point, and servers starting together migrate once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>

#include "pg_fixture.h"

static void
test_fresh_and_again(void **state)
{
	struct mr_err e = { 0 };
	int from = -1, to = -1;

	(void)state;
	assert_ok(vault_migrate(pgt_url, &from, &to, &e), e);
	assert_int_equal(from, 0);
	assert_int_equal(to, PG_SCHEMA_VERSION);
	assert_string_equal(pgt_sql("SELECT string_agg(version::text, ',' ORDER BY version)"
				    " FROM schema_version"), "1,2,3,4");
	assert_int_equal(pgt_int("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"), 11);
	assert_ok(vault_migrate(pgt_url, &from, &to, &e), e);
	assert_int_equal(from, PG_SCHEMA_VERSION);
	assert_int_equal(pgt_int("SELECT count(*) FROM schema_version"), PG_SCHEMA_VERSION);
}

/* A store made at schema 1 (before members and tokens) gets them, and its
 * workspace an owner, when a server opens it. */
static void
test_upgrade_from_1(void **state)
{
	struct vault_member owner;
	struct mr_err e = { 0 };
	struct vault *p = NULL;

	(void)state;
	pgt_sql("DROP TABLE audit, proxy_token_envs, tokens, members;"
		" DROP TABLE kek_ids CASCADE; DROP INDEX secret_versions_kek;"
		" DROP INDEX environments_suffix;"
		" DELETE FROM schema_version WHERE version >= 2");
	/* Schema 1 allowed a duplicated webhook suffix: the oldest keeps it. */
	pgt_sql("INSERT INTO environments SELECT id, 'dupa', 'same', 1 FROM workspaces;"
		" INSERT INTO environments SELECT id, 'dupb', 'SAME', 2 FROM workspaces");
	assert_fails(vault_open_readonly(pgt_url, &p, &e), e, MR_E_CONFIG,
		     "schema 1 is older than this program's (4): run 'modal-vault migrate'");
	p = pgt_open();
	assert_ok(vault_owner(p, &owner, &e), e);
	assert_string_equal(owner.name, "owner");
	assert_int_equal(strlen(owner.member_id), 25);
	assert_string_equal(pgt_sql("SELECT string_agg(name || '=' || webhook_suffix, ',' ORDER BY name)"
				    " FROM environments WHERE name LIKE 'dup%'"), "dupa=same,dupb=");
	assert_fails(vault_env_create(p, "dupc", "Same", NULL, &e), e, MR_E_EXISTS,
		     "webhook suffix 'Same' is already another environment's");
	vault_close(p);
}

static void
test_newer_refused(void **state)
{
	struct mr_err e = { 0 };
	struct vault *p = NULL;
	int from, to;

	(void)state;
	pgt_sql("INSERT INTO schema_version VALUES (99, 0)");
	assert_fails(vault_migrate(pgt_url, &from, &to, &e), e, MR_E_CONFIG,
		     "schema 99 is newer than this program knows (4): upgrade modal-vault");
	assert_fails(vault_open(pgt_url, &p, &e), e, MR_E_CONFIG, "schema 99 is newer");
	assert_fails(vault_open_readonly(pgt_url, &p, &e), e, MR_E_CONFIG, "schema 99 is newer");
	assert_int_equal(pgt_int("SELECT count(*) FROM schema_version"), 5);
}

static void *
migrate_thread(void *arg)
{
	struct mr_err e = { 0 };
	int from, to;

	*(int *)arg = vault_migrate(pgt_url, &from, &to, &e);
	return NULL;
}

/* Eight servers starting at once on an empty database: each waits for the
 * migration lock, one migrates, all start. */
static void
test_concurrent_migrations(void **state)
{
	pthread_t th[8];
	int rc[8], i;

	(void)state;
	for (i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&th[i], NULL, migrate_thread, &rc[i]), 0);
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(rc[i], 0);
	}
	assert_int_equal(pgt_int("SELECT count(*) FROM schema_version"), PG_SCHEMA_VERSION);
}

static void *
init_thread(void *arg)
{
	struct vault_workspace ws;
	struct mr_err e = { 0 };

	*(int *)arg = vault_init(pgt_url, "race", &ws, &e) == 0 ? 0 : (int)e.kind;
	return NULL;
}

/* Only one of several concurrent inits makes a workspace. */
static void
test_concurrent_inits(void **state)
{
	pthread_t th[4];
	int rc[4], i, made = 0;

	(void)state;
	assert_int_equal(system("head -c 32 /dev/urandom > \"$MODAL_VAULT_MASTER_KEY\" &&"
				" chmod 600 \"$MODAL_VAULT_MASTER_KEY\""), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, init_thread, &rc[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		if (rc[i] == 0)
			made++;
		else
			assert_int_equal(rc[i], MR_E_EXISTS);
	}
	assert_int_equal(made, 1);
	assert_int_equal(pgt_int("SELECT count(*) FROM workspaces"), 1);
	assert_int_equal(pgt_int("SELECT count(*) FROM members"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_and_again, pgt_setup_empty, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_from_1, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_newer_refused, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_migrations, pgt_setup_empty, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_inits, pgt_setup_empty, pgt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
