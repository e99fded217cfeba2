/* secrets.c — secret bundles in the embedded store: sealed writes, metadata
 * reads, and the launcher's fetch into one locked arena (its own, or one a
 * server worker reuses). */
#include "store/codec.h"
#include "local.h"
#include "secmem.h"
#include "store/store_rows.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Most statements here are keyed by workspace, environment and name, as ?1 ?2 ?3. */
static void
bind_key(sqlite3_stmt *st, const struct sqlite_vault *v, const char *env, const char *name)
{
	sqlite3_bind_text(st, 1, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, env, -1, SQLITE_STATIC);
	if (name != NULL)
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
}

static const char *
env_or_default(struct sqlite_vault *v, const char *env)
{
	return env != NULL ? env : v->ws.default_env;
}

static int
read_sealed(struct sqlite_vault *v, sqlite3_stmt *st, const char *env, const char *name,
	    struct sealed_row *row, struct mr_err *e)
{
	const void *blob;
	int rc;

	sqlite3_reset(st);
	bind_key(st, v, env, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return mr_fail(e, MR_E_NOTFOUND, "secret '%s' not found in environment '%s'",
			       name, env);
	if (rc != SQLITE_ROW)
		return db_fail(v->db, e, "reading a secret");
	snprintf(row->secret_id, sizeof(row->secret_id), "%s",
		 (const char *)sqlite3_column_text(st, 0));
	row->version = (uint64_t)sqlite3_column_int64(st, 1);
	row->kek_version = (uint32_t)sqlite3_column_int(st, 2);
	row->sealed_len = (size_t)sqlite3_column_bytes(st, 3);
	blob = sqlite3_column_blob(st, 4);
	if (row->sealed_len < SEAL_OVERHEAD + 8 || row->sealed_len > BUNDLE_MAX_BYTES + SEAL_OVERHEAD ||
	    blob == NULL || sqlite3_column_bytes(st, 4) != WRAPPED_KEY_LEN)
		return mr_fail(e, MR_E_CRYPTO, "secret '%s': stored record is damaged", name);
	memcpy(row->wrapped, blob, WRAPPED_KEY_LEN);
	row->sealed = malloc(row->sealed_len);
	if (row->sealed == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	memcpy(row->sealed, sqlite3_column_blob(st, 3), row->sealed_len);
	return 0;
}

static int
fetch_rows(struct sqlite_vault *v, const char *env, const char *const *names, size_t n,
	   struct sealed_row *rows, struct mr_err *e)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = -1, began;

	/* One read transaction: every bundle comes from the same snapshot. */
	if ((began = db_read_begin(v, e)) < 0)
		return -1;
	if (env_must_exist(v, env, e) != 0)
		goto out;
	if (db_hot(v, HOT_FETCH,
		   "SELECT s.id, s.version, sv.kek_version, sv.sealed, sv.wrapped_key"
		   " FROM secrets s JOIN secret_versions sv"
		   " ON sv.secret_id = s.id AND sv.version = s.version"
		   " WHERE s.workspace_id = ? AND s.environment = ? AND s.name = ?",
		   &st, e) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if (read_sealed(v, st, env, names[i], &rows[i], e) != 0)
			goto out;
	rc = 0;
out:
	db_hot_done(st);
	db_read_end(v, began);
	return rc;
}

/* total bytes of locked memory for out: the caller's arena (grown if need
 * be), or an arena of the fetch's own when there is none. */
static void
arena_take(struct vault_arena *a, size_t total, struct vault_fetch *out)
{
	out->arena_len = total;
	if (a == NULL) {
		out->arena = xsecure_alloc(total);
		return;
	}
	if (a->cap < total) {
		vault_arena_free(a);
		a->cap = total < 4096 ? 4096 : total;
		a->p = xsecure_alloc(a->cap);
		sodium_memzero(a->p, a->cap);   /* all zero between uses */
	}
	out->arena = a->p;
}

/* Arena layout as sealed_rows_open makes it, in the caller's arena or one
 * of the fetch's own. */
static int
open_into_arena(struct sqlite_vault *v, const char *env, const char *const *names,
		size_t n, struct sealed_row *rows, struct vault_arena *a,
		struct vault_fetch *out, struct mr_err *e)
{
	arena_take(a, sealed_rows_size(rows, n), out);
	return sealed_rows_open(&v->keys, v->ws.workspace_id, env, names, rows, n, out, e);
}

static int
fetch_local(struct sqlite_vault *v, const char *env, const char *const *names, size_t nnames,
	    struct vault_arena *a, struct vault_fetch *out, struct mr_err *e)
{
	struct sealed_row *rows;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	env = env_or_default(v, env);
	rows = calloc(nnames ? nnames : 1, sizeof(*rows));
	if (rows == NULL)
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	if (fetch_rows(v, env, names, nnames, rows, e) != 0)
		goto out;
	out->nbundles = nnames;
	snprintf(out->environment, sizeof(out->environment), "%s", env);
	keyring_derive(&v->keys, 1, "mv-fprnt", out->fingerprint_key);
	rc = open_into_arena(v, env, names, nnames, rows, a, out, e);
out:
	for (i = 0; i < nnames; i++)
		free(rows[i].sealed);
	free(rows);
	if (rc != 0)
		vault_fetch_return(out, a);
	return rc;
}

int
sqlite_fetch(struct vault *base, const char *env, const char *const *names,
	     size_t nnames, struct vault_fetch *out, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;

	return fetch_local(v, env, names, nnames, NULL, out, e);
}

int
sqlite_fetch_reuse(struct vault *base, const char *env, const char *const *names,
		   size_t nnames, struct vault_arena *arena, struct vault_fetch *out,
		   struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;

	return fetch_local(v, env, names, nnames, arena, out, e);
}

#define META_COLUMNS "s.id, s.name, s.environment, s.created_at, s.updated_at, s.version, sv.keys"
#define META_FROM " FROM secrets s JOIN secret_versions sv ON sv.secret_id = s.id AND sv.version = s.version"

static int
meta_from_row(sqlite3_stmt *st, struct vault_secret_meta *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->secret_id, sizeof(m->secret_id), "%s", sqlite3_column_text(st, 0));
	snprintf(m->name, sizeof(m->name), "%s", sqlite3_column_text(st, 1));
	snprintf(m->environment, sizeof(m->environment), "%s", sqlite3_column_text(st, 2));
	m->created_at = sqlite3_column_int64(st, 3);
	m->updated_at = sqlite3_column_int64(st, 4);
	m->version = (uint64_t)sqlite3_column_int64(st, 5);
	return keys_split((const char *)sqlite3_column_text(st, 6), m);
}

int
sqlite_secret_get(struct vault *base, const char *env, const char *name,
		  struct vault_secret_meta *out, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	sqlite3_stmt *st;
	int rc;

	env = env_or_default(v, env);
	if (env_must_exist(v, env, e) != 0)
		return -1;
	if (db_prepare(v->db, "SELECT " META_COLUMNS META_FROM
		       " WHERE s.workspace_id = ? AND s.environment = ? AND s.name = ?",
		       &st, e) != 0)
		return -1;
	bind_key(st, v, env, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = meta_from_row(st, out) == 0 ? 0
			: mr_fail(e, MR_E_INTERNAL, "out of memory");
	else if (rc == SQLITE_DONE)
		rc = mr_fail(e, MR_E_NOTFOUND, "secret '%s' not found in environment '%s'",
			     name, env);
	else
		rc = db_fail(v->db, e, "reading a secret");
	sqlite3_finalize(st);
	return rc;
}

/* Every row of a prepared metadata query, in order. */
static int
meta_collect(struct sqlite_vault *v, sqlite3_stmt *st, struct vault_secret_meta **out,
	     size_t *n, const char *what, struct mr_err *e)
{
	struct vault_secret_meta *list = NULL, *grown;
	size_t count = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		grown = realloc(list, (count + 1) * sizeof(*list));
		if (grown == NULL || meta_from_row(st, &grown[count]) != 0) {
			list = grown ? grown : list;
			rc = SQLITE_NOMEM;
			break;
		}
		list = grown;
		count++;
	}
	if (rc != SQLITE_DONE) {
		vault_secret_meta_free(list, count);
		return rc == SQLITE_NOMEM ? mr_fail(e, MR_E_INTERNAL, "out of memory")
					  : db_fail(v->db, e, what);
	}
	*out = list;
	*n = count;
	return 0;
}

int
sqlite_secret_list(struct vault *base, const char *env, struct vault_secret_meta **out,
		   size_t *n, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	sqlite3_stmt *st;
	int rc;

	env = env_or_default(v, env);
	if (env_must_exist(v, env, e) != 0)
		return -1;
	if (db_prepare(v->db, "SELECT " META_COLUMNS META_FROM
		       " WHERE s.workspace_id = ? AND s.environment = ? ORDER BY s.name",
		       &st, e) != 0)
		return -1;
	bind_key(st, v, env, NULL);
	rc = meta_collect(v, st, out, n, "listing secrets", e);
	sqlite3_finalize(st);
	return rc;
}

int
sqlite_secret_versions(struct vault *base, const char *env, const char *name,
		       struct vault_secret_meta **out, size_t *n, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	sqlite3_stmt *st;
	int rc;

	env = env_or_default(v, env);
	if (env_must_exist(v, env, e) != 0)
		return -1;
	/* Each version's own time is both its created_at and updated_at. */
	if (db_prepare(v->db, "SELECT s.id, s.name, s.environment, sv.created_at, sv.created_at,"
		       " sv.version, sv.keys FROM secrets s JOIN secret_versions sv"
		       " ON sv.secret_id = s.id"
		       " WHERE s.workspace_id = ? AND s.environment = ? AND s.name = ?"
		       " ORDER BY sv.version DESC", &st, e) != 0)
		return -1;
	bind_key(st, v, env, name);
	rc = meta_collect(v, st, out, n, "listing versions", e);
	sqlite3_finalize(st);
	if (rc == 0 && *n == 0) {
		free(*out);
		*out = NULL;
		rc = mr_fail(e, MR_E_NOTFOUND, "secret '%s' not found in environment '%s'",
			     name, env);
	}
	return rc;
}

/* How a write treats an existing secret: refuse it, replace it, or replace
 * it only at an expected version (compare-and-set; 0 expects none). */
enum put_mode { PUT_CREATE, PUT_REPLACE, PUT_EXPECT };

struct put_want {
	enum put_mode mode;
	uint64_t expected;
};

/* Inside the write transaction: the id and version the new version gets. */
static int
next_version(struct sqlite_vault *v, const char *env, const char *name, struct put_want want,
	     char *id, uint64_t *version, struct mr_err *e)
{
	sqlite3_stmt *st;
	uint64_t current;
	int rc;

	if (db_prepare(v->db, "SELECT id, version FROM secrets"
		       " WHERE workspace_id = ? AND environment = ? AND name = ?", &st, e) != 0)
		return -1;
	bind_key(st, v, env, name);
	rc = sqlite3_step(st);
	current = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 1) : 0;
	if (rc == SQLITE_ROW && want.mode == PUT_CREATE) {
		rc = mr_fail(e, MR_E_EXISTS, "secret '%s' already exists in environment '%s'",
			     name, env);
	} else if ((rc == SQLITE_ROW || rc == SQLITE_DONE) && want.mode == PUT_EXPECT &&
		   current != want.expected) {
		rc = current == 0
			? mr_fail(e, MR_E_NOTFOUND, "secret '%s' not found in environment '%s'",
				  name, env)
			: mr_fail(e, MR_E_CONFLICT, "secret '%s' is at version %llu, not %llu",
				  name, (unsigned long long)current,
				  (unsigned long long)want.expected);
	} else if (rc == SQLITE_ROW) {
		db_text(st, 0, id, 48);
		*version = current + 1;
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		random_id("st-", 22, id);
		*version = 1;
		rc = 0;
	} else {
		rc = db_fail(v->db, e, "reading a secret");
	}
	sqlite3_finalize(st);
	return rc;
}

