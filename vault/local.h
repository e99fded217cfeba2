/* local.h — the embedded store: one SQLite database and a master key file in a
 * 0700 directory. Private to the vault library. */
#ifndef MODAL_VAULT_LOCAL_H
#define MODAL_VAULT_LOCAL_H

#include <sqlite3.h>

#include "access.h"
#include "crypto.h"
#include "remote.h"
#include "vault.h"

#define SCHEMA_VERSION 4
/* How long a statement waits for another writer's lock before failing. */
#define LOCAL_BUSY_TIMEOUT_MS 5000

/* The statements every server request runs (a token check, a fetch, the
 * audit writer's insert), prepared once per connection and kept: preparing
 * one is a parse and a plan, several microseconds each time. */
enum db_hot {
	HOT_BEGIN, HOT_COMMIT, HOT_ENV_EXISTS, HOT_FETCH, HOT_TOKEN_READ, HOT_TOKEN_TOUCH,
	HOT_MEMBER_GET, HOT_AUDIT_INSERT, HOT_AUDIT_INSERT_MANY, HOT_COUNT
};

struct vault {
	char *dir;
	sqlite3 *db;
	struct keyring keys;
	uint32_t kek_version;      /* the key id new versions are wrapped under */
	struct vault_workspace ws;
	int readonly;
	struct remote *remote;     /* set: a vault server, every call goes to remote.h */
	struct pg *pg;             /* set: a PostgreSQL store, every call goes to pg/pg.h */
	sqlite3_stmt *hot[HOT_COUNT];  /* prepared on first use, finalized by vault_close */
	/* A token's last use, to write once the caller's snapshot ends. */
	char touch_token[TOKEN_ID_LEN + 1];
	int64_t touch_at;
};

/* schema.c */
int schema_migrate(sqlite3 *db, struct mr_err *e);
/* For read-only connections: the schema must be exactly the one we know. */
int schema_check(sqlite3 *db, struct mr_err *e);
int db_fail(sqlite3 *db, struct mr_err *e, const char *what);
int db_exec(sqlite3 *db, const char *sql, struct mr_err *e);
int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, struct mr_err *e);
/* Copies a text column into buf (NULL reads as ""). */
void db_text(sqlite3_stmt *st, int col, char *buf, size_t len);
/* Every write is one BEGIN IMMEDIATE transaction: taking the write lock up
 * front means a read inside it cannot go stale before the write. */
int db_begin(sqlite3 *db, struct mr_err *e);
int db_commit(sqlite3 *db, struct mr_err *e);
void db_rollback(sqlite3 *db);

/* local.c */
/* The hot statement which, prepared from sql on its first use (sql must be
 * the same every time). Give it back with db_hot_done, never finalize it. */
int db_hot(struct vault *v, enum db_hot which, const char *sql, sqlite3_stmt **st,
	   struct mr_err *e);
/* Resets a hot statement (ending the read it holds open) and drops its
 * bindings, so no pointer of this call's is left in it. NULL is ignored. */
void db_hot_done(sqlite3_stmt *st);
/* Runs a hot statement that takes no parameters and gives no rows (BEGIN). */
int db_hot_exec(struct vault *v, enum db_hot which, const char *sql, struct mr_err *e);
/* Several reads as one snapshot and one transaction (each transaction costs
 * the WAL's shared-memory locks, system calls): 1 begun, 0 already inside
 * one, -1 failed. db_read_end ends what db_read_begin began. */
int db_read_begin(struct vault *v, struct mr_err *e);
void db_read_end(struct vault *v, int began);
enum local_mode { LOCAL_CREATE, LOCAL_READWRITE, LOCAL_READONLY };
/* The master key file of the embedded vault at dir: the systemd credential
 * PG_KEY_CREDENTIAL when the service was given one (LoadCredential=), else
 * dir/master.key. *credential says which. */
int local_key_path(const char *dir, char *buf, size_t len, int *credential, struct mr_err *e);
int local_open(const char *dir, enum local_mode mode, struct vault **out, struct mr_err *e);
int local_create_workspace(struct vault *v, const char *name, struct mr_err *e);
/* Inside a write transaction: the key id new versions get (meta, which a
 * rekey moves on), with the keyring reloaded if it lacks that key. */
int local_current_kek(struct vault *v, struct mr_err *e);

/* local_files.c */
/* Installs the check of what SQLite opens; once, before any connection. */
void local_files_configure(void);
/* The vault directory, opened and checked (yours or root's, writable by no
 * one else): the descriptor, or -1 naming the path and the fault. */
int local_dir_open(const char *dir, struct mr_err *e);
/* Opens *db on path, which must be dirfd's vault.db: looked at first (a
 * regular file, not a symlink, yours or root's, writable by no one else),
 * then SQLite's own descriptor must be that file and pass the same rules.
 * SQLITE_OPEN_CREATE in flags makes the file first (O_EXCL, 0600). On
 * failure *db may be set: the caller closes it with sqlite3_close. */
int local_db_open(int dirfd, const char *path, int flags, sqlite3 **db, struct mr_err *e);

/* envs.c */
/* MR_E_INVALID naming what and the rules unless name is a valid name. */
int name_check(const char *what, const char *name, struct mr_err *e);
/* MR_E_NOTFOUND unless environment env exists in the workspace. */
int env_must_exist(struct vault *v, const char *env, struct mr_err *e);
/* The checks of vault_env_update every vault kind makes before its store:
 * the names valid, a change asked for, the default environment not renamed
 * (default_env NULL: not known here, the server checks). */
int env_update_check(const char *name, const char *new_name, const char *new_suffix,
		     const char *default_env, struct mr_err *e);

/* members.c */
int member_insert(struct vault *v, const char *name, const char *role,
		  struct vault_member *out, struct mr_err *e);
/* 0 found, 1 no such member, -1 error. */
int member_get(struct vault *v, const char *member_id, struct vault_member *out,
	       struct mr_err *e);

#endif
