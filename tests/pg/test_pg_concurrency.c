/* test_pg_concurrency.c — several connections on one PostgreSQL store, as
 * several servers are: each sees the others' writes at once, a revocation
 * through one is refused by the others on the next call, concurrent creates
 * of one name give exactly one success, compare-and-set updates never lose
 * one, and a lost or refused connection is MR_E_UNAVAILABLE, then recovered
 * from without help. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "pg_fixture.h"

#define THREADS 8

static pthread_barrier_t start;

static void
put_value(struct vault *p, const char *name, const char *value, int replace)
{
	struct vault_item item = { "N", (const unsigned char *)value, strlen(value) };
	struct mr_err e = { 0 };

	assert_ok(vault_secret_put(p, NULL, name, &item, 1, replace, NULL, &e), e);
}

/* The value of key N of a secret, as a number. */
static long
read_value(struct vault *p, const char *name)
{
	const char *names[] = { name };
	struct vault_fetch f;
	struct mr_err e = { 0 };
	char buf[32];
	long n;

	if (vault_fetch(p, NULL, names, 1, &f, &e) != 0)
		fail_msg("%s", e.msg);
	snprintf(buf, sizeof(buf), "%.*s", (int)f.bundles[0].items[0].value_len,
		 (const char *)f.bundles[0].items[0].value);
	n = strtol(buf, NULL, 10);
	vault_fetch_free(&f);
	return n;
}

static void
test_writes_seen_at_once(void **state)
{
	char secret[TOKEN_SECRET_LEN + 1];
	struct vault_identity who;
	struct vault_token t;
	struct mr_err e = { 0 };
	struct vault *a = pgt_open(), *b = pgt_open();

	(void)state;
	put_value(a, "db", "1", 0);
	assert_int_equal(read_value(b, "db"), 1);
	put_value(b, "db", "2", 1);
	assert_int_equal(read_value(a, "db"), 2);
	assert_ok(vault_token_create(a, VAULT_TOKEN_API, NULL, "ci", 0, &t, secret, &e), e);
	assert_ok(vault_token_verify(b, VAULT_TOKEN_API, t.token_id, secret, strlen(secret), &who, &e), e);
	assert_ok(vault_token_revoke(a, t.token_id, &e), e);
	assert_fails(vault_token_verify(b, VAULT_TOKEN_API, t.token_id, secret, strlen(secret), &who,
				     &e), e, MR_E_AUTH, "invalid or expired token");
	vault_token_clear(&t);
	vault_close(a);
	vault_close(b);
}

struct worker {
	pthread_t th;
	struct vault *p;
	const char *name;
	int ok, exists, other;
	char msg[512];
};

static void *
create_worker(void *arg)
{
	struct worker *w = arg;
	struct vault_item item = { "K", (const unsigned char *)w->name, strlen(w->name) };
	struct mr_err e = { 0 };

	pthread_barrier_wait(&start);
	if (vault_secret_put(w->p, NULL, w->name, &item, 1, 0, NULL, &e) == 0)
		w->ok++;
	else if (e.kind == MR_E_EXISTS)
		w->exists++;
	else
		w->other++, snprintf(w->msg, sizeof(w->msg), "%s", e.msg);
	return NULL;
}

static void
run_workers(struct worker *w, void *(*fn)(void *))
{
	int i;

	pthread_barrier_init(&start, NULL, THREADS);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&w[i].th, NULL, fn, &w[i]), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(w[i].th, NULL);
	pthread_barrier_destroy(&start);
}

/* THREADS connections create one name at the same moment, several times. */
static void
test_concurrent_creates(void **state)
{
	static const char *const names[] = { "a", "b", "c", "d", "e" };
	struct worker w[THREADS];
	int i, round, ok, exists;

	(void)state;
	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++)
		w[i].p = pgt_open();
	for (round = 0; round < 5; round++) {
		for (i = 0, ok = exists = 0; i < THREADS; i++)
			w[i].name = names[round], w[i].ok = w[i].exists = 0;
		run_workers(w, create_worker);
		for (i = 0; i < THREADS; i++) {
			if (w[i].other)
				fail_msg("%s", w[i].msg);
			ok += w[i].ok;
			exists += w[i].exists;
		}
		assert_int_equal(ok, 1);
		assert_int_equal(exists, THREADS - 1);
	}
	assert_int_equal(pgt_int("SELECT count(*) FROM secret_versions"), 5);
	for (i = 0; i < THREADS; i++)
		vault_close(w[i].p);
}

#define INCREMENTS 15