static int
store_version(struct sqlite_vault *v, const char *env, const char *name, const char *id,
	      uint64_t version, const struct sealed_write *w, struct mr_err *e)
{
	sqlite3_stmt *st = NULL;
	int64_t now = time(NULL);
	int rc = -1;

	/* Both statements number their parameters alike, so one set of binds fits. */
	if (db_prepare(v->db, version == 1
		       ? "INSERT INTO secrets VALUES (?1, ?2, ?3, ?4, ?6, ?5, ?5)"
		       : "UPDATE secrets SET version = ?6, updated_at = ?5"
			 " WHERE id = ?1 AND workspace_id = ?2 AND environment = ?3 AND name = ?4",
		       &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v->ws.workspace_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, env, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, (int64_t)version);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	if (db_prepare(v->db, "INSERT INTO secret_versions VALUES (?, ?, ?, ?, ?, ?, ?)", &st, e) != 0)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)version);
	sqlite3_bind_text(st, 3, w->keys, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, w->sealed, (int)w->sealed_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, w->wrapped, WRAPPED_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, (int)v->kek_version);
	sqlite3_bind_int64(st, 7, now);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
out:
	if (rc != 0)
		db_fail(v->db, e, "storing a secret");
	sqlite3_finalize(st);
	return rc;
}

