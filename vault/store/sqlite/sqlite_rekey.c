/* sqlite_rekey.c — modal-vault rekey on the embedded store: the steps of
 * store/rekey.h over its rows, a batch a transaction. */
#include "local.h"
#include "store/rekey.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROWS_SQL \
	"SELECT s.workspace_id, s.environment, s.name, sv.secret_id, sv.version," \
	" sv.kek_version, sv.wrapped_key FROM secret_versions sv JOIN secrets s" \
	" ON s.id = sv.secret_id"

static int
row_read(struct sqlite_vault *v, sqlite3_stmt *st, struct rekey_row *r, struct mr_err *e)
{
	db_text(st, 0, r->workspace_id, sizeof(r->workspace_id));
	db_text(st, 1, r->environment, sizeof(r->environment));
	db_text(st, 2, r->name, sizeof(r->name));
	db_text(st, 3, r->secret_id, sizeof(r->secret_id));
	r->version = (uint64_t)sqlite3_column_int64(st, 4);
	r->kek_version = (uint32_t)sqlite3_column_int64(st, 5);
	if (sqlite3_column_bytes(st, 6) != WRAPPED_KEY_LEN)
		return rekey_row_fail(r, "has a damaged wrapped key: nothing was changed", e);
	memcpy(r->wrapped, sqlite3_column_blob(st, 6), WRAPPED_KEY_LEN);
	(void)v;
	return 0;
}

/* Step 1: every row opens, before anything changes. */
static int
check_all(struct sqlite_vault *v, struct mr_err *e)
{
	struct rekey_row r;
	sqlite3_stmt *st;
	int rc = 0, step;

	if (db_prepare(v->db, ROWS_SQL, &st, e) != 0)
		return -1;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = row_read(v, st, &r, e) == 0 ? rekey_row_check(&v->keys, &r, e) : -1;
	if (rc == 0 && step != SQLITE_DONE)
		rc = db_fail(v->db, e, "reading secret versions");
	sqlite3_finalize(st);
	return rc;
}

/* Runs sql (at most one ? for an integer) inside the caller's transaction. */
static int
exec_int(struct sqlite_vault *v, const char *sql, int64_t x, struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(v->db, sql, &st, e) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, x);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(v->db, e, "rekey");
	sqlite3_finalize(st);
	return rc;
}

/* Step 3: new versions are wrapped under to from here on. */
static int
record_key(struct sqlite_vault *v, uint32_t to, struct mr_err *e)
{
	if (db_begin(v->db, e) != 0)
		return -1;
	if (exec_int(v, "INSERT OR IGNORE INTO kek_ids VALUES (?)", to, e) != 0 ||
	    exec_int(v, "UPDATE meta SET v = CAST(? AS TEXT) WHERE k = 'kek_version'", to, e) != 0 ||
	    db_commit(v->db, e) != 0) {
		db_rollback(v->db);
		return -1;
	}
	v->kek_version = to;
	return 0;
}

/* Up to batch rows not under to, read inside the write transaction. */
static int
batch_read(struct sqlite_vault *v, uint32_t to, size_t batch, struct rekey_row *rows, size_t *n,
	   struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc = 0, step;

	*n = 0;
	if (db_prepare(v->db, ROWS_SQL " WHERE sv.kek_version <> ?1 LIMIT ?2", &st, e) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, to);
	sqlite3_bind_int64(st, 2, (int64_t)batch);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = row_read(v, st, &rows[(*n)++], e);
	if (rc == 0 && step != SQLITE_DONE)
		rc = db_fail(v->db, e, "reading secret versions");
	sqlite3_finalize(st);
	return rc;
}

static int
row_update(struct sqlite_vault *v, const struct rekey_row *r, struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(v->db, "UPDATE secret_versions SET wrapped_key = ?, kek_version = ?"
		       " WHERE secret_id = ? AND version = ?", &st, e) != 0)
		return -1;
	sqlite3_bind_blob(st, 1, r->wrapped, WRAPPED_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->kek_version);
	sqlite3_bind_text(st, 3, r->secret_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)r->version);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(v->db, e, "rewrapping a data key");
	sqlite3_finalize(st);
	return rc;
}