/* Read-modify-write through compare-and-set, retried on conflict: a counter
 * that ends exactly at THREADS * INCREMENTS loses no update. */
static void *
cas_worker(void *arg)
{
	struct worker *w = arg;
	struct vault_secret_meta m;
	struct vault_item item;
	struct mr_err e = { 0 };
	char value[32];
	int done = 0;

	pthread_barrier_wait(&start);
	while (done < INCREMENTS && !w->other) {
		if (vault_secret_get(w->p, NULL, "counter", &m, &e) != 0) {
			w->other++, snprintf(w->msg, sizeof(w->msg), "%s", e.msg);
			break;
		}
		snprintf(value, sizeof(value), "%ld", read_value(w->p, "counter") + 1);
		item = (struct vault_item){ "N", (const unsigned char *)value, strlen(value) };
		/* The version read with the metadata may be older than the value
		 * read after it; CAS on it is still safe, just more conflicts. */
		if (vault_secret_update(w->p, NULL, "counter", &item, 1, m.version, NULL, &e) == 0)
			done++, w->ok++;
		else if (e.kind == MR_E_CONFLICT)
			w->exists++;
		else
			w->other++, snprintf(w->msg, sizeof(w->msg), "%s", e.msg);
		vault_secret_meta_clear(&m);
	}
	return NULL;
}

static void
test_cas_loses_nothing(void **state)
{
	struct worker w[THREADS];
	int i, conflicts = 0;

	(void)state;
	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++)
		w[i].p = pgt_open();
	put_value(w[0].p, "counter", "0", 0);
	run_workers(w, cas_worker);
	for (i = 0; i < THREADS; i++) {
		if (w[i].other)
			fail_msg("%s", w[i].msg);
		conflicts += w[i].exists;
	}
	assert_int_equal(read_value(w[0].p, "counter"), THREADS * INCREMENTS);
	assert_int_equal(pgt_int("SELECT version FROM secrets WHERE name = 'counter'"),
			 THREADS * INCREMENTS + 1);
	assert_int_equal(pgt_int("SELECT count(*) FROM secret_versions"), THREADS * INCREMENTS + 1);
	print_message("%d updates, %d conflicts retried\n", THREADS * INCREMENTS, conflicts);
	for (i = 0; i < THREADS; i++)
		vault_close(w[i].p);
}

static void *
replace_worker(void *arg)
{
	struct worker *w = arg;
	struct vault_item item = { "K", (const unsigned char *)"v", 1 };
	struct mr_err e = { 0 };
	int i;

	pthread_barrier_wait(&start);
	for (i = 0; i < 5; i++)
		if (vault_secret_put(w->p, NULL, "shared", &item, 1, 1, NULL, &e) == 0)
			w->ok++;
		else
			w->other++, snprintf(w->msg, sizeof(w->msg), "%s", e.msg);
	return NULL;
}

/* Create-or-replace from every connection at once, starting with no secret:
 * all succeed, each as its own version. */
static void
test_concurrent_replaces(void **state)
{
	struct worker w[THREADS];
	int i;

	(void)state;
	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++)
		w[i].p = pgt_open();
	run_workers(w, replace_worker);
	for (i = 0; i < THREADS; i++)
		if (w[i].other)
			fail_msg("%s", w[i].msg);
	assert_int_equal(pgt_int("SELECT version FROM secrets WHERE name = 'shared'"), THREADS * 5);
	assert_int_equal(pgt_int("SELECT count(*) FROM secret_versions"), THREADS * 5);
	for (i = 0; i < THREADS; i++)
		vault_close(w[i].p);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connection the database closed (a restart, a failover, an idle kill)
 * is replaced on the next call, which succeeds. */
static void
test_reconnects(void **state)
{
	struct mr_err e = { 0 };
	struct vault_secret_meta m;
	struct vault *p = pgt_open();

	(void)state;
	put_value(p, "db", "1", 0);
	pgt_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
		" WHERE application_name = 'modal-vault'");
	assert_int_equal(read_value(p, "db"), 1);
	pgt_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
		" WHERE application_name = 'modal-vault'");
	put_value(p, "db", "2", 1);
	assert_ok(vault_secret_get(p, NULL, "db", &m, &e), e);
	assert_int_equal(m.version, 2);
	vault_secret_meta_clear(&m);
	vault_close(p);
}

static void
cluster(const char *script, const char *arg)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "bash \"$MODAL_SRC/scripts/%s\" \"$MODAL_TEST_PG_DIR\" %s"
		 " >/dev/null", script, arg);
	assert_int_equal(system(cmd), 0);
}

