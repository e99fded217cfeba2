/* local.c — the embedded store: opening it, and the workspace it holds. */
#include "local.h"
#include "secmem.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
db_hot(struct sqlite_vault *v, enum db_hot which, const char *sql, sqlite3_stmt **st,
       struct mr_err *e)
{
	/* PERSISTENT: SQLite keeps the statement out of its small lookaside
	 * memory, which it would otherwise tie up for the connection's life. */
	if (v->hot[which] == NULL &&
	    sqlite3_prepare_v3(v->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &v->hot[which],
			       NULL) != SQLITE_OK)
		return db_fail(v->db, e, "prepare");
	*st = v->hot[which];
	return 0;
}

void
db_hot_done(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int
db_hot_exec(struct sqlite_vault *v, enum db_hot which, const char *sql, struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_hot(v, which, sql, &st, e) != 0)
		return -1;
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(v->db, e, "exec");
	db_hot_done(st);
	return rc;
}

static int
load_workspace(struct sqlite_vault *v, struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (db_prepare(v->db,
		       "SELECT id, slug, name, plan, default_env,"
		       " (SELECT v FROM meta WHERE k = 'kek_version')"
		       " FROM workspaces LIMIT 1", &st, e) != 0)
		return -1;
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		snprintf(v->ws.workspace_id, sizeof(v->ws.workspace_id), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		snprintf(v->ws.slug, sizeof(v->ws.slug), "%s",
			 (const char *)sqlite3_column_text(st, 1));
		snprintf(v->ws.name, sizeof(v->ws.name), "%s",
			 (const char *)sqlite3_column_text(st, 2));
		snprintf(v->ws.plan, sizeof(v->ws.plan), "%s",
			 (const char *)sqlite3_column_text(st, 3));
		snprintf(v->ws.default_env, sizeof(v->ws.default_env), "%s",
			 (const char *)sqlite3_column_text(st, 4));
		v->kek_version = (uint32_t)sqlite3_column_int(st, 5);
		rc = 0;
		break;
	case SQLITE_DONE:
		rc = mr_fail(e, MR_E_CONFIG, "vault %s holds no workspace", v->dir);
		break;
	default:
		rc = db_fail(v->db, e, "reading the workspace");
	}
	sqlite3_finalize(st);
	return rc;
}

int
local_current_kek(struct sqlite_vault *v, struct mr_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(v->db, "SELECT CAST(v AS INTEGER) FROM meta WHERE k = 'kek_version'",
		       &st, e) != 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v->kek_version = (uint32_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(v->db, e, "reading the current key id");
	return keyring_ensure(&v->keys, v->kek_version, e);
}

/* SQLite counts every allocation under one process-wide mutex unless told
 * not to, and the server's connections then queue on it at every step.
 * Nothing here reads those counts (sqlite3_memory_used, heap limits). Only
 * possible before SQLite initialises: a later call is refused, harmlessly. */
static void
sqlite_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	local_files_configure();
}

static int
db_open(struct sqlite_vault *v, int dirfd, enum local_mode mode, struct mr_err *e)
{
	static pthread_once_t configured = PTHREAD_ONCE_INIT;
	char path[4096];
	int create = mode == LOCAL_CREATE;
	int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE |
		    (mode == LOCAL_READONLY ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);

	if (snprintf(path, sizeof(path), "%s/vault.db", v->dir) >= (int)sizeof(path))
		return mr_fail(e, MR_E_CONFIG, "vault path too long");
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	pthread_once(&configured, sqlite_configure);
	if (local_db_open(dirfd, path, flags, &v->db, e) != 0)
		return -1;
	sqlite3_busy_timeout(v->db, LOCAL_BUSY_TIMEOUT_MS);
	/* Keep the -wal and -shm files between connections: recreating them costs
	 * every launch some forty system calls. They hold only ciphertext. */
	sqlite3_file_control(v->db, "main", SQLITE_FCNTL_PERSIST_WAL, &(int){ 1 });
	if (mode == LOCAL_READONLY) {
		v->readonly = 1;
		return schema_check(v->db, e);
	}
	/* An acknowledged write must survive kill -9 and power loss (SPEC 7). */
	if (db_exec(v->db, create ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			   " PRAGMA foreign_keys=ON"
			   : "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", e) != 0)
		return -1;
	return schema_migrate(v->db, e);
}

