/* pg_fixture.h — what the PostgreSQL store's tests share: a fresh schema of
 * the test cluster per test (tests/pg/with-pg.sh starts the cluster and sets
 * MODAL_TEST_PG_URL), a master key file, and SQL run beside the store to set
 * up or inspect what it cannot. Include once, after cmocka.h. */
#ifndef MODAL_TEST_PG_FIXTURE_H
#define MODAL_TEST_PG_FIXTURE_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "admin.h"
#include "store/pg/pg_vault.h"
#include "vault.h"

static char pgt_base[512];      /* the cluster's database */
static char pgt_url[700];       /* the same, searching only this test's schema */
static char pgt_schema[64];
static char pgt_dir[64];        /* holds the master key */
static int pgt_count;

static void
pgt_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Runs sql on the base database (search_path: this test's schema); returns
 * the first cell of the first row (static), or "" when there is none. */
static const char *
pgt_sql(const char *sql)
{
	static char cell[4096];
	PGconn *c = PQconnectdb(pgt_url[0] ? pgt_url : pgt_base);
	PGresult *r;

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("test database: %s", PQerrorMessage(c));
	PQsetNoticeProcessor(c, pgt_quiet, NULL);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(r));
	snprintf(cell, sizeof(cell), "%s",
		 PQntuples(r) > 0 && PQnfields(r) > 0 ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	PQfinish(c);
	return cell;
}

static int64_t
pgt_int(const char *sql)
{
	return strtoll(pgt_sql(sql), NULL, 10);
}

/* A new, empty schema and a key file path (not created yet). */
static int
pgt_setup_empty(void **state)
{
	const char *base = getenv("MODAL_TEST_PG_URL");
	char sql[200];

	(void)state;
	if (base == NULL) {
		/* fail_msg is not declared noreturn: say it for the compiler. */
		fail_msg("MODAL_TEST_PG_URL is not set: run through tests/pg/with-pg.sh");
		return -1;
	}
	snprintf(pgt_base, sizeof(pgt_base), "%s", base);
	snprintf(pgt_schema, sizeof(pgt_schema), "t%d_%d", (int)getpid(), ++pgt_count);
	pgt_url[0] = '\0';
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s",
		 pgt_schema, pgt_schema);
	pgt_sql(sql);
	snprintf(pgt_url, sizeof(pgt_url), "%s%soptions=-csearch_path%%3D%s", base,
		 strchr(base, '?') ? "&" : "?", pgt_schema);
	snprintf(pgt_dir, sizeof(pgt_dir), "/tmp/modal-pgtest-XXXXXX");
	if (mkdtemp(pgt_dir) == NULL)
		fail_msg("mkdtemp failed");
	snprintf(sql, sizeof(sql), "%s/master.key", pgt_dir);
	setenv(PG_KEY_ENV, sql, 1);
	return 0;
}

/* A new schema holding an initialised workspace "test". */
static int
pgt_setup(void **state)
{
	struct vault_workspace ws;
	struct mr_err e = { 0 };

	pgt_setup_empty(state);
	if (vault_init(pgt_url, "test", &ws, &e) != 0)
		fail_msg("vault_init: %s", e.msg);
	return 0;
}

static int
pgt_teardown(void **state)
{
	char cmd[200];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pgt_dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "DROP SCHEMA %s CASCADE", pgt_schema);
	pgt_url[0] = '\0';
	pgt_sql(cmd);
	return 0;
}

static struct vault *
pgt_open(void)
{
	struct vault *p = NULL;
	struct mr_err e = { 0 };

	if (vault_open(pgt_url, &p, &e) != 0)
		fail_msg("vault_open: %s", e.msg);
	return p;
}

/* Fails the test unless rc is -1 with the kind and a message containing msg. */
#define assert_fails(rc_, e_, kind_, text_) do {                                     \
		int got_ = (rc_);                                                            \
		if (got_ != -1 || (e_).kind != (kind_) || strstr((e_).msg, (text_)) == NULL) \
			fail_msg("want kind %d '%s', got rc %d kind %d '%s'", (int)(kind_),   \
				 (text_), got_, (int)(e_).kind, (e_).msg);                   \
	} while (0)

#define assert_ok(rc, e) do {                                                        \
		if ((rc) != 0)                                                               \
			fail_msg("%s", (e).msg);                                             \
	} while (0)

#endif