/* The database stopped: every call fails fast with MR_E_UNAVAILABLE (a 503
 * from the server), and works again once it is back. */
static void
test_database_restart(void **state)
{
	struct vault_item item = { "N", (const unsigned char *)"3", 1 };
	struct vault_identity who;
	struct mr_err e = { 0 };
	struct vault *p = pgt_open(), *q = NULL;
	double t0;

	(void)state;
	put_value(p, "db", "1", 0);
	cluster("pg-stop.sh", "--keep");
	t0 = now_s();
	assert_fails(vault_secret_put(p, NULL, "db", &item, 1, 1, NULL, &e), e, MR_E_UNAVAILABLE,
		     "cannot reach the PostgreSQL store");
	assert_fails(vault_secret_update(p, NULL, "db", &item, 1, 1, NULL, &e), e, MR_E_UNAVAILABLE,
		     "cannot reach the PostgreSQL store");
	assert_fails(vault_token_verify(p, VAULT_TOKEN_API, "ak-x", "as-x", 4, &who, &e), e,
		     MR_E_UNAVAILABLE, "cannot reach the PostgreSQL store");
	assert_fails(vault_open(pgt_url, &q, &e), e, MR_E_UNAVAILABLE,
		     "cannot reach the PostgreSQL store");
	assert_true(now_s() - t0 < 2.0);
	cluster("pg-start.sh", "");
	assert_int_equal(read_value(p, "db"), 1);
	assert_ok(vault_secret_put(p, NULL, "db", &item, 1, 1, NULL, &e), e);
	assert_int_equal(read_value(p, "db"), 3);
	vault_close(p);
}

#define AUDIT_WRITERS 4
#define AUDIT_EACH 150

static void *
audit_writer(void *arg)
{
	struct worker *w = arg;
	struct vault_audit_record r = { .status = 200 };
	struct mr_err e = { 0 };
	int i;

	snprintf(r.action, sizeof(r.action), "secret.get");
	snprintf(r.client, sizeof(r.client), "test");
	pthread_barrier_wait(&start);
	for (i = 0; i < AUDIT_EACH; i++) {
		snprintf(r.resource, sizeof(r.resource), "secret:main/%s-%d", w->name, i);
		if (vault_audit_append(w->p, &r, &e) != 0) {
			w->other++, snprintf(w->msg, sizeof(w->msg), "%s", e.msg);
			break;
		}
	}
	return NULL;
}

/* Reads pages after the last id seen until told to stop and nothing is left;
 * counts what it saw. */
struct reader {
	struct vault *v;
	volatile int stop;
	size_t seen, pages;
	int64_t last;
	char msg[512];
};

static void *
audit_reader(void *arg)
{
	struct reader *rd = arg;
	struct vault_audit_filter f = { .limit = 40 };
	struct vault_audit_record *list;
	struct mr_err e = { 0 };
	size_t n = 1, i;

	while (!rd->stop || n > 0) {
		f.after_id = rd->last;
		if (vault_audit_list(rd->v, &f, &list, &n, &e) != 0) {
			snprintf(rd->msg, sizeof(rd->msg), "%s", e.msg);
			break;
		}
		for (i = 0; i < n; i++)
			rd->last = list[i].id;
		rd->seen += n;
		rd->pages++;
		free(list);
	}
	return NULL;
}

/* Servers append audit records at once while someone pages through the log
 * by id: no page may pass a record that commits later with a smaller id. */
static void
test_audit_cursor_under_appends(void **state)
{
	static const char *const names[AUDIT_WRITERS] = { "a", "b", "c", "d" };
	struct worker w[AUDIT_WRITERS];
	struct reader rd = { .v = pgt_open() };
	pthread_t th;
	int i;

	(void)state;
	memset(w, 0, sizeof(w));
	pthread_barrier_init(&start, NULL, AUDIT_WRITERS);
	for (i = 0; i < AUDIT_WRITERS; i++) {
		w[i].p = pgt_open();
		w[i].name = names[i];
	}
	assert_int_equal(pthread_create(&th, NULL, audit_reader, &rd), 0);
	for (i = 0; i < AUDIT_WRITERS; i++)
		assert_int_equal(pthread_create(&w[i].th, NULL, audit_writer, &w[i]), 0);
	for (i = 0; i < AUDIT_WRITERS; i++)
		pthread_join(w[i].th, NULL);
	rd.stop = 1;
	pthread_join(th, NULL);
	pthread_barrier_destroy(&start);
	for (i = 0; i < AUDIT_WRITERS; i++) {
		if (w[i].other)
			fail_msg("%s", w[i].msg);
		vault_close(w[i].p);
	}
	if (rd.msg[0])
		fail_msg("%s", rd.msg);
	print_message("%zu records read in %zu pages while written\n", rd.seen, rd.pages);
	assert_int_equal(rd.seen, AUDIT_WRITERS * AUDIT_EACH);
	assert_int_equal(pgt_int("SELECT count(*) FROM audit"), AUDIT_WRITERS * AUDIT_EACH);
	vault_close(rd.v);
}