/* A credential is the service's own (systemd makes the directory, and only
 * for that service): it counts when it is there, so a unit that loads none
 * (modal-run's modal-token alone) keeps the vault's own file. */
int
local_key_path(const char *dir, char *buf, size_t len, int *credential, struct mr_err *e)
{
	const char *creds = secure_getenv("CREDENTIALS_DIRECTORY");
	int n;

	*credential = 0;
	if (creds != NULL && creds[0] == '/') {
		n = snprintf(buf, len, "%s/%s", creds, KEY_CREDENTIAL);
		if (n >= 0 && (size_t)n < len && access(buf, F_OK) == 0) {
			*credential = 1;
			return 0;
		}
	}
	n = snprintf(buf, len, "%s/master.key", dir);
	if (n < 0 || (size_t)n >= len)
		return mr_fail(e, MR_E_CONFIG, "vault path too long");
	return 0;
}

int
local_open(const char *dir, enum local_mode mode, struct sqlite_vault **out, struct mr_err *e)
{
	struct sqlite_vault *v = calloc(1, sizeof(*v));
	char keypath[4096];
	int credential, dirfd = -1;

	if (v == NULL || (v->dir = strdup(dir)) == NULL) {
		free(v);
		return mr_fail(e, MR_E_INTERNAL, "out of memory");
	}
	v->store.vault.ops = &sqlite_vault_ops;
	v->store.rows = &sqlite_rows;
	v->store.keys = &v->keys;
	if (local_key_path(dir, keypath, sizeof(keypath), &credential, e) != 0)
		goto fail;
	/* Both files are trusted through the checked directory (local_files.c);
	 * a systemd credential is systemd's to protect. */
	if ((dirfd = local_dir_open(dir, e)) < 0)
		goto fail;
	if ((credential ? keyring_load_file(keypath, &v->keys, e)
			: keyring_load_at(dirfd, "master.key", keypath, &v->keys, e)) != 0) {
		if (e->kind == MR_E_NOTFOUND)
			mr_fail(e, MR_E_CONFIG, "no vault at %s (run 'modal-vault init')", dir);
		goto fail;
	}
	if (db_open(v, dirfd, mode, e) != 0)
		goto fail;
	if (mode != LOCAL_CREATE && load_workspace(v, e) != 0)
		goto fail;
	close(dirfd);
	*out = v;
	return 0;
fail:
	if (dirfd >= 0)
		close(dirfd);
	sqlite_close(&v->store.vault);
	return -1;
}

int
local_create_workspace(struct sqlite_vault *v, const char *name, struct mr_err *e)
{
	sqlite3_stmt *st = NULL;
	char id[32];
	int64_t now = time(NULL);

	random_id("ac-", 22, id);
	if (db_begin(v->db, e) != 0)
		return -1;
	if (db_prepare(v->db, "INSERT INTO workspaces VALUES (?, ?, ?, 'starter', 'main', ?)",
		       &st, e) != 0)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(v->db, e, "creating the workspace");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (db_prepare(v->db, "INSERT INTO environments VALUES (?, 'main', '', ?)", &st, e) != 0)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(v->db, e, "creating environment main");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* Whoever holds the master key owns the vault: the first member. */
	snprintf(v->ws.workspace_id, sizeof(v->ws.workspace_id), "%s", id);
	if (member_insert(v, "owner", "owner", NULL, e) != 0 || db_commit(v->db, e) != 0)
		goto fail;
	return load_workspace(v, e);
fail:
	sqlite3_finalize(st);
	db_rollback(v->db);
	return -1;
}

void
sqlite_close(struct vault *base)
{
	struct sqlite_vault *v = (struct sqlite_vault *)base;
	size_t i;

	if (v == NULL)
		return;
	/* sqlite3_close refuses a connection that still has statements. */
	for (i = 0; i < HOT_COUNT; i++)
		sqlite3_finalize(v->hot[i]);
	/* Leave an empty WAL behind: the next launch's first connection would
	 * otherwise read every stale frame to rebuild its index. */
	if (v->db != NULL && !v->readonly)
		sqlite3_exec(v->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	sqlite3_close(v->db);
	keyring_clear(&v->keys);
	free(v->dir);
	free(v);
}