/* Step 4, one batch in one transaction; *n rows done (0: none was left). */
static int
rewrap_batch(struct sqlite_vault *v, uint32_t to, struct rekey_row *rows, size_t batch, size_t *n,
	     struct mr_err *e)
{
	size_t i;

	if (db_begin(v->db, e) != 0)
		return -1;
	if (batch_read(v, to, batch, rows, n, e) != 0)
		goto fail;
	for (i = 0; i < *n; i++)
		if (rekey_row_rewrap(&v->keys, &rows[i], to, e) != 0 ||
		    row_update(v, &rows[i], e) != 0)
			goto fail;
	if (db_commit(v->db, e) != 0)
		goto fail;
	return 0;
fail:
	db_rollback(v->db);
	return -1;
}

static int
rewrap_all(struct sqlite_vault *v, uint32_t to, const struct rekey_options *o,
	   struct rekey_report *out, struct mr_err *e)
{
	size_t batch = o != NULL && o->batch > 0 ? o->batch : REKEY_BATCH_DEFAULT, n;
	struct rekey_row *rows = calloc(batch, sizeof(*rows));
	int rc = 0;

	if (rows == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	do {
		if ((rc = rewrap_batch(v, to, rows, batch, &n, e)) != 0)
			break;
		out->rewrapped += n;
		if (n > 0 && o != NULL && o->progress != NULL)
			o->progress(o->arg, out->rewrapped);
	} while (n > 0);
	free(rows);
	return rc;
}

/* Step 5 in the store: 1 when a row still needs an older key (a write that
 * began before step 3 committed after it), so step 4 runs again. */
static int
forget_old_ids(struct sqlite_vault *v, uint32_t to, struct mr_err *e)
{
	sqlite3_stmt *st;
	int64_t left = -1;

	if (db_begin(v->db, e) != 0)
		return -1;
	if (db_prepare(v->db, "SELECT count(*) FROM secret_versions WHERE kek_version <> ?",
		       &st, e) != 0)
		goto fail;
	sqlite3_bind_int64(st, 1, to);
	if (sqlite3_step(st) == SQLITE_ROW)
		left = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (left < 0) {
		db_fail(v->db, e, "counting secret versions");
		goto fail;
	}
	if (left > 0) {
		db_rollback(v->db);
		return 1;
	}
	if (exec_int(v, "DELETE FROM kek_ids WHERE id <> ?", to, e) != 0 ||
	    db_commit(v->db, e) != 0)
		goto fail;
	return 0;
fail:
	db_rollback(v->db);
	return -1;
}

int
sqlite_rekey(const char *url, const struct rekey_options *o, struct rekey_report *out,
	     struct mr_err *e)
{
	struct sqlite_vault *v = NULL;
	char dir[PATH_MAX];
	int lock = -1, rc = -1, left;

	if (sqlite_url_dir(url, dir, sizeof(dir), e) != 0 ||
	    local_open(dir, LOCAL_READWRITE, &v, e) != 0 || rekey_lock(v->keys.path, &lock, e) != 0 ||
	    keyring_reload(&v->keys, e) != 0 || check_all(v, e) != 0 ||
	    rekey_add_key(&v->keys, out, e) != 0 || record_key(v, out->to, e) != 0)
		goto out;
	do {
		if (rewrap_all(v, out->to, o, out, e) != 0 ||
		    (left = forget_old_ids(v, out->to, e)) < 0)
			goto out;
	} while (left > 0);
	rc = rekey_retire_keys(&v->keys, out->to, out, e);
out:
	if (lock >= 0)
		close(lock);
	if (v != NULL)
		sqlite_close(&v->store.vault);
	return rc;
}