/* The postmaster's pid, from the cluster's postmaster.pid. */
static pid_t
postmaster_pid(void)
{
	char path[300];
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/data/postmaster.pid", getenv("MODAL_TEST_PG_DIR"));
	if ((f = fopen(path, "r")) == NULL || fscanf(f, "%ld", &pid) != 1)
		fail_msg("cannot read %s", path);
	fclose(f);
	return (pid_t)pid;
}

/* The backends serving the store (not this test's own connection). */
static void
store_backends(char *pids, size_t len)
{
	snprintf(pids, len, "%s", pgt_sql("SELECT string_agg(pid::text, ' ')"
		 " FROM pg_stat_activity WHERE application_name = 'modal-vault'"));
}

static void
signal_pids(const char *pids, int sig)
{
	const char *p;
	char *end;

	for (p = pids; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		kill((pid_t)pid, sig);
	}
}

/* Whatever a failed test left stopped: the postmaster and its children. */
static int
teardown_resume(void **state)
{
	pid_t pm = postmaster_pid();
	struct dirent *d;
	char path[300];
	long ppid;
	DIR *proc = opendir("/proc");
	FILE *f;

	kill(pm, SIGCONT);
	while (proc != NULL && (d = readdir(proc)) != NULL) {
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%*d (%*[^)]) %*c %ld", &ppid) == 1 && ppid == (long)pm)
			kill((pid_t)strtol(d->d_name, NULL, 10), SIGCONT);
		fclose(f);
	}
	if (proc != NULL)
		closedir(proc);
	return pgt_teardown(state);
}

/* A database that takes a statement and goes silent (a frozen host, a stopped
 * process: its kernel still acknowledges) costs a bounded wait, then
 * MR_E_UNAVAILABLE; the next call connects again. With the postmaster silent
 * too, connecting gives up after connect_timeout. */
static void
test_silent_database(void **state)
{
	char url[800], pids[512];
	struct vault_secret_meta m;
	struct mr_err e = { 0 };
	struct vault *v = NULL;
	double t0;

	(void)state;
	/* pgt_url ends in its options: one more setting joins them. */
	snprintf(url, sizeof(url), "%s%%20-cstatement_timeout%%3D300&connect_timeout=2", pgt_url);
	if (vault_open(url, &v, &e) != 0)
		fail_msg("%s", e.msg);
	put_value(v, "db", "1", 0);
	store_backends(pids, sizeof(pids));
	signal_pids(pids, SIGSTOP);
	t0 = now_s();
	assert_fails(vault_secret_get(v, NULL, "db", &m, &e), e, MR_E_UNAVAILABLE,
		     "no answer in 2300 ms");
	assert_true(now_s() - t0 < 3.0);
	assert_ok(vault_secret_get(v, NULL, "db", &m, &e), e);   /* a new backend answers */
	vault_secret_meta_clear(&m);
	signal_pids(pids, SIGCONT);
	/* The pids first: with the postmaster stopped, nobody can connect. */
	store_backends(pids, sizeof(pids));
	kill(postmaster_pid(), SIGSTOP);
	signal_pids(pids, SIGSTOP);
	t0 = now_s();
	assert_fails(vault_secret_get(v, NULL, "db", &m, &e), e, MR_E_UNAVAILABLE, "no answer in");
	assert_fails(vault_secret_get(v, NULL, "db", &m, &e), e, MR_E_UNAVAILABLE,
		     "cannot reach the PostgreSQL store");
	assert_true(now_s() - t0 < 6.0);
	signal_pids(pids, SIGCONT);
	kill(postmaster_pid(), SIGCONT);
	assert_ok(vault_secret_get(v, NULL, "db", &m, &e), e);
	vault_secret_meta_clear(&m);
	vault_close(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_writes_seen_at_once, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_creates, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_cas_loses_nothing, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_replaces, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_audit_cursor_under_appends, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_reconnects, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_database_restart, pgt_setup, pgt_teardown),
		cmocka_unit_test_setup_teardown(test_silent_database, pgt_setup, teardown_resume),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