static int
secret_write(struct sqlite_vault *v, const char *env, const char *name,
	     const struct vault_item *items, size_t nitems, struct put_want want,
	     struct vault_secret_meta *out, struct mr_err *e)
{
	struct sealed_write w;
	char id[48];
	uint64_t version = 0;
	struct seal_context ctx;
	int rc = -1;

	env = env_or_default(v, env);
	if (sealed_write_prepare(items, nitems, &w, e) != 0)
		return -1;
	if (db_begin(v->db, e) != 0)
		goto out;
	if (local_current_kek(v, e) != 0 || env_must_exist(v, env, e) != 0 ||
	    next_version(v, env, name, want, id, &version, e) != 0)
		goto rollback;
	ctx = (struct seal_context){ v->ws.workspace_id, env, name, id, version };
	if (sealed_write_seal(&v->keys, v->kek_version, &ctx, &w, e) != 0)
		goto rollback;
	/* The metadata is read inside the transaction: it is the version written. */
	if (store_version(v, env, name, id, version, &w, e) != 0 ||
	    (out != NULL && sqlite_secret_get(&v->store.vault, env, name, out, e) != 0))
		goto rollback;
	if (db_commit(v->db, e) != 0) {
		if (out != NULL)
			vault_secret_meta_clear(out);
		goto rollback;
	}
	rc = 0;
	goto out;
rollback:
	db_rollback(v->db);
out:
	sealed_write_clear(&w);
	return rc;
}

int
sqlite_secret_put(struct vault *base, const char *env, const char *name,
		  const struct vault_item *items, size_t nitems, int replace,
		  struct vault_secret_meta *out, struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	struct put_want want = { replace ? PUT_REPLACE : PUT_CREATE, 0 };

	return secret_write(v, env, name, items, nitems, want, out, e);
}

int
sqlite_secret_update(struct vault *base, const char *env, const char *name,
		     const struct vault_item *items, size_t nitems,
		     uint64_t expected_version, struct vault_secret_meta *out,
		     struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	struct put_want want = { PUT_EXPECT, expected_version };

	return secret_write(v, env, name, items, nitems, want, out, e);
}

int
sqlite_secret_delete(struct vault *base, const char *env, const char *name,
		     struct mr_err *e)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	sqlite3_stmt *st;
	int rc;

	env = env_or_default(v, env);
	if (env_must_exist(v, env, e) != 0)
		return -1;
	if (db_exec(v->db, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	if (db_prepare(v->db, "DELETE FROM secret_versions WHERE secret_id IN (SELECT id FROM secrets"
		       " WHERE workspace_id = ?1 AND environment = ?2 AND name = ?3);"
		       , &st, e) != 0)
		goto rollback;
	bind_key(st, v, env, name);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || db_prepare(v->db, "DELETE FROM secrets"
		       " WHERE workspace_id = ?1 AND environment = ?2 AND name = ?3", &st, e) != 0)
		goto rollback;
	bind_key(st, v, env, name);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto rollback;
	if (sqlite3_changes(v->db) == 0) {
		sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
		return mr_fail(e, MR_E_NOTFOUND, "secret '%s' not found in environment '%s'",
			       name, env);
	}
	return db_exec(v->db, "COMMIT", e);
rollback:
	db_fail(v->db, e, "deleting a secret");
	sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
